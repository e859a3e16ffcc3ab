/* policy: see policy.h. */
#include "policy.h"

#include "log.h"
#include "utf8.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define SHOW_MAX 200 /* bytes of a refused value quoted in an error */

static bool alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool name_char(unsigned char c)
{
	return alnum(c) || c == '.' || c == '_' || c == '-';
}

/* A name of `len` bytes: [A-Za-z0-9._-]{1,max}, not "." or "..". */
static bool safe_name(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char((unsigned char)s[i]))
			return false;
	return true;
}

static int show_len(size_t len)
{
	return len > SHOW_MAX ? SHOW_MAX : (int)len;
}

bool policy_valid_name(const char *name)
{
	return safe_name(name, strlen(name), POLICY_NAME_MAX);
}

int policy_check_name(const char *name, const char *what)
{
	size_t len = strlen(name);

	if (safe_name(name, len, POLICY_NAME_MAX))
		return 0;
	if (len == 0)
		log_error("%s is empty", what);
	else if (len > POLICY_NAME_MAX)
		log_error("%s '%.*s...' is too long (%zu bytes, at most %d)", what,
			  show_len(len), name, len, POLICY_NAME_MAX);
	else
		log_error("%s '%s' is not a safe name: use 1 to %d characters of "
			  "A-Z a-z 0-9 . _ -, not '.' or '..'", what, name, POLICY_NAME_MAX);
	return -1;
}

/*
 * Walk the entries of a list separated by commas and newlines, blanks
 * trimmed, empty entries skipped: fn(entry, len, arg) for each, stopping at
 * the first non-zero result, which is returned.
 */
static int each_entry(const char *list, int (*fn)(const char *, size_t, void *), void *arg)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",\n"), skip = n;
		int rc;

		while (n && strchr(" \t\r", p[0])) {
			p++;
			n--;
			skip--;
		}
		while (n && strchr(" \t\r", p[n - 1]))
			n--;
		if (n && (rc = fn(p, n, arg)) != 0)
			return rc;
		p += skip;
		if (*p)
			p++;
	}
	return 0;
}

static int check_env_entry(const char *s, size_t len, void *arg)
{
	int *count = arg;

	(*count)++;
	if (safe_name(s, len, POLICY_NAME_MAX))
		return 0;
	log_error("input 'environments' has '%.*s', which is not a safe name: use 1 to %d "
		  "characters of A-Z a-z 0-9 . _ -", show_len(len), s, POLICY_NAME_MAX);
	return -1;
}

int policy_check_environments(const char *allowed)
{
	int count = 0;

	if (each_entry(allowed, check_env_entry, &count) < 0)
		return -1;
	if (!count) {
		log_error("input 'environments' lists no environment");
		return -1;
	}
	return 0;
}

struct match {
	const char *env;
};

static int match_entry(const char *s, size_t len, void *arg)
{
	const struct match *m = arg;

	return strlen(m->env) == len && memcmp(m->env, s, len) == 0;
}

static int join_entry(const char *s, size_t len, void *arg)
{
	struct buf *b = arg;

	if (b->len)
		buf_adds(b, ", ");
	buf_add(b, s, len);
	return 0;
}

int policy_check_environment(const char *env, const char *allowed)
{
	struct buf list = BUF_INIT;
	struct match m = { env };

	if (each_entry(allowed, match_entry, &m) == 1)
		return 0;
	buf_init(&list, 4096);
	each_entry(allowed, join_entry, &list);
	log_error("branch '%.*s' does not follow policy (allowed: %s)",
		  show_len(strlen(env)), env, buf_cstr(&list));
	buf_release(&list);
	return -1;
}

/* "owner/name", or "owner/" followed by "*"; each part [A-Za-z0-9._-]{1,100}. */
static bool source_entry_ok(const char *s)
{
	const char *slash = strchr(s, '/');

	if (!slash || !safe_name(s, (size_t)(slash - s), POLICY_NAME_MAX))
		return false;
	return strcmp(slash + 1, "*") == 0 ||
	       safe_name(slash + 1, strlen(slash + 1), POLICY_NAME_MAX);
}

int policy_check_source_list(char *const *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (source_entry_ok(allowed[i]))
			continue;
		log_error("input 'allowed-sources' has '%.*s': write 'owner/name' or 'owner/*'",
			  show_len(strlen(allowed[i])), allowed[i]);
		return -1;
	}
	return 0;
}

static bool source_matches(const char *repo, const char *entry)
{
	const char *slash = strchr(entry, '/');
	size_t owner = (size_t)(slash - entry);

	if (strcmp(slash + 1, "*") == 0)
		return strncasecmp(repo, entry, owner + 1) == 0 &&
		       safe_name(repo + owner + 1, strlen(repo + owner + 1), POLICY_NAME_MAX);
	return strcasecmp(repo, entry) == 0;
}

bool policy_source_allowed(const char *repo, char *const *allowed, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; repo && i < n; i++)
		if (source_matches(repo, allowed[i]))
			return true;
	return false;
}

