/*
 * trailer: the git trailers of a deploy commit, written and read by this one
 * module, so that the GitOps history says what it deployed and the next
 * deploy can read it back.
 *
 * The trailers (git's "Key: value" lines in the last paragraph of a commit
 * message; `git interpret-trailers --parse` reads them):
 *
 *   Deployed-From: owner/app@SHA       the source commit (full sha)
 *   Deployment-Id: N                   the app repo's GitHub Deployment, when
 *                                      the payload carries one
 *   Source-Run: N                      the sender's run number (GITHUB_RUN_NUMBER)
 *   Source-Workflow: owner/app/.github/workflows/f.yml@refs/heads/b
 *                                      the sender's workflow_ref
 *   Rollback-Of: owner/app@SHA         on a rollback: the source commit that
 *                                      was deployed before it
 *   Deploy-Service: NAME               the payload's service and environment
 *   Deploy-Environment: NAME           (safe names, policy.h), so that a later
 *                                      step without the payload (mode land,
 *                                      land.h) can name the Argo CD
 *                                      application of the deploy
 *
 * Writing (trailer_append): the message's trailing blank lines and white
 * space are dropped, then one blank line and the trailers that are set, in
 * the order above, each on its own line, the message ending in "\n".  Only
 * values of a strict form are written (owner/name as GitHub spells it, a
 * full lowercase hex sha, a positive decimal number, a workflow ref of
 * printable ASCII without white space, a safe name as policy.h defines
 * it), so no payload text can add a line
 * or a trailer of its own; trailer_append refuses anything else (-1,
 * reported, naming the field): the caller validated the payload already.
 *
 * Reading (trailer_parse): the last paragraph of the message (after its
 * last blank line) is a trailer block when every line of it is
 * "Key: value" (Key of [A-Za-z0-9-], compared case-insensitively as git
 * does); else the message has no trailers.  Keys other than the seven are
 * ignored (Signed-off-by...).  A value that is not of its strict form is
 * ignored, as if the trailer were absent; a key given twice keeps its last
 * value.  Reading never fails on any input: the worst a hostile message can
 * do is hide a trailer.
 *
 * Ownership: struct trailers owns its strings; trailer_release frees them.
 */
#ifndef GB_TRAILER_H
#define GB_TRAILER_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define TRAILER_DEPLOYED_FROM "Deployed-From"
#define TRAILER_DEPLOYMENT_ID "Deployment-Id"
#define TRAILER_SOURCE_RUN "Source-Run"
#define TRAILER_SOURCE_WORKFLOW "Source-Workflow"
#define TRAILER_ROLLBACK_OF "Rollback-Of"
#define TRAILER_SERVICE "Deploy-Service"
#define TRAILER_ENVIRONMENT "Deploy-Environment"
#define TRAILER_WORKFLOW_MAX 512

/* "owner/app@sha", split. */
struct trailer_ref {
	char *repo;
	char *sha;
};

struct trailers {
	struct trailer_ref from;      /* Deployed-From (NULLs: absent) */
	long long deployment_id;      /* Deployment-Id, 0: absent */
	long long run;                /* Source-Run, 0: absent */
	char *workflow;               /* Source-Workflow, or NULL */
	struct trailer_ref rollback_of; /* Rollback-Of (NULLs: absent) */
	char *service;                /* Deploy-Service, or NULL */
	char *environment;            /* Deploy-Environment, or NULL */
};

/* Append `t`'s trailers to the message in `msg` as above.  0, or -1
 * (reported). */
int trailer_append(struct buf *msg, const struct trailers *t);

/* Read the trailers of the `len` bytes of `msg` into `t` (zeroed first).
 * 0, or -1 only when out of memory (reported). */
int trailer_parse(struct trailers *t, const char *msg, size_t len);

void trailer_release(struct trailers *t);

/* The strict forms, for callers that build a struct trailers. */
bool trailer_valid_sha(const char *s);
bool trailer_valid_workflow(const char *s);

#endif
