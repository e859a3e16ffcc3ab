/* Unit tests for yamlscan.c: the iterator's byte positions, the trees,
 * and where paths lead on them. */
#include "yamlscan.h"
#include "t.h"

#include <string.h>

/* A hit, with what the test looks at of its node (the tree goes when its
 * document ends). */
struct got {
	struct ys_hit h;
	struct ys_node node;
	size_t doc, edit;
	char value[64];
	char shared[16];
	char got[16];
};

struct scan {
	const struct ypath *paths;
	size_t npaths, edit;
	struct got hits[16];
	size_t nhits, ndocs;
	int seq_offset;
	struct ys_read r;
	char err[256];
	long err_line;
};

static int on_hit(void *arg, const struct ys_doc *d, const struct ys_hit *h)
{
	struct scan *s = arg;
	struct got *g = &s->hits[s->nhits];
	const struct ys_node *n = &d->nodes[h->node];
	const char *shared = ys_shared(d, n);

	if (s->nhits == 16)
		return 0;
	s->nhits++;
	memset(g, 0, sizeof(*g));
	g->h = *h;
	g->node = *n;
	g->doc = d->index;
	g->edit = s->edit;
	if (n->type == YS_SCALAR && n->vlen < sizeof(g->value))
		memcpy(g->value, ys_value(d, n), n->vlen);
	if (shared)
		snprintf(g->shared, sizeof(g->shared), "%s", shared);
	if (h->got != YS_NONE && d->nodes[h->got].vlen < sizeof(g->got))
		memcpy(g->got, ys_value(d, &d->nodes[h->got]), d->nodes[h->got].vlen);
	return 0;
}

static int on_doc(void *arg, const struct ys_doc *d)
{
	struct scan *s = arg;

	s->ndocs++;
	s->seq_offset = d->seq_offset;
	for (s->edit = 0; s->edit < s->npaths; s->edit++)
		if (ys_follow(d, &s->paths[s->edit], on_hit, s) < 0)
			return -1;
	return 0;
}

/* Read `in`, following `n` paths in every document. */
static int scan_n(struct scan *s, struct ypath *p, size_t n, const char *in,
		  const char *const *paths)
{
	int rc;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++)
		if (ypath_parse(&p[i], paths[i], NULL, NULL) < 0)
			return -1;
	s->paths = p;
	s->npaths = n;
	s->r.paths = p;
	s->r.npaths = n;
	s->r.on_doc = on_doc;
	s->r.arg = s;
	rc = ys_run(&s->r, in, strlen(in));
	memcpy(s->err, s->r.err, sizeof(s->err));
	s->err_line = s->r.err_line;
	return rc;
}

static int scan1(struct scan *s, struct ypath *p, const char *in, const char *path)
{
	return scan_n(s, p, 1, in, &path);
}

static void done(struct scan *s, struct ypath *p)
{
	(void)s;
	ypath_release(p);
}

/* A block scalar ends with its last content line; with keep chomping the
 * empty lines after it are content, so it ends with the last of them. */
static void test_block_ends(void)
{
	struct scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "a: |\n  x\n\n\nb: 1\n", "a"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_TARGET);
	CHECK_INT(s.hits[0].node.body, 3);
	CHECK_INT(s.hits[0].node.end, 8);
	CHECK_INT(s.hits[0].node.blank_after, 2);
	CHECK_INT(s.hits[0].node.block_indent, 2);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: |+\n  x\n\n\nb: 1\n", "a"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].node.end, 11); /* the last empty line's break */
	CHECK_INT(s.hits[0].node.blank_after, 0);
	CHECK_INT(s.hits[0].node.vlen, 4);  /* "x\n\n\n" */
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: >+\n  x\n", "a"), 0);
	CHECK_INT(s.hits[0].node.end, 9);  /* one break: nothing kept beyond it */
	done(&s, &p);
}

