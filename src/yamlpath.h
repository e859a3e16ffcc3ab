/*
 * yamlpath: the path grammar of `gitops-bump edit` and the patch mode's
 * `set` input.
 *
 *   path     := first rest*
 *   first    := key | selector
 *   rest     := '.' key | selector
 *   key      := bare | quoted
 *   bare     := [A-Za-z0-9_-]+
 *   quoted   := '"' ( any byte but '"' and '\' | '\"' | '\\' | '\x' hex hex )* '"'
 *                                         (\xHH: a control character, 00-1F or 7F)
 *   selector := '[' digits ']'            the Nth element (0-based) of a sequence
 *             | '[*]'                     every element of a sequence
 *             | '[' key '=' value ']'     on a sequence: the elements (mappings)
 *                                         whose `key` holds the scalar `value`;
 *                                         on a mapping: that mapping itself, if
 *                                         its `key` holds `value` (a filter)
 *   value    := quoted | one or more bytes but ']' and '"'
 *
 * Examples: `spec.replicas`, `metadata.annotations."app.kubernetes.io/name"`,
 * `spec.template.spec.containers[name=app].image`, `items[0].value`,
 * `spec.template.spec.containers[*].image`, `[kind=Service].spec.type`.
 * What a selector means depends on the node it meets, so this module only
 * parses (yamlscan.h resolves).
 *
 * A path is at most YPATH_MAX_LEN bytes and YPATH_MAX_SEGS segments, valid
 * UTF-8, without control characters (a key or value holding one is written
 * quoted with \xHH, as ypath_format_key() does).  ypath_parse() stops at the first '='
 * or ':=' outside quotes and brackets, so `--set PATH=VALUE` and the typed
 * `--set PATH:=VALUE` split there (a key ending in ':' is quoted).
 *
 * Errors are reported once with log_error() ("bad path 'P' in WHAT: ...")
 * and returned as -1.  Safe on arbitrary bytes.
 *
 * Ownership: a parsed path owns its segments' strings; ypath_release()
 * frees them.  A zeroed struct (YPATH_INIT) is an empty path.
 */
#ifndef GB_YAMLPATH_H
#define GB_YAMLPATH_H

#include "buf.h"
#include "yamlquote.h"

#include <stdbool.h>
#include <stddef.h>

#define YPATH_MAX_LEN 1024
#define YPATH_MAX_SEGS 64
#define YPATH_MAX_INDEX 100000000UL

enum ypath_kind {
	YPATH_KEY,   /* a mapping key: key */
	YPATH_INDEX, /* [N]: index */
	YPATH_ALL,   /* [*] */
	YPATH_MATCH, /* [key=value]: key, value */
};

struct ypath_seg {
	enum ypath_kind kind;
	char *key;            /* KEY, MATCH: NUL-terminated, key_len bytes */
	size_t key_len;
	char *value;          /* MATCH: NUL-terminated, value_len bytes */
	size_t value_len;
	unsigned long index;  /* INDEX */
};

struct ypath {
	struct ypath_seg *seg;
	size_t n;
};

#define YPATH_INIT { NULL, 0 }

/*
 * Parse the path at the start of `s`.  Parsing stops at the end of the
 * string or at a '=' or ':=' outside quotes and brackets; *end (when not
 * NULL) is set to that point.  `what` names the source in errors ("--set", "input
 * 'set' line 2"), or NULL.  0, or -1 (printed; *p left empty).
 */
int ypath_parse(struct ypath *p, const char *s, const char **end, const char *what);

void ypath_release(struct ypath *p);

/*
 * The value of `PATH=VALUE` after the '=' or ':=' at `end` (where
 * ypath_parse() stopped) and the type its form asks for (yamlquote.h):
 *   PATH:=VALUE                  YQ_TYPED: a bool, int or float
 *   PATH="VALUE", PATH='VALUE'   YQ_STRING: the quotes are syntax, the text
 *                                between them is the value, as is
 *   PATH=VALUE                   YQ_KEEP: the target's type where it can
 */
void ypath_value(const char *end, const char **value, size_t *len, enum yq_mode *mode);

/* Append the first `n` segments in canonical form (keys quoted only when
 * they must be).  0, or -1 with the buffer failed. */
int ypath_format(struct buf *out, const struct ypath *p, size_t n);

/* Append one key as the grammar writes it (bare when it can be). */
int ypath_format_key(struct buf *out, const char *key, size_t len);

/* Append `len` bytes of `s` as a quoted key or selector value ("...",
 * with \", \\ and \xHH for control characters).  buf's result. */
int ypath_format_quoted(struct buf *out, const char *s, size_t len);

#endif
