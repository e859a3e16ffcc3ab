/* Unit tests for policy. */
#include "policy.h"
#include "capture.h"
#include "t.h"

static char path_out[2048];

static int norm(const char *path, size_t len)
{
	struct buf b = BUF_INIT;
	int rc = policy_manifest_path(&b, path, len);

	snprintf(path_out, sizeof(path_out), "%s", buf_cstr(&b));
	buf_release(&b);
	return rc;
}

#define NORM(s) norm((s), sizeof(s) - 1)

static void test_names(void)
{
	CHECK_QUIET_OK(policy_check_name("product-service", "service"));
	CHECK_QUIET_OK(policy_check_name("a.b_C-9", "service"));
	CHECK_QUIET_OK(policy_check_name("...", "service"));
	CHECK_FAILS(policy_check_name("", "service"), "service is empty");
	CHECK_FAILS(policy_check_name(".", "service"), "service '.' is not a safe name");
	CHECK_FAILS(policy_check_name("..", "service"), "service '..' is not a safe name");
	CHECK_FAILS(policy_check_name("a/b", "service"), "not a safe name");
	CHECK_FAILS(policy_check_name("a b", "service"), "not a safe name");
	CHECK_FAILS(policy_check_name("a\\b", "service"), "not a safe name");
	CHECK_FAILS(policy_check_name("caf\xc3\xa9", "service"), "not a safe name");
	CHECK_FAILS(policy_check_name("x\ny", "environment"), "environment 'x\\ny' is not");

	char longname[POLICY_NAME_MAX + 2];
	memset(longname, 'a', sizeof(longname));
	longname[POLICY_NAME_MAX] = '\0';
	CHECK_QUIET_OK(policy_check_name(longname, "service"));
	longname[POLICY_NAME_MAX] = 'a';
	longname[POLICY_NAME_MAX + 1] = '\0';
	CHECK_FAILS(policy_check_name(longname, "service"), "is too long (101 bytes, at most 100)");
}

static void test_environments(void)
{
	const char *def = "sandbox,qa,master";

	CHECK_QUIET_OK(policy_check_environments(def));
	CHECK_QUIET_OK(policy_check_environments(" sandbox ,\n qa\r\n,,master\n"));
	CHECK_FAILS(policy_check_environments(" , \n"), "input 'environments' lists no environment");
	CHECK_FAILS(policy_check_environments("qa,../x"), "input 'environments' has '../x'");
	CHECK_FAILS(policy_check_environments("qa,a b"), "has 'a b'");

	CHECK_QUIET_OK(policy_check_environment("sandbox", def));
	CHECK_QUIET_OK(policy_check_environment("master", def));
	CHECK_QUIET_OK(policy_check_environment("qa", " sandbox ,\n qa\r\n,,master\n"));
	CHECK_FAILS(policy_check_environment("develop", def),
		    "branch 'develop' does not follow policy (allowed: sandbox, qa, master)");
	CHECK_FAILS(policy_check_environment("Sandbox", def), "branch 'Sandbox' does not follow");
	CHECK_FAILS(policy_check_environment("sand", def), "does not follow policy");
	CHECK_FAILS(policy_check_environment("sandbox,qa", def), "does not follow policy");
	CHECK_FAILS(policy_check_environment("", def), "branch '' does not follow policy");
	CHECK_FAILS(policy_check_environment("qa", "qa2, q"), "(allowed: qa2, q)");
}

