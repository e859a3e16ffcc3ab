/*
 * github: the GitHub REST client.
 *
 * One client holds one libcurl easy handle (connections are reused) and the
 * run's time budget.  Every request carries
 *   Authorization: Bearer <token>, Accept (default application/vnd.github+json),
 *   X-GitHub-Api-Version: 2022-11-28, User-Agent: gitops-bump/<version>,
 * and, with a body, Content-Type: application/json.
 * TLS is always verified: SSL_CERT_FILE names the CA bundle (libcurl does not
 * read it itself), else GB_CA_BUNDLE when the build defines it, else
 * libcurl's default.  A client's `ca_file` (a private CA) is added to that
 * bundle, not put in its place: both go to libcurl as one PEM blob
 * (CURLOPT_CAINFO_BLOB: OpenSSL and mbedTLS take it).  A TLS failure is one
 * clear error; there is no insecure switch.  A token is never sent over plain http:// to anything but a
 * loopback address (127.0.0.0/8, ::1, localhost): gh_client_new refuses.
 *
 * Redirects (301, 302, 303, 307, 308; at most GH_REDIRECTS_MAX) are followed
 * by the client itself, so that the token goes only to the base URL's origin
 * (scheme, host and port): another origin gets the request without it.  A
 * redirect to plain http is refused unless it points at a loopback address.
 * 303 turns the request into a GET without body; the others keep both.
 *
 * Retries (inside gh_request): resolve/connect errors, timeouts, a connection
 * dropped or closed mid-response (unless the request is `no_resend` and went
 * out: then it fails, saying it may have arrived), HTTP 408, 429, 500, 502,
 * 503, 504, and 403
 * that is a rate limit (`x-ratelimit-remaining: 0`, a `Retry-After`, or a
 * "rate limit" message, as GitHub's secondary limits say).  The wait before
 * retry N (2 for the first retry) is, in order:
 *   - `Retry-After` (seconds or an HTTP date), exactly;
 *   - with `x-ratelimit-remaining: 0`, until `x-ratelimit-reset`;
 *   - for a rate limit without either, 60 base delays (a minute);
 *   - else full jitter: uniform in [0, min(base * 2^(N-2), 30 * base)].
 * The base delay is GH_RETRY_BASE_MS, or the environment variable
 * GITOPS_BUMP_RETRY_BASE_MS (0..60000; tests use it to avoid sleeping).
 * `max_attempts` bounds the attempts of one request and `timeout_s` bounds
 * the whole run (from gh_client_new): each attempt's libcurl timeout is the
 * budget left (at most GH_ATTEMPT_MAX_S), so a server that never answers or
 * trickles its body cannot hang us, and a wait that would pass the budget
 * fails at once with an error that says so.  Response bodies are capped
 * (GH_BODY_MAX unless the request says otherwise).
 *
 * Errors: gh_request reports (log_error) and returns -1 only when no usable
 * answer came: transport or TLS failure, retries or budget exhausted, body
 * too big, a refused redirect.  Any other HTTP status is returned to the
 * caller (0), who decides: an expected 404/409/422 is normal flow; an
 * unexpected one goes to gh_fail(), which prints the one standard error line
 * (the request, the status, GitHub's `message`, and for 401/403/404 which
 * permission is missing) and returns -1.  The token is never printed: the
 * client logs no headers, and log.c redacts it anyway.
 *
 * Ownership: the caller owns gh_response and releases it with
 * gh_response_release (also after a failure; gh_request may be called again
 * with the same response, which it resets first).  Strings in gh_request are
 * borrowed for the call.
 */
#ifndef GB_GITHUB_H
#define GB_GITHUB_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define GH_API_VERSION "2022-11-28"
#define GH_BODY_MAX ((size_t)8 << 20) /* 8 MiB */
#define GH_RETRY_BASE_MS 1000L        /* first retry waits up to this */
#define GH_ATTEMPT_MAX_S 60           /* one attempt never takes longer */
#define GH_REDIRECTS_MAX 5

struct gh_client;

struct gh_options {
	const char *api_url;  /* base URL, e.g. https://api.github.com */
	const char *token;    /* NULL: no Authorization header */
	int max_attempts;     /* per request, >= 1 */
	int timeout_s;        /* whole-run budget, >= 1 */
	const char *ca_file;  /* NULL: SSL_CERT_FILE etc. as above; else CA
			       * certificates (PEM) added to that bundle (a
			       * private CA, e.g. argocd-ca-file) */
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
	bool no_resend;         /* not idempotent (a repository_dispatch): a
				 * transport failure after the request went out
				 * is not retried, since it may have arrived */
	const char *too_big;    /* what an answer over body_max means, for the
				 * error line (NULL: the size alone) */
	const char *if_none_match; /* an ETag from an earlier answer: a
				 * conditional GET (304 when unchanged, which
				 * GitHub does not count against the rate limit) */
	bool graphql;           /* POST to the GraphQL endpoint instead of
				 * base + path: {base}/graphql, but on GHES
				 * (base .../api/v3) .../api/graphql */
};

