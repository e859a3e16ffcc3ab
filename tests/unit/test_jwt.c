/*
 * Unit tests for jwt (and base64url).  The vectors in tests/fixtures/jwt/
 * were made with python3-cryptography (make_vectors.py there); RS256 is
 * deterministic, so the token signed here must equal Python's byte for byte.
 * Run from the repository root (tests/test_unit.py does).
 */
#include "base64.h"
#include "capture.h"
#include "jwt.h"
#include "log.h"
#include "t.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#define FIX "tests/fixtures/jwt/"

/* A fixture file's text, trailing newline dropped; the caller frees. */
static char *slurp(const char *name)
{
	struct buf b = BUF_INIT;

	if (buf_read_file(&b, name) < 0) {
		fprintf(stderr, "cannot read %s\n", name);
		exit(1);
	}
	while (b.len && b.ptr[b.len - 1] == '\n')
		buf_truncate(&b, b.len - 1);
	return buf_detach(&b, NULL);
}

static struct jwt_key *load(const char *name)
{
	char *pem = slurp(name);
	struct jwt_key *key = NULL;

	if (jwt_key_load(&key, pem, strlen(pem), "input 'private-key'") < 0)
		key = NULL;
	free(pem);
	return key;
}

/* n and e of a JWK fixture, malloc'd. */
static void jwk(const char *name, char **n, char **e)
{
	char *text = slurp(name);
	cJSON *root = cJSON_Parse(text);

	*n = strdup(cJSON_GetObjectItem(root, "n")->valuestring);
	*e = strdup(cJSON_GetObjectItem(root, "e")->valuestring);
	cJSON_Delete(root);
	free(text);
}

static const char *b64u(const char *s, size_t len)
{
	static char out[256];
	struct buf b = BUF_INIT;

	if (base64url_encode(&b, s, len, "test") < 0)
		return NULL;
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_release(&b);
	return out;
}

static int unb64u(const char *s, struct buf *out)
{
	return base64url_decode(out, s, strlen(s), "test");
}

static void test_base64url(void)
{
	struct buf b = BUF_INIT;

	/* RFC 4648 section 10 without padding, and the two url characters */
	CHECK_STR(b64u("", 0), "");
	CHECK_STR(b64u("f", 1), "Zg");
	CHECK_STR(b64u("fo", 2), "Zm8");
	CHECK_STR(b64u("foo", 3), "Zm9v");
	CHECK_STR(b64u("foob", 4), "Zm9vYg");
	CHECK_STR(b64u("fooba", 5), "Zm9vYmE");
	CHECK_STR(b64u("\xfb\xff\xbf", 3), "-_-_");
	/* RFC 7515 appendix C's example */
	CHECK_STR(b64u("\x03\xec\xff\xf0", 4), "A-z_8A");

	CHECK_INT(unb64u("A-z_8A", &b), 0);
	CHECK_INT(b.len, 4);
	CHECK(memcmp(b.ptr, "\x03\xec\xff\xf0", 4) == 0);
	buf_reset(&b);
	CHECK_INT(unb64u("Zm9vYmE", &b), 0);
	CHECK_STR(buf_cstr(&b), "fooba");
	buf_reset(&b);

	/* round trip over every length and byte */
	for (size_t len = 0; len < 70; len++) {
		unsigned char data[70];
		struct buf e = BUF_INIT, d = BUF_INIT;

		for (size_t i = 0; i < len; i++)
			data[i] = (unsigned char)(i * 97 + len);
		base64url_encode(&e, data, len, "test");
		CHECK(strchr(buf_cstr(&e), '=') == NULL);
		CHECK_INT(base64url_decode(&d, e.ptr, e.len, "test"), 0);
		CHECK(d.len == len && (!len || memcmp(d.ptr, data, len) == 0));
		buf_release(&e);
		buf_release(&d);
	}

	/* strict: the standard alphabet's + and /, padding, breaks, 4k+1,
	 * non-canonical last bits; the buffer is left as it was */
	buf_adds(&b, "keep");
	CHECK_FAILS(unb64u("Zm+v", &b), "unexpected character at offset 2");
	CHECK_FAILS(unb64u("Zm/v", &b), "unexpected character");
	CHECK_FAILS(unb64u("Zg==", &b), "padding at offset 2");
	CHECK_FAILS(unb64u("Zm9v\nYg", &b), "unexpected byte at offset 4");
	CHECK_FAILS(unb64u("Zm9vY", &b), "truncated input");
	CHECK_FAILS(unb64u("Zh", &b), "non-zero padding bits");
	CHECK_FAILS(unb64u("Zm9", &b), "non-zero padding bits");
	CHECK_STR(buf_cstr(&b), "keep");
	buf_release(&b);
}

/* The same key as PKCS#1 and PKCS#8 signs the claims exactly as Python did,
 * and the token verifies with the key's JWK. */
