/* deploy: see deploy.h for the contract. */
#include "deploy.h"

#include "event.h"
#include "log.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPLOY_PERMISSION "deployments:write"
#define DEPLOY_STATUS_BODY_MAX ((size_t)1 << 20)

void deploy_status_release(struct deploy_status *s)
{
	free(s->state);
	free(s->description);
	free(s->environment_url);
	free(s->log_url);
	memset(s, 0, sizeof(*s));
}

void deploy_landed_text(char *out, size_t len, const char *verb, const char *sha, bool argo,
			bool newer)
{
	snprintf(out, len, "%s %.*s%s", verb, EVENT_SHORT_SHA, sha, !argo ? "" : newer ?
		 ", Argo CD runs a newer revision: Healthy" : ", Argo CD: Synced and Healthy");
}

bool deploy_final(const char *state)
{
	return state && (!strcmp(state, "success") || !strcmp(state, "failure") ||
			 !strcmp(state, "error") || !strcmp(state, "inactive"));
}

int deploy_clip(struct buf *out, const char *s, size_t max)
{
	struct buf fixed = BUF_INIT;
	size_t replaced, chars = 0, i, start = out->len;
	const char *p;

	if (utf8_fix(&fixed, s, strlen(s), &replaced) < 0) {
		buf_release(&fixed);
		return -1;
	}
	p = buf_cstr(&fixed);
	for (i = 0; i < fixed.len; chars++) {
		size_t n = 1;

		while (i + n < fixed.len && ((unsigned char)p[i + n] & 0xc0) == 0x80)
			n++;
		if (chars == max)
			break;
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			buf_addc(out, ' ');
		else
			buf_add(out, p + i, n);
		i += n;
	}
	if (i < fixed.len && max >= 3) {
		/* too long: the last three characters kept become "..." */
		size_t keep = out->len;

		for (int k = 0; k < 3 && keep > start; k++) {
			keep--;
			while (keep > start && ((unsigned char)out->ptr[keep] & 0xc0) == 0x80)
				keep--;
		}
		buf_truncate(out, keep);
		buf_adds(out, "...");
	}
	buf_release(&fixed);
	return buf_failed(out) ? -1 : 0;
}

int deploy_create(struct gh_client *gh, const char *repo, const char *sha,
		  const char *environment, const char *description, long long *id, char **url)
{
	struct gh_response resp = GH_RESPONSE_INIT;
	struct gh_request req = { 0 };
	struct buf path = BUF_INIT, what = BUF_INIT, desc = BUF_INIT;
	static const long created[] = { 201, 0 };
	cJSON *body = NULL, *json = NULL;
	const cJSON *jid, *jurl;
	char *text = NULL;
	int rc = -1;

	*id = 0;
	*url = NULL;
	buf_addf(&what, "creating a deployment of '%.12s' to '%s' in '%s'", sha, environment, repo);
	if (gh_repo_path(&path, repo, "/deployments") < 0 || deploy_clip(&desc, description, DEPLOY_DESCRIPTION_MAX) < 0 ||
	    buf_failed(&what))
		goto oom;
	if (!(body = cJSON_CreateObject()) || !cJSON_AddStringToObject(body, "ref", sha) ||
	    !cJSON_AddStringToObject(body, "environment", environment) ||
	    !cJSON_AddStringToObject(body, "description", buf_cstr(&desc)) ||
	    !cJSON_AddFalseToObject(body, "auto_merge") ||
	    !cJSON_AddArrayToObject(body, "required_contexts") ||
	    !cJSON_AddFalseToObject(body, "transient_environment") ||
	    !(text = cJSON_PrintUnformatted(body)))
		goto oom;
	req.method = "POST";
	req.path = path.ptr;
	req.body = text;
	req.body_len = strlen(text);
	req.what = what.ptr;
	req.repo = repo;
	req.permission = DEPLOY_PERMISSION;
	req.no_resend = true; /* a second POST would make a second deployment */
	/* 409 (GitHub's merge or commit-status checks refused it) is an error */
	if (gh_request_json(&json, gh, &req, &resp, created, GH_JSON_ANY) < 0)
		goto out;
	jid = cJSON_GetObjectItemCaseSensitive(json, "id");
	jurl = cJSON_GetObjectItemCaseSensitive(json, "url");
	if (!cJSON_IsNumber(jid) || jid->valuedouble < 1 || jid->valuedouble > 9007199254740992.0) {
		log_error("%s: the answer has no deployment 'id'", what.ptr);
		goto out;
	}
	*id = (long long)jid->valuedouble;
	if (cJSON_IsString(jurl) && !(*url = strdup(jurl->valuestring)))
		goto oom;
	rc = 0;
	goto out;
oom:
	rc = log_oom();
out:
	cJSON_Delete(body);
	cJSON_Delete(json);
	free(text);
	gh_response_release(&resp);
	buf_release(&path);
	buf_release(&what);
	buf_release(&desc);
	return rc;
}

