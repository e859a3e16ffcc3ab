/* Unit tests for the pure parts of src/github.c and the client's refusals. */
#include "github.h"
#include "log.h"
#include "capture.h"
#include "t.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

static void test_escape(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(gh_escape(&b, "svc/sandbox/sandbox-deploy.yaml", true), 0);
	CHECK_STR(buf_cstr(&b), "svc/sandbox/sandbox-deploy.yaml");
	buf_reset(&b);
	gh_escape(&b, "a/b c", false);
	CHECK_STR(buf_cstr(&b), "a%2Fb%20c");
	buf_reset(&b);
	gh_escape(&b, "../%2e?#&=+~_.-\x01\xc3\xa9", true);
	CHECK_STR(buf_cstr(&b), "../%252e%3F%23%26%3D%2B~_.-%01%C3%A9");
	buf_reset(&b);
	gh_escape(&b, "release/1.2", false);
	CHECK_STR(buf_cstr(&b), "release%2F1.2");
	buf_reset(&b);
	CHECK_INT(gh_escape(&b, "", true), 0);
	CHECK_STR(buf_cstr(&b), "");
	buf_release(&b);

	/* a full buffer reports the failure */
	buf_init(&b, 4);
	CHECK_INT(gh_escape(&b, "abc def", false), -1);
	buf_release(&b);
}

static void test_repo_path(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(gh_repo_path(&b, "org/app", NULL), 0);
	CHECK_STR(buf_cstr(&b), "/repos/org/app");
	buf_reset(&b);
	/* every %s is one escaped segment or query value, '/' included */
	CHECK_INT(gh_repo_path(&b, "org/gitops", "/commits?sha=%s&path=%s&per_page=1",
			       "release/1.2", "svc/a b.yaml"), 0);
	CHECK_STR(buf_cstr(&b), "/repos/org/gitops/commits?sha=release%2F1.2&path=svc%2Fa%20b.yaml"
		  "&per_page=1");
	buf_reset(&b);
	CHECK_INT(gh_repo_path(&b, "org/gitops", "/compare/%s...%s", "abc", "../x?y"), 0);
	CHECK_STR(buf_cstr(&b), "/repos/org/gitops/compare/abc.....%2Fx%3Fy");
	buf_reset(&b);
	CHECK_INT(gh_repo_path(&b, "org/app", "/deployments/%lld/statuses?per_page=%lld",
			       9007199254740993LL, 1LL), 0);
	CHECK_STR(buf_cstr(&b), "/repos/org/app/deployments/9007199254740993/statuses?per_page=1");
	buf_reset(&b);
	CHECK_INT(gh_repo_path(&b, "org/app", "/100%%/%s", "%"), 0);
	CHECK_STR(buf_cstr(&b), "/repos/org/app/100%/%25");
	buf_reset(&b);
	/* appends to what the buffer holds */
	buf_adds(&b, "x");
	CHECK_INT(gh_repo_path(&b, "o/r", "/installation"), 0);
	CHECK_STR(buf_cstr(&b), "x/repos/o/r/installation");
	buf_release(&b);

	/* a directive it does not know fails, and stays failed */
	errno = 0;
	CHECK_INT(gh_repo_path(&b, "o/r", "/%d", 1), -1);
	CHECK_INT(errno, EINVAL);
	CHECK(buf_failed(&b));
	buf_release(&b);

	/* a full buffer reports the failure */
	buf_init(&b, 10);
	CHECK_INT(gh_repo_path(&b, "org/gitops", "/dispatches"), -1);
	CHECK_INT(buf_error(&b), EFBIG);
	buf_release(&b);
}

