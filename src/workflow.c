/* workflow: see workflow.h. */
#include "workflow.h"

#include "log.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define WORKFLOW_NAME_MAX 255
#define WORKFLOW_ANSWER_MAX ((size_t)1 << 20)

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

int workflow_valid_name(const char *name)
{
	size_t n = strlen(name);
	int digits = 1;

	if (n == 0 || n > WORKFLOW_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
		if (c < '0' || c > '9')
			digits = 0;
	}
	return digits || ends_with(name, ".yml") || ends_with(name, ".yaml");
}

/* Characters (code points) of UTF-8 text: GitHub counts characters. */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

int workflow_body(struct buf *out, const char *ref, const char *payload)
{
	cJSON *root = cJSON_CreateObject(), *inputs;
	char *inputs_text = NULL, *text = NULL;
	size_t chars;
	int rc = -1;

	if (!root || !cJSON_AddStringToObject(root, "ref", ref) ||
	    !(inputs = cJSON_AddObjectToObject(root, "inputs")) ||
	    !cJSON_AddStringToObject(inputs, WORKFLOW_INPUT, payload) ||
	    !cJSON_AddTrueToObject(root, "return_run_details") ||
	    !(inputs_text = cJSON_PrintUnformatted(inputs)) ||
	    !(text = cJSON_PrintUnformatted(root))) {
		rc = log_oom();
		goto out;
	}
	/* one input; GitHub counts the inputs' JSON text */
	chars = utf8_chars(inputs_text, strlen(inputs_text));
	if (chars > WORKFLOW_INPUTS_MAX) {
		log_error("the payload is too large for a workflow_dispatch: its inputs are %zu "
			  "characters, GitHub accepts at most %d; shorten 'client-payload' or use "
			  "via: repository_dispatch", chars, WORKFLOW_INPUTS_MAX);
		goto out;
	}
	if (buf_adds(out, text) < 0) {
		rc = log_oom();
		goto out;
	}
	rc = 0;
out:
	free(inputs_text);
	free(text);
	cJSON_Delete(root);
	return rc;
}

int workflow_default_branch(struct gh_client *gh, const char *repo, char **branch)
{
	struct gh_get g = GH_GET_INIT;
	struct buf what = BUF_INIT;
	const char *name;
	int rc = -1;

	if (buf_addf(&what, "reading the default branch of '%s'", repo) < 0) {
		rc = log_oom();
		goto out;
	}
	g.req.body_max = WORKFLOW_ANSWER_MAX;
	if (gh_get_json(&g, gh, repo, "metadata:read", NULL, GH_JSON_ANY, what.ptr, NULL) < 0)
		goto out;
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g.json, "default_branch"));
	if (!name || !*name) {
		log_error("%s: the answer has no 'default_branch'", what.ptr);
		goto out;
	}
	if (!(*branch = strdup(name))) {
		rc = log_oom();
		goto out;
	}
	rc = 0;
out:
	gh_get_release(&g);
	buf_release(&what);
	return rc;
}

/* The run's details from a 200 answer; a 200 without them is an error,
 * since the run cannot be named (it was created: the error says so). */
static int read_run(const struct gh_request *req, const cJSON *json, struct workflow_run *run)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "workflow_run_id");
	const char *api = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "run_url"));
	const char *web = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "html_url"));

	if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 9.0e15) {
		log_error("%s: GitHub answered 200 without a 'workflow_run_id': the run was "
			  "created but cannot be named", req->what);
		return -1;
	}
	run->id = (long long)id->valuedouble;
	if ((api && !(run->api_url = strdup(api))) || (web && !(run->html_url = strdup(web))))
		return log_oom();
	return 0;
}

