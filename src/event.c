/* event: see event.h for the contract. */
#include "event.h"

#include "buf.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Replace *dst with a copy of s (NULL allowed).  0 or -1 (printed). */
static int set_str(char **dst, const char *s)
{
	char *copy = NULL;

	if (s && !(copy = strdup(s)))
		return log_oom();
	free(*dst);
	*dst = copy;
	return 0;
}

static const char *get_str(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* A commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories). */
static bool is_sha(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == 40 || n == 64;
}

static bool all_zeros(const char *s)
{
	return *s && strspn(s, "0") == strlen(s);
}

const char *event_kind_name(enum event_kind kind)
{
	switch (kind) {
	case EVENT_DEPLOY: return "deploy";
	case EVENT_TAG: return "tag push";
	case EVENT_DELETE: return "deletion";
	case EVENT_FORK: return "run for a fork";
	}
	return "event";
}

/*
 * A NUL in the text, raw or as the escape \u0000: cJSON would hand out a
 * string cut at it, so a value could silently change ("sandbox\u0000x").
 * Backslashes only occur inside strings in valid JSON, and each escapes the
 * character after it.
 */
static bool has_nul(const char *s, size_t len)
{
	if (memchr(s, '\0', len))
		return true;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && len - i >= 6 && memcmp(s + i + 2, "0000", 4) == 0)
			return true;
		i++;
	}
	return false;
}

static int parse_push(struct event *ev, const cJSON *root)
{
	const char *ref = get_str(root, "ref");
	const char *after = get_str(root, "after");
	const cJSON *head = cJSON_GetObjectItemCaseSensitive(root, "head_commit");
	const char *message = NULL;

	if (!ref) {
		log_error("event file '%s' has no string 'ref' (is it a push event?)", ev->path);
		return -1;
	}
	if (!after || !is_sha(after)) {
		log_error("event file '%s' has no commit id in 'after'", ev->path);
		return -1;
	}
	if (head && !cJSON_IsNull(head)) {
		if (!cJSON_IsObject(head) || !(message = get_str(head, "message"))) {
			log_error("event file '%s' has a 'head_commit' without a string 'message'",
				  ev->path);
			return -1;
		}
	}
	if (set_str(&ev->ref, ref) < 0)
		return -1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "deleted")) || all_zeros(after)) {
		ev->kind = EVENT_DELETE;
		return 0;
	}
	if (strncmp(ref, "refs/tags/", 10) == 0)
		ev->kind = EVENT_TAG;
	else if (strncmp(ref, "refs/heads/", 11) == 0 && ref[11] &&
		 set_str(&ev->branch, ref + 11) < 0)
		return -1;
	if (set_str(&ev->sha, after) < 0 || set_str(&ev->message, message) < 0)
		return -1;
	return 0;
}

static int parse_workflow_run(struct event *ev, const cJSON *root)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "workflow_run");
	const cJSON *head, *head_repo, *repo;
	const char *branch, *sha, *message = NULL, *theirs, *ours;
	struct buf ref = BUF_INIT;
	int rc = -1;

	if (!cJSON_IsObject(run)) {
		log_error("event file '%s' has no object 'workflow_run'", ev->path);
		return -1;
	}
	branch = get_str(run, "head_branch");
	sha = get_str(run, "head_sha");
	if (!sha || !is_sha(sha)) {
		log_error("event file '%s' has no commit id in 'workflow_run.head_sha'", ev->path);
		return -1;
	}
	head = cJSON_GetObjectItemCaseSensitive(run, "head_commit");
	if (cJSON_IsObject(head))
		message = get_str(head, "message");
	/* the run's own repository, else the event's */
	head_repo = cJSON_GetObjectItemCaseSensitive(run, "head_repository");
	repo = cJSON_GetObjectItemCaseSensitive(run, "repository");
	if (!cJSON_IsObject(repo))
		repo = cJSON_GetObjectItemCaseSensitive(root, "repository");
	theirs = cJSON_IsObject(head_repo) ? get_str(head_repo, "full_name") : NULL;
	ours = cJSON_IsObject(repo) ? get_str(repo, "full_name") : NULL;
	if (theirs && ours && strcasecmp(theirs, ours) != 0)
		ev->kind = EVENT_FORK;
	if (branch && *branch) {
		buf_addf(&ref, "refs/heads/%s", branch);
		if (buf_failed(&ref))
			goto fail_oom;
		if (set_str(&ev->ref, ref.ptr) < 0 || set_str(&ev->branch, branch) < 0)
			goto out;
	}
	if (set_str(&ev->sha, sha) < 0 || set_str(&ev->message, message) < 0)
		goto out;
	rc = 0;
	goto out;
