/* imagefind: see imagefind.h for the contract. */
#include "imagefind.h"

#include "buf.h"
#include "log.h"
#include "yamlpath.h"
#include "yamlquote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Node visits per file: the loader shares aliased nodes, so a walk is
 * bounded explicitly (an alias bomb costs this much and no more). */
#define VISIT_MAX 100000
#define DEPTH_MAX 256

static const struct {
	const char *kind;
	const char *pod; /* the pod spec's path */
} workloads[] = {
	{ "Deployment", "spec.template.spec" },
	{ "StatefulSet", "spec.template.spec" },
	{ "DaemonSet", "spec.template.spec" },
	{ "ReplicaSet", "spec.template.spec" },
	{ "Job", "spec.template.spec" },
	{ "Rollout", "spec.template.spec" },
	{ "CronJob", "spec.jobTemplate.spec.template.spec" },
	{ "Pod", "spec" },
};
#define NWORKLOADS (sizeof(workloads) / sizeof(*workloads))

struct finder {
	struct imagefind *plan;
	const struct imageref *ref;
	const char *container;
	const char *file;      /* for messages */
	bool nested;           /* planning a helm.values string: no strings in it */
	const struct imagefind_index *idx; /* valuesFrom of the run, or NULL */
	yaml_document_t *doc;
	const char *kind;      /* the document's kind for the report */
	size_t visits;
	bool oom;
	bool too_many;         /* more edits than the editor takes in one call */
};

/* ---- small helpers over libyaml's document ---- */

static yaml_node_t *node_at(yaml_document_t *d, int id)
{
	return id ? yaml_document_get_node(d, id) : NULL;
}

static long line_of(const yaml_node_t *n)
{
	return n ? (long)n->start_mark.line + 1 : 0;
}

/* A string scalar: not tagged other than !!str (the loader gives plain
 * scalars the !!str tag), not a plain null. */
static const char *str_of(const yaml_node_t *n, size_t *len)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE ||
	    (n->tag && strcmp((const char *)n->tag, YAML_STR_TAG) != 0))
		return NULL;
	v = (const char *)n->data.scalar.value;
	*len = n->data.scalar.length;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (!*len || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	     !strcmp(v, "NULL")))
		return NULL;
	return v;
}

static bool str_is(const yaml_node_t *n, const char *s)
{
	size_t len;
	const char *v = str_of(n, &len);

	return v && len == strlen(s) && !memcmp(v, s, len);
}

/* The value of key `key` in mapping `m`, or NULL. */
static yaml_node_t *get(yaml_document_t *d, const yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++)
		if (str_is(node_at(d, p->key), key))
			return node_at(d, p->value);
	return NULL;
}

/* Follow a dotted path of plain keys. */
static yaml_node_t *get_path(yaml_document_t *d, yaml_node_t *n, const char *path)
{
	char key[64];

	while (n && *path) {
		size_t k = strcspn(path, ".");

		if (k >= sizeof(key))
			return NULL;
		memcpy(key, path, k);
		key[k] = '\0';
		n = get(d, n, key);
		path += k + (path[k] == '.');
	}
	return n;
}

static const char *get_str(yaml_document_t *d, const yaml_node_t *m, const char *key,
			   size_t *len)
{
	return str_of(get(d, m, key), len);
}

/* ---- the plan ---- */

/* A path as the report shows it: without the [kind=K] filter in front. */
static const char *shown(const struct buf *path)
{
	const char *p = buf_cstr(path), *end;

	if (!strncmp(p, "[kind=", 6) && (end = strstr(p, "].")))
		return end + 2;
	return p;
}

/* Add `text` (taken) at `line` to the list *arr of *n notes, after every
 * note of its `severity` or a lower one, so that a list stays in the order
 * of imagefind_severity (targets and seen, all IMAGEFIND_INFO, append). */
static int note(struct finder *f, struct imagefind_note **arr, size_t *n,
		enum imagefind_severity severity, long line, struct buf *text)
{
	struct imagefind_note *a;
	size_t at = *n;
	char *t;

	if (buf_failed(text))
		goto oom;
	/* the array doubles when its count reaches a power of two */
	if (!(*n & (*n - 1))) {
		if (!(a = realloc(*arr, (*n ? 2 * *n : 1) * sizeof(**arr))))
			goto oom;
		*arr = a;
	}
	a = *arr;
	if (!(t = buf_detach(text, NULL)))
		goto oom;
	while (at > 0 && a[at - 1].severity > severity)
		at--;
	memmove(a + at + 1, a + at, (*n - at) * sizeof(*a));
	a[at] = (struct imagefind_note){ .line = line, .text = t, .severity = severity };
	(*n)++;
	return 0;
oom:
	buf_release(text);
	f->oom = true;
	return -1;
}

/* A warning: a deploy that will not roll out. */
static int warn(struct finder *f, long line, struct buf *text)
{
	return note(f, &f->plan->notes, &f->plan->nnotes, IMAGEFIND_WARNING, line, text);
}

/* add_edit's `how`: as set paths are (0), the kustomize entry that is
 * missing (CREATE_ELEMENT), or only where the value exists (NO_CREATE: a
 * string of one document, where another document of the kind lacks the
 * key, as a second ConfigMap or Application in the file may). */
enum { CREATE_ELEMENT = 1, NO_CREATE = 2 };

/* Add the edit PATH=VALUE (or count one more target for the same one). */
static int add_edit(struct finder *f, const struct buf *path, const char *value, size_t vlen,
		    int how)
{
	struct imagefind *p = f->plan;
	struct imagefind_edit *e;

	if (buf_failed(path))
		goto oom;
	for (size_t i = 0; i < p->nedits; i++) {
		e = &p->edits[i];
		if (!strcmp(e->path, path->ptr) && strlen(e->value) == vlen &&
		    !memcmp(e->value, value, vlen)) {
			e->want++;
			return 0;
		}
	}
	if (p->nedits >= YEDIT_MAX_EDITS) {
		f->too_many = true;
		return -1;
	}
	if (!(p->nedits & (p->nedits - 1))) {
		if (!(e = realloc(p->edits, (p->nedits ? 2 * p->nedits : 1) * sizeof(*e))))
			goto oom;
		p->edits = e;
	}
	e = &p->edits[p->nedits];
	*e = (struct imagefind_edit){ .want = 1, .create_element = how == CREATE_ELEMENT,
				      .no_create = how == NO_CREATE };
	if (!(e->path = strdup(path->ptr)) || !(e->value = strndup(value, vlen))) {
		free(e->path);
		goto oom;
	}
	p->nedits++;
	return 0;
oom:
	f->oom = true;
	return -1;
}

/* Parse a reference found in the file: 0, 1 when it is none (skipped), -1
 * when memory ran out (f->oom). */
static int parse_ref(struct finder *f, struct imageref *r, const char *s, size_t n)
{
	if (imageref_parse(r, s, n, NULL) == 0)
		return 0;
	if (errno != ENOMEM)
		return 1;
	f->oom = true;
	return -1;
}

/* imageref_same_name, with memory running out noted in f->oom. */
static bool same_name(struct finder *f, const char *name, size_t n)
{
	bool same = imageref_same_name(f->ref, name, n);

	if (!same && errno == ENOMEM)
		f->oom = true;
	return same;
}

/* Record an image seen at `line`. */
static int seen(struct finder *f, long line, const char *where, const char *v, size_t n)
{
	struct buf t = BUF_INIT;

	if (f->plan->nseen >= IMAGEFIND_MAX_SEEN)
		return 0;
	buf_addf(&t, "%s %s: %.*s", f->kind, where, (int)(n > 300 ? 300 : n), v);
	return note(f, &f->plan->seen, &f->plan->nseen, IMAGEFIND_INFO, line, &t);
}

