/* commit: see commit.h for the contract. */
#include "commit.h"

#include "base64.h"
#include "log.h"
#include "sha1.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ACCEPT_RAW "application/vnd.github.raw+json"
/* a blob's JSON: base64 (4/3) with line breaks, and some room */
#define BLOB_JSON_MAX (COMMIT_FILE_MAX / 3 * 4 + COMMIT_FILE_MAX / 30 + ((size_t)64 << 10))

enum { WRITTEN = 0, CONFLICT = 1, LOST = 2 };

/* A tree listing read once: trees never change (content-addressed). */
struct cached_tree {
	char sha[41];
	cJSON *json;        /* the answer to GET git/trees/SHA */
};

struct ctx {
	struct gh_client *gh;
	const struct commit_opts *o;
	struct cached_tree *trees; /* tree listings read so far */
	size_t ntrees;
	char tried[41];     /* the blob a conflicting PUT tried to write */
	char tried_head[41]; /* the expectedHeadOid of a GraphQL commit that
			      * conflicted or whose answer was unreadable */
};

/* One request and what it needs, released together. */
struct call {
	struct gh_request req;
	struct gh_response resp;
	struct buf path, what;
	char *body;
	cJSON *json;        /* the parsed answer, or NULL */
};

static int claim_lost_put(struct ctx *c, const char *branch, struct commit_file *f,
			  struct commit_result *res, bool *ours);
static int read_head(struct ctx *c, const char *branch, char head[41]);

/* Out of memory after GitHub made a change: say that it did. */
static void made_oom(const struct call *k)
{
	log_error("%s: out of memory after GitHub made the change (HTTP %ld): look at the "
		  "branch before running this again", k->what.ptr, k->resp.status);
}

static void call_init(struct call *k)
{
	memset(k, 0, sizeof(*k));
	k->resp = (struct gh_response)GH_RESPONSE_INIT;
	buf_init(&k->path, 0);
	buf_init(&k->what, 0);
}

static void call_release(struct call *k)
{
	gh_response_release(&k->resp);
	buf_release(&k->path);
	buf_release(&k->what);
	free(k->body);
	cJSON_Delete(k->json);
	memset(k, 0, sizeof(*k));
}

/* "/repos/OWNER/NAME" then `rest` (already escaped) into k->path. */
static void call_path(struct call *k, const struct ctx *c, const char *rest)
{
	buf_reset(&k->path);
	buf_adds(&k->path, "/repos/");
	gh_escape(&k->path, c->o->repo, true);
	buf_adds(&k->path, rest);
}

/* Send k with `body` (NULL: none); parse a JSON answer into k->json. */
static int call_send(struct call *k, struct ctx *c, const char *method, const cJSON *body,
		     const char *perm)
{
	if (buf_failed(&k->path) || buf_failed(&k->what))
		return log_oom();
	free(k->body);
	k->body = NULL;
	if (body && !(k->body = cJSON_PrintUnformatted(body)))
		return log_oom();
	k->req.method = method;
	k->req.path = k->path.ptr;
	k->req.body = k->body;
	k->req.body_len = k->body ? strlen(k->body) : 0;
	k->req.what = k->what.ptr;
	k->req.repo = c->o->repo;
	k->req.permission = perm;
	if (gh_request(c->gh, &k->req, &k->resp) < 0)
		return -1;
	cJSON_Delete(k->json);
	k->json = NULL;
	if (!k->req.accept || strcmp(k->req.accept, ACCEPT_RAW) != 0) {
		errno = 0;
		k->json = cJSON_ParseWithLength(buf_cstr(&k->resp.body), k->resp.body.len);
		/* cJSON says NULL for this too; after a write GitHub has made
		 * the change, and the error must not hide that */
		if (!k->json && errno == ENOMEM) {
			if (strcmp(method, "GET") != 0 && k->resp.status / 100 == 2)
				made_oom(k);
			else
				log_error("%s: out of memory reading the answer", k->what.ptr);
			return -1;
		}
	}
	return 0;
}

/* *dst := a copy of s (NULL: none).  `made`: the write GitHub made that s
 * comes from, which running out of memory must not hide (made_oom); NULL
 * when there is none. */
static int set_dup(char **dst, const char *s, const struct call *made)
{
	free(*dst);
	*dst = NULL;
	if (s && !(*dst = strdup(s))) {
		if (!made)
			return log_oom();
		made_oom(made);
		return -1;
	}
	return 0;
}

static int call_fail(const struct call *k)
{
	return gh_fail(&k->req, &k->resp);
}

static const char *jstr(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static bool is_sha(const char *s)
{
	return s && strlen(s) == SHA1_HEX_LEN && strspn(s, "0123456789abcdef") == SHA1_HEX_LEN;
}

/* A string the answer must have: copied to out (41 bytes) when a sha. */
static int answer_sha(const struct call *k, const cJSON *obj, const char *key, char *out)
{
	const char *s = jstr(obj, key);

	if (!is_sha(s)) {
		log_error("%s: the answer has no valid '%s' (HTTP %ld)", k->what.ptr, key,
			  k->resp.status);
		return -1;
	}
	memcpy(out, s, SHA1_HEX_LEN + 1);
	return 0;
}

/* Did GitHub refuse k because the branch is protected? */
static bool is_protected(const struct call *k)
{
	const char *msg = k->resp.message;

	return (k->resp.status == 409 || k->resp.status == 422) && msg &&
	       (strcasestr(msg, "protected branch") ||
		strcasestr(msg, "must be made through a pull request") ||
		strcasestr(msg, "repository rule violation"));
}

static int protected_error(const struct ctx *c, const char *branch, const struct call *k)
{
	log_error("branch '%s' of '%s' is protected: GitHub says '%s'; set 'pull-request: true' "
		  "to commit to a new branch and open a pull request instead", branch, c->o->repo,
		  k->resp.message ? k->resp.message : "(no message)");
	log_fix("set 'pull-request: true' (a protected branch takes changes through pull "
		"requests only)");
	return -1;
}

void commit_file_init(struct commit_file *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	buf_init(&f->old, COMMIT_FILE_MAX);
	buf_init(&f->new, COMMIT_FILE_MAX);
	strcpy(f->mode, "100644");
}

void commit_file_release(struct commit_file *f)
{
	buf_release(&f->old);
	buf_release(&f->new);
}

void commit_result_release(struct commit_result *r)
{
	free(r->sha);
	free(r->url);
	free(r->pr_url);
	memset(r, 0, sizeof(*r));
}

static int missing_file(const struct ctx *c, const struct commit_file *f, const char *branch,
			const char *why)
{
	log_error_at(f->path, 0, "manifest '%s' not found on branch '%s' of '%s'%s", f->path,
		     branch, c->o->repo, why);
	return -1;
}

/* f->old := the bytes, checked against the blob sha GitHub gave. */
static int take_content(const struct call *k, struct commit_file *f, const char *data,
			size_t len, bool base64, const char *sha)
{
	char got[SHA1_HEX_LEN + 1];

	buf_reset(&f->old);
	if (base64) {
		if (base64_decode(&f->old, data, len, f->path) < 0)
			return -1;
	} else if (buf_add(&f->old, data, len) < 0) {
		if (errno == EFBIG)
			log_error("'%s' is too large (over %zu MiB)", f->path, COMMIT_FILE_MAX >> 20);
		else
			log_oom();
		return -1;
	}
	sha1_git_blob(f->old.ptr ? f->old.ptr : "", f->old.len, got);
	if (sha && strcmp(got, sha) != 0) {
		log_error("%s: the content does not match its blob sha '%s' (it hashes to '%s'); "
			  "the answer was damaged on the way", k->what.ptr, sha, got);
		return -1;
	}
	memcpy(f->blob, got, sizeof(got));
	return 0;
}

/* ---- one file: the Contents API ---------------------------------------- */

static bool too_large(const struct call *k)
{
	const cJSON *e;

	if (k->resp.status != 403)
		return false;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(k->json, "errors")) {
		const char *code = jstr(e, "code");

		if (code && strcmp(code, "too_large") == 0)
			return true;
	}
	return k->resp.message && strcasestr(k->resp.message, "too large");
}

