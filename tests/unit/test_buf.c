/* Unit tests for buf. */
#include "buf.h"
#include "t.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static void test_add_and_cap(void)
{
	struct buf b = BUF_INIT;

	CHECK_STR(buf_cstr(&b), "");
	CHECK_INT(buf_addf(&b, "%s-%d", "a", 42), 0);
	CHECK_INT(buf_adds(&b, "!"), 0);
	CHECK_STR(buf_cstr(&b), "a-42!");
	CHECK_INT(b.len, 5);
	buf_release(&b);

	buf_init(&b, 4);
	CHECK_INT(buf_adds(&b, "abcd"), 0);
	CHECK_INT(buf_addc(&b, 'e'), -1);
	CHECK_INT(errno, EFBIG);
	CHECK(buf_failed(&b));
	CHECK_INT(buf_error(&b), EFBIG);
	errno = 0;
	CHECK_INT(buf_adds(&b, ""), -1); /* sticky, and says why again */
	CHECK_INT(errno, EFBIG);
	CHECK_STR(buf_cstr(&b), "abcd");
	errno = 0;
	CHECK(buf_detach(&b, NULL) == NULL);
	CHECK_INT(errno, EFBIG);
	CHECK_INT(b.len, 0);
	buf_release(&b);
}

static void test_rollback(void)
{
	struct buf b;

	buf_init(&b, 6);
	CHECK_INT(buf_adds(&b, "ab"), 0);
	CHECK_INT(buf_error(&b), 0);
	CHECK_INT(buf_adds(&b, "cd"), 0);
	CHECK_INT(buf_adds(&b, "efg"), -1);
	buf_rollback(&b, 2); /* undoes "cd" and the failure */
	CHECK(!buf_failed(&b));
	CHECK_INT(buf_error(&b), 0);
	CHECK_STR(buf_cstr(&b), "ab");
	CHECK_INT(buf_adds(&b, "xyz"), 0);
	CHECK_STR(buf_cstr(&b), "abxyz");
	buf_release(&b);
}

static void test_splice(void)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "hello world");
	CHECK_INT(buf_splice(&b, 6, 5, "there", 5), 0);
	CHECK_STR(buf_cstr(&b), "hello there");
	CHECK_INT(buf_splice(&b, 0, 5, "hi", 2), 0);
	CHECK_STR(buf_cstr(&b), "hi there");
	CHECK_INT(buf_splice(&b, 8, 0, " you", 4), 0);
	CHECK_STR(buf_cstr(&b), "hi there you");
	CHECK_INT(buf_splice(&b, 20, 1, "x", 1), -1);
	CHECK_INT(errno, EINVAL);
	CHECK(!buf_failed(&b));
	buf_truncate(&b, 2);
	CHECK_STR(buf_cstr(&b), "hi");
	buf_release(&b);
}

static void test_detach(void)
{
	struct buf b = BUF_INIT;
	size_t len = 99;
	char *s = buf_detach(&b, &len);

	CHECK(s != NULL);
	CHECK_STR(s, "");
	CHECK_INT(len, 0);
	free(s);
	buf_adds(&b, "xyz");
	s = buf_detach(&b, &len);
	CHECK_STR(s, "xyz");
	CHECK_INT(len, 3);
	CHECK(b.ptr == NULL);
	free(s);
}

/* buf_grow_array: room for element n, doubling from 16; the contents kept;
 * an impossible size is ENOMEM with the array untouched. */
static void test_grow_array(void)
{
	long *a = NULL;
	size_t alloc = 0;

	for (size_t i = 0; i < 100; i++) {
		CHECK_INT(buf_grow_array(&a, &alloc, i, sizeof(*a)), 0);
		a[i] = (long)i * 3;
	}
	CHECK_INT((long long)alloc, 128);
	CHECK_INT(a[99], 297);
	CHECK_INT(buf_grow_array(&a, &alloc, 50, sizeof(*a)), 0); /* room already */
	CHECK_INT((long long)alloc, 128);
	errno = 0;
	CHECK_INT(buf_grow_array(&a, &alloc, 128, SIZE_MAX / 2), -1);
	CHECK_INT(errno, ENOMEM);
	CHECK_INT((long long)alloc, 128);
	CHECK_INT(a[0] + a[1], 3);
	free(a);
}

static void test_read_fd_cap(void)
{
	struct buf b = BUF_INIT;
	int p[2];

	CHECK_INT(pipe(p), 0);
	CHECK_INT(write(p[1], "0123456789", 10), 10);
	close(p[1]);
	buf_init(&b, 10); /* exactly full is fine */
	CHECK_INT(buf_read_fd(&b, p[0]), 0);
	CHECK_STR(buf_cstr(&b), "0123456789");
	close(p[0]);
	buf_release(&b);

	CHECK_INT(pipe(p), 0);
	CHECK_INT(write(p[1], "0123456789", 10), 10);
	close(p[1]);
	buf_init(&b, 9); /* one byte over */
	CHECK_INT(buf_read_fd(&b, p[0]), -1);
	CHECK_INT(errno, EFBIG);
	close(p[0]);
	buf_release(&b);
}

/* A regular file is read after its size is reserved: every size around the
 * buffer's power-of-two steps (the buffer then ends exactly full, and a
 * one-byte read says the file is done), from an offset, after what the
 * buffer holds, and against the cap. */
static void test_read_file(void)
{
	char path[] = "/tmp/gb-test-buf-XXXXXX", data[300];
	size_t sizes[] = { 0, 1, 62, 63, 64, 127, 128, 299 };
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct buf b = BUF_INIT;

		CHECK_INT(ftruncate(fd, 0), 0);
		CHECK_INT(pwrite(fd, data, sizes[k], 0), (long long)sizes[k]);
		CHECK_INT(buf_read_file(&b, path), 0);
		CHECK_INT(b.len, (long long)sizes[k]);
		CHECK(b.len == 0 || memcmp(b.ptr, data, b.len) == 0);
		buf_release(&b);
	}
	{
		struct buf b = BUF_INIT;

		buf_adds(&b, "head:");
		CHECK_INT(lseek(fd, 10, SEEK_SET), 10);
		CHECK_INT(buf_read_fd(&b, fd), 0);
		CHECK_INT(b.len, 5 + 299 - 10);
		CHECK(memcmp(b.ptr, "head:", 5) == 0 && memcmp(b.ptr + 5, data + 10, 289) == 0);
		buf_release(&b);

		buf_init(&b, 299); /* exactly the cap */
		CHECK_INT(buf_read_file(&b, path), 0);
		CHECK_INT(b.len, 299);
		buf_release(&b);

		buf_init(&b, 298); /* one byte over */
		CHECK_INT(buf_read_file(&b, path), -1);
		CHECK_INT(errno, EFBIG);
		buf_release(&b);
	}
	close(fd);
	unlink(path);
}

int main(void)
{
	test_add_and_cap();
	test_rollback();
	test_splice();
	test_detach();
	test_grow_array();
	test_read_fd_cap();
	test_read_file();
	return t_done();
}