static int target(struct finder *f, long line, const char *where, const char *from,
		  size_t flen, const char *to)
{
	struct buf t = BUF_INIT;

	buf_addf(&t, "%s %s: ", f->kind, where);
	if (from)
		buf_addf(&t, "%.*s -> ", (int)(flen > 300 ? 300 : flen), from);
	buf_adds(&t, to);
	return note(f, &f->plan->targets, &f->plan->ntargets, IMAGEFIND_INFO, line, &t);
}

/* The new image written with the name as the manifest spells it. */
static int new_image(struct buf *out, const struct imageref *ref, const struct imageref *old)
{
	buf_adds(out, old->name);
	if (ref->tag)
		buf_addf(out, ":%s", ref->tag);
	if (ref->digest)
		buf_addf(out, "@%s", ref->digest);
	return buf_error(out);
}

/* The tag a values file gets: the reference's, or "latest" when it has
 * neither tag nor digest (what a pull of the bare name means). */
static const char *new_tag(const struct imageref *ref)
{
	return ref->tag ? ref->tag : ref->digest ? NULL : "latest";
}

/* ---- workloads ---- */

static int pull_warning(struct finder *f, const yaml_node_t *c, const yaml_node_t *img,
			const char *where)
{
	const char *tag = new_tag(f->ref);
	size_t plen = 0;
	const char *policy = get_str(f->doc, c, "imagePullPolicy", &plen);
	struct buf t = BUF_INIT;

	if (f->ref->digest || !tag)
		return 0;
	if (policy && !(plen == 12 && !memcmp(policy, "IfNotPresent", 12)))
		return 0;
	if (!policy && !strcmp(tag, "latest"))
		return 0;
	buf_addf(&t, "%s %s gets the mutable tag '%s' with imagePullPolicy %s: nodes "
		 "that pulled '%s' before keep the old image; deploy a digest (IMAGE@sha256:...) "
		 "or set imagePullPolicy: Always", f->kind, where, tag,
		 policy ? "IfNotPresent" : "unset (IfNotPresent for this tag)", tag);
	return warn(f, line_of(img), &t);
}

static int containers(struct finder *f, const char *kind, const char *pod, const char *list,
		      yaml_node_t *seq)
{
	struct buf path = BUF_INIT, val = BUF_INIT, where = BUF_INIT;
	int rc = 0;

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && !rc; it++) {
		yaml_node_t *c = node_at(f->doc, *it), *img = get(f->doc, c, "image");
		size_t nlen = 0, ilen = 0;
		const char *name = get_str(f->doc, c, "name", &nlen);
		const char *image = str_of(img, &ilen);
		struct imageref old = IMAGEREF_INIT;

		if (!image)
			continue;
		buf_reset(&where);
		buf_addf(&where, "%s '%.*s'", !strcmp(list, "containers") ? "container" :
			 "init container", (int)(name ? nlen : 1), name ? name : "?");
		if (buf_failed(&where) || seen(f, line_of(img), buf_cstr(&where), image, ilen) < 0) {
			rc = -1;
			break;
		}
		int pr = parse_ref(f, &old, image, ilen);

		if (pr < 0) {
			rc = -1;
			break;
		}
		if (pr > 0 || !imageref_same(&old, f->ref) ||
		    (f->container && (!name || strlen(f->container) != nlen ||
				      memcmp(f->container, name, nlen)))) {
			imageref_release(&old);
			continue;
		}
		buf_reset(&path);
		buf_reset(&val);
		buf_addf(&path, "[kind=%s].%s.%s", kind, pod, list);
		if (name) {
			buf_adds(&path, "[name=");
			ypath_format_quoted(&path, name, nlen);
			buf_adds(&path, "]");
		} else {
			buf_addf(&path, "[%zu]", (size_t)(it - seq->data.sequence.items.start));
		}
		buf_adds(&path, ".image");
		new_image(&val, f->ref, &old);
		imageref_release(&old);
		if (buf_failed(&val) ||
		    add_edit(f, &path, val.ptr, val.len, 0) < 0 ||
		    target(f, line_of(img), buf_cstr(&where), image, ilen, val.ptr) < 0 ||
		    pull_warning(f, c, img, buf_cstr(&where)) < 0)
			rc = -1;
	}
	if (buf_failed(&path) || buf_failed(&val) || buf_failed(&where))
		rc = -1;
	if (rc)
		f->oom = true;
	buf_release(&path);
	buf_release(&val);
	buf_release(&where);
	return rc;
}

static int workload(struct finder *f, yaml_node_t *root, size_t w)
{
	yaml_node_t *pod = get_path(f->doc, root, workloads[w].pod);

	if (containers(f, workloads[w].kind, workloads[w].pod, "initContainers",
		       get(f->doc, pod, "initContainers")) < 0 ||
	    containers(f, workloads[w].kind, workloads[w].pod, "containers",
		       get(f->doc, pod, "containers")) < 0)
		return -1;
	return 0;
}

/* ---- kustomize ---- */

/* A sequence of strings (kustomize's resources:, bases:, components:). */
static bool str_list(yaml_document_t *d, const yaml_node_t *n)
{
	size_t len;

	if (!n || n->type != YAML_SEQUENCE_NODE)
		return false;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++)
		if (!str_of(node_at(d, *it), &len))
			return false;
	return true;
}

/* kustomize's images: entries with a name and newName, newTag or digest. */
static bool kust_images(yaml_document_t *d, const yaml_node_t *n)
{
	if (!n || n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.start ==
	    n->data.sequence.items.top)
		return false;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = node_at(d, *it);

		if (!get(d, e, "name") ||
		    !(get(d, e, "newTag") || get(d, e, "newName") || get(d, e, "digest")))
			return false;
	}
	return true;
}

/* kind Kustomization of kustomize.config.k8s.io (not Flux's), or, for a
 * kustomization.yaml without kind, its own shape: a Helm values file has
 * `resources:` too, but as a mapping of requests and limits. */
static bool is_kustomization(yaml_document_t *d, yaml_node_t *root, const char *kind,
			     const char *api)
{
	if (kind)
		return !strcmp(kind, "Kustomization") &&
		       (!api || !strncmp(api, "kustomize.config.k8s.io/", 24));
	return !api && (str_list(d, get(d, root, "resources")) ||
			str_list(d, get(d, root, "bases")) ||
			str_list(d, get(d, root, "components")) ||
			kust_images(d, get(d, root, "images")));
}

/* Add PREFIX.images[name="NAME"].KEY=VALUE. */
static int kust_set(struct finder *f, const char *prefix, const char *name, size_t nlen,
		    const char *key, const char *value, bool create)
{
	struct buf path = BUF_INIT;
	int rc;

	buf_addf(&path, "%simages[name=", prefix);
	ypath_format_quoted(&path, name, nlen);
	buf_addf(&path, "].%s", key);
	rc = add_edit(f, &path, value, strlen(value), create ? CREATE_ELEMENT : 0);
	buf_release(&path);
	return rc;
}

/* Set the entry named `name`: newName when the registry changes, newTag,
 * digest (kustomize edit set image writes them in this order). */