/* libyaml's marks count characters after a BOM; hits are in bytes. */
static void test_byte_offsets(void)
{
	struct scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "\xef\xbb\xbf# \xc3\xa9t\xc3\xa9\n\"\xc3\xa9\": v\n",
			"\"\xc3\xa9\""), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].node.body, 17); /* 3 + 8 + 6: BOM, comment, key */
	CHECK_INT(s.hits[0].node.end, 18);
	CHECK_INT(s.hits[0].node.vlen, 1);
	CHECK(s.hits[0].value[0] == 'v');
	done(&s, &p);
}

/* A missing key: a frontier at the mapping, which says what it holds. */
static void test_frontier_and_alias_key(void)
{
	struct scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "x: &k a\nm:\n  *k : 1\n  c: 2\n", "m.b"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[0].h.depth, 1);
	CHECK_INT(s.hits[0].node.type, YS_MAP);
	CHECK(s.hits[0].node.odd_keys);
	CHECK(s.hits[0].node.alias_key);
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
	struct scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "kind: A\n---\nother: 1\n---\nkind: B\n", "kind"), 0);
	CHECK_INT(s.ndocs, 3);
	CHECK_INT(s.nhits, 3);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_TARGET);
	CHECK_INT(s.hits[0].doc, 0);
	CHECK_INT(s.hits[1].h.kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[1].doc, 1);
	CHECK_INT(s.hits[2].doc, 2);
	CHECK(!strcmp(s.hits[2].value, "B"));
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: 1\nkind: x\nkind: y\n", "kind"), 0);
	CHECK(s.nhits >= 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_DUPKEY);
	CHECK_INT(s.hits[0].h.err_off, 19); /* the second one, at its value */
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: *nowhere\n", "a"), -1); /* an undefined alias */
	CHECK(strstr(s.err, "nowhere") != NULL);
	done(&s, &p);
}

/* Anchors and aliases: an anchor may be defined again (YAML allows it;
 * libyaml's loader does not), an alias inside its own anchored node is
 * defined, a shared node names its anchor, and a path through an alias
 * stops there. */
static void test_anchors(void)
{
	struct scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "a: &x 1\nb: &x 2\nc: *x\nd: v\n", "d"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_TARGET);
	CHECK(!s.hits[0].shared[0]);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: &x\n  self: *x\n  v: 1\n", "a.v"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_STR(s.hits[0].shared, "x");
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: &x {v: 1}\nb: *x\n", "b.v"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_ALIAS);
	CHECK_INT(s.hits[0].h.depth, 1);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "a: &x 1\n---\nb: *x\n", "b"), -1); /* another document's */
	CHECK_INT(s.err_line, 3);
	done(&s, &p);
}

/* Selectors: elements, filters on the mapping itself, what they saw, and
 * two matches. */
static void test_selectors(void)
{
	struct scan s;
	struct ypath p = YPATH_INIT;
	const char *in = "c:\n- name: a\n  v: 1\n- name: b\n  v: 2\n- name: a\n  v: 3\n";

	CHECK_INT(scan1(&s, &p, in, "c[name=z].v"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_FRONTIER);
		CHECK(s.hits[0].node.all_maps);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, in, "c[name=a].v"), 0);
	CHECK_INT(s.nhits, 1); /* the sequence's two matches: nothing below */
	CHECK_INT(s.hits[0].h.kind, YS_HIT_DUPMATCH);
	CHECK_INT(s.hits[0].h.err_off, 39); /* the second match */
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, in, "c[name=b].v"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_TARGET);
	CHECK(s.hits[0].h.below_sel);
	CHECK_STR(s.hits[0].value, "2");
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "kind: Job\nspec: 1\n", "[kind=Pod].spec"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[0].h.depth, 0);
	CHECK_STR(s.hits[0].got, "Job");
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "kind: Job\nkind: Pod\n", "[kind=Pod].spec"), 0);
	CHECK_INT(s.nhits, 1); /* the filter's key is twice */
	CHECK_INT(s.hits[0].h.kind, YS_HIT_DUPKEY);
	CHECK(s.hits[0].h.filter);
	CHECK_INT(s.hits[0].h.err_off, 10);
	done(&s, &p);
}