fail_oom:
	log_oom();
out:
	buf_release(&ref);
	return rc;
}

static enum event_type json_type(const cJSON *item)
{
	if (cJSON_IsString(item))
		return EVENT_STRING;
	if (cJSON_IsNumber(item))
		return EVENT_NUMBER;
	if (cJSON_IsBool(item))
		return EVENT_BOOL;
	if (cJSON_IsArray(item))
		return EVENT_ARRAY;
	if (cJSON_IsObject(item))
		return EVENT_OBJECT;
	return EVENT_NULL;
}

/* Every number in item (and below it) fits a double: cJSON reads 1e999 as
 * infinity and would print it back as null. */
static bool all_finite(const cJSON *item) /* NOLINT(misc-no-recursion) */
{
	const cJSON *child;

	if (cJSON_IsNumber(item))
		return isfinite(item->valuedouble);
	cJSON_ArrayForEach(child, item)
		if (!all_finite(child))
			return false;
	return true;
}

struct flat {
	struct event *ev;
	size_t cap;
	size_t bytes;
	struct buf key;
};

static int add_entry(struct flat *f, const cJSON *item, int depth)
{
	struct event *ev = f->ev;
	struct event_kv *kv;
	char *value, *key;

	if (event_payload_get(ev, f->key.ptr)) {
		log_error("client_payload in '%s' has the key '%s' twice", ev->path, f->key.ptr);
		return -1;
	}
	if (ev->npayload == EVENT_PAYLOAD_MAX_KEYS) {
		log_error("client_payload in '%s' has over %d keys", ev->path,
			  EVENT_PAYLOAD_MAX_KEYS);
		return -1;
	}
	if (!all_finite(item)) {
		log_error("client_payload in '%s' has a number too large for a double under '%s'",
			  ev->path, f->key.ptr);
		return -1;
	}
	if (ev->npayload == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 16;

		kv = realloc(ev->payload, cap * sizeof(*kv));
		if (!kv)
			return log_oom();
		ev->payload = kv;
		f->cap = cap;
	}
	value = cJSON_IsString(item) ? strdup(item->valuestring) : cJSON_PrintUnformatted(item);
	key = strdup(f->key.ptr);
	if (!value || !key) {
		free(value);
		free(key);
		return log_oom();
	}
	f->bytes += f->key.len + strlen(value);
	kv = &ev->payload[ev->npayload++];
	kv->type = json_type(item);
	kv->depth = depth;
	kv->value = value;
	kv->key = key;
	if (f->bytes > EVENT_PAYLOAD_MAX_BYTES) {
		log_error("client_payload in '%s' is too large (over %zu bytes flattened)",
			  ev->path, EVENT_PAYLOAD_MAX_BYTES);
		return -1;
	}
	return 0;
}

