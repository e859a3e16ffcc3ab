/*
 * diff: a unified diff of two texts, line by line (`edit --diff`, the patch
 * mode's dry run and `diff` output).
 *
 * Output is what `diff -u` prints: "--- A" / "+++ B" headers, hunks with
 * DIFF_CONTEXT lines of context, "\ No newline at end of file" where a text
 * ends without one.  Lines compare byte for byte, their line break included,
 * so a CRLF file diffs as CRLF.  Equal texts give no output at all.
 *
 * Cost: the common leading and trailing lines are skipped before anything
 * is stored, so an edit of a few lines in a large file costs a scan of it
 * and memory for the lines in between; Myers' O(ND) algorithm then runs on
 * those.  Past DIFF_MAX_D differences it stops looking for the shortest
 * script and reports the remaining span as one replaced block (still a
 * correct diff, just not minimal).
 *
 * Errors (out of memory, `out` over its cap) are reported once with
 * log_error() and returned as -1.
 */
#ifndef GB_DIFF_H
#define GB_DIFF_H

#include "buf.h"

#include <stddef.h>

#define DIFF_CONTEXT 3
#define DIFF_MAX_D 2000

/* Append the unified diff from a (alen bytes, labelled label_a) to b.
 * 0, or -1 (printed). */
int diff_unified(struct buf *out, const char *a, size_t alen, const char *b, size_t blen,
		 const char *label_a, const char *label_b);

#endif
