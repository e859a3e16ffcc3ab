/* Unit tests for yamlpath: the path grammar. */
#include "capture.h"
#include "t.h"
#include "yamlpath.h"

#include <stdlib.h>
#include <string.h>

/* Parse and print back in canonical form ("" on failure). */
static const char *canon(const char *s)
{
	static char out[2048];
	struct ypath p = YPATH_INIT;
	struct buf b = BUF_INIT;
	int rc;

	capture_begin();
	rc = ypath_parse(&p, s, NULL, NULL);
	capture_end();
	if (rc < 0)
		return "";
	ypath_format(&b, &p, p.n);
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_release(&b);
	ypath_release(&p);
	return out;
}

static void test_segments(void)
{
	struct ypath p = YPATH_INIT;
	const char *end = NULL;

	CHECK_QUIET_OK(ypath_parse(&p, "spec.template.spec.containers[name=app].image=x=y",
				   &end, "--set"));
	CHECK_INT(p.n, 6);
	CHECK_INT(p.seg[0].kind, YPATH_KEY);
	CHECK_STR(p.seg[0].key, "spec");
	CHECK_INT(p.seg[4].kind, YPATH_MATCH);
	CHECK_STR(p.seg[4].key, "name");
	CHECK_STR(p.seg[4].value, "app");
	CHECK_STR(p.seg[5].key, "image");
	CHECK_STR(end, "=x=y"); /* the first '=' outside brackets */
	ypath_release(&p);
	CHECK_INT(p.n, 0);

	/* the typed form: ':=' ends the path; a ':' inside quotes or a
	 * selector's value does not */
	CHECK_QUIET_OK(ypath_parse(&p, "spec.replicas:=3", &end, "--set"));
	CHECK_INT(p.n, 2);
	CHECK_STR(end, ":=3");
	ypath_release(&p);
	CHECK_QUIET_OK(ypath_parse(&p, "a.\"k:=\"[n=x:=y].b:=:=1", &end, NULL));
	CHECK_INT(p.n, 4);
	CHECK_STR(p.seg[1].key, "k:=");
	CHECK_STR(p.seg[2].value, "x:=y");
	CHECK_STR(end, ":=:=1");
	ypath_release(&p);
	CHECK_QUIET_OK(ypath_parse(&p, "a=:=1", &end, NULL));
	CHECK_STR(end, "=:=1");
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "items[0][12][*]", NULL, NULL));
	CHECK_INT(p.n, 4);
	CHECK_INT(p.seg[1].kind, YPATH_INDEX);
	CHECK_INT(p.seg[1].index, 0);
	CHECK_INT(p.seg[2].index, 12);
	CHECK_INT(p.seg[3].kind, YPATH_ALL);
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "[0].a", NULL, NULL)); /* a sequence at the root */
	CHECK_INT(p.n, 2);
	ypath_release(&p);
}

/* [key=value] first (a document filter), in the middle, and several in a
 * row: the parser takes them all alike; the scan decides what they meet. */
static void test_filters(void)
{
	struct ypath p = YPATH_INIT;
	const char *end = NULL;

	CHECK_QUIET_OK(ypath_parse(&p, "[kind=Deployment].spec.template.metadata.annotations."
				   "\"gitops-bump/revision\"=r1", &end, "--set"));
	CHECK_INT(p.n, 6);
	CHECK_INT(p.seg[0].kind, YPATH_MATCH);
	CHECK_STR(p.seg[0].key, "kind");
	CHECK_STR(p.seg[0].value, "Deployment");
	CHECK_INT(p.seg[1].kind, YPATH_KEY);
	CHECK_STR(p.seg[1].key, "spec");
	CHECK_STR(p.seg[5].key, "gitops-bump/revision");
	CHECK_STR(end, "=r1");
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "[kind=CronJob][apiVersion=batch/v1].spec.jobTemplate",
				   &end, NULL));
	CHECK_INT(p.n, 4);
	CHECK_INT(p.seg[1].kind, YPATH_MATCH);
	CHECK_STR(p.seg[1].key, "apiVersion");
	CHECK_STR(p.seg[1].value, "batch/v1"); /* '/' and '.' need no quotes in a value */
	CHECK_STR(end, "");
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "spec.template[app=web].metadata", NULL, NULL));
	CHECK_INT(p.n, 4);
	CHECK_INT(p.seg[2].kind, YPATH_MATCH);
	CHECK_STR(p.seg[3].key, "metadata");
	ypath_release(&p);

	/* a value with '=' and '.' ends at ']', not at the '=' that ends the path */
	CHECK_QUIET_OK(ypath_parse(&p, "[\"app.kubernetes.io/name\"=a=b.c].x=v", &end, NULL));
	CHECK_INT(p.n, 2);
	CHECK_STR(p.seg[0].key, "app.kubernetes.io/name");
	CHECK_STR(p.seg[0].value, "a=b.c");
	CHECK_STR(end, "=v");
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "[kind=Service]", NULL, NULL)); /* alone: parses */
	CHECK_INT(p.n, 1);
	ypath_release(&p);

	/* a bare key may be all digits: [5=x] is a selector, [5] an index */
	CHECK_QUIET_OK(ypath_parse(&p, "a[5=w)b][0x=1][5]", NULL, NULL));
	CHECK_INT(p.n, 4);
	CHECK_INT(p.seg[1].kind, YPATH_MATCH);
	CHECK_STR(p.seg[1].key, "5");
	CHECK_STR(p.seg[1].value, "w)b");
	CHECK_INT(p.seg[2].kind, YPATH_MATCH);
	CHECK_STR(p.seg[2].key, "0x");
	CHECK_INT(p.seg[3].kind, YPATH_INDEX);
	CHECK_INT(p.seg[3].index, 5);
	ypath_release(&p);
}

