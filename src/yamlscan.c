/* yamlscan: see yamlscan.h. */
#include "yamlscan.h"

#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define P61 (((uint64_t)1 << 61) - 1)
#define SEEN_MAX 160 /* bytes of keys or values listed in a message */

/*
 * A node of the document being read.  The tree is built from the event
 * stream (not by yaml_parser_load(): its composer refuses an anchor defined
 * twice, which YAML allows, and forgets anchor names and where an alias
 * was used, which the refusals need).  Aliases stay leaves of their own,
 * never expanded.  Children are linked in document order; a mapping's
 * children alternate key and value.
 */
struct tn {
	enum ys_type type;
	enum ys_role role;
	enum ys_style style;
	enum ys_tag tagk;
	bool flow, in_flow, key, null, all_maps, has_merge, odd_keys, alias_key;
	bool pruned;           /* collections no path can enter: children not kept */
	unsigned col, item_col, block_indent;
	int indent;            /* collections: column of the nearest block one */
	int parent_col, seq_offset, map_step; /* as in struct ys_node */
	size_t parent, first, last, next;
	size_t b0, body, end, close, inner_end, blank_after;
	size_t count;          /* collections: items, or entries (values) */
	size_t kids;           /* collections: children (keys too) */
	size_t anchor;         /* its anchor in state.anchors, or YS_NONE */
	size_t voff, vlen;     /* scalars: the value in state.text */
	size_t toff;           /* a tag other than !!str: in state.text, or YS_NONE */
	uint64_t ordinal, hash;
};

