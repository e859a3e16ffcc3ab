/*
 * capture.h: run a call with stderr redirected, so a unit test can check
 * the one error line a function printed (log.h's plain style writes to
 * stderr).  For the unit programs only.
 *
 *   CHECK_FAILS(call, "substring")   call returns -1 and printed the text
 *   CHECK_QUIET_OK(call)             call returns 0 and printed nothing
 */
#ifndef GB_CAPTURE_H
#define GB_CAPTURE_H

#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int cap_saved = -1, cap_fd = -1;
static char cap_text[8192];

static inline void capture_begin(void)
{
	fflush(stderr);
	cap_saved = dup(2);
	cap_fd = memfd_create("capture", 0);
	if (cap_saved < 0 || cap_fd < 0 || dup2(cap_fd, 2) < 0) {
		perror("capture");
		exit(1);
	}
}

/* The captured text (the first 8 KiB), NUL-terminated, valid until the
 * next capture. */
static inline const char *capture_end(void)
{
	ssize_t n;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	n = pread(cap_fd, cap_text, sizeof(cap_text) - 1, 0);
	close(cap_fd);
	cap_text[n > 0 ? n : 0] = '\0';
	return cap_text;
}

/* One check on a captured call: its result and what it printed (a
 * substring of it, or nothing at all when want_text is NULL). */
static inline void capture_check(int rc, const char *err, int want_rc, const char *want_text,
				 const char *file, int line, const char *expr)
{
	int ok = rc == want_rc && (want_text ? strstr(err, want_text) != NULL : *err == '\0');

	t_checks++;
	if (!ok) {
		t_failed++;
		fprintf(stderr, "%s:%d: %s: rc %d, printed \"%s\", want %d and \"%s\"\n", file,
			line, expr, rc, err, want_rc, want_text ? want_text : "(nothing)");
	}
}

#define CAPTURED(call, want_rc, want_text)                                  \
	do {                                                                \
		int rc_;                                                    \
		capture_begin();                                            \
		rc_ = (call);                                               \
		capture_check(rc_, capture_end(), want_rc, want_text,       \
			      __FILE__, __LINE__, #call);                   \
	} while (0)

#define CHECK_FAILS(call, text) CAPTURED(call, -1, text)
#define CHECK_QUIET_OK(call) CAPTURED(call, 0, NULL)

#endif
