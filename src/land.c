/* land: see land.h for the contract. */
#include "land.h"

#include "app.h"
#include "argocd.h"
#include "buf.h"
#include "deploy.h"
#include "deployed.h"
#include "event.h"
#include "github.h"
#include "log.h"
#include "policy.h"
#include "supersede.h"
#include "tmpl.h"
#include "trailer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The placeholders a land run can fill: what the deploy commit's trailers
 * say. */
static const enum tmpl_var known_vars[] = { TV_SERVICE, TV_ENVIRONMENT, TV_REPOSITORY, TV_SHA,
					    TV_SHORT_SHA };
#define NKNOWN (sizeof(known_vars) / sizeof(*known_vars))

/* One deployment the pull request's commits name. */
struct landing {
	char *repo;                 /* Deployed-From's repository */
	long long id;               /* Deployment-Id */
	struct deploy_feedback fb;  /* off: told nothing (dry run, no token) */
	const char *no_client;      /* no token for it: the fix, or NULL */
	char *why;                  /* no client: the error (NULL: unknown) */
};

enum land_kind {
	LAND_NOTHING,  /* not closed, not ours, no deploy trailers: nothing done */
	LAND_CLOSED,   /* closed without merging */
	LAND_MERGED,
};

struct land {
	const struct config *cfg;
	struct event ev;
	char **sources;              /* allowed-sources */
	size_t nsources;
	struct app app;
	struct gh_client *gh;        /* the GitOps repository's client */
	const char *repo;            /* the GitOps repository: the base's (borrowed) */
	enum land_kind kind;
	struct landing deps[LAND_DEPLOYMENTS_MAX];
	size_t ndeps;
	size_t ncommits;             /* commits read */
	struct trailers newest;      /* of the newest commit that names a deployment */
	char *merge_url;             /* the merge commit's web URL */
	char *argocd_app;            /* the expanded argocd-application, or NULL */
	const char *argo_skipped;    /* why Argo CD was not asked, or NULL */
	struct argocd_result argo;
	bool argo_ran;
	const char *last_state;      /* the last state posted (a dry run: would be) */
	size_t untold;               /* deployments left without their last status */
};

/* ---- the inputs ------------------------------------------------------------ */

/* argocd-application may use only what the trailers give. */
static int check_application(const struct config *cfg)
{
	const char *t = config_str(cfg, IN_ARGOCD_APPLICATION);
	const char *what = "input 'argocd-application'";
	struct tmpl_ctx ctx = { { NULL }, NULL, NULL };
	struct buf b = BUF_INIT;
	int rc = 0;

	if (!t)
		return 0;
	if (tmpl_check(t, what) < 0)
		return GB_EUSAGE;
	for (int i = 0; i < TV__COUNT; i++) {
		enum tmpl_var v = (enum tmpl_var)i;
		bool known = false;

		for (size_t k = 0; k < NKNOWN; k++)
			known = known || known_vars[k] == v;
		if (!known && tmpl_uses(t, v)) {
			log_error("%s uses {%s}, which mode 'land' cannot know: it has no "
				  "payload, only the deploy commit's trailers", what,
				  tmpl_var_name(v));
			log_fix("use {service}, {environment}, {repository}, {sha} or "
				"{short_sha} in the land step's 'argocd-application'");
			return GB_EUSAGE;
		}
	}
	/* a {payload.KEY} is found by expanding with every known value set */
	for (size_t i = 0; i < NKNOWN; i++)
		ctx.vars[known_vars[i]] = "x";
	if (tmpl_expand(&b, t, &ctx, what) < 0) {
		log_fix("use {service}, {environment}, {repository}, {sha} or {short_sha} in the "
			"land step's 'argocd-application'");
		rc = GB_EUSAGE;
	}
	buf_release(&b);
	return rc;
}

