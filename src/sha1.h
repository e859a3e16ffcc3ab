/*
 * sha1: SHA-1 (FIPS 180-4) and git's blob object id.
 *
 * Used to check what the Contents API says about a file: a blob's `sha` is
 * SHA-1("blob <size>\0" <bytes>), so a response whose `sha` does not match
 * its `content` is detected before anything is built on it.  SHA-1 is not
 * used here for security, only to name git objects as git does.
 *
 * Pure functions over caller-owned memory: no allocation, no printing, any
 * bytes and any length accepted (the bit length is kept mod 2^64, as the
 * standard specifies).
 */
#ifndef GB_SHA1_H
#define GB_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20
#define SHA1_HEX_LEN 40

struct sha1_ctx {
	uint32_t h[5];
	uint64_t bytes;          /* message length so far */
	unsigned char block[64]; /* a partial block waiting for more input */
	size_t used;             /* bytes in `block` */
};

void sha1_init(struct sha1_ctx *c);
void sha1_update(struct sha1_ctx *c, const void *data, size_t len);
/* Finish and write the 20-byte digest; `c` must be re-initialised to reuse. */
void sha1_final(struct sha1_ctx *c, unsigned char out[SHA1_LEN]);

/* Lowercase hex of a digest: 40 digits and a NUL. */
void sha1_hex(const unsigned char digest[SHA1_LEN], char hex[SHA1_HEX_LEN + 1]);

/* The git object id of a blob holding `len` bytes (what `git hash-object`
 * prints and the Contents API calls `sha`), as 40 lowercase hex digits. */
void sha1_git_blob(const void *data, size_t len, char hex[SHA1_HEX_LEN + 1]);

#endif
