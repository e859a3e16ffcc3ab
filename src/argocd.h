/*
 * argocd: wait until Argo CD runs the commit gitops-bump made, Synced and
 * Healthy.
 *
 * Argo CD's REST API (argo-cd.readthedocs.io, "API Docs" and the
 * Application CRD's ApplicationStatus; the server's swagger.json):
 *   GET /api/v1/applications/{name}[?refresh=normal][&appNamespace=NS]
 *   Authorization: Bearer <token>
 * The first request asks for one refresh (refresh=normal), so that the
 * wait does not hang on Argo CD's 3-minute git poll; later ones only read.
 * The answer's status:
 *   sync.status       Synced | OutOfSync | Unknown
 *   sync.revision     the commit compared (one source), or
 *   sync.revisions    one per source (multi-source applications)
 *   health.status     Healthy | Progressing | Degraded | Suspended | Missing | Unknown
 *   operationState    phase (Running, Succeeded, Failed, Error, Terminating),
 *                     message, syncResult.revision(s) (else operation.sync.revision(s))
 *
 * Verdict on each poll (argocd_judge), where "ours" means sync.revision is
 * `revision` (or one of sync.revisions is), or a newer revision that
 * contains it (the `contains` callback; someone deployed after us):
 *   ours, Synced and Healthy       on two polls in a row: success
 *   ours, Synced and Degraded      failure
 *   an operation Failed or Error   for our revision: failure
 *   anything else (an old revision Healthy included): keep waiting
 * until `timeout_s` (argocd-timeout): a failure that names the last state
 * seen.  HTTP 401, 403 and 404 are failures, each with its own hint (Argo
 * CD answers 403, not 404, for an application that does not exist unless
 * the caller may see every application).
 *
 * Transport: github.h's client (its retries, TLS always verified, plain
 * http only to a loopback address, the token only to the server's origin),
 * with `ca_file` as the CA bundle when given (argocd-ca-file).  `request_s`
 * bounds each request (the `timeout` input), `timeout_s` the whole wait.
 * The pause between polls is gh_poll_ms's (1 s growing to 15 s), back to
 * the base after a change, and the base before the confirming poll.
 *
 * argocd_wait reports its failure once (log_error) and returns -1.
 * Ownership: struct argocd_state owns its strings (argocd_state_release);
 * strings in argocd_opts are borrowed.
 */
#ifndef GB_ARGOCD_H
#define GB_ARGOCD_H

#include <stdbool.h>
#include <stddef.h>

struct argocd_opts {
	const char *server;       /* base URL: https://argocd.example.com */
	const char *token;
	const char *application;  /* the application's name */
	const char *ns;           /* its namespace, NULL: Argo CD's own */
	const char *ca_file;      /* NULL: the default bundle */
	const char *revision;     /* the GitOps commit to wait for (full sha) */
	int timeout_s;            /* the whole wait, >= 1 */
	int request_s;            /* each request, >= 1 */
	int max_attempts;
	/* Does `rev` contain `revision` (a newer commit of the branch)?  1
	 * yes, 0 no, -1 (reported: the wait fails).  NULL: never. */
	int (*contains)(void *arg, const char *rev);
	void *arg;
};

struct argocd_state {
	char *revision;       /* sync.revision, or the matching (else first) of sync.revisions */
	char *sync;           /* sync.status */
	char *health;         /* health.status */
	char *health_message;
	char *phase;          /* operationState.phase */
	char *op_message;
	bool ours;            /* the revision (one of them) is ours */
	bool op_ours;         /* the operation's revision (one of them) is ours */
	bool multi;           /* a multi-source application */
};

enum argocd_verdict {
	ARGOCD_WAIT,
	ARGOCD_HEALTHY,       /* at ours: one of the two polls in a row */
	ARGOCD_DEGRADED,
	ARGOCD_OP_FAILED,
};

struct argocd_result {
	struct argocd_state last; /* the last state seen */
	bool newer;               /* success came from a newer revision */
};

/* Read an application's JSON into *st, comparing with `revision`.  0, or
 * -1 (not an application: reported, naming `what`).  Pure apart from the
 * error line. */
int argocd_read(struct argocd_state *st, const char *json, size_t len, const char *revision,
		const char *what);

/* The verdict of one state, where `newer` says its revision contains ours. */
enum argocd_verdict argocd_judge(const struct argocd_state *st, bool newer);

int argocd_wait(const struct argocd_opts *o, struct argocd_result *res);

void argocd_state_release(struct argocd_state *st);

#endif
