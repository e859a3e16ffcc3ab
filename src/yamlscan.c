/* yamlscan: see yamlscan.h. */
#include "yamlscan.h"

#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the iterator: events in bytes ---- */

static int iter_fail(struct ys_iter *it, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int iter_fail(struct ys_iter *it, long line, const char *fmt, ...)
{
	va_list ap;

	if (it->err[0])
		return -1;
	va_start(ap, fmt);
	/* clang-tidy run on yamlquote.c first, in one process, reports `ap`
	 * uninitialized here (checker state kept across files) */
	vsnprintf(it->err, sizeof(it->err), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	it->err_line = line;
	return -1;
}

/* The end of the ASCII bytes from p on, looking no further than `want`
 * (eight bytes at a time). */
static size_t ascii_until(const unsigned char *in, size_t p, size_t want)
{
	uint64_t w;

	for (; p + 8 <= want; p += 8) {
		memcpy(&w, in + p, 8);
		if (w & 0x8080808080808080ULL)
			break;
	}
	while (p < want && in[p] < 0x80)
		p++;
	return p;
}

/*
 * Character index -> byte offset, moving from the last answer.  Marks come
 * in (nearly) increasing order, so the whole pass is linear; in a stretch
 * known to be ASCII a move is an addition.
 */
static size_t to_byte(struct ys_iter *m, size_t idx)
{
	size_t want = m->off + (idx - m->idx);

	if (idx >= m->idx && m->off >= m->run_lo && want <= m->run_hi) {
		m->off = want;
		m->idx = idx;
		return want;
	}
	if (idx > m->idx && m->off >= m->run_lo && m->off <= m->run_hi) {
		want = want > m->len ? m->len : want;
		if (want > m->run_hi) /* look well ahead: few calls, each byte once */
			m->run_hi = ascii_until(m->in, m->run_hi,
						m->len - want > 4096 ? want + 4096 : m->len);
		want = (want < m->run_hi ? want : m->run_hi) - m->off;
		m->off += want;
		m->idx += want;
		if (m->idx == idx)
			return m->off;
	}
	while (m->idx < idx && m->off < m->len) {
		unsigned char c = m->in[m->off];

		m->off += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		m->idx++;
	}
	m->off = m->off > m->len ? m->len : m->off;
	while (m->idx > idx && m->off > m->base) {
		m->off--;
		while (m->off > m->base && (m->in[m->off] & 0xc0) == 0x80)
			m->off--;
		m->idx--;
	}
	if (m->off < m->run_lo || m->off > m->run_hi)
		m->run_lo = m->run_hi = m->off; /* a new run starts here */
	return m->off;
}

static bool is_break(char c)
{
	return c == '\n' || c == '\r';
}

/* After the line break at p (or p itself when there is none). */
static size_t skip_break(const char *in, size_t len, size_t p)
{
	if (p < len && in[p] == '\r')
		p++;
	if (p < len && in[p] == '\n')
		p++;
	return p;
}

/* The first byte after a node's anchor and tag (which start at `p`). */
static size_t skip_properties(const char *in, size_t p, size_t limit)
{
	while (p < limit) {
		char c = in[p];

		if (c == ' ' || c == '\t' || is_break(c)) {
			p++;
		} else if (c == '#') {
			while (p < limit && !is_break(in[p]))
				p++;
		} else if (c == '&' || c == '!') {
			bool verbatim = c == '!' && p + 1 < limit && in[p + 1] == '<';

			while (p < limit && !(verbatim ? in[p] == '>'
				: (in[p] == ' ' || in[p] == '\t' || is_break(in[p]) ||
				   strchr(",[]{}", in[p]))))
				p++;
			if (verbatim && p < limit)
				p++;
		} else {
			break;
		}
	}
	return p;
}

/* The column of byte `pos`, in characters. */
static unsigned column_of(const char *in, size_t base, size_t pos)
{
	unsigned col = 0;

	while (pos > base && !is_break(in[pos - 1])) {
		pos--;
		if (((unsigned char)in[pos] & 0xc0) != 0x80)
			col++;
	}
	return col;
}

/*
 * A block scalar's layout.  libyaml's end mark `em` runs over the empty
 * lines after the scalar; find the end of its last content line, how many
 * empty lines follow it, and its content column.  With keep chomping
 * those empty lines are content: the scalar ends with the last of them
 * (before its line break), and none follow it.
 */
static void block_extent(struct ys_iter *it, size_t body, size_t em, int parent_indent)
{
	const char *in = (const char *)it->in;
	size_t len = it->len, p = body + 1, line, breaks = 0, last_break = 0, end;
	unsigned indent = 0;
	bool keep = false;

	em = em > len ? len : em;
	while (p < em && ((in[p] >= '0' && in[p] <= '9') || in[p] == '+' || in[p] == '-')) {
		if (in[p] >= '1' && in[p] <= '9')
			indent = (unsigned)(parent_indent >= 0 ? parent_indent : 0) +
				 (unsigned)(in[p] - '0');
		keep = keep || in[p] == '+';
		p++;
	}
	while (p < len && !is_break(in[p]))
		p++;
	end = p;
	for (line = skip_break(in, len, p); line < em;) {
		size_t q = line, eol;

		while (q < em && in[q] == ' ')
			q++;
		for (eol = q; eol < len && !is_break(in[eol]);)
			eol++;
		if (q < eol && !indent)
			indent = (unsigned)(q - line);
		if (q < eol || (indent && q - line > indent))
			end = eol;
		line = skip_break(in, len, eol);
		if (line == eol)
			break;
	}
	for (p = end; p < em;) {
		if (is_break(in[p])) {
			breaks++;
			last_break = p;
			p = skip_break(in, len, p);
		} else {
			p++;
		}
	}
	it->blank_after = keep || !breaks ? 0 : breaks - 1;
	it->block_indent = indent;
	it->b1 = keep && breaks > 1 ? last_break : end; /* `|+`: the empty lines are content */
}

int ys_iter_init(struct ys_iter *it, const char *in, size_t len)
{
	const unsigned char *u = (const unsigned char *)in;

	memset(it, 0, sizeof(*it));
	it->in = u;
	it->len = len;
	it->indent[0] = -1;
	if ((len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) ||
	    (len >= 4 && (!u[0] || !u[1])))
		return iter_fail(it, 1, "UTF-16 and UTF-32 are not supported (use UTF-8)");
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		it->base = it->off = it->run_lo = it->run_hi = 3;
	if (!yaml_parser_initialize(&it->parser))
		return iter_fail(it, 0, "out of memory");
	yaml_parser_set_input_string(&it->parser, u, len);
	return 0;
}

void ys_iter_release(struct ys_iter *it)
{
	if (it->has_ev)
		yaml_event_delete(&it->ev);
	it->has_ev = false;
	if (it->parser.buffer.start) /* initialized */
		yaml_parser_delete(&it->parser);
}

static const yaml_char_t *event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: return ev->data.scalar.anchor;
	case YAML_MAPPING_START_EVENT: return ev->data.mapping_start.anchor;
	case YAML_SEQUENCE_START_EVENT: return ev->data.sequence_start.anchor;
	default: return NULL;
	}
}

