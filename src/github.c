/* github: see github.h for the contract. */
#include "github.h"

#include "log.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define GH_USER_AGENT "gitops-bump/" GB_VERSION
#define GH_ACCEPT "application/vnd.github+json"
#define GH_MESSAGE_MAX 400  /* GitHub's message as quoted in an error line */
#define GH_CONNECT_MAX_S 30 /* connect phase of one attempt */
#define GH_BUDGET_SLACK_S 0.05 /* less than this left: the budget is used up */
#define GH_CA_MAX ((size_t)16 << 20) /* the default bundle and an added CA file */

/* Where a request is sent: what decides whether the token goes along. */
struct origin {
	char *scheme;
	char *host;
	char *port;
};

struct gh_client {
	CURL *curl;
	char *base;          /* api_url without trailing '/' */
	struct origin origin;
	char *token;
	char *cainfo;        /* SSL_CERT_FILE, or NULL */
	int max_attempts;
	int timeout_s;
	double deadline;     /* monotonic seconds */
	long base_ms;
	long poll_ms;        /* polling base (gh_poll_ms) */
	long requests;
	uint64_t rng;
	/* per transfer */
	struct gh_response *resp;
	size_t body_max;
	bool body_too_big;
	bool body_oom;
	bool sent;           /* request bytes went out in the last exchange */
	struct gh_hints hints;
	char errbuf[CURL_ERROR_SIZE];
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long long now_epoch(void)
{
	return (long long)time(NULL);
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		log_oom();
	return p;
}

/* ---- pure parts ------------------------------------------------------ */

int gh_escape(struct buf *out, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
		    (keep_slash && ch == '/')) {
			buf_addc(out, (char)ch);
		} else {
			buf_addc(out, '%');
			buf_addc(out, hex[ch >> 4]);
			buf_addc(out, hex[ch & 15]);
		}
	}
	return buf_failed(out) ? -1 : 0;
}

/* gh_repo_path with the arguments in `ap`. */
static int repo_vpath(struct buf *out, const char *repo, const char *fmt, va_list ap)
{
	const char *p = fmt ? fmt : "";

	buf_adds(out, "/repos/");
	gh_escape(out, repo, true);
	while (*p && !buf_failed(out)) {
		size_t lit = strcspn(p, "%");

		buf_add(out, p, lit);
		p += lit;
		if (!*p)
			break;
		if (!strncmp(p, "%s", 2)) {
			gh_escape(out, va_arg(ap, const char *), false);
			p += 2;
		} else if (!strncmp(p, "%lld", 4)) {
			buf_addf(out, "%lld", va_arg(ap, long long));
			p += 4;
		} else if (!strncmp(p, "%%", 2)) {
			buf_addc(out, '%');
			p += 2;
		} else {
			out->err = EINVAL; /* sticky, as buf's own bad format */
			break;
		}
	}
	if (buf_failed(out)) {
		errno = buf_error(out);
		return -1;
	}
	return 0;
}

int gh_repo_path(struct buf *out, const char *repo, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = repo_vpath(out, repo, fmt, ap);
	va_end(ap);
	return rc;
}

bool gh_is_loopback(const char *host)
{
	char tmp[64];
	size_t n = strlen(host);
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return true;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, host, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, tmp, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return false;
}

/* A non-negative decimal number that fits in a long long, or -1. */
static long long parse_count(const char *s)
{
	long long v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	while (*s == ' ' || *s == '\t')
		s++;
	return *s ? -1 : v;
}

long gh_parse_retry_after(const char *value, long long now)
{
	long long v = parse_count(value);
	time_t t;

	if (v >= 0)
		return v > LONG_MAX / 1000 ? LONG_MAX / 1000 : (long)v;
	t = curl_getdate(value, NULL);
	if (t == (time_t)-1)
		return -1;
	return (long long)t <= now ? 0 : (long)((long long)t - now);
}

void gh_hints_header(struct gh_hints *h, const char *line, size_t len, long long now)
{
	static const char *const names[] = {
		"retry-after", "x-ratelimit-remaining", "x-ratelimit-reset",
	};
	char val[128];
	const char *colon;
	size_t i, nlen, vlen;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		h->retry_after = h->remaining = -1;
		h->reset = -1;
		return;
	}
	colon = memchr(line, ':', len);
	if (!colon)
		return;
	nlen = (size_t)(colon - line);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == nlen && strncasecmp(line, names[i], nlen) == 0)
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		return;
	colon++;
	vlen = len - nlen - 1;
	while (vlen && (colon[vlen - 1] == '\r' || colon[vlen - 1] == '\n'))
		vlen--;
	if (vlen >= sizeof(val))
		return;
	memcpy(val, colon, vlen);
	val[vlen] = '\0';
	switch (i) {
	case 0:
		h->retry_after = gh_parse_retry_after(val, now);
		break;
	case 1: {
		long long v = parse_count(val);

		h->remaining = v < 0 || v > LONG_MAX ? -1 : (long)v;
		break;
	}
	default:
		h->reset = parse_count(val);
		break;
	}
}

