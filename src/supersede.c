/* supersede: see supersede.h for the contract. */
#include "supersede.h"

#include "buf.h"
#include "deployed.h"
#include "log.h"
#include "trailer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ANSWER_MAX ((size_t)4 << 20)

/* One open pull request that may be superseded. */
struct other {
	long long number;
	const char *head_sha;   /* borrowed from the list */
	const char *body;       /* borrowed, may be NULL */
};

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* PATCH `body` to `path`: 0, or -1 (the client's error line, demoted to a
 * warning: the deploy is done). */
static int update(struct gh_client *gh, const char *path, const char *body, const char *repo,
		  const char *what)
{
	static const long ok[] = { 200, 0 };
	struct gh_response resp = GH_RESPONSE_INIT;
	struct gh_request req = { 0 };
	cJSON *json = NULL;
	int rc;

	req.method = "PATCH";
	req.path = path;
	req.body = body;
	req.body_len = strlen(body);
	req.what = what;
	req.repo = repo;
	req.permission = "pull_requests:write";
	req.body_max = ANSWER_MAX;
	log_demote(true);
	rc = gh_request_json(&json, gh, &req, &resp, ok, GH_JSON_OBJECT);
	log_demote(false);
	cJSON_Delete(json);
	gh_response_release(&resp);
	return rc < 0 ? -1 : 0;
}

/* Does the commit answer's `files` share a path with this deploy? */
static bool touches(const cJSON *commit, const struct supersede_opts *o)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(commit, "files")) {
		const char *name = jstr(f, "filename");

		for (size_t i = 0; name && i < o->npaths; i++)
			if (!strcmp(name, o->paths[i]))
				return true;
	}
	return false;
}

