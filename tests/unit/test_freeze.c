/* Unit tests for freeze. */
#include "freeze.h"
#include "t.h"

#include <stdlib.h>

static int find(const char *yaml, char **reason, long *line)
{
	return freeze_find(yaml, strlen(yaml), reason, line);
}

static void test_found(void)
{
	char *reason;
	long line;

	CHECK_INT(find("kind: Service\n---\nkind: Deployment\nmetadata:\n  annotations:\n"
		       "    a: b\n    gitops-bump/freeze: \"incident 42\"\n", &reason, &line), 1);
	CHECK_STR(reason, "incident 42");
	CHECK_INT(line, 7);
	free(reason);
	/* a block scalar: one line, control characters as spaces */
	CHECK_INT(find("metadata:\n  annotations:\n    gitops-bump/freeze: |\n      one\n      two\n",
		       &reason, &line), 1);
	CHECK_STR(reason, "one two ");
	free(reason);
}

static void test_not_found(void)
{
	static const char *const docs[] = {
		"kind: Deployment\nmetadata:\n  name: x\n",
		"metadata:\n  annotations:\n    gitops-bump/freeze: \"\"\n",
		"metadata:\n  annotations:\n    gitops-bump/freeze:\n",
		"metadata:\n  annotations:\n    gitops-bump/freeze: ~\n",
		"spec:\n  metadata:\n    annotations:\n      gitops-bump/freeze: deep\n",
		"metadata:\n  annotations:\n    gitops-bump/freeze: [a]\n",
		"not: [valid\n",
		"",
	};
	char *reason;
	long line;

	for (size_t i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		CHECK_INT(find(docs[i], &reason, &line), 0);
		CHECK(!reason && !line);
	}
}

static void test_long_reason_is_cut(void)
{
	char yaml[600], *reason;
	long line;

	snprintf(yaml, sizeof(yaml), "metadata:\n  annotations:\n    gitops-bump/freeze: \"%0300d\"\n",
		 7);
	CHECK_INT(find(yaml, &reason, &line), 1);
	CHECK_INT(strlen(reason), FREEZE_REASON_MAX + 3);
	CHECK(reason && !strcmp(reason + FREEZE_REASON_MAX, "..."));
	free(reason);
}

int main(void)
{
	test_found();
	test_not_found();
	test_long_reason_is_cut();
	return t_done();
}
