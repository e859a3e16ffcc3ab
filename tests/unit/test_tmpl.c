/* Unit tests for tmpl. */
#include "tmpl.h"
#include "capture.h"
#include "t.h"

#include <stdlib.h>

static const char *lookup(const void *arg, const char *key)
{
	const char *const *kv = arg;

	for (; kv[0]; kv += 2)
		if (strcmp(kv[0], key) == 0)
			return kv[1];
	return NULL;
}

static const char *const payload_kv[] = {
	"region", "eu-1",
	"source.ref", "refs/heads/sandbox",
	"weird-key_1", "{sha}",
	NULL,
};

static struct tmpl_ctx full_ctx(void)
{
	struct tmpl_ctx c = { .payload = lookup, .payload_arg = payload_kv };

	c.vars[TV_SERVICE] = "product";
	c.vars[TV_ENVIRONMENT] = "sandbox";
	c.vars[TV_MESSAGE] = "Fix \"quotes\" | & $(x)\nbody";
	c.vars[TV_SUBJECT] = "Fix \"quotes\" | & $(x)";
	c.vars[TV_SHA] = "0123456789abcdef0123456789abcdef01234567";
	c.vars[TV_SHORT_SHA] = "0123456";
	c.vars[TV_REPOSITORY] = "org/product-service";
	c.vars[TV_ACTOR] = "octocat";
	c.vars[TV_RUN_URL] = "https://github.com/org/product-service/actions/runs/1";
	c.vars[TV_TIME] = "2024-08-04T12:34:56Z";
	c.vars[TV_IMAGE] = "ecr/product@sha256:abc";
	return c;
}

static char out_text[4096];

/* Expand into out_text; the return code of tmpl_expand. */
static int expand(const char *tmpl, const struct tmpl_ctx *c)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_adds(&b, "<");
	rc = tmpl_expand(&b, tmpl, c, "input 'value'");
	snprintf(out_text, sizeof(out_text), "%s", buf_cstr(&b));
	buf_release(&b);
	return rc;
}

static void test_every_variable(void)
{
	struct tmpl_ctx c = full_ctx();

	CHECK_QUIET_OK(expand("{service}/{environment}/{environment}-deploy.yaml", &c));
	CHECK_STR(out_text, "<product/sandbox/sandbox-deploy.yaml");
	CHECK_QUIET_OK(expand("{time} {repository}@{short_sha}: {subject}", &c));
	CHECK_STR(out_text, "<2024-08-04T12:34:56Z org/product-service@0123456: "
		  "Fix \"quotes\" | & $(x)");
	CHECK_QUIET_OK(expand("{message}|{sha}|{actor}|{run_url}|{image}", &c));
	CHECK_STR(out_text, "<Fix \"quotes\" | & $(x)\nbody|0123456789abcdef0123456789abcdef01234567"
		  "|octocat|https://github.com/org/product-service/actions/runs/1|"
		  "ecr/product@sha256:abc");
	CHECK_QUIET_OK(expand("{payload.region}-{payload.source.ref}", &c));
	CHECK_STR(out_text, "<eu-1-refs/heads/sandbox");
	CHECK_QUIET_OK(expand("", &c));
	CHECK_STR(out_text, "<");
	for (int v = 0; v < TV__COUNT; v++)
		CHECK(tmpl_var_name((enum tmpl_var)v)[0] != '\0');
	CHECK_STR(tmpl_var_name(TV_SHORT_SHA), "short_sha");
}

/* Values are inserted verbatim and never expanded again. */
static void test_no_reexpansion(void)
{
	struct tmpl_ctx c = full_ctx();

	c.vars[TV_SUBJECT] = "{service} }} {{ {";
	CHECK_QUIET_OK(expand("[{subject}] {payload.weird-key_1}", &c));
	CHECK_STR(out_text, "<[{service} }} {{ {] {sha}");
}

static void test_braces(void)
{
	struct tmpl_ctx c = full_ctx();

	CHECK_QUIET_OK(expand("{{service}} {{{service}}} }}{{", &c));
	CHECK_STR(out_text, "<{service} {product} }{");
	CHECK_QUIET_OK(tmpl_check("{{\"json\": 1}}", "input 'set'"));
	CHECK_FAILS(tmpl_check("a } b", "input 'set'"),
		    "lone '}' in input 'set' at offset 2 (write '}}' for a literal '}')");
	CHECK_FAILS(tmpl_check("{\"json\": 1}", "input 'set'"), "unknown placeholder '{\"json\": 1}'");
	CHECK_FAILS(tmpl_check("x {service", "input 'value'"),
		    "unclosed '{' in input 'value' at offset 2");
	CHECK_FAILS(tmpl_check("{ser{vice}", "input 'value'"), "unclosed '{'");
	CHECK_FAILS(tmpl_check("{}", "input 'value'"), "unknown placeholder '{}'");
}

