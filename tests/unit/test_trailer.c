/* Unit tests for trailer. */
#include "trailer.h"
#include "capture.h"
#include "t.h"

#include <stdlib.h>

#define SHA_A "0123456789abcdef0123456789abcdef01234567"
#define SHA_B "89abcdef0123456789abcdef0123456789abcdef"
#define WF "org/app/.github/workflows/deploy.yml@refs/heads/main"

static char *copy(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A struct trailers of copies (released with trailer_release). */
static struct trailers mk(const char *repo, const char *sha, long long id, long long run,
			  const char *wf, const char *rb_repo, const char *rb_sha)
{
	struct trailers t = { { copy(repo), copy(sha) }, id, run, copy(wf),
			      { copy(rb_repo), copy(rb_sha) }, NULL, NULL };

	return t;
}

static char *appended(const char *msg, const struct trailers *t)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, msg);
	if (trailer_append(&b, t) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void test_append(void)
{
	struct trailers t = mk("org/app", SHA_A, 17, 42, WF, NULL, NULL);
	char *m = appended("Deploy app to sandbox\n\nFix login\n\n\n", &t);

	CHECK_STR(m, "Deploy app to sandbox\n\nFix login\n\n"
		  "Deployed-From: org/app@" SHA_A "\nDeployment-Id: 17\nSource-Run: 42\n"
		  "Source-Workflow: " WF "\n");
	free(m);
	trailer_release(&t);
	t = mk("org/app", SHA_B, 0, 0, NULL, "org/app", SHA_A);
	m = appended("Roll back", &t);
	CHECK_STR(m, "Roll back\n\nDeployed-From: org/app@" SHA_B "\nRollback-Of: org/app@"
		  SHA_A "\n");
	free(m);
	/* nothing set: the message is left as it is */
	trailer_release(&t);
	t = mk(NULL, NULL, 0, 0, NULL, NULL, NULL);
	m = appended("As is\n\n", &t);
	CHECK_STR(m, "As is\n\n");
	free(m);
	trailer_release(&t);
}

static int append_rc(const struct trailers *t)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_adds(&b, "x");
	rc = trailer_append(&b, t);
	CHECK(rc == 0 || strcmp(buf_cstr(&b), "x") == 0); /* a refusal adds nothing */
	buf_release(&b);
	return rc;
}

static void test_append_refuses(void)
{
	struct trailers t = mk("org/app\nEvil: 1", SHA_A, 0, 0, NULL, NULL, NULL);

	CHECK_FAILS(append_rc(&t), "Deployed-From");
	trailer_release(&t);
	t = mk("org/app", "abc", 0, 0, NULL, NULL, NULL);
	CHECK_FAILS(append_rc(&t), "Deployed-From");
	trailer_release(&t);
	t = mk(NULL, NULL, 0, 0, "a b", NULL, NULL);
	CHECK_FAILS(append_rc(&t), "Source-Workflow");
	trailer_release(&t);
	t = mk(NULL, NULL, 0, -1, NULL, NULL, NULL);
	CHECK_FAILS(append_rc(&t), "Source-Run");
	trailer_release(&t);
}