long gh_wait_ms(const struct gh_hints *h, bool rate_limited, int attempt,
		long base_ms, long long now, double u)
{
	long cap = base_ms > LONG_MAX / 30 ? LONG_MAX : base_ms * 30;
	long exp = base_ms;

	if (h->retry_after >= 0)
		return h->retry_after > LONG_MAX / 1000 ? LONG_MAX : h->retry_after * 1000;
	if (h->remaining == 0 && h->reset > now) {
		long long s = h->reset - now;

		return s > LONG_MAX / 1000 ? LONG_MAX : (long)(s * 1000);
	}
	for (int i = 2; i < attempt && exp < cap; i++)
		exp = exp > LONG_MAX / 2 ? LONG_MAX : exp * 2;
	if (exp > cap)
		exp = cap;
	if (rate_limited)
		return base_ms > LONG_MAX / 60 ? LONG_MAX : base_ms * 60;
	if (u < 0 || u >= 1)
		u = 0;
	return (long)((double)exp * u);
}

/* ---- client ---------------------------------------------------------- */

static void origin_release(struct origin *o)
{
	curl_free(o->scheme);
	curl_free(o->host);
	curl_free(o->port);
	o->scheme = o->host = o->port = NULL;
}

static const char oom_why[] = "out of memory";

/* Split `url` into its origin; rejects anything but http(s), and
 * credentials, queries or fragments in a base URL (`strict`).  -1 with a
 * reason in *why (oom_why when memory ran out). */
static int origin_parse(struct origin *o, const char *url, bool strict, const char **why)
{
	CURLU *u = curl_url();
	char *part = NULL;
	CURLUcode uc;
	int rc = -1;

	*why = "not a valid URL";
	if (!u) {
		*why = oom_why;
		return -1;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_HOST, &o->host, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT);
	if (uc == CURLUE_OUT_OF_MEMORY)
		*why = oom_why;
	if (uc != CURLUE_OK)
		goto out;
	for (char *p = o->host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strcmp(o->scheme, "https") != 0 && strcmp(o->scheme, "http") != 0) {
		*why = "only http and https are supported";
		goto out;
	}
	if (strict) {
		if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK) {
			*why = "credentials in the URL are not allowed";
			goto out;
		}
		if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
		    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
			*why = "a base URL has no query or fragment";
			goto out;
		}
	}
	rc = 0;
out:
	curl_free(part);
	curl_url_cleanup(u);
	if (rc < 0)
		origin_release(o);
	return rc;
}

static bool origin_same(const struct origin *a, const struct origin *b)
{
	return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 &&
	       strcmp(a->port, b->port) == 0;
}

/* A millisecond setting from the environment variable `var`, `min` to
 * 60000, else `def`. */
static int read_ms(long *out, const char *var, long def, long min)
{
	const char *v = getenv(var);
	long long n;

	*out = def;
	if (!v || !*v)
		return 0;
	n = parse_count(v);
	if (n < min || n > 60000) {
		log_error("bad %s '%s': want milliseconds, %ld to 60000", var, v, min);
		return -1;
	}
	*out = (long)n;
	return 0;
}

/* The default CA bundle: SSL_CERT_FILE, else GB_CA_BUNDLE when readable,
 * else NULL (libcurl's own default).  -1 (printed) when SSL_CERT_FILE
 * names a file that cannot be read. */
static int default_cainfo(const char **out)
{
	const char *f = getenv("SSL_CERT_FILE");

	*out = NULL;
	if (f && *f) {
		if (access(f, R_OK) != 0) {
			log_error("cannot read CA bundle '%s' (SSL_CERT_FILE): %s", f,
				  strerror(errno));
			return -1;
		}
		*out = f;
		return 0;
	}
#ifdef GB_CA_BUNDLE
	if (access(GB_CA_BUNDLE, R_OK) == 0)
		*out = GB_CA_BUNDLE; /* else libcurl's own, then a clear TLS error */
#endif
	return 0;
}

/* `ca_file` added to the default bundle: both, concatenated, handed to
 * libcurl as CURLOPT_CAINFO_BLOB (copied: the buffer goes at once).  The
 * default is default_cainfo()'s, else the one libcurl was built with
 * (CURLINFO_CAINFO); when none can be read, the file alone. */
static int add_cainfo(struct gh_client *c, const char *dflt, const char *ca_file)
{
	static char none[1];
	struct curl_blob blob;
	struct buf pem = BUF_INIT;
	CURLcode rc;
	int ret = -1;

#if LIBCURL_VERSION_NUM >= 0x075400
	if (!dflt)
		curl_easy_getinfo(c->curl, CURLINFO_CAINFO, &dflt);
#endif
	buf_init(&pem, GH_CA_MAX);
	if (dflt && buf_read_file(&pem, dflt) < 0) {
		if (errno == ENOMEM || errno == EFBIG)
			goto fail;
		log_debug("CA bundle '%s' not read (%s): '%s' alone", dflt, strerror(errno),
			  ca_file);
		buf_rollback(&pem, 0);
	}
	if ((pem.len && pem.ptr[pem.len - 1] != '\n' && buf_addc(&pem, '\n') < 0) ||
	    buf_read_file(&pem, ca_file) < 0)
		goto fail;
	blob.data = pem.len ? pem.ptr : none; /* never NULL: libcurl copies it */
	blob.len = pem.len;
	blob.flags = CURL_BLOB_COPY;
	rc = curl_easy_setopt(c->curl, CURLOPT_CAINFO_BLOB, &blob);
	if (rc != CURLE_OK) {
		log_error("cannot add CA file '%s' to the CA bundle: %s", ca_file,
			  curl_easy_strerror(rc));
		goto out;
	}
	ret = 0;
	goto out;
fail:
	if (errno == EFBIG)
		log_error("cannot add CA file '%s': the CA bundles are over %zu MiB", ca_file,
			  GH_CA_MAX >> 20);
	else if (errno == ENOMEM)
		log_oom();
	else
		log_error("cannot read CA file '%s': %s", ca_file, strerror(errno));
out:
	buf_release(&pem);
	return ret;
}

