/* dispatch: see dispatch.h for the contract. */
#include "dispatch.h"

#include "deploy.h"
#include "app.h"
#include "event.h"
#include "github.h"
#include "imageref.h"
#include "log.h"
#include "workflow.h"
#include "oidc.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_MARK "\n\n[gitops-bump: message truncated, %zu bytes in full]"
#define SUBJ_MARK " [gitops-bump: truncated]"
#define SUMMARY_SUBJECT_MAX 200

/* The keys gitops-bump sets; `client-payload` may not use them. */
static const char *const reserved[] = {
	"service", "environment", "image", "commitmsg", "baseRef", "source",
};

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int dispatch_subject(struct buf *out, const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;
	bool first = true;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *t = eol;

		while (t > p && is_space(t[-1]))
			t--;
		if (t == p) { /* a blank line */
			if (!first)
				break;
		} else {
			if (!first)
				buf_addc(out, ' ');
			buf_add(out, p, (size_t)(t - p));
			first = false;
		}
		p = nl ? nl + 1 : end;
	}
	return buf_failed(out) ? -1 : 0;
}

/* Bytes cJSON needs for these bytes inside a JSON string. */
static size_t json_cost(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
	    c == '\t')
		return 2;
	return c < 0x20 ? 6 : 1;
}

static size_t json_len(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += json_cost((unsigned char)s[i]);
	return n;
}

/* The longest prefix of valid UTF-8 `s` that takes at most `budget` bytes
 * in JSON, ending at a character boundary. */
static size_t fit_prefix(const char *s, size_t len, size_t budget)
{
	size_t i = 0, used = 0;

	while (i < len) {
		size_t n = 1, cost;

		while (i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
			n++;
		cost = json_len(s + i, n);
		if (used + cost > budget)
			break;
		used += cost;
		i += n;
	}
	return i;
}

/* Valid-UTF-8 copy of s (NULL stays NULL), counting replacements. */
static int fixed(char **out, const char *s, size_t *replaced)
{
	struct buf b = BUF_INIT;
	size_t n = 0;

	*out = NULL;
	if (!s)
		return 0;
	if (utf8_fix(&b, s, strlen(s), &n) < 0 || !(*out = buf_detach(&b, NULL))) {
		buf_release(&b);
		return log_oom();
	}
	*replaced += n;
	return 0;
}

/* Replace a cJSON string (value or key) in place with its valid-UTF-8 form. */
static int fix_cjson_string(char **str, size_t *replaced)
{
	char *copy;
	size_t before = *replaced;

	if (fixed(&copy, *str, replaced) < 0)
		return -1;
	if (*replaced == before) {
		free(copy);
		return 0;
	}
	cJSON_free(*str);
	*str = copy;
	return 0;
}

/* Recursive over a parsed tree: cJSON refuses input nested over
 * CJSON_NESTING_LIMIT (1000) levels. */
static int fix_tree(cJSON *item, size_t *replaced) /* NOLINT(misc-no-recursion) */
{
	int rc;

	for (; item; item = item->next) {
		if (cJSON_IsNumber(item) && !isfinite(item->valuedouble)) {
			/* cJSON read 1e999 as infinity and would send null */
			log_error("input 'client-payload' has a number too large for a double");
			return GB_EUSAGE;
		}
		if (item->string && !(item->type & cJSON_StringIsConst) &&
		    fix_cjson_string(&item->string, replaced) < 0)
			return -1;
		if (cJSON_IsString(item) && fix_cjson_string(&item->valuestring, replaced) < 0)
			return -1;
		if (item->child && (rc = fix_tree(item->child, replaced)) != 0)
			return rc;
	}
	return 0;
}

static bool is_reserved(const char *key)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		if (strcmp(key, reserved[i]) == 0)
			return true;
	return false;
}

/* The client-payload input: a JSON object whose keys are neither ours nor
 * repeated.  *out NULL when there is none. */
static int parse_extra(cJSON **out, const char *extra, size_t *replaced)
{
	const char *end = NULL;
	cJSON *j, *a, *b;
	int rc;

	*out = NULL;
	if (!extra)
		return 0;
	errno = 0;
	j = cJSON_ParseWithLengthOpts(extra, strlen(extra) + 1, &end, 1);
	if (!j && errno == ENOMEM) /* cJSON says NULL for this too */
		return log_oom();
	if (!j || !cJSON_IsObject(j)) {
		log_error("input 'client-payload' must be a JSON object ({...})");
		cJSON_Delete(j);
		return GB_EUSAGE;
	}
	cJSON_ArrayForEach(a, j) {
		if (is_reserved(a->string)) {
			log_error("input 'client-payload' sets '%s', which gitops-bump sets itself: "
				  "use another key", a->string);
			cJSON_Delete(j);
			return GB_EUSAGE;
		}
		for (b = a->next; b; b = b->next) {
			if (strcmp(a->string, b->string) == 0) {
				log_error("input 'client-payload' has the key '%s' twice", a->string);
				cJSON_Delete(j);
				return GB_EUSAGE;
			}
		}
	}
	rc = fix_tree(j->child, replaced);
	if (rc != 0) {
		cJSON_Delete(j);
		return rc;
	}
	*out = j;
	return 0;
}

static int check_event_type(const char *t)
{
	size_t chars = 0;
	const unsigned char *u = (const unsigned char *)t;

	for (size_t i = 0, n = strlen(t); i < n; chars++) {
		unsigned cp;
		size_t k = utf8_decode(t, n, i, &cp, NULL);

		if (!k || u[i] < 0x20 || u[i] == 0x7f) {
			log_error("event type '%s' must be printable UTF-8 text", t);
			return GB_EUSAGE;
		}
		i += k;
	}
	if (chars < 1 || chars > DISPATCH_EVENT_TYPE_MAX) {
		log_error("event type '%.40s%s' is %zu characters long; GitHub allows 1 to %d "
			  "(set the 'event-type' input)", t, chars > 40 ? "..." : "", chars,
			  DISPATCH_EVENT_TYPE_MAX);
		return GB_EUSAGE;
	}
	return 0;
}

static int check_keys(const cJSON *root, size_t ours)
{
	struct buf names = BUF_INIT;
	int n = cJSON_GetArraySize(root);
	const cJSON *item;
	size_t i = 0, shown = 0;

	if (n <= DISPATCH_MAX_KEYS)
		return 0;
	/* the first few of the added keys, each cut short: a hostile input may
	 * have thousands of them */
	cJSON_ArrayForEach(item, root) {
		if (i++ < ours)
			continue;
		if (shown == 10) {
			buf_adds(&names, ", ...");
			break;
		}
		buf_addf(&names, "%s'%.40s'", shown++ ? ", " : "", item->string);
	}
	log_error("client_payload would have %d top-level keys, GitHub allows %d: gitops-bump "
		  "sets %zu and 'client-payload' adds %zu (%s); nest some of them in one object",
		  n, DISPATCH_MAX_KEYS, ours, (size_t)n - ours, buf_cstr(&names));
	buf_release(&names);
	return GB_EUSAGE;
}

