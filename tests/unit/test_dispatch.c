/* Unit tests for dispatch's pure parts: payload, limits, cutting, UTF-8. */
#include "dispatch.h"
#include "capture.h"
#include "log.h"
#include "t.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define SHA "6113728f27ae82c7b1a177c8d03f9e96e0adf246"

static struct dispatch_payload pl;
static cJSON *body;

static const struct dispatch_source base_src = {
	.service = "product",
	.environment = "sandbox",
	.repository = "org/product-service",
	.ref = "refs/heads/sandbox",
	.branch = "sandbox",
	.sha = SHA,
	.message = "Fix login\n\nLonger text",
	.actor = "octocat",
	.run_url = "https://github.com/org/product-service/actions/runs/9",
	.event = "push",
};

static int build(const struct dispatch_source *src, const char *type, const char *extra)
{
	dispatch_payload_release(&pl);
	cJSON_Delete(body);
	body = NULL;
	int rc = dispatch_build(&pl, src, type, extra);

	if (rc == 0)
		body = cJSON_ParseWithLength(pl.body, pl.body_len);
	return rc;
}

static const char *payload_str(const char *key)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "client_payload");

	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, key));
}

static const char *source_str(const char *key)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "client_payload");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "source");

	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, key));
}

static void check_subject(const char *msg, const char *want)
{
	struct buf b = BUF_INIT;

	CHECK_INT(dispatch_subject(&b, msg, strlen(msg)), 0);
	CHECK_STR(buf_cstr(&b), want);
	buf_release(&b);
}

static void test_subject(void)
{
	/* as git log --format=%s / --pretty=oneline print it */
	check_subject("Fix login", "Fix login");
	check_subject("Fix login\n\nbody", "Fix login");
	check_subject("\n \n  first line  \nsecond line\n\nbody", "  first line second line");
	check_subject("x\r\ny\r\n\r\nz", "x y");
	check_subject("", "");
	check_subject("\n\n\n", "");
	check_subject("only\t \n", "only");
}

static void test_payload_shape(void)
{
	struct dispatch_source src = base_src;

	CHECK_QUIET_OK(build(&src, "product", NULL));
	CHECK_STR(pl.payload,
		  "{\"service\":\"product\",\"environment\":\"sandbox\","
		  "\"commitmsg\":\"6113728 Fix login\",\"baseRef\":\"sandbox\","
		  "\"source\":{\"repository\":\"org/product-service\",\"ref\":\"refs/heads/sandbox\","
		  "\"sha\":\"" SHA "\",\"message\":\"Fix login\\n\\nLonger text\","
		  "\"actor\":\"octocat\","
		  "\"run_url\":\"https://github.com/org/product-service/actions/runs/9\","
		  "\"event\":\"push\"}}");
	CHECK(strncmp(pl.body, "{\"event_type\":\"product\",\"client_payload\":{", 42) == 0);
	CHECK_INT(pl.body_len, strlen(pl.body));
	CHECK_INT(pl.message_len, pl.message_kept);
	CHECK_INT(pl.replaced, 0);

	/* image only when given; null for what is unknown; baseRef falls back */
	src.image = "ecr/product@sha256:abc";
	src.actor = NULL;
	src.run_url = NULL;
	src.branch = NULL;
	src.environment = "qa";
	CHECK_QUIET_OK(build(&src, "deploy", NULL));
	CHECK_STR(payload_str("image"), "ecr/product@sha256:abc");
	CHECK_STR(payload_str("baseRef"), "qa");
	CHECK(strstr(pl.payload, "\"actor\":null,\"run_url\":null") != NULL);
	CHECK(strstr(pl.payload, "\"environment\":\"qa\",\"image\":") != NULL);

	/* client-payload keys join the top level, after ours */
	src = base_src;
	CHECK_QUIET_OK(build(&src, "product", "{\"team\":\"a\",\"nested\":{\"x\":[1,2]}}"));
	CHECK(strstr(pl.payload, "\"event\":\"push\"},\"team\":\"a\",\"nested\":{\"x\":[1,2]}}") != NULL);
}

