/* jwt: see jwt.h. */
#include "jwt.h"

#include "base64.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <mbedtls/version.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include <stdlib.h>
#include <string.h>

struct jwt_key {
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

/* The header every token we sign carries, as base64url of
 * {"alg":"RS256","typ":"JWT"}. */
static const char signed_header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";

static int sha256(unsigned char digest[32], const void *data, size_t len)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (!md || mbedtls_md(md, data, len, digest) != 0) {
		log_error("cannot compute SHA-256: mbedTLS refused");
		return -1;
	}
	return 0;
}

/* ---- keys ------------------------------------------------------------- */

/* `needle` in the first `len` bytes of `s`? (memmem, named for its use) */
static int contains(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

/* Classify a PEM text before parsing, so that each kind of wrong key gets a
 * message that names its real cause.  -1 (printed) for a kind we refuse. */
static int check_pem_kind(const char *pem, size_t len, const char *what)
{
	if (!contains(pem, len, "-----BEGIN ")) {
		log_error("%s is not a PEM private key: expected the .pem file GitHub generated "
			  "for the App (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)",
			  what);
		return -1;
	}
	if (!memchr(pem, '\n', len) && contains(pem, len, "\\n")) {
		log_error("%s has the two characters \\n where its line breaks belong: store the "
			  ".pem file's text as it is, line breaks included", what);
		return -1;
	}
	if (contains(pem, len, "ENCRYPTED")) {
		log_error("%s is an encrypted private key: give the unencrypted key "
			  "(PKCS#1 or PKCS#8) GitHub generated for the App", what);
		return -1;
	}
	if (contains(pem, len, "-----BEGIN OPENSSH PRIVATE KEY-----")) {
		log_error("%s is an OpenSSH key: give the App's RSA key in PEM "
			  "(PKCS#1 or PKCS#8), as GitHub generated it", what);
		return -1;
	}
	if (contains(pem, len, "-----BEGIN EC PRIVATE KEY-----") ||
	    contains(pem, len, "-----BEGIN DSA PRIVATE KEY-----")) {
		log_error("%s is not an RSA key: GitHub App keys are RSA (RS256)", what);
		return -1;
	}
	if (!contains(pem, len, "-----BEGIN RSA PRIVATE KEY-----") &&
	    !contains(pem, len, "-----BEGIN PRIVATE KEY-----")) {
		log_error("%s is not a PEM private key: expected -----BEGIN RSA PRIVATE KEY----- "
			  "or -----BEGIN PRIVATE KEY-----", what);
		return -1;
	}
	return 0;
}

static int seed_rng(struct jwt_key *key)
{
	static const char personal[] = "gitops-bump jwt";
	int rc;

	rc = mbedtls_ctr_drbg_seed(&key->drbg, mbedtls_entropy_func, &key->entropy,
				   (const unsigned char *)personal, sizeof(personal) - 1);
	if (rc != 0) {
		log_error("cannot seed the random generator (mbedTLS -0x%04x)", (unsigned)-rc);
		return -1;
	}
	return 0;
}

/* mbedtls_pk_parse_key wants a NUL-terminated PEM with the NUL counted. */
static int parse_pem(struct jwt_key *key, const char *pem, size_t len)
{
	unsigned char *copy = malloc(len + 1);
	int rc;

	if (!copy)
		return MBEDTLS_ERR_PK_ALLOC_FAILED;
	memcpy(copy, pem, len);
	copy[len] = '\0';
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	rc = mbedtls_pk_parse_key(&key->pk, copy, len + 1, NULL, 0,
				  mbedtls_ctr_drbg_random, &key->drbg);
#else
	rc = mbedtls_pk_parse_key(&key->pk, copy, len + 1, NULL, 0);
#endif
	mbedtls_platform_zeroize(copy, len + 1);
	free(copy);
	return rc;
}

int jwt_key_load(struct jwt_key **out, const char *pem, size_t len, const char *what)
{
	struct jwt_key *key = NULL;
	int ret = -1, rc;
	size_t bits;

	if (check_pem_kind(pem, len, what) < 0)
		return -1;
	key = calloc(1, sizeof(*key));
	if (!key)
		return log_oom();
	mbedtls_pk_init(&key->pk);
	mbedtls_entropy_init(&key->entropy);
	mbedtls_ctr_drbg_init(&key->drbg);
	if (seed_rng(key) < 0)
		goto out;
	rc = parse_pem(key, pem, len);
	if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED || rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
		log_error("%s is an encrypted private key: give the unencrypted key "
			  "(PKCS#1 or PKCS#8) GitHub generated for the App", what);
		goto out;
	}
	if (rc == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG) {
		log_error("%s is not an RSA key: GitHub App keys are RSA (RS256)", what);
		goto out;
	}
	if (rc != 0) {
		/* the code only: mbedTLS's own text could quote nothing secret,
		 * but a code is all a maintainer needs */
		log_error("%s does not parse as a PKCS#1 or PKCS#8 RSA private key "
			  "(mbedTLS -0x%04x): paste the whole .pem file, BEGIN and END lines included",
			  what, (unsigned)-rc);
		goto out;
	}
	if (mbedtls_pk_get_type(&key->pk) != MBEDTLS_PK_RSA) {
		log_error("%s is not an RSA key: GitHub App keys are RSA (RS256)", what);
		goto out;
	}
	bits = mbedtls_pk_get_bitlen(&key->pk);
	if (bits < JWT_RSA_MIN_BITS || bits > JWT_RSA_MAX_BITS) {
		log_error("%s is a %zu-bit RSA key: %d to %d bits are accepted", what, bits,
			  JWT_RSA_MIN_BITS, JWT_RSA_MAX_BITS);
		goto out;
	}
	*out = key;
	key = NULL;
	ret = 0;
out:
	jwt_key_free(key);
	return ret;
}

