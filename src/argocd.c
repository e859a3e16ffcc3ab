/* argocd: see argocd.h for the contract. */
#include "argocd.h"

#include "buf.h"
#include "github.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGOCD_BODY_MAX ((size_t)16 << 20) /* an application with many resources */
#define SHORT 7

void argocd_state_release(struct argocd_state *st)
{
	free(st->revision);
	free(st->sync);
	free(st->health);
	free(st->health_message);
	free(st->phase);
	free(st->op_message);
	memset(st, 0, sizeof(*st));
}

static const cJSON *at(const cJSON *j, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, a);

	return b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
}

static int dup_str(char **dst, const cJSON *v)
{
	const char *s = cJSON_GetStringValue(v);

	if (!s || !*s)
		return 0;
	return (*dst = strdup(s)) ? 0 : log_oom();
}

/* `one` (a string) or `many` (an array of strings): is `rev` among them?
 * *first gets the matching one, else the first. */
static bool revision_in(const cJSON *one, const cJSON *many, const char *rev, const cJSON **first)
{
	const cJSON *e;

	*first = cJSON_IsString(one) && *one->valuestring ? one : NULL;
	if (*first)
		return !strcmp(one->valuestring, rev);
	if (!cJSON_IsArray(many))
		return false;
	cJSON_ArrayForEach(e, many) {
		if (!cJSON_IsString(e))
			continue;
		if (!*first)
			*first = e;
		if (!strcmp(e->valuestring, rev)) {
			*first = e;
			return true;
		}
	}
	return false;
}

