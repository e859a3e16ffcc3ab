/* yamledit: see yamledit.h. */
#include "yamledit.h"

#include "log.h"
#include "utf8.h"
#include "yamlkind.h"
#include "yamlpath.h"
#include "yamlquote.h"
#include "yamlscan.h"
#include "yamlsplice.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW 60        /* bytes of a value quoted in a message */
#define SEEN_MAX 160   /* bytes of keys or values listed in a message */
#define FOUND_MAX 12   /* values listed for a filter that matched nothing */

/* What stops a path at a frontier. */
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

/* A frontier, kept for the message when the edit resolves nowhere. */
struct missed {
	enum miss m;
	size_t depth;
	long line;
	enum ys_type type;
	bool null, merge, alias_key, odd_keys;
	size_t count;
	struct buf seen;       /* keys or selector values there, or the scalar */
};

struct edit_state {
	struct ypath path;     /* YEDIT_SET */
	size_t round;          /* the round it is applied in */
	size_t total;          /* targets found and created */
	size_t first_in;       /* input offset of the first target in its round */
	size_t first_ch;       /* ... or the change that created it */
	size_t first_out;      /* output offset (across rounds), SIZE_MAX: none */
	bool has_best;         /* the deepest miss */
	struct missed best;
	bool filter_missed;    /* a filter did not match: */
	size_t found_depth;    /* ... the deepest one's depth */
	char *found[FOUND_MAX]; /* ... what its key held there, each once */
	size_t nfound;
	bool more_found, found_key;
	long lost_line;        /* the first target whose type YQ_KEEP lost ... */
	enum yq_type lost_was; /* ... and the type it had */
};

struct hitref {
	size_t edit;
	struct ys_hit h;
};

struct written {
	size_t start, end;     /* output bytes of a region */
	size_t edit;           /* the edit it was written for */
};