void jwt_key_free(struct jwt_key *key)
{
	if (!key)
		return;
	mbedtls_pk_free(&key->pk); /* zeroizes the key */
	mbedtls_ctr_drbg_free(&key->drbg);
	mbedtls_entropy_free(&key->entropy);
	mbedtls_platform_zeroize(key, sizeof(*key));
	free(key);
}

/* ---- signing ---------------------------------------------------------- */

static int sign_digest(struct jwt_key *key, const unsigned char digest[32],
		       unsigned char *sig, size_t size, size_t *sig_len)
{
	int rc;

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	rc = mbedtls_pk_sign(&key->pk, MBEDTLS_MD_SHA256, digest, 32, sig, size, sig_len,
			     mbedtls_ctr_drbg_random, &key->drbg);
#else
	(void)size; /* 2.28 writes at most the key's length, MBEDTLS_PK_SIGNATURE_MAX_SIZE */
	rc = mbedtls_pk_sign(&key->pk, MBEDTLS_MD_SHA256, digest, 32, sig, sig_len,
			     mbedtls_ctr_drbg_random, &key->drbg);
#endif
	if (rc != 0) {
		log_error("cannot sign the JWT with the App's key (mbedTLS -0x%04x)", (unsigned)-rc);
		return -1;
	}
	return 0;
}

int jwt_sign_rs256(struct buf *out, struct jwt_key *key, const char *claims, size_t len)
{
	unsigned char digest[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t before = out->len, sig_len = 0;
	int ret = -1;

	if (base64url_encode(out, signed_header, sizeof(signed_header) - 1, "the JWT header") < 0)
		goto out;
	if (buf_addc(out, '.') < 0) {
		log_oom();
		goto out;
	}
	if (base64url_encode(out, claims, len, "the JWT claims") < 0 ||
	    sha256(digest, out->ptr + before, out->len - before) < 0 ||
	    sign_digest(key, digest, sig, sizeof(sig), &sig_len) < 0)
		goto out;
	if (buf_addc(out, '.') < 0) {
		log_oom();
		goto out;
	}
	if (base64url_encode(out, sig, sig_len, "the JWT signature") < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		buf_rollback(out, before);
	return ret;
}

/* A numeric App id or a client id: letters, digits, '.'. */
static int valid_app_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '.'))
			return 0;
	}
	return 1;
}

