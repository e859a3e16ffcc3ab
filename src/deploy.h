/*
 * deploy: GitHub Deployments in the app repository, the thread that ties a
 * push to what the GitOps side and Argo CD made of it.
 *
 * The sender (dispatch.h) creates a deployment of the pushed commit
 * (deploy_create) and sends its id in the payload (source.deployment_id,
 * source.deployment_url); the receiver (patch.h) posts statuses to it
 * (deploy_post: in_progress, then success, queued or failure); the sender
 * may wait for a final state (deploy_wait).  GitHub's REST documentation,
 * "REST API endpoints for deployments" and "... for deployment statuses"
 * (docs.github.com/rest/deployments/deployments, .../statuses), and "Best
 * practices for using the REST API", conditional requests.
 *
 *   POST /repos/{app}/deployments   {ref: sha, environment, description,
 *        auto_merge: false, required_contexts: [], transient_environment:
 *        false, production_environment}  201 {id, url, ...}
 *   POST /repos/{app}/deployments/{id}/statuses  {state, description (at
 *        most DEPLOY_DESCRIPTION_MAX characters: longer text is clipped
 *        here), log_url, environment_url}  201
 *   GET  /repos/{app}/deployments/{id}/statuses?per_page=1  newest first;
 *        with If-None-Match: the last ETag, so that an unchanged list is a
 *        304 that does not count against the rate limit.
 *
 * The token needs Deployments write on the app repo (GITHUB_TOKEN:
 * `permissions: deployments: write`).
 *
 * Polling (deploy_wait): the pause between polls grows from the poll base
 * to 15 bases (gh_poll_ms: 1 s to 15 s), back to the base when the state
 * changes; `wait_s` bounds the whole wait, the client's own budget (the
 * `timeout` input, reset before each poll with gh_set_budget) each poll.
 *
 * What ends the wait (deploy_final): `success`, `failure`, `error`, and
 * `inactive`.  GitHub's REST reference, "Create a deployment status"
 * (docs.github.com/rest/deployments/statuses), lists `inactive` among the
 * states and gives it, with `auto_inactive` (default true), to every older
 * deployment of the environment that had `success` when a newer one
 * succeeds; "Viewing deployment history" (docs.github.com/actions/
 * deployment/managing-your-deployments/viewing-deployment-history): only
 * the newest deployment of an environment is active.  The receiver posts
 * it for a stale dispatch (patch.c finish_feedback), and for a pull
 * request closed as superseded by a newer deploy's (supersede.h, land.h).
 * Each way nothing more will be posted to this deployment, and a newer
 * deploy carries its change (live, or in the newer pull request).
 *
 * A deployment nobody finishes: a struct deploy_watch looks at the
 * receiving side while the statuses stand still (deploy_watch_due) and
 * once more when the wait runs out; when it says every receiver has
 * ended, the statuses are read once more (a receiver posts its last
 * status before its run ends) and the wait stops.  Not after `queued`:
 * the receiver handed the deployment on to a pull request's review, and
 * mode land finishes it from another run.
 *
 * Errors are reported once and returned as -1.  Ownership: struct
 * deploy_status owns its strings (deploy_status_release); every other
 * string is borrowed for the call.
 */
#ifndef GB_DEPLOY_H
#define GB_DEPLOY_H

#include "buf.h"
#include "github.h"

#include <stdbool.h>
#include <stddef.h>

#define DEPLOY_DESCRIPTION_MAX 140 /* characters, GitHub's limit */

/* A deployment: the app repo and the id GitHub gave it (0: none). */
struct deploy_ref {
	const char *repo;
	long long id;
};

struct deploy_status {
	char *state;            /* error, failure, inactive, in_progress, queued,
				 * pending, success; NULL: no status yet */
	char *description;
	char *environment_url;
	char *log_url;
};

void deploy_status_release(struct deploy_status *s);

/* Does `state` end the wait: success, failure, error, or inactive (see
 * above)? */
bool deploy_final(const char *state);

/* Create a deployment of `sha` in `repo` for `environment`: 0 with *id and
 * *url (the deployment's API URL, malloc'd) set, or -1. */
