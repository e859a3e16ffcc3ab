/* log: see log.h for the contract. */
#include "log.h"

#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define LOG_MAX_SECRETS 256
#define ZWSP "\xe2\x80\x8b" /* U+200B: not whitespace to the runner's TrimStart */

static enum log_style style = LOG_PLAIN;
static bool verbose;
static char **secrets;
static size_t nsecrets;
/* the failure summary's material (log_summary_failed) */
static char *first_error, *first_fix;
static unsigned nerrors;
static bool failed_summary_done;
static int demoted;       /* log_demote() depth */
static bool demoting;     /* an error being printed as a warning: */
static char *last_demoted; /* ... the last such line (NULL: none, or memory ran out) */
static bool last_demoted_oom;

void log_init(void)
{
	const char *gha = getenv("GITHUB_ACTIONS");
	const char *dbg = getenv("RUNNER_DEBUG");

	style = gha && strcmp(gha, "true") == 0 ? LOG_ACTIONS : LOG_PLAIN;
	if (dbg && strcmp(dbg, "1") == 0)
		verbose = true;
}

void log_set_style(enum log_style s)
{
	style = s;
}

enum log_style log_get_style(void)
{
	return style;
}

void log_set_verbose(bool on)
{
	verbose = on;
}

void log_reset(void)
{
	for (size_t i = 0; i < nsecrets; i++) {
		explicit_bzero(secrets[i], strlen(secrets[i]));
		free(secrets[i]);
	}
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
	free(first_error);
	free(first_fix);
	free(last_demoted);
	first_error = first_fix = last_demoted = NULL;
	last_demoted_oom = false;
	nerrors = 0;
	failed_summary_done = false;
}

void log_demote(bool on)
{
	demoted += on ? 1 : demoted > 0 ? -1 : 0;
}

/* Write all of `len` bytes; output errors (a closed pipe) are not fatal to
 * the program's work, so they are ignored here. */
static void write_all(FILE *f, const char *p, size_t len)
{
	if (len)
		(void)!fwrite(p, 1, len, f);
	fflush(f);
}

char *log_redact(const char *s, size_t len, size_t *outlen)
{
	struct buf out = BUF_INIT;
	size_t i = 0;

	while (i < len) {
		size_t k, best = 0;

		for (k = 0; k < nsecrets; k++) {
			size_t n = strlen(secrets[k]);

			if (n > best && n <= len - i && memcmp(s + i, secrets[k], n) == 0)
				best = n;
		}
		if (best) {
			buf_adds(&out, "***");
			i += best;
		} else {
			buf_addc(&out, s[i++]);
		}
	}
	return buf_detach(&out, outlen);
}

/* Keep a copy of `secret` for redaction and, in Actions, have the runner
 * mask it (the value escaped as command data, as @actions/core does). */
static int mask_one(const char *secret, size_t len)
{
	char *copy, **tmp;

	for (size_t i = 0; i < nsecrets; i++)
		if (strlen(secrets[i]) == len && memcmp(secrets[i], secret, len) == 0)
			return 0;
	if (nsecrets == LOG_MAX_SECRETS) {
		log_error("too many secrets to mask (over %d)", LOG_MAX_SECRETS);
		return -1;
	}
	copy = strndup(secret, len);
	tmp = realloc(secrets, (nsecrets + 1) * sizeof(*secrets));
	if (!copy || !tmp) {
		free(copy);
		if (tmp)
			secrets = tmp;
		return log_oom();
	}
	secrets = tmp;
	if (style == LOG_ACTIONS && len >= 4 && !memchr(copy, '\n', len) &&
	    !memchr(copy, '\r', len)) {
		char *data = log_escape_data(copy);

		if (data) {
			/* the runner masks it in the job log from now on */
			printf("::add-mask::%s\n", data);
			fflush(stdout);
		}
		free(data);
	}
	secrets[nsecrets++] = copy;
	return 0;
}

int log_mask(const char *secret)
{
	const char *p, *nl;

	if (!secret || !*secret)
		return 0;
	if (mask_one(secret, strlen(secret)) < 0)
		return -1;
	if (!strpbrk(secret, "\r\n"))
		return 0;
	/* A multi-line value reaches the log line by line: mask each line. */
	for (p = secret; *p; p = *nl ? nl + 1 : nl) {
		size_t n;

		nl = p + strcspn(p, "\r\n");
		n = (size_t)(nl - p);
		if (n >= 4 && mask_one(p, n) < 0)
			return -1;
	}
	return 0;
}