static int check_inputs(struct land *l)
{
	const struct config *cfg = l->cfg;
	int rc;

	if (!(l->sources = config_lines(cfg, IN_ALLOWED_SOURCES, &l->nsources)))
		return -1;
	if (policy_check_source_list(l->sources, l->nsources) < 0)
		return GB_EUSAGE;
	if (config_str(cfg, IN_ARGOCD_SERVER) && !config_str(cfg, IN_ARGOCD_TOKEN)) {
		log_error("input 'argocd-server' is set but 'argocd-token' is not: Argo CD's API "
			  "needs a token of an account that may get the application");
		return GB_EUSAGE;
	}
	if ((rc = check_application(cfg)))
		return rc;
	if ((rc = app_init(&l->app, cfg)) < 0)
		return rc;
	if (!config_str(cfg, IN_TOKEN) && !app_enabled(&l->app)) {
		log_error("no token: set the 'token' input to a token that may read the pull "
			  "requests of the GitOps repository (see README, Tokens)");
		return GB_EUSAGE;
	}
	return 0;
}

/* ---- the event --------------------------------------------------------------- */

/* Read the event.  0 with l->kind LAND_NOTHING when there is nothing to do
 * (said), 0 to go on, -1 or GB_EUSAGE. */
static int read_event(struct land *l)
{
	const struct event_pr *pr = &l->ev.pr;
	const char *name = getenv("GITHUB_EVENT_NAME");

	if (!name || (strcmp(name, "pull_request") != 0 &&
		      strcmp(name, "pull_request_target") != 0)) {
		log_error("mode 'land' runs on a closed pull request, not on a '%s' event",
			  name ? name : "(unknown)");
		log_fix("run the land step `on: pull_request: types: [closed]` in the GitOps repo");
		return GB_EUSAGE;
	}
	if (event_load(&l->ev) < 0)
		return -1;
	if (!pr->number) {
		log_error("mode 'land' reads the pull request from the event file: "
			  "GITHUB_EVENT_PATH is not set");
		return GB_EUSAGE;
	}
	l->repo = pr->base_repo ? pr->base_repo : l->ev.repository;
	if (!l->repo || !gh_valid_repo(l->repo)) {
		log_error("event file '%s' names no repository of the pull request",
			  l->ev.path ? l->ev.path : "(none)");
		return -1;
	}
	if (!l->ev.action || strcmp(l->ev.action, "closed") != 0) {
		log_notice("pull request #%lld was %s, not closed: nothing to land", pr->number,
			   l->ev.action ? l->ev.action : "(no action)");
		return 0;
	}
	if (!pr->head_repo || strcasecmp(pr->head_repo, l->repo) != 0) {
		log_notice("pull request #%lld comes from '%s', not a branch of '%s': not a deploy "
			   "of gitops-bump, nothing to land", pr->number,
			   pr->head_repo ? pr->head_repo : "(unknown)", l->repo);
		return 0;
	}
	if (pr->merged && !pr->merge_sha) {
		log_error("event file '%s' says pull request #%lld was merged but has no "
			  "'merge_commit_sha'", l->ev.path, pr->number);
		return -1;
	}
	l->kind = pr->merged ? LAND_MERGED : LAND_CLOSED;
	return 0;
}

/* ---- the pull request's commits ---------------------------------------------- */

/* The client for the GitOps repository; with App credentials, a token that
 * reads it (Contents: the compare for Argo CD; Pull requests: the commits). */
static int open_client(struct land *l)
{
	static const struct app_perm perms[] = { { "contents", "read" },
						 { "pull_requests", "read" } };

	if (config_client_new(&l->gh, l->cfg) < 0)
		return -1;
	if (!app_enabled(&l->app))
		return 0;
	return app_use(&l->app, l->gh, l->repo, perms, 2, "reading the pull request's commits");
}

/* Note deployment (repo, id) once; 1 when it is new. */
static int note_deployment(struct land *l, const char *repo, long long id)
{
	for (size_t i = 0; i < l->ndeps; i++)
		if (l->deps[i].id == id && !strcasecmp(l->deps[i].repo, repo))
			return 0;
	if (l->ndeps == LAND_DEPLOYMENTS_MAX) {
		log_warning("pull request #%lld names more than %d deployments: deployment %lld of "
			    "'%s' is not updated", l->ev.pr.number, LAND_DEPLOYMENTS_MAX, id, repo);
		return 0;
	}
	if (!(l->deps[l->ndeps].repo = strdup(repo)))
		return log_oom();
	l->deps[l->ndeps++].id = id;
	return 1;
}

