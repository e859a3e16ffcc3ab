/*
 * yamlscan: read a YAML buffer one document at a time into a tree, and
 * follow paths on that tree.
 *
 * Two layers.  ys_iter walks libyaml's event stream with every position
 * in bytes (libyaml's marks count characters and skip a BOM; the iterator
 * converts) and a block scalar's true extent: its end is the end of its
 * last content line, not libyaml's end mark, which runs over the blank
 * lines after it; with keep chomping (`|+`, `>+`) those lines are content,
 * and the end is the end of the last of them.  The editor's verification
 * runs two iterators side by side.
 *
 * ys_run builds each document's tree from those events (not by
 * yaml_parser_load(): that loader refuses an anchor defined twice, which
 * YAML allows, and forgets anchor names and alias positions), hands it to
 * the on_doc callback, and drops it before the next document: memory is
 * bounded by the largest document, not by the file.  Aliases stay leaves,
 * never expanded; an alias without an anchor of its name before it in its
 * document is an error (libyaml's event parser allows it; YAML and its
 * loaders do not).  A collection no path can enter (no key of any path
 * names it, no path selects elements) is counted but its children are not
 * kept, unless `keep_all` (markers look at every scalar).
 *
 * ys_follow follows one path from a document's root and reports, depth
 * first in document order:
 *   YS_HIT_TARGET    the whole path resolved to this node (any type);
 *   YS_HIT_FRONTIER  the path resolved `depth` segments and stops at this
 *                    node (a missing key or element, a null, or a type that
 *                    does not fit): where the editor may create;
 *   YS_HIT_ALIAS     the path meets an alias (never followed);
 *   YS_HIT_DUPKEY    a key the path needs appears twice in one mapping
 *                    (`err_off`: where the second one is);
 *   YS_HIT_DUPMATCH  two elements of a sequence match one [key=value].
 * [key=value] on a sequence selects its elements (mappings) whose `key`
 * holds the scalar `value`; on a mapping it is a filter: the path goes on
 * from that same mapping when its `key` holds `value`, and stops there (a
 * frontier, `got` the node the key held) when not.
 *
 * Bounds: nesting deeper than YS_MAX_DEPTH is an error.  Errors are not
 * printed: -1 with a message in `err` and the 1-based line in `err_line`
 * ("out of memory" when an allocation failed).
 *
 * Ownership: a struct ys_doc and its nodes belong to ys_run and live until
 * the callback returns; the iterator owns its current event until the next
 * ys_iter_next or ys_iter_release.
 */
#ifndef GB_YAMLSCAN_H
#define GB_YAMLSCAN_H

#include "yamlpath.h"

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define YS_MAX_DEPTH 512
#define YS_NONE ((size_t)-1)

enum ys_type { YS_SCALAR, YS_MAP, YS_SEQ, YS_ALIAS };

enum ys_role { YS_ROOT, YS_VALUE, YS_ITEM }; /* where a node sits in its parent */

enum ys_tag {
	YS_TAG_NONE,  /* no tag, or the non-specific "!" */
	YS_TAG_STR,   /* !!str */
	YS_TAG_OTHER, /* anything else */
};

enum ys_style { /* scalars */
	YS_PLAIN, YS_SINGLE, YS_DOUBLE, YS_LITERAL, YS_FOLDED,
};

struct ys_node {
	enum ys_type type;
	enum ys_role role;
	enum ys_style style;   /* scalars */
	enum ys_tag tagk;
	bool flow;             /* a flow collection */
	bool in_flow;          /* inside a flow collection */
	bool key;              /* a mapping's key */
	bool null;             /* an untagged plain "", "~", "null", "Null", "NULL" */
	bool has_merge;        /* mapping with a "<<" key */
	bool odd_keys;         /* mapping with an alias or a collection as a key */
	bool alias_key;        /* ... an alias */
	bool all_maps;         /* sequence whose items are all mappings */
	bool pruned;           /* collection whose children were not kept */
	unsigned col;          /* column of `body` (characters) */
	unsigned item_col;     /* block sequences: column of the last mapping item */
	unsigned block_indent; /* block scalars: content column, 0 when empty */
	int indent;            /* column of the nearest block collection */
	int parent_col;        /* ... of the enclosing one, -1 at the root */
	int seq_offset;        /* layout nearby, -1 unknown: a block sequence under a
				* key starts this many columns right of the key */
	int map_step;          /* ... a block mapping under a key this many */
	size_t parent, first, last, next; /* the tree; YS_NONE: none */
	size_t b0;             /* the node, properties (anchor, tag) included */
	size_t body;           /* after the properties */
	size_t end;            /* scalars: end of the text (block: see above); flow
				* collections: after the closing bracket; block
				* collections: end of their last leaf */
	size_t close;          /* flow collections: the closing bracket */
	size_t inner_end;      /* collections: end of their last entry */
	size_t blank_after;    /* block scalars: empty lines after the content */
	size_t count;          /* collections: entries or items */
	size_t kids;           /* collections: children, keys too */
	size_t voff, vlen;     /* scalars: value; aliases: name (in ys_doc.text) */
	size_t toff;           /* a tag other than !!str, in ys_doc.text, or YS_NONE */
};

