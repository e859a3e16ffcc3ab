/* deployed: see deployed.h for the contract. */
#include "deployed.h"

#include "event.h"
#include "log.h"
#include "policy.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ANSWER_MAX ((size_t)4 << 20)
#define DEPLOYED_HISTORY_S "30" /* commits read back per manifest (per_page) */

/* ---- reading the GitOps history ------------------------------------------------ */

/* The newest of the last DEPLOYED_HISTORY_S commits that touched `path` on
 * `branch` whose Deployed-From names `source`: its sha and message into
 * d->commit and d->tr.  None (a branch or repository not there yet, which
 * the commit itself reports, or only hand edits and other sources' deploys):
 * both left empty. */
static int read_last(struct deployed *d, struct gh_client *gh, const struct deployed_opts *o,
		     const char *path, const char *source)
{
	struct gh_get g = GH_GET_INIT;
	struct buf what = BUF_INIT;
	static const long statuses[] = { 200, 404, 409, 0 };
	const cJSON *c;
	int rc = -1, status;

	if (buf_addf(&what, "reading the last deploy of '%s' on branch '%s' of '%s'", path,
		     o->branch, o->repo) < 0) {
		rc = log_oom();
		goto out;
	}
	g.req.body_max = ANSWER_MAX;
	status = gh_get_json(&g, gh, o->repo, "contents:read", statuses, GH_JSON_ARRAY, what.ptr,
			     "/commits?sha=%s&path=%s&per_page=" DEPLOYED_HISTORY_S, o->branch,
			     path);
	if (status < 0)
		goto out;
	rc = 0;
	if (status != 200)
		goto out; /* no branch or an empty repository: nothing deployed */
	cJSON_ArrayForEach(c, g.json) {
		const char *sha = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "sha"));
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(c, "commit"), "message");

		if (!sha || !trailer_valid_sha(sha) || !cJSON_IsString(msg)) {
			log_error("%s: the answer has no commit 'sha' and 'commit.message'", what.ptr);
			rc = -1;
			goto out;
		}
		if (trailer_parse(&d->tr, msg->valuestring, strlen(msg->valuestring)) < 0) {
			rc = -1; /* reported */
			goto out;
		}
		if (d->tr.from.repo && strcasecmp(d->tr.from.repo, source) == 0) {
			if (!(d->commit = strdup(sha)))
				rc = log_oom();
			goto out;
		}
		trailer_release(&d->tr); /* a hand edit, another source's deploy */
	}
out:
	gh_get_release(&g);
	buf_release(&what);
	return rc;
}

/* ---- judging ------------------------------------------------------------------- */

enum cmp { CMP_AHEAD, CMP_BEHIND, CMP_IDENTICAL, CMP_DIVERGED, CMP_UNREADABLE };