static void contents_path(struct call *k, const struct ctx *c, const char *path,
			  const char *ref)
{
	call_path(k, c, "/contents/");
	gh_escape(&k->path, path, true);
	if (ref) {
		buf_adds(&k->path, "?ref=");
		gh_escape(&k->path, ref, false);
	}
}

/* Over 1 MB: the raw media type gives the bytes; the blob sha is ours. */
static int read_raw(struct ctx *c, struct commit_file *f, const char *ref, const char *branch)
{
	struct call k;
	int rc = -1;

	call_init(&k);
	contents_path(&k, c, f->path, ref);
	buf_addf(&k.what, "reading '%s' (raw) on branch '%s' of '%s'", f->path, branch,
		 c->o->repo);
	k.req.accept = ACCEPT_RAW;
	k.req.body_max = COMMIT_FILE_MAX;
	k.req.too_big = "the manifest is larger than gitops-bump edits (no token changes that)";
	if (call_send(&k, c, "GET", NULL, "contents:read") < 0)
		goto out;
	if (k.resp.status == 404) {
		rc = missing_file(c, f, branch, "");
		goto out;
	}
	if (k.resp.status != 200) {
		/* a 403 "too large" here: over the API's 100 MB (gh_fail says so) */
		rc = call_fail(&k);
		goto out;
	}
	rc = take_content(&k, f, buf_cstr(&k.resp.body), k.resp.body.len, false, NULL);
out:
	call_release(&k);
	return rc;
}

/* GET contents at `ref` (a branch or a commit; `branch` names it in
 * messages) into f->old and f->blob. */
static int read_contents(struct ctx *c, struct commit_file *f, const char *ref,
			 const char *branch)
{
	const char *type, *content, *enc, *msg;
	struct call k;
	int rc = -1;

	call_init(&k);
	contents_path(&k, c, f->path, ref);
	buf_addf(&k.what, "reading '%s' on branch '%s' of '%s'", f->path, branch, c->o->repo);
	if (call_send(&k, c, "GET", NULL, "contents:read") < 0)
		goto out;
	msg = k.resp.message;
	if (k.resp.status == 404 && msg && strcasestr(msg, "no commit found")) {
		log_error("branch '%s' not found in '%s' (GitHub: %s)", branch, c->o->repo, msg);
		goto out;
	}
	if (k.resp.status == 404) {
		rc = missing_file(c, f, branch, " (or the token cannot read the repository: it "
				  "needs contents:read)");
		goto out;
	}
	if (too_large(&k)) {
		rc = read_raw(c, f, ref, branch);
		goto out;
	}
	if (k.resp.status != 200) {
		rc = call_fail(&k);
		goto out;
	}
	if (!k.json) { /* cut short, or a proxy's HTML page */
		log_error("%s: the answer is not JSON (HTTP %ld)", k.what.ptr, k.resp.status);
		goto out;
	}
	if (cJSON_IsArray(k.json)) {
		log_error_at(f->path, 0, "manifest '%s' on branch '%s' of '%s' is a directory",
			     f->path, branch, c->o->repo);
		goto out;
	}
	type = jstr(k.json, "type");
	if (type && strcmp(type, "symlink") == 0) {
		log_error_at(f->path, 0, "manifest '%s' on branch '%s' of '%s' is a symbolic link "
			     "to '%s', which is no file in the repository: the API cannot write "
			     "through a link", f->path, branch, c->o->repo,
			     jstr(k.json, "target") ? jstr(k.json, "target") : "?");
		log_fix("set the 'manifest' input to the file itself, not a link to it");
		goto out;
	}
	if (!type || strcmp(type, "file") != 0) {
		log_error_at(f->path, 0, "manifest '%s' on branch '%s' of '%s' is a %s, not a "
			     "file", f->path, branch, c->o->repo, type ? type : "thing of no type");
		goto out;
	}
	/* A link to a file in the repository is answered with the target (its
	 * own path and sha): a PUT on the link with that sha would conflict on
	 * every attempt.  Say so at once. */
	if (jstr(k.json, "path") && strcmp(jstr(k.json, "path"), f->path) != 0) {
		log_error_at(f->path, 0, "manifest '%s' on branch '%s' of '%s' is a symbolic link "
			     "to '%s': the API cannot write through a link", f->path, branch,
			     c->o->repo, jstr(k.json, "path"));
		log_fix("set the 'manifest' input to '%s' (the file the link points to)",
			jstr(k.json, "path"));
		goto out;
	}
	content = jstr(k.json, "content");
	enc = jstr(k.json, "encoding");
	if (enc && strcmp(enc, "none") == 0) { /* the object media type over 1 MB */
		rc = read_raw(c, f, ref, branch);
		goto out;
	}
	if (!content || !is_sha(jstr(k.json, "sha")) || (enc && strcmp(enc, "base64") != 0)) {
		log_error("%s: the answer has no base64 'content' and 'sha'", k.what.ptr);
		goto out;
	}
	rc = take_content(&k, f, content, strlen(content), true, jstr(k.json, "sha"));
out:
	call_release(&k);
	return rc;
}

static int add_identity(cJSON *body, const struct commit_opts *o)
{
	const char *keys[] = { "author", "committer" };

	if (!o->author_name)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		cJSON *who = cJSON_AddObjectToObject(body, keys[i]);

		if (!who || !cJSON_AddStringToObject(who, "name", o->author_name) ||
		    !cJSON_AddStringToObject(who, "email", o->author_email))
			return log_oom();
	}
	return 0;
}