static int kust_entry(struct finder *f, const char *prefix, const char *name, size_t nlen,
		      bool new_name, bool old_digest, bool create, long line)
{
	const struct imageref *ref = f->ref;
	const char *tag = new_tag(ref);
	struct buf to = BUF_INIT, where = BUF_INIT;
	int rc = -1;

	/* an old pin would keep the old image: emptied (kustomize omits it) */
	if (!ref->digest && old_digest &&
	    (kust_set(f, prefix, name, nlen, "digest", "", false) < 0 ||
	     buf_adds(&to, "digest \"\" (emptied), ") < 0))
		goto out;
	if (new_name && kust_set(f, prefix, name, nlen, "newName", ref->name, create) < 0)
		goto out;
	if (tag && kust_set(f, prefix, name, nlen, "newTag", tag, create) < 0)
		goto out;
	if (ref->digest && kust_set(f, prefix, name, nlen, "digest", ref->digest, create) < 0)
		goto out;
	if (new_name)
		buf_addf(&to, "newName %s, ", ref->name);
	if (tag)
		buf_addf(&to, "newTag %s", tag);
	if (ref->digest)
		buf_addf(&to, "%sdigest %s", tag ? ", " : "", ref->digest);
	buf_addf(&where, "images entry '%.*s'%s", (int)nlen, name, create ? " (created)" : "");
	if (buf_failed(&to) || buf_failed(&where) ||
	    target(f, line, where.ptr, NULL, 0, to.ptr) < 0)
		goto out;
	rc = 0;
out:
	if (rc)
		f->oom = true;
	buf_release(&to);
	buf_release(&where);
	return rc;
}

/* The images: list of kustomize (at `prefix`, under `holder`), or of a
 * Flux Kustomization's spec (the same entries; `create` false: Flux's list
 * only overrides, the overlay it builds has its own). */
static int kustomization(struct finder *f, yaml_node_t *holder, const char *prefix, bool create)
{
	yaml_node_t *images = get(f->doc, holder, "images");
	bool done = false;
	long line = line_of(images ? images : holder);

	if (images && images->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = images->data.sequence.items.start;
		     it < images->data.sequence.items.top; it++) {
			yaml_node_t *e = node_at(f->doc, *it);
			size_t nlen = 0, wlen = 0, dlen = 0;
			const char *name = get_str(f->doc, e, "name", &nlen);
			const char *nn = get_str(f->doc, e, "newName", &wlen);
			struct imageref cur = IMAGEREF_INIT;
			bool match, new_name = false;

			if (!name)
				continue;
			if (seen(f, line_of(e), "images entry", nn ? nn : name, nn ? wlen : nlen) < 0)
				return -1;
			/* the image kustomize deploys is newName, else name */
			int pr = parse_ref(f, &cur, nn ? nn : name, nn ? wlen : nlen);

			if (pr < 0)
				return -1;
			if (pr > 0)
				continue;
			match = imageref_same(&cur, f->ref);
			if (!match && !strcmp(cur.path, f->ref->path)) {
				/* the same repository path on another registry:
				 * newName moves it there */
				match = true;
				new_name = true;
			}
			imageref_release(&cur);
			if (!match)
				continue;
			if (kust_entry(f, prefix, name, nlen, new_name,
				       get_str(f->doc, e, "digest", &dlen) && dlen, false,
				       line_of(e)) < 0)
				return -1;
			done = true;
		}
	}
	if (done || !create)
		return 0;
	/* no entry for the repository: make one, as `kustomize edit set image` */
	return kust_entry(f, prefix, f->ref->name, strlen(f->ref->name), false, false, true,
			  line);
}

/* ---- Helm values ---- */

/* values_walk and values_map recurse once per level of the document, at
 * most DEPTH_MAX deep (and VISIT_MAX nodes in all). */
static int values_walk(struct finder *f, yaml_node_t *n, struct buf *path, unsigned depth);

/* A chart's pullPolicy: IfNotPresent with a mutable tag (a chart's default
 * for an unset one is its own, so only what the file says is judged). */
static int values_pull_warning(struct finder *f, const yaml_node_t *m, const char *where)
{
	const char *tag = new_tag(f->ref);
	yaml_node_t *pol = get(f->doc, m, "pullPolicy");
	size_t plen = 0;
	const char *policy = str_of(pol, &plen);
	struct buf t = BUF_INIT;

	if (f->ref->digest || !tag || !policy || plen != 12 || memcmp(policy, "IfNotPresent", 12))
		return 0;
	buf_addf(&t, "%s %s gets the mutable tag '%s' with pullPolicy IfNotPresent: nodes that "
		 "pulled '%s' before keep the old image; deploy a digest (IMAGE@sha256:...) or "
		 "set pullPolicy: Always", f->kind, where, tag, tag);
	return warn(f, line_of(pol), &t);
}

/* An `image` mapping: repository (with registry) -> tag, digest. */
static int values_image_map(struct finder *f, yaml_node_t *m, struct buf *path)
{
	yaml_node_t *repo_n = get(f->doc, m, "repository");
	size_t rlen = 0, glen = 0;
	const char *repo = str_of(repo_n, &rlen);
	const char *reg = get_str(f->doc, m, "registry", &glen);
	const char *tag = new_tag(f->ref), *digest = f->ref->digest;
	struct buf name = BUF_INIT, p = BUF_INIT, to = BUF_INIT;
	size_t base;
	yaml_node_t *old_digest = get(f->doc, m, "digest");
	size_t odlen = 0;
	const char *od = str_of(old_digest, &odlen);
	int rc = -1;

	if (!repo || !rlen) /* repository: "" names nothing */
		return 0;
	if (reg)
		buf_addf(&name, "%.*s/", (int)glen, reg);
	buf_add(&name, repo, rlen);
	if (buf_failed(&name))
		goto out;
	if (seen(f, line_of(repo_n), shown(path), name.ptr, name.len) < 0)
		goto out;
	if (!same_name(f, name.ptr, name.len)) {
		rc = f->oom ? -1 : 0;
		goto out;
	}
	buf_add(&p, path->ptr, path->len);
	buf_adds(&p, "[repository=");
	ypath_format_quoted(&p, repo, rlen);
	buf_adds(&p, "]");
	if (reg) {
		buf_adds(&p, "[registry=");
		ypath_format_quoted(&p, reg, glen);
		buf_adds(&p, "]");
	}
	base = p.len;
	if (tag) {
		buf_adds(&p, ".tag");
		if (add_edit(f, &p, tag, strlen(tag), 0) < 0)
			goto out;
		buf_addf(&to, "tag %s", tag);
	}
	/* an old pin would keep the old image: the digest follows the reference */
	if (digest || (old_digest && od)) {
		buf_truncate(&p, base);
		buf_adds(&p, ".digest");
		if (add_edit(f, &p, digest ? digest : "", digest ? strlen(digest) : 0, 0) < 0)
			goto out;
		buf_addf(&to, "%sdigest %s", tag ? ", " : "", digest ? digest : "\"\" (emptied)");
	}
	if (buf_failed(&to) || target(f, line_of(m), shown(path), NULL, 0, to.ptr) < 0 ||
	    values_pull_warning(f, m, shown(path)) < 0)
		goto out;
	rc = 0;
out:
	if (rc)
		f->oom = true;
	buf_release(&name);
	buf_release(&p);
	buf_release(&to);
	return rc;
}

/* `image: repo:tag` */
static int values_image_str(struct finder *f, yaml_node_t *s, struct buf *path)
{
	size_t len = 0;
	const char *v = str_of(s, &len);
	struct imageref old = IMAGEREF_INIT;
	struct buf to = BUF_INIT;
	int rc = -1;

	if (!v)
		return 0;
	if (seen(f, line_of(s), shown(path), v, len) < 0)
		return -1;
	switch (parse_ref(f, &old, v, len)) {
	case -1:
		return -1;
	case 1:
		return 0;
	default:
		break;
	}
	if (!imageref_same(&old, f->ref)) {
		imageref_release(&old);
		return 0;
	}
	if (new_image(&to, f->ref, &old) < 0 || add_edit(f, path, to.ptr, to.len, 0) < 0 ||
	    target(f, line_of(s), shown(path), v, len, to.ptr) < 0)
		f->oom = true;
	else
		rc = 0;
	imageref_release(&old);
	buf_release(&to);
	return rc;
}

