/* Unit tests for diff: exact output on small cases, and on random ones
 * the diff, applied to the old text, gives the new one. */
#include "diff.h"
#include "t.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *udiff(const char *a, const char *b)
{
	static char out[4096];
	struct buf d = BUF_INIT;

	if (diff_unified(&d, a, strlen(a), b, strlen(b), "a/f", "b/f") < 0)
		return "FAIL";
	snprintf(out, sizeof(out), "%s", buf_cstr(&d));
	buf_release(&d);
	return out;
}

static void test_exact(void)
{
	CHECK_STR(udiff("same\n", "same\n"), "");
	CHECK_STR(udiff("", ""), "");
	CHECK_STR(udiff("a\nb\nc\n", "a\nB\nc\n"),
		  "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
	CHECK_STR(udiff("", "new\n"), "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+new\n");
	CHECK_STR(udiff("old\n", ""), "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-old\n");
	CHECK_STR(udiff("a\nb", "a\nc"),
		  "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
		  "+c\n\\ No newline at end of file\n");
	CHECK_STR(udiff("x\r\ny\r\n", "x\r\nz\r\n"),
		  "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n x\r\n-y\r\n+z\r\n");
	/* far apart: two hunks; close: one */
	CHECK_STR(udiff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "X\n2\n3\n4\n5\n6\n7\n8\n9\nY\n"),
		  "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n 4\n"
		  "@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+Y\n");
	CHECK_STR(udiff("1\n2\n3\n4\n5\n6\n7\n", "X\n2\n3\n4\n5\n6\nY\n"),
		  "--- a/f\n+++ b/f\n@@ -1,7 +1,7 @@\n-1\n+X\n 2\n 3\n 4\n 5\n 6\n-7\n+Y\n");
	CHECK_STR(udiff("a\nb\nc\n", "a\nb\nb2\nc\n"),
		  "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n a\n b\n+b2\n c\n");
}

/* Apply a unified diff to `a`; NULL when it does not apply. */
static char *patch(const char *a, const char *d)
{
	struct buf out = BUF_INIT;
	const char *p = d, *ap = a;
	size_t aline = 1;

	if (!*d)
		return strdup(a);
	p = strchr(p, '\n') + 1; /* --- */
	p = strchr(p, '\n') + 1; /* +++ */
	while (*p) {
		size_t start;
		char *end;

		if (strncmp(p, "@@ -", 4))
			goto fail;
		start = strtoul(p + 4, &end, 10);
		if (*end == ',' && strtoul(end + 1, NULL, 10) == 0)
			start++; /* an empty range names the line before */
		p = strchr(p, '\n') + 1;
		for (; aline < start; aline++) { /* copy up to the hunk */
			const char *nl = strchr(ap, '\n');
			size_t n = nl ? (size_t)(nl - ap) + 1 : strlen(ap);

			buf_add(&out, ap, n);
			ap += n;
		}
		while (*p && *p != '@') {
			const char *nl = strchr(p, '\n');
			size_t n = (size_t)(nl - p);
			bool noeol = !strncmp(nl + 1, "\\ No newline", 12);

			if (*p == ' ' || *p == '-') {
				size_t k = n - 1 + !noeol;

				if (strncmp(ap, p + 1, k))
					goto fail;
				ap += k;
				aline++;
			}
			if (*p == ' ' || *p == '+')
				buf_add(&out, p + 1, n - 1 + !noeol);
			p = nl + 1;
			if (noeol)
				p = strchr(p, '\n') + 1;
		}
	}
	buf_adds(&out, ap);
	return buf_detach(&out, NULL);
fail:
	buf_release(&out);
	return NULL;
}

static uint32_t state = 7;

static uint32_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static void random_text(struct buf *b, size_t lines)
{
	static const char *const words[] = { "a", "b", "c", "key: v", "", "- x", "  y" };

	for (size_t i = 0; i < lines; i++) {
		buf_adds(b, words[rnd() % 7]);
		if (i + 1 < lines || rnd() % 4)
			buf_addc(b, '\n');
	}
}

static void test_random(void)
{
	for (int it = 0; it < 500; it++) {
		struct buf a = BUF_INIT, b = BUF_INIT, d = BUF_INIT;
		char *back;

		random_text(&a, rnd() % 30);
		if (rnd() % 3) { /* an edit of a few lines */
			buf_adds(&b, buf_cstr(&a));
			for (int k = (int)(rnd() % 4); k > 0 && b.len; k--)
				b.ptr[rnd() % b.len] = "xyz\n"[rnd() % 4];
		} else {
			random_text(&b, rnd() % 30);
		}
		CHECK_INT(diff_unified(&d, a.ptr ? a.ptr : "", a.len, b.ptr ? b.ptr : "", b.len, "a",
				       "b"), 0);
		back = patch(buf_cstr(&a), buf_cstr(&d));
		t_checks++;
		if (!back || strcmp(back, buf_cstr(&b))) {
			t_failed++;
			fprintf(stderr, "diff does not apply:\n%s\n--- to ---\n%s\n--- diff ---\n%s\n",
				buf_cstr(&a), buf_cstr(&b), buf_cstr(&d));
		}
		free(back);
		buf_release(&a);
		buf_release(&b);
		buf_release(&d);
	}
}

/* More differences than DIFF_MAX_D: still a correct diff, one block. */
static void test_too_different(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT, d = BUF_INIT;
	char *back;

	for (int i = 0; i < 3000; i++) {
		buf_addf(&a, "a%d\n", i);
		buf_addf(&b, "b%d\n", i);
	}
	CHECK_INT(diff_unified(&d, a.ptr, a.len, b.ptr, b.len, "x", "y"), 0);
	CHECK(strstr(d.ptr, "@@ -1,3000 +1,3000 @@\n") != NULL);
	back = patch(a.ptr, d.ptr);
	CHECK(back && !strcmp(back, b.ptr));
	free(back);
	buf_release(&a);
	buf_release(&b);
	buf_release(&d);
}

/* A large file with edits at both ends: quick, and two small hunks. */
static void test_large(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT, d = BUF_INIT;

	for (int i = 0; i < 200000; i++)
		buf_addf(&a, "line %d\n", i);
	buf_adds(&b, "first\n");
	buf_add(&b, a.ptr + 7, a.len - 7 - 12);
	buf_adds(&b, "last\n");
	CHECK_INT(diff_unified(&d, a.ptr, a.len, b.ptr, b.len, "x", "y"), 0);
	CHECK_STR(d.ptr, "--- x\n+++ y\n@@ -1,4 +1,4 @@\n-line 0\n+first\n line 1\n line 2\n line 3\n"
		  "@@ -199997,4 +199997,4 @@\n line 199996\n line 199997\n line 199998\n"
		  "-line 199999\n+last\n");
	buf_release(&a);
	buf_release(&b);
	buf_release(&d);
}

int main(void)
{
	test_exact();
	test_random();
	test_too_different();
	test_large();
	return t_done();
}