/* cJSON string of the base64 of `b`. */
static int add_base64(cJSON *obj, const char *key, const struct buf *b)
{
	struct buf enc = BUF_INIT;
	int rc = -1;

	if (base64_encode(&enc, b->ptr ? b->ptr : "", b->len, key) < 0)
		goto out;
	if (!cJSON_AddStringToObject(obj, key, buf_cstr(&enc))) {
		log_oom();
		goto out;
	}
	rc = 0;
out:
	buf_release(&enc);
	return rc;
}

/* A commit object's "verification": {"verified": bool} (REST), or a
 * GraphQL commit's "signature": {"isValid": bool}; *known says whether the
 * object said either. */
static bool verification_of(const cJSON *commit, bool *known)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(commit, "verification"), "verified");

	if (!cJSON_IsBool(v)) {
		const cJSON *sig = cJSON_GetObjectItemCaseSensitive(commit, "signature");

		v = cJSON_GetObjectItemCaseSensitive(sig, "isValid");
		if (cJSON_IsNull(sig)) { /* GraphQL: no signature at all */
			*known = true;
			return false;
		}
	}
	*known = cJSON_IsBool(v);
	return cJSON_IsTrue(v);
}

/*
 * A 2xx PUT whose answer cannot be read (cut short, or a proxy's page): the
 * commit was made, or at least may have been.  Read the branch back as
 * for a lost answer (claim_lost_put: the head is ours when its message is
 * ours, it has one parent and it changed the file from the blob the PUT
 * replaced to the blob it wrote).  WRITTEN with res->sha when it is ours;
 * else -1, saying it may have been made (res->unsure).
 */
static int unreadable_put(struct ctx *c, const struct call *k, struct commit_file *f,
			  const char *branch, struct commit_result *res)
{
	bool ours = false;

	log_notice("%s: GitHub answered HTTP %ld, but the answer cannot be read (cut short or "
		   "not JSON): reading the branch back", k->what.ptr, k->resp.status);
	memcpy(f->seen, f->blob, sizeof(f->seen));
	sha1_git_blob(f->new.ptr ? f->new.ptr : "", f->new.len, c->tried);
	if (claim_lost_put(c, branch, f, res, &ours) == 0 && ours) {
		log_info("the commit is ours: %.12s on branch '%s'", res->sha, branch);
		return WRITTEN;
	}
	res->unsure = true;
	log_error("%s: GitHub answered HTTP %ld, so the commit may have been made, but its "
		  "answer cannot be read and the head of branch '%s' is not recognisably it: look "
		  "at the branch before running this again", k->what.ptr, k->resp.status, branch);
	log_fix("look at branch '%s' of '%s': if the deploy commit is there, nothing is left "
		"to do", branch, c->o->repo);
	return -1;
}

/* PUT contents.  WRITTEN, CONFLICT or -1. */
static int write_contents(struct ctx *c, struct commit_file *f, const char *branch,
			  struct commit_result *res)
{
	cJSON *body = cJSON_CreateObject();
	const cJSON *commit;
	struct call k;
	char sha[SHA1_HEX_LEN + 1];
	int rc = -1;

	call_init(&k);
	contents_path(&k, c, f->path, NULL);
	buf_addf(&k.what, "committing '%s' to branch '%s' of '%s'", f->path, branch, c->o->repo);
	if (!body || !cJSON_AddStringToObject(body, "message", c->o->message)) {
		log_oom();
		goto out;
	}
	if (add_base64(body, "content", &f->new) < 0)
		goto out;
	if (!cJSON_AddStringToObject(body, "sha", f->blob) ||
	    !cJSON_AddStringToObject(body, "branch", branch)) {
		log_oom();
		goto out;
	}
	if (add_identity(body, c->o) < 0)
		goto out;
	if (call_send(&k, c, "PUT", body, "contents:write") < 0) {
		res->unsure = k.resp.attempts > 0; /* it went out: it may have landed */
		goto out;
	}
	if (is_protected(&k)) {
		rc = protected_error(c, branch, &k);
		goto out;
	}
	if (k.resp.status == 409) {
		sha1_git_blob(f->new.ptr ? f->new.ptr : "", f->new.len, c->tried);
		rc = CONFLICT;
		goto out;
	}
	if (k.resp.status != 200 && k.resp.status != 201) {
		rc = call_fail(&k);
		goto out;
	}
	commit = cJSON_GetObjectItemCaseSensitive(k.json, "commit");
	if (!is_sha(jstr(commit, "sha"))) {
		rc = unreadable_put(c, &k, f, branch, res);
		goto out;
	}
	if (answer_sha(&k, commit, "sha", sha) < 0 || set_dup(&res->sha, sha, &k) < 0 ||
	    set_dup(&res->url, jstr(commit, "html_url"), &k) < 0)
		goto out;
	res->verified = verification_of(commit, &res->verified_known);
	rc = WRITTEN;
out:
	cJSON_Delete(body);
	call_release(&k);
	return rc;
}

/* ---- several files: the Git Data API ----------------------------------- */

static void ref_path(struct call *k, const struct ctx *c, const char *kind, const char *branch)
{
	call_path(k, c, kind);
	gh_escape(&k->path, branch, true);
}

/* The head commit of `branch`. */
static int read_head(struct ctx *c, const char *branch, char head[41])
{
	struct call k;
	int rc = -1;

	call_init(&k);
	ref_path(&k, c, "/git/ref/heads/", branch);
	buf_addf(&k.what, "reading branch '%s' of '%s'", branch, c->o->repo);
	if (call_send(&k, c, "GET", NULL, "contents:read") < 0)
		goto out;
	if (k.resp.status == 404) {
		log_error("branch '%s' not found in '%s' (or the token cannot read the repository: "
			  "it needs contents:read)", branch, c->o->repo);
		goto out;
	}
	if (k.resp.status != 200) {
		rc = call_fail(&k);
		goto out;
	}
	rc = answer_sha(&k, cJSON_GetObjectItemCaseSensitive(k.json, "object"), "sha", head);
out:
	call_release(&k);
	return rc;
}

/* The entries of tree `sha` (cached: trees never change). */
static const cJSON *tree_entries(struct ctx *c, const char *sha)
{
	const cJSON *entries = NULL;
	struct call k;
	void *tmp;

	for (size_t i = 0; i < c->ntrees; i++)
		if (strcmp(c->trees[i].sha, sha) == 0)
			return cJSON_GetObjectItemCaseSensitive(c->trees[i].json, "tree");
	call_init(&k);
	call_path(&k, c, "/git/trees/");
	buf_adds(&k.path, sha);
	buf_addf(&k.what, "reading tree '%.12s' of '%s'", sha, c->o->repo);
	if (call_send(&k, c, "GET", NULL, "contents:read") < 0)
		goto out;
	if (k.resp.status != 200) {
		call_fail(&k);
		goto out;
	}
	entries = cJSON_GetObjectItemCaseSensitive(k.json, "tree");
	if (!cJSON_IsArray(entries)) {
		log_error("%s: the answer has no 'tree' list", k.what.ptr);
		entries = NULL;
		goto out;
	}
	if (!(tmp = realloc(c->trees, (c->ntrees + 1) * sizeof(*c->trees)))) {
		entries = NULL;
		log_oom();
		goto out;
	}
	c->trees = tmp;
	memcpy(c->trees[c->ntrees].sha, sha, SHA1_HEX_LEN + 1);
	c->trees[c->ntrees++].json = k.json;
	k.json = NULL; /* the cache owns it */
out:
	call_release(&k);
	return entries;
}

