/*
 * tmpl: the `{placeholder}` templates of the patch mode (manifest, branch,
 * set, value, image, commit-message, pull-request-title/-body).
 *
 * Syntax.  Text is copied as is, except
 *   {NAME}         a variable: service environment message subject sha
 *                  short_sha repository actor run_url time image
 *   {payload.KEY}  a client_payload value; KEY is the flattened key
 *                  (nested objects give dotted keys: {payload.source.ref}),
 *                  1..TMPL_KEY_MAX characters of [A-Za-z0-9_.-]
 *   {{ and }}      a literal { and }
 * A lone '}', an unclosed '{', an empty or unknown name is an error.  Names
 * are case-sensitive.  Values are inserted verbatim (never re-expanded), so
 * a payload value holding "{sha}" stays that text.
 *
 * Two steps, so that configuration errors are found before anything is
 * read or written: tmpl_check() validates a template at load time;
 * tmpl_expand() fills it in later.  A variable the run does not know (NULL
 * in the context: the article's payload carries no sha, for instance) or a
 * payload key the payload lacks is an expansion error that names the input
 * and the placeholder; it never silently expands to "".
 *
 * Both report once with log_error() (naming `what`, e.g. "input 'value'")
 * and return -1, else 0.  Safe on arbitrary bytes; a template is at most
 * TMPL_MAX bytes and the result is bounded by the caller's buffer cap.
 */
#ifndef GB_TMPL_H
#define GB_TMPL_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define TMPL_MAX ((size_t)1 << 20)
#define TMPL_KEY_MAX 128

enum tmpl_var {
	TV_SERVICE,
	TV_ENVIRONMENT,
	TV_MESSAGE,      /* the full source commit message */
	TV_SUBJECT,      /* its first line */
	TV_SHA,          /* the source commit, 40 hex */
	TV_SHORT_SHA,    /* its first 7 digits */
	TV_REPOSITORY,   /* the source repository, owner/name */
	TV_ACTOR,
	TV_RUN_URL,      /* the source workflow run */
	TV_TIME,         /* UTC, 2024-08-04T12:34:56Z */
	TV_IMAGE,        /* the image reference the sender gave */
	TV__COUNT
};

/* Looks up a flattened payload key; NULL when absent. */
typedef const char *tmpl_payload_fn(const void *arg, const char *key);

struct tmpl_ctx {
	const char *vars[TV__COUNT]; /* NULL: not known in this run */
	tmpl_payload_fn *payload;    /* NULL: no payload at all */
	const void *payload_arg;
};

/* The variable's name as written in templates ("short_sha"). */
const char *tmpl_var_name(enum tmpl_var v);

/* Validate `tmpl`.  0, or -1 (printed) for a syntax error or an unknown
 * placeholder. */
int tmpl_check(const char *tmpl, const char *what);

/* True when `tmpl` (already checked) uses variable `v`. */
bool tmpl_uses(const char *tmpl, enum tmpl_var v);

/* Append the expansion of `tmpl` to `out`.  0, or -1 (printed): a syntax
 * error, an unknown or missing value, or the result passing out's cap.  On
 * failure `out` is left as it was. */
int tmpl_expand(struct buf *out, const char *tmpl, const struct tmpl_ctx *ctx,
		const char *what);

#endif
