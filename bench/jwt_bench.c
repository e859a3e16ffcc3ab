/*
 * jwt_bench: what the App path costs in CPU, with the build's mbedTLS:
 * loading the App's key, signing an App JWT (RS256, 2048 bits), verifying
 * one against a JWK (what an OIDC check does).  Prints one line with the
 * mean of each over N runs.  `make bench-jwt` (mk/bench-jwt.mk).
 */
#include "buf.h"
#include "jwt.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <mbedtls/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define FIX "tests/fixtures/jwt/"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	struct buf pem = BUF_INIT, jwk = BUF_INIT, tok = BUF_INIT;
	struct jwt_key *key = NULL;
	struct jwt jwt;
	cJSON *root;
	const char *nn, *ee;
	double t0, t1, t2, t3;

	if (n < 1 || buf_read_file(&pem, FIX "app-pkcs1.pem") < 0 ||
	    buf_read_file(&jwk, FIX "app.jwk.json") < 0)
		return 1;
	root = cJSON_Parse(jwk.ptr);
	nn = cJSON_GetStringValue(cJSON_GetObjectItem(root, "n"));
	ee = cJSON_GetStringValue(cJSON_GetObjectItem(root, "e"));
	t0 = now();
	for (int i = 0; i < n; i++) {
		if (jwt_key_load(&key, pem.ptr, pem.len, "the bench key") < 0)
			return 1;
		jwt_key_free(key);
	}
	t1 = now();
	if (jwt_key_load(&key, pem.ptr, pem.len, "the bench key") < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		buf_reset(&tok);
		if (jwt_sign_rs256(&tok, key, "{\"iss\":\"12345\"}", 15) < 0)
			return 1;
	}
	t2 = now();
	if (jwt_parse(&jwt, tok.ptr, tok.len, "the bench token") < 0)
		return 1;
	for (int i = 0; i < n; i++)
		if (jwt_verify_rs256(&jwt, nn, ee, "the bench token") < 0)
			return 1;
	t3 = now();
	printf("RS256 2048-bit, mbedTLS %s, %d runs: key load %.2f ms, sign %.2f ms, "
	       "verify %.3f ms\n", MBEDTLS_VERSION_STRING, n, (t1 - t0) / n * 1e3,
	       (t2 - t1) / n * 1e3, (t3 - t2) / n * 1e3);
	jwt_release(&jwt);
	jwt_key_free(key);
	cJSON_Delete(root);
	buf_release(&pem);
	buf_release(&jwk);
	buf_release(&tok);
	log_reset();
	return 0;
}