static void test_sources(void)
{
	/* the lists come from config_lines(), as char ** */
	char s1[] = "org/product-service", s2[] = "Team/*";
	char b1[] = "org", b2[] = "org/a/b", b3[] = "*/x", b4[] = "o/";
	char *list[] = { s1, s2, NULL };
	char *bad1[] = { b1 }, *bad2[] = { b2 }, *bad3[] = { b3 }, *bad4[] = { b4 };

	CHECK_QUIET_OK(policy_check_source_list(list, 2));
	CHECK_FAILS(policy_check_source_list(bad1, 1), "input 'allowed-sources' has 'org'");
	CHECK_FAILS(policy_check_source_list(bad2, 1), "has 'org/a/b'");
	CHECK_FAILS(policy_check_source_list(bad3, 1), "has '*/x'");
	CHECK_FAILS(policy_check_source_list(bad4, 1), "has 'o/'");

	CHECK_QUIET_OK(policy_check_source("org/product-service", list, 2));
	CHECK_QUIET_OK(policy_check_source("ORG/Product-Service", list, 2));
	CHECK_QUIET_OK(policy_check_source("team/anything", list, 2));
	CHECK_QUIET_OK(policy_check_source("whatever/x", list, 0));
	CHECK_QUIET_OK(policy_check_source(NULL, list, 0));
	CHECK_FAILS(policy_check_source("org/other", list, 2),
		    "source repository 'org/other' is not allowed to deploy "
		    "(allowed-sources: org/product-service, Team/*)");
	CHECK_FAILS(policy_check_source("org/product-service-2", list, 2), "not allowed");
	CHECK_FAILS(policy_check_source("teamx/a", list, 2), "not allowed");
	CHECK_FAILS(policy_check_source("team/a/b", list, 2), "not allowed");
	CHECK_FAILS(policy_check_source("team/", list, 2), "not allowed");
	CHECK_FAILS(policy_check_source(NULL, list, 2), "the payload names no source repository");
}

static void test_paths_ok(void)
{
	CHECK_QUIET_OK(NORM("product/sandbox/sandbox-deploy.yaml"));
	CHECK_STR(path_out, "product/sandbox/sandbox-deploy.yaml");
	CHECK_QUIET_OK(NORM("./product//sandbox/./x.yml"));
	CHECK_STR(path_out, "product/sandbox/x.yml");
	CHECK_QUIET_OK(NORM("deploy.YAML"));
	CHECK_STR(path_out, "deploy.YAML");
	CHECK_QUIET_OK(NORM(".config/a~b@c+d=e,f.yaml"));
	CHECK_STR(path_out, ".config/a~b@c+d=e,f.yaml");
	CHECK_QUIET_OK(NORM("a/...yaml"));
	CHECK_QUIET_OK(NORM("x/.github/y.yaml")); /* only the top-level .github */
}

/* Every traversal and smuggling form, whichever way it arrives. */
static void test_paths_refused(void)
{
	static const struct {
		const char *path;
		size_t len;
		const char *why;
	} cases[] = {
#define C(s, w) { s, sizeof(s) - 1, w }
		C("", "it is empty"),
		C("../x.yaml", "'..' would leave the repository"),
		C("a/../../x.yaml", "'..' would leave"),
		C("a/../b.yaml", "'..' would leave"),
		C("a/..", "'..' would leave"),
		C("/etc/x.yaml", "it is absolute"),
		C("//x.yaml", "it is absolute"),
		C("a\\..\\x.yaml", "backslash"),
		C("..\\x.yaml", "backslash"),
		C("a/b.yaml\0.txt", "NUL byte"),
		C("%2e%2e/x.yaml", "it contains '%'"),
		C("%2E%2E%2Fx.yaml", "it contains '%'"),
		C("..%2fx.yaml", "it contains '%'"),
		C("%252e%252e/x.yaml", "it contains '%'"),
		C("%c0%ae%c0%ae/x.yaml", "it contains '%'"),
		C("%u002e%u002e/x.yaml", "it contains '%'"),
		C("\xc0\xae\xc0\xae/x.yaml", "non-ASCII"),
		C("\xef\xbc\x8e\xef\xbc\x8e/x.yaml", "non-ASCII"), /* fullwidth dots */
		C("a/b\n.yaml", "control character"),
		C("a/\x7f.yaml", "control character"),
		C("a b.yaml", "character ' ' is not allowed"),
		C("c:/x.yaml", "character ':' is not allowed"),
		C("a/x.yaml?ref=y", "character '?' is not allowed"),
		C("a/x.yaml#y", "character '#' is not allowed"),
		C(".git/config.yaml", "it points into '.git'"),
		C("a/.GIT/x.yaml", "it points into '.git'"),
		C(".github/workflows/x.yaml", "it points into '.github'"),
		C("./.GitHub/x.yml", "it points into '.github'"),
		C("a/b/", "it names a directory"),
		C("a/b.yaml/.", "it names a directory"),
		C(".", "it names a directory"),
		C("a/b.json", "must end in '.yaml' or '.yml'"),
		C("a/yaml", "must end in '.yaml'"),
#undef C
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		CHECK_FAILS(norm(cases[i].path, cases[i].len), cases[i].why);
		CHECK_STR(path_out, ""); /* nothing half-made is left */
	}
	CHECK_FAILS(NORM("../x.yaml"), "manifest path '../x.yaml' is refused: '..'");
}

