/*
 * event: what triggered the run, read from GITHUB_EVENT_PATH and the
 * GITHUB_* variables.
 *
 * Copies what it needs into plain strings; no cJSON leaves this module.
 *
 *   push                 branch from `ref` (refs/heads/release/1.2 -> release/1.2),
 *                        message from head_commit.message, sha from `after`;
 *                        tag pushes are EVENT_TAG, deletions (head_commit null,
 *                        `after` all zeros, or deleted: true) EVENT_DELETE.
 *   repository_dispatch  `action` (the event type) and `client_payload`,
 *                        flattened: nested objects give dotted keys
 *                        ("source.sha"); strings keep their value, other JSON
 *                        values their JSON text.
 *   anything else        ref/sha from GITHUB_REF/GITHUB_SHA; `message` stays
 *                        NULL (dispatch then fetches it from the API).
 *
 * Bounds: the event file is capped (EVENT_FILE_MAX), client_payload depth
 * and key count are bounded; going past them is an error, not a crash.
 * Errors name the event file; a malformed file is one clear line.
 *
 * Ownership: struct event owns all its strings; event_release frees them.
 */
#ifndef GB_EVENT_H
#define GB_EVENT_H

#include <stddef.h>

#define EVENT_FILE_MAX ((size_t)25 << 20) /* GitHub caps webhook payloads at 25 MB */

enum event_kind {
	EVENT_DEPLOY,  /* a branch push or another event that names a commit */
	EVENT_TAG,     /* a tag push: not a deploy */
	EVENT_DELETE,  /* a branch deletion: not a deploy */
};

struct event_kv {
	char *key;
	char *value;
};

struct event {
	char *name;        /* GITHUB_EVENT_NAME ("push", "repository_dispatch", ...) */
	char *path;        /* GITHUB_EVENT_PATH, for errors */
	enum event_kind kind;
	char *repository;  /* the repo the workflow runs in (owner/name) */
	char *ref;         /* full ref, "refs/heads/x", or NULL */
	char *branch;      /* short branch name, or NULL (tags, detached) */
	char *sha;         /* the commit, 40 hex, or NULL */
	char *message;     /* the full commit message, or NULL if not in the event */
	char *actor;       /* who triggered it */
	char *run_url;     /* https://github.com/o/r/actions/runs/N, or NULL */
	char *server_url;  /* GITHUB_SERVER_URL or https://github.com */
	/* repository_dispatch only */
	char *action;      /* the event type */
	struct event_kv *payload; /* flattened client_payload */
	size_t npayload;
};

/* Read the environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REF,
 * GITHUB_SHA, GITHUB_REPOSITORY, GITHUB_ACTOR, GITHUB_SERVER_URL,
 * GITHUB_RUN_ID).  0, or -1 (printed). */
int event_load(struct event *ev);

/* Parse an event body of the given event name (the fuzzing entry point;
 * event_load calls it).  `path` names the source in errors.  0 or -1. */
int event_parse(struct event *ev, const char *name, const char *json, size_t len,
		const char *path);

/* A flattened client_payload value, or NULL. */
const char *event_payload(const struct event *ev, const char *key);

void event_release(struct event *ev);

#endif
