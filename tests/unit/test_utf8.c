/* Unit tests for utf8.c. */
#include "utf8.h"
#include "t.h"

static void test_utf8_fix(void)
{
	static const struct { const char *in; size_t len; const char *out; size_t n; } cases[] = {
		{ "plain", 5, "plain", 0 },
		{ "\xed\x95\x9c\xf0\x9f\x9a\x80", 7, "\xed\x95\x9c\xf0\x9f\x9a\x80", 0 },
		{ "a\xff" "b", 3, "a\xef\xbf\xbd" "b", 1 },
		{ "\xe2\x82", 2, "\xef\xbf\xbd", 1 },              /* cut short: one */
		{ "\xe2\x82x", 3, "\xef\xbf\xbdx", 1 },
		{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3 }, /* surrogate */
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", 2 },  /* overlong */
		{ "\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4 },
		{ "\xf0\x9f\x98", 3, "\xef\xbf\xbd", 1 },
		{ "\xe0\x9f\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct buf b = BUF_INIT;
		size_t n = 99;

		CHECK_INT(utf8_fix(&b, cases[i].in, cases[i].len, &n), 0);
		CHECK_STR(buf_cstr(&b), cases[i].out);
		CHECK_INT(n, cases[i].n);
		buf_release(&b);
	}
}

static void test_decode(void)
{
	unsigned cp = 0;
	size_t bad = 0;

	CHECK_INT(utf8_decode("A", 1, 0, &cp, &bad), 1);
	CHECK_INT(cp, 'A');
	CHECK_INT(utf8_decode("\xc3\xa9", 2, 0, &cp, &bad), 2);
	CHECK_INT(cp, 0xe9);
	CHECK_INT(utf8_decode("\xe2\x80\xa8", 3, 0, &cp, &bad), 3);
	CHECK_INT(cp, 0x2028);
	CHECK_INT(utf8_decode("\xf0\x9f\x9a\x80", 4, 0, &cp, &bad), 4);
	CHECK_INT(cp, 0x1f680);
	CHECK_INT(utf8_decode("x\xf4\x8f\xbf\xbf", 5, 1, &cp, &bad), 4);
	CHECK_INT(cp, 0x10ffff);
	CHECK_INT(utf8_decode("\xf0\x9f\x98", 3, 0, &cp, &bad), 0);
	CHECK_INT(bad, 3);
	CHECK_INT(utf8_decode("\x80", 1, 0, &cp, &bad), 0);
	CHECK_INT(bad, 1);
	CHECK_INT(utf8_decode("\xe0\x9f\x80", 3, 0, &cp, NULL), 0); /* overlong */
}

static void test_valid(void)
{
	CHECK(utf8_valid("caf\xc3\xa9 \xf0\x9f\x9a\x80", 10));
	CHECK(!utf8_valid("\xc0\xaf", 2));           /* overlong */
	CHECK(!utf8_valid("\xed\xa0\x80", 3));       /* a surrogate */
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));   /* past U+10FFFF */
	CHECK(!utf8_valid("\xe2\x82", 2));           /* cut short */
	CHECK(utf8_valid("", 0));
	CHECK(utf8_valid("a\0b", 3));
}

int main(void)
{
	test_utf8_fix();
	test_decode();
	test_valid();
	return t_done();
}