/* GET compare/{base}...{head} in the source repository. */
static int compare(enum cmp *out, struct gh_client *gh, const char *app, const char *base,
		   const char *head)
{
	static const struct {
		const char *status;
		enum cmp cmp;
	} statuses[] = {
		{ "ahead", CMP_AHEAD }, { "behind", CMP_BEHIND },
		{ "identical", CMP_IDENTICAL }, { "diverged", CMP_DIVERGED },
	};
	struct gh_response resp = GH_RESPONSE_INIT;
	struct buf url = BUF_INIT, what = BUF_INIT;
	struct gh_request req = { 0 };
	const char *status;
	cJSON *json = NULL;
	int rc = -1, status_rc;

	*out = CMP_UNREADABLE;
	buf_addf(&what, "comparing %.7s with %.7s in '%s'", base, head, app);
	if (gh_repo_path(&url, app, "/compare/%s...%s", base, head) < 0 || buf_failed(&what)) {
		rc = log_oom();
		goto out;
	}
	req.method = "GET";
	req.path = url.ptr;
	req.what = what.ptr;
	req.repo = app;
	req.permission = "contents:read";
	req.body_max = GH_BODY_MAX;
	log_demote(true); /* the client's own error line: this check never fails a deploy */
	status_rc = gh_request(gh, &req, &resp);
	log_demote(false);
	if (status_rc < 0) {
		log_warning("%s failed: the order is told by the run numbers", what.ptr);
		rc = 0;
		goto out;
	}
	if (resp.status == 401 || resp.status == 403 || resp.status == 404) {
		log_info("the token cannot read '%s' (HTTP %ld): the order is told by the run "
			 "numbers", app, resp.status);
		rc = 0;
		goto out;
	}
	if (resp.status != 200) {
		log_warning("%s: HTTP %ld: the order is told by the run numbers", what.ptr,
			    resp.status);
		rc = 0;
		goto out;
	}
	if (gh_parse_json(&json, &req, &resp, GH_JSON_ANY) < 0)
		goto out;
	status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "status"));
	for (size_t i = 0; status && i < sizeof(statuses) / sizeof(*statuses); i++)
		if (strcmp(status, statuses[i].status) == 0)
			*out = statuses[i].cmp;
	if (*out == CMP_UNREADABLE)
		log_warning("%s: the answer has no known 'status': the order is told by the run "
			    "numbers", what.ptr);
	rc = 0;
out:
	cJSON_Delete(json);
	gh_response_release(&resp);
	buf_release(&url);
	buf_release(&what);
	return rc;
}

/* Run numbers count per workflow file, whatever the branch: compare the
 * workflow_refs up to their '@'. */
static bool same_workflow(const char *a, const char *b)
{
	size_t la = strcspn(a, "@"), lb = strcspn(b, "@");

	return la == lb && strncasecmp(a, b, la) == 0;
}

static enum deployed_verdict by_run(struct deployed *d, const struct payload *pl, bool rolled)
{
	if (rolled || !pl->run_number || !d->tr.run || !pl->workflow_ref || !d->tr.workflow ||
	    !same_workflow(pl->workflow_ref, d->tr.workflow))
		return DEPLOYED_UNKNOWN;
	d->how = "run number";
	return pl->run_number < d->tr.run ? DEPLOYED_STALE :
	       pl->run_number == d->tr.run ? DEPLOYED_SAME : DEPLOYED_NEWER;
}

int deployed_judge(struct deployed *d, struct gh_client *gh, const struct payload *pl)
{
	const struct trailers *t = &d->tr;
	bool rolled;
	enum cmp c;

	if (!t->from.repo || strcasecmp(t->from.repo, pl->repository) != 0) {
		d->verdict = DEPLOYED_NONE;
		return 0;
	}
	rolled = t->rollback_of.repo && strcasecmp(t->rollback_of.repo, pl->repository) == 0;
	d->against = rolled ? t->rollback_of.sha : t->from.sha;
	if (strcmp(t->from.sha, pl->sha) == 0) {
		d->verdict = DEPLOYED_SAME;
		return 0;
	}
	if (compare(&c, gh, pl->repository, d->against, pl->sha) < 0)
		return -1;
	if (c == CMP_UNREADABLE) {
		d->verdict = by_run(d, pl, rolled);
		return 0;
	}
	d->how = "ancestry";
	switch (c) {
	case CMP_AHEAD: d->verdict = DEPLOYED_NEWER; break;
	case CMP_BEHIND: d->verdict = DEPLOYED_STALE; break;
	case CMP_IDENTICAL: d->verdict = rolled ? DEPLOYED_STALE : DEPLOYED_SAME; break;
	case CMP_DIVERGED: d->verdict = DEPLOYED_DIVERGED; break;
	case CMP_UNREADABLE: break;
	}
	return 0;
}

