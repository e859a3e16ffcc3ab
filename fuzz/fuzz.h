/*
 * fuzz.h: what the libFuzzer targets in fuzz/ share.
 *
 * Each target is one file fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput.
 * It calls a module the way the program does and then checks the module's
 * contract on the result (FUZZ_ASSERT), so a wrong answer is a finding just
 * as a crash is.  Built two ways (mk/fuzz.mk): with clang and libFuzzer for
 * `make fuzz`, and with the test build's compiler and sanitizers plus
 * fuzz/replay.c for `make test`, which replays the seeds and every input that
 * once failed (fuzz/regress/NAME/).
 *
 * The modules report errors through log.h; fuzz_quiet() sends that output
 * to /dev/null (Actions style, so it goes to stdout, which libFuzzer does
 * not use) while still formatting and neutralising every message.
 */
#ifndef GB_FUZZ_H
#define GB_FUZZ_H

#include "log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",    \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

static inline void fuzz_quiet(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	log_set_style(LOG_ACTIONS);
	if (!freopen("/dev/null", "w", stdout))
		abort();
}

static inline int fuzz_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Whether JSON text holds a NUL character: a raw 0 byte anywhere, or a
 * \u0000 escape inside a string.  Written apart from the modules' own
 * checks (this one follows the string state of the JSON grammar), so that
 * the two can be compared.
 */
static inline bool fuzz_json_has_nul(const uint8_t *s, size_t n)
{
	bool in_string = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == 0)
			return true;
		if (!in_string) {
			in_string = s[i] == '"';
			continue;
		}
		if (s[i] == '"') {
			in_string = false;
		} else if (s[i] == '\\' && i + 1 < n) {
			unsigned v = 0;
			size_t k;

			i++;
			if (s[i] != 'u')
				continue;
			for (k = 0; k < 4 && i + 1 + k < n && fuzz_hexval(s[i + 1 + k]) >= 0; k++)
				v = v << 4 | (unsigned)fuzz_hexval(s[i + 1 + k]);
			if (k == 4 && v == 0)
				return true;
		}
	}
	return false;
}

/* A copy of the input as a NUL-terminated string (the modules take C
 * strings); free() it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

#endif
