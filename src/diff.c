/* diff: see diff.h. */
#include "diff.h"

#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct line {
	size_t off, len; /* the line break included */
	uint32_t hash;
};

struct text {
	const char *s;
	struct line *l;   /* the lines from line `first` on */
	size_t n;         /* how many are stored */
	size_t first;     /* number of the first stored line (0-based) */
};

/* A run of lines that differ: a[a0, a1) became b[b0, b1). */
struct block {
	size_t a0, a1, b0, b1;
};

struct blocks {
	struct block *v;
	size_t n, alloc;
	bool oom;
};

static size_t next_line(const char *s, size_t len, size_t p)
{
	const char *nl = memchr(s + p, '\n', len - p);

	return nl ? (size_t)(nl - s) + 1 : len;
}

/* Byte offset where the common leading lines end (*lines of them). */
static size_t common_prefix(const char *a, size_t alen, const char *b, size_t blen,
			    size_t *lines)
{
	size_t p = 0;

	*lines = 0;
	while (p < alen && p < blen) {
		size_t ea = next_line(a, alen, p), eb = next_line(b, blen, p);

		if (ea != eb || memcmp(a + p, b + p, ea - p))
			break;
		p = ea;
		(*lines)++;
	}
	return p;
}

/* Start of the last line of s[0, end) (end > 0). */
static size_t line_start_before(const char *s, size_t end)
{
	size_t p = end - 1;

	while (p > 0 && s[p - 1] != '\n')
		p--;
	return p;
}

/* Bytes of common trailing lines, none of them before `from`. */
static size_t common_suffix(const char *a, size_t alen, const char *b, size_t blen,
			    size_t from, size_t *lines)
{
	size_t ea = alen, eb = blen;

	*lines = 0;
	while (ea > from && eb > from) {
		size_t sa = line_start_before(a, ea), sb = line_start_before(b, eb);

		if (sa < from || sb < from || ea - sa != eb - sb || memcmp(a + sa, b + sb, ea - sa))
			break;
		ea = sa;
		eb = sb;
		(*lines)++;
	}
	return alen - ea;
}