static void say(const struct payload *pl, const struct deployed *d)
{
	struct buf b = BUF_INIT;

	if (d->verdict == DEPLOYED_STALE)
		return; /* the caller reports the skip, with the outputs */
	if (deployed_describe(&b, pl, d) < 0) {
		buf_release(&b);
		return;
	}
	if (d->verdict == DEPLOYED_DIVERGED || d->verdict == DEPLOYED_UNKNOWN ||
	    d->verdict == DEPLOYED_ROLLBACK)
		log_notice("%s", b.ptr);
	else
		log_info("%s", b.ptr);
	buf_release(&b);
}

static void reset(struct deployed *d)
{
	free(d->path);
	free(d->commit);
	trailer_release(&d->tr);
	memset(d, 0, sizeof(*d));
}

int deployed_check(struct deployed *d, struct gh_client *gh, const struct deployed_opts *o)
{
	const struct payload *pl = o->pl;
	struct deployed cur;
	bool have = false;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	memset(&cur, 0, sizeof(cur));
	if (pl->kind != PAYLOAD_DISPATCH || !pl->repository || !pl->sha)
		return 0; /* the article's payload names no source commit to order */
	if (pl->rollback && !o->allow_rollback) {
		log_error("refusing the rollback to %s@%.*s: input 'allow-rollback' is false here",
			  pl->repository, EVENT_SHORT_SHA, pl->sha);
		return -1;
	}
	if (!gh) { /* nothing to read (commit: false): only the rollback rule */
		d->verdict = pl->rollback ? DEPLOYED_ROLLBACK : DEPLOYED_NONE;
		return 0;
	}
	for (size_t i = 0; i < o->npaths; i++) {
		reset(&cur);
		if (!(cur.path = strdup(o->paths[i]))) {
			rc = log_oom();
			goto out;
		}
		if (read_last(&cur, gh, o, o->paths[i], pl->repository) < 0)
			goto out;
		if (pl->rollback) {
			bool known = cur.tr.from.repo &&
				     strcasecmp(cur.tr.from.repo, pl->repository) == 0;

			cur.verdict = DEPLOYED_ROLLBACK;
			cur.against = known ? cur.tr.from.sha : NULL;
		} else if (deployed_judge(&cur, gh, pl) < 0) {
			goto out;
		}
		if (!have || (cur.verdict == DEPLOYED_STALE && d->verdict != DEPLOYED_STALE) ||
		    (d->verdict == DEPLOYED_NONE && cur.verdict != DEPLOYED_NONE)) {
			reset(d);
			*d = cur;
			memset(&cur, 0, sizeof(cur));
			have = true;
		}
		if (d->verdict == DEPLOYED_STALE)
			break;
	}
	say(pl, d);
	rc = 0;
out:
	reset(&cur);
	return rc;
}

static int copy(char **dst, const char *s)
{
	return s && !(*dst = strdup(s)) ? log_oom() : 0;
}

int deployed_trailers(struct buf *msg, const struct payload *pl, const struct deployed *d)
{
	struct trailers t;
	bool rollback_of;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	if (pl->kind != PAYLOAD_DISPATCH || !pl->repository || !pl->sha ||
	    !gh_valid_repo(pl->repository))
		return 0;
	rollback_of = d->verdict == DEPLOYED_ROLLBACK && d->against &&
		      strcmp(d->against, pl->sha) != 0;
	t.deployment_id = pl->deployment_id;
	t.run = pl->run_number;
	/* a deployment may be finished later by a step that has no payload
	 * (land.h): it names the Argo CD application from these two */
	if (pl->deployment_id && pl->service && pl->environment &&
	    policy_valid_name(pl->service) && policy_valid_name(pl->environment) &&
	    (copy(&t.service, pl->service) < 0 || copy(&t.environment, pl->environment) < 0))
		goto out;
	if (copy(&t.from.repo, pl->repository) < 0 || copy(&t.from.sha, pl->sha) < 0 ||
	    (pl->workflow_ref && trailer_valid_workflow(pl->workflow_ref) &&
	     copy(&t.workflow, pl->workflow_ref) < 0) ||
	    (rollback_of && (copy(&t.rollback_of.repo, pl->repository) < 0 ||
			     copy(&t.rollback_of.sha, d->against) < 0)))
		goto out;
	rc = trailer_append(msg, &t);
out:
	trailer_release(&t);
	return rc;
}

