/* patch: see patch.h for the contract. */
#include "patch.h"

#include "argocd.h"
#include "app.h"
#include "commit.h"
#include "deployed.h"
#include "deploy.h"
#include "diff.h"
#include "event.h"
#include "freeze.h"
#include "github.h"
#include "imagefind.h"
#include "imageref.h"
#include "log.h"
#include "oidc.h"
#include "payload.h"
#include "policy.h"
#include "provenance.h"
#include "sha1.h"
#include "supersede.h"
#include "tmpl.h"
#include "workspace.h"
#include "yamledit.h"
#include "yamlpath.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SUMMARY_DIFF_MAX ((size_t)256 << 10)
#define VALUE_MAX ((size_t)1 << 20)

/* The defaults of these inputs name the source commit, which the article's
 * payload does not carry; for it, these are used instead. */
static const struct {
	enum input in;
	const char *tmpl;
} article_defaults[] = {
	{ IN_VALUE, "{time} {subject}" },
	{ IN_COMMIT_MESSAGE, "Deploy {service} to {environment}\n\n{message}" },
	{ IN_PR_TITLE, "Deploy {service} to {environment}" },
	{ IN_PR_BODY, "Automated deploy of `{service}` to `{environment}`.\n\n{message}" },
};


/* The workloads whose pod template may change, so that the revision
 * annotation rolls them out.  Not a bare Job: its pod template is
 * immutable, and the apply would fail in the cluster. */
static const struct {
	const char *kind;
	const char *pod_template;
} rollouts[] = {
	{ "Deployment", "spec.template" },
	{ "StatefulSet", "spec.template" },
	{ "DaemonSet", "spec.template" },
	{ "ReplicaSet", "spec.template" },
	{ "CronJob", "spec.jobTemplate.spec.template" },
};
#define NROLLOUTS (sizeof(rollouts) / sizeof(*rollouts))

struct run {
	const struct config *cfg;
	struct event ev;
	struct payload pl;
	struct tmpl_ctx tc;
	char time[32];
	char **sources;          /* allowed-sources */
	size_t nsources;
	char *repo;              /* the GitOps repository */
	char *branch;            /* the branch to commit to (pull requests: the base) */
	char *pr_branch;
	char *message, *pr_title, *pr_body;
	char *author_name, *author_email;
	char **paths;            /* normalised manifest paths */
	size_t npaths;
	struct commit_file *files;
	struct yedit *edits;     /* set, marker: the YAML editor's own edits */
	size_t nedits;
	struct imageref image;   /* the image input, expanded; image.name NULL: none */
	struct imagefind *plans; /* per manifest (paths[i]): where the image goes */
	bool *planned;           /* plans[i] made for the current content */
	struct imagefind_index vf; /* Flux valuesFrom across the manifests' current
				    * content (made when the first is edited) */
	size_t marker;           /* the marker edit among them */
	struct yedit rev[NROLLOUTS]; /* the revision annotation, when nothing else */
	struct ypath *parsed;    /* the edits' paths, parsed once (edits_alloc of them) */
	size_t edits_alloc;
	struct ypath rev_parsed[NROLLOUTS];
	char **owned;            /* the edits' paths and values */
	size_t nowned, owned_alloc;
	bool configured;         /* set or image given */
	struct gh_client *gh;
	struct app app;          /* App credentials: tokens minted here */
	struct commit_result res;
	struct buf diff;
	struct deployed dep;     /* what is deployed, and this dispatch's order */
	struct provenance prov;  /* require-provenance: the signed claims */
	struct deploy_feedback fb;   /* the sender's deployment (off without one) */
	char *argocd_app;            /* the expanded argocd-application, or NULL */
	struct argocd_result argo;
	bool argo_ran;               /* argo holds what Argo CD said */
};

/* ---- the YAML editor and the diff ---------------------------------------- */

/*
 * set_split: the '=' or ':=' that ends the path of a `set` line, or NULL
 * (reported, naming `what`); the parsed path goes to *keep when not NULL
 * (the caller releases it, also on failure).  ypath_value() then gives the
 * template and the type its form asks for.
 *
 * make_diff: append the unified diff of one file ("a/PATH", "b/PATH").
 */
static const char *set_split(const char *line, const char *what, struct ypath *keep)
{
	struct ypath p = YPATH_INIT;
	const char *end = NULL;

	if (ypath_parse(&p, line, &end, what) < 0)
		return NULL;
	if (keep)
		*keep = p;
	else
		ypath_release(&p);
	if (!end || (*end != '=' && *end != ':')) {
		log_error("%s is not 'PATH=TEMPLATE' or 'PATH:=TEMPLATE': '%s'", what, line);
		return NULL;
	}
	return end;
}

static int make_diff(struct buf *out, const struct commit_file *f)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	int rc = -1;

	buf_addf(&a, "a/%s", f->path);
	buf_addf(&b, "b/%s", f->path);
	if (buf_failed(&a) || buf_failed(&b))
		rc = log_oom();
	else
		rc = diff_unified(out, buf_cstr(&f->old), f->old.len, buf_cstr(&f->new),
				  f->new.len, a.ptr, b.ptr);
	buf_release(&a);
	buf_release(&b);
	return rc;
}

/* ---- inputs ------------------------------------------------------------------ */

static int check_tmpl(const struct config *cfg, enum input in)
{
	char what[64];
	const char *v = config_str(cfg, in);

	snprintf(what, sizeof(what), "input '%s'", config_name(in));
	return v && tmpl_check(v, what) < 0 ? GB_EUSAGE : 0;
}

static int check_lines_tmpl(const struct config *cfg, enum input in)
{
	char **lines, what[64];
	size_t n;
	int rc = 0;

	if (!(lines = config_lines(cfg, in, &n)))
		return -1;
	for (size_t i = 0; i < n && !rc; i++) {
		snprintf(what, sizeof(what), "input '%s' line %zu", config_name(in), i + 1);
		if (tmpl_check(lines[i], what) < 0)
			rc = GB_EUSAGE;
	}
	config_lines_free(lines);
	return rc;
}

static int check_sets(const struct config *cfg)
{
	char **lines, what[64], *tmpl;
	size_t n;
	int rc = 0;

	if (!(lines = config_lines(cfg, IN_SET, &n)))
		return -1;
	if (n > PATCH_MAX_SETS) {
		log_error("input 'set' has %zu lines, at most %d", n, PATCH_MAX_SETS);
		rc = GB_EUSAGE;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		const char *eq, *v;
		size_t len;
		enum yq_mode mode;

		snprintf(what, sizeof(what), "input 'set' line %zu", i + 1);
		if (!(eq = set_split(lines[i], what, NULL))) {
			rc = GB_EUSAGE;
			break;
		}
		ypath_value(eq, &v, &len, &mode);
		if (!(tmpl = strndup(v, len))) {
			rc = log_oom();
			break;
		}
		if (tmpl_check(tmpl, what) < 0)
			rc = GB_EUSAGE;
		free(tmpl);
	}
	config_lines_free(lines);
	return rc;
}

/* A marker name, as the editor takes it. */
static int check_marker(const char *m)
{
	struct yedit e = { .op = YEDIT_MARKER, .name = m, .value = "" };

	return yedit_check(&e, "input 'marker'") < 0 ? GB_EUSAGE : 0;
}

/* Kubernetes container names are DNS labels (RFC 1123). */
static int check_container(const char *c)
{
	size_t n = strlen(c);

	if (n && n <= 63 && strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789-") == n &&
	    c[0] != '-' && c[n - 1] != '-')
		return 0;
	log_error("input 'container' must be a container name (1 to 63 characters of a-z 0-9 -, "
		  "not starting or ending with '-'), not '%s'", c);
	return GB_EUSAGE;
}