/* Say which keys make a payload too big even with the message cut: the
 * three largest top-level keys, marking those from client-payload. */
static int report_overflow(const cJSON *root, size_t body_len, size_t ours)
{
	struct buf list = BUF_INIT;
	const cJSON *item;
	size_t size[3] = { 0, 0, 0 }, idx[3] = { 0, 0, 0 }, i = 0;
	const char *name[3] = { NULL, NULL, NULL };

	cJSON_ArrayForEach(item, root) {
		char *text = cJSON_PrintUnformatted(item);
		size_t n = (text ? strlen(text) : 0) + json_len(item->string, strlen(item->string)) + 4;

		free(text);
		for (int k = 0; k < 3; k++) {
			if (n <= size[k])
				continue;
			for (int j = 2; j > k; j--) {
				size[j] = size[j - 1];
				idx[j] = idx[j - 1];
				name[j] = name[j - 1];
			}
			size[k] = n;
			idx[k] = i;
			name[k] = item->string;
			break;
		}
		i++;
	}
	for (int k = 0; k < 3 && name[k]; k++)
		buf_addf(&list, "%s'%s'%s %zu bytes", k ? ", " : "", name[k],
			 idx[k] >= ours ? " (client-payload)" : "", size[k]);
	log_error("the dispatch request would be %zu bytes even with the commit message cut; "
		  "GitHub allows under 64 KB (%d bytes here); largest keys: %s", body_len,
		  DISPATCH_BODY_MAX, buf_cstr(&list));
	buf_release(&list);
	return GB_EUSAGE;
}

static cJSON *add_str(cJSON *obj, const char *key, const char *value)
{
	return value ? cJSON_AddStringToObject(obj, key, value) : cJSON_AddNullToObject(obj, key);
}

/* The message and the commitmsg text, each cut to fit `room` bytes of JSON
 * between them, with markers; see dispatch.h.  fit() returns 0, -1 (out of
 * memory, printed), or 1 when `room` cannot even hold the markers. */
struct cut {
	const char *text;
	size_t len;
	size_t prefix;    /* bytes of `text` that must stay (the short sha) */
	size_t kept;
	struct buf out;
};

static int cut_to(struct cut *c, size_t budget, const char *mark)
{
	size_t mlen = json_len(mark, strlen(mark));
	size_t keep = budget > mlen ? fit_prefix(c->text, c->len, budget - mlen) : 0;

	if (keep < c->prefix)
		keep = c->prefix;
	buf_reset(&c->out);
	buf_add(&c->out, c->text, keep);
	buf_adds(&c->out, mark);
	c->kept = keep;
	return buf_failed(&c->out) ? log_oom() : 0;
}

static int fit(struct cut *msg, struct cut *subj, size_t room)
{
	char mark[96];
	size_t need_m = json_len(msg->text, msg->len);
	size_t need_s = json_len(subj->text, subj->len);
	size_t bs, bm;

	snprintf(mark, sizeof(mark), MSG_MARK, msg->len);
	buf_reset(&msg->out);
	buf_reset(&subj->out);
	if (need_m + need_s > room &&
	    room < 2 * (json_len(mark, strlen(mark)) + strlen(SUBJ_MARK) + subj->prefix))
		return 1; /* not even the markers fit */
	if (need_m + need_s <= room) {
		buf_add(&msg->out, msg->text, msg->len);
		buf_add(&subj->out, subj->text, subj->len);
		msg->kept = msg->len;
		subj->kept = subj->len;
		return buf_failed(&msg->out) || buf_failed(&subj->out) ? log_oom() : 0;
	}
	/* The shorter of the two keeps all it needs when that is under half. */
	if (need_s <= room / 2)
		bs = need_s;
	else if (need_m <= room / 2)
		bs = room - need_m;
	else
		bs = room / 2;
	bm = room - bs;
	if (bs >= need_s) {
		buf_add(&subj->out, subj->text, subj->len);
		subj->kept = subj->len;
	} else if (cut_to(subj, bs, SUBJ_MARK) < 0) {
		return -1;
	}
	if (bm >= need_m) {
		buf_add(&msg->out, msg->text, msg->len);
		msg->kept = msg->len;
	} else if (cut_to(msg, bm, mark) < 0) {
		return -1;
	}
	return buf_failed(&msg->out) || buf_failed(&subj->out) ? log_oom() : 0;
}

static int set_string(cJSON *item, const struct buf *b)
{
	char *copy = strdup(buf_cstr(b));

	if (!copy)
		return log_oom();
	cJSON_free(item->valuestring);
	item->valuestring = copy;
	return 0;
}

/* The keys that order deploys and prove their source (dispatch.h). */
static int add_trust(cJSON *source, const struct dispatch_source *src)
{
	const char *n = src->run_number;
	size_t digits = n ? strspn(n, "0123456789") : 0;

	if (digits && !n[digits] && digits <= 15 && n[0] != '0' &&
	    !cJSON_AddNumberToObject(source, "run_number", strtod(n, NULL)))
		return -1;
	if (src->workflow_ref && !cJSON_AddStringToObject(source, "workflow_ref", src->workflow_ref))
		return -1;
	if (src->rollback && !cJSON_AddTrueToObject(source, "rollback"))
		return -1;
	if (src->oidc_token && !cJSON_AddStringToObject(source, "oidc_token", src->oidc_token))
		return -1;
	return 0;
}