static char *escape(const char *s, bool property)
{
	struct buf out = BUF_INIT;

	for (; *s; s++) {
		switch (*s) {
		case '%': buf_adds(&out, "%25"); break;
		case '\r': buf_adds(&out, "%0D"); break;
		case '\n': buf_adds(&out, "%0A"); break;
		case ':':
			if (property) {
				buf_adds(&out, "%3A");
				break;
			}
			buf_addc(&out, *s);
			break;
		case ',':
			if (property) {
				buf_adds(&out, "%2C");
				break;
			}
			buf_addc(&out, *s);
			break;
		default: buf_addc(&out, *s); break;
		}
	}
	return buf_detach(&out, NULL);
}

char *log_escape_data(const char *s)
{
	return escape(s, false);
}

char *log_escape_property(const char *s)
{
	return escape(s, true);
}

/*
 * Bytes of one character the runner's String.TrimStart() would skip at
 * `s` (.NET char.IsWhiteSpace: ASCII blanks, U+0085, U+00A0, U+1680,
 * U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000; and a BOM, to be
 * safe), or 0.
 */
static size_t blank_len(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if ((s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) ||
	    (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) ||
		s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf)) ||
	    (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) ||
	    (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) ||
	    (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf))
		return 3;
	return 0;
}

/* Would the runner read this line as a `::command::`?  It trims leading
 * white space (Unicode's included) and looks for "::". */
static bool starts_command(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len && (n = blank_len(u + i, len - i)))
		i += n;
	/* cppcheck assumes the loop ran to i == len; it stops at the first
	 * non-blank */
	/* cppcheck-suppress knownConditionTrueFalse */
	return len - i >= 2 && s[i] == ':' && s[i + 1] == ':';
}

/*
 * Make one line of text safe to print: control characters become visible
 * escapes (so the text stays one line), a line that would start a workflow
 * command gets a zero-width space in front (not white space to the
 * runner), and every "##[" (the old command syntax, found anywhere in a
 * line) is broken the same way.
 */
static void neutralise(struct buf *out, const char *s, size_t len)
{
	if (starts_command(s, len))
		buf_adds(out, ZWSP);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '#' && len - i >= 3 && s[i + 1] == '#' && s[i + 2] == '[') {
			buf_adds(out, "#" ZWSP);
			continue;
		}
		if (c == '\n')
			buf_adds(out, "\\n");
		else if (c == '\r')
			buf_adds(out, "\\r");
		else if (c == '\t')
			buf_addc(out, '\t');
		else if (c < 0x20 || c == 0x7f)
			buf_addf(out, "\\x%02x", c);
		else
			buf_addc(out, (char)c);
	}
}

/* Format, redact.  Returns a malloc'd string or NULL. */
static char *format_redacted(const char *fmt, va_list ap) GB_PRINTF(1, 0);
static char *format_redacted(const char *fmt, va_list ap)
{
	struct buf raw = BUF_INIT;
	char *red;
	size_t len, keep;

	buf_vaddf(&raw, fmt, ap);
	if (buf_failed(&raw)) {
		buf_release(&raw);
		return NULL;
	}
	/* redact first, so that cutting cannot leave part of a secret */
	red = log_redact(raw.ptr ? raw.ptr : "", raw.len, &len);
	if (red && len > LOG_LINE_MAX) {
		keep = LOG_LINE_MAX;
		while (keep && ((unsigned char)red[keep] & 0xc0) == 0x80)
			keep--;
		buf_reset(&raw);
		buf_add(&raw, red, keep);
		buf_addf(&raw, "... [%zu more bytes]", len - keep);
		free(red);
		red = buf_detach(&raw, NULL);
	}
	buf_release(&raw);
	return red;
}

/*
 * An error or warning could not be built for lack of memory: say that much
 * without allocating, once (the line carries nothing new the second time).
 * Other messages are dropped (an info line that cannot be printed is
 * nothing the user must know).
 */