int deploy_post(struct gh_client *gh, const struct deploy_ref *d, const char *state,
		const char *description, const char *log_url, const char *environment_url)
{
	struct gh_response resp = GH_RESPONSE_INIT;
	struct gh_request req = { 0 };
	struct buf path = BUF_INIT, what = BUF_INIT, desc = BUF_INIT;
	cJSON *body = NULL;
	char *text = NULL;
	int rc = -1;

	buf_addf(&what, "posting status '%s' to deployment %lld of '%s'", state, d->id, d->repo);
	if (gh_repo_path(&path, d->repo, "/deployments/%lld/statuses", d->id) < 0 ||
	    deploy_clip(&desc, description ? description : "", DEPLOY_DESCRIPTION_MAX) < 0 ||
	    buf_failed(&what))
		goto oom;
	if (!(body = cJSON_CreateObject()) || !cJSON_AddStringToObject(body, "state", state) ||
	    !cJSON_AddStringToObject(body, "description", buf_cstr(&desc)) ||
	    (log_url && !cJSON_AddStringToObject(body, "log_url", log_url)) ||
	    (environment_url && !cJSON_AddStringToObject(body, "environment_url", environment_url)) ||
	    !(text = cJSON_PrintUnformatted(body)))
		goto oom;
	req.method = "POST";
	req.path = path.ptr;
	req.body = text;
	req.body_len = strlen(text);
	req.what = what.ptr;
	req.repo = d->repo;
	req.permission = DEPLOY_PERMISSION;
	if (gh_request(gh, &req, &resp) < 0)
		goto out;
	if (resp.status != 201) {
		rc = gh_fail(&req, &resp);
		goto out;
	}
	log_info("deployment %lld of '%s': %s (%s)", d->id, d->repo, state, buf_cstr(&desc));
	rc = 0;
	goto out;
oom:
	rc = log_oom();
out:
	cJSON_Delete(body);
	free(text);
	gh_response_release(&resp);
	buf_release(&path);
	buf_release(&what);
	buf_release(&desc);
	return rc;
}

static int take_string(char **dst, const cJSON *obj, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));

	free(*dst);
	*dst = NULL;
	if (v && *v && !(*dst = strdup(v)))
		return log_oom();
	return 0;
}

/* The newest status of a statuses list (newest first) into *st; 1 when it
 * changed the state or description. */
static int read_newest(struct deploy_status *st, const cJSON *json)
{
	const cJSON *first;
	char *old_state = st->state ? strdup(st->state) : NULL;
	char *old_desc = st->description ? strdup(st->description) : NULL;
	int rc = -1;

	if ((st->state && !old_state) || (st->description && !old_desc)) {
		rc = log_oom();
		goto out;
	}
	first = cJSON_GetArrayItem(json, 0);
	if (first && (take_string(&st->state, first, "state") < 0 ||
		      take_string(&st->description, first, "description") < 0 ||
		      take_string(&st->environment_url, first, "environment_url") < 0 ||
		      take_string(&st->log_url, first, "log_url") < 0))
		goto out;
	rc = (st->state ? !old_state || strcmp(st->state, old_state) : old_state != NULL) ||
	     (st->description ? !old_desc || strcmp(st->description, old_desc) : old_desc != NULL);
out:
	free(old_state);
	free(old_desc);
	return rc;
}

bool deploy_watch_due(int at_max)
{
	return at_max > 0 && (at_max - 1) % DEPLOY_WATCH_EVERY == 0;
}

/* The statuses poll of one deploy_wait. */
struct poller {
	struct gh_client *gh;
	const struct deploy_ref *d;
	int request_s;
	const char *what;          /* the request, for its error lines */
	struct gh_get g;           /* sent again for each poll */
	char *etag;                /* the last list's ETag, for If-None-Match */
	struct deploy_status *last;
};

/* Read the newest status into p->last: 1 when it changed, 0 when not (a
 * 304 included), -1 (reported). */
static int poll_statuses(struct poller *p)
{
	static const long statuses[] = { 200, 304, 0 };
	struct deploy_status *st = p->last;
	int status, changed;

	gh_set_budget(p->gh, p->request_s);
	p->g.req.if_none_match = p->etag;
	status = gh_get_json(&p->g, p->gh, p->d->repo, "deployments:read", statuses, GH_JSON_ARRAY,
			     p->what, "/deployments/%lld/statuses?per_page=1", p->d->id);
	if (status < 0 || status == 304)
		return status < 0 ? -1 : 0;
	free(p->etag);
	p->etag = p->g.resp.etag ? strdup(p->g.resp.etag) : NULL;
	changed = read_newest(st, p->g.json);
	if (changed > 0)
		log_info("deployment %lld: %s%s%s", p->d->id, st->state ? st->state : "(none)",
			 st->description ? ": " : "", st->description ? st->description : "");
	return changed;
}