/* gh_parse_json: the shapes, and the one line for a body that is not one. */
static void test_parse_json(void)
{
	struct gh_request req = { .method = "GET", .what = "reading commit 'abc' of 'org/app'" };
	struct gh_response resp = GH_RESPONSE_INIT;
	cJSON *j = (cJSON *)&req; /* not NULL: the call must set it */

	resp.status = 200;
	buf_adds(&resp.body, "{\"sha\":\"abc\"}");
	CHECK_QUIET_OK(gh_parse_json(&j, &req, &resp, GH_JSON_OBJECT));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "sha")), "abc");
	cJSON_Delete(j);
	CHECK_QUIET_OK(gh_parse_json(&j, &req, &resp, GH_JSON_ANY));
	CHECK(cJSON_IsObject(j));
	cJSON_Delete(j);
	CHECK_FAILS(gh_parse_json(&j, &req, &resp, GH_JSON_ARRAY),
		    "reading commit 'abc' of 'org/app': the answer (HTTP 200) is not a JSON array");
	CHECK(j == NULL);

	buf_reset(&resp.body);
	buf_adds(&resp.body, "[1]");
	CHECK_QUIET_OK(gh_parse_json(&j, &req, &resp, GH_JSON_ARRAY));
	CHECK_INT(cJSON_GetArraySize(j), 1);
	cJSON_Delete(j);
	CHECK_FAILS(gh_parse_json(&j, &req, &resp, GH_JSON_OBJECT),
		    "the answer (HTTP 200) is not a JSON object");
	CHECK(j == NULL);

	/* not JSON at all (an HTML page, a cut body): an error for a shape,
	 * NULL without one, so the caller names the field it misses */
	resp.status = 201;
	buf_reset(&resp.body);
	buf_adds(&resp.body, "<html>{\"sha\"");
	CHECK_FAILS(gh_parse_json(&j, &req, &resp, GH_JSON_OBJECT),
		    "the answer (HTTP 201) is not a JSON object");
	CHECK(j == NULL);
	j = (cJSON *)&req;
	CHECK_QUIET_OK(gh_parse_json(&j, &req, &resp, GH_JSON_ANY));
	CHECK(j == NULL);
	buf_reset(&resp.body); /* an empty body too */
	CHECK_FAILS(gh_parse_json(&j, &req, &resp, GH_JSON_ARRAY), "is not a JSON array");
	gh_response_release(&resp);
}

static void test_loopback(void)
{
	CHECK(gh_is_loopback("127.0.0.1"));
	CHECK(gh_is_loopback("127.255.3.4"));
	CHECK(gh_is_loopback("localhost"));
	CHECK(gh_is_loopback("LOCALHOST"));
	CHECK(gh_is_loopback("localhost."));
	CHECK(gh_is_loopback("::1"));
	CHECK(gh_is_loopback("[::1]"));
	CHECK(gh_is_loopback("[0:0:0:0:0:0:0:1]"));
	CHECK(gh_is_loopback("::ffff:127.0.0.1"));
	CHECK(!gh_is_loopback("128.0.0.1"));
	CHECK(!gh_is_loopback("10.0.0.1"));
	CHECK(!gh_is_loopback("0.0.0.0"));
	CHECK(!gh_is_loopback("::"));
	CHECK(!gh_is_loopback("::ffff:10.0.0.1"));
	CHECK(!gh_is_loopback("127.1"));            /* not a dotted quad */
	CHECK(!gh_is_loopback("2130706433"));
	CHECK(!gh_is_loopback("localhost.evil.com"));
	CHECK(!gh_is_loopback("127.0.0.1.nip.io"));
	CHECK(!gh_is_loopback("evil-localhost"));
	CHECK(!gh_is_loopback("api.github.com"));
	CHECK(!gh_is_loopback(""));
	CHECK(!gh_is_loopback("[]"));
	CHECK(!gh_is_loopback("[::1"));
}

static void test_retry_after(void)
{
	long long now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */

	CHECK_INT(gh_parse_retry_after("0", now), 0);
	CHECK_INT(gh_parse_retry_after("7", now), 7);
	CHECK_INT(gh_parse_retry_after(" 120 ", now), 120);
	CHECK_INT(gh_parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now), 30);
	CHECK_INT(gh_parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now), 0);
	CHECK_INT(gh_parse_retry_after("soon", now), -1);
	CHECK_INT(gh_parse_retry_after("-5", now), -1);
	CHECK_INT(gh_parse_retry_after("", now), -1);
	CHECK_INT(gh_parse_retry_after("99999999999999999999999", now), -1);
}

static void feed(struct gh_hints *h, const char *line, long long now)
{
	gh_hints_header(h, line, strlen(line), now);
}