static void test_payload_errors(void)
{
	struct dispatch_source src = base_src;
	char type[512];

	CAPTURED(build(&src, "p", "{\"service\":\"x\"}"), GB_EUSAGE, "sets 'service'");
	CAPTURED(build(&src, "p", "{\"commitmsg\":1}"), GB_EUSAGE,
		 "input 'client-payload' sets 'commitmsg', which gitops-bump sets itself");
	CAPTURED(build(&src, "p", "{\"image\":1}"), GB_EUSAGE, "sets 'image'");
	CAPTURED(build(&src, "p", "{\"a\":1,\"a\":2}"), GB_EUSAGE,
		 "input 'client-payload' has the key 'a' twice");
	CAPTURED(build(&src, "p", "[1]"), GB_EUSAGE, "must be a JSON object");
	/* cJSON reads 1e999 as infinity and would send null */
	CAPTURED(build(&src, "p", "{\"a\":{\"b\":[2,1e999]}}"), GB_EUSAGE,
		 "input 'client-payload' has a number too large for a double");
	/* 5 of ours + 5 more is 10: fine; one more is not */
	CHECK_QUIET_OK(build(&src, "p", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}"));
	CAPTURED(build(&src, "p", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}"), GB_EUSAGE,
		 "client_payload would have 11 top-level keys, GitHub allows 10: gitops-bump sets 5 "
		 "and 'client-payload' adds 6 ('a', 'b', 'c', 'd', 'e', 'f')");
	/* thousands of keys: the first ten are named (found by tests/test_hostile.py) */
	CAPTURED(build(&src, "p", "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,"
		       "\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,\"k10\":10}"), GB_EUSAGE,
		 "adds 11 ('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', ...); nest");
	src.image = "img";
	CAPTURED(build(&src, "p", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}"), GB_EUSAGE,
		 "gitops-bump sets 6 and 'client-payload' adds 5");
	src.image = NULL;

	/* event types: 1..100 characters, not bytes */
	CAPTURED(build(&src, "", NULL), GB_EUSAGE, "is 0 characters long; GitHub allows 1 to 100");
	memset(type, 'x', 101);
	type[101] = '\0';
	CAPTURED(build(&src, type, NULL), GB_EUSAGE, "is 101 characters long");
	type[100] = '\0';
	CHECK_QUIET_OK(build(&src, type, NULL));
	for (int i = 0; i < 100; i++)
		memcpy(type + 3 * i, "\xed\x95\x9c", 3);
	type[300] = '\0';
	CHECK_QUIET_OK(build(&src, type, NULL));
	CAPTURED(build(&src, "a\nb", NULL), GB_EUSAGE, "must be printable UTF-8 text");
	CAPTURED(build(&src, "a\xff", NULL), GB_EUSAGE, "must be printable UTF-8 text");
}

/* A message of `n` copies of `unit`. */
static char *repeat(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	char *s = malloc(u * n + 1);

	for (size_t i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[u * n] = '\0';
	return s;
}

static void check_cut(const char *message, const char *what)
{
	struct dispatch_source src = base_src;
	const char *got;
	char mark[96];

	src.message = message;
	CHECK_QUIET_OK(build(&src, "product", NULL));
	CHECK(pl.body_len <= DISPATCH_BODY_MAX);
	/* cut, not starved: the body is filled to within a few characters */
	if (pl.body_len + 12 < DISPATCH_BODY_MAX)
		fprintf(stderr, "%s: body only %zu bytes\n", what, pl.body_len);
	CHECK(pl.body_len + 12 >= DISPATCH_BODY_MAX);
	CHECK(pl.message_kept < pl.message_len);
	CHECK_INT(pl.message_len, strlen(message));
	got = source_str("message");
	CHECK(got != NULL);
	if (!got)
		return;
	snprintf(mark, sizeof(mark), "\n\n[gitops-bump: message truncated, %zu bytes in full]",
		 strlen(message));
	CHECK_INT(strlen(got), pl.message_kept + strlen(mark));
	CHECK(strncmp(got, message, pl.message_kept) == 0);
	CHECK_STR(got + pl.message_kept, mark);
}

static void test_cutting(void)
{
	struct dispatch_source src = base_src;
	char *m;

	/* a 100 KB message, and ones whose JSON costs 2 and 6 bytes a byte */
	m = repeat("line of text\n\n", 7500);
	check_cut(m, "plain");
	CHECK_STR(payload_str("commitmsg"), "6113728 line of text");
	CHECK_INT(pl.subject_kept, pl.subject_len);
	free(m);
	m = repeat("\"\\", 40000);
	check_cut(m, "quotes");
	free(m);
	m = repeat("\x01", 20000);
	check_cut(m, "controls");
	free(m);

	/* never inside a character: 3-byte Korean and 4-byte emoji */
	m = repeat("\xed\x95\x9c\xf0\x9f\x9a\x80", 20000);
	check_cut(m, "utf8");
	{
		const char *got = source_str("message");
		size_t cut = got ? strcspn(got, "\n") : 0;

		CHECK(cut % 7 == 0 || cut % 7 == 3); /* after an emoji or a Korean letter */
	}
	free(m);

	/* one huge line: the subject in commitmsg is cut too */
	m = repeat("x", 100000);
	src.message = m;
	CHECK_QUIET_OK(build(&src, "product", NULL));
	CHECK(pl.body_len <= DISPATCH_BODY_MAX && pl.body_len + 40 >= DISPATCH_BODY_MAX);
	CHECK(pl.subject_kept < pl.subject_len);
	CHECK_INT(pl.subject_len, 100000);
	{
		const char *c = payload_str("commitmsg");
		const char *tail = " [gitops-bump: truncated]";

		CHECK(c && strncmp(c, "6113728 xxxx", 12) == 0);
		CHECK(c && strlen(c) > strlen(tail) &&
		      strcmp(c + strlen(c) - strlen(tail), tail) == 0);
		CHECK(c && strlen(c) > 20000); /* a fair share, not a stub */
	}
	free(m);

	/* exactly at the limit is kept whole; one byte more is cut */
	src = base_src;
	src.message = "s";
	CHECK_QUIET_OK(build(&src, "product", NULL));
	{
		/* "s\n\n" costs 5 bytes of JSON, 4 more than "s"; the subject
		 * stays "s", so each 'y' costs one byte */
		size_t room = DISPATCH_BODY_MAX - pl.body_len;
		char *fits = malloc(room + 2);

		memset(fits, 'y', room + 1);
		memcpy(fits, "s\n\n", 3);
		fits[room - 1] = '\0';
		src.message = fits;
		CHECK_QUIET_OK(build(&src, "product", NULL));
		CHECK_INT(pl.body_len, DISPATCH_BODY_MAX);
		CHECK_INT(pl.message_kept, pl.message_len);
		fits[room - 1] = 'y';
		fits[room] = '\0';
		CHECK_QUIET_OK(build(&src, "product", NULL));
		CHECK(pl.message_kept < pl.message_len);
		CHECK(pl.body_len <= DISPATCH_BODY_MAX);
		free(fits);
	}
}

static void test_overflow(void)
{
	struct dispatch_source src = base_src;
	char *big = repeat("z", 70000), *extra = malloc(70100);

	snprintf(extra, 70100, "{\"blob\":\"%s\"}", big);
	CAPTURED(build(&src, "product", extra), GB_EUSAGE,
		 "largest keys: 'blob' (client-payload) 70010 bytes, 'source' ");
	CAPTURED(build(&src, "product", extra), GB_EUSAGE,
		 "the dispatch request would be 70");
	src.image = big;
	CAPTURED(build(&src, "product", NULL), GB_EUSAGE, "largest keys: 'image' 70011 bytes");
	free(big);
	free(extra);
}

static void test_invalid_utf8(void)
{
	struct dispatch_source src = base_src;

	src.message = "caf\xe9 \xff ok";
	src.actor = "bad\xc3";
	CHECK_QUIET_OK(build(&src, "product", "{\"k\xff\":\"v\xfe\"}"));
	CHECK_STR(source_str("message"), "caf\xef\xbf\xbd \xef\xbf\xbd ok");
	CHECK_STR(source_str("actor"), "bad\xef\xbf\xbd");
	CHECK_STR(payload_str("k\xef\xbf\xbd"), "v\xef\xbf\xbd");
	CHECK_INT(pl.replaced, 5);
	CHECK_STR(payload_str("commitmsg"), "6113728 caf\xef\xbf\xbd \xef\xbf\xbd ok");
}

/* Random messages (any bytes, any length up to 150 KB): the body always
 * parses, fits, and carries the repaired message or a prefix of it plus
 * the marker.  Deterministic: the same generator every run. */
static void test_random_messages(void)
{
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	static const char pieces[][8] = { "a", "\"", "\\", "\n", "\r\n", "\x01", "\xed\x95\x9c",
					   "\xf0\x9f\x9a\x80", "\xff", "\xe2\x82", " ", "::" };

	for (int round = 0; round < 60; round++) {
		struct dispatch_source src = base_src;
		struct buf msg = BUF_INIT, fixed = BUF_INIT;
		size_t want, n, replaced;
		const char *got;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		want = (size_t)(x >> 33) % (150 * 1024);
		while (msg.len < want) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			buf_adds(&msg, pieces[(x >> 33) % (sizeof(pieces) / sizeof(*pieces))]);
		}
		src.message = buf_cstr(&msg);
		CHECK_INT(build(&src, "product", round % 2 ? "{\"k\":\"v\"}" : NULL), 0);
		CHECK(body != NULL);
		CHECK(pl.body_len <= DISPATCH_BODY_MAX);
		utf8_fix(&fixed, msg.ptr ? msg.ptr : "", msg.len, &replaced);
		got = source_str("message");
		n = pl.message_kept;
		CHECK(got && n <= fixed.len && memcmp(got, buf_cstr(&fixed), n) == 0);
		if (got && n == fixed.len)
			CHECK_INT(strlen(got), fixed.len);
		else if (got)
			CHECK(strstr(got + n, "[gitops-bump: message truncated, ") == got + n + 2);
		buf_release(&msg);
		buf_release(&fixed);
	}
}

int main(void)
{
	log_set_style(LOG_PLAIN);
	test_subject();
	test_payload_shape();
	test_payload_errors();
	test_cutting();
	test_overflow();
	test_invalid_utf8();
	test_random_messages();
	dispatch_payload_release(&pl);
	cJSON_Delete(body);
	return t_done();
}