/* Each path's hits in document order; with keep_all every scalar is
 * kept (markers look at them all), else a collection no path names is
 * counted but not kept. */
static void test_order_and_pruning(void)
{
	struct scan s;
	struct ypath p[2] = { YPATH_INIT, YPATH_INIT };
	const char *paths[] = { "b", "c[*]" };

	CHECK_INT(scan_n(&s, p, 2, "a: 1\nb: 2\nc: [3, 4]\n", paths), 0);
	CHECK_INT(s.nhits, 3);
	CHECK_INT(s.hits[0].edit, 0);
	CHECK_STR(s.hits[1].value, "3");
	CHECK_STR(s.hits[2].value, "4");
	CHECK(s.hits[1].h.below_sel);
	ypath_release(&p[0]);
	ypath_release(&p[1]);
}

/* The iterator: events with byte positions, a block scalar's own end. */
static void test_iterator(void)
{
	struct ys_iter it;
	const char *in = "\xef\xbb\xbf\xc3\xa9" ": |\r\n  x\r\n\r\nb: &a [1]\r\n";
	size_t scalars = 0;

	CHECK_INT(ys_iter_init(&it, in, strlen(in)), 0);
	while (ys_iter_next(&it) > 0) {
		if (it.ev.type == YAML_SCALAR_EVENT && scalars++ == 1) {
			CHECK_INT(it.b0, 7);    /* BOM, key (2 bytes), ": " */
			CHECK_INT(it.b1, 13);   /* the end of "  x", not of the blank line */
			CHECK_INT(it.blank_after, 1);
			CHECK_INT(it.block_indent, 2);
		}
		if (it.ev.type == YAML_SEQUENCE_START_EVENT) {
			CHECK_INT(it.b0, 20);   /* the anchor */
			CHECK_INT(it.body, 23); /* the bracket */
			CHECK_INT(it.col, 6);
			CHECK(it.flow[it.depth]);
		}
	}
	CHECK_INT(scalars, 4);
	CHECK(it.ev.type == YAML_STREAM_END_EVENT);
	ys_iter_release(&it);
	CHECK_INT(ys_iter_init(&it, "\xff\xfe" "a\0", 4), -1);
	CHECK(strstr(it.err, "UTF-16") != NULL);
	ys_iter_release(&it);
}

/* Deep nesting is an error with its line, not a crash. */
static void test_depth(void)
{
	struct scan s;
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
	struct scan s;
	struct ypath p = YPATH_INIT;

	CHECK_INT(scan1(&s, &p, "x: [&a {k: 1}, [2]]\ny: *a\nz:\n  - 1\n", "y"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_ALIAS);
	CHECK_INT(s.seq_offset, 2);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "x: [[*nowhere]]\ny: 1\n", "y"), -1);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "x: &a\n  - [1, 2]\n  - {k: v}\ny: *a\nm:\n  n: 1\n", "m.q"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_FRONTIER);
	CHECK_INT(s.hits[0].node.end, 43); /* "n: 1" ends the mapping */
	CHECK_INT(s.hits[0].node.count, 1);
	CHECK(!s.hits[0].shared[0]);
	done(&s, &p);
	CHECK_INT(scan1(&s, &p, "x: &a\n  m: {q: 1}\ny: *a\n", "x.m.q"), 0);
	CHECK_INT(s.nhits, 1);
	CHECK_INT(s.hits[0].h.kind, YS_HIT_TARGET);
	CHECK_STR(s.hits[0].shared, "a");
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
	test_order_and_pruning();
	test_iterator();
	test_depth();
	test_unentered_subtrees();
	return t_done();
}
