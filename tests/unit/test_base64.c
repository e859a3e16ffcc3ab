/* Unit tests for base64. */
#include "base64.h"
#include "capture.h"
#include "t.h"

#include <stdlib.h>

static const char *enc(const char *s, size_t len)
{
	static char out[256];
	struct buf b = BUF_INIT;

	if (base64_encode(&b, s, len, "test") < 0)
		return NULL;
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_release(&b);
	return out;
}

static void test_rfc4648_vectors(void)
{
	/* RFC 4648, section 10 */
	CHECK_STR(enc("", 0), "");
	CHECK_STR(enc("f", 1), "Zg==");
	CHECK_STR(enc("fo", 2), "Zm8=");
	CHECK_STR(enc("foo", 3), "Zm9v");
	CHECK_STR(enc("foob", 4), "Zm9vYg==");
	CHECK_STR(enc("fooba", 5), "Zm9vYmE=");
	CHECK_STR(enc("foobar", 6), "Zm9vYmFy");
	CHECK_STR(enc("\xff\xfe\x00", 3), "//4A");
	CHECK_INT(base64_encoded_len(0), 0);
	CHECK_INT(base64_encoded_len(4), 8);
	CHECK_INT(base64_encoded_len((size_t)-1), 0);
}

/* Every length 0..300 of arbitrary bytes, wrapped the way the Contents API
 * wraps (60 columns, "\n"), and with CRLF, decodes back exactly. */
static void test_round_trip_wrapped(void)
{
	unsigned char data[300];
	int bad = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 151 + 7);
	for (size_t len = 0; len <= sizeof(data); len++) {
		struct buf e = BUF_INIT, w = BUF_INIT, d = BUF_INIT;

		base64_encode(&e, data, len, "test");
		for (size_t k = 0; k < e.len; k += 60) {
			buf_add(&w, e.ptr + k, e.len - k < 60 ? e.len - k : 60);
			buf_adds(&w, len % 2 ? "\n" : "\r\n");
		}
		if (base64_decode(&d, buf_cstr(&w), w.len, "test") < 0 || d.len != len ||
		    (len && memcmp(d.ptr, data, len) != 0))
			bad++;
		buf_release(&e);
		buf_release(&w);
		buf_release(&d);
	}
	CHECK_INT(bad, 0);
}

static void test_decode_appends(void)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "x:");
	CHECK_QUIET_OK(base64_decode(&b, "Zm9v\nYmFy\n", 10, "t"));
	CHECK_STR(buf_cstr(&b), "x:foobar");
	buf_release(&b);
}

static void test_decode_errors(void)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "keep");
	CHECK_FAILS(base64_decode(&b, "Zm9v!mFy", 8, "content of 'a.yaml'"),
		    "content of 'a.yaml' is not valid base64: unexpected character at offset 4");
	CHECK_FAILS(base64_decode(&b, "Zm9v YmFy", 9, "c"), "unexpected character at offset 4");
	CHECK_FAILS(base64_decode(&b, "Zm9\x01", 4, "c"), "unexpected byte at offset 3");
	CHECK_FAILS(base64_decode(&b, "Zm9\rv", 5, "c"), "at offset 3"); /* a lone CR */
	CHECK_FAILS(base64_decode(&b, "Zm9", 3, "c"), "truncated input");
	CHECK_FAILS(base64_decode(&b, "Zm9vY", 5, "c"), "truncated input");
	CHECK_FAILS(base64_decode(&b, "=m9v", 4, "c"), "misplaced '='");
	CHECK_FAILS(base64_decode(&b, "Z===", 4, "c"), "misplaced '='");
	CHECK_FAILS(base64_decode(&b, "Zg=a", 4, "c"), "data after '='");
	CHECK_FAILS(base64_decode(&b, "Zg==Zm9v", 8, "c"), "data after '='");
	CHECK_FAILS(base64_decode(&b, "Zh==", 4, "c"), "non-zero padding bits");
	CHECK_FAILS(base64_decode(&b, "Zm9=", 4, "c"), "non-zero padding bits");
	CHECK_FAILS(base64_decode(&b, "Zm\0v", 4, "c"), "unexpected byte at offset 2");
	/* failures leave the buffer as it was */
	CHECK_STR(buf_cstr(&b), "keep");
	CHECK(!buf_failed(&b));
	/* an empty input and pure line breaks decode to nothing */
	CHECK_QUIET_OK(base64_decode(&b, "\n\r\n", 3, "c"));
	CHECK_STR(buf_cstr(&b), "keep");
	buf_release(&b);
}

static void test_caps(void)
{
	struct buf b;

	buf_init(&b, 5);
	CHECK_FAILS(base64_decode(&b, "Zm9vYmFy", 8, "content"), "the result is too large");
	CHECK_INT(b.len, 0);
	CHECK(!buf_failed(&b));
	CHECK_QUIET_OK(base64_decode(&b, "Zm9vYg==", 8, "content"));
	CHECK_STR(buf_cstr(&b), "foob");
	buf_release(&b);

	buf_init(&b, 7);
	CHECK_FAILS(base64_encode(&b, "foobar", 6, "body"), "cannot encode body");
	CHECK_INT(b.len, 0);
	CHECK_FAILS(base64_encode(&b, "fooba", 5, "body"), "too large"); /* 8 > 7 */
	CHECK_QUIET_OK(base64_encode(&b, "foo", 3, "body"));
	CHECK_STR(buf_cstr(&b), "Zm9v");
	buf_release(&b);
}

/* Arbitrary bytes either decode or fail cleanly (ASan watches the rest). */
static void test_arbitrary_bytes(void)
{
	unsigned state = 12345;
	int oversized = 0;

	for (int round = 0; round < 2000; round++) {
		char in[40];
		size_t len = (size_t)(round % 40);
		struct buf b = BUF_INIT;
		int rc;

		for (size_t i = 0; i < len; i++) {
			state = state * 1103515245u + 12345u;
			in[i] = "AZaz09+/=\n\r!\0"[(state >> 16) % 13];
		}
		capture_begin();
		rc = base64_decode(&b, in, len, "fuzz");
		capture_end();
		if (rc == 0 && b.len > len)
			oversized++;
		buf_release(&b);
	}
	CHECK_INT(oversized, 0);
}

int main(void)
{
	test_rfc4648_vectors();
	test_round_trip_wrapped();
	test_decode_appends();
	test_decode_errors();
	test_caps();
	test_arbitrary_bytes();
	return t_done();
}
