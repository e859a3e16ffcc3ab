/*
 * provenance: the receiver's half of signed provenance.  Proves that a
 * dispatch comes from the repository, ref, commit and workflow it names,
 * with the sender's GitHub Actions OIDC ID token (oidc.h sends it as
 * client_payload.source.oidc_token).
 *
 * With `require-provenance: true`, before anything is read from or written
 * to the GitOps repository:
 *   1. the token is parsed; its header must say RS256 (jwt.h: "none" and
 *      every HMAC algorithm are refused before any cryptography) and name
 *      its key ("kid");
 *   2. the issuer's keys are found by discovery: GET
 *      {issuer}/.well-known/openid-configuration, whose "issuer" must be the
 *      issuer asked and whose "jwks_uri" is read once per run (https, or
 *      http to a loopback address only, for both);
 *   3. the signature is checked with the JWKS key of that kid (RSA only);
 *   4. the claims: `iss` is the issuer; `aud` (a string or a list) holds
 *      this GitOps repository's URL; `exp`, `nbf` and `iat` hold with
 *      PROVENANCE_LEEWAY seconds of clock skew; `repository`, `ref` and
 *      `sha` equal the payload's source fields; `ref` is no pull request
 *      ref (refs/pull/...) and `event_name` no pull_request(_target);
 *   5. `allowed-workflows` (globs, fnmatch with FNM_PATHNAME: '*' stops at
 *      '/'), when given, must match `job_workflow_ref`: only the named
 *      deploy workflow on the named branch can deploy.
 * The patch mode then checks `allowed-sources` against the SIGNED
 * repository.  Every failure is one error line naming the claim (or the
 * step) that failed, and -1.
 *
 * Secrets: the token is masked by payload.c the moment it is read; nothing
 * here prints any part of it (claims are printed only after the signature
 * verified, and only the ones named above).
 *
 * Ownership: struct provenance owns its strings (provenance_release).
 */
#ifndef GB_PROVENANCE_H
#define GB_PROVENANCE_H

#include "payload.h"

#include <stddef.h>

#define PROVENANCE_LEEWAY 60 /* seconds of clock skew for exp, nbf, iat */
#define PROVENANCE_DEFAULT_ISSUER "https://token.actions.githubusercontent.com"

struct provenance_opts {
	const char *issuer;           /* input 'oidc-issuer' */
	const char *audience;         /* this GitOps repository's URL */
	char *const *workflows;       /* input 'allowed-workflows' (globs) */
	size_t nworkflows;
	int timeout_s;                /* for discovery and the JWKS */
	int max_attempts;
	long long now;                /* seconds since the epoch */
};

/* The signed claims that decide, after verification. */
struct provenance {
	char *repository;
	char *ref;
	char *sha;
	char *job_workflow_ref;
	char *kid;                    /* the key that signed */
};

/* Validate the allowed-workflows lines (load time): each
 * "owner/repo/.github/workflows/FILE@REF" (globs allowed).  0 or -1. */
int provenance_check_workflows(char *const *lines, size_t n);

/* Verify `pl`'s ID token as above.  0 with *out filled, or -1 (reported). */
int provenance_verify(struct provenance *out, const struct payload *pl,
		      const struct provenance_opts *o);

void provenance_release(struct provenance *p);

#endif
