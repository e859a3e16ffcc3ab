/* app: see app.h. */
#include "app.h"

#include "buf.h"
#include "jwt.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define APP_ANSWER_MAX ((size_t)1 << 20)

int app_init(struct app *a, const struct config *cfg)
{
	const char *id = config_str(cfg, IN_APP_ID);
	const char *pem = config_str(cfg, IN_PRIVATE_KEY);

	memset(a, 0, sizeof(*a));
	if (!id && !pem)
		return 0;
	if (!id || !pem) {
		log_error("input '%s' is set but '%s' is not: a GitHub App needs both",
			  id ? "app-id" : "private-key", id ? "private-key" : "app-id");
		return GB_EUSAGE;
	}
	if (!(a->id = strdup(id)))
		return log_oom();
	return jwt_key_load(&a->key, pem, strlen(pem), "input 'private-key'");
}

bool app_enabled(const struct app *a)
{
	return a->key != NULL;
}

/* {"contents":"write",...} in the order given. */
static char *perms_json(const struct app_perm *perms, size_t n)
{
	cJSON *obj = cJSON_CreateObject();
	char *out = NULL;

	if (!obj)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!cJSON_AddStringToObject(obj, perms[i].name, perms[i].level))
			goto out;
	out = cJSON_PrintUnformatted(obj);
out:
	cJSON_Delete(obj);
	return out;
}

/* "contents:write, actions:write" for messages. */
static void perms_text(struct buf *b, const struct app_perm *perms, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s%s:%s", i ? ", " : "", perms[i].name, perms[i].level);
}

/* A 401 on the App's own requests: the JWT was refused.  GitHub names the
 * claim when the clock is the cause ("'Issued at' claim ('iat') must be an
 * Integer representing a time in the past", "'Expiration time' claim
 * ('exp') is too far in the future"). */
static int jwt_refused(const struct app *a, const struct gh_request *req,
		       const struct gh_response *resp)
{
	const char *msg = resp->message ? resp->message : "";

	if (strstr(msg, "'iat'") || strstr(msg, "'exp'") || strstr(msg, "claim"))
		log_error("%s failed: HTTP 401: GitHub refused the App's JWT (%s): the "
			  "runner's clock is off by more than a minute; check its time (NTP)",
			  req->what, msg);
	else
		log_error("%s failed: HTTP 401: GitHub refused the App's JWT (%s): check that "
			  "'app-id' (%s) and 'private-key' belong to the same App and that the key "
			  "was not revoked", req->what, *msg ? msg : "no message", a->id);
	return -1;
}

static int find_installation(struct app *a, struct gh_client *gh, const char *repo,
			     long long *id)
{
	struct gh_get g = GH_GET_INIT;
	struct buf what = BUF_INIT;
	static const long statuses[] = { 200, 401, 404, 0 };
	const cJSON *item;
	int rc = -1, status;

	if (buf_addf(&what, "finding the App's installation on '%s'", repo) < 0) {
		rc = log_oom();
		goto out;
	}
	g.req.body_max = APP_ANSWER_MAX;
	status = gh_get_json(&g, gh, repo, NULL, statuses, GH_JSON_OBJECT, what.ptr,
			     "/installation");
	if (status == 401) {
		rc = jwt_refused(a, &g.req, &g.resp);
		goto out;
	}
	if (status == 404) {
		log_error("%s failed: HTTP 404: the App (app-id %s) is not installed on '%s'; "
			  "install it there (Settings > GitHub Apps), with access to that repository",
			  what.ptr, a->id, repo);
		goto out;
	}
	if (status < 0)
		goto out;
	item = cJSON_GetObjectItemCaseSensitive(g.json, "id");
	if (!cJSON_IsNumber(item) || item->valuedouble < 1 || item->valuedouble > 9.0e15) {
		log_error("%s: the answer has no installation 'id'", what.ptr);
		goto out;
	}
	*id = (long long)item->valuedouble;
	rc = 0;
out:
	gh_get_release(&g);
	buf_release(&what);
	return rc;
}

/* POST access_tokens; on success *token is the new token, masked. */
static int mint(struct app *a, struct gh_client *gh, const char *repo, long long id,
		const char *perms, const struct app_perm *list, size_t n, char **token)
{
	struct gh_response resp = GH_RESPONSE_INIT;
	struct buf path = BUF_INIT, what = BUF_INIT, want = BUF_INIT;
	struct gh_request req = { 0 };
	const char *name = strchr(repo, '/') + 1;
	static const long statuses[] = { 201, 200, 401, 403, 422, 0 };
	cJSON *json = NULL, *names;
	const cJSON *item;
	char *text = NULL;
	int rc = -1, status;

	/* {"repositories":["name"],"permissions":{...}} */
	if (!(json = cJSON_CreateObject()) ||
	    !(names = cJSON_AddArrayToObject(json, "repositories")) ||
	    !cJSON_AddItemToArray(names, cJSON_CreateString(name)) ||
	    !cJSON_AddRawToObject(json, "permissions", perms) ||
	    !(text = cJSON_PrintUnformatted(json))) {
		rc = log_oom();
		goto out;
	}
	cJSON_Delete(json);
	json = NULL;
	buf_addf(&path, "/app/installations/%lld/access_tokens", id);
	buf_addf(&what, "minting an App token for '%s'", repo);
	perms_text(&want, list, n);
	if (buf_failed(&path) || buf_failed(&what) || buf_failed(&want)) {
		rc = log_oom();
		goto out;
	}
	req.method = "POST";
	req.path = path.ptr;
	req.body = text;
	req.body_len = strlen(text);
	req.what = what.ptr;
	req.repo = repo;
	req.body_max = APP_ANSWER_MAX;
	status = gh_request_json(&json, gh, &req, &resp, statuses, GH_JSON_OBJECT);
	if (status == 401) {
		rc = jwt_refused(a, &req, &resp);
		goto out;
	}
	if (status == 422 || status == 403) {
		log_error("%s failed: HTTP %ld (%s): the installation does not grant %s on '%s'; "
			  "give the App these permissions and accept them on the installation",
			  what.ptr, resp.status, resp.message ? resp.message : "no message",
			  want.ptr, repo);
		goto out;
	}
	if (status < 0)
		goto out;
	item = cJSON_GetObjectItemCaseSensitive(json, "token");
	if (!cJSON_IsString(item) || !*item->valuestring) {
		log_error("%s: the answer has no 'token'", what.ptr);
		goto out;
	}
	/* masked before anything else can print it */
	if (log_mask(item->valuestring) < 0 || !(*token = strdup(item->valuestring))) {
		rc = log_oom();
		goto out;
	}
	log_info("minted an App token for '%s' (%s), revoked at exit", repo, want.ptr);
	rc = 0;
out:
	if (json)
		cJSON_Delete(json);
	if (resp.body.ptr)
		explicit_bzero(resp.body.ptr, resp.body.len);
	gh_response_release(&resp);
	buf_release(&path);
	buf_release(&what);
	buf_release(&want);
	free(text);
	return rc;
}

