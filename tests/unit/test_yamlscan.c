/* Unit tests for yamlscan.c: where paths lead, in byte offsets. */
#include "yamlscan.h"
#include "t.h"

#include <string.h>

/* Scan `in` for the one path `path`; the hits stay in `s`. */
static int scan1(struct ys_scan *s, struct ypath *p, const char *in, const char *path)
{
	memset(s, 0, sizeof(*s));
	if (ypath_parse(p, path, NULL, NULL) < 0)
		return -1;
	s->paths = p;
	s->npaths = 1;
	s->seed = 7;
	return ys_run(s, in, strlen(in));
}

static void done(struct ys_scan *s, struct ypath *p)
{
	ys_release(s);
	ypath_release(p);
}

/* A block scalar ends with its last content line; with keep chomping the
 * empty lines after it are content, so it ends with the last of them. */
static void test_block_ends(void)
{
	struct ys_scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "a: |\n  x\n\n\nb: 1\n", "a"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_TARGET);
	CHECK_INT(s.hits[0].node.body, 3);
	CHECK_INT(s.hits[0].node.end, 8);
	CHECK_INT(s.hits[0].node.blank_after, 2);
	CHECK_INT(s.hits[0].node.block_indent, 2);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: |+\n  x\n\n\nb: 1\n", "a"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].node.end, 11); /* the last empty line's break */
	CHECK_INT(s.hits[0].node.blank_after, 0);
	CHECK_INT(s.hits[0].node.len, 4);  /* "x\n\n\n" */
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: >+\n  x\n", "a"), 0);
	CHECK_INT(s.hits[0].node.end, 9);  /* one break: nothing kept beyond it */
	done(&s, &p);
}

/* libyaml's marks count characters after a BOM; hits are in bytes. */
static void test_byte_offsets(void)
{
	struct ys_scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "\xef\xbb\xbf# \xc3\xa9t\xc3\xa9\n\"\xc3\xa9\": v\n",
			"\"\xc3\xa9\""), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].node.body, 17); /* 3 + 8 + 6: BOM, comment, key */
	CHECK_INT(s.hits[0].node.end, 18);
	CHECK_INT(s.hits[0].node.len, 1);
	CHECK(s.hits[0].node.value && s.hits[0].node.value[0] == 'v');
	done(&s, &p);
}

/* A missing key: a frontier at the mapping, which says what it holds. */
static void test_frontier_and_alias_key(void)
{
	struct ys_scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "x: &k a\nm:\n  *k : 1\n  c: 2\n", "m.b"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[0].depth, 1);
	CHECK_INT(s.hits[0].node.type, YS_MAP);
	CHECK(s.hits[0].node.odd_keys);
	CHECK(s.hits[0].node.alias_key);
	CHECK_STR(s.hits[0].node.seen, "*k, c");
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "m:\n  <<: {b: 1}\n", "m.b"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK(s.hits[0].node.has_merge);
	CHECK(!s.hits[0].node.alias_key);
	done(&s, &p);
}

/* Hits name their document; a key twice is its own hit. */
static void test_documents_and_duplicates(void)
{
	struct ys_scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "kind: A\n---\nother: 1\n---\nkind: B\n", "kind"), 0);
	CHECK_INT(s.ndocs, 3);
	CHECK_INT(s.nhits, 3);
	CHECK_INT(s.hits[0].kind, YS_HIT_TARGET);
	CHECK_INT(s.hits[0].doc, 0);
	CHECK_INT(s.hits[1].kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[1].doc, 1);
	CHECK_INT(s.hits[2].doc, 2);
	CHECK(s.hits[2].node.len == 1 && s.hits[2].node.value[0] == 'B');
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: 1\nkind: x\nkind: y\n", "kind"), 0);
	CHECK(s.nhits >= 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_DUPKEY);
	CHECK_INT(s.hits[0].err_off, 19); /* the second one, at its value */
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: *nowhere\n", "a"), -1); /* an undefined alias */
	CHECK(strstr(s.err, "nowhere") != NULL);
	done(&s, &p);
}

/* Scan `in` for several paths at once. */
static int scan_n(struct ys_scan *s, struct ypath *p, size_t n, const char *in,
		  const char *const *paths)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++)
		if (ypath_parse(&p[i], paths[i], NULL, NULL) < 0)
			return -1;
	s->paths = p;
	s->npaths = n;
	s->seed = 7;
	return ys_run(s, in, strlen(in));
}

/* Anchors and aliases: an anchor may be defined again (YAML allows it;
 * libyaml's loader does not), an alias inside its own anchored node is
 * defined, a shared node names its anchor, and a path through an alias
 * stops there. */