int dispatch_build(struct dispatch_payload *out, const struct dispatch_source *src,
		   const char *event_type, const char *extra_json)
{
	struct cut msg = { NULL, 0, 0, 0, BUF_INIT }, subj = { NULL, 0, 0, 0, BUF_INIT };
	cJSON *body = NULL, *root, *source, *extra = NULL, *m_item, *s_item, *item;
	char *message = NULL, *text = NULL;
	struct buf subject = BUF_INIT;
	size_t ours, base, room;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((rc = check_event_type(event_type)) < 0)
		goto out;
	rc = -1;
	if (fixed(&message, src->message ? src->message : "", &out->replaced) < 0)
		goto out;
	if ((rc = parse_extra(&extra, extra_json, &out->replaced)) < 0)
		goto out;
	rc = -1;

	/* commitmsg: "<sha7> <subject>", as git log --pretty=oneline --abbrev-commit */
	buf_addf(&subject, "%.*s ", EVENT_SHORT_SHA, src->sha ? src->sha : "");
	msg.prefix = 0;
	subj.prefix = subject.len;
	if (dispatch_subject(&subject, message, strlen(message)) < 0)
		goto fail_oom;
	msg.text = message;
	msg.len = strlen(message);
	subj.text = subject.ptr;
	subj.len = subject.len;

	if (!(body = cJSON_CreateObject()) ||
	    !cJSON_AddStringToObject(body, "event_type", event_type) ||
	    !(root = cJSON_AddObjectToObject(body, "client_payload")))
		goto fail_oom;
	if (!add_str(root, "service", src->service) ||
	    !add_str(root, "environment", src->environment) ||
	    (src->image && !add_str(root, "image", src->image)) ||
	    !(s_item = cJSON_AddStringToObject(root, "commitmsg", "")) ||
	    !add_str(root, "baseRef", src->branch ? src->branch : src->environment) ||
	    !(source = cJSON_AddObjectToObject(root, "source")) ||
	    !add_str(source, "repository", src->repository) ||
	    !add_str(source, "ref", src->ref) ||
	    !add_str(source, "sha", src->sha) ||
	    !(m_item = cJSON_AddStringToObject(source, "message", "")) ||
	    !add_str(source, "actor", src->actor) ||
	    !add_str(source, "run_url", src->run_url) ||
	    !add_str(source, "event", src->event) ||
	    (src->deployment_id > 0 &&
	     (!cJSON_AddNumberToObject(source, "deployment_id", (double)src->deployment_id) ||
	      !add_str(source, "deployment_url", src->deployment_url))))
		goto fail_oom;
	if (add_trust(source, src) < 0)
		goto fail_oom;
	if (fix_tree(root->child, &out->replaced) < 0)
		goto out;
	ours = (size_t)cJSON_GetArraySize(root);
	while (extra && extra->child) {
		item = cJSON_DetachItemViaPointer(extra, extra->child);
		/* cJSON copies the key before it frees the item's own */
		if (!cJSON_AddItemToObject(root, item->string, item)) {
			cJSON_Delete(item);
			goto fail_oom;
		}
	}
	if ((rc = check_keys(root, ours)) < 0)
		goto out;
	/* every failure below sets rc itself; keep -1 for one added later */
	rc = -1; /* NOLINT(clang-analyzer-deadcode.DeadStores) */

	/* Measure without the two texts, then give them what is left. */
	if (!(text = cJSON_PrintUnformatted(body)))
		goto fail_oom;
	base = strlen(text);
	free(text);
	text = NULL;
	room = base < DISPATCH_BODY_MAX ? DISPATCH_BODY_MAX - base : 0;
	if ((rc = fit(&msg, &subj, room)) < 0)
		goto out;
	if (rc > 0) {
		rc = report_overflow(root, base + json_len(msg.text, msg.len) +
				     json_len(subj.text, subj.len), ours);
		goto out;
	}
	rc = -1;
	if (set_string(m_item, &msg.out) < 0 || set_string(s_item, &subj.out) < 0)
		goto out;
	out->message_len = msg.len;
	out->message_kept = msg.kept;
	out->subject_len = subj.len - subj.prefix;
	out->subject_kept = subj.kept - subj.prefix;

	if (!(out->body = cJSON_PrintUnformatted(body)) ||
	    !(out->payload = cJSON_PrintUnformatted(root)))
		goto fail_oom;
	out->body_len = strlen(out->body);
	if (out->body_len > DISPATCH_BODY_MAX) { /* fit() is exact; never expected */
		log_error("internal error: dispatch body of %zu bytes after cutting", out->body_len);
		goto out;
	}
	rc = 0;
	goto out;
fail_oom:
	rc = log_oom();
out:
	cJSON_Delete(body);
	cJSON_Delete(extra);
	free(message);
	buf_release(&subject);
	buf_release(&msg.out);
	buf_release(&subj.out);
	return rc;
}

void dispatch_payload_release(struct dispatch_payload *p)
{
	free(p->body);
	free(p->payload);
	memset(p, 0, sizeof(*p));
}

/* ---- the mode ------------------------------------------------------- */

struct run {
	const struct config *cfg;
	struct event ev;
	struct gh_client *gh;
	char **targets;
	size_t ntargets;
	const char *service, *environment, *event_type;
	struct dispatch_payload pl;
	size_t sent;
	struct app app;           /* App credentials: a token per target */
	const char *workflow;     /* via workflow_dispatch: the receiving workflow */
	struct buf run_ids, run_urls; /* the receiving runs, one line per target */
	char *oidc_token;  /* input 'provenance': the run's ID token (masked) */
	struct gh_client *dgh;        /* deployments in the app repo */
	long long deployment_id;      /* 0: none */
	char *deployment_url;
	struct deploy_status final;   /* what wait saw last */
	const char *deploy_state;     /* output deploy-state, or NULL */
	struct workflow_run *runs;    /* via workflow_dispatch: per target (id 0: unknown) */
	bool runs_unreadable;         /* a run read failed: the statuses alone from then on */
	const struct workflow_run *ended_run; /* the run that ended without a final status */
	char *landed_url;             /* inactive: the GitOps commit of its earlier success */
	bool error_posted;            /* ended_run: the deployment was marked `error` */
};

/* Tag pushes, deletions and fork runs are not deploys. */
static int not_a_deploy(const struct run *r)
{
	const struct event *ev = &r->ev;
	const char *what = ev->ref ? ev->ref : ev->sha ? ev->sha : "?";

	if (config_bool(r->cfg, IN_STRICT)) {
		log_error("%s '%s' is not a deploy (input 'strict' is true)",
			  event_kind_name(ev->kind), what);
		return -1;
	}
	log_notice("%s '%s' is not a deploy: nothing sent", event_kind_name(ev->kind), what);
	return 0;
}