static const yaml_char_t *event_tag(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: return ev->data.scalar.tag;
	case YAML_MAPPING_START_EVENT: return ev->data.mapping_start.tag;
	case YAML_SEQUENCE_START_EVENT: return ev->data.sequence_start.tag;
	default: return NULL;
	}
}

/* A node's body, column and (block scalars) extent; collections open. */
static int iter_node(struct ys_iter *it)
{
	const yaml_event_t *ev = &it->ev;
	bool coll = ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT;
	int parent = it->indent[it->depth];

	it->body = it->b0;
	it->col = (unsigned)ev->start_mark.column;
	if (event_anchor(ev) || event_tag(ev)) {
		it->body = skip_properties((const char *)it->in, it->b0, coll ? it->len : it->b1);
		it->col = column_of((const char *)it->in, it->base, it->body);
	}
	if (ev->type == YAML_SCALAR_EVENT && (ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
					      ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE))
		block_extent(it, it->body, it->b1, parent);
	if (!coll)
		return 1;
	if (it->depth >= YS_MAX_DEPTH)
		return iter_fail(it, (long)ev->start_mark.line + 1, "nesting deeper than %d levels",
				 YS_MAX_DEPTH);
	it->depth++;
	it->flow[it->depth] = (ev->type == YAML_MAPPING_START_EVENT &&
			       ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE) ||
			      (ev->type == YAML_SEQUENCE_START_EVENT &&
			       ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
	it->indent[it->depth] = it->flow[it->depth] ? parent : (int)it->col;
	return 1;
}

int ys_iter_next(struct ys_iter *it)
{
	yaml_event_t *ev = &it->ev;
	bool marks;

	if (it->has_ev)
		yaml_event_delete(ev);
	it->has_ev = false;
	if (!yaml_parser_parse(&it->parser, ev)) {
		const yaml_parser_t *p = &it->parser;

		if (p->error == YAML_MEMORY_ERROR)
			return iter_fail(it, 0, "out of memory");
		return iter_fail(it, (long)p->problem_mark.line + 1, "%s%s%s",
				 p->context ? p->context : "", p->context ? ": " : "",
				 p->problem ? p->problem : "unknown error");
	}
	it->has_ev = true;
	if (ev->type == YAML_STREAM_END_EVENT)
		return 0;
	marks = ev->type != YAML_STREAM_START_EVENT && ev->type != YAML_DOCUMENT_START_EVENT &&
		!((ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT) &&
		  !it->flow[it->depth]); /* block ends: their marks are the next token's */
	it->b0 = marks ? to_byte(it, ev->start_mark.index) : 0;
	it->b1 = marks ? to_byte(it, ev->end_mark.index) : 0;
	it->blank_after = 0;
	it->block_indent = 0;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
	case YAML_ALIAS_EVENT:
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		return iter_node(it);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (it->depth)
			it->depth--;
		return 1;
	default:
		return 1;
	}
}

