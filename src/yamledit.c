/* yamledit: see yamledit.h. */
#include "yamledit.h"

#include "log.h"
#include "utf8.h"
#include "yamlkind.h"
#include "yamlpath.h"
#include "yamlquote.h"
#include "yamlscan.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define SHOW 60 /* bytes of a value quoted in a message */

/* One splice: input bytes [start, end) become text[toff, toff + tlen) of
 * the round's text arena. */
struct change {
	size_t start, end;
	size_t toff, tlen;
	size_t seq;            /* creation order: stable sort */
	unsigned col;          /* inserted lines: their indentation */
	size_t depth;          /* inserted lines: path segments above them */
	bool region;           /* the text holds nodes the verification checks */
	bool replace;          /* ... that stand in for one input node */
	char *value;           /* the scalar the region must hold, or NULL */
	size_t len;
	size_t nodes, events;  /* expected in the region */
	bool has_old;          /* the input node replaced */
	uint64_t old_ordinal, old_hash;
	size_t doc;            /* the document it belongs to */
	size_t out_start, out_end;
};

/* What happens to one frontier. */
enum miss {
	MISS_NONE,     /* creatable */
	MISS_KEY,      /* a mapping without the key */
	MISS_MATCH,    /* no element matches, and none may be added here */
	MISS_INDEX,    /* [N] past the end */
	MISS_EMPTY,    /* [*] of an empty sequence */
	MISS_TYPE,     /* not the kind of node the next segment needs */
	MISS_DEEP,     /* too many levels to create */
	MISS_ROOT,     /* an empty document */
	MISS_NOTMAPS,  /* a sequence whose elements are not mappings */
	MISS_ENDSEL,   /* the path ends with a selector: nothing to set */
	MISS_FILTER,   /* a mapping whose key does not hold a filter's value */
};

#define FOUND_MAX 12   /* values listed for a filter that matched nothing */

/*
 * An edit applies to every document in the first round.  In a document
 * where it collides with an earlier edit it is deferred: the next round
 * applies it to those documents only, on the first round's result.
 */
struct edit_state {
	struct ypath path;      /* YEDIT_SET */
	size_t *docs, ndocs;    /* after the first round: the documents still to do */
	size_t *later, nlater, later_alloc; /* deferred in this round */
	bool defer_now;         /* deferred in the document being planned */
	size_t total;           /* targets found and created, all rounds */
	size_t created;         /* created in this round */
	size_t first_in;        /* input offset of the first target in this round */
	size_t first_ch;        /* ... or the change that created it */
	size_t first_out;       /* output offset (across rounds), SIZE_MAX: none */
	struct ys_hit best;     /* the deepest miss, for the message (a copy) */
	bool has_best;
	enum miss best_miss;
	bool filter_missed;     /* a filter did not match: */
	size_t found_depth;     /* ... the deepest one's depth */
	char *found[FOUND_MAX]; /* ... what its key held there, each once */
	size_t nfound;
	bool more_found;        /* ... (and there was more) */
	bool found_key;         /* ... some mapping there had the key */
	long lost_line;         /* the first target whose type YQ_KEEP lost ... */
	enum yq_type lost_was;  /* ... and the type it had */
};

struct ctx {
	const char *file;
	struct yedit *ed;
	struct edit_state *es;
	size_t n;
	const char *in;        /* this round's text */
	size_t len;
	struct ypath *paths;   /* the SET edits' paths, for the scan */
	size_t *path_edit;     /* path index -> edit */
	size_t npaths;
	const char **markers;
	size_t *marker_edit;
	size_t nmarkers;
	struct ys_scan scan;
	struct change *ch;
	size_t nch, ch_alloc;
	struct buf texts;      /* the changes' new text, one after the other */
	struct ys_doc *docs;   /* the documents of the round's input */
	size_t ndocs;
	size_t *want;          /* per edit: its targets in changed documents */
	size_t round;          /* 0 first */
	size_t doc;            /* the document being planned */
	bool any_deferred;     /* some edit's defer_now is set */
	uint64_t seed;
	unsigned step, seq_off; /* layout for created collections */
	bool seq_known;        /* seq_off is the file's, not the default */
	struct yk_table kinds; /* the kind rule: where edits may create */
	struct ypath kind_path; /* "kind", for the documents' kinds */
	bool kinds_again;      /* a refusal put off until the kinds are known */
};

/* An allocation failed; reported once.  -1. */
static int no_memory(const struct ctx *cx)
{
	log_error("out of memory editing '%s'", cx->file);
	return -1;
}

/* Buffer b failed: the edited text is over its cap, or memory ran out.  -1. */
static int buf_trouble(const struct ctx *cx, const struct buf *b)
{
	if (buf_error(b) != EFBIG)
		return no_memory(cx);
	log_error("the edited '%s' is too large", cx->file);
	return -1;
}

/* ---- text helpers ---- */

static bool is_break(char c)
{
	return c == '\n' || c == '\r';
}

/* The 1-based line of byte `off`.  A scan of the text: for messages. */
static long line_of(const char *s, size_t len, size_t off)
{
	long line = 1;

	if (off > len)
		off = len;
	for (const char *p = s; (p = memchr(p, '\n', off - (size_t)(p - s))); p++)
		line++;
	return line;
}

static long at_line(const struct ctx *cx, size_t off)
{
	return line_of(cx->in, cx->len, off);
}

static size_t line_end(const char *in, size_t len, size_t p)
{
	while (p < len && !is_break(in[p]))
		p++;
	return p;
}

/* The line break used at `pos` (the next one at or after it, else the
 * file's first one, else "\n"). */
static const char *eol_at(const char *in, size_t len, size_t pos)
{
	size_t p = line_end(in, len, pos);

	if (p == len) /* none after pos: the first one before it */
		p = line_end(in, pos < len ? pos : len, 0);
	if (p >= len || !is_break(in[p]))
		return "\n";
	return in[p] == '\n' ? "\n" : p + 1 < len && in[p + 1] == '\n' ? "\r\n" : "\r";
}

/* The start of the line after the one holding `p`; `len` at the end. */
static size_t line_after(const char *in, size_t len, size_t p)
{
	p = line_end(in, len, p);
	if (p < len && in[p] == '\r')
		p++;
	if (p < len && in[p] == '\n')
		p++;
	return p;
}

/* After a point where written text ends (a line break follows it): the
 * indentation of the next line that has something on it (-1 at the end of
 * the file, 0 for a tab-indented line). */
static int next_indent(const char *in, size_t len, size_t p)
{
	for (p = line_after(in, len, p); p < len; p = line_after(in, len, p)) {
		size_t q = p;

		while (q < len && in[q] == ' ')
			q++;
		if (q < len && !is_break(in[q]))
			return in[q] == '\t' ? 0 : (int)(q - p);
	}
	return -1;
}

static void add_spaces(struct buf *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf_addc(t, ' ');
}

/* Show a value in a message: at most SHOW bytes. */
static int show_len(size_t len)
{
	return len > SHOW ? SHOW : (int)len;
}

static const char *ellipsis(size_t len)
{
	return len > SHOW ? "..." : "";
}

static enum yq_style yq_of(enum ys_style s)
{
	switch (s) {
	case YS_SINGLE: return YQ_SINGLE;
	case YS_DOUBLE: return YQ_DOUBLE;
	case YS_LITERAL: return YQ_LITERAL;
	case YS_FOLDED: return YQ_FOLDED;
	default: return YQ_PLAIN;
	}
}

/* ---- changes ---- */

static struct change *new_change(struct ctx *cx, size_t start, size_t end, size_t doc)
{
	struct change *c;

	if (cx->nch == cx->ch_alloc) {
		size_t na = cx->ch_alloc ? cx->ch_alloc * 2 : 16;
		struct change *p = realloc(cx->ch, na * sizeof(*p));

		if (!p) {
			no_memory(cx);
			return NULL;
		}
		cx->ch = p;
		cx->ch_alloc = na;
	}
	c = &cx->ch[cx->nch];
	memset(c, 0, sizeof(*c));
	c->toff = cx->texts.len;
	c->start = start;
	c->end = end;
	c->doc = doc;
	c->seq = cx->nch++;
	return c;
}

static void free_changes(struct ctx *cx)
{
	for (size_t i = 0; i < cx->nch; i++)
		free(cx->ch[i].value);
	cx->nch = 0;
	buf_reset(&cx->texts);
}

/* The text written since change `c` was made is its text. */
static void end_text(struct ctx *cx, struct change *c)
{
	c->tlen = cx->texts.len - c->toff;
}

static int cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

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

/* Where input offset `off` is in the output of the (sorted, applied)
 * changes: the start of a change that covers or begins at it. */
static size_t map_offset(const struct change *ch, size_t n, size_t off)
{
	const struct change *last = NULL;

	for (size_t i = 0; i < n && ch[i].start <= off; i++) {
		if (off < ch[i].end || off == ch[i].start)
			return ch[i].out_start;
		last = &ch[i];
	}
	return last ? off - last->end + last->out_end : off;
}

/* ---- where edits apply ---- */

static bool in_list(const size_t *v, size_t n, size_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == x)
			return true;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Is edit e applied in this round to document d, as far as rounds go? */
static bool round_has(const struct ctx *cx, size_t e, size_t d)
{
	return cx->round == 0 || in_list(cx->es[e].docs, cx->es[e].ndocs, d);
}

/* Does edit e apply to the document being planned? */
static bool live(const struct ctx *cx, size_t e)
{
	return !cx->es[e].defer_now && round_has(cx, e, cx->doc);
}

/* Was edit e applied to document d in this round (for verification)? */
static bool applied(const struct ctx *cx, size_t e, size_t d)
{
	const struct edit_state *es = &cx->es[e];

	return round_has(cx, e, d) && !in_list(es->later, es->nlater, d);
}