static const cJSON *tree_find(const cJSON *entries, const char *name, size_t len)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, entries) {
		const char *p = jstr(e, "path");

		if (p && strlen(p) == len && memcmp(p, name, len) == 0)
			return e;
	}
	return NULL;
}

/* Walk from the root tree to f->path: its mode and blob sha. */
static int tree_lookup(struct ctx *c, const char *root, struct commit_file *f,
		       const char *branch, char blob[41])
{
	char sha[SHA1_HEX_LEN + 1];
	const char *seg = f->path;

	memcpy(sha, root, sizeof(sha));
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
		const cJSON *entries = tree_entries(c, sha), *e;
		const char *type, *mode, *s;

		if (!entries)
			return -1;
		e = tree_find(entries, seg, len);
		type = jstr(e, "type");
		mode = jstr(e, "mode");
		s = jstr(e, "sha");
		if (!e || !type || !is_sha(s))
			return missing_file(c, f, branch, "");
		if (slash) {
			if (strcmp(type, "tree") != 0)
				return missing_file(c, f, branch, "");
			memcpy(sha, s, sizeof(sha));
			seg = slash + 1;
			continue;
		}
		if (mode && strcmp(mode, "120000") == 0) {
			log_error_at(f->path, 0, "manifest '%s' on branch '%s' of '%s' is a symbolic "
				     "link: the API cannot write through a link", f->path, branch,
				     c->o->repo);
			log_fix("set the 'manifest' input to the file the link points to");
			return -1;
		}
		if (strcmp(type, "blob") != 0 || !mode ||
		    (strcmp(mode, "100644") != 0 && strcmp(mode, "100755") != 0)) {
			log_error_at(f->path, 0, "manifest '%s' on branch '%s' of '%s' is not a "
				     "regular file (%s %s)", f->path, branch, c->o->repo,
				     type, mode ? mode : "");
			return -1;
		}
		memcpy(f->mode, mode, 7);
		memcpy(blob, s, SHA1_HEX_LEN + 1);
		return 0;
	}
}

static int read_blob(struct ctx *c, struct commit_file *f, const char *blob)
{
	const char *content, *enc;
	struct call k;
	int rc = -1;

	call_init(&k);
	call_path(&k, c, "/git/blobs/");
	buf_adds(&k.path, blob);
	buf_addf(&k.what, "reading '%s' (blob %.12s) of '%s'", f->path, blob, c->o->repo);
	k.req.body_max = BLOB_JSON_MAX;
	if (call_send(&k, c, "GET", NULL, "contents:read") < 0)
		goto out;
	if (k.resp.status != 200) {
		rc = call_fail(&k);
		goto out;
	}
	content = jstr(k.json, "content");
	enc = jstr(k.json, "encoding");
	if (!content || !enc || strcmp(enc, "base64") != 0) {
		log_error("%s: the answer has no base64 'content'", k.what.ptr);
		goto out;
	}
	rc = take_content(&k, f, content, strlen(content), true, blob);
out:
	call_release(&k);
	return rc;
}

/* GET git/commits/SHA into k (k->json: the commit).  0 or -1 (reported). */
static int read_commit(struct ctx *c, struct call *k, const char *sha)
{
	call_path(k, c, "/git/commits/");
	buf_adds(&k->path, sha);
	buf_addf(&k->what, "reading commit '%.12s' of '%s'", sha, c->o->repo);
	if (call_send(k, c, "GET", NULL, "contents:read") < 0)
		return -1;
	return k->resp.status == 200 ? 0 : call_fail(k);
}

/* Every file at commit `head`; its tree into `tree`. */
static int read_tree_files(struct ctx *c, const char *head, const char *branch, char tree[41],
			   struct commit_file *files, size_t n)
{
	struct call k;
	int rc = -1;

	call_init(&k);
	if (read_commit(c, &k, head) < 0 ||
	    answer_sha(&k, cJSON_GetObjectItemCaseSensitive(k.json, "tree"), "sha", tree) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char blob[SHA1_HEX_LEN + 1];

		if (tree_lookup(c, tree, &files[i], branch, blob) < 0 ||
		    read_blob(c, &files[i], blob) < 0)
			goto out;
	}
	rc = 0;
out:
	call_release(&k);
	return rc;
}

static int apply(struct ctx *c, struct commit_file *files, size_t n, bool *any);
static bool same_message(const char *a, const char *b);

/* ---- several files: one GraphQL createCommitOnBranch ------------------- */

/*
 * docs.github.com GraphQL reference, "Commits": createCommitOnBranch appends
 * a commit to the branch only while its head is `expectedHeadOid`; GitHub
 * signs it (Verified) for App and GITHUB_TOKEN credentials and takes no
 * author.  Errors come with HTTP 200 in "errors": a moved head is
 * "Expected branch to point to \"OID\" but it did not" (type STALE_DATA),
 * a missing permission "Resource not accessible by integration" (type
 * FORBIDDEN), a protected branch names its rule.
 */
static const char graphql_mutation[] =
	"mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) "
	"{ commit { oid url signature { isValid } } } }";

/* GitHub keeps the message as headline "\n\n" body: split it so, and
 * give the stored form to `stored` (NULL: not wanted). */
static int add_message(cJSON *input, const char *message, struct buf *stored)
{
	const char *nl = strchr(message, '\n'), *body = nl ? nl : "";
	cJSON *m = cJSON_AddObjectToObject(input, "message");
	char *headline = strndup(message, nl ? (size_t)(nl - message) : strlen(message));
	size_t blen;
	int rc = -1;

	while (*body == '\n' || *body == '\r')
		body++;
	blen = strlen(body);
	while (blen && (body[blen - 1] == '\n' || body[blen - 1] == '\r'))
		blen--;
	if (!m || !headline || !cJSON_AddStringToObject(m, "headline", headline))
		goto out;
	if (blen) {
		char *b = strndup(body, blen);

		if (!b || !cJSON_AddStringToObject(m, "body", b)) {
			free(b);
			goto out;
		}
		free(b);
	}
	if (stored) {
		buf_reset(stored);
		buf_adds(stored, headline);
		if (blen) {
			buf_adds(stored, "\n\n");
			buf_add(stored, body, blen);
		}
		if (buf_failed(stored))
			goto out;
	}
	rc = 0;
out:
	free(headline);
	return rc < 0 ? log_oom() : 0;
}