static uint32_t hash_line(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Store the lines of t->s[from, to), numbered from `first`. */
static int split(struct text *t, size_t from, size_t to, size_t first)
{
	size_t n = 0, alloc = 64;

	t->first = first;
	t->l = malloc(alloc * sizeof(*t->l));
	if (!t->l)
		return -1;
	for (size_t p = from; p < to;) {
		size_t e = next_line(t->s, to, p);

		if (n == alloc) {
			struct line *l = realloc(t->l, 2 * alloc * sizeof(*l));

			if (!l)
				return -1;
			t->l = l;
			alloc *= 2;
		}
		t->l[n].off = p;
		t->l[n].len = e - p;
		t->l[n].hash = hash_line(t->s + p, e - p);
		n++;
		p = e;
	}
	t->n = n;
	return 0;
}

static bool same(const struct text *a, size_t i, const struct text *b, size_t j)
{
	const struct line *x = &a->l[i], *y = &b->l[j];

	return x->hash == y->hash && x->len == y->len && !memcmp(a->s + x->off, b->s + y->off, x->len);
}

static void add_block(struct blocks *bl, size_t a0, size_t a1, size_t b0, size_t b1)
{
	struct block *last = bl->n ? &bl->v[bl->n - 1] : NULL;

	if (last && last->a0 == a1 && last->b0 == b1) { /* built backwards: merge */
		last->a0 = a0;
		last->b0 = b0;
		return;
	}
	if (bl->n == bl->alloc) {
		size_t na = bl->alloc ? bl->alloc * 2 : 16;
		struct block *v = realloc(bl->v, na * sizeof(*v));

		if (!v) {
			bl->oom = true;
			return;
		}
		bl->v = v;
		bl->alloc = na;
	}
	bl->v[bl->n++] = (struct block){ a0, a1, b0, b1 };
}

/*
 * Myers' greedy algorithm, keeping each step's frontier for the walk back.
 * Fills `bl` with the differing blocks, last first.  0, 1 when there are
 * more than DIFF_MAX_D differences, -1 out of memory.
 */
static int myers(const struct text *a, const struct text *b, struct blocks *bl)
{
	long n = (long)a->n, m = (long)b->n, dmax = n + m < DIFF_MAX_D ? n + m : DIFF_MAX_D;
	long off = dmax + 1, d, found = -1;
	long *v = calloc((size_t)(2 * dmax + 3), sizeof(*v));
	long **trace = calloc((size_t)dmax + 1, sizeof(*trace));
	int rc = -1;

	if (!v || !trace)
		goto out;
	for (d = 0; d <= dmax && found < 0; d++) {
		trace[d] = malloc((size_t)(2 * d + 3) * sizeof(**trace));
		if (!trace[d])
			goto out;
		memcpy(trace[d], v + off - d - 1, (size_t)(2 * d + 3) * sizeof(**trace));
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				? v[off + k + 1] : v[off + k - 1] + 1;
			long y = x - k;

			while (x < n && y < m && same(a, (size_t)x, b, (size_t)y))
				x++, y++;
			v[off + k] = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
	}
	if (found < 0) {
		rc = 1;
		goto out;
	}
	for (long x = n, y = m, dd = found; dd > 0; dd--) {
		const long *t = trace[dd] + dd + 1; /* t[k] for k in [-dd-1, dd+1] */
		long k = x - y;
		long pk = (k == -dd || (k != dd && t[k - 1] < t[k + 1])) ? k + 1 : k - 1;
		long px = t[pk], py = px - pk;

		while (x > px && y > py)
			x--, y--;
		if (x == px)
			add_block(bl, (size_t)x, (size_t)x, (size_t)py, (size_t)y);
		else
			add_block(bl, (size_t)px, (size_t)x, (size_t)y, (size_t)y);
		x = px;
		y = py;
	}
	rc = bl->oom ? -1 : 0;
out:
	for (d = 0; trace && d <= dmax; d++)
		free(trace[d]);
	free(trace);
	free(v);
	return rc;
}

static void put_line(struct buf *out, char mark, const struct text *t, size_t i)
{
	const struct line *l = &t->l[i];

	buf_addc(out, mark);
	buf_add(out, t->s + l->off, l->len);
	if (l->len == 0 || t->s[l->off + l->len - 1] != '\n')
		buf_adds(out, "\n\\ No newline at end of file\n");
}

static void range(struct buf *out, char sign, size_t start, size_t count)
{
	if (count == 1)
		buf_addf(out, "%c%zu", sign, start + 1);
	else
		buf_addf(out, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

/* Print blocks [i, j) (in order) as one hunk. */
static void hunk(struct buf *out, const struct text *a, const struct text *b,
		 const struct block *v, size_t i, size_t j)
{
	size_t a0 = v[i].a0 > DIFF_CONTEXT ? v[i].a0 - DIFF_CONTEXT : 0;
	size_t b0 = v[i].b0 - (v[i].a0 - a0);
	size_t a1 = v[j - 1].a1 + DIFF_CONTEXT < a->n ? v[j - 1].a1 + DIFF_CONTEXT : a->n;
	size_t b1 = v[j - 1].b1 + (a1 - v[j - 1].a1);
	size_t x = a0;

	buf_adds(out, "@@ ");
	range(out, '-', a->first + a0, a1 - a0);
	buf_addc(out, ' ');
	range(out, '+', b->first + b0, b1 - b0);
	buf_adds(out, " @@\n");
	for (size_t k = i; k < j; k++) {
		for (; x < v[k].a0; x++)
			put_line(out, ' ', a, x);
		for (size_t y = v[k].a0; y < v[k].a1; y++)
			put_line(out, '-', a, y);
		for (size_t y = v[k].b0; y < v[k].b1; y++)
			put_line(out, '+', b, y);
		x = v[k].a1;
	}
	for (; x < a1; x++)
		put_line(out, ' ', a, x);
}

int diff_unified(struct buf *out, const char *as, size_t alen, const char *bs, size_t blen,
		 const char *label_a, const char *label_b)
{
	struct text a = { as, NULL, 0, 0 }, b = { bs, NULL, 0, 0 };
	struct blocks bl = { NULL, 0, 0, false };
	size_t pre_lines, suf_lines, pre, suf, keep_pre, keep_suf;
	int rc = -1, r;

	if (alen == blen && (!alen || !memcmp(as, bs, alen)))
		return 0;
	pre = common_prefix(as, alen, bs, blen, &pre_lines);
	suf = common_suffix(as, alen, bs, blen, pre, &suf_lines);
	/* keep DIFF_CONTEXT lines of each for the hunks' context */
	keep_pre = pre;
	for (size_t i = 0; i < DIFF_CONTEXT && keep_pre > 0; i++, pre_lines--)
		keep_pre = line_start_before(as, keep_pre);
	keep_suf = alen - suf;
	for (size_t i = 0; i < DIFF_CONTEXT && i < suf_lines; i++)
		keep_suf = next_line(as, alen, keep_suf);
	if (split(&a, keep_pre, keep_suf, pre_lines) < 0 ||
	    split(&b, keep_pre, keep_suf - alen + blen, pre_lines) < 0)
		goto oom;
	r = myers(&a, &b, &bl);
	if (r < 0)
		goto oom;
	if (r > 0) { /* too different: the span between equal ends as one block */
		size_t s = 0, ea = a.n, eb = b.n;

		while (s < a.n && s < b.n && same(&a, s, &b, s))
			s++;
		while (ea > s && eb > s && same(&a, ea - 1, &b, eb - 1))
			ea--, eb--;
		bl.n = 0;
		add_block(&bl, s, ea, s, eb);
		if (bl.oom)
			goto oom;
	}
	for (size_t i = 0; i < bl.n / 2; i++) { /* into file order */
		struct block t = bl.v[i];

		bl.v[i] = bl.v[bl.n - 1 - i];
		bl.v[bl.n - 1 - i] = t;
	}
	buf_addf(out, "--- %s\n+++ %s\n", label_a, label_b);
	for (size_t i = 0, j; i < bl.n; i = j) {
		for (j = i + 1; j < bl.n && bl.v[j].a0 - bl.v[j - 1].a1 <= 2 * (size_t)DIFF_CONTEXT; j++)
			;
		hunk(out, &a, &b, bl.v, i, j);
	}
	if (buf_failed(out)) {
		if (buf_error(out) == EFBIG)
			log_error("the diff is too large");
		else
			log_error("out of memory computing a diff");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	log_error("out of memory computing a diff");
out:
	free(a.l);
	free(b.l);
	free(bl.v);
	return rc;
}