static int defer(struct ctx *cx, size_t e)
{
	struct edit_state *es = &cx->es[e];

	if (es->nlater == es->later_alloc) {
		size_t na = es->later_alloc ? es->later_alloc * 2 : 8;
		size_t *p = realloc(es->later, na * sizeof(*p));

		if (!p) {
			return no_memory(cx);
		}
		es->later = p;
		es->later_alloc = na;
	}
	es->later[es->nlater++] = cx->doc;
	es->defer_now = true;
	cx->any_deferred = true;
	return 0;
}

/* ---- scalar text ---- */

/* Indentation steps near node `n`: as its surroundings do, else as the
 * file does, else 2. */
static unsigned map_step(const struct ctx *cx, const struct ys_node *n)
{
	return n->map_step > 0 ? (unsigned)n->map_step : cx->step;
}

static unsigned seq_offset(const struct ctx *cx, const struct ys_node *n)
{
	return n->seq_offset >= 0 ? (unsigned)n->seq_offset : cx->seq_off;
}

static unsigned child_indent(const struct ctx *cx, const struct ys_node *n)
{
	return (unsigned)(n->parent_col < 0 ? 0 : n->parent_col) + map_step(cx, n);
}

/*
 * The text that replaces scalar `n` (its bytes [body, end)) so that it
 * holds `v`: plain and as given when it is a typed `literal`, else the
 * same style when it can hold `v`, else the simplest exact one.  A block
 * scalar's header comment is kept.
 */
static int scalar_text(struct ctx *cx, const struct ys_node *n, const char *v, size_t vl,
		       bool literal, struct buf *t)
{
	const char *in = cx->in;
	struct yq_block b = { 0, "\n", "", 0, false };
	bool block = false, orig_block = n->style == YS_LITERAL || n->style == YS_FOLDED;
	enum yq_style st;
	int next;

	b.eol = eol_at(in, cx->len, n->end);
	if (orig_block) {
		size_t hdr = n->body + 1;

		while (hdr < cx->len && ((in[hdr] >= '0' && in[hdr] <= '9') || in[hdr] == '+' ||
					 in[hdr] == '-'))
			hdr++;
		b.tail = in + hdr;
		b.tail_len = line_end(in, cx->len, hdr) - hdr;
		b.indent = n->block_indent ? n->block_indent : child_indent(cx, n);
		b.at_eof = n->end >= cx->len;
		next = next_indent(in, cx->len, n->end);
		block = next < (int)b.indent;
	} else if (!n->in_flow) {
		size_t p = n->end, le = line_end(in, cx->len, n->end);

		while (p < le && (in[p] == ' ' || in[p] == '\t'))
			p++;
		b.indent = child_indent(cx, n);
		b.at_eof = le == cx->len;
		next = next_indent(in, cx->len, n->end);
		block = p == le && next < (int)b.indent;
	}
	st = literal ? YQ_PLAIN : yq_choose(yq_of(n->style), v, vl, n->in_flow, block ? &b : NULL);
	if (n->body == n->end && (n->body == 0 || (in[n->body - 1] != ' ' && in[n->body - 1] != '\t')))
		buf_addc(t, ' ');
	yq_write(t, st, v, vl, &b);
	if (orig_block && st != YQ_LITERAL && st != YQ_FOLDED)
		buf_add(t, b.tail, b.tail_len);
	return buf_failed(t) ? -1 : 0;
}

/* ---- markers ---- */

/*
 * Replace the text between every "<name>" and the "</name>" after it in
 * `v` by `val` (already encoded for where it goes), appending to `out`.
 * With `inner_ok`, each replaced span must pass it (raw text checks).
 * The number of pairs replaced, or -1 when a span fails the check.
 */
static long marker_replace(struct buf *out, const char *v, size_t n, const char *name,
			   const char *val, size_t vl, bool (*inner_ok)(const char *, size_t))
{
	char open[YEDIT_MAX_MARKER + 3], close[YEDIT_MAX_MARKER + 4];
	size_t ol, cl, i = 0;
	long pairs = 0;

	ol = (size_t)snprintf(open, sizeof(open), "<%s>", name);
	cl = (size_t)snprintf(close, sizeof(close), "</%s>", name);
	for (;;) {
		const char *o = memmem(v + i, n - i, open, ol), *c;

		if (!o)
			break;
		c = memmem(o + ol, n - (size_t)(o + ol - v), close, cl);
		if (!c)
			break;
		if (inner_ok && !inner_ok(o + ol, (size_t)(c - o - ol)))
			return -1;
		buf_add(out, v + i, (size_t)(o + ol - v) - i);
		buf_add(out, val, vl);
		buf_add(out, c, cl);
		i = (size_t)(c - v) + cl;
		pairs++;
	}
	buf_add(out, v + i, n - i);
	return pairs;
}

/* Raw spans that read as themselves in every style: no escapes, quotes,
 * or line breaks. */
static bool raw_is_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\\' || s[i] == '\'' || s[i] == '"' || is_break(s[i]))
			return false;
	return true;
}

/*
 * The smallest splice for a marker edit: only the text between the tags,
 * encoded for the scalar's style.  0 with `t` filled, 1 when it cannot be
 * done this way (the caller rewrites the whole scalar), -1 on error.
 */
static int marker_inner(struct ctx *cx, const struct ys_node *n, const struct yedit *ed,
			const char *newv, size_t newl, struct buf *t)
{
	struct buf enc = BUF_INIT;
	const char *raw = cx->in + n->body;
	size_t rl = n->end - n->body, at = t->len;
	long pairs;
	int rc = 1;

	switch (n->style) {
	case YS_PLAIN:
		if (!yq_plain_ok(newv, newl, n->in_flow))
			return 1;
		buf_add(&enc, ed->value, ed->value_len);
		break;
	case YS_SINGLE:
		if (!yq_single_ok(newv, newl))
			return 1;
		yq_escape_single(&enc, ed->value, ed->value_len);
		break;
	case YS_DOUBLE:
		yq_escape_double(&enc, ed->value, ed->value_len);
		break;
	case YS_LITERAL:
	case YS_FOLDED:
		if (memchr(ed->value, '\n', ed->value_len) || !yq_single_ok(ed->value, ed->value_len) ||
		    memchr(ed->value, '\t', ed->value_len))
			return 1;
		buf_add(&enc, ed->value, ed->value_len);
		break;
	}
	if (buf_failed(&enc)) {
		rc = -1;
		goto out;
	}
	pairs = marker_replace(t, raw, rl, ed->name, buf_cstr(&enc), enc.len, raw_is_text);
	if (pairs <= 0) {
		buf_truncate(t, at);
		goto out;
	}
	rc = buf_failed(t) ? -1 : 0;
out:
	buf_release(&enc);
	return rc;
}

/* ---- refusals ---- */

/* The node the first `depth` segments lead to, for messages: quoted. */
static void path_prefix(struct buf *b, const struct ypath *p, size_t depth)
{
	if (depth == 0) {
		buf_adds(b, "the document root");
		return;
	}
	buf_addc(b, '\'');
	ypath_format(b, p, depth);
	buf_addc(b, '\'');
}

static const char *what_edit(const struct ctx *cx, size_t e)
{
	return cx->ed[e].op == YEDIT_SET ? cx->ed[e].path : cx->ed[e].name;
}

static const char *type_name(const struct ys_node *n)
{
	switch (n->type) {
	case YS_MAP: return "a mapping";
	case YS_SEQ: return "a sequence";
	case YS_ALIAS: return "an alias";
	default: return n->null ? "null" : "a scalar";
	}
}

/* Errors that any hit of an edit raises, wherever the edit goes. */
static int refuse(struct ctx *cx, const struct ys_hit *h)
{
	const struct ypath *p = &cx->es[h->edit].path;
	const char *what = what_edit(cx, h->edit);
	struct buf pre = BUF_INIT;
	int rc = -1;

	if (h->kind != YS_HIT_ALIAS && h->kind != YS_HIT_DUPKEY && h->kind != YS_HIT_DUPMATCH)
		return 0;
	path_prefix(&pre, p, h->depth);
	switch (h->kind) {
	case YS_HIT_ALIAS:
		log_error_at(cx->file, at_line(cx, h->node.start), "cannot edit '%s': %s is an alias; aliases are "
			     "never followed (edit the anchored node instead)", what, buf_cstr(&pre));
		break;
	case YS_HIT_DUPKEY:
		log_error_at(cx->file, line_of(cx->in, cx->len, h->err_off),
			     "cannot edit '%s': key '%s' appears twice in %s%s", what,
			     p->seg[h->depth].key, p->seg[h->depth].kind == YPATH_MATCH &&
			     !h->filter ? "an element of " : "", buf_cstr(&pre));
		break;
	case YS_HIT_DUPMATCH:
		log_error_at(cx->file, line_of(cx->in, cx->len, h->err_off),
			     "cannot edit '%s': two elements of %s have %s '%s'", what,
			     buf_cstr(&pre), p->seg[h->depth].key, p->seg[h->depth].value);
		break;
	default:
		rc = 0;
	}
	buf_release(&pre);
	return rc;
}

/* A target scalar must be a plain string we may change in place. */
static int check_target(struct ctx *cx, const struct ys_hit *h)
{
	const struct ys_node *n = &h->node;
	const char *what = what_edit(cx, h->edit);
	long line = 0;

	if (n->type == YS_SCALAR && n->tag_kind != YS_TAG_OTHER && !n->shared)
		return 0;
	line = at_line(cx, n->start);
	if (n->type != YS_SCALAR) {
		log_error_at(cx->file, line, "cannot set '%s': it is %s, not a scalar", what,
			     type_name(n));
		return -1;
	}
	if (n->tag_kind == YS_TAG_OTHER) {
		log_error_at(cx->file, line, "cannot set '%s': it has tag '%s'; only strings are "
			     "edited", what, n->tag);
		return -1;
	}
	if (n->shared) {
		log_error_at(cx->file, line, "cannot edit '%s': the value is inside anchor '&%s', "
			     "which aliases share", what, n->shared_anchor);
		return -1;
	}
	return 0;
}