static void test_path_bounds(void)
{
	char p[POLICY_PATH_MAX + 10];
	size_t n = 0;

	for (int i = 0; i < POLICY_PATH_DEPTH; i++)
		n += (size_t)snprintf(p + n, sizeof(p) - n, "d/");
	n += (size_t)snprintf(p + n, sizeof(p) - n, "x.yaml");
	CHECK_FAILS(norm(p, n), "too many directories");
	CHECK_QUIET_OK(norm(p + 2, n - 2));
	memset(p, 'a', sizeof(p));
	memcpy(p + POLICY_PATH_MAX - 5, ".yaml", 5);
	CHECK_QUIET_OK(norm(p, POLICY_PATH_MAX));
	CHECK_FAILS(norm(p, POLICY_PATH_MAX + 1), "longer than 1024 bytes");
}

static void test_branches(void)
{
	static const char *ok[] = {
		"sandbox", "master", "gitops-bump/product/sandbox/0123456", "release/1.2",
		"a.b", "x@y", "feature/a-b_c",
		/* git allows any byte from 0x80 up: UTF-8 names are branches */
		"caf\xc3\xa9", "\xeb\xb0\xb0\xed\x8f\xac/qa", "release/\xe2\x80\x94" "fast",
	};
	static const struct {
		const char *b;
		const char *why;
	} bad[] = {
		{ "", "empty" }, { "-x", "starts with '-'" }, { "@", "'@' is not" },
		{ "a..b", "'..'" }, { "a@{1}", "'@{'" }, { "a b", "a space" },
		{ "a~1", "~" }, { "a^", "~" }, { "a:b", "~" }, { "a?", "~" }, { "a*", "~" },
		{ "a[b", "~" }, { "a\\b", "~" }, { "a\x01", "control" }, { "a\x7f", "control" },
		{ "caf\xe9", "not valid UTF-8" }, { "a\xc0\xaf" "b", "not valid UTF-8" },
		{ "/a", "empty component" }, { "a/", "empty component" }, { "a//b", "empty component" },
		{ ".a", "starts with '.'" }, { "a/.b", "starts with '.'" },
		{ "a.lock", "'.lock'" }, { "a.lock/b", "'.lock'" }, { "a.", "ends with '.'" },
	};
	char longb[POLICY_BRANCH_MAX + 2];

	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		CHECK_QUIET_OK(policy_check_branch(ok[i], strlen(ok[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK_FAILS(policy_check_branch(bad[i].b, strlen(bad[i].b)), bad[i].why);
	CHECK_FAILS(policy_check_branch("a\0b", 3), "control");
	memset(longb, 'b', sizeof(longb));
	CHECK_QUIET_OK(policy_check_branch(longb, POLICY_BRANCH_MAX));
	CHECK_FAILS(policy_check_branch(longb, POLICY_BRANCH_MAX + 1), "too long");
}

/* Arbitrary bytes: a path either is refused or normalises to something
 * that holds only allowed bytes and no ".." segment. */
static void test_arbitrary_paths(void)
{
	unsigned state = 7;
	int unsafe = 0, accepted = 0;

	for (int round = 0; round < 5000; round++) {
		char p[24];
		size_t len = (size_t)(round % 24);
		int rc;

		for (size_t i = 0; i < len; i++) {
			state = state * 1103515245u + 12345u;
			p[i] = "./.y.amlg%\\\0a/"[(state >> 16) % 14];
		}
		if (len > 5)
			memcpy(p + len - 5, ".yaml", 5);
		capture_begin();
		rc = norm(p, len);
		capture_end();
		if (rc == 0 && (path_out[0] == '/' || !strncmp(path_out, "../", 3) ||
				strstr(path_out, "/../") || strpbrk(path_out, "%\\") ||
				strstr(path_out, "//") || !strncmp(path_out, "./", 2) ||
				strstr(path_out, "/./")))
			unsafe++;
		accepted += rc == 0;
	}
	CHECK_INT(unsafe, 0);
	CHECK(accepted > 100); /* the generator does reach the accepting paths */
}

int main(void)
{
	test_names();
	test_environments();
	test_sources();
	test_paths_ok();
	test_paths_refused();
	test_path_bounds();
	test_branches();
	test_arbitrary_paths();
	return t_done();
}