static struct app_minted *find_minted(struct app *a, const char *repo, const char *perms)
{
	for (size_t i = 0; i < a->nminted; i++)
		if (a->minted[i].token && strcasecmp(a->minted[i].repo, repo) == 0 &&
		    strcmp(a->minted[i].perms, perms) == 0)
			return &a->minted[i];
	return NULL;
}

int app_deploy_client(struct app *a, const struct config *cfg, const char *repo,
		      struct gh_client **out)
{
	static const struct app_perm deployments[] = { { "deployments", "write" } };

	*out = NULL;
	if (!app_enabled(a))
		return config_deploy_client_new(out, cfg);
	if (config_client_new(out, cfg) < 0)
		return -1;
	if (app_use(a, *out, repo, deployments, 1, "deployment statuses") < 0) {
		gh_client_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int app_use(struct app *a, struct gh_client *gh, const char *repo,
	    const struct app_perm *perms, size_t n, const char *why)
{
	struct buf jwt = BUF_INIT;
	struct app_minted *m;
	char *pj = NULL, *token = NULL;
	long long id = 0;
	int rc = -1;

	if (!strchr(repo, '/')) {
		log_error("%s: '%s' is not 'owner/name'", why, repo);
		return -1;
	}
	if (!(pj = perms_json(perms, n)))
		return log_oom();
	if ((m = find_minted(a, repo, pj))) {
		free(pj);
		return gh_client_set_token(gh, m->token);
	}
	if (a->nminted == APP_MAX_TOKENS) {
		log_error("%s: more than %d App tokens in one run", why, APP_MAX_TOKENS);
		goto out;
	}
	if (jwt_app_token(&jwt, a->key, a->id, (long long)time(NULL)) < 0 ||
	    gh_client_set_token(gh, jwt.ptr) < 0)
		goto out;
	if (find_installation(a, gh, repo, &id) < 0 || mint(a, gh, repo, id, pj, perms, n, &token) < 0)
		goto out;
	m = &a->minted[a->nminted];
	if (!(m->repo = strdup(repo))) {
		rc = log_oom();
		goto out;
	}
	m->perms = pj;
	m->token = token;
	pj = token = NULL;
	a->nminted++;
	rc = gh_client_set_token(gh, m->token);
out:
	if (rc < 0)
		gh_client_set_token(gh, NULL); /* never leave the JWT in the client */
	if (jwt.ptr)
		explicit_bzero(jwt.ptr, jwt.len);
	buf_release(&jwt);
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	free(pj);
	return rc;
}

static void revoke(struct gh_client *gh, struct app_minted *m)
{
	struct gh_response resp = GH_RESPONSE_INIT;
	struct buf what = BUF_INIT;
	struct gh_request req = { 0 };

	buf_addf(&what, "revoking the App token for '%s'", m->repo);
	req.method = "DELETE";
	req.path = "/installation/token";
	req.what = buf_failed(&what) ? "revoking an App token" : what.ptr;
	req.repo = m->repo;
	if (gh_client_set_token(gh, m->token) < 0 || gh_request(gh, &req, &resp) < 0)
		log_warning("the App token for '%s' was not revoked; it expires within the hour",
			    m->repo);
	else if (resp.status != 204)
		log_warning("%s: HTTP %ld (%s); it expires within the hour", req.what, resp.status,
			    resp.message ? resp.message : "no message");
	else
		log_debug("revoked the App token for '%s'", m->repo);
	gh_response_release(&resp);
	buf_release(&what);
}

void app_release(struct app *a, struct gh_client *gh)
{
	for (size_t i = 0; i < a->nminted; i++) {
		struct app_minted *m = &a->minted[i];

		if (m->token && gh)
			revoke(gh, m);
		if (m->token) {
			explicit_bzero(m->token, strlen(m->token));
			free(m->token);
		}
		free(m->repo);
		free(m->perms);
	}
	if (gh && a->nminted)
		gh_client_set_token(gh, NULL);
	jwt_key_free(a->key);
	free(a->id);
	memset(a, 0, sizeof(*a));
}
