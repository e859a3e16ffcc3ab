/* Unit tests for sha1: FIPS 180 examples, padding boundaries, git blob ids. */
#include "sha1.h"
#include "t.h"

#include <stdlib.h>

static const char *hex_of(const void *data, size_t len)
{
	static char hex[SHA1_HEX_LEN + 1];
	struct sha1_ctx c;
	unsigned char d[SHA1_LEN];

	sha1_init(&c);
	sha1_update(&c, data, len);
	sha1_final(&c, d);
	sha1_hex(d, hex);
	return hex;
}

static void test_vectors(void)
{
	static const char two_blocks[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	CHECK_STR(hex_of("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	CHECK_STR(hex_of("abc", 3), "a9993e364706816aba3e25717850c26c9cd0d89d");
	CHECK_STR(hex_of(two_blocks, sizeof(two_blocks) - 1),
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	CHECK_STR(hex_of("The quick brown fox jumps over the lazy dog", 43),
		  "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

static void test_million_a(void)
{
	struct sha1_ctx c;
	unsigned char d[SHA1_LEN], chunk[1000];
	char hex[SHA1_HEX_LEN + 1];

	memset(chunk, 'a', sizeof(chunk));
	sha1_init(&c);
	for (int i = 0; i < 1000; i++)
		sha1_update(&c, chunk, sizeof(chunk));
	sha1_final(&c, d);
	sha1_hex(d, hex);
	CHECK_STR(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* Lengths around the 55/56/64-byte padding edges (values from Python's
 * hashlib on the same bytes: (i * 7 + 3) & 255). */
static void test_padding_edges(void)
{
	static const struct {
		size_t len;
		const char *hex;
	} cases[] = {
		{ 55, "ddf57317ef34bfee3b6df83d359098930eb278bc" },
		{ 56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369" },
		{ 63, "c55856749bef509bdfe6bfebfc7bf4e793e82132" },
		{ 64, "bede92be29c3874e1b54ddc77988d606fc857a8e" },
		{ 65, "b05a80522b053d6dc7e0a517d0e70212c7dad11f" },
		{ 119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23" },
		{ 120, "82134b02fb3f702491be9bed581eeab59334acb2" },
		{ 128, "a09133e6730ffe899efb70204cb5646cd5dc24ee" },
	};
	unsigned char data[128];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)((i * 7 + 3) & 255);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		CHECK_STR(hex_of(data, cases[i].len), cases[i].hex);
}

/* Feeding the input in two pieces, split anywhere, gives the same digest. */
static void test_split_updates(void)
{
	unsigned char data[200];
	char whole[SHA1_HEX_LEN + 1], parts[SHA1_HEX_LEN + 1];
	int mismatches = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 31 + 1);
	for (size_t len = 0; len <= sizeof(data); len += 7) {
		memcpy(whole, hex_of(data, len), sizeof(whole));
		for (size_t cut = 0; cut <= len; cut++) {
			struct sha1_ctx c;
			unsigned char d[SHA1_LEN];

			sha1_init(&c);
			sha1_update(&c, data, cut);
			sha1_update(&c, data + cut, len - cut);
			sha1_final(&c, d);
			sha1_hex(d, parts);
			mismatches += strcmp(whole, parts) != 0;
		}
	}
	CHECK_INT(mismatches, 0);
}

static void test_git_blob(void)
{
	char hex[SHA1_HEX_LEN + 1];

	/* `git hash-object` of an empty file and of "hello\n" */
	sha1_git_blob("", 0, hex);
	CHECK_STR(hex, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	sha1_git_blob("hello\n", 6, hex);
	CHECK_STR(hex, "ce013625030ba8dba906f756967f9e9ca394464a");
	sha1_git_blob("hello\n", 5, hex);
	CHECK(strcmp(hex, "ce013625030ba8dba906f756967f9e9ca394464a") != 0);
}

int main(void)
{
	test_vectors();
	test_million_a();
	test_padding_edges();
	test_split_updates();
	test_git_blob();
	return t_done();
}
