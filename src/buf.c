/* buf: see buf.h for the contract. */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t buf_max(const struct buf *b)
{
	return b->max ? b->max : BUF_MAX_DEFAULT;
}

static int buf_fail(struct buf *b, int err)
{
	b->err = err;
	errno = err;
	return -1;
}

void buf_init(struct buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = 0;
}

void buf_release(struct buf *b)
{
	free(b->ptr);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
	b->err = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (b->err) {
		int err = b->err;

		buf_release(b);
		errno = err;
		return NULL;
	}
	p = b->ptr;
	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	buf_init(b, b->max);
	return p;
}

const char *buf_cstr(const struct buf *b)
{
	return b->ptr ? b->ptr : "";
}

bool buf_failed(const struct buf *b)
{
	return b->err != 0;
}

int buf_error(const struct buf *b)
{
	return b->err;
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->err)
		return buf_fail(b, b->err);
	if (extra > buf_max(b) - b->len)
		return buf_fail(b, EFBIG);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > buf_max(b) + 1)
		cap = buf_max(b) + 1;
	p = realloc(b->ptr, cap);
	if (!p)
		return buf_fail(b, ENOMEM);
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int buf_grow_array(void *arrp, size_t *alloc, size_t n, size_t size)
{
	size_t na = *alloc ? *alloc * 2 : 16;
	void *arr, *p;

	if (n < *alloc)
		return 0;
	if (na < *alloc || na > SIZE_MAX / size) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(&arr, arrp, sizeof(arr));
	if (!(p = realloc(arr, na * size)))
		return -1;
	memcpy(arrp, &p, sizeof(p));
	*alloc = na;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->err)
		return buf_fail(b, b->err);
	va_copy(cp, ap);
	/* clang's analyzer does not follow va_copy from a va_list parameter:
	 * `cp` is initialised just above */
	n = vsnprintf(NULL, 0, fmt, cp); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(cp);
	if (n < 0)
		return buf_fail(b, EINVAL);
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_splice(struct buf *b, size_t pos, size_t len,
	       const void *data, size_t dlen)
{
	if (b->err)
		return buf_fail(b, b->err);
	if (pos > b->len || len > b->len - pos) {
		errno = EINVAL;
		return -1;
	}
	if (dlen > len && buf_grow(b, dlen - len) < 0)
		return -1;
	if (!b->ptr) /* empty buffer, empty splice */
		return buf_add(b, data, dlen);
	memmove(b->ptr + pos + dlen, b->ptr + pos + len, b->len - pos - len);
	if (dlen)
		memcpy(b->ptr + pos, data, dlen);
	b->len = b->len - len + dlen;
	b->ptr[b->len] = '\0';
	return 0;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

void buf_rollback(struct buf *b, size_t len)
{
	buf_truncate(b, len);
	b->err = 0;
}

/* Room for a regular file's remaining bytes in one allocation: growing by
 * doubling would copy a 10 MB manifest several times (and, with an
 * allocator that does not remap, fault every copy's pages in). */
static void reserve_file(struct buf *b, int fd)
{
	struct stat st;
	off_t pos;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
		return;
	pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0 || pos >= st.st_size)
		return;
	if ((uintmax_t)(st.st_size - pos) <= buf_max(b) - b->len)
		buf_grow(b, (size_t)(st.st_size - pos)); /* a hint: a failure shows below */
}

int buf_read_fd(struct buf *b, int fd)
{
	if (b->err)
		return buf_fail(b, b->err);
	reserve_file(b, fd);
	if (b->err)
		return -1;
	for (;;) {
		size_t room = buf_max(b) - b->len;
		ssize_t n;

		if (room == 0 || (b->cap && b->cap - b->len == 1)) {
			/* full (the cap, or the file's size): read on only when
			 * there really is more */
			char c;

			do
				n = read(fd, &c, 1);
			while (n < 0 && errno == EINTR);
			if (n <= 0)
				return n < 0 ? -1 : 0;
			if (room == 0)
				return buf_fail(b, EFBIG);
			if (buf_addc(b, c) < 0)
				return -1;
			continue;
		}
		if (buf_grow(b, room < 65536 ? room : 65536) < 0)
			return -1;
		n = read(fd, b->ptr + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->ptr[b->len] = '\0';
	}
}

int buf_read_file(struct buf *b, const char *path)
{
	int fd, rc, saved;

	if (strcmp(path, "-") == 0)
		return buf_read_fd(b, STDIN_FILENO);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = buf_read_fd(b, fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}