static void emit_oom(const char *label)
{
	static bool said[2];
	static const char *const lines[][2] = {
		{ "gitops-bump: error: out of memory while reporting an error\n",
		  "::error::out of memory while reporting an error\n" },
		{ "gitops-bump: warning: out of memory while reporting a warning\n",
		  "::warning::out of memory while reporting a warning\n" },
	};
	const char *line;

	if (!label || (strcmp(label, "error") != 0 && strcmp(label, "warning") != 0))
		return;
	if (said[label[0] == 'w'])
		return;
	said[label[0] == 'w'] = true;
	line = lines[label[0] == 'w'][style == LOG_ACTIONS];
	write_all(style == LOG_ACTIONS ? stdout : stderr, line, strlen(line));
}

/*
 * One message.  `cmd` is the workflow command in Actions style (NULL for a
 * plain log line), `label` the plain-style prefix ("error", NULL for none).
 * Out of memory, it prints the whole line or nothing (emit_oom).
 */
static void emit(const char *cmd, const char *label, const char *file, long line,
		 const char *fmt, va_list ap) GB_PRINTF(5, 0);
static void emit(const char *cmd, const char *label, const char *file, long line,
		 const char *fmt, va_list ap)
{
	struct buf out = BUF_INIT;
	char *msg = format_redacted(fmt, ap);

	if (demoting) {
		free(last_demoted);
		last_demoted = msg ? strdup(msg) : NULL;
		last_demoted_oom = !last_demoted;
	}
	if (!msg) {
		emit_oom(label);
		if (label && !strcmp(label, "error"))
			nerrors++;
		return;
	}
	if (label && !strcmp(label, "error") && !nerrors++)
		first_error = strdup(msg); /* NULL: the summary says less */
	if (style == LOG_ACTIONS && cmd) {
		char *data = log_escape_data(msg);
		bool lost = !data;

		buf_addf(&out, "::%s", cmd);
		if (file && *file) {
			char *f = log_escape_property(file);

			lost = lost || !f;
			buf_addf(&out, " file=%s", f ? f : "");
			if (line > 0)
				buf_addf(&out, ",line=%ld", line);
			free(f);
		}
		buf_adds(&out, "::");
		/* data is %-escaped already; still break "##[" inside it */
		neutralise(&out, data ? data : "", data ? strlen(data) : 0);
		buf_addc(&out, '\n');
		free(data);
		if (lost || buf_failed(&out))
			emit_oom(label);
		else
			write_all(stdout, buf_cstr(&out), out.len);
	} else {
		FILE *f = style == LOG_ACTIONS ? stdout : stderr;

		if (style == LOG_PLAIN && label) {
			buf_addf(&out, "gitops-bump: %s: ", label);
			if (file && *file) {
				if (line > 0)
					buf_addf(&out, "%s:%ld: ", file, line);
				else
					buf_addf(&out, "%s: ", file);
			}
		}
		neutralise(&out, msg, strlen(msg));
		buf_addc(&out, '\n');
		if (buf_failed(&out))
			emit_oom(label);
		else
			write_all(f, buf_cstr(&out), out.len);
	}
	buf_release(&out);
	free(msg);
}

#define EMIT(cmd, label, file, line)                       \
	do {                                               \
		va_list ap;                                \
		va_start(ap, fmt);                         \
		emit(cmd, label, file, line, fmt, ap);     \
		va_end(ap);                                \
	} while (0)

void log_error(const char *fmt, ...)
{
	demoting = demoted > 0;
	if (demoted)
		EMIT("warning", "warning", NULL, 0);
	else
		EMIT("error", "error", NULL, 0);
	demoting = false;
}

void log_error_at(const char *file, long line, const char *fmt, ...)
{
	demoting = demoted > 0;
	if (demoted)
		EMIT("warning", "warning", file, line);
	else
		EMIT("error", "error", file, line);
	demoting = false;
}

const char *log_last_demoted(void)
{
	return last_demoted ? last_demoted : last_demoted_oom ? "out of memory" : NULL;
}
void log_warning(const char *fmt, ...) { EMIT("warning", "warning", NULL, 0); }
void log_warning_at(const char *file, long line, const char *fmt, ...) { EMIT("warning", "warning", file, line); }
void log_notice(const char *fmt, ...) { EMIT("notice", "notice", NULL, 0); }
void log_notice_at(const char *file, long line, const char *fmt, ...) { EMIT("notice", "notice", file, line); }
void log_info(const char *fmt, ...) { EMIT(NULL, NULL, NULL, 0); }

