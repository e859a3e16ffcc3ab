/*
 * jwt: JSON Web Tokens signed with RS256 (RFC 7519; RFC 7515 compact form;
 * RFC 7518 section 3.3: RSASSA-PKCS1-v1_5 with SHA-256), done with mbedTLS.
 *
 * Two jobs, one algorithm:
 *   - sign: a GitHub App's JWT (jwt_app_token) with the App's private key
 *     (jwt_key_load: PEM, PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY");
 *   - verify: a token against an RSA public key given as a JWK's `n` and `e`
 *     (the Actions OIDC ID token against the issuer's JWKS).  Only RS256 is
 *     accepted: "none", every HMAC algorithm ("HS256", ...) and anything
 *     else are rejected by jwt_parse before any cryptography, so a token can
 *     never choose a weaker check than the verifier meant.
 *
 * Secrets.  A private key and a signed App JWT are credentials.  No message
 * of this module contains any byte of a key (PEM text, DER, numbers) or of a
 * token: errors name the caller's `what` (e.g. "input 'private-key'") and
 * the kind of problem only.  The caller masks the PEM (log_mask) before
 * anything is printed; jwt_app_token masks the JWT it makes.  Key material
 * this module copies is wiped (mbedtls_platform_zeroize) before it is freed.
 *
 * Error convention: as everywhere (log.h), 0 or -1, reported once here.
 * Output buffers hold what they held before a failed call.
 *
 * mbedTLS: the development build links Debian 12's 2.28, the static build
 * 3.6; the differences (pk_parse_key and pk_sign signatures) are handled
 * inside jwt.c with MBEDTLS_VERSION_NUMBER.  Not thread-safe (log.c is not).
 */
#ifndef GB_JWT_H
#define GB_JWT_H

#include "buf.h"

#include <stddef.h>

/* GitHub's limits on an App JWT: `exp` at most 10 minutes after the moment
 * GitHub checks it; `iat` set this far in the past to absorb clock skew. */
#define JWT_APP_BACKDATE 60
#define JWT_APP_LIFETIME 600 /* exp - iat; so exp = now + 540 */

/* RSA modulus sizes accepted for signing and verifying, in bits. */
#define JWT_RSA_MIN_BITS 2048
#define JWT_RSA_MAX_BITS 8192

/* Longest token jwt_parse accepts (an ID token is ~1-2 KiB). */
#define JWT_MAX_LEN ((size_t)64 << 10)

/* ---- signing -------------------------------------------------------- */

/* An RSA private key ready to sign, with its own random generator (RSA
 * blinding).  Opaque; owned by the caller of jwt_key_load. */
struct jwt_key;

/* Parse `pem` (`len` bytes, no NUL needed) as an unencrypted RSA private
 * key of JWT_RSA_MIN_BITS..JWT_RSA_MAX_BITS bits.  An encrypted key, an EC
 * or other non-RSA key, an OpenSSH key, or text that is no PEM key is one
 * error line naming `what`.  *out is set on success only. */
int jwt_key_load(struct jwt_key **out, const char *pem, size_t len, const char *what);
/* Wipe and free; NULL is fine. */
void jwt_key_free(struct jwt_key *key);

/* Append the compact JWS `base64url({"alg":"RS256","typ":"JWT"}) "."
 * base64url(claims) "." base64url(signature)` to `out`.  `claims` is the
 * JSON text of the claims set, taken as given. */
int jwt_sign_rs256(struct buf *out, struct jwt_key *key, const char *claims, size_t len);

/* Append a GitHub App JWT: claims {"iat": now - 60, "exp": now + 540,
 * "iss": app_id}.  `app_id` is the App's numeric id or its client id
 * ("Iv1.0123abcd", "Iv23li..."): letters, digits and '.', at most 64; else
 * an error naming input 'app-id'.  The token is masked (log_mask) at once. */
int jwt_app_token(struct buf *out, struct jwt_key *key, const char *app_id, long long now);

/* ---- verifying ------------------------------------------------------ */

/* A token split and decoded, NOT yet trusted: read `kid` to pick the key,
 * call jwt_verify_rs256, and only then believe `claims`. */
struct jwt {
	struct buf header;             /* the header's JSON text */
	struct buf claims;             /* the claims set's JSON text (an object) */
	struct buf sig;                /* the signature's bytes */
	char *kid;                     /* the header's "kid", or NULL (malloc'd) */
	unsigned char digest[32];      /* SHA-256 of "header.claims" as sent */
};

void jwt_init(struct jwt *jwt);
void jwt_release(struct jwt *jwt);

/* Split `token` (`len` bytes, at most JWT_MAX_LEN) into its three base64url
 * parts and decode them; the header must be a JSON object with "alg":
 * "RS256" (anything else, "none" and "HS256" included, is an error that
 * names the algorithm), no "crit", and the claims a JSON object.  `what`
 * names the token in errors ("the ID token").  On failure `jwt` is left
 * released (empty). */
int jwt_parse(struct jwt *jwt, const char *token, size_t len, const char *what);

/* Check the RS256 signature of a parsed token against the RSA public key
 * with modulus `n` and exponent `e`, each base64url as in a JWK (RFC 7518
 * section 6.3.1).  A key outside JWT_RSA_MIN_BITS..JWT_RSA_MAX_BITS or that
 * is not a valid RSA public key is an error; so is a signature that does not
 * match ("signature does not verify").  0 only for a good signature. */
int jwt_verify_rs256(const struct jwt *jwt, const char *n, const char *e, const char *what);

#endif