int deploy_create(struct gh_client *gh, const char *repo, const char *sha,
		  const char *environment, const char *description, long long *id, char **url);

/* Post a status.  `description` is clipped to DEPLOY_DESCRIPTION_MAX
 * characters (deploy_clip); log_url and environment_url may be NULL.
 * 0 or -1. */
int deploy_post(struct gh_client *gh, const struct deploy_ref *d, const char *state,
		const char *description, const char *log_url, const char *environment_url);

/* Who may still post: `ended` answers 1 when every receiver has ended
 * (nothing more will come), 0 when not, or not known; it never fails the
 * wait (a receiver it cannot see is the watcher's warning, then 0). */
struct deploy_watch {
	int (*ended)(void *ctx);
	void *ctx;
};

#define DEPLOY_WATCH_EVERY 4 /* polls at the longest pause between looks */

/* Is the watcher due after the `at_max`-th poll in a row that came after
 * the longest pause (0: the pause is still growing)?  The first such poll
 * and every DEPLOY_WATCH_EVERY-th after it: with the default base, about
 * 30 s into a silence, then once a minute.  Pure. */
bool deploy_watch_due(int at_max);

#define DEPLOY_WAIT_ENDED 2

/* Poll until a final state or `wait_s` seconds; `request_s` bounds each
 * poll; `watch` (may be NULL) is asked when due and once at the end.
 * 0 with the final status in *last; 1 when the wait ran out;
 * DEPLOY_WAIT_ENDED when the watcher said every receiver ended and the
 * statuses read after that are still not final (*last: the last status
 * seen, state NULL if none, for both); -1 (reported). */
int deploy_wait(struct gh_client *gh, const struct deploy_ref *d, int wait_s, int request_s,
		const struct deploy_watch *watch, struct deploy_status *last);

/* The newest `success` status among the deployment's first 100 (newest
 * first): 1 with its environment_url in *url (malloc'd, NULL when it has
 * none), 0 when there is none, -1 (reported).  An `inactive` deployment
 * that had `success` landed and was replaced later. */
int deploy_find_success(struct gh_client *gh, const struct deploy_ref *d, char **url);

/*
 * The receiver's side: statuses that are best effort.  A status that
 * cannot be posted is a warning (log_demote), never a failure of the run,
 * and after one failure no more are tried (the token will not do better);
 * `why` keeps that failure's error line (the client's words, log.h's
 * log_last_demoted), for a caller that must say it later.
 * A feedback with no client is off: every call does nothing.
 */
struct deploy_feedback {
	struct gh_client *gh;      /* owned; NULL: off */
	struct deploy_ref ref;     /* ref.repo borrowed */
	const char *log_url;       /* this run, borrowed; may be NULL */
	bool broken;
	char *why;                 /* broken: the error, owned (NULL: unknown) */
	const char *last_state;    /* the last state posted (static string) */
};

/* Take `gh` (owned from now on, freed by release) for deployment `id` of
 * `repo`. */
void deploy_feedback_init(struct deploy_feedback *f, struct gh_client *gh, const char *repo,
			  long long id, const char *log_url);
/* Post `state` (a string constant) with `description`. */
void deploy_feedback_post(struct deploy_feedback *f, const char *state, const char *description,
			  const char *environment_url);
bool deploy_feedback_on(const struct deploy_feedback *f);
void deploy_feedback_release(struct deploy_feedback *f);

/* The description of the success status of a deploy that landed, the
 * same words in both receiver steps: "VERB abc1234" (VERB: "committed",
 * "merged"), then ", Argo CD: Synced and Healthy" when Argo CD was waited
 * for (`argo`), or ", Argo CD runs a newer revision: Healthy" (`newer`).
 * Written into `out` of `len` bytes (cut, always terminated). */
void deploy_landed_text(char *out, size_t len, const char *verb, const char *sha, bool argo,
			bool newer);

/* Append `s` as one line of at most `max` characters (code points): line
 * breaks and other control characters become spaces, invalid UTF-8 is
 * U+FFFD, and a longer text ends in "..." within the limit.  0 or -1
 * (buffer error).  Pure; for the unit tests. */
int deploy_clip(struct buf *out, const char *s, size_t max);

#endif
