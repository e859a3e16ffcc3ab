/*
 * yamlsplice: the editor's last two steps, once the planner (yamledit.c)
 * has decided what to write: apply the changes to the input (the splice),
 * then prove that the output says what the input said plus exactly those
 * changes (the check).  Nothing is written unless both pass.
 *
 * A change replaces input bytes [start, end) with text[toff, toff + tlen);
 * an insertion has start == end.  ysp_apply sorts the changes: by offset,
 * insertions before a replacement at the same offset, and insertions at
 * one offset inner block first (deeper column, then more path segments
 * above it, then the order they were made in), so that lines created for a
 * nested mapping come before lines of the mapping around it.  Two changes
 * that overlap are refused with the line of the second.
 *
 * The check reads the changed documents (ysp_span: the input bytes of each
 * document that has a change; documents of a stream parse independently, and
 * the others are byte for byte the input's; each slice ends with the "---"
 * that starts the next document, so that written text which ate the line
 * break before it is seen) from the input and from the output side by side
 * with two event readers (yamlscan.h's ys_iter):
 *   - every output event outside the written text must equal the input's
 *     next event that no change replaced (type, anchor, tag, value, style,
 *     implicit flags; document boundaries too);
 *   - a change marked `region` is read as nodes: the written text must hold
 *     `nodes` nodes (at `nest` collections deep: no collection's end may
 *     have moved across them) of `events` events in all, and its scalars
 *     must read back, in order, as the ones the planner wrote (ysp_expect:
 *     the keys it created, a new element's key and value, and last the
 *     value itself; yq_reads_as).  A written key that reads otherwise is as
 *     wrong as a value.  The region's first node carries the anchor and tag
 *     of the input node it replaces (none for an insertion); no other node
 *     of it carries any.
 * A failure is one error line at the output line where it was seen:
 * "refusing to write FILE: the edited YAML does not read back as intended
 * (WHY)".  It means a planner bug, never bad input.
 *
 * Ownership: the caller owns every array and buffer; ysp_apply and ysp_check
 * write only the changes' out_* and got_* fields (the check's scratch: a
 * plan is checked once).
 */
#ifndef GB_YAMLSPLICE_H
#define GB_YAMLSPLICE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ysp_change {
	size_t start, end;     /* input bytes replaced */
	size_t toff, tlen;     /* ... by these bytes of ysp_plan.texts */
	size_t seq;            /* order made in: the last tie-break */
	unsigned col;          /* insertions: the column of their lines */
	size_t depth;          /* insertions: path segments above them */
	size_t old_at;         /* the input scalar it replaces (its first byte), or
				* YS_NONE: the check skips that input event */
	size_t span;           /* its document (index into ysp_plan.spans) */
	bool region;           /* the text holds nodes the check reads: */
	size_t nodes, events;  /* ... this many top-level nodes and events */
	size_t nest;           /* ... at this many collections deep */
	size_t voff, vlen;     /* ... its scalars, in order: ysp_expect records
				* in ysp_plan.vals[voff, voff + vlen) */
	bool literal;          /* ... the last (the value) written plain as a
				* typed literal */
	bool in_flow;          /* ... inside a flow collection */
	size_t edit;           /* the planner's: the edit it writes for */
	size_t out_start, out_end; /* set by ysp_apply: its output bytes */
	size_t got_nodes, got_events, got_off; /* the check's scratch */
	bool got_value, got_nest, got_props;
	uint64_t want_props;
};

struct ysp_span {
	size_t start, end;     /* a changed document's input bytes */
};

struct ysp_plan {
	const char *file;      /* for messages */
	const char *in;
	size_t len;
	struct ysp_change *ch; /* sorted by ysp_apply */
	size_t nch;
	const struct ysp_span *spans; /* in order, one per changed document */
	size_t nspans;
	const struct buf *texts, *vals;
};

/* Append the input with the changes applied to `out`.  0, or -1 (two
 * changes overlap, out of memory, over out's cap: reported). */
int ysp_apply(struct ysp_plan *p, struct buf *out);

/* Check output `out` (ysp_apply's result) against the input.  0, or -1
 * (reported once). */
int ysp_check(struct ysp_plan *p, const char *out, size_t len);

/* Where input offset `off` is in the output of the applied changes: the
 * output start of a change that covers or begins at it. */
size_t ysp_map(const struct ysp_plan *p, size_t off);

/* Append to `vals` the next scalar a region must hold (its text as
 * loaded).  A buffer failure shows in `vals`. */
void ysp_expect(struct buf *vals, const char *s, size_t len);

#endif
