/*
 * base64: the standard alphabet of RFC 4648 section 4, with padding.
 *
 * The Contents API sends a file's `content` as base64 wrapped with "\n"
 * every 60 characters and expects it back (unwrapped) in a PUT; the Git Data
 * API's blobs take it too.
 *
 * Decoding is strict, because a broken body must not become a broken
 * manifest: line breaks ("\n", "\r\n") are skipped, anything else outside
 * the alphabet, a length that is not a multiple of four, '=' anywhere but at
 * the end, or non-zero bits left over in the last group (a non-canonical
 * encoding) is an error that names the offset.  Safe on arbitrary bytes.
 *
 * base64url (RFC 4648 section 5: '-' and '_' for '+' and '/', no padding) is
 * the form of JSON Web Tokens (RFC 7515 section 2).  Its decoder is stricter
 * still: no padding, no line breaks, and a length of 4k+1 is an error.
 *
 * All four functions append to a caller-owned buffer (whose cap bounds the
 * result), report a failure once with log_error() naming `what` (e.g.
 * "content of 'a/b.yaml'"), and return 0 or -1.  On failure the buffer holds
 * what it held before the call.
 */
#ifndef GB_BASE64_H
#define GB_BASE64_H

#include "buf.h"

#include <stddef.h>

/* Length of the encoding of `len` bytes (without a NUL); 0 if it would
 * overflow size_t. */
size_t base64_encoded_len(size_t len);

int base64_encode(struct buf *out, const void *data, size_t len, const char *what);
int base64_decode(struct buf *out, const char *in, size_t len, const char *what);

int base64url_encode(struct buf *out, const void *data, size_t len, const char *what);
int base64url_decode(struct buf *out, const char *in, size_t len, const char *what);

#endif
