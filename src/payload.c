/* payload: see payload.h. */
#include "payload.h"

#include "log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FOUND = 0, ABSENT = 1 };

static const char *type_name(enum event_type t)
{
	switch (t) {
	case EVENT_STRING: return "a string";
	case EVENT_NUMBER: return "a number";
	case EVENT_BOOL: return "a boolean";
	case EVENT_NULL: return "null";
	case EVENT_ARRAY: return "an array";
	case EVENT_OBJECT: return "an object";
	}
	return "an invalid value";
}

/* client_payload's entry `key` (its own key at depth 1: "service"; a key of
 * its object `source` at depth 2: "source.sha"). */
static const struct event_kv *entry(const struct event *ev, const char *key)
{
	int depth = 1;

	for (const char *s = key; *s; s++)
		depth += *s == '.';
	return event_payload_at(ev, key, depth);
}

/*
 * The string client_payload.KEY into *out; a NULL key is the event's
 * `action`.  FOUND, ABSENT (missing or null; an error when `required`), or
 * -1.
 */
static int get_string(const struct event *ev, char **out, const char *key, bool required)
{
	const struct event_kv *kv = key ? entry(ev, key) : NULL;
	const char *value = key ? (kv && kv->type == EVENT_STRING ? kv->value : NULL) : ev->action;
	char field[64];
	size_t len;

	snprintf(field, sizeof(field), "%s%s", key ? "client_payload." : "", key ? key : "action");
	if (!value && (!kv || kv->type == EVENT_NULL)) {
		if (!required)
			return ABSENT;
		log_error("field '%s' is missing from the event in '%s'", field, ev->path);
		return -1;
	}
	if (!value) {
		log_error("field '%s' in '%s' must be a string, not %s", field, ev->path,
			  type_name(kv->type));
		return -1;
	}
	len = strlen(value);
	if (len > PAYLOAD_STRING_MAX) {
		log_error("field '%s' in '%s' is too long (%zu bytes, at most %zu)", field,
			  ev->path, len, PAYLOAD_STRING_MAX);
		return -1;
	}
	if (!(*out = strdup(value)))
		return log_oom();
	return FOUND;
}

/* First client_payload.A, else client_payload.B (NULL: `action`); one of
 * them is required. */
static int get_either(const struct event *ev, char **out, const char *a, const char *b)
{
	int rc = get_string(ev, out, a, false);

	if (rc != ABSENT)
		return rc;
	rc = get_string(ev, out, b, false);
	if (rc != ABSENT)
		return rc;
	log_error("the event in '%s' has neither 'client_payload.%s' nor '%s%s'", ev->path, a,
		  b ? "client_payload." : "", b ? b : "action");
	return -1;
}

static bool full_hex_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && (n == 40 || n == 64);
}

static int derive(const struct event *ev, struct payload *p)
{
	size_t n = strcspn(p->message, "\n");

	if (n && p->message[n - 1] == '\r')
		n--;
	p->subject = strndup(p->message, n);
	if (p->sha) {
		if (!full_hex_sha(p->sha)) {
			log_error("field 'client_payload.source.sha' in '%s' must be a full "
				  "lowercase commit id (40 hex digits), not '%.80s'", ev->path, p->sha);
			return -1;
		}
		p->short_sha = strndup(p->sha, EVENT_SHORT_SHA);
	}
	if (!p->subject || (p->sha && !p->short_sha))
		return log_oom();
	if (p->kind == PAYLOAD_ARTICLE && !strncmp(p->environment, "refs/heads/", 11))
		memmove(p->environment, p->environment + 11, strlen(p->environment + 11) + 1);
	return 0;
}

/* client_payload.KEY as a positive whole number below 10^15: a JSON
 * number or a string of digits.  0 in *out when absent or null. */
static int get_number(const struct event *ev, long long *out, const char *key)
{
	const struct event_kv *kv = entry(ev, key);
	const char *v = kv ? kv->value : NULL;
	size_t n = v ? strspn(v, "0123456789") : 0;

	*out = 0;
	if (!kv || kv->type == EVENT_NULL)
		return 0;
	if ((kv->type != EVENT_NUMBER && kv->type != EVENT_STRING) || !n || v[n] || n > 15 ||
	    v[0] == '0') {
		log_error("field 'client_payload.%s' in '%s' must be a positive whole number, not "
			  "%s%.40s%s", key, ev->path, kv->type == EVENT_STRING ? "'" : "",
			  kv->type == EVENT_STRING || kv->type == EVENT_NUMBER ? v : type_name(kv->type),
			  kv->type == EVENT_STRING ? "'" : "");
		return -1;
	}
	*out = strtoll(v, NULL, 10);
	return 0;
}