static void test_unknown_placeholders(void)
{
	CHECK_FAILS(tmpl_check("{Service}", "input 'manifest'"),
		    "unknown placeholder '{Service}' in input 'manifest' (known: {service}");
	CHECK_FAILS(tmpl_check("ok {shortsha}", "input 'value'"), "'{shortsha}'");
	CHECK_FAILS(tmpl_check("{ service}", "input 'value'"), "'{ service}'");
	CHECK_FAILS(tmpl_check("{payload.}", "input 'value'"), "unknown placeholder '{payload.}'");
	CHECK_FAILS(tmpl_check("{payload.a b}", "input 'value'"),
		    "bad payload key in '{payload.a b}' in input 'value'");
	CHECK_FAILS(tmpl_check("{payload.a/b}", "input 'value'"), "bad payload key");
	CHECK_QUIET_OK(tmpl_check("{payload.a.b-c_D9}", "input 'value'"));
}

static void test_long_inputs(void)
{
	char key[TMPL_KEY_MAX + 20], name[300];
	char *big;

	snprintf(key, sizeof(key), "{payload.%0*d}", TMPL_KEY_MAX, 0);
	CHECK_QUIET_OK(tmpl_check(key, "input 'value'"));
	snprintf(key, sizeof(key), "{payload.%0*d}", TMPL_KEY_MAX + 1, 0);
	CHECK_FAILS(tmpl_check(key, "input 'value'"), "bad payload key");
	/* a long unknown name is quoted shortened */
	memset(name, 'x', sizeof(name));
	name[0] = '{';
	name[sizeof(name) - 2] = '}';
	name[sizeof(name) - 1] = '\0';
	CHECK_FAILS(tmpl_check(name, "input 'value'"), "xxx...}'");
	big = malloc(TMPL_MAX + 2);
	memset(big, 'a', TMPL_MAX + 1);
	big[TMPL_MAX + 1] = '\0';
	CHECK_FAILS(tmpl_check(big, "input 'value'"), "input 'value' is too long");
	free(big);
}

static void test_missing_values(void)
{
	struct tmpl_ctx c = full_ctx();
	struct buf b = BUF_INIT;

	c.vars[TV_SHA] = NULL;
	CHECK_FAILS(expand("{service}@{sha}", &c),
		    "input 'value' uses {sha}, but this run has no sha");
	CHECK_STR(out_text, "<"); /* untouched on failure */
	CHECK_FAILS(expand("{payload.nope}", &c),
		    "input 'value' uses {payload.nope}, but the payload has no key 'nope'");
	c.payload = NULL;
	CHECK_FAILS(expand("{payload.region}", &c), "no key 'region'");
	/* a syntax error at expansion time is reported too */
	CHECK_FAILS(expand("a}", &c), "lone '}'");

	/* the result passing the buffer's cap */
	c = full_ctx();
	buf_init(&b, 10);
	buf_adds(&b, "12345");
	CHECK_FAILS(tmpl_expand(&b, "{repository}", &c, "input 'branch'"),
		    "cannot expand input 'branch': the result is too large");
	CHECK_STR(buf_cstr(&b), "12345");
	CHECK(!buf_failed(&b));
	buf_release(&b);
}

static void test_uses(void)
{
	CHECK(tmpl_uses("{image}", TV_IMAGE));
	CHECK(tmpl_uses("a {{b}} {image}", TV_IMAGE));
	CHECK(!tmpl_uses("{{image}}", TV_IMAGE));
	CHECK(!tmpl_uses("{payload.image}", TV_IMAGE));
	CHECK(!tmpl_uses("{service}", TV_IMAGE));
	CHECK(tmpl_uses("{time} {short_sha}", TV_SHORT_SHA));
}

/* Arbitrary bytes: check and expand agree, nothing crashes (ASan). */
static void test_arbitrary_bytes(void)
{
	struct tmpl_ctx c = full_ctx();
	unsigned state = 99;
	int disagree = 0;

	for (int round = 0; round < 3000; round++) {
		char t[24];
		size_t len = (size_t)(round % 23);
		struct buf b = BUF_INIT;
		int ok1, ok2;

		for (size_t i = 0; i < len; i++) {
			state = state * 1103515245u + 12345u;
			t[i] = "{}{}sericvpayload.x\xff "[(state >> 16) % 22];
		}
		t[len] = '\0';
		capture_begin();
		ok1 = tmpl_check(t, "f");
		ok2 = tmpl_expand(&b, t, &c, "f");
		capture_end();
		/* expansion may fail only for a missing payload key once checked */
		if (ok1 < 0 && ok2 == 0)
			disagree++;
		buf_release(&b);
	}
	CHECK_INT(disagree, 0);
}

int main(void)
{
	test_every_variable();
	test_no_reexpansion();
	test_braces();
	test_unknown_placeholders();
	test_long_inputs();
	test_missing_values();
	test_uses();
	test_arbitrary_bytes();
	return t_done();
}
