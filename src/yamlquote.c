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

/* ---- types ---- */

#define DEC "0123456789"
#define HEX DEC "abcdefABCDEF"

/* How many bytes from v[i] on are in `set`. */
static size_t span(const char *v, size_t n, size_t i, const char *set)
{
	size_t k = i;

	while (k < n && v[k] && strchr(set, v[k]))
		k++;
	return k - i;
}

static size_t sign(const char *v, size_t n)
{
	return n > 0 && (v[0] == '+' || v[0] == '-');
}

/* One of `words`, exactly. */
static bool is_word(const char *v, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && memcmp(*words, v, n) == 0)
			return true;
	return false;
}

static const char *const bools_12[] = {
	"true", "True", "TRUE", "false", "False", "FALSE", NULL,
};
static const char *const bools_11[] = {
	"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON",
	"off", "Off", "OFF", NULL,
};
static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const infs[] = { ".inf", ".Inf", ".INF", NULL };
static const char *const nans[] = { ".nan", ".NaN", ".NAN", NULL };

/* [-+]?.inf or .nan: floats under both. */
static bool inf_nan(const char *v, size_t n)
{
	size_t i = sign(v, n);

	return is_word(v + i, n - i, infs) || is_word(v, n, nans);
}

/* YAML 1.2 core: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ */
static bool int_12(const char *v, size_t n)
{
	size_t i = sign(v, n);

	if (n > 2 && v[0] == '0' && (v[1] == 'o' || v[1] == 'x'))
		return span(v, n, 2, v[1] == 'o' ? "01234567" : HEX) == n - 2;
	return i < n && span(v, n, i, DEC) == n - i;
}

/* (:[0-5]?[0-9])+ from v[k] to the end (YAML 1.1's base 60). */
static bool base60_tail(const char *v, size_t n, size_t k)
{
	if (k >= n || v[k] != ':')
		return false;
	while (k < n && v[k] == ':') {
		size_t d = span(v, n, k + 1, DEC);

		if (d < 1 || d > 2 || (d == 2 && v[k + 1] > '5'))
			return false;
		k += 1 + d;
	}
	return k == n;
}

/* YAML 1.1: [-+]? then 0b[01_]+ | 0[0-7_]+ | 0 | [1-9][0-9_]* |
 * 0x[0-9a-fA-F_]+ | [1-9][0-9_]*(:[0-5]?[0-9])+ */
static bool int_11(const char *v, size_t n)
{
	size_t i = sign(v, n), k;

	if (i >= n)
		return false;
	if (n - i > 2 && v[i] == '0' && (v[i + 1] == 'b' || v[i + 1] == 'x'))
		return span(v, n, i + 2, v[i + 1] == 'b' ? "01_" : HEX "_") == n - i - 2;
	if (v[i] == '0')
		return span(v, n, i, "01234567_") == n - i;
	if (v[i] < '1' || v[i] > '9')
		return false;
	k = i + span(v, n, i, DEC "_");
	return k == n || base60_tail(v, n, k);
}

/* [eE] then a sign (optional when `sign_optional`) and digits, to the end. */
static bool exponent(const char *v, size_t n, size_t k, bool sign_optional)
{
	if (k == n)
		return true;
	if (v[k] != 'e' && v[k] != 'E')
		return false;
	k++;
	if (k < n && (v[k] == '+' || v[k] == '-'))
		k++;
	else if (!sign_optional)
		return false;
	return span(v, n, k, DEC) == n - k && k < n;
}

/* YAML 1.2 core: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool float_12(const char *v, size_t n)
{
	size_t i = sign(v, n), d = span(v, n, i, DEC), k = i + d;

	if (inf_nan(v, n))
		return true;
	if (k < n && v[k] == '.') {
		size_t f = span(v, n, k + 1, DEC);

		if (d == 0 && f == 0)
			return false;
		k += 1 + f;
	} else if (d == 0) {
		return false;
	}
	return exponent(v, n, k, true);
}

/* YAML 1.1 as loaders implement it (one dot): [-+]?[0-9][0-9_]*\.[0-9_]*
 * ([eE][-+][0-9]+)? | \.[0-9][0-9_]*([eE][-+][0-9]+)? |
 * [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* */
static bool float_11(const char *v, size_t n)
{
	size_t i = sign(v, n), k = i;

	if (inf_nan(v, n))
		return true;
	if (k < n && v[k] == '.') {
		if (i || span(v, n, k + 1, DEC) == 0)
			return false;
		return exponent(v, n, k + 1 + span(v, n, k + 1, DEC "_"), false);
	}
	if (k >= n || v[k] < '0' || v[k] > '9')
		return false;
	k += span(v, n, k, DEC "_");
	if (k < n && v[k] == ':') { /* base 60: the dot ends it */
		const char *dot = memchr(v + k, '.', n - k);

		if (!dot || !base60_tail(v, (size_t)(dot - v), k))
			return false;
		k = (size_t)(dot - v) + 1;
		return span(v, n, k, DEC "_") == n - k;
	}
	if (k >= n || v[k] != '.')
		return false;
	k++;
	return exponent(v, n, k + span(v, n, k, DEC "_"), false);
}

