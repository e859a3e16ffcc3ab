/*
 * event: what triggered the run, read from GITHUB_EVENT_PATH and the
 * GITHUB_* variables.
 *
 * Copies what it needs into plain strings; no cJSON leaves this module.
 *
 *   push                 branch from `ref` (refs/heads/release/1.2 -> release/1.2),
 *                        message from head_commit.message, sha from `after`;
 *                        tag pushes are EVENT_TAG, deletions (`deleted: true`,
 *                        or `after` all zeros) EVENT_DELETE.  A branch push
 *                        whose head_commit is null leaves `message` NULL.
 *   repository_dispatch  `action` (the event type), `branch` (the default
 *                        branch) and `client_payload`, flattened: nested
 *                        objects give dotted keys ("source.sha") after their
 *                        own entry; each entry keeps its JSON type, its
 *                        depth (1 for client_payload's own keys, so that
 *                        "source.sha" under `source` is told apart from a
 *                        key spelt "source.sha"), strings their value, other
 *                        values their compact JSON text.  `has_payload`
 *                        says whether client_payload was an object at all
 *                        (an empty one has no entries either).
 *   workflow_run         the run's head_branch, head_sha and
 *                        head_commit.message (the commit the finished
 *                        workflow ran on); a run whose head_repository is
 *                        not the run's repository (a fork's pull request)
 *                        is EVENT_FORK.
 *   workflow_dispatch    the input `payload` (inputs.payload, a string) is
 *                        kept as sent in `inputs_payload`; the receiver
 *                        turns it into the flattened payload with
 *                        event_take_inputs_payload, exactly as
 *                        client_payload (a sender triggered by its own
 *                        workflow_dispatch never reads it).  ref/sha as
 *                        below.
 *   pull_request, pull_request_target
 *                        `action` ("closed", ...) and the pull request's
 *                        number, merged, merge_commit_sha (kept only when
 *                        merged), html_url, head and base ref and repository
 *                        (full_name) in `pr`; a number that is not a whole
 *                        number >= 1 is an error.  ref/sha as below.
 *   anything else        ref/sha from GITHUB_REF/GITHUB_SHA (branch only for
 *                        refs/heads/...); `message` stays NULL (dispatch
 *                        then fetches it from the API).
 * The environment fills what the event file does not say, and is preferred
 * for repository (GITHUB_REPOSITORY) and actor (GITHUB_ACTOR).  Without
 * GITHUB_EVENT_PATH only the environment is read (a CLI run).
 *
 * Bounds: the event file is capped (EVENT_FILE_MAX), the flattened
 * client_payload is bounded (EVENT_PAYLOAD_MAX_KEYS entries,
 * EVENT_PAYLOAD_MAX_DEPTH levels, EVENT_PAYLOAD_MAX_BYTES of text); going
 * past them is an error, not a crash.  A NUL character (raw or \u0000) in
 * a push, repository_dispatch, workflow_run or pull request event is an error, as C
 * strings would silently cut it.  The file must be one JSON text: anything
 * but white space after it is an error.  Errors name the event file and are
 * one clear line.
 *
 * Ownership: struct event owns all its strings; event_release frees them
 * (and leaves a zeroed struct, safe to release again).
 */
#ifndef GB_EVENT_H
#define GB_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#define EVENT_SHORT_SHA 7 /* git's default abbreviation of a commit id */
#define EVENT_FILE_MAX ((size_t)25 << 20) /* GitHub caps webhook payloads at 25 MB */
#define EVENT_PAYLOAD_MAX_KEYS 1000
#define EVENT_PAYLOAD_MAX_DEPTH 32
#define EVENT_PAYLOAD_MAX_BYTES ((size_t)4 << 20)

enum event_kind {
	EVENT_DEPLOY,  /* a branch push or another event that names a commit */
	EVENT_TAG,     /* a tag push: not a deploy */
	EVENT_DELETE,  /* a branch or tag deletion: not a deploy */
	EVENT_FORK,    /* workflow_run for a fork's commit: not a deploy */
};

