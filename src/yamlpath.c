/* yamlpath: see yamlpath.h. */
#include "yamlpath.h"

#include "log.h"
#include "utf8.h"
#include "yamlquote.h"

#include <stdlib.h>
#include <string.h>

#define SHOW_MAX 80 /* bytes of the path quoted in an error */

struct parser {
	const char *s, *p, *what;
	struct ypath *path;
};

static bool bare_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* The path ends at a top-level '=' or ':=' (the typed form). */
static bool at_assign(const char *p)
{
	return p[0] == '=' || (p[0] == ':' && p[1] == '=');
}

/* The length of the path text: up to a top-level '=' or ':=' or the end,
 * skipping quoted strings and brackets (an unclosed one runs to the end). */
static size_t path_extent(const char *s)
{
	const char *p = s;
	int depth = 0;

	while (*p) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
			continue;
		}
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		else if (depth == 0 && at_assign(p))
			break;
		p++;
	}
	return (size_t)(p - s);
}

static int bad(struct parser *ps, const char *why)
{
	size_t len = path_extent(ps->s);
	int shown = len > SHOW_MAX ? SHOW_MAX : (int)len;

	log_error("bad path '%.*s%s'%s%s: %s at offset %zu", shown, ps->s,
		  len > SHOW_MAX ? "..." : "", ps->what ? " in " : "", ps->what ? ps->what : "",
		  why, (size_t)(ps->p - ps->s));
	return -1;
}

static int oom(void)
{
	log_error("out of memory parsing a path");
	return -1;
}

static bool control_char(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string of `len` bytes from `src`, unescaping \", \\ and \xHH when
 * `quoted` (quoted() checked the escapes). */
static char *copy_text(const char *src, size_t len, bool quoted, size_t *outlen)
{
	char *d = malloc(len + 1);
	size_t n = 0;

	if (!d)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (quoted && src[i] == '\\' && src[i + 1] == 'x') {
			d[n++] = (char)(hex_digit(src[i + 2]) << 4 | hex_digit(src[i + 3]));
			i += 3;
			continue;
		}
		if (quoted && src[i] == '\\')
			i++;
		d[n++] = src[i];
	}
	d[n] = '\0';
	*outlen = n;
	return d;
}

/* A double-quoted string at ps->p (on the opening quote). */
static int quoted(struct parser *ps, char **out, size_t *outlen)
{
	const char *start = ++ps->p;

	for (;;) {
		if (!*ps->p)
			return bad(ps, "unterminated quoted key");
		if (*ps->p == '"')
			break;
		if (*ps->p == '\\' && ps->p[1] == 'x') {
			if (hex_digit(ps->p[2]) < 0 || hex_digit(ps->p[3]) < 0)
				return bad(ps, "\\x needs two hex digits");
			if (!control_char((char)(hex_digit(ps->p[2]) << 4 | hex_digit(ps->p[3]))))
				return bad(ps, "\\xHH is for control characters (00-1F, 7F)");
			ps->p += 3;
		} else if (*ps->p == '\\') {
			if (ps->p[1] != '"' && ps->p[1] != '\\')
				return bad(ps, "unknown escape (only \\\", \\\\ and \\xHH are "
					   "allowed)");
			ps->p++;
		}
		ps->p++;
	}
	*out = copy_text(start, (size_t)(ps->p - start), true, outlen);
	ps->p++;
	return *out ? 0 : oom();
}

static int key(struct parser *ps, char **out, size_t *outlen)
{
	const char *start = ps->p;

	if (*ps->p == '"')
		return quoted(ps, out, outlen);
	while (bare_char((unsigned char)*ps->p))
		ps->p++;
	if (ps->p == start)
		return bad(ps, *ps->p && !strchr(".[]=", *ps->p)
			   ? "expected a key (quote keys with other characters)" : "expected a key");
	*out = copy_text(start, (size_t)(ps->p - start), false, outlen);
	return *out ? 0 : oom();
}

static struct ypath_seg *new_seg(struct parser *ps)
{
	struct ypath *p = ps->path;
	struct ypath_seg *seg;

	if (p->n == YPATH_MAX_SEGS) {
		bad(ps, "too many segments");
		return NULL;
	}
	seg = realloc(p->seg, (p->n + 1) * sizeof(*seg));
	if (!seg) {
		oom();
		return NULL;
	}
	p->seg = seg;
	seg += p->n++;
	memset(seg, 0, sizeof(*seg));
	return seg;
}

static int index_selector(struct parser *ps, struct ypath_seg *seg)
{
	unsigned long v = 0;

	if (*ps->p == '0' && ps->p[1] >= '0' && ps->p[1] <= '9')
		return bad(ps, "leading zero in index");
	while (*ps->p >= '0' && *ps->p <= '9') {
		v = v * 10 + (unsigned long)(*ps->p - '0');
		if (v > YPATH_MAX_INDEX)
			return bad(ps, "index too large");
		ps->p++;
	}
	seg->kind = YPATH_INDEX;
	seg->index = v;
	return 0;
}

static int match_selector(struct parser *ps, struct ypath_seg *seg)
{
	const char *start;

	seg->kind = YPATH_MATCH;
	if (key(ps, &seg->key, &seg->key_len) < 0)
		return -1;
	if (*ps->p != '=')
		return bad(ps, "expected '=' or ']' in selector");
	ps->p++;
	if (*ps->p == '"')
		return quoted(ps, &seg->value, &seg->value_len);
	start = ps->p;
	while (*ps->p && *ps->p != ']' && *ps->p != '"')
		ps->p++;
	if (ps->p == start)
		return bad(ps, "empty value in selector (write \"\" for an empty string)");
	seg->value = copy_text(start, (size_t)(ps->p - start), false, &seg->value_len);
	return seg->value ? 0 : oom();
}