struct gh_response {
	long status;          /* HTTP status of the last attempt (0: none) */
	struct buf body;      /* the response body (capped) */
	char *message;        /* GitHub's JSON "message" (with the messages of
			       * its "errors" array in parentheses) of an
			       * answer that is not 2xx, or NULL */
	char *request_id;     /* x-github-request-id, or NULL */
	char *location;       /* Location header, or NULL */
	int attempts;         /* attempts this request took */
	char *etag;           /* ETag header, or NULL */
};

#define GH_RESPONSE_INIT { 0, BUF_INIT, NULL, NULL, NULL, 0, NULL }

/* Create a client.  -1 (printed) on a bad URL, a token over non-loopback
 * http, an unreadable SSL_CERT_FILE, a bad GITOPS_BUMP_RETRY_BASE_MS, or
 * libcurl failure (*out is then NULL). */
int gh_client_new(struct gh_client **out, const struct gh_options *opt);
void gh_client_free(struct gh_client *c);

/* Send `token` (NULL: none) from now on instead of the one the client had,
 * which is wiped.  The same checks as gh_client_new (one word; never over
 * plain http to a non-loopback host).  0, or -1 (printed; the client then
 * has no token). */
int gh_client_set_token(struct gh_client *c, const char *token);

/* The GraphQL endpoint of the client's base URL (see `graphql` above),
 * appended to `out`.  0 or -1 (buffer error). */
int gh_graphql_url(struct buf *out, const char *base);

/* Send `req`, retrying as described above.  0 with resp filled (any status
 * that is not retried, or the caller must look at), or -1 (printed). */
int gh_request(struct gh_client *c, const struct gh_request *req,
	       struct gh_response *resp);
void gh_response_release(struct gh_response *resp);

/* Report an unexpected response once, with the permission hint; returns -1. */
int gh_fail(const struct gh_request *req, const struct gh_response *resp);

/*
 * Reading JSON answers: the one place that parses them (explicit length,
 * running out of memory told apart from a bad body).
 */
struct cJSON;

/* What a JSON answer must be. */
enum gh_json {
	GH_JSON_ANY,    /* anything: a body that is not JSON gives NULL and no
			 * error, so that the caller's own field checks name
			 * what is missing ("the answer has no 'sha'") */
	GH_JSON_OBJECT, /* a JSON object, else an error */
	GH_JSON_ARRAY,  /* a JSON array, else an error */
};

/* Parse the body of `resp`, the answer to `req`, into *out (the caller
 * frees it with cJSON_Delete; NULL on error).  0, or -1 reported once,
 * naming req->what: out of memory (for a write GitHub answered 2xx, the
 * line says that the change was made), or a body that is not `shape`:
 * "<what>: the answer (HTTP 200) is not a JSON object". */
int gh_parse_json(struct cJSON **out, const struct gh_request *req,
		  const struct gh_response *resp, enum gh_json shape);

/* Send `req` and read its answer as JSON: gh_request, the status, then
 * gh_parse_json.  `statuses` (0-terminated; NULL: 200 alone) lists the
 * answers that are not errors for this caller.  A listed 2xx other than
 * 204 has its body parsed into *out; the others listed (a 404 that means
 * "nothing yet", a 304, a 401 the caller explains itself) come back with
 * *out NULL and `resp` filled.  Returns the listed status (> 0), or -1
 * reported once: what gh_request reports, a status not listed (gh_fail:
 * the standard line with its permission hint), or what gh_parse_json
 * reports.  *out is NULL unless a body was parsed. */
int gh_request_json(struct cJSON **out, struct gh_client *c, const struct gh_request *req,
		    struct gh_response *resp, const long *statuses, enum gh_json shape);

/*
 * GET a resource of a repository and read its answer as JSON: the one
 * idiom of the modules that read GitHub.  A gh_get holds the request, the
 * answer, the path and the parsed JSON together, so that the caller
 * releases them with one call and can still look at the answer (status,
 * message, etag) and the request (for its own error lines) after it.
 *
 * Ownership: the gh_get owns `json`, `resp` and `path` until
 * gh_get_release (also after a failure); a caller that keeps the JSON
 * takes it (sets `json` to NULL).  Strings given to gh_get_json (`repo`,
 * `permission`, `what`) are borrowed: the caller keeps them alive while
 * it still uses `req`.
 */
struct gh_get {
	struct gh_request req;   /* gh_get_json sets method ("GET"), path, what,
				  * repo and permission; the caller may set the
				  * others before (body_max, accept, too_big,
				  * if_none_match): they are kept */
	struct gh_response resp; /* the answer */
	struct buf path;         /* storage of req.path */
	struct cJSON *json;      /* the parsed answer, or NULL */
};

#define GH_GET_INIT { { 0 }, GH_RESPONSE_INIT, BUF_INIT, NULL }

