/*
 * dispatch: the sender mode (app repo).  Reads the triggering event, builds
 * the repository_dispatch payload with cJSON and sends it to each target
 * repository.
 *
 * The payload (client_payload; README "Payload" documents it):
 *
 *   service      the service (input, default: the source repository's name)
 *   environment  the environment (input, default: the pushed branch)
 *   image        the image reference (only when the input is given)
 *   commitmsg    the article's one-line form: "<sha7> <subject>", as
 *                `git log --pretty=oneline --abbrev-commit` prints it
 *   baseRef      the branch (the article's name for it), else the environment
 *   source       { repository, ref, sha, message (full), actor, run_url, event,
 *                  run_number, workflow_ref (when the runner sets them),
 *                  rollback: true (input 'rollback'), oidc_token (input
 *                  'provenance': the run's ID token, see oidc.h) }
 *   ...          the keys of the `client-payload` input, at the top level
 *
 * GitHub's limits are checked before anything is sent: at most
 * DISPATCH_MAX_KEYS top-level keys, an event type of 1..100 characters, and
 * a request body of at most DISPATCH_BODY_MAX bytes (GitHub wants the
 * payload "under 64 KB"; bounding the whole body satisfies any way of
 * counting it).  When the body would be larger, the commit message (and,
 * if it is huge, the subject in commitmsg) is cut at a character boundary
 * and ends with a visible marker; the JSON itself is never cut.  Text that
 * is not valid UTF-8 is sent with each invalid sequence replaced by U+FFFD
 * (as Python's errors="replace" decodes it), because JSON cannot carry raw
 * bytes.
 *
 * Outputs (payload, event-type) are written only once every target got
 * the dispatch (or, in a dry run, what would be sent); a failed run writes
 * none, and a failure summary (log.h log_summary_failed) that says to how
 * many targets it was sent.
 *
 * Returns of this module: 0; -1 (reported); GB_EUSAGE for a bad setting
 * (reported; exit 2).
 */
#ifndef GB_DISPATCH_H
#define GB_DISPATCH_H

#include "buf.h"
#include "config.h"

#include <stdbool.h>
#include <stddef.h>

#define DISPATCH_BODY_MAX 65535      /* bytes of the whole request body */
#define DISPATCH_MAX_KEYS 10         /* top-level keys of client_payload */
#define DISPATCH_EVENT_TYPE_MAX 100  /* characters */

/* What the payload describes.  Borrowed strings; image, actor, run_url,
 * ref and branch may be NULL (JSON null, or left out for image). */
struct dispatch_source {
	const char *service;
	const char *environment;
	const char *image;
	const char *repository;
	const char *ref;
	const char *branch;
	const char *sha;
	const char *message;
	const char *actor;
	const char *run_url;
	const char *event;
	/* order and provenance (source.run_number, workflow_ref, rollback,
	 * oidc_token): each left out when NULL / false; a run number that is
	 * not decimal digits is left out too */
	const char *run_number;
	const char *workflow_ref;
	bool rollback;
	const char *oidc_token;
};

struct dispatch_payload {
	char *body;            /* {"event_type":...,"client_payload":{...}} */
	size_t body_len;
	char *payload;         /* the client_payload alone, compact JSON */
	size_t message_len;    /* bytes of the (UTF-8-fixed) message */
	size_t message_kept;   /* bytes of it sent (< message_len: truncated) */
	size_t subject_len;    /* the same for the subject in commitmsg */
	size_t subject_kept;
	size_t replaced;       /* invalid UTF-8 sequences replaced, all strings */
};

/* Build the request body for `event_type` from `src` and the JSON object
 * text `extra` (the client-payload input; NULL for none).  0, -1 or
 * GB_EUSAGE (reported).  Release `out` either way. */
int dispatch_build(struct dispatch_payload *out, const struct dispatch_source *src,
		   const char *event_type, const char *extra);
void dispatch_payload_release(struct dispatch_payload *p);

/* The subject of a commit message as git prints it for %s and oneline:
 * leading blank lines skipped, then the lines up to the first blank one,
 * each without trailing white space, joined by single spaces.  Appended to
 * `out`; 0 or -1 (buffer error). */
int dispatch_subject(struct buf *out, const char *msg, size_t len);

int dispatch_run(const struct config *cfg);

#endif