static int values_map(struct finder *f, yaml_node_t *m, struct buf *path, unsigned depth) /* NOLINT(misc-no-recursion) */
{
	size_t base = path->len;

	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node_at(f->doc, p->key), *v = node_at(f->doc, p->value);
		size_t klen = 0;
		const char *key = str_of(k, &klen);
		int rc;

		if (!key || !v)
			continue;
		buf_truncate(path, base);
		if (base)
			buf_addc(path, '.');
		ypath_format_key(path, key, klen);
		if (buf_failed(path)) {
			f->oom = true;
			return -1;
		}
		if (klen == 5 && !memcmp(key, "image", 5) && v->type == YAML_MAPPING_NODE)
			rc = values_image_map(f, v, path);
		else if (klen == 5 && !memcmp(key, "image", 5) && v->type == YAML_SCALAR_NODE)
			rc = values_image_str(f, v, path);
		else
			rc = 0;
		if (rc < 0 || values_walk(f, v, path, depth + 1) < 0)
			return -1;
	}
	buf_truncate(path, base);
	return 0;
}

static int values_walk(struct finder *f, yaml_node_t *n, struct buf *path, unsigned depth) /* NOLINT(misc-no-recursion) */
{
	size_t base = path->len;

	if (!n || depth > DEPTH_MAX || ++f->visits > VISIT_MAX)
		return 0;
	if (n->type == YAML_MAPPING_NODE)
		return values_map(f, n, path, depth);
	if (n->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		buf_truncate(path, base);
		buf_addf(path, "[%zu]", (size_t)(it - n->data.sequence.items.start));
		if (buf_failed(path)) {
			f->oom = true;
			return -1;
		}
		if (values_walk(f, node_at(f->doc, *it), path, depth + 1) < 0)
			return -1;
	}
	buf_truncate(path, base);
	return 0;
}

static int values_at(struct finder *f, yaml_node_t *n, const char *prefix)
{
	struct buf path = BUF_INIT;
	int rc;

	buf_adds(&path, prefix);
	rc = buf_failed(&path) ? -1 : values_walk(f, n, &path, 0);
	if (rc < 0)
		f->oom = f->oom || buf_failed(&path);
	buf_release(&path);
	return rc;
}

/* ---- Argo CD Application ---- */

/* kustomize.images[N]: "name=new:tag", "name:tag", "name@digest". */
static int app_kust_images(struct finder *f, yaml_node_t *seq, const char *src)
{
	struct buf path = BUF_INIT, to = BUF_INIT, where = BUF_INIT;
	int rc = 0;

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && !rc; it++) {
		yaml_node_t *s = node_at(f->doc, *it);
		size_t len = 0, i = (size_t)(it - seq->data.sequence.items.start);
		const char *v = str_of(s, &len), *eq, *img;
		struct imageref old = IMAGEREF_INIT, from = IMAGEREF_INIT;
		bool match;

		if (!v)
			continue;
		eq = memchr(v, '=', len);
		img = eq ? eq + 1 : v;
		buf_reset(&where);
		buf_addf(&where, "%s.kustomize.images[%zu]", src, i);
		if (buf_failed(&where) || seen(f, line_of(s), buf_cstr(&where), v, len) < 0) {
			rc = -1;
			break;
		}
		int pr = parse_ref(f, &old, img, len - (size_t)(img - v));

		if (pr < 0) {
			rc = -1;
			break;
		}
		if (pr > 0)
			continue;
		match = imageref_same(&old, f->ref);
		if (!match && eq) {
			pr = parse_ref(f, &from, v, (size_t)(eq - v));
			if (pr < 0) {
				imageref_release(&old);
				rc = -1;
				break;
			}
			match = !pr && imageref_same(&from, f->ref);
		}
		imageref_release(&from);
		if (match) {
			buf_reset(&to);
			buf_reset(&path);
			if (eq)
				buf_add(&to, v, (size_t)(eq - v) + 1);
			new_image(&to, f->ref, imageref_same(&old, f->ref) ? &old : f->ref);
			buf_addf(&path, "[kind=Application].%s.kustomize.images[%zu]", src, i);
			if (buf_failed(&to) || add_edit(f, &path, to.ptr, to.len, 0) < 0 ||
			    target(f, line_of(s), where.ptr, v, len, to.ptr) < 0)
				rc = -1;
		}
		imageref_release(&old);
	}
	if (rc || buf_failed(&where))
		f->oom = true;
	buf_release(&path);
	buf_release(&to);
	buf_release(&where);
	return rc ? -1 : 0;
}

/* The value of the parameter named PREFIX.SUFFIX, or NULL. */
static yaml_node_t *param(yaml_document_t *d, yaml_node_t *seq, const char *prefix, size_t plen,
			  const char *suffix)
{
	size_t slen = strlen(suffix);

	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *e = node_at(d, *it);
		size_t nlen = 0;
		const char *name = get_str(d, e, "name", &nlen);

		if (name && nlen == plen + 1 + slen && !memcmp(name, prefix, plen) &&
		    name[plen] == '.' && !memcmp(name + plen + 1, suffix, slen))
			return e;
	}
	return NULL;
}

/* The reference is a digest without a tag, and the application has only
 * P.tag: nothing can hold it, and a parameter is never created. */
static int param_no_digest(struct finder *f, long line, const char *where, size_t plen,
			   const char *name)
{
	struct buf t = BUF_INIT;

	buf_addf(&t, "%s %s: the reference has a digest and no tag, and there is no "
		 "%.*s.digest parameter to hold it: add one to the application, or deploy "
		 "IMAGE:TAG@DIGEST", f->kind, where, (int)plen, name);
	return warn(f, line, &t);
}

static int app_param_set(struct finder *f, const char *src, const char *prefix, size_t plen,
			 const char *suffix, const char *value, struct buf *to)
{
	struct buf path = BUF_INIT, name = BUF_INIT;
	int rc;

	buf_addf(&name, "%.*s.%s", (int)plen, prefix, suffix);
	buf_addf(&path, "[kind=Application].%s.helm.parameters[name=", src);
	ypath_format_quoted(&path, name.ptr ? name.ptr : "", name.len);
	buf_adds(&path, "].value");
	rc = buf_failed(&name) ? -1 : add_edit(f, &path, value, strlen(value), 0);
	buf_addf(to, "%s%s=%s", to->len ? ", " : "", buf_cstr(&name), value);
	buf_release(&path);
	buf_release(&name);
	return rc;
}

/* helm.parameters: PREFIX.repository (with PREFIX.registry) naming the
 * repository sets PREFIX.tag and PREFIX.digest where they are. */
static int app_params(struct finder *f, yaml_node_t *seq, const char *src)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *e = node_at(f->doc, *it), *reg_e, *tag_e, *dig_e;
		size_t nlen = 0, rlen = 0, glen = 0, plen;
		const char *name = get_str(f->doc, e, "name", &nlen);
		const char *repo = get_str(f->doc, e, "value", &rlen), *reg = NULL;
		const char *tag = new_tag(f->ref);
		struct buf full = BUF_INIT, to = BUF_INIT, where = BUF_INIT;
		bool match;
		int rc = 0;

		if (!name || !repo || nlen < 11 || memcmp(name + nlen - 11, ".repository", 11))
			continue;
		plen = nlen - 11;
		reg_e = param(f->doc, seq, name, plen, "registry");
		tag_e = param(f->doc, seq, name, plen, "tag");
		dig_e = param(f->doc, seq, name, plen, "digest");
		if (reg_e && (reg = get_str(f->doc, reg_e, "value", &glen)))
			buf_addf(&full, "%.*s/", (int)glen, reg);
		buf_add(&full, repo, rlen);
		buf_addf(&where, "%s.helm.parameters %.*s", src, (int)plen, name);
		if (buf_failed(&full) || buf_failed(&where) ||
		    seen(f, line_of(e), where.ptr, full.ptr, full.len) < 0) {
			rc = -1;
			goto next;
		}
		match = same_name(f, full.ptr, full.len);
		if (f->oom) {
			rc = -1;
			goto next;
		}
		if (!match || (!tag_e && !dig_e))
			goto next;
		if ((tag_e && tag && app_param_set(f, src, name, plen, "tag", tag, &to) < 0) ||
		    (dig_e && app_param_set(f, src, name, plen, "digest",
					    f->ref->digest ? f->ref->digest : "", &to) < 0) ||
		    buf_failed(&to) ||
		    /* nothing set: a digest-only reference, and only P.tag to hold it */
		    (to.len ? target(f, line_of(e), where.ptr, NULL, 0, to.ptr)
			    : param_no_digest(f, line_of(e), where.ptr, plen, name)) < 0)
			rc = -1;