/* ---- targets ---- */

/* Scalar `n` of the text `src` as yamlquote sees it: a non-specific tag
 * ("! 3", which the scanner reports as untagged) is found in the
 * properties' bytes. */
static struct yq_scalar old_scalar(const char *src, size_t srclen, const struct ys_node *n)
{
	struct yq_scalar s = { n->value ? n->value : "", n->len, yq_of(n->style), NULL };

	if (n->tag_kind == YS_TAG_STR)
		s.tag = "tag:yaml.org,2002:str";
	else if (n->tag_kind == YS_TAG_OTHER)
		s.tag = n->tag;
	for (size_t i = n->start; !s.tag && i < n->body && i < srclen; i++)
		if (src[i] == '!' && (i == n->start || src[i - 1] == ' ' || src[i - 1] == '\t'))
			s.tag = "!";
	return s;
}

/* The typing of `v` written over scalar `n` of `src` in `mode` (a value
 * yamlquote refuses for YQ_TYPED was refused by check_value: a string
 * then). */
static struct yq_typing typing(const char *src, size_t srclen, const struct ys_node *n,
			       const char *v, size_t len, enum yq_mode mode)
{
	struct yq_scalar old = old_scalar(src, srclen, n);
	struct yq_typing ty;

	if (yq_type_value(&ty, &old, v, len, mode) < 0)
		ty.plain = false;
	return ty;
}

/* Does scalar `n` of `src` read as `v`, of the type `mode` gives it,
 * already?  A string written plain must also be a string for every loader
 * (plain 1 is the integer 1); a typed literal must be plain. */
static bool holds(const char *src, size_t srclen, const struct ys_node *n, const char *v,
		  size_t len, enum yq_mode mode)
{
	if (n->len != len || (len && memcmp(n->value, v, len)))
		return false;
	if (typing(src, srclen, n, v, len, mode).plain)
		return n->style == YS_PLAIN;
	return n->style != YS_PLAIN || yq_plain_ok(v, len, n->in_flow);
}

struct tref {
	const struct ys_hit *hit;
	size_t edit;
};

static int cmp_tref(const void *a, const void *b)
{
	const struct tref *x = a, *y = b;

	if (x->hit->node.body != y->hit->node.body)
		return x->hit->node.body < y->hit->node.body ? -1 : 1;
	return x->edit < y->edit ? -1 : x->edit > y->edit;
}

static void note_first(struct edit_state *es, size_t off, size_t ch)
{
	if (es->first_in == SIZE_MAX || off < es->first_in) {
		es->first_in = off;
		es->first_ch = ch;
	}
}

/* One scalar and the edits that target it, in edit order. */
static int plan_scalar(struct ctx *cx, const struct tref *g, size_t ng)
{
	const struct ys_node *n = &g[0].hit->node;
	struct buf val = BUF_INIT;
	const struct yedit *set = NULL, *marker = NULL;
	size_t markers = 0, chi = SIZE_MAX;
	enum yq_mode mode;
	enum yq_type was = YQ_T_STR;
	bool lost = false;
	int rc = -1;

	if (buf_add(&val, n->value, n->len) < 0)
		goto oom;
	for (size_t i = 0; i < ng; i++) {
		const struct yedit *ed = &cx->ed[g[i].edit];
		long line;

		if (check_target(cx, g[i].hit) < 0)
			goto out;
		if (ed->op == YEDIT_SET) {
			if ((set && (set->value_len != ed->value_len ||
				     memcmp(set->value, ed->value, ed->value_len))) || markers) {
				line = at_line(cx, n->start);
				log_error_at(cx->file, line, "edits '%s' and '%s' give the value at "
					     "line %ld different results", what_edit(cx, g[0].edit),
					     ed->path, line);
				goto out;
			}
			set = ed;
			buf_reset(&val);
			buf_add(&val, ed->value, ed->value_len);
		} else {
			struct buf next = BUF_INIT;

			if (set) {
				line = at_line(cx, n->start);
				log_error_at(cx->file, line, "edits '%s' and marker '%s' both change "
					     "the value at line %ld", set->path, ed->name, line);
				goto out;
			}
			if (marker_replace(&next, val.ptr ? val.ptr : "", val.len, ed->name,
					   ed->value, ed->value_len, NULL) == 0) {
				/* "<name>" without "</name>": doing nothing would
				 * pass for success (an optional marker too) */
				buf_release(&next);
				line = at_line(cx, n->start);
				log_error_at(cx->file, line, "marker '<%s>' at line %ld has no "
					     "'</%s>' after it", ed->name, line, ed->name);
				goto out;
			}
			buf_release(&val);
			val = next;
			marker = ed;
			markers++;
		}
	}
	if (buf_failed(&val))
		goto oom;
	mode = set ? set->mode : YQ_STRING; /* a marker's text is a string */
	if (!holds(cx->in, cx->len, n, buf_cstr(&val), val.len, mode)) {
		struct change *c = new_change(cx, n->body, n->end, g[0].hit->doc);
		struct yq_typing ty = typing(cx->in, cx->len, n, buf_cstr(&val), val.len, mode);
		int r = 1;

		if (!c)
			goto out;
		chi = c->seq;
		lost = ty.lost;
		if (lost)
			was = ty.was;
		if (markers == 1)
			r = marker_inner(cx, n, marker, buf_cstr(&val), val.len, &cx->texts);
		if (r > 0)
			r = scalar_text(cx, n, buf_cstr(&val), val.len, ty.plain, &cx->texts);
		if (r < 0)
			goto oom;
		end_text(cx, c);
		c->region = c->replace = true;
		c->value = buf_detach(&val, &c->len);
		if (!c->value)
			goto oom;
		c->nodes = c->events = 1;
		c->has_old = true;
		c->old_ordinal = n->ordinal;
		c->old_hash = n->hash;
	}
	for (size_t i = 0; i < ng; i++) {
		struct edit_state *es = &cx->es[g[i].edit];

		es->total++;
		if (chi == SIZE_MAX)
			cx->ed[g[i].edit].unchanged++;
		else
			cx->ed[g[i].edit].changed++;
		if (lost && cx->ed[g[i].edit].retyped++ == 0) {
			es->lost_line = at_line(cx, n->start);
			es->lost_was = was;
		}
		note_first(es, n->body, chi);
	}
	rc = 0;
	goto out;
oom:
	no_memory(cx);
out:
	buf_release(&val);
	return rc;
}

static int plan_targets(struct ctx *cx)
{
	struct tref *t;
	size_t nt = 0;
	int rc = 0;

	t = calloc(cx->scan.nhits + 1, sizeof(*t));
	if (!t) {
		return no_memory(cx);
	}
	for (size_t i = 0; i < cx->scan.nhits; i++) {
		const struct ys_hit *h = &cx->scan.hits[i];
		size_t e = h->edit;

		if ((h->kind == YS_HIT_TARGET || h->kind == YS_HIT_MARKER) && live(cx, e)) {
			t[nt].hit = h;
			t[nt++].edit = e;
		}
	}
	qsort(t, nt, sizeof(*t), cmp_tref);
	for (size_t i = 0, j; rc == 0 && i < nt; i = j) {
		for (j = i + 1; j < nt && t[j].hit->node.body == t[i].hit->node.body; j++)
			;
		rc = plan_scalar(cx, t + i, j - i);
	}
	free(t);
	return rc;
}

/* ---- creation ---- */

static enum miss creatable(const struct ctx *cx, const struct ys_hit *h)
{
	const struct ys_node *n = &h->node;
	const struct ypath *p = &cx->es[h->edit].path;
	size_t d = h->depth, levels = p->n - d + (n->type == YS_SCALAR);
	const struct ypath_seg *next = &p->seg[d];
	bool below_sel = h->below_sel || cx->ed[h->edit].create_element;

	switch (n->type) {
	case YS_MAP:
		if (next->kind == YPATH_MATCH)
			return MISS_FILTER;
		if (next->kind != YPATH_KEY)
			return MISS_TYPE;
		break;
	case YS_SEQ:
		if (next->kind == YPATH_KEY)
			return MISS_TYPE;
		if (next->kind == YPATH_INDEX)
			return MISS_INDEX;
		if (next->kind == YPATH_ALL)
			return MISS_EMPTY;
		if (!below_sel)
			return MISS_MATCH;
		if (n->count && !n->map_items)
			return MISS_NOTMAPS;
		break;
	case YS_SCALAR:
		if (n->role == YS_ROOT && n->null)
			return MISS_ROOT;
		if (!n->null || n->role != YS_VALUE)
			return MISS_TYPE;
		if (next->kind == YPATH_INDEX || next->kind == YPATH_ALL)
			return MISS_TYPE;
		break;
	default:
		return MISS_TYPE;
	}
	if (p->seg[p->n - 1].kind != YPATH_KEY)
		return MISS_ENDSEL;
	if (levels > YEDIT_MAX_CREATE)
		return MISS_DEEP;
	for (size_t i = d; i < p->n; i++) {
		if (p->seg[i].kind == YPATH_INDEX || p->seg[i].kind == YPATH_ALL)
			return n->type == YS_MAP ? MISS_KEY : MISS_TYPE;
		if (p->seg[i].kind == YPATH_MATCH && !below_sel)
			return n->type == YS_MAP ? MISS_KEY : MISS_MATCH;
		if (p->seg[i].kind == YPATH_MATCH && i + 1 < p->n &&
		    p->seg[i + 1].key_len == p->seg[i].key_len &&
		    !memcmp(p->seg[i + 1].key, p->seg[i].key, p->seg[i].key_len))
			return MISS_KEY;
	}
	return MISS_NONE;
}

