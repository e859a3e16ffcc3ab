/*
 * github: the GitHub REST client.
 *
 * One client holds one libcurl easy handle (connections are reused) and the
 * run's time budget.  Every request carries
 *   Authorization: Bearer <token>, Accept (default application/vnd.github+json),
 *   X-GitHub-Api-Version: 2022-11-28, User-Agent: gitops-bump/<version>.
 * TLS is always verified (SSL_CERT_FILE overrides the CA bundle; there is no
 * insecure switch).  A token is never sent over plain http:// to anything but
 * a loopback address: gh_client_new refuses.
 *
 * Retries (inside gh_request): resolve/connect errors, timeouts, a connection
 * dropped mid-response, HTTP 408, 429, 500, 502, 503, 504, and 403 that
 * carries rate-limit headers.  Waits grow exponentially with full jitter;
 * `Retry-After` and, when `x-ratelimit-remaining` is 0, `x-ratelimit-reset`
 * are honoured.  `max_attempts` bounds the attempts of one request and
 * `timeout_s` bounds the whole run (from gh_client_new): a wait that would
 * pass the budget fails at once with an error that says so.  Response bodies
 * are capped (GH_BODY_MAX unless the request says otherwise).
 *
 * Errors: gh_request reports (log_error) and returns -1 only when no usable
 * answer came: transport failure, retries or budget exhausted, body too big.
 * Any other HTTP status is returned to the caller (0), who decides: an
 * expected 404/409/422 is normal flow; an unexpected one goes to gh_fail(),
 * which prints the one standard error line (the request, the status,
 * GitHub's `message`, and for 401/403/404 which permission is missing) and
 * returns -1.
 *
 * Ownership: the caller owns gh_response and releases it with
 * gh_response_release (also after a failure).  Strings in gh_request are
 * borrowed for the call.
 */
#ifndef GB_GITHUB_H
#define GB_GITHUB_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define GH_API_VERSION "2022-11-28"
#define GH_BODY_MAX ((size_t)8 << 20) /* 8 MiB */

struct gh_client;

struct gh_options {
	const char *api_url;  /* base URL, e.g. https://api.github.com */
	const char *token;    /* NULL: no Authorization header */
	int max_attempts;     /* per request, >= 1 */
	int timeout_s;        /* whole-run budget, >= 1 */
};

struct gh_request {
	const char *method;     /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *path;       /* "/repos/o/r/dispatches", already escaped */
	const char *body;       /* request body (JSON) or NULL */
	size_t body_len;
	const char *accept;     /* NULL: application/vnd.github+json */
	const char *what;       /* names the request in errors: "dispatch to 'o/r'" */
	const char *repo;       /* "owner/name" the request concerns, for hints */
	const char *permission; /* what the token needs, for hints: "contents:write" */
	size_t body_max;        /* 0: GH_BODY_MAX */
};

struct gh_response {
	long status;          /* HTTP status of the last attempt */
	struct buf body;      /* the response body (capped) */
	char *message;        /* GitHub's JSON "message", or NULL */
	char *request_id;     /* x-github-request-id, or NULL */
	char *location;       /* Location header, or NULL */
	int attempts;         /* attempts this request took */
};

#define GH_RESPONSE_INIT { 0, BUF_INIT, NULL, NULL, NULL, 0 }

/* Create a client.  -1 (printed) on a bad URL, a token over non-loopback
 * http, or libcurl failure. */
int gh_client_new(struct gh_client **out, const struct gh_options *opt);
void gh_client_free(struct gh_client *c);

/* Send `req`, retrying as described above.  0 with resp filled (any status
 * that is not retried, or the caller must look at), or -1 (printed). */
int gh_request(struct gh_client *c, const struct gh_request *req,
	       struct gh_response *resp);
void gh_response_release(struct gh_response *resp);

/* Report an unexpected response once, with the permission hint; returns -1. */
int gh_fail(const struct gh_request *req, const struct gh_response *resp);

/* For a caller's own retry loop (e.g. commit conflicts): sleep before
 * attempt number `attempt` (2 for the first retry) with jittered exponential
 * backoff.  -1 (printed, naming `what`) if the wait would pass the budget. */
int gh_backoff(struct gh_client *c, int attempt, const char *what);

/* Seconds left in the run's budget (may be <= 0). */
double gh_remaining(const struct gh_client *c);
int gh_max_attempts(const struct gh_client *c);

/* Total requests sent by this client (for reports and benchmarks). */
long gh_request_count(const struct gh_client *c);

/* Append `s` percent-encoded for a URL path; '/' kept when keep_slash.
 * 0 or -1 (buffer error). */
int gh_escape(struct buf *out, const char *s, bool keep_slash);

#endif