static void test_parse(void)
{
	struct trailers t;
	const char *msg = "Deploy\n\nbody: not a trailer block\nmore\n\n"
			  "deployed-from: org/app@" SHA_A "\nSigned-off-by: Dev <d@x>\n"
			  "Source-Run:  42 \nSource-Workflow: " WF "\nDeployment-Id: 7\n"
			  "Rollback-Of: org/app@" SHA_B "\n";

	CHECK(trailer_parse(&t, msg, strlen(msg)) == 0);
	CHECK_STR(t.from.repo, "org/app");
	CHECK_STR(t.from.sha, SHA_A);
	CHECK_INT(t.run, 42);
	CHECK_INT(t.deployment_id, 7);
	CHECK_STR(t.workflow, WF);
	CHECK_STR(t.rollback_of.sha, SHA_B);
	trailer_release(&t);

	/* a paragraph with one line that is not a trailer: no trailers */
	msg = "Deploy\n\nDeployed-From: org/app@" SHA_A "\nthis is prose\n";
	CHECK(trailer_parse(&t, msg, strlen(msg)) == 0);
	CHECK(!t.from.repo);
	trailer_release(&t);

	/* a subject alone is not a trailer block */
	msg = "Deployed-From: org/app@" SHA_A;
	CHECK(trailer_parse(&t, msg, strlen(msg)) == 0);
	CHECK(!t.from.repo);
	trailer_release(&t);

	/* bad values are ignored; the last good one wins */
	msg = "x\n\nDeployed-From: org/app@" SHA_A "\nDeployed-From: org/app@ABC\n"
	      "Source-Run: 042\nSource-Run: -1\nDeployment-Id: 9x\nDeployed-From: o/a@" SHA_B "\n";
	CHECK(trailer_parse(&t, msg, strlen(msg)) == 0);
	CHECK_STR(t.from.repo, "o/a");
	CHECK_STR(t.from.sha, SHA_B);
	CHECK_INT(t.run, 0);
	CHECK_INT(t.deployment_id, 0);
	trailer_release(&t);

	/* CRLF, and no message at all */
	msg = "x\r\n\r\nSource-Run: 5\r\n";
	CHECK(trailer_parse(&t, msg, strlen(msg)) == 0);
	CHECK_INT(t.run, 5);
	trailer_release(&t);
	CHECK(trailer_parse(&t, "", 0) == 0);
	CHECK(!t.from.repo && !t.run);
	trailer_release(&t);
}

/* What trailer_append writes, trailer_parse reads back. */
static void test_round_trip(void)
{
	struct trailers in = mk("org/app", SHA_A, 3, 99, WF, "org/app", SHA_B), out;
	char *m = appended("Deploy {x}\n\nSigned-off-by: A <a@b>", &in);

	CHECK(m != NULL);
	CHECK(m && trailer_parse(&out, m, strlen(m)) == 0);
	CHECK_STR(out.from.sha, SHA_A);
	CHECK_STR(out.rollback_of.sha, SHA_B);
	CHECK_INT(out.run, 99);
	CHECK_INT(out.deployment_id, 3);
	CHECK_STR(out.workflow, WF);
	trailer_release(&out);
	trailer_release(&in);
	free(m);
}

/* Deploy-Service and Deploy-Environment: written after Deployment-Id,
 * safe names only (policy.h), read back with the same rule. */
static void test_service_environment(void)
{
	struct trailers t = mk("org/app", SHA_A, 17, 0, NULL, NULL, NULL), out;
	const char *msg;
	char *m;

	t.service = copy("product");
	t.environment = copy("sandbox");
	m = appended("Deploy", &t);
	CHECK_STR(m, "Deploy\n\nDeployed-From: org/app@" SHA_A "\nDeployment-Id: 17\n"
		  "Deploy-Service: product\nDeploy-Environment: sandbox\n");
	CHECK(m && trailer_parse(&out, m, strlen(m)) == 0);
	CHECK_STR(out.service, "product");
	CHECK_STR(out.environment, "sandbox");
	trailer_release(&out);
	free(m);
	free(t.service);
	t.service = copy("a/b");
	CHECK_FAILS(append_rc(&t), "Deploy-Service");
	free(t.environment);
	t.environment = copy("..");
	free(t.service);
	t.service = NULL;
	CHECK_FAILS(append_rc(&t), "Deploy-Environment");
	trailer_release(&t);

	/* read with the same rule: a name that is not safe is as if absent */
	msg = "x\n\nDeploy-Service: ../etc\nDeploy-Environment: qa\ndeploy-service: web.v2\n"
	      "Deploy-Environment: two words\n";
	CHECK(trailer_parse(&out, msg, strlen(msg)) == 0);
	CHECK_STR(out.service, "web.v2");
	CHECK_STR(out.environment, "qa");
	trailer_release(&out);
}

int main(void)
{
	test_service_environment();
	test_append();
	test_append_refuses();
	test_parse();
	test_round_trip();
	return t_done();
}
