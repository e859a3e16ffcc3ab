/* Unit tests for yamlkind.c: the kind rule's decisions. */
#include "yamlkind.h"
#include "t.h"

#include <string.h>

static void docs(struct yk_table *t, const char *const *kinds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_INT(yk_doc(t, kinds[i], kinds[i] ? strlen(kinds[i]) : 0), 0);
}

/* The target exists in a Deployment: only Deployments may grow keys. */
static void test_target_kinds(void)
{
	static const char *const k[] = { "Namespace", "Deployment", "Pod", "Deployment" };
	struct yk_table t;

	CHECK_INT(yk_init(&t, 1), 0);
	t.ed[0].limited = true;
	docs(&t, k, 4);
	CHECK_INT(yk_note(&t, 0, 0, false, 0), 0);
	CHECK_INT(yk_note(&t, 0, 1, true, 3), 0);
	CHECK_INT(yk_note(&t, 0, 2, false, 1), 0);
	CHECK_INT(yk_note(&t, 0, 3, false, 1), 0);
	CHECK(yk_allows(&t, 0, 0)); /* gathering: all */
	CHECK(yk_decide(&t) == YK_NONE);
	CHECK(yk_restricts(&t));
	CHECK(!yk_allows(&t, 0, 0));
	CHECK(yk_allows(&t, 0, 1));
	CHECK(!yk_allows(&t, 0, 2));
	CHECK(yk_allows(&t, 0, 3));
	yk_release(&t);
}

/* Nowhere a target: the deepest fit wins, a tie between kinds is named. */
static void test_best_fit_and_tie(void)
{
	static const char *const k[] = { "Service", "Deployment", "StatefulSet", NULL };
	struct yk_table t;
	struct buf b = BUF_INIT;
	const char *first = NULL;

	CHECK_INT(yk_init(&t, 2), 0);
	t.ed[0].limited = t.ed[1].limited = true;
	docs(&t, k, 4);
	CHECK_INT(yk_note(&t, 0, 0, false, 1), 0);
	CHECK_INT(yk_note(&t, 0, 1, false, 3), 0);
	CHECK_INT(yk_note(&t, 0, 2, false, 2), 0);
	CHECK_INT(yk_note(&t, 1, 1, false, 2), 0);
	CHECK_INT(yk_note(&t, 1, 3, false, 2), 0);
	CHECK_INT(yk_decide(&t), 1);
	CHECK(!yk_allows(&t, 0, 0));
	CHECK(yk_allows(&t, 0, 1));
	CHECK(!yk_allows(&t, 0, 2));
	CHECK_INT(yk_kinds_tied(&t, 1, &b, &first), 0);
	CHECK_STR(buf_cstr(&b), "Deployment, (no kind)");
	CHECK_STR(first, "Deployment");
	buf_release(&b);
	yk_release(&t);
}

/* Not limited (a [kind=...] path), or never scanned: everything goes. */
static void test_unlimited(void)
{
	static const char *const k[] = { "A", "B" };
	struct yk_table t;
	struct ypath p = YPATH_INIT;

	CHECK_INT(yk_init(&t, 1), 0);
	CHECK(yk_allows(&t, 0, 5));
	docs(&t, k, 2);
	CHECK_INT(yk_note(&t, 0, 0, true, 1), 0);
	CHECK(yk_decide(&t) == YK_NONE);
	CHECK(!yk_restricts(&t));
	CHECK(yk_allows(&t, 0, 1));
	yk_release(&t);
	CHECK_INT(ypath_parse(&p, "[kind=Job].spec.x", NULL, NULL), 0);
	CHECK(!yk_path_limited(&p));
	ypath_release(&p);
	CHECK_INT(ypath_parse(&p, "spec.containers[name=kind].x", NULL, NULL), 0);
	CHECK(yk_path_limited(&p));
	ypath_release(&p);
}

int main(void)
{
	test_target_kinds();
	test_best_fit_and_tie();
	test_unlimited();
	return t_done();
}