static cJSON *graphql_body(const struct ctx *c, const char *branch, const char *head,
			   const struct commit_file *files, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *input, *br, *adds, *fc;

	if (!root || !cJSON_AddStringToObject(root, "query", graphql_mutation) ||
	    !(input = cJSON_AddObjectToObject(cJSON_AddObjectToObject(root, "variables"), "input")) ||
	    !(br = cJSON_AddObjectToObject(input, "branch")) ||
	    !cJSON_AddStringToObject(br, "repositoryNameWithOwner", c->o->repo) ||
	    !cJSON_AddStringToObject(br, "branchName", branch) ||
	    !cJSON_AddStringToObject(input, "expectedHeadOid", head) ||
	    !(fc = cJSON_AddObjectToObject(input, "fileChanges")) ||
	    !(adds = cJSON_AddArrayToObject(fc, "additions"))) {
		log_oom();
		goto fail;
	}
	if (add_message(input, c->o->message, NULL) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		cJSON *a;

		if (!files[i].changed)
			continue;
		if (!(a = cJSON_CreateObject()) || !cJSON_AddItemToArray(adds, a)) {
			cJSON_Delete(a);
			log_oom();
			goto fail;
		}
		if (!cJSON_AddStringToObject(a, "path", files[i].path)) {
			log_oom();
			goto fail;
		}
		if (add_base64(a, "contents", &files[i].new) < 0)
			goto fail;
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

/* The first GraphQL error of an answer, classified.  -1 (reported) or
 * CONFLICT. */
static int graphql_error(const struct ctx *c, const char *branch, const struct call *k,
			 const cJSON *err)
{
	const char *type = jstr(err, "type"), *msg = jstr(err, "message");

	if (!msg)
		msg = "(no message)";
	if ((type && strcmp(type, "STALE_DATA") == 0) ||
	    strcasestr(msg, "expected branch to point to"))
		return CONFLICT;
	if (strcasestr(msg, "protected branch") ||
	    strcasestr(msg, "must be made through a pull request") ||
	    strcasestr(msg, "repository rule violation")) {
		log_error("branch '%s' of '%s' is protected: GitHub says '%s'; set 'pull-request: "
			  "true' to commit to a new branch and open a pull request instead", branch,
			  c->o->repo, msg);
		return -1;
	}
	if ((type && strcmp(type, "FORBIDDEN") == 0) || strcasestr(msg, "not accessible")) {
		log_error("%s failed: GitHub says '%s': the token lacks contents:write on '%s' "
			  "(fine-grained PAT or GitHub App: Contents read and write)", k->what.ptr,
			  msg, c->o->repo);
		return -1;
	}
	if (type && strcmp(type, "NOT_FOUND") == 0) {
		log_error("%s failed: GitHub says '%s': branch '%s' or '%s' does not exist, or the "
			  "token cannot see it", k->what.ptr, msg, branch, c->o->repo);
		return -1;
	}
	log_error("%s failed: GitHub says '%s'%s%s%s", k->what.ptr, msg, type ? " (" : "",
		  type ? type : "", type ? ")" : "");
	return -1;
}

/* One commit of the changed files on `head`.  WRITTEN, CONFLICT, LOST (a
 * 2xx answer that cannot be read: the commit may have been made) or -1. */
static int write_graphql(struct ctx *c, const char *branch, const char *head,
			 struct commit_file *files, size_t n, struct commit_result *res)
{
	cJSON *body = graphql_body(c, branch, head, files, n);
	const cJSON *errors, *commit;
	char oid[SHA1_HEX_LEN + 1];
	struct call k;
	int rc = -1;

	call_init(&k);
	if (!body)
		goto out;
	buf_adds(&k.path, "/graphql");
	buf_addf(&k.what, "committing %zu files to branch '%s' of '%s'", n, branch, c->o->repo);
	k.req.graphql = true;
	if (call_send(&k, c, "POST", body, "contents:write") < 0) {
		res->unsure = k.resp.attempts > 0; /* it went out: it may have landed */
		goto out;
	}
	if (k.resp.status / 100 != 2) {
		rc = call_fail(&k);
		goto out;
	}
	memcpy(c->tried_head, head, sizeof(c->tried_head));
	errors = cJSON_GetObjectItemCaseSensitive(k.json, "errors");
	if (cJSON_GetArraySize(errors) > 0) {
		rc = graphql_error(c, branch, &k, cJSON_GetArrayItem(errors, 0));
		goto out;
	}
	commit = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(k.json, "data"), "createCommitOnBranch"), "commit");
	if (!is_sha(jstr(commit, "oid"))) {
		log_warning("%s: GitHub answered HTTP %ld but the answer cannot be read: checking "
			    "the branch", k.what.ptr, k.resp.status);
		rc = LOST;
		goto out;
	}
	memcpy(oid, jstr(commit, "oid"), sizeof(oid));
	if (set_dup(&res->sha, oid, &k) < 0 || set_dup(&res->url, jstr(commit, "url"), &k) < 0)
		goto out;
	res->verified = verification_of(commit, &res->verified_known);
	c->tried_head[0] = '\0';
	rc = WRITTEN;
out:
	cJSON_Delete(body);
	call_release(&k);
	return rc;
}

/*
 * After a GraphQL commit on c->tried_head whose answer was unreadable, or
 * that conflicted when the files now read as already changed (the client
 * resent it after a dropped connection, and the first copy landed): the
 * branch head is ours when its one parent is c->tried_head and its message
 * is ours (as GitHub stores it).  Then res gets its sha, URL and
 * verification, and the files hold the change (read at the parent and
 * edited again).  *moved: the head is not c->tried_head any more.  0, or
 * -1 (reported).
 */
static int claim_lost_graphql(struct ctx *c, const char *branch, struct commit_file *files,
			      size_t n, struct commit_result *res, bool *ours, bool *moved)
{
	char head[SHA1_HEX_LEN + 1], parent[SHA1_HEX_LEN + 1], tree[SHA1_HEX_LEN + 1];
	struct buf stored = BUF_INIT;
	const cJSON *parents;
	cJSON *scratch = cJSON_CreateObject();
	const char *msg;
	struct call k;
	bool any;
	int rc = -1;

	*ours = false;
	*moved = true;
	call_init(&k);
	if (!scratch || add_message(scratch, c->o->message, &stored) < 0)
		goto out;
	if (read_head(c, branch, head) < 0)
		goto out;
	if (strcmp(head, c->tried_head) == 0) { /* nothing landed */
		*moved = false;
		rc = 0;
		goto out;
	}
	if (read_commit(c, &k, head) < 0)
		goto out;
	msg = jstr(k.json, "message");
	parents = cJSON_GetObjectItemCaseSensitive(k.json, "parents");
	rc = 0;
	if (!msg || !same_message(msg, stored.ptr) || cJSON_GetArraySize(parents) != 1 ||
	    answer_sha(&k, cJSON_GetArrayItem(parents, 0), "sha", parent) < 0 ||
	    strcmp(parent, c->tried_head) != 0)
		goto out;
	rc = -1;
	if (set_dup(&res->sha, head, &k) < 0 ||
	    set_dup(&res->url, jstr(k.json, "html_url"), &k) < 0)
		goto out;
	res->verified = verification_of(k.json, &res->verified_known);
	/* the change, for the report: the files at the parent, edited again */
	if (read_tree_files(c, parent, branch, tree, files, n) < 0 || apply(c, files, n, &any) < 0)
		goto out;
	c->tried_head[0] = '\0';
	*ours = true;
	rc = 0;
out:
	cJSON_Delete(scratch);
	buf_release(&stored);
	call_release(&k);
	return rc;
}