/* Targets, service, environment and event type, each checked. */
static int resolve(struct run *r)
{
	const struct config *cfg = r->cfg;
	const struct event *ev = &r->ev;
	const char *slash;

	if (!(r->targets = config_lines(cfg, IN_REPOSITORY, &r->ntargets)))
		return -1;
	for (size_t i = 0; i < r->ntargets; i++) {
		if (!gh_valid_repo(r->targets[i])) {
			log_error("input 'repository' has '%s', which is not 'owner/name'",
				  r->targets[i]);
			return GB_EUSAGE;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcasecmp(r->targets[i], r->targets[j]) == 0) {
				log_error("input 'repository' names '%s' twice", r->targets[i]);
				return GB_EUSAGE;
			}
		}
	}
	r->service = config_str(cfg, IN_SERVICE);
	if (!r->service) {
		if (!ev->repository || !(slash = strchr(ev->repository, '/')) || !slash[1]) {
			log_error("cannot tell the service: GITHUB_REPOSITORY is not set; "
				  "set the 'service' input");
			return GB_EUSAGE;
		}
		r->service = slash + 1;
	}
	r->environment = config_str(cfg, IN_ENVIRONMENT);
	if (!r->environment) {
		if (!ev->branch) {
			log_error("cannot tell the environment: '%s' is not a branch; "
				  "set the 'environment' input", ev->ref ? ev->ref : "(no ref)");
			return GB_EUSAGE;
		}
		r->environment = ev->branch;
	}
	if (config_bool(cfg, IN_WAIT) && !config_bool(cfg, IN_DEPLOYMENT)) {
		log_error("'wait: true' waits for the deployment's statuses: it needs "
			  "'deployment: true'");
		return GB_EUSAGE;
	}
	if (config_bool(cfg, IN_DEPLOYMENT) && (!ev->repository || !gh_valid_repo(ev->repository))) {
		log_error("'deployment: true' creates the deployment in the app repo, but "
			  "GITHUB_REPOSITORY is not 'owner/name'");
		return GB_EUSAGE;
	}
	r->event_type = config_str(cfg, IN_EVENT_TYPE);
	if (!r->event_type)
		r->event_type = r->service;
	if (strcmp(config_str(cfg, IN_VIA), "workflow_dispatch") == 0) {
		r->workflow = config_str(cfg, IN_WORKFLOW);
		if (!r->workflow) {
			log_error("input 'via' is workflow_dispatch: set 'workflow' to the receiving "
				  "workflow's file name (e.g. deploy.yml)");
			return GB_EUSAGE;
		}
		if (!workflow_valid_name(r->workflow)) {
			log_error("input 'workflow' must be a workflow file name ending in .yml or "
				  ".yaml, or a workflow id, not '%s'", r->workflow);
			return GB_EUSAGE;
		}
	} else if (strcmp(config_str(cfg, IN_VIA), "repository_dispatch") != 0) {
		log_error("input 'via' must be repository_dispatch or workflow_dispatch, not '%s'",
			  config_str(cfg, IN_VIA));
		return GB_EUSAGE;
	} else if (config_str(cfg, IN_WORKFLOW)) {
		log_error("input 'workflow' needs via: workflow_dispatch");
		return GB_EUSAGE;
	}
	if (!ev->sha) {
		log_error("no commit to deploy: neither GITHUB_EVENT_PATH nor GITHUB_SHA names one");
		return -1;
	}
	return 0;
}

static int open_client(struct run *r)
{
	return r->gh ? 0 : config_client_new(&r->gh, r->cfg);
}

/* Events other than push do not carry the message: ask the API. */
static int fetch_message(struct run *r)
{
	struct event *ev = &r->ev;
	struct gh_response resp = GH_RESPONSE_INIT;
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct gh_request req = { 0 };
	const cJSON *commit;
	cJSON *json = NULL;
	const char *msg;
	int rc = -1;

	if (!ev->repository) {
		log_error("cannot read the commit message: GITHUB_REPOSITORY is not set");
		return -1;
	}
	if (open_client(r) < 0)
		return -1;
	buf_addf(&what, "reading commit '%.12s' of '%s'", ev->sha, ev->repository);
	if (gh_repo_path(&path, ev->repository, "/commits/%s", ev->sha) < 0 || buf_failed(&what)) {
		rc = log_oom();
		goto out;
	}
	req.method = "GET";
	req.path = path.ptr;
	req.what = what.ptr;
	req.repo = ev->repository;
	req.permission = "contents:read";
	if (gh_request_json(&json, r->gh, &req, &resp, NULL, GH_JSON_ANY) < 0)
		goto out;
	commit = cJSON_GetObjectItemCaseSensitive(json, "commit");
	msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(commit, "message"));
	if (!msg) {
		log_error("%s: the answer has no 'commit.message'", what.ptr);
		goto out;
	}
	free(ev->message);
	if (!(ev->message = strdup(msg))) {
		rc = log_oom();
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(json);
	gh_response_release(&resp);
	buf_release(&path);
	buf_release(&what);
	return rc;
}

/* Input 'provenance': the ID token, its audience the one target's URL. */
static int fetch_id_token(struct run *r)
{
	char *aud;
	int rc;

	if (r->ntargets != 1) {
		log_error("input 'provenance' sends an ID token made for one GitOps repository, but "
			  "input 'repository' names %zu: use one step per repository", r->ntargets);
		return GB_EUSAGE;
	}
	if (!(aud = oidc_audience(r->ev.server_url, r->targets[0])))
		return -1;
	rc = oidc_request_token(&r->oidc_token, aud, (int)config_int(r->cfg, IN_TIMEOUT),
				(int)config_int(r->cfg, IN_MAX_ATTEMPTS));
	free(aud);
	return rc;
}

static int build(struct run *r)
{
	const struct event *ev = &r->ev;
	struct dispatch_source src = {
		.service = r->service,
		.environment = r->environment,
		.image = config_str(r->cfg, IN_IMAGE),
		.repository = ev->repository,
		.ref = ev->ref,
		.branch = ev->branch,
		.sha = ev->sha,
		.message = ev->message,
		.actor = ev->actor,
		.run_url = ev->run_url,
		.event = ev->name,
		.run_number = ev->run_number,
		.workflow_ref = ev->workflow_ref,
		.rollback = config_bool(r->cfg, IN_ROLLBACK),
		.oidc_token = r->oidc_token,
		.deployment_id = r->deployment_id,
		.deployment_url = r->deployment_url,
	};
	int rc = dispatch_build(&r->pl, &src, r->event_type,
				config_str(r->cfg, IN_CLIENT_PAYLOAD));

	if (rc < 0)
		return rc;
	if (r->pl.replaced)
		log_warning("%zu invalid UTF-8 sequence(s) in the payload's text sent as U+FFFD",
			    r->pl.replaced);
	if (r->pl.message_kept < r->pl.message_len)
		log_warning("commit message cut to %zu of %zu bytes to fit GitHub's 64 KB "
			    "payload limit", r->pl.message_kept, r->pl.message_len);
	if (r->pl.subject_kept < r->pl.subject_len)
		log_warning("commit subject in 'commitmsg' cut to %zu of %zu bytes",
			    r->pl.subject_kept, r->pl.subject_len);
	return 0;
}

/* The request body, indented by two spaces, for the log.  cJSON indents
 * with tabs; a tab inside a string is escaped, so every raw tab is layout. */