/* "Name <email>" into r->author_name and r->author_email. */
static int parse_author(struct run *r, const char *s)
{
	const char *lt = strchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const char *end = lt;

	while (end && end > s && end[-1] == ' ')
		end--;
	if (!lt || !gt || gt[1] || end == s || memchr(s, '>', (size_t)(lt - s)) ||
	    gt == lt + 1 || memchr(lt + 1, '<', (size_t)(gt - lt - 1)) ||
	    !memchr(lt + 1, '@', (size_t)(gt - lt - 1)) || strpbrk(s, "\n\r")) {
		log_error("input 'commit-author' must be 'Name <email>', not '%s'", s);
		return GB_EUSAGE;
	}
	r->author_name = strndup(s, (size_t)(end - s));
	r->author_email = strndup(lt + 1, (size_t)(gt - lt - 1));
	return r->author_name && r->author_email ? 0 : log_oom();
}

/* allowed-workflows: well formed, and only with require-provenance (a
 * security setting that would do nothing must not look as if it did). */
static int check_workflows(const struct config *cfg)
{
	char **lines;
	size_t n;
	int rc = 0;

	if (!(lines = config_lines(cfg, IN_ALLOWED_WORKFLOWS, &n)))
		return -1;
	if (n && !config_bool(cfg, IN_REQUIRE_PROVENANCE)) {
		log_error("input 'allowed-workflows' is checked against the signed ID token: it "
			  "needs 'require-provenance: true'");
		rc = GB_EUSAGE;
	} else if (provenance_check_workflows(lines, n) < 0) {
		rc = GB_EUSAGE;
	}
	config_lines_free(lines);
	return rc;
}

/* Argo CD needs its token, and a commit on the branch it watches. */
static int check_argocd(const struct config *cfg)
{
	if (!config_str(cfg, IN_ARGOCD_TOKEN)) {
		log_error("input 'argocd-server' is set but 'argocd-token' is not: Argo CD's API "
			  "needs a token of an account that may get the application");
		return GB_EUSAGE;
	}
	if (!config_bool(cfg, IN_COMMIT) || config_bool(cfg, IN_PULL_REQUEST)) {
		log_error("input 'argocd-server' waits for the commit on the deploy branch: it does "
			  "not go with '%s'", config_bool(cfg, IN_PULL_REQUEST) ?
			  "pull-request: true" : "commit: false");
		return GB_EUSAGE;
	}
	return check_tmpl(cfg, IN_ARGOCD_APPLICATION);
}

/* Everything that can be checked without the event: usage errors. */
static int check_inputs(struct run *r)
{
	const struct config *cfg = r->cfg;
	const enum input tmpls[] = { IN_BRANCH, IN_VALUE, IN_IMAGE, IN_COMMIT_MESSAGE,
				     IN_PR_TITLE, IN_PR_BODY };
	bool commit = config_bool(cfg, IN_COMMIT);
	size_t nrepo = 0;
	char **repo;
	int rc;

	if (!(repo = config_lines(cfg, IN_REPOSITORY, &nrepo)))
		return -1;
	rc = 0;
	if (nrepo > 1) {
		log_error("input 'repository' names %zu repositories; mode 'patch' commits to one",
			  nrepo);
		rc = GB_EUSAGE;
	} else if (nrepo == 1 && !gh_valid_repo(repo[0])) {
		log_error("input 'repository' must be 'owner/name', not '%s'", repo[0]);
		rc = GB_EUSAGE;
	} else if (nrepo == 1 && !(r->repo = strdup(repo[0]))) {
		rc = log_oom();
	}
	config_lines_free(repo);
	if (rc)
		return rc;
	if (policy_check_environments(config_str(cfg, IN_ENVIRONMENTS)) < 0)
		return GB_EUSAGE;
	if (!(r->sources = config_lines(cfg, IN_ALLOWED_SOURCES, &r->nsources)))
		return -1;
	if (policy_check_source_list(r->sources, r->nsources) < 0)
		return GB_EUSAGE;
	if ((rc = check_workflows(cfg)))
		return rc;
	if ((rc = check_lines_tmpl(cfg, IN_MANIFEST)) || (rc = check_sets(cfg)))
		return rc;
	for (size_t i = 0; i < sizeof(tmpls) / sizeof(*tmpls); i++)
		if ((rc = check_tmpl(cfg, tmpls[i])))
			return rc;
	if ((rc = check_marker(config_str(cfg, IN_MARKER))))
		return rc;
	if (config_str(cfg, IN_CONTAINER) && (rc = check_container(config_str(cfg, IN_CONTAINER))))
		return rc;
	if (config_str(cfg, IN_CONTAINER) && !config_str(cfg, IN_IMAGE)) {
		log_error("input 'container' picks the container whose image is set: it needs the "
			  "'image' input");
		return GB_EUSAGE;
	}
	if (config_str(cfg, IN_COMMIT_AUTHOR) &&
	    (rc = parse_author(r, config_str(cfg, IN_COMMIT_AUTHOR))))
		return rc;
	if (!commit && config_bool(cfg, IN_PULL_REQUEST)) {
		log_error("inputs 'commit: false' and 'pull-request: true' contradict each other");
		return GB_EUSAGE;
	}
	if (config_str(cfg, IN_ARGOCD_SERVER) && (rc = check_argocd(cfg)))
		return rc;
	if ((rc = app_init(&r->app, cfg)) < 0)
		return rc;
	if (commit && !config_str(cfg, IN_TOKEN) && !app_enabled(&r->app)) {
		log_error("no token: set the 'token' input to a token that may write to the "
			  "GitOps repository (see README, Tokens), or set 'commit: false'");
		return GB_EUSAGE;
	}
	return 0;
}

/* ---- the dispatch and the policy ------------------------------------------- */

static int read_dispatch(struct run *r)
{
	const char *name = getenv("GITHUB_EVENT_NAME"), *path = getenv("GITHUB_EVENT_PATH");
	bool workflow = name && strcmp(name, "workflow_dispatch") == 0;
	int rc;

	if (!name || (strcmp(name, "repository_dispatch") != 0 && !workflow)) {
		log_error("mode 'patch' runs on a repository_dispatch or workflow_dispatch event, not "
			  "'%s' (trigger the workflow with 'on: repository_dispatch' or "
			  "'on: workflow_dispatch')", name && *name ? name :
			  "(GITHUB_EVENT_NAME is not set)");
		return GB_EUSAGE;
	}
	if (!path || !*path) {
		log_error("GITHUB_EVENT_PATH is not set: mode 'patch' reads the repository_dispatch "
			  "event from it");
		return GB_EUSAGE;
	}
	if ((rc = event_load(&r->ev)) < 0)
		return rc;
	/* the same payload, the same checks: only where it travels differs */
	if (workflow && event_take_inputs_payload(&r->ev) < 0)
		return -1;
	return payload_from_event(&r->pl, &r->ev);
}

/* require-provenance: the ID token proves the payload's source (provenance.h)
 * before anything else is believed. */
static int check_provenance(struct run *r)
{
	const char *gitops = r->repo ? r->repo : r->ev.repository;
	struct provenance_opts o = {
		.issuer = config_str(r->cfg, IN_OIDC_ISSUER),
		.timeout_s = (int)config_int(r->cfg, IN_TIMEOUT),
		.max_attempts = (int)config_int(r->cfg, IN_MAX_ATTEMPTS),
		.now = (long long)time(NULL),
	};
	char **workflows = NULL, *aud = NULL;
	int rc = -1;

	if (!config_bool(r->cfg, IN_REQUIRE_PROVENANCE))
		return 0;
	if (!gitops || !gh_valid_repo(gitops)) {
		log_error("cannot tell the GitOps repository the ID token must be made for: "
			  "GITHUB_REPOSITORY is not 'owner/name'; set the 'repository' input");
		return GB_EUSAGE;
	}
	if (!(aud = oidc_audience(r->ev.server_url, gitops)) ||
	    !(workflows = config_lines(r->cfg, IN_ALLOWED_WORKFLOWS, &o.nworkflows)))
		goto out;
	o.audience = aud;
	o.workflows = workflows;
	if (provenance_verify(&r->prov, &r->pl, &o) < 0)
		goto out;
	log_info("provenance verified: %s@%.*s on '%s'%s%s (key '%s' of '%s')", r->prov.repository,
		 EVENT_SHORT_SHA, r->prov.sha, r->prov.ref,
		 r->prov.job_workflow_ref ? ", workflow " : "",
		 r->prov.job_workflow_ref ? r->prov.job_workflow_ref : "", r->prov.kid, o.issuer);
	rc = 0;
out:
	config_lines_free(workflows);
	free(aud);
	return rc;
}