/* The client's CA bundle (see github.h); after curl_easy_init. */
static int set_cainfo(struct gh_client *c, const char *ca_file)
{
	const char *dflt;

	if (default_cainfo(&dflt) < 0)
		return -1;
	if (ca_file && *ca_file)
		return add_cainfo(c, dflt, ca_file);
	if (dflt && !(c->cainfo = strdup(dflt)))
		return log_oom();
	return 0;
}

int gh_client_new(struct gh_client **out, const struct gh_options *opt)
{
	struct gh_client *c;
	const char *why;
	size_t n;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return log_oom();
	c->max_attempts = opt->max_attempts < 1 ? 1 : opt->max_attempts;
	c->timeout_s = opt->timeout_s < 1 ? 1 : opt->timeout_s;
	c->deadline = now_mono() + c->timeout_s;
	if (getrandom(&c->rng, sizeof(c->rng), GRND_NONBLOCK) != (ssize_t)sizeof(c->rng))
		c->rng = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);
	c->rng |= 1;
	if (read_ms(&c->base_ms, "GITOPS_BUMP_RETRY_BASE_MS", GH_RETRY_BASE_MS, 0) < 0 ||
	    read_ms(&c->poll_ms, "GITOPS_BUMP_POLL_MS", GH_POLL_BASE_MS, 1) < 0)
		goto fail;
	n = strlen(opt->api_url);
	while (n && opt->api_url[n - 1] == '/')
		n--;
	c->base = xstrndup(opt->api_url, n);
	if (!c->base)
		goto fail;
	if (origin_parse(&c->origin, c->base, true, &why) < 0) {
		if (why == oom_why)
			log_oom();
		else
			log_error("bad API URL '%s': %s", c->base, why);
		goto fail;
	}
	if (gh_client_set_token(c, opt->token) < 0)
		goto fail;
	c->curl = curl_easy_init();
	if (!c->curl) {
		log_error("cannot initialise libcurl (out of memory)");
		goto fail;
	}
	if (set_cainfo(c, opt->ca_file) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	gh_client_free(c);
	return -1;
}

int gh_client_set_token(struct gh_client *c, const char *token)
{
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
		c->token = NULL;
	}
	if (!token || !*token)
		return 0;
	for (const char *p = token; *p; p++) {
		if ((unsigned char)*p < 0x21 || *p == 0x7f) {
			log_error("the token contains a space or control character");
			return -1;
		}
	}
	if (strcmp(c->origin.scheme, "http") == 0 && !gh_is_loopback(c->origin.host)) {
		log_error("refusing to send the token over plain http to '%s': use https "
			  "(http is allowed only to a loopback address)", c->origin.host);
		return -1;
	}
	c->token = strdup(token);
	if (!c->token)
		return log_oom();
	return 0;
}

int gh_graphql_url(struct buf *out, const char *base)
{
	static const char ghes[] = "/api/v3";
	size_t n = strlen(base), k = sizeof(ghes) - 1;

	if (n >= k && strcmp(base + n - k, ghes) == 0)
		return buf_addf(out, "%.*s/api/graphql", (int)(n - k), base);
	return buf_addf(out, "%s/graphql", base);
}

void gh_client_free(struct gh_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	origin_release(&c->origin);
	free(c->base);
	free(c->cainfo);
	free(c);
}

void gh_set_budget(struct gh_client *c, int timeout_s)
{
	c->timeout_s = timeout_s < 1 ? 1 : timeout_s;
	c->deadline = now_mono() + c->timeout_s;
}

long gh_poll_ms(const struct gh_client *c, int n)
{
	long ms = c->poll_ms;

	if (n <= 1)
		return 0;
	for (int i = 2; i < n && ms < c->poll_ms * GH_POLL_MAX_BASES; i++)
		ms *= 2;
	return ms < c->poll_ms * GH_POLL_MAX_BASES ? ms : c->poll_ms * GH_POLL_MAX_BASES;
}

double gh_clock(void)
{
	return now_mono();
}

int gh_poll_pause(const struct gh_client *c, int n, double deadline)
{
	double left = deadline - now_mono();
	long ms = gh_poll_ms(c, n);

	if (n <= 1)
		return 0;
	if (left <= 0)
		return 1;
	sleep_ms((double)ms < left * 1000.0 ? ms : (long)(left * 1000.0));
	return 0;
}

double gh_remaining(const struct gh_client *c)
{
	return c->deadline - now_mono();
}

int gh_max_attempts(const struct gh_client *c)
{
	return c->max_attempts;
}

long gh_request_count(const struct gh_client *c)
{
	return c->requests;
}