static void test_hints(void)
{
	struct gh_hints h = { 5, 5, 5 };
	long long now = 1700000000;

	feed(&h, "HTTP/1.1 403 Forbidden\r\n", now);
	CHECK_INT(h.retry_after, -1);
	CHECK_INT(h.remaining, -1);
	CHECK_INT(h.reset, -1);
	feed(&h, "X-RateLimit-Remaining: 0\r\n", now);
	feed(&h, "x-ratelimit-reset: 1700000042\r\n", now);
	feed(&h, "Retry-After:   3\r\n", now);
	feed(&h, "x-ratelimit-limit: 5000\r\n", now);
	feed(&h, "content-type: application/json\r\n", now);
	CHECK_INT(h.retry_after, 3);
	CHECK_INT(h.remaining, 0);
	CHECK_INT(h.reset, 1700000042LL);
	feed(&h, "retry-after: later\r\n", now);
	CHECK_INT(h.retry_after, -1);
	feed(&h, "x-ratelimit-remaining-extra: 9\r\n", now); /* another header */
	CHECK_INT(h.remaining, 0);
	feed(&h, "x-ratelimit-remaining\r\n", now);          /* no colon */
	CHECK_INT(h.remaining, 0);
	feed(&h, "HTTP/2 200\r\n", now);
	CHECK_INT(h.remaining, -1);
}

static void test_wait(void)
{
	struct gh_hints none = { -1, -1, -1 };
	struct gh_hints ra = { 4, 10, -1 };
	struct gh_hints reset = { -1, 0, 1700000010 };
	struct gh_hints stale = { -1, 0, 1699999990 };
	long long now = 1700000000;

	/* Retry-After wins, exactly */
	CHECK_INT(gh_wait_ms(&ra, true, 2, 1000, now, 0.5), 4000);
	CHECK_INT(gh_wait_ms(&ra, false, 9, 10, now, 0.99), 4000);
	/* remaining 0: until the reset */
	CHECK_INT(gh_wait_ms(&reset, true, 2, 1000, now, 0.5), 10000);
	/* a reset in the past: a rate limit without a hint waits 60 bases */
	CHECK_INT(gh_wait_ms(&stale, true, 2, 1000, now, 0.5), 60000);
	CHECK_INT(gh_wait_ms(&none, true, 2, 10, now, 0.5), 600);
	/* full jitter: u * base * 2^(n-2), capped at 30 bases */
	CHECK_INT(gh_wait_ms(&none, false, 2, 1000, now, 0.5), 500);
	CHECK_INT(gh_wait_ms(&none, false, 3, 1000, now, 0.5), 1000);
	CHECK_INT(gh_wait_ms(&none, false, 4, 1000, now, 0.5), 2000);
	CHECK_INT(gh_wait_ms(&none, false, 6, 1000, now, 0.25), 4000);
	CHECK_INT(gh_wait_ms(&none, false, 7, 1000, now, 0.5), 15000);
	CHECK_INT(gh_wait_ms(&none, false, 50, 1000, now, 0.5), 15000);
	CHECK_INT(gh_wait_ms(&none, false, 1000000, 1000, now, 0.999), 29970);
	CHECK_INT(gh_wait_ms(&none, false, 5, 1000, now, 0.0), 0);
	CHECK_INT(gh_wait_ms(&none, false, 5, 0, now, 0.7), 0);
	/* u out of range is treated as 0, never as a longer wait */
	CHECK_INT(gh_wait_ms(&none, false, 3, 1000, now, 1.5), 0);
	/* every jittered wait stays within its ceiling */
	for (int n = 2; n < 40; n++) {
		long ceiling = 1000L << (n - 2 < 5 ? n - 2 : 5);

		if (ceiling > 30000)
			ceiling = 30000;
		for (double u = 0; u < 1; u += 0.125) {
			long w = gh_wait_ms(&none, false, n, 1000, now, u);

			CHECK(w >= 0 && w <= ceiling);
		}
	}
}

static int client_new(const char *url, const char *token)
{
	struct gh_options opt = { url, token, 3, 10, NULL };
	struct gh_client *c = NULL;
	int rc = gh_client_new(&c, &opt);

	CHECK(rc == 0 ? c != NULL : c == NULL);
	gh_client_free(c);
	return rc;
}