static int check_policy(struct run *r)
{
	const struct payload *pl = &r->pl;
	/* with provenance, the signed repository; it equals the payload's */
	const char *source = r->prov.repository ? r->prov.repository : pl->repository;

	if (policy_check_name(pl->service, "service") < 0 ||
	    policy_check_name(pl->environment, "environment") < 0 ||
	    policy_check_environment(pl->environment, config_str(r->cfg, IN_ENVIRONMENTS)) < 0 ||
	    policy_check_source(source, r->sources, r->nsources) < 0)
		return -1;
	if (!r->repo) {
		if (!r->ev.repository || !gh_valid_repo(r->ev.repository)) {
			log_error("cannot tell the GitOps repository: GITHUB_REPOSITORY is not "
				  "'owner/name'; set the 'repository' input");
			return GB_EUSAGE;
		}
		if (!(r->repo = strdup(r->ev.repository)))
			return log_oom();
	}
	return 0;
}

/* ---- templates --------------------------------------------------------------- */

static const char *payload_value(const void *arg, const char *key)
{
	return event_payload(arg, key);
}

static void init_context(struct run *r)
{
	const struct payload *pl = &r->pl;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(r->time, sizeof(r->time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r->tc.vars[TV_SERVICE] = pl->service;
	r->tc.vars[TV_ENVIRONMENT] = pl->environment;
	r->tc.vars[TV_MESSAGE] = pl->message;
	r->tc.vars[TV_SUBJECT] = pl->subject;
	r->tc.vars[TV_SHA] = pl->sha;
	r->tc.vars[TV_SHORT_SHA] = pl->short_sha;
	r->tc.vars[TV_REPOSITORY] = pl->repository;
	r->tc.vars[TV_ACTOR] = pl->actor;
	r->tc.vars[TV_RUN_URL] = pl->run_url;
	r->tc.vars[TV_TIME] = r->time;
	r->tc.vars[TV_IMAGE] = pl->image;
	r->tc.payload = payload_value;
	r->tc.payload_arg = &r->ev;
}

/* The template of an input, with the article's defaults (see above). */
static const char *template_of(const struct run *r, enum input in)
{
	if (!r->pl.sha && !config_given(r->cfg, in))
		for (size_t i = 0; i < sizeof(article_defaults) / sizeof(*article_defaults); i++)
			if (article_defaults[i].in == in)
				return article_defaults[i].tmpl;
	return config_str(r->cfg, in);
}

/* Expand `tmpl` into a new string *out (`len`: its length, may be NULL). */
static int expand(const struct run *r, const char *tmpl, const char *what, char **out,
		  size_t *len)
{
	struct buf b = BUF_INIT;

	buf_init(&b, VALUE_MAX);
	if (tmpl_expand(&b, tmpl, &r->tc, what) < 0) {
		buf_release(&b);
		return -1;
	}
	if (!(*out = buf_detach(&b, len)))
		return log_oom();
	return 0;
}

static int expand_input(const struct run *r, enum input in, char **out, size_t *len)
{
	char what[64];

	snprintf(what, sizeof(what), "input '%s'", config_name(in));
	return expand(r, template_of(r, in), what, out, len);
}

static int expand_paths(struct run *r)
{
	struct buf norm = BUF_INIT;
	char **lines, what[64];
	size_t n;
	int rc = -1;

	if (!(lines = config_lines(r->cfg, IN_MANIFEST, &n)))
		return -1;
	if (n > PATCH_MAX_MANIFESTS) {
		log_error("input 'manifest' has %zu lines, at most %d", n, PATCH_MAX_MANIFESTS);
		goto out;
	}
	if (!(r->paths = calloc(n + 1, sizeof(*r->paths))))
		goto fail_oom;
	for (size_t i = 0; i < n; i++) {
		char *raw;
		size_t len;
		bool dup = false;

		snprintf(what, sizeof(what), "input 'manifest' line %zu", i + 1);
		if (expand(r, lines[i], what, &raw, &len) < 0)
			goto out;
		rc = policy_manifest_path(&norm, raw, len);
		free(raw);
		if (rc < 0)
			goto out;
		rc = -1;
		for (size_t j = 0; j < r->npaths && !dup; j++)
			dup = strcmp(r->paths[j], norm.ptr) == 0;
		if (dup)
			continue;
		if (!(r->paths[r->npaths] = strdup(norm.ptr)))
			goto fail_oom;
		r->npaths++;
	}
	if (!r->npaths) {
		log_error("input 'manifest' names no file");
		goto out;
	}
	rc = 0;
	goto out;
fail_oom:
	rc = log_oom();
out:
	buf_release(&norm);
	config_lines_free(lines);
	return rc;
}

static int expand_branch(struct run *r)
{
	const char *tmpl = config_str(r->cfg, IN_BRANCH);

	if (tmpl) {
		if (expand_input(r, IN_BRANCH, &r->branch, NULL) < 0)
			return -1;
	} else if (r->ev.branch) {
		if (!(r->branch = strdup(r->ev.branch)))
			return log_oom();
	} else {
		log_error("cannot tell the branch to commit to: the event names no branch and "
			  "GITHUB_REF is not a branch; set the 'branch' input");
		return GB_EUSAGE;
	}
	return policy_check_branch(r->branch, strlen(r->branch));
}

/* gitops-bump/SERVICE/ENVIRONMENT/SHORT_SHA; without a source sha (the
 * article's payload), the first digits of the SHA-1 of the message. */
static int expand_pr_branch(struct run *r)
{
	struct buf b = BUF_INIT;
	char hex[SHA1_HEX_LEN + 1];

	if (r->pl.short_sha) {
		snprintf(hex, sizeof(hex), "%s", r->pl.short_sha);
	} else {
		struct sha1_ctx c;
		unsigned char d[SHA1_LEN];

		sha1_init(&c);
		sha1_update(&c, r->pl.message, strlen(r->pl.message));
		sha1_final(&c, d);
		sha1_hex(d, hex);
	}
	buf_addf(&b, "gitops-bump/%s/%s/%.*s", r->pl.service, r->pl.environment,
		 EVENT_SHORT_SHA, hex);
	if (buf_failed(&b) || !(r->pr_branch = buf_detach(&b, NULL))) {
		buf_release(&b);
		return log_oom();
	}
	return policy_check_branch(r->pr_branch, strlen(r->pr_branch));
}

static struct yedit *add_edit(struct run *r)
{
	struct yedit *e = &r->edits[r->nedits++];

	memset(e, 0, sizeof(*e));
	return e;
}

/* A NUL-terminated copy of `len` bytes, freed with the run.  NULL (reported)
 * when out of memory. */
static char *keep(struct run *r, const char *s, size_t len)
{
	char *c;

	if (r->nowned == r->owned_alloc) {
		size_t na = r->owned_alloc ? r->owned_alloc * 2 : 16;
		char **p = realloc(r->owned, na * sizeof(*p));

		if (!p) {
			log_oom();
			return NULL;
		}
		r->owned = p;
		r->owned_alloc = na;
	}
	if (!(c = malloc(len + 1))) {
		log_oom();
		return NULL;
	}
	memcpy(c, s, len);
	c[len] = '\0';
	r->owned[r->nowned++] = c;
	return c;
}

/* One SET edit of `path` to `value` (both copied) typed by `mode`, its
 * parsed path in *parsed (parsed here when still empty). */
static int set_edit(struct run *r, struct yedit *e, struct ypath *parsed, const char *path,
		    size_t plen, const char *value, size_t vlen, bool optional, enum yq_mode mode)
{
	e->op = YEDIT_SET;
	e->optional = optional;
	e->mode = mode;
	e->value_len = vlen;
	if (!(e->path = keep(r, path, plen)) || !(e->value = keep(r, value, vlen)))
		return -1;
	if (!parsed->n && ypath_parse(parsed, e->path, NULL, NULL) < 0)
		return -1;
	e->parsed = parsed;
	return 0;
}

/* The edits of input `set`'s lines, expanded and checked as the editor
 * takes them (a typed value must be a literal once expanded). */
static int line_edits(struct run *r, char **lines, size_t n)
{
	char what[64];

	for (size_t i = 0; i < n; i++) {
		const char *eq, *t;
		enum yq_mode mode;
		struct yedit *e;
		char *tmpl, *v = NULL;
		size_t tlen, len;
		int rc;

		snprintf(what, sizeof(what), "input 'set' line %zu", i + 1);
		if (!(eq = set_split(lines[i], what, &r->parsed[r->nedits])))
			return -1;
		ypath_value(eq, &t, &tlen, &mode);
		if (!(tmpl = strndup(t, tlen)))
			return log_oom();
		rc = expand(r, tmpl, what, &v, &len);
		free(tmpl);
		if (rc < 0)
			return -1;
		e = add_edit(r);
		rc = set_edit(r, e, &r->parsed[r->nedits - 1], lines[i], (size_t)(eq - lines[i]),
			      v, len, false, mode);
		free(v);
		if (rc < 0 || yedit_check(e, what) < 0)
			return -1;
	}
	return 0;
}

/* The image input, expanded and parsed once: a bad reference is a usage
 * error, before any manifest is read. */
static int expand_image(struct run *r)
{
	char *image;
	size_t len;
	int rc;

	if (!config_str(r->cfg, IN_IMAGE))
		return 0;
	if (expand_input(r, IN_IMAGE, &image, &len) < 0)
		return -1;
	rc = imageref_parse(&r->image, image, len, "input 'image'") < 0 ? GB_EUSAGE : 0;
	free(image);
	return rc;
}

static int build_edits(struct run *r)
{
	struct buf path = BUF_INIT;
	char **sets, *value = NULL;
	size_t nsets, vlen;
	int rc = -1;

	if (!(sets = config_lines(r->cfg, IN_SET, &nsets)))
		return -1;
	r->edits_alloc = nsets + 1;
	if (!(r->edits = calloc(r->edits_alloc, sizeof(*r->edits))) ||
	    !(r->parsed = calloc(r->edits_alloc, sizeof(*r->parsed))))
		goto fail_oom;
	if (line_edits(r, sets, nsets) < 0)
		goto out;
	if ((rc = expand_image(r)) < 0)
		goto out;
	rc = -1;
	r->configured = nsets || r->image.name;
	if (expand_input(r, IN_VALUE, &value, &vlen) < 0)
		goto out;
	{
		struct yedit *m = add_edit(r);

		r->marker = r->nedits - 1;
		m->op = YEDIT_MARKER;
		m->name = config_str(r->cfg, IN_MARKER);
		m->optional = true;
		m->value_len = vlen;
		if (!(m->value = keep(r, value, vlen)))
			goto out;
	}
	for (size_t i = 0; i < NROLLOUTS; i++) {
		buf_reset(&path);
		buf_addf(&path, "[kind=%s].%s.metadata.annotations.\"%s\"", rollouts[i].kind,
			 rollouts[i].pod_template, PATCH_REVISION_ANNOTATION);
		if (buf_failed(&path))
			goto fail_oom;
		if (set_edit(r, &r->rev[i], &r->rev_parsed[i], path.ptr, path.len, value, vlen,
			     true, YQ_STRING) < 0)
			goto out;
	}
	rc = 0;
	goto out;
fail_oom:
	rc = log_oom();
out:
	free(value);
	buf_release(&path);
	config_lines_free(sets);
	return rc;
}

static int expand_all(struct run *r)
{
	int rc;

	init_context(r);
	if ((rc = expand_paths(r)) < 0 || (rc = build_edits(r)) < 0)
		return rc;
	if (!config_bool(r->cfg, IN_COMMIT))
		return 0;
	if (config_str(r->cfg, IN_ARGOCD_SERVER) &&
	    (rc = expand_input(r, IN_ARGOCD_APPLICATION, &r->argocd_app, NULL)) < 0)
		return rc;
	if ((rc = expand_branch(r)) < 0 ||
	    (rc = expand_input(r, IN_COMMIT_MESSAGE, &r->message, NULL)) < 0)
		return rc;
	if (!config_bool(r->cfg, IN_PULL_REQUEST))
		return 0;
	if ((rc = expand_pr_branch(r)) < 0 ||
	    (rc = expand_input(r, IN_PR_TITLE, &r->pr_title, NULL)) < 0 ||
	    (rc = expand_input(r, IN_PR_BODY, &r->pr_body, NULL)) < 0)
		return rc;
	if (strcmp(r->pr_branch, r->branch) == 0) {
		log_error("the pull request branch '%s' is the branch to deploy to", r->branch);
		return -1;
	}
	return 0;
}

/* ---- the edit ------------------------------------------------------------------ */

/* Values the edits found (changed or not) or created. */
static size_t hits(const struct yedit *e, size_t n)
{
	size_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += e[i].changed + e[i].unchanged + e[i].created;
	return sum;
}

/* A frozen manifest (freeze.h) takes no deploy but a rollback. */
static int check_freeze(const struct commit_file *f)
{
	char *reason = NULL;
	long line = 0;
	int rc = freeze_find(f->old.ptr ? f->old.ptr : "", f->old.len, &reason, &line);

	if (rc > 0) {
		log_error_at(f->path, line, "'%s' is frozen: %s (annotation %s; only a deploy with "
			     "'rollback: true' passes)", f->path, reason, FREEZE_ANNOTATION);
		rc = -1;
	}
	free(reason);
	return rc;
}

/* The image's plan for manifest `path` (one of r->paths). */
static size_t plan_index(const struct run *r, const char *path)
{
	size_t i = 0;

	while (i + 1 < r->npaths && strcmp(r->paths[i], path) != 0)
		i++;
	return i;
}

/*
 * Nothing matched in any manifest: one error that lists every image found,
 * with file and line, so the cause (another repository, a typo, a template
 * the file computes) shows.  Only once every manifest has been planned.
 */
static int check_image_found(const struct run *r)
{
	for (size_t i = 0; i < r->npaths; i++)
		if (!r->planned[i] || r->plans[i].nedits)
			return 0;
	return imagefind_none(r->plans, (const char *const *)r->paths, r->npaths, &r->image,
			      config_str(r->cfg, IN_CONTAINER));
}

/*
 * Apply the edits and the image plan's (when not NULL) in one call; every
 * image edit must reach what it was planned for (imagefind_check).  0, or
 * -1 (reported; `out` unchanged).
 */
static int apply_edits(struct run *r, struct buf *out, const struct commit_file *f,
		       const struct imagefind *plan)
{
	struct yedit ye[YEDIT_MAX_EDITS];
	size_t n = r->nedits, ni = plan ? plan->nedits : 0;

	if (n + ni > YEDIT_MAX_EDITS) {
		log_error_at(f->path, 0, "too many edits for '%s' (%zu, at most %d)", f->path,
			     n + ni, YEDIT_MAX_EDITS);
		return -1;
	}
	memcpy(ye, r->edits, n * sizeof(*ye));
	if (ni)
		imagefind_yedits(plan, ye + n);
	if (yedit_apply(out, f->old.ptr ? f->old.ptr : "", f->old.len, ye, n + ni, f->path,
			NULL) < 0)
		return -1;
	memcpy(r->edits, ye, n * sizeof(*ye)); /* the report: hits of each */
	if (ni && imagefind_check(plan, ye + n, f->path) < 0) {
		buf_reset(out);
		return -1;
	}
	return 0;
}

/* Flux valuesFrom: which HelmRelease reads which ConfigMap, from every
 * manifest's current content (all are read before the first is edited, by
 * commit.c and by run_workspace).  0, or -1 (reported). */
static int index_values_from(struct run *r)
{
	imagefind_index_release(&r->vf);
	for (size_t i = 0; i < r->npaths; i++)
		if (r->files[i].old.ptr &&
		    imagefind_index_add(&r->vf, r->files[i].old.ptr, r->files[i].old.len) < 0)
			return -1;
	return 0;
}

/* commit_edit_fn: the manifest's new content from its current content. */
static int edit_file(void *arg, struct commit_file *f)
{
	struct run *r = arg;
	const struct yedit *marker = &r->edits[r->marker];
	struct imagefind *plan = NULL;

	if (!r->pl.rollback && check_freeze(f) < 0)
		return -1;
	buf_reset(&f->new);
	if (r->image.name) {
		size_t i = plan_index(r, f->path);

		plan = &r->plans[i];
		imagefind_release(plan);
		r->planned[i] = false;
		if (f == &r->files[0] && index_values_from(r) < 0)
			return -1;
		if (imagefind_plan_with(plan, f->old.ptr ? f->old.ptr : "", f->old.len, &r->image,
					config_str(r->cfg, IN_CONTAINER), f->path, &r->vf) < 0)
			return -1;
		r->planned[i] = true;
		if (check_image_found(r) < 0)
			return -1;
	}
	if (apply_edits(r, &f->new, f, plan) < 0)
		return -1;
	if (!r->configured && !hits(marker, 1)) {
		buf_reset(&f->new);
		if (yedit_apply(&f->new, f->old.ptr ? f->old.ptr : "", f->old.len, r->rev,
				NROLLOUTS, f->path, NULL) < 0)
			return -1;
		if (!hits(r->rev, NROLLOUTS)) {
			log_error_at(f->path, 0, "'%s' has no <%s> marker and no workload to annotate "
				     "(a Deployment, StatefulSet, DaemonSet, ReplicaSet or CronJob; a "
				     "Job's pod template cannot change): name what to change with the "
				     "'set' or 'image' input", f->path, marker->name);
			return -1;
		}
	}
	f->changed = f->new.len != f->old.len ||
		     (f->new.len && f->old.ptr && memcmp(f->new.ptr, f->old.ptr, f->new.len) != 0);
	return 0;
}

/* ---- committing ---------------------------------------------------------------- */

/* With App credentials, the one token this mode needs on the GitOps
 * repository: Contents write (read for a dry run), and Pull requests write
 * to open one.  (The deploy-feedback statuses on the source repository get
 * theirs from app_use with {"deployments", "write"}; see docs/tokens.md.) */
static int app_token(struct run *r)
{
	struct app_perm perms[2] = { { "contents", "write" }, { "pull_requests", "write" } };
	bool dry_run = config_bool(r->cfg, IN_DRY_RUN);

	if (!app_enabled(&r->app))
		return 0;
	if (dry_run)
		perms[0].level = "read";
	return app_use(&r->app, r->gh, r->repo, perms, r->pr_branch && !dry_run ? 2 : 1,
		       "committing the manifests");
}

/* The client for the GitOps repository, with the App's token when there
 * is one (minted once, reused). */
static int open_client(struct run *r)
{
	if (!r->gh && config_client_new(&r->gh, r->cfg) < 0)
		return -1;
	return app_token(r);
}

/* Pull-request mode: the open deploy pull requests this one makes
 * obsolete are closed (supersede.h).  Best effort: -1 only when memory ran
 * out. */
static int close_superseded(struct run *r)
{
	const struct supersede_opts o = {
		.repo = r->repo,
		.base = r->branch,
		.head = r->pr_branch,
		.pr_number = r->res.pr_number,
		.paths = r->paths,
		.npaths = r->npaths,
		.pl = &r->pl,
		.feedback = &r->fb,
	};

	return supersede_run(r->gh, &o) < 0 ? -1 : 0;
}

static int run_commit(struct run *r)
{
	struct commit_opts o = {
		.repo = r->repo,
		.branch = r->branch,
		.message = r->message,
		.author_name = r->author_name,
		.author_email = r->author_email,
		.dry_run = config_bool(r->cfg, IN_DRY_RUN),
		.edit = edit_file,
		.arg = r,
		.pr_branch = r->pr_branch,
		.pr_title = r->pr_title,
		.pr_body = r->pr_body,
		.require_verified = config_bool(r->cfg, IN_REQUIRE_VERIFIED),
	};

	if (open_client(r) < 0)
		return -1;
	if (!r->pr_branch)
		return commit_files(r->gh, &o, r->files, r->npaths, &r->res);
	if (commit_pull_request(r->gh, &o, r->files, r->npaths, &r->res) < 0)
		return -1;
	return o.dry_run || !r->res.pr_url ? 0 : close_superseded(r);
}

/* commit_edit_fn that only reads (run_workspace's first pass). */
static int read_only(void *arg, struct commit_file *f)
{
	(void)arg;
	f->changed = false;
	return 0;
}

static int run_workspace(struct run *r)
{
	const char *root = getenv("GITHUB_WORKSPACE");
	bool dry_run = config_bool(r->cfg, IN_DRY_RUN);

	if (!root || !*root) {
		log_error("'commit: false' edits the checked-out repository, but GITHUB_WORKSPACE "
			  "is not set");
		return GB_EUSAGE;
	}
	/* every manifest read first: a HelmRelease's valuesFrom may name a
	 * ConfigMap in a later one (index_values_from) */
	for (size_t i = 0; r->image.name && r->npaths > 1 && i < r->npaths; i++)
		if (workspace_edit(root, &r->files[i], read_only, r, true) < 0)
			return -1;
	for (size_t i = 0; i < r->npaths; i++) {
		if (workspace_edit(root, &r->files[i], edit_file, r, dry_run) < 0)
			return -1;
		r->res.changed |= r->files[i].changed;
	}
	return 0;
}

/* ---- report -------------------------------------------------------------------- */

/* Per manifest, where the image went (kind and what was set), and the
 * deploys that will not roll out; said once, from the plans of the content
 * that was committed. */
static void show_images(const struct run *r)
{
	for (size_t i = 0; r->image.name && i < r->npaths; i++) {
		const struct imagefind *p = &r->plans[i];

		for (size_t j = 0; j < p->ntargets; j++)
			log_info("%s:%ld: %s", r->paths[i], p->targets[j].line, p->targets[j].text);
		imagefind_show_notes(p, r->paths[i]);
	}
}

/* The summary's table of where the image went. */
static void summary_images(const struct run *r, struct buf *md)
{
	char line[32];

	if (!r->image.name)
		return;
	buf_adds(md, "\n| image set in | line | kind: what was set |\n| --- | --- | --- |\n");
	for (size_t i = 0; i < r->npaths; i++) {
		const struct imagefind *p = &r->plans[i];

		for (size_t j = 0; j < p->ntargets; j++) {
			snprintf(line, sizeof(line), "%ld", p->targets[j].line);
			buf_adds(md, "| ");
			log_md_escape(md, r->paths[i], strlen(r->paths[i]));
			buf_addf(md, " | %s | ", line);
			log_md_escape(md, p->targets[j].text, strlen(p->targets[j].text));
			buf_adds(md, " |\n");
		}
		for (size_t j = 0; j < p->nnotes; j++) {
			const struct imagefind_note *n = &p->notes[j];

			buf_addf(md, "\n> [!%s]\n> ",
				 n->severity == IMAGEFIND_WARNING ? "WARNING" : "NOTE");
			log_md_escape(md, r->paths[i], strlen(r->paths[i]));
			buf_addf(md, " line %ld: ", n->line);
			log_md_escape(md, n->text, strlen(n->text));
			buf_adds(md, "\n");
		}
	}
}

static void show_diffs(struct run *r)
{
	for (size_t i = 0; i < r->npaths; i++) {
		const struct commit_file *f = &r->files[i];
		size_t before = r->diff.len;
		char title[300];

		if (!f->changed)
			continue;
		if (make_diff(&r->diff, f) < 0) {
			/* reported; the change is made, only its diff is missing */
			buf_rollback(&r->diff, before);
			continue;
		}
		snprintf(title, sizeof(title), "diff of %.256s", f->path);
		log_group_begin(title);
		log_block(r->diff.ptr + before, r->diff.len - before);
		log_group_end();
	}
}

/* The diff as a fenced block, the fence longer than any run of backticks. */
static void add_fenced(struct buf *md, const char *text, size_t len)
{
	size_t run = 0, longest = 0, fence;

	for (size_t i = 0; i < len; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	fence = longest < 3 ? 3 : longest + 1;
	for (size_t i = 0; i < fence; i++)
		buf_addc(md, '`');
	buf_adds(md, "diff\n");
	buf_add(md, text, len);
	if (len && text[len - 1] != '\n')
		buf_addc(md, '\n');
	for (size_t i = 0; i < fence; i++)
		buf_addc(md, '`');
	buf_addc(md, '\n');
}

/* The deployment and Argo CD's verdict, after the GitOps commit.  0, or
 * -1 when a buffer failed (nothing printed). */
static int summary_chain(struct buf *md, const struct run *r)
{
	const struct argocd_state *st = &r->argo.last;
	const char *ns = config_str(r->cfg, IN_ARGOCD_NAMESPACE);
	bool dep = r->pl.deployment_id && r->pl.repository && gh_valid_repo(r->pl.repository);
	struct buf dep_url = BUF_INIT, dep_text = BUF_INIT, argo_url = BUF_INIT,
		   argo_text = BUF_INIT;
	int rc = -1;

	if (dep) {
		buf_addf(&dep_url, "%s/%s/deployments", r->ev.server_url, r->pl.repository);
		buf_addf(&dep_text, "%lld of %s", r->pl.deployment_id, r->pl.repository);
	}
	if (r->argo_ran) {
		buf_addf(&argo_text, "%s: %s, %s at %.*s%s", r->argocd_app,
			 st->sync ? st->sync : "Unknown", st->health ? st->health : "Unknown",
			 EVENT_SHORT_SHA, st->revision ? st->revision : "(none)",
			 r->argo.newer ? " (a newer revision)" : "");
		/* the application's page in Argo CD's UI */
		buf_addf(&argo_url, "%s/applications/", config_str(r->cfg, IN_ARGOCD_SERVER));
		if (ns) {
			gh_escape(&argo_url, ns, false);
			buf_addc(&argo_url, '/');
		}
		gh_escape(&argo_url, r->argocd_app, false);
	}
	if (buf_failed(&dep_url) || buf_failed(&dep_text) || buf_failed(&argo_url) ||
	    buf_failed(&argo_text))
		goto out;
	if (dep) {
		buf_adds(md, "| deployment | ");
		log_md_link(md, dep_text.ptr, dep_url.ptr);
		buf_addf(md, "%s |\n", !r->fb.gh ? " (not updated: no deployment-token)" :
			 r->fb.broken ? " (not updated: the token could not post a status)" : "");
	}
	if (r->argo_ran) {
		buf_adds(md, "| Argo CD | ");
		log_md_link(md, argo_text.ptr, argo_url.ptr);
		buf_adds(md, " |\n");
	}
	rc = 0;
out:
	buf_release(&dep_url);
	buf_release(&dep_text);
	buf_release(&argo_url);
	buf_release(&argo_text);
	return rc;
}

static void summary(const struct run *r, const char *files)
{
	const struct payload *pl = &r->pl;
	bool dry_run = config_bool(r->cfg, IN_DRY_RUN), commit = config_bool(r->cfg, IN_COMMIT);
	struct buf md = BUF_INIT, text = BUF_INIT, url = BUF_INIT;
	bool lost = false; /* `text` failed before it was reused */

	buf_adds(&md, "### gitops-bump patch: ");
	log_md_escape(&md, pl->service, strlen(pl->service));
	buf_adds(&md, " to ");
	log_md_escape(&md, pl->environment, strlen(pl->environment));
	buf_adds(&md, !r->res.changed ? " (no change)" : dry_run ? " (dry run: nothing written)" :
		 !commit ? " (edited in the workspace)" : "");
	buf_adds(&md, "\n\n| | |\n| --- | --- |\n");
	log_md_row(&md, "service", pl->service);
	log_md_row(&md, "environment", pl->environment);
	if (pl->repository && pl->sha) {
		buf_addf(&text, "%s@%.*s", pl->repository, EVENT_SHORT_SHA, pl->sha);
		if (gh_valid_repo(pl->repository))
			buf_addf(&url, "%s/%s/commit/%s", r->ev.server_url, pl->repository, pl->sha);
		buf_adds(&md, "| source | ");
		log_md_link(&md, buf_cstr(&text), url.len ? url.ptr : NULL);
		buf_adds(&md, " |\n");
	}
	log_md_row(&md, "subject", pl->subject);
	if (r->prov.repository)
		log_md_row(&md, "provenance", r->prov.job_workflow_ref ? r->prov.job_workflow_ref :
			   "verified (OIDC)");
	if (r->dep.verdict == DEPLOYED_ROLLBACK)
		log_md_row(&md, "rollback of", r->dep.against ? r->dep.against : "(nothing recorded)");
	if (r->res.sha) {
		lost = buf_failed(&text);
		buf_reset(&text);
		buf_addf(&text, "%s@%.*s on %s", r->repo, EVENT_SHORT_SHA, r->res.sha,
			 r->pr_branch ? r->pr_branch : r->branch);
		buf_adds(&md, "| GitOps commit | ");
		log_md_link(&md, buf_cstr(&text), r->res.url);
		buf_adds(&md, " |\n");
		log_md_row(&md, "Verified", r->res.verified ? "yes (signed by GitHub)" : "no");
	}
	if (app_enabled(&r->app))
		log_md_row(&md, "credentials", "GitHub App token for this repository, revoked at exit");
	if (r->res.pr_url) {
		buf_adds(&md, "| pull request | ");
		log_md_link(&md, r->res.pr_url, r->res.pr_url);
		buf_adds(&md, r->res.pr_existed ? " (already open) |\n" : " |\n");
	}
	if (summary_chain(&md, r) < 0)
		lost = true;
	log_md_row(&md, "files", files);
	summary_images(r, &md);
	if (r->diff.len) {
		size_t n = r->diff.len < SUMMARY_DIFF_MAX ? r->diff.len : SUMMARY_DIFF_MAX;

		buf_adds(&md, "\n");
		add_fenced(&md, r->diff.ptr, n);
		if (n < r->diff.len)
			buf_addf(&md, "\n(diff cut at %zu of %zu bytes)\n", n, r->diff.len);
	}
	/* the change is made either way: a summary that cannot be built is a
	 * warning, not a failure of the run */
	if (lost || buf_failed(&md) || buf_failed(&text) || buf_failed(&url))
		log_warning("the step summary was not written: out of memory");
	else
		log_summary(md.ptr);
	buf_release(&md);
	buf_release(&text);
	buf_release(&url);
}

static int report(struct run *r)
{
	const struct commit_result *res = &r->res;
	bool dry_run = config_bool(r->cfg, IN_DRY_RUN), commit = config_bool(r->cfg, IN_COMMIT);
	struct buf files = BUF_INIT;
	int rc = -1;

	buf_init(&r->diff, 0);
	show_images(r);
	show_diffs(r);
	for (size_t i = 0; i < r->npaths; i++)
		if (r->files[i].changed)
			buf_addf(&files, "%s%s", files.len ? "\n" : "", r->files[i].path);
	/* what was done is said first: a failure below must not hide it */
	if (!res->changed)
		log_info("nothing to change: %s %s this change already", r->npaths == 1 ?
			 r->paths[0] : "the manifests", r->npaths == 1 ? "has" : "have");
	else if (dry_run)
		log_info("dry run: nothing %s", commit ? "committed" : "written");
	else if (!commit)
		log_info("edited %s in the workspace (not committed)", buf_cstr(&files));
	else if (res->sha)
		log_info("committed %.*s to branch '%s' of '%s': %s", EVENT_SHORT_SHA, res->sha,
			 r->pr_branch ? r->pr_branch : r->branch, r->repo,
			 res->url ? res->url : res->sha);
	if (res->pr_url)
		log_info("pull request%s: %s", res->pr_existed ? " (already open)" : "",
			 res->pr_url);
	if (buf_failed(&files)) {
		rc = log_oom();
		goto out;
	}
	if (log_output("changed", res->changed ? "true" : "false") < 0 ||
	    log_output("commit-sha", res->sha ? res->sha : "") < 0 ||
	    log_output("commit-url", res->url ? res->url : "") < 0 ||
	    log_output("files", buf_cstr(&files)) < 0 ||
	    log_output("pull-request-url", res->pr_url ? res->pr_url : "") < 0 ||
	    log_output("diff", buf_cstr(&r->diff)) < 0 || log_output("skipped", "") < 0 ||
	    log_output("verified", res->verified ? "true" : "false") < 0)
		goto out;
	if (r->argo_ran && (log_output("argocd-revision", r->argo.last.revision ?
				       r->argo.last.revision : "") < 0 ||
			    log_output("argocd-sync-status", r->argo.last.sync ?
				       r->argo.last.sync : "") < 0 ||
			    log_output("argocd-health", r->argo.last.health ?
				       r->argo.last.health : "") < 0))
		goto out;
	summary(r, buf_cstr(&files));
	if (config_bool(r->cfg, IN_REQUIRE_VERIFIED) && commit && !dry_run && res->sha &&
	    !res->verified) {
		log_error("commit %.12s is not Verified (input 'require-verified'): commit with a "
			  "GitHub App or GITHUB_TOKEN and no 'commit-author'", res->sha);
		goto out;
	}
	rc = 0;
out:
	buf_release(&files);
	return rc;
}

/* ---- the order of deploys (deployed.h) --------------------------------------- */

/* Read what is deployed and judge this dispatch; the commit message gets
 * the trailers that let the next deploy judge itself.  Without a commit
 * (commit: false) only the rollback rule applies. */
static int check_order(struct run *r)
{
	struct deployed_opts o = {
		.repo = r->repo,
		.branch = r->branch,
		.paths = r->paths,
		.npaths = r->npaths,
		.pl = &r->pl,
		.allow_rollback = config_bool(r->cfg, IN_ALLOW_ROLLBACK),
	};
	struct buf msg = BUF_INIT;

	if (r->message && open_client(r) < 0)
		return -1;
	if (deployed_check(&r->dep, r->message ? r->gh : NULL, &o) < 0)
		return -1;
	if (!r->message || r->dep.verdict == DEPLOYED_STALE)
		return 0;
	buf_adds(&msg, r->message);
	if (deployed_trailers(&msg, &r->pl, &r->dep) < 0) {
		buf_release(&msg);
		return -1;
	}
	free(r->message);
	if (!(r->message = buf_detach(&msg, NULL)))
		return log_oom();
	return 0;
}

/* A stale dispatch: a success that changed nothing, saying why (the app's
 * deployment becomes `inactive`: finish_feedback). */
static int report_stale(struct run *r)
{
	const struct payload *pl = &r->pl;
	struct buf why = BUF_INIT, md = BUF_INIT;
	int rc = -1;

	if (deployed_describe(&why, pl, &r->dep) < 0)
		goto out;
	log_notice("%s", why.ptr);
	if (log_output("changed", "false") < 0 || log_output("commit-sha", "") < 0 ||
	    log_output("commit-url", "") < 0 || log_output("files", "") < 0 ||
	    log_output("pull-request-url", "") < 0 || log_output("diff", "") < 0 ||
	    log_output("skipped", "stale") < 0)
		goto out;
	buf_adds(&md, "### gitops-bump patch: ");
	log_md_escape(&md, pl->service, strlen(pl->service));
	buf_adds(&md, " to ");
	log_md_escape(&md, pl->environment, strlen(pl->environment));
	buf_adds(&md, " (skipped: stale)\n\n");
	log_md_escape(&md, why.ptr, why.len);
	buf_adds(&md, "\n");
	if (buf_failed(&md))
		log_warning("the step summary was not written: out of memory");
	else
		log_summary(md.ptr);
	rc = 0;
out:
	buf_release(&why);
	buf_release(&md);
	return rc;
}

/* One line: what is deployed where. */
static void announce(const struct run *r)
{
	const struct payload *pl = &r->pl;
	struct buf b = BUF_INIT;

	buf_addf(&b, "deploy '%s' to '%s'", pl->service, pl->environment);
	if (pl->repository)
		buf_addf(&b, " from %s@%s", pl->repository, pl->short_sha);
	if (r->branch)
		buf_addf(&b, ": branch '%s' of '%s'", r->pr_branch ? r->pr_branch : r->branch,
			 r->repo);
	else
		buf_adds(&b, ": in the workspace");
	for (size_t i = 0; i < r->npaths; i++)
		buf_addf(&b, ", '%s'", r->paths[i]);
	if (!buf_failed(&b))
		log_info("%s", b.ptr);
	buf_release(&b);
}

/* ---- the deployment and Argo CD ------------------------------------------------ */

/*
 * The sender's deployment gets statuses when the payload names one, the
 * receiver has a deployment-token, the run may write (not a dry run, not
 * commit: false) and the source repository is allowed: a dispatch from a
 * source that is not allowed learns nothing.
 */
static int open_feedback(struct run *r)
{
	struct gh_client *gh = NULL;
	int rc;

	if (!r->pl.deployment_id || !r->pl.repository || !gh_valid_repo(r->pl.repository) ||
	    !policy_source_allowed(r->pl.repository, r->sources, r->nsources))
		return 0;
	if (config_bool(r->cfg, IN_DRY_RUN) || !config_bool(r->cfg, IN_COMMIT)) {
		log_info("deployment %lld of '%s' is not updated (%s)", r->pl.deployment_id,
			 r->pl.repository, config_bool(r->cfg, IN_DRY_RUN) ? "dry run" : "commit: false");
		return 0;
	}
	log_demote(true); /* a token that cannot be used does not stop the deploy */
	rc = app_deploy_client(&r->app, r->cfg, r->pl.repository, &gh);
	log_demote(false);
	if (rc > 0) {
		log_notice("the dispatch names deployment %lld of '%s', but 'deployment-token' is not "
			   "set: its statuses are not updated", r->pl.deployment_id, r->pl.repository);
		return 0;
	}
	if (rc < 0) {
		log_warning("deployment %lld of '%s' is not updated", r->pl.deployment_id,
			    r->pl.repository);
		return 0;
	}
	deploy_feedback_init(&r->fb, gh, r->pl.repository, r->pl.deployment_id, r->ev.run_url);
	return 0;
}

/* The policy passed: say so at once. */
static void announce_feedback(struct run *r)
{
	struct buf desc = BUF_INIT;

	buf_addf(&desc, "policy passed: deploying %s to %s", r->pl.service, r->pl.environment);
	deploy_feedback_post(&r->fb, "in_progress", buf_failed(&desc) ? "policy passed" :
			     desc.ptr, NULL);
	buf_release(&desc);
}

/* The last status: failure with the one error line, or what landed. */
static void finish_feedback(struct run *r, int rc)
{
	const struct commit_result *res = &r->res;
	char desc[96];

	if (!deploy_feedback_on(&r->fb))
		return;
	if (rc != 0) {
		const char *why = log_first_error();

		deploy_feedback_post(&r->fb, "failure", why ? why : "the deploy failed", NULL);
	} else if (r->dep.verdict == DEPLOYED_STALE) {
		deploy_feedback_post(&r->fb, "inactive", "skipped: older than the commit "
				     "deployed now (stale)", NULL);
	} else if (res->pr_url) {
		deploy_feedback_post(&r->fb, "queued", res->pr_existed ?
				     "pull request (already open) waits for review" :
				     "pull request opened, waits for review", res->pr_url);
	} else if (res->sha) {
		deploy_landed_text(desc, sizeof(desc), "committed", res->sha, r->argo_ran,
				   r->argo.newer);
		deploy_feedback_post(&r->fb, "success", desc, res->url);
	} else {
		deploy_feedback_post(&r->fb, "success", "no change: the manifests have it already",
				     NULL);
	}
}

/* argocd_opts.contains: is `rev` a commit of the GitOps repo that has ours? */
static int contains_ours(void *arg, const char *rev)
{
	struct run *r = arg;

	return deployed_contains(r->gh, r->repo, r->res.sha, rev);
}

/* After the commit: wait for Argo CD when asked to.  0, or -1 (reported:
 * the commit stands, the run fails). */
static int wait_argocd(struct run *r)
{
	struct argocd_opts o;
	char desc[96];

	config_argocd_opts(&o, r->cfg);
	o.application = r->argocd_app;
	o.revision = r->res.sha;
	o.contains = contains_ours;
	o.arg = r;
	if (!o.server || !r->argocd_app)
		return 0;
	if (!r->res.sha) {
		log_info("no commit made: not waiting for Argo CD");
		return 0;
	}
	snprintf(desc, sizeof(desc), "committed %.*s, waiting for Argo CD", EVENT_SHORT_SHA,
		 r->res.sha);
	deploy_feedback_post(&r->fb, "in_progress", desc, NULL);
	r->argo_ran = true;
	return argocd_wait(&o, &r->argo);
}

/* ---- a failed run -------------------------------------------------------------- */

/* What a failed run did, for its step summary (log_summary_failed). */
static const char *failure_done(const struct run *r, struct buf *b)
{
	const char *branch = r->pr_branch ? r->pr_branch : r->branch;

	if (r->res.sha)
		buf_addf(b, "committed `%.*s` to branch `%s` of `%s`; the failure came after it",
			 EVENT_SHORT_SHA, r->res.sha, branch, r->repo);
	else if (r->res.unsure)
		buf_addf(b, "**a commit may have landed** on branch `%s` of `%s` (GitHub's answer "
			 "was lost or unreadable): look at the branch before running this again",
			 branch, r->repo);
	else if (config_bool(r->cfg, IN_DRY_RUN))
		return "nothing written (dry run)";
	else if (!config_bool(r->cfg, IN_COMMIT))
		return "nothing committed (`commit: false`)";
	else
		return "nothing committed";
	return buf_failed(b) ? "see the log" : b->ptr;
}

static void failure_summary(const struct run *r)
{
	const struct payload *pl = &r->pl;
	struct buf rows = BUF_INIT, subject = BUF_INIT, text = BUF_INIT, done = BUF_INIT;

	if (pl->service && pl->environment)
		buf_addf(&subject, "%s to %s", pl->service, pl->environment);
	log_md_row(&rows, "service", pl->service);
	log_md_row(&rows, "environment", pl->environment);
	if (pl->repository) {
		buf_addf(&text, "%s@%.*s", pl->repository, EVENT_SHORT_SHA,
			 pl->sha ? pl->sha : "");
		log_md_row(&rows, "source", text.ptr);
	}
	if (r->repo)
		log_md_row(&rows, "GitOps repository", r->repo);
	if (r->branch)
		log_md_row(&rows, "branch", r->pr_branch ? r->pr_branch : r->branch);
	buf_reset(&text);
	for (size_t i = 0; r->paths && i < r->npaths; i++)
		buf_addf(&text, "%s%s", i ? ", " : "", r->paths[i]);
	if (text.len)
		log_md_row(&rows, "files", text.ptr);
	(void)summary_chain(&rows, r); /* out of memory: the rows without the chain */
	/* on the failure path already: out of memory here only shortens it */
	log_summary_failed("patch", buf_failed(&subject) ? NULL : subject.ptr,
			   buf_failed(&rows) ? NULL : rows.ptr, failure_done(r, &done));
	buf_release(&rows);
	buf_release(&subject);
	buf_release(&text);
	buf_release(&done);
}

/* ---- the mode ------------------------------------------------------------------ */

static void release(struct run *r)
{
	app_release(&r->app, r->gh); /* revokes every token minted, also on failure */
	if (r->gh)
		gh_client_free(r->gh);
	for (size_t i = 0; r->files && i < r->npaths; i++)
		commit_file_release(&r->files[i]);
	free(r->files);
	for (size_t i = 0; r->paths && i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r->edits);
	for (size_t i = 0; r->plans && i < r->npaths; i++)
		imagefind_release(&r->plans[i]);
	free(r->plans);
	free(r->planned);
	imagefind_index_release(&r->vf);
	imageref_release(&r->image);
	for (size_t i = 0; r->parsed && i < r->edits_alloc; i++)
		ypath_release(&r->parsed[i]);
	free(r->parsed);
	for (size_t i = 0; i < NROLLOUTS; i++)
		ypath_release(&r->rev_parsed[i]);
	for (size_t i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	free(r->owned);
	config_lines_free(r->sources);
	free(r->repo);
	free(r->branch);
	free(r->pr_branch);
	free(r->message);
	free(r->pr_title);
	free(r->pr_body);
	free(r->author_name);
	free(r->author_email);
	commit_result_release(&r->res);
	deployed_release(&r->dep);
	provenance_release(&r->prov);
	buf_release(&r->diff);
	deploy_feedback_release(&r->fb);
	free(r->argocd_app);
	argocd_state_release(&r->argo.last);
	payload_release(&r->pl);
	event_release(&r->ev);
}

int patch_run(const struct config *cfg)
{
	struct run r = { .cfg = cfg };
	int rc, wait_rc;

	if ((rc = check_inputs(&r)) < 0 || (rc = read_dispatch(&r)) < 0 ||
	    (rc = check_provenance(&r)) < 0)
		goto out;
	if ((rc = open_feedback(&r)) < 0)
		goto out;
	if ((rc = check_policy(&r)) < 0)
		goto out;
	announce_feedback(&r);
	if ((rc = expand_all(&r)) < 0)
		goto out;
	if (!(r.files = calloc(r.npaths, sizeof(*r.files))) ||
	    !(r.plans = calloc(r.npaths, sizeof(*r.plans))) ||
	    !(r.planned = calloc(r.npaths, sizeof(*r.planned)))) {
		rc = log_oom();
		goto out;
	}
	for (size_t i = 0; i < r.npaths; i++)
		commit_file_init(&r.files[i], r.paths[i]);
	if ((rc = check_order(&r)) < 0)
		goto out;
	if (r.dep.verdict == DEPLOYED_STALE) {
		rc = report_stale(&r);
		goto out;
	}
	announce(&r);
	rc = config_bool(cfg, IN_COMMIT) ? run_commit(&r) : run_workspace(&r);
	if (rc < 0)
		goto out;
	wait_rc = wait_argocd(&r);
	rc = report(&r);
	if (!rc)
		rc = wait_rc;
out:
	finish_feedback(&r, rc);
	if (rc < 0)
		failure_summary(&r);
	release(&r);
	return rc;
}
