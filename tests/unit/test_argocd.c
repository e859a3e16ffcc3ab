/* Unit tests for argocd: reading an application and the verdict. */
#include "argocd.h"
#include "capture.h"
#include "t.h"

#include <stdlib.h>

#define OURS "1111111111111111111111111111111111111111"
#define OLD "2222222222222222222222222222222222222222"

static struct argocd_state st;

static int read_app(const char *json)
{
	return argocd_read(&st, json, strlen(json), OURS, "app");
}

static void test_read(void)
{
	CHECK_INT(read_app("{\"status\":{\"sync\":{\"status\":\"Synced\",\"revision\":\"" OURS "\"},"
			   "\"health\":{\"status\":\"Healthy\"}}}"), 0);
	CHECK(st.ours && !st.multi);
	CHECK_STR(st.sync, "Synced");
	CHECK_STR(st.health, "Healthy");
	CHECK_STR(st.revision, OURS);
	CHECK(st.phase == NULL);
	/* multi-source: ours among sync.revisions */
	CHECK_INT(read_app("{\"status\":{\"sync\":{\"status\":\"Synced\",\"revisions\":[\"" OLD "\",\""
			   OURS "\"]},\"health\":{\"status\":\"Progressing\"}}}"), 0);
	CHECK(st.ours && st.multi);
	CHECK_STR(st.revision, OURS);
	/* an operation for our revision, its result not there yet */
	CHECK_INT(read_app("{\"status\":{\"sync\":{\"status\":\"OutOfSync\",\"revision\":\"" OLD "\"},"
			   "\"operationState\":{\"phase\":\"Failed\",\"message\":\"boom\","
			   "\"operation\":{\"sync\":{\"revision\":\"" OURS "\"}}}}}"), 0);
	CHECK(!st.ours && st.op_ours);
	CHECK_STR(st.phase, "Failed");
	CHECK_STR(st.op_message, "boom");
	CHECK_FAILS(read_app("[1]"), "app: the answer is not an application");
	CHECK_FAILS(read_app("{\"metadata\":{}}"), "not an application with a 'status'");
	CHECK_FAILS(read_app("not json"), "not an application");
	argocd_state_release(&st);
}

static char *copy(const char *s)
{
	return s ? strdup(s) : NULL;
}

static enum argocd_verdict judge(const char *sync, const char *health, bool ours, bool newer,
				 const char *phase, bool op_ours)
{
	struct argocd_state s = { 0 };
	enum argocd_verdict v;

	s.sync = copy(sync);
	s.health = copy(health);
	s.phase = copy(phase);
	s.ours = ours;
	s.op_ours = op_ours;
	v = argocd_judge(&s, newer);
	argocd_state_release(&s);
	return v;
}

static void test_judge(void)
{
	/* the old revision Healthy never counts */
	CHECK_INT(judge("Synced", "Healthy", false, false, NULL, false), ARGOCD_WAIT);
	CHECK_INT(judge("Synced", "Degraded", false, false, NULL, false), ARGOCD_WAIT);
	CHECK_INT(judge("OutOfSync", "Healthy", true, false, NULL, false), ARGOCD_WAIT);
	CHECK_INT(judge("Synced", "Progressing", true, false, "Running", true), ARGOCD_WAIT);
	CHECK_INT(judge("Synced", "Healthy", true, false, "Succeeded", true), ARGOCD_HEALTHY);
	CHECK_INT(judge("Synced", "Healthy", false, true, NULL, false), ARGOCD_HEALTHY);
	CHECK_INT(judge("Synced", "Degraded", true, false, NULL, false), ARGOCD_DEGRADED);
	CHECK_INT(judge("OutOfSync", "Healthy", false, false, "Failed", true), ARGOCD_OP_FAILED);
	CHECK_INT(judge("OutOfSync", "Healthy", false, false, "Error", true), ARGOCD_OP_FAILED);
	/* a failed operation of another revision is history */
	CHECK_INT(judge("OutOfSync", "Healthy", false, false, "Failed", false), ARGOCD_WAIT);
	CHECK_INT(judge(NULL, NULL, true, false, NULL, false), ARGOCD_WAIT);
}

int main(void)
{
	test_read();
	test_judge();
	return t_done();
}