/* Recursive, bounded by EVENT_PAYLOAD_MAX_DEPTH. */
static int flatten(struct flat *f, const cJSON *obj, int depth) /* NOLINT(misc-no-recursion) */
{
	const cJSON *child;

	if (depth > EVENT_PAYLOAD_MAX_DEPTH) {
		log_error("client_payload in '%s' is nested over %d levels deep", f->ev->path,
			  EVENT_PAYLOAD_MAX_DEPTH);
		return -1;
	}
	cJSON_ArrayForEach(child, obj) {
		size_t mark = f->key.len;

		if (!child->string || !*child->string) {
			log_error("client_payload in '%s' has an empty key", f->ev->path);
			return -1;
		}
		if (mark)
			buf_addc(&f->key, '.');
		buf_adds(&f->key, child->string);
		if (buf_failed(&f->key))
			return log_oom();
		if (add_entry(f, child, depth) < 0)
			return -1;
		if (cJSON_IsObject(child) && flatten(f, child, depth + 1) < 0)
			return -1;
		buf_truncate(&f->key, mark);
	}
	return 0;
}

static int parse_dispatch(struct event *ev, const cJSON *root)
{
	const char *action = get_str(root, "action");
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(root, "client_payload");
	struct flat f = { ev, 0, 0, BUF_INIT };
	int rc;

	if (!action || !*action) {
		log_error("event file '%s' has no string 'action' (is it a repository_dispatch event?)",
			  ev->path);
		return -1;
	}
	if (payload && !cJSON_IsObject(payload) && !cJSON_IsNull(payload)) {
		log_error("event file '%s' has a 'client_payload' that is not an object", ev->path);
		return -1;
	}
	if (set_str(&ev->action, action) < 0 || set_str(&ev->branch, get_str(root, "branch")) < 0)
		return -1;
	ev->has_payload = cJSON_IsObject(payload);
	rc = ev->has_payload ? flatten(&f, payload, 1) : 0;
	buf_release(&f.key);
	return rc;
}

/* Keep inputs.payload as sent; only the receiver reads it. */
static int parse_workflow_dispatch(struct event *ev, const cJSON *root)
{
	const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(root, "inputs");

	return set_str(&ev->inputs_payload, get_str(inputs, "payload"));
}

int event_take_inputs_payload(struct event *ev)
{
	const char *text = ev->inputs_payload, *end = NULL;
	struct flat f = { ev, 0, 0, BUF_INIT };
	cJSON *obj = NULL;
	size_t len;
	int rc = -1;

	if (!text) {
		log_error("event file '%s' has no workflow_dispatch input 'payload': declare it "
			  "under on.workflow_dispatch.inputs and send with gitops-bump dispatch "
			  "(via: workflow_dispatch)", ev->path);
		return -1;
	}
	len = strlen(text);
	if (len > EVENT_PAYLOAD_MAX_BYTES) {
		log_error("the input 'payload' in '%s' is too large (over %zu bytes)", ev->path,
			  EVENT_PAYLOAD_MAX_BYTES);
		return -1;
	}
	if (has_nul(text, len)) {
		log_error("the input 'payload' in '%s' contains a NUL character", ev->path);
		return -1;
	}
	errno = 0;
	obj = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!obj && errno == ENOMEM)
		return log_oom();
	while (obj && end < text + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (!cJSON_IsObject(obj) || end != text + len) {
		log_error("the input 'payload' in '%s' is not a JSON object", ev->path);
		goto out;
	}
	ev->has_payload = true;
	rc = flatten(&f, obj, 1);
out:
	buf_release(&f.key);
	cJSON_Delete(obj);
	return rc;
}

/* The branch and repository of a pull request's `head` or `base`. */
static int pr_side(const cJSON *pr, const char *side, char **ref, char **repo)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(pr, side);
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "repo");

	if (!cJSON_IsObject(o))
		return 0;
	if (set_str(ref, get_str(o, "ref")) < 0)
		return -1;
	return cJSON_IsObject(r) ? set_str(repo, get_str(r, "full_name")) : 0;
}