static void test_client_refusals(void)
{
	const char *tok = "ghs_unitTestToken0123";

	log_mask(tok);
	CHECK_QUIET_OK(client_new("https://api.github.com", tok));
	CHECK_QUIET_OK(client_new("https://ghe.example.com/api/v3/", tok));
	CHECK_QUIET_OK(client_new("http://127.0.0.1:8080", tok));
	CHECK_QUIET_OK(client_new("http://127.9.9.9", tok));
	CHECK_QUIET_OK(client_new("http://localhost:1", tok));
	CHECK_QUIET_OK(client_new("http://[::1]:1", tok));
	/* a token over http to anything else: refused */
	CHECK_FAILS(client_new("http://api.github.com", tok),
		    "refusing to send the token over plain http to 'api.github.com': use https");
	CHECK_FAILS(client_new("http://10.0.0.1", tok), "plain http to '10.0.0.1'");
	CHECK_FAILS(client_new("http://localhost.evil.com", tok), "'localhost.evil.com'");
	CHECK_FAILS(client_new("HTTP://EXAMPLE.COM", tok), "plain http to 'example.com'");
	/* without a token there is nothing to protect */
	CHECK_QUIET_OK(client_new("http://example.com", NULL));
	/* bad base URLs */
	CHECK_FAILS(client_new("ftp://example.com", tok),
		    "bad API URL 'ftp://example.com': only http and https are supported");
	CHECK_FAILS(client_new("file:///etc/passwd", tok), "bad API URL 'file:///etc/passwd'");
	CHECK_FAILS(client_new("not a url", tok), "bad API URL 'not a url': not a valid URL");
	CHECK_FAILS(client_new("https://user:pw@example.com", tok), "credentials in the URL");
	CHECK_FAILS(client_new("https://example.com/api?x=1", tok), "no query or fragment");
	CHECK_FAILS(client_new("https://example.com/api#frag", tok), "no query or fragment");
	/* a token that would inject a header, and it is not printed */
	CHECK_FAILS(client_new("https://api.github.com", "abc\r\nX-Evil: 1"),
		    "the token contains a space or control character");
	CHECK(strstr(cap_text, "X-Evil") == NULL);
	CHECK_FAILS(client_new("https://api.github.com", "abc def"), "space or control");

	setenv("SSL_CERT_FILE", "/nonexistent/ca.pem", 1);
	CHECK_FAILS(client_new("https://api.github.com", tok),
		    "cannot read CA bundle '/nonexistent/ca.pem' (SSL_CERT_FILE)");
	unsetenv("SSL_CERT_FILE");
	setenv("GITOPS_BUMP_RETRY_BASE_MS", "fast", 1);
	CHECK_FAILS(client_new("https://api.github.com", tok),
		    "bad GITOPS_BUMP_RETRY_BASE_MS 'fast': want milliseconds, 0 to 60000");
	setenv("GITOPS_BUMP_RETRY_BASE_MS", "60001", 1);
	CHECK_FAILS(client_new("https://api.github.com", tok), "'60001'");
	setenv("GITOPS_BUMP_RETRY_BASE_MS", "0", 1);
	CHECK_QUIET_OK(client_new("https://api.github.com", tok));
	unsetenv("GITOPS_BUMP_RETRY_BASE_MS");
}

/* gh_fail's one line for each hinted status. */
static void test_fail_lines(void)
{
	struct gh_request req = { .method = "PUT", .path = "/repos/org/gitops/contents/a.yaml",
				  .what = "commit to 'org/gitops'", .repo = "org/gitops",
				  .permission = "contents:write" };
	struct gh_response resp = GH_RESPONSE_INIT;
	char m401[] = "Bad credentials", m403[] = "Resource not accessible by integration";
	char m404[] = "Not Found", id[] = "ABCD:1";
	char m422[] = "Validation Failed (A pull request already exists for org:b.)";

	resp.status = 401;
	resp.message = m401;
	CHECK_FAILS(gh_fail(&req, &resp), "commit to 'org/gitops' failed: HTTP 401 \"Bad "
		    "credentials\": the token is invalid, expired or revoked");
	resp.status = 403;
	resp.message = m403;
	CHECK_FAILS(gh_fail(&req, &resp), "HTTP 403 \"Resource not accessible by integration\": "
		    "the workflow's GITHUB_TOKEN (or a GitHub App token) lacks contents:write on "
		    "'org/gitops': with GITHUB_TOKEN, add 'permissions: { contents: write }' to the "
		    "job (or the workflow); with an App, grant it Contents read and write");
	CHECK(strstr(cap_text, "PAT") == NULL);
	resp.status = 404;
	resp.message = m404;
	resp.request_id = id;
	CHECK_FAILS(gh_fail(&req, &resp), "'org/gitops' does not exist or the token cannot see "
		    "it; the token needs contents:write on 'org/gitops' (fine-grained PAT");
	CHECK(strstr(cap_text, "[request ABCD:1]") != NULL);
	req.permission = "pull_requests:write";
	resp.status = 403;
	resp.message = NULL;
	resp.request_id = NULL;
	CHECK_FAILS(gh_fail(&req, &resp), "failed: HTTP 403: token lacks pull_requests:write on "
		    "'org/gitops' (fine-grained PAT or GitHub App: Pull requests read and write");
	req.permission = NULL;
	req.repo = NULL;
	CHECK_FAILS(gh_fail(&req, &resp), "token lacks contents:read on 'the repository'");
	resp.status = 422;
	resp.message = m422;
	CHECK_FAILS(gh_fail(&req, &resp), "failed: HTTP 422 \"Validation Failed (A pull request "
		    "already exists for org:b.)\"");
	CHECK(strstr(cap_text, "token lacks") == NULL);
}