enum yq_type yq_type_of(const struct yq_scalar *s)
{
	const char *v = s->text;
	size_t n = s->len;

	if (!v)
		return YQ_T_NULL;
	if (s->tag) { /* explicit: only the standard scalar tags type a value */
		static const char *const tags[] = {
			"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
			"tag:yaml.org,2002:null",
		};
		static const enum yq_type types[] = { YQ_T_BOOL, YQ_T_INT, YQ_T_FLOAT, YQ_T_NULL };

		for (size_t k = 0; k < sizeof(tags) / sizeof(tags[0]); k++)
			if (!strcmp(s->tag, tags[k]))
				return types[k];
		return YQ_T_STR;
	}
	if (s->style != YQ_PLAIN)
		return YQ_T_STR;
	if (is_word(v, n, nulls))
		return YQ_T_NULL;
	if (is_word(v, n, bools_12) || is_word(v, n, bools_11))
		return YQ_T_BOOL;
	if (int_12(v, n) || int_11(v, n))
		return YQ_T_INT;
	if (float_12(v, n) || float_11(v, n))
		return YQ_T_FLOAT;
	return YQ_T_STR;
}

/* [-+]?(0|[1-9][0-9]*) within 64 bits: the same int for every loader. */
static bool int_both(const char *v, size_t n)
{
	static const char max[] = "9223372036854775807";
	size_t i = sign(v, n), d = n - i;

	if (d == 0 || span(v, n, i, DEC) != d || (v[i] == '0' && d > 1))
		return false;
	if (d != sizeof(max) - 1)
		return d < sizeof(max) - 1;
	/* -9223372036854775808 fits too */
	return memcmp(v + i, max, d) <= 0 || (v[0] == '-' && !memcmp(v + i, "9223372036854775808", d));
}

/* [-+]?[0-9]+\.[0-9]*([eE][-+][0-9]+)? | \.[0-9]+([eE][-+][0-9]+)? |
 * [-+]?\.inf | \.nan (the spellings above): the same float for every
 * loader (the intersection of float_11 and float_12, without '_'). */
static bool float_both(const char *v, size_t n)
{
	size_t i = sign(v, n), d = span(v, n, i, DEC), k = i + d;

	if (inf_nan(v, n))
		return true;
	if (k >= n || v[k] != '.' || (d == 0 && (i || span(v, n, k + 1, DEC) == 0)))
		return false;
	k++;
	return exponent(v, n, k + span(v, n, k, DEC), false);
}

bool yq_typed_ok(const char *v, size_t n, enum yq_type *type)
{
	enum yq_type t;

	if (is_word(v, n, bools_12))
		t = YQ_T_BOOL;
	else if (int_both(v, n))
		t = YQ_T_INT;
	else if (float_both(v, n))
		t = YQ_T_FLOAT;
	else
		return false;
	if (type)
		*type = t;
	return true;
}

int yq_type_value(struct yq_typing *out, const struct yq_scalar *old, const char *v, size_t n,
		  enum yq_mode mode)
{
	enum yq_type lit = YQ_T_STR;
	bool is_lit = yq_typed_ok(v, n, &lit);

	out->was = yq_type_of(old);
	out->type = YQ_T_STR;
	out->plain = out->lost = false;
	switch (mode) {
	case YQ_STRING:
		return 0;
	case YQ_TYPED:
		if (!is_lit)
			return -1;
		break;
	case YQ_KEEP:
		if (out->was != YQ_T_BOOL && out->was != YQ_T_INT && out->was != YQ_T_FLOAT)
			return 0;
		/* a float field takes any number: 1 is a fine value for it */
		if (!is_lit || (lit != out->was && !(out->was == YQ_T_FLOAT && lit == YQ_T_INT))) {
			out->lost = true;
			return 0;
		}
		break;
	}
	out->plain = true;
	out->type = lit;
	return 0;
}

const char *yq_type_name(enum yq_type t)
{
	switch (t) {
	case YQ_T_NULL: return "null";
	case YQ_T_BOOL: return "bool";
	case YQ_T_INT: return "int";
	case YQ_T_FLOAT: return "float";
	case YQ_T_STR: break;
	}
	return "string";
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

bool yq_reads_as(bool plain, const char *got, size_t gl, const char *v, size_t len,
		 bool literal, bool in_flow)
{
	if (gl != len || (len && memcmp(got, v, len)))
		return false;
	if (literal)
		return plain;
	return !plain || yq_plain_ok(v, len, in_flow);
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