/* A path of one edit reaching one node: segments [0, depth) resolved. */
struct cursor {
	size_t edit, depth;
	size_t parent;   /* cursor of the parent node, YS_NONE at the root */
	size_t node;
	bool valid;      /* its selectors (and its parent's) hold */
	bool filter;     /* reached by a [key=value] applied to the mapping itself */
	bool below_sel;  /* an element selector or [*] matched on the way here */
	bool matched;    /* a key matched the next segment already */
	size_t dup_off;  /* where the next key of the path appeared a second time */
	size_t sel_dup;  /* where the selector key that decided it appeared again */
	size_t got_off;  /* the next segment is a filter: the scalar its key held */
	size_t got_len;  /* (in state.got), got_off YS_NONE: none */
	size_t live, second; /* valid children; where the second one starts */
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
	/* the current document */
	struct tn *nodes;
	size_t nnodes, nodes_alloc;
	size_t open[YS_MAX_DEPTH]; /* the collections not ended yet */
	size_t depth;
	bool prune;          /* keep no subtree a path cannot enter (no markers) */
	bool any_elem;       /* some path has [N], [*] or [key=value] */
	struct buf text;     /* scalar values and tags */
	struct cursor *cursors;
	size_t ncursors, cursors_alloc;
	struct buf got;      /* the values filters were decided on (cursor.got_off) */
	struct buf seen;     /* for a hit's message */
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


/* ---- the tree of one document ---- */

/* Bytes of state.text (which may not be allocated yet). */
static const char *text_at(const struct state *st, size_t off)
{
	return st->text.ptr ? st->text.ptr + off : "";
}

static struct tn *top(struct state *st)
{
	return st->depth ? &st->nodes[st->open[st->depth - 1]] : NULL;
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

static bool event_flow(const yaml_event_t *ev)
{
	return (ev->type == YAML_MAPPING_START_EVENT &&
		ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE) ||
	       (ev->type == YAML_SEQUENCE_START_EVENT &&
		ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
}

/* Where node `n` sits in its parent `f` (NULL: the root), and the layout
 * nearby: a collection under a block mapping's key notes how far right of
 * the key it starts. */
static void place(struct tn *n, const struct tn *f)
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
	}
	n->indent = n->flow ? (f ? f->indent : -1) : (int)n->col;
}

/* A scalar's style and extent, and unless `skip`, its value (in
 * state.text). */
static int describe_scalar(struct state *st, const yaml_event_t *ev, struct tn *n, bool skip)
{
	n->style = scalar_style(ev->data.scalar.style);
	n->null = is_null(ev);
	if (n->style == YS_LITERAL || n->style == YS_FOLDED)
		block_extent(st->in, st->len, n->body, n->end, n->parent_col, &n->end,
			     &n->blank_after, &n->block_indent);
	if (skip)
		return 0;
	n->voff = st->text.len;
	n->vlen = ev->data.scalar.length;
	if (buf_add(&st->text, ev->data.scalar.value, n->vlen) < 0)
		return oom(st);
	return 0;
}

/* What the event of a starting node says, positions in bytes. */
static int describe(struct state *st, const yaml_event_t *ev, enum ys_type type, size_t b0,
		    size_t b1, struct tn *n)
{
	const yaml_char_t *tag = event_tag(ev), *name;

	memset(n, 0, sizeof(*n));
	n->type = type;
	n->parent = st->depth ? st->open[st->depth - 1] : YS_NONE;
	n->first = n->last = n->next = n->close = n->toff = n->anchor = YS_NONE;
	n->b0 = n->body = b0;
	n->end = b1;
	n->col = (unsigned)ev->start_mark.column;
	n->flow = event_flow(ev);
	n->all_maps = true;
	if (event_anchor(ev) || tag) {
		n->body = skip_properties(st->in, b0, type == YS_SCALAR ? b1 : st->len);
		n->col = column_of(st->in, st->mc.base, n->body);
	}
	place(n, top(st));
	n->tagk = tag_kind(tag);
	if (top(st) && top(st)->pruned) /* never looked at: no text kept */
		return type == YS_SCALAR ? describe_scalar(st, ev, n, true) : 0;
	if (n->tagk == YS_TAG_OTHER) {
		n->toff = st->text.len;
		if (buf_add(&st->text, tag, strlen((const char *)tag) + 1) < 0)
			return oom(st);
	}
	if (type == YS_SCALAR)
		return describe_scalar(st, ev, n, false);
	if (type == YS_ALIAS) { /* its name, for messages about alias keys */
		name = ev->data.alias.anchor;
		n->voff = st->text.len;
		n->vlen = strlen((const char *)name);
		if (buf_add(&st->text, name, n->vlen) < 0)
			return oom(st);
	}
	return 0;
}

/* The layout the file shows first: how far right of its key a block
 * sequence, and a nested block mapping, start. */
static void note_layout(struct state *st, const struct tn *f, const struct tn *n)
{
	int d = (int)n->col - (int)f->col;

	if (n->flow || f->flow || f->type != YS_MAP)
		return;
	if (n->type == YS_SEQ && st->s->seq_offset < 0 && d >= 0)
		st->s->seq_offset = d;
	if (n->type == YS_MAP && st->s->map_step < 0 && d > 0)
		st->s->map_step = d;
}

static bool same_text(const char *a, size_t na, const char *b, size_t nb)
{
	return na == nb && (na == 0 || !memcmp(a, b, na));
}

/* Tell collection `f` about its new child `n`. */
static void count_child(struct state *st, struct tn *f, const struct tn *n)
{
	f->kids++;
	if (n->key) {
		f->odd_keys |= n->type != YS_SCALAR;
		f->alias_key |= n->type == YS_ALIAS;
		f->has_merge |= n->type == YS_SCALAR && n->style == YS_PLAIN &&
				n->vlen == 2 && !memcmp(text_at(st, n->voff), "<<", 2);
		return;
	}
	f->count++;
	if (n->type == YS_MAP || n->type == YS_SEQ)
		note_layout(st, f, n);
	if (f->type == YS_SEQ && n->type != YS_MAP)
		f->all_maps = false;
	if (f->type == YS_SEQ && n->type == YS_MAP && !n->flow)
		f->item_col = n->col;
}

/*
 * May a path enter collection `n`, a new child of collection `f` whose
 * children are kept?  Yes when it is the value of a key some path names,
 * or an element and some path selects elements (more than paths need, never
 * less: a path reaches only nodes whose parent kept them).  Keys are never
 * entered.  Without this, a 30 MB document of one long list would cost
 * gigabytes of nodes no path looks at.
 */
static bool may_enter(const struct state *st, const struct tn *f, const struct tn *n)
{
	const struct tn *k = f->last != YS_NONE ? &st->nodes[f->last] : NULL;

	if (!st->prune)
		return true;
	if (n->key)
		return false;
	if (f->type == YS_SEQ)
		return st->any_elem;
	if (!k || k->type != YS_SCALAR)
		return false;
	for (size_t e = 0; e < st->s->npaths; e++)
		for (size_t i = 0; i < st->s->paths[e].n; i++) {
			const struct ypath_seg *seg = &st->s->paths[e].seg[i];

			if (seg->kind == YPATH_KEY &&
			    same_text(seg->key, seg->key_len, text_at(st, k->voff), k->vlen))
				return true;
		}
	return false;
}

/* A node starts: into the tree (unless inside a collection no path can
 * enter), and onto the stack of open collections. */
static int node_begin(struct state *st, const yaml_event_t *ev, struct tn *n)
{
	const yaml_char_t *anchor = event_anchor(ev);
	long line = (long)ev->start_mark.line + 1;
	size_t fi = st->depth ? st->open[st->depth - 1] : YS_NONE;
	bool leaf = n->type == YS_SCALAR || n->type == YS_ALIAS;
	bool inside = fi != YS_NONE && st->nodes[fi].pruned;

	if (n->type == YS_ALIAS && record_alias(st, ev->data.alias.anchor, line) < 0)
		return -1;
	if (anchor && record_anchor(st, anchor, n->b0, n->end, &n->anchor) < 0)
		return -1;
	if (leaf)
		st->last_leaf = n->end;
	if (inside) {
		count_child(st, &st->nodes[fi], n);
		if (leaf)
			return 0;
	}
	n->pruned = !leaf && (inside || (fi != YS_NONE && !may_enter(st, &st->nodes[fi], n)));
	if (GROW(st, st->nodes, st->nnodes, st->nodes_alloc) < 0)
		return -1;
	st->nodes[st->nnodes++] = *n;
	if (fi != YS_NONE && !inside) {
		struct tn *f = &st->nodes[fi];

		if (f->last == YS_NONE)
			f->first = st->nnodes - 1;
		else
			st->nodes[f->last].next = st->nnodes - 1;
		f->last = st->nnodes - 1;
		count_child(st, f, n);
	}
	if (leaf)
		return 0;
	if (st->depth >= YS_MAX_DEPTH)
		return fail(st, line, "nesting deeper than %d levels", YS_MAX_DEPTH);
	st->open[st->depth++] = st->nnodes - 1;
	return 0;
}

/* A collection ends; a block one ends with its last leaf.  One inside a
 * collection no path can enter is dropped (its own children are gone). */
static void node_end(struct state *st, size_t b0, size_t b1)
{
	size_t i;
	struct tn *n;

	if (!st->depth)
		return;
	i = st->open[--st->depth];
	n = &st->nodes[i];
	n->inner_end = st->last_leaf;
	n->end = n->flow ? b1 : st->last_leaf;
	n->close = n->flow ? b0 : YS_NONE;
	if (n->flow)
		st->last_leaf = b1;
	if (n->anchor != YS_NONE)
		st->anchors[n->anchor].end = st->last_leaf;
	if (st->depth && st->nodes[st->open[st->depth - 1]].pruned)
		st->nnodes = i;
}

/* ---- paths on the tree ---- */

static const struct ypath_seg *next_seg(const struct state *st, const struct cursor *c)
{
	const struct ypath *p = &st->s->paths[c->edit];

	return c->depth < p->n ? &p->seg[c->depth] : NULL;
}

/* Is node `i` a scalar holding `len` bytes `s`? */
static bool holds_text(const struct state *st, size_t i, const char *s, size_t len)
{
	const struct tn *n = &st->nodes[i];

	return n->type == YS_SCALAR && same_text(text_at(st, n->voff), n->vlen, s, len);
}

/* The value of mapping `m`'s first key `k` (YS_NONE: none); *again is
 * where the key appears a second time (YS_NONE: it does not). */
static size_t map_get(const struct state *st, size_t m, const char *k, size_t kl, size_t *again)
{
	size_t v = YS_NONE;

	*again = YS_NONE;
	for (size_t i = st->nodes[m].first; i != YS_NONE; i = st->nodes[i].next) {
		size_t val = st->nodes[i].next;

		if (val == YS_NONE)
			break;
		if (holds_text(st, i, k, kl)) {
			if (v != YS_NONE) {
				*again = st->nodes[i].b0;
				break;
			}
			v = val;
		}
		i = val;
	}
	return v;
}

/* A new cursor past `parent` (YS_NONE: at the root, for edit `edit`) at
 * node `node`; NULL when out of memory.  Valid until the next one. */
static struct cursor *add_cursor(struct state *st, size_t parent, size_t edit, size_t node)
{
	struct cursor *c;

