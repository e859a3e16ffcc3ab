/* Unit tests for log: escaping, neutralising, masking, outputs, summary. */
#include "log.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ZWSP "\xe2\x80\x8b"

/* Capture what stdout and stderr receive during a call. */
static int saved_out = -1, saved_err = -1, mem_out = -1, mem_err = -1;
static char got_out[16384], got_err[16384];

static void cap_begin(void)
{
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	mem_out = memfd_create("out", 0);
	mem_err = memfd_create("err", 0);
	if (saved_out < 0 || saved_err < 0 || mem_out < 0 || mem_err < 0 ||
	    dup2(mem_out, 1) < 0 || dup2(mem_err, 2) < 0) {
		perror("capture");
		exit(1);
	}
}

static void read_back(int fd, char *to, size_t size)
{
	ssize_t n = pread(fd, to, size - 1, 0);

	to[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void cap_end(void)
{
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	read_back(mem_out, got_out, sizeof(got_out));
	read_back(mem_err, got_err, sizeof(got_err));
}

#define CAPTURE(stmt) do { cap_begin(); stmt; cap_end(); } while (0)

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char text[65536];
	size_t n;

	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void test_escape(void)
{
	char *s;

	s = log_escape_data("50% done\r\nnext: a,b");
	CHECK_STR(s, "50%25 done%0D%0Anext: a,b");
	free(s);
	s = log_escape_property("C:\\x,y%\n");
	CHECK_STR(s, "C%3A\\x%2Cy%25%0A");
	free(s);
	s = log_escape_data("");
	CHECK_STR(s, "");
	free(s);
}

static void test_actions_messages(void)
{
	int rc = 0;

	log_set_style(LOG_ACTIONS);
	CAPTURE(log_error("bad '%s'", "a%b\nc"));
	CHECK_STR(got_out, "::error::bad 'a%25b%0Ac'\n");
	CHECK_STR(got_err, "");

	CAPTURE(rc = log_oom());
	CHECK_INT(rc, -1);
	CHECK_STR(got_out, "::error::out of memory\n");

	CAPTURE(log_error_at("dir/a:b,c.yaml", 7, "oops"));
	CHECK_STR(got_out, "::error file=dir/a%3Ab%2Cc.yaml,line=7::oops\n");
	CAPTURE(log_warning_at("f.yaml", 0, "w"));
	CHECK_STR(got_out, "::warning file=f.yaml::w\n");
	CAPTURE(log_notice("n"));
	CHECK_STR(got_out, "::notice::n\n");

	/* untrusted text in a plain log line cannot start a command */
	CAPTURE(log_info("%s", "::set-output name=x::y"));
	CHECK_STR(got_out, ZWSP "::set-output name=x::y\n");
	CAPTURE(log_info("%s", "  \t::add-mask::x"));
	CHECK_STR(got_out, ZWSP "  \t::add-mask::x\n");
	/* Unicode white space is trimmed by the runner too */
	CAPTURE(log_info("%s", "\xc2\xa0\xe3\x80\x80\xe2\x80\xa8::error::x"));
	CHECK_STR(got_out, ZWSP "\xc2\xa0\xe3\x80\x80\xe2\x80\xa8::error::x\n");
	CAPTURE(log_info("%s", "\xef\xbb\xbf::warning::x"));
	CHECK_STR(got_out, ZWSP "\xef\xbb\xbf::warning::x\n");
	/* the old ##[ syntax anywhere in a line */
	CAPTURE(log_info("%s", "see ##[error]x and ##[set-env name=a]b"));
	CHECK_STR(got_out, "see #" ZWSP "#[error]x and #" ZWSP "#[set-env name=a]b\n");
	/* newlines and control characters stay inside one line */
	CAPTURE(log_info("%s", "a\n::error::b\r\x1b[31m\x7f"));
	CHECK_STR(got_out, "a\\n::error::b\\r\\x1b[31m\\x7f\n");
	/* a colon pair not at the start is harmless and kept */
	CAPTURE(log_info("%s", "x ::y"));
	CHECK_STR(got_out, "x ::y\n");

	CAPTURE(log_group_begin("deploy: a%b\nc"));
	CHECK_STR(got_out, "::group::deploy: a%25b%0Ac\n");
	CAPTURE(log_group_end());
	CHECK_STR(got_out, "::endgroup::\n");

	log_set_verbose(false);
	CAPTURE(log_debug("hidden"));
	CHECK_STR(got_out, "");
	log_set_verbose(true);
	CAPTURE(log_debug("shown"));
	CHECK_STR(got_out, "::debug::shown\n");
	log_set_verbose(false);
}

static void test_plain_messages(void)
{
	log_set_style(LOG_PLAIN);
	CAPTURE(log_error("bad '%s'", "x"));
	CHECK_STR(got_out, "");
	CHECK_STR(got_err, "gitops-bump: error: bad 'x'\n");
	CAPTURE(log_error_at("f.yaml", 3, "m"));
	CHECK_STR(got_err, "gitops-bump: error: f.yaml:3: m\n");
	CAPTURE(log_warning("w"));
	CHECK_STR(got_err, "gitops-bump: warning: w\n");
	CAPTURE(log_info("plain %d", 1));
	CHECK_STR(got_err, "plain 1\n");
	CAPTURE(log_group_begin("title"));
	CHECK_STR(got_err, "== title ==\n");
	CAPTURE(log_group_end());
	CHECK_STR(got_err, "");
	CHECK_STR(got_out, "");
}

static void test_mask(void)
{
	log_reset();
	log_set_style(LOG_ACTIONS);
	CAPTURE(CHECK_INT(log_mask("ghp_secret%value"), 0));
	CHECK_STR(got_out, "::add-mask::ghp_secret%25value\n");
	CAPTURE(CHECK_INT(log_mask("ghp_secret%value"), 0)); /* once only */
	CHECK_STR(got_out, "");
	CAPTURE(log_error("token is ghp_secret%%value here"));
	CHECK_STR(got_out, "::error::token is *** here\n");

	/* short values are redacted but not sent to the runner */
	CAPTURE(CHECK_INT(log_mask("abc"), 0));
	CHECK_STR(got_out, "");
	CAPTURE(log_info("xabcx"));
	CHECK_STR(got_out, "x***x\n");

	/* a multi-line secret: each line masked, as the log shows lines */
	CAPTURE(CHECK_INT(log_mask("line-one\r\nline-two\nxy"), 0));
	CHECK_STR(got_out, "::add-mask::line-one\n::add-mask::line-two\n");
	CAPTURE(log_info("%s", "a line-two b"));
	CHECK_STR(got_out, "a *** b\n");

	/* the longest secret wins where two overlap */
	log_reset();
	CAPTURE(log_mask("abcd"));
	CAPTURE(log_mask("abcdefgh"));
	CAPTURE(log_info("abcdefgh abcd"));
	CHECK_STR(got_out, "*** ***\n");

	/* plain style: no command, still redacted */
	log_reset();
	log_set_style(LOG_PLAIN);
	CAPTURE(log_mask("plainsecret"));
	CHECK_STR(got_out, "");
	CAPTURE(log_error("x plainsecret"));
	CHECK_STR(got_err, "gitops-bump: error: x ***\n");
	log_reset();

	{
		size_t n = 0;
		char *r;

		log_mask("zzzz");
		r = log_redact("azzzzb\0zzzz", 11, &n);
		CHECK_INT(n, 9);
		CHECK(r && memcmp(r, "a***b\0***", 9) == 0);
		free(r);
		log_reset();
	}
}

static void test_block(void)
{
	char token[40];
	const char *end;

	log_set_style(LOG_ACTIONS);
	CAPTURE(log_block("one\n::error::two\r\n  ::add-mask::x\n", 34));
	CHECK(strncmp(got_out, "::stop-commands::", 17) == 0);
	CHECK(sscanf(got_out + 17, "%32[0-9a-f]", token) == 1);
	CHECK_INT(strlen(token), 32);
	end = strstr(got_out, "\n") + 1;
	CHECK(strncmp(end, "one\n" ZWSP "::error::two\n" ZWSP "  ::add-mask::x\n::",
		      strlen("one\n" ZWSP "::error::two\n" ZWSP "  ::add-mask::x\n::")) == 0);
	CHECK(strstr(end, token) != NULL);
	{
		char tail[64];

		snprintf(tail, sizeof(tail), "::%s::\n", token);
		CHECK(strlen(got_out) >= strlen(tail) &&
		      strcmp(got_out + strlen(got_out) - strlen(tail), tail) == 0);
	}
	log_set_style(LOG_PLAIN);
	CAPTURE(log_block("a\nb", 3));
	CHECK_STR(got_err, "a\nb\n");
	CHECK_STR(got_out, "");
}

static void test_output(void)
{
	char path[] = "/tmp/gb-test-output-XXXXXX";
	int fd = mkstemp(path);
	const char *text;
	char delim[64];

	CHECK(fd >= 0);
	close(fd);
	setenv("GITHUB_OUTPUT", path, 1);
	log_set_style(LOG_ACTIONS);
	CAPTURE(CHECK_INT(log_output("payload", "{\"a\":1}"), 0));
	CHECK_STR(got_out, "");
	CAPTURE(CHECK_INT(log_output("multi", "l1\nghadelimiter_x\n"), 0));
	text = read_file(path);
	CHECK(text && strncmp(text, "payload={\"a\":1}\nmulti<<ghadelimiter_", 36) == 0);
	CHECK(text && sscanf(text + strlen("payload={\"a\":1}\nmulti<<"), "%63[^\n]", delim) == 1);
	CHECK_INT(strlen(delim), strlen("ghadelimiter_") + 32);
	{
		char want[256];

		snprintf(want, sizeof(want), "payload={\"a\":1}\nmulti<<%s\nl1\nghadelimiter_x\n\n%s\n",
			 delim, delim);
		CHECK_STR(text, want);
	}
	/* redacted */
	CAPTURE(log_mask("outsecret"));
	CAPTURE(log_output("x", "a outsecret"));
	text = read_file(path);
	CHECK(text && strstr(text, "x=a ***\n") != NULL);
	log_reset();

	/* an unwritable file is an error, reported */
	setenv("GITHUB_OUTPUT", "/nonexistent-dir/out", 1);
	CAPTURE(CHECK_INT(log_output("x", "y"), -1));
	CHECK(strstr(got_out, "::error::cannot open $GITHUB_OUTPUT") == got_out);

	/* no file in Actions: lines go to the log inside stop-commands */
	unsetenv("GITHUB_OUTPUT");
	CAPTURE(CHECK_INT(log_output("v", "::error::x"), 0));
	CHECK(strncmp(got_out, "::stop-commands::", 17) == 0);
	CHECK(strstr(got_out, "\nv=::error::x\n::") != NULL);
	/* no file outside Actions: plain name=value on stdout */
	log_set_style(LOG_PLAIN);
	CAPTURE(CHECK_INT(log_output("v", "w"), 0));
	CHECK_STR(got_out, "v=w\n");
	unlink(path);
}

static void test_summary(void)
{
	char path[] = "/tmp/gb-test-summary-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	unsetenv("GITHUB_STEP_SUMMARY");
	CHECK_INT(log_summary("ignored"), 0);
	setenv("GITHUB_STEP_SUMMARY", path, 1);
	log_mask("sumsecret");
	CHECK_INT(log_summary("# one sumsecret\n"), 0);
	CHECK_INT(log_summary("two\n"), 0);
	CHECK_STR(read_file(path), "# one ***\ntwo\n");
	log_reset();
	unsetenv("GITHUB_STEP_SUMMARY");
	unlink(path);
}

/* The failure summary: the first error (redacted, escaped), the fix given
 * with it, what was done; once per run. */
static void test_summary_failed(void)
{
	char path[] = "/tmp/gb-test-summary-XXXXXX";
	int fd = mkstemp(path);
	struct buf rows = BUF_INIT;

	CHECK(fd >= 0);
	close(fd);
	setenv("GITHUB_STEP_SUMMARY", path, 1);
	log_mask("failsecret");
	cap_begin();
	log_fix("add the `permissions:` block");
	log_error("PUT failed: 403 for failsecret <b>");
	log_fix("a later fix is not the first error's");
	log_error("a second error");
	cap_end();
	CHECK_STR(log_first_error(), "PUT failed: 403 for *** <b>");
	CHECK_STR(log_first_fix(), "add the `permissions:` block");
	log_md_row(&rows, "service", "web");
	CHECK_INT(log_summary_failed("patch", "web to qa", rows.ptr, "nothing committed"), 0);
	CHECK_INT(log_summary_failed("patch", "again", NULL, "twice"), 0);
	CHECK_STR(read_file(path), "### gitops-bump patch failed: web to qa\n\n"
		  "| | |\n| --- | --- |\n| service | web |\n\n"
		  "**Done:** nothing committed\n\n"
		  "**Error:** PUT failed: 403 for \\*\\*\\* &lt;b&gt;\n\n"
		  "**Fix:** add the \\`permissions:\\` block\n");
	log_reset();
	CHECK(log_first_error() == NULL && log_first_fix() == NULL);
	/* a fix recorded after a second error pairs with nothing */
	cap_begin();
	log_error("one");
	log_error("two");
	log_fix("too late");
	cap_end();
	CHECK(log_first_fix() == NULL);
	log_reset();
	buf_release(&rows);
	unsetenv("GITHUB_STEP_SUMMARY");
	unlink(path);
}

static void test_md_escape(void)
{
	struct buf b = BUF_INIT;
	const char *in = "<img src=x> & *b* [l](u) `c` |t| #h\nx\ty\x01 \\ @user ~s~ ok";

	CHECK_INT(log_md_escape(&b, in, strlen(in)), 0);
	CHECK_STR(buf_cstr(&b), "&lt;img src=x&gt; &amp; \\*b\\* \\[l\\]\\(u\\) \\`c\\` \\|t\\| "
		  "\\#h x y \\\\ \\@user \\~s\\~ ok");
	buf_release(&b);
}

static void test_md_row(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(log_md_row(&b, "service", "a|b"), 0);
	CHECK_INT(log_md_row(&b, "image", NULL), 0);
	CHECK_STR(buf_cstr(&b), "| service | a\\|b |\n| image |  |\n");
	buf_release(&b);
}

/* A hostile value quoted in a message cannot make a line of megabytes; the
 * cut falls on a character boundary and after redaction (found by
 * tests/test_hostile.py: a 5000-key client-payload gave a 44 KB error). */
static void test_line_cap(void)
{
	size_t n = 3 * LOG_LINE_MAX;
	char *big = malloc(n + 1);
	const char *cut;

	for (size_t i = 0; i < n; i += 2) /* U+00E9, two bytes each */
		memcpy(big + i, "\xc3\xa9", 2);
	big[n] = '\0';
	log_set_style(LOG_PLAIN);
	CAPTURE(log_error("x%s", big));
	cut = strstr(got_err, "... [");
	CHECK(cut != NULL);
	/* "gitops-bump: error: " (20 bytes), then "x" and 2047 whole characters:
	 * the 4096th byte would split one */
	CHECK_INT(cut ? cut - got_err : 0, 20 + 1 + 2047 * 2);
	CHECK(cut && strcmp(cut, "... [8194 more bytes]\n") == 0);

	log_reset();
	log_mask("tokentokentoken");
	memset(big, 'a', n);
	memcpy(big + LOG_LINE_MAX - 8, "tokentokentoken", 15);
	CAPTURE(log_error("%s", big));
	CHECK(strstr(got_err, "aaa***aaa") != NULL && strstr(got_err, "token") == NULL);
	log_reset();
	free(big);
}

int main(void)
{
	test_escape();
	test_actions_messages();
	test_plain_messages();
	test_mask();
	test_block();
	test_output();
	test_summary();
	test_summary_failed();
	test_md_escape();
	test_md_row();
	test_line_cap();
	return t_done();
}
