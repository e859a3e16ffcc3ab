/*
 * yamlquote: write a string as a YAML scalar that every loader reads back as
 * exactly that string.
 *
 * The loaders that matter read YAML differently: go-yaml (kubectl, ArgoCD,
 * Helm) follows YAML 1.1, where y/n/yes/no/on/off are booleans and 1e3,
 * 0o17, 0x1F, 1_000, 190:20:30 and .inf are numbers; libyaml-based and
 * YAML 1.2 loaders follow the core schema.  A value is written plain only
 * when it is a string under both, and only when it holds nothing a plain
 * scalar cannot carry.  Characters that some loaders take as line breaks
 * (NEL U+0085, LS U+2028, PS U+2029) and every non-printable character are
 * only ever written escaped, in double quotes.
 *
 * Styles, simplest first: plain, single-quoted, literal block `|`, folded
 * block `>`, double-quoted.  yq_choose() keeps the style a scalar had when
 * the new value fits it and otherwise picks the simplest exact one, with
 * double quotes (which hold any string) as the last resort.  Quoted styles
 * are always written on one line.  Block styles need a line layout
 * (struct yq_block); they are never used in flow context or for keys.
 *
 * Types (yq_type_value): a value written over a plain int, float or bool
 * keeps that type when it is a literal of it that YAML 1.1 and 1.2 loaders
 * read alike; otherwise, over a string and where a key is created, it is a
 * string.  An edit may force either (enum yq_mode).
 *
 * Values are UTF-8; callers check with utf8_valid() (utf8.h) first (YAML cannot
 * hold other bytes).  No function here prints anything.
 */
#ifndef GB_YAMLQUOTE_H
#define GB_YAMLQUOTE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

enum yq_style {
	YQ_PLAIN,
	YQ_SINGLE,
	YQ_DOUBLE,
	YQ_LITERAL,
	YQ_FOLDED,
};

/*
 * Where a block scalar goes.  The written text starts at the indicator
 * (`|`) and ends at the end of its last content line, without that line's
 * break: the file supplies what follows.  Keep chomping (`|+`, `>+`) is
 * never written: its value would end with whatever empty lines the file
 * has after it, bytes the writer does not own (a later edit of those lines
 * would change the value).  A value ending in two or more line breaks is
 * written in double quotes.
 */
struct yq_block {
	unsigned indent;      /* content column, >= 1 */
	const char *eol;      /* the line break to write ("\n" or "\r\n") */
	const char *tail;     /* bytes kept after the header: spaces, a comment */
	size_t tail_len;
	bool at_eof;          /* the text ends the file (no line break after it) */
};

/* What a loader makes of a scalar, as far as an edit cares.  A timestamp,
 * or anything else that is not one of these, counts as a string. */
enum yq_type {
	YQ_T_STR,
	YQ_T_NULL,
	YQ_T_BOOL,
	YQ_T_INT,
	YQ_T_FLOAT,
};

/* How a SET edit types the value it writes (the edit's `mode`). */
enum yq_mode {
	YQ_KEEP,   /* PATH=VALUE: over a plain bool, int or float, a literal of
		    * that type (for a float: of a number) stays one, anything
		    * else becomes a string (and `lost` says so); over a string or
		    * where a key is created, a string */
	YQ_STRING, /* --set-string PATH=VALUE, input set-string: always a string */
	YQ_TYPED,  /* PATH:=VALUE: the value is a bool, int or float literal
		    * (yq_typed_ok) and is written as one, whatever was there */
};

/* The scalar a value is written over.  `text` NULL: there is none (the
 * key is created).  `tag` as libyaml reports it: NULL (none), "!" (the
 * non-specific tag: a string) or a full tag ("tag:yaml.org,2002:int"). */
struct yq_scalar {
	const char *text;
	size_t len;
	enum yq_style style;
	const char *tag;
};

/* The decision for one value. */
struct yq_typing {
	bool plain;          /* write the value plain and as given: it is a
			      * literal of `type` for YAML 1.1 and 1.2 alike */
	enum yq_type type;   /* what loaders will read */
	enum yq_type was;    /* what the old scalar was (YQ_T_NULL: none) */
	bool lost;           /* YQ_KEEP turned a bool, int or float into a string */
};

/* Can `v` be written as a plain scalar that loads as this string under
 * YAML 1.1 and 1.2?  `flow`: inside a flow collection.  A value starting
 * with "-x" passes (it is never at the start of a line); a key must not. */
bool yq_plain_ok(const char *v, size_t n, bool flow);

/* Does a scalar holding `got` (`plain`: in plain style) read as `v` for
 * every loader: the same text, and plain when `literal` (a typed literal
 * written as one), else a string (plain only where yq_plain_ok holds:
 * plain 1 is the integer 1)?  The editor's one definition of "already
 * holds the value", and of "reads back" after a write. */
bool yq_reads_as(bool plain, const char *got, size_t gl, const char *v, size_t len,
		 bool literal, bool in_flow);

/* Can `v` be written single-quoted on one line? */
bool yq_single_ok(const char *v, size_t n);

/* Can `v` be written in block style `st` (YQ_LITERAL or YQ_FOLDED) at `b`? */
bool yq_block_ok(enum yq_style st, const char *v, size_t n, const struct yq_block *b);

/* The style for `v`: `prefer` when it can hold `v`, else the simplest style
 * that can.  `b` NULL: no block style possible here (flow context, a key, a
 * line that goes on after the scalar). */
enum yq_style yq_choose(enum yq_style prefer, const char *v, size_t n, bool flow,
			const struct yq_block *b);

/* Append `v` written in style `st` (which must be able to hold it; `b` is
 * needed for block styles).  0, or -1 with the buffer failed. */
int yq_write(struct buf *out, enum yq_style st, const char *v, size_t n,
	     const struct yq_block *b);

/* The type loaders give scalar `s` (plain and untagged: YAML 1.2's core
 * schema, else YAML 1.1's; an int or float under either counts as such,
 * so does a 1.1 bool like `yes`). */
enum yq_type yq_type_of(const struct yq_scalar *s);

/* Is `v` a literal that YAML 1.1 and 1.2 loaders read as the same bool,
 * int (decimal, in 64 bits) or float?  *type (when not NULL) says which. */
bool yq_typed_ok(const char *v, size_t n, enum yq_type *type);

/*
 * How to write `v` over `old` (or where a key is created: old->text NULL)
 * under `mode`: see enum yq_mode.  When `out->plain` is false the value is
 * a string, written in a style yq_choose() picks.  0, or -1 for YQ_TYPED
 * with a `v` that yq_typed_ok() refuses (callers check that first).
 */
int yq_type_value(struct yq_typing *out, const struct yq_scalar *old, const char *v, size_t n,
		  enum yq_mode mode);

/* "string", "null", "bool", "int", "float". */
const char *yq_type_name(enum yq_type t);

/* Append the escaped inside of a double-quoted scalar (no quotes). */
int yq_escape_double(struct buf *out, const char *v, size_t n);

/* Append the inside of a single-quoted scalar (no quotes): each ' doubled. */
int yq_escape_single(struct buf *out, const char *v, size_t n);

#endif
