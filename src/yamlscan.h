/*
 * yamlscan: read a YAML buffer one document at a time and find where paths
 * lead.
 *
 * Each document is read from libyaml's event stream into a tree (nodes
 * with byte spans, children in document order, aliases kept as leaves and
 * never expanded), every path (yamlpath.h) is followed on that tree from
 * the root, the hits are reported, and the tree is dropped before the next
 * document: memory is bounded by the largest document, not by the file.
 * The tree is built from events rather than by yaml_parser_load(): that
 * loader refuses an anchor defined twice, which YAML allows, and forgets
 * the anchor names and alias positions the refusals below need.  Hits, in
 * document order (then the markers, in document order):
 *   YS_HIT_TARGET    the whole path resolved to this node (any type: the
 *                    editor refuses collections);
 *   YS_HIT_FRONTIER  the path resolved `depth` segments and stops at this
 *                    node (a missing key or element, a null, or a type that
 *                    does not fit): where the editor may create what is
 *                    missing;
 *   YS_HIT_ALIAS     the path meets an alias (never followed);
 *   YS_HIT_DUPKEY    a key the path needs appears twice in one mapping;
 *   YS_HIT_DUPMATCH  two elements of a sequence match one [key=value] selector;
 *   YS_HIT_MARKER    a scalar value (not a key) holds "<NAME>" for marker NAME.
 * Only hits on live paths count: a [key=value] selector that did not match
 * takes everything below it off the path.
 *
 * [key=value] on a sequence selects its elements (mappings) whose `key`
 * holds the scalar `value`.  On a mapping it is a filter: the path goes on
 * from that same mapping when its `key` holds `value`, and stops there
 * (a frontier with `got` set) when not.  A selector key that appears twice
 * in a mapping the selector is tried on is a YS_HIT_DUPKEY, whatever the
 * values (loaders differ on which one counts).
 *
 * Positions are byte offsets into the buffer (libyaml's marks count
 * characters and skip a BOM; the scan converts).  A block scalar's `end` is
 * the end of its last content line, not libyaml's end mark, which runs over
 * the blank lines after it; with keep chomping (`|+`, `>+`) those lines are
 * content, and `end` is the end of the last of them.
 *
 * Verification support: every event of a document is hashed (type, anchor,
 * tag, value, style, implicit flags; not positions) into a polynomial
 * fingerprint of that document, recorded with the document's byte range
 * (struct ys_doc).  Documents of a stream parse independently, so the
 * editor re-parses only the ranges it changed.  Scalars record
 * their ordinal and hash, so the fingerprint of a document with some of them
 * replaced can be computed without another pass (ys_fp_replace).  When
 * regions are given (text the editor wrote), a node inside a region is not
 * hashed: a region marked `replace` contributes one placeholder per node in
 * its place, others contribute nothing; the scan counts the nodes and events
 * inside each region and checks the value of a replaced scalar.
 *
 * Bounds: nesting deeper than YS_MAX_DEPTH is an error.  Aliases are never
 * expanded, but one without an anchor of its name before it in its document
 * is an error (libyaml's event parser allows it; YAML and its loaders do
 * not).  Errors are not printed: ys_run returns -1 and leaves a message
 * in `err` and the 1-based line in `err_line`.
 *
 * Hits are handed over per document (the on_doc callback) or collected for
 * the whole buffer.
 *
 * Ownership: struct ys_scan's hits (and their strings) and documents belong
 * to it until ys_release().
 */
#ifndef GB_YAMLSCAN_H
#define GB_YAMLSCAN_H

#include "yamlpath.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YS_MAX_DEPTH 512
#define YS_NONE ((size_t)-1)

enum ys_type { YS_SCALAR, YS_MAP, YS_SEQ, YS_ALIAS };

enum ys_role { YS_ROOT, YS_VALUE, YS_ITEM }; /* where a node sits in its parent */

enum ys_tag {
	YS_TAG_NONE,  /* no tag, or the non-specific "!" */
	YS_TAG_STR,   /* !!str */
	YS_TAG_OTHER, /* anything else: `tag` names it */
};

enum ys_style { /* scalars */
	YS_PLAIN, YS_SINGLE, YS_DOUBLE, YS_LITERAL, YS_FOLDED,
};