/* Is the key the path needs at mapping `h` perhaps there, hidden behind a
 * merge key or written as an alias (which are never followed)? */
static bool key_hidden(const struct ctx *cx, const struct ys_hit *h)
{
	const struct ys_node *n = &h->node;
	const struct ypath *p = &cx->es[h->edit].path;

	return n->type == YS_MAP && (n->has_merge || n->odd_keys) && h->depth < p->n &&
	       p->seg[h->depth].kind == YPATH_KEY;
}

/* "cannot edit 'P': 'a' has a key that is an alias ('*x'), ..." */
static int refuse_hidden(struct ctx *cx, const struct ys_hit *h)
{
	const struct ys_node *n = &h->node;
	const char *key = cx->es[h->edit].path.seg[h->depth].key;
	const char *alias = n->seen ? strchr(n->seen, '*') : NULL;
	struct buf pre = BUF_INIT;

	path_prefix(&pre, &cx->es[h->edit].path, h->depth);
	if (n->has_merge || !n->alias_key || !alias)
		log_error_at(cx->file, at_line(cx, n->start), "cannot edit '%s': %s has %s, so "
			     "'%s' may come from elsewhere; add it by hand", cx->ed[h->edit].path,
			     buf_cstr(&pre), n->has_merge ? "a merge key ('<<')" :
			     "a complex key", key);
	else
		log_error_at(cx->file, at_line(cx, n->start), "cannot edit '%s': %s has a key "
			     "that is an alias ('%.*s'), which may be '%s'; aliases are never "
			     "followed: write that key out", cx->ed[h->edit].path, buf_cstr(&pre),
			     (int)strcspn(alias, ","), alias, key);
	buf_release(&pre);
	return -1;
}

/* Would check_frontier refuse to create at `h`? */
static bool frontier_refused(const struct ctx *cx, const struct ys_hit *h)
{
	const struct ys_node *n = &h->node;

	return key_hidden(cx, h) || n->shared ||
	       (n->type == YS_SCALAR && n->tag_kind != YS_TAG_NONE);
}

/* Refusals that hold for a frontier where something would be created. */
static int check_frontier(struct ctx *cx, const struct ys_hit *h)
{
	const struct ys_node *n = &h->node;
	const struct ypath *p = &cx->es[h->edit].path;
	long line = 0;
	struct buf pre = BUF_INIT;
	int rc = 0;

	if (!frontier_refused(cx, h))
		return 0;
	if (key_hidden(cx, h))
		return refuse_hidden(cx, h);
	line = at_line(cx, n->start);
	path_prefix(&pre, p, h->depth);
	if (n->shared) {
		log_error_at(cx->file, line, "cannot edit '%s': %s is inside anchor '&%s', "
			     "which aliases share", cx->ed[h->edit].path, buf_cstr(&pre),
			     n->shared_anchor);
		rc = -1;
	} else {
		log_error_at(cx->file, line, "cannot edit '%s': %s is null with a tag",
			     cx->ed[h->edit].path, buf_cstr(&pre));
		rc = -1;
	}
	buf_release(&pre);
	return rc;
}

struct gen {
	struct ctx *cx;
	const struct ypath *p;
	const struct yedit *ed;
	struct buf *t;        /* the text arena; this change's text starts at t0 */
	size_t t0;
	const char *eol;
	unsigned step, seq_off; /* layout for nested collections */
	size_t events;
	int next_indent;      /* indentation of the line after it */
	bool at_eof;          /* the text will end the file without a line break */
};

/* Keys start lines, where "-" or "---" would mean something else. */
static void gen_key(struct gen *g, const char *k, size_t n, bool flow)
{
	enum yq_style st = n && k[0] != '-' ? YQ_PLAIN : YQ_SINGLE;

	yq_write(g->t, yq_choose(st, k, n, flow, NULL), k, n, NULL);
	g->events++;
}

static void gen_value(struct gen *g, bool flow, unsigned col)
{
	struct yq_block b = { col + g->step, g->eol, "", 0, g->at_eof };
	bool block = !flow && g->next_indent < (int)b.indent;
	struct yq_scalar none = { NULL, 0, YQ_PLAIN, NULL };
	struct yq_typing ty;
	bool literal = yq_type_value(&ty, &none, g->ed->value, g->ed->value_len, g->ed->mode) == 0 &&
		       ty.plain;

	yq_write(g->t, literal ? YQ_PLAIN : yq_choose(YQ_PLAIN, g->ed->value, g->ed->value_len, flow,
						      block ? &b : NULL),
		 g->ed->value, g->ed->value_len, &b);
	g->events++;
}

/* The gen_* functions recurse once per path segment they create: at most
 * YEDIT_MAX_CREATE deep. */
static void gen_block_entry(struct gen *g, size_t i, unsigned col);

/* Element [key=value] (segment i) of a block sequence, then the rest. */
static void gen_block_item(struct gen *g, size_t i, unsigned dash, unsigned item) /* NOLINT(misc-no-recursion) */
{
	const struct ypath_seg *s = &g->p->seg[i];

	add_spaces(g->t, dash);
	buf_addc(g->t, '-');
	add_spaces(g->t, item > dash + 1 ? item - dash - 1 : 1);
	gen_key(g, s->key, s->key_len, false);
	buf_adds(g->t, ": ");
	yq_write(g->t, yq_choose(YQ_PLAIN, s->value, s->value_len, false, NULL), s->value,
		 s->value_len, NULL);
	buf_adds(g->t, g->eol);
	g->events += 3; /* the mapping's start and end, the value */
	if (i + 1 < g->p->n)
		gen_block_entry(g, i + 1, item);
}

/* Key (segment i) at column col, and what is below it. */
static void gen_block_entry(struct gen *g, size_t i, unsigned col) /* NOLINT(misc-no-recursion) */
{
	const struct ypath_seg *s = &g->p->seg[i];

	add_spaces(g->t, col);
	gen_key(g, s->key, s->key_len, false);
	buf_addc(g->t, ':');
	if (i + 1 == g->p->n) {
		buf_addc(g->t, ' ');
		gen_value(g, false, col);
		buf_adds(g->t, g->eol);
		return;
	}
	buf_adds(g->t, g->eol);
	g->events += 2;
	if (g->p->seg[i + 1].kind == YPATH_KEY)
		gen_block_entry(g, i + 1, col + g->step);
	else
		gen_block_item(g, i + 1, col + g->seq_off, col + g->seq_off + 2);
}

static void gen_flow_entry(struct gen *g, size_t i);

static void gen_flow_item(struct gen *g, size_t i) /* NOLINT(misc-no-recursion) */
{
	const struct ypath_seg *s = &g->p->seg[i];

	buf_addc(g->t, '{');
	gen_key(g, s->key, s->key_len, true);
	buf_adds(g->t, ": ");
	yq_write(g->t, yq_choose(YQ_PLAIN, s->value, s->value_len, true, NULL), s->value,
		 s->value_len, NULL);
	g->events += 3;
	if (i + 1 < g->p->n) {
		buf_adds(g->t, ", ");
		gen_flow_entry(g, i + 1);
	}
	buf_addc(g->t, '}');
}

static void gen_flow_entry(struct gen *g, size_t i) /* NOLINT(misc-no-recursion) */
{
	const struct ypath_seg *s = &g->p->seg[i];

	gen_key(g, s->key, s->key_len, true);
	buf_adds(g->t, ": ");
	if (i + 1 == g->p->n) {
		gen_value(g, true, 0);
		return;
	}
	g->events += 2;
	buf_addc(g->t, g->p->seg[i + 1].kind == YPATH_KEY ? '{' : '[');
	if (g->p->seg[i + 1].kind == YPATH_KEY)
		gen_flow_entry(g, i + 1);
	else
		gen_flow_item(g, i + 1);
	buf_addc(g->t, g->p->seg[i + 1].kind == YPATH_KEY ? '}' : ']');
}

/* Lines inserted at `pos`: when the file ends there without a line break,
 * the text's last break moves to its front, so it still ends without one. */
static void end_lines(struct gen *g, size_t pos)
{
	const struct ctx *cx = g->cx;
	size_t el = strlen(g->eol);

	if (pos == cx->len && (pos == 0 || !is_break(cx->in[pos - 1])) &&
	    g->t->len - g->t0 >= el) {
		buf_truncate(g->t, g->t->len - el);
		buf_splice(g->t, g->t0, 0, g->eol, el);
	}
}