/* ---- a PUT whose answer was lost ------------------------------------------ */

/* Equal but for trailing line breaks (a message is stored as given, but a
 * tool on the way may add one). */
static bool same_message(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	while (na && a[na - 1] == '\n')
		na--;
	while (nb && b[nb - 1] == '\n')
		nb--;
	return na == nb && memcmp(a, b, na) == 0;
}

/*
 * The file is now exactly what the last, conflicting PUT tried to write:
 * the PUT may have landed with its answer lost, and the client's resent
 * copy conflicted with it.  The branch head is that commit when its message
 * is ours, it has one parent, and it changed f->path from the blob the PUT
 * replaced (f->seen) to the blob it wrote (c->tried).  Then *ours is set,
 * res gets its sha and URL, and f holds the change (old: the file at the
 * parent).  Four requests (the head, its commit, the file at both
 * commits), only on this path.  0, or -1 (reported).
 */
static int claim_lost_put(struct ctx *c, const char *branch, struct commit_file *f,
			  struct commit_result *res, bool *ours)
{
	char head[SHA1_HEX_LEN + 1], parent[SHA1_HEX_LEN + 1];
	struct commit_file before, now;
	const cJSON *parents;
	const char *msg;
	struct buf tmp;
	struct call k;
	int rc = -1;

	*ours = false;
	commit_file_init(&before, f->path);
	commit_file_init(&now, f->path);
	call_init(&k);
	if (read_head(c, branch, head) < 0 || read_commit(c, &k, head) < 0)
		goto out;
	msg = jstr(k.json, "message");
	parents = cJSON_GetObjectItemCaseSensitive(k.json, "parents");
	if (!msg || !same_message(msg, c->o->message) || cJSON_GetArraySize(parents) != 1) {
		rc = 0;
		goto out;
	}
	if (answer_sha(&k, cJSON_GetArrayItem(parents, 0), "sha", parent) < 0 ||
	    read_contents(c, &before, parent, branch) < 0 ||
	    read_contents(c, &now, head, branch) < 0)
		goto out;
	rc = 0;
	if (strcmp(before.blob, f->seen) != 0 || strcmp(now.blob, c->tried) != 0)
		goto out;
	/* f: from the file at the parent to the file now */
	tmp = f->new;
	f->new = now.old;
	now.old = tmp;
	tmp = f->old;
	f->old = before.old;
	before.old = tmp;
	memcpy(f->blob, f->seen, sizeof(f->blob));
	f->changed = true;
	if (set_dup(&res->sha, head, &k) < 0 ||
	    set_dup(&res->url, jstr(k.json, "html_url"), &k) < 0)
		rc = -1;
	res->verified = verification_of(k.json, &res->verified_known);
	*ours = rc == 0;
out:
	commit_file_release(&before);
	commit_file_release(&now);
	call_release(&k);
	return rc;
}

/* The file is what the last conflicting PUT wrote: ours, or say so.  0 or -1. */
static int lost_answer(struct ctx *c, const char *branch, struct commit_file *f,
		       struct commit_result *res)
{
	bool ours;

	if (claim_lost_put(c, branch, f, res, &ours) < 0)
		return -1;
	res->changed = ours;
	if (ours)
		log_info("the answer to committing '%s' was lost, but GitHub made the commit: "
			 "%.12s on branch '%s' is ours", f->path, res->sha, branch);
	else
		log_notice("'%s' on branch '%s' is now exactly what the last attempt wrote: an "
			   "attempt whose answer was lost may have committed it", f->path, branch);
	return 0;
}

/* The files read as a GraphQL commit that conflicted would have made them:
 * ours when the head is that commit, or say so.  0 or -1. */
static int lost_graphql(struct ctx *c, const char *branch, struct commit_file *files, size_t n,
			struct commit_result *res)
{
	bool ours;

	bool moved;

	if (claim_lost_graphql(c, branch, files, n, res, &ours, &moved) < 0)
		return -1;
	res->changed = ours;
	if (ours)
		log_info("the answer to the commit was lost, but GitHub made it: %.12s on branch "
			 "'%s' is ours", res->sha, branch);
	else
		log_notice("the files on branch '%s' are now exactly what the last attempt wrote: "
			   "an attempt whose answer was lost may have committed them", branch);
	return 0;
}

/*
 * A 2xx GraphQL answer that cannot be read: the commit was made, or may
 * have been (the rule of unreadable_put).  0 when the head is our commit;
 * CONFLICT when the branch did not move (nothing landed: try again); else
 * -1, saying it may have been made (res->unsure).
 */
static int lost_write(struct ctx *c, const char *branch, struct commit_file *files, size_t n,
		      struct commit_result *res)
{
	bool ours, moved;

	if (claim_lost_graphql(c, branch, files, n, res, &ours, &moved) < 0)
		return -1;
	if (ours) {
		log_info("the answer to the commit was lost, but GitHub made it: %.12s on branch "
			 "'%s' is ours", res->sha, branch);
		return 0;
	}
	if (!moved)
		return CONFLICT;
	res->unsure = true;
	log_error("committing to branch '%s' of '%s': GitHub answered, so the commit may have "
		  "been made, but its answer cannot be read and the head of the branch is not "
		  "recognisably it: look at the branch before running this again", branch,
		  c->o->repo);
	log_fix("look at branch '%s' of '%s': if the deploy commit is there, nothing is left "
		"to do", branch, c->o->repo);
	return -1;
}

/* ---- the loop ------------------------------------------------------------ */

/* Run the edit on every file; *any: something changed. */
static int apply(struct ctx *c, struct commit_file *files, size_t n, bool *any)
{
	*any = false;
	for (size_t i = 0; i < n; i++) {
		files[i].changed = false;
		buf_reset(&files[i].new);
		if (c->o->edit(c->o->arg, &files[i]) < 0)
			return -1;
		*any |= files[i].changed;
	}
	return 0;
}

/* Read every file: at the commit in `head` when `at_head` (the caller read
 * it), else at the branch head (for several files read into `head`).  For
 * several files `tree` is filled too. */
