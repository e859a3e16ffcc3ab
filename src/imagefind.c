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

static int note(struct finder *f, struct imagefind_note **arr, size_t *n, long line,
		struct buf *text)
{
	struct imagefind_note *a;
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
	a[*n] = (struct imagefind_note){ .line = line, .text = t };
	(*n)++;
	return 0;
oom:
	buf_release(text);
	f->oom = true;
	return -1;
}

/* Add the edit PATH=VALUE (or count one more target for the same one). */
static int add_edit(struct finder *f, const struct buf *path, const char *value, size_t vlen,
		    bool create_element)
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
	*e = (struct imagefind_edit){ .want = 1, .create_element = create_element };
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
	return note(f, &f->plan->seen, &f->plan->nseen, line, &t);
}

static int target(struct finder *f, long line, const char *where, const char *from,
		  size_t flen, const char *to)
{
	struct buf t = BUF_INIT;

	buf_addf(&t, "%s %s: ", f->kind, where);
	if (from)
		buf_addf(&t, "%.*s -> ", (int)(flen > 300 ? 300 : flen), from);
	buf_adds(&t, to);
	return note(f, &f->plan->targets, &f->plan->ntargets, line, &t);
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
	return note(f, &f->plan->warnings, &f->plan->nwarnings, line_of(img), &t);
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
		    add_edit(f, &path, val.ptr, val.len, false) < 0 ||
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
	rc = add_edit(f, &path, value, strlen(value), create);
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
	return note(f, &f->plan->warnings, &f->plan->nwarnings, line_of(pol), &t);
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
		if (add_edit(f, &p, tag, strlen(tag), false) < 0)
			goto out;
		buf_addf(&to, "tag %s", tag);
	}
	/* an old pin would keep the old image: the digest follows the reference */
	if (digest || (old_digest && od)) {
		buf_truncate(&p, base);
		buf_adds(&p, ".digest");
		if (add_edit(f, &p, digest ? digest : "", digest ? strlen(digest) : 0, false) < 0)
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
	if (new_image(&to, f->ref, &old) < 0 || add_edit(f, path, to.ptr, to.len, false) < 0 ||
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
			if (buf_failed(&to) || add_edit(f, &path, to.ptr, to.len, false) < 0 ||
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
	return note(f, &f->plan->warnings, &f->plan->nwarnings, line, &t);
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
	rc = buf_failed(&name) ? -1 : add_edit(f, &path, value, strlen(value), false);
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
		     bool nested);

/* The inner plan's notes, as the Application's: "values image: x" becomes
 * "Application spec.source.helm.values image: x". */
static int adopt_notes(struct finder *f, struct imagefind_note **arr, size_t *n,
		       const struct imagefind_note *from, size_t nfrom, const char *at)
{
	for (size_t i = 0; i < nfrom; i++) {
		struct buf t = BUF_INIT;
		const char *text = from[i].text;

		if (!strncmp(text, "values ", 7))
			text += 7;
		buf_addf(&t, "Application %s.helm.values %s", at, text);
		if (note(f, arr, n, from[i].line, &t) < 0)
			return -1;
	}
	return 0;
}

/*
 * helm.values: a values file inside a string (the older form of
 * valuesObject; Argo CD's order is parameters > valuesObject > values).
 * Its images are planned on the string's own text and set there by
 * yedit_apply(), so that text keeps every other byte; the new text is one
 * edit of the Application.  A literal block (`values: |`) holds one line
 * of the file per line of text: the text is read with as many empty lines
 * in front as the file has before it, so every line number (messages,
 * notes) is the file's.  The recursion through plan_text() is one level
 * deep: a nested plan does not look into strings (f->nested).
 */
static int app_values_text(struct finder *f, yaml_node_t *v, const char *at) /* NOLINT(misc-no-recursion) */
{
	struct imagefind in = IMAGEFIND_INIT;
	struct buf text = BUF_INIT, out = BUF_INIT, path = BUF_INIT, w = BUF_INIT;
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
	buf_addf(&path, "[kind=Application].%s.helm.values", at);
	if (buf_failed(&text) || buf_failed(&path))
		goto oom;
	if ((ok = plan_text(&in, text.ptr, text.len, f->ref, NULL, f->file, true)) < 0)
		goto out; /* reported */
	if (ok > 0) {
		buf_addf(&w, "Application %s.helm.values is not YAML: its images were not looked "
			 "for", at);
		rc = note(f, &f->plan->warnings, &f->plan->nwarnings, line_of(v), &w);
		goto out;
	}
	if (adopt_notes(f, &f->plan->targets, &f->plan->ntargets, in.targets, in.ntargets, at) < 0 ||
	    adopt_notes(f, &f->plan->seen, &f->plan->nseen, in.seen, in.nseen, at) < 0 ||
	    adopt_notes(f, &f->plan->warnings, &f->plan->nwarnings, in.warnings, in.nwarnings,
			at) < 0)
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
	rc = add_edit(f, &path, out.ptr + pad, out.len - pad, false);
	goto out;
oom:
	f->oom = true;
out:
	free(ye);
	imagefind_release(&in);
	buf_release(&text);
	buf_release(&out);
	buf_release(&path);
	buf_release(&w);
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
		return values_at(f, get_path(f->doc, root, "spec.values"),
				 "[kind=HelmRelease].spec.values");
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
		     bool nested)
{
	struct finder f = { .plan = plan, .ref = ref, .container = container, .file = file,
			    .nested = nested };
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
	return plan_text(plan, in, len, ref, container, file, false);
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
			.mode = YQ_STRING, /* a tag is a string, even 1.5 */
		};
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
	notes_free(plan->warnings, plan->nwarnings);
	*plan = (struct imagefind)IMAGEFIND_INIT;
}