next:
		buf_release(&full);
		buf_release(&to);
		buf_release(&where);
		if (rc) {
			f->oom = true;
			return -1;
		}
	}
	return 0;
}

static int plan_text(struct imagefind *plan, const char *in, size_t len,
		     const struct imageref *ref, const char *container, const char *file,
		     bool nested, const struct imagefind_index *idx);

/* The inner plan's notes, under `label`: "values image: x" becomes
 * "Application spec.source.helm.values image: x". */
static int adopt_notes(struct finder *f, struct imagefind_note **arr, size_t *n,
		       const struct imagefind_note *from, size_t nfrom, const char *label)
{
	for (size_t i = 0; i < nfrom; i++) {
		struct buf t = BUF_INIT;
		const char *text = from[i].text;

		if (!strncmp(text, "values ", 7))
			text += 7;
		buf_addf(&t, "%s %s", label, text);
		if (note(f, arr, n, from[i].severity, from[i].line, &t) < 0)
			return -1;
	}
	return 0;
}

/*
 * A values file inside a string: Argo CD's helm.values (the older form of
 * valuesObject; Argo CD's order is parameters > valuesObject > values), a
 * ConfigMap's data key that a Flux valuesFrom names.  Its images are
 * planned on the string's own text and set there by yedit_apply(), so
 * that text keeps every other byte; the new text is one edit (`path`) of
 * the file.  A literal block (`values: |`) holds one line of the file per
 * line of text: the text is read with as many empty lines in front as the
 * file has before it, so every line number (messages, notes) is the
 * file's.  The recursion through plan_text() is one level deep: a nested
 * plan does not look into strings (f->nested).  `label` names the string
 * in notes ("Application spec.source.helm.values").
 */
static int values_text(struct finder *f, yaml_node_t *v, const struct buf *path, /* NOLINT(misc-no-recursion) */
		       const char *label)
{
	struct imagefind in = IMAGEFIND_INIT;
	struct buf text = BUF_INIT, out = BUF_INIT, w = BUF_INIT;
	struct yedit *ye = NULL;
	size_t len, pad;
	const char *s = str_of(v, &len);
	int rc = -1, ok;

	if (!s || f->nested) /* one level: a string in a string is not looked into */
		return 0;
	pad = v->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ? (size_t)line_of(v) : 0;
	for (size_t i = 0; i < pad; i++)
		buf_addc(&text, '\n');
	buf_add(&text, s, len);
	if (buf_failed(&text) || buf_failed(path))
		goto oom;
	if ((ok = plan_text(&in, text.ptr, text.len, f->ref, NULL, f->file, true, NULL)) < 0)
		goto out; /* reported */
	if (ok > 0) {
		buf_addf(&w, "%s is not YAML: its images were not looked for", label);
		rc = warn(f, line_of(v), &w);
		goto out;
	}
	if (adopt_notes(f, &f->plan->targets, &f->plan->ntargets, in.targets, in.ntargets,
			label) < 0 ||
	    adopt_notes(f, &f->plan->seen, &f->plan->nseen, in.seen, in.nseen, label) < 0 ||
	    adopt_notes(f, &f->plan->notes, &f->plan->nnotes, in.notes, in.nnotes, label) < 0)
		goto out;
	if (!in.nedits) {
		rc = 0;
		goto out;
	}
	if (!(ye = calloc(in.nedits, sizeof(*ye))))
		goto oom;
	imagefind_yedits(&in, ye);
	if (yedit_apply(&out, text.ptr, text.len, ye, in.nedits, f->file, NULL) < 0 ||
	    imagefind_check(&in, ye, f->file) < 0)
		goto out; /* reported */
	/* the empty lines in front are bytes outside every target: unchanged */
	rc = add_edit(f, path, out.ptr + pad, out.len - pad, NO_CREATE);
	goto out;
oom:
	f->oom = true;
out:
	free(ye);
	imagefind_release(&in);
	buf_release(&text);
	buf_release(&out);
	buf_release(&w);
	return rc;
}

/* helm.values of the source at `at`. */
static int app_values_text(struct finder *f, yaml_node_t *v, const char *at) /* NOLINT(misc-no-recursion) */
{
	struct buf path = BUF_INIT, label = BUF_INIT;
	int rc;

	buf_addf(&path, "[kind=Application].%s.helm.values", at);
	buf_addf(&label, "Application %s.helm.values", at);
	if (buf_failed(&label)) {
		f->oom = true;
		rc = -1;
	} else {
		rc = values_text(f, v, &path, label.ptr);
	}
	buf_release(&path);
	buf_release(&label);
	return rc;
}

static int app_source(struct finder *f, yaml_node_t *src, const char *at) /* NOLINT(misc-no-recursion) */
{
	struct buf prefix = BUF_INIT;
	yaml_node_t *helm = get(f->doc, src, "helm");
	int rc = -1;

	if (!src || src->type != YAML_MAPPING_NODE)
		return 0;
	if (app_kust_images(f, get_path(f->doc, src, "kustomize.images"), at) < 0 ||
	    app_params(f, get(f->doc, helm, "parameters"), at) < 0)
		goto out;
	buf_addf(&prefix, "[kind=Application].%s.helm.valuesObject", at);
	if (buf_failed(&prefix)) {
		f->oom = true;
		goto out;
	}
	if (values_at(f, get(f->doc, helm, "valuesObject"), prefix.ptr) < 0 ||
	    app_values_text(f, get(f->doc, helm, "values"), at) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&prefix);
	return rc;
}

static int application(struct finder *f, yaml_node_t *root) /* NOLINT(misc-no-recursion) */
{
	yaml_node_t *spec = get(f->doc, root, "spec"), *sources = get(f->doc, spec, "sources");
	char at[48];

	if (app_source(f, get(f->doc, spec, "source"), "spec.source") < 0)
		return -1;
	if (!sources || sources->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = sources->data.sequence.items.start;
	     it < sources->data.sequence.items.top; it++) {
		snprintf(at, sizeof(at), "spec.sources[%zu]",
			 (size_t)(it - sources->data.sequence.items.start));
		if (app_source(f, node_at(f->doc, *it), at) < 0)
			return -1;
	}
	return 0;
}

/* ---- Flux valuesFrom ---- */

/* A copy of a string scalar (NULL when there is none, or it holds a NUL
 * byte and so cannot be a name).  0, or -1 when memory ran out. */
