/* Unit tests for workflow (the workflow_dispatch body and names) and the
 * GraphQL endpoint of github.h. */
#include "capture.h"
#include "github.h"
#include "t.h"
#include "workflow.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

static void test_names(void)
{
	CHECK(workflow_valid_name("deploy.yml"));
	CHECK(workflow_valid_name("deploy-prod_2.yaml"));
	CHECK(workflow_valid_name("161335"));           /* a workflow id */
	CHECK(!workflow_valid_name(""));
	CHECK(!workflow_valid_name("deploy"));
	CHECK(!workflow_valid_name(".yml"));
	CHECK(!workflow_valid_name("../deploy.yml"));
	CHECK(!workflow_valid_name(".github/workflows/deploy.yml"));
	CHECK(!workflow_valid_name("deploy.yml?x=1"));
	CHECK(!workflow_valid_name("de ploy.yml"));
}

/* The body carries the payload as one string input, asks for the run, and
 * says nothing else. */
static void test_body(void)
{
	struct buf b = BUF_INIT;
	cJSON *j;
	const cJSON *inputs;

	CHECK_INT(workflow_body(&b, "main", "{\"service\":\"a\\\"b\"}"), 0);
	j = cJSON_Parse(buf_cstr(&b));
	inputs = cJSON_GetObjectItem(j, "inputs");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "ref")), "main");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "return_run_details")));
	CHECK_INT(cJSON_GetArraySize(inputs), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(inputs, "payload")),
		  "{\"service\":\"a\\\"b\"}");
	CHECK_INT(cJSON_GetArraySize(j), 3);
	cJSON_Delete(j);
	buf_release(&b);
}

/* GitHub counts characters: a payload of multi-byte characters that fits
 * in characters is sent; one over the limit is one error and no body. */
static void test_limits(void)
{
	struct buf b = BUF_INIT, p = BUF_INIT;

	/* {"payload":"..."} is 14 characters around the value, and the two
	 * quotes of p are escaped (4 characters) */
	buf_addc(&p, '"');
	for (int i = 0; i < WORKFLOW_INPUTS_MAX - 14 - 4; i++)
		buf_adds(&p, i % 2 ? "\xc3\xa9" : "x");     /* 'é' is one character */
	buf_addc(&p, '"');
	CHECK_QUIET_OK(workflow_body(&b, "main", p.ptr));
	buf_reset(&b);
	buf_addc(&p, 'x');
	CHECK_FAILS(workflow_body(&b, "main", p.ptr), "GitHub accepts at most 65535");
	CHECK_INT(b.len, 0);
	buf_reset(&p);
	buf_adds(&p, "\"\\\"\"");                            /* escaping counts too */
	CHECK_QUIET_OK(workflow_body(&b, "main", p.ptr));
	buf_release(&b);
	buf_release(&p);
}

static const char *graphql(const char *base)
{
	static char out[256];
	struct buf b = BUF_INIT;

	gh_graphql_url(&b, base);
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_release(&b);
	return out;
}

static void test_graphql_url(void)
{
	CHECK_STR(graphql("https://api.github.com"), "https://api.github.com/graphql");
	CHECK_STR(graphql("https://ghe.example.com/api/v3"), "https://ghe.example.com/api/graphql");
	CHECK_STR(graphql("http://127.0.0.1:8080"), "http://127.0.0.1:8080/graphql");
	CHECK_STR(graphql("https://example.com/proxy/api/v3"), "https://example.com/proxy/api/graphql");
}

static void test_completed(void)
{
	struct workflow_run run = { 0 };
	char in_progress[] = "in_progress", queued[] = "queued", completed[] = "completed";

	CHECK(!workflow_run_completed(&run)); /* not read yet */
	run.status = in_progress;
	CHECK(!workflow_run_completed(&run));
	run.status = queued;
	CHECK(!workflow_run_completed(&run));
	run.status = completed;
	CHECK(workflow_run_completed(&run));
}

int main(void)
{
	test_completed();
	test_names();
	test_body();
	test_limits();
	test_graphql_url();
	return t_done();
}
