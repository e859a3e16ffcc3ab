/* yamlquote: see yamlquote.h. */
#include "yamlquote.h"

#include "utf8.h"

#include <string.h>
#include <strings.h>

/* The one decoder (utf8.h), without the invalid part's length. */
static size_t u8_decode(const char *s, size_t n, size_t i, unsigned *cp)
{
	return utf8_decode(s, n, i, cp, NULL);
}

/* YAML's printable set minus what libyaml refuses raw (the BOM), minus the
 * characters some loaders read as line breaks. */
static bool printable(unsigned c)
{
	if (c == '\t')
		return true;
	if (c < 0x20 || c == 0x7f)
		return false;
	if (c >= 0x80 && c <= 0x9f) /* C1, NEL included */
		return false;
	if (c == 0x2028 || c == 0x2029 || c == 0xfeff || c == 0xfffe || c == 0xffff)
		return false;
	return true;
}

/* Every character printable (tab allowed when `tab`), no line break. */
static bool one_line(const char *v, size_t n, bool tab)
{
	unsigned cp;

	for (size_t i = 0; i < n;) {
		size_t len = u8_decode(v, n, i, &cp);

		if (!len || !printable(cp) || (!tab && cp == '\t'))
			return false;
		i += len;
	}
	return true;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Plain scalars that are not strings under YAML 1.1 (go-yaml) or the
 * YAML 1.2 core schema.  Conservative, a superset of both: booleans and
 * nulls in any case; after an optional sign (and underscores, which go-yaml
 * drops from a scalar that starts with a sign), anything starting with a
 * digit or '.' and made only of what numbers are made of (digits, hex
 * digits, '_', '.', ':', 'x', 'o', 'b', 'e', signs), which covers decimal,
 * octal, hex, binary, base 60 and exponents; .inf and .nan; and dates.
 */
static bool resolves_to_non_string(const char *v, size_t n)
{
	static const char *const words[] = {
		"y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
		".inf", ".nan",
	};
	size_t i = 0;

	if (v[0] == '+' || v[0] == '-')
		i++;
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strlen(words[k]) == n - (words[k][0] == '.' ? i : 0) &&
		    strncasecmp(words[k], v + (words[k][0] == '.' ? i : 0), strlen(words[k])) == 0)
			return true;
	if (n >= 8 && digit(v[0]) && digit(v[1]) && digit(v[2]) && digit(v[3]) && v[4] == '-')
		return true; /* 2024-08-04, 2024-8-4T10:00:00Z: timestamps */
	while (i < n && v[i] == '_' && i > 0) /* go-yaml drops '_' before reading a */
		i++;                           /* signed number: +_1 is 1 */
	if (i == n || !(digit(v[i]) || v[i] == '.'))
		return false;
	for (; i < n; i++)
		if (!digit(v[i]) && !strchr("abcdefABCDEF_.:xXoO+-", v[i]))
			return false;
	return true;
}

bool yq_plain_ok(const char *v, size_t n, bool flow)
{
	static const char indicators[] = "-?:,[]{}#&*!|>'\"%@`";
	char last;

	if (n == 0 || !one_line(v, n, false))
		return false;
	if (v[0] == '-' && n > 1 && v[1] != ' ' && strncmp(v, "---", n < 3 ? n : 3))
		; /* "-x", "--flag": plain unless a number (below) */
	else if (strchr(indicators, v[0]) || v[0] == ' ')
		return false;
	last = v[n - 1];
	if (last == ' ' || last == ':')
		return false;
	for (size_t i = 0; i + 1 < n; i++) {
		if (v[i] == ':' && v[i + 1] == ' ')
			return false;
		if (v[i] == ' ' && v[i + 1] == '#')
			return false;
	}
	if (flow) /* YAML 1.1 loaders also end a flow plain scalar at '?' */
		for (size_t i = 0; i < n; i++)
			if (strchr(",[]{}:?", v[i]))
				return false;
	return !resolves_to_non_string(v, n);
}

bool yq_single_ok(const char *v, size_t n)
{
	return one_line(v, n, false); /* a tab reads better escaped, in double quotes */
}

/* Split of a block value: the body (without its final line breaks) and the
 * number of those line breaks. */
static size_t trailing_newlines(const char *v, size_t n)
{
	size_t t = 0;

	while (t < n && v[n - 1 - t] == '\n')
		t++;
	return t;
}

/* Checks shared by both block styles: printable lines, a first content line
 * that fixes the indentation (no leading space; only truly empty lines
 * before it), a chomping that the file around it allows. */
static bool block_layout_ok(const char *v, size_t n, const struct yq_block *b)
{
	size_t t = trailing_newlines(v, n), body = n - t, i = 0;
	unsigned cp;

	if (!b || b->indent < 1)
		return false;
	for (size_t k = 0; k < body;) {
		size_t len = u8_decode(v, body, k, &cp);

		if (!len || (cp != '\n' && !printable(cp)))
			return false;
		k += len;
	}
	if (body == 0 && t > 0)
		return false; /* only line breaks: no block layout holds that */
	while (i < body && v[i] == '\n')
		i++;
	if (i < body && (v[i] == ' ' || v[i] == '\t'))
		return false;
	for (size_t k = 0; k < body; k++) { /* blank-but-not-empty lines confuse indentation */
		size_t e = k;

		if (k > 0 && v[k - 1] != '\n')
			continue;
		while (e < body && (v[e] == ' ' || v[e] == '\t'))
			e++;
		if (e > k && (e == body || v[e] == '\n'))
			return false;
	}
	if (b->at_eof)
		return t == 0;
	return t < 2; /* keep chomping would borrow the file's empty lines */
}