enum event_type {
	EVENT_STRING,
	EVENT_NUMBER,
	EVENT_BOOL,
	EVENT_NULL,
	EVENT_ARRAY,
	EVENT_OBJECT,
};

struct event_kv {
	char *key;             /* "service", "source.sha" */
	char *value;           /* a string's value, else compact JSON text */
	enum event_type type;
	int depth;             /* 1: a key of client_payload, 2: of an object in it... */
};

/* A pull request event's pull request (number 0: not one). */
struct event_pr {
	long long number;
	bool merged;
	char *merge_sha;   /* merge_commit_sha of a merged one, else NULL */
	char *html_url;
	char *head_ref, *head_repo; /* the branch merged, and its repository */
	char *base_ref, *base_repo; /* the branch merged into, and its repository */
	char *body;        /* its description, or NULL */
};

struct event {
	char *name;        /* GITHUB_EVENT_NAME ("push", "repository_dispatch", ...) */
	char *path;        /* GITHUB_EVENT_PATH, for errors */
	enum event_kind kind;
	char *repository;  /* the repo the workflow runs in (owner/name) */
	char *ref;         /* full ref, "refs/heads/x", or NULL */
	char *branch;      /* short branch name, or NULL (tags, detached) */
	char *sha;         /* the commit, 40 (or 64) hex, or NULL */
	char *message;     /* the full commit message, or NULL if not in the event */
	char *actor;       /* who triggered it */
	char *run_url;     /* https://github.com/o/r/actions/runs/N, or NULL */
	char *server_url;  /* GITHUB_SERVER_URL or https://github.com */
	char *run_number;  /* GITHUB_RUN_NUMBER, or NULL */
	char *workflow_ref; /* GITHUB_WORKFLOW_REF (owner/repo/.github/workflows/f.yml@ref), or NULL */
	/* repository_dispatch only */
	char *action;      /* the event type */
	struct event_kv *payload; /* flattened client_payload, in document order */
	size_t npayload;
	bool has_payload;  /* client_payload is an object (not absent, not null) */
	/* workflow_dispatch only */
	char *inputs_payload; /* inputs.payload as sent (JSON text), or NULL */
	/* pull_request, pull_request_target only (`action` too) */
	struct event_pr pr;
};

/* Read the environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REF,
 * GITHUB_SHA, GITHUB_REPOSITORY, GITHUB_ACTOR, GITHUB_SERVER_URL,
 * GITHUB_RUN_ID, GITHUB_RUN_NUMBER, GITHUB_WORKFLOW_REF).  0, or -1 (printed). */
int event_load(struct event *ev);

/* Parse an event body of the given event name (the fuzzing entry point;
 * event_load calls it).  Reads no environment.  `path` names the source in
 * errors.  `ev` must be zeroed or released.  0 or -1 (printed). */
int event_parse(struct event *ev, const char *name, const char *json, size_t len,
		const char *path);

/* A workflow_dispatch's inputs.payload as the payload: it must be a JSON
 * object, under the same bounds and with the same NUL rule as
 * client_payload, and fills `payload`/`npayload`/`has_payload` as
 * client_payload would.  0, or -1 (printed, naming the event file). */
int event_take_inputs_payload(struct event *ev);

/* A flattened client_payload entry / its value, or NULL. */
const struct event_kv *event_payload_get(const struct event *ev, const char *key);
/* The entry `key` at `depth` only ("source.sha" at depth 2 is `sha` inside
 * the object `source`, never a key spelt "source.sha"), or NULL. */
const struct event_kv *event_payload_at(const struct event *ev, const char *key, int depth);
const char *event_payload(const struct event *ev, const char *key);

/* "push", "tag push", ... for messages about what is not a deploy. */
const char *event_kind_name(enum event_kind kind);

void event_release(struct event *ev);

#endif