static void show_body(const struct run *r, const char *title)
{
	cJSON *j = cJSON_ParseWithLength(r->pl.body, r->pl.body_len);
	char *pretty = j ? cJSON_Print(j) : NULL;
	struct buf out = BUF_INIT;

	for (const char *p = pretty; p && *p; p++) {
		if (*p != '\t')
			buf_addc(&out, *p);
		else if (p > pretty && p[-1] == ':')
			buf_addc(&out, ' ');
		else
			buf_adds(&out, "  ");
	}
	log_group_begin(title);
	if (!buf_failed(&out) && out.len)
		log_block(out.ptr, out.len);
	log_group_end();
	buf_release(&out);
	free(pretty);
	cJSON_Delete(j);
}

static int send_repository(struct run *r, const char *target)
{
	struct gh_response resp = GH_RESPONSE_INIT;
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct gh_request req = { 0 };
	int rc = -1;

	buf_addf(&what, "dispatch to '%s'", target);
	if (gh_repo_path(&path, target, "/dispatches") < 0 || buf_failed(&what)) {
		rc = log_oom();
		goto out;
	}
	req.method = "POST";
	req.path = path.ptr;
	req.body = r->pl.body;
	req.body_len = r->pl.body_len;
	req.what = what.ptr;
	req.repo = target;
	req.permission = "contents:write";
	req.no_resend = true; /* a second dispatch would deploy twice */
	if (gh_request(r->gh, &req, &resp) < 0)
		goto out;
	if (resp.status < 200 || resp.status > 299) {
		rc = gh_fail(&req, &resp);
		goto out;
	}
	log_info("sent '%s' to '%s'", r->event_type, target);
	r->sent++;
	rc = 0;
out:
	gh_response_release(&resp);
	buf_release(&path);
	buf_release(&what);
	return rc;
}

/* The app repo's deployment, before anything is sent (its id goes in the
 * payload). */
static int create_deployment(struct run *r)
{
	struct buf desc = BUF_INIT;
	int rc;

	rc = config_deploy_client_new(&r->dgh, r->cfg);
	if (rc > 0) {
		log_error("'deployment: true' needs a token for '%s': set 'deployment-token' (the "
			  "job's token, with 'permissions: deployments: write')", r->ev.repository);
		return GB_EUSAGE;
	}
	if (rc < 0)
		return -1;
	buf_addf(&desc, "gitops-bump: %s to %s through %s%s", r->service, r->environment,
		 r->targets[0], r->ntargets > 1 ? " and others" : "");
	if (buf_failed(&desc)) {
		buf_release(&desc);
		return log_oom();
	}
	rc = deploy_create(r->dgh, r->ev.repository, r->ev.sha, r->environment, desc.ptr,
			   &r->deployment_id, &r->deployment_url);
	buf_release(&desc);
	if (rc < 0)
		return -1;
	log_info("created deployment %lld of %.*s to '%s' in '%s'", r->deployment_id,
		 EVENT_SHORT_SHA, r->ev.sha, r->environment, r->ev.repository);
	{
		char id[24];

		snprintf(id, sizeof(id), "%lld", r->deployment_id);
		return log_output("deployment-id", id);
	}
}

/* Mark the deployment `error` with `why`: nothing will finish it.  0, or
 * -1 when it could not be posted (a warning: the run fails either way). */
static int post_error(struct run *r, const char *why)
{
	const struct deploy_ref d = { r->ev.repository, r->deployment_id };
	int rc;

	log_demote(true);
	rc = deploy_post(r->dgh, &d, "error", why, r->ev.run_url, NULL);
	log_demote(false);
	return rc;
}

/* A dispatch that failed: the deployment would wait for nobody. */
static void deployment_error(struct run *r)
{
	const char *why = log_first_error();

	(void)post_error(r, why ? why : "the dispatch failed"); /* a warning if not */
}

/* Read the receiving run of target `i` (the target's App token first,
 * when there is one: Actions write, which includes read).  0 or -1
 * (reported). */
static int read_receiving_run(struct run *r, size_t i)
{
	static const struct app_perm actions[] = { { "actions", "write" } };

	if (app_enabled(&r->app) &&
	    app_use(&r->app, r->gh, r->targets[i], actions, 1, "reading the receiving run") < 0)
		return -1;
	gh_set_budget(r->gh, (int)config_int(r->cfg, IN_TIMEOUT));
	return workflow_run_read(r->gh, r->targets[i], &r->runs[i]);
}

/* Does every target have a receiving run with an id (via workflow_dispatch
 * on a server that names its runs)? */
static bool runs_known(const struct run *r)
{
	if (!r->workflow || !r->runs)
		return false;
	for (size_t i = 0; i < r->ntargets; i++)
		if (!r->runs[i].id)
			return false;
	return true;
}

/* deploy_watch.ended: 1 when every receiving run has completed.  A run
 * that cannot be read is one warning, and the wait goes on with the
 * statuses alone: reading it is a help, never a reason to fail. */
static int runs_ended(void *ctx)
{
	struct run *r = ctx;
	bool all = true;

	for (size_t i = 0; i < r->ntargets && !r->runs_unreadable; i++) {
		struct workflow_run *run = &r->runs[i];
		int rc;

		if (workflow_run_completed(run))
			continue;
		log_demote(true);
		rc = read_receiving_run(r, i);
		log_demote(false);
		if (rc < 0) { /* the one warning is the demoted error line */
			r->runs_unreadable = true;
			log_info("not reading the receiving run %s again: waiting on the "
				 "deployment's statuses alone", run->html_url ? run->html_url :
				 r->targets[i]);
			return 0;
		}
		log_info("receiving run %lld of '%s': %s%s%s", run->id, r->targets[i], run->status,
			 run->conclusion ? ", " : "", run->conclusion ? run->conclusion : "");
		all = all && workflow_run_completed(run);
	}
	return !r->runs_unreadable && all;
}

/* The run to blame: the first that did not conclude `success`, else the
 * first. */
static const struct workflow_run *blamed_run(const struct run *r)
{
	for (size_t i = 0; i < r->ntargets; i++)
		if (!r->runs[i].conclusion || strcmp(r->runs[i].conclusion, "success") != 0)
			return &r->runs[i];
	return &r->runs[0];
}

/* Every receiving run completed and the deployment has no final state:
 * one error line naming the run, the deployment marked `error`. */
static int receiver_ended(struct run *r)
{
	const struct workflow_run *run = blamed_run(r);
	const char *conclusion = run->conclusion ? run->conclusion : "no conclusion";
	struct buf why = BUF_INIT;
	char *desc;

	r->ended_run = run;
	r->deploy_state = "error";
	log_error("the receiving run %s ended '%s' without finishing deployment %lld: %s",
		  run->html_url ? run->html_url : "(no URL)", conclusion, r->deployment_id,
		  !strcmp(conclusion, "success") ? "it posted no final status (is its "
		  "'deployment-token' set, with Deployments write on this repository?)" :
		  "its log says why");
	buf_addf(&why, "the receiving run ended '%s' without a final status", conclusion);
	r->error_posted = post_error(r, buf_failed(&why) ? "the receiving run ended without a "
				     "final status" : why.ptr) == 0;
	/* the summary shows what the deployment says now */
	if (!buf_failed(&why) && (desc = strdup(why.ptr))) {
		free(r->final.description);
		r->final.description = desc;
	}
	buf_release(&why);
	return -1;
}

