/* yamlscan: see yamlscan.h. */
#include "yamlscan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define P61 (((uint64_t)1 << 61) - 1)
#define SEEN_MAX 160 /* bytes of keys or values listed in a message */

enum cond { C_UNCOND, C_PENDING, C_OK, C_FAIL };

/* A path of one edit reaching one node: segments [0, depth) resolved. */
struct cursor {
	size_t edit, depth;
	size_t parent;   /* cursor of the parent node, YS_NONE at the root */
	size_t node;     /* sparse node */
	enum cond cond;  /* [key=value] mappings wait for their key */
	bool sel;        /* segment depth-1 is a [key=value] this mapping decides */
	bool filter;     /* ... applied to the mapping itself, not to an element */
	bool below_sel;  /* an element selector or [*] matched on the way here */
	bool key_hit;    /* the current key of its mapping is its next segment */
	bool matched;    /* a child matched this cursor's next key already */
	bool sel_seen;   /* sel: the selector key was seen already */
	bool decide;     /* the value being read decides this selector */
	size_t dup_off;  /* where the next key of the path appeared a second time */
	size_t sel_dup;  /* sel: where the selector key appeared again */
	size_t got_off;  /* the next segment is a filter: the scalar its key held */
	size_t got_len;  /* (in state.got), got_off YS_NONE: none */
};

struct anchor {
	uint64_t name_hash;
	char *name;
	size_t start, end;
};

struct anchor_slot {   /* the document's anchors by name, for aliases */
	uint64_t gen;      /* the document it belongs to (state.agen) */
	size_t anchor;     /* index in state.anchors */
};

struct frame {
	enum ys_type type;
	bool flow, in_flow;
	bool want_key;     /* mapping: the next node is a key */
	bool key_live;     /* some cursor here goes on through the current key */
	bool all_maps;     /* sequence: every item so far was a mapping */
	bool needs_key;    /* some cursor here looks at keys */
	size_t node;       /* sparse node, or YS_NONE */
	size_t c0, c1;     /* cursors at this node */
	size_t index;      /* items or entries so far */
	size_t anchor;     /* anchor defined on this node, or YS_NONE */
	unsigned col;
	int indent;        /* column of the nearest block collection */
	int seq_offset;    /* layout of the nearest nested collections (see ys_node) */
	int map_step;
};

struct mconv { /* libyaml character index -> byte offset */
	const unsigned char *in;
	size_t len, base, idx, off;
	size_t run_lo, run_hi; /* bytes [run_lo, run_hi) are ASCII */
};

struct state {
	struct ys_scan *s;
	const char *in;
	size_t len;
	struct mconv mc;
	yaml_parser_t parser;
	struct frame *frames;
	size_t depth, frames_alloc;
	/* the current document */
	struct ys_node *nodes;
	size_t nnodes, nodes_alloc;
	struct buf *seen;    /* per sparse node: its keys or selector values, for
			      * messages; reused from document to document */
	size_t seen_alloc;
	struct cursor *cursors;
	size_t ncursors, cursors_alloc;
	struct buf got;      /* the values filters were decided on (cursor.got_off) */
	struct anchor *anchors;
	size_t nanchors, anchors_alloc;
	struct anchor_slot *atab; /* open addressing, a power of two in size */
	size_t atab_size;
	uint64_t agen;       /* the current document's slots have this gen */
	uint64_t *aliases;
	size_t naliases, aliases_alloc;
	size_t last_leaf;    /* end of the last scalar, alias or flow collection */
	/* fingerprint */
	uint64_t base, placeholder, cur_hash, cur_ordinal, ordinal;
	uint64_t type_hash[16]; /* per event type, from the seed */
	struct ys_doc *doc;  /* the document being read */
	bool stopped;        /* the callback said stop */
	size_t prev_end;     /* where the previous document ended */
	struct ys_region *skip;
	size_t skip_depth;
	size_t rcur;         /* regions before this one end before the events seen */
	bool oom;
};

/* ---- small helpers ---- */

static void release_hits(struct ys_scan *s);

