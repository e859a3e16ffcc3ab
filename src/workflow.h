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
 * While the sender waits for the deployment (deploy.h), it may read the
 * receiving run (workflow_run_read):
 *
 *   GET /repos/{o}/{r}/actions/runs/{run_id}  200 {id, status, conclusion,
 *     html_url, ...}   (docs.github.com REST "Get a workflow run",
 *     /rest/actions/workflow-runs#get-a-workflow-run)
 *
 * status: requested, queued, pending, waiting, in_progress, completed;
 * conclusion, once completed: success, failure, cancelled, timed_out,
 * action_required, neutral, skipped, stale, startup_failure.  It needs
 * Actions read on the GitOps repository, which the dispatch token has
 * (Actions write includes read, for an App's installation token too);
 * a token that cannot see the run gets 404 (403 for an App without it).
 *
 * Ownership: struct workflow_run owns its strings (workflow_run_release).
 */
#ifndef GB_WORKFLOW_H
#define GB_WORKFLOW_H

#include "buf.h"
#include "github.h"

#include <stdbool.h>
#include <stddef.h>

#define WORKFLOW_MAX_INPUTS 25
#define WORKFLOW_INPUTS_MAX 65535 /* characters of the inputs payload */
#define WORKFLOW_INPUT "payload"

struct workflow_run {
	long long id;    /* workflow_run_id, 0 when the server answered 204 */
	char *api_url;   /* run_url, or NULL */
	char *html_url;  /* html_url, or NULL */
	char *status;    /* workflow_run_read: the last status read, or NULL */
	char *conclusion; /* ... and its conclusion (NULL until completed) */
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

/* Read run->id of `repo` into run->status and run->conclusion (and
 * run->html_url when it had none).  0 or -1 (reported: gh_fail's line, a
 * 404 or 403 with the Actions read hint). */
int workflow_run_read(struct gh_client *gh, const char *repo, struct workflow_run *run);

/* Has the run ended (status `completed`)?  Pure. */
bool workflow_run_completed(const struct workflow_run *run);

#endif