static int get_bool(const struct event *ev, bool *out, const char *key)
{
	const struct event_kv *kv = entry(ev, key);

	*out = false;
	if (!kv || kv->type == EVENT_NULL)
		return 0;
	if (kv->type != EVENT_BOOL) {
		log_error("field 'client_payload.%s' in '%s' must be true or false, not %s", key,
			  ev->path, type_name(kv->type));
		return -1;
	}
	*out = strcmp(kv->value, "true") == 0;
	return 0;
}

/* What orders deploys and proves where they come from. */
static int read_trust(const struct event *ev, struct payload *p)
{
	if (get_number(ev, &p->run_number, "source.run_number") < 0 ||
	    get_bool(ev, &p->rollback, "source.rollback") < 0 ||
	    get_string(ev, &p->workflow_ref, "source.workflow_ref", false) < 0 ||
	    get_string(ev, &p->oidc_token, "source.oidc_token", false) < 0)
		return -1;
	/* a secret: never printed from here on, whatever fails later */
	return p->oidc_token ? log_mask(p->oidc_token) : 0;
}

/* source.deployment_id: absent, null, or a whole number 1..2^53 (a JSON
 * number, or a string of digits as GitHub's own contexts give it). */
static int read_deployment_id(const struct event *ev, struct payload *p)
{
	const struct event_kv *kv = entry(ev, "source.deployment_id");
	const char *v;
	long long n = 0;

	if (!kv || kv->type == EVENT_NULL)
		return 0;
	v = kv->value;
	if ((kv->type == EVENT_NUMBER || kv->type == EVENT_STRING) && *v &&
	    strspn(v, "0123456789") == strlen(v) &&
	    strlen(v) <= 16) {
		for (; *v; v++)
			n = n * 10 + (*v - '0');
		if (n >= 1 && n <= 9007199254740992LL) {
			p->deployment_id = n;
			return 0;
		}
	}
	log_error("field 'client_payload.source.deployment_id' in '%s' must be a deployment id "
		  "(a whole number from 1), not %s '%.40s'", ev->path, type_name(kv->type), kv->value);
	return -1;
}

static int read_source(const struct event *ev, struct payload *p)
{
	const struct {
		char **slot;
		const char *key;
		bool required;
	} fields[] = {
		{ &p->repository, "source.repository", true },
		{ &p->sha, "source.sha", true },
		{ &p->ref, "source.ref", false },
		{ &p->actor, "source.actor", false },
		{ &p->run_url, "source.run_url", false },
		{ &p->event, "source.event", false },
		{ &p->deployment_url, "source.deployment_url", false },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (get_string(ev, fields[i].slot, fields[i].key, fields[i].required) < 0)
			return -1;
	if (read_trust(ev, p) < 0)
		return -1;
	return read_deployment_id(ev, p);
}

int payload_from_event(struct payload *p, const struct event *ev)
{
	const struct event_kv *src;
	bool dispatch;

	memset(p, 0, sizeof(*p));
	if (!ev->has_payload) {
		log_error("the event in '%s' has no 'client_payload' (is it a repository_dispatch?)",
			  ev->path);
		return -1;
	}
	src = entry(ev, "source");
	if (src && src->type != EVENT_OBJECT && src->type != EVENT_NULL) {
		log_error("field 'client_payload.source' in '%s' must be an object, not %s",
			  ev->path, type_name(src->type));
		return -1;
	}
	dispatch = src && src->type == EVENT_OBJECT;
	p->kind = dispatch ? PAYLOAD_DISPATCH : PAYLOAD_ARTICLE;
	if (ev->action && !(p->action = strdup(ev->action)))
		return log_oom();
	if (get_either(ev, &p->service, "service", NULL) < 0 ||
	    get_either(ev, &p->environment, "environment", "baseRef") < 0 ||
	    get_either(ev, &p->message, "source.message", "commitmsg") < 0 ||
	    get_string(ev, &p->image, "image", false) < 0)
		return -1;
	if (dispatch && read_source(ev, p) < 0)
		return -1;
	return derive(ev, p);
}

void payload_release(struct payload *p)
{
	char **fields[] = {
		&p->action, &p->service, &p->environment, &p->message, &p->subject, &p->image,
		&p->repository, &p->ref, &p->sha, &p->short_sha, &p->actor, &p->run_url,
		&p->event, &p->workflow_ref, &p->oidc_token, &p->deployment_url,
	};

	if (p->oidc_token)
		explicit_bzero(p->oidc_token, strlen(p->oidc_token));
	/* cppcheck 2.10 reads `*fields[i]` as a declaration */
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		free(*fields[i]); /* cppcheck-suppress shadowVariable */
		*fields[i] = NULL;
	}
	p->run_number = p->deployment_id = 0;
	p->rollback = false;
}
