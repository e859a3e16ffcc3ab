/* yamlsplice: see yamlsplice.h. */
#include "yamlsplice.h"

#include "log.h"
#include "yamlquote.h"
#include "yamlscan.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An allocation failed; reported once.  -1. */
static int oom(const struct ysp_plan *p)
{
	log_error("out of memory editing '%s'", p->file);
	return -1;
}

/* Buffer b failed: the edited text is over its cap, or memory ran out.  -1. */
static int trouble(const struct ysp_plan *p, const struct buf *b)
{
	if (buf_error(b) != EFBIG)
		return oom(p);
	log_error("the edited '%s' is too large", p->file);
	return -1;
}

/* ---- the splice ---- */

static int cmp_change(const void *a, const void *b)
{
	const struct ysp_change *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if ((x->end == x->start) != (y->end == y->start)) /* insertions first */
		return x->end == x->start ? -1 : 1;
	if (x->col != y->col) /* lines for inner mappings before outer ones */
		return x->col > y->col ? -1 : 1;
	if (x->depth != y->depth) /* at one column (a sequence not indented
				   * under its key): the deeper block first */
		return x->depth > y->depth ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t ysp_map(const struct ysp_plan *p, size_t off)
{
	const struct ysp_change *last = NULL;

	for (size_t i = 0; i < p->nch && p->ch[i].start <= off; i++) {
		if (off < p->ch[i].end || off == p->ch[i].start)
			return p->ch[i].out_start;
		last = &p->ch[i];
	}
	return last ? off - last->end + last->out_end : off;
}

int ysp_apply(struct ysp_plan *p, struct buf *out)
{
	size_t at = 0;

	if (buf_grow(out, p->len + p->texts->len) < 0)
		return trouble(p, out);
	qsort(p->ch, p->nch, sizeof(*p->ch), cmp_change);
	for (size_t i = 0; i < p->nch; i++) {
		struct ysp_change *c = &p->ch[i];

		if (c->start < at || c->end > p->len) {
			log_error_at(p->file, ys_line(p->in, p->len, c->start),
				     "cannot edit '%s': two edits overlap at this line", p->file);
			return -1;
		}
		buf_add(out, p->in + at, c->start - at);
		c->out_start = out->len;
		buf_add(out, p->texts->ptr + c->toff, c->tlen);
		c->out_end = out->len;
		at = c->end;
	}
	buf_add(out, p->in + at, p->len - at);
	return buf_failed(out) ? trouble(p, out) : 0;
}

/* ---- the check ---- */

static bool same_str(const yaml_char_t *a, const yaml_char_t *b)
{
	return (!a && !b) || (a && b && !strcmp((const char *)a, (const char *)b));
}

/* Do two events say the same, positions aside? */
static bool same_event(const yaml_event_t *a, const yaml_event_t *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case YAML_DOCUMENT_START_EVENT:
		return a->data.document_start.implicit == b->data.document_start.implicit &&
		       !a->data.document_start.version_directive ==
		       !b->data.document_start.version_directive &&
		       (a->data.document_start.tag_directives.start ==
			a->data.document_start.tag_directives.end) ==
		       (b->data.document_start.tag_directives.start ==
			b->data.document_start.tag_directives.end);
	case YAML_DOCUMENT_END_EVENT:
		return a->data.document_end.implicit == b->data.document_end.implicit;
	case YAML_ALIAS_EVENT:
		return same_str(a->data.alias.anchor, b->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return same_str(a->data.scalar.anchor, b->data.scalar.anchor) &&
		       same_str(a->data.scalar.tag, b->data.scalar.tag) &&
		       a->data.scalar.length == b->data.scalar.length &&
		       !memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) &&
		       a->data.scalar.plain_implicit == b->data.scalar.plain_implicit &&
		       a->data.scalar.quoted_implicit == b->data.scalar.quoted_implicit &&
		       a->data.scalar.style == b->data.scalar.style;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: /* the two start events share a layout */
		return same_str(a->data.sequence_start.anchor, b->data.sequence_start.anchor) &&
		       same_str(a->data.sequence_start.tag, b->data.sequence_start.tag) &&
		       a->data.sequence_start.implicit == b->data.sequence_start.implicit &&
		       a->data.sequence_start.style == b->data.sequence_start.style;
	default:
		return true;
	}
}

/* An input scalar a change replaces: where it starts, and the change. */
struct old {
	size_t at, ch;
};

struct side {
	struct ys_iter it;
	size_t base;           /* where the slice starts in its buffer */
};

