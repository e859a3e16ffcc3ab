/*
 * fuzz_policy: the patch mode's path and name policy (policy.h) on
 * arbitrary bytes.
 *
 * Manifest paths.  For an accepted path, checked apart from policy.c:
 *   - walking the input segment by segment from the repository root the
 *     way a filesystem or URL resolver would ("" and "." stay, ".." goes up)
 *     never leaves the root, and ends at exactly the normalised path;
 *   - the normalised path is relative, has no empty, "." or ".." segment,
 *     no ".git" segment and no leading ".github" (in any case), only the
 *     allowed bytes (so nothing is left to percent-decode), at most
 *     POLICY_PATH_DEPTH segments, and ends in .yaml or .yml;
 *   - normalising it again gives it back unchanged;
 * and a refused path leaves the output buffer empty.
 * Branches and names.  An accepted branch name breaks none of git's
 * check-ref-format rules; an accepted name is 1..POLICY_NAME_MAX bytes of
 * [A-Za-z0-9._-] and not "." or "..".
 */
#include "fuzz.h"

#include "buf.h"
#include "policy.h"

#include <string.h>
#include <strings.h>

static bool seg_eq(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Resolve `path` under a root into `out`; false when it would leave it. */
static bool resolve(struct buf *out, const char *path, size_t len)
{
	size_t stack[POLICY_PATH_MAX + 1], depth = 0, i = 0;

	buf_reset(out);
	while (i <= len) {
		size_t n = 0;

		while (i + n < len && path[i + n] != '/')
			n++;
		if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (depth == 0)
				return false;
			buf_truncate(out, stack[--depth]);
		} else if (n && !(n == 1 && path[i] == '.')) {
			stack[depth++] = out->len;
			if (out->len)
				buf_addc(out, '/');
			buf_add(out, path + i, n);
		}
		i += n + 1;
	}
	return true;
}

static void check_path(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, again = BUF_INIT, walked = BUF_INIT;
	const char *path = (const char *)data;
	size_t segs = 1;

	if (policy_manifest_path(&out, path, size) < 0) {
		FUZZ_ASSERT(out.len == 0);
		goto done;
	}
	FUZZ_ASSERT(size <= POLICY_PATH_MAX && path[0] != '/');
	FUZZ_ASSERT(resolve(&walked, path, size));
	FUZZ_ASSERT(walked.len == out.len && memcmp(walked.ptr, out.ptr, out.len) == 0);
	FUZZ_ASSERT(out.len > 0 && out.ptr[0] != '/' && out.ptr[out.len - 1] != '/');
	for (size_t i = 0; i < out.len; i++) {
		unsigned char c = (unsigned char)out.ptr[i];

		FUZZ_ASSERT((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || strchr("._~@+=,/-", c));
		segs += c == '/';
	}
	FUZZ_ASSERT(segs <= POLICY_PATH_DEPTH);
	for (size_t i = 0; i < out.len;) {
		const char *s = out.ptr + i;
		size_t n = strcspn(s, "/");

		FUZZ_ASSERT(n > 0 && !seg_eq(s, n, ".") && !seg_eq(s, n, ".."));
		FUZZ_ASSERT(!seg_eq(s, n, ".git"));
		FUZZ_ASSERT(!(i == 0 && seg_eq(s, n, ".github")));
		i += n + 1;
	}
	FUZZ_ASSERT((out.len >= 5 && strcasecmp(out.ptr + out.len - 5, ".yaml") == 0) ||
		    (out.len >= 4 && strcasecmp(out.ptr + out.len - 4, ".yml") == 0));
	FUZZ_ASSERT(policy_manifest_path(&again, out.ptr, out.len) == 0);
	FUZZ_ASSERT(again.len == out.len && memcmp(again.ptr, out.ptr, out.len) == 0);
done:
	buf_release(&out);
	buf_release(&again);
	buf_release(&walked);
}

static void check_branch(const char *b, size_t len)
{
	size_t comp = 0;

	if (policy_check_branch(b, len) < 0)
		return;
	FUZZ_ASSERT(len >= 1 && len <= POLICY_BRANCH_MAX);
	FUZZ_ASSERT(b[0] != '-' && b[0] != '/' && b[len - 1] != '/' && b[len - 1] != '.');
	FUZZ_ASSERT(!(len == 1 && b[0] == '@'));
	FUZZ_ASSERT(!memmem(b, len, "..", 2) && !memmem(b, len, "@{", 2) &&
		    !memmem(b, len, "//", 2));
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)b[i] : '/';

		/* bytes from 0x80 up are git's too (valid UTF-8: the API's JSON) */
		FUZZ_ASSERT(c > 0x20 && c != 0x7f && !strchr("~^:?*[\\", c));
		if (c != '/')
			continue;
		FUZZ_ASSERT(b[comp] != '.');
		FUZZ_ASSERT(!(i - comp >= 5 && strncasecmp(b + i - 5, ".lock", 5) == 0));
		comp = i + 1;
	}
}

static void check_name(const char *s)
{
	size_t len = strlen(s);

	if (policy_check_name(s, "service") < 0)
		return;
	FUZZ_ASSERT(len >= 1 && len <= POLICY_NAME_MAX);
	FUZZ_ASSERT(strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789._-") == len);
	FUZZ_ASSERT(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	fuzz_quiet();
	check_path(data, size);
	check_branch(s, size);
	check_name(s);
	free(s);
	return 0;
}