struct ys_node {
	enum ys_type type;
	enum ys_role role;
	enum ys_style style;   /* scalars */
	enum ys_tag tag_kind;
	char *tag;             /* the tag as written after resolution, or NULL */
	bool flow;             /* a flow collection */
	bool in_flow;          /* inside a flow collection */
	bool null;             /* an untagged plain "", "~", "null", "Null", "NULL" */
	bool has_merge;        /* mapping with a "<<" key */
	bool odd_keys;         /* mapping with an alias or a collection as a key */
	bool alias_key;        /* ... an alias: `seen` lists it as "*name" */
	bool map_items;        /* sequence whose items are all mappings */
	bool shared;           /* is or is inside an anchored node an alias uses */
	char *shared_anchor;   /* that anchor's name */
	size_t start;          /* the node, properties (anchor, tag) included */
	size_t body;           /* after the properties */
	size_t end;            /* scalars: end of the text (block: of the last content
				* line); flow collections: after the closing bracket;
				* block collections: end of their last leaf */
	size_t close;          /* flow collections: the closing bracket */
	size_t inner_end;      /* flow collections: end of their last entry */
	size_t blank_after;    /* block scalars: empty lines after the content */
	unsigned block_indent; /* block scalars: content column, 0 when empty */
	unsigned col;          /* column of `start` (characters) */
	int parent_col;        /* column of the enclosing block collection, -1 at root */
	unsigned item_col;     /* block sequences: column of the last mapping item */
	int seq_offset;        /* layout nearby, -1 unknown: a block sequence under a
				* key starts this many columns right of the key */
	int map_step;          /* ... a block mapping under a key this many */
	size_t count;          /* collections: entries or items */
	char *value;           /* scalars (may hold NUL bytes) */
	size_t len;
	char *seen;            /* for messages: keys of a mapping, or the selector
				* values found in a sequence's elements */
	uint64_t ordinal;      /* scalars: event number in the stream */
	uint64_t hash;         /* scalars: the event's hash */
};

enum ys_hit_kind {
	YS_HIT_TARGET, YS_HIT_FRONTIER, YS_HIT_ALIAS, YS_HIT_DUPKEY, YS_HIT_DUPMATCH,
	YS_HIT_MARKER,
};

struct ys_hit {
	enum ys_hit_kind kind;
	size_t edit;           /* path index (YS_HIT_MARKER: marker index) */
	size_t depth;          /* segments resolved to reach `node` */
	size_t doc;            /* 0-based document number */
	size_t err_off;        /* YS_HIT_DUP*: where the second one starts */
	bool below_sel;        /* an element selector ([key=value] on a sequence)
				* or [*] matched on the way to `node` */
	bool filter;           /* YS_HIT_DUPKEY: the key twice is a filter's */
	char *got;             /* YS_HIT_FRONTIER before a filter: the scalar the
				* mapping's selector key holds, or NULL */
	size_t got_len;
	struct ys_node node;
};

/* A document: its bytes (from the end of the previous one, up to the next
 * "---" or past its "..." line) and the fingerprint of its events. */
struct ys_doc {
	size_t start, end;
	uint64_t fp, events;
	uint64_t first;        /* ordinal of its first event in the stream */
};

struct ys_region {
	size_t start, end;     /* bytes of the scanned buffer */
	bool replace;          /* stands in for one node of the original */
	const char *value;     /* the scalar it holds, or NULL: not checked */
	size_t len;
	size_t nodes, events;  /* counted by the scan */
	bool value_ok;         /* set by the scan when `value` matched */
};

struct ys_scan {
	/* in */
	const struct ypath *paths;
	size_t npaths;
	const char *const *markers;  /* marker names */
	size_t nmarkers;
	struct ys_region *regions;   /* sorted by start, not overlapping */
	size_t nregions;
	uint64_t seed;               /* same seed: comparable fingerprints */
	bool lean;                   /* for checking only: YS_HIT_TARGET hits
				      * alone, without `seen`, `tag` or `shared`
				      * (other hits still keep a path from being
				      * a target) */
	/* When set, called at the end of every document with that document's
	 * hits (which are freed when it returns), so memory does not grow with
	 * the file; without it hits accumulate.  -1 stops the scan (the
	 * callback reports its own error; `err` stays empty). */
	int (*on_doc)(void *arg, struct ys_scan *s);
	void *arg;

	/* out */
	struct ys_hit *hits;
	size_t nhits, hits_alloc;
	struct ys_doc *docs;
	size_t ndocs, docs_alloc;
	int seq_offset;              /* layout seen first: a block sequence under a
				      * key starts this many columns right of it */
	int map_step;                /* a nested block mapping this many */
	char err[256];
	long err_line;
};

/* Scan `len` bytes.  0, or -1 with `err` set.  Either way, ys_release()
 * frees what the scan collected. */
int ys_run(struct ys_scan *s, const char *in, size_t len);

void ys_release(struct ys_scan *s);

/* A deep copy of a hit (its strings too); ys_hit_release frees one. */
int ys_hit_copy(struct ys_hit *dst, const struct ys_hit *src);
void ys_hit_release(struct ys_hit *h);

/* The fingerprint `fp` of a document of `events` events after its scalar
 * number `ordinal` (hash `old`) is replaced by a region's placeholder. */
uint64_t ys_fp_replace(uint64_t fp, uint64_t events, uint64_t seed, uint64_t ordinal,
		       uint64_t old);

#endif