/* One commit of the list: its trailers, and the deployment they name. */
static int read_commit(struct land *l, const cJSON *item)
{
	const cJSON *commit = cJSON_GetObjectItemCaseSensitive(item, "commit");
	const char *msg =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(commit, "message"));
	struct trailers t;
	int rc;

	if (!msg)
		return 0;
	if (trailer_parse(&t, msg, strlen(msg)) < 0)
		return -1;
	rc = 0;
	if (t.from.repo && t.deployment_id) {
		if (!policy_source_allowed(t.from.repo, l->sources, l->nsources))
			log_notice("deployment %lld of '%s' is not updated: '%s' is not in "
				   "'allowed-sources'", t.deployment_id, t.from.repo,
				   t.from.repo);
		else
			rc = note_deployment(l, t.from.repo, t.deployment_id);
		/* the newest commit naming a deployment names the application */
		trailer_release(&l->newest);
		l->newest = t;
		return rc < 0 ? -1 : 0;
	}
	trailer_release(&t);
	return 0;
}

/* GET pulls/{n}/commits ("List commits on a pull request", oldest first). */
static int read_commits(struct land *l)
{
	struct gh_get g = GH_GET_INIT;
	struct buf what = BUF_INIT;
	const cJSON *item;
	int rc = -1;

	if (buf_addf(&what, "reading the commits of pull request #%lld of '%s'", l->ev.pr.number,
		     l->repo) < 0) {
		rc = log_oom();
		goto out;
	}
	/* pages of LAND_COMMITS_PAGE, oldest first, until a short page: GitHub
	 * lists at most LAND_COMMITS_MAX */
	for (long long page = 1; page <= LAND_COMMITS_MAX / LAND_COMMITS_PAGE + 1; page++) {
		size_t n = 0;

		if (gh_get_json(&g, l->gh, l->repo, "pull_requests:read", NULL, GH_JSON_ARRAY,
				what.ptr, "/pulls/%lld/commits?per_page=%lld&page=%lld",
				l->ev.pr.number, (long long)LAND_COMMITS_PAGE, page) < 0)
			goto out;
		cJSON_ArrayForEach(item, g.json) {
			n++;
			l->ncommits++;
			if (read_commit(l, item) < 0)
				goto out;
		}
		if (n < LAND_COMMITS_PAGE)
			break;
	}
	rc = 0;
out:
	gh_get_release(&g);
	buf_release(&what);
	return rc;
}

/* ---- the deployments --------------------------------------------------------- */

/* A client for the statuses of `d`, as patch mode opens it
 * (app_deploy_client). */
static void open_feedback(struct land *l, struct landing *d)
{
	struct gh_client *gh = NULL;
	int rc;

	if (config_bool(l->cfg, IN_DRY_RUN)) {
		log_info("deployment %lld of '%s' is not updated (dry run)", d->id, d->repo);
		return;
	}
	log_demote(true); /* a token that cannot be used does not stop the run */
	rc = app_deploy_client(&l->app, l->cfg, d->repo, &gh);
	log_demote(false);
	if (rc > 0) {
		d->no_client = "set 'deployment-token' (Deployments write on that repository) or "
			       "'app-id' and 'private-key'";
		return;
	}
	if (rc < 0) {
		d->why = log_last_demoted() ? strdup(log_last_demoted()) : NULL;
		log_warning("deployment %lld of '%s' is not updated", d->id, d->repo);
		return;
	}
	deploy_feedback_init(&d->fb, gh, d->repo, d->id, l->ev.run_url);
}

/* Post `state` to every deployment (a dry run: say it). */
static void post_all(struct land *l, const char *state, const char *description,
		     const char *environment_url)
{
	for (size_t i = 0; i < l->ndeps; i++) {
		if (config_bool(l->cfg, IN_DRY_RUN))
			log_info("dry run: deployment %lld of '%s' would be '%s': %s",
				 l->deps[i].id, l->deps[i].repo, state, description);
		deploy_feedback_post(&l->deps[i].fb, state, description, environment_url);
	}
	if (l->ndeps)
		l->last_state = state;
}