static int copy_str(char **out, const yaml_node_t *n)
{
	size_t len = 0;
	const char *v = str_of(n, &len);

	*out = NULL;
	if (!v || memchr(v, '\0', len))
		return 0;
	return (*out = strndup(v, len)) ? 0 : -1;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* Namespaces: the same object unless both say one and they differ (Flux
 * reads a reference in the HelmRelease's namespace; a file without one
 * gets it at apply time). */
static bool same_ns(const char *a, const char *b)
{
	return !a || !b || !strcmp(a, b);
}

/* targetPath P.tag or P.digest: the repository spec.values gives P
 * (registry/repository, as values_image_map reads it) in *out, or NULL
 * (no such mapping, or a path in Helm's --set syntax beyond plain dotted
 * keys).  0, or -1 when memory ran out. */
static int target_repo(yaml_document_t *d, yaml_node_t *values, const char *target, char **out)
{
	const char *dot = strrchr(target, '.');
	char prefix[256];
	size_t plen, rlen = 0, glen = 0;
	const char *repo, *reg;
	yaml_node_t *m;
	struct buf name = BUF_INIT;

	*out = NULL;
	if (!dot || (strcmp(dot, ".tag") != 0 && strcmp(dot, ".digest") != 0) ||
	    strpbrk(target, "\\[],=") || (plen = (size_t)(dot - target)) >= sizeof(prefix))
		return 0;
	memcpy(prefix, target, plen);
	prefix[plen] = '\0';
	m = get_path(d, values, prefix);
	repo = get_str(d, m, "repository", &rlen);
	reg = get_str(d, m, "registry", &glen);
	if (!repo || !rlen)
		return 0;
	if (reg)
		buf_addf(&name, "%.*s/", (int)glen, reg);
	buf_add(&name, repo, rlen);
	if (buf_failed(&name) || !(*out = buf_detach(&name, NULL))) {
		buf_release(&name);
		return -1;
	}
	return 0;
}

static void vref_free(struct imagefind_vref *r)
{
	free(r->release);
	free(r->ns);
	free(r->kind);
	free(r->name);
	free(r->key);
	free(r->target);
	free(r->repo);
}

/* One spec.valuesFrom entry `e` (with a kind and a name) of the
 * HelmRelease whose metadata and spec are given.  0, or -1 (memory). */
static int index_ref(struct imagefind_index *idx, yaml_document_t *d, yaml_node_t *e,
		     yaml_node_t *meta, yaml_node_t *spec)
{
	struct imagefind_vref r = { .optional = str_is(get(d, e, "optional"), "true") };
	struct imagefind_vref *a;
	char *repo = NULL;
	int rc = -1;

	if (copy_str(&r.release, get(d, meta, "name")) < 0 ||
	    copy_str(&r.ns, get(d, meta, "namespace")) < 0 ||
	    copy_str(&r.kind, get(d, e, "kind")) < 0 ||
	    copy_str(&r.name, get(d, e, "name")) < 0 ||
	    copy_str(&r.key, get(d, e, "valuesKey")) < 0 ||
	    copy_str(&r.target, get(d, e, "targetPath")) < 0 ||
	    (!r.key && !(r.key = strdup("values.yaml"))) ||
	    (r.target && target_repo(d, get(d, spec, "values"), r.target, &repo) < 0))
		goto out;
	r.repo = repo;
	if (!r.kind || !r.name) { /* none, or a NUL byte in it: names nothing */
		rc = 0;
		goto out;
	}
	if (!(idx->nrefs & (idx->nrefs - 1))) {
		if (!(a = realloc(idx->refs, (idx->nrefs ? 2 * idx->nrefs : 1) * sizeof(*a))))
			goto out;
		idx->refs = a;
	}
	idx->refs[idx->nrefs++] = r;
	return 0;
out:
	vref_free(&r);
	return rc;
}

/* Every spec.valuesFrom entry of one HelmRelease. */
static int index_release(struct imagefind_index *idx, yaml_document_t *d, yaml_node_t *root)
{
	yaml_node_t *meta = get(d, root, "metadata"), *spec = get(d, root, "spec");
	yaml_node_t *seq = get(d, spec, "valuesFrom");

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && idx->nrefs < IMAGEFIND_MAX_REFS; it++)
		if (index_ref(idx, d, node_at(d, *it), meta, spec) < 0)
			return -1;
	return 0;
}

static int index_object(struct imagefind_index *idx, yaml_document_t *d, yaml_node_t *root)
{
	yaml_node_t *meta = get(d, root, "metadata");
	struct imagefind_obj o = { 0 }, *a;

	if (idx->nobjs >= IMAGEFIND_MAX_REFS)
		return 0;
	if (copy_str(&o.kind, get(d, root, "kind")) < 0 ||
	    copy_str(&o.name, get(d, meta, "name")) < 0 ||
	    copy_str(&o.ns, get(d, meta, "namespace")) < 0)
		goto oom;
	if (!o.name) {
		free(o.kind);
		free(o.ns);
		return 0;
	}
	if (!(idx->nobjs & (idx->nobjs - 1))) {
		if (!(a = realloc(idx->objs, (idx->nobjs ? 2 * idx->nobjs : 1) * sizeof(*a))))
			goto oom;
		idx->objs = a;
	}
	idx->objs[idx->nobjs++] = o;
	return 0;
oom:
	free(o.kind);
	free(o.name);
	free(o.ns);
	return -1;
}

