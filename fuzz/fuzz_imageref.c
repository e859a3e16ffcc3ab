/*
 * fuzz_imageref: the image reference parser (imageref.h).
 *
 * Invariants of an accepted reference:
 *   - name, path and canon are set; the name is at most IMAGEREF_MAX_NAME
 *     bytes, the tag at most IMAGEREF_MAX_TAG; the name is the domain (when
 *     there is one), '/' and the path;
 *   - the reference writes back (imageref_format) to exactly the input, and
 *     that parses to the same parts;
 *   - it is the same repository as itself and as its own name
 *     (imageref_same_name); the canonical name starts with the canonical
 *     domain and '/', and parses as a name of the same repository;
 *   - nothing in it is upper case but the domain, the tag and the digest
 *     algorithm;
 * and a refused reference is left empty.
 */
#include "fuzz.h"

#include "buf.h"
#include "imageref.h"

#include <string.h>

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imageref r, q = IMAGEREF_INIT, c = IMAGEREF_INIT;
	struct buf out = BUF_INIT, dom = BUF_INIT;
	size_t dn;

	fuzz_quiet();
	if (imageref_parse(&r, (const char *)data, size, "fuzz") < 0) {
		FUZZ_ASSERT(!r.name && !r.path && !r.canon && !r.tag && !r.digest && !r.domain);
		return 0;
	}
	FUZZ_ASSERT(r.name && r.path && r.canon);
	FUZZ_ASSERT(strlen(r.name) <= IMAGEREF_MAX_NAME);
	FUZZ_ASSERT(!r.tag || strlen(r.tag) <= IMAGEREF_MAX_TAG);
	dn = r.domain ? strlen(r.domain) : 0;
	FUZZ_ASSERT(!r.domain || (!strncmp(r.name, r.domain, dn) && r.name[dn] == '/'));
	FUZZ_ASSERT(!strcmp(r.name + (dn ? dn + 1 : 0), r.path));
	for (const char *p = r.path; *p; p++)
		FUZZ_ASSERT(!(*p >= 'A' && *p <= 'Z'));

	FUZZ_ASSERT(imageref_format(&out, &r) == 0);
	FUZZ_ASSERT(out.len == size && memcmp(out.ptr, data, size) == 0);
	FUZZ_ASSERT(imageref_parse(&q, out.ptr, out.len, "fuzz") == 0);
	FUZZ_ASSERT(same_str(q.name, r.name) && same_str(q.domain, r.domain) &&
		    same_str(q.tag, r.tag) && same_str(q.digest, r.digest) &&
		    same_str(q.canon, r.canon));

	FUZZ_ASSERT(imageref_same(&r, &q));
	FUZZ_ASSERT(imageref_same_name(&r, r.name, strlen(r.name)));
	FUZZ_ASSERT(imageref_canon_domain(&dom, &r) == 0);
	FUZZ_ASSERT(!strncmp(r.canon, dom.ptr, dom.len) && r.canon[dom.len] == '/');
	/* the canonical name parses to itself, unless the implicit
	 * docker.io/library/ it gained takes it past the written limit */
	if (strlen(r.canon) <= IMAGEREF_MAX_NAME) {
		FUZZ_ASSERT(imageref_parse(&c, r.canon, strlen(r.canon), "fuzz") == 0);
		FUZZ_ASSERT(imageref_same(&c, &r) && same_str(c.canon, r.canon));
	}

	imageref_release(&r);
	imageref_release(&q);
	imageref_release(&c);
	buf_release(&out);
	buf_release(&dom);
	return 0;
}
