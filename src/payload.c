/* payload: see payload.h. */
#include "payload.h"

#include "log.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FOUND = 0, ABSENT = 1 };

struct reader {
	const char *origin;
};

static const char *type_name(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsObject(j))
		return "an object";
	return "an invalid value";
}

/*
 * The string at obj.key (named `field` in errors) into *out.  FOUND, ABSENT
 * (missing or null; an error when `required`), or -1.
 */
static int get_string(const struct reader *r, char **out, const cJSON *obj, const char *key,
		      const char *field, bool required)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t len;

	if (!j || cJSON_IsNull(j)) {
		if (!required)
			return ABSENT;
		log_error("field '%s' is missing from the event in '%s'", field, r->origin);
		return -1;
	}
	if (!cJSON_IsString(j) || !j->valuestring) {
		log_error("field '%s' in '%s' must be a string, not %s", field, r->origin,
			  type_name(j));
		return -1;
	}
	len = strlen(j->valuestring);
	if (len > PAYLOAD_STRING_MAX) {
		log_error("field '%s' in '%s' is too long (%zu bytes, at most %zu)", field,
			  r->origin, len, PAYLOAD_STRING_MAX);
		return -1;
	}
	*out = strdup(j->valuestring);
	if (!*out) {
		log_error("out of memory");
		return -1;
	}
	return FOUND;
}

/* The object at obj.key, NULL when absent or null; *err on a wrong type. */
static const cJSON *get_object(const struct reader *r, const cJSON *obj, const char *key,
			       const char *field, bool *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!j || cJSON_IsNull(j))
		return NULL;
	if (!cJSON_IsObject(j)) {
		log_error("field '%s' in '%s' must be an object, not %s", field, r->origin,
			  type_name(j));
		*err = true;
	}
	return j;
}

/* First the string at a.ka, else at b.kb; one of them is required. */
static int get_either(const struct reader *r, char **out, const cJSON *a, const char *ka,
		      const char *fa, const cJSON *b, const char *kb, const char *fb)
{
	int rc = get_string(r, out, a, ka, fa, false);

	if (rc != ABSENT)
		return rc;
	rc = b ? get_string(r, out, b, kb, fb, false) : ABSENT;
	if (rc != ABSENT)
		return rc;
	log_error("the event in '%s' has neither '%s' nor '%s'", r->origin, fa, fb);
	return -1;
}

/* A JSON \u0000 escape outside an escaped backslash. */
static bool has_nul_escape(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && len - i >= 6 && memcmp(s + i + 2, "0000", 4) == 0)
			return true;
		i++; /* skip the escaped character, "\\" included */
	}
	return false;
}

static bool full_hex_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && (n == 40 || n == 64);
}

static int derive(const struct reader *r, struct payload *p)
{
	size_t n = strcspn(p->message, "\n");

	if (n && p->message[n - 1] == '\r')
		n--;
	p->subject = strndup(p->message, n);
	if (p->sha) {
		if (!full_hex_sha(p->sha)) {
			log_error("field 'client_payload.source.sha' in '%s' must be a full "
				  "lowercase commit id (40 hex digits), not '%.80s'", r->origin, p->sha);
			return -1;
		}
		p->short_sha = strndup(p->sha, 7);
	}
	if (!p->subject || (p->sha && !p->short_sha)) {
		log_error("out of memory");
		return -1;
	}
	if (p->kind == PAYLOAD_ARTICLE && !strncmp(p->environment, "refs/heads/", 11))
		memmove(p->environment, p->environment + 11, strlen(p->environment + 11) + 1);
	return 0;
}

static int read_source(const struct reader *r, struct payload *p, const cJSON *src)
{
	const struct {
		char **slot;
		const char *key;
		bool required;
	} fields[] = {
		{ &p->repository, "repository", true },
		{ &p->sha, "sha", true },
		{ &p->ref, "ref", false },
		{ &p->actor, "actor", false },
		{ &p->run_url, "run_url", false },
		{ &p->event, "event", false },
	};
	char field[64];

	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		snprintf(field, sizeof(field), "client_payload.source.%s", fields[i].key);
		if (get_string(r, fields[i].slot, src, fields[i].key, field,
			       fields[i].required) < 0)
			return -1;
	}
	return 0;
}

int payload_parse(struct payload *p, const char *json, size_t len, const char *origin)
{
	struct reader r = { origin };
	cJSON *root = NULL;
	const cJSON *cp, *src;
	const char *end = NULL;
	bool err = false;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (len > PAYLOAD_EVENT_MAX) {
		log_error("event file '%s' is too large (%zu bytes, at most %zu)", origin, len,
			  PAYLOAD_EVENT_MAX);
		goto out;
	}
	if (has_nul_escape(json, len)) {
		log_error("event file '%s' holds a NUL character (\\u0000), which no field may hold",
			  origin);
		goto out;
	}
	root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (root)
		while (end < json + len && strchr(" \t\r\n", *end) && *end)
			end++;
	if (!root || !cJSON_IsObject(root) || end != json + len) {
		log_error("event file '%s' is not a JSON object", origin);
		goto out;
	}
	if (get_string(&r, &p->action, root, "action", "action", false) < 0)
		goto out;
	cp = get_object(&r, root, "client_payload", "client_payload", &err);
	if (err)
		goto out;
	if (!cp) {
		log_error("the event in '%s' has no 'client_payload' (is it a repository_dispatch?)",
			  origin);
		goto out;
	}
	src = get_object(&r, cp, "source", "client_payload.source", &err);
	if (err)
		goto out;
	p->kind = src ? PAYLOAD_DISPATCH : PAYLOAD_ARTICLE;
	if (get_either(&r, &p->service, cp, "service", "client_payload.service",
		       root, "action", "action") < 0 ||
	    get_either(&r, &p->environment, cp, "environment", "client_payload.environment",
		       cp, "baseRef", "client_payload.baseRef") < 0 ||
	    get_either(&r, &p->message, src, "message", "client_payload.source.message",
		       cp, "commitmsg", "client_payload.commitmsg") < 0 ||
	    get_string(&r, &p->image, cp, "image", "client_payload.image", false) < 0)
		goto out;
	if (src && read_source(&r, p, src) < 0)
		goto out;
	rc = derive(&r, p);
out:
	cJSON_Delete(root);
	return rc;
}

void payload_release(struct payload *p)
{
	char **fields[] = {
		&p->action, &p->service, &p->environment, &p->message, &p->subject, &p->image,
		&p->repository, &p->ref, &p->sha, &p->short_sha, &p->actor, &p->run_url,
		&p->event,
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}