struct ys_anchor {         /* an anchor that an alias of the document uses */
	size_t start, end;
	char *name;
};

struct ys_doc {
	size_t index;          /* 0-based */
	size_t start, end;     /* its bytes: from the end of the previous one to the
				* next "---", or past its "..." line */
	const struct ys_node *nodes; /* nodes[0] is the root */
	size_t n;
	const char *text;      /* values, alias names and tags */
	const struct ys_anchor *shared; /* outermost used anchors, in order */
	size_t nshared;
	int seq_offset;        /* the file's first layout so far (-1: none seen): */
	int map_step;          /* as in struct ys_node */
};

/* libyaml's events with byte positions. */
struct ys_iter {
	yaml_parser_t parser;
	yaml_event_t ev;       /* the current event */
	bool has_ev;
	size_t b0, b1;         /* its bytes (block collection ends: 0) */
	size_t body;           /* nodes: after the properties */
	unsigned col;          /* nodes: column of `body` (characters) */
	size_t blank_after;    /* block scalars: as in struct ys_node */
	unsigned block_indent;
	const unsigned char *in;
	size_t len, base, idx, off, run_lo, run_hi; /* mark conversion */
	int indent[YS_MAX_DEPTH + 1]; /* open collections: block column */
	bool flow[YS_MAX_DEPTH + 1];
	size_t depth;
	char err[256];
	long err_line;
};

/* Start reading `len` bytes (UTF-16/32 refused, a BOM skipped).  0 or -1;
 * ys_iter_release either way. */
int ys_iter_init(struct ys_iter *it, const char *in, size_t len);

/* The next event: 1, 0 after the stream's end, or -1. */
int ys_iter_next(struct ys_iter *it);

void ys_iter_release(struct ys_iter *it);

struct ys_read {
	/* in */
	const struct ypath *paths; /* what may be followed (for pruning) */
	size_t npaths;
	bool keep_all;             /* keep every node */
	int (*on_doc)(void *arg, const struct ys_doc *d); /* -1 stops (it reports) */
	void *arg;
	/* out */
	size_t ndocs;
	bool stopped;              /* on_doc returned -1 */
	char err[256];
	long err_line;
};

/* Read `len` bytes, calling on_doc for each document.  0, or -1 with
 * `err` set (or `stopped`). */
int ys_run(struct ys_read *r, const char *in, size_t len);

/* The value (or alias name) of a node, and the tag of one with YS_TAG_OTHER. */
const char *ys_value(const struct ys_doc *d, const struct ys_node *n);
const char *ys_tag(const struct ys_doc *d, const struct ys_node *n);

/* The anchor an alias shares that node `n` is inside (its own counts), or
 * NULL. */
const char *ys_shared(const struct ys_doc *d, const struct ys_node *n);

/* Does node `i` hold the scalar `s` (`len` bytes)? */
bool ys_holds(const struct ys_doc *d, size_t i, const char *s, size_t len);

/* The value of mapping `m`'s first key `k` (YS_NONE: none); *again is
 * the key's second appearance (a node, YS_NONE: none). */
size_t ys_get(const struct ys_doc *d, size_t m, const char *k, size_t kl, size_t *again);

enum ys_hit_kind {
	YS_HIT_TARGET, YS_HIT_FRONTIER, YS_HIT_ALIAS, YS_HIT_DUPKEY, YS_HIT_DUPMATCH,
};

struct ys_hit {
	enum ys_hit_kind kind;
	size_t node;
	size_t depth;          /* segments resolved to reach `node` */
	size_t err_off;        /* YS_HIT_DUP*: where the second one starts */
	bool below_sel;        /* an element selector or [*] matched on the way */
	bool filter;           /* YS_HIT_DUPKEY: the key twice is a filter's */
	size_t got;            /* frontier before a filter: the node its key holds */
};

/* Follow `p` in `d`, calling `fn` for each hit; the first -1 it returns
 * stops the walk and is returned. */
int ys_follow(const struct ys_doc *d, const struct ypath *p,
	      int (*fn)(void *arg, const struct ys_doc *d, const struct ys_hit *h), void *arg);

/* The 1-based line of byte `off` (at most `len`) of `in`: for messages
 * (a scan of the text). */
long ys_line(const char *in, size_t len, size_t off);

#endif