static int create(struct ctx *cx, const struct ys_hit *h)
{
	const struct ys_node *n = &h->node;
	struct edit_state *es = &cx->es[h->edit];
	struct gen g = { cx, &es->path, &cx->ed[h->edit], NULL, 0, "\n", map_step(cx, n),
			 seq_offset(cx, n), 0, -1, false };
	size_t d = h->depth, pos, nodes = 1;
	bool flow = n->flow || n->in_flow, lines = false;
	struct change *c;

	if (n->type == YS_SCALAR) { /* a null value: replaced */
		pos = flow ? n->body : line_after(cx->in, cx->len, n->end);
		if (!flow && n->body < n->end) {
			size_t del = n->body;

			while (n->body == n->start && del > 0 &&
			       (cx->in[del - 1] == ' ' || cx->in[del - 1] == '\t'))
				del--;
			if (!new_change(cx, del, n->end, h->doc))
				return -1;
		}
		c = new_change(cx, pos, flow ? n->end : pos, h->doc);
		if (!c)
			return -1;
		c->has_old = true;
		c->old_ordinal = n->ordinal;
		c->old_hash = n->hash;
		c->replace = true;
	} else {
		pos = flow ? (n->count ? n->inner_end : n->close) : line_after(cx->in, cx->len, n->end);
		c = new_change(cx, pos, pos, h->doc);
		if (!c)
			return -1;
		nodes = n->type == YS_MAP ? 2 : 1;
	}
	c->depth = d;
	if (cx->ed[h->edit].create_element && n->seq_offset < 0 && !cx->seq_known)
		g.seq_off = 0; /* as kustomize writes a list it adds */
	g.t = &cx->texts;
	g.t0 = c->toff;
	g.eol = eol_at(cx->in, cx->len, flow ? pos : n->end);
	if (!flow) {
		g.at_eof = pos == cx->len && (pos == 0 || !is_break(cx->in[pos - 1]));
		g.next_indent = next_indent(cx->in, cx->len, pos > 0 ? pos - 1 : 0);
		lines = true;
	}
	if (flow) {
		bool sep = n->type != YS_SCALAR && n->count;
		bool space = n->type == YS_SCALAR && n->body == n->end &&
			     (n->body == 0 || cx->in[n->body - 1] != ' ');

		buf_adds(g.t, sep ? ", " : space ? " " : "");
		if (n->type == YS_SCALAR) {
			buf_addc(g.t, es->path.seg[d].kind == YPATH_KEY ? '{' : '[');
			g.events += 2;
		}
		if (es->path.seg[d].kind == YPATH_KEY)
			gen_flow_entry(&g, d);
		else
			gen_flow_item(&g, d);
		if (n->type == YS_SCALAR)
			buf_addc(g.t, es->path.seg[d].kind == YPATH_KEY ? '}' : ']');
	} else if (n->type == YS_MAP) {
		c->col = n->col;
		gen_block_entry(&g, d, n->col);
	} else if (n->type == YS_SEQ) {
		c->col = n->col;
		gen_block_item(&g, d, n->col, n->item_col > n->col + 1 ? n->item_col : n->col + 2);
	} else {
		unsigned col = (unsigned)(n->parent_col < 0 ? 0 : n->parent_col);

		g.events += 2;
		c->col = col + 1; /* inside the null's key */
		if (es->path.seg[d].kind == YPATH_KEY)
			gen_block_entry(&g, d, col + g.step);
		else
			gen_block_item(&g, d, col + g.seq_off, col + g.seq_off + 2);
	}
	if (lines)
		end_lines(&g, pos);
	if (buf_failed(g.t))
		return buf_trouble(cx, g.t);
	end_text(cx, c);
	c->region = true;
	c->nodes = nodes;
	c->events = g.events;
	es->created++;
	es->total++;
	cx->ed[h->edit].created++;
	note_first(es, pos, c->seq);
	return 0;
}

/* Does creation `a` write where `b` (a target, or another creation at the
 * same node) does? */
static bool collides(const struct ctx *cx, const struct ys_hit *a, const struct ys_hit *b)
{
	const struct ypath *pa = &cx->es[a->edit].path, *pb = &cx->es[b->edit].path;
	const struct ypath_seg *sa, *sb;

	if (a->node.start != b->node.start)
		return false;
	if (b->kind == YS_HIT_TARGET || a->node.type == YS_SCALAR || b->node.type == YS_SCALAR)
		return true;
	sa = &pa->seg[a->depth];
	sb = &pb->seg[b->depth];
	if (sa->kind != sb->kind || sa->key_len != sb->key_len || memcmp(sa->key, sb->key, sa->key_len))
		return false;
	return sa->kind != YPATH_MATCH ||
	       (sa->value_len == sb->value_len && !memcmp(sa->value, sb->value, sa->value_len));
}

static int cmp_hitref(const void *a, const void *b)
{
	const struct ys_hit *x = *(const struct ys_hit *const *)a;
	const struct ys_hit *y = *(const struct ys_hit *const *)b;

	if (x->node.start != y->node.start)
		return x->node.start < y->node.start ? -1 : 1;
	return x->edit < y->edit ? -1 : x->edit > y->edit;
}

static bool live_set(const struct ctx *cx, const struct ys_hit *h)
{
	return cx->ed[h->edit].op == YEDIT_SET && live(cx, h->edit) &&
	       (h->kind == YS_HIT_TARGET ||
		(h->kind == YS_HIT_FRONTIER && creatable(cx, h) == MISS_NONE &&
		 yk_allows(&cx->kinds, h->edit, cx->doc)));
}

/*
 * Edits that would write the same thing at one node (two creations of one
 * key, or a creation replacing a null that another edit sets) cannot share
 * a round: the later edit waits for the next one, where it sees the
 * earlier edit's result.
 */
static int plan_deferrals(struct ctx *cx)
{
	/* an array of pointers: sizeof(*refs) is a pointer's size, as meant */
	const struct ys_hit **refs = calloc(cx->scan.nhits + 1, sizeof(*refs)); /* NOLINT(bugprone-sizeof-expression) */
	size_t n = 0;

	if (!refs) {
		return no_memory(cx);
	}
	for (size_t i = 0; i < cx->scan.nhits; i++)
		if (live_set(cx, &cx->scan.hits[i]))
			refs[n++] = &cx->scan.hits[i];
	qsort(refs, n, sizeof(*refs), cmp_hitref); /* NOLINT(bugprone-sizeof-expression) */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && refs[j]->node.start == refs[i]->node.start; j++)
			;
		for (size_t a = i + 1; a < j; a++)
			for (size_t b = i; b < a; b++)
				if (refs[b]->edit < refs[a]->edit && live_set(cx, refs[b]) &&
				    live(cx, refs[a]->edit) &&
				    (refs[a]->kind == YS_HIT_FRONTIER ? collides(cx, refs[a], refs[b])
				     : refs[b]->kind == YS_HIT_FRONTIER && collides(cx, refs[b], refs[a])) &&
				    defer(cx, refs[a]->edit) < 0) {
					free(refs);
					return -1;
				}
	}
	free(refs);
	return 0;
}

static void free_found(struct edit_state *es)
{
	for (size_t i = 0; i < es->nfound; i++)
		free(es->found[i]);
	es->nfound = 0;
	es->more_found = es->found_key = false;
}

/* A filter did not match at `h`: keep what its key held there, for the
 * message (the values at the deepest such miss, each once). */
static int note_found(struct ctx *cx, const struct ys_hit *h)
{
	struct edit_state *es = &cx->es[h->edit];

	if (es->filter_missed && h->depth < es->found_depth)
		return 0;
	if (!es->filter_missed || h->depth > es->found_depth) {
		free_found(es);
		es->filter_missed = true;
		es->found_depth = h->depth;
	}
	if (!h->got)
		return 0;
	es->found_key = true;
	for (size_t i = 0; i < es->nfound; i++)
		if (strlen(es->found[i]) == h->got_len && !memcmp(es->found[i], h->got, h->got_len))
			return 0;
	if (es->nfound == FOUND_MAX || memchr(h->got, '\0', h->got_len)) {
		es->more_found = true;
		return 0;
	}
	es->found[es->nfound] = strdup(h->got);
	if (!es->found[es->nfound]) {
		return no_memory(cx);
	}
	es->nfound++;
	return 0;
}

/* Create what is missing at every creatable frontier; keep the deepest
 * miss of every edit for its message. */
static int plan_frontiers(struct ctx *cx)
{
	for (size_t i = 0; i < cx->scan.nhits; i++) {
		const struct ys_hit *h = &cx->scan.hits[i];
		struct edit_state *es = &cx->es[h->edit];
		enum miss m;

		if (h->kind != YS_HIT_FRONTIER || cx->ed[h->edit].op != YEDIT_SET ||
		    !live(cx, h->edit))
			continue;
		m = creatable(cx, h);
		if (m == MISS_FILTER && note_found(cx, h) < 0)
			return -1;
		if (m != MISS_NONE) {
			if (!es->has_best || h->depth > es->best.depth) {
				if (es->has_best)
					ys_hit_release(&es->best);
				es->has_best = ys_hit_copy(&es->best, h) == 0;
				if (!es->has_best) {
					return no_memory(cx);
				}
				es->best_miss = m;
			}
			continue;
		}
		if (!yk_allows(&cx->kinds, h->edit, cx->doc))
			continue; /* a document of another kind */
		if (!cx->kinds.decided && cx->kinds.ed[h->edit].limited &&
		    frontier_refused(cx, h)) {
			cx->kinds_again = true; /* perhaps a kind that may not create */
			continue;
		}
		if (check_frontier(cx, h) < 0 || create(cx, h) < 0)
			return -1;
	}
	return 0;
}

/* ---- messages for edits that resolve nowhere ---- */

/* "no document has kind 'Job' (found: Deployment, Service)" */
static void describe_filter(struct ctx *cx, size_t e, struct buf *msg, const struct buf *pre)
{
	const struct edit_state *es = &cx->es[e];
	const struct ypath_seg *s = &es->path.seg[es->best.depth];

	if (es->best.depth == 0)
		buf_addf(msg, "no document has %s '%s'", s->key, s->value);
	else
		buf_addf(msg, "no %s has %s '%s'", buf_cstr(pre), s->key, s->value);
	if (!es->found_key) {
		buf_addf(msg, " (none has a '%s')", s->key);
		return;
	}
	buf_adds(msg, " (found: ");
	for (size_t i = 0; i < es->nfound; i++) {
		size_t n = strlen(es->found[i]);

		buf_addf(msg, "%s%.*s%s", i ? ", " : "", n > 40 ? 40 : (int)n, es->found[i],
			 n > 40 ? "..." : "");
	}
	buf_adds(msg, es->more_found ? (es->nfound ? ", ...)" : "...)") : ")");
}