static void test_quoted(void)
{
	struct ypath p = YPATH_INIT;

	CHECK_QUIET_OK(ypath_parse(&p, "metadata.annotations.\"app.kubernetes.io/name\"", NULL,
				   NULL));
	CHECK_INT(p.n, 3);
	CHECK_STR(p.seg[2].key, "app.kubernetes.io/name");
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "\"say \\\"hi\\\" \\\\ back\".x", NULL, NULL));
	CHECK_STR(p.seg[0].key, "say \"hi\" \\ back");
	CHECK_INT(p.seg[0].key_len, 15);
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "env[name=\"a]b=c\"].value", NULL, NULL));
	CHECK_STR(p.seg[1].value, "a]b=c");
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "\"\"", NULL, NULL)); /* the empty key */
	CHECK_INT(p.seg[0].key_len, 0);
	ypath_release(&p);

	CHECK_QUIET_OK(ypath_parse(&p, "a[\"odd key\"=v w]", NULL, NULL));
	CHECK_STR(p.seg[1].key, "odd key");
	CHECK_STR(p.seg[1].value, "v w");
	ypath_release(&p);

	/* a control character in a key or value: \xHH (a YAML key may hold a
	 * tab, and the image finder must be able to write its path) */
	CHECK_QUIET_OK(ypath_parse(&p, "\"c\\x09\\x7Fd\"[n=\"\\x00\\x0a\"].e", NULL, NULL));
	CHECK_INT(p.seg[0].key_len, 4);
	CHECK(!memcmp(p.seg[0].key, "c\t\x7f" "d", 4));
	CHECK_INT(p.seg[1].value_len, 2);
	CHECK(!memcmp(p.seg[1].value, "\0\n", 2));
	ypath_release(&p);
}

/* Keys and values with every byte but NUL survive format -> parse. */
static void test_format_round_trip(void)
{
	char key[256];
	size_t n = 0;

	for (int c = 1; c < 256; c++)
		if (c < 0x80) /* the grammar wants UTF-8: ASCII bytes here */
			key[n++] = (char)c;
	for (size_t len = 0; len <= n; len += 7) {
		struct buf b = BUF_INIT;
		struct ypath p = YPATH_INIT;

		ypath_format_key(&b, key, len);
		buf_adds(&b, "[x=");
		ypath_format_quoted(&b, key, len);
		buf_adds(&b, "]");
		CHECK(!buf_failed(&b));
		CHECK_QUIET_OK(ypath_parse(&p, buf_cstr(&b), NULL, NULL));
		CHECK_INT(p.n, 2);
		CHECK(p.n == 2 && p.seg[0].key_len == len && !memcmp(p.seg[0].key, key, len));
		CHECK(p.n == 2 && p.seg[1].value_len == len && !memcmp(p.seg[1].value, key, len));
		ypath_release(&p);
		buf_release(&b);
	}
}

static void test_canonical(void)
{
	CHECK_STR(canon("a.b"), "a.b");
	CHECK_STR(canon("\"a\".\"b-c_9\""), "a.b-c_9");
	CHECK_STR(canon("a.\"x.y\""), "a.\"x.y\"");
	CHECK_STR(canon("c[name=\"x]\"]"), "c[name=\"x]\"]");
	CHECK_STR(canon("c[\"k k\"=v].d[3][*]"), "c[\"k k\"=v].d[3][*]");
	CHECK_STR(canon("\"\""), "\"\"");
	CHECK_STR(canon("[kind=Deployment].spec"), "[kind=Deployment].spec");
	CHECK_STR(canon("[\"kind\"=\"Job\"][a=\"x]\"].b"), "[kind=Job][a=\"x]\"].b");
	CHECK_STR(canon("[apiVersion=apps/v1]"), "[apiVersion=apps/v1]");
	CHECK_STR(canon("A[\"5\"=w)b]"), "A[5=w)b]"); /* and that parses back */
	CHECK_STR(canon("A[5=w)b]"), "A[5=w)b]");
}

