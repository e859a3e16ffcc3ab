/* Unit tests for payload. */
#include "payload.h"
#include "capture.h"
#include "t.h"

#include <stdlib.h>

static struct payload p;
static struct event ev;

/* The patch mode's path: the event parsed once, the payload derived. */
static int parse_len(const char *json, size_t len)
{
	payload_release(&p);
	event_release(&ev);
	if (event_parse(&ev, "repository_dispatch", json, len, "/ev.json") < 0)
		return -1;
	return payload_from_event(&p, &ev);
}

static int parse(const char *json)
{
	return parse_len(json, strlen(json));
}

static const char dispatch_event[] =
	"{\"action\":\"product\",\"branch\":\"main\",\"client_payload\":{"
	"\"service\":\"product-service\",\"environment\":\"sandbox\","
	"\"image\":\"ecr/product@sha256:ab\",\"commitmsg\":\"short\",\"baseRef\":\"sandbox\","
	"\"source\":{\"repository\":\"org/product-service\",\"ref\":\"refs/heads/sandbox\","
	"\"sha\":\"0123456789abcdef0123456789abcdef01234567\","
	"\"message\":\"Fix \\\"x\\\" | & $(y)\\r\\nbody \\ud55c\\uae00 \\ud83d\\ude80\","
	"\"actor\":\"octocat\",\"run_url\":\"https://github.com/org/p/actions/runs/9\","
	"\"event\":\"push\"},\"team\":\"a\"}}";

static void test_dispatch_payload(void)
{
	CHECK_QUIET_OK(parse(dispatch_event));
	CHECK_INT(p.kind, PAYLOAD_DISPATCH);
	CHECK_STR(p.action, "product");
	CHECK_STR(p.service, "product-service");
	CHECK_STR(p.environment, "sandbox");
	CHECK_STR(p.image, "ecr/product@sha256:ab");
	/* source.message wins over commitmsg */
	CHECK_STR(p.message, "Fix \"x\" | & $(y)\r\nbody \xed\x95\x9c\xea\xb8\x80 \xf0\x9f\x9a\x80");
	CHECK_STR(p.subject, "Fix \"x\" | & $(y)");
	CHECK_STR(p.repository, "org/product-service");
	CHECK_STR(p.ref, "refs/heads/sandbox");
	CHECK_STR(p.sha, "0123456789abcdef0123456789abcdef01234567");
	CHECK_STR(p.short_sha, "0123456");
	CHECK_STR(p.actor, "octocat");
	CHECK_STR(p.run_url, "https://github.com/org/p/actions/runs/9");
	CHECK_STR(p.event, "push");
}

static void test_article_payload(void)
{
	CHECK_QUIET_OK(parse("{\"action\":\"product\",\"client_payload\":{"
			     "\"commitmsg\":\"a1b2c3d Fix login\",\"baseRef\":\"sandbox\"}}"));
	CHECK_INT(p.kind, PAYLOAD_ARTICLE);
	CHECK_STR(p.service, "product");
	CHECK_STR(p.environment, "sandbox");
	CHECK_STR(p.message, "a1b2c3d Fix login");
	CHECK_STR(p.subject, "a1b2c3d Fix login");
	CHECK(p.sha == NULL && p.short_sha == NULL && p.repository == NULL);
	CHECK(p.image == NULL && p.actor == NULL && p.run_url == NULL);

	/* a full ref is shortened; a service in the payload wins over action */
	CHECK_QUIET_OK(parse("{\"action\":\"x\",\"client_payload\":{\"service\":\"svc\","
			     "\"commitmsg\":\"\",\"baseRef\":\"refs/heads/release/1.2\"}}"));
	CHECK_STR(p.service, "svc");
	CHECK_STR(p.environment, "release/1.2");
	CHECK_STR(p.subject, "");
	/* null optional fields are absent */
	CHECK_QUIET_OK(parse("{\"action\":\"x\",\"client_payload\":{\"image\":null,"
			     "\"commitmsg\":\"m\",\"baseRef\":\"qa\"}}"));
	CHECK(p.image == NULL);
}

static void test_missing_fields(void)
{
	/* GitHub always sends `action`: an event without it is refused by event.c */
	CHECK_FAILS(parse("{\"client_payload\":{\"commitmsg\":\"m\",\"baseRef\":\"qa\"}}"),
		    "has no string 'action' (is it a repository_dispatch event?)");

	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"m\"}}"),
		    "has neither 'client_payload.environment' nor 'client_payload.baseRef'");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"baseRef\":\"qa\"}}"),
		    "nor 'client_payload.commitmsg'");
	CHECK_FAILS(parse("{\"action\":\"p\"}"), "has no 'client_payload'");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":null}"), "has no 'client_payload'");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"service\":\"s\",\"environment\":\"qa\","
			  "\"source\":{\"sha\":\"0123456789abcdef0123456789abcdef01234567\","
			  "\"message\":\"m\"}}}"),
		    "field 'client_payload.source.repository' is missing from the event in '/ev.json'");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"service\":\"s\",\"environment\":\"qa\","
			  "\"source\":{\"repository\":\"o/r\",\"message\":\"m\"}}}"),
		    "field 'client_payload.source.sha' is missing");
}

