/*
 * yamlkind: the kind rule, which documents of a stream a path may create
 * keys (or elements) in.
 *
 * A path without a [kind=...] filter is tried in every document, but
 * creating what is missing in documents of the wrong kind makes fields the
 * API server rejects (`spec.source` grown into a Namespace).  So, per edit:
 *   - where the target exists in some documents, creation happens only in
 *     documents of those documents' kinds;
 *   - where it exists nowhere, only in documents of the kind whose existing
 *     part of the path reaches deepest among the documents where creation
 *     is possible at all (the Deployment, not the Service, for a
 *     pod-template annotation);
 *   - when documents of several kinds tie there, the edit is ambiguous and
 *     the caller refuses it, naming the kinds (yk_kinds_tied).
 * A document without a scalar `kind` counts as a kind of its own.  Files of
 * one kind behave as without the rule.
 *
 * Use: yk_init; for each document in order yk_doc, then yk_note for what
 * each limited edit found there; yk_decide once; then yk_allows while
 * creating.  Until yk_decide, everything is allowed (the editor plans its
 * first round while it gathers, and plans again only when yk_restricts
 * says the decisions change something).
 *
 * Ownership: the table owns copies of the kind names until yk_release.
 * Nothing here prints; -1 means out of memory.
 */
#ifndef GB_YAMLKIND_H
#define GB_YAMLKIND_H

#include "buf.h"
#include "yamlpath.h"

#include <stdbool.h>
#include <stddef.h>

#define YK_NONE ((size_t)-1)

struct yk_stat {          /* one kind, for one edit */
	size_t kind;
	bool target;          /* the target exists in a document of this kind */
	bool creatable;       /* ... or it could be created in one, */
	size_t depth;         /* ... reaching this many segments at the deepest */
	bool allow;           /* yk_decide: creation allowed here */
};

struct yk_edit {
	bool limited;         /* the rule applies (no [kind=...] in the path) */
	struct yk_stat *st;
	size_t n, alloc;
};

struct yk_table {
	char **names;         /* the kinds seen; NULL for "no kind" */
	size_t *name_len;
	size_t nnames, names_alloc;
	size_t *doc;          /* per document: its kind's index */
	size_t ndocs, docs_alloc;
	struct yk_edit *ed;
	size_t ned;
	bool decided;         /* yk_decide ran (or nothing is to be gathered) */
};

/* A table for `nedits` edits, none limited yet (set ed[e].limited). */
int yk_init(struct yk_table *t, size_t nedits);
void yk_release(struct yk_table *t);

/* The next document has kind `kind` (`len` bytes; NULL: it has none). */
int yk_doc(struct yk_table *t, const char *kind, size_t len);

/* In document `doc`, edit `edit` has its target (`target`), or could
 * create it from a node `depth` segments down the path. */
int yk_note(struct yk_table *t, size_t edit, size_t doc, bool target, size_t depth);

/* Decide where every limited edit may create.  The first edit whose best
 * fit is a tie, or YK_NONE. */
size_t yk_decide(struct yk_table *t);

/* Do the decisions forbid a creation that is possible somewhere? */
bool yk_restricts(const struct yk_table *t);

/* May edit `edit` create in document `doc`? */
bool yk_allows(const struct yk_table *t, size_t edit, size_t doc);

/* Append the kinds edit `edit` ties between ("Deployment, StatefulSet";
 * a document without kind shows as "(no kind)"), and store the first
 * named one in *first (NULL when none has a name). */
int yk_kinds_tied(const struct yk_table *t, size_t edit, struct buf *out, const char **first);

/* Does the rule apply to path `p` (no [kind=...] selector in it)? */
bool yk_path_limited(const struct ypath *p);

#endif