static int parse_pull_request(struct event *ev, const cJSON *root)
{
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(root, "pull_request");
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(pr, "number");
	const char *merge = get_str(pr, "merge_commit_sha");

	if (!cJSON_IsObject(pr)) {
		log_error("event file '%s' has no object 'pull_request'", ev->path);
		return -1;
	}
	if (!cJSON_IsNumber(num) || num->valuedouble < 1 || num->valuedouble > 1e15 ||
	    num->valuedouble != (double)(long long)num->valuedouble) {
		log_error("event file '%s' has no whole number in 'pull_request.number'", ev->path);
		return -1;
	}
	ev->pr.number = (long long)num->valuedouble;
	ev->pr.merged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pr, "merged"));
	if (set_str(&ev->action, get_str(root, "action")) < 0 ||
	    set_str(&ev->pr.html_url, get_str(pr, "html_url")) < 0 ||
	    set_str(&ev->pr.body, get_str(pr, "body")) < 0 ||
	    pr_side(pr, "head", &ev->pr.head_ref, &ev->pr.head_repo) < 0 ||
	    pr_side(pr, "base", &ev->pr.base_ref, &ev->pr.base_repo) < 0)
		return -1;
	if (ev->pr.merged && merge && is_sha(merge) && set_str(&ev->pr.merge_sha, merge) < 0)
		return -1;
	return 0;
}