static int read_all(struct ctx *c, const char *branch, bool at_head,
		    struct commit_file *files, size_t n, char head[41], char tree[41])
{
	if (n == 1)
		return read_contents(c, &files[0], at_head ? head : branch, branch);
	if (!at_head && read_head(c, branch, head) < 0)
		return -1;
	return read_tree_files(c, head, branch, tree, files, n);
}

static void ctx_release(struct ctx *c)
{
	for (size_t i = 0; i < c->ntrees; i++)
		cJSON_Delete(c->trees[i].json);
	free(c->trees);
}

double commit_backoff_window(int attempt, int conflicts, long took_ms)
{
	double b = 2.0 * (double)took_ms / (double)GH_RETRY_BASE_MS, w;

	if (!(b >= 1.0))
		b = 1.0;
	w = b * (conflicts > 1 ? conflicts : 1);
	for (int i = 2; i < attempt && w < COMMIT_BACKOFF_CAP * b; i++)
		w *= 2;
	return w < COMMIT_BACKOFF_CAP * b ? w : COMMIT_BACKOFF_CAP * b;
}

/* Every file is as the conflicting attempt read it: the branch moved, but
 * not through these files. */
static bool unchanged(const struct commit_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(files[i].blob, files[i].seen) != 0)
			return false;
	return true;
}

struct race {
	int max;          /* max-attempts */
	int attempt;      /* counted attempts */
	int conflicts;    /* every conflict, counted or not */
	int spare;        /* conflicts that may still go uncounted */
	long took_ms;     /* how long the conflicting attempt took */
	bool pending;     /* the last conflict is not counted or not yet */
	bool waited;      /* the wait before the next attempt is done */
};

static int give_up(const struct ctx *c, const struct race *r, const char *branch)
{
	log_error("gave up committing to branch '%s' of '%s' after %d attempts: other commits "
		  "kept landing first (raise 'max-attempts')", branch, c->o->repo, r->attempt);
	log_fix("raise 'max-attempts' (or 'timeout'), or serialise the deploys with a "
		"`concurrency:` group");
	return -1;
}

/*
 * After the re-read that follows a conflict: does it count as an attempt?
 * Not when the files are as that attempt read them (`spare` such conflicts
 * at most).  0 to go on, -1 (reported) when the attempts are used up.
 */
static int count_conflict(struct ctx *c, struct race *r, const char *branch,
			  const struct commit_file *files, size_t n)
{
	r->pending = false;
	if (r->spare && unchanged(files, n)) {
		r->spare--;
		log_notice("branch '%s' of '%s' moved while committing, but not through %s: "
			   "trying again (not counted as an attempt)", branch, c->o->repo,
			   n == 1 ? "this file" : "these files");
		return 0;
	}
	if (r->attempt >= r->max)
		return give_up(c, r, branch);
	r->attempt++;
	log_notice("branch '%s' of '%s' moved while committing (another deploy?): re-applied "
		   "the edit to what is there now (attempt %d of %d)", branch, c->o->repo,
		   r->attempt, r->max);
	return 0;
}

static int backoff(struct ctx *c, const struct race *r, const char *what)
{
	return gh_backoff_window(c->gh, commit_backoff_window(r->attempt + 1, r->conflicts,
							      r->took_ms),
				 (double)r->took_ms / 1000.0, r->attempt + 1, what);
}

/* Read, edit and commit to `branch` until it lands (see commit.h). */
static int commit_loop(struct ctx *c, const char *branch, struct commit_file *files, size_t n,
		       struct commit_result *res)
{
	struct race r = { .max = gh_max_attempts(c->gh), .attempt = 1, .waited = true };
	char head[SHA1_HEX_LEN + 1] = "", tree[SHA1_HEX_LEN + 1] = "";
	struct buf what = BUF_INIT;
	int rc = -1;
	bool any;

	r.spare = r.max;
	buf_addf(&what, "committing to branch '%s' of '%s'", branch, c->o->repo);
	if (buf_failed(&what))
		return log_oom();
	for (;;) {
		double t0 = gh_clock();

		res->attempts = r.attempt;
		if (read_all(c, branch, false, files, n, head, tree) < 0 ||
		    apply(c, files, n, &any) < 0)
			goto out;
		if (!any) {
			res->changed = false;
			/* the client resends a request whose connection died; if
			 * the first one landed, the resent PUT conflicts with it */
			if (n == 1 && c->tried[0] && strcmp(files[0].blob, c->tried) == 0)
				rc = lost_answer(c, branch, &files[0], res);
			else if (n > 1 && c->tried_head[0])
				rc = lost_graphql(c, branch, files, n, res);
			else
				rc = 0;
			goto out;
		}
		if (r.pending) {
			if (count_conflict(c, &r, branch, files, n) < 0)
				goto out;
			res->attempts = r.attempt;
			/* the last attempt re-read at once to learn whether it may go
			 * on; it may: wait now, then read again */
			if (!r.waited) {
				r.waited = true;
				if (backoff(c, &r, what.ptr) < 0)
					goto out;
				continue;
			}
		}
		res->changed = true;
		if (c->o->dry_run) {
			rc = 0;
			goto out;
		}
		rc = n == 1 ? write_contents(c, &files[0], branch, res)
			    : write_graphql(c, branch, head, files, n, res);
		if (rc == LOST && (rc = lost_write(c, branch, files, n, res)) != CONFLICT)
			goto out;
		if (rc != CONFLICT)
			goto out;
		rc = -1;
		r.took_ms = (long)((gh_clock() - t0) * 1000.0);
		r.conflicts++;
		for (size_t i = 0; i < n; i++)
			memcpy(files[i].seen, files[i].blob, sizeof(files[i].seen));
		if (r.attempt >= r.max && !r.spare) {
			give_up(c, &r, branch);
			goto out;
		}
		r.pending = true;
		r.waited = r.attempt < r.max;
		if (r.waited && backoff(c, &r, what.ptr) < 0)
			goto out;
	}
out:
	buf_release(&what);
	return rc;
}

/* GraphQL takes no author: say so once when one was asked for. */
static void warn_author(const struct commit_opts *o, size_t n)
{
	if (n > 1 && o->author_name && !o->dry_run)
		log_warning("input 'commit-author' is not used for a commit of several files: "
			    "GitHub's createCommitOnBranch takes no author (and signs the commit)");
}

/* res->verified from GET commits/SHA when no answer said it. */
static int read_verification(struct ctx *c, struct commit_result *res)
{
	struct call k;
	int rc = -1;

	if (!res->changed || !res->sha || res->verified_known || c->o->dry_run)
		return 0;
	call_init(&k);
	call_path(&k, c, "/commits/");
	buf_adds(&k.path, res->sha);
	buf_addf(&k.what, "reading the verification of commit '%.12s' of '%s'", res->sha,
		 c->o->repo);
	if (call_send(&k, c, "GET", NULL, "contents:read") < 0)
		goto out;
	if (k.resp.status != 200) {
		rc = call_fail(&k);
		goto out;
	}
	res->verified = verification_of(cJSON_GetObjectItemCaseSensitive(k.json, "commit"),
					&res->verified_known);
	rc = 0;
out:
	call_release(&k);
	return rc;
}