static void describe_miss(struct ctx *cx, size_t e, struct buf *msg)
{
	const struct ys_hit *h = cx->es[e].has_best ? &cx->es[e].best : NULL;
	const struct ypath *p = &cx->es[e].path;
	const struct ypath_seg *s;
	const struct ys_node *n;
	struct buf pre = BUF_INIT;

	if (!h) {
		buf_adds(msg, cx->scan.ndocs ? "no document has it" : "the file has no document");
		return;
	}
	n = &h->node;
	s = &p->seg[h->depth];
	path_prefix(&pre, p, h->depth);
	switch (cx->es[e].best_miss) {
	case MISS_KEY:
		buf_addf(msg, "%s has no key '%s'", buf_cstr(&pre), s->key);
		if (n->seen)
			buf_addf(msg, " (keys: %s)", n->seen);
		if (s->kind != YPATH_KEY || h->depth + 1 < p->n)
			buf_adds(msg, " and the rest cannot be created");
		break;
	case MISS_MATCH:
		buf_addf(msg, "no element of %s has %s '%s'", buf_cstr(&pre), s->key, s->value);
		buf_addf(msg, n->seen ? " (found: %s)" : " (none has a '%s')", n->seen ? n->seen : s->key);
		break;
	case MISS_INDEX:
		buf_addf(msg, "%s has %zu element%s, no [%lu]", buf_cstr(&pre), n->count,
			 n->count == 1 ? "" : "s", s->index);
		break;
	case MISS_EMPTY:
		buf_addf(msg, "%s has no elements", buf_cstr(&pre));
		break;
	case MISS_TYPE:
		buf_addf(msg, "%s is %s", buf_cstr(&pre), type_name(n));
		if (n->type == YS_SCALAR && !n->null)
			buf_addf(msg, " ('%.*s%s')", show_len(n->len), n->value, ellipsis(n->len));
		buf_adds(msg, s->kind == YPATH_KEY ? ", not a mapping" : s->kind == YPATH_MATCH
			 ? ", not a mapping or a sequence" : ", not a sequence");
		break;
	case MISS_FILTER:
		describe_filter(cx, e, msg, &pre);
		break;
	case MISS_DEEP:
		buf_addf(msg, "%s lacks '", buf_cstr(&pre));
		ypath_format_key(msg, s->kind == YPATH_KEY ? s->key : "", s->kind == YPATH_KEY ? s->key_len : 0);
		buf_addf(msg, "' and at most %d levels are created", YEDIT_MAX_CREATE);
		break;
	case MISS_ROOT:
		buf_adds(msg, "the document is empty");
		break;
	case MISS_NOTMAPS:
		buf_addf(msg, "the elements of %s are not mappings", buf_cstr(&pre));
		break;
	case MISS_ENDSEL:
		buf_adds(msg, "a path must end with a key for anything to be created");
		break;
	case MISS_NONE:
		break;
	}
	buf_release(&pre);
}

static int check_resolved(struct ctx *cx)
{
	for (size_t e = 0; e < cx->n; e++) {
		struct edit_state *es = &cx->es[e];
		const struct yedit *ed = &cx->ed[e];
		struct buf msg = BUF_INIT;
		long line = 0;

		if (es->total || es->nlater || ed->optional || !(cx->round == 0 || es->ndocs))
			continue;
		if (ed->op == YEDIT_MARKER) {
			log_error_at(cx->file, 0, "no '<%s>' marker in '%s'", ed->name, cx->file);
			return -1;
		}
		if (es->has_best && key_hidden(cx, &es->best))
			return refuse_hidden(cx, &es->best);
		describe_miss(cx, e, &msg);
		if (es->has_best)
			line = line_of(cx->in, cx->len, es->best.node.start);
		log_error_at(cx->file, line, "'%s' matches nothing: %s", ed->path, buf_cstr(&msg));
		buf_release(&msg);
		return -1;
	}
	return 0;
}

/* ---- the kind rule (yamlkind.h) ---- */

/* Before the first round: gather the documents' kinds in it only when the
 * rule can matter (an edit without [kind=...], a stream that may hold
 * several documents: "---" or "..." starting a line). */
static int kinds_start(struct ctx *cx)
{
	bool limited = false;

	for (size_t e = 0; e < cx->n; e++)
		limited |= cx->kinds.ed[e].limited;
	if (cx->kinds.decided || !limited ||
	    (!memmem(cx->in, cx->len, "\n---", 4) && !memmem(cx->in, cx->len, "\n...", 4))) {
		cx->kinds.decided = true;
		return 0;
	}
	return ypath_parse(&cx->kind_path, "kind", NULL, NULL);
}

/* The document's kind, from the hits of the extra path "kind" (the last
 * path), which go: nothing else reads them. */
static int kinds_take(struct ctx *cx, struct ys_scan *s)
{
	const struct ys_node *kind = NULL;
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < s->nhits; i++)
		if (s->hits[i].edit == cx->npaths && s->hits[i].kind == YS_HIT_TARGET &&
		    s->hits[i].node.type == YS_SCALAR && !s->hits[i].node.null)
			kind = &s->hits[i].node;
	rc = yk_doc(&cx->kinds, kind ? kind->value : NULL, kind ? kind->len : 0);
	for (size_t i = 0; i < s->nhits; i++) {
		if (s->hits[i].edit == cx->npaths)
			ys_hit_release(&s->hits[i]);
		else
			s->hits[k++] = s->hits[i];
	}
	s->nhits = k;
	return rc < 0 ? no_memory(cx) : 0;
}

/* What every limited edit finds in the document (hits remapped). */
static int kinds_note(struct ctx *cx, const struct ys_scan *s)
{
	for (size_t i = 0; i < s->nhits; i++) {
		const struct ys_hit *h = &s->hits[i];
		bool target = h->kind == YS_HIT_TARGET;

		if (cx->ed[h->edit].op != YEDIT_SET ||
		    !(target || (h->kind == YS_HIT_FRONTIER && creatable(cx, h) == MISS_NONE)))
			continue;
		if (yk_note(&cx->kinds, h->edit, cx->doc, target, h->depth) < 0)
			return no_memory(cx);
	}
	return 0;
}

static int kinds_tie(struct ctx *cx, size_t e)
{
	struct buf list = BUF_INIT;
	const char *first = NULL, *path = cx->ed[e].path;

	if (yk_kinds_tied(&cx->kinds, e, &list, &first) < 0)
		return buf_trouble(cx, &list);
	log_error_at(cx->file, 0, "cannot create '%s': documents of kinds %s fit it "
		     "equally; say which with '[kind=%s]%s%s'", path, buf_cstr(&list),
		     first ? first : "KIND", path[0] == '[' ? "" : ".", path);
	buf_release(&list);
	return -1;
}

/* After the first planning scan gathered the kinds: decide.  0: the plan
 * stands; 1: plan again with the decisions (they forbid some creation, or
 * a refusal was put off); -1: a tie (reported). */
static int kinds_end(struct ctx *cx)
{
	size_t tie = yk_decide(&cx->kinds);

	if (tie != YK_NONE)
		return kinds_tie(cx, tie);
	return cx->kinds_again || yk_restricts(&cx->kinds);
}

/* ---- a round: scan, plan, splice, verify ---- */

/* Hits name paths and markers; from here on they name edits. */
static void remap(struct ctx *cx, struct ys_scan *s)
{
	for (size_t i = 0; i < s->nhits; i++)
		s->hits[i].edit = s->hits[i].kind == YS_HIT_MARKER
			? cx->marker_edit[s->hits[i].edit] : cx->path_edit[s->hits[i].edit];
}

static int plan_document(void *arg, struct ys_scan *s);

/* A scan of `in`: with `plan`, the round's planning pass (markers only in
 * the first round), else a verification pass over regions. */
static int scan(struct ctx *cx, struct ys_scan *s, const char *in, size_t len,
		struct ys_region *regions, size_t nregions, bool plan)
{
	memset(s, 0, sizeof(*s));
	s->paths = cx->paths;
	s->npaths = cx->npaths;
	if (plan && !cx->kinds.decided) { /* and every document's kind */
		cx->paths[cx->npaths] = cx->kind_path;
		s->npaths++;
	}
	s->markers = cx->markers;
	s->nmarkers = plan && cx->round == 0 ? cx->nmarkers : 0;
	s->regions = regions;
	s->nregions = nregions;
	s->seed = cx->seed;
	s->lean = !plan;
	if (plan) {
		s->on_doc = plan_document;
		s->arg = cx;
	}
	if (ys_run(s, in, len) < 0)
		return -1;
	remap(cx, s);
	return 0;
}

static int splice(struct ctx *cx, struct buf *out)
{
	size_t at = 0;

	qsort(cx->ch, cx->nch, sizeof(*cx->ch), cmp_change);
	for (size_t i = 0; i < cx->nch; i++) {
		struct change *c = &cx->ch[i];

		if (c->start < at || c->end > cx->len) {
			log_error_at(cx->file, line_of(cx->in, cx->len, c->start),
				     "cannot edit '%s': two edits overlap at this line", cx->file);
			return -1;
		}
		buf_add(out, cx->in + at, c->start - at);
		c->out_start = out->len;
		buf_add(out, cx->texts.ptr + c->toff, c->tlen);
		c->out_end = out->len;
		at = c->end;
	}
	buf_add(out, cx->in + at, cx->len - at);
	return buf_failed(out) ? buf_trouble(cx, out) : 0;
}

static int verify_fail(struct ctx *cx, const char *out, size_t len, size_t off, const char *why)
{
	log_error_at(cx->file, off == SIZE_MAX ? 0 : line_of(out, len, off),
		     "refusing to write '%s': the edited YAML does not read back as intended (%s)",
		     cx->file, why);
	return -1;
}

/* Documents first..last of the input, re-parsed together. */
struct slice {
	size_t first, last;   /* documents */
	size_t i, j;          /* the changes in them */
	long long before;     /* output minus input length before the slice */
	long long within;     /* ... inside it */
};

