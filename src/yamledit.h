/*
 * yamledit: edit YAML the way a careful person would by hand, changing only
 * the targeted values and not one other byte.
 *
 * Model: git's config.c, which rewrites one value by copying the original
 * bytes around the replaced span.  The editor finds targets on a tree of
 * each document read from libyaml's event stream (yamlscan.h), splices new
 * text into a copy of the input, and re-parses the result before handing
 * it back.
 *
 * Edits, applied together in one call:
 *   YEDIT_SET     PATH=VALUE (yamlpath.h grammar).  In every document of the
 *                 stream where the path resolves, each target scalar gets
 *                 VALUE.  Where it does not, what is missing is created, if
 *                 the rules allow: at most the last YEDIT_MAX_CREATE segments
 *                 (a key whose value is null or empty counts as missing), new
 *                 [key=value] elements only below an element selector or [*]
 *                 that matched (anywhere with `create_element`), never [N]
 *                 or [*], never what a filter ([key=value] on a mapping)
 *                 asks for.  Without a [kind=...] selector, creation
 *                 follows the kind rule (yamlkind.h): only in documents of
 *                 the kinds where the target exists, else of the kind the
 *                 path fits deepest; a tie between kinds is refused.  Other
 *                 documents are left byte for byte.
 *                 The value's type follows the edit's `mode`
 *                 (yamlquote.h): by default a bool, int or float target
 *                 keeps its type when VALUE is a literal of it, and is
 *                 otherwise written as a string, with a warning.
 *   YEDIT_MARKER  NAME=VALUE: in every scalar value (not key) holding
 *                 "<NAME>...</NAME>", the text between the tags becomes VALUE
 *                 (every such pair in the scalar).  The article's manifests.
 *                 A VALUE holding "</NAME>" is refused (it would end the
 *                 marker early), and so is "<NAME>" without "</NAME>".
 * An edit that resolves nowhere is an error unless it is `optional`.
 *
 * What may change in the bytes: the target scalars' own text (the style is
 * kept when it can hold the value: see yamlquote.h), plus whole inserted
 * lines in block style (at the siblings' indentation, in the file's line
 * ending) or an inline insertion with its comma in a flow collection.
 * Comments, blank lines, quoting and indentation elsewhere, `---`/`...`,
 * a BOM, CRLF and a missing final newline all stay as they were.
 *
 * Refused, with an error naming the file and line, never done silently:
 * a path through an alias or a target that is one (aliases are never
 * expanded, so alias bombs cost nothing); a change inside an anchored node
 * that an alias shares; a missing key in a mapping with a merge key ("<<")
 * or a complex key, where the key may come from elsewhere, or with a key
 * written as an alias (the message says the key may be that alias); a key
 * the path needs appearing twice in a mapping, or two elements matching a
 * selector; a target that is a collection, or carries a tag other than
 * !!str; two edits giving one value different results; values that are
 * not UTF-8; an alias with no anchor of its name before it in its document
 * (as invalid YAML); a creation that fits documents of several kinds
 * equally (the message lists them and shows the [kind=X] form).
 *
 * Safety: before returning, the changed documents of the input and of the
 * output are parsed again, side by side.  Every event outside the written
 * text must be identical to the input's, the written text must hold
 * exactly the nodes it was meant to, and every target must read back the
 * new value.  If not, the call fails and `out` is not touched.
 *
 * Bounds: input up to YEDIT_MAX_INPUT bytes, values up to YEDIT_MAX_VALUE,
 * nesting up to YS_MAX_DEPTH, paths as in yamlpath.h.  Safe on arbitrary
 * bytes.
 *
 * Errors are reported once with log_error_at(file, line, ...) (or
 * log_error() when no line applies) and returned as -1.
 */
#ifndef GB_YAMLEDIT_H
#define GB_YAMLEDIT_H

#include "buf.h"
#include "yamlpath.h"
#include "yamlquote.h"

#include <stdbool.h>
#include <stddef.h>

#define YEDIT_MAX_INPUT ((size_t)32 << 20)
#define YEDIT_MAX_VALUE ((size_t)1 << 20)
#define YEDIT_MAX_EDITS 256
#define YEDIT_MAX_CREATE 3
#define YEDIT_MAX_MARKER 64

enum yedit_op {
	YEDIT_SET,    /* path = value */
	YEDIT_MARKER, /* <name>value</name> */
};

struct yedit {
	/* the edit (the caller's strings; borrowed for the call) */
	enum yedit_op op;
	const char *path;      /* YEDIT_SET */
	const struct ypath *parsed; /* YEDIT_SET: `path` parsed by the caller
				* (yamlpath.h), borrowed, or NULL: parsed here */
	const char *name;      /* YEDIT_MARKER: [A-Za-z0-9_.:-], 1..YEDIT_MAX_MARKER */
	const char *value;     /* UTF-8, value_len bytes (may hold NUL bytes) */
	size_t value_len;
	bool optional;         /* resolving nowhere is not an error */
	bool create_element;   /* YEDIT_SET: a missing [key=value] element may be
				* created anywhere (not only below a selector that
				* matched), and with it its sequence's key, as
				* `kustomize edit set image` adds `images[name=R]` */
	bool no_create;        /* YEDIT_SET: nothing is created; only existing
				* values are set (imagefind: a string of one
				* document, where another document of its kind
				* may lack the key) */
	enum yq_mode mode;     /* YEDIT_SET: the value's type (yamlquote.h); zero
				* is YQ_KEEP: an int, float or bool stays one */

	/* the report (set by yedit_apply, also when it fails) */
	size_t changed;        /* existing values given the new value */
	size_t unchanged;      /* values that held it already */
	size_t created;        /* values created (with what was missing above them) */
	long line;             /* 1-based line in the output of the first of them; 0: none */
	size_t retyped;        /* YQ_KEEP: ints, floats or bools given a value that
				* is no literal of their type, now strings (one
				* ::warning per edit says so) */
};

/*
 * Apply `n` edits to the `len` bytes at `in` and append the result to
 * `out`.  `file` names the input in messages ("deploy.yaml", "-").
 * *differs (when not NULL) tells whether the output differs from the input
 * at all.  0, or -1 (printed; `out` unchanged).
 */
int yedit_apply(struct buf *out, const char *in, size_t len, struct yedit *edits,
		size_t n, const char *file, bool *differs);

/* Check one edit's form (path syntax, marker name, value size and UTF-8)
 * without a file, so configuration errors surface before anything is read.
 * `what` names the source in messages ("--set", "input 'set'").  0, or -1
 * (printed). */
int yedit_check(const struct yedit *edit, const char *what);

#endif