int commit_files(struct gh_client *gh, const struct commit_opts *o,
		 struct commit_file *files, size_t n, struct commit_result *res)
{
	struct ctx c = { .gh = gh, .o = o };
	int rc;

	memset(res, 0, sizeof(*res));
	warn_author(o, n);
	rc = commit_loop(&c, o->branch, files, n, res);
	if (rc == 0)
		rc = read_verification(&c, res);
	ctx_release(&c);
	return rc;
}

/* ---- pull requests ---------------------------------------------------------- */

/* Create `branch` at `sha`; an existing branch is fine. */
static int create_branch(struct ctx *c, const char *branch, const char *sha, bool *created)
{
	cJSON *body = cJSON_CreateObject();
	struct buf ref = BUF_INIT;
	struct call k;
	int rc = -1;

	call_init(&k);
	call_path(&k, c, "/git/refs");
	buf_addf(&k.what, "creating branch '%s' in '%s'", branch, c->o->repo);
	buf_addf(&ref, "refs/heads/%s", branch);
	if (!body || buf_failed(&ref) || !cJSON_AddStringToObject(body, "ref", ref.ptr) ||
	    !cJSON_AddStringToObject(body, "sha", sha)) {
		log_oom();
		goto out;
	}
	if (call_send(&k, c, "POST", body, "contents:write") < 0)
		goto out;
	*created = k.resp.status == 201;
	if (k.resp.status == 422 && k.resp.message && strcasestr(k.resp.message, "already exists"))
		rc = 0;
	else
		rc = *created ? 0 : call_fail(&k);
out:
	cJSON_Delete(body);
	buf_release(&ref);
	call_release(&k);
	return rc;
}

/* A pull request answer's "number", or 0. */
static long long pull_number(const cJSON *pr)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(pr, "number");

	return cJSON_IsNumber(n) && n->valuedouble >= 1 && n->valuedouble < 9.0e15 ?
	       (long long)n->valuedouble : 0;
}

/* The open pull request from `head` into `base`, after GitHub said one exists. */
static int find_pull(struct ctx *c, struct commit_result *res)
{
	const char *slash = strchr(c->o->repo, '/');
	struct buf q = BUF_INIT;
	struct call k;
	int rc = -1;

	call_init(&k);
	call_path(&k, c, "/pulls?head=");
	buf_addf(&q, "%.*s:%s", (int)(slash - c->o->repo), c->o->repo, c->o->pr_branch);
	gh_escape(&k.path, buf_cstr(&q), false);
	buf_adds(&k.path, "&base=");
	gh_escape(&k.path, c->o->branch, false);
	buf_adds(&k.path, "&state=open");
	buf_addf(&k.what, "looking up the pull request from '%s' into '%s' of '%s'",
		 c->o->pr_branch, c->o->branch, c->o->repo);
	if (buf_failed(&q)) {
		log_oom();
		goto out;
	}
	if (call_send(&k, c, "GET", NULL, "pull_requests:read") < 0)
		goto out;
	if (k.resp.status != 200) {
		rc = call_fail(&k);
		goto out;
	}
	if (!jstr(cJSON_GetArrayItem(k.json, 0), "html_url")) {
		log_error("%s: GitHub said one exists, but lists none", k.what.ptr);
		goto out;
	}
	rc = set_dup(&res->pr_url, jstr(cJSON_GetArrayItem(k.json, 0), "html_url"), NULL);
	res->pr_number = pull_number(cJSON_GetArrayItem(k.json, 0));
	res->pr_existed = true;
out:
	buf_release(&q);
	call_release(&k);
	return rc;
}

static int open_pull(struct ctx *c, struct commit_result *res)
{
	const struct commit_opts *o = c->o;
	cJSON *body = cJSON_CreateObject();
	struct call k;
	int rc = -1;

	call_init(&k);
	call_path(&k, c, "/pulls");
	buf_addf(&k.what, "opening a pull request from '%s' into '%s' of '%s'", o->pr_branch,
		 o->branch, o->repo);
	if (!body || !cJSON_AddStringToObject(body, "title", o->pr_title) ||
	    !cJSON_AddStringToObject(body, "head", o->pr_branch) ||
	    !cJSON_AddStringToObject(body, "base", o->branch) ||
	    !cJSON_AddStringToObject(body, "body", o->pr_body ? o->pr_body : "")) {
		log_oom();
		goto out;
	}
	if (call_send(&k, c, "POST", body, "pull_requests:write") < 0)
		goto out;
	if (k.resp.status == 422 && k.resp.message && strcasestr(k.resp.message, "already exists")) {
		rc = find_pull(c, res);
		goto out;
	}
	if (k.resp.status != 201) {
		rc = call_fail(&k);
		goto out;
	}
	if (!jstr(k.json, "html_url")) {
		log_error("%s: the answer has no 'html_url'", k.what.ptr);
		goto out;
	}
	rc = set_dup(&res->pr_url, jstr(k.json, "html_url"), &k);
	res->pr_number = pull_number(k.json);
out:
	cJSON_Delete(body);
	call_release(&k);
	return rc;
}

int commit_pull_request(struct gh_client *gh, const struct commit_opts *o,
			struct commit_file *files, size_t n, struct commit_result *res)
{
	struct ctx c = { .gh = gh, .o = o };
	char head[SHA1_HEX_LEN + 1], tree[SHA1_HEX_LEN + 1];
	bool any, created = false;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	warn_author(o, n);
	/* Does the base branch need the change at all? */
	if (read_head(&c, o->branch, head) < 0 ||
	    read_all(&c, o->branch, true, files, n, head, tree) < 0 || apply(&c, files, n, &any) < 0)
		goto out;
	if (!any) {
		log_info("branch '%s' of '%s' has this change already: no pull request needed",
			 o->branch, o->repo);
		rc = 0;
		goto out;
	}
	if (o->dry_run) {
		res->changed = true;
		rc = 0;
		goto out;
	}
	if (create_branch(&c, o->pr_branch, head, &created) < 0)
		goto out;
	if (!created)
		log_info("branch '%s' exists already (an earlier run): adding to it", o->pr_branch);
	if (commit_loop(&c, o->pr_branch, files, n, res) < 0 || read_verification(&c, res) < 0)
		goto out;
	if (o->require_verified && res->changed && !res->verified) {
		log_error("commit %.12s on branch '%s' of '%s' is not Verified: no pull request "
			  "opened (input 'require-verified'); commit with a GitHub App or "
			  "GITHUB_TOKEN and no 'commit-author'", res->sha ? res->sha : "?",
			  o->pr_branch, o->repo);
		goto out;
	}
	rc = open_pull(&c, res);
out:
	ctx_release(&c);
	return rc;
}
