/*
 * fuzz_tmpl: template checking and expansion (tmpl.h) against a small
 * reference expander written from the header's grammar.
 *
 * Input: the template, then NUL-separated values for the eleven variables,
 * then a part whose first two bytes say which variables this run lacks and
 * whose third byte caps the output buffer.
 *
 * Invariants:
 *   - tmpl_check accepts exactly what the grammar accepts;
 *   - with every value known, tmpl_expand succeeds exactly for an accepted
 *     template and appends exactly the reference expansion (values are
 *     inserted verbatim, never expanded again: payload values here are
 *     themselves placeholders);
 *   - with some values missing, it fails exactly when the template uses one;
 *   - a failure leaves the output buffer as it was, and not failed;
 *   - tmpl_uses agrees with the reference;
 *   - with a small cap, a success fits in it and a failure changes nothing.
 */
#include "fuzz.h"

#include "buf.h"
#include "tmpl.h"

#include <string.h>

struct ref {
	struct buf out;
	bool uses[TV__COUNT];
	bool payload_used;
};

static const char *payload_value(const void *arg, const char *key)
{
	static char value[TMPL_KEY_MAX + 16];

	(void)arg;
	snprintf(value, sizeof(value), "{payload.%s}", key);
	return value;
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* 0: expanded; -1: not in the grammar; -2: uses a value the context lacks. */
static int ref_expand(struct ref *r, const char *t, const struct tmpl_ctx *ctx)
{
	int missing = 0;

	for (size_t i = 0; t[i];) {
		const char *close, *name;
		size_t len;
		int v;

		if ((t[i] == '{' || t[i] == '}') && t[i + 1] == t[i]) {
			buf_addc(&r->out, t[i]);
			i += 2;
			continue;
		}
		if (t[i] == '}')
			return -1;
		if (t[i] != '{') {
			buf_addc(&r->out, t[i++]);
			continue;
		}
		name = t + i + 1;
		close = name + strcspn(name, "{}");
		if (*close != '}')
			return -1;
		len = (size_t)(close - name);
		for (v = 0; v < TV__COUNT; v++)
			if (strlen(tmpl_var_name((enum tmpl_var)v)) == len &&
			    strncmp(name, tmpl_var_name((enum tmpl_var)v), len) == 0)
				break;
		if (v < TV__COUNT) {
			r->uses[v] = true;
			if (ctx->vars[v])
				buf_adds(&r->out, ctx->vars[v]);
			else
				missing = -2;
		} else {
			char key[TMPL_KEY_MAX + 1];
			size_t klen = len - 8;

			if (len <= 8 || strncmp(name, "payload.", 8) != 0 || klen > TMPL_KEY_MAX)
				return -1;
			for (size_t k = 0; k < klen; k++)
				if (!key_char(name[8 + k]))
					return -1;
			memcpy(key, name + 8, klen);
			key[klen] = '\0';
			r->payload_used = true;
			if (ctx->payload)
				buf_adds(&r->out, ctx->payload(ctx->payload_arg, key));
			else
				missing = -2;
		}
		i = (size_t)(close - t) + 1;
	}
	return missing;
}

/* Expand into a buffer that already holds "pre" and compare with `want`
 * (NULL: the expansion must fail). */
static void check_expand(const char *t, const struct tmpl_ctx *ctx, const struct buf *want)
{
	struct buf out = BUF_INIT;
	int rc;

	buf_adds(&out, "pre");
	rc = tmpl_expand(&out, t, ctx, "fuzz template");
	if (want) {
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(out.len == 3 + want->len);
		FUZZ_ASSERT(memcmp(out.ptr + 3, buf_cstr(want), want->len) == 0);
	} else {
		FUZZ_ASSERT(rc == -1);
		FUZZ_ASSERT(out.len == 3 && memcmp(out.ptr, "pre", 3) == 0);
	}
	FUZZ_ASSERT(!buf_failed(&out));
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = fuzz_cstr(data, size);
	const char *parts[TV__COUNT + 2] = { NULL };
	const char *end = input + size, *p = input, *t;
	struct tmpl_ctx full = { .payload = payload_value }, part = { .payload = NULL };
	struct ref rf = { BUF_INIT, { false }, false }, rp = { BUF_INIT, { false }, false };
	unsigned mask = 0, cap = 0;
	int syntax, rc;

	fuzz_quiet();
	for (size_t k = 0; k < TV__COUNT + 2 && p <= end; k++) {
		parts[k] = p;
		p += strlen(p) + 1;
	}
	t = parts[0];
	for (int v = 0; v < TV__COUNT; v++) {
		full.vars[v] = parts[1 + v] ? parts[1 + v] : tmpl_var_name((enum tmpl_var)v);
		part.vars[v] = full.vars[v];
	}
	if (parts[TV__COUNT + 1]) {
		const uint8_t *m = (const uint8_t *)parts[TV__COUNT + 1];
		size_t n = (size_t)(end - parts[TV__COUNT + 1]);

		mask = (n > 0 ? m[0] : 0u) | (n > 1 ? (unsigned)m[1] << 8 : 0u);
		cap = n > 2 ? m[2] : 0;
	}
	for (int v = 0; v < TV__COUNT; v++)
		if (mask & (1u << v))
			part.vars[v] = NULL;

	syntax = ref_expand(&rf, t, &full);
	FUZZ_ASSERT(syntax != -2);
	FUZZ_ASSERT(!buf_failed(&rf.out));
	FUZZ_ASSERT((tmpl_check(t, "fuzz template") == 0) == (syntax == 0));
	check_expand(t, &full, syntax == 0 ? &rf.out : NULL);

	rc = ref_expand(&rp, t, &part);
	FUZZ_ASSERT(syntax == 0 ? rc <= 0 : rc == -1);
	check_expand(t, &part, rc == 0 ? &rp.out : NULL);

	if (syntax == 0) {
		for (int v = 0; v < TV__COUNT; v++)
			FUZZ_ASSERT(tmpl_uses(t, (enum tmpl_var)v) == rf.uses[v]);
	}
	if (cap) {
		struct buf small = BUF_INIT;

		buf_init(&small, cap);
		rc = tmpl_expand(&small, t, &full, "fuzz template");
		FUZZ_ASSERT(!buf_failed(&small));
		if (rc == 0)
			FUZZ_ASSERT(syntax == 0 && small.len == rf.out.len && small.len <= cap &&
				    memcmp(buf_cstr(&small), buf_cstr(&rf.out), small.len) == 0);
		else
			FUZZ_ASSERT(small.len == 0 && (syntax != 0 || rf.out.len > cap));
		buf_release(&small);
	}
	buf_release(&rf.out);
	buf_release(&rp.out);
	free(input);
	return 0;
}
