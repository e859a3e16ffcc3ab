/*
 * fuzz_payload: the patch mode's reading of a repository_dispatch event,
 * as patch does it: event_parse, then payload_from_event on its result.
 *
 * Invariants of an accepted event (payload.h):
 *   - the body held no NUL character, raw or escaped: no field can hide
 *     text after a NUL;
 *   - service, environment, message and subject are set; the subject is
 *     the message's first line without its "\r" and holds no "\n";
 *   - a dispatch payload (one with `source`) names the source repository
 *     and a full lowercase sha, and short_sha is its first 7 digits; the
 *     article's payload has neither;
 *   - no field is longer than PAYLOAD_STRING_MAX;
 *   - payload_release leaves every field NULL.
 */
#include "fuzz.h"

#include "event.h"
#include "payload.h"

#include <string.h>

static bool lower_sha(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && (n == 40 || n == 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct payload p;
	struct event ev;
	int rc;

	fuzz_quiet();
	memset(&ev, 0, sizeof(ev));
	memset(&p, 0, sizeof(p));
	rc = event_parse(&ev, "repository_dispatch", (const char *)data, size, "/fuzz/event.json");
	if (rc == 0)
		rc = payload_from_event(&p, &ev);
	/* the payload owns its strings: nothing may point into the event */
	event_release(&ev);
	if (rc == 0) {
		const char *fields[] = { p.action, p.service, p.environment, p.message,
					 p.subject, p.image, p.repository, p.ref, p.sha,
					 p.short_sha, p.actor, p.run_url, p.event };
		size_t n;

		FUZZ_ASSERT(!fuzz_json_has_nul(data, size));
		FUZZ_ASSERT(p.service && p.environment && p.message && p.subject);
		n = strlen(p.subject);
		FUZZ_ASSERT(strncmp(p.subject, p.message, n) == 0);
		FUZZ_ASSERT(!strpbrk(p.subject, "\n"));
		FUZZ_ASSERT(p.message[n] == '\0' || p.message[n] == '\n' ||
			    (p.message[n] == '\r' &&
			     (p.message[n + 1] == '\n' || p.message[n + 1] == '\0')));
		if (p.kind == PAYLOAD_DISPATCH) {
			FUZZ_ASSERT(p.repository && p.sha && lower_sha(p.sha));
			FUZZ_ASSERT(p.short_sha && strlen(p.short_sha) == 7 &&
				    strncmp(p.short_sha, p.sha, 7) == 0);
		} else {
			FUZZ_ASSERT(p.kind == PAYLOAD_ARTICLE);
			FUZZ_ASSERT(!p.repository && !p.sha && !p.short_sha);
		}
		for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
			FUZZ_ASSERT(!fields[i] || strlen(fields[i]) <= PAYLOAD_STRING_MAX);
	} else {
		FUZZ_ASSERT(rc == -1);
	}
	payload_release(&p);
	FUZZ_ASSERT(!p.action && !p.service && !p.environment && !p.message && !p.subject &&
		    !p.image && !p.repository && !p.ref && !p.sha && !p.short_sha && !p.actor &&
		    !p.run_url && !p.event);
	return 0;
}