static void test_mistyped_fields(void)
{
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"service\":5,"
			  "\"commitmsg\":\"m\",\"baseRef\":\"qa\"}}"),
		    "field 'client_payload.service' in '/ev.json' must be a string, not a number");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"commitmsg\":[\"m\"],"
			  "\"baseRef\":\"qa\"}}"), "'client_payload.commitmsg' in '/ev.json' must be "
		    "a string, not an array");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"m\","
			  "\"baseRef\":true}}"), "must be a string, not a boolean");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"m\","
			  "\"baseRef\":{\"a\":1}}}"), "must be a string, not an object");
	/* event.c checks the event's own shape */
	CHECK_FAILS(parse("{\"action\":7,\"client_payload\":{}}"), "has no string 'action'");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":[1]}"),
		    "event file '/ev.json' has a 'client_payload' that is not an object");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"source\":\"o/r\","
			  "\"commitmsg\":\"m\",\"baseRef\":\"qa\"}}"),
		    "field 'client_payload.source' in '/ev.json' must be an object, not a string");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"image\":1,"
			  "\"commitmsg\":\"m\",\"baseRef\":\"qa\"}}"),
		    "field 'client_payload.image' in '/ev.json' must be a string, not a number");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"service\":\"s\",\"environment\":\"qa\","
			  "\"source\":{\"repository\":\"o/r\",\"sha\":\"0123456\",\"message\":\"m\"}}}"),
		    "field 'client_payload.source.sha' in '/ev.json' must be a full lowercase "
		    "commit id (40 hex digits), not '0123456'");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"service\":\"s\",\"environment\":\"qa\","
			  "\"source\":{\"repository\":\"o/r\",\"message\":\"m\","
			  "\"sha\":\"0123456789ABCDEF0123456789abcdef01234567\"}}}"),
		    "must be a full lowercase commit id");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"service\":\"s\",\"environment\":\"qa\","
			  "\"source\":{\"repository\":\"o/r\",\"message\":\"m\","
			  "\"sha\":\"0123456789abcdef0123456789abcdef01234567\",\"actor\":{}}}}"),
		    "field 'client_payload.source.actor' in '/ev.json' must be a string, not an object");
}

static void test_malformed(void)
{
	CHECK_FAILS(parse(""), "event file '/ev.json' is not valid JSON");
	CHECK_FAILS(parse("{\"action\":"), "is not valid JSON");
	CHECK_FAILS(parse("[]"), "event file '/ev.json' is not a JSON object");
	CHECK_FAILS(parse("{\"action\":\"p\"} trailing"), "is not valid JSON");
	CHECK_FAILS(parse_len("{}\0{}", 5), "contains a NUL character");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"m\","
			  "\"baseRef\":\"qa\"}}}"), "is not valid JSON");
	CHECK_QUIET_OK(parse(" {\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"m\","
			     "\"baseRef\":\"qa\"}}\r\n\t "));
}

/* A NUL hidden in a field would show one value to C and another to JSON. */
static void test_nul_smuggling(void)
{
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"m\","
			  "\"baseRef\":\"sandbox\\u0000/../../x\"}}"),
		    "event file '/ev.json' contains a NUL character");
	/* an escaped backslash before "u0000" is plain text */
	CHECK_QUIET_OK(parse("{\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"a\\\\u0000\","
			     "\"baseRef\":\"qa\"}}"));
	CHECK_STR(p.message, "a\\u0000");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"a\\\\\\u0000\","
			  "\"baseRef\":\"qa\"}}"), "NUL character");
	/* a raw NUL byte inside a string: cJSON keeps it, cutting the value
	 * (found by fuzz/fuzz_payload.c) */
	{
		static const char raw[] = "{\"action\":\"p\",\"client_payload\":{\"commitmsg\":\"m\","
					  "\"baseRef\":\"sandbox\0/../../x\"}}";

		CHECK_FAILS(parse_len(raw, sizeof(raw) - 1),
			    "event file '/ev.json' contains a NUL character");
	}
}

static void test_bounds(void)
{
	size_t n = PAYLOAD_STRING_MAX + 1;
	char *big = malloc(n + 100);
	int k;

	k = sprintf(big, "{\"action\":\"p\",\"client_payload\":{\"baseRef\":\"qa\",\"commitmsg\":\"");
	memset(big + k, 'm', n);
	strcpy(big + k + n, "\"}}");
	CHECK_FAILS(parse(big), "field 'client_payload.commitmsg' in '/ev.json' is too long "
		    "(1048577 bytes, at most 1048576)");
	big[k + n - 1] = '"';
	strcpy(big + k + n, "}}");
	CHECK_QUIET_OK(parse(big));
	CHECK_INT(strlen(p.message), n - 1);
	free(big);
}

