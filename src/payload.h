/*
 * payload: what a repository_dispatch event asks the patch mode to deploy.
 *
 * Derives it from the event as event.h read it (one read and one parse of
 * GITHUB_EVENT_PATH: the event type in `action`, the sender's data in the
 * flattened `client_payload`, each entry with its JSON type and depth) into
 * plain strings.
 * Two payload shapes are accepted, so that the sending and the receiving
 * side can switch to gitops-bump one at a time:
 *
 *   PAYLOAD_DISPATCH  what `gitops-bump dispatch` sends (it has `source`):
 *     { "service": s, "environment": s, "image": s?, "commitmsg": s,
 *       "baseRef": s, "source": { "repository": s, "ref": s?, "sha": s,
 *       "message": s?, "actor": s?, "run_url": s?, "event": s? }, ... }
 *   PAYLOAD_ARTICLE   the article's hand-made one (no `source`):
 *     action = the service, { "commitmsg": s, "baseRef": s }
 *
 * Field by field (the first that is present wins):
 *   service      client_payload.service, else the event's `action`
 *   environment  client_payload.environment, else client_payload.baseRef
 *                (a full "refs/heads/x" is shortened to "x")
 *   message      client_payload.source.message, else client_payload.commitmsg
 *   image        client_payload.image (optional)
 *   repository, sha (required with `source`), ref, actor, run_url, event
 *                client_payload.source.*
 *   run_number, deployment_id
 *                client_payload.source.*: a positive whole number (a JSON
 *                number, or a string of digits as GitHub's own contexts
 *                give it)
 *   workflow_ref, oidc_token
 *                client_payload.source.*: strings; the OIDC token is
 *                registered as a secret (log_mask) the moment it is read
 *   rollback     client_payload.source.rollback: a boolean (absent: false)
 * Optional fields may be absent or null.  A required field that is missing,
 * or any field of the wrong JSON type (a number where a string belongs, a
 * `source` that is not an object), is an error naming the field and what
 * was found.  `sha` must be a full lowercase hex object id (40 or 64
 * digits).  Keys not listed here are ignored (teams add their own through
 * dispatch's `client-payload`; templates reach them as {payload.KEY}).
 *
 * What the policy needs (safe names, allowed environments) is checked by
 * policy.h, not here: this module only reads.
 *
 * `source.sha` is the key `sha` of the object `source`, never a key spelt
 * "source.sha" (event_payload_at).
 *
 * Bounds and NUL: event.h refuses the event file over EVENT_FILE_MAX, a
 * client_payload past its bounds, and a NUL anywhere in the body (a JSON
 * "\u0000" or a raw NUL byte, which cJSON would keep inside a string), so
 * no field can hide text after a NUL from one reader and show it to
 * another; each string read here is at most PAYLOAD_STRING_MAX.  Safe on
 * any event event_parse accepts (the fuzzing entry is event_parse followed
 * by payload_from_event).
 *
 * Ownership: struct payload owns its strings; payload_release frees them;
 * nothing is borrowed from the event.  Errors are reported once (log_error,
 * naming the event file) and returned as -1.
 */
#ifndef GB_PAYLOAD_H
#define GB_PAYLOAD_H

#include "event.h"

#include <stdbool.h>
#include <stddef.h>

#define PAYLOAD_STRING_MAX ((size_t)1 << 20)

enum payload_kind {
	PAYLOAD_DISPATCH, /* sent by gitops-bump dispatch */
	PAYLOAD_ARTICLE,  /* the article's commitmsg/baseRef payload */
};

struct payload {
	enum payload_kind kind;
	char *action;      /* the event type, or NULL */
	char *service;
	char *environment;
	char *message;     /* the full source commit message */
	char *subject;     /* its first line (without "\r") */
	char *image;       /* NULL when not sent */
	/* the source commit: NULL for the article's payload */
	char *repository;
	char *ref;
	char *sha;
	char *short_sha;   /* first 7 digits of sha */
	char *actor;
	char *run_url;
	char *event;       /* the event that triggered the sender ("push") */
	/* the order of deploys and their provenance (0, NULL, false: not sent) */
	long long run_number;    /* the sender's GITHUB_RUN_NUMBER */
	char *workflow_ref;      /* the sender's GITHUB_WORKFLOW_REF */
	long long deployment_id; /* the app repo's GitHub Deployment */
	bool rollback;           /* a deliberate rollback (dispatch's `rollback`) */
	char *oidc_token;        /* the sender's Actions ID token (a secret) */
};

/* Derive the payload from a parsed repository_dispatch event (event_load or
 * event_parse).  0, or -1 (printed); `p` must be released either way. */
int payload_from_event(struct payload *p, const struct event *ev);

void payload_release(struct payload *p);

#endif
