/*
 * alloc: allocation-failure injection for the torture build (mk/torture.mk),
 * in the spirit of curl's torture tests.
 *
 * Mechanism.  build/torture/gitops-bump is the sanitizer build's objects
 * linked again with `-Wl,--wrap=malloc,...`: the linker sends every call
 * that the program's own objects (and the statically linked libyaml) make to
 * malloc, calloc, realloc, strdup and strndup to the __wrap_ functions here,
 * which count it and fail the chosen one; the others go on to the real
 * function, which AddressSanitizer intercepts as usual.  So the injection
 * and ASan (with LeakSanitizer) work together: an LD_PRELOAD shim could not,
 * as ASan must own malloc itself.  cJSON's allocations come through
 * cJSON_InitHooks and libcurl's through curl_global_init_mem (main's call to
 * curl_global_init is wrapped into it), so they count too.  Not counted:
 * what glibc and OpenSSL allocate for themselves (stdio buffers, the
 * resolver, TLS state): their failure handling is theirs, not ours.
 *
 * Environment:
 *   GB_TORTURE_FAIL=N    the Nth counted allocation fails (1-based; unset or
 *                        0: none fails)
 *   GB_TORTURE_REST=1    and every one after it fails too
 *   GB_TORTURE_LOG=FILE  write one line per allocation: "N site", where
 *                        site is the return addresses of the five calls
 *                        above the allocator (same site, same text)
 *   GB_TORTURE_TRACE=1   print the call stack of the allocation made to fail
 *                        on stderr (for addr2line -e BINARY +OFFSET)
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <execinfo.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
CURLcode __wrap_curl_global_init(long flags);

static long counter, fail_at;
static bool fail_rest, trace;
static FILE *site_log;

static void log_site(long n)
{
	void *frames[8];
	int k = backtrace(frames, 8);

	fprintf(site_log, "%ld", n);
	/* frames[0] is log_site, [1] should_fail, [2] the wrapper or hook */
	for (int i = 3; i < k; i++)
		fprintf(site_log, " %p", frames[i]);
	fputc('\n', site_log);
}

static bool should_fail(void)
{
	long n = ++counter;

	if (site_log)
		log_site(n);
	if (fail_at && (n == fail_at || (fail_rest && n > fail_at))) {
		if (trace && n == fail_at) {
			void *frames[16];

			backtrace_symbols_fd(frames, backtrace(frames, 16), 2);
		}
		errno = ENOMEM;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t size)
{
	return should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return should_fail() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return should_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return should_fail() ? NULL : __real_strndup(s, n);
}

static void *hook_malloc(size_t size)
{
	return __wrap_malloc(size);
}

static void *hook_calloc(size_t n, size_t size)
{
	return __wrap_calloc(n, size);
}

static void *hook_realloc(void *p, size_t size)
{
	return __wrap_realloc(p, size);
}

static char *hook_strdup(const char *s)
{
	return __wrap_strdup(s);
}

static void hook_free(void *p)
{
	free(p);
}

CURLcode __wrap_curl_global_init(long flags)
{
	return curl_global_init_mem(flags, hook_malloc, hook_free, hook_realloc, hook_strdup,
				    hook_calloc);
}

__attribute__((constructor)) static void torture_init(void)
{
	const char *fail = getenv("GB_TORTURE_FAIL");
	const char *rest = getenv("GB_TORTURE_REST");
	const char *log = getenv("GB_TORTURE_LOG");
	cJSON_Hooks hooks = { hook_malloc, hook_free };

	fail_at = fail ? strtol(fail, NULL, 10) : 0;
	fail_rest = rest && strcmp(rest, "1") == 0;
	trace = getenv("GB_TORTURE_TRACE") != NULL;
	if (log && *log && !(site_log = fopen(log, "we"))) {
		perror(log);
		exit(98);
	}
	if (site_log)
		setvbuf(site_log, NULL, _IOFBF, 1 << 16);
	cJSON_InitHooks(&hooks);
}