int imagefind_index_add(struct imagefind_index *idx, const char *in, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = 0;

	if (!memmem(in, len, "valuesFrom", 10) && !memmem(in, len, "ConfigMap", 9) &&
	    !memmem(in, len, "Secret", 6))
		return 0;
	if (!yaml_parser_initialize(&parser))
		return log_oom();
	yaml_parser_set_input_string(&parser, (const unsigned char *)in, len);
	while (!rc) {
		yaml_node_t *root;
		size_t klen = 0;
		const char *kind;

		if (!yaml_parser_load(&parser, &doc)) {
			/* not YAML: the plan says so; a failed allocation (libyaml
			 * 0.2.5 sets no error for some) is ours to report */
			if (parser.error == YAML_MEMORY_ERROR || parser.error == YAML_NO_ERROR)
				rc = -1;
			break;
		}
		if (!(root = yaml_document_get_root_node(&doc))) {
			yaml_document_delete(&doc);
			break;
		}
		kind = get_str(&doc, root, "kind", &klen);
		if (kind && !strcmp(kind, "HelmRelease"))
			rc = index_release(idx, &doc, root);
		else if (kind && (!strcmp(kind, "ConfigMap") || !strcmp(kind, "Secret")))
			rc = index_object(idx, &doc, root);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	return rc ? log_oom() : 0;
}

void imagefind_index_release(struct imagefind_index *idx)
{
	for (size_t i = 0; i < idx->nrefs; i++)
		vref_free(&idx->refs[i]);
	for (size_t i = 0; i < idx->nobjs; i++) {
		free(idx->objs[i].kind);
		free(idx->objs[i].name);
		free(idx->objs[i].ns);
	}
	free(idx->refs);
	free(idx->objs);
	*idx = (struct imagefind_index)IMAGEFIND_INDEX_INIT;
}

/* A notice, unless the plan has that text already (said once). */
static int notice(struct finder *f, long line, struct buf *text)
{
	if (buf_failed(text)) {
		buf_release(text);
		f->oom = true;
		return -1;
	}
	for (size_t i = 0; i < f->plan->nnotes; i++)
		if (f->plan->notes[i].severity == IMAGEFIND_NOTICE &&
		    !strcmp(f->plan->notes[i].text, text->ptr)) {
			buf_release(text);
			return 0;
		}
	return note(f, &f->plan->notes, &f->plan->nnotes, IMAGEFIND_NOTICE, line, text);
}

/* A HelmRelease's spec.valuesFrom entries that are not looked into: a
 * Secret (never edited), an object that is not among the files. */
static int release_refs(struct finder *f, yaml_node_t *root)
{
	yaml_node_t *seq = get_path(f->doc, root, "spec.valuesFrom");
	size_t rlen = 0, nslen = 0;
	const char *rel = get_str(f->doc, get(f->doc, root, "metadata"), "name", &rlen);
	const char *ns = get_str(f->doc, get(f->doc, root, "metadata"), "namespace", &nslen);

	if (!f->idx || !seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *e = node_at(f->doc, *it);
		size_t klen = 0, nlen = 0;
		const char *kind = get_str(f->doc, e, "kind", &klen);
		const char *name = get_str(f->doc, e, "name", &nlen);
		struct buf t = BUF_INIT;
		bool found = false;

		if (!kind || !name)
			continue;
		if (klen == 6 && !memcmp(kind, "Secret", 6)) {
			buf_addf(&t, "HelmRelease valuesFrom Secret '%.*s': a Secret is never edited "
				 "(its data is base64, often encrypted); an image kept there is not "
				 "deployed by this step: keep it in spec.values or a ConfigMap",
				 (int)nlen, name);
			if (notice(f, line_of(e), &t) < 0)
				return -1;
			continue;
		}
		if (klen != 9 || memcmp(kind, "ConfigMap", 9) != 0)
			continue;
		for (size_t i = 0; i < f->idx->nobjs && !found; i++) {
			const struct imagefind_obj *o = &f->idx->objs[i];

			found = str_eq(o->kind, "ConfigMap") && strlen(o->name) == nlen &&
				!memcmp(o->name, name, nlen) &&
				(!ns || !o->ns || (strlen(o->ns) == nslen && !memcmp(o->ns, ns, nslen)));
		}
		if (found)
			continue;
		buf_addf(&t, "HelmRelease '%.*s' valuesFrom ConfigMap '%.*s'%s is not among the "
			 "manifests: its images were not looked for (add its file to the 'manifest' "
			 "input)", (int)(rel ? rlen : 1), rel ? rel : "?", (int)nlen, name,
			 str_is(get(f->doc, e, "optional"), "true") ? " (optional)" : "");
		if (notice(f, line_of(e), &t) < 0)
			return -1;
	}
	return 0;
}

/* targetPath: the ConfigMap key's whole value is the one value at P.tag,
 * P.digest (the repository from spec.values' P), or P itself when it is
 * a reference (`image: repo:tag`).  `where` follows f->kind in notes
 * ("'web-version' data.tag (HelmRelease 'web' targetPath image.tag)"). */
static int configmap_target(struct finder *f, const struct imagefind_vref *r, yaml_node_t *v,
			    const struct buf *path, const char *where)
{
	size_t len = 0;
	const char *val = str_of(v, &len), *dot = strrchr(r->target, '.');
	const char *leaf = dot ? dot + 1 : r->target, *to;
	struct imageref old = IMAGEREF_INIT;
	struct buf t = BUF_INIT;
	bool tag = !strcmp(leaf, "tag");
	int pr;

	if (!val)
		return 0;
	if (tag || !strcmp(leaf, "digest")) {
		if (!r->repo && strpbrk(r->target, "\\[],=")) {
			/* Helm's --set syntax: an escaped dot, an index, a list */
			buf_addf(&t, "%s %s: targetPath '%s' uses Helm's --set syntax (an escape, "
				 "an index or a list), which is not followed here, so the image "
				 "this %s belongs to is not known: not edited", f->kind, where,
				 r->target, leaf);
			return notice(f, line_of(v), &t);
		}
		if (!r->repo) {
			buf_addf(&t, "%s %s: the HelmRelease's spec.values gives no %.*s.repository, so "
				 "the image this %s belongs to is not known (the chart's default?): "
				 "not edited; put %.*s.repository in spec.values", f->kind, where,
				 (int)(leaf - r->target - 1), r->target, leaf,
				 (int)(leaf - r->target - 1), r->target);
			return notice(f, line_of(v), &t);
		}
		if (seen(f, line_of(v), where, r->repo, strlen(r->repo)) < 0)
			return -1;
		if (!same_name(f, r->repo, strlen(r->repo)))
			return f->oom ? -1 : 0;
		to = tag ? new_tag(f->ref) : f->ref->digest ? f->ref->digest : "";
		if (!to) {
			buf_addf(&t, "%s %s: the reference has a digest and no tag, and this key "
				 "holds only the tag: not set; deploy IMAGE:TAG@DIGEST", f->kind, where);
			return warn(f, line_of(v), &t);
		}
		if (add_edit(f, path, to, strlen(to), NO_CREATE) < 0 ||
		    target(f, line_of(v), where, val, len, *to ? to : "\"\" (emptied)") < 0)
			return -1;
		return 0;
	}
	if (seen(f, line_of(v), where, val, len) < 0 || (pr = parse_ref(f, &old, val, len)) < 0)
		return -1;
	if (pr > 0)
		return 0;
	if (imageref_same(&old, f->ref) &&
	    (new_image(&t, f->ref, &old) < 0 || add_edit(f, path, t.ptr, t.len, NO_CREATE) < 0 ||
	     target(f, line_of(v), where, val, len, t.ptr) < 0))
		f->oom = true;
	imageref_release(&old);
	buf_release(&t);
	return f->oom ? -1 : 0;
}

/* Two references to one key of one ConfigMap (two releases share it):
 * planned once. */
static bool planned_before(const struct imagefind_index *idx, size_t i)
{
	const struct imagefind_vref *r = &idx->refs[i];

	for (size_t j = 0; j < i; j++) {
		const struct imagefind_vref *q = &idx->refs[j];

		if (str_eq(q->kind, r->kind) && str_eq(q->name, r->name) && same_ns(q->ns, r->ns) &&
		    str_eq(q->key, r->key))
			return true;
	}
	return false;
}

/* A ConfigMap that valuesFrom names: each key read is a values file, or
 * with targetPath the one value there. */
static int configmap(struct finder *f, yaml_node_t *root) /* NOLINT(misc-no-recursion) */
{
	yaml_node_t *meta = get(f->doc, root, "metadata"), *data = get(f->doc, root, "data");
	size_t nlen = 0, nslen = 0;
	const char *name = get_str(f->doc, meta, "name", &nlen);
	const char *ns = get_str(f->doc, meta, "namespace", &nslen);

	if (!name || memchr(name, '\0', nlen) || (ns && memchr(ns, '\0', nslen)))
		return 0;
	for (size_t i = 0; i < f->idx->nrefs; i++) {
		const struct imagefind_vref *r = &f->idx->refs[i];
		struct buf path = BUF_INIT, where = BUF_INIT;
		yaml_node_t *v;
		int rc;

		if (!str_eq(r->kind, "ConfigMap") || !str_eq(r->name, name) || !same_ns(r->ns, ns) ||
		    planned_before(f->idx, i))
			continue;
		/* "ConfigMap 'v' data.tag": values_text's label; configmap_target
		 * takes it without the kind (f->kind comes in front in notes) */
		buf_addf(&where, "%s '%s' data.%s", f->kind, name, r->key);
		if (r->target)
			buf_addf(&where, " (HelmRelease '%s' targetPath %s)",
				 r->release ? r->release : "?", r->target);
		buf_adds(&path, "[kind=ConfigMap].data.");
		ypath_format_key(&path, r->key, strlen(r->key));
		if (buf_failed(&where) || buf_failed(&path)) {
			f->oom = true;
			rc = -1;
		} else if (!(v = get(f->doc, data, r->key))) {
			struct buf t = BUF_INIT;

			buf_addf(&t, "%s, which HelmRelease '%s' reads through valuesFrom, is not "
				 "there: nothing to look into", where.ptr, r->release ? r->release : "?");
			rc = notice(f, line_of(data ? data : root), &t);
		} else {
			rc = r->target ? configmap_target(f, r, v, &path,
							 where.ptr + strlen(f->kind) + 1)
				       : values_text(f, v, &path, where.ptr);
		}
		buf_release(&path);
		buf_release(&where);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- documents ---- */

static int document(struct finder *f, yaml_node_t *root) /* NOLINT(misc-no-recursion) */
{
	size_t klen = 0, alen = 0;
	const char *kind = get_str(f->doc, root, "kind", &klen);
	const char *api = get_str(f->doc, root, "apiVersion", &alen);

	if (!root || root->type != YAML_MAPPING_NODE)
		return 0;
	for (size_t w = 0; kind && w < NWORKLOADS; w++)
		if (!strcmp(kind, workloads[w].kind)) {
			if (!strcmp(kind, "Rollout") && (!api || strncmp(api, "argoproj.io/", 12)))
				return 0;
			f->kind = kind;
			return workload(f, root, w);
		}
	if (is_kustomization(f->doc, root, kind, api)) {
		f->kind = "Kustomization";
		return kustomization(f, root, kind ? "[kind=Kustomization]." : "", true);
	}
	if (kind && !strcmp(kind, "Kustomization") && api &&
	    !strncmp(api, "kustomize.toolkit.fluxcd.io/", 28)) {
		f->kind = "Flux Kustomization";
		return kustomization(f, get(f->doc, root, "spec"), "[kind=Kustomization].spec.",
				     false);
	}
	if (kind && !strcmp(kind, "HelmRelease")) {
		f->kind = "HelmRelease";
		if (values_at(f, get_path(f->doc, root, "spec.values"),
			      "[kind=HelmRelease].spec.values") < 0)
			return -1;
		return release_refs(f, root);
	}
	if (kind && !strcmp(kind, "ConfigMap") && (!api || !strcmp(api, "v1")) && f->idx) {
		f->kind = "ConfigMap";
		return configmap(f, root);
	}
	if (kind && !strcmp(kind, "Application") && api && !strncmp(api, "argoproj.io/", 12)) {
		f->kind = "Application";
		return application(f, root);
	}
	if (!kind && !api) {
		f->kind = "values";
		return values_at(f, root, "");
	}
	return 0;
}

/* imagefind_plan(); `nested` plans a helm.values string: its strings are
 * not looked into, and text that is not YAML is 1 with nothing reported
 * (the caller warns), so it is read once. */
static int plan_text(struct imagefind *plan, const char *in, size_t len, /* NOLINT(misc-no-recursion) */
		     const struct imageref *ref, const char *container, const char *file,
		     bool nested, const struct imagefind_index *idx)
{
	struct finder f = { .plan = plan, .ref = ref, .container = container, .file = file,
			    .nested = nested, .idx = idx };
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = -1;

	*plan = (struct imagefind)IMAGEFIND_INIT;
	if (!yaml_parser_initialize(&parser))
		return log_oom();
	yaml_parser_set_input_string(&parser, (const unsigned char *)in, len);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			/* libyaml 0.2.5's loader fails some allocations (a
			 * node's tag) without setting an error */
			if (parser.error == YAML_MEMORY_ERROR || parser.error == YAML_NO_ERROR) {
				rc = log_oom();
				goto out;
			}
			if (nested) { /* the caller warns */
				rc = 1;
				goto out;
			}
			log_error_at(file, (long)parser.problem_mark.line + 1, "'%s' is not valid "
				     "YAML: %s (line %zu)", file, parser.problem ? parser.problem :
				     "error", parser.problem_mark.line + 1);
			goto out;
		}
		if (!(root = yaml_document_get_root_node(&doc))) {
			yaml_document_delete(&doc);
			break;
		}
		f.doc = &doc;
		f.kind = "?";
		rc = document(&f, root);
		yaml_document_delete(&doc);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (f.visits > VISIT_MAX) {
		log_error_at(file, 0, "'%s' has more than %d nodes to look through for images "
			     "(aliases included)", file, VISIT_MAX);
		goto out;
	}
	rc = 0;
out:
	if (f.too_many)
		log_error_at(file, 0, "'%s' has more than %d places to set the image in (aliases "
			     "included)", file, YEDIT_MAX_EDITS);
	else if (f.oom)
		rc = log_oom();
	yaml_parser_delete(&parser);
	if (rc)
		imagefind_release(plan);
	return rc;
}

int imagefind_plan(struct imagefind *plan, const char *in, size_t len,
		   const struct imageref *ref, const char *container, const char *file)
{
	struct imagefind_index idx = IMAGEFIND_INDEX_INIT;
	int rc;

	if (imagefind_index_add(&idx, in, len) < 0) {
		*plan = (struct imagefind)IMAGEFIND_INIT;
		return -1;
	}
	rc = plan_text(plan, in, len, ref, container, file, false, &idx);
	imagefind_index_release(&idx);
	return rc;
}

int imagefind_plan_with(struct imagefind *plan, const char *in, size_t len,
			const struct imageref *ref, const char *container, const char *file,
			const struct imagefind_index *idx)
{
	return plan_text(plan, in, len, ref, container, file, false, idx);
}

int imagefind_check(const struct imagefind *plan, const struct yedit *done, const char *file)
{
	for (size_t i = 0; i < plan->nedits; i++) {
		size_t hits = done[i].changed + done[i].unchanged + done[i].created;

		if (hits == plan->edits[i].want)
			continue;
		log_error_at(file, done[i].line, "the image edit '%s' reaches %zu value%s in '%s' "
			     "where %zu %s meant: another document holds the same path with another "
			     "image; put the documents in files of their own (or name the container "
			     "with the 'container' input)", plan->edits[i].path, hits,
			     hits == 1 ? "" : "s", file, plan->edits[i].want,
			     plan->edits[i].want == 1 ? "was" : "were");
		return -1;
	}
	return 0;
}

void imagefind_yedits(const struct imagefind *plan, struct yedit *out)
{
	for (size_t i = 0; i < plan->nedits; i++)
		out[i] = (struct yedit){
			.op = YEDIT_SET,
			.path = plan->edits[i].path,
			.value = plan->edits[i].value,
			.value_len = strlen(plan->edits[i].value),
			.create_element = plan->edits[i].create_element,
			.no_create = plan->edits[i].no_create,
			.mode = YQ_STRING, /* a tag is a string, even 1.5 */
		};
}

void imagefind_show_notes(const struct imagefind *plan, const char *file)
{
	for (size_t i = 0; i < plan->nnotes; i++) {
		const struct imagefind_note *n = &plan->notes[i];

		if (n->severity == IMAGEFIND_WARNING)
			log_warning_at(file, n->line, "%s", n->text);
		else
			log_notice_at(file, n->line, "%s", n->text);
	}
}

int imagefind_none(const struct imagefind *plans, const char *const *files, size_t n,
		   const struct imageref *ref, const char *container)
{
	struct buf found = BUF_INIT;
	size_t listed = 0;

	for (size_t i = 0; i < n; i++)
		imagefind_show_notes(&plans[i], files[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < plans[i].nseen; j++, listed++)
			if (listed < 20)
				buf_addf(&found, "%s%s:%ld %s", listed ? "; " : "", files[i],
					 plans[i].seen[j].line, plans[i].seen[j].text);
	if (listed > 20)
		buf_addf(&found, "; and %zu more", listed - 20);
	if (buf_failed(&found)) {
		buf_release(&found);
		return log_oom();
	}
	log_error_at(files[0], 0, "no image of repository '%s'%s%s%s in %s (found: %s)",
		     ref->name, container ? " in a container named '" : "",
		     container ? container : "", container ? "'" : "",
		     n == 1 ? files[0] : "the manifests", listed ? found.ptr : "no image at all");
	buf_release(&found);
	return -1;
}

static void notes_free(struct imagefind_note *n, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(n[i].text);
	free(n);
}

void imagefind_release(struct imagefind *plan)
{
	for (size_t i = 0; i < plan->nedits; i++) {
		free(plan->edits[i].path);
		free(plan->edits[i].value);
	}
	free(plan->edits);
	notes_free(plan->targets, plan->ntargets);
	notes_free(plan->seen, plan->nseen);
	notes_free(plan->notes, plan->nnotes);
	*plan = (struct imagefind)IMAGEFIND_INIT;
}