static void test_anchors(void)
{
	struct ys_scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "a: &x 1\nb: &x 2\nc: *x\nd: v\n", "d"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_TARGET);
	CHECK(!s.hits[0].node.shared);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: &x\n  self: *x\n  v: 1\n", "a.v"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK(s.hits[0].node.shared);
	CHECK_STR(s.hits[0].node.shared_anchor, "x");
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: &x {v: 1}\nb: *x\n", "b.v"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_ALIAS);
	CHECK_INT(s.hits[0].depth, 1);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: &x 1\n---\nb: *x\n", "b"), -1); /* another document's */
	CHECK_INT(s.err_line, 3);
	done(&s, &p);
}

/* Selectors: elements, filters on the mapping itself, what they saw, and
 * two matches. */
static void test_selectors(void)
{
	struct ys_scan s;
	struct ypath p = YPATH_INIT;
	const char *in = "c:\n- name: a\n  v: 1\n- name: b\n  v: 2\n- name: a\n  v: 3\n";

	CHECK_INT(scan1(&s, &p, in, "c[name=z].v"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_FRONTIER);
	CHECK_STR(s.hits[0].node.seen, "a, b, a");
	CHECK(s.hits[0].node.map_items);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, in, "c[name=a].v"), 0);
	CHECK_INT(s.nhits, 3); /* the sequence's two matches, then each target */
	CHECK_INT(s.hits[0].kind, YS_HIT_DUPMATCH);
	CHECK_INT(s.hits[0].err_off, 39); /* the second match */
	CHECK_INT(s.hits[1].kind, YS_HIT_TARGET);
	CHECK(s.hits[1].below_sel);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "kind: Job\nspec: 1\n", "[kind=Pod].spec"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[0].depth, 0);
	CHECK(s.hits[0].got && !strcmp(s.hits[0].got, "Job"));
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "kind: Job\nkind: Pod\n", "[kind=Pod].spec"), 0);
	CHECK_INT(s.nhits, 2); /* the root lacks the filter's match, its key is twice */
	CHECK_INT(s.hits[0].kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[1].kind, YS_HIT_DUPKEY);
	CHECK(s.hits[1].filter);
	CHECK_INT(s.hits[1].err_off, 10);
	done(&s, &p);
}

/* Hits come in document order whatever the order of the paths; markers
 * are found in values, never in keys. */
static void test_order_and_markers(void)
{
	struct ys_scan s;
	struct ypath p[2] = { YPATH_INIT, YPATH_INIT };
	const char *paths[] = { "b", "a" };
	const char *const markers[] = { "m" };
	const char *in;

	CHECK_INT(scan_n(&s, p, 2, "a: 1\nb: 2\n", paths), 0);
	CHECK_INT(s.nhits, 2);
	CHECK_INT(s.hits[0].edit, 1);
	CHECK_INT(s.hits[1].edit, 0);
	ys_release(&s);
	ypath_release(&p[0]);
	ypath_release(&p[1]);
	memset(&s, 0, sizeof(s));
	s.markers = markers;
	s.nmarkers = 1;
	in = "<m>k</m>: 1\nv: x <m>y</m>\n";
	CHECK_INT(ys_run(&s, in, strlen(in)), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_MARKER);
	CHECK_INT(s.hits[0].node.start, 15);
	ys_release(&s);
}

/* Deep nesting is an error with its line, not a crash. */
static void test_depth(void)
{
	struct ys_scan s;
	struct ypath p = YPATH_INIT;
	char in[2 * YS_MAX_DEPTH + 8];

	memset(in, '[', YS_MAX_DEPTH + 1);
	memset(in + YS_MAX_DEPTH + 1, ']', YS_MAX_DEPTH + 1);
	in[2 * YS_MAX_DEPTH + 2] = '\0';
	CHECK_INT(scan1(&s, &p, in, "a"), -1);
	CHECK(strstr(s.err, "nesting deeper") != NULL);
	done(&s, &p);
}

/* Subtrees no path can enter are not kept, but still count: anchors and
 * aliases in them, layout, the end of a block collection. */
static void test_unentered_subtrees(void)
{
	struct ys_scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "x: [&a {k: 1}, [2]]\ny: *a\nz:\n  - 1\n", "y"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_ALIAS);
	CHECK_INT(s.seq_offset, 2);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "x: [[*nowhere]]\ny: 1\n", "y"), -1);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "x: &a\n  - [1, 2]\n  - {k: v}\ny: *a\nm:\n  n: 1\n", "m.q"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[0].node.end, 43); /* "n: 1" ends the mapping */
	CHECK_INT(s.hits[0].node.count, 1);
	CHECK(!s.hits[0].node.shared);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "x: &a\n  m: {q: 1}\ny: *a\n", "x.m.q"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].kind, YS_HIT_TARGET);
	CHECK(s.hits[0].node.shared);
	done(&s, &p);
}

int main(void)
{
	test_block_ends();
	test_byte_offsets();
	test_frontier_and_alias_key();
	test_documents_and_duplicates();
	test_anchors();
	test_selectors();
	test_order_and_markers();
	test_depth();
	test_unentered_subtrees();
	return t_done();
}