/* The expected fingerprint of input document `d` after its changes, which
 * start at *k (changes are in document order); *k moves past them. */
static uint64_t expected_fp(const struct ctx *cx, size_t d, size_t *k, size_t j)
{
	const struct ys_doc *doc = &cx->docs[d];
	uint64_t fp = doc->fp;

	for (; *k < j && cx->ch[*k].doc <= d; (*k)++)
		if (cx->ch[*k].doc == d && cx->ch[*k].has_old)
			fp = ys_fp_replace(fp, doc->events, cx->seed,
					   cx->ch[*k].old_ordinal - doc->first, cx->ch[*k].old_hash);
	return fp;
}

/*
 * Re-parse one slice of the output: the events of every document outside
 * the written text are the input document's (the fingerprints agree once
 * the replaced scalars are swapped for the regions' placeholder), the
 * written text holds what it should, and the targets of SET edits read
 * back their values (counted in found[]).
 */
static int verify_slice(struct ctx *cx, const char *out, size_t len, const struct slice *sl,
			size_t *found)
{
	size_t os = (size_t)((long long)cx->docs[sl->first].start + sl->before);
	size_t oe = (size_t)((long long)cx->docs[sl->last].end + sl->before + sl->within);
	struct ys_region *rg = calloc(sl->j - sl->i + 1, sizeof(*rg));
	struct ys_scan v;
	size_t nr = 0;
	int rc = -1;

	if (!rg) {
		log_error("out of memory verifying '%s'", cx->file);
		return -1;
	}
	for (size_t k = sl->i; k < sl->j; k++) {
		const struct change *c = &cx->ch[k];

		if (c->region)
			rg[nr++] = (struct ys_region){ c->out_start - os, c->out_end - os, c->replace,
						       c->value, c->len, 0, 0, false };
	}
	if (scan(cx, &v, out + os, oe - os, rg, nr, false) < 0) {
		verify_fail(cx, out, len, os, v.err);
		goto out;
	}
	for (size_t k = sl->i, r = 0; k < sl->j; k++) {
		const struct change *c = &cx->ch[k];

		if (!c->region)
			continue;
		if (rg[r].nodes != c->nodes || rg[r].events != c->events ||
		    (c->value && !rg[r].value_ok)) {
			verify_fail(cx, out, len, c->out_start, c->value && !rg[r].value_ok
				    ? "a value reads back differently" : "the new text holds other nodes");
			goto out;
		}
		r++;
	}
	if (v.ndocs != sl->last - sl->first + 1) {
		verify_fail(cx, out, len, os, "the documents changed");
		goto out;
	}
	for (size_t d = sl->first, k = sl->i; d <= sl->last; d++) {
		const struct ys_doc *got = &v.docs[d - sl->first];

		if (got->fp != expected_fp(cx, d, &k, sl->j) ||
		    got->events != cx->docs[d].events) {
			verify_fail(cx, out, len, os + got->start,
				    "something outside the edited values moved");
			goto out;
		}
	}
	for (size_t k = 0; k < v.nhits; k++) {
		const struct ys_hit *h = &v.hits[k];
		const struct yedit *ed = &cx->ed[h->edit];

		if (h->kind != YS_HIT_TARGET)
			continue;
		if (applied(cx, h->edit, sl->first + h->doc) &&
		    (h->node.type != YS_SCALAR ||
		     !holds(out + os, oe - os, &h->node, ed->value, ed->value_len, ed->mode))) {
			verify_fail(cx, out, len, os + h->node.start, "a target reads back differently");
			goto out;
		}
		found[h->edit]++;
	}
	rc = 0;
out:
	ys_release(&v);
	free(rg);
	return rc;
}

/*
 * Parse the output again where something changed.  Documents of a stream
 * parse independently and the others are byte for byte the same, so only
 * the changed documents are read (those next to each other as one slice,
 * to spare parser set-ups).  Every SET edit must find all its targets.
 */
static int verify(struct ctx *cx, const char *out, size_t len)
{
	size_t *found = calloc(cx->n + 1, sizeof(*found));
	struct slice sl = { 0, 0, 0, 0, 0, 0 };
	int rc = -1;

	if (!found) {
		log_error("out of memory verifying '%s'", cx->file);
		return -1;
	}
	for (size_t i = 0, j; i < cx->nch; i = j) {
		sl.first = sl.last = cx->ch[i].doc;
		sl.i = i;
		sl.within = 0;
		for (j = i; j < cx->nch && cx->ch[j].doc <= sl.last + 1; j++) {
			sl.last = cx->ch[j].doc;
			sl.within += (long long)(cx->ch[j].out_end - cx->ch[j].out_start) -
				     (long long)(cx->ch[j].end - cx->ch[j].start);
		}
		sl.j = j;
		if (verify_slice(cx, out, len, &sl, found) < 0)
			goto out;
		sl.before += sl.within;
	}
	for (size_t e = 0; e < cx->n; e++) {
		const struct edit_state *es = &cx->es[e];

		if (cx->ed[e].op == YEDIT_SET && found[e] != cx->want[e] + es->created) {
			verify_fail(cx, out, len, SIZE_MAX, "a target is missing");
			goto out;
		}
	}
	rc = 0;
out:
	free(found);
	return rc;
}

static int round_fail_scan(struct ctx *cx)
{
	const char *e = cx->scan.err;

	if (!strcmp(e, "out of memory"))
		log_error("out of memory reading '%s'", cx->file);
	else
		log_error_at(cx->file, cx->scan.err_line, "'%s' is not valid YAML: %s", cx->file, e);
	return -1;
}

/*
 * Plan one document as the scan finishes it (its hits go when this
 * returns): refusals, deferrals, targets, creations; and count, for
 * verification, the targets of every SET edit in a document that changes.
 */
static int plan_document(void *arg, struct ys_scan *s)
{
	struct ctx *cx = arg;
	size_t nch = cx->nch;

	cx->doc = s->ndocs - 1;
	cx->step = s->map_step > 0 ? (unsigned)s->map_step : 2;
	cx->seq_off = s->seq_offset >= 0 ? (unsigned)s->seq_offset : 2;
	cx->seq_known = s->seq_offset >= 0;
	if (cx->any_deferred)
		for (size_t e = 0; e < cx->n; e++)
			cx->es[e].defer_now = false;
	cx->any_deferred = false;
	if (!cx->kinds.decided && kinds_take(cx, s) < 0)
		return -1;
	remap(cx, s);
	if (!cx->kinds.decided && kinds_note(cx, s) < 0)
		return -1;
	for (size_t i = 0; i < s->nhits; i++) {
		const struct ys_hit *h = &s->hits[i];

		if (h->kind != YS_HIT_MARKER && round_has(cx, h->edit, cx->doc) && refuse(cx, h) < 0)
			return -1;
	}
	if (plan_deferrals(cx) < 0 || plan_targets(cx) < 0 || plan_frontiers(cx) < 0)
		return -1;
	for (size_t i = 0; cx->nch > nch && i < s->nhits; i++)
		if (s->hits[i].kind == YS_HIT_TARGET)
			cx->want[s->hits[i].edit]++;
	return 0;
}

/* One round over cx->in: 0 with the result in `next` (empty when nothing
 * changed), 1 when the kind rule wants the first round planned again, or
 * -1. */
static int one_round(struct ctx *cx, struct buf *next)
{
	int rc = -1;

	for (size_t e = 0; e < cx->n; e++) {
		cx->es[e].created = 0;
		cx->es[e].first_in = SIZE_MAX;
		cx->es[e].first_ch = SIZE_MAX;
		cx->es[e].defer_now = false;
	}
	memset(cx->want, 0, cx->n * sizeof(*cx->want));
	if (scan(cx, &cx->scan, cx->in, cx->len, NULL, 0, true) < 0) {
		if (cx->scan.err[0])
			round_fail_scan(cx);
		goto out;
	}
	if (!cx->kinds.decided && (rc = kinds_end(cx)) != 0)
		goto out;
	rc = -1;
	if (check_resolved(cx) < 0)
		goto out;
	free(cx->docs); /* verification needs the documents, not the scan */
	cx->docs = cx->scan.docs;
	cx->ndocs = cx->scan.ndocs;
	cx->scan.docs = NULL;
	if (cx->nch && (splice(cx, next) < 0 || verify(cx, next->ptr, next->len) < 0))
		goto out;
	rc = 0;
out:
	ys_release(&cx->scan);
	return rc;
}

/* Output offsets of every edit's first target, carried across rounds. */
static void track_first(struct ctx *cx)
{
	for (size_t e = 0; e < cx->n; e++) {
		struct edit_state *es = &cx->es[e];

		if (es->first_out != SIZE_MAX)
			es->first_out = map_offset(cx->ch, cx->nch, es->first_out);
		if (es->first_in == SIZE_MAX)
			continue;
		if (es->first_ch != SIZE_MAX) {
			for (size_t i = 0; i < cx->nch; i++)
				if (cx->ch[i].seq == es->first_ch)
					es->first_out = cx->ch[i].out_start;
		} else {
			es->first_out = map_offset(cx->ch, cx->nch, es->first_in);
		}
	}
}

/* The documents deferred this round are the next round's. */
static bool next_round(struct ctx *cx)
{
	bool more = false;

	for (size_t e = 0; e < cx->n; e++) {
		struct edit_state *es = &cx->es[e];

		free(es->docs);
		es->docs = es->later;
		es->ndocs = es->nlater;
		es->later = NULL;
		es->nlater = es->later_alloc = 0;
		more |= es->ndocs > 0;
	}
	cx->round++;
	return more;
}

