/* utf8: see utf8.h. */
#include "utf8.h"

/* The bytes that may follow lead byte c, beyond the first continuation
 * byte's [lo, hi] (which excludes overlongs, surrogates and values past
 * U+10FFFF); 0 for a byte that cannot lead. */
static size_t lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 2;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 3;
	}
	return 0;
}

size_t utf8_decode(const char *s, size_t n, size_t i, unsigned *cp, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s + i;
	size_t left = n - i, need, k;
	unsigned char lo, hi;
	unsigned c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	need = lead(p[0], &lo, &hi);
	c = p[0] & (need == 1 ? 0x1fu : need == 2 ? 0x0fu : 0x07u);
	for (k = 1; need && k <= need; k++) {
		if (k >= left || p[k] < lo || p[k] > hi)
			break;
		c = c << 6 | (p[k] & 0x3fu);
		lo = 0x80;
		hi = 0xbf;
	}
	if (!need || k <= need) {
		if (bad)
			*bad = need ? k : 1;
		return 0;
	}
	*cp = c;
	return need + 1;
}

bool utf8_valid(const char *s, size_t n)
{
	unsigned cp;

	for (size_t i = 0; i < n;) {
		size_t len = utf8_decode(s, n, i, &cp, NULL);

		if (!len)
			return false;
		i += len;
	}
	return true;
}

int utf8_fix(struct buf *out, const char *s, size_t len, size_t *replaced)
{
	size_t i = 0, start = 0;
	unsigned cp;

	*replaced = 0;
	while (i < len) {
		size_t bad = 0, n = utf8_decode(s, len, i, &cp, &bad);

		if (n) {
			i += n;
			continue;
		}
		buf_add(out, s + start, i - start);
		buf_adds(out, "\xef\xbf\xbd");
		(*replaced)++;
		i += bad;
		start = i;
	}
	buf_add(out, s + start, len - start);
	return buf_failed(out) ? -1 : 0;
}
