/*
 * fuzz_yamlpath: the path parser of `edit` and `set` (yamlpath.h).
 *
 * Invariants of an accepted path:
 *   - at most YPATH_MAX_SEGS segments, from at most YPATH_MAX_LEN bytes;
 *   - it ends at the end of the input or at a '=' (where --set splits);
 *     the bytes before that parse alone to the same path;
 *   - ypath_format writes a canonical form that parses back to the same
 *     segments (kind, key and value bytes, index), and formatting that
 *     again gives the same text;
 * and a refused path is left empty.
 */
#include "fuzz.h"

#include "buf.h"
#include "yamlpath.h"

#include <string.h>

static bool same_path(const struct ypath *a, const struct ypath *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct ypath_seg *x = &a->seg[i], *y = &b->seg[i];

		if (x->kind != y->kind)
			return false;
		if ((x->kind == YPATH_KEY || x->kind == YPATH_MATCH) &&
		    (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) != 0))
			return false;
		if (x->kind == YPATH_MATCH &&
		    (x->value_len != y->value_len || memcmp(x->value, y->value, x->value_len) != 0))
			return false;
		if (x->kind == YPATH_INDEX && x->index != y->index)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *prefix;
	struct ypath p = YPATH_INIT, q = YPATH_INIT;
	struct buf canon = BUF_INIT, again = BUF_INIT;
	const char *end = NULL;

	fuzz_quiet();
	if (ypath_parse(&p, s, &end, "fuzz") < 0) {
		FUZZ_ASSERT(p.n == 0 && p.seg == NULL);
		goto out;
	}
	FUZZ_ASSERT(p.n >= 1 && p.n <= YPATH_MAX_SEGS);
	/* the value starts after '=' (or ':=', the typed form) */
	FUZZ_ASSERT(end && end >= s &&
		    (*end == '\0' || *end == '=' || (end[0] == ':' && end[1] == '=')));
	FUZZ_ASSERT((size_t)(end - s) <= YPATH_MAX_LEN);
	prefix = strndup(s, (size_t)(end - s));
	FUZZ_ASSERT(prefix);
	FUZZ_ASSERT(ypath_parse(&q, prefix, NULL, "fuzz") == 0 && same_path(&p, &q));
	free(prefix);

	FUZZ_ASSERT(ypath_format(&canon, &p, p.n) == 0);
	ypath_release(&q);
	if (canon.len <= YPATH_MAX_LEN) {
		FUZZ_ASSERT(ypath_parse(&q, buf_cstr(&canon), &end, "fuzz") == 0);
		FUZZ_ASSERT(*end == '\0' && same_path(&p, &q));
		FUZZ_ASSERT(ypath_format(&again, &q, q.n) == 0);
		FUZZ_ASSERT(again.len == canon.len &&
			    memcmp(buf_cstr(&again), buf_cstr(&canon), canon.len) == 0);
	}
out:
	ypath_release(&p);
	ypath_release(&q);
	buf_release(&canon);
	buf_release(&again);
	free(s);
	return 0;
}