/* The wait ran out: the last state, and what may have kept the receiver
 * from posting. */
static int wait_timed_out(struct run *r, long wait_s)
{
	const struct deploy_status *st = &r->final;
	const struct workflow_run *run = runs_known(r) && !r->runs_unreadable ? blamed_run(r) :
					 NULL;
	struct buf hint = BUF_INIT;
	int rc;

	r->deploy_state = "timeout";
	if (st->state)
		buf_addf(&hint, "%s%s%s%s", st->state, st->description ? " (" : "",
			 st->description ? st->description : "", st->description ? ")" : "");
	else if (r->workflow && runs_known(r))
		buf_adds(&hint, "none: the receiver posted nothing (its run may have failed "
			 "before it posted, see output 'run-url'; or its 'deployment-token' cannot "
			 "write this repository's deployments)");
	else if (r->workflow)
		buf_addf(&hint, "none: the receiver posted nothing (its run may have failed "
			 "before it posted, see the runs of '%s' in '%s'; or its 'deployment-token' "
			 "cannot write this repository's deployments)", r->workflow, r->targets[0]);
	else
		buf_addf(&hint, "none: the receiver posted nothing (its run may have failed before "
			 "it posted; or no workflow of '%s' listens to 'repository_dispatch' of type "
			 "'%s'; or its 'deployment-token' cannot write this repository's "
			 "deployments)", r->targets[0], r->event_type);
	if (run && run->status)
		buf_addf(&hint, "; the receiving run %s is '%s'", run->html_url ? run->html_url : "",
			 run->status);
	if (buf_failed(&hint)) {
		buf_release(&hint);
		return log_oom();
	}
	log_error("deployment %lld of '%s' did not end within %ld s (wait-timeout); last state: %s",
		  r->deployment_id, r->ev.repository, wait_s, hint.ptr);
	rc = -1;
	buf_release(&hint);
	return rc;
}

/* `inactive`: a newer deploy of the environment carries this change.
 * Either this one landed and was replaced since (it had `success`: its
 * GitOps commit was made), or the receiver skipped it as stale, or closed
 * its pull request as superseded by a newer one (nothing of it landed, so
 * there is no GitOps commit to name; the description says which).  All
 * end the wait with 0. */
static int deployment_inactive(struct run *r)
{
	const struct deploy_ref d = { r->ev.repository, r->deployment_id };
	const char *desc = r->final.description;
	int found;

	log_demote(true);
	found = deploy_find_success(r->dgh, &d, &r->landed_url);
	log_demote(false);
	if (found < 0) /* the warning is the demoted error line */
		log_info("cannot tell whether deployment %lld had landed before it became "
			 "inactive", r->deployment_id);
	if (found > 0)
		log_notice("deployment %lld of '%s' landed%s%s and was replaced since: a newer "
			   "deploy to '%s' is live", r->deployment_id, r->ev.repository,
			   r->landed_url ? " as " : "", r->landed_url ? r->landed_url : "",
			   r->environment);
	else
		log_notice("deployment %lld of '%s' was not deployed itself: %s; a newer deploy "
			   "to '%s' carries this change", r->deployment_id, r->ev.repository,
			   desc ? desc : "inactive", r->environment);
	return 0;
}

/* Wait for the receiver(s) to end the deployment; 0 for success and
 * inactive (a newer deploy is live), -1 for every other ending. */
static int wait_deployment(struct run *r)
{
	const struct deploy_ref d = { r->ev.repository, r->deployment_id };
	const struct deploy_watch watch = { runs_ended, r };
	struct deploy_status *st = &r->final;
	long wait_s = config_int(r->cfg, IN_WAIT_TIMEOUT);
	int rc;

	log_info("waiting up to %ld s for deployment %lld to end", wait_s, r->deployment_id);
	if (r->workflow && !runs_known(r))
		log_info("the server did not name the receiving run: waiting on the deployment's "
			 "statuses alone");
	rc = deploy_wait(r->dgh, &d, (int)wait_s, (int)config_int(r->cfg, IN_TIMEOUT),
			 runs_known(r) ? &watch : NULL, st);
	if (rc < 0)
		return -1;
	if (rc == DEPLOY_WAIT_ENDED)
		return receiver_ended(r);
	if (rc > 0)
		return wait_timed_out(r, wait_s);
	r->deploy_state = st->state;
	if (!strcmp(st->state, "inactive"))
		return deployment_inactive(r);
	if (strcmp(st->state, "success") != 0) {
		log_error("deployment %lld of '%s' ended in '%s': %s", r->deployment_id,
			  r->ev.repository, st->state,
			  st->description ? st->description : "(no description)");
		return -1;
	}
	log_info("deployed: %s", st->environment_url ? st->environment_url :
		 st->description ? st->description : "success");
	return 0;
}

/* The GitOps commit of this deploy: the success's environment_url, or,
 * for an inactive deployment, that of the success it had before. */
static const char *gitops_commit(const struct run *r)
{
	if (!r->deploy_state)
		return NULL;
	if (!strcmp(r->deploy_state, "success"))
		return r->final.environment_url;
	if (!strcmp(r->deploy_state, "inactive"))
		return r->landed_url;
	return NULL;
}

static int deploy_outputs(const struct run *r)
{
	if (!r->deployment_id)
		return 0;
	if (r->deploy_state && log_output("deploy-state", r->deploy_state) < 0)
		return -1;
	if (gitops_commit(r) && log_output("gitops-commit-url", gitops_commit(r)) < 0)
		return -1;
	return 0;
}

/* The chain's rows of the summary: deployment, its final state, the
 * GitOps commit (or pull request).  0, or -1 when a buffer failed (nothing
 * printed). */