void log_debug(const char *fmt, ...)
{
	if (!verbose)
		return;
	if (style == LOG_ACTIONS)
		EMIT("debug", NULL, NULL, 0);
	else
		EMIT(NULL, "debug", NULL, 0);
}

void log_group_begin(const char *title)
{
	if (style == LOG_ACTIONS) {
		struct buf out = BUF_INIT;
		char *red = log_redact(title, strlen(title), NULL);
		char *data = red ? log_escape_data(red) : NULL;

		buf_adds(&out, "::group::");
		neutralise(&out, data ? data : "", data ? strlen(data) : 0);
		buf_addc(&out, '\n');
		/* out of memory: an untitled group rather than half a line */
		if (buf_failed(&out) || !data)
			write_all(stdout, "::group::\n", 10);
		else
			write_all(stdout, buf_cstr(&out), out.len);
		buf_release(&out);
		free(data);
		free(red);
	} else {
		log_info("== %s ==", title);
	}
}

void log_group_end(void)
{
	if (style == LOG_ACTIONS)
		write_all(stdout, "::endgroup::\n", 13);
}

/* A random token of 32 hex digits: a stop-commands token or a heredoc
 * delimiter that untrusted text cannot guess. */
static void random_token(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* no kernel entropy interface: fall back to something unique */
			unsigned long v = (unsigned long)getpid() ^ (unsigned long)(size_t)&raw;
			for (; got < sizeof(raw); got++, v = v * 6364136223846793005UL + 1)
				raw[got] = (unsigned char)(v >> 33);
			break;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[32] = '\0';
}

void log_block(const char *text, size_t len)
{
	struct buf out = BUF_INIT;
	size_t rlen = 0;
	char *red = log_redact(text, len, &rlen);
	char token[33];

	if (!red)
		return;
	if (style == LOG_ACTIONS) {
		random_token(token);
		buf_addf(&out, "::stop-commands::%s\n", token);
	}
	for (size_t i = 0; i < rlen;) {
		const char *nl = memchr(red + i, '\n', rlen - i);
		size_t n = nl ? (size_t)(nl - (red + i)) : rlen - i;

		if (n && red[i + n - 1] == '\r')
			n--; /* keep CRLF text readable: the \r is not content here */
		neutralise(&out, red + i, n);
		buf_addc(&out, '\n');
		i += nl ? (size_t)(nl - (red + i)) + 1 : n;
	}
	if (style == LOG_ACTIONS)
		buf_addf(&out, "::%s::\n", token);
	/* all or nothing: a stop-commands line without its end would silence
	 * every later workflow command of the step */
	if (!buf_failed(&out))
		write_all(style == LOG_ACTIONS ? stdout : stderr, buf_cstr(&out), out.len);
	buf_release(&out);
	free(red);
}

/* Append `text` to `path`, the file named by environment variable `var`. */
static int append_env_file(const char *var, const char *path, const char *text, size_t len)
{
	int fd;
	ssize_t n;
	size_t off = 0;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("cannot open $%s '%s': %s", var, path, strerror(errno));
		return -1;
	}
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_error("cannot write $%s '%s': %s", var, path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0) {
		log_error("cannot write $%s '%s': %s", var, path, strerror(errno));
		return -1;
	}
	return 0;
}

