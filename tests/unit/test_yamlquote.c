/* Unit tests for yamlquote: style choice and scalar writers. */
#include "t.h"
#include "yamlquote.h"

#include <string.h>

static bool plain(const char *v)
{
	return yq_plain_ok(v, strlen(v), false);
}

static bool plain_flow(const char *v)
{
	return yq_plain_ok(v, strlen(v), true);
}

/* The text `v` is written as, in style chosen from `prefer`. */
static const char *written(enum yq_style prefer, const char *v, const struct yq_block *b)
{
	static char out[512];
	struct buf t = BUF_INIT;
	size_t n = strlen(v);

	yq_write(&t, yq_choose(prefer, v, n, false, b), v, n, b);
	snprintf(out, sizeof(out), "%s", buf_cstr(&t));
	buf_release(&t);
	return out;
}

static void test_plain(void)
{
	static const char *const ok[] = {
		"nginx:1.25", "registry.example.com/a/b@sha256:0f", "2Gi", "500m", "v1.2.3", "a:b",
		"a#b", "hello world", "--flag", "-x", "deadbeef", "café", "日本語", "x-1", "~x", "a=b",
		"yes-no", "0xZZ", "_1", "+_", "-_x", "-_.inf",
		/* strtod and Go's ParseFloat take these, go-yaml (which asks
		 * yamlStyleFloat first), YAML 1.1 and 1.2 do not: strings */
		"+inf", "-nan", "-Infinity", "+_inf", "0x1p3", "0X1P-3",
	};
	static const char *const not_ok[] = {
		"", " a", "a ", "a: b", "a #b", "ends:", "-", "- x", "---", "--", "*a", "&a", "!a",
		"%a", "@a", "`a", "{a", "[a", "|a", ">a", "#a", "?a", ":a", ",a", "'a", "\"a",
		"yes", "Yes", "YES", "on", "Off", "no", "y", "N", "true", "FALSE", "null", "Null",
		"~", "<<", "=", "1", "-1", "+1", "1.0", ".5", "1e3", "1E+3", "0x1F", "0o17", "017",
		"0b101", "1_000", "190:20:30", ".inf", "-.inf", "+.INF", ".nan", ".NaN", "1.2.3",
		"+_1", "-_1", "+__1_0", "+_.5", "-_0x1F", /* go-yaml: "+1", "-1", ... */
		"0X1F", "0B101", "0O17", "+0x1F", /* go-yaml: ParseInt with base 0 */
		"2024-1-1T1:2:3Z",                 /* go-yaml: a timestamp */
		"2024-08-04", "2024-08-04T10:00:00Z", "2024-8-4 10:00", "a\tb", "a\nb", "a\rb",
		"a\x01", "a\x7f", "a\xc2\x85", "a\xe2\x80\xa8", "a\xe2\x80\xa9", "a\xef\xbb\xbf",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		t_checks++;
		if (!plain(ok[i])) {
			t_failed++;
			fprintf(stderr, "plain refused: \"%s\"\n", ok[i]);
		}
	}
	for (size_t i = 0; i < sizeof(not_ok) / sizeof(not_ok[0]); i++) {
		t_checks++;
		if (plain(not_ok[i])) {
			t_failed++;
			fprintf(stderr, "plain accepted: \"%s\"\n", not_ok[i]);
		}
	}
	/* flow context: no flow indicators, no ':' at all */
	CHECK(plain_flow("abc"));
	CHECK(!plain_flow("a,b"));
	CHECK(!plain_flow("a]"));
	CHECK(!plain_flow("a}"));
	CHECK(!plain_flow("a:b"));
	CHECK(!plain_flow("a?"));
	CHECK(plain("a?"));
	CHECK(plain("a,b"));
}

static void test_single_and_utf8(void)
{
	CHECK(yq_single_ok("it's: #x", 8));
	CHECK(yq_single_ok(" lead", 5));
	CHECK(!yq_single_ok("a\nb", 3));
	CHECK(!yq_single_ok("a\tb", 3));
	CHECK(!yq_single_ok("a\x85", 2)); /* not UTF-8 at all */
	CHECK(!yq_single_ok("a\xc2\x85", 3));
}

/* yq_escape_double's text for the n bytes at v. */
static const char *escaped(const char *v, size_t n)
{
	static char out[512];
	struct buf t = BUF_INIT;

	yq_escape_double(&t, v, n);
	snprintf(out, sizeof(out), "%s", buf_cstr(&t));
	buf_release(&t);
	return out;
}