struct ctx {
	const char *file;
	struct yedit *ed;
	struct edit_state *es;
	size_t n;
	const char *in;        /* this round's text */
	size_t len;
	size_t round;
	struct ypath *paths;   /* the live SET edits' paths, for pruning */
	size_t npaths;
	const struct ys_doc *d; /* the document being planned */
	struct hitref *hits;   /* its hits */
	size_t nhits, hits_alloc;
	struct ysp_change *ch;
	size_t nch, ch_alloc;
	struct ysp_span *spans;    /* documents with changes, in order */
	size_t nspans, spans_alloc;
	struct written *written; /* the text the previous round wrote (in this
				  * round's bytes), in order */
	size_t nwritten;
	struct buf texts;      /* the changes' new text, one after the other */
	struct buf vals;       /* the values regions must read back */
	unsigned step, seq_off; /* layout for created collections */
	bool seq_known;        /* seq_off is the file's, not the default */
	bool again;            /* plan the round again (deferral, kind rule) */
	bool kinds_again;      /* a refusal was put off until the kinds are known */
	bool markers;          /* some marker edit is live */
	struct yk_table kinds; /* the kind rule: where edits may create */
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

#define GROW(arr, n, alloc) buf_grow_array(&(arr), &(alloc), n, sizeof(*(arr)))

/* ---- text helpers ---- */

static bool is_break(char c)
{
	return c == '\n' || c == '\r';
}

static long at_line(const struct ctx *cx, size_t off)
{
	return ys_line(cx->in, cx->len, off);
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

static const struct ys_node *node(const struct ctx *cx, size_t i)
{
	return &cx->d->nodes[i];
}

/* ---- changes ---- */

/* Collections around node `n` (0: a document's root). */
static size_t nest_of(const struct ctx *cx, const struct ys_node *n)
{
	size_t k = 0;

	for (; n->parent != YS_NONE; n = node(cx, n->parent))
		k++;
	return k;
}

static struct ysp_change *new_change(struct ctx *cx, size_t start, size_t end)
{
	struct ysp_change *c;

	if (GROW(cx->ch, cx->nch, cx->ch_alloc) < 0) {
		no_memory(cx);
		return NULL;
	}
	c = &cx->ch[cx->nch];
	memset(c, 0, sizeof(*c));
	c->toff = cx->texts.len;
	c->start = start;
	c->end = end;
	c->old_at = YS_NONE;
	c->voff = cx->vals.len;
	c->span = cx->nspans;
	c->seq = cx->nch++;
	return c;
}

/* The text written since change `c` was made is its text; a region checks
 * that its last scalar reads `v`. */
static int end_text(struct ctx *cx, struct ysp_change *c, const char *v, size_t vl, bool literal)
{
	c->tlen = cx->texts.len - c->toff;
	c->region = true;
	ysp_expect(&cx->vals, v, vl);
	c->vlen = cx->vals.len - c->voff;
	c->literal = literal;
	if (buf_failed(&cx->texts))
		return buf_trouble(cx, &cx->texts);
	return buf_failed(&cx->vals) ? no_memory(cx) : 0;
}

static bool live(const struct ctx *cx, size_t e)
{
	return cx->es[e].round == cx->round;
}

/* ---- scalar text ---- */

/* Indentation steps near node `n`: as its surroundings do, else as the
 * file does, else 2. */
static unsigned map_step(const struct ctx *cx, const struct ys_node *n)
{
	return n->map_step > 0 ? (unsigned)n->map_step : cx->step;
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
static void scalar_text(struct ctx *cx, const struct ys_node *n, const char *v, size_t vl,
			bool literal, struct buf *t)
{
	const char *in = cx->in;
	struct yq_block b = { 0, "\n", "", 0, false };
	bool block = false, orig_block = n->style == YS_LITERAL || n->style == YS_FOLDED;
	enum yq_style st;

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
		block = next_indent(in, cx->len, n->end) < (int)b.indent;
	} else if (!n->in_flow) {
		size_t p = n->end, le = line_end(in, cx->len, n->end);

		while (p < le && (in[p] == ' ' || in[p] == '\t'))
			p++;
		b.indent = child_indent(cx, n);
		b.at_eof = le == cx->len;
		block = p == le && next_indent(in, cx->len, n->end) < (int)b.indent;
	}
	st = literal ? YQ_PLAIN : yq_choose(yq_of(n->style), v, vl, n->in_flow, block ? &b : NULL);
	if (n->body == n->end && (n->body == 0 || (in[n->body - 1] != ' ' && in[n->body - 1] != '\t')))
		buf_addc(t, ' ');
	yq_write(t, st, v, vl, &b);
	if (orig_block && st != YQ_LITERAL && st != YQ_FOLDED)
		buf_add(t, b.tail, b.tail_len);
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

		if (!o || !(c = memmem(o + ol, n - (size_t)(o + ol - v), close, cl)))
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

/* Does v hold "<name>"? */
static bool marker_in(const char *v, size_t n, const char *name)
{
	size_t k = strlen(name);

	for (const char *p = v; n && (p = memchr(p, '<', n - (size_t)(p - v))); p++)
		if ((size_t)(v + n - p) >= k + 2 && !memcmp(p + 1, name, k) && p[k + 1] == '>')
			return true;
	return false;
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
	size_t at = t->len;
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
	pairs = marker_replace(t, cx->in + n->body, n->end - n->body, ed->name, buf_cstr(&enc),
			       enc.len, raw_is_text);
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

static const char *type_name(enum ys_type t, bool null)
{
	switch (t) {
	case YS_MAP: return "a mapping";
	case YS_SEQ: return "a sequence";
	case YS_ALIAS: return "an alias";
	default: return null ? "null" : "a scalar";
	}
}

/* Errors that a hit of an edit raises, wherever the edit goes. */
static int refuse(struct ctx *cx, const struct hitref *r)
{
	const struct ys_hit *h = &r->h;
	const struct ypath *p = &cx->es[r->edit].path;
	const char *what = what_edit(cx, r->edit);
	struct buf pre = BUF_INIT;

	path_prefix(&pre, p, h->depth);
	if (h->kind == YS_HIT_ALIAS)
		log_error_at(cx->file, at_line(cx, node(cx, h->node)->b0), "cannot edit '%s': %s is "
			     "an alias; aliases are never followed (edit the anchored node instead)",
			     what, buf_cstr(&pre));
	else if (h->kind == YS_HIT_DUPKEY)
		log_error_at(cx->file, at_line(cx, h->err_off),
			     "cannot edit '%s': key '%s' appears twice in %s%s", what,
			     p->seg[h->depth].key, p->seg[h->depth].kind == YPATH_MATCH &&
			     !h->filter ? "an element of " : "", buf_cstr(&pre));
	else
		log_error_at(cx->file, at_line(cx, h->err_off),
			     "cannot edit '%s': two elements of %s have %s '%s'", what,
			     buf_cstr(&pre), p->seg[h->depth].key, p->seg[h->depth].value);
	buf_release(&pre);
	return -1;
}

/* A target must be a scalar without a tag other than !!str, outside any
 * anchored node an alias shares. */
static int check_target(struct ctx *cx, size_t e, const struct ys_node *n)
{
	const char *what = what_edit(cx, e), *shared = ys_shared(cx->d, n);

	if (n->type == YS_SCALAR && n->tagk != YS_TAG_OTHER && !shared)
		return 0;
	if (n->type != YS_SCALAR)
		log_error_at(cx->file, at_line(cx, n->b0), "cannot set '%s': it is %s, not a scalar",
			     what, type_name(n->type, n->null));
	else if (n->tagk == YS_TAG_OTHER)
		log_error_at(cx->file, at_line(cx, n->b0), "cannot set '%s': it has tag '%s'; only "
			     "strings are edited", what, ys_tag(cx->d, n));
	else
		log_error_at(cx->file, at_line(cx, n->b0), "cannot edit '%s': the value is inside "
			     "anchor '&%s', which aliases share", what, shared);
	return -1;
}

/* ---- targets ---- */

/* Scalar `n` as yamlquote sees it: a non-specific tag ("! 3", which the
 * reader reports as untagged) is found in the properties' bytes. */
static struct yq_scalar old_scalar(const struct ctx *cx, const struct ys_node *n)
{
	struct yq_scalar s = { ys_value(cx->d, n), n->vlen, yq_of(n->style), NULL };

	if (n->tagk == YS_TAG_STR)
		s.tag = "tag:yaml.org,2002:str";
	else if (n->tagk == YS_TAG_OTHER)
		s.tag = ys_tag(cx->d, n);
	for (size_t i = n->b0; !s.tag && i < n->body && i < cx->len; i++)
		if (cx->in[i] == '!' && (i == n->b0 || cx->in[i - 1] == ' ' || cx->in[i - 1] == '\t'))
			s.tag = "!";
	return s;
}

/* The typing of `v` written over scalar `n` in `mode` (a value yamlquote
 * refuses for YQ_TYPED was refused by check_value: a string then). */
static struct yq_typing typing(const struct ctx *cx, const struct ys_node *n, const char *v,
			       size_t len, enum yq_mode mode)
{
	struct yq_scalar old = old_scalar(cx, n);
	struct yq_typing ty;

	if (yq_type_value(&ty, &old, v, len, mode) < 0)
		ty.plain = false;
	return ty;
}

static void note_first(struct edit_state *es, size_t off, size_t ch)
{
	if (es->first_in == SIZE_MAX || off < es->first_in) {
		es->first_in = off;
		es->first_ch = ch;
	}
}

/* The other edit that wrote scalar `n` with another value than `ed`'s in
 * the previous round (an edit put off to this round sees that edit's
 * result), or SIZE_MAX. */
static size_t written_by(const struct ctx *cx, const struct ys_node *n, const struct yedit *ed)
{
	size_t lo = 0, hi = cx->nwritten;

	while (lo < hi) { /* the last one starting at or before the scalar */
		size_t mid = lo + (hi - lo) / 2;

		if (cx->written[mid].start <= n->body)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || n->body >= cx->written[lo - 1].end || &cx->ed[cx->written[lo - 1].edit] == ed ||
	    (n->vlen == ed->value_len && !memcmp(ys_value(cx->d, n), ed->value, n->vlen)))
		return SIZE_MAX;
	return cx->written[lo - 1].edit;
}

/* The value scalar `n` gets from the edits `g` (in edit order) in `val`;
 * *mode its type rule, *marker the marker when it is the only edit. */
static int new_value(struct ctx *cx, const struct ys_node *n, const struct hitref *g, size_t ng,
		     struct buf *val, const struct yedit **set, const struct yedit **marker)
{
	size_t markers = 0;
	long line;

	buf_add(val, ys_value(cx->d, n), n->vlen);
	for (size_t i = 0; i < ng; i++) {
		const struct yedit *ed = &cx->ed[g[i].edit];
		struct buf next = BUF_INIT;

		if (check_target(cx, g[i].edit, n) < 0)
			return -1;
		if (ed->op == YEDIT_SET && ((*set && (*set)->value_len != ed->value_len) ||
					    (*set && memcmp((*set)->value, ed->value, ed->value_len)) ||
					    markers || written_by(cx, n, ed) != SIZE_MAX)) {
			size_t other = markers || *set ? g[0].edit : written_by(cx, n, ed);

			line = at_line(cx, n->b0);
			log_error_at(cx->file, line, "edits '%s' and '%s' give the value at line %ld "
				     "different results", what_edit(cx, other), ed->path, line);
			return -1;
		}
		if (buf_failed(val))
			return no_memory(cx);
		if (ed->op == YEDIT_SET) {
			*set = ed;
			buf_reset(val);
			buf_add(val, ed->value, ed->value_len);
			continue;
		}
		if (*set) {
			line = at_line(cx, n->b0);
			log_error_at(cx->file, line, "edits '%s' and marker '%s' both change the value "
				     "at line %ld", (*set)->path, ed->name, line);
			return -1;
		}
		if (marker_replace(&next, buf_cstr(val), val->len, ed->name, ed->value,
				   ed->value_len, NULL) == 0) {
			/* "<name>" without "</name>": doing nothing would pass
			 * for success (an optional marker too) */
			buf_release(&next);
			line = at_line(cx, n->b0);
			log_error_at(cx->file, line, "marker '<%s>' at line %ld has no '</%s>' after it",
				     ed->name, line, ed->name);
			return -1;
		}
		buf_release(val);
		*val = next;
		*marker = markers++ ? NULL : ed;
	}
	return buf_failed(val) ? no_memory(cx) : 0;
}

/* One scalar and the edits that target it, in edit order. */
static int plan_scalar(struct ctx *cx, const struct hitref *g, size_t ng)
{
	const struct ys_node *n = node(cx, g[0].h.node);
	const struct yedit *set = NULL, *marker = NULL;
	struct buf val = BUF_INIT;
	struct yq_typing ty = { 0 };
	size_t chi = SIZE_MAX;
	int rc = -1, r = 1;

	if (new_value(cx, n, g, ng, &val, &set, &marker) < 0)
		goto out;
	ty = typing(cx, n, buf_cstr(&val), val.len, set ? set->mode : YQ_STRING);
	if (!yq_reads_as(n->style == YS_PLAIN, ys_value(cx->d, n), n->vlen, buf_cstr(&val),
			 val.len, ty.plain, n->in_flow)) {
		struct ysp_change *c = new_change(cx, n->body, n->end);

		if (!c)
			goto out;
		chi = c->seq;
		c->edit = g[0].edit;
		c->old_at = n->b0;
		c->nest = nest_of(cx, n);
		c->nodes = c->events = 1;
		c->in_flow = n->in_flow;
		if (marker)
			r = marker_inner(cx, n, marker, buf_cstr(&val), val.len, &cx->texts);
		if (r > 0)
			scalar_text(cx, n, buf_cstr(&val), val.len, ty.plain, &cx->texts);
		if ((r < 0 && no_memory(cx) < 0) ||
		    end_text(cx, c, buf_cstr(&val), val.len, ty.plain) < 0)
			goto out;
	}
	for (size_t i = 0; i < ng; i++) {
		struct edit_state *es = &cx->es[g[i].edit];
		struct yedit *ed = &cx->ed[g[i].edit];

		es->total++;
		*(chi == SIZE_MAX ? &ed->unchanged : &ed->changed) += 1;
		if (chi != SIZE_MAX && ty.lost && ed->retyped++ == 0) {
			es->lost_line = at_line(cx, n->b0);
			es->lost_was = ty.was;
		}
		note_first(es, n->body, chi);
	}
	rc = 0;
out:
	buf_release(&val);
	return rc;
}

static int cmp_hitref(const void *a, const void *b)
{
	const struct hitref *x = a, *y = b;

	if (x->h.node != y->h.node)
		return x->h.node < y->h.node ? -1 : 1;
	if (x->h.kind != y->h.kind)
		return x->h.kind < y->h.kind ? -1 : 1;
	return x->edit < y->edit ? -1 : x->edit > y->edit;
}

/* The targets (and markers) of the document, grouped by scalar (hits are
 * sorted by node). */
static int plan_targets(struct ctx *cx)
{
	size_t i, j;

	for (i = 0; i < cx->nhits; i = j) {
		for (j = i; j < cx->nhits && cx->hits[j].h.node == cx->hits[i].h.node &&
			    cx->hits[j].h.kind == YS_HIT_TARGET; j++)
			;
		if (j == i) {
			j = i + 1;
			continue;
		}
		if (plan_scalar(cx, cx->hits + i, j - i) < 0)
			return -1;
	}
	return 0;
}

/* ---- creation ---- */

static enum miss creatable(const struct ctx *cx, const struct hitref *r)
{
	const struct ys_node *n = node(cx, r->h.node);
	const struct ypath *p = &cx->es[r->edit].path;
	size_t d = r->h.depth, levels = p->n - d + (n->type == YS_SCALAR);
	enum ypath_kind next = p->seg[d].kind;
	bool below_sel = r->h.below_sel || cx->ed[r->edit].create_element;

	if (cx->ed[r->edit].no_create)
		return n->type == YS_MAP ? MISS_KEY : MISS_TYPE;
	if (n->type == YS_MAP && next != YPATH_KEY)
		return next == YPATH_MATCH ? MISS_FILTER : MISS_TYPE;
	if (n->type == YS_SEQ && next != YPATH_MATCH)
		return next == YPATH_KEY ? MISS_TYPE : next == YPATH_INDEX ? MISS_INDEX : MISS_EMPTY;
	if (n->type == YS_SEQ && !below_sel)
		return MISS_MATCH;
	if (n->type == YS_SEQ && n->count && !n->all_maps)
		return MISS_NOTMAPS;
	if (n->type == YS_SCALAR && n->role == YS_ROOT && n->null)
		return MISS_ROOT;
	if (n->type == YS_ALIAS || (n->type == YS_SCALAR && (!n->null || n->role != YS_VALUE ||
							   next == YPATH_INDEX || next == YPATH_ALL)))
		return MISS_TYPE;
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

/* Is the key the path needs at mapping `n` perhaps there, hidden behind a
 * merge key or written as an alias (which are never followed)? */
static bool key_hidden(const struct missed *m, const struct ypath *p)
{
	return m->type == YS_MAP && (m->merge || m->odd_keys) && m->depth < p->n &&
	       p->seg[m->depth].kind == YPATH_KEY;
}

static void append_seen(struct buf *b, const char *text, size_t n)
{
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

/* For messages: the keys of mapping `x` (an alias as "*name"), or what the
 * elements of sequence `x` hold under the key of `seg`, a [key=value]. */
static void list_seen(struct ctx *cx, struct buf *b, size_t x, const struct ypath_seg *seg)
{
	const struct ys_node *n = node(cx, x);

	for (size_t i = n->first; n->type == YS_MAP && i != YS_NONE; i = node(cx, i)->next) {
		const struct ys_node *k = node(cx, i);
		char name[42] = "*";

		if (k->type == YS_SCALAR) {
			append_seen(b, ys_value(cx->d, k), k->vlen);
		} else if (k->type == YS_ALIAS) {
			size_t an = k->vlen > 40 ? 40 : k->vlen;

			memcpy(name + 1, ys_value(cx->d, k), an);
			append_seen(b, name, an + 1);
		}
		if ((i = k->next) == YS_NONE)
			break;
	}
	for (size_t i = n->first; n->type == YS_SEQ && seg->kind == YPATH_MATCH && i != YS_NONE;
	     i = node(cx, i)->next) {
		size_t dup, v = node(cx, i)->type == YS_MAP
			? ys_get(cx->d, i, seg->key, seg->key_len, &dup) : YS_NONE;

		if (v != YS_NONE && node(cx, v)->type == YS_SCALAR)
			append_seen(b, ys_value(cx->d, node(cx, v)), node(cx, v)->vlen);
	}
}

/* What a message needs of the frontier `r` (miss `m`), into `out`. */
static int take_missed(struct ctx *cx, const struct hitref *r, enum miss m, struct missed *out)
{
	const struct ys_node *n = node(cx, r->h.node);

	buf_reset(&out->seen);
	out->m = m;
	out->depth = r->h.depth;
	out->line = at_line(cx, n->b0);
	out->type = n->type;
	out->null = n->null;
	out->merge = n->has_merge;
	out->alias_key = n->alias_key;
	out->odd_keys = n->odd_keys;
	out->count = n->count;
	if (n->type == YS_SCALAR)
		buf_add(&out->seen, ys_value(cx->d, n), n->vlen > SHOW ? SHOW + 1 : n->vlen);
	else
		list_seen(cx, &out->seen, r->h.node, &cx->es[r->edit].path.seg[r->h.depth]);
	return buf_failed(&out->seen) ? no_memory(cx) : 0;
}

/* "cannot edit 'P': 'a' has a key that is an alias ('*x'), ..." */
static int refuse_hidden(struct ctx *cx, size_t e, const struct missed *m)
{
	const char *key = cx->es[e].path.seg[m->depth].key;
	const char *alias = m->seen.len ? strchr(buf_cstr(&m->seen), '*') : NULL;
	struct buf pre = BUF_INIT;

	path_prefix(&pre, &cx->es[e].path, m->depth);
	if (m->merge || !m->alias_key || !alias)
		log_error_at(cx->file, m->line, "cannot edit '%s': %s has %s, so '%s' may come from "
			     "elsewhere; add it by hand", cx->ed[e].path, buf_cstr(&pre),
			     m->merge ? "a merge key ('<<')" : "a complex key", key);
	else
		log_error_at(cx->file, m->line, "cannot edit '%s': %s has a key that is an alias "
			     "('%.*s'), which may be '%s'; aliases are never followed: write that "
			     "key out", cx->ed[e].path, buf_cstr(&pre), (int)strcspn(alias, ","),
			     alias, key);
	buf_release(&pre);
	return -1;
}

/* Would check_frontier refuse to create at `r`? */
static bool frontier_refused(const struct ctx *cx, const struct hitref *r)
{
	const struct ys_node *n = node(cx, r->h.node);
	const struct ypath *p = &cx->es[r->edit].path;

	return (n->type == YS_MAP && (n->has_merge || n->odd_keys) && r->h.depth < p->n &&
		p->seg[r->h.depth].kind == YPATH_KEY) || ys_shared(cx->d, n) ||
	       (n->type == YS_SCALAR && n->tagk != YS_TAG_NONE);
}

/* Refusals that hold for a frontier where something would be created. */
static int check_frontier(struct ctx *cx, const struct hitref *r)
{
	const struct ys_node *n = node(cx, r->h.node);
	const char *shared = ys_shared(cx->d, n);
	struct missed m = { .seen = BUF_INIT };
	struct buf pre = BUF_INIT;
	int rc = -1;

	if (!frontier_refused(cx, r))
		return 0;
	if (n->type == YS_MAP && (n->has_merge || n->odd_keys) && !shared) {
		if (take_missed(cx, r, MISS_KEY, &m) == 0)
			refuse_hidden(cx, r->edit, &m);
		buf_release(&m.seen);
		return -1;
	}
	path_prefix(&pre, &cx->es[r->edit].path, r->h.depth);
	if (shared)
		log_error_at(cx->file, at_line(cx, n->b0), "cannot edit '%s': %s is inside anchor "
			     "'&%s', which aliases share", cx->ed[r->edit].path, buf_cstr(&pre),
			     shared);
	else
		log_error_at(cx->file, at_line(cx, n->b0), "cannot edit '%s': %s is null with a tag",
			     cx->ed[r->edit].path, buf_cstr(&pre));
	buf_release(&pre);
	return rc;
}

struct gen {
	const struct ypath *p;
	const struct yedit *ed;
	struct buf *t;
	const char *eol;
	unsigned step, seq_off; /* layout for nested collections */
	size_t events;
	int next_indent;      /* indentation of the line after it */
	bool at_eof;          /* the text will end the file without a line break */
	bool literal;         /* the value is written plain, as given */
	struct buf *vals;     /* the scalars written before the value
			       * (ysp_expect) */
};

/* Keys start lines, where "-" or "---" would mean something else. */
static void gen_key(struct gen *g, const char *k, size_t n, bool flow)
{
	enum yq_style st = n && k[0] != '-' ? YQ_PLAIN : YQ_SINGLE;

	yq_write(g->t, yq_choose(st, k, n, flow, NULL), k, n, NULL);
	ysp_expect(g->vals, k, n);
	g->events++;
}

static void gen_value(struct gen *g, bool flow, unsigned col)
{
	struct yq_block b = { col + g->step, g->eol, "", 0, g->at_eof };
	bool block = !flow && g->next_indent < (int)b.indent;

	yq_write(g->t, g->literal ? YQ_PLAIN : yq_choose(YQ_PLAIN, g->ed->value, g->ed->value_len,
							 flow, block ? &b : NULL),
		 g->ed->value, g->ed->value_len, &b);
	g->events++;
}

/* Segment i, a [key=value] element, as `key: value` (in a flow or block
 * collection). */
static void gen_pair(struct gen *g, size_t i, bool flow)
{
	const struct ypath_seg *s = &g->p->seg[i];

	gen_key(g, s->key, s->key_len, flow);
	buf_adds(g->t, ": ");
	yq_write(g->t, yq_choose(YQ_PLAIN, s->value, s->value_len, flow, NULL), s->value,
		 s->value_len, NULL);
	ysp_expect(g->vals, s->value, s->value_len);
	g->events += 3; /* the mapping's start and end, the value */
}

/* The gen_* functions recurse once per path segment they create: at most
 * YEDIT_MAX_CREATE deep. */
static void gen_block_entry(struct gen *g, size_t i, unsigned col);

/* Element [key=value] (segment i) of a block sequence, then the rest. */
static void gen_block_item(struct gen *g, size_t i, unsigned dash, unsigned item) /* NOLINT(misc-no-recursion) */
{
	add_spaces(g->t, dash);
	buf_addc(g->t, '-');
	add_spaces(g->t, item > dash + 1 ? item - dash - 1 : 1);
	gen_pair(g, i, false);
	buf_adds(g->t, g->eol);
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

/* Segment i in flow style: `key: ...` or `{key: value, ...}`. */
static void gen_flow(struct gen *g, size_t i) /* NOLINT(misc-no-recursion) */
{
	const struct ypath_seg *s = &g->p->seg[i];
	bool item = s->kind != YPATH_KEY;

	if (item) {
		buf_addc(g->t, '{');
		gen_pair(g, i, true);
		if (i + 1 < g->p->n)
			buf_adds(g->t, ", ");
	} else {
		gen_key(g, s->key, s->key_len, true);
		buf_adds(g->t, ": ");
		if (i + 1 == g->p->n) {
			gen_value(g, true, 0);
			return;
		}
		g->events += 2;
		buf_addc(g->t, g->p->seg[i + 1].kind == YPATH_KEY ? '{' : '[');
	}
	if (i + 1 < g->p->n)
		gen_flow(g, i + 1);
	buf_addc(g->t, item ? '}' : g->p->seg[i + 1].kind == YPATH_KEY ? '}' : ']');
}

/* Where created text goes at frontier `n`, and the change for it: a null
 * value is replaced (in block style: its text deleted, lines inserted
 * after its line).  NULL when out of memory. */
static struct ysp_change *creation_at(struct ctx *cx, const struct ys_node *n, bool flow, size_t *pos)
{
	struct ysp_change *c;

	if (n->type != YS_SCALAR) {
		*pos = flow ? (n->count ? n->inner_end : n->close) : line_after(cx->in, cx->len, n->end);
		if ((c = new_change(cx, *pos, *pos)))
			c->nest = nest_of(cx, n) + 1;
		return c;
	}
	*pos = flow ? n->body : line_after(cx->in, cx->len, n->end);
	if (!flow && n->body < n->end) {
		size_t del = n->body;

		while (n->body == n->b0 && del > 0 && (cx->in[del - 1] == ' ' || cx->in[del - 1] == '\t'))
			del--;
		if (!new_change(cx, del, n->end))
			return NULL;
	}
	if ((c = new_change(cx, *pos, flow ? n->end : *pos))) {
		c->old_at = n->b0;
		c->nest = nest_of(cx, n);
	}
	return c;
}

/* Lines inserted at `pos`: when the file ends there without a line break,
 * the text's last break moves to its front, so it still ends without one. */
static void end_lines(struct ctx *cx, struct gen *g, size_t t0, size_t pos)
{
	size_t el = strlen(g->eol);

	if (pos == cx->len && (pos == 0 || !is_break(cx->in[pos - 1])) && g->t->len - t0 >= el) {
		buf_truncate(g->t, g->t->len - el);
		buf_splice(g->t, t0, 0, g->eol, el);
	}
}

static void gen_block(struct gen *g, const struct ys_node *n, size_t d, struct ysp_change *c)
{
	unsigned col = (unsigned)(n->parent_col < 0 ? 0 : n->parent_col);

	if (n->type == YS_MAP) {
		c->col = n->col;
		gen_block_entry(g, d, n->col);
	} else if (n->type == YS_SEQ) {
		c->col = n->col;
		gen_block_item(g, d, n->col, n->item_col > n->col + 1 ? n->item_col : n->col + 2);
	} else {
		g->events += 2;
		c->col = col + 1; /* inside the null's key */
		if (g->p->seg[d].kind == YPATH_KEY)
			gen_block_entry(g, d, col + g->step);
		else
			gen_block_item(g, d, col + g->seq_off, col + g->seq_off + 2);
	}
}

static int create(struct ctx *cx, const struct hitref *r)
{
	const struct ys_node *n = node(cx, r->h.node);
	struct edit_state *es = &cx->es[r->edit];
	const struct yedit *ed = &cx->ed[r->edit];
	struct yq_scalar none = { NULL, 0, YQ_PLAIN, NULL };
	struct yq_typing ty;
	struct gen g = { &es->path, ed, &cx->texts, "\n", map_step(cx, n),
			 n->seq_offset >= 0 ? (unsigned)n->seq_offset : cx->seq_off, 0, -1, false,
			 false, &cx->vals };
	size_t d = r->h.depth, pos;
	bool flow = n->flow || n->in_flow;
	struct ysp_change *c = creation_at(cx, n, flow, &pos);

	if (!c)
		return -1;
	g.literal = yq_type_value(&ty, &none, ed->value, ed->value_len, ed->mode) == 0 && ty.plain;
	c->depth = d;
	c->edit = r->edit;
	if (ed->create_element && n->seq_offset < 0 && !cx->seq_known)
		g.seq_off = 0; /* as kustomize writes a list it adds */
	g.eol = eol_at(cx->in, cx->len, flow ? pos : n->end);
	if (flow) {
		bool sep = n->type != YS_SCALAR && n->count;
		bool space = n->type == YS_SCALAR && n->body == n->end &&
			     (n->body == 0 || cx->in[n->body - 1] != ' ');
		bool key = es->path.seg[d].kind == YPATH_KEY;

		buf_adds(g.t, sep ? ", " : space ? " " : "");
		if (n->type == YS_SCALAR) {
			buf_addc(g.t, key ? '{' : '[');
			g.events += 2;
		}
		gen_flow(&g, d);
		if (n->type == YS_SCALAR)
			buf_addc(g.t, key ? '}' : ']');
	} else {
		g.at_eof = pos == cx->len && (pos == 0 || !is_break(cx->in[pos - 1]));
		g.next_indent = next_indent(cx->in, cx->len, pos > 0 ? pos - 1 : 0);
		gen_block(&g, n, d, c);
		end_lines(cx, &g, c->toff, pos);
	}
	c->nodes = n->type == YS_MAP ? 2 : 1;
	c->events = g.events;
	c->in_flow = flow;
	if (end_text(cx, c, ed->value, ed->value_len, g.literal) < 0)
		return -1;
	es->total++;
	cx->ed[r->edit].created++;
	note_first(es, pos, c->seq);
	return 0;
}

/* Does creation `a` write where `b` (a target, or another creation at the
 * same node) does? */
static bool collides(const struct ctx *cx, const struct hitref *a, const struct hitref *b)
{
	const struct ypath_seg *sa = &cx->es[a->edit].path.seg[a->h.depth];
	const struct ypath_seg *sb = &cx->es[b->edit].path.seg[b->h.depth];

	if (node(cx, a->h.node)->b0 != node(cx, b->h.node)->b0)
		return false;
	if (b->h.kind == YS_HIT_TARGET || node(cx, a->h.node)->type == YS_SCALAR ||
	    node(cx, b->h.node)->type == YS_SCALAR)
		return true;
	if (sa->kind != sb->kind || sa->key_len != sb->key_len || memcmp(sa->key, sb->key, sa->key_len))
		return false;
	return sa->kind != YPATH_MATCH ||
	       (sa->value_len == sb->value_len && !memcmp(sa->value, sb->value, sa->value_len));
}

/* A SET hit that writes: a target, or a frontier where it may create. */
static bool writes(const struct ctx *cx, const struct hitref *r)
{
	return cx->ed[r->edit].op == YEDIT_SET && live(cx, r->edit) &&
	       (r->h.kind == YS_HIT_TARGET ||
		(r->h.kind == YS_HIT_FRONTIER && creatable(cx, r) == MISS_NONE &&
		 yk_allows(&cx->kinds, r->edit, cx->d->index)));
}

/*
 * Edits that would write the same thing at one node (two creations of one
 * key, or a creation replacing a null that another edit sets) cannot share
 * a round: the later edit goes to the next round, where it sees the
 * earlier one's result, and this round is planned again without it.
 * Hits are sorted by node (plan_targets).
 */
static void plan_deferrals(struct ctx *cx)
{
	struct hitref *h = cx->hits;

	for (size_t a = 1; a < cx->nhits; a++)
		for (size_t b = a; b-- > 0 && node(cx, h[b].h.node)->b0 >= node(cx, h[a].h.node)->b0;) {
			if (h[b].edit == h[a].edit || !writes(cx, &h[a]) || !writes(cx, &h[b]))
				continue;
			const struct hitref *early = h[b].edit < h[a].edit ? &h[b] : &h[a];
			const struct hitref *late = early == &h[a] ? &h[b] : &h[a];

			if (late->h.kind == YS_HIT_FRONTIER ? collides(cx, late, early)
			    : early->h.kind == YS_HIT_FRONTIER && collides(cx, early, late)) {
				cx->es[late->edit].round = cx->round + 1;
				cx->again = true;
			}
		}
}

/* A filter did not match at `r`: keep what its key held there, for the
 * message (the values at the deepest such miss, each once). */
static int note_found(struct ctx *cx, const struct hitref *r)
{
	struct edit_state *es = &cx->es[r->edit];
	const struct ys_node *got = r->h.got != YS_NONE ? node(cx, r->h.got) : NULL;
	const char *v = got ? ys_value(cx->d, got) : NULL;

	if (es->filter_missed && r->h.depth < es->found_depth)
		return 0;
	if (!es->filter_missed || r->h.depth > es->found_depth) {
		for (size_t i = 0; i < es->nfound; i++)
			free(es->found[i]);
		es->nfound = 0;
		es->more_found = es->found_key = false;
		es->filter_missed = true;
		es->found_depth = r->h.depth;
	}
	if (!got)
		return 0;
	es->found_key = true;
	for (size_t i = 0; i < es->nfound; i++)
		if (strlen(es->found[i]) == got->vlen && !memcmp(es->found[i], v, got->vlen))
			return 0;
	if (es->nfound == FOUND_MAX || memchr(v, '\0', got->vlen)) {
		es->more_found = true;
		return 0;
	}
	if (!(es->found[es->nfound] = strndup(v, got->vlen)))
		return no_memory(cx);
	es->nfound++;
	return 0;
}

/* Create what is missing at every creatable frontier; keep the deepest
 * miss of every edit for its message. */
static int plan_frontiers(struct ctx *cx)
{
	for (size_t i = 0; i < cx->nhits; i++) {
		const struct hitref *r = &cx->hits[i];
		struct edit_state *es = &cx->es[r->edit];
		enum miss m;

		if (r->h.kind != YS_HIT_FRONTIER)
			continue;
		if ((m = creatable(cx, r)) == MISS_FILTER && note_found(cx, r) < 0)
			return -1;
		if (m != MISS_NONE) {
			if ((!es->has_best || r->h.depth > es->best.depth) &&
			    take_missed(cx, r, m, &es->best) < 0)
				return -1;
			es->has_best = true;
			continue;
		}
		if (!yk_allows(&cx->kinds, r->edit, cx->d->index))
			continue; /* a document of another kind */
		if (!cx->kinds.decided && cx->kinds.ed[r->edit].limited && frontier_refused(cx, r)) {
			cx->kinds_again = true; /* perhaps a kind that may not create */
			continue;
		}
		if (check_frontier(cx, r) < 0 || create(cx, r) < 0)
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
	const struct missed *m = &cx->es[e].best;
	const struct ypath *p = &cx->es[e].path;
	const struct ypath_seg *s = &p->seg[m->depth];
	const char *seen = m->seen.len ? buf_cstr(&m->seen) : NULL;
	struct buf pre = BUF_INIT;

	path_prefix(&pre, p, m->depth);
	switch (m->m) {
	case MISS_KEY:
		buf_addf(msg, "%s has no key '%s'", buf_cstr(&pre), s->key);
		if (seen)
			buf_addf(msg, " (keys: %s)", seen);
		if (s->kind != YPATH_KEY || m->depth + 1 < p->n)
			buf_adds(msg, " and the rest cannot be created");
		break;
	case MISS_MATCH:
		buf_addf(msg, "no element of %s has %s '%s'", buf_cstr(&pre), s->key, s->value);
		buf_addf(msg, seen ? " (found: %s)" : " (none has a '%s')", seen ? seen : s->key);
		break;
	case MISS_INDEX:
		buf_addf(msg, "%s has %zu element%s, no [%lu]", buf_cstr(&pre), m->count,
			 m->count == 1 ? "" : "s", s->index);
		break;
	case MISS_EMPTY:
		buf_addf(msg, "%s has no elements", buf_cstr(&pre));
		break;
	case MISS_TYPE:
		buf_addf(msg, "%s is %s", buf_cstr(&pre), type_name(m->type, m->null));
		if (m->type == YS_SCALAR && !m->null)
			buf_addf(msg, " ('%.*s%s')", show_len(m->seen.len), buf_cstr(&m->seen),
				 ellipsis(m->seen.len));
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

/* Every edit of the round resolved somewhere, or is optional. */
static int check_resolved(struct ctx *cx, size_t ndocs)
{
	for (size_t e = 0; e < cx->n; e++) {
		struct edit_state *es = &cx->es[e];
		const struct yedit *ed = &cx->ed[e];
		struct buf msg = BUF_INIT;

		if (es->total || ed->optional || !live(cx, e))
			continue;
		if (ed->op == YEDIT_MARKER) {
			log_error_at(cx->file, 0, "no '<%s>' marker in '%s'", ed->name, cx->file);
			return -1;
		}
		if (es->has_best && key_hidden(&es->best, &es->path))
			return refuse_hidden(cx, e, &es->best);
		if (es->has_best)
			describe_miss(cx, e, &msg);
		else
			buf_adds(&msg, ndocs ? "no document has it" : "the file has no document");
		log_error_at(cx->file, es->has_best ? es->best.line : 0, "'%s' matches nothing: %s",
			     ed->path, buf_cstr(&msg));
		buf_release(&msg);
		return -1;
	}
	return 0;
}

/* ---- the kind rule (yamlkind.h) ---- */

/* A fresh table; the rule is decided at once (nothing to gather) unless
 * some edit has no [kind=...] and the stream may hold several documents
 * ("---" or "..." starting a line). */
static int kinds_start(struct ctx *cx)
{
	bool limited = false, multi;

	yk_release(&cx->kinds);
	if (yk_init(&cx->kinds, cx->n) < 0)
		return no_memory(cx);
	for (size_t e = 0; e < cx->n; e++) {
		cx->kinds.ed[e].limited = cx->ed[e].op == YEDIT_SET && yk_path_limited(&cx->es[e].path);
		limited |= cx->kinds.ed[e].limited;
	}
	multi = memmem(cx->in, cx->len, "\n---", 4) || memmem(cx->in, cx->len, "\n...", 4);
	cx->kinds.decided = !limited || !multi;
	return 0;
}

/* The document's kind, and what every limited edit finds in it. */
static int kinds_note(struct ctx *cx)
{
	const struct ys_node *root = cx->d->n ? node(cx, 0) : NULL;
	size_t dup, k = root && root->type == YS_MAP ? ys_get(cx->d, 0, "kind", 4, &dup) : YS_NONE;
	bool has = k != YS_NONE && node(cx, k)->type == YS_SCALAR && !node(cx, k)->null;

	if (yk_doc(&cx->kinds, has ? ys_value(cx->d, node(cx, k)) : NULL,
		   has ? node(cx, k)->vlen : 0) < 0)
		return no_memory(cx);
	for (size_t i = 0; i < cx->nhits; i++) {
		const struct hitref *r = &cx->hits[i];
		bool target = r->h.kind == YS_HIT_TARGET;

		if (!(target || (r->h.kind == YS_HIT_FRONTIER && creatable(cx, r) == MISS_NONE)))
			continue;
		if (yk_note(&cx->kinds, r->edit, cx->d->index, target, r->h.depth) < 0)
			return no_memory(cx);
	}
	return 0;
}

/* After the first round's planning pass gathered the kinds: decide.  0:
 * the plan stands; 1: plan again with the decisions; -1: a tie (reported). */
static int kinds_end(struct ctx *cx)
{
	size_t tie = yk_decide(&cx->kinds);
	struct buf list = BUF_INIT;
	const char *first = NULL, *path;

	if (tie == YK_NONE)
		return cx->kinds_again || yk_restricts(&cx->kinds);
	path = cx->ed[tie].path;
	if (yk_kinds_tied(&cx->kinds, tie, &list, &first) < 0)
		return buf_trouble(cx, &list);
	log_error_at(cx->file, 0, "cannot create '%s': documents of kinds %s fit it "
		     "equally; say which with '[kind=%s]%s%s'", path, buf_cstr(&list),
		     first ? first : "KIND", path[0] == '[' ? "" : ".", path);
	buf_release(&list);
	return -1;
}

/* ---- planning one document ---- */

static int add_hit(void *arg, const struct ys_doc *d, const struct ys_hit *h)
{
	struct ctx *cx = arg;

	(void)d;
	if (GROW(cx->hits, cx->nhits, cx->hits_alloc) < 0)
		return no_memory(cx);
	cx->hits[cx->nhits].edit = 0; /* set by the caller */
	cx->hits[cx->nhits++].h = *h;
	return 0;
}

/* The hits of every edit of this round and the later ones in the document
 * (markers as targets): the kind rule and the refusals look at all of
 * them, as if no edit were put off. */
static int gather(struct ctx *cx)
{
	cx->nhits = 0;
	for (size_t e = 0; e < cx->n; e++) {
		size_t h0 = cx->nhits;

		if (cx->es[e].round < cx->round || cx->ed[e].op != YEDIT_SET)
			continue;
		if (ys_follow(cx->d, &cx->es[e].path, add_hit, cx) < 0)
			return -1;
		for (size_t i = h0; i < cx->nhits; i++)
			cx->hits[i].edit = e;
	}
	for (size_t i = 0; cx->markers && i < cx->d->n; i++) {
		const struct ys_node *n = node(cx, i);

		for (size_t e = 0; n->type == YS_SCALAR && !n->key && e < cx->n; e++) {
			struct ys_hit h = { YS_HIT_TARGET, i, 0, YS_NONE, false, false, YS_NONE };

			if (cx->ed[e].op != YEDIT_MARKER || !live(cx, e) ||
			    !marker_in(ys_value(cx->d, n), n->vlen, cx->ed[e].name))
				continue;
			if (add_hit(cx, cx->d, &h) < 0)
				return -1;
			cx->hits[cx->nhits - 1].edit = e;
		}
	}
	return 0;
}

/*
 * Plan one document as the reader finishes it: refusals, deferrals,
 * targets, creations.  Stops the reader (-1 with cx->again) when an edit
 * was deferred: the round is planned again without it.
 */
static int plan_doc(void *arg, const struct ys_doc *d)
{
	struct ctx *cx = arg;
	size_t nch = cx->nch, k = 0;

	cx->d = d;
	cx->step = d->map_step > 0 ? (unsigned)d->map_step : 2;
	cx->seq_off = d->seq_offset >= 0 ? (unsigned)d->seq_offset : 2;
	cx->seq_known = d->seq_offset >= 0;
	if (gather(cx) < 0 || (!cx->kinds.decided && kinds_note(cx) < 0))
		return -1;
	for (size_t i = 0; i < cx->nhits; i++)
		if (cx->hits[i].h.kind >= YS_HIT_ALIAS)
			return refuse(cx, &cx->hits[i]);
	for (size_t i = 0; i < cx->nhits; i++) /* planned in this round */
		if (live(cx, cx->hits[i].edit))
			cx->hits[k++] = cx->hits[i];
	cx->nhits = k;
	if (cx->nhits)
		qsort(cx->hits, cx->nhits, sizeof(*cx->hits), cmp_hitref);
	plan_deferrals(cx);
	if (cx->again)
		return -1;
	if (plan_targets(cx) < 0 || plan_frontiers(cx) < 0)
		return -1;
	if (cx->nch == nch)
		return 0;
	if (GROW(cx->spans, cx->nspans, cx->spans_alloc) < 0)
		return no_memory(cx);
	cx->spans[cx->nspans++] = (struct ysp_span){ d->start, d->end };
	return 0;
}

/* ---- a round: plan, splice, verify ---- */

/* Forget what a planning pass of the round found. */
static void round_reset(struct ctx *cx)
{
	cx->nch = cx->nspans = cx->npaths = 0;
	cx->again = cx->kinds_again = cx->markers = false;
	buf_reset(&cx->texts);
	buf_reset(&cx->vals);
	for (size_t e = 0; e < cx->n; e++) {
		struct edit_state *es = &cx->es[e];
		struct yedit *ed = &cx->ed[e];

		es->first_in = es->first_ch = SIZE_MAX;
		if (!live(cx, e))
			continue;
		for (size_t i = 0; i < es->nfound; i++)
			free(es->found[i]);
		es->nfound = es->total = 0;
		es->has_best = es->filter_missed = es->more_found = es->found_key = false;
		ed->changed = ed->unchanged = ed->created = ed->retyped = 0;
		cx->markers |= ed->op == YEDIT_MARKER;
	}
	for (size_t e = 0; e < cx->n; e++) /* the later rounds' too: see gather */
		if (cx->ed[e].op == YEDIT_SET && cx->es[e].round >= cx->round)
			cx->paths[cx->npaths++] = cx->es[e].path;
}

static int read_failed(const struct ctx *cx, const char *err, long line)
{
	if (!strcmp(err, "out of memory"))
		log_error("out of memory reading '%s'", cx->file);
	else
		log_error_at(cx->file, line, "'%s' is not valid YAML: %s", cx->file, err);
	return -1;
}

/* Plan the round over cx->in, again as long as an edit is deferred or the
 * kind rule's decisions call for it.  0 or -1. */
static int plan_round(struct ctx *cx)
{
	for (;;) {
		struct ys_read r = { NULL, 0, false, plan_doc, cx, 0, false, "", 0 };
		int k;

		round_reset(cx);
		if (!cx->kinds.decided && kinds_start(cx) < 0)
			return -1;
		r.paths = cx->paths;
		r.npaths = cx->npaths;
		r.keep_all = cx->markers;
		if (ys_run(&r, cx->in, cx->len) < 0 && !cx->again)
			return r.stopped ? -1 : read_failed(cx, r.err, r.err_line);
		if (cx->again)
			continue;
		if (!cx->kinds.decided && (k = kinds_end(cx)) != 0) {
			if (k < 0)
				return -1;
			continue;
		}
		return check_resolved(cx, r.ndocs);
	}
}

/* This round's changes, for the splice and the check. */
static struct ysp_plan plan_of(struct ctx *cx)
{
	return (struct ysp_plan){ cx->file, cx->in, cx->len, cx->ch, cx->nch, cx->spans,
				  cx->nspans, &cx->texts, &cx->vals };
}

/* Output offsets of every edit's first target, carried across rounds. */
static void track_first(struct ctx *cx)
{
	struct ysp_plan pl = plan_of(cx);

	for (size_t e = 0; e < cx->n; e++) {
		struct edit_state *es = &cx->es[e];

		if (es->first_out != SIZE_MAX)
			es->first_out = ysp_map(&pl, es->first_out);
		if (es->first_in == SIZE_MAX)
			continue;
		if (es->first_ch != SIZE_MAX) {
			for (size_t i = 0; i < cx->nch; i++)
				if (cx->ch[i].seq == es->first_ch)
					es->first_out = cx->ch[i].out_start;
		} else {
			es->first_out = ysp_map(&pl, es->first_in);
		}
	}
}

/* What this round wrote, for the next one (written_by). */
static int note_written(struct ctx *cx)
{
	free(cx->written);
	cx->nwritten = 0;
	if (!(cx->written = calloc(cx->nch + 1, sizeof(*cx->written))))
		return no_memory(cx);
	for (size_t i = 0; i < cx->nch; i++)
		if (cx->ch[i].region)
			cx->written[cx->nwritten++] = (struct written){ cx->ch[i].out_start,
									cx->ch[i].out_end,
									cx->ch[i].edit };
	return 0;
}

/* Every round, each on the previous one's output; the result in `out`. */
static int run(struct ctx *cx, struct buf *out)
{
	struct buf cur = BUF_INIT, next = BUF_INIT;
	struct ysp_plan pl;
	bool more = true;
	int rc = -1;

	buf_init(&cur, YEDIT_MAX_INPUT * 2);
	buf_init(&next, YEDIT_MAX_INPUT * 2);
	for (cx->round = 0; more; cx->round++) {
		buf_reset(&next);
		if (plan_round(cx) < 0)
			goto out;
		pl = plan_of(cx);
		if (cx->nch && (ysp_apply(&pl, &next) < 0 || ysp_check(&pl, next.ptr, next.len) < 0))
			goto out;
		track_first(cx);
		if (note_written(cx) < 0)
			goto out;
		if (cx->nch) {
			struct buf t = cur;

			cur = next;
			next = t;
			cx->in = cur.ptr;
			cx->len = cur.len;
		}
		more = false;
		for (size_t e = 0; e < cx->n; e++)
			more |= cx->es[e].round > cx->round;
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
	const char *in = what ? " in " : "", *where = what ? what : "";
	char close[YEDIT_MAX_MARKER + 4];
	int cl = ed->op == YEDIT_MARKER ? snprintf(close, sizeof(close), "</%s>", ed->name) : 0;

	if (ed->value_len > YEDIT_MAX_VALUE)
		log_error("value for '%s'%s%s is over %zu KiB", name, in, where, YEDIT_MAX_VALUE >> 10);
	else if (!utf8_valid(ed->value, ed->value_len))
		log_error("value for '%s'%s%s is not valid UTF-8", name, in, where);
	else if (ed->op == YEDIT_SET && ed->mode == YQ_TYPED &&
		 !yq_typed_ok(ed->value, ed->value_len, NULL))
		log_error("value '%.*s%s' for '%s:='%s%s is not a bool, int or float that YAML 1.1 "
			  "and 1.2 read alike (true, 3, -1.5, ...): for a string write '%s=VALUE'",
			  show_len(ed->value_len), ed->value, ellipsis(ed->value_len), name,
			  in, where, name);
	/* a value holding "</name>" would end the marker early: it could not
	 * be read back, and the next edit would leave the rest behind */
	else if (cl > 0 && memmem(ed->value, ed->value_len, close, (size_t)cl))
		log_error("value for marker '%s'%s%s holds '%s', which would end the marker early",
			  name, in, where, close);
	else
		return 0;
	return -1;
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

static int prepare(struct ctx *cx)
{
	cx->es = calloc(cx->n + 1, sizeof(*cx->es));
	cx->paths = calloc(cx->n + 1, sizeof(*cx->paths));
	buf_init(&cx->texts, YEDIT_MAX_INPUT * 2);
	buf_init(&cx->vals, YEDIT_MAX_INPUT * 2);
	if (!cx->es || !cx->paths)
		return no_memory(cx);
	for (size_t e = 0; e < cx->n; e++) {
		cx->ed[e].changed = cx->ed[e].unchanged = cx->ed[e].created = cx->ed[e].retyped = 0;
		cx->ed[e].line = 0;
		cx->es[e].first_out = SIZE_MAX;
		if (check_edit(&cx->ed[e], NULL, &cx->es[e].path) < 0)
			return -1;
	}
	return 0;
}

static void ctx_release(struct ctx *cx)
{
	for (size_t e = 0; cx->es && e < cx->n; e++) {
		if (!cx->ed[e].parsed)
			ypath_release(&cx->es[e].path);
		for (size_t i = 0; i < cx->es[e].nfound; i++)
			free(cx->es[e].found[i]);
		buf_release(&cx->es[e].best.seen);
	}
	free(cx->es);
	free(cx->paths);
	free(cx->hits);
	free(cx->ch);
	free(cx->spans);
	free(cx->written);
	buf_release(&cx->texts);
	buf_release(&cx->vals);
	yk_release(&cx->kinds);
}

int yedit_apply(struct buf *out, const char *in, size_t len, struct yedit *edits,
		size_t n, const char *file, bool *differs)
{
	struct ctx cx;
	size_t before = out->len;
	int rc = -1;

	memset(&cx, 0, sizeof(cx));
	cx.file = file ? file : "-";
	cx.ed = edits;
	cx.n = n;
	cx.in = in ? in : "";
	cx.len = in ? len : 0;
	if (n > YEDIT_MAX_EDITS) {
		log_error("too many edits for '%s' (at most %d)", cx.file, YEDIT_MAX_EDITS);
		return -1;
	}
	if (len > YEDIT_MAX_INPUT) {
		log_error("'%s' is too large to edit (over %zu MiB)", cx.file, YEDIT_MAX_INPUT >> 20);
		return -1;
	}
	if (prepare(&cx) < 0 || run(&cx, out) < 0) {
		buf_truncate(out, before);
		goto out;
	}
	for (size_t e = 0; e < n; e++)
		if (cx.es[e].first_out != SIZE_MAX)
			edits[e].line = ys_line(out->ptr + before, out->len - before,
						cx.es[e].first_out);
	warn_retyped(&cx);
	/* equal lengths and len > 0: out->ptr is set (clang's analyzer
	 * does not follow that) */
	if (differs)
		*differs = out->len - before != len ||
			   (len && memcmp(out->ptr + before, in, len) != 0); /* NOLINT(clang-analyzer-core.NonNullParamChecker) */
	rc = 0;
out:
	ctx_release(&cx);
	return rc;
}