/* ---- Argo CD ------------------------------------------------------------------ */

/* The application's name from the newest deploy commit's trailers; NULL
 * in l->argocd_app and a reason in l->argo_skipped when they do not give
 * what the template uses. */
static int expand_application(struct land *l)
{
	const char *t = config_str(l->cfg, IN_ARGOCD_APPLICATION);
	const struct trailers *tr = &l->newest;
	struct tmpl_ctx ctx = { { NULL }, NULL, NULL };
	char short_sha[EVENT_SHORT_SHA + 1] = "";
	struct buf b = BUF_INIT;

	if ((tmpl_uses(t, TV_SERVICE) && !tr->service) ||
	    (tmpl_uses(t, TV_ENVIRONMENT) && !tr->environment)) {
		l->argo_skipped = "the deploy commit has no Deploy-Service and Deploy-Environment "
				  "trailers (written before gitops-bump wrote them)";
		log_notice("Argo CD is not asked: %s, and 'argocd-application' uses them",
			   l->argo_skipped);
		return 0;
	}
	if (tr->from.sha)
		snprintf(short_sha, sizeof(short_sha), "%.*s", EVENT_SHORT_SHA, tr->from.sha);
	ctx.vars[TV_SERVICE] = tr->service;
	ctx.vars[TV_ENVIRONMENT] = tr->environment;
	ctx.vars[TV_REPOSITORY] = tr->from.repo;
	ctx.vars[TV_SHA] = tr->from.sha;
	ctx.vars[TV_SHORT_SHA] = tr->from.sha ? short_sha : NULL;
	if (tmpl_expand(&b, t, &ctx, "input 'argocd-application'") < 0) {
		buf_release(&b);
		return -1;
	}
	if (!(l->argocd_app = buf_detach(&b, NULL)))
		return log_oom();
	return 0;
}

/* argocd_opts.contains: is `rev` a commit of the GitOps repo that has the
 * merge commit? */
static int contains_merge(void *arg, const char *rev)
{
	struct land *l = arg;

	return deployed_contains(l->gh, l->repo, l->ev.pr.merge_sha, rev);
}

/* Wait for Argo CD at the merge commit, as patch mode waits at its commit.
 * 0, or -1 (reported). */
static int wait_argocd(struct land *l)
{
	struct argocd_opts o;

	config_argocd_opts(&o, l->cfg);
	if (!o.server)
		return 0;
	if (config_bool(l->cfg, IN_DRY_RUN)) {
		l->argo_skipped = "dry run";
		return 0;
	}
	if (expand_application(l) < 0)
		return -1;
	if (!l->argocd_app)
		return 0;
	o.application = l->argocd_app;
	o.revision = l->ev.pr.merge_sha;
	o.contains = contains_merge;
	o.arg = l;
	l->argo_ran = true;
	return argocd_wait(&o, &l->argo);
}

/* ---- the run's end ------------------------------------------------------------ */

/* Reset the scratch buffers for the next row, noting in *lost whether
 * the last one failed (buf_reset forgets it). */
static void next_row(struct buf *text, struct buf *url, bool *lost)
{
	*lost = *lost || buf_failed(text) || buf_failed(url);
	buf_reset(text);
	buf_reset(url);
}

/* The deployments, as "N of owner/app" links, for the summaries. */
static void summary_deployments(struct buf *md, const struct land *l, struct buf *text,
				struct buf *url, bool *lost)
{
	for (size_t i = 0; i < l->ndeps; i++) {
		const struct landing *d = &l->deps[i];

		next_row(text, url, lost);
		buf_addf(text, "%lld of %s", d->id, d->repo);
		buf_addf(url, "%s/%s/deployments", l->ev.server_url, d->repo);
		buf_adds(md, "| deployment | ");
		log_md_link(md, buf_cstr(text), buf_cstr(url));
		buf_addf(md, "%s |\n", config_bool(l->cfg, IN_DRY_RUN) ? " (dry run: not updated)" :
			 !d->fb.gh ? " (not updated: no deployment-token)" :
			 d->fb.broken ? " (not updated: the token could not post a status)" :
			 d->fb.last_state ? "" : " (not updated)");
		if (d->fb.last_state)
			log_md_row(md, "its last status", d->fb.last_state);
	}
}

