/*
 * app: GitHub App installation tokens, minted per run, one repository and
 * the fewest permissions each, revoked at exit.
 *
 * With the inputs `app-id` and `private-key` (PEM, PKCS#1 or PKCS#8) a mode
 * asks for a token right before it talks to a repository:
 *   1. an App JWT (jwt.h: RS256, iat 60 s in the past, exp 9 minutes ahead,
 *      iss the App id), made fresh for every mint;
 *   2. GET  /repos/{owner}/{repo}/installation        -> the installation id
 *   3. POST /app/installations/{id}/access_tokens
 *        {"repositories": ["repo"], "permissions": {...}}  -> 201 {token}
 * (docs.github.com: "Generating a JSON Web Token (JWT) for a GitHub App",
 * "Generating an installation access token for a GitHub App").  The token
 * is masked (log_mask) the moment it is read, then installed in the mode's
 * client (gh_client_set_token).  The same repository with the same
 * permissions reuses the token minted for it, unless it was revoked.
 *
 * app_release revokes every token minted (DELETE /installation/token, with
 * the token itself) and forgets them; modes call it on every way out,
 * failures included, so no token outlives the step by more than the time a
 * killed process leaves it (GitHub expires them after an hour).  A revoked
 * token is never used again.
 *
 * GHES: every request goes to the client's base URL (api-url, on GHES
 * https://HOST/api/v3), as GitHub documents for Enterprise Server.
 *
 * Errors, one line each, before any request where they can be: app-id
 * without private-key or the other way round (a usage error), a key that
 * does not parse / is encrypted / is not RSA (jwt.h).  A 401 on the App's
 * own requests says the JWT was refused and, when GitHub names a claim
 * ('iat', 'exp'), that the runner's clock is off; a 404 on the installation
 * says the App is not installed on the repository; a 422 on the mint says
 * the installation lacks the permission asked for and names it.
 *
 * Ownership: struct app owns its key, its id and the minted tokens (wiped
 * when released).  Strings passed in are borrowed for the call.
 */
#ifndef GB_APP_H
#define GB_APP_H

#include "config.h"
#include "github.h"

#include <stdbool.h>
#include <stddef.h>

#define APP_MAX_TOKENS 64

/* One permission of an installation token: {"contents", "write"}. */
struct app_perm {
	const char *name;
	const char *level; /* "read" or "write" */
};

struct app_minted {
	char *repo;        /* owner/name */
	char *perms;       /* the permissions object sent, compact JSON */
	char *token;       /* NULL once revoked */
};

struct app {
	char *id;                  /* app-id: numeric id or client id */
	struct jwt_key *key;       /* NULL: no App credentials configured */
	struct app_minted minted[APP_MAX_TOKENS];
	size_t nminted;
};

/* Read app-id and private-key from `cfg`.  Neither given: 0 and an App
 * that is not enabled.  One without the other: GB_EUSAGE (printed).  A bad
 * key: -1 (printed).  Release `a` either way. */
int app_init(struct app *a, const struct config *cfg);
bool app_enabled(const struct app *a);

/* Mint (or reuse) a token for `repo` (owner/name) with exactly the `n`
 * permissions `perms`, and install it in `gh`.  `why` says what the token
 * is for in messages ("dispatch to 'org/gitops'").  0 or -1 (printed). */
int app_use(struct app *a, struct gh_client *gh, const char *repo,
	    const struct app_perm *perms, size_t n, const char *why);

/* The client that posts deployment statuses on source repository `repo`,
 * for both receiver steps (patch, land): with App credentials a client of
 * its own with a token minted for `repo` alone and Deployments write, else
 * the `deployment-token` client (config_deploy_client_new).  0 with *out
 * set, 1 when there is no such token (nothing printed), -1 (reported;
 * the caller runs this under log_demote: statuses are best effort). */
int app_deploy_client(struct app *a, const struct config *cfg, const char *repo,
		      struct gh_client **out);

/* Revoke every token minted through `gh` (a failed revocation is a
 * warning: the token still expires within the hour), wipe and free
 * everything.  `gh` may be NULL when nothing was minted.  Leaves `gh`
 * without a token.  Safe to call twice. */
void app_release(struct app *a, struct gh_client *gh);

#endif