/* The region (a change of [c, c1)) holding the output event just read,
 * or NULL; *c moves past regions that end before it. */
static struct ysp_change *region_of(struct ysp_plan *p, const struct side *o, size_t *c,
				    size_t c1)
{
	const yaml_event_t *ev = &o->it.ev;
	bool leaf = ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT;
	bool start = ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT;
	size_t pos = o->base + (leaf ? o->it.b1 : o->it.b0);

	if (!leaf && !start)
		return NULL;
	while (*c < c1 && p->ch[*c].out_end < pos)
		(*c)++;
	for (size_t k = *c; k < c1 && p->ch[k].out_start <= pos; k++) {
		struct ysp_change *r = &p->ch[k];

		if (r->region && (leaf ? r->out_start < pos && pos <= r->out_end
				  : r->out_start <= pos && pos < r->out_end))
			return r;
	}
	return NULL;
}

void ysp_expect(struct buf *vals, const char *s, size_t len)
{
	buf_add(vals, &len, sizeof(len));
	buf_add(vals, s, len);
}

/* Does scalar `ev` read as region r's next ysp_expect record (the last
 * one, the value, plain when a typed literal)? */
static bool expected(const struct ysp_plan *p, struct ysp_change *r, const yaml_event_t *ev)
{
	const char *at = p->vals->ptr + r->voff + r->got_off;
	size_t n;

	if (r->vlen - r->got_off < sizeof(n))
		return false;
	memcpy(&n, at, sizeof(n));
	r->got_off += sizeof(n) + n;
	return yq_reads_as(ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE,
			   (const char *)ev->data.scalar.value, ev->data.scalar.length,
			   at + sizeof(n), n, r->literal && r->got_off == r->vlen, r->in_flow);
}

/* A digest of a node event's anchor and tag (0: neither). */
static uint64_t props_of(const yaml_event_t *ev)
{
	const yaml_char_t *s[2] = { NULL, NULL };
	uint64_t h = 1469598103934665603u;

	if (ev->type == YAML_SCALAR_EVENT) {
		s[0] = ev->data.scalar.anchor;
		s[1] = ev->data.scalar.tag;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
		s[0] = ev->data.sequence_start.anchor; /* the two share a layout */
		s[1] = ev->data.sequence_start.tag;
	}
	if (!s[0] && !s[1])
		return 0;
	for (int i = 0; i < 2; i++) {
		for (const yaml_char_t *c = s[i]; c && *c; c++)
			h = (h ^ *c) * 1099511628211u;
		h = (h ^ (uint64_t)(i + 1)) * 1099511628211u;
	}
	return h ? h : 1;
}

/* An output event inside region `r`: counted, and the whole node it starts
 * read; the node must sit at the region's level (a collection's end may not
 * have moved across it).  0 or -1 (a parse error). */
static int region_node(const struct ysp_plan *p, struct side *o, struct ysp_change *r)
{
	size_t depth = o->it.depth;
	bool coll = o->it.ev.type == YAML_SEQUENCE_START_EVENT ||
		    o->it.ev.type == YAML_MAPPING_START_EVENT;

	if (r->got_nodes++ == 0)
		r->got_nest = r->got_value = r->got_props = true;
	r->got_nest &= depth - coll == r->nest;
	for (;;) {
		const yaml_event_t *ev = &o->it.ev;

		r->got_props &= props_of(ev) == (r->got_events ? 0 : r->want_props);
		r->got_events++;
		if (ev->type == YAML_SCALAR_EVENT)
			r->got_value &= expected(p, r, ev);
		if (!coll || o->it.depth < depth)
			return 0;
		if (ys_iter_next(&o->it) <= 0)
			return -1;
	}
}

/* The next event of each side that is not written text (output) or what
 * it replaced (input: the scalars at `old`, sorted, from *k on).  1, 0 at
 * the end of either, -1 on a parse error. */
static int next_pair(struct ysp_plan *p, struct side *in, struct side *o, const struct old *old,
		     size_t nold, size_t *k, size_t *c, size_t c1)
{
	int a, b;
	struct ysp_change *r;

	while ((a = ys_iter_next(&in->it)) > 0 && in->it.ev.type == YAML_SCALAR_EVENT) {
		size_t pos = in->base + in->it.b0;

		while (*k < nold && old[*k].at < pos)
			(*k)++;
		if (*k == nold || old[*k].at != pos)
			break;
		p->ch[old[*k].ch].want_props = props_of(&in->it.ev);
	}
	while ((b = ys_iter_next(&o->it)) > 0 && (r = region_of(p, o, c, c1)))
		if (region_node(p, o, r) < 0)
			return -1;
	return a < 0 || b < 0 ? -1 : a && b;
}