/* ---- the tree of one document ---- */

struct state {
	struct ys_read *r;
	struct ys_iter it;
	const char *in;
	size_t len;
	struct ys_doc doc;
	struct ys_node *nodes;
	size_t nnodes, nodes_alloc;
	size_t open[YS_MAX_DEPTH]; /* the collections not ended yet */
	size_t depth;
	bool any_elem;       /* some path has [N], [*] or [key=value] */
	struct buf text;     /* values, alias names, tags */
	struct ys_anchor *anchors;
	size_t nanchors, anchors_alloc;
	size_t *atab;        /* anchor indexes by name (open addressing, a power
			      * of two in size, at most half full), YS_NONE: free */
	size_t atab_size;
	bool atab_used;      /* some slot is taken */
	size_t *anchor_of;   /* per open collection: its anchor, or YS_NONE */
	size_t *used;        /* anchors an alias named (indexes) */
	size_t nused, used_alloc;
	size_t last_leaf;    /* end of the last scalar, alias or flow collection */
	size_t prev_end;     /* where the previous document ended */
	int seq_offset, map_step;
};

/* Errors go where the iterator's go (ys_run hands them over). */
#define fail(st, ...) iter_fail(&(st)->it, __VA_ARGS__)

static int oom(struct state *st)
{
	return fail(st, 0, "out of memory");
}

/* Make room for one more element in a growable array. */
static int grow(struct state *st, void *arrp, size_t *alloc, size_t n, size_t size)
{
	return buf_grow_array(arrp, alloc, n, size) < 0 ? oom(st) : 0;
}

#define GROW(st, arr, n, alloc) grow(st, &(arr), &(alloc), n, sizeof(*(arr)))

const char *ys_value(const struct ys_doc *d, const struct ys_node *n)
{
	return d->text ? d->text + n->voff : "";
}

const char *ys_tag(const struct ys_doc *d, const struct ys_node *n)
{
	return d->text && n->toff != YS_NONE ? d->text + n->toff : "";
}

static bool same_text(const char *a, size_t na, const char *b, size_t nb)
{
	return na == nb && (na == 0 || !memcmp(a, b, na));
}

bool ys_holds(const struct ys_doc *d, size_t i, const char *s, size_t len)
{
	const struct ys_node *n = &d->nodes[i];

	return n->type == YS_SCALAR && same_text(ys_value(d, n), n->vlen, s, len);
}

static size_t name_hash(const char *name)
{
	size_t h = 14695981039346656037ULL;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ULL;
	return h;
}

/* The slot of anchor name `name`: its own or a free one. */
static size_t *anchor_slot(const struct state *st, const char *name)
{
	size_t mask = st->atab_size - 1;

	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask)
		if (st->atab[i] == YS_NONE || !strcmp(st->anchors[st->atab[i]].name, name))
			return &st->atab[i];
}

/* The anchor named `name` in this document, the last one defined. */
static size_t find_anchor(const struct state *st, const char *name)
{
	return st->atab_size ? *anchor_slot(st, name) : YS_NONE;
}