int log_output(const char *name, const char *value)
{
	struct buf out = BUF_INIT;
	size_t vlen = 0;
	char *val = log_redact(value, strlen(value), &vlen);
	const char *file = getenv("GITHUB_OUTPUT");
	int rc = -1;

	if (!val)
		goto oom;
	if (strchr(val, '\n') || strchr(val, '\r')) {
		char delim[48];

		do {
			char token[33];

			random_token(token);
			snprintf(delim, sizeof(delim), "ghadelimiter_%s", token);
		} while (strstr(val, delim));
		buf_addf(&out, "%s<<%s\n%s\n%s\n", name, delim, val, delim);
	} else {
		buf_addf(&out, "%s=%s\n", name, val);
	}
	if (buf_failed(&out))
		goto oom;
	if (file && *file) {
		rc = append_env_file("GITHUB_OUTPUT", file, out.ptr, out.len);
	} else if (style == LOG_ACTIONS) {
		/* No file to write to: the value's lines go to the job log, where
		 * none of them may act as a command. */
		char token[33];

		random_token(token);
		printf("::stop-commands::%s\n", token);
		write_all(stdout, out.ptr, out.len);
		printf("::%s::\n", token);
		fflush(stdout);
		rc = 0;
	} else {
		write_all(stdout, out.ptr, out.len);
		rc = 0;
	}
	goto out;
oom:
	log_error("out of memory while setting output '%s'", name);
out:
	free(val);
	buf_release(&out);
	return rc;
}

int log_summary(const char *markdown)
{
	const char *file = getenv("GITHUB_STEP_SUMMARY");
	size_t len = 0;
	char *red;
	int rc;

	if (!file || !*file)
		return 0;
	red = log_redact(markdown, strlen(markdown), &len);
	if (!red) {
		log_error("out of memory while writing the step summary");
		return -1;
	}
	rc = append_env_file("GITHUB_STEP_SUMMARY", file, red, len);
	free(red);
	return rc;
}

int log_md_link(struct buf *out, const char *text, const char *url)
{
	bool safe = url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7));

	for (const char *p = url; safe && *p; p++)
		safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || strchr(":/._~-%?=&#+@", *p);
	if (safe)
		buf_adds(out, "[");
	log_md_escape(out, text, strlen(text));
	if (safe)
		buf_addf(out, "](%s)", url);
	return buf_failed(out) ? -1 : 0;
}

void log_fix(const char *fmt, ...)
{
	va_list ap;

	if (first_fix || nerrors > 1)
		return;
	va_start(ap, fmt);
	first_fix = format_redacted(fmt, ap); /* NULL: no fix shown */
	va_end(ap);
}

const char *log_first_error(void)
{
	return first_error;
}

const char *log_first_fix(void)
{
	return first_fix;
}

int log_summary_failed(const char *mode, const char *subject, const char *rows,
		       const char *done)
{
	struct buf md = BUF_INIT;
	int rc;

	if (failed_summary_done)
		return 0;
	failed_summary_done = true;
	buf_addf(&md, "### gitops-bump %s failed", mode);
	if (subject && *subject) {
		buf_adds(&md, ": ");
		log_md_escape(&md, subject, strlen(subject));
	}
	buf_adds(&md, "\n\n");
	if (rows && *rows)
		buf_addf(&md, "| | |\n| --- | --- |\n%s\n", rows);
	buf_addf(&md, "**Done:** %s\n\n**Error:** ", done);
	if (first_error)
		log_md_escape(&md, first_error, strlen(first_error));
	else
		buf_adds(&md, nerrors ? "(out of memory while reporting it)" : "(none reported)");
	buf_adds(&md, "\n");
	if (first_fix) {
		buf_adds(&md, "\n**Fix:** ");
		log_md_escape(&md, first_fix, strlen(first_fix));
		buf_adds(&md, "\n");
	}
	if (buf_failed(&md)) {
		buf_release(&md);
		log_warning("the step summary was not written: out of memory");
		return -1;
	}
	rc = log_summary(md.ptr);
	buf_release(&md);
	return rc;
}

int log_md_escape(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '<')
			buf_adds(out, "&lt;");
		else if (c == '>')
			buf_adds(out, "&gt;");
		else if (c == '&')
			buf_adds(out, "&amp;");
		else if (c == '\r' || c == '\n' || c == '\t')
			buf_addc(out, ' ');
		else if (c < 0x20 || c == 0x7f)
			continue;
		else if (strchr("\\`*_{}[]()#+-.!|~@", c))
			buf_addf(out, "\\%c", c);
		else
			buf_addc(out, (char)c);
	}
	return buf_failed(out) ? -1 : 0;
}

int log_md_row(struct buf *out, const char *name, const char *value)
{
	buf_addf(out, "| %s | ", name);
	log_md_escape(out, value ? value : "", value ? strlen(value) : 0);
	buf_adds(out, " |\n");
	return buf_failed(out) ? -1 : 0;
}