int jwt_app_token(struct buf *out, struct jwt_key *key, const char *app_id, long long now)
{
	struct buf claims = BUF_INIT;
	size_t before = out->len;
	int ret = -1;

	if (!valid_app_id(app_id)) {
		log_error("input 'app-id' must be the App's numeric id or its client id "
			  "(letters, digits and '.', at most 64)");
		goto out;
	}
	/* app_id needs no JSON escaping: its alphabet has no special byte */
	if (buf_addf(&claims, "{\"iat\":%lld,\"exp\":%lld,\"iss\":\"%s\"}",
		     now - JWT_APP_BACKDATE, now - JWT_APP_BACKDATE + JWT_APP_LIFETIME,
		     app_id) < 0) {
		log_oom();
		goto out;
	}
	if (jwt_sign_rs256(out, key, claims.ptr, claims.len) < 0)
		goto out;
	if (log_mask(out->ptr + before) < 0) {
		buf_rollback(out, before);
		goto out;
	}
	ret = 0;
out:
	buf_release(&claims);
	return ret;
}

/* ---- verifying -------------------------------------------------------- */

void jwt_init(struct jwt *jwt)
{
	memset(jwt, 0, sizeof(*jwt));
	buf_init(&jwt->header, JWT_MAX_LEN);
	buf_init(&jwt->claims, JWT_MAX_LEN);
	buf_init(&jwt->sig, JWT_MAX_LEN);
}

void jwt_release(struct jwt *jwt)
{
	buf_release(&jwt->header);
	buf_release(&jwt->claims);
	buf_release(&jwt->sig);
	free(jwt->kid);
	jwt->kid = NULL;
	memset(jwt->digest, 0, sizeof(jwt->digest));
}

/* The header: a JSON object, "alg" exactly "RS256", no "crit" (RFC 7515
 * section 4.1.11: an extension we do not know must be refused); keeps "kid". */
static int check_header(struct jwt *jwt, const char *what)
{
	cJSON *root = cJSON_ParseWithLength(jwt->header.ptr, jwt->header.len);
	const cJSON *alg, *kid;
	int ret = -1;

	if (!cJSON_IsObject(root)) {
		log_error("%s is not a JWT: its header is not a JSON object", what);
		goto out;
	}
	alg = cJSON_GetObjectItemCaseSensitive(root, "alg");
	if (!cJSON_IsString(alg)) {
		log_error("%s has no algorithm (\"alg\") in its header", what);
		goto out;
	}
	if (strcmp(alg->valuestring, "RS256") != 0) {
		/* an attacker-chosen string: log.c neutralises and bounds it */
		log_error("%s uses algorithm '%s': only RS256 is accepted", what,
			  alg->valuestring);
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "crit")) {
		log_error("%s has critical header extensions (\"crit\"), which are not supported",
			  what);
		goto out;
	}
	kid = cJSON_GetObjectItemCaseSensitive(root, "kid");
	if (kid && !cJSON_IsString(kid)) {
		log_error("%s has a key id (\"kid\") that is not a string", what);
		goto out;
	}
	if (kid && !(jwt->kid = strdup(kid->valuestring))) {
		log_oom();
		goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

static int check_claims(const struct jwt *jwt, const char *what)
{
	cJSON *root = cJSON_ParseWithLength(jwt->claims.ptr, jwt->claims.len);
	int ok = cJSON_IsObject(root);

	cJSON_Delete(root);
	if (!ok) {
		log_error("%s is not a JWT: its claims are not a JSON object", what);
		return -1;
	}
	return 0;
}

int jwt_parse(struct jwt *jwt, const char *token, size_t len, const char *what)
{
	const char *dot1, *dot2;
	int ret = -1;

	jwt_init(jwt);
	if (len > JWT_MAX_LEN) {
		log_error("%s is too long (%zu bytes; at most %zu)", what, len, JWT_MAX_LEN);
		goto out;
	}
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token))) {
		log_error("%s is not a JWT: it must be three base64url parts joined by '.'", what);
		goto out;
	}
	if (dot2 + 1 == token + len) {
		log_error("%s has no signature (an unsecured JWT): only RS256 is accepted", what);
		goto out;
	}
	if (base64url_decode(&jwt->header, token, (size_t)(dot1 - token),
			     "the JWT header") < 0 ||
	    base64url_decode(&jwt->claims, dot1 + 1, (size_t)(dot2 - dot1 - 1),
			     "the JWT claims") < 0 ||
	    base64url_decode(&jwt->sig, dot2 + 1, len - (size_t)(dot2 + 1 - token),
			     "the JWT signature") < 0)
		goto out;
	if (check_header(jwt, what) < 0 || check_claims(jwt, what) < 0)
		goto out;
	if (sha256(jwt->digest, token, (size_t)(dot2 - token)) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		jwt_release(jwt);
	return ret;
}