/* Index anchor `i` by name (a name defined again: the new one). */
static int index_anchor(struct state *st, size_t i)
{
	if (2 * (i + 1) > st->atab_size) {
		size_t n = st->atab_size ? 2 * st->atab_size : 64;
		size_t *t = malloc(n * sizeof(*t));

		if (!t)
			return oom(st);
		free(st->atab);
		st->atab = t;
		st->atab_size = n;
		memset(t, 0xff, n * sizeof(*t)); /* YS_NONE */
		for (size_t k = 0; k < i; k++)
			*anchor_slot(st, st->anchors[k].name) = k;
	}
	*anchor_slot(st, st->anchors[i].name) = i;
	st->atab_used = true;
	return 0;
}

/* An anchor is defined; an alias uses one (which must come before it in
 * its document: libyaml's event parser lets any name through, but its
 * loader, go-yaml and PyYAML refuse the document). */
static int note_anchor(struct state *st, const yaml_event_t *ev, size_t b0, size_t *idx)
{
	const char *name = (const char *)(ev->type == YAML_ALIAS_EVENT ? ev->data.alias.anchor
					  : event_anchor(ev));
	size_t n = name ? strlen(name) : 0, a;

	*idx = YS_NONE;
	if (!name)
		return 0;
	if (ev->type == YAML_ALIAS_EVENT) {
		if ((a = find_anchor(st, name)) == YS_NONE)
			return fail(st, (long)ev->start_mark.line + 1, "alias '*%.*s%s' has no anchor "
				    "'&%.*s%s' before it in its document", n > 40 ? 40 : (int)n, name,
				    n > 40 ? "..." : "", n > 40 ? 40 : (int)n, name, n > 40 ? "..." : "");
		if (GROW(st, st->used, st->nused, st->used_alloc) < 0)
			return -1;
		st->used[st->nused++] = a;
		return 0;
	}
	if (GROW(st, st->anchors, st->nanchors, st->anchors_alloc) < 0)
		return -1;
	if (!(st->anchors[st->nanchors].name = strdup(name)))
		return oom(st);
	st->anchors[st->nanchors].start = b0;
	st->anchors[st->nanchors].end = st->it.b1;
	*idx = st->nanchors++;
	return index_anchor(st, *idx);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Keep only the anchors that aliases use, as maximal disjoint byte ranges
 * (anchored nodes nest like the tree, so the outermost ones, in document
 * order, cover the rest). */
static void shared_ranges(struct state *st)
{
	size_t n = 0, u = 0;

	if (st->nused)
		qsort(st->used, st->nused, sizeof(*st->used), cmp_size);
	for (size_t i = 0; i < st->nanchors; i++) {
		struct ys_anchor a = st->anchors[i];

		while (u < st->nused && st->used[u] < i)
			u++;
		if (u == st->nused || st->used[u] != i ||
		    (n && a.start >= st->anchors[n - 1].start && a.start < st->anchors[n - 1].end)) {
			free(a.name);
			continue;
		}
		st->anchors[n++] = a;
	}
	st->nanchors = n;
}

const char *ys_shared(const struct ys_doc *d, const struct ys_node *n)
{
	size_t lo = 0, hi = d->nshared, pos = n->b0;

	while (lo < hi) { /* the last range starting at or before pos */
		size_t mid = lo + (hi - lo) / 2;

		if (d->shared[mid].start <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && (pos < d->shared[lo - 1].end || pos == d->shared[lo - 1].start))
		return d->shared[lo - 1].name;
	return NULL;
}

static bool is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const yaml_char_t *tag = ev->data.scalar.tag;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || (tag && strcmp((const char *)tag, "!")))
		return false;
	return n == 0 || (n == 1 && v[0] == '~') ||
	       (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

static enum ys_style scalar_style(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: return YS_SINGLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return YS_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE: return YS_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE: return YS_FOLDED;
	default: return YS_PLAIN;
	}
}

/* Where node `n` sits in its parent `f` (NULL: the root), and the layout
 * nearby: a collection under a block mapping's key notes how far right of
 * the key it starts (the first such in the file is the file's layout). */
static void place(struct state *st, struct ys_node *n, const struct ys_node *f)
{
	n->parent_col = f ? f->indent : -1;
	n->in_flow = f && (f->flow || f->in_flow);
	n->key = f && f->type == YS_MAP && (f->count * 2 == f->kids);
	n->role = !f ? YS_ROOT : f->type == YS_SEQ ? YS_ITEM : YS_VALUE;
	n->seq_offset = f ? f->seq_offset : -1;
	n->map_step = f ? f->map_step : -1;
	if (f && f->type == YS_MAP && !f->flow && !n->key && !n->flow) {
		int delta = (int)n->col - (int)f->col;

		if (n->type == YS_SEQ && delta >= 0)
			n->seq_offset = delta;
		if (n->type == YS_MAP && delta > 0)
			n->map_step = delta;
		if (st->seq_offset < 0 && n->type == YS_SEQ && delta >= 0)
			st->seq_offset = delta;
		if (st->map_step < 0 && n->type == YS_MAP && delta > 0)
			st->map_step = delta;
	}
	n->indent = n->flow ? (f ? f->indent : -1) : (int)n->col;
}

/* A node from the current event, positions in bytes; its strings (unless
 * it is inside a collection no path can enter) in state.text. */
static int describe(struct state *st, enum ys_type type, struct ys_node *n, bool keep)
{
	const yaml_event_t *ev = &st->it.ev;
	const yaml_char_t *tag = event_tag(ev);

	memset(n, 0, sizeof(*n));
	n->type = type;
	n->parent = st->depth ? st->open[st->depth - 1] : YS_NONE;
	n->first = n->last = n->next = n->close = n->toff = YS_NONE;
	n->b0 = st->it.b0;
	n->body = st->it.body;
	n->end = st->it.b1;
	n->col = st->it.col;
	n->flow = type != YS_SCALAR && type != YS_ALIAS && st->it.flow[st->it.depth];
	n->all_maps = true;
	n->blank_after = st->it.blank_after;
	n->block_indent = st->it.block_indent;
	place(st, n, n->parent == YS_NONE ? NULL : &st->nodes[n->parent]);
	n->tagk = !tag || !strcmp((const char *)tag, "!") ? YS_TAG_NONE
		  : !strcmp((const char *)tag, YAML_STR_TAG) ? YS_TAG_STR : YS_TAG_OTHER;
	if (type == YS_SCALAR) {
		n->style = scalar_style(ev->data.scalar.style);
		n->null = is_null(ev);
	}
	if (!keep)
		return 0;
	if (n->tagk == YS_TAG_OTHER) {
		n->toff = st->text.len;
		buf_add(&st->text, tag, strlen((const char *)tag) + 1);
	}
	n->voff = st->text.len;
	if (type == YS_SCALAR || type == YS_ALIAS) {
		const yaml_char_t *v = type == YS_SCALAR ? ev->data.scalar.value : ev->data.alias.anchor;

		n->vlen = type == YS_SCALAR ? ev->data.scalar.length : strlen((const char *)v);
		buf_add(&st->text, v, n->vlen);
	}
	return buf_failed(&st->text) ? oom(st) : 0;
}

/* Bytes of state.text (which may not be allocated yet). */
static const char *text_at(const struct state *st, size_t off)
{
	return st->text.ptr ? st->text.ptr + off : "";
}

/* Tell collection `f` about its new child `n`. */
static void count_child(struct state *st, struct ys_node *f, const struct ys_node *n)
{
	f->kids++;
	if (n->key) {
		f->odd_keys |= n->type != YS_SCALAR;
		f->alias_key |= n->type == YS_ALIAS;
		f->has_merge |= n->type == YS_SCALAR && n->style == YS_PLAIN &&
				same_text(text_at(st, n->voff), n->vlen, "<<", 2);
		return;
	}
	f->count++;
	if (f->type == YS_SEQ && n->type != YS_MAP)
		f->all_maps = false;
	if (f->type == YS_SEQ && n->type == YS_MAP && !n->flow)
		f->item_col = n->col;
}

/*
 * May a path enter collection `n`, a new child of kept collection `f`?
 * Yes when it is the value of a key some path names, or an element and
 * some path selects elements (more than paths need, never less).  Keys
 * are never entered.  Without this, a 30 MB document of one long list
 * would cost gigabytes of nodes no path looks at.
 */
static bool may_enter(const struct state *st, const struct ys_node *f, const struct ys_node *n)
{
	const struct ys_node *k = f->last != YS_NONE ? &st->nodes[f->last] : NULL;

	if (st->r->keep_all)
		return true;
	if (n->key)
		return false;
	if (f->type == YS_SEQ)
		return st->any_elem;
	if (!k || k->type != YS_SCALAR)
		return false;
	for (size_t e = 0; e < st->r->npaths; e++)
		for (size_t i = 0; i < st->r->paths[e].n; i++) {
			const struct ypath_seg *seg = &st->r->paths[e].seg[i];

			if (seg->kind == YPATH_KEY &&
			    same_text(seg->key, seg->key_len, text_at(st, k->voff), k->vlen))
				return true;
		}
	return false;
}

/* A node starts: into the tree (unless inside a collection no path can
 * enter), and onto the stack of open collections. */
static int node_begin(struct state *st, enum ys_type type)
{
	size_t fi = st->depth ? st->open[st->depth - 1] : YS_NONE, anchor;
	bool leaf = type == YS_SCALAR || type == YS_ALIAS;
	bool inside = fi != YS_NONE && st->nodes[fi].pruned;
	struct ys_node n;

	if (inside && type == YS_SCALAR && !event_anchor(&st->it.ev)) { /* most of a long list */
		struct ys_node *f = &st->nodes[fi];

		bool key = f->type == YS_MAP && f->count * 2 == f->kids;

		f->kids++;
		f->count += !key;
		f->all_maps = false;
		st->last_leaf = st->it.b1;
		return 0;
	}
	if (note_anchor(st, &st->it.ev, st->it.b0, &anchor) < 0 || describe(st, type, &n, !inside) < 0)
		return -1;
	if (leaf)
		st->last_leaf = n.end;
	if (inside) {
		count_child(st, &st->nodes[fi], &n);
		if (leaf)
			return 0;
	}
	n.pruned = !leaf && (inside || (fi != YS_NONE && !may_enter(st, &st->nodes[fi], &n)));
	if (GROW(st, st->nodes, st->nnodes, st->nodes_alloc) < 0)
		return -1;
	st->nodes[st->nnodes++] = n;
	if (fi != YS_NONE && !inside) {
		struct ys_node *f = &st->nodes[fi];

		if (f->last == YS_NONE)
			f->first = st->nnodes - 1;
		else
			st->nodes[f->last].next = st->nnodes - 1;
		f->last = st->nnodes - 1;
		count_child(st, f, &st->nodes[st->nnodes - 1]);
	}
	if (leaf)
		return 0;
	st->anchor_of[st->depth] = anchor;
	st->open[st->depth++] = st->nnodes - 1;
	return 0;
}

/* A collection ends; a block one ends with its last leaf.  One inside a
 * collection no path can enter is dropped (its own children are gone). */
static void node_end(struct state *st)
{
	size_t i;
	struct ys_node *n;

	if (!st->depth)
		return;
	i = st->open[--st->depth];
	n = &st->nodes[i];
	n->inner_end = st->last_leaf;
	n->end = n->flow ? st->it.b1 : st->last_leaf;
	n->close = n->flow ? st->it.b0 : YS_NONE;
	if (n->flow)
		st->last_leaf = st->it.b1;
	if (st->anchor_of[st->depth] != YS_NONE)
		st->anchors[st->anchor_of[st->depth]].end = st->last_leaf;
	if (st->depth && st->nodes[st->open[st->depth - 1]].pruned)
		st->nnodes = i;
}

static void reset_document(struct state *st)
{
	for (size_t i = 0; i < st->nanchors; i++)
		free(st->anchors[i].name);
	if (st->atab_used)
		memset(st->atab, 0xff, st->atab_size * sizeof(*st->atab));
	st->atab_used = false;
	st->nnodes = st->nanchors = st->nused = st->depth = 0;
	buf_reset(&st->text);
}

/* The end of a document: hand it over, then forget it. */
static int end_document(struct state *st)
{
	const char *in = st->in;
	size_t p = st->it.b1;
	int rc = 0;

	if (!st->it.ev.data.document_end.implicit) {
		while (p < st->len && !is_break(in[p]))
			p++;
		p = skip_break(in, st->len, p);
	}
	shared_ranges(st);
	st->doc = (struct ys_doc){ st->r->ndocs, st->prev_end, p, st->nodes, st->nnodes,
				   st->text.ptr, st->anchors, st->nanchors, st->seq_offset,
				   st->map_step };
	st->prev_end = p;
	st->r->ndocs++;
	if (st->r->on_doc && st->r->on_doc(st->r->arg, &st->doc) < 0) {
		st->r->stopped = true;
		rc = -1;
	}
	reset_document(st);
	return rc;
}

static int event(struct state *st)
{
	switch (st->it.ev.type) {
	case YAML_SCALAR_EVENT: return node_begin(st, YS_SCALAR);
	case YAML_ALIAS_EVENT: return node_begin(st, YS_ALIAS);
	case YAML_SEQUENCE_START_EVENT: return node_begin(st, YS_SEQ);
	case YAML_MAPPING_START_EVENT: return node_begin(st, YS_MAP);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		node_end(st);
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		reset_document(st);
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return end_document(st);
	default:
		return 0;
	}
}

int ys_run(struct ys_read *r, const char *in, size_t len)
{
	struct state st;
	int rc = -1, got;

	memset(&st, 0, sizeof(st));
	st.r = r;
	st.in = in ? in : "";
	st.len = in ? len : 0;
	st.seq_offset = st.map_step = -1;
	r->ndocs = 0;
	r->stopped = false;
	for (size_t e = 0; e < r->npaths; e++)
		for (size_t i = 0; i < r->paths[e].n; i++)
			st.any_elem |= r->paths[e].seg[i].kind != YPATH_KEY;
	st.anchor_of = malloc(YS_MAX_DEPTH * sizeof(*st.anchor_of));
	if (ys_iter_init(&st.it, st.in, st.len) < 0 || (!st.anchor_of && oom(&st) < 0))
		goto out;
	while ((got = ys_iter_next(&st.it)) > 0)
		if (event(&st) < 0)
			goto out;
	rc = got;
out:
	memcpy(r->err, st.it.err, sizeof(r->err));
	r->err_line = st.it.err_line;
	reset_document(&st);
	ys_iter_release(&st.it);
	buf_release(&st.text);
	free(st.nodes);
	free(st.anchors);
	free(st.atab);
	free(st.anchor_of);
	free(st.used);
	return rc;
}

/* ---- paths on the tree ---- */

size_t ys_get(const struct ys_doc *d, size_t m, const char *k, size_t kl, size_t *again)
{
	size_t v = YS_NONE;

	*again = YS_NONE;
	for (size_t i = d->nodes[m].first; i != YS_NONE; i = d->nodes[i].next) {
		size_t val = d->nodes[i].next;

		if (val == YS_NONE)
			break;
		if (ys_holds(d, i, k, kl)) {
			if (v != YS_NONE) {
				*again = i;
				break;
			}
			v = val;
		}
		i = val;
	}
	return v;
}

struct walk {
	const struct ys_doc *d;
	const struct ypath *p;
	int (*fn)(void *arg, const struct ys_doc *d, const struct ys_hit *h);
	void *arg;
};

static int hit(const struct walk *w, enum ys_hit_kind kind, size_t node, size_t depth,
	       bool below, size_t err_off)
{
	struct ys_hit h = { kind, node, depth, err_off, below, false, YS_NONE };

	return w->fn(w->arg, w->d, &h);
}

static int walk(const struct walk *w, size_t x, size_t depth, bool below);

/* [key=value] on mapping `x`: a filter. */
static int walk_filter(const struct walk *w, size_t x, size_t depth, bool below) /* NOLINT(misc-no-recursion) */
{
	const struct ypath_seg *seg = &w->p->seg[depth];
	size_t dup, v = ys_get(w->d, x, seg->key, seg->key_len, &dup);
	struct ys_hit h = { YS_HIT_DUPKEY, x, depth, YS_NONE, below, true, YS_NONE };

	if (dup != YS_NONE) {
		h.err_off = w->d->nodes[dup].b0;
		return w->fn(w->arg, w->d, &h);
	}
	if (v != YS_NONE && ys_holds(w->d, v, seg->value, seg->value_len))
		return walk(w, x, depth + 1, below);
	h.kind = YS_HIT_FRONTIER;
	h.got = v != YS_NONE && w->d->nodes[v].type == YS_SCALAR ? v : YS_NONE;
	return w->fn(w->arg, w->d, &h);
}

/* A key of mapping `x`. */
static int walk_key(const struct walk *w, size_t x, size_t depth, bool below) /* NOLINT(misc-no-recursion) */
{
	const struct ypath_seg *seg = &w->p->seg[depth];
	size_t dup, v = ys_get(w->d, x, seg->key, seg->key_len, &dup);

	if (dup != YS_NONE) /* at the second one's value */
		return hit(w, YS_HIT_DUPKEY, x, depth, below, w->d->nodes[w->d->nodes[dup].next].b0);
	if (v == YS_NONE)
		return hit(w, YS_HIT_FRONTIER, x, depth, below, YS_NONE);
	return walk(w, v, depth + 1, below);
}

/* Does element `v` hold [key=value] (`seg`)?  *dup: its key twice. */
static bool element_matches(const struct walk *w, const struct ypath_seg *seg, size_t v,
			    size_t *dup)
{
	const struct ys_node *n = &w->d->nodes[v];
	size_t sv;

	*dup = YS_NONE;
	if (seg->kind == YPATH_ALL || n->type == YS_ALIAS)
		return seg->kind == YPATH_ALL || seg->kind == YPATH_MATCH;
	if (seg->kind != YPATH_MATCH || n->type != YS_MAP)
		return false;
	sv = ys_get(w->d, v, seg->key, seg->key_len, dup);
	return sv != YS_NONE && ys_holds(w->d, sv, seg->value, seg->value_len);
}

/* The elements of sequence `x` that segment `depth` selects. */
static int walk_items(const struct walk *w, size_t x, size_t depth, bool below) /* NOLINT(misc-no-recursion) */
{
	const struct ypath_seg *seg = &w->p->seg[depth];
	size_t idx = 0, live = 0, dup;
	bool sel = seg->kind != YPATH_INDEX;

	for (size_t v = w->d->nodes[x].first; v != YS_NONE; v = w->d->nodes[v].next, idx++) {
		if (seg->kind == YPATH_INDEX ? idx != seg->index : !element_matches(w, seg, v, &dup)) {
			if (seg->kind == YPATH_MATCH && dup != YS_NONE) {
				struct ys_hit h = { YS_HIT_DUPKEY, v, depth, w->d->nodes[dup].b0, below,
						    false, YS_NONE };

				return w->fn(w->arg, w->d, &h);
			}
			continue;
		}
		if (seg->kind == YPATH_MATCH && live++ == 1)
			return hit(w, YS_HIT_DUPMATCH, x, depth, below, w->d->nodes[v].b0);
	}
	idx = 0;
	live = 0;
	for (size_t v = w->d->nodes[x].first; v != YS_NONE; v = w->d->nodes[v].next, idx++) {
		if (seg->kind == YPATH_INDEX ? idx != seg->index : !element_matches(w, seg, v, &dup))
			continue;
		live++;
		if (walk(w, v, depth + 1, below || sel) < 0)
			return -1;
	}
	return live ? 0 : hit(w, YS_HIT_FRONTIER, x, depth, below, YS_NONE);
}

/* Segments [depth, n) of the path from node `x`, depth first. */
static int walk(const struct walk *w, size_t x, size_t depth, bool below) /* NOLINT(misc-no-recursion) */
{
	const struct ys_node *n = &w->d->nodes[x];
	enum ypath_kind k = depth < w->p->n ? w->p->seg[depth].kind : YPATH_KEY;

	if (n->type == YS_ALIAS)
		return hit(w, YS_HIT_ALIAS, x, depth, below, YS_NONE);
	if (depth == w->p->n)
		return hit(w, YS_HIT_TARGET, x, depth, below, YS_NONE);
	if (n->type == YS_MAP && k == YPATH_MATCH)
		return walk_filter(w, x, depth, below);
	if (n->type == YS_MAP && k == YPATH_KEY)
		return walk_key(w, x, depth, below);
	if (n->type == YS_SEQ && k != YPATH_KEY)
		return walk_items(w, x, depth, below);
	return hit(w, YS_HIT_FRONTIER, x, depth, below, YS_NONE);
}

int ys_follow(const struct ys_doc *d, const struct ypath *p,
	      int (*fn)(void *arg, const struct ys_doc *d, const struct ys_hit *h), void *arg)
{
	struct walk w = { d, p, fn, arg };

	if (!d->n)
		return 0;
	return walk(&w, 0, 0, false);
}

long ys_line(const char *in, size_t len, size_t off)
{
	long line = 1;

	if (off > len)
		off = len;
	for (const char *p = in; (p = memchr(p, '\n', off - (size_t)(p - in))); p++)
		line++;
	return line;
}