/* The Argo CD row: what it said (linked to the application's page, as
 * patch mode links it), or why it was not asked. */
static void summary_argocd(struct buf *md, const struct land *l, struct buf *text,
			   struct buf *url, bool *lost)
{
	const struct argocd_state *st = &l->argo.last;
	const char *ns = config_str(l->cfg, IN_ARGOCD_NAMESPACE);

	next_row(text, url, lost);
	if (!l->argo_ran) {
		if (l->argo_skipped) {
			buf_addf(text, "not asked: %s", l->argo_skipped);
			log_md_row(md, "Argo CD", buf_cstr(text));
		}
		return;
	}
	buf_addf(text, "%s: %s, %s at %.*s%s", l->argocd_app, st->sync ? st->sync : "Unknown",
		 st->health ? st->health : "Unknown", EVENT_SHORT_SHA,
		 st->revision ? st->revision : "(none)",
		 l->argo.newer ? " (a newer revision)" : "");
	buf_addf(url, "%s/applications/", config_str(l->cfg, IN_ARGOCD_SERVER));
	if (ns) {
		gh_escape(url, ns, false);
		buf_addc(url, '/');
	}
	gh_escape(url, l->argocd_app, false);
	buf_adds(md, "| Argo CD | ");
	log_md_link(md, buf_cstr(text), buf_cstr(url));
	buf_adds(md, " |\n");
}

/* The rows both summaries share: the pull request, the merge, the chain.
 * 0, or -1 when a row could not be built (out of memory: the caller
 * leaves the summary out rather than write a wrong one). */
static int summary_rows(struct buf *md, const struct land *l)
{
	const struct event_pr *pr = &l->ev.pr;
	const struct trailers *tr = &l->newest;
	struct buf text = BUF_INIT, url = BUF_INIT;
	bool lost = false;

	buf_addf(&text, "#%lld of %s", pr->number, l->repo);
	buf_adds(md, "| pull request | ");
	log_md_link(md, buf_cstr(&text), pr->html_url);
	buf_addf(md, " (%s) |\n", l->kind == LAND_MERGED ? "merged" : l->kind == LAND_CLOSED ?
		 "closed without merging" : "not a deploy");
	if (tr->from.repo) {
		next_row(&text, &url, &lost);
		buf_addf(&text, "%s@%.*s", tr->from.repo, EVENT_SHORT_SHA, tr->from.sha);
		buf_addf(&url, "%s/%s/commit/%s", l->ev.server_url, tr->from.repo, tr->from.sha);
		buf_adds(md, "| source | ");
		log_md_link(md, buf_cstr(&text), buf_cstr(&url));
		buf_adds(md, " |\n");
	}
	if (tr->service && tr->environment) {
		next_row(&text, &url, &lost);
		buf_addf(&text, "%s to %s", tr->service, tr->environment);
		log_md_row(md, "deploy", buf_cstr(&text));
	}
	if (pr->merge_sha && l->kind == LAND_MERGED) {
		next_row(&text, &url, &lost);
		buf_addf(&text, "%s@%.*s on %s", l->repo, EVENT_SHORT_SHA, pr->merge_sha,
			 pr->base_ref ? pr->base_ref : "?");
		buf_adds(md, "| merge commit | ");
		log_md_link(md, buf_cstr(&text), l->merge_url);
		buf_adds(md, " |\n");
	}
	summary_deployments(md, l, &text, &url, &lost);
	summary_argocd(md, l, &text, &url, &lost);
	next_row(&text, &url, &lost);
	buf_release(&text);
	buf_release(&url);
	return lost ? -1 : 0;
}

