/* base64: see base64.h. */
#include "base64.h"

#include "log.h"

#include <errno.h>
#include <string.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64_encoded_len(size_t len)
{
	size_t groups = len / 3 + (len % 3 != 0);

	return groups > ((size_t)-1) / 4 ? 0 : groups * 4;
}

/* "too large" or "out of memory" for a failed buffer add. */
static int buffer_error(struct buf *out, size_t before, const char *what, const char *verb)
{
	log_error("cannot %s %s: %s", verb, what,
		  buf_error(out) == EFBIG ? "the result is too large" : "out of memory");
	buf_rollback(out, before);
	return -1;
}

/* Length of the unpadded encoding of `len` bytes; 0 if it would overflow. */
static size_t unpadded_len(size_t len)
{
	size_t n = base64_encoded_len(len);

	return n ? n - (len % 3 ? 3 - len % 3 : 0) : 0;
}

/* The one encoder: `abc` is the alphabet, `pad` whether to append '='. */
static int encode(struct buf *out, const void *data, size_t len, const char *what,
		  const char *abc, int pad)
{
	const unsigned char *p = data;
	size_t before = out->len, n = pad ? base64_encoded_len(len) : unpadded_len(len);
	char *dst;

	if (buf_failed(out)) {
		log_error("cannot encode %s: the output buffer has failed before", what);
		return -1;
	}
	if (len && !n) {
		errno = EFBIG;
		return buffer_error(out, before, what, "encode");
	}
	if (buf_grow(out, n) < 0)
		return buffer_error(out, before, what, "encode");
	dst = out->ptr + out->len;
	for (; len >= 3; p += 3, len -= 3) {
		*dst++ = abc[p[0] >> 2];
		*dst++ = abc[(p[0] & 3) << 4 | p[1] >> 4];
		*dst++ = abc[(p[1] & 15) << 2 | p[2] >> 6];
		*dst++ = abc[p[2] & 63];
	}
	if (len) {
		*dst++ = abc[p[0] >> 2];
		if (len == 1) {
			*dst++ = abc[(p[0] & 3) << 4];
			if (pad)
				*dst++ = '=';
		} else {
			*dst++ = abc[(p[0] & 3) << 4 | p[1] >> 4];
			*dst++ = abc[(p[1] & 15) << 2];
		}
		if (pad)
			*dst++ = '=';
	}
	out->len += n;
	out->ptr[out->len] = '\0';
	return 0;
}

int base64_encode(struct buf *out, const void *data, size_t len, const char *what)
{
	return encode(out, data, len, what, alphabet, 1);
}

int base64url_encode(struct buf *out, const void *data, size_t len, const char *what)
{
	return encode(out, data, len, what, alphabet_url, 0);
}

/* The 6-bit value of a base64 character, or -1. */
static int value_of(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* A line break the API may wrap with: "\n", or the "\r" of "\r\n". */
static int is_break(const char *in, size_t len, size_t i)
{
	return in[i] == '\n' || (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n');
}

static int invalid(struct buf *out, size_t before, const char *what, const char *why,
		   size_t off)
{
	log_error("%s is not valid base64: %s at offset %zu", what, why, off);
	buf_truncate(out, before);
	return -1;
}

int base64_decode(struct buf *out, const char *in, size_t len, const char *what)
{
	size_t before = out->len, npad = 0, ngroup = 0, last = 0;
	unsigned char quad[4];
	unsigned acc;

	if (buf_failed(out)) {
		log_error("cannot decode %s: the output buffer has failed before", what);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (is_break(in, len, i))
			continue;
		last = i;
		if (c == '=') {
			if (ngroup < 2)
				return invalid(out, before, what, "misplaced '='", i);
			npad++;
			quad[ngroup++] = 0;
		} else {
			if (npad)
				return invalid(out, before, what, "data after '='", i);
			v = value_of(c);
			if (v < 0)
				return invalid(out, before, what, c >= 0x20 && c < 0x7f
					       ? "unexpected character" : "unexpected byte", i);
			quad[ngroup++] = (unsigned char)v;
		}
		if (ngroup < 4)
			continue;
		ngroup = 0;
		acc = (unsigned)quad[0] << 18 | (unsigned)quad[1] << 12 |
		      (unsigned)quad[2] << 6 | quad[3];
		if ((npad == 1 && (acc & 0xff)) || (npad == 2 && (acc & 0xffff)))
			return invalid(out, before, what, "non-zero padding bits", i);
		buf_addc(out, (char)(acc >> 16));
		if (npad < 2)
			buf_addc(out, (char)(acc >> 8));
		if (npad < 1)
			buf_addc(out, (char)acc);
		if (npad) {
			/* only line breaks may follow the padded group */
			for (size_t j = i + 1; j < len; j++)
				if (!is_break(in, len, j))
					return invalid(out, before, what, "data after '='", j);
			break;
		}
	}
	if (ngroup)
		return invalid(out, before, what, "truncated input (length not a multiple of 4)",
			       last);
	if (buf_failed(out))
		return buffer_error(out, before, what, "decode");
	return 0;
}

/* The 6-bit value of a base64url character, or -1. */
static int url_value_of(unsigned char c)
{
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	if (c == '+' || c == '/')
		return -1;
	return value_of(c);
}

int base64url_decode(struct buf *out, const char *in, size_t len, const char *what)
{
	size_t before = out->len, i;
	unsigned acc = 0;
	int bits = 0;

	if (buf_failed(out)) {
		log_error("cannot decode %s: the output buffer has failed before", what);
		return -1;
	}
	if (len % 4 == 1)
		return invalid(out, before, what, "truncated input (length 4k+1)", len - 1);
	for (i = 0; i < len; i++) {
		int v = url_value_of((unsigned char)in[i]);

		if (v < 0)
			return invalid(out, before, what, in[i] == '=' ? "padding" :
				       (unsigned char)in[i] >= 0x20 && (unsigned char)in[i] < 0x7f
				       ? "unexpected character" : "unexpected byte", i);
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (char)(acc >> bits));
		}
	}
	/* 2 or 4 bits may be left over; a canonical encoding has them zero */
	if (bits && (acc & ((1u << bits) - 1)))
		return invalid(out, before, what, "non-zero padding bits", len - 1);
	if (buf_failed(out))
		return buffer_error(out, before, what, "decode");
	return 0;
}