static int summary_chain(struct buf *md, const struct run *r)
{
	struct buf url = BUF_INIT, id = BUF_INIT, state = BUF_INIT;
	int rc = -1;

	if (!r->deployment_id)
		return 0;
	buf_addf(&url, "%s/%s/deployments", r->ev.server_url, r->ev.repository);
	buf_addf(&id, "%lld", r->deployment_id);
	if (r->deploy_state)
		buf_addf(&state, "%s%s%s", r->deploy_state, r->final.description ? ": " : "",
			 r->final.description ? r->final.description : "");
	if (buf_failed(&url) || buf_failed(&id) || buf_failed(&state))
		goto out;
	buf_adds(md, "| deployment | ");
	log_md_link(md, id.ptr, url.ptr);
	buf_adds(md, " |\n");
	if (r->deploy_state)
		log_md_row(md, "deploy state", state.ptr);
	if (r->deploy_state && !strcmp(r->deploy_state, "inactive"))
		log_md_row(md, "outcome", r->landed_url ? "landed, then replaced by a newer deploy "
			   "(which is live now)" : "not deployed itself: a newer deploy carries this "
			   "change (live, or in its pull request: see the state)");
	if (r->landed_url) {
		buf_adds(md, "| GitOps commit | ");
		log_md_link(md, r->landed_url, r->landed_url);
		buf_adds(md, " |\n");
	} else if (r->final.environment_url) {
		/* queued: the receiver opened a pull request */
		buf_adds(md, r->final.state && !strcmp(r->final.state, "queued") ?
			 "| pull request | " : "| GitOps commit | ");
		log_md_link(md, r->final.environment_url, r->final.environment_url);
		buf_adds(md, " |\n");
	}
	rc = 0;
out:
	buf_release(&url);
	buf_release(&id);
	buf_release(&state);
	return rc;
}

/* via workflow_dispatch: the payload as the input `payload`, to the
 * receiving workflow on the target's default branch. */
static int send_workflow(struct run *r, size_t i)
{
	const char *target = r->targets[i];
	struct workflow_run run = { 0 };
	struct buf body = BUF_INIT;
	char *branch = NULL;
	int rc = -1;

	buf_init(&body, (size_t)DISPATCH_BODY_MAX * 8);
	if (workflow_default_branch(r->gh, target, &branch) < 0 ||
	    workflow_body(&body, branch, r->pl.payload) < 0 ||
	    workflow_dispatch(r->gh, target, r->workflow, &body, &run) < 0)
		goto out;
	if (run.id)
		log_info("dispatched workflow '%s' of '%s' on '%s': run %lld %s", r->workflow,
			 target, branch, run.id, run.html_url ? run.html_url : "");
	else
		log_info("dispatched workflow '%s' of '%s' on '%s' (the server does not name "
			 "the run)", r->workflow, target, branch);
	/* a line per target, empty when the server did not name the run */
	buf_adds(&r->run_ids, r->sent ? "\n" : "");
	if (run.id)
		buf_addf(&r->run_ids, "%lld", run.id);
	buf_addf(&r->run_urls, "%s%s", r->sent ? "\n" : "", run.html_url ? run.html_url : "");
	r->sent++;
	r->runs[i] = run; /* owned by r->runs from here */
	memset(&run, 0, sizeof(run));
	rc = 0;
out:
	workflow_run_release(&run);
	buf_release(&body);
	free(branch);
	return rc;
}

/* The permissions an App token needs for this wiring: Actions write for a
 * workflow_dispatch (it cannot push), else Contents write. */
static int send_one(struct run *r, size_t i)
{
	const char *target = r->targets[i];
	static const struct app_perm contents[] = { { "contents", "write" } };
	static const struct app_perm actions[] = { { "actions", "write" } };
	struct buf why = BUF_INIT;
	int rc;

	if (app_enabled(&r->app)) {
		buf_addf(&why, "dispatch to '%s'", target);
		rc = app_use(&r->app, r->gh, target, r->workflow ? actions : contents, 1,
			     buf_failed(&why) ? target : why.ptr);
		buf_release(&why);
		if (rc < 0)
			return -1;
	}
	return r->workflow ? send_workflow(r, i) : send_repository(r, target);
}

static void summary(const struct run *r, bool dry_run)
{
	const struct event *ev = &r->ev;
	struct buf md = BUF_INIT, subject = BUF_INIT, targets = BUF_INIT, raw = BUF_INIT,
		   url = BUF_INIT;
	bool lost = false;
	size_t replaced;

	for (size_t i = 0; i < r->ntargets; i++)
		buf_addf(&targets, "%s%s", i ? ", " : "", r->targets[i]);
	/* the summary is UTF-8 Markdown: the subject as sent, not as pushed */
	dispatch_subject(&raw, ev->message ? ev->message : "",
			 ev->message ? strlen(ev->message) : 0);
	utf8_fix(&subject, buf_cstr(&raw), raw.len, &replaced);
	if (subject.len > SUMMARY_SUBJECT_MAX) {
		size_t n = SUMMARY_SUBJECT_MAX;

		while (n && ((unsigned char)subject.ptr[n] & 0xc0) == 0x80)
			n--;
		buf_truncate(&subject, n);
		buf_adds(&subject, "...");
	}
	if (dry_run)
		buf_adds(&md, "### gitops-bump dispatch (dry run: nothing sent)\n\n");
	else
		buf_addf(&md, "### gitops-bump dispatch: sent to %zu of %zu repositories\n\n",
			 r->sent, r->ntargets);
	buf_adds(&md, "| | |\n| --- | --- |\n");
	log_md_row(&md, "event type", r->event_type);
	log_md_row(&md, "service", r->service);
	log_md_row(&md, "environment", r->environment);
	log_md_row(&md, "targets", targets.ptr);
	if (r->workflow) {
		log_md_row(&md, "via", "workflow_dispatch");
		log_md_row(&md, "workflow", r->workflow);
		if (r->run_urls.len)
			log_md_row(&md, "receiving run", r->run_urls.ptr);
	}
	log_md_row(&md, "source", ev->repository);
	if (ev->sha && ev->repository && gh_valid_repo(ev->repository)) {
		buf_addf(&url, "%s/%s/commit/%s", ev->server_url, ev->repository, ev->sha);
		buf_adds(&md, "| commit | ");
		log_md_link(&md, ev->sha, buf_cstr(&url));
		buf_adds(&md, " |\n");
	} else {
		log_md_row(&md, "commit", ev->sha);
	}
	log_md_row(&md, "subject", subject.ptr);
	lost = summary_chain(&md, r) < 0;
	if (r->pl.message_kept < r->pl.message_len)
		buf_addf(&md, "\nThe commit message was cut to %zu of %zu bytes (GitHub's 64 KB "
			 "limit).\n", r->pl.message_kept, r->pl.message_len);
	/* the dispatch is done either way: a summary that cannot be built is a
	 * warning, not a failure of the run */
	if (lost || buf_failed(&md) || buf_failed(&subject) || buf_failed(&targets) ||
	    buf_failed(&raw) || buf_failed(&url))
		log_warning("the step summary was not written: out of memory");
	else
		log_summary(md.ptr);
	buf_release(&md);
	buf_release(&subject);
	buf_release(&targets);
	buf_release(&raw);
	buf_release(&url);
}

