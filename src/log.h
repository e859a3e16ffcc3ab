/*
 * log: everything the program prints, in one place.
 *
 * Two styles.  Inside GitHub Actions (GITHUB_ACTIONS=true) messages are
 * workflow commands on stdout (`::error file=F,line=L::msg`, `::warning::`,
 * `::group::`), escaped exactly as @actions/core escapes them.  Elsewhere
 * they are plain lines on stderr ("gitops-bump: error: msg"), so stdout stays
 * free for data (the edited YAML of `gitops-bump edit`, outputs).
 *
 * Untrusted text (commit messages, API messages, file content) is never able
 * to start a workflow command: every line this module prints is neutralised
 * (control characters shown as \n, \r, \xNN; a line that would begin with
 * "::" after leading white space, Unicode's included as the runner's
 * TrimStart() sees it, and any "##[", gets a zero-width space), and
 * multi-line untrusted text goes through log_block(), which wraps it in
 * `::stop-commands::<random>` ... `::<random>::`.
 *
 * Secrets: log_mask() registers a value; in Actions it emits `::add-mask::`
 * at once (escaped as command data; a multi-line value line by line, as the
 * log shows it), and in every style every later byte this module writes (stdout,
 * stderr, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) has that value replaced by
 * "***".  Call it for the token before anything else is printed.
 *
 * Length: a message line is at most LOG_LINE_MAX bytes of text; a longer one
 * (a hostile value quoted in it) is cut at a character boundary and ends in
 * "... [N more bytes]", so no input can flood the log with one line.
 *
 * Error convention (whole program): a function that fails reports the error
 * once, where it is found, with log_error()/log_error_at(), and returns -1;
 * callers pass -1 up without printing again.  Messages are lowercase, the
 * problem first, the subject in single quotes, no final period, one line.
 *
 * log keeps its state in static storage; it is not thread-safe.
 */
#ifndef GB_LOG_H
#define GB_LOG_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define GB_PRINTF(f, a) __attribute__((format(printf, f, a)))

#define LOG_LINE_MAX 4096

enum log_style {
	LOG_PLAIN,   /* human-readable lines on stderr */
	LOG_ACTIONS, /* workflow commands on stdout */
};

/* Pick the style from the environment (GITHUB_ACTIONS=true: Actions) and
 * read RUNNER_DEBUG.  Safe to call more than once. */
void log_init(void);
void log_set_style(enum log_style style);
enum log_style log_get_style(void);
void log_set_verbose(bool on);

/* Register a secret: never print it again anywhere (see above).  Values
 * shorter than 4 bytes are redacted but not sent to the runner (it would mask
 * them everywhere in the job log).  0, or -1 on allocation failure (printed). */
int log_mask(const char *secret);
/* Forget every registered secret (tests; fuzzers). */
void log_reset(void);

/* Messages.  The formatted text is redacted and neutralised first.
 * log_error_at/log_warning_at/log_notice_at name a file and a 1-based
 * line (line <= 0: no line) so the runner annotates it. */
void log_error(const char *fmt, ...) GB_PRINTF(1, 2);
void log_error_at(const char *file, long line, const char *fmt, ...) GB_PRINTF(3, 4);
void log_warning(const char *fmt, ...) GB_PRINTF(1, 2);
void log_warning_at(const char *file, long line, const char *fmt, ...) GB_PRINTF(3, 4);
void log_notice(const char *fmt, ...) GB_PRINTF(1, 2);
void log_notice_at(const char *file, long line, const char *fmt, ...) GB_PRINTF(3, 4);
void log_info(const char *fmt, ...) GB_PRINTF(1, 2);
void log_debug(const char *fmt, ...) GB_PRINTF(1, 2); /* only when verbose */

/* Report "out of memory" (log_error) and return -1: the one wording of the
 * most common error, for `return log_oom();`.  Inline, so that the static
 * analyser (make analyze) sees the -1 its callers rely on. */
static inline int log_oom(void)
{
	log_error("out of memory");
	return -1;
}