int event_parse(struct event *ev, const char *name, const char *json, size_t len,
		const char *path)
{
	const char *end = NULL;
	const cJSON *repo, *sender;
	cJSON *root = NULL;
	bool push = name && !strcmp(name, "push");
	bool dispatch = name && !strcmp(name, "repository_dispatch");
	bool run = name && !strcmp(name, "workflow_run");
	bool wdispatch = name && !strcmp(name, "workflow_dispatch");
	bool pull = name && (!strcmp(name, "pull_request") || !strcmp(name, "pull_request_target"));
	int rc = -1;

	if (set_str(&ev->name, name) < 0 || set_str(&ev->path, path) < 0)
		return -1;
	ev->kind = EVENT_DEPLOY;
	if ((push || dispatch || run || wdispatch || pull) && has_nul(json, len)) {
		log_error("event file '%s' contains a NUL character", path);
		return -1;
	}
	errno = 0;
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (!root && errno == ENOMEM) /* cJSON says NULL for this too */
		return log_oom();
	/* one JSON text: only white space may follow it ("{...}{...}" or a
	 * file with something appended is broken, not an event) */
	while (root && end < json + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (root && end != json + len) {
		cJSON_Delete(root);
		root = NULL;
	}
	if (!root) {
		log_error("event file '%s' is not valid JSON (at byte %zu)", path,
			  end && end >= json ? (size_t)(end - json) + 1 : (size_t)1);
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		log_error("event file '%s' is not a JSON object", path);
		goto out;
	}
	repo = cJSON_GetObjectItemCaseSensitive(root, "repository");
	sender = cJSON_GetObjectItemCaseSensitive(root, "sender");
	if (cJSON_IsObject(repo) && set_str(&ev->repository, get_str(repo, "full_name")) < 0)
		goto out;
	if (cJSON_IsObject(sender) && set_str(&ev->actor, get_str(sender, "login")) < 0)
		goto out;
	if (push)
		rc = parse_push(ev, root);
	else if (dispatch)
		rc = parse_dispatch(ev, root);
	else if (run)
		rc = parse_workflow_run(ev, root);
	else if (wdispatch)
		rc = parse_workflow_dispatch(ev, root);
	else if (pull)
		rc = parse_pull_request(ev, root);
	else
		rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int read_event_file(struct event *ev, const char *name, const char *path)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_init(&b, EVENT_FILE_MAX);
	if (buf_read_file(&b, path) < 0) {
		if (errno == EFBIG)
			log_error("event file '%s' is over %zu MiB", path, EVENT_FILE_MAX >> 20);
		else
			log_error("cannot read event file '%s': %s", path, strerror(errno));
		buf_release(&b);
		return -1;
	}
	rc = event_parse(ev, name, buf_cstr(&b), b.len, path);
	buf_release(&b);
	return rc;
}

/* What the environment says, where the event file did not. */
static int fill_from_env(struct event *ev)
{
	const char *ref = env("GITHUB_REF"), *sha = env("GITHUB_SHA");
	const char *server = env("GITHUB_SERVER_URL"), *run = env("GITHUB_RUN_ID");
	struct buf url = BUF_INIT;
	size_t n;

	if (env("GITHUB_REPOSITORY") && set_str(&ev->repository, env("GITHUB_REPOSITORY")) < 0)
		return -1;
	if (env("GITHUB_ACTOR") && set_str(&ev->actor, env("GITHUB_ACTOR")) < 0)
		return -1;
	if (env("GITHUB_RUN_NUMBER") && set_str(&ev->run_number, env("GITHUB_RUN_NUMBER")) < 0)
		return -1;
	if (env("GITHUB_WORKFLOW_REF") &&
	    set_str(&ev->workflow_ref, env("GITHUB_WORKFLOW_REF")) < 0)
		return -1;
	if (!ev->ref && ref) {
		if (set_str(&ev->ref, ref) < 0)
			return -1;
		if (!ev->branch && strncmp(ref, "refs/heads/", 11) == 0 && ref[11] &&
		    set_str(&ev->branch, ref + 11) < 0)
			return -1;
	}
	if (!ev->sha && sha && ev->kind == EVENT_DEPLOY && set_str(&ev->sha, sha) < 0)
		return -1;
	if (!server)
		server = "https://github.com";
	n = strlen(server);
	while (n > 1 && server[n - 1] == '/')
		n--;
	buf_add(&url, server, n);
	if (buf_failed(&url) || !(ev->server_url = buf_detach(&url, NULL)))
		return log_oom();
	if (run && ev->repository) {
		buf_addf(&url, "%s/%s/actions/runs/%s", ev->server_url, ev->repository, run);
		if (buf_failed(&url) || !(ev->run_url = buf_detach(&url, NULL)))
			return log_oom();
	}
	return 0;
}

int event_load(struct event *ev)
{
	const char *name = env("GITHUB_EVENT_NAME"), *path = env("GITHUB_EVENT_PATH");

	memset(ev, 0, sizeof(*ev));
	if (path) {
		if (!name) {
			log_error("GITHUB_EVENT_PATH is set but GITHUB_EVENT_NAME is not");
			return -1;
		}
		if (read_event_file(ev, name, path) < 0)
			return -1;
	} else if (set_str(&ev->name, name) < 0) {
		return -1;
	}
	return fill_from_env(ev);
}

const struct event_kv *event_payload_get(const struct event *ev, const char *key)
{
	for (size_t i = 0; i < ev->npayload; i++)
		if (strcmp(ev->payload[i].key, key) == 0)
			return &ev->payload[i];
	return NULL;
}

const struct event_kv *event_payload_at(const struct event *ev, const char *key, int depth)
{
	const struct event_kv *kv = event_payload_get(ev, key);

	return kv && kv->depth == depth ? kv : NULL;
}

const char *event_payload(const struct event *ev, const char *key)
{
	const struct event_kv *kv = event_payload_get(ev, key);

	return kv ? kv->value : NULL;
}

void event_release(struct event *ev)
{
	char **strs[] = { &ev->name, &ev->path, &ev->repository, &ev->ref, &ev->branch,
			  &ev->sha, &ev->message, &ev->actor, &ev->run_url,
			  &ev->server_url, &ev->action, &ev->run_number, &ev->workflow_ref,
			  &ev->inputs_payload, &ev->pr.merge_sha, &ev->pr.html_url,
			  &ev->pr.head_ref, &ev->pr.head_repo, &ev->pr.base_ref,
			  &ev->pr.base_repo, &ev->pr.body };

	/* cppcheck 2.10 reads `*strs[i]` as a declaration */
	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
		free(*strs[i]); /* cppcheck-suppress shadowVariable */
	for (size_t i = 0; i < ev->npayload; i++) {
		free(ev->payload[i].key);
		free(ev->payload[i].value);
	}
	free(ev->payload);
	memset(ev, 0, sizeof(*ev));
}