	if (GROW(st, st->cursors, st->ncursors, st->cursors_alloc) < 0)
		return NULL;
	c = &st->cursors[st->ncursors++];
	memset(c, 0, sizeof(*c));
	c->edit = parent == YS_NONE ? edit : st->cursors[parent].edit;
	c->depth = parent == YS_NONE ? 0 : st->cursors[parent].depth + 1;
	c->parent = parent;
	c->node = node;
	c->valid = true;
	c->dup_off = c->sel_dup = c->got_off = YS_NONE;
	c->below_sel = parent != YS_NONE && st->cursors[parent].below_sel;
	return c;
}

/* Cursors [c0, end) at mapping `m`: each whose next segment is a
 * [key=value] gets a filter cursor past it on the same mapping, valid when
 * the mapping's key holds the value (and so on for a filter after one).
 * What the key held is kept for messages. */
static int add_filters(struct state *st, size_t m, size_t c0)
{
	for (size_t i = c0; i < st->ncursors; i++) {
		const struct ypath_seg *seg = next_seg(st, &st->cursors[i]);
		struct cursor *nc;
		size_t v, dup;
		bool ok;

		if (!st->cursors[i].valid || !seg || seg->kind != YPATH_MATCH)
			continue;
		v = map_get(st, m, seg->key, seg->key_len, &dup);
		ok = v != YS_NONE && holds_text(st, v, seg->value, seg->value_len);
		if (v != YS_NONE && st->nodes[v].type == YS_SCALAR) {
			st->cursors[i].got_off = st->got.len;
			st->cursors[i].got_len = st->nodes[v].vlen;
			if (buf_add(&st->got, text_at(st, st->nodes[v].voff),
				    st->nodes[v].vlen) < 0)
				return oom(st);
		}
		if (!ok && dup == YS_NONE)
			continue;
		if (!(nc = add_cursor(st, i, 0, m)))
			return -1;
		nc->valid = ok;
		nc->filter = true;
		nc->sel_dup = dup;
	}
	return 0;
}

/* Does cursor `c`, at collection `x`, go on to its child `v` (the value of
 * key `k` in a mapping, else item number `idx`)?  *valid, *dup: for an
 * element selector, whether the element holds it, and where its key
 * appears again. */
static bool goes_to(struct state *st, struct cursor *c, size_t x, size_t k, size_t v,
		    size_t idx, bool *valid, size_t *dup)
{
	const struct ypath_seg *seg = next_seg(st, c);
	enum ys_type xt = st->nodes[x].type, vt = st->nodes[v].type;
	size_t sv;

	*valid = true;
	*dup = YS_NONE;
	if (!c->valid || !seg)
		return false;
	switch (seg->kind) {
	case YPATH_KEY:
		if (xt != YS_MAP || !holds_text(st, k, seg->key, seg->key_len))
			return false;
		if (c->matched) {
			if (c->dup_off == YS_NONE)
				c->dup_off = st->nodes[v].b0;
			return false;
		}
		c->matched = true;
		return true;
	case YPATH_INDEX:
		return xt == YS_SEQ && idx == seg->index;
	case YPATH_ALL:
		return xt == YS_SEQ;
	case YPATH_MATCH: /* on a mapping: a filter (add_filters) */
		if (xt != YS_SEQ || (vt != YS_MAP && vt != YS_ALIAS))
			return false;
		if (vt == YS_ALIAS)
			return true;
		sv = map_get(st, v, seg->key, seg->key_len, dup);
		*valid = sv != YS_NONE && holds_text(st, sv, seg->value, seg->value_len);
		return *valid || *dup != YS_NONE;
	}
	return false;
}

/* The cursors of child `v` (see goes_to), from those of `x`, [c0, c1). */
static int child_cursors(struct state *st, size_t x, size_t k, size_t v, size_t idx,
			 size_t c0, size_t c1)
{
	for (size_t i = c0; i < c1; i++) {
		struct cursor *nc;
		size_t dup;
		bool valid;
		enum ypath_kind kind;

		if (!goes_to(st, &st->cursors[i], x, k, v, idx, &valid, &dup))
			continue;
		kind = next_seg(st, &st->cursors[i])->kind;
		if (!(nc = add_cursor(st, i, 0, v)))
			return -1;
		nc->valid = valid;
		nc->sel_dup = dup;
		nc->below_sel |= kind == YPATH_ALL || kind == YPATH_MATCH;
	}
	return 0;
}

/* Cursors from c0 on are at node `x`: follow them down, depth first, so
 * that cursors (and the hits they make) come in document order. */
static int walk(struct state *st, size_t x, size_t c0) /* NOLINT(misc-no-recursion) */
{
	bool map = st->nodes[x].type == YS_MAP;
	size_t c1, idx = 0;

	if (map && add_filters(st, x, c0) < 0)
		return -1;
	c1 = st->ncursors;
	if (!map && st->nodes[x].type != YS_SEQ)
		return 0;
	for (size_t k = st->nodes[x].first; k != YS_NONE; k = st->nodes[k].next, idx++) {
		size_t v = map ? st->nodes[k].next : k, cc = st->ncursors;

		if (v == YS_NONE)
			break;
		if (child_cursors(st, x, k, v, idx, c0, c1) < 0)
			return -1;
		if (st->ncursors > cc && walk(st, v, cc) < 0)
			return -1;
		k = v;
	}
	return 0;
}

/* ---- hits ---- */

static void append_seen(struct state *st, const char *text, size_t n)
{
	struct buf *b = &st->seen;
	size_t take = n > 40 ? 40 : n;

	if (b->len >= SEEN_MAX || memchr(text, '\0', take))
		return;
	if (b->len)
		buf_add(b, ", ", 2);
	buf_add(b, text, take);
	/* cppcheck-suppress knownConditionTrueFalse ; n may be over 40 */
	if (take < n)
		buf_add(b, "...", 3);
}

/* For messages, in state.seen: the keys of mapping `x` (an alias as
 * "*name"), or what the elements of sequence `x` hold under the key of
 * `seg`, a [key=value] selector. */
static void list_seen(struct state *st, size_t x, const struct ypath_seg *seg)
{
	const struct tn *n = &st->nodes[x];

	buf_reset(&st->seen);
	for (size_t i = n->first; n->type == YS_MAP && i != YS_NONE; i = st->nodes[i].next) {
		const struct tn *k = &st->nodes[i];
		char name[42] = "*";

		if (k->type == YS_SCALAR) {
			append_seen(st, text_at(st, k->voff), k->vlen);
		} else if (k->type == YS_ALIAS) {
			size_t an = k->vlen > 40 ? 40 : k->vlen;

			memcpy(name + 1, text_at(st, k->voff), an);
			append_seen(st, name, an + 1);
		}
		if ((i = k->next) == YS_NONE)
			break;
	}
	if (n->type != YS_SEQ || !seg || seg->kind != YPATH_MATCH)
		return;
	for (size_t i = n->first; i != YS_NONE; i = st->nodes[i].next) {
		size_t dup, v = st->nodes[i].type == YS_MAP
			? map_get(st, i, seg->key, seg->key_len, &dup) : YS_NONE;

		if (v != YS_NONE && st->nodes[v].type == YS_SCALAR)
			append_seen(st, text_at(st, st->nodes[v].voff), st->nodes[v].vlen);
	}
}

/* Tree node `i` as the header describes it; its strings are the hit's. */
static void to_node(const struct state *st, size_t i, struct ys_node *n)
{
	const struct tn *t = &st->nodes[i];

	memset(n, 0, sizeof(*n));
	n->type = t->type;
	n->role = t->role;
	n->style = t->style;
	n->tag_kind = t->tagk;
	n->flow = t->flow;
	n->in_flow = t->in_flow;
	n->null = t->null;
	n->has_merge = t->has_merge;
	n->odd_keys = t->odd_keys;
	n->alias_key = t->alias_key;
	n->map_items = t->type == YS_SEQ && t->all_maps && t->count > 0;
	n->start = t->b0;
	n->body = t->body;
	n->end = t->end;
	n->close = t->close;
	n->inner_end = t->inner_end;
	n->blank_after = t->blank_after;
	n->block_indent = t->block_indent;
	n->col = t->col;
	n->parent_col = t->parent_col;
	n->item_col = t->item_col;
	n->seq_offset = t->seq_offset;
	n->map_step = t->map_step;
	n->count = t->count;
	n->len = t->type == YS_SCALAR ? t->vlen : 0;
	n->ordinal = t->ordinal;
	n->hash = t->hash;
}

/* The strings of hit `h` on tree node `i`: value, and unless lean, the
 * keys or values seen, the tag, the shared anchor. */
static int hit_strings(struct state *st, struct ys_hit *h, size_t i, const struct cursor *c)
{
	const struct tn *t = &st->nodes[i];
	const char *anchor;

	if (t->type == YS_SCALAR && !(h->node.value = dup_mem(text_at(st, t->voff), t->vlen)))
		return oom(st);
	if (st->s->lean)
		return 0;
	list_seen(st, i, c ? next_seg(st, c) : NULL);
	if (buf_failed(&st->seen))
		return oom(st);
	if (st->seen.len && !(h->node.seen = strdup(buf_cstr(&st->seen))))
		return oom(st);
	if (t->toff != YS_NONE && !(h->node.tag = strdup(text_at(st, t->toff))))
		return oom(st);
	anchor = shared_anchor(st, t->b0); /* its own anchor counts, also on
					    * an empty value */
	h->node.shared = anchor != NULL;
	if (anchor && !(h->node.shared_anchor = strdup(anchor)))
		return oom(st);
	return 0;
}

/* A hit on tree node `i`; `c` the cursor that found it (NULL: a marker). */
static int add_hit(struct state *st, enum ys_hit_kind kind, const struct cursor *c,
		   size_t edit, size_t depth, size_t i, size_t err_off)
{
	struct ys_scan *s = st->s;
	struct ys_hit *h;
	bool got = c && c->got_off != YS_NONE && kind == YS_HIT_FRONTIER;

	if (s->lean && kind != YS_HIT_TARGET)
		return 0;
	if (GROW(st, s->hits, s->nhits, s->hits_alloc) < 0)
		return -1;
	h = &s->hits[s->nhits++];
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->below_sel = c && c->below_sel;
	h->filter = c && c->filter && kind == YS_HIT_DUPKEY && c->sel_dup == err_off;
	h->edit = edit;
	h->depth = depth;
	h->doc = s->ndocs;
	h->err_off = err_off;
	to_node(st, i, &h->node);
	if (got) {
		h->got = dup_mem(st->got.ptr + c->got_off, c->got_len);
		h->got_len = c->got_len;
		if (!h->got)
			return oom(st);
	}
	return hit_strings(st, h, i, c);
}

static int resolve_cursor(struct state *st, const struct cursor *c)
{
	const struct ypath *p = &st->s->paths[c->edit];
	size_t node = c->node;

	if (c->sel_dup != YS_NONE)
		return add_hit(st, YS_HIT_DUPKEY, c, c->edit, c->depth - 1, node, c->sel_dup);
	if (!c->valid)
		return 0;
	if (c->dup_off != YS_NONE)
		return add_hit(st, YS_HIT_DUPKEY, c, c->edit, c->depth, node, c->dup_off);
	if (st->nodes[node].type == YS_ALIAS)
		return add_hit(st, YS_HIT_ALIAS, c, c->edit, c->depth, node, YS_NONE);
	if (c->depth == p->n)
		return add_hit(st, YS_HIT_TARGET, c, c->edit, c->depth, node, YS_NONE);
	if (c->live == 0)
		return add_hit(st, YS_HIT_FRONTIER, c, c->edit, c->depth, node, YS_NONE);
	if (p->seg[c->depth].kind == YPATH_MATCH && c->live > 1)
		return add_hit(st, YS_HIT_DUPMATCH, c, c->edit, c->depth, node, c->second);
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

/* The end of a document: follow every path from the root, then report
 * the hits in document order, then the scalar values holding markers. */
static int resolve_document(struct state *st)
{
	if (!st->s->lean)
		shared_ranges(st);
	if (!st->nnodes)
		return 0;
	for (size_t e = 0; e < st->s->npaths; e++)
		if (!add_cursor(st, YS_NONE, e, 0))
			return -1;
	if (walk(st, 0, 0) < 0)
		return -1;
	for (size_t i = 0; i < st->ncursors; i++) { /* parents come before children */
		const struct cursor *c = &st->cursors[i];

		if (c->valid && c->parent != YS_NONE && ++st->cursors[c->parent].live == 2)
			st->cursors[c->parent].second = st->nodes[c->node].b0;
	}
	for (size_t i = 0; i < st->ncursors; i++)
		if (resolve_cursor(st, &st->cursors[i]) < 0)
			return -1;
	for (size_t i = 0; !st->s->lean && i < st->nnodes; i++) {
		const struct tn *n = &st->nodes[i];

		for (size_t m = 0; n->type == YS_SCALAR && !n->key && m < st->s->nmarkers; m++)
			if (marker_in(text_at(st, n->voff), n->vlen, st->s->markers[m]) &&
			    add_hit(st, YS_HIT_MARKER, NULL, m, 0, i, YS_NONE) < 0)
				return -1;
	}
	return 0;
}

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

static void reset_document(struct state *st)
{
	for (size_t i = 0; i < st->nanchors; i++)
		free(st->anchors[i].name);
	st->nnodes = st->ncursors = st->nanchors = st->naliases = st->depth = 0;
	st->agen++; /* empties the anchor table */
	buf_reset(&st->got);
	buf_reset(&st->text);
}

static int end_document(struct state *st, const yaml_event_t *ev, size_t b1)
{
	int r;

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
}

/*
 * A scalar without anchor or tag, not a block scalar, in a collection no
 * path can enter (most of a long list): counted, not described.  0 when
 * done, 1 when it needs the general path.
 */
static int skip_scalar(struct state *st, const yaml_event_t *ev, size_t b0, size_t b1)
{
	struct tn *f = top(st);

	if (!f || !f->pruned || ev->data.scalar.anchor || ev->data.scalar.tag ||
	    ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
		return 1;
	fingerprint(st, ev, b0, b1);
	if (f->type != YS_MAP || f->count * 2 != f->kids)
		f->count++;
	f->kids++;
	st->last_leaf = b1;
	return 0;
}

static int event(struct state *st, const yaml_event_t *ev)
{
	const struct tn *f = top(st);
	bool marks = ev->type != YAML_STREAM_START_EVENT && ev->type != YAML_STREAM_END_EVENT &&
		     ev->type != YAML_DOCUMENT_START_EVENT &&
		     !((ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT) &&
		       f && !f->flow); /* block ends: their marks are the next token's */
	size_t b0 = marks ? to_byte(&st->mc, ev->start_mark.index) : 0;
	size_t b1 = marks ? to_byte(&st->mc, ev->end_mark.index) : 0;
	enum ys_type type;
	struct tn n;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (!skip_scalar(st, ev, b0, b1))
			return 0;
		type = YS_SCALAR;
		break;
	case YAML_ALIAS_EVENT: type = YS_ALIAS; break;
	case YAML_SEQUENCE_START_EVENT: type = YS_SEQ; break;
	case YAML_MAPPING_START_EVENT: type = YS_MAP; break;
	case YAML_DOCUMENT_START_EVENT:
		if (begin_document(st) < 0)
			return -1;
		fingerprint(st, ev, b0, b1);
		reset_document(st);
		return 0;
	default:
		fingerprint(st, ev, b0, b1);
		if (ev->type == YAML_DOCUMENT_END_EVENT)
			return end_document(st, ev, b1);
		if (ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT)
			node_end(st, b0, b1);
		return 0;
	}
	if (describe(st, ev, type, b0, b1, &n) < 0)
		return -1;
	fingerprint(st, ev, b0, n.end); /* a block scalar's end is its own */
	n.ordinal = st->cur_ordinal;
	n.hash = st->cur_hash;
	return node_begin(st, ev, &n);
}

/* Refuse UTF-16 and UTF-32; skip a BOM.  0 or -1. */
static int check_encoding(struct state *st)
{
	const unsigned char *u = st->mc.in;
	size_t len = st->len;

	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return fail(st, 1, "UTF-16 and UTF-32 are not supported (use UTF-8)");
	if (len >= 4 && (!u[0] || !u[1]))
		return fail(st, 1, "UTF-16 and UTF-32 are not supported (use UTF-8)");
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		st->mc.base = st->mc.off = st->mc.run_lo = st->mc.run_hi = 3;
	return 0;
}

static void state_init(struct state *st, struct ys_scan *s, const char *in, size_t len)
{
	memset(st, 0, sizeof(*st));
	st->s = s;
	st->in = in;
	st->len = len;
	buf_init(&st->text, 0);
	buf_init(&st->got, 0);
	buf_init(&st->seen, SEEN_MAX + 64);
	s->hits = NULL;
	s->nhits = s->hits_alloc = s->ndocs = s->docs_alloc = 0;
	s->docs = NULL;
	s->seq_offset = s->map_step = -1;
	s->err[0] = '\0';
	s->err_line = 0;
	st->base = fp_base(s->seed);
	st->placeholder = fp_placeholder(s->seed);
	for (uint64_t t = 0; t < 16; t++)
		st->type_hash[t] = mix(s->seed ^ (t + 1) * 0xd6e8feb86659fd93ULL);
	st->mc.in = (const unsigned char *)in;
	st->mc.len = len;
	st->prune = !s->nmarkers; /* markers are looked for in every scalar */
	for (size_t e = 0; e < s->npaths; e++)
		for (size_t i = 0; i < s->paths[e].n; i++)
			st->any_elem |= s->paths[e].seg[i].kind != YPATH_KEY;
	for (size_t i = 0; i < s->nregions; i++) {
		s->regions[i].nodes = s->regions[i].events = 0;
		s->regions[i].value_ok = false;
	}
}

int ys_run(struct ys_scan *s, const char *in, size_t len)
{
	struct state st;
	bool done = false;
	int rc = -1;

	state_init(&st, s, in, len);
	if (check_encoding(&st) < 0)
		return -1;
	if (!yaml_parser_initialize(&st.parser))
		return oom(&st);
	yaml_parser_set_input_string(&st.parser, st.mc.in, len);
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
	buf_release(&st.text);
	buf_release(&st.got);
	buf_release(&st.seen);
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