static bool folded_ok(const char *v, size_t n)
{
	size_t body = n - trailing_newlines(v, n);

	if (body > 0 && v[0] == '\n')
		return false;
	for (size_t k = 0; k < body; k++) {
		if (v[k] == '\t')
			return false;
		if (v[k] == '\n' && k + 1 < body && v[k + 1] == ' ')
			return false;
		if (v[k] == ' ' && (k + 1 == body || v[k + 1] == '\n'))
			return false; /* trailing spaces: folding may eat them */
	}
	return true;
}

bool yq_block_ok(enum yq_style st, const char *v, size_t n, const struct yq_block *b)
{
	if (st != YQ_LITERAL && st != YQ_FOLDED)
		return false;
	if (!block_layout_ok(v, n, b))
		return false;
	return st == YQ_LITERAL || folded_ok(v, n);
}

static bool style_ok(enum yq_style st, const char *v, size_t n, bool flow,
		     const struct yq_block *b)
{
	switch (st) {
	case YQ_PLAIN:
		return yq_plain_ok(v, n, flow);
	case YQ_SINGLE:
		return yq_single_ok(v, n);
	case YQ_DOUBLE:
		return true;
	case YQ_LITERAL:
	case YQ_FOLDED:
		return !flow && yq_block_ok(st, v, n, b);
	}
	return false;
}

enum yq_style yq_choose(enum yq_style prefer, const char *v, size_t n, bool flow,
			const struct yq_block *b)
{
	if (style_ok(prefer, v, n, flow, b))
		return prefer;
	if (prefer == YQ_DOUBLE)
		return YQ_DOUBLE;
	if (prefer != YQ_FOLDED && prefer != YQ_LITERAL && yq_single_ok(v, n))
		return YQ_SINGLE;
	if ((memchr(v, '\n', n) || prefer == YQ_FOLDED) && style_ok(YQ_LITERAL, v, n, flow, b))
		return YQ_LITERAL;
	return YQ_DOUBLE;
}

int yq_escape_double(struct buf *out, const char *v, size_t n)
{
	unsigned cp;
	size_t run = 0; /* printable ASCII from here on is copied in one go */

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)v[i];
		size_t len;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		buf_add(out, v + run, i - run);
		len = u8_decode(v, n, i, &cp);
		if (!len) { /* not UTF-8: callers check first; never emit it raw */
			buf_addf(out, "\\x%02X", c);
			run = ++i;
			continue;
		}
		switch (cp) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case 0: buf_adds(out, "\\0"); break;
		case '\a': buf_adds(out, "\\a"); break;
		case '\b': buf_adds(out, "\\b"); break;
		case '\t': buf_adds(out, "\\t"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\v': buf_adds(out, "\\v"); break;
		case '\f': buf_adds(out, "\\f"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case 0x1b: buf_adds(out, "\\e"); break;
		case 0x85: buf_adds(out, "\\N"); break;
		case 0x2028: buf_adds(out, "\\L"); break;
		case 0x2029: buf_adds(out, "\\P"); break;
		default:
			if (printable(cp))
				buf_add(out, v + i, len);
			else if (cp <= 0xff)
				buf_addf(out, "\\x%02X", cp);
			else
				buf_addf(out, "\\u%04X", cp);
		}
		i += len;
		run = i;
	}
	buf_add(out, v + run, n - run);
	return buf_failed(out) ? -1 : 0;
}

int yq_escape_single(struct buf *out, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\'')
			buf_addc(out, '\'');
		buf_addc(out, v[i]);
	}
	return buf_failed(out) ? -1 : 0;
}

static int write_single(struct buf *out, const char *v, size_t n)
{
	buf_addc(out, '\'');
	yq_escape_single(out, v, n);
	return buf_addc(out, '\'');
}

/* One content line: indentation and text, or nothing for an empty line. */
static void block_line(struct buf *out, const struct yq_block *b, const char *s, size_t len)
{
	buf_adds(out, b->eol);
	if (len == 0)
		return;
	for (unsigned k = 0; k < b->indent; k++)
		buf_addc(out, ' ');
	buf_add(out, s, len);
}

static int write_block(struct buf *out, enum yq_style st, const char *v, size_t n,
		       const struct yq_block *b)
{
	size_t t = trailing_newlines(v, n), body = n - t;

	buf_addc(out, st == YQ_LITERAL ? '|' : '>');
	if (t == 0)
		buf_addc(out, '-');
	buf_add(out, b->tail, b->tail_len);
	for (size_t start = 0; start < body;) {
		const char *nl = memchr(v + start, '\n', body - start);
		size_t end = nl ? (size_t)(nl - v) : body;

		if (st == YQ_FOLDED && start > 0 && end > start)
			block_line(out, b, "", 0); /* a '\n' between text lines */
		block_line(out, b, v + start, end - start);
		if (!nl)
			break;
		start = end + 1;
	}
	return buf_failed(out) ? -1 : 0;
}

int yq_write(struct buf *out, enum yq_style st, const char *v, size_t n,
	     const struct yq_block *b)
{
	switch (st) {
	case YQ_PLAIN:
		return buf_add(out, v, n);
	case YQ_SINGLE:
		return write_single(out, v, n);
	case YQ_LITERAL:
	case YQ_FOLDED:
		if (b)
			return write_block(out, st, v, n, b);
		break; /* no layout for a block: double quotes */
	case YQ_DOUBLE:
		break;
	}
	buf_addc(out, '"');
	yq_escape_double(out, v, n);
	return buf_addc(out, '"');
}