/* Close pull request `x` with the line that says why.  0, or -1 (said). */
static int close_pull(struct gh_client *gh, const struct supersede_opts *o,
		      const struct other *x, long long mine)
{
	struct buf path = BUF_INIT, what = BUF_INIT, text = BUF_INIT;
	cJSON *body = cJSON_CreateObject();
	char *payload = NULL;
	int rc = -1;

	buf_addf(&text, "%s%s%s#%lld: its deploy of %s@%.7s is newer than this one.",
		 x->body && *x->body ? x->body : "", x->body && *x->body ? "\n\n" : "",
		 SUPERSEDE_MARK, mine, o->pl->repository, o->pl->sha);
	buf_addf(&what, "closing pull request #%lld of '%s' (superseded by #%lld)", x->number,
		 o->repo, mine);
	if (gh_repo_path(&path, o->repo, "/pulls/%lld", x->number) < 0 || buf_failed(&text) ||
	    buf_failed(&what) || !body || !cJSON_AddStringToObject(body, "state", "closed") ||
	    !cJSON_AddStringToObject(body, "body", text.ptr) ||
	    !(payload = cJSON_PrintUnformatted(body))) {
		rc = log_oom();
		goto out;
	}
	if (update(gh, path.ptr, payload, o->repo, what.ptr) < 0) {
		log_info("pull request #%lld of '%s' is older than this deploy and stays open",
			 x->number, o->repo);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(body);
	free(payload);
	buf_release(&path);
	buf_release(&what);
	buf_release(&text);
	return rc;
}

/* Look at one open pull request: 1 closed, 0 left open, -1 out of memory. */
static int consider(struct gh_client *gh, const struct supersede_opts *o, const struct other *x,
		    long long mine)
{
	struct gh_get g = GH_GET_INIT;
	struct buf what = BUF_INIT;
	struct deployed d;
	const cJSON *commit;
	const char *msg;
	char desc[DEPLOY_DESCRIPTION_MAX];
	int rc = 0, got;

	memset(&d, 0, sizeof(d));
	buf_addf(&what, "reading the head commit of pull request #%lld of '%s'", x->number,
		 o->repo);
	if (buf_failed(&what)) {
		rc = log_oom();
		goto out;
	}
	g.req.body_max = ANSWER_MAX;
	log_demote(true); /* a failure here is a warning: the deploy is done */
	got = gh_get_json(&g, gh, o->repo, "contents:read", NULL, GH_JSON_OBJECT, what.ptr,
			  "/commits/%s", x->head_sha);
	log_demote(false);
	commit = g.json;
	if (got < 0) {
		log_info("pull request #%lld of '%s' is not looked at", x->number, o->repo);
		goto out;
	}
	msg = jstr(cJSON_GetObjectItemCaseSensitive(commit, "commit"), "message");
	if (!msg)
		goto out;
	if (trailer_parse(&d.tr, msg, strlen(msg)) < 0) {
		rc = -1;
		goto out;
	}
	/* a deploy of the same source, to one of the same manifests */
	if (!d.tr.from.repo || strcasecmp(d.tr.from.repo, o->pl->repository) != 0 ||
	    !touches(commit, o))
		goto out;
	if (deployed_judge(&d, gh, o->pl) < 0) { /* out of memory */
		rc = -1;
		goto out;
	}
	switch (d.verdict) {
	case DEPLOYED_NEWER:
		if (close_pull(gh, o, x, mine) < 0)
			break;
		log_notice("closed pull request #%lld of '%s': its deploy of %s@%.7s is older than "
			   "this one (by %s); the change is in #%lld", x->number, o->repo,
			   o->pl->repository, d.tr.from.sha, d.how ? d.how : "order", mine);
		rc = 1;
		if (d.tr.deployment_id && deploy_feedback_on(o->feedback)) {
			struct deploy_ref ref = { o->pl->repository, d.tr.deployment_id };

			snprintf(desc, sizeof(desc), "superseded by pull request #%lld (%.7s)", mine,
				 o->pl->sha);
			log_demote(true);
			if (deploy_post(o->feedback->gh, &ref, "inactive", desc, o->feedback->log_url,
					NULL) < 0)
				log_info("deployment %lld of '%s' stays as it was",
					 d.tr.deployment_id, o->pl->repository);
			log_demote(false);
		}
		break;
	case DEPLOYED_STALE:
		log_warning("pull request #%lld of '%s' deploys %s@%.7s, newer than this one (by "
			    "%s): merge that one, not #%lld", x->number, o->repo, o->pl->repository,
			    d.tr.from.sha, d.how ? d.how : "order", mine);
		break;
	default:
		log_info("pull request #%lld of '%s' (%s@%.7s) is left open: the order of the two "
			 "deploys cannot be told", x->number, o->repo, o->pl->repository,
			 d.tr.from.sha);
		break;
	}
out:
	gh_get_release(&g);
	deployed_release(&d);
	buf_release(&what);
	return rc;
}

long long supersede_closed_by(const char *body)
{
	const char *at = NULL, *p;
	size_t n = strlen(SUPERSEDE_MARK);
	long long num = 0;

	for (p = body; p && (p = strstr(p, SUPERSEDE_MARK)); p += n)
		if (p == body || p[-1] == '\n')
			at = p + n;
	if (!at || *at++ != '#')
		return 0;
	while (*at >= '0' && *at <= '9' && num < 1000000000000LL)
		num = num * 10 + (*at++ - '0');
	return num;
}

int supersede_run(struct gh_client *gh, const struct supersede_opts *o)
{
	const char *slash = o->head ? strrchr(o->head, '/') : NULL;
	size_t plen = slash ? (size_t)(slash - o->head) + 1 : 0;
	long long mine = o->pr_number;
	struct gh_get g = GH_GET_INIT;
	struct buf what = BUF_INIT;
	const cJSON *pr;
	size_t looked = 0;
	int rc = 0, r, got;

	if (!plen || !mine || !o->pl->repository || !o->pl->sha)
		return 0; /* no family of branches, or no source to order */
	if (o->pl->rollback) {
		/* a rollback is older on purpose: it supersedes nothing, and a
		 * newer pull request is what it stands against */
		log_info("a rollback: open deploy pull requests are left as they are");
		return 0;
	}
	buf_addf(&what, "listing the open pull requests into '%s' of '%s'", o->base, o->repo);
	if (buf_failed(&what)) {
		rc = log_oom();
		goto out;
	}
	g.req.body_max = ANSWER_MAX;
	log_demote(true); /* a failure here is a warning: the deploy is done */
	got = gh_get_json(&g, gh, o->repo, "pull_requests:read", NULL, GH_JSON_ARRAY, what.ptr,
			  "/pulls?state=open&per_page=100&base=%s", o->base);
	log_demote(false);
	if (got < 0) {
		log_info("older deploy pull requests are not looked for");
		goto out;
	}
	cJSON_ArrayForEach(pr, g.json) {
		const cJSON *head = cJSON_GetObjectItemCaseSensitive(pr, "head");
		const cJSON *num = cJSON_GetObjectItemCaseSensitive(pr, "number");
		const char *ref = jstr(head, "ref");
		const char *from = jstr(cJSON_GetObjectItemCaseSensitive(head, "repo"), "full_name");
		struct other x = { 0, jstr(head, "sha"), jstr(pr, "body") };

		if (!cJSON_IsNumber(num) || !ref || !x.head_sha || !from ||
		    strcasecmp(from, o->repo) != 0 || strncmp(ref, o->head, plen) != 0 ||
		    !strcmp(ref, o->head))
			continue;
		x.number = (long long)num->valuedouble;
		if (x.number == mine)
			continue;
		if (looked++ == SUPERSEDE_MAX) {
			log_notice("more than %d open deploy pull requests into '%s': the others are "
				   "not looked at", SUPERSEDE_MAX, o->base);
			break;
		}
		if ((r = consider(gh, o, &x, mine)) < 0) {
			rc = -1;
			goto out;
		}
		rc += r;
	}
out:
	gh_get_release(&g);
	buf_release(&what);
	return rc;
}
