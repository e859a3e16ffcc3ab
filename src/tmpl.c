/* tmpl: see tmpl.h. */
#include "tmpl.h"

#include "log.h"

#include <errno.h>
#include <string.h>

#define PAYLOAD_PREFIX "payload."
#define SHOW_MAX 64 /* bytes of a bad placeholder quoted in an error */

static const char *const var_names[TV__COUNT] = {
	[TV_SERVICE] = "service",
	[TV_ENVIRONMENT] = "environment",
	[TV_MESSAGE] = "message",
	[TV_SUBJECT] = "subject",
	[TV_SHA] = "sha",
	[TV_SHORT_SHA] = "short_sha",
	[TV_REPOSITORY] = "repository",
	[TV_ACTOR] = "actor",
	[TV_RUN_URL] = "run_url",
	[TV_TIME] = "time",
	[TV_IMAGE] = "image",
};

const char *tmpl_var_name(enum tmpl_var v)
{
	return (unsigned)v < TV__COUNT ? var_names[v] : "";
}

enum tok { TOK_END, TOK_TEXT, TOK_VAR, TOK_PAYLOAD, TOK_ERROR };

/*
 * A scanner over a template: each call to next() yields the next piece.
 * TOK_TEXT and TOK_PAYLOAD point (s, n) into the template; TOK_VAR sets
 * `var`; TOK_ERROR reports through log_error and stops.
 */
struct scan {
	const char *tmpl, *p, *what;
	const char *s;
	size_t n;
	enum tmpl_var var;
	bool quiet; /* errors are not printed */
};

static bool key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

static enum tok bad(struct scan *sc, const char *why, const char *hint)
{
	if (!sc->quiet)
		log_error("%s in %s at offset %zu%s", why, sc->what,
			  (size_t)(sc->p - sc->tmpl), hint);
	return TOK_ERROR;
}

/* The placeholder between the braces of "{...}" at sc->p, `len` bytes. */
static enum tok placeholder(struct scan *sc, const char *name, size_t len)
{
	size_t plen = sizeof(PAYLOAD_PREFIX) - 1;
	int shown = len > SHOW_MAX ? SHOW_MAX : (int)len;
	const char *more = len > SHOW_MAX ? "..." : "";

	for (int v = 0; v < TV__COUNT; v++) {
		if (strlen(var_names[v]) == len && memcmp(var_names[v], name, len) == 0) {
			sc->var = (enum tmpl_var)v;
			return TOK_VAR;
		}
	}
	if (len > plen && memcmp(name, PAYLOAD_PREFIX, plen) == 0) {
		size_t klen = len - plen;
		bool ok = klen <= TMPL_KEY_MAX;

		for (size_t i = 0; ok && i < klen; i++)
			ok = key_char((unsigned char)name[plen + i]);
		if (ok) {
			sc->s = name + plen;
			sc->n = klen;
			return TOK_PAYLOAD;
		}
		if (!sc->quiet)
			log_error("bad payload key in '{%.*s%s}' in %s: a key is 1 to %d "
				  "characters of A-Z a-z 0-9 _ . -", shown, name, more, sc->what,
				  TMPL_KEY_MAX);
		return TOK_ERROR;
	}
	if (!sc->quiet)
		log_error("unknown placeholder '{%.*s%s}' in %s (known: {service} "
			  "{environment} {message} {subject} {sha} {short_sha} {repository} "
			  "{actor} {run_url} {time} {image} {payload.KEY}; write '{{' for a "
			  "literal '{')", shown, name, more, sc->what);
	return TOK_ERROR;
}

static enum tok next(struct scan *sc)
{
	const char *p = sc->p, *close;
	enum tok t;

	if (!*p)
		return TOK_END;
	if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
		sc->s = p;
		sc->n = 1;
		sc->p = p + 2;
		return TOK_TEXT;
	}
	if (*p == '}')
		return bad(sc, "lone '}'", " (write '}}' for a literal '}')");
	if (*p == '{') {
		close = strpbrk(p + 1, "{}");
		if (!close || *close == '{')
			return bad(sc, "unclosed '{'", " (write '{{' for a literal '{')");
		t = placeholder(sc, p + 1, (size_t)(close - p - 1));
		if (t != TOK_ERROR)
			sc->p = close + 1;
		return t;
	}
	sc->s = p;
	sc->n = strcspn(p, "{}");
	sc->p = p + sc->n;
	return TOK_TEXT;
}

static void scan_init(struct scan *sc, const char *tmpl, const char *what)
{
	memset(sc, 0, sizeof(*sc));
	sc->tmpl = sc->p = tmpl;
	sc->what = what;
}

static int check_size(const char *tmpl, const char *what)
{
	if (strlen(tmpl) > TMPL_MAX) {
		log_error("%s is too long (over %zu bytes)", what, TMPL_MAX);
		return -1;
	}
	return 0;
}

int tmpl_check(const char *tmpl, const char *what)
{
	struct scan sc;
	enum tok t;

	if (check_size(tmpl, what) < 0)
		return -1;
	scan_init(&sc, tmpl, what);
	while ((t = next(&sc)) != TOK_END)
		if (t == TOK_ERROR)
			return -1;
	return 0;
}

bool tmpl_uses(const char *tmpl, enum tmpl_var v)
{
	struct scan sc;
	enum tok t;

	scan_init(&sc, tmpl, "template");
	sc.quiet = true;
	while ((t = next(&sc)) != TOK_END && t != TOK_ERROR)
		if (t == TOK_VAR && sc.var == v)
			return true;
	return false;
}

int tmpl_expand(struct buf *out, const char *tmpl, const struct tmpl_ctx *ctx,
		const char *what)
{
	size_t before = out->len;
	struct scan sc;
	enum tok t;
	char key[TMPL_KEY_MAX + 1];
	const char *val;

	if (buf_failed(out)) {
		log_error("cannot expand %s: the output buffer has failed before", what);
		return -1;
	}
	if (check_size(tmpl, what) < 0)
		return -1;
	scan_init(&sc, tmpl, what);
	while ((t = next(&sc)) != TOK_END) {
		switch (t) {
		case TOK_TEXT:
			buf_add(out, sc.s, sc.n);
			break;
		case TOK_VAR:
			val = ctx->vars[sc.var];
			if (!val) {
				log_error("%s uses {%s}, but this run has no %s (the payload does "
					  "not carry it)", what, var_names[sc.var], var_names[sc.var]);
				goto fail;
			}
			buf_adds(out, val);
			break;
		case TOK_PAYLOAD:
			memcpy(key, sc.s, sc.n);
			key[sc.n] = '\0';
			val = ctx->payload ? ctx->payload(ctx->payload_arg, key) : NULL;
			if (!val) {
				log_error("%s uses {payload.%s}, but the payload has no key '%s'",
					  what, key, key);
				goto fail;
			}
			buf_adds(out, val);
			break;
		case TOK_ERROR:
			goto fail;
		case TOK_END:
			break;
		}
	}
	if (!buf_failed(out))
		return 0;
	log_error("cannot expand %s: %s", what,
		  buf_error(out) == EFBIG ? "the result is too large" : "out of memory");
fail:
	buf_rollback(out, before);
	return -1;
}