/* While on (calls nest), log_error and log_error_at print warnings: for
 * best-effort work whose failure must not fail the run (a deployment
 * status after the deploy landed).  Such lines are not log_first_error. */
void log_demote(bool on);
/* The last error printed as a warning while demoted (redacted; NULL:
 * none): for a caller that must say later why its best effort failed. */
const char *log_last_demoted(void);

/* A foldable group in the Actions log; a "== title ==" line in plain style. */
void log_group_begin(const char *title);
void log_group_end(void);

/* Print untrusted multi-line text (a diff, a commit message) so that none of
 * its lines can act as a workflow command.  Redacted. */
void log_block(const char *text, size_t len);

/* Set a step output.  With $GITHUB_OUTPUT: appended as `name=value`, or in
 * the `name<<DELIM` form with a random delimiter the value does not contain
 * when the value has a newline.  Without it (a CLI run), printed to stdout as
 * `name=value` lines in the same format (in Actions style wrapped in
 * `::stop-commands::`, as the lines then reach the job log).  Redacted.
 * 0, or -1 (printed). */
int log_output(const char *name, const char *value);

/* Append Markdown to $GITHUB_STEP_SUMMARY when it is set (else nothing).
 * Redacted.  0, or -1 (printed). */
int log_summary(const char *markdown);

/*
 * The step summary of a failed run: every mode's failure path calls it, so
 * that no failed run leaves the summary empty.  log_error()/log_error_at()
 * remember the run's first error line (redacted), and log_fix() what to do
 * about it: the fix is kept only when given with the first error (before
 * or right after it), so it never names the cure of a later symptom.
 * log_summary_failed() then appends
 *
 *     ### gitops-bump MODE failed: SUBJECT
 *     | | |          (`rows`: what was asked, built with log_md_row; may be NULL)
 *     **Done:** DONE (what was done and not done: "nothing committed", a
 *                     commit that may have landed, ...)
 *     **Error:** the first error line
 *     **Fix:** the fix, when one was recorded
 *
 * `mode` and `done` are trusted Markdown; `subject` (NULL: none) is
 * escaped.  Written at most once per run (a later call does nothing), and
 * only when $GITHUB_STEP_SUMMARY is set.  0, or -1 (printed).
 */
void log_fix(const char *fmt, ...) GB_PRINTF(1, 2);
int log_summary_failed(const char *mode, const char *subject, const char *rows,
		       const char *done);
/* The run's first error line (redacted, not neutralised: also what a
 * deployment's failure status says; NULL: none yet), and its fix. */
const char *log_first_error(void);
const char *log_first_fix(void);

/* Append untrusted text to Markdown (the step summary) as literal inline
 * text: HTML's <, >, & become entities, Markdown punctuation is
 * backslash-escaped, line breaks and tabs become spaces, other control
 * characters are dropped.  0, or -1 when `out` has failed (not printed). */
int log_md_escape(struct buf *out, const char *s, size_t len);

/* Append `text` (escaped as above) as a Markdown link to `url` when the
 * URL is http(s) and made only of characters that cannot end or bend the
 * link; else the text alone.  0, or -1 when `out` has failed. */
int log_md_link(struct buf *out, const char *text, const char *url);

/* Append one row "| name | value |" of a two-column summary table; `name`
 * is trusted Markdown, `value` (NULL: empty) is escaped as above.  0, or -1
 * when `out` has failed (not printed). */
int log_md_row(struct buf *out, const char *name, const char *value);

/* Escaping used by the workflow commands, exposed for tests: returns a
 * malloc'd string or NULL on allocation failure.
 *   data:     % -> %25, \r -> %0D, \n -> %0A
 *   property: the same, and : -> %3A, , -> %2C  */
char *log_escape_data(const char *s);
char *log_escape_property(const char *s);

/* Copy `s` with every registered secret replaced by "***" (malloc'd, NULL
 * on allocation failure). */
char *log_redact(const char *s, size_t len, size_t *outlen);

#endif