/* One or more digits, then `end`. */
static bool all_digits_then(const char *p, char end)
{
	const char *q = p;

	while (*q >= '0' && *q <= '9')
		q++;
	return q > p && *q == end;
}

/* ps->p on '['. */
static int selector(struct parser *ps)
{
	struct ypath_seg *seg = new_seg(ps);

	if (!seg)
		return -1;
	ps->p++;
	if (*ps->p == '*') {
		seg->kind = YPATH_ALL;
		ps->p++;
	} else if (all_digits_then(ps->p, ']')) {
		if (index_selector(ps, seg) < 0)
			return -1;
	} else if (match_selector(ps, seg) < 0) { /* a bare key may be digits: [5=x] */
		return -1;
	}
	if (*ps->p != ']')
		return bad(ps, "expected ']'");
	ps->p++;
	return 0;
}

static int key_segment(struct parser *ps)
{
	struct ypath_seg *seg = new_seg(ps);

	if (!seg)
		return -1;
	seg->kind = YPATH_KEY;
	return key(ps, &seg->key, &seg->key_len);
}

static int parse(struct parser *ps)
{
	size_t len = path_extent(ps->s);

	if (len == 0)
		return bad(ps, "empty path");
	if (len > YPATH_MAX_LEN)
		return bad(ps, "path too long");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)ps->s[i] < 0x20 || ps->s[i] == 0x7f)
			return bad(ps, "control character");
	if (!utf8_valid(ps->s, len))
		return bad(ps, "invalid UTF-8");
	if (*ps->p == '[' ? selector(ps) < 0 : key_segment(ps) < 0)
		return -1;
	while (*ps->p && !at_assign(ps->p)) {
		if (*ps->p == '[') {
			if (selector(ps) < 0)
				return -1;
		} else if (*ps->p == '.') {
			ps->p++;
			if (key_segment(ps) < 0)
				return -1;
		} else {
			return bad(ps, "expected '.', '[', '=' or ':=' (quote keys with other "
				   "characters)");
		}
	}
	return 0;
}

int ypath_parse(struct ypath *p, const char *s, const char **end, const char *what)
{
	struct parser ps = { s, s, what, p };

	p->seg = NULL;
	p->n = 0;
	if (parse(&ps) < 0) {
		ypath_release(p);
		return -1;
	}
	if (end)
		*end = ps.p;
	return 0;
}

void ypath_value(const char *end, const char **value, size_t *len, enum yq_mode *mode)
{
	size_t n;

	if (end[0] == ':') {
		*value = end + 2;
		*len = strlen(end + 2);
		*mode = YQ_TYPED;
		return;
	}
	*value = end + 1;
	n = strlen(end + 1);
	*len = n;
	*mode = YQ_KEEP;
	if (n >= 2 && (end[1] == '"' || end[1] == '\'') && end[n] == end[1]) {
		*value = end + 2;
		*len = n - 2;
		*mode = YQ_STRING;
	}
}

void ypath_release(struct ypath *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->seg[i].key);
		free(p->seg[i].value);
	}
	free(p->seg);
	p->seg = NULL;
	p->n = 0;
}

int ypath_format_quoted(struct buf *out, const char *s, size_t len)
{
	buf_addc(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (control_char(s[i])) {
			buf_addf(out, "\\x%02X", (unsigned char)s[i]);
			continue;
		}
		if (s[i] == '"' || s[i] == '\\')
			buf_addc(out, '\\');
		buf_addc(out, s[i]);
	}
	return buf_addc(out, '"');
}

int ypath_format_key(struct buf *out, const char *key, size_t len)
{
	bool bare = len > 0;

	for (size_t i = 0; bare && i < len; i++)
		bare = bare_char((unsigned char)key[i]);
	return bare ? buf_add(out, key, len) : ypath_format_quoted(out, key, len);
}

static int format_value(struct buf *out, const char *v, size_t len)
{
	bool plain = len > 0 && !memchr(v, ']', len) && !memchr(v, '"', len);

	for (size_t i = 0; plain && i < len; i++)
		plain = !control_char(v[i]);
	return plain ? buf_add(out, v, len) : ypath_format_quoted(out, v, len);
}

int ypath_format(struct buf *out, const struct ypath *p, size_t n)
{
	for (size_t i = 0; i < n && i < p->n; i++) {
		const struct ypath_seg *seg = &p->seg[i];

		switch (seg->kind) {
		case YPATH_KEY:
			if (i > 0)
				buf_addc(out, '.');
			ypath_format_key(out, seg->key, seg->key_len);
			break;
		case YPATH_INDEX:
			buf_addf(out, "[%lu]", seg->index);
			break;
		case YPATH_ALL:
			buf_adds(out, "[*]");
			break;
		case YPATH_MATCH:
			buf_addc(out, '[');
			ypath_format_key(out, seg->key, seg->key_len);
			buf_addc(out, '=');
			format_value(out, seg->value, seg->value_len);
			buf_addc(out, ']');
			break;
		}
	}
	return buf_failed(out) ? -1 : 0;
}