void gh_response_release(struct gh_response *resp)
{
	buf_release(&resp->body);
	free(resp->message);
	free(resp->request_id);
	free(resp->location);
	free(resp->etag);
	resp->message = resp->request_id = resp->location = resp->etag = NULL;
	resp->status = 0;
	resp->attempts = 0;
}

/* ---- one transfer ---------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct gh_client *c = arg;
	size_t n = size * nmemb;

	if (c->resp->body.len + n > c->body_max) {
		c->body_too_big = true;
		return 0; /* CURLE_WRITE_ERROR */
	}
	if (buf_add(&c->resp->body, data, n) < 0) {
		c->body_oom = true;
		return 0; /* CURLE_WRITE_ERROR */
	}
	return n;
}

/* Replace *dst with the value of header `name` in `line`, if it is that. */
static void header_take(char **dst, const char *name, const char *line, size_t len)
{
	size_t nlen = strlen(name);
	const char *v;
	size_t vlen;

	if (len <= nlen || line[nlen] != ':' || strncasecmp(line, name, nlen) != 0)
		return;
	v = line + nlen + 1;
	vlen = len - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	free(*dst);
	*dst = strndup(v, vlen);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct gh_client *c = arg;
	size_t len = size * nmemb;

	gh_hints_header(&c->hints, line, len, now_epoch());
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		free(c->resp->request_id);
		free(c->resp->location);
		free(c->resp->etag);
		c->resp->request_id = c->resp->location = c->resp->etag = NULL;
		return len;
	}
	header_take(&c->resp->request_id, "x-github-request-id", line, len);
	header_take(&c->resp->location, "location", line, len);
	header_take(&c->resp->etag, "etag", line, len);
	return len;
}

static struct curl_slist *make_headers(const struct gh_client *c, const char *accept,
				       bool with_token, bool with_body, const char *inm)
{
	struct curl_slist *h = NULL, *t;
	struct buf line = BUF_INIT;
	const char *fixed[] = {
		"User-Agent: " GH_USER_AGENT,
		"X-GitHub-Api-Version: " GH_API_VERSION,
		"Expect:", /* no 100-continue round trip for large bodies */
		with_body ? "Content-Type: application/json" : NULL,
	};

	buf_addf(&line, "Accept: %s", accept ? accept : GH_ACCEPT);
	if (with_token && c->token)
		buf_addf(&line, "%cAuthorization: Bearer %s", '\0', c->token);
	if (inm && *inm && !strpbrk(inm, "\r\n"))
		buf_addf(&line, "%cIf-None-Match: %s", '\0', inm);
	if (buf_failed(&line))
		goto fail;
	for (size_t off = 0; off < line.len; off += strlen(line.ptr + off) + 1) {
		t = curl_slist_append(h, line.ptr + off);
		if (!t)
			goto fail;
		h = t;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!fixed[i])
			continue;
		t = curl_slist_append(h, fixed[i]);
		if (!t)
			goto fail;
		h = t;
	}
	explicit_bzero(line.ptr, line.len);
	buf_release(&line);
	return h;
fail:
	if (line.ptr)
		explicit_bzero(line.ptr, line.len);
	buf_release(&line);
	curl_slist_free_all(h);
	return NULL;
}

static void free_headers(struct curl_slist *h)
{
	for (struct curl_slist *p = h; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

/* The libcurl time limit for one attempt, from the budget left. */
static long attempt_timeout_ms(const struct gh_client *c)
{
	double left = gh_remaining(c);

	if (left > GH_ATTEMPT_MAX_S)
		left = GH_ATTEMPT_MAX_S;
	return left < 0.001 ? 1 : (long)(left * 1000);
}

static CURLcode setup(struct gh_client *c, const char *method, const char *url,
		      const char *body, size_t body_len, struct curl_slist *headers)
{
	CURL *h = c->curl;
	long tmo = attempt_timeout_ms(c);
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
	/* No curl_easy_reset(): it cannot report a failed allocation, and the
	 * allocation-failure torture saw it leave the handle half reset, so that
	 * a PUT GitHub had made was taken for a failure.  Every option that
	 * differs between requests is set (or cleared) here each time. */
	SET(CURLOPT_CUSTOMREQUEST, (char *)NULL);
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cainfo)
		SET(CURLOPT_CAINFO, c->cainfo);
	SET(CURLOPT_TIMEOUT_MS, tmo);
	SET(CURLOPT_CONNECTTIMEOUT_MS, tmo < GH_CONNECT_MAX_S * 1000L ? tmo : GH_CONNECT_MAX_S * 1000L);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, c);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, c);
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	if (body) {
		SET(CURLOPT_POSTFIELDS, body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		if (strcmp(method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, method);
	} else {
		SET(CURLOPT_HTTPGET, 1L);
		if (strcmp(method, "GET") != 0)
			SET(CURLOPT_CUSTOMREQUEST, method);
	}
#undef SET
	return rc;
}

/* One HTTP exchange, no retry, no redirect.  The curl result; resp->status
 * and the body are filled when an answer came. */
static CURLcode exchange(struct gh_client *c, const char *method, const char *url,
			 const char *body, size_t body_len, const struct gh_request *req,
			 bool with_token, struct gh_response *resp)
{
	struct curl_slist *headers = make_headers(c, req->accept, with_token, body != NULL,
						  req->if_none_match);
	CURLcode rc;
	long status = 0, sent = 0;

	if (!headers)
		return CURLE_OUT_OF_MEMORY;
	c->resp = resp;
	c->body_too_big = false;
	c->body_oom = false;
	c->sent = false;
	c->errbuf[0] = '\0';
	c->hints.retry_after = c->hints.remaining = -1;
	c->hints.reset = -1;
	buf_reset(&resp->body);
	resp->status = 0;
	rc = setup(c, method, url, body, body_len, headers);
	if (rc == CURLE_OK) {
		c->requests++;
		rc = curl_easy_perform(c->curl);
	}
	if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
		resp->status = status;
	c->sent = curl_easy_getinfo(c->curl, CURLINFO_REQUEST_SIZE, &sent) != CURLE_OK || sent > 0;
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	free_headers(headers);
	c->resp = NULL;
	return rc;
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

enum outcome {
	OUT_ANSWER,   /* an HTTP answer: the caller looks at the status */
	OUT_RETRY,    /* a transient transport failure */
	OUT_FAILED,   /* reported */
};

static bool tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return true;
	default:
		return false;
	}
}