/* `source.sha` is `sha` inside the object `source`: a key spelt with a dot
 * never stands in for it, or for the message. */
static void test_dotted_keys(void)
{
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"service\":\"s\","
			  "\"environment\":\"qa\",\"source.sha\":"
			  "\"0123456789abcdef0123456789abcdef01234567\",\"source\":{"
			  "\"repository\":\"o/r\",\"message\":\"m\"}}}"),
		    "field 'client_payload.source.sha' is missing");
	CHECK_FAILS(parse("{\"action\":\"p\",\"client_payload\":{\"source.message\":\"m\","
			  "\"baseRef\":\"qa\"}}"),
		    "has neither 'client_payload.source.message' nor 'client_payload.commitmsg'");
	/* a null source is the article's payload */
	CHECK_QUIET_OK(parse("{\"action\":\"p\",\"client_payload\":{\"source\":null,"
			     "\"commitmsg\":\"m\",\"baseRef\":\"qa\"}}"));
	CHECK_INT(p.kind, PAYLOAD_ARTICLE);
	/* nothing is borrowed from the event */
	event_release(&ev);
	CHECK_STR(p.message, "m");
	CHECK_STR(p.action, "p");
}

/* Mutated events: whatever parses has every field the contract promises;
 * the rest fails cleanly (ASan watches). */
static void test_mutations(void)
{
	unsigned state = 3;
	int ok = 0, broken = 0;
	size_t n = sizeof(dispatch_event) - 1;

	for (int round = 0; round < 4000; round++) {
		char j[sizeof(dispatch_event)];
		size_t len = n - (round % 7 == 0 ? (size_t)(round % 50) : 0);

		memcpy(j, dispatch_event, n);
		for (int k = 0; k < 1 + round % 3; k++) {
			state = state * 1103515245u + 12345u;
			j[(state >> 8) % n] = "{}[]\":,\\u0n1 \x80"[(state >> 20) % 15];
		}
		capture_begin();
		if (parse_len(j, len) == 0) {
			ok++;
			if (!p.service || !p.environment || !p.message || !p.subject ||
			    (p.kind == PAYLOAD_DISPATCH && (!p.sha || !p.short_sha ||
							    !p.repository)))
				broken++;
		}
		capture_end();
		payload_release(&p);
	}
	CHECK_INT(broken, 0);
	CHECK(ok > 100); /* many mutations land in text and still parse */
}

/* source.run_number, deployment_id, workflow_ref, rollback, oidc_token */
#define TRUST_EVENT(extra)                                                          \
	"{\"action\":\"p\",\"client_payload\":{\"service\":\"s\",\"environment\":\"qa\"," \
	"\"source\":{\"repository\":\"o/a\",\"sha\":"                                \
	"\"0123456789abcdef0123456789abcdef01234567\",\"message\":\"m\"" extra "}}}"

static void test_trust_fields(void)
{
	CHECK_QUIET_OK(parse(TRUST_EVENT("")));
	CHECK_INT(p.run_number, 0);
	CHECK(!p.rollback && !p.workflow_ref && !p.oidc_token && !p.deployment_id);
	CHECK_QUIET_OK(parse(TRUST_EVENT(",\"run_number\":17,\"deployment_id\":\"4711\","
					 "\"rollback\":true,\"workflow_ref\":\"o/a/.github/"
					 "workflows/d.yml@refs/heads/qa\"")));
	CHECK_INT(p.run_number, 17);
	CHECK_INT(p.deployment_id, 4711);
	CHECK(p.rollback);
	CHECK_STR(p.workflow_ref, "o/a/.github/workflows/d.yml@refs/heads/qa");
	CHECK_QUIET_OK(parse(TRUST_EVENT(",\"run_number\":null,\"rollback\":false")));
	CHECK(!p.run_number && !p.rollback);
	CHECK_FAILS(parse(TRUST_EVENT(",\"run_number\":-3")),
		    "'client_payload.source.run_number' in '/ev.json' must be a positive whole number");
	CHECK_FAILS(parse(TRUST_EVENT(",\"run_number\":1.5")), "positive whole number");
	CHECK_FAILS(parse(TRUST_EVENT(",\"run_number\":\"07\"")), "positive whole number");
	CHECK_FAILS(parse(TRUST_EVENT(",\"deployment_id\":[1]")), "not an array");
	CHECK_FAILS(parse(TRUST_EVENT(",\"rollback\":\"yes\"")),
		    "'client_payload.source.rollback' in '/ev.json' must be true or false");
	CHECK_FAILS(parse(TRUST_EVENT(",\"oidc_token\":7")), "must be a string");
}

int main(void)
{
	test_trust_fields();
	test_dispatch_payload();
	test_article_payload();
	test_missing_fields();
	test_mistyped_fields();
	test_malformed();
	test_nul_smuggling();
	test_bounds();
	test_dotted_keys();
	test_mutations();
	payload_release(&p);
	event_release(&ev);
	return t_done();
}
