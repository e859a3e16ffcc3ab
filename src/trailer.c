/* trailer: see trailer.h for the contract. */
#include "trailer.h"

#include "github.h"
#include "log.h"
#include "policy.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NUMBER_MAX 1000000000000000LL /* 10^15: far above any run or deployment id */

bool trailer_valid_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && (n == 40 || n == 64);
}

bool trailer_valid_workflow(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > TRAILER_WORKFLOW_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static bool valid_ref(const struct trailer_ref *r)
{
	return r->repo && r->sha && gh_valid_repo(r->repo) && trailer_valid_sha(r->sha);
}

static bool ref_set(const struct trailer_ref *r)
{
	return r->repo || r->sha;
}

static int bad(const char *key)
{
	log_error("internal error: the '%s' trailer's value is not of its form", key);
	return -1;
}

int trailer_append(struct buf *msg, const struct trailers *t)
{
	if (ref_set(&t->from) && !valid_ref(&t->from))
		return bad(TRAILER_DEPLOYED_FROM);
	if (ref_set(&t->rollback_of) && !valid_ref(&t->rollback_of))
		return bad(TRAILER_ROLLBACK_OF);
	if (t->deployment_id < 0 || t->deployment_id > NUMBER_MAX)
		return bad(TRAILER_DEPLOYMENT_ID);
	if (t->run < 0 || t->run > NUMBER_MAX)
		return bad(TRAILER_SOURCE_RUN);
	if (t->workflow && !trailer_valid_workflow(t->workflow))
		return bad(TRAILER_SOURCE_WORKFLOW);
	if (t->service && !policy_valid_name(t->service))
		return bad(TRAILER_SERVICE);
	if (t->environment && !policy_valid_name(t->environment))
		return bad(TRAILER_ENVIRONMENT);
	if (!ref_set(&t->from) && !ref_set(&t->rollback_of) && !t->deployment_id && !t->run &&
	    !t->workflow && !t->service && !t->environment)
		return 0;
	while (msg->len && isspace((unsigned char)msg->ptr[msg->len - 1]))
		buf_truncate(msg, msg->len - 1);
	buf_adds(msg, msg->len ? "\n\n" : "");
	if (ref_set(&t->from))
		buf_addf(msg, "%s: %s@%s\n", TRAILER_DEPLOYED_FROM, t->from.repo, t->from.sha);
	if (t->deployment_id)
		buf_addf(msg, "%s: %lld\n", TRAILER_DEPLOYMENT_ID, t->deployment_id);
	if (t->service)
		buf_addf(msg, "%s: %s\n", TRAILER_SERVICE, t->service);
	if (t->environment)
		buf_addf(msg, "%s: %s\n", TRAILER_ENVIRONMENT, t->environment);
	if (t->run)
		buf_addf(msg, "%s: %lld\n", TRAILER_SOURCE_RUN, t->run);
	if (t->workflow)
		buf_addf(msg, "%s: %s\n", TRAILER_SOURCE_WORKFLOW, t->workflow);
	if (ref_set(&t->rollback_of))
		buf_addf(msg, "%s: %s@%s\n", TRAILER_ROLLBACK_OF, t->rollback_of.repo,
			 t->rollback_of.sha);
	return buf_failed(msg) ? log_oom() : 0;
}

/* ---- reading ------------------------------------------------------------------ */

/* A positive decimal number without sign, blanks or leading zero; 0 when
 * not. */
static long long number(const char *v, size_t n)
{
	long long x = 0;

	if (!n || n > 15 || v[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* "owner/app@sha" into `r` (replacing what it held) when of its form. */
static int take_ref(struct trailer_ref *r, const char *v, size_t n)
{
	const char *at = memchr(v, '@', n);
	struct trailer_ref t = { NULL, NULL };

	if (!at)
		return 0;
	if (!(t.repo = strndup(v, (size_t)(at - v))) ||
	    !(t.sha = strndup(at + 1, n - (size_t)(at - v) - 1))) {
		free(t.repo);
		return log_oom();
	}
	if (!valid_ref(&t)) {
		free(t.repo);
		free(t.sha);
		return 0;
	}
	free(r->repo);
	free(r->sha);
	*r = t;
	return 0;
}

/* A string value into *slot (replacing what it held) when `valid` says it
 * is of its form. */
static int take_str(char **slot, const char *v, size_t n, bool (*valid)(const char *))
{
	char *w = strndup(v, n);

	if (!w)
		return log_oom();
	if (!valid(w)) {
		free(w);
		return 0;
	}
	free(*slot);
	*slot = w;
	return 0;
}

static bool key_is(const char *k, size_t klen, const char *name)
{
	return strlen(name) == klen && strncasecmp(k, name, klen) == 0;
}

/* One "Key: value" line; 1 when it is not one. */
static int take_line(struct trailers *t, const char *line, size_t n)
{
	size_t klen = 0;
	const char *v;
	size_t vlen;
	long long x;

	while (klen < n && (isalnum((unsigned char)line[klen]) || line[klen] == '-'))
		klen++;
	if (!klen || klen >= n || line[klen] != ':')
		return 1;
	v = line + klen + 1;
	vlen = n - klen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && isspace((unsigned char)v[vlen - 1]))
		vlen--;
	if (key_is(line, klen, TRAILER_DEPLOYED_FROM))
		return take_ref(&t->from, v, vlen);
	if (key_is(line, klen, TRAILER_ROLLBACK_OF))
		return take_ref(&t->rollback_of, v, vlen);
	if (key_is(line, klen, TRAILER_SOURCE_WORKFLOW))
		return take_str(&t->workflow, v, vlen, trailer_valid_workflow);
	if (key_is(line, klen, TRAILER_SERVICE))
		return take_str(&t->service, v, vlen, policy_valid_name);
	if (key_is(line, klen, TRAILER_ENVIRONMENT))
		return take_str(&t->environment, v, vlen, policy_valid_name);
	if (key_is(line, klen, TRAILER_DEPLOYMENT_ID) && (x = number(v, vlen)))
		t->deployment_id = x;
	else if (key_is(line, klen, TRAILER_SOURCE_RUN) && (x = number(v, vlen)))
		t->run = x;
	return 0;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* Is every line of the paragraph [p, end) a "Key: value" line? */
static bool all_trailers(const char *p, const char *end)
{
	bool ok = true;

	while (ok && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t klen = 0;

		while (p + klen < eol && (isalnum((unsigned char)p[klen]) || p[klen] == '-'))
			klen++;
		ok = klen && p + klen < eol && p[klen] == ':';
		p = nl ? nl + 1 : end;
	}
	return ok;
}

int trailer_parse(struct trailers *t, const char *msg, size_t len)
{
	const char *end = msg + len, *para = msg, *p = msg;

	memset(t, 0, sizeof(*t));
	while (end > msg && isspace((unsigned char)end[-1]))
		end--;
	/* the last paragraph starts after the last blank line */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (blank(p, (size_t)(eol - p)))
			para = nl ? nl + 1 : end;
		p = nl ? nl + 1 : end;
	}
	if (para == msg || para >= end || !all_trailers(para, end))
		return 0; /* a subject alone is never a trailer block */
	for (p = para; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (take_line(t, p, (size_t)(eol - p)) < 0) {
			trailer_release(t);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

void trailer_release(struct trailers *t)
{
	free(t->from.repo);
	free(t->from.sha);
	free(t->workflow);
	free(t->rollback_of.repo);
	free(t->rollback_of.sha);
	free(t->service);
	free(t->environment);
	memset(t, 0, sizeof(*t));
}