static int fail(struct state *st, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct state *st, long line, const char *fmt, ...)
{
	va_list ap;

	if (st->s->err[0])
		return -1;
	va_start(ap, fmt);
	/* clang-tidy run on yamlquote.c first, in one process, reports `ap`
	 * uninitialized here (checker state kept across files: alone, this
	 * file is clean) */
	vsnprintf(st->s->err, sizeof(st->s->err), fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	st->s->err_line = line;
	return -1;
}

static int oom(struct state *st)
{
	st->oom = true;
	return fail(st, 0, "out of memory");
}

/* Make room for one more element in a growable array. */
static int grow(struct state *st, void **arr, size_t *alloc, size_t n, size_t size)
{
	size_t na;
	void *p;

	if (n < *alloc)
		return 0;
	na = *alloc ? *alloc * 2 : 16;
	p = realloc(*arr, na * size);
	if (!p)
		return oom(st);
	*arr = p;
	*alloc = na;
	return 0;
}

#define GROW(st, arr, n, alloc) grow(st, (void **)&(arr), &(alloc), n, sizeof(*(arr)))

static char *dup_mem(const void *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		if (n)
			memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static uint64_t load32(const unsigned char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w;
}

/* The 128-bit product of a and b, folded to 64 bits. */
static uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * A fast keyed hash of event contents (wyhash's shape: sixteen bytes a
 * step; a short string is read as overlapping words, never past its end).
 */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t a = 0, b = 0;

	h ^= n * 0x9e3779b97f4a7c15ULL;
	if (n <= 16) {
		if (n >= 4) {
			size_t k = (n >> 3) << 2;

			a = load32(c) << 32 | load32(c + k);
			b = load32(c + n - 4) << 32 | load32(c + n - 4 - k);
		} else if (n) {
			a = (uint64_t)c[0] << 16 | (uint64_t)c[n >> 1] << 8 | c[n - 1];
		}
	} else {
		for (; n > 16; n -= 16, c += 16)
			h = mum(load64(c) ^ 0xa0761d6478bd642fULL, load64(c + 8) ^ h);
		a = load64(c + n - 16);
		b = load64(c + n - 8);
	}
	return mum(a ^ 0xe7037ed1a0b428dbULL, b ^ h);
}

/* x mod 2^61 - 1, for any x. */
static uint64_t fold(uint64_t x)
{
	x = (x & P61) + (x >> 61);
	return x >= P61 ? x - P61 : x;
}

/* (fp * base + x) mod 2^61 - 1, for fp and base below it and x up to it. */
static uint64_t fp_step(uint64_t fp, uint64_t base, uint64_t x)
{
	__uint128_t r = (__uint128_t)fp * base + x;

	return fold((uint64_t)(r & P61) + (uint64_t)(r >> 61));
}

/* b^e mod 2^61 - 1, for b below it. */
static uint64_t powmod(uint64_t b, uint64_t e)
{
	uint64_t r = 1;

	while (e) {
		if (e & 1)
			r = fp_step(r, b, 0);
		b = fp_step(b, b, 0);
		e >>= 1;
	}
	return r;
}

static uint64_t fp_base(uint64_t seed)
{
	return mix(seed ^ 0x9e3779b97f4a7c15ULL) % (P61 - 65536) + 65536;
}

static uint64_t fp_placeholder(uint64_t seed)
{
	return mix(seed ^ 0x2545f4914f6cdd1dULL) % P61;
}

uint64_t ys_fp_replace(uint64_t fp, uint64_t events, uint64_t seed, uint64_t ordinal,
		       uint64_t old)
{
	uint64_t w = powmod(fp_base(seed), events - 1 - ordinal);
	uint64_t delta = (fp_placeholder(seed) + P61 - old) % P61;

	return (fp + fp_step(delta, w, 0)) % P61;
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

static size_t to_byte_slow(struct mconv *m, size_t idx);

/*
 * Character index -> byte offset, moving from the last answer.  Marks come
 * in (nearly) increasing order, so the whole pass is linear; in a stretch
 * known to be ASCII a move is an addition.
 */
static inline size_t to_byte(struct mconv *m, size_t idx)
{
	size_t want = m->off + (idx - m->idx);

	if (idx >= m->idx && m->off >= m->run_lo && want <= m->run_hi) {
		m->off = want;
		m->idx = idx;
		return want;
	}
	return to_byte_slow(m, idx);
}

static size_t to_byte_slow(struct mconv *m, size_t idx)
{
	if (idx > m->idx && m->off >= m->run_lo && m->off <= m->run_hi) {
		size_t want = m->off + (idx - m->idx), step;

		if (want > m->len)
			want = m->len;
		if (want > m->run_hi) /* look well ahead: few calls, each byte once */
			m->run_hi = ascii_until(m->in, m->run_hi,
						m->len - want > 4096 ? want + 4096 : m->len);
		step = (want < m->run_hi ? want : m->run_hi) - m->off;
		m->off += step;
		m->idx += step;
		if (m->idx == idx)
			return m->off;
	}
	while (m->idx < idx && m->off < m->len) {
		unsigned char c = m->in[m->off];

		m->off += c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		m->idx++;
	}
	if (m->off > m->len)
		m->off = m->len;
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

/*
 * A block scalar's layout.  libyaml's end mark `em` runs over the empty
 * lines after the scalar; find the end of its last content line, how many
 * empty lines follow it, and its content column.  With keep chomping
 * (`|+`, `>+`) those empty lines are content: the scalar ends with the
 * last of them (before its line break), and none follow it.
 */
static void block_extent(const char *in, size_t len, size_t body, size_t em,
			 int parent_indent, size_t *end, size_t *blank_after,
			 unsigned *block_indent)
{
	size_t p = body + 1, line, breaks = 0, last_break = 0;
	unsigned indent = 0;
	bool keep = false;

	if (em > len)
		em = len;
	while (p < em && ((in[p] >= '0' && in[p] <= '9') || in[p] == '+' || in[p] == '-')) {
		if (in[p] >= '1' && in[p] <= '9')
			indent = (unsigned)(parent_indent >= 0 ? parent_indent : 0) +
				 (unsigned)(in[p] - '0');
		keep = keep || in[p] == '+';
		p++;
	}
	while (p < len && !is_break(in[p]))
		p++;
	*end = p;
	for (line = skip_break(in, len, p); line < em;) {
		size_t q = line, eol;

		while (q < em && in[q] == ' ')
			q++;
		for (eol = q; eol < len && !is_break(in[eol]);)
			eol++;
		if (q < eol && !indent)
			indent = (unsigned)(q - line);
		if (q < eol || (indent && q - line > indent))
			*end = eol;
		line = skip_break(in, len, eol);
		if (line == eol)
			break;
	}
	for (p = *end; p < em;) {
		if (is_break(in[p])) {
			breaks++;
			last_break = p;
			p = skip_break(in, len, p);
		} else {
			p++;
		}
	}
	*blank_after = breaks ? breaks - 1 : 0;
	*block_indent = indent;
	if (keep && breaks > 1) /* `|+`: the empty lines are content */
		*end = last_break;
	if (keep)
		*blank_after = 0;
}

/* ---- cursors and sparse nodes ---- */

static struct frame *top(struct state *st)
{
	return st->depth ? &st->frames[st->depth - 1] : NULL;
}

static const struct ypath_seg *cursor_seg(struct state *st, const struct cursor *c)
{
	const struct ypath *p = &st->s->paths[c->edit];

	return c->depth < p->n ? &p->seg[c->depth] : NULL;
}

/* A new cursor (valid until the next one), or NULL when out of memory. */
static struct cursor *add_cursor(struct state *st, size_t edit, size_t depth, size_t parent,
				 enum cond cond)
{
	struct cursor *c;

	if (GROW(st, st->cursors, st->ncursors, st->cursors_alloc) < 0)
		return NULL;
	c = &st->cursors[st->ncursors++];
	memset(c, 0, sizeof(*c));
	c->edit = edit;
	c->depth = depth;
	c->parent = parent;
	c->node = YS_NONE;
	c->cond = cond;
	c->dup_off = c->sel_dup = c->got_off = YS_NONE;
	c->below_sel = parent != YS_NONE && st->cursors[parent].below_sel;
	return c;
}

static void append_seen(struct state *st, size_t node, const char *text, size_t n)
{
	struct buf *b;
	size_t take = n > 40 ? 40 : n;

	if (st->s->lean)
		return;
	b = &st->seen[node];
	if (b->len >= SEEN_MAX || memchr(text, '\0', take))
		return;
	if (b->len)
		buf_add(b, ", ", 2);
	buf_add(b, text, take);
	/* cppcheck-suppress knownConditionTrueFalse ; n may be over 40 */
	if (take < n)
		buf_add(b, "...", 3);
	if (buf_failed(b))
		oom(st);
}

/* Room for node `i`'s list; the pool only grows. */
static int seen_slot(struct state *st, size_t i)
{
	if (st->s->lean)
		return 0;
	if (i < st->seen_alloc) {
		buf_reset(&st->seen[i]);
		return 0;
	}
	if (GROW(st, st->seen, i, st->seen_alloc) < 0)
		return -1;
	for (size_t k = i; k < st->seen_alloc; k++)
		buf_init(&st->seen[k], SEEN_MAX + 64);
	return 0;
}

static enum ys_tag tag_kind(const yaml_char_t *tag)
{
	if (!tag || !strcmp((const char *)tag, "!"))
		return YS_TAG_NONE;
	if (!strcmp((const char *)tag, YAML_STR_TAG))
		return YS_TAG_STR;
	return YS_TAG_OTHER;
}

static bool is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || tag_kind(ev->data.scalar.tag))
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

/* What the event of a starting node says, positions in bytes. */
struct start {
	const yaml_event_t *ev;
	enum ys_type type;
	size_t b0, body, b1;   /* b1: block scalars end with their last content line */
	unsigned col;          /* column of body */
	bool flow;
	const yaml_char_t *anchor, *tag;
	size_t blank_after;    /* block scalars, see ys_node */
	unsigned block_indent;
	int seq_offset, map_step;
};

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

/* What the event of a node starting in frame `f` (NULL: the root) says. */
static void describe(struct state *st, const struct frame *f, const yaml_event_t *ev,
		     enum ys_type type, size_t b0, size_t b1, struct start *d)
{
	d->ev = ev;
	d->flow = false;
	d->anchor = d->tag = NULL;
	d->blank_after = 0;
	d->block_indent = 0;
	d->type = type;
	d->b0 = d->body = b0;
	d->b1 = b1;
	d->col = (unsigned)ev->start_mark.column;
	switch (type) {
	case YS_SCALAR:
		d->anchor = ev->data.scalar.anchor;
		d->tag = ev->data.scalar.tag;
		break;
	case YS_MAP:
		d->anchor = ev->data.mapping_start.anchor;
		d->tag = ev->data.mapping_start.tag;
		d->flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
		break;
	case YS_SEQ:
		d->anchor = ev->data.sequence_start.anchor;
		d->tag = ev->data.sequence_start.tag;
		d->flow = ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
		break;
	case YS_ALIAS:
		break;
	}
	if (d->anchor || d->tag) {
		d->body = skip_properties(st->in, b0, type == YS_SCALAR ? b1 : st->len);
		d->col = column_of(st->in, st->mc.base, d->body);
	}
	d->seq_offset = f ? f->seq_offset : -1;
	d->map_step = f ? f->map_step : -1;
	if (f && f->type == YS_MAP && !f->flow && !f->want_key && !d->flow) {
		int delta = (int)d->col - (int)f->col;

		if (type == YS_SEQ && delta >= 0)
			d->seq_offset = delta;
		if (type == YS_MAP && delta > 0)
			d->map_step = delta;
	}
	if (type == YS_SCALAR && (ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
				  ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)) {
		block_extent(st->in, st->len, d->body, b1, f ? f->indent : -1, &d->b1,
			     &d->blank_after, &d->block_indent);
	}
}

/* A sparse node for the node `d` describes. */
static int new_node(struct state *st, const struct start *d, enum ys_role role, size_t *out)
{
	struct frame *f = top(st);
	const yaml_event_t *ev = d->ev;
	struct ys_node *n;

	if (GROW(st, st->nodes, st->nnodes, st->nodes_alloc) < 0 ||
	    seen_slot(st, st->nnodes) < 0)
		return -1;
	n = &st->nodes[st->nnodes];
	memset(n, 0, sizeof(*n));
	n->type = d->type;
	n->role = role;
	n->start = d->b0;
	n->body = d->body;
	n->end = d->b1;
	n->close = YS_NONE;
	n->col = d->col;
	n->parent_col = f ? f->indent : -1;
	n->in_flow = f && (f->flow || f->in_flow);
	n->flow = d->flow;
	n->map_items = d->type == YS_SEQ;
	n->seq_offset = d->seq_offset;
	n->map_step = d->map_step;
	n->tag_kind = tag_kind(d->tag);
	if (n->tag_kind == YS_TAG_OTHER && !(n->tag = strdup((const char *)d->tag)))
		return oom(st);
	if (d->type == YS_SCALAR) {
		n->style = scalar_style(ev->data.scalar.style);
		n->null = is_null(ev);
		n->blank_after = d->blank_after;
		n->block_indent = d->block_indent;
		n->value = dup_mem(ev->data.scalar.value, ev->data.scalar.length);
		if (!n->value)
			return oom(st);
		n->len = ev->data.scalar.length;
		n->ordinal = st->cur_ordinal;
		n->hash = st->cur_hash;
	}
	*out = st->nnodes++;
	return 0;
}

/* Push a frame for a collection node; new slots start zeroed. */
static struct frame *push_frame(struct state *st, long line)
{
	if (st->depth >= YS_MAX_DEPTH) {
		fail(st, line, "nesting deeper than %d levels", YS_MAX_DEPTH);
		return NULL;
	}
	if (st->depth == st->frames_alloc) {
		size_t na = st->frames_alloc ? st->frames_alloc * 2 : 16;
		struct frame *p = realloc(st->frames, na * sizeof(*p));

		if (!p) {
			oom(st);
			return NULL;
		}
		memset(p + st->frames_alloc, 0, (na - st->frames_alloc) * sizeof(*p));
		st->frames = p;
		st->frames_alloc = na;
	}
	return &st->frames[st->depth++];
}

static bool same_text(const char *a, size_t na, const char *b, size_t nb)
{
	return na == nb && (na == 0 || !memcmp(a, b, na));
}

/*
 * The cursors a new child of frame `f` gets.  `type` is the child's type,
 * `b0` where it starts.
 */
static int child_cursors(struct state *st, struct frame *f, enum ys_type type,
			 size_t b0)
{
	for (size_t i = f->c0; i < f->c1; i++) {
		struct cursor *c = &st->cursors[i], *nc;
		const struct ypath_seg *seg = cursor_seg(st, c);
		enum cond cond = C_UNCOND;
		bool element = false;

		if (!seg || c->cond == C_FAIL) /* a selector that failed: nothing below counts */
			continue;
		switch (seg->kind) {
		case YPATH_KEY:
			if (f->type != YS_MAP || !c->key_hit)
				continue;
			if (c->matched) {
				if (c->dup_off == YS_NONE)
					c->dup_off = b0;
				continue;
			}
			c->matched = true;
			break;
		case YPATH_INDEX:
			if (f->type != YS_SEQ || f->index != seg->index)
				continue;
			break;
		case YPATH_ALL:
			if (f->type != YS_SEQ)
				continue;
			element = true;
			break;
		case YPATH_MATCH: /* on a mapping: a filter (node_begin) */
			if (f->type != YS_SEQ)
				continue;
			cond = type == YS_MAP ? C_PENDING : type == YS_ALIAS ? C_OK : C_FAIL;
			element = true;
			break;
		}
		nc = add_cursor(st, c->edit, c->depth + 1, i, cond);
		if (!nc)
			return -1;
		nc->sel = cond == C_PENDING;
		nc->below_sel |= element;
	}
	return 0;
}

/*
 * Cursors [c0, end) reach mapping `node`: each whose next segment is a
 * [key=value] gets a filter cursor past it on the same mapping, valid
 * once the mapping's `key` turns out to hold `value` (and so on for a
 * filter after a filter).
 */
static int filter_cursors(struct state *st, size_t c0, size_t node)
{
	for (size_t i = c0; i < st->ncursors; i++) {
		const struct ypath_seg *seg = cursor_seg(st, &st->cursors[i]);
		struct cursor *nc;

		if (!seg || seg->kind != YPATH_MATCH)
			continue;
		nc = add_cursor(st, st->cursors[i].edit, st->cursors[i].depth + 1, i, C_PENDING);
		if (!nc)
			return -1;
		nc->node = node;
		nc->sel = nc->filter = true;
	}
	return 0;
}

/* A value in mapping frame `f` whose key named a selector: decide.  What
 * it held is kept for messages: in the sequence's list for an element, for
 * the cursor before a filter. */
static void decide_selectors(struct state *st, struct frame *f, const yaml_event_t *ev)
{
	struct frame *seq = st->depth >= 2 ? &st->frames[st->depth - 2] : NULL;

	for (size_t i = f->c0; i < f->c1; i++) {
		struct cursor *c = &st->cursors[i];
		const struct ypath_seg *seg;
		const char *v = (const char *)ev->data.scalar.value;
		size_t n = ev->data.scalar.length;

		if (!c->decide)
			continue;
		c->decide = false;
		seg = &st->s->paths[c->edit].seg[c->depth - 1];
		if (ev->type != YAML_SCALAR_EVENT) {
			c->cond = C_FAIL;
			continue;
		}
		c->cond = n == seg->value_len && !memcmp(v, seg->value, n) ? C_OK : C_FAIL;
		if (c->filter) {
			struct cursor *p = &st->cursors[c->parent];

			p->got_off = st->got.len;
			p->got_len = n;
			if (buf_add(&st->got, v, n) < 0)
				oom(st);
		} else if (seq && seq->node != YS_NONE) {
			append_seen(st, seq->node, v, n);
		}
	}
}

/* A key of mapping frame `f`: which cursors go on through it, which
 * selectors it decides.  Matched here, so the key is never copied. */
static int read_key(struct state *st, struct frame *f, const yaml_event_t *ev, size_t b0)
{
	const char *k = NULL;
	size_t n = 0;

	f->want_key = false;
	f->key_live = false;
	if (ev->type == YAML_SCALAR_EVENT) {
		k = (const char *)ev->data.scalar.value;
		n = ev->data.scalar.length;
	} else if (f->node != YS_NONE) {
		st->nodes[f->node].odd_keys = true;
		if (ev->type == YAML_ALIAS_EVENT) {
			const char *a = (const char *)ev->data.alias.anchor;
			char name[42] = "*";
			size_t an = strnlen(a, 40);

			st->nodes[f->node].alias_key = true;
			memcpy(name + 1, a, an);
			append_seen(st, f->node, name, an + 1);
		}
	}
	if (k && f->node != YS_NONE) {
		if (n == 2 && !memcmp(k, "<<", 2) &&
		    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			st->nodes[f->node].has_merge = true;
		append_seen(st, f->node, k, n);
	}
	if (!f->needs_key)
		return 0;
	for (size_t i = f->c0; i < f->c1; i++) {
		struct cursor *c = &st->cursors[i];
		const struct ypath_seg *seg = cursor_seg(st, c);

		c->key_hit = k && seg && seg->kind == YPATH_KEY && c->cond != C_FAIL &&
			     same_text(seg->key, seg->key_len, k, n);
		f->key_live |= c->key_hit;
		if (!c->sel || !k)
			continue;
		seg = &st->s->paths[c->edit].seg[c->depth - 1];
		if (!same_text(seg->key, seg->key_len, k, n))
			continue;
		if (c->sel_seen && c->sel_dup == YS_NONE)
			c->sel_dup = b0;
		c->decide = !c->sel_seen;
		c->sel_seen = true;
		f->key_live |= c->decide;
	}
	return 0;
}

/* Does v hold "<name>"? */
static bool marker_in(const char *v, size_t n, const char *name)
{
	size_t k = strlen(name);

	for (const char *p = v; n && (p = memchr(p, '<', n - (size_t)(p - v))); p++)
		if ((size_t)(v + n - p) >= k + 2 && !memcmp(p + 1, name, k) && p[k + 1] == '>')
			return true;
	return false;
}

static bool holds_marker(struct state *st, const yaml_event_t *ev)
{
	for (size_t m = 0; m < st->s->nmarkers; m++)
		if (marker_in((const char *)ev->data.scalar.value, ev->data.scalar.length,
			      st->s->markers[m]))
			return true;
	return false;
}

/* The slot for anchor name `name` (hash `h`): its own or a free one. */
static struct anchor_slot *anchor_slot(struct state *st, const char *name, uint64_t h)
{
	size_t mask = st->atab_size - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct anchor_slot *sl = &st->atab[i];

		if (sl->gen != st->agen)
			return sl;
		if (st->anchors[sl->anchor].name_hash == h &&
		    !strcmp(st->anchors[sl->anchor].name, name))
			return sl;
	}
}

/* Index anchor `i` by name; the table stays at most half full. */
static int index_anchor(struct state *st, size_t i)
{
	struct anchor_slot *sl;

	if (2 * st->nanchors >= st->atab_size) {
		size_t n = st->atab_size ? 2 * st->atab_size : 64;
		struct anchor_slot *t = calloc(n, sizeof(*t));

		if (!t)
			return oom(st);
		free(st->atab);
		st->atab = t;
		st->atab_size = n;
		st->agen++;         /* slots of 0 are free in the new table */
		for (size_t k = 0; k < i; k++)
			*anchor_slot(st, st->anchors[k].name, st->anchors[k].name_hash) =
				(struct anchor_slot){ st->agen, k };
	}
	sl = anchor_slot(st, st->anchors[i].name, st->anchors[i].name_hash);
	*sl = (struct anchor_slot){ st->agen, i };
	return 0;
}

static int record_anchor(struct state *st, const yaml_char_t *name, size_t b0, size_t b1,
			 size_t *idx)
{
	struct anchor *a;
	size_t n = strlen((const char *)name);

	if (GROW(st, st->anchors, st->nanchors, st->anchors_alloc) < 0)
		return -1;
	a = &st->anchors[st->nanchors];
	a->name = dup_mem(name, n);
	if (!a->name)
		return oom(st);
	a->name_hash = hash_bytes(st->s->seed, name, n);
	a->start = b0;
	a->end = b1;
	*idx = st->nanchors++;
	return index_anchor(st, *idx);
}

/*
 * An alias must name an anchor that comes before it in its document (one
 * on a node the alias is inside counts): libyaml's event parser lets any
 * name through, but its loader, go-yaml and PyYAML refuse the document.
 */
static int record_alias(struct state *st, const yaml_char_t *name, long line)
{
	size_t n = strlen((const char *)name);
	uint64_t h = hash_bytes(st->s->seed, name, n);

	if (!st->atab_size || anchor_slot(st, (const char *)name, h)->gen != st->agen)
		return fail(st, line, "alias '*%.*s%s' has no anchor '&%.*s%s' before it in its "
			    "document", n > 40 ? 40 : (int)n, name, n > 40 ? "..." : "",
			    n > 40 ? 40 : (int)n, name, n > 40 ? "..." : "");
	if (GROW(st, st->aliases, st->naliases, st->aliases_alloc) < 0)
		return -1;
	st->aliases[st->naliases++] = h;
	return 0;
}

static void note_layout(struct state *st, const struct frame *f, enum ys_type type,
			unsigned col, bool flow)
{
	int d = (int)col - (int)f->col;

	if (flow || f->flow || f->type != YS_MAP)
		return;
	if (type == YS_SEQ && st->s->seq_offset < 0 && d >= 0)
		st->s->seq_offset = d;
	if (type == YS_MAP && st->s->map_step < 0 && d > 0)
		st->s->map_step = d;
}

/* The child `d` of frame `f` (a value, an item, or the root): its cursors
 * and, when some path reaches it or it holds a marker, its sparse node. */
static int place_child(struct state *st, struct frame *f, const struct start *d,
		       size_t *node)
{
	const yaml_event_t *ev = d->ev;
	enum ys_role role = !f ? YS_ROOT : f->type == YS_SEQ ? YS_ITEM : YS_VALUE;
	size_t c0 = st->ncursors;

	if (!f) {
		for (size_t e = 0; e < st->s->npaths; e++)
			if (!add_cursor(st, e, 0, YS_NONE, C_UNCOND))
				return -1;
	} else if (f->c0 < f->c1 && (f->type != YS_MAP || f->key_live)) {
		if (f->type == YS_MAP)
			decide_selectors(st, f, ev);
		if (child_cursors(st, f, d->type, d->b0) < 0)
			return -1;
	}
	if (f) {
		if (d->type == YS_MAP || d->type == YS_SEQ)
			note_layout(st, f, d->type, d->col, d->flow);
		if (f->type == YS_SEQ && d->type != YS_MAP)
			f->all_maps = false;
		if (f->node != YS_NONE && f->type == YS_SEQ && d->type == YS_MAP && !d->flow)
			st->nodes[f->node].item_col = d->col;
		f->index++;
		f->want_key = true;
	}
	if (st->ncursors == c0 && !(d->type == YS_SCALAR && st->s->nmarkers &&
				    holds_marker(st, ev)))
		return 0;
	if (new_node(st, d, role, node) < 0)
		return -1;
	for (size_t i = c0; i < st->ncursors; i++)
		st->cursors[i].node = *node;
	return 0;
}

/* A node starts in frame `f`: a scalar, an alias, or a collection (pushed
 * here). */
static int node_begin(struct state *st, struct frame *f, const struct start *d)
{
	const yaml_event_t *ev = d->ev;
	struct frame *nf;
	size_t c0 = st->ncursors, node = YS_NONE, anchor = YS_NONE;
	bool in_flow = f && (f->flow || f->in_flow);
	int indent = f ? f->indent : -1;

	if (d->type == YS_ALIAS &&
	    record_alias(st, ev->data.alias.anchor, (long)ev->start_mark.line + 1) < 0)
		return -1;
	if (d->anchor && record_anchor(st, d->anchor, d->b0, d->b1, &anchor) < 0)
		return -1;
	if (f && f->type == YS_MAP && f->want_key) {
		if (read_key(st, f, ev, d->b0) < 0)
			return -1;
	} else if (place_child(st, f, d, &node) < 0) {
		return -1;
	}
	if (d->type == YS_SCALAR || d->type == YS_ALIAS) {
		st->last_leaf = d->b1;
		return 0;
	}
	if (d->type == YS_MAP && st->ncursors > c0 && filter_cursors(st, c0, node) < 0)
		return -1;
	nf = push_frame(st, (long)ev->start_mark.line + 1);
	if (!nf)
		return -1;
	nf->type = d->type;
	nf->flow = d->flow;
	nf->in_flow = in_flow;
	nf->want_key = true;
	nf->key_live = false;
	nf->all_maps = true;
	nf->node = node;
	nf->c0 = c0;
	nf->c1 = st->ncursors;
	nf->index = 0;
	nf->anchor = anchor;
	nf->col = d->col;
	nf->indent = d->flow ? indent : (int)d->col;
	nf->seq_offset = d->seq_offset;
	nf->map_step = d->map_step;
	nf->needs_key = false;
	for (size_t i = c0; i < st->ncursors; i++) {
		const struct ypath_seg *seg = cursor_seg(st, &st->cursors[i]);

		if ((seg && seg->kind == YPATH_KEY) || st->cursors[i].sel)
			nf->needs_key = true;
	}
	return 0;
}

static void node_end(struct state *st, struct frame *f, size_t b0, size_t b1)
{
	if (!f)
		return;
	if (f->node != YS_NONE) {
		struct ys_node *n = &st->nodes[f->node];

		n->inner_end = st->last_leaf;
		n->end = f->flow ? b1 : st->last_leaf;
		n->close = f->flow ? b0 : YS_NONE;
		n->count = f->index;
		if (f->type == YS_SEQ)
			n->map_items = f->all_maps && f->index > 0;
	}
	if (f->flow)
		st->last_leaf = b1;
	if (f->anchor != YS_NONE)
		st->anchors[f->anchor].end = st->last_leaf;
	for (size_t i = f->c0; i < f->c1; i++)
		if (st->cursors[i].cond == C_PENDING)
			st->cursors[i].cond = C_FAIL;
	st->depth--;
}

/* ---- end of a document: resolve ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool alias_used(struct state *st, uint64_t h)
{
	return st->naliases &&
	       bsearch(&h, st->aliases, st->naliases, sizeof(*st->aliases), cmp_u64);
}

/*
 * Keep only the anchors that aliases use, as maximal disjoint byte ranges
 * (anchored nodes nest like the tree, so the outermost ones, in document
 * order, cover the rest).
 */
static void shared_ranges(struct state *st)
{
	size_t n = 0;

	if (st->naliases)
		qsort(st->aliases, st->naliases, sizeof(*st->aliases), cmp_u64);
	for (size_t i = 0; i < st->nanchors; i++) {
		struct anchor a = st->anchors[i];

		if (!alias_used(st, a.name_hash)) {
			free(a.name);
			continue;
		}
		if (n && a.start >= st->anchors[n - 1].start && a.start < st->anchors[n - 1].end) {
			free(a.name); /* nested in the previous outermost one */
			continue;
		}
		st->anchors[n++] = a;
	}
	st->nanchors = n;
}

static const char *shared_anchor(struct state *st, size_t pos)
{
	size_t lo = 0, hi = st->nanchors;

	while (lo < hi) { /* the last range starting at or before pos */
		size_t mid = lo + (hi - lo) / 2;

		if (st->anchors[mid].start <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && pos < st->anchors[lo - 1].end)
		return st->anchors[lo - 1].name;
	if (lo && pos == st->anchors[lo - 1].start)
		return st->anchors[lo - 1].name;
	return NULL;
}

/* A hit on `node`; `c` the cursor that found it (NULL: a marker). */
static int add_hit(struct state *st, enum ys_hit_kind kind, const struct cursor *c,
		   size_t edit, size_t depth, size_t node, size_t err_off)
{
	struct ys_scan *s = st->s;
	const struct ys_node *src = &st->nodes[node];
	struct ys_hit *h;
	const char *anchor;
	bool got = c && c->got_off != YS_NONE && kind == YS_HIT_FRONTIER;

	if (s->lean && kind != YS_HIT_TARGET)
		return 0;
	if (GROW(st, s->hits, s->nhits, s->hits_alloc) < 0)
		return -1;
	h = &s->hits[s->nhits];
	h->kind = kind;
	h->below_sel = c && c->below_sel;
	h->filter = c && c->filter && kind == YS_HIT_DUPKEY && c->sel_dup == err_off;
	h->got = got ? dup_mem(st->got.ptr + c->got_off, c->got_len) : NULL;
	h->got_len = got ? c->got_len : 0;
	h->edit = edit;
	h->depth = depth;
	h->doc = s->ndocs;
	h->err_off = err_off;
	h->node = *src;
	h->node.value = src->value ? dup_mem(src->value, src->len) : NULL;
	h->node.seen = NULL;
	h->node.tag = NULL;
	h->node.shared_anchor = NULL;
	s->nhits++;
	if (src->value && !h->node.value)
		return oom(st);
	if (s->lean)
		return 0;
	h->node.seen = st->seen[node].len ? strdup(buf_cstr(&st->seen[node])) : NULL;
	h->node.tag = src->tag ? strdup(src->tag) : NULL;
	anchor = shared_anchor(st, src->start); /* its own anchor counts, also on
						* an empty value */
	h->node.shared = anchor != NULL;
	h->node.shared_anchor = anchor ? strdup(anchor) : NULL;
	if ((st->seen[node].len && !h->node.seen) || (src->tag && !h->node.tag) ||
	    (anchor && !h->node.shared_anchor) || (got && !h->got))
		return oom(st);
	return 0;
}

static int resolve_cursor(struct state *st, size_t i, const size_t *live, const size_t *second)
{
	const struct cursor *c = &st->cursors[i];
	const struct ys_node *n = &st->nodes[c->node];
	const struct ypath *p = &st->s->paths[c->edit];

	if (c->sel_dup != YS_NONE)
		return add_hit(st, YS_HIT_DUPKEY, c, c->edit, c->depth - 1, c->node, c->sel_dup);
	if (c->dup_off != YS_NONE)
		return add_hit(st, YS_HIT_DUPKEY, c, c->edit, c->depth, c->node, c->dup_off);
	if (n->type == YS_ALIAS)
		return add_hit(st, YS_HIT_ALIAS, c, c->edit, c->depth, c->node, YS_NONE);
	if (c->depth == p->n)
		return add_hit(st, YS_HIT_TARGET, c, c->edit, c->depth, c->node, YS_NONE);
	if (live[i] == 0)
		return add_hit(st, YS_HIT_FRONTIER, c, c->edit, c->depth, c->node, YS_NONE);
	if (p->seg[c->depth].kind == YPATH_MATCH && live[i] > 1)
		return add_hit(st, YS_HIT_DUPMATCH, c, c->edit, c->depth, c->node, second[i]);
	return 0;
}

static int resolve_document(struct state *st)
{
	size_t nc = st->ncursors, *live = NULL, *second = NULL;
	bool *valid = NULL;
	int rc = -1;

	if (!st->s->lean)
		shared_ranges(st);
	if (nc) {
		live = calloc(nc, sizeof(*live));
		second = calloc(nc, sizeof(*second));
		valid = calloc(nc, sizeof(*valid));
		if (!live || !second || !valid) {
			oom(st);
			goto out;
		}
	}
	for (size_t i = 0; i < nc; i++) { /* parents come before children */
		const struct cursor *c = &st->cursors[i];

		valid[i] = (c->cond == C_UNCOND || c->cond == C_OK) &&
			   (c->parent == YS_NONE || valid[c->parent]) && c->node != YS_NONE;
		if (valid[i] && c->parent != YS_NONE && ++live[c->parent] == 2)
			second[c->parent] = st->nodes[c->node].start;
	}
	for (size_t i = 0; i < nc; i++) {
		const struct cursor *c = &st->cursors[i];
		/* a selector key twice: refused whatever the values (loaders
		 * disagree on which one counts) */
		bool dup = c->sel_dup != YS_NONE && c->node != YS_NONE &&
			   (c->parent == YS_NONE || valid[c->parent]);

		if ((valid[i] || dup) && resolve_cursor(st, i, live, second) < 0)
			goto out;
	}
	for (size_t i = 0; i < st->nnodes; i++) {
		const struct ys_node *n = &st->nodes[i];

		for (size_t m = 0; n->type == YS_SCALAR && m < st->s->nmarkers; m++)
			if (marker_in(n->value, n->len, st->s->markers[m]) &&
			    add_hit(st, YS_HIT_MARKER, NULL, m, 0, i, YS_NONE) < 0)
				goto out;
	}
	rc = 0;
out:
	free(live);
	free(second);
	free(valid);
	return rc;
}

static void reset_document(struct state *st)
{
	for (size_t i = 0; i < st->nnodes; i++) {
		free(st->nodes[i].value);
		free(st->nodes[i].tag);
	}
	for (size_t i = 0; i < st->nanchors; i++)
		free(st->anchors[i].name);
	st->nnodes = st->ncursors = st->nanchors = st->naliases = 0;
	st->agen++; /* empties the anchor table */
	buf_reset(&st->got);
}

/* ---- fingerprint ---- */

/* An anchor and a tag, when there are any (mostly there are none). */
static inline uint64_t hash_props(uint64_t h, const yaml_char_t *anchor, const yaml_char_t *tag)
{
	if (!anchor && !tag)
		return h;
	if (anchor)
		h = hash_bytes(h ^ 1, anchor, strlen((const char *)anchor));
	if (tag)
		h = hash_bytes(h ^ 2, tag, strlen((const char *)tag));
	return h;
}

/*
 * An event's hash: what it says, not where.  Each event type starts from
 * its own keyed constant (st->type_hash), so structural events cost no
 * mixing; a scalar's value is mixed in by hash_bytes.  At most 2^61 - 1,
 * which is 0 to the fingerprint (fp_step folds it).
 */
static inline uint64_t event_hash(const struct state *st, const yaml_event_t *ev)
{
	uint64_t h = st->type_hash[ev->type & 15], flags = 0;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		flags = (uint64_t)ev->data.document_start.implicit |
			(uint64_t)(ev->data.document_start.version_directive != NULL) << 8 |
			(uint64_t)(ev->data.document_start.tag_directives.start !=
				   ev->data.document_start.tag_directives.end) << 16;
		break;
	case YAML_DOCUMENT_END_EVENT:
		flags = (uint64_t)ev->data.document_end.implicit;
		break;
	case YAML_ALIAS_EVENT:
		h = hash_props(h, ev->data.alias.anchor, NULL);
		break;
	case YAML_SCALAR_EVENT:
		h = hash_props(h, ev->data.scalar.anchor, ev->data.scalar.tag);
		h = hash_bytes(h, ev->data.scalar.value, ev->data.scalar.length);
		flags = (uint64_t)ev->data.scalar.plain_implicit |
			(uint64_t)ev->data.scalar.quoted_implicit << 8 |
			(uint64_t)ev->data.scalar.style << 16;
		break;
	case YAML_SEQUENCE_START_EVENT:
		h = hash_props(h, ev->data.sequence_start.anchor, ev->data.sequence_start.tag);
		flags = (uint64_t)ev->data.sequence_start.implicit |
			(uint64_t)ev->data.sequence_start.style << 8;
		break;
	case YAML_MAPPING_START_EVENT:
		h = hash_props(h, ev->data.mapping_start.anchor, ev->data.mapping_start.tag);
		flags = (uint64_t)ev->data.mapping_start.implicit |
			(uint64_t)ev->data.mapping_start.style << 8;
		break;
	default:
		break;
	}
	return (h ^ (flags + 1) * 0x9e3779b97f4a7c15ULL) >> 3; /* below 2^61 */
}

static void fp_add(struct state *st, uint64_t x)
{
	st->ordinal++;
	if (!st->doc)
		return;
	st->doc->fp = fp_step(st->doc->fp, st->base, x);
	st->doc->events++;
}

/* The region holding a node that starts at b0 and ends at b1, if any. */
static struct ys_region *region_of(struct state *st, bool scalar, size_t b0, size_t b1)
{
	struct ys_scan *s = st->s;
	size_t lo, pos = scalar ? b1 : b0;

	if (st->rcur > 0 && st->rcur <= s->nregions && s->regions[st->rcur - 1].end >= pos)
		st->rcur = 0; /* went back (never in practice): search from the start */
	while (st->rcur < s->nregions && s->regions[st->rcur].end < pos)
		st->rcur++;
	for (lo = st->rcur; lo < s->nregions && s->regions[lo].start <= pos; lo++) {
		struct ys_region *r = &s->regions[lo];

		if (scalar ? (r->start < pos && pos <= r->end) : (r->start <= pos && pos < r->end))
			return r;
	}
	return NULL;
}

/* An event where regions are: inside one, it stands for its nodes. */
static void fingerprint_regions(struct state *st, const yaml_event_t *ev, size_t b0, size_t b1)
{
	bool start = ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT;
	bool end = ev->type == YAML_SEQUENCE_END_EVENT || ev->type == YAML_MAPPING_END_EVENT;
	bool scalar = ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT;
	struct ys_region *r;

	if (st->skip) {
		st->skip->events++;
		st->skip_depth += start;
		st->skip_depth -= end;
		if (!st->skip_depth)
			st->skip = NULL;
		return;
	}
	if ((start || scalar) && st->s->nregions && (r = region_of(st, scalar, b0, b1))) {
		r->nodes++;
		r->events++;
		if (ev->type == YAML_SCALAR_EVENT && r->value)
			r->value_ok = ev->data.scalar.length == r->len &&
				      !memcmp(ev->data.scalar.value, r->value, r->len);
		if (start) {
			st->skip = r;
			st->skip_depth = 1;
		}
		if (r->replace)
			fp_add(st, st->placeholder);
		return;
	}
	fp_add(st, st->cur_hash);
}

static inline void fingerprint(struct state *st, const yaml_event_t *ev, size_t b0, size_t b1)
{
	uint64_t h = event_hash(st, ev);

	st->cur_ordinal = st->ordinal;
	st->cur_hash = h;
	if (st->skip || (st->rcur < st->s->nregions && b1 >= st->s->regions[st->rcur].start)) {
		fingerprint_regions(st, ev, b0, b1);
		return;
	}
	st->ordinal++;
	if (st->doc) {
		st->doc->fp = fp_step(st->doc->fp, st->base, h);
		st->doc->events++;
	}
}

/* ---- the pass ---- */

static size_t line_after(const char *in, size_t len, size_t p)
{
	while (p < len && !is_break(in[p]))
		p++;
	return skip_break(in, len, p);
}

static int begin_document(struct state *st)
{
	struct ys_scan *s = st->s;
	struct ys_doc *d;

	if (GROW(st, s->docs, s->ndocs, s->docs_alloc) < 0)
		return -1;
	d = st->doc = &s->docs[s->ndocs];
	d->start = st->prev_end;
	d->end = st->len;
	d->fp = d->events = 0;
	d->first = st->ordinal;
	return 0;
}

static int parse_error(struct state *st)
{
	const yaml_parser_t *p = &st->parser;

	if (p->error == YAML_MEMORY_ERROR)
		return oom(st);
	return fail(st, (long)p->problem_mark.line + 1, "%s%s%s", p->context ? p->context : "",
		    p->context ? ": " : "", p->problem ? p->problem : "unknown error");
}

/*
 * The common scalar, without building its description: one without anchor
 * or tag in flow or one-line style that is a key, or a value no cursor goes
 * on to (none here, or none through its key) and no marker is in.  0 when
 * done, 1 for the general path, -1.
 */
static int quick_scalar(struct state *st, struct frame *f, const yaml_event_t *ev, size_t b0,
			size_t b1)
{
	if (!f || ev->data.scalar.anchor || ev->data.scalar.tag)
		return 1;
	if (f->type == YS_MAP && f->want_key) {
		if (read_key(st, f, ev, b0) < 0)
			return -1;
	} else {
		bool dead = f->c0 == f->c1 || (f->type == YS_MAP && !f->key_live);

		if (!dead || (st->s->nmarkers && holds_marker(st, ev)))
			return 1;
		if (f->type == YS_SEQ)
			f->all_maps = false;
		f->index++;
		f->want_key = true;
	}
	st->last_leaf = b1;
	return 0;
}

/*
 * A collection no cursor goes into, without anchor or tag: its frame only,
 * without a description.  Such a subtree holds no sparse node (markers
 * aside: not here when there are any), so its layout is not needed once the
 * file's is known.  0 when done, 1 for the general path, -1.
 */
static int quick_collection(struct state *st, struct frame *f, const yaml_event_t *ev)
{
	bool map = ev->type == YAML_MAPPING_START_EVENT;
	const yaml_char_t *anchor = map ? ev->data.mapping_start.anchor
				  : ev->data.sequence_start.anchor;
	const yaml_char_t *tag = map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	bool flow = map ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
		  : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	struct frame *nf;
	bool in_flow;
	int indent;

	if (!f || anchor || tag || st->s->nmarkers || st->s->seq_offset < 0 ||
	    st->s->map_step < 0 || (f->type == YS_MAP && f->want_key) ||
	    !(f->c0 == f->c1 || (f->type == YS_MAP && !f->key_live)))
		return 1;
	if (f->type == YS_SEQ && !map)
		f->all_maps = false;
	f->index++;
	f->want_key = true;
	in_flow = f->flow || f->in_flow;
	indent = f->indent;
	nf = push_frame(st, (long)ev->start_mark.line + 1); /* f moves */
	if (!nf)
		return -1;
	nf->type = map ? YS_MAP : YS_SEQ;
	nf->flow = flow;
	nf->in_flow = in_flow;
	nf->want_key = nf->all_maps = true;
	nf->key_live = nf->needs_key = false;
	nf->node = nf->anchor = YS_NONE;
	nf->c0 = nf->c1 = st->ncursors;
	nf->index = 0;
	nf->col = (unsigned)ev->start_mark.column;
	nf->indent = flow ? indent : (int)nf->col;
	nf->seq_offset = nf->map_step = -1;
	return 0;
}

static bool block_scalar(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT &&
	       (ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
		ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE);
}

static int event(struct state *st, const yaml_event_t *ev)
{
	struct frame *f = top(st);
	bool marks = ev->type != YAML_STREAM_START_EVENT && ev->type != YAML_STREAM_END_EVENT &&
		     ev->type != YAML_DOCUMENT_START_EVENT &&
		     !((ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT) &&
		       f && !f->flow); /* block ends: their marks are the next token's */
	size_t b0 = marks ? to_byte(&st->mc, ev->start_mark.index) : 0;
	size_t b1 = marks ? to_byte(&st->mc, ev->end_mark.index) : 0;
	bool described = true;
	struct start d;
	int r;

	/* most scalars need no description (quick_scalar); a block scalar's
	 * end is known only from it */
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		described = block_scalar(ev);
		if (described)
			describe(st, f, ev, YS_SCALAR, b0, b1, &d);
		break;
	case YAML_ALIAS_EVENT: describe(st, f, ev, YS_ALIAS, b0, b1, &d); break;
	case YAML_DOCUMENT_START_EVENT:
		if (begin_document(st) < 0)
			return -1;
		described = false;
		break;
	default: described = false; break;
	}
	fingerprint(st, ev, b0, described ? d.b1 : b1);
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		reset_document(st);
		st->depth = 0;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		if (resolve_document(st) < 0)
			return -1;
		reset_document(st);
		st->doc->end = st->prev_end = ev->data.document_end.implicit
			? b1 : line_after(st->in, st->len, b1);
		st->doc = NULL;
		st->s->ndocs++;
		if (st->s->on_doc) {
			r = st->s->on_doc(st->s->arg, st->s);
			release_hits(st->s);
			if (r < 0) {
				st->stopped = true;
				return -1;
			}
		}
		return 0;
	case YAML_SCALAR_EVENT:
		if (!described) {
			if ((r = quick_scalar(st, f, ev, b0, b1)) <= 0)
				return r;
			describe(st, f, ev, YS_SCALAR, b0, b1, &d);
		}
		return node_begin(st, f, &d);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if ((r = quick_collection(st, f, ev)) <= 0)
			return r;
		describe(st, f, ev, ev->type == YAML_MAPPING_START_EVENT ? YS_MAP : YS_SEQ, b0, b1,
			 &d);
		return node_begin(st, f, &d);
	case YAML_ALIAS_EVENT:
		return node_begin(st, f, &d);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		node_end(st, f, b0, b1);
		return 0;
	default:
		return 0;
	}
}

