/*
 * fuzz_base64: the strict base64 codec (base64.h) both ways.
 *
 * Invariants:
 *   - decode(encode(x)) == x, also with the encoding wrapped the way the
 *     Contents API sends it (60 columns, "\n" or "\r\n" line breaks);
 *   - the encoding is base64_encoded_len(len) bytes of the alphabet;
 *   - whatever decode accepts is canonical: encoding the result again gives
 *     the input without its line breaks;
 *   - a failed decode or encode leaves the buffer as it was, not failed
 *     (also when the failure is the buffer's cap);
 *   - the same for base64url (JWTs): round trip, no '=' ever, and whatever
 *     its decoder accepts encodes back to exactly the input.
 */
#include "fuzz.h"

#include "base64.h"
#include "buf.h"

#include <string.h>

static void unwrap(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
			continue;
		buf_addc(out, s[i]);
	}
}

static void wrap(struct buf *out, const char *s, size_t n, const char *eol)
{
	for (size_t i = 0; i < n; i += 60) {
		buf_add(out, s + i, n - i < 60 ? n - i : 60);
		buf_adds(out, eol);
	}
}

static void check_roundtrip(const uint8_t *data, size_t size)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT, wrapped = BUF_INIT;
	const char *eols[] = { "\n", "\r\n" };

	FUZZ_ASSERT(base64_encode(&enc, data, size, "fuzz data") == 0);
	FUZZ_ASSERT(enc.len == base64_encoded_len(size) && enc.len % 4 == 0);
	FUZZ_ASSERT(strspn(buf_cstr(&enc), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789+/=") == enc.len);
	FUZZ_ASSERT(base64_decode(&dec, buf_cstr(&enc), enc.len, "fuzz data") == 0);
	FUZZ_ASSERT(dec.len == size && (size == 0 || memcmp(dec.ptr, data, size) == 0));
	for (size_t k = 0; k < 2; k++) {
		buf_reset(&wrapped);
		buf_reset(&dec);
		wrap(&wrapped, buf_cstr(&enc), enc.len, eols[k]);
		FUZZ_ASSERT(base64_decode(&dec, buf_cstr(&wrapped), wrapped.len, "fuzz data") == 0);
		FUZZ_ASSERT(dec.len == size && (size == 0 || memcmp(dec.ptr, data, size) == 0));
	}
	buf_release(&enc);
	buf_release(&dec);
	buf_release(&wrapped);
}

static void check_decode(const uint8_t *data, size_t size)
{
	struct buf dec = BUF_INIT, enc = BUF_INIT, flat = BUF_INIT, small = BUF_INIT;
	const char *in = (const char *)data;

	buf_adds(&dec, "pre");
	if (base64_decode(&dec, in, size, "fuzz input") < 0) {
		FUZZ_ASSERT(dec.len == 3 && memcmp(dec.ptr, "pre", 3) == 0 && !buf_failed(&dec));
		goto done;
	}
	unwrap(&flat, in, size);
	FUZZ_ASSERT(base64_encode(&enc, dec.ptr + 3, dec.len - 3, "fuzz input") == 0);
	FUZZ_ASSERT(enc.len == flat.len && memcmp(buf_cstr(&enc), buf_cstr(&flat), enc.len) == 0);
	/* the same input into a buffer one byte too small */
	if (dec.len > 4) { /* buf_init takes 0 as "the default cap" */
		buf_init(&small, dec.len - 4);
		FUZZ_ASSERT(base64_decode(&small, in, size, "fuzz input") == -1);
		FUZZ_ASSERT(small.len == 0 && !buf_failed(&small));
		buf_release(&small);
		buf_init(&small, enc.len - 1);
		FUZZ_ASSERT(base64_encode(&small, dec.ptr + 3, dec.len - 3, "fuzz input") == -1);
		FUZZ_ASSERT(small.len == 0 && !buf_failed(&small));
	}
done:
	buf_release(&dec);
	buf_release(&enc);
	buf_release(&flat);
	buf_release(&small);
}

static void check_url(const uint8_t *data, size_t size)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT;

	FUZZ_ASSERT(base64url_encode(&enc, data, size, "fuzz data") == 0);
	FUZZ_ASSERT(strspn(buf_cstr(&enc), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789-_") == enc.len);
	FUZZ_ASSERT(base64url_decode(&dec, buf_cstr(&enc), enc.len, "fuzz data") == 0);
	FUZZ_ASSERT(dec.len == size && (size == 0 || memcmp(dec.ptr, data, size) == 0));
	buf_reset(&enc);
	buf_reset(&dec);
	buf_adds(&dec, "pre");
	if (base64url_decode(&dec, (const char *)data, size, "fuzz input") == 0) {
		FUZZ_ASSERT(base64url_encode(&enc, dec.ptr + 3, dec.len - 3, "fuzz input") == 0);
		FUZZ_ASSERT(enc.len == size && (size == 0 || memcmp(enc.ptr, data, size) == 0));
	} else {
		FUZZ_ASSERT(dec.len == 3 && !buf_failed(&dec));
	}
	buf_release(&enc);
	buf_release(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_quiet();
	check_roundtrip(data, size);
	check_decode(data, size);
	check_url(data, size);
	return 0;
}