static int outputs(const struct land *l)
{
	const struct argocd_state *st = &l->argo.last;
	struct buf ids = BUF_INIT;
	int rc = -1;

	for (size_t i = 0; i < l->ndeps; i++)
		buf_addf(&ids, "%s%lld", i ? "\n" : "", l->deps[i].id);
	if (buf_failed(&ids)) {
		rc = log_oom();
		goto out;
	}
	if (log_output("deployment-id", buf_cstr(&ids)) < 0 ||
	    log_output("deploy-state", l->last_state ? l->last_state : "") < 0 ||
	    log_output("gitops-commit-url", l->merge_url ? l->merge_url : "") < 0)
		goto out;
	if (l->argo_ran && (log_output("argocd-revision", st->revision ? st->revision : "") < 0 ||
			    log_output("argocd-sync-status", st->sync ? st->sync : "") < 0 ||
			    log_output("argocd-health", st->health ? st->health : "") < 0))
		goto out;
	rc = 0;
out:
	buf_release(&ids);
	return rc;
}

static void summary(const struct land *l)
{
	struct buf md = BUF_INIT;

	buf_addf(&md, "### gitops-bump land: pull request #%lld%s\n\n| | |\n| --- | --- |\n",
		 l->ev.pr.number, l->kind == LAND_MERGED ? " (merged)" : l->kind == LAND_CLOSED ?
		 " (closed without merging)" : " (nothing to land)");
	if (summary_rows(&md, l) < 0 || buf_failed(&md))
		log_warning("the step summary was not written: out of memory");
	else
		log_summary(md.ptr);
	buf_release(&md);
}

static void failure_summary(const struct land *l)
{
	struct buf rows = BUF_INIT, subject = BUF_INIT;

	if (l->ev.pr.number) {
		buf_addf(&subject, "pull request #%lld", l->ev.pr.number);
		if (summary_rows(&rows, l) < 0)
			buf_reset(&rows); /* out of memory: the summary without the rows */
	}
	/* on the failure path already: out of memory here only shortens it */
	log_summary_failed("land", buf_failed(&subject) || !subject.len ? NULL : subject.ptr,
			   buf_failed(&rows) || !rows.len ? NULL : rows.ptr,
			   l->untold ? "nothing written to the GitOps repository; every status a "
			   "token could post was posted, the deployments the error names were not "
			   "updated" : l->last_state ? "nothing written to the GitOps repository; the "
			   "deployments named got `failure` with the error line (where a token "
			   "could post it)" : "nothing written to the GitOps repository; no "
			   "deployment status posted");
	buf_release(&rows);
	buf_release(&subject);
}

/* The merged pull request: in_progress, Argo CD, then success.  0 or -1. */
static int land_merged(struct land *l)
{
	const char *sha = l->ev.pr.merge_sha;
	struct buf url = BUF_INIT;
	char desc[DEPLOY_DESCRIPTION_MAX];

	buf_addf(&url, "%s/%s/commit/%s", l->ev.server_url, l->repo, sha);
	if (!(l->merge_url = buf_detach(&url, NULL)))
		return log_oom();
	log_info("pull request #%lld merged as %.*s into '%s': %zu deployment%s to finish",
		 l->ev.pr.number, EVENT_SHORT_SHA, sha, l->ev.pr.base_ref ? l->ev.pr.base_ref : "?",
		 l->ndeps, l->ndeps == 1 ? "" : "s");
	snprintf(desc, sizeof(desc), "pull request #%lld merged as %.*s%s", l->ev.pr.number,
		 EVENT_SHORT_SHA, sha, config_str(l->cfg, IN_ARGOCD_SERVER) ?
		 ", waiting for Argo CD" : "");
	post_all(l, "in_progress", desc, NULL);
	if (wait_argocd(l) < 0)
		return -1;
	deploy_landed_text(desc, sizeof(desc), "merged", sha, l->argo_ran, l->argo.newer);
	post_all(l, "success", desc, l->merge_url);
	return 0;
}