/* 422 and 404 name what is wrong with the receiving workflow. */
static int dispatch_failed(const struct gh_request *req, const struct gh_response *resp,
			   const char *workflow)
{
	const char *msg = resp->message ? resp->message : "";

	if (resp->status == 422 && strstr(msg, "Unexpected inputs"))
		log_error("%s failed: HTTP 422 (%s): the workflow '%s' must declare the input "
			  "'%s' under on.workflow_dispatch.inputs", req->what, msg, workflow,
			  WORKFLOW_INPUT);
	else if (resp->status == 422 && strstr(msg, "workflow_dispatch"))
		log_error("%s failed: HTTP 422 (%s): the workflow '%s' on the default branch must "
			  "have 'on: workflow_dispatch'", req->what, msg, workflow);
	else if (resp->status == 404)
		log_error("%s failed: HTTP 404: no workflow '%s' in '%s', or the token cannot see "
			  "it (it needs Actions write)", req->what, workflow, req->repo);
	else
		return gh_fail(req, resp);
	return -1;
}

int workflow_dispatch(struct gh_client *gh, const char *repo, const char *workflow,
		      const struct buf *body, struct workflow_run *run)
{
	struct gh_response resp = GH_RESPONSE_INIT;
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct gh_request req = { 0 };
	static const long statuses[] = { 200, 204, 404, 422, 0 };
	cJSON *json = NULL;
	int rc = -1, status;

	memset(run, 0, sizeof(*run));
	buf_addf(&what, "workflow dispatch of '%s' in '%s'", workflow, repo);
	if (gh_repo_path(&path, repo, "/actions/workflows/%s/dispatches", workflow) < 0 ||
	    buf_failed(&what)) {
		rc = log_oom();
		goto out;
	}
	req.method = "POST";
	req.path = path.ptr;
	req.body = body->ptr;
	req.body_len = body->len;
	req.what = what.ptr;
	req.repo = repo;
	req.permission = "actions:write";
	req.body_max = WORKFLOW_ANSWER_MAX;
	req.no_resend = true; /* a second dispatch would deploy twice */
	status = gh_request_json(&json, gh, &req, &resp, statuses, GH_JSON_ANY);
	if (status == 404 || status == 422) {
		rc = dispatch_failed(&req, &resp, workflow);
		goto out;
	}
	if (status == 204) {
		rc = 0; /* a server without return_run_details */
		goto out;
	}
	if (status == 200)
		rc = read_run(&req, json, run);
out:
	cJSON_Delete(json);
	gh_response_release(&resp);
	buf_release(&path);
	buf_release(&what);
	return rc;
}

/* Replace *dst by a copy of the string `key` of `json` (NULL when it is
 * absent or null). */
static int take(char **dst, const cJSON *json, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, key));

	free(*dst);
	*dst = NULL;
	if (v && !(*dst = strdup(v)))
		return log_oom();
	return 0;
}

int workflow_run_read(struct gh_client *gh, const char *repo, struct workflow_run *run)
{
	struct gh_get g = GH_GET_INIT;
	struct buf what = BUF_INIT;
	int rc = -1;

	if (buf_addf(&what, "reading the receiving run %lld of '%s'", run->id, repo) < 0) {
		rc = log_oom();
		goto out;
	}
	g.req.body_max = WORKFLOW_ANSWER_MAX;
	if (gh_get_json(&g, gh, repo, "actions:read", NULL, GH_JSON_OBJECT, what.ptr,
			"/actions/runs/%lld", run->id) < 0)
		goto out;
	if (!cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g.json, "status"))) {
		log_error("%s: the answer has no 'status'", what.ptr);
		goto out;
	}
	if (take(&run->status, g.json, "status") < 0 || take(&run->conclusion, g.json, "conclusion") < 0 ||
	    (!run->html_url && take(&run->html_url, g.json, "html_url") < 0))
		goto out;
	rc = 0;
out:
	gh_get_release(&g);
	buf_release(&what);
	return rc;
}

bool workflow_run_completed(const struct workflow_run *run)
{
	return run->status && strcmp(run->status, "completed") == 0;
}

void workflow_run_release(struct workflow_run *run)
{
	free(run->api_url);
	free(run->html_url);
	free(run->status);
	free(run->conclusion);
	memset(run, 0, sizeof(*run));
}
