/*
 * fuzz_imagefind: the image target finder (imagefind.h) with the editor.
 *
 * Input: "REFERENCE NUL YAML" (a reference that does not parse is replaced
 * by a fixed one).  Invariants when a plan is made and applied:
 *   - every edit is meant for at least one target, its path parses, and
 *     every planned target, warning and notice has a line and a text;
 *   - an edit the editor applies reaches exactly the targets it was planned
 *     for, or imagefind_check() refuses the result;
 *   - planning the output again and applying that changes nothing (the
 *     deploy is idempotent).
 */
#include "fuzz.h"

#include "buf.h"
#include "imagefind.h"
#include "yamlpath.h"

#include <string.h>

#define FALLBACK "ghcr.io/acme/web:1.5.0"

static int plan_apply(struct buf *out, const char *in, size_t len, const struct imageref *ref,
		      bool *differs)
{
	struct imagefind plan = IMAGEFIND_INIT;
	struct yedit ye[YEDIT_MAX_EDITS];
	int rc = -1;

	if (imagefind_plan(&plan, in, len, ref, NULL, "fuzz.yaml") < 0)
		return -1;
	if (!plan.nedits || plan.nedits > YEDIT_MAX_EDITS)
		goto out;
	for (size_t i = 0; i < plan.nedits; i++) {
		struct ypath p = YPATH_INIT;

		FUZZ_ASSERT(plan.edits[i].want >= 1);
		FUZZ_ASSERT(ypath_parse(&p, plan.edits[i].path, NULL, "fuzz") == 0);
		ypath_release(&p);
	}
	for (size_t i = 0; i < plan.ntargets; i++)
		FUZZ_ASSERT(plan.targets[i].line >= 1 && plan.targets[i].text[0]);
	for (size_t i = 0; i < plan.nnotes; i++) {
		FUZZ_ASSERT(plan.notes[i].line >= 1 && plan.notes[i].text[0]);
		/* warnings, then notices: the order patch mode shows them in */
		FUZZ_ASSERT(plan.notes[i].severity == IMAGEFIND_WARNING ||
			    plan.notes[i].severity == IMAGEFIND_NOTICE);
		FUZZ_ASSERT(!i || plan.notes[i - 1].severity <= plan.notes[i].severity);
	}
	imagefind_yedits(&plan, ye);
	if (yedit_apply(out, in, len, ye, plan.nedits, "fuzz.yaml", differs) < 0 ||
	    imagefind_check(&plan, ye, "fuzz.yaml") < 0)
		goto out;
	rc = 0;
out:
	imagefind_release(&plan);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	const char *yml = nul ? (const char *)nul + 1 : (const char *)data;
	size_t ylen = nul ? size - (size_t)(nul - data) - 1 : size;
	struct imageref ref;
	struct buf once = BUF_INIT, twice = BUF_INIT;
	bool differs = true;

	fuzz_quiet();
	if (!nul || imageref_parse(&ref, (const char *)data, (size_t)(nul - data), NULL) < 0)
		FUZZ_ASSERT(imageref_parse(&ref, FALLBACK, strlen(FALLBACK), NULL) == 0);
	if (plan_apply(&once, yml, ylen, &ref, NULL) == 0 &&
	    plan_apply(&twice, buf_cstr(&once), once.len, &ref, &differs) == 0)
		FUZZ_ASSERT(!differs);
	imageref_release(&ref);
	buf_release(&once);
	buf_release(&twice);
	return 0;
}