static void release(struct land *l)
{
	app_release(&l->app, l->gh); /* revokes every token minted, also on failure */
	if (l->gh)
		gh_client_free(l->gh);
	for (size_t i = 0; i < l->ndeps; i++) {
		deploy_feedback_release(&l->deps[i].fb);
		free(l->deps[i].repo);
		free(l->deps[i].why);
	}
	config_lines_free(l->sources);
	trailer_release(&l->newest);
	free(l->merge_url);
	free(l->argocd_app);
	argocd_state_release(&l->argo.last);
	event_release(&l->ev);
}

/* The statuses are this step's whole work: a deployment it could not tell
 * (no token for it, or one that cannot post) fails the run, after every
 * status that could be posted was.  One error line: the first such
 * deployment, the count, the fix.  0 or -1. */
static int check_told(struct land *l)
{
	const struct landing *first = NULL;
	size_t n = 0;

	if (l->kind == LAND_NOTHING || config_bool(l->cfg, IN_DRY_RUN))
		return 0;
	for (size_t i = 0; i < l->ndeps; i++)
		if (!deploy_feedback_on(&l->deps[i].fb) && n++ == 0)
			first = &l->deps[i];
	if (!n)
		return 0;
	l->untold = n;
	log_error("%zu of the %zu deployment%s pull request #%lld names %s not updated "
		  "(deployment %lld of '%s'): %s", n, l->ndeps, l->ndeps == 1 ? "" : "s",
		  l->ev.pr.number, n == 1 ? "was" : "were", first->id, first->repo,
		  first->no_client ? first->no_client : first->why ? first->why
		  : first->fb.why ? first->fb.why
		  : "give 'deployment-token' Deployments write on that repository");
	return -1;
}

/* After the commits are read: the deployments they name get their last
 * statuses.  0 (also: nothing to land), or -1. */
static int land_deployments(struct land *l)
{
	char desc[DEPLOY_DESCRIPTION_MAX];
	long long by;

	if (!l->newest.from.repo) {
		log_notice("pull request #%lld is not a deploy of gitops-bump (none of its %zu "
			   "commit%s has Deployed-From and Deployment-Id trailers): nothing to "
			   "land", l->ev.pr.number, l->ncommits, l->ncommits == 1 ? "" : "s");
		l->kind = LAND_NOTHING;
		return 0;
	}
	if (!l->ndeps) {
		log_notice("pull request #%lld names no deployment this step may update: nothing "
			   "to land", l->ev.pr.number);
		l->kind = LAND_NOTHING;
		return 0;
	}
	for (size_t i = 0; i < l->ndeps; i++)
		open_feedback(l, &l->deps[i]);
	if (l->kind == LAND_MERGED)
		return land_merged(l);
	if ((by = supersede_closed_by(l->ev.pr.body))) {
		/* closed by a newer deploy's patch step: the change is in #by */
		snprintf(desc, sizeof(desc), "superseded by pull request #%lld", by);
		log_notice("pull request #%lld was closed as %s", l->ev.pr.number, desc);
		post_all(l, "inactive", desc, l->ev.pr.html_url);
		return 0;
	}
	snprintf(desc, sizeof(desc), "pull request #%lld closed without merging: nothing deployed",
		 l->ev.pr.number);
	log_notice("%s", desc);
	post_all(l, "failure", desc, l->ev.pr.html_url);
	return 0;
}

int land_run(const struct config *cfg)
{
	struct land l = { .cfg = cfg };
	int rc;

	if ((rc = check_inputs(&l)) || (rc = read_event(&l)))
		goto out;
	if (l.kind != LAND_NOTHING) {
		if ((rc = open_client(&l)) < 0 || (rc = read_commits(&l)) < 0)
			goto out;
		rc = land_deployments(&l);
	}
	if (rc && l.kind == LAND_MERGED) {
		const char *why = log_first_error();

		post_all(&l, "failure", why ? why : "the deploy failed", NULL);
	}
	if (!rc && check_told(&l) < 0)
		rc = -1;
	if (outputs(&l) < 0 && !rc)
		rc = -1;
	if (!rc)
		summary(&l);
out:
	if (rc)
		failure_summary(&l);
	release(&l);
	return rc;
}