/* A 403 names its own cause; a permission only where a token can fix it. */
static void test_fail_403_causes(void)
{
	struct gh_request req = { .method = "PUT", .path = "/repos/org/gitops/contents/a.yaml",
				  .what = "commit to 'org/gitops'", .repo = "org/gitops",
				  .permission = "contents:write" };
	struct gh_response resp = GH_RESPONSE_INIT;
	char archived[] = "Repository was archived so is read-only.";
	char large[] = "This API returns blobs up to 1 MB in size. The requested blob is too "
		       "large to fetch via the API (too_large)";
	char pat[] = "Resource not accessible by personal access token";
	char other[] = "Request forbidden by administrative rules.";
	char pr[] = "Resource not accessible by integration";

	resp.status = 403;
	resp.message = archived;
	CHECK_FAILS(gh_fail(&req, &resp), ": 'org/gitops' is archived, so it is read-only for "
		    "every token");
	CHECK(strstr(cap_text, "lacks") == NULL && strstr(cap_text, "needs") == NULL);
	resp.message = large;
	CHECK_FAILS(gh_fail(&req, &resp), ": the file is too large for GitHub's API (no token "
		    "changes that)");
	CHECK(strstr(cap_text, "lacks") == NULL);
	resp.message = pat;
	CHECK_FAILS(gh_fail(&req, &resp), ": the fine-grained token lacks contents:write on "
		    "'org/gitops' (give it Contents read and write on that repository)");
	resp.message = other;
	CHECK_FAILS(gh_fail(&req, &resp), "HTTP 403 \"Request forbidden by administrative "
		    "rules.\"");
	CHECK(strstr(cap_text, "lacks") == NULL);
	req.permission = "pull_requests:write";
	resp.message = pr;
	CHECK_FAILS(gh_fail(&req, &resp), "add 'permissions: { pull-requests: write }'");
}

static void test_budget(void)
{
	struct gh_options opt = { "https://api.github.com", NULL, 0, 0, NULL };
	struct gh_client *c = NULL;

	/* nonsense limits are clamped to 1 */
	CHECK_INT(gh_client_new(&c, &opt), 0);
	if (!c)
		return;
	CHECK_INT(gh_max_attempts(c), 1);
	CHECK(gh_remaining(c) > 0.5 && gh_remaining(c) <= 1.0);
	CHECK_INT(gh_request_count(c), 0);
	/* base 1000 ms: retry 40 may wait up to 30 s, far past a 1 s budget,
	 * unless the jitter happens to be tiny; either way it never sleeps long */
	setenv("GITOPS_BUMP_RETRY_BASE_MS", "60000", 1);
	gh_client_free(c);
	CHECK_INT(gh_client_new(&c, &opt), 0);
	if (c) {
		/* a caller's window is shrunk to leave room for the next attempt,
		 * not refused: a 1000-base window (16 hours) sleeps < 0.7 s here */
		{
			struct timespec t0, t1;
			double took;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			CHECK_QUIET_OK(gh_backoff_window(c, 1000, 0.3, 3, "unit window"));
			clock_gettime(CLOCK_MONOTONIC, &t1);
			took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			CHECK(took < 0.75);
		}
		CHECK_FAILS(gh_backoff_window(c, 1, 5.0, 4, "unit window"),
			    "unit window failed: before attempt 4, the time budget of 1 s leaves no "
			    "room for one more");
	}
	unsetenv("GITOPS_BUMP_RETRY_BASE_MS");
	gh_client_free(c);
}

