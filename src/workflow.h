/*
 * workflow: the sender's second wiring, a workflow_dispatch of the GitOps
 * repository's receiving workflow ("via: workflow_dispatch").
 *
 * It needs only Actions write on the GitOps repository, so the sender's
 * token cannot change a file there (repository_dispatch needs Contents
 * write).  The payload that repository_dispatch sends as client_payload
 * travels as one workflow input, `payload`, a JSON string; the receiver
 * (event.h) reads `inputs.payload` of the workflow_dispatch event exactly
 * as it reads client_payload.
 *
 *   POST /repos/{o}/{r}/actions/workflows/{workflow}/dispatches
 *     {"ref": BRANCH, "inputs": {"payload": "<JSON>"}, "return_run_details": true}
 *   200 {"workflow_run_id", "run_url" (API), "html_url" (web)}   since 2026-02-19
 *   204 (no body)                                                 older servers (GHES)
 * (docs.github.com REST "Create a workflow dispatch event"; GitHub changelog
 * 2026-02-19 "Workflow dispatch API now returns run IDs").
 *
 * GitHub's input limits are checked before sending: at most
 * WORKFLOW_MAX_INPUTS inputs (we send one) and at most
 * WORKFLOW_INPUTS_MAX characters for the inputs payload.  BRANCH is the
 * GitOps repository's default branch (GET /repos/{o}/{r}, Metadata read,
 * which every token has), where the receiving workflow must live.
 *
 * Errors are reported once and returned as -1; a 422 or 404 names its
 * likely cause (no workflow_dispatch trigger, no `payload` input declared,
 * no such workflow file).
 *
 * Ownership: struct workflow_run owns its strings (workflow_run_release).
 */
#ifndef GB_WORKFLOW_H
#define GB_WORKFLOW_H

#include "buf.h"
#include "github.h"

#include <stddef.h>

#define WORKFLOW_MAX_INPUTS 25
#define WORKFLOW_INPUTS_MAX 65535 /* characters of the inputs payload */
#define WORKFLOW_INPUT "payload"

struct workflow_run {
	long long id;    /* workflow_run_id, 0 when the server answered 204 */
	char *api_url;   /* run_url, or NULL */
	char *html_url;  /* html_url, or NULL */
};

/* Is `name` a workflow file name (letters, digits, '.', '_', '-', ending in
 * .yml or .yaml) or a numeric workflow id? */
int workflow_valid_name(const char *name);

/* The request body for `ref` carrying `payload` (compact JSON text) as the
 * input `payload`; checks GitHub's limits (an error names them).  0 or -1
 * (printed). */
int workflow_body(struct buf *out, const char *ref, const char *payload);

/* The default branch of `repo` (malloc'd into *branch).  0 or -1 (printed). */
int workflow_default_branch(struct gh_client *gh, const char *repo, char **branch);

/* Send the dispatch of `workflow` in `repo` with `body`; fill `run` from a
 * 200 answer.  0 or -1 (printed). */
int workflow_dispatch(struct gh_client *gh, const char *repo, const char *workflow,
		      const struct buf *body, struct workflow_run *run);
void workflow_run_release(struct workflow_run *run);

#endif
