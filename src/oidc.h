/*
 * oidc: the sender's half of signed provenance: the run's GitHub Actions
 * OIDC ID token.
 *
 * With `permissions: id-token: write` the runner sets
 * ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN;
 * `GET $URL&audience=AUD` with `Authorization: bearer $TOKEN` answers
 * {"value": "<jwt>"} (actions/toolkit's core.getIDToken does the same).
 * Both the request token and the ID token are secrets: each is registered
 * with log_mask the moment it is known, so neither is ever printed, and the
 * request token goes only to the URL's origin (github.h's redirect rule).
 *
 * The audience is the receiving GitOps repository's web URL
 * ("https://github.com/org/gitops"), which the receiver checks: a token
 * made for one repository is worth nothing to another.
 *
 * Errors are one line, the hint naming the real cause (a job without
 * `id-token: write` has no request URL), returned as -1.
 */
#ifndef GB_OIDC_H
#define GB_OIDC_H

#define OIDC_TOKEN_MAX ((size_t)64 << 10)

/* Request the run's ID token for `audience` into *out (malloc'd, masked),
 * within `timeout_s` seconds and `max_attempts` attempts.  0 or -1
 * (reported; *out NULL). */
int oidc_request_token(char **out, const char *audience, int timeout_s, int max_attempts);

/* The audience for the GitOps repository `repo` ("owner/name") on
 * `server_url` ("https://github.com"): malloc'd, or NULL (reported). */
char *oidc_audience(const char *server_url, const char *repo);

#endif