static void test_escape_double(void)
{
	CHECK_STR(escaped("q\"b\\t\tn\nr\rz\0e\x1b" "d\x7f", 16),
		  "q\\\"b\\\\t\\tn\\nr\\rz\\0e\\ed\\x7F");
	CHECK_STR(escaped("\xc2\x85\xc2\x9f\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xc2\xa0\xc3\xa9", 17),
		  "\\N\\x9F\\L\\P\\uFEFF\xc2\xa0\xc3\xa9");
	CHECK_STR(escaped("\xef\xbf\xbe", 3), "\\uFFFE");
	/* printable ASCII is copied in runs: around escapes, at both ends */
	CHECK_STR(escaped("ab\xff" "cd\"ef\xc3\xa9gh\\", 13), "ab\\xFFcd\\\"ef\xc3\xa9gh\\\\");
	CHECK_STR(escaped("registry.example.com/app@sha256:0f", 34),
		  "registry.example.com/app@sha256:0f");
	CHECK_STR(escaped("", 0), "");
}

static void test_escape_single(void)
{
	struct buf t = BUF_INIT;

	CHECK_INT(yq_escape_single(&t, "it's 'x'", 8), 0);
	CHECK_STR(buf_cstr(&t), "it''s ''x''");
	buf_release(&t);
}

static void test_choose(void)
{
	struct yq_block b = { 4, "\n", "", 0, false };

	CHECK_STR(written(YQ_PLAIN, "x", NULL), "x");
	CHECK_STR(written(YQ_PLAIN, "yes", NULL), "'yes'");
	CHECK_STR(written(YQ_PLAIN, "it's: x", NULL), "'it''s: x'");
	CHECK_STR(written(YQ_PLAIN, "tab\there", NULL), "\"tab\\there\"");
	CHECK_STR(written(YQ_PLAIN, "a\nb", NULL), "\"a\\nb\"");       /* no block here */
	CHECK_STR(written(YQ_PLAIN, "a\nb", &b), "|-\n    a\n    b");
	CHECK_STR(written(YQ_SINGLE, "x", NULL), "'x'");
	CHECK_STR(written(YQ_DOUBLE, "x", NULL), "\"x\"");
	CHECK_STR(written(YQ_DOUBLE, "yes", NULL), "\"yes\"");
	CHECK_STR(written(YQ_LITERAL, "x", &b), "|-\n    x");
	CHECK_STR(written(YQ_LITERAL, "x\n", &b), "|\n    x");
	CHECK_STR(written(YQ_LITERAL, "x\n\n", &b), "\"x\\n\\n\"");  /* never |+ */
	CHECK_STR(written(YQ_LITERAL, "a\n\nb\n", &b), "|\n    a\n\n    b");
	CHECK_STR(written(YQ_LITERAL, "\nlead", &b), "|-\n\n    lead");
	CHECK_STR(written(YQ_LITERAL, " lead", &b), "\" lead\"");      /* would need an indicator */
	CHECK_STR(written(YQ_LITERAL, "a\n  \nb", &b), "\"a\\n  \\nb\""); /* blank-ish line */
	CHECK_STR(written(YQ_LITERAL, "a\rb", &b), "\"a\\rb\"");
	CHECK_STR(written(YQ_FOLDED, "one two", &b), ">-\n    one two");
	CHECK_STR(written(YQ_FOLDED, "a\nb", &b), ">-\n    a\n\n    b");
	CHECK_STR(written(YQ_FOLDED, "a\n\nb\n", &b), ">\n    a\n\n\n    b");
	CHECK_STR(written(YQ_FOLDED, "a\n b", &b), "|-\n    a\n     b");  /* more-indented */
	CHECK_STR(written(YQ_FOLDED, "a\tb", &b), "|-\n    a\tb");
}

static void test_block_layout(void)
{
	struct yq_block b = { 2, "\r\n", " # c", 4, false };
	struct buf t = BUF_INIT;

	/* CRLF, the header's comment kept */
	yq_write(&t, YQ_LITERAL, "a\nb\n", 4, &b);
	CHECK_STR(buf_cstr(&t), "| # c\r\n  a\r\n  b");
	buf_reset(&t);
	/* keep chomping would take its last line breaks from the file: never */
	CHECK(!yq_block_ok(YQ_LITERAL, "x\n\n", 3, &b));
	CHECK(!yq_block_ok(YQ_FOLDED, "x\n\n\n", 4, &b));
	CHECK(yq_block_ok(YQ_LITERAL, "x\n", 2, &b));
	/* at the end of a file without a final line break: only strip */
	b.at_eof = true;
	CHECK(yq_block_ok(YQ_LITERAL, "x", 1, &b));
	CHECK(!yq_block_ok(YQ_LITERAL, "x\n", 2, &b));
	CHECK(!yq_block_ok(YQ_LITERAL, "\n", 1, &(struct yq_block){ 2, "\n", "", 0, false }));
	CHECK(!yq_block_ok(YQ_LITERAL, "x", 1, NULL));
	CHECK(!yq_block_ok(YQ_PLAIN, "x", 1, &b));
	buf_release(&t);
}