static bool transient_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/* Describe a transport failure for an error line (no URL, no headers). */
static void describe_curl(struct buf *why, const struct gh_client *c, CURLcode rc)
{
	buf_addf(why, "%s", curl_easy_strerror(rc));
	if (c->errbuf[0] && strcmp(c->errbuf, curl_easy_strerror(rc)) != 0)
		buf_addf(why, " (%s)", c->errbuf);
}

/*
 * One attempt: the exchange plus the redirects it leads to.  On OUT_RETRY,
 * `why` says what went wrong.
 */
static enum outcome attempt(struct gh_client *c, const struct gh_request *req,
			    struct gh_response *resp, struct buf *why)
{
	const char *method = req->method;
	const char *body = req->body;
	size_t body_len = req->body_len;
	struct buf url = BUF_INIT;
	struct origin target = { NULL, NULL, NULL };
	bool with_token = true;
	enum outcome out = OUT_FAILED;
	const char *reason;
	CURLcode rc;

	if ((req->graphql ? gh_graphql_url(&url, c->base) :
	     buf_addf(&url, "%s%s", c->base, req->path)) < 0) {
		log_oom();
		goto done;
	}
	for (int hop = 0;; hop++) {
		char *next = NULL;

		rc = exchange(c, method, buf_cstr(&url), body, body_len, req, with_token, resp);
		if (rc == CURLE_WRITE_ERROR && c->body_too_big) {
			log_error("%s failed: the response is over %zu bytes%s%s", req->what,
				  c->body_max, req->too_big ? ": " : "",
				  req->too_big ? req->too_big : "");
			goto done;
		}
		if (rc == CURLE_OUT_OF_MEMORY || (rc == CURLE_WRITE_ERROR && c->body_oom)) {
			/* a write may have been made: say so */
			if (c->sent && strcmp(method, "GET") != 0)
				log_error("%s failed: out of memory after the request was sent "
					  "(GitHub may have made the change)", req->what);
			else
				log_error("%s failed: out of memory", req->what);
			goto done;
		}
		if (tls_error(rc)) {
			struct buf d = BUF_INIT;

			describe_curl(&d, c, rc);
			log_error("%s failed: TLS with '%s' failed: %s; the server's certificate must "
				  "verify against the CA bundle (SSL_CERT_FILE names another); "
				  "there is no insecure mode", req->what,
				  target.host ? target.host : c->origin.host, buf_cstr(&d));
			buf_release(&d);
			goto done;
		}
		if (rc != CURLE_OK) {
			describe_curl(why, c, rc);
			if (transient_error(rc) && req->no_resend && c->sent)
				log_error("%s failed: %s after the request was sent; it may have "
					  "arrived, so it is not sent again (check the target before "
					  "running this again)", req->what, buf_cstr(why));
			else if (transient_error(rc))
				out = OUT_RETRY;
			else
				log_error("%s failed: %s", req->what, buf_cstr(why));
			goto done;
		}
		if (!is_redirect(resp->status)) {
			out = OUT_ANSWER;
			goto done;
		}
		if (hop == GH_REDIRECTS_MAX) {
			log_error("%s failed: more than %d redirects", req->what, GH_REDIRECTS_MAX);
			goto done;
		}
		if (curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &next) != CURLE_OK || !next) {
			log_error("%s failed: HTTP %ld redirect without a usable Location",
				  req->what, resp->status);
			goto done;
		}
		origin_release(&target);
		if (origin_parse(&target, next, false, &reason) < 0) {
			if (reason == oom_why)
				log_error("%s failed: out of memory", req->what);
			else
				log_error("%s failed: HTTP %ld redirect to a bad URL: %s", req->what,
					  resp->status, reason);
			goto done;
		}
		if (strcmp(target.scheme, "http") == 0 && !gh_is_loopback(target.host)) {
			log_error("%s failed: refusing to follow a redirect to plain http on '%s'",
				  req->what, target.host);
			goto done;
		}
		with_token = origin_same(&target, &c->origin);
		if (!with_token)
			log_debug("%s: redirected to '%s', sent without the token", req->what,
				  target.host);
		buf_reset(&url);
		if (buf_adds(&url, next) < 0) {
			log_oom();
			goto done;
		}
		if (resp->status == 303) {
			method = "GET";
			body = NULL;
			body_len = 0;
		}
	}