static void test_sign_matches_python(void)
{
	const char *files[] = { FIX "app-pkcs1.pem", FIX "app-pkcs8.pem" };
	char *claims = slurp(FIX "claims.json"), *want = slurp(FIX "expected.jwt");
	char *n, *e;

	jwk(FIX "app.jwk.json", &n, &e);
	for (size_t i = 0; i < 2; i++) {
		struct jwt_key *key = load(files[i]);
		struct buf tok = BUF_INIT;
		struct jwt jwt;

		CHECK(key != NULL);
		if (!key)
			continue;
		buf_adds(&tok, "prefix:");
		CHECK_INT(jwt_sign_rs256(&tok, key, claims, strlen(claims)), 0);
		CHECK_STR(buf_cstr(&tok) + 7, want);
		CHECK_INT(jwt_parse(&jwt, tok.ptr + 7, tok.len - 7, "the token"), 0);
		CHECK_STR(buf_cstr(&jwt.claims), claims);
		CHECK(jwt.kid == NULL);
		CHECK_QUIET_OK(jwt_verify_rs256(&jwt, n, e, "the token"));
		jwt_release(&jwt);
		buf_release(&tok);
		jwt_key_free(key);
	}
	free(n);
	free(e);
	free(claims);
	free(want);
}

/* jwt_app_token: iat 60 s back, exp 540 s ahead, iss the App id; masked. */
static void test_app_token(void)
{
	struct jwt_key *key = load(FIX "app-pkcs1.pem");
	struct buf tok = BUF_INIT;
	struct jwt jwt;
	const char *out;
	char *n, *e;

	jwk(FIX "app.jwk.json", &n, &e);
	CHECK(key != NULL);
	if (!key)
		goto out;
	CHECK_INT(jwt_app_token(&tok, key, "12345", 1700000060), 0);
	CHECK_INT(jwt_parse(&jwt, tok.ptr, tok.len, "the App JWT"), 0);
	CHECK_STR(buf_cstr(&jwt.claims), "{\"iat\":1700000000,\"exp\":1700000600,\"iss\":\"12345\"}");
	CHECK_INT(jwt_verify_rs256(&jwt, n, e, "the App JWT"), 0);
	jwt_release(&jwt);
	/* the token is a secret now: log.c redacts it */
	capture_begin();
	log_error("leak %s", tok.ptr);
	out = capture_end();
	CHECK(strstr(out, tok.ptr) == NULL);
	CHECK(strstr(out, "***") != NULL);
	buf_reset(&tok);
	/* a client id is an iss too; anything else is refused before signing */
	CHECK_INT(jwt_app_token(&tok, key, "Iv23li.Abc0", 1700000060), 0);
	buf_reset(&tok);
	CHECK_FAILS(jwt_app_token(&tok, key, "12\"3", 1), "input 'app-id' must be");
	CHECK_FAILS(jwt_app_token(&tok, key, "", 1), "input 'app-id' must be");
	CHECK_INT(tok.len, 0);
out:
	log_reset();
	buf_release(&tok);
	jwt_key_free(key);
	free(n);
	free(e);
}

/* Every wrong key is one line naming its cause, and no line shows a byte
 * of the key. */
static void check_bad_key(const char *file, const char *want)
{
	char *pem = slurp(file);
	struct jwt_key *key = NULL;
	const char *err;
	int rc;

	capture_begin();
	rc = jwt_key_load(&key, pem, strlen(pem), "input 'private-key'");
	err = capture_end();
	CHECK_INT(rc, -1);
	CHECK(key == NULL);
	if (!strstr(err, want)) {
		t_failed++;
		fprintf(stderr, "%s: printed \"%s\", want \"%s\"\n", file, err, want);
	}
	t_checks++;
	CHECK(strchr(err, '\n') == strrchr(err, '\n')); /* one line */
	/* no 16-byte run of the PEM's base64 body appears in the message */
	for (const char *p = strstr(pem, "\n"); p && p[1] && strlen(p) > 17; p += 16) {
		char chunk[17];

		memcpy(chunk, p + 1, 16);
		chunk[16] = '\0';
		if (strchr(chunk, '\n') || strchr(chunk, '-'))
			continue;
		if (strstr(err, chunk)) {
			t_failed++;
			fprintf(stderr, "%s: the message shows key bytes\n", file);
			break;
		}
	}
	free(pem);
}

static void test_bad_keys(void)
{
	static const char escaped[] = "-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n";
	struct jwt_key *key = NULL;
	char *pem = slurp(FIX "app-pkcs1.pem");
	char *cut;

	check_bad_key(FIX "app-encrypted.pem", "input 'private-key' is an encrypted private key");
	check_bad_key(FIX "app-pkcs1-encrypted.pem", "is an encrypted private key");
	check_bad_key(FIX "ec.pem", "input 'private-key' is not an RSA key");
	check_bad_key(FIX "ec-sec1.pem", "is not an RSA key");
	check_bad_key(FIX "rsa1024.pem", "is a 1024-bit RSA key");
	check_bad_key(FIX "app-public.pem", "is not a PEM private key");
	check_bad_key(FIX "claims.json", "is not a PEM private key");

	/* a truncated PEM (the secret pasted in part) does not parse */
	cut = strstr(pem, "\n") + 200;
	memcpy(cut, "\n-----END RSA PRIVATE KEY-----\n", 31);
	capture_begin();
	CHECK_INT(jwt_key_load(&key, pem, (size_t)(cut + 31 - pem), "input 'private-key'"), -1);
	CHECK(strstr(capture_end(), "does not parse as a PKCS#1 or PKCS#8 RSA private key") != NULL);
	CHECK(key == NULL);
	CHECK_FAILS(jwt_key_load(&key, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36, "k"),
		    "k is an OpenSSH key");
	/* a key pasted into a one-line secret with \n escapes */
	CHECK_FAILS(jwt_key_load(&key, escaped, strlen(escaped), "k"),
		    "k has the two characters \\n where its line breaks belong");
	free(pem);
}