/* GET "/repos/OWNER/NAME" (`repo`) then `fmt` (NULL: nothing; the format
 * of gh_repo_path: "%s" arguments are escaped) and read the answer with
 * gh_request_json(`statuses`, `shape`) into g->json.  `what` names the
 * request in errors ("reading the default branch of 'o/r'"); `permission`
 * (NULL: none) is the token's need, for the hints.  Returns what
 * gh_request_json returns: the listed status (> 0), g->json set for a
 * parsed 2xx body, or -1 reported once (a path that cannot be built is
 * "out of memory").  `g` may be sent again (a poll): its earlier JSON and
 * path are dropped first and the answer is reset. */
int gh_get_json(struct gh_get *g, struct gh_client *c, const char *repo,
		const char *permission, const long *statuses, enum gh_json shape,
		const char *what, const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* Free what `g` owns; it is GH_GET_INIT again. */
void gh_get_release(struct gh_get *g);

/* For a caller's own retry loop (e.g. commit conflicts), before attempt
 * number `attempt_no` (2 for the first retry): sleep a uniform random time
 * in [0, bases * the base delay) (GH_RETRY_BASE_MS, or
 * GITOPS_BUMP_RETRY_BASE_MS), the window shrunk to end `reserve_s` before
 * the budget does, so that the attempt after it still fits.  -1 (printed,
 * naming `what`) when the budget has no room for it at all. */
int gh_backoff_window(struct gh_client *c, double bases, double reserve_s, int attempt_no,
		      const char *what);

/* Start a new budget of `timeout_s` seconds from now (>= 1): a poller
 * (deploy.h, argocd.h) bounds each poll by the `timeout` input while its
 * own wait has a longer bound. */
void gh_set_budget(struct gh_client *c, int timeout_s);

/* Polling: milliseconds to pause before poll number `n` (>= 2): the poll
 * base times 2^(n-2), at most GH_POLL_MAX_BASES bases (15 s for the
 * default base of GH_POLL_BASE_MS; GITOPS_BUMP_POLL_MS, 1..60000, sets
 * another base, so that tests do not sleep).  `n` <= 1: 0. */
#define GH_POLL_BASE_MS 1000L
#define GH_POLL_MAX_BASES 15
long gh_poll_ms(const struct gh_client *c, int n);

/* Monotonic seconds: the clock of gh_poll_pause's deadlines. */
double gh_clock(void);

/* Before poll number `n`: pause gh_poll_ms(c, n), but never past `deadline`
 * (a gh_clock() time).  0 (paused, or nothing to pause for n <= 1), or 1
 * when the deadline has passed: the caller stops polling. */
int gh_poll_pause(const struct gh_client *c, int n, double deadline);

/* Seconds left in the run's budget (may be <= 0). */
double gh_remaining(const struct gh_client *c);
int gh_max_attempts(const struct gh_client *c);

/* Total requests sent by this client, redirects included (for reports and
 * benchmarks). */
long gh_request_count(const struct gh_client *c);

/* Append `s` percent-encoded for a URL path: everything but the unreserved
 * characters A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash) becomes %XX.
 * 0 or -1 (buffer error). */
int gh_escape(struct buf *out, const char *s, bool keep_slash);

/* Append "/repos/OWNER/NAME" (`repo`, escaped, its '/' kept) then `fmt`
 * (NULL: nothing), a printf format of which only "%s", "%lld" and "%%" are
 * allowed: each "%s" argument is escaped as one path segment or query value
 * (gh_escape, '/' too), so a branch or a file path cannot change the route.
 * 0, or -1 (buffer error; EINVAL for another directive).  Like buf, it
 * prints nothing: the caller reports (log_oom). */
int gh_repo_path(struct buf *out, const char *repo, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Is `s` a GitHub 'owner/name' (owner: 1..39 of A-Za-z0-9-_; name: 1..100
 * of A-Za-z0-9._-, neither "." nor "..")? */
bool gh_valid_repo(const char *s);

/*
 * The pure parts, exposed for the unit tests.
 */

/* What an answer said about waiting, from its headers. */
struct gh_hints {
	long retry_after;  /* Retry-After in seconds, -1: none */
	long remaining;    /* x-ratelimit-remaining, -1: none */
	long long reset;   /* x-ratelimit-reset (epoch seconds), -1: none */
};

/* True for 127.0.0.0/8, ::1 (bracketed or not), ::ffff:127.x.y.z,
 * "localhost" and "localhost."; numeric forms other than dotted quads are
 * not loopback. */
bool gh_is_loopback(const char *host);

/* Retry-After: delta seconds or an HTTP date relative to `now`; -1 when
 * unparsable.  A date in the past is 0. */
long gh_parse_retry_after(const char *value, long long now);

/* Record one raw header line ("Name: value\r\n") into `h` if it is one of
 * the three above; a status line ("HTTP/...") clears `h`. */
void gh_hints_header(struct gh_hints *h, const char *line, size_t len, long long now);

/* Milliseconds to wait before retry `attempt` (>= 2), following the order
 * above.  `u` is a uniform random number in [0, 1) for the jitter. */
long gh_wait_ms(const struct gh_hints *h, bool rate_limited, int attempt,
		long base_ms, long long now, double u);

#endif
