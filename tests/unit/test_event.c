/* Unit tests for event: GitHub's own webhook examples and hostile files. */
#include "event.h"
#include "buf.h"
#include "capture.h"
#include "log.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

#define FIX "tests/fixtures/events/"

static struct event ev;

static int parse(const char *name, const char *json)
{
	event_release(&ev);
	return event_parse(&ev, name, json, strlen(json), "/ev.json");
}

static int parse_file(const char *name, const char *path)
{
	struct buf b = BUF_INIT;
	int rc;

	if (buf_read_file(&b, path) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		return -99;
	}
	event_release(&ev);
	rc = event_parse(&ev, name, buf_cstr(&b), b.len, path);
	buf_release(&b);
	return rc;
}

static void test_push_examples(void)
{
	CHECK_QUIET_OK(parse_file("push", FIX "push-branch.json"));
	CHECK_INT(ev.kind, EVENT_DEPLOY);
	CHECK_STR(ev.ref, "refs/heads/master");
	CHECK_STR(ev.branch, "master");
	CHECK_STR(ev.sha, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
	CHECK_STR(ev.message, "Initial commit");
	CHECK_STR(ev.repository, "Codertocat/Hello-World");
	CHECK_STR(ev.actor, "Codertocat");
	CHECK_STR(ev.name, "push");

	CHECK_QUIET_OK(parse_file("push", FIX "push-tag.json"));
	CHECK_INT(ev.kind, EVENT_TAG);
	CHECK_STR(ev.ref, "refs/tags/simple-tag");
	CHECK(ev.branch == NULL);

	CHECK_QUIET_OK(parse_file("push", FIX "push-tag-deleted.json"));
	CHECK_INT(ev.kind, EVENT_DELETE);
	CHECK(ev.sha == NULL && ev.message == NULL);
}

static void test_push_shapes(void)
{
	const char *sha = "0123456789abcdef0123456789abcdef01234567";
	char json[512];

	/* slashes in branch names are kept */
	snprintf(json, sizeof(json), "{\"ref\":\"refs/heads/release/1.2\",\"after\":\"%s\","
		 "\"head_commit\":{\"message\":\"m\\n\\nbody\"}}", sha);
	CHECK_QUIET_OK(parse("push", json));
	CHECK_STR(ev.branch, "release/1.2");
	CHECK_STR(ev.message, "m\n\nbody");

	/* a branch deletion: deleted, head_commit null, after zeros */
	CHECK_QUIET_OK(parse("push", "{\"ref\":\"refs/heads/x\",\"deleted\":true,"
			     "\"after\":\"0000000000000000000000000000000000000000\","
			     "\"head_commit\":null}"));
	CHECK_INT(ev.kind, EVENT_DELETE);
	CHECK_STR(ev.ref, "refs/heads/x");
	/* zeros alone are enough */
	CHECK_QUIET_OK(parse("push", "{\"ref\":\"refs/heads/x\","
			     "\"after\":\"0000000000000000000000000000000000000000\"}"));
	CHECK_INT(ev.kind, EVENT_DELETE);

	/* a branch push without head_commit: message left to the API */
	snprintf(json, sizeof(json), "{\"ref\":\"refs/heads/main\",\"after\":\"%s\","
		 "\"head_commit\":null}", sha);
	CHECK_QUIET_OK(parse("push", json));
	CHECK_INT(ev.kind, EVENT_DEPLOY);
	CHECK(ev.message == NULL);
	CHECK_STR(ev.sha, sha);

	/* SHA-256 repositories */
	CHECK_QUIET_OK(parse("push", "{\"ref\":\"refs/heads/m\",\"after\":\""
			     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"));
	CHECK_INT(strlen(ev.sha), 64);

	/* text that must arrive exactly */
	snprintf(json, sizeof(json), "{\"ref\":\"refs/heads/m\",\"after\":\"%s\",\"head_commit\":"
		 "{\"message\":\"q\\\" b\\\\ `x` $(id) | & %%s \\ud55c\\uae00 \\ud83d\\ude80\"}}", sha);
	CHECK_QUIET_OK(parse("push", json));
	CHECK_STR(ev.message, "q\" b\\ `x` $(id) | & %s \xed\x95\x9c\xea\xb8\x80 \xf0\x9f\x9a\x80");
}

static void test_push_errors(void)
{
	const char *sha = "0123456789abcdef0123456789abcdef01234567";
	char json[512];

	CHECK_FAILS(parse("push", ""), "event file '/ev.json' is not valid JSON (at byte 1)");
	CHECK_FAILS(parse("push", "{\"ref\": \"x\""), "event file '/ev.json' is not valid JSON");
	CHECK_FAILS(parse("push", "[]"), "event file '/ev.json' is not a JSON object");
	/* a complete event with something after it (found by fuzz/fuzz_event.c) */
	snprintf(json, sizeof(json), "{\"ref\":\"refs/heads/m\",\"after\":\"%s\"}\n{\"ref\":1}", sha);
	CHECK_FAILS(parse("push", json), "event file '/ev.json' is not valid JSON (at byte 75)");
	CHECK_FAILS(parse("workflow_dispatch", "{} x"), "is not valid JSON (at byte 4)");
	snprintf(json, sizeof(json), "{\"ref\":\"refs/heads/m\",\"after\":\"%s\"} \r\n\t", sha);
	CHECK_QUIET_OK(parse("push", json));
	CHECK_FAILS(parse("push", "{}"), "has no string 'ref' (is it a push event?)");
	CHECK_FAILS(parse("push", "{\"ref\":\"refs/heads/a\",\"after\":\"xyz\"}"),
		    "has no commit id in 'after'");
	snprintf(json, sizeof(json), "{\"ref\":\"refs/heads/m\",\"after\":\"%s\","
		 "\"head_commit\":{\"message\":5}}", sha);
	CHECK_FAILS(parse("push", json), "has a 'head_commit' without a string 'message'");
	/* NUL characters would cut strings silently */
	snprintf(json, sizeof(json), "{\"ref\":\"refs/heads/sandbox\\u0000x\",\"after\":\"%s\"}", sha);
	CHECK_FAILS(parse("push", json), "event file '/ev.json' contains a NUL character");
	/* an escaped backslash before u0000 is not a NUL */
	snprintf(json, sizeof(json), "{\"ref\":\"refs/heads/a\\\\u0000\",\"after\":\"%s\"}", sha);
	CHECK_QUIET_OK(parse("push", json));
	CHECK_STR(ev.branch, "a\\u0000");
	{
		static const char raw[] = "{\"ref\":\"refs/heads/a\0b\"}";

		event_release(&ev);
		CHECK_FAILS(event_parse(&ev, "push", raw, sizeof(raw) - 1, "/ev.json"),
			    "contains a NUL character");
	}
}

static void test_dispatch_event(void)
{
	const struct event_kv *kv;

	CHECK_QUIET_OK(parse_file("repository_dispatch", FIX "repository_dispatch.json"));
	CHECK_STR(ev.action, "on-demand-test");
	CHECK_STR(ev.branch, "master");
	CHECK_INT(ev.npayload, 0);
	CHECK_STR(ev.repository, "octo-org/octo-repo");

	CHECK_QUIET_OK(parse("repository_dispatch",
			     "{\"action\":\"product\",\"branch\":\"main\",\"client_payload\":{"
			     "\"service\":\"svc\",\"n\":3,\"ok\":true,\"nil\":null,\"list\":[1,\"a\"],"
			     "\"source\":{\"sha\":\"abc\",\"deep\":{\"x\":\"y\"}}}}"));
	CHECK_STR(ev.action, "product");
	CHECK_INT(ev.npayload, 9);
	CHECK_STR(ev.payload[0].key, "service");
	CHECK_STR(event_payload(&ev, "service"), "svc");
	CHECK_INT(event_payload_get(&ev, "service")->type, EVENT_STRING);
	kv = event_payload_get(&ev, "n");
	CHECK(kv && kv->type == EVENT_NUMBER);
	CHECK_STR(kv ? kv->value : NULL, "3");
	kv = event_payload_get(&ev, "ok");
	CHECK(kv && kv->type == EVENT_BOOL);
	CHECK_STR(kv ? kv->value : NULL, "true");
	kv = event_payload_get(&ev, "nil");
	CHECK(kv && kv->type == EVENT_NULL);
	kv = event_payload_get(&ev, "list");
	CHECK(kv && kv->type == EVENT_ARRAY);
	CHECK_STR(kv ? kv->value : NULL, "[1,\"a\"]");
	kv = event_payload_get(&ev, "source");
	CHECK(kv && kv->type == EVENT_OBJECT);
	CHECK_STR(kv ? kv->value : NULL, "{\"sha\":\"abc\",\"deep\":{\"x\":\"y\"}}");
	CHECK_STR(event_payload(&ev, "source.sha"), "abc");
	CHECK_STR(event_payload(&ev, "source.deep.x"), "y");
	CHECK(event_payload(&ev, "missing") == NULL);
	CHECK(event_payload(&ev, "source.") == NULL);
	CHECK(ev.has_payload);
	/* depth tells a nested key from one spelt with a dot */
	CHECK_INT(event_payload_get(&ev, "service")->depth, 1);
	CHECK_INT(event_payload_get(&ev, "source.deep.x")->depth, 3);
	CHECK(event_payload_at(&ev, "source.sha", 2) == event_payload_get(&ev, "source.sha"));
	CHECK(event_payload_at(&ev, "source.sha", 1) == NULL);
	CHECK_QUIET_OK(parse("repository_dispatch", "{\"action\":\"p\",\"client_payload\":{"
			     "\"source.sha\":\"abc\",\"source\":{\"x\":1}}}"));
	CHECK(event_payload_at(&ev, "source.sha", 1) != NULL);
	CHECK(event_payload_at(&ev, "source.sha", 2) == NULL);
	CHECK_INT(event_payload_get(&ev, "source.x")->depth, 2);

	/* an empty client_payload is there; an absent or null one is not */
	CHECK_QUIET_OK(parse("repository_dispatch", "{\"action\":\"p\",\"client_payload\":{}}"));
	CHECK(ev.has_payload && ev.npayload == 0);
	CHECK_QUIET_OK(parse("repository_dispatch", "{\"action\":\"p\",\"client_payload\":null}"));
	CHECK(!ev.has_payload && ev.npayload == 0);
	CHECK_QUIET_OK(parse("repository_dispatch", "{\"action\":\"p\"}"));
	CHECK(!ev.has_payload);
}

static void test_dispatch_errors(void)
{
	struct buf deep = BUF_INIT, many = BUF_INIT;

	CHECK_FAILS(parse("repository_dispatch", "{\"client_payload\":{}}"),
		    "has no string 'action' (is it a repository_dispatch event?)");
	CHECK_FAILS(parse("repository_dispatch", "{\"action\":\"a\",\"client_payload\":[1]}"),
		    "has a 'client_payload' that is not an object");
	CHECK_FAILS(parse("repository_dispatch", "{\"action\":\"a\",\"client_payload\":{"
			  "\"k\":1,\"k\":2}}"), "client_payload in '/ev.json' has the key 'k' twice");
	CHECK_FAILS(parse("repository_dispatch", "{\"action\":\"a\",\"client_payload\":{"
			  "\"a.b\":1,\"a\":{\"b\":2}}}"), "has the key 'a.b' twice");
	CHECK_FAILS(parse("repository_dispatch", "{\"action\":\"a\",\"client_payload\":{"
			  "\"\":1}}"), "has an empty key");
	CHECK_FAILS(parse("repository_dispatch", "{\"action\":\"a\",\"client_payload\":{"
			  "\"s\":\"sandbox\\u0000../x\"}}"), "contains a NUL character");
	/* cJSON reads 1e999 as infinity and would print it as null */
	CHECK_FAILS(parse("repository_dispatch", "{\"action\":\"a\",\"client_payload\":{"
			  "\"n\":1e999}}"), "has a number too large for a double under 'n'");
	CHECK_FAILS(parse("repository_dispatch", "{\"action\":\"a\",\"client_payload\":{"
			  "\"s\":{\"l\":[1,-1e400]}}}"), "too large for a double under 's'");
	CHECK_QUIET_OK(parse("repository_dispatch", "{\"action\":\"a\",\"client_payload\":{"
			     "\"n\":1e308}}"));

	buf_adds(&deep, "{\"action\":\"a\",\"client_payload\":");
	for (int i = 0; i < 40; i++)
		buf_adds(&deep, "{\"k\":");
	buf_adds(&deep, "1");
	for (int i = 0; i < 41; i++)
		buf_adds(&deep, "}");
	CHECK_FAILS(parse("repository_dispatch", deep.ptr), "is nested over 32 levels deep");

	buf_adds(&many, "{\"action\":\"a\",\"client_payload\":{");
	for (int i = 0; i < 1200; i++)
		buf_addf(&many, "%s\"k%d\":%d", i ? "," : "", i, i);
	buf_adds(&many, "}}");
	CHECK_FAILS(parse("repository_dispatch", many.ptr), "has over 1000 keys");
	buf_release(&deep);
	buf_release(&many);
}

static void test_workflow_run(void)
{
	CHECK_QUIET_OK(parse_file("workflow_run", FIX "workflow_run.json"));
	CHECK_INT(ev.kind, EVENT_DEPLOY);
	CHECK_STR(ev.branch, "main");
	CHECK_STR(ev.ref, "refs/heads/main");
	CHECK_STR(ev.sha, "5779607b49aab1200488439f02372c57b4f75444");
	CHECK_STR(ev.message, "Update milestone-created.yml");

	/* a fork's run is no deploy */
	CHECK_QUIET_OK(parse("workflow_run", "{\"repository\":{\"full_name\":\"o/app\"},"
			     "\"workflow_run\":{\"head_branch\":\"sandbox\",\"head_sha\":"
			     "\"0123456789abcdef0123456789abcdef01234567\","
			     "\"head_repository\":{\"full_name\":\"evil/app\"}}}"));
	CHECK_INT(ev.kind, EVENT_FORK);
	CHECK_FAILS(parse("workflow_run", "{}"), "has no object 'workflow_run'");
}

/* mode land's event: GitHub's example of a pull request closed without
 * merging (it has a merge_commit_sha, which is not kept), and variants. */
static void test_pull_request(void)
{
	CHECK_QUIET_OK(parse_file("pull_request", FIX "pull_request-closed.json"));
	CHECK_STR(ev.action, "closed");
	CHECK_INT(ev.pr.number, 2);
	CHECK(!ev.pr.merged && ev.pr.merge_sha == NULL);
	CHECK_STR(ev.pr.head_ref, "changes");
	CHECK_STR(ev.pr.base_ref, "master");
	CHECK_STR(ev.pr.head_repo, "Codertocat/Hello-World");
	CHECK_STR(ev.pr.base_repo, "Codertocat/Hello-World");
	CHECK_STR(ev.pr.html_url, "https://github.com/Codertocat/Hello-World/pull/2");

	CHECK_QUIET_OK(parse("pull_request_target", "{\"action\":\"closed\",\"pull_request\":"
			     "{\"number\":7,\"merged\":true,\"merge_commit_sha\":"
			     "\"0123456789abcdef0123456789abcdef01234567\","
			     "\"head\":{\"ref\":\"x\",\"repo\":{\"full_name\":\"evil/fork\"}}}}"));
	CHECK(ev.pr.merged && ev.pr.number == 7);
	CHECK_STR(ev.pr.merge_sha, "0123456789abcdef0123456789abcdef01234567");
	CHECK_STR(ev.pr.head_repo, "evil/fork");
	CHECK(ev.pr.base_repo == NULL);
	/* a merge sha that is not one is not kept */
	CHECK_QUIET_OK(parse("pull_request", "{\"pull_request\":{\"number\":1,\"merged\":true,"
			     "\"merge_commit_sha\":\"main\"}}"));
	CHECK(ev.pr.merge_sha == NULL);
	CHECK_FAILS(parse("pull_request", "{\"action\":\"closed\"}"),
		    "has no object 'pull_request'");
	CHECK_FAILS(parse("pull_request", "{\"pull_request\":{\"number\":1.5}}"),
		    "no whole number in 'pull_request.number'");
	CHECK_FAILS(parse("pull_request", "{\"pull_request\":{\"number\":\"1\"}}"),
		    "no whole number");
	CHECK_FAILS(parse("pull_request", "{\"pull_request\":{\"number\":1,\"title\":"
			  "\"a\\u0000b\"}}"), "NUL");
}

static void test_other_events(void)
{
	CHECK_QUIET_OK(parse_file("workflow_dispatch", FIX "workflow_dispatch.json"));
	CHECK_INT(ev.kind, EVENT_DEPLOY);
	CHECK(ev.ref == NULL && ev.sha == NULL && ev.message == NULL);
	CHECK_STR(ev.repository, "octo-org/octo-repo");
	/* a NUL in an event we do not read is not our business */
	CHECK_QUIET_OK(parse("issue_comment", "{\"comment\":{\"body\":\"a\\u0000b\"}}"));
}

static void test_load_env(void)
{
	clearenv();
	setenv("GITHUB_EVENT_NAME", "workflow_dispatch", 1);
	setenv("GITHUB_EVENT_PATH", FIX "workflow_dispatch.json", 1);
	setenv("GITHUB_REF", "refs/heads/feature/x", 1);
	setenv("GITHUB_SHA", "89abcdef0123456789abcdef0123456789abcdef", 1);
	setenv("GITHUB_REPOSITORY", "org/app", 1);
	setenv("GITHUB_ACTOR", "dev", 1);
	setenv("GITHUB_SERVER_URL", "https://ghe.example.com/", 1);
	setenv("GITHUB_RUN_ID", "77", 1);
	event_release(&ev);
	CHECK_QUIET_OK(event_load(&ev));
	CHECK_STR(ev.ref, "refs/heads/feature/x");
	CHECK_STR(ev.branch, "feature/x");
	CHECK_STR(ev.sha, "89abcdef0123456789abcdef0123456789abcdef");
	CHECK_STR(ev.repository, "org/app"); /* the environment wins */
	CHECK_STR(ev.actor, "dev");
	CHECK_STR(ev.server_url, "https://ghe.example.com");
	CHECK_STR(ev.run_url, "https://ghe.example.com/org/app/actions/runs/77");
	CHECK_STR(ev.path, FIX "workflow_dispatch.json");

	/* the event file wins over GITHUB_REF for a push */
	setenv("GITHUB_EVENT_NAME", "push", 1);
	setenv("GITHUB_EVENT_PATH", FIX "push-branch.json", 1);
	event_release(&ev);
	CHECK_QUIET_OK(event_load(&ev));
	CHECK_STR(ev.branch, "master");
	CHECK_STR(ev.sha, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");

	/* a pull request ref is no branch */
	setenv("GITHUB_EVENT_NAME", "pull_request", 1);
	unsetenv("GITHUB_EVENT_PATH");
	setenv("GITHUB_REF", "refs/pull/3/merge", 1);
	event_release(&ev);
	CHECK_QUIET_OK(event_load(&ev));
	CHECK(ev.branch == NULL);
	CHECK_STR(ev.ref, "refs/pull/3/merge");
	CHECK_STR(ev.name, "pull_request");

	/* a deletion does not take GITHUB_SHA */
	setenv("GITHUB_EVENT_NAME", "push", 1);
	setenv("GITHUB_EVENT_PATH", FIX "push-tag-deleted.json", 1);
	event_release(&ev);
	CHECK_QUIET_OK(event_load(&ev));
	CHECK_INT(ev.kind, EVENT_DELETE);
	CHECK(ev.sha == NULL);

	setenv("GITHUB_EVENT_PATH", "/nonexistent/event.json", 1);
	event_release(&ev);
	CHECK_FAILS(event_load(&ev), "cannot read event file '/nonexistent/event.json': No such file");
	event_release(&ev);
	unsetenv("GITHUB_EVENT_NAME");
	setenv("GITHUB_EVENT_PATH", FIX "push-branch.json", 1);
	CHECK_FAILS(event_load(&ev), "GITHUB_EVENT_PATH is set but GITHUB_EVENT_NAME is not");
	event_release(&ev);
	clearenv();
	CHECK_QUIET_OK(event_load(&ev));
	CHECK(ev.sha == NULL && ev.name == NULL && ev.run_url == NULL);
	CHECK_STR(ev.server_url, "https://github.com");
	event_release(&ev);
	event_release(&ev); /* twice is fine */
}

int main(void)
{
	log_set_style(LOG_PLAIN);
	test_push_examples();
	test_push_shapes();
	test_push_errors();
	test_dispatch_event();
	test_dispatch_errors();
	test_workflow_run();
	test_pull_request();
	test_other_events();
	test_load_env();
	event_release(&ev);
	return t_done();
}