static void check_parse_fails(const char *token, const char *want)
{
	struct jwt jwt;

	CHECK_FAILS(jwt_parse(&jwt, token, strlen(token), "the ID token"), want);
	CHECK(jwt.header.len == 0 && jwt.kid == NULL);
}

/* alg none and HMAC are refused before any key is looked at; a token signed
 * by another key, or changed after signing, does not verify. */
static void test_verify_rejects(void)
{
	char *hs = slurp(FIX "hs256.jwt"), *none = slurp(FIX "none.jwt");
	char *other = slurp(FIX "other-signed.jwt"), *good = slurp(FIX "expected.jwt");
	char *n, *e, *on, *oe, *sn, *se;
	struct jwt jwt;
	struct buf b = BUF_INIT;

	jwk(FIX "app.jwk.json", &n, &e);
	jwk(FIX "other.jwk.json", &on, &oe);
	jwk(FIX "small.jwk.json", &sn, &se);
	check_parse_fails(hs, "the ID token uses algorithm 'HS256': only RS256 is accepted");
	check_parse_fails(none, "has no signature (an unsecured JWT)");
	check_parse_fails("a.b", "three base64url parts");
	check_parse_fails("a.b.c.d", "three base64url parts");
	check_parse_fails("e30.e30.AA", "has no algorithm");
	/* {"alg":"none"} with a signature part still fails on alg */
	buf_adds(&b, b64u("{\"alg\":\"none\"}", 14));
	buf_adds(&b, ".e30.AAAA");
	check_parse_fails(b.ptr, "uses algorithm 'none'");
	buf_reset(&b);
	buf_adds(&b, b64u("{\"alg\":\"RS256\",\"crit\":[\"x\"]}", 28));
	buf_adds(&b, ".e30.AAAA");
	check_parse_fails(b.ptr, "\"crit\"");
	buf_reset(&b);
	buf_adds(&b, b64u("{\"alg\":\"RS256\"}", 15));
	buf_adds(&b, ".WzFd.AAAA"); /* claims [1] */
	check_parse_fails(b.ptr, "its claims are not a JSON object");
	buf_reset(&b);

	/* another key's token: parses (kid read), does not verify with ours */
	CHECK_INT(jwt_parse(&jwt, other, strlen(other), "the ID token"), 0);
	CHECK_STR(jwt.kid, "other");
	CHECK_FAILS(jwt_verify_rs256(&jwt, n, e, "the ID token"), "signature does not verify");
	CHECK_INT(jwt_verify_rs256(&jwt, on, oe, "the ID token"), 0);
	CHECK_FAILS(jwt_verify_rs256(&jwt, sn, se, "the ID token"), "has 1024 bits");
	CHECK_FAILS(jwt_verify_rs256(&jwt, "AQAB", oe, "the ID token"), "not a valid public key");
	jwt_release(&jwt);

	/* other claims under the good token's header and signature */
	buf_add(&b, good, (size_t)(strchr(good, '.') - good + 1));
	buf_adds(&b, b64u("{\"iss\":\"12346\"}", 15));
	buf_adds(&b, strrchr(good, '.'));
	CHECK_INT(jwt_parse(&jwt, b.ptr, b.len, "the ID token"), 0);
	CHECK_FAILS(jwt_verify_rs256(&jwt, n, e, "the ID token"), "signature does not verify");
	jwt_release(&jwt);
	/* a signature one byte short, or with one bit flipped */
	CHECK_INT(jwt_parse(&jwt, good, strlen(good), "the ID token"), 0);
	jwt.sig.ptr[100] ^= 1;
	CHECK_FAILS(jwt_verify_rs256(&jwt, n, e, "the ID token"), "signature does not verify");
	jwt.sig.ptr[100] ^= 1;
	CHECK_INT(jwt_verify_rs256(&jwt, n, e, "the ID token"), 0);
	buf_truncate(&jwt.sig, jwt.sig.len - 1);
	CHECK_FAILS(jwt_verify_rs256(&jwt, n, e, "the ID token"), "signature does not verify");
	jwt_release(&jwt);

	buf_release(&b);
	free(n);
	free(e);
	free(on);
	free(oe);
	free(sn);
	free(se);
	free(hs);
	free(none);
	free(other);
	free(good);
}

int main(void)
{
	log_init();
	log_set_style(LOG_PLAIN);
	test_base64url();
	test_sign_matches_python();
	test_app_token();
	test_bad_keys();
	test_verify_rejects();
	return t_done();
}
