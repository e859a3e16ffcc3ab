/*
 * utf8: the one UTF-8 decoder of the program.
 *
 * Strict UTF-8 as Unicode defines it: no overlong forms, no surrogates, no
 * code point past U+10FFFF.  Invalid input is measured in "maximal invalid
 * subparts" (Unicode 15, 3.9), the unit Python and browsers replace with
 * one U+FFFD each.
 *
 * No function here prints anything or keeps state; buffers are the
 * caller's.
 */
#ifndef GB_UTF8_H
#define GB_UTF8_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Decode the character at s[i] (n bytes in all, i < n): its length in
 * bytes with *cp set, or 0 when the bytes there are not valid UTF-8, with
 * *bad (when not NULL) set to the length of the maximal invalid subpart
 * (at least 1). */
size_t utf8_decode(const char *s, size_t n, size_t i, unsigned *cp, size_t *bad);

/* True for valid UTF-8. */
bool utf8_valid(const char *s, size_t n);

/* Append `s` with every maximal invalid subpart replaced by U+FFFD; stores
 * how many were replaced in *replaced.  0 or -1 (buffer error). */
int utf8_fix(struct buf *out, const char *s, size_t len, size_t *replaced);

#endif