int policy_check_source(const char *repo, char *const *allowed, size_t n)
{
	struct buf list = BUF_INIT;

	if (policy_source_allowed(repo, allowed, n))
		return 0;
	if (!repo) {
		log_error("the payload names no source repository, but 'allowed-sources' is set "
			  "(send with 'gitops-bump dispatch', which names it)");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (source_matches(repo, allowed[i]))
			return 0;
	buf_init(&list, 4096);
	for (size_t i = 0; i < n; i++)
		join_entry(allowed[i], strlen(allowed[i]), &list);
	log_error("source repository '%.*s' is not allowed to deploy (allowed-sources: %s)",
		  show_len(strlen(repo)), repo, buf_cstr(&list));
	buf_release(&list);
	return -1;
}

static bool path_char(unsigned char c)
{
	return alnum(c) || (c && strchr("._~@+=,/-", c));
}

static int refuse(const char *path, size_t len, const char *why)
{
	log_error("manifest path '%.*s%s' is refused: %s", show_len(len), path,
		  len > SHOW_MAX ? "..." : "", why);
	return -1;
}

static bool seg_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

static int normalise(struct buf *out, const char *path, size_t len)
{
	size_t i = 0, depth = 0, last = 0, lastlen = 0;

	if (len == 0)
		return refuse(path, len, "it is empty");
	if (len > POLICY_PATH_MAX) {
		log_error("manifest path '%.*s...' is refused: it is longer than %d bytes",
			  SHOW_MAX, path, POLICY_PATH_MAX);
		return -1;
	}
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)path[k];

		if (path_char(c))
			continue;
		if (c == '\\')
			return refuse(path, len, "it contains a backslash");
		if (c == '\0')
			return refuse(path, len, "it contains a NUL byte");
		if (c == '%')
			return refuse(path, len, "it contains '%' (percent-encoding is not allowed)");
		if (c >= 0x80)
			return refuse(path, len, "it contains a non-ASCII byte");
		if (c < 0x20 || c == 0x7f)
			return refuse(path, len, "it contains a control character");
		log_error("manifest path '%.*s' is refused: character '%c' is not allowed "
			  "(use A-Z a-z 0-9 . _ ~ @ + = , - and /)", show_len(len), path, c);
		return -1;
	}
	if (path[0] == '/')
		return refuse(path, len, "it is absolute (write it relative to the repository root)");
	while (i < len) {
		const char *seg = path + i, *slash = memchr(seg, '/', len - i);
		size_t n = slash ? (size_t)(slash - seg) : len - i;

		i += n + 1;
		last = (size_t)(seg - path);
		lastlen = n;
		/* n is 0 for the empty segment of "a//b" (cppcheck thinks not) */
		/* cppcheck-suppress knownConditionTrueFalse */
		if (n == 0 || seg_is(seg, n, "."))
			continue;
		if (seg_is(seg, n, ".."))
			return refuse(path, len, "'..' would leave the repository");
		if (seg_is(seg, n, ".git"))
			return refuse(path, len, "it points into '.git'");
		if (depth == 0 && seg_is(seg, n, ".github"))
			return refuse(path, len, "it points into '.github' (not a manifest)");
		if (++depth > POLICY_PATH_DEPTH)
			return refuse(path, len, "it has too many directories");
		if (out->len)
			buf_addc(out, '/');
		buf_add(out, seg, n);
	}
	if (buf_failed(out)) /* before looking at what it holds */
		return log_oom();
	if (path[len - 1] == '/' || lastlen == 0 || seg_is(path + last, lastlen, "."))
		return refuse(path, len, "it names a directory, not a file");
	if (!ends_with(out->ptr, out->len, ".yaml") && !ends_with(out->ptr, out->len, ".yml"))
		return refuse(path, len, "a manifest must end in '.yaml' or '.yml'");
	return 0;
}

int policy_manifest_path(struct buf *out, const char *path, size_t len)
{
	buf_reset(out);
	if (normalise(out, path, len) == 0)
		return 0;
	buf_reset(out);
	return -1;
}

static int refuse_branch(const char *branch, size_t len, const char *why)
{
	log_error("branch name '%.*s%s' is refused: %s", show_len(len), branch,
		  len > SHOW_MAX ? "..." : "", why);
	return -1;
}

int policy_check_branch(const char *b, size_t len)
{
	size_t comp = 0; /* start of the current component */

	if (len == 0)
		return refuse_branch(b, len, "it is empty");
	if (len > POLICY_BRANCH_MAX)
		return refuse_branch(b, len, "it is too long");
	if (b[0] == '-')
		return refuse_branch(b, len, "it starts with '-'");
	if (len == 1 && b[0] == '@')
		return refuse_branch(b, len, "'@' is not a branch name");
	/* git takes any byte from 0x80 up; the API's JSON takes UTF-8 */
	if (!utf8_valid(b, len))
		return refuse_branch(b, len, "it is not valid UTF-8");
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)b[i] : '/';

		if (i < len && (c < 0x21 || c == 0x7f || strchr("~^:?*[\\", c)))
			return refuse_branch(b, len, "it contains a space, a control character "
					     "or one of ~ ^ : ? * [ \\");
		if (i + 1 < len && c == '.' && b[i + 1] == '.')
			return refuse_branch(b, len, "it contains '..'");
		if (i + 1 < len && c == '@' && b[i + 1] == '{')
			return refuse_branch(b, len, "it contains '@{'");
		if (c != '/')
			continue;
		if (i == comp)
			return refuse_branch(b, len, "it has an empty component ('/' at the start "
					     "or end, or '//')");
		if (b[comp] == '.')
			return refuse_branch(b, len, "a component starts with '.'");
		if (ends_with(b + comp, i - comp, ".lock"))
			return refuse_branch(b, len, "a component ends in '.lock'");
		comp = i + 1;
	}
	if (b[len - 1] == '.')
		return refuse_branch(b, len, "it ends with '.'");
	return 0;
}
