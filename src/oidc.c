/* oidc: see oidc.h for the contract. */
#include "oidc.h"

#include "buf.h"
#include "github.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

char *oidc_audience(const char *server_url, const char *repo)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(server_url);
	char *out;

	while (n && server_url[n - 1] == '/')
		n--;
	buf_add(&b, server_url, n);
	buf_addf(&b, "/%s", repo);
	if (buf_failed(&b) || !(out = buf_detach(&b, NULL))) {
		buf_release(&b);
		log_oom();
		return NULL;
	}
	return out;
}

/* The request URL split into a base (no query) and the rest, the audience
 * appended as one more query parameter. */
static int split_url(const char *url, const char *audience, char **base, struct buf *rest)
{
	const char *q = strchr(url, '?');
	size_t n = q ? (size_t)(q - url) : strlen(url);

	if (!(*base = strndup(url, n)))
		return log_oom();
	buf_adds(rest, q ? q : "?");
	buf_adds(rest, q && q[1] ? "&audience=" : "audience=");
	gh_escape(rest, audience, false);
	return buf_failed(rest) ? log_oom() : 0;
}

static int take_value(char **out, const struct gh_request *req, const struct gh_response *resp)
{
	cJSON *j;
	const char *v;
	int rc = -1;

	if (gh_parse_json(&j, req, resp, GH_JSON_ANY) < 0)
		return -1;
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "value"));
	if (!v || !*v || strlen(v) > OIDC_TOKEN_MAX) {
		log_error("requesting the OIDC ID token: the answer has no usable 'value'");
		goto out;
	}
	if (log_mask(v) < 0)
		goto out;
	if (!(*out = strdup(v))) {
		rc = log_oom();
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(j);
	return rc;
}

int oidc_request_token(char **out, const char *audience, int timeout_s, int max_attempts)
{
	const char *url = getenv("ACTIONS_ID_TOKEN_REQUEST_URL");
	const char *token = getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
	struct gh_options opt = { .token = token, .max_attempts = max_attempts, .timeout_s = timeout_s };
	struct gh_response resp = GH_RESPONSE_INIT;
	struct gh_request req = { 0 };
	struct gh_client *c = NULL;
	struct buf rest = BUF_INIT;
	char *base = NULL;
	int rc = -1;

	*out = NULL;
	if (!url || !*url || !token || !*token) {
		log_error("input 'provenance' is true, but the job cannot request an OIDC ID token "
			  "(ACTIONS_ID_TOKEN_REQUEST_%s is not set): give the job "
			  "'permissions: id-token: write'", !url || !*url ? "URL" : "TOKEN");
		return -1;
	}
	if (log_mask(token) < 0 || split_url(url, audience, &base, &rest) < 0)
		goto out;
	opt.api_url = base;
	if (gh_client_new(&c, &opt) < 0)
		goto out;
	req.method = "GET";
	req.path = rest.ptr;
	req.accept = "application/json";
	req.what = "requesting the OIDC ID token";
	req.body_max = OIDC_TOKEN_MAX + 1024;
	if (gh_request(c, &req, &resp) < 0)
		goto out;
	if (resp.status != 200) {
		log_error("requesting the OIDC ID token: HTTP %ld%s%s (does the job have "
			  "'permissions: id-token: write'?)", resp.status, resp.message ? ": " : "",
			  resp.message ? resp.message : "");
		goto out;
	}
	rc = take_value(out, &req, &resp);
out:
	gh_response_release(&resp);
	gh_client_free(c);
	buf_release(&rest);
	free(base);
	return rc;
}