static int check_fail(const struct ysp_plan *p, const char *out, size_t len, size_t off,
		      const char *why)
{
	log_error_at(p->file, off == SIZE_MAX ? 0 : ys_line(out, len, off),
		     "refusing to write '%s': the edited YAML does not read back as intended (%s)",
		     p->file, why);
	return -1;
}

/* Input bytes [ds, de) and output bytes [os, oe), changes [c0, c1). */
static int check_slice(struct ysp_plan *p, const char *out, size_t olen, size_t ds, size_t de,
			size_t os, size_t oe, size_t c0, size_t c1, const struct old *old, size_t nold,
			size_t *k)
{
	struct side in = { .base = ds }, o = { .base = os };
	size_t c = c0;
	int rc = -1, got;

	if (ys_iter_init(&in.it, p->in + ds, de - ds) < 0 ||
	    ys_iter_init(&o.it, out + os, oe - os) < 0) {
		check_fail(p, out, olen, os, o.it.err[0] ? o.it.err : in.it.err);
		goto out;
	}
	while ((got = next_pair(p, &in, &o, old, nold, k, &c, c1)) > 0)
		if (!same_event(&in.it.ev, &o.it.ev)) {
			check_fail(p, out, olen, os + o.it.b0, "something outside the edited values moved");
			goto out;
		}
	if (got < 0 || in.it.ev.type != o.it.ev.type) {
		check_fail(p, out, olen, os, got < 0 ? o.it.err[0] ? o.it.err : in.it.err
			    : "the documents changed");
		goto out;
	}
	for (c = c0; c < c1; c++) {
		const struct ysp_change *r = &p->ch[c];

		if (r->region && (r->got_nodes != r->nodes || r->got_events != r->events ||
				  !r->got_value || r->got_off != r->vlen || !r->got_nest ||
				  !r->got_props)) {
			check_fail(p, out, olen, r->out_start, !r->got_value || r->got_off != r->vlen
				   ? "a written key or value reads back differently"
				   : !r->got_nest ? "the new text sits at another level"
				   : !r->got_props ? "an anchor or a tag moved"
				   : "the new text holds other nodes");
			goto out;
		}
	}
	rc = 0;
out:
	ys_iter_release(&in.it);
	ys_iter_release(&o.it);
	return rc;
}

static int cmp_old(const void *a, const void *b)
{
	size_t x = ((const struct old *)a)->at, y = ((const struct old *)b)->at;

	return x < y ? -1 : x > y;
}

/* The changed documents, adjacent ones in one slice, with the marker that
 * starts the next one. */
int ysp_check(struct ysp_plan *p, const char *out, size_t len)
{
	struct old *old = calloc(p->nch + 1, sizeof(*old));
	size_t nold = 0, k = 0;
	long long before = 0;
	int rc = 0;

	if (!old)
		return oom(p);
	for (size_t i = 0; i < p->nch; i++)
		if (p->ch[i].old_at != YS_NONE)
			old[nold++] = (struct old){ p->ch[i].old_at, i };
	qsort(old, nold, sizeof(*old), cmp_old);
	for (size_t s = 0, c0 = 0, c1; rc == 0 && s < p->nspans; c0 = c1) {
		size_t ds = p->spans[s].start, de, ext;
		long long within = 0;

		while (s + 1 < p->nspans && p->spans[s + 1].start == p->spans[s].end)
			s++;
		for (c1 = c0; c1 < p->nch && p->ch[c1].span <= s; c1++)
			within += (long long)(p->ch[c1].out_end - p->ch[c1].out_start) -
				  (long long)(p->ch[c1].end - p->ch[c1].start);
		de = p->spans[s].end;
		/* the next document's "---" too (the same bytes on both sides):
		 * text that ate the line break before it would join the two */
		ext = de + 3 <= p->len && !memcmp(p->in + de, "---", 3) &&
		      (c1 == p->nch || p->ch[c1].start >= de + 3) ? 3 : 0;
		rc = check_slice(p, out, len, ds, de + ext, (size_t)((long long)ds + before),
				 (size_t)((long long)de + before + within) + ext, c0, c1, old, nold,
				 &k);
		before += within;
		s++;
	}
	free(old);
	return rc;
}