static enum yq_type type_of(enum yq_style st, const char *tag, const char *v)
{
	struct yq_scalar s = { v, v ? strlen(v) : 0, st, tag };

	return yq_type_of(&s);
}

/* The old scalar's type: YAML 1.2 core, else 1.1; quoted, block or !!str
 * scalars and timestamps are strings. */
static void test_type_of(void)
{
	static const struct { const char *v; enum yq_type t; } plain[] = {
		{ "3", YQ_T_INT }, { "-3", YQ_T_INT }, { "+0", YQ_T_INT }, { "010", YQ_T_INT },
		{ "0o17", YQ_T_INT }, { "0x1F", YQ_T_INT }, { "0b101", YQ_T_INT },
		{ "1_000", YQ_T_INT }, { "190:20:30", YQ_T_INT }, { "-0x_1F", YQ_T_INT },
		{ "1.5", YQ_T_FLOAT }, { "1.", YQ_T_FLOAT }, { ".5", YQ_T_FLOAT },
		{ "-.5", YQ_T_FLOAT }, { "1e3", YQ_T_FLOAT }, { "1.5e-3", YQ_T_FLOAT },
		{ "1_0.5", YQ_T_FLOAT }, { "190:20:30.15", YQ_T_FLOAT }, { ".inf", YQ_T_FLOAT },
		{ "-.INF", YQ_T_FLOAT }, { ".NaN", YQ_T_FLOAT },
		{ "true", YQ_T_BOOL }, { "FALSE", YQ_T_BOOL }, { "yes", YQ_T_BOOL },
		{ "Off", YQ_T_BOOL }, { "y", YQ_T_BOOL },
		{ "", YQ_T_NULL }, { "~", YQ_T_NULL }, { "Null", YQ_T_NULL },
		{ "1.2.3", YQ_T_STR }, { "1.10-alpine", YQ_T_STR }, { "2024-08-04", YQ_T_STR },
		{ "nginx", YQ_T_STR }, { "tRUE", YQ_T_STR }, { "1e", YQ_T_STR }, { ".", YQ_T_STR },
		{ "-", YQ_T_STR }, { "0o8", YQ_T_STR }, { "1:60", YQ_T_STR }, { ".nAn", YQ_T_STR },
		{ "+.nan", YQ_T_STR }, { "500m", YQ_T_STR }, { "v1", YQ_T_STR },
	};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		enum yq_type got = type_of(YQ_PLAIN, NULL, plain[i].v);

		t_checks++;
		if (got != plain[i].t) {
			t_failed++;
			fprintf(stderr, "type of plain \"%s\": %s, want %s\n", plain[i].v,
				yq_type_name(got), yq_type_name(plain[i].t));
		}
	}
	CHECK_INT(type_of(YQ_SINGLE, NULL, "3"), YQ_T_STR);
	CHECK_INT(type_of(YQ_DOUBLE, NULL, "true"), YQ_T_STR);
	CHECK_INT(type_of(YQ_LITERAL, NULL, "3"), YQ_T_STR);
	CHECK_INT(type_of(YQ_PLAIN, "!", "3"), YQ_T_STR);
	CHECK_INT(type_of(YQ_PLAIN, "tag:yaml.org,2002:str", "3"), YQ_T_STR);
	CHECK_INT(type_of(YQ_DOUBLE, "tag:yaml.org,2002:int", "3"), YQ_T_INT);
	CHECK_INT(type_of(YQ_PLAIN, "tag:example.com,2024:x", "3"), YQ_T_STR);
	CHECK_INT(type_of(YQ_PLAIN, NULL, NULL), YQ_T_NULL);
}

