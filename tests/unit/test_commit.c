/* Unit tests for commit: the conflict backoff window (the rest of commit.c
 * runs against the fake GitHub in tests/test_commit.py). */
#include "commit.h"
#include "t.h"

#define WINDOW(a, c, ms) ((long long)(commit_backoff_window(a, c, ms) * 1000.0 + 0.5))

static void test_window_grows(void)
{
	/* a fast attempt: one base delay, times the conflicts, doubling */
	CHECK_INT(WINDOW(2, 1, 0), 1000);
	CHECK_INT(WINDOW(3, 2, 300), 4000);
	CHECK_INT(WINDOW(4, 3, 499), 12000);
	/* at the default 5 attempts the last window is capped: 4 * 8 > 30 */
	CHECK_INT(WINDOW(5, 4, 100), 30000);
	CHECK_INT(WINDOW(60, 59, 100), 30000);
	/* conflicts that were not counted widen it without an attempt */
	CHECK_INT(WINDOW(2, 3, 0), 3000);
	/* conflicts below 1 count as 1 */
	CHECK_INT(WINDOW(2, 0, 0), 1000);
}

static void test_window_follows_the_attempts_time(void)
{
	/* twice the time an attempt takes, when that is over the base delay */
	CHECK_INT(WINDOW(2, 1, 750), 1500);
	CHECK_INT(WINDOW(3, 2, 1500), 12000);
	CHECK_INT(WINDOW(5, 4, 1500), 90000); /* the cap scales too */
	/* nonsense times are the base */
	CHECK_INT(WINDOW(2, 1, -5), 1000);
}

int main(void)
{
	test_window_grows();
	test_window_follows_the_attempts_time();
	return t_done();
}