/* The image to send must be a reference the receiver can deploy: a usage
 * error before anything is read (imageref.h). */
static int check_image(const struct config *cfg)
{
	const char *image = config_str(cfg, IN_IMAGE);
	struct imageref ref;

	if (!image)
		return 0;
	if (imageref_parse(&ref, image, strlen(image), "input 'image'") < 0)
		return GB_EUSAGE;
	imageref_release(&ref);
	return 0;
}

/* The step summary of a failed run: what was asked, what was sent. */
static void failure_summary(const struct run *r, bool dry_run)
{
	struct buf rows = BUF_INIT, targets = BUF_INIT, done = BUF_INIT, subject = BUF_INIT;

	for (size_t i = 0; i < r->ntargets; i++)
		buf_addf(&targets, "%s%s", i ? ", " : "", r->targets[i]);
	if (r->service && r->environment)
		buf_addf(&subject, "%s to %s", r->service, r->environment);
	log_md_row(&rows, "event type", r->event_type);
	log_md_row(&rows, "service", r->service);
	log_md_row(&rows, "environment", r->environment);
	log_md_row(&rows, "targets", targets.len ? targets.ptr : NULL);
	log_md_row(&rows, "source", r->ev.repository);
	log_md_row(&rows, "commit", r->ev.sha);
	(void)summary_chain(&rows, r); /* out of memory: the rows without the chain */
	if (dry_run)
		buf_adds(&done, "nothing sent (dry run)");
	else if (r->ended_run)
		buf_addf(&done, "sent to every repository; the receiving run %s ended '%s' "
			 "without finishing deployment %lld, %s",
			 r->ended_run->html_url ? r->ended_run->html_url : "",
			 r->ended_run->conclusion ? r->ended_run->conclusion : "no conclusion",
			 r->deployment_id, r->error_posted ? "now marked `error`" :
			 "which could not be marked `error` (see the warning)");
	else if (r->deploy_state)
		buf_addf(&done, "sent to every repository; deployment %lld %s", r->deployment_id,
			 !strcmp(r->deploy_state, "timeout") ? "did not end in time" :
			 "did not end in success");
	else if (!r->sent)
		buf_adds(&done, "nothing sent: no dispatch is confirmed, so no deploy was asked "
			 "for (unless the log says one may have arrived)");
	else
		buf_addf(&done, "sent to %zu of %zu repositories: the ones without a `sent` line "
			 "in the log got nothing", r->sent, r->ntargets);
	/* on the failure path already: out of memory here only shortens it */
	log_summary_failed("dispatch", buf_failed(&subject) ? NULL : subject.ptr,
			   buf_failed(&rows) || buf_failed(&targets) ? NULL : rows.ptr,
			   buf_failed(&done) ? "see the log" : done.ptr);
	buf_release(&rows);
	buf_release(&targets);
	buf_release(&done);
	buf_release(&subject);
}

int dispatch_run(const struct config *cfg)
{
	struct run r = { .cfg = cfg };
	bool dry_run = config_bool(cfg, IN_DRY_RUN);
	int rc;

	if ((rc = check_image(cfg)) < 0 || (rc = app_init(&r.app, cfg)) < 0)
		goto out;
	if ((rc = event_load(&r.ev)) < 0)
		goto out;
	if (r.ev.kind != EVENT_DEPLOY) {
		rc = not_a_deploy(&r);
		goto out;
	}
	if ((rc = resolve(&r)) < 0)
		goto out;
	if (!r.ev.message && (rc = fetch_message(&r)) < 0)
		goto out;
	if (config_bool(cfg, IN_PROVENANCE) && !dry_run && (rc = fetch_id_token(&r)) < 0)
		goto out;
	if (config_bool(cfg, IN_DEPLOYMENT) && dry_run)
		log_notice("dry run: no deployment created");
	else if (config_bool(cfg, IN_DEPLOYMENT) && (rc = create_deployment(&r)) < 0)
		goto out;
	if ((rc = build(&r)) < 0)
		goto out;
	log_info("dispatch '%s': service '%s', environment '%s', commit %.*s of '%s'",
		 r.event_type, r.service, r.environment, EVENT_SHORT_SHA, r.ev.sha,
		 r.ev.repository ? r.ev.repository : "?");
	if (dry_run || log_get_style() == LOG_ACTIONS)
		show_body(&r, dry_run ? "request body (dry run: nothing sent)" : "request body");
	if (!dry_run) {
		if ((rc = open_client(&r)) < 0)
			goto out;
		if (r.workflow && !(r.runs = calloc(r.ntargets, sizeof(*r.runs)))) {
			rc = log_oom();
			goto out;
		}
		for (size_t i = 0; i < r.ntargets; i++)
			if (send_one(&r, i) < 0)
				rc = -1;
		if (r.sent < r.ntargets)
			log_info("sent to %zu of %zu repositories", r.sent, r.ntargets);
		if (rc < 0) {
			if (r.deployment_id)
				deployment_error(&r);
			goto out;
		}
		if (r.workflow && ((rc = log_output("run-id", buf_cstr(&r.run_ids))) < 0 ||
				   (rc = log_output("run-url", buf_cstr(&r.run_urls))) < 0))
			goto out;
	} else {
		log_info("dry run: nothing sent to %zu repositor%s", r.ntargets,
			 r.ntargets == 1 ? "y" : "ies");
	}
	/* the outputs say what was sent: only once it all was (or, in a dry
	 * run, what would be) */
	if ((rc = log_output("payload", r.pl.payload)) < 0 ||
	    (rc = log_output("event-type", r.event_type)) < 0)
		goto out;
	if (r.deployment_id && config_bool(cfg, IN_WAIT))
		rc = wait_deployment(&r);
	if (deploy_outputs(&r) < 0)
		rc = -1;
	if (rc < 0)
		goto out;
	summary(&r, dry_run);
out:
	if (rc < 0)
		failure_summary(&r, dry_run);
	app_release(&r.app, r.gh); /* revokes every token minted, also on failure */
	if (r.gh)
		gh_client_free(r.gh);
	if (r.dgh)
		gh_client_free(r.dgh);
	free(r.deployment_url);
	free(r.landed_url);
	for (size_t i = 0; r.runs && i < r.ntargets; i++)
		workflow_run_release(&r.runs[i]);
	free(r.runs);
	deploy_status_release(&r.final);
	buf_release(&r.run_ids);
	buf_release(&r.run_urls);
	config_lines_free(r.targets);
	dispatch_payload_release(&r.pl);
	event_release(&r.ev);
	if (r.oidc_token)
		explicit_bzero(r.oidc_token, strlen(r.oidc_token));
	free(r.oidc_token);
	return rc;
}