int ys_run(struct ys_scan *s, const char *in, size_t len)
{
	struct state st;
	const unsigned char *u = (const unsigned char *)in;
	bool done = false;
	int rc = -1;

	memset(&st, 0, sizeof(st));
	st.s = s;
	st.in = in;
	st.len = len;
	s->hits = NULL;
	s->nhits = s->hits_alloc = s->ndocs = s->docs_alloc = 0;
	s->docs = NULL;
	s->seq_offset = s->map_step = -1;
	s->err[0] = '\0';
	s->err_line = 0;
	st.base = fp_base(s->seed);
	st.placeholder = fp_placeholder(s->seed);
	for (uint64_t t = 0; t < 16; t++)
		st.type_hash[t] = mix(s->seed ^ (t + 1) * 0xd6e8feb86659fd93ULL);
	st.mc.in = u;
	st.mc.len = len;
	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return fail(&st, 1, "UTF-16 and UTF-32 are not supported (use UTF-8)");
	if (len >= 4 && (!u[0] || !u[1]))
		return fail(&st, 1, "UTF-16 and UTF-32 are not supported (use UTF-8)");
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		st.mc.base = st.mc.off = st.mc.run_lo = st.mc.run_hi = 3;
	for (size_t i = 0; i < s->nregions; i++) {
		s->regions[i].nodes = s->regions[i].events = 0;
		s->regions[i].value_ok = false;
	}
	if (!yaml_parser_initialize(&st.parser))
		return oom(&st);
	yaml_parser_set_input_string(&st.parser, u, len);
	while (!done) {
		yaml_event_t ev;
		int r;

		if (!yaml_parser_parse(&st.parser, &ev)) {
			parse_error(&st);
			goto out;
		}
		r = event(&st, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (r < 0 || st.oom)
			goto out;
	}
	rc = 0;
out:
	if (st.oom && !st.stopped)
		oom(&st);
	reset_document(&st);
	for (size_t i = 0; i < st.seen_alloc; i++)
		buf_release(&st.seen[i]);
	buf_release(&st.got);
	free(st.seen);
	free(st.frames);
	free(st.nodes);
	free(st.cursors);
	free(st.anchors);
	free(st.atab);
	free(st.aliases);
	yaml_parser_delete(&st.parser);
	return rc;
}

void ys_hit_release(struct ys_hit *h)
{
	free(h->node.value);
	free(h->node.seen);
	free(h->node.tag);
	free(h->node.shared_anchor);
	free(h->got);
	h->node.value = h->node.seen = h->node.tag = h->node.shared_anchor = h->got = NULL;
}

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

int ys_hit_copy(struct ys_hit *dst, const struct ys_hit *src)
{
	*dst = *src;
	dst->node.value = src->node.value ? dup_mem(src->node.value, src->node.len) : NULL;
	dst->node.seen = dup_opt(src->node.seen);
	dst->node.tag = dup_opt(src->node.tag);
	dst->node.shared_anchor = dup_opt(src->node.shared_anchor);
	dst->got = src->got ? dup_mem(src->got, src->got_len) : NULL;
	if ((src->node.value && !dst->node.value) || (src->node.seen && !dst->node.seen) ||
	    (src->node.tag && !dst->node.tag) ||
	    (src->node.shared_anchor && !dst->node.shared_anchor) || (src->got && !dst->got)) {
		ys_hit_release(dst);
		return -1;
	}
	return 0;
}

static void release_hits(struct ys_scan *s)
{
	for (size_t i = 0; i < s->nhits; i++)
		ys_hit_release(&s->hits[i]);
	s->nhits = 0;
}

void ys_release(struct ys_scan *s)
{
	release_hits(s);
	free(s->hits);
	free(s->docs);
	s->hits = NULL;
	s->docs = NULL;
	s->nhits = s->hits_alloc = s->ndocs = s->docs_alloc = 0;
}
