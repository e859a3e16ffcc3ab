/*
 * buf: a growable byte buffer with a hard size cap.
 *
 * The one string builder of the program (after git's strbuf and curl's
 * dynbuf).  A buffer owns `ptr`; `ptr[len]` is always a NUL byte once
 * anything has been added, and buf_cstr() gives "" for an empty buffer, so
 * a buffer's content can always be used as a C string (it may also hold NUL
 * bytes of its own: use `len`).
 *
 * Every buffer has a cap (`max`, the most bytes it may hold).  Going past
 * the cap fails with errno = EFBIG; running out of memory fails with
 * errno = ENOMEM.  Either failure is sticky: the buffer keeps its content up
 * to that point, remembers the cause in `err`, and every later add is
 * refused with errno set to it again, so a caller may build a string with
 * several adds and check once with buf_failed() (buf_error() tells which).
 * buf_rollback() takes the buffer back to an earlier length and clears the
 * failure.  buf functions never print: the caller knows what the buffer was
 * for and reports the error (e.g. "response body over 8 MiB").
 *
 * Ownership: buf_init/BUF_INIT take nothing; buf_release frees the storage
 * and leaves an empty buffer with the same cap; buf_detach hands the storage
 * to the caller (free() it) and leaves an empty buffer.
 */
#ifndef GB_BUF_H
#define GB_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define BUF_MAX_DEFAULT ((size_t)256 << 20) /* 256 MiB */

struct buf {
	char *ptr;
	size_t len;
	size_t cap;   /* allocated bytes, including room for the NUL */
	size_t max;   /* most content bytes allowed; 0 means BUF_MAX_DEFAULT */
	int err;      /* 0, or why a past add failed: EFBIG (over `max`), ENOMEM */
};

#define BUF_INIT { NULL, 0, 0, 0, 0 }

/* An empty buffer that will hold at most `max` bytes (0: the default). */
void buf_init(struct buf *b, size_t max);

/* Free the storage; the buffer is empty, not failed, and keeps its cap. */
void buf_release(struct buf *b);

/* Empty the buffer, keep the storage, clear the failed mark. */
void buf_reset(struct buf *b);

/* Hand the content to the caller (NUL-terminated, never NULL on success:
 * an empty buffer yields a fresh ""), storing its length in *len when len is
 * not NULL.  The buffer is left empty.  NULL (errno set) if the buffer had
 * failed or "" cannot be allocated; the buffer is released either way. */
char *buf_detach(struct buf *b, size_t *len);

/* The content as a C string; "" when empty.  Valid until the next change. */
const char *buf_cstr(const struct buf *b);

/* Make room for `extra` more bytes.  0, or -1 with errno EFBIG/ENOMEM. */
int buf_grow(struct buf *b, size_t extra);

/* The same for an array that is not a buffer: make room for element `n`
 * of `size`-byte elements at *arrp (a pointer to the array's pointer),
 * *alloc of them allocated; the allocation doubles, from 16.  0, or -1
 * with errno ENOMEM (the array unchanged).  One copy for the modules that
 * keep growable arrays of their own (yamlscan, yamledit, yamlkind). */
int buf_grow_array(void *arrp, size_t *alloc, size_t n, size_t size);

/* Append.  Each returns 0, or -1 with errno EFBIG/ENOMEM (sticky). */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Replace `len` bytes at `pos` with `data` (`dlen` bytes).  pos + len must
 * not pass the end (errno EINVAL otherwise).  0 or -1 as above. */
int buf_splice(struct buf *b, size_t pos, size_t len,
	       const void *data, size_t dlen);

/* Shorten to `len` bytes (no-op when already shorter). */
void buf_truncate(struct buf *b, size_t len);

/* Shorten to `len` bytes and clear a failure: undo the adds since the
 * buffer was `len` long, whether or not one of them failed. */
void buf_rollback(struct buf *b, size_t len);

/* True once an add has failed; see above. */
bool buf_failed(const struct buf *b);

/* Why: 0 (not failed), EFBIG or ENOMEM (or EINVAL for a bad format). */
int buf_error(const struct buf *b);

/* Append the whole content of an open descriptor / a file ("-" is stdin).
 * A file larger than the buffer's cap fails with EFBIG.  0 or -1 (errno). */
int buf_read_fd(struct buf *b, int fd);
int buf_read_file(struct buf *b, const char *path);

#endif