int deployed_describe(struct buf *out, const struct payload *pl, const struct deployed *d)
{
	const char *how = d->how ? d->how : "";
	int w = EVENT_SHORT_SHA;

	switch (d->verdict) {
	case DEPLOYED_NONE:
		buf_addf(out, "no earlier deploy of '%s' in '%s': a first deploy",
			 pl->repository ? pl->repository : "?", d->path ? d->path : "?");
		break;
	case DEPLOYED_NEWER:
		buf_addf(out, "%s@%.*s is newer than the deployed %.*s (by %s)", pl->repository,
			 w, pl->sha, w, d->against, how);
		break;
	case DEPLOYED_SAME:
		buf_addf(out, "%s@%.*s is what is deployed%s: deploying it again",
			 pl->repository, w, pl->sha, *how ? " (same run number)" : "");
		break;
	case DEPLOYED_DIVERGED:
		buf_addf(out, "%s@%.*s and the deployed %.*s have diverged (neither contains the "
			 "other): deploying", pl->repository, w, pl->sha, w, d->against);
		break;
	case DEPLOYED_UNKNOWN:
		buf_addf(out, "cannot tell whether %s@%.*s is older than the deployed %.*s (the "
			 "token cannot read '%s' and no run numbers of one workflow compare): "
			 "deploying", pl->repository, w, pl->sha, w, d->against, pl->repository);
		break;
	case DEPLOYED_ROLLBACK:
		if (d->against)
			buf_addf(out, "rollback: %s@%.*s replaces the deployed %.*s",
				 pl->repository, w, pl->sha, w, d->against);
		else
			buf_addf(out, "rollback: %s@%.*s (no earlier deploy of it recorded)",
				 pl->repository, w, pl->sha);
		break;
	case DEPLOYED_STALE:
		if (d->tr.rollback_of.sha && d->against == d->tr.rollback_of.sha)
			buf_addf(out, "%s@%.*s is not newer than %s@%.*s, which a rollback replaced",
				 pl->repository, w, pl->sha, pl->repository, w, d->against);
		else
			buf_addf(out, "%s@%.*s is older than the deployed %s@%.*s", pl->repository,
				 w, pl->sha, pl->repository, w, d->against);
		buf_addf(out, " (by %s; GitOps commit %.*s): skipped", how, w,
			 d->commit ? d->commit : "?");
		break;
	}
	return buf_failed(out) ? log_oom() : 0;
}

void deployed_release(struct deployed *d)
{
	reset(d);
}

int deployed_contains(struct gh_client *gh, const char *repo, const char *ours, const char *rev)
{
	struct gh_response resp = GH_RESPONSE_INIT;
	struct gh_request req = { 0 };
	struct buf path = BUF_INIT;
	cJSON *json = NULL;
	const char *status;
	int yes = 0;

	if (gh_repo_path(&path, repo, "/compare/%s...%s", ours, rev) < 0) {
		buf_release(&path);
		return log_oom();
	}
	req.method = "GET";
	req.path = path.ptr;
	req.what = "comparing Argo CD's revision with ours";
	req.repo = repo;
	log_demote(true);
	if (gh_request(gh, &req, &resp) == 0 && resp.status == 200 &&
	    gh_parse_json(&json, &req, &resp, GH_JSON_ANY) == 0) {
		status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "status"));
		yes = status && (!strcmp(status, "ahead") || !strcmp(status, "identical"));
	}
	log_demote(false);
	cJSON_Delete(json);
	gh_response_release(&resp);
	buf_release(&path);
	return yes;
}
