/*
 * t.h: the unit-test harness.  One program per module (tests/unit/test_*.c),
 * built with ASan+UBSan against the same library as the binary.  Each
 * program runs its checks, prints one line per failure and a final
 * "N checks, M failed" line, and exits non-zero if any check failed.
 * tests/test_unit.py runs them all.
 */
#ifndef GB_T_H
#define GB_T_H

#include <stdio.h>
#include <string.h>

static int t_checks, t_failed;

#define CHECK(cond)                                                         \
	do {                                                                \
		t_checks++;                                                 \
		if (!(cond)) {                                              \
			t_failed++;                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n",        \
				__FILE__, __LINE__, #cond);                 \
		}                                                           \
	} while (0)

#define CHECK_STR(got, want)                                                \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		t_checks++;                                                 \
		if (!g_ || !w_ || strcmp(g_, w_) != 0) {                    \
			t_failed++;                                         \
			fprintf(stderr, "%s:%d: %s: got \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)", \
				w_ ? w_ : "(null)");                        \
		}                                                           \
	} while (0)

#define CHECK_INT(got, want)                                                \
	do {                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);    \
		t_checks++;                                                 \
		if (g_ != w_) {                                             \
			t_failed++;                                         \
			fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n",  \
				__FILE__, __LINE__, #got, g_, w_);          \
		}                                                           \
	} while (0)

static inline int t_done(void)
{
	printf("%d checks, %d failed\n", t_checks, t_failed);
	return t_failed ? 1 : t_checks ? 0 : 1; /* a program that checked nothing fails */
}

#endif