static int run(struct ctx *cx, struct buf *out)
{
	struct buf cur = BUF_INIT, next = BUF_INIT;
	int rc = -1;

	buf_init(&cur, YEDIT_MAX_INPUT * 2);
	buf_init(&next, YEDIT_MAX_INPUT * 2);
	if (kinds_start(cx) < 0)
		goto out;
	for (;;) {
		bool more;

		buf_reset(&next);
		if ((rc = one_round(cx, &next)) != 0)
			goto out;
		rc = -1;
		track_first(cx);
		more = next_round(cx);
		if (cx->nch) {
			struct buf t = cur;

			cur = next;
			next = t;
			cx->in = cur.ptr;
			cx->len = cur.len;
		}
		free_changes(cx);
		if (!more || cx->round > cx->n)
			break;
	}
	if (out->len == 0 && cur.ptr && cx->in == cur.ptr &&
	    cur.len <= (out->max ? out->max : BUF_MAX_DEFAULT)) {
		size_t max = out->max; /* hand over the storage: no second copy */

		buf_release(out);
		*out = cur;
		out->max = max;
		buf_init(&cur, 0);
	} else if (buf_add(out, cx->in, cx->len) < 0) {
		buf_trouble(cx, out);
		goto out;
	}
	rc = 0;
out:
	free_changes(cx);
	buf_release(&cur);
	buf_release(&next);
	return rc;
}

/* ---- entry points ---- */

static bool marker_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > YEDIT_MAX_MARKER)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_.:-", s[i])))
			return false;
	return true;
}

static int check_value(const struct yedit *ed, const char *what)
{
	const char *name = ed->op == YEDIT_SET ? ed->path : ed->name;

	if (ed->value_len > YEDIT_MAX_VALUE) {
		log_error("value for '%s'%s%s is over %zu KiB", name, what ? " in " : "",
			  what ? what : "", YEDIT_MAX_VALUE >> 10);
		return -1;
	}
	if (!utf8_valid(ed->value, ed->value_len)) {
		log_error("value for '%s'%s%s is not valid UTF-8", name, what ? " in " : "",
			  what ? what : "");
		return -1;
	}
	if (ed->op == YEDIT_SET && ed->mode == YQ_TYPED &&
	    !yq_typed_ok(ed->value, ed->value_len, NULL)) {
		log_error("value '%.*s%s' for '%s:='%s%s is not a bool, int or float that YAML 1.1 "
			  "and 1.2 read alike (true, 3, -1.5, ...): for a string write '%s=VALUE'",
			  show_len(ed->value_len), ed->value, ellipsis(ed->value_len), name,
			  what ? " in " : "", what ? what : "", name);
		return -1;
	}
	if (ed->op == YEDIT_MARKER) {
		char close[YEDIT_MAX_MARKER + 4];
		int cl = snprintf(close, sizeof(close), "</%s>", ed->name);

		/* it would end the marker early: the value could not be read
		 * back, and the next edit would leave the rest behind */
		if (cl > 0 && memmem(ed->value, ed->value_len, close, (size_t)cl)) {
			log_error("value for marker '%s'%s%s holds '%s', which would end the "
				  "marker early", name, what ? " in " : "", what ? what : "", close);
			return -1;
		}
	}
	return 0;
}

/* yedit_check, leaving a SET edit's parsed path in *p (the caller
 * releases it, also on failure, unless it is the edit's `parsed`). */
static int check_edit(const struct yedit *ed, const char *what, struct ypath *p)
{
	if (ed->op == YEDIT_MARKER) {
		if (!ed->name || !marker_name_ok(ed->name)) {
			log_error("bad marker name '%s'%s%s: use 1 to %d of A-Z a-z 0-9 _ . : -",
				  ed->name ? ed->name : "", what ? " in " : "", what ? what : "",
				  YEDIT_MAX_MARKER);
			return -1;
		}
	} else if (ed->parsed) {
		*p = *ed->parsed;
	} else if (!ed->path || ypath_parse(p, ed->path, NULL, what) < 0) {
		return -1;
	}
	if (!ed->value) {
		log_error("no value for '%s'", ed->op == YEDIT_SET ? ed->path : ed->name);
		return -1;
	}
	return check_value(ed, what);
}

int yedit_check(const struct yedit *ed, const char *what)
{
	struct ypath p = YPATH_INIT;
	int rc = check_edit(ed, what, &p);

	if (!ed->parsed)
		ypath_release(&p);
	return rc;
}

/* One warning per edit whose values lost their type, once it succeeded. */
static void warn_retyped(const struct ctx *cx)
{
	for (size_t e = 0; e < cx->n; e++) {
		const struct yedit *ed = &cx->ed[e];
		const char *was = yq_type_name(cx->es[e].lost_was);

		if (!ed->retyped)
			continue;
		log_warning_at(cx->file, cx->es[e].lost_line,
			       "'%s': %zu %s value%s became the string '%.*s%s', which is not %s %s "
			       "literal that YAML 1.1 and 1.2 read alike (for a string on purpose, "
			       "write %s=\"VALUE\")", ed->path, ed->retyped, was,
			       ed->retyped > 1 ? "s" : "", show_len(ed->value_len), ed->value,
			       ellipsis(ed->value_len), was[0] == 'i' ? "an" : "a", was, ed->path);
	}
}

static uint64_t new_seed(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)clock();
}

static int prepare(struct ctx *cx)
{
	cx->es = calloc(cx->n + 1, sizeof(*cx->es));
	cx->paths = calloc(cx->n + 1, sizeof(*cx->paths));
	cx->path_edit = calloc(cx->n + 1, sizeof(*cx->path_edit));
	cx->markers = calloc(cx->n + 1, sizeof(*cx->markers));
	cx->marker_edit = calloc(cx->n + 1, sizeof(*cx->marker_edit));
	cx->want = calloc(cx->n + 1, sizeof(*cx->want));
	buf_init(&cx->texts, YEDIT_MAX_INPUT * 2);
	if (!cx->es || !cx->paths || !cx->path_edit || !cx->markers || !cx->marker_edit ||
	    !cx->want || (!cx->kinds.ed && yk_init(&cx->kinds, cx->n) < 0)) {
		return no_memory(cx);
	}
	for (size_t e = 0; e < cx->n; e++) {
		struct yedit *ed = &cx->ed[e];
		struct edit_state *es = &cx->es[e];

		ed->changed = ed->unchanged = ed->created = ed->retyped = 0;
		ed->line = 0;
		es->first_out = SIZE_MAX;
		if (check_edit(ed, NULL, &es->path) < 0)
			return -1;
		if (ed->op == YEDIT_MARKER) {
			cx->markers[cx->nmarkers] = ed->name;
			cx->marker_edit[cx->nmarkers++] = e;
			continue;
		}
		cx->kinds.ed[e].limited = yk_path_limited(&es->path);
		cx->paths[cx->npaths] = es->path;
		cx->path_edit[cx->npaths++] = e;
	}
	return 0;
}

static void ctx_release(struct ctx *cx)
{
	for (size_t e = 0; cx->es && e < cx->n; e++) {
		if (!cx->ed[e].parsed)
			ypath_release(&cx->es[e].path);
		free(cx->es[e].docs);
		free(cx->es[e].later);
		if (cx->es[e].has_best)
			ys_hit_release(&cx->es[e].best);
		free_found(&cx->es[e]);
	}
	free(cx->es);
	free(cx->paths);
	free(cx->path_edit);
	free(cx->markers);
	free(cx->marker_edit);
	free(cx->want);
	free(cx->docs);
	free(cx->ch);
	buf_release(&cx->texts);
	yk_release(&cx->kinds);
	ypath_release(&cx->kind_path);
	memset(cx, 0, sizeof(*cx));
}

/* Plan and apply the edits, appending to `out`: 0, -1, or 1 when the kind
 * rule's decisions (now in cx->kinds) call for planning again. */
static int apply(struct ctx *cx, struct yedit *edits, size_t n, const char *in, size_t len,
		 const char *file, struct buf *out)
{
	cx->file = file ? file : "-";
	cx->ed = edits;
	cx->n = n;
	cx->in = in ? in : "";
	cx->len = in ? len : 0;
	cx->seed = new_seed();
	if (prepare(cx) < 0)
		return -1;
	return run(cx, out);
}

int yedit_apply(struct buf *out, const char *in, size_t len, struct yedit *edits,
		size_t n, const char *file, bool *differs)
{
	struct ctx cx;
	size_t before = out->len;
	int rc = -1, r;

	memset(&cx, 0, sizeof(cx));
	if (n > YEDIT_MAX_EDITS) {
		log_error("too many edits for '%s' (at most %d)", file ? file : "-",
			  YEDIT_MAX_EDITS);
		return -1;
	}
	if (len > YEDIT_MAX_INPUT) {
		log_error("'%s' is too large to edit (over %zu MiB)", file ? file : "-",
			  YEDIT_MAX_INPUT >> 20);
		return -1;
	}
	r = apply(&cx, edits, n, in, len, file, out);
	if (r == 1) { /* once more, creating only where the kind rule allows */
		struct yk_table kinds = cx.kinds;

		memset(&cx.kinds, 0, sizeof(cx.kinds));
		ctx_release(&cx);
		cx.kinds = kinds; /* decided: prepare() keeps it */
		r = apply(&cx, edits, n, in, len, file, out);
	}
	if (r != 0) {
		buf_truncate(out, before);
		goto out;
	}
	for (size_t e = 0; e < n; e++)
		if (cx.es[e].first_out != SIZE_MAX)
			edits[e].line = line_of(out->ptr + before, out->len - before,
						cx.es[e].first_out);
	/* equal lengths and len > 0: out->ptr is set (clang's analyzer
	 * does not follow that) */
	warn_retyped(&cx);
	if (differs)
		*differs = out->len - before != len ||
			   (len && memcmp(out->ptr + before, in, len) != 0); /* NOLINT(clang-analyzer-core.NonNullParamChecker) */
	rc = 0;
out:
	ctx_release(&cx);
	return rc;
}