/* Every receiver ended: the statuses once more, for a last status posted
 * just before its run ended.  0 (final) or DEPLOY_WAIT_ENDED, or -1. */
static int last_look(struct poller *p)
{
	if (poll_statuses(p) < 0)
		return -1;
	return deploy_final(p->last->state) ? 0 : DEPLOY_WAIT_ENDED;
}

/* Is the watcher's answer worth asking for?  Not once the receiver said
 * `queued`: it handed the deployment on (its pull request waits for a
 * review, and mode land finishes it from another run), so the end of the
 * receiving run says nothing about it. */
static int watch_ended(const struct deploy_watch *watch, const struct deploy_status *last)
{
	if (!watch || (last->state && !strcmp(last->state, "queued")))
		return 0;
	return watch->ended(watch->ctx) > 0;
}

int deploy_wait(struct gh_client *gh, const struct deploy_ref *d, int wait_s, int request_s,
		const struct deploy_watch *watch, struct deploy_status *last)
{
	struct poller p = { gh, d, request_s, NULL, GH_GET_INIT, NULL, last };
	struct buf what = BUF_INIT;
	double deadline = gh_clock() + wait_s;
	int rc = -1, n = 0, at_max = 0;

	if (buf_addf(&what, "reading the statuses of deployment %lld of '%s'", d->id, d->repo) < 0) {
		rc = log_oom();
		goto out;
	}
	p.what = what.ptr;
	for (;;) {
		int changed;

		/* the last poll is at the deadline itself; after it, the
		 * receivers get one more look */
		if (gh_poll_pause(gh, ++n, deadline)) {
			rc = watch_ended(watch, last) ? last_look(&p) : 1;
			goto out;
		}
		at_max = n >= 2 && gh_poll_ms(gh, n) == gh_poll_ms(gh, n + 1) ? at_max + 1 : 0;
		if ((changed = poll_statuses(&p)) < 0)
			goto out;
		if (changed)
			n = 1; /* something moves: look again soon */
		if (deploy_final(last->state)) {
			rc = 0;
			goto out;
		}
		if (deploy_watch_due(at_max) && watch_ended(watch, last)) {
			rc = last_look(&p);
			goto out;
		}
	}
out:
	free(p.etag);
	gh_get_release(&p.g);
	buf_release(&what);
	return rc;
}

int deploy_find_success(struct gh_client *gh, const struct deploy_ref *d, char **url)
{
	struct gh_get g = GH_GET_INIT;
	struct buf what = BUF_INIT;
	const cJSON *item;
	int rc = -1;

	*url = NULL;
	if (buf_addf(&what, "reading the statuses of deployment %lld of '%s'", d->id, d->repo) < 0) {
		rc = log_oom();
		goto out;
	}
	if (gh_get_json(&g, gh, d->repo, "deployments:read", NULL, GH_JSON_ARRAY, what.ptr,
			"/deployments/%lld/statuses?per_page=100", d->id) < 0)
		goto out;
	rc = 0;
	cJSON_ArrayForEach(item, g.json) {
		const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "state"));
		const char *env = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item,
								"environment_url"));

		if (!state || strcmp(state, "success") != 0)
			continue;
		rc = 1;
		if (env && *env && !(*url = strdup(env)))
			rc = log_oom();
		break;
	}
out:
	gh_get_release(&g);
	buf_release(&what);
	return rc;
}

void deploy_feedback_init(struct deploy_feedback *f, struct gh_client *gh, const char *repo,
			  long long id, const char *log_url)
{
	memset(f, 0, sizeof(*f));
	f->gh = gh;
	f->ref.repo = repo;
	f->ref.id = id;
	f->log_url = log_url;
}

bool deploy_feedback_on(const struct deploy_feedback *f)
{
	return f->gh && !f->broken;
}

void deploy_feedback_post(struct deploy_feedback *f, const char *state, const char *description,
			  const char *environment_url)
{
	int rc;

	if (!deploy_feedback_on(f))
		return;
	log_demote(true);
	rc = deploy_post(f->gh, &f->ref, state, description, f->log_url, environment_url);
	log_demote(false);
	if (rc < 0) {
		f->broken = true;
		f->why = log_last_demoted() ? strdup(log_last_demoted()) : NULL;
		log_warning("deployment %lld of '%s' is not updated any more ('deployment-token' "
			    "needs Deployments write on '%s')", f->ref.id, f->ref.repo, f->ref.repo);
		return;
	}
	f->last_state = state;
}

void deploy_feedback_release(struct deploy_feedback *f)
{
	if (f->gh)
		gh_client_free(f->gh);
	free(f->why);
	memset(f, 0, sizeof(*f));
}