/* A public key from a JWK's base64url n and e. */
static int load_public(mbedtls_pk_context *pk, const char *n, const char *e, const char *what)
{
	struct buf nb = BUF_INIT, eb = BUF_INIT;
	mbedtls_rsa_context *rsa;
	int ret = -1, rc;
	size_t bits;

	if (base64url_decode(&nb, n, strlen(n), "the key's modulus (n)") < 0 ||
	    base64url_decode(&eb, e, strlen(e), "the key's exponent (e)") < 0)
		goto out;
	if (!nb.len || !eb.len || eb.len > 8) {
		log_error("the RSA key for %s is not valid: empty modulus or bad exponent", what);
		goto out;
	}
	rc = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
	if (rc != 0) {
		log_error("cannot set up an RSA key (mbedTLS -0x%04x)", (unsigned)-rc);
		goto out;
	}
	rsa = mbedtls_pk_rsa(*pk);
	rc = mbedtls_rsa_import_raw(rsa, (const unsigned char *)nb.ptr, nb.len, NULL, 0, NULL, 0,
				    NULL, 0, (const unsigned char *)eb.ptr, eb.len);
	if (rc == 0)
		rc = mbedtls_rsa_complete(rsa);
	if (rc == 0)
		rc = mbedtls_rsa_check_pubkey(rsa);
	if (rc != 0) {
		log_error("the RSA key for %s is not a valid public key (mbedTLS -0x%04x)", what,
			  (unsigned)-rc);
		goto out;
	}
	bits = mbedtls_pk_get_bitlen(pk);
	if (bits < JWT_RSA_MIN_BITS || bits > JWT_RSA_MAX_BITS) {
		log_error("the RSA key for %s has %zu bits: %d to %d are accepted", what, bits,
			  JWT_RSA_MIN_BITS, JWT_RSA_MAX_BITS);
		goto out;
	}
	ret = 0;
out:
	buf_release(&nb);
	buf_release(&eb);
	return ret;
}

int jwt_verify_rs256(const struct jwt *jwt, const char *n, const char *e, const char *what)
{
	mbedtls_pk_context pk;
	int ret = -1;

	mbedtls_pk_init(&pk);
	if (load_public(&pk, n, e, what) < 0)
		goto out;
	/* PKCS#1 v1.5 signatures are exactly as long as the modulus */
	if (jwt->sig.len != mbedtls_pk_get_len(&pk) ||
	    mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, jwt->digest, sizeof(jwt->digest),
			      (const unsigned char *)jwt->sig.ptr, jwt->sig.len) != 0) {
		log_error("%s: signature does not verify with the issuer's key", what);
		goto out;
	}
	ret = 0;
out:
	mbedtls_pk_free(&pk);
	return ret;
}