static void test_errors(void)
{
	static const struct {
		const char *path, *what, *want;
	} bad[] = {
		{ "", NULL, "empty path" },
		{ "=v", NULL, "empty path" },
		{ "a..b", "--set", "bad path 'a..b' in --set: expected a key at offset 2" },
		{ "a.b c", NULL, "expected '.', '[', '=' or ':='" },
		{ "a/b", NULL, "expected '.', '[', '=' or ':='" },
		{ "a:b=1", NULL, "expected '.', '[', '=' or ':='" },
		{ ":=1", NULL, "empty path" },
		{ ".a", NULL, "expected a key" },
		{ "a.", NULL, "expected a key at offset 2" },
		{ "a.\"b", NULL, "unterminated quoted key" },
		{ "a.\"b\\n\"", NULL, "unknown escape" },
		{ "a.\"b\\x4\"", NULL, "\\x needs two hex digits" },
		{ "a.\"b\\x", NULL, "\\x needs two hex digits" },
		{ "a.\"b\\xb0\"", NULL, "\\xHH is for control characters" },
		{ "a[k=\"\\x20\"]", NULL, "\\xHH is for control characters" },
		{ "a[", NULL, "expected a key" },
		{ "a[1", NULL, "expected '=' or ']' in selector" },
		{ "a[01]", NULL, "leading zero" },
		{ "a[999999999999]", NULL, "index too large" },
		{ "a[-1]", NULL, "expected '=' or ']'" }, /* "-1" is a key */
		{ "a[k]", NULL, "expected '=' or ']'" },
		{ "a[k=]", NULL, "empty value in selector" },
		{ "[kind=Job", NULL, "expected ']'" },
		{ "[kind=Job]spec", NULL, "expected '.', '[', '=' or ':='" },
		{ "[=Job].spec", NULL, "expected a key at offset 1" },
		{ "a\tb", NULL, "control character" },
		{ "\"\xff\"", NULL, "invalid UTF-8" },
	};
	struct ypath p = YPATH_INIT;
	char longp[YPATH_MAX_LEN + 10];
	char many[3 * (YPATH_MAX_SEGS + 1) + 1];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		capture_begin();
		rc = ypath_parse(&p, bad[i].path, NULL, bad[i].what);
		capture_check(rc, capture_end(), -1, bad[i].want, __FILE__, __LINE__, bad[i].path);
	}
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	CHECK_FAILS(ypath_parse(&p, longp, NULL, NULL), "path too long");
	for (size_t i = 0; i < YPATH_MAX_SEGS + 1; i++)
		memcpy(many + 3 * i, "[0]", 3);
	many[sizeof(many) - 1] = '\0';
	CHECK_FAILS(ypath_parse(&p, many, NULL, NULL), "too many segments");
	CHECK_INT(p.n, 0); /* left empty on failure */
	CHECK(p.seg == NULL);
}

/* Arbitrary bytes never crash or leak (ASan watches). */
static void test_hostile(void)
{
	static const char *const inputs[] = {
		"[", "]", "[[", "\"", "\\", "[\"", "a[\"\\", "a[b=\"", "a[*", "a[*]b", "[*]=",
		"a.\"\\\\\".b[x=y]]", "\x80", "a\x7f", "[=]", "[a=b=c]",
	};
	struct ypath p = YPATH_INIT;

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		capture_begin();
		if (ypath_parse(&p, inputs[i], NULL, NULL) == 0)
			ypath_release(&p);
		capture_end();
	}
	CHECK(1);
}


/* The value's form: typed, quoted (a string), plain (keep the type). */
static void test_value_forms(void)
{
	static const struct {
		const char *end, *value;
		enum yq_mode mode;
	} forms[] = {
		{ "=3", "3", YQ_KEEP }, { "=", "", YQ_KEEP }, { ":=3", "3", YQ_TYPED },
		{ ":=\"3\"", "\"3\"", YQ_TYPED }, { "=\"3\"", "3", YQ_STRING },
		{ "='3'", "3", YQ_STRING }, { "=\"\"", "", YQ_STRING }, { "=\"", "\"", YQ_KEEP },
		{ "=\"3'", "\"3'", YQ_KEEP }, { "=\"a\"b\"", "a\"b", YQ_STRING },
		{ "= \"3\"", " \"3\"", YQ_KEEP },
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const char *v = NULL;
		size_t len = 0;
		enum yq_mode mode = YQ_KEEP;
		char got[64];

		ypath_value(forms[i].end, &v, &len, &mode);
		snprintf(got, sizeof(got), "%.*s", (int)len, v);
		CHECK_STR(got, forms[i].value);
		CHECK_INT(mode, forms[i].mode);
	}
}

int main(void)
{
	test_value_forms();
	test_segments();
	test_filters();
	test_quoted();
	test_format_round_trip();
	test_canonical();
	test_errors();
	test_hostile();
	return t_done();
}