/* The poll pause doubles from the base to 15 bases; a new budget resets. */
static void test_poll(void)
{
	struct gh_options opt = { "https://api.github.com", NULL, 1, 5, NULL };
	struct gh_client *c = NULL;

	unsetenv("GITOPS_BUMP_POLL_MS");
	CHECK_INT(gh_client_new(&c, &opt), 0);
	if (!c)
		return;
	CHECK_INT(gh_poll_ms(c, 1), 0);
	CHECK_INT(gh_poll_ms(c, 2), GH_POLL_BASE_MS);
	CHECK_INT(gh_poll_ms(c, 3), 2 * GH_POLL_BASE_MS);
	CHECK_INT(gh_poll_ms(c, 5), 8 * GH_POLL_BASE_MS);
	CHECK_INT(gh_poll_ms(c, 6), 15 * GH_POLL_BASE_MS);
	CHECK_INT(gh_poll_ms(c, 1000), 15 * GH_POLL_BASE_MS);
	gh_set_budget(c, 60);
	CHECK(gh_remaining(c) > 59 && gh_remaining(c) <= 60);
	{
		/* the pause (here 1 s before the 2nd poll, 15 s later): none before
		 * the first poll, 1 once the deadline has passed, and never past
		 * it (margins of seconds: what is checked is which, not how fast) */
		double t0 = gh_clock();

		CHECK_INT(gh_poll_pause(c, 1, t0 - 1), 0);
		CHECK_INT(gh_poll_pause(c, 2, t0 - 1), 1);
		CHECK(gh_clock() - t0 < 0.9);
		t0 = gh_clock();
		CHECK_INT(gh_poll_pause(c, 9, t0 + 0.05), 0);
		CHECK(gh_clock() - t0 >= 0.049 && gh_clock() - t0 < 10);
	}
	gh_client_free(c);
	setenv("GITOPS_BUMP_POLL_MS", "20", 1);
	CHECK_INT(gh_client_new(&c, &opt), 0);
	if (c)
		CHECK_INT(gh_poll_ms(c, 9), 300);
	gh_client_free(c);
	c = NULL;
	setenv("GITOPS_BUMP_POLL_MS", "0", 1);
	CHECK_FAILS(gh_client_new(&c, &opt), "bad GITOPS_BUMP_POLL_MS '0'");
	unsetenv("GITOPS_BUMP_POLL_MS");
	/* a CA file that cannot be read is refused at once */
	opt.ca_file = "/nonexistent/ca.pem";
	CHECK_FAILS(gh_client_new(&c, &opt), "cannot read CA file '/nonexistent/ca.pem'");
	/* a CA file is added to the default bundle, so that bundle must be
	 * readable too; one that is not there is libcurl's own (or none) */
	opt.ca_file = "/dev/null";
	setenv("SSL_CERT_FILE", "/nonexistent/bundle.pem", 1);
	CHECK_FAILS(gh_client_new(&c, &opt),
		    "cannot read CA bundle '/nonexistent/bundle.pem' (SSL_CERT_FILE)");
	setenv("SSL_CERT_FILE", "/dev/null", 1);
	CHECK_QUIET_OK(gh_client_new(&c, &opt));
	gh_client_free(c);
	c = NULL;
	unsetenv("SSL_CERT_FILE");
	CHECK_QUIET_OK(gh_client_new(&c, &opt));
	gh_client_free(c);
	c = NULL;
}

static void test_valid_repo(void)
{
	CHECK(gh_valid_repo("org/gitops"));
	CHECK(gh_valid_repo("my-org/repo.name_1"));
	CHECK(gh_valid_repo("user_emu/x"));
	CHECK(!gh_valid_repo("org"));
	CHECK(!gh_valid_repo("org/"));
	CHECK(!gh_valid_repo("/repo"));
	CHECK(!gh_valid_repo("a/b/c"));
	CHECK(!gh_valid_repo("org/.."));
	CHECK(!gh_valid_repo("org/."));
	CHECK(!gh_valid_repo("org/re po"));
	CHECK(!gh_valid_repo("https://github.com/org/repo"));
	CHECK(!gh_valid_repo("o.rg/repo"));
}

int main(void)
{
	test_valid_repo();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_poll();
	test_escape();
	test_repo_path();
	test_parse_json();
	test_loopback();
	test_retry_after();
	test_hints();
	test_wait();
	test_client_refusals();
	test_fail_lines();
	test_fail_403_causes();
	test_budget();
	curl_global_cleanup();
	log_reset();
	return t_done();
}