done:
	origin_release(&target);
	buf_release(&url);
	return out;
}

/* GitHub's "message", and the messages of its "errors" array. */
static char *extract_message(const struct buf *body)
{
	cJSON *root, *msg, *errs, *e;
	struct buf out = BUF_INIT;
	int n = 0;

	if (!body->len)
		return NULL;
	root = cJSON_ParseWithLength(body->ptr, body->len);
	if (!root)
		return NULL;
	msg = cJSON_GetObjectItemCaseSensitive(root, "message");
	if (cJSON_IsString(msg))
		buf_adds(&out, msg->valuestring);
	errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
	if (!cJSON_IsArray(errs))
		errs = NULL;
	cJSON_ArrayForEach(e, errs) {
		cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
		cJSON *field = cJSON_GetObjectItemCaseSensitive(e, "field");

		buf_adds(&out, n++ ? "; " : out.len ? " (" : "(");
		if (cJSON_IsString(m))
			buf_adds(&out, m->valuestring);
		else if (cJSON_IsString(e))
			buf_adds(&out, e->valuestring);
		else
			buf_addf(&out, "%s %s", cJSON_IsString(field) ? field->valuestring : "field",
				 cJSON_IsString(code) ? code->valuestring : "invalid");
	}
	if (n)
		buf_addc(&out, ')');
	cJSON_Delete(root);
	if (!out.len) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

static bool message_says_rate_limit(const char *m)
{
	return m && strcasestr(m, "rate limit") != NULL;
}

static bool is_rate_limited(const struct gh_client *c, const struct gh_response *resp)
{
	if (resp->status == 429)
		return true;
	return resp->status == 403 &&
	       (c->hints.remaining == 0 || c->hints.retry_after >= 0 ||
		message_says_rate_limit(resp->message));
}

static bool retryable_status(const struct gh_client *c, const struct gh_response *resp)
{
	switch (resp->status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return true;
	case 403:
		return is_rate_limited(c, resp);
	default:
		return false;
	}
}

/* A quoted, bounded copy of an untrusted message for an error line. */
static void add_quoted(struct buf *b, const char *m)
{
	size_t n = strlen(m);

	if (n > GH_MESSAGE_MAX)
		buf_addf(b, "\"%.*s...\"", GH_MESSAGE_MAX, m);
	else
		buf_addf(b, "\"%s\"", m);
}

static void describe_status(struct buf *b, const struct gh_response *resp)
{
	buf_addf(b, "HTTP %ld", resp->status);
	if (resp->message) {
		buf_adds(b, " ");
		add_quoted(b, resp->message);
	}
}

static double random_unit(struct gh_client *c)
{
	/* xorshift64*: plenty for jitter */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (double)((c->rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* Wait `ms` before retrying `what`, or report that the budget forbids it. */
static int wait_or_fail(struct gh_client *c, long ms, const char *what, const char *why)
{
	double left = gh_remaining(c);

	if ((double)ms / 1000.0 >= left) {
		log_error("%s failed: %s; waiting %.1f s to retry would pass the time budget "
			  "of %d s (%.1f s left)", what, why, (double)ms / 1000.0, c->timeout_s,
			  left < 0 ? 0.0 : left);
		return -1;
	}
	log_debug("%s: %s; retrying in %.3f s", what, why, (double)ms / 1000.0);
	sleep_ms(ms);
	return 0;
}

int gh_request(struct gh_client *c, const struct gh_request *req, struct gh_response *resp)
{
	struct buf why = BUF_INIT;
	int rc = -1;

	gh_response_release(resp);
	c->body_max = req->body_max ? req->body_max : GH_BODY_MAX;
	buf_init(&resp->body, c->body_max);
	for (int n = 1;; n++) {
		enum outcome o;
		bool limited = false;
		long ms;

		if (gh_remaining(c) <= 0) {
			log_error("%s failed: the time budget of %d s is used up%s%s", req->what,
				  c->timeout_s, why.len ? "; last: " : "", buf_cstr(&why));
			goto out;
		}
		buf_reset(&why);
		resp->attempts = n;
		free(resp->message);
		resp->message = NULL;
		o = attempt(c, req, resp, &why);
		if (o == OUT_FAILED)
			goto out;
		if (o == OUT_ANSWER) {
			/* only an error's body is read for a message: a success's
			 * (a blob of megabytes) is the caller's to parse */
			if (resp->status / 100 != 2)
				resp->message = extract_message(&resp->body);
			log_debug("%s %s: HTTP %ld (attempt %d)", req->method, req->path,
				  resp->status, n);
			if (!retryable_status(c, resp)) {
				rc = 0;
				goto out;
			}
			limited = is_rate_limited(c, resp);
			describe_status(&why, resp);
			if (limited)
				buf_adds(&why, " (rate limited)");
		}
		if (buf_failed(&why)) {
			log_oom();
			goto out;
		}
		if (gh_remaining(c) < GH_BUDGET_SLACK_S) {
			log_error("%s failed: the time budget of %d s is used up; last: %s",
				  req->what, c->timeout_s, buf_cstr(&why));
			goto out;
		}
		if (n >= c->max_attempts) {
			log_error("%s failed after %d attempt%s: %s", req->what, n,
				  n == 1 ? "" : "s", buf_cstr(&why));
			goto out;
		}
		ms = gh_wait_ms(&c->hints, limited, n + 1, c->base_ms, now_epoch(),
				random_unit(c));
		if (wait_or_fail(c, ms, req->what, buf_cstr(&why)) < 0)
			goto out;
	}
out:
	buf_release(&why);
	return rc;
}

int gh_backoff_window(struct gh_client *c, double bases, double reserve_s, int attempt_no,
		      const char *what)
{
	double left_ms = (gh_remaining(c) - reserve_s) * 1000.0;
	double window = bases * (double)c->base_ms;

	if (left_ms < 1.0) {
		log_error("%s failed: before attempt %d, the time budget of %d s leaves no room "
			  "for one more (%.1f s left, an attempt takes %.1f s)", what, attempt_no,
			  c->timeout_s, gh_remaining(c) > 0 ? gh_remaining(c) : 0.0, reserve_s);
		return -1;
	}
	if (!(window <= left_ms)) /* also NaN */
		window = left_ms;
	if (window < 0)
		window = 0;
	log_debug("%s: waiting up to %.3f s before attempt %d", what, window / 1000.0, attempt_no);
	sleep_ms((long)(window * random_unit(c)));
	return 0;
}

/* ---- errors ---------------------------------------------------------- */

/* "Contents read and write" for "contents:write". */
static void describe_permission(struct buf *b, const char *perm)
{
	const char *colon = strchr(perm, ':');
	size_t n = colon ? (size_t)(colon - perm) : strlen(perm);
	const char *level = colon ? colon + 1 : "read";

	for (size_t i = 0; i < n; i++) {
		char ch = perm[i] == '_' ? ' ' : perm[i];

		buf_addc(b, i == 0 ? (char)toupper((unsigned char)ch) : ch);
	}
	buf_adds(b, strcmp(level, "write") == 0 ? " read and write" : " read");
}

/* `verb`: "token lacks" when GitHub said so (403), "the token needs" when
 * it could also be a missing repository (404). */
static void permission_hint(struct buf *b, const struct gh_request *req, const char *verb)
{
	const char *perm = req->permission ? req->permission : "contents:read";

	buf_addf(b, "%s %s on '%s' (fine-grained PAT or GitHub App: ", verb, perm,
		 req->repo ? req->repo : "the repository");
	describe_permission(b, perm);
	buf_adds(b, "; classic PAT: repo scope)");
	log_fix("give the token %s on '%s'", perm, req->repo ? req->repo : "the repository");
}

/* The workflow's `permissions:` key for "contents:write": "contents: write". */
static void permissions_key(struct buf *b, const char *perm)
{
	const char *colon = strchr(perm, ':');
	size_t n = colon ? (size_t)(colon - perm) : strlen(perm);

	for (size_t i = 0; i < n; i++)
		buf_addc(b, perm[i] == '_' ? '-' : perm[i]);
	buf_addf(b, ": %s", colon ? colon + 1 : "read");
}

/*
 * A 403 that names its cause: each has its own line and fix, and only the
 * ones a token can fix name a permission.  GitHub's messages (REST docs,
 * "Troubleshooting the REST API", and the Contents and Repositories pages):
 *   "Repository was archived so is read-only."       no token can write
 *   errors[].code "too_large" / "... too large ..."  the file, not the token
 *   "Resource not accessible by integration"         a GitHub App token or the
 *                                                    workflow's GITHUB_TOKEN
 *   "Resource not accessible by personal access token"  a fine-grained PAT
 *   "... SAML enforcement ..."                       SSO not authorised
 * Anything else that is no rate limit: the permission hint when the
 * message speaks of access (or there is none), else GitHub's message alone.
 */
static void hint_403(struct buf *b, const struct gh_request *req, const struct gh_response *resp)
{
	const char *msg = resp->message, *repo = req->repo ? req->repo : "the repository";
	const char *perm = req->permission ? req->permission : "contents:read";
	struct buf key = BUF_INIT;

	if (message_says_rate_limit(msg)) {
		buf_adds(b, ": rate limited");
	} else if (msg && strcasestr(msg, "archived")) {
		buf_addf(b, ": '%s' is archived, so it is read-only for every token", repo);
		log_fix("unarchive '%s' (its Settings) or deploy to another repository", repo);
	} else if (msg && (strcasestr(msg, "too large") || strcasestr(msg, "too_large"))) {
		buf_adds(b, ": the file is too large for GitHub's API (no token changes that)");
		log_fix("keep the manifest under GitHub's API limit (100 MB; 1 MB per JSON "
			"answer)");
	} else if (msg && strcasestr(msg, "not accessible by integration")) {
		permissions_key(&key, perm);
		buf_addf(b, ": the workflow's GITHUB_TOKEN (or a GitHub App token) lacks %s on '%s': "
			 "with GITHUB_TOKEN, add 'permissions: { %s }' to the job (or the "
			 "workflow); with an App, grant it ", perm, repo, buf_cstr(&key));
		describe_permission(b, perm);
		log_fix("add a `permissions:` block with `%s` to the job or the workflow (for "
			"GITHUB_TOKEN; a GitHub App needs that permission granted)", buf_cstr(&key));
	} else if (msg && strcasestr(msg, "not accessible by personal access token")) {
		buf_addf(b, ": the fine-grained token lacks %s on '%s' (give it ", perm, repo);
		describe_permission(b, perm);
		buf_adds(b, " on that repository)");
		log_fix("give the fine-grained token %s on '%s'", perm, repo);
	} else if (msg && strcasestr(msg, "SAML")) {
		buf_addf(b, ": the token is not authorised for the organisation's single sign-on");
		log_fix("authorise the token for SSO (token settings, Configure SSO)");
	} else if (!msg || strcasestr(msg, "not accessible") || strcasestr(msg, "permission") ||
		   strcasestr(msg, "must have")) {
		buf_adds(b, ": ");
		permission_hint(b, req, "token lacks");
	}
	buf_release(&key);
}

int gh_fail(const struct gh_request *req, const struct gh_response *resp)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s failed: ", req->what);
	describe_status(&b, resp);
	switch (resp->status) {
	case 401:
		buf_adds(&b, ": the token is invalid, expired or revoked (check the 'token' input)");
		log_fix("set the 'token' input to a current token (the secret it names may be "
			"empty, expired or revoked)");
		break;
	case 403:
		hint_403(&b, req, resp);
		break;
	case 404:
		buf_addf(&b, ": '%s' does not exist or the token cannot see it; ",
			 req->repo ? req->repo : "the resource");
		permission_hint(&b, req, "the token needs");
		buf_adds(&b, "; GITHUB_TOKEN reaches only its own repository");
		break;
	default:
		break;
	}
	if (resp->request_id)
		buf_addf(&b, " [request %s]", resp->request_id);
	if (buf_failed(&b))
		log_error("%s failed: HTTP %ld", req->what, resp->status);
	else
		log_error("%s", b.ptr);
	buf_release(&b);
	return -1;
}

int gh_parse_json(cJSON **out, const struct gh_request *req, const struct gh_response *resp,
		  enum gh_json shape)
{
	static const char *const names[] = {
		[GH_JSON_OBJECT] = "a JSON object",
		[GH_JSON_ARRAY] = "a JSON array",
	};
	bool fits;

	errno = 0;
	*out = cJSON_ParseWithLength(buf_cstr(&resp->body), resp->body.len);
	if (!*out && errno == ENOMEM) {
		/* cJSON says NULL for this too: tell it apart from a bad body */
		if (strcmp(req->method, "GET") != 0 && resp->status / 100 == 2)
			log_error("%s: out of memory reading the answer (HTTP %ld): GitHub made "
				  "the change", req->what, resp->status);
		else
			log_error("%s: out of memory reading the answer", req->what);
		return -1;
	}
	fits = shape == GH_JSON_ANY || (shape == GH_JSON_OBJECT && cJSON_IsObject(*out)) ||
	       (shape == GH_JSON_ARRAY && cJSON_IsArray(*out));
	if (!fits) {
		log_error("%s: the answer (HTTP %ld) is not %s", req->what, resp->status,
			  names[shape]);
		cJSON_Delete(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int gh_request_json(cJSON **out, struct gh_client *c, const struct gh_request *req,
		    struct gh_response *resp, const long *statuses, enum gh_json shape)
{
	static const long ok[] = { 200, 0 };
	const long *s;

	*out = NULL;
	if (gh_request(c, req, resp) < 0)
		return -1;
	for (s = statuses ? statuses : ok; *s && *s != resp->status; s++)
		;
	if (!*s)
		return gh_fail(req, resp);
	if (resp->status / 100 == 2 && resp->status != 204 &&
	    gh_parse_json(out, req, resp, shape) < 0)
		return -1;
	return (int)resp->status;
}

int gh_get_json(struct gh_get *g, struct gh_client *c, const char *repo,
		const char *permission, const long *statuses, enum gh_json shape,
		const char *what, const char *fmt, ...)
{
	va_list ap;
	int rc;

	cJSON_Delete(g->json);
	g->json = NULL;
	buf_reset(&g->path);
	va_start(ap, fmt);
	rc = repo_vpath(&g->path, repo, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return log_oom();
	g->req.method = "GET";
	g->req.path = g->path.ptr;
	g->req.what = what;
	g->req.repo = repo;
	g->req.permission = permission;
	return gh_request_json(&g->json, c, &g->req, &g->resp, statuses, shape);
}

void gh_get_release(struct gh_get *g)
{
	cJSON_Delete(g->json);
	gh_response_release(&g->resp);
	buf_release(&g->path);
	*g = (struct gh_get)GH_GET_INIT;
}

bool gh_valid_repo(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t owner, name;

	if (!slash || strchr(slash + 1, '/'))
		return false;
	owner = (size_t)(slash - s);
	name = strlen(slash + 1);
	if (owner < 1 || owner > 39 || name < 1 || name > 100)
		return false;
	for (const char *p = s; p < slash; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	for (const char *p = slash + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return strcmp(slash + 1, ".") != 0 && strcmp(slash + 1, "..") != 0;
}
