/*
 * fuzz_event: the event parser (event_parse), for every kind of event it
 * reads, on the same bytes.
 *
 * Invariants of an accepted event (event.h):
 *   - a push, repository_dispatch or workflow_run event held no NUL
 *     character, raw or escaped, so no string was silently cut;
 *   - the input was one complete JSON object (nothing after it);
 *   - push: `ref` is set; a deploy has a 40/64-hex sha, and its branch is
 *     exactly the ref without "refs/heads/" (NULL for other refs); a tag
 *     push has a refs/tags/ ref;
 *   - workflow_run: the sha is 40/64 hex, ref = "refs/heads/" + branch;
 *   - repository_dispatch: a non-empty action; the flattened payload has at
 *     most EVENT_PAYLOAD_MAX_KEYS entries, each with a non-empty unique key,
 *     within EVENT_PAYLOAD_MAX_BYTES, at a depth within
 *     EVENT_PAYLOAD_MAX_DEPTH, and every non-string value is compact JSON of
 *     its recorded type;
 *   - workflow_dispatch: held no NUL either; an inputs.payload that
 *     event_take_inputs_payload accepts flattens under the same invariants
 *     as client_payload;
 *   - pull_request: held no NUL either; the number is a whole number >= 1;
 *     a merge sha is kept only for a merged pull request, and is 40/64 hex;
 *   - event_release leaves a zeroed struct.
 */
#include "fuzz.h"

#include "event.h"

#include <cjson/cJSON.h>
#include <string.h>

static const char *const names[] = { "push", "repository_dispatch", "workflow_run",
				     "workflow_dispatch", "pull_request" };

static bool is_hex_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	return !s[n] && (n == 40 || n == 64);
}

static bool one_json_text(const uint8_t *data, size_t size)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts((const char *)data, size, &end, false);
	bool ok = j != NULL;

	cJSON_Delete(j);
	if (!ok)
		return false;
	while (end < (const char *)data + size && strchr(" \t\r\n", *end) && *end)
		end++;
	return end == (const char *)data + size;
}

static enum event_type type_of(const cJSON *j)
{
	if (cJSON_IsNumber(j))
		return EVENT_NUMBER;
	if (cJSON_IsBool(j))
		return EVENT_BOOL;
	if (cJSON_IsNull(j))
		return EVENT_NULL;
	if (cJSON_IsArray(j))
		return EVENT_ARRAY;
	if (cJSON_IsObject(j))
		return EVENT_OBJECT;
	return EVENT_STRING;
}

static void check_push(const struct event *ev)
{
	FUZZ_ASSERT(ev->ref);
	if (ev->kind == EVENT_DELETE)
		return;
	FUZZ_ASSERT(ev->sha && is_hex_sha(ev->sha));
	if (ev->kind == EVENT_TAG) {
		FUZZ_ASSERT(strncmp(ev->ref, "refs/tags/", 10) == 0);
		return;
	}
	FUZZ_ASSERT(ev->kind == EVENT_DEPLOY);
	if (strncmp(ev->ref, "refs/heads/", 11) == 0 && ev->ref[11])
		FUZZ_ASSERT(ev->branch && strcmp(ev->branch, ev->ref + 11) == 0);
	else
		FUZZ_ASSERT(!ev->branch);
}

static void check_run(const struct event *ev)
{
	FUZZ_ASSERT(ev->sha && is_hex_sha(ev->sha));
	FUZZ_ASSERT(ev->kind == EVENT_DEPLOY || ev->kind == EVENT_FORK);
	FUZZ_ASSERT(!ev->branch == !ev->ref);
	if (ev->branch)
		FUZZ_ASSERT(strncmp(ev->ref, "refs/heads/", 11) == 0 &&
			    strcmp(ev->ref + 11, ev->branch) == 0);
}

static void check_payload(const struct event *ev)
{
	size_t bytes = 0;

	FUZZ_ASSERT(ev->npayload <= EVENT_PAYLOAD_MAX_KEYS);
	for (size_t i = 0; i < ev->npayload; i++) {
		const struct event_kv *kv = &ev->payload[i];

		FUZZ_ASSERT(kv->key && *kv->key && kv->value);
		FUZZ_ASSERT(ev->has_payload);
		FUZZ_ASSERT(kv->depth >= 1 && kv->depth <= EVENT_PAYLOAD_MAX_DEPTH);
		FUZZ_ASSERT(event_payload_at(ev, kv->key, kv->depth) == kv);
		FUZZ_ASSERT(event_payload_get(ev, kv->key) == kv); /* keys are unique */
		bytes += strlen(kv->key) + strlen(kv->value);
		if (kv->type != EVENT_STRING) {
			cJSON *j = cJSON_Parse(kv->value);
			char *again = j ? cJSON_PrintUnformatted(j) : NULL;

			FUZZ_ASSERT(j && type_of(j) == kv->type);
			FUZZ_ASSERT(again && strcmp(again, kv->value) == 0);
			free(again);
			cJSON_Delete(j);
		}
	}
	FUZZ_ASSERT(bytes <= EVENT_PAYLOAD_MAX_BYTES);
}

static void check_dispatch(const struct event *ev)
{
	FUZZ_ASSERT(ev->action && *ev->action);
	check_payload(ev);
}

static void check_workflow_dispatch(struct event *ev)
{
	FUZZ_ASSERT(ev->npayload == 0 && !ev->has_payload);
	if (event_take_inputs_payload(ev) == 0) {
		FUZZ_ASSERT(ev->inputs_payload && ev->has_payload);
		check_payload(ev);
	}
}

static void check_pull(const struct event *ev)
{
	FUZZ_ASSERT(ev->pr.number >= 1);
	FUZZ_ASSERT(!ev->pr.merge_sha || (ev->pr.merged && is_hex_sha(ev->pr.merge_sha)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct event zero;

	fuzz_quiet();
	for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++) {
		struct event ev;
		int rc;

		memset(&ev, 0, sizeof(ev));
		rc = event_parse(&ev, names[k], (const char *)data, size, "/fuzz/event.json");
		if (rc == 0) {
			FUZZ_ASSERT(strcmp(ev.name, names[k]) == 0);
			FUZZ_ASSERT(one_json_text(data, size));
			FUZZ_ASSERT(!fuzz_json_has_nul(data, size));
			if (k == 0)
				check_push(&ev);
			else if (k == 1)
				check_dispatch(&ev);
			else if (k == 2)
				check_run(&ev);
			else if (k == 3)
				check_workflow_dispatch(&ev);
			else
				check_pull(&ev);
		} else {
			FUZZ_ASSERT(rc == -1);
		}
		event_release(&ev);
		FUZZ_ASSERT(memcmp(&ev, &zero, sizeof(ev)) == 0);
	}
	return 0;
}