/* Literals every loader reads alike, and near misses. */
static void test_typed_ok(void)
{
	static const struct { const char *v; enum yq_type t; } ok[] = {
		{ "3", YQ_T_INT }, { "-3", YQ_T_INT }, { "+3", YQ_T_INT }, { "0", YQ_T_INT },
		{ "9223372036854775807", YQ_T_INT }, { "-9223372036854775808", YQ_T_INT },
		{ "1.5", YQ_T_FLOAT }, { "1.", YQ_T_FLOAT }, { ".5", YQ_T_FLOAT },
		{ "-1.5", YQ_T_FLOAT }, { "1.5e+3", YQ_T_FLOAT }, { "01.5", YQ_T_FLOAT },
		{ ".inf", YQ_T_FLOAT }, { "-.Inf", YQ_T_FLOAT }, { ".NAN", YQ_T_FLOAT },
		{ "true", YQ_T_BOOL }, { "False", YQ_T_BOOL }, { "TRUE", YQ_T_BOOL },
	};
	static const char *const not_ok[] = {
		"", "abc", "010", "00", "0x1F", "0o17", "0b1", "1_000", "190:20:30", "1e3",
		"1.5e3", "-.5", ".", "-", "+", "1.2.3", "yes", "no", "on", "y", "tRUE", "null", "~",
		"9223372036854775808", "-9223372036854775809", "3 ", " 3", "3\n", "+.nan", "1:30.5",
	};
	enum yq_type t;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		t = YQ_T_NULL;
		t_checks++;
		if (!yq_typed_ok(ok[i].v, strlen(ok[i].v), &t) || t != ok[i].t) {
			t_failed++;
			fprintf(stderr, "typed literal \"%s\": %s, want %s\n", ok[i].v,
				yq_type_name(t), yq_type_name(ok[i].t));
		}
	}
	for (size_t i = 0; i < sizeof(not_ok) / sizeof(not_ok[0]); i++) {
		t_checks++;
		if (yq_typed_ok(not_ok[i], strlen(not_ok[i]), NULL)) {
			t_failed++;
			fprintf(stderr, "typed literal accepted: \"%s\"\n", not_ok[i]);
		}
	}
	CHECK(!yq_typed_ok("3\0", 2, NULL));
}

/* The decision: keep, string, typed. */
static void test_type_value(void)
{
	struct yq_typing ty;
	struct yq_scalar i3 = { "3", 1, YQ_PLAIN, NULL }, f5 = { "0.5", 3, YQ_PLAIN, NULL };
	struct yq_scalar b = { "true", 4, YQ_PLAIN, NULL }, y = { "yes", 3, YQ_PLAIN, NULL };
	struct yq_scalar s19 = { "1.9", 3, YQ_DOUBLE, NULL }, none = { NULL, 0, YQ_PLAIN, NULL };
	struct yq_scalar str = { "abc", 3, YQ_PLAIN, NULL };

	CHECK_INT(yq_type_value(&ty, &i3, "5", 1, YQ_KEEP), 0);
	CHECK(ty.plain && ty.type == YQ_T_INT && ty.was == YQ_T_INT && !ty.lost);
	CHECK_INT(yq_type_value(&ty, &i3, "five", 4, YQ_KEEP), 0);
	CHECK(!ty.plain && ty.type == YQ_T_STR && ty.was == YQ_T_INT && ty.lost);
	CHECK_INT(yq_type_value(&ty, &i3, "1.5", 3, YQ_KEEP), 0); /* an int stays an int */
	CHECK(!ty.plain && ty.lost);
	CHECK_INT(yq_type_value(&ty, &f5, "2", 1, YQ_KEEP), 0);   /* a float takes a number */
	CHECK(ty.plain && ty.type == YQ_T_INT && !ty.lost);
	CHECK_INT(yq_type_value(&ty, &f5, "1.10", 4, YQ_KEEP), 0);
	CHECK(ty.plain && ty.type == YQ_T_FLOAT);
	CHECK_INT(yq_type_value(&ty, &b, "false", 5, YQ_KEEP), 0);
	CHECK(ty.plain && ty.type == YQ_T_BOOL);
	CHECK_INT(yq_type_value(&ty, &y, "no", 2, YQ_KEEP), 0);   /* 1.2 reads "no" as a string */
	CHECK(!ty.plain && ty.lost && ty.was == YQ_T_BOOL);
	CHECK_INT(yq_type_value(&ty, &s19, "1.10", 4, YQ_KEEP), 0); /* image tags */
	CHECK(!ty.plain && !ty.lost && ty.was == YQ_T_STR);
	CHECK_INT(yq_type_value(&ty, &str, "3", 1, YQ_KEEP), 0);
	CHECK(!ty.plain && !ty.lost);
	CHECK_INT(yq_type_value(&ty, &none, "3", 1, YQ_KEEP), 0); /* a new key */
	CHECK(!ty.plain && !ty.lost && ty.was == YQ_T_NULL);
	CHECK_INT(yq_type_value(&ty, &i3, "5", 1, YQ_STRING), 0);
	CHECK(!ty.plain && !ty.lost);
	CHECK_INT(yq_type_value(&ty, &s19, "2", 1, YQ_TYPED), 0);
	CHECK(ty.plain && ty.type == YQ_T_INT);
	CHECK_INT(yq_type_value(&ty, &none, "true", 4, YQ_TYPED), 0);
	CHECK(ty.plain && ty.type == YQ_T_BOOL);
	CHECK_INT(yq_type_value(&ty, &i3, "yes", 3, YQ_TYPED), -1);
}

int main(void)
{
	test_plain();
	test_single_and_utf8();
	test_escape_double();
	test_escape_single();
	test_choose();
	test_block_layout();
	test_type_of();
	test_typed_ok();
	test_type_value();
	return t_done();
}