int argocd_read(struct argocd_state *st, const char *json, size_t len, const char *revision,
		const char *what)
{
	const cJSON *status, *sync, *op, *res, *first = NULL, *op_first = NULL;
	cJSON *root;
	int rc = -1;

	argocd_state_release(st);
	errno = 0;
	root = cJSON_ParseWithLength(json, len);
	if (!root && errno == ENOMEM)
		return log_oom();
	status = at(root, "status", NULL);
	if (!cJSON_IsObject(root) || !cJSON_IsObject(status)) {
		log_error("%s: the answer is not an application with a 'status'", what);
		goto out;
	}
	sync = at(status, "sync", NULL);
	st->ours = revision_in(at(sync, "revision", NULL), at(sync, "revisions", NULL), revision,
			       &first);
	st->multi = cJSON_IsArray(at(sync, "revisions", NULL)) && !cJSON_IsString(at(sync, "revision", NULL));
	op = at(status, "operationState", NULL);
	res = at(op, "syncResult", NULL);
	st->op_ours = revision_in(at(res, "revision", NULL), at(res, "revisions", NULL), revision,
				  &op_first);
	if (!op_first) { /* no result yet: the operation's own request */
		const cJSON *osync = at(at(op, "operation", NULL), "sync", NULL);

		st->op_ours = revision_in(at(osync, "revision", NULL), at(osync, "revisions", NULL),
					  revision, &op_first);
	}
	if (dup_str(&st->revision, first) < 0 || dup_str(&st->sync, at(sync, "status", NULL)) < 0 ||
	    dup_str(&st->health, at(status, "health", "status")) < 0 ||
	    dup_str(&st->health_message, at(status, "health", "message")) < 0 ||
	    dup_str(&st->phase, at(op, "phase", NULL)) < 0 ||
	    dup_str(&st->op_message, at(op, "message", NULL)) < 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

static bool is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

enum argocd_verdict argocd_judge(const struct argocd_state *st, bool newer)
{
	bool match = st->ours || newer;

	if (st->op_ours && (is(st->phase, "Failed") || is(st->phase, "Error")))
		return ARGOCD_OP_FAILED;
	if (!match || !is(st->sync, "Synced"))
		return ARGOCD_WAIT;
	if (is(st->health, "Degraded"))
		return ARGOCD_DEGRADED;
	return is(st->health, "Healthy") ? ARGOCD_HEALTHY : ARGOCD_WAIT;
}

/* "abc1234: Synced, Healthy" for messages and the summary. */
static void describe(struct buf *b, const struct argocd_state *st)
{
	buf_addf(b, "revision %.*s%s, %s, %s", SHORT, st->revision ? st->revision : "(none)",
		 st->multi ? " (multi-source)" : "", st->sync ? st->sync : "sync Unknown",
		 st->health ? st->health : "health Unknown");
	if (st->health_message)
		buf_addf(b, " (%.200s)", st->health_message);
	if (st->phase)
		buf_addf(b, "; last operation %s%s%.200s", st->phase, st->op_message ? ": " : "",
			 st->op_message ? st->op_message : "");
}

static int fail_status(const struct argocd_opts *o, const struct gh_response *resp)
{
	const char *m = resp->message ? resp->message : "";

	switch (resp->status) {
	case 401:
		log_error("Argo CD rejected 'argocd-token' (HTTP 401 \"%.200s\"): the token is "
			  "invalid or expired; make a new one with 'argocd account generate-token'", m);
		break;
	case 403:
		log_error("Argo CD refused application '%s' (HTTP 403 \"%.200s\"): the token's "
			  "account may not get it (RBAC 'applications, get, PROJECT/%s'), or there is "
			  "no such application (Argo CD answers 403 for a missing one): check "
			  "'argocd-application' and 'argocd-namespace'", o->application, m,
			  o->application);
		break;
	case 404:
		log_error("Argo CD has no application '%s'%s%s%s (HTTP 404 \"%.200s\"): check "
			  "'argocd-application' (default '{service}-{environment}') and "
			  "'argocd-namespace'", o->application, o->ns ? " in namespace '" : "",
			  o->ns ? o->ns : "", o->ns ? "'" : "", m);
		break;
	default:
		log_error("Argo CD answered HTTP %ld for application '%s'%s%.200s", resp->status,
			  o->application, *m ? ": " : "", m);
		break;
	}
	return -1;
}

static int app_path(struct buf *path, const struct argocd_opts *o, bool refresh)
{
	buf_reset(path);
	buf_adds(path, "/api/v1/applications/");
	gh_escape(path, o->application, false);
	if (refresh)
		buf_adds(path, "?refresh=normal");
	if (o->ns) {
		buf_adds(path, refresh ? "&appNamespace=" : "?appNamespace=");
		gh_escape(path, o->ns, false);
	}
	return buf_failed(path) ? log_oom() : 0;
}

/* Is the state's revision a newer one that contains ours?  Asked once per
 * revision (`asked` caches the last answer). */
static int newer_than_ours(const struct argocd_opts *o, const struct argocd_state *st,
			   struct buf *asked, int *answer)
{
	if (!o->contains || st->ours || st->multi || !st->revision || !is(st->sync, "Synced"))
		return 0;
	if (asked->len && !strcmp(asked->ptr, st->revision))
		return *answer;
	*answer = o->contains(o->arg, st->revision);
	if (*answer < 0)
		return -1;
	buf_reset(asked);
	if (buf_adds(asked, st->revision) < 0)
		return log_oom();
	return *answer;
}

int argocd_wait(const struct argocd_opts *o, struct argocd_result *res)
{
	const struct gh_options gopt = {
		.api_url = o->server,
		.token = o->token,
		.max_attempts = o->max_attempts,
		.timeout_s = o->request_s,
		.ca_file = o->ca_file,
	};
	struct gh_client *c = NULL;
	struct gh_response resp = GH_RESPONSE_INIT;
	struct gh_request req = { 0 };
	struct buf path = BUF_INIT, what = BUF_INIT, seen = BUF_INIT, now = BUF_INIT,
		   asked = BUF_INIT;
	double deadline = gh_clock() + o->timeout_s;
	int rc = -1, n = 0, streak = 0, answer = 0;

	memset(res, 0, sizeof(*res));
	if (strncmp(o->server, "https://", 8) && strncmp(o->server, "http://", 7)) {
		log_error("input 'argocd-server' must be an https:// URL, not '%s'", o->server);
		return -1;
	}
	if (gh_client_new(&c, &gopt) < 0)
		return -1;
	buf_addf(&what, "reading Argo CD application '%s'", o->application);
	if (buf_failed(&what) || app_path(&path, o, true) < 0) {
		rc = log_oom();
		goto out;
	}
	req.method = "GET";
	req.accept = "application/json";
	req.what = what.ptr;
	req.body_max = ARGOCD_BODY_MAX;
	log_info("waiting up to %d s for Argo CD to run %.*s of application '%s' Synced and "
		 "Healthy", o->timeout_s, SHORT, o->revision, o->application);
	for (;;) {
		enum argocd_verdict v;
		int newer;

		/* after an answer that was not yet it, the backoff starts over */
		if (++n > 1 && gh_poll_pause(c, streak ? 2 : n, deadline))
			break;
		gh_set_budget(c, o->request_s);
		req.path = path.ptr;
		if (gh_request(c, &req, &resp) < 0)
			goto out;
		if (resp.status != 200) {
			rc = fail_status(o, &resp);
			goto out;
		}
		if (n == 1 && app_path(&path, o, false) < 0)
			goto out;
		if (argocd_read(&res->last, buf_cstr(&resp.body), resp.body.len, o->revision,
				what.ptr) < 0)
			goto out;
		if ((newer = newer_than_ours(o, &res->last, &asked, &answer)) < 0)
			goto out;
		buf_reset(&now);
		describe(&now, &res->last);
		if (buf_failed(&now)) {
			rc = log_oom();
			goto out;
		}
		if (strcmp(buf_cstr(&now), buf_cstr(&seen)) != 0) {
			log_info("Argo CD: %s%s", now.ptr, newer ? " (newer than ours)" : "");
			buf_reset(&seen);
			buf_adds(&seen, now.ptr);
			n = 1; /* it moves: look again soon */
		}
		v = argocd_judge(&res->last, newer);
		if (v == ARGOCD_OP_FAILED) {
			log_error("Argo CD's sync of %.*s failed for application '%s': %s", SHORT,
				  o->revision, o->application, now.ptr);
			goto out;
		}
		if (v == ARGOCD_DEGRADED) {
			log_error("application '%s' is Degraded at %.*s%s: %s", o->application, SHORT,
				  o->revision, newer ? " (in a newer revision)" : "", now.ptr);
			goto out;
		}
		streak = v == ARGOCD_HEALTHY ? streak + 1 : 0;
		if (streak >= 2) {
			res->newer = newer;
			if (newer)
				log_info("Argo CD runs %.*s, a newer revision that contains %.*s (someone "
					 "deployed after us): Synced and Healthy", SHORT,
					 res->last.revision, SHORT, o->revision);
			else
				log_info("Argo CD runs %.*s of application '%s': Synced and Healthy",
					 SHORT, o->revision, o->application);
			rc = 0;
			goto out;
		}
	}
	log_error("Argo CD did not run %.*s of application '%s' Synced and Healthy within %d s "
		  "(argocd-timeout); last seen: %s", SHORT, o->revision, o->application,
		  o->timeout_s, seen.len ? seen.ptr : "nothing");
out:
	gh_response_release(&resp);
	gh_client_free(c);
	buf_release(&path);
	buf_release(&what);
	buf_release(&seen);
	buf_release(&now);
	buf_release(&asked);
	return rc;
}
