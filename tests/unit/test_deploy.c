/* Unit tests for deploy: the 140-character clip and the final states. */
#include "deploy.h"
#include "t.h"

#include <stdlib.h>

static char clipped[2048];

static const char *clip(const char *s, size_t max)
{
	struct buf b = BUF_INIT;

	CHECK_INT(deploy_clip(&b, s, max), 0);
	snprintf(clipped, sizeof(clipped), "%s", buf_cstr(&b));
	buf_release(&b);
	return clipped;
}

/* Characters (code points) of valid UTF-8. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void test_clip(void)
{
	char long_ascii[400], long_wide[800];

	CHECK_STR(clip("policy passed", 140), "policy passed");
	CHECK_STR(clip("", 140), "");
	CHECK_STR(clip("a\nb\r\tc\x7f", 140), "a b  c ");
	CHECK_STR(clip("bad \xff byte", 140), "bad \xef\xbf\xbd byte");
	memset(long_ascii, 'x', 300);
	long_ascii[300] = '\0';
	clip(long_ascii, 140);
	CHECK_INT(strlen(clipped), 140);
	CHECK(!strcmp(clipped + 137, "..."));
	/* exactly the limit: kept whole */
	long_ascii[140] = '\0';
	CHECK_STR(clip(long_ascii, 140), long_ascii);
	/* 141: clipped to 140 with the mark */
	long_ascii[140] = 'y';
	long_ascii[141] = '\0';
	clip(long_ascii, 140);
	CHECK_INT(chars(clipped), 140);
	CHECK(!strcmp(clipped + 137, "..."));
	/* characters, not bytes: 200 two-byte characters */
	for (int i = 0; i < 200; i++)
		memcpy(long_wide + 2 * i, "\xc3\xa9", 2);
	long_wide[400] = '\0';
	clip(long_wide, 140);
	CHECK_INT(chars(clipped), 140);
	CHECK_INT(strlen(clipped), 137 * 2 + 3);
	long_wide[280] = '\0';
	CHECK_STR(clip(long_wide, 140), long_wide);
}

static void test_final(void)
{
	CHECK(deploy_final("success"));
	CHECK(deploy_final("failure"));
	CHECK(deploy_final("error"));
	CHECK(!deploy_final("in_progress"));
	CHECK(!deploy_final("queued"));
	CHECK(deploy_final("inactive")); /* a newer deploy is live: nothing more comes */
	CHECK(!deploy_final(NULL));
}

/* The receiving run is read at the first poll after the longest pause,
 * then every DEPLOY_WATCH_EVERY-th such poll; never while the pause grows. */
static void test_watch_due(void)
{
	int due = 0;

	CHECK(!deploy_watch_due(0));
	CHECK(!deploy_watch_due(-1));
	CHECK(deploy_watch_due(1));
	for (int i = 2; i <= DEPLOY_WATCH_EVERY; i++)
		CHECK(!deploy_watch_due(i));
	CHECK(deploy_watch_due(DEPLOY_WATCH_EVERY + 1));
	for (int i = 1; i <= 10 * DEPLOY_WATCH_EVERY; i++)
		due += deploy_watch_due(i);
	CHECK_INT(due, 10);
}

int main(void)
{
	test_clip();
	test_final();
	test_watch_due();
	return t_done();
}
