/*
 * supersede: in pull-request mode, the open deploy pull requests that this
 * deploy makes obsolete are closed, so that no reviewer merges an older
 * build after a newer one and no older deployment waits `queued` forever.
 *
 * After patch mode opened (or found) its pull request #M from `head` into
 * `base` of the GitOps repository:
 *
 *   GET /repos/{gitops}/pulls?state=open&base=BASE&per_page=100 ("List pull
 *   requests"): every other open pull request into the same base, from a
 *   branch of the GitOps repository itself whose name starts as `head`
 *   does up to its last '/' (patch mode's branches are
 *   gitops-bump/{service}/{environment}/{short_sha}: the same service and
 *   environment), at most SUPERSEDE_MAX of them;
 *   GET /repos/{gitops}/commits/{head sha} ("Get a commit"): its deploy
 *   trailers (trailer.h) must name the same source repository, and its
 *   files must share a manifest with this deploy;
 *   the order of the two source commits by deployed.h's rule (ancestry,
 *   else run numbers of the same workflow).
 *
 * Older than this deploy: closed (PATCH /repos/{gitops}/pulls/{n}, "Update
 * a pull request", state closed, its body followed by the line
 * SUPERSEDE_MARK "#M ..."), and its deployment (Deployment-Id) gets
 * `inactive` through `feedback` when that is on ("superseded by pull
 * request #M"): the change it carried is in #M.  Newer than this deploy: a
 * warning names it, so that this one is not merged after it.  The same,
 * diverged or unknown order: left alone, said in a plain line.
 *
 * A rollback (payload source.rollback) supersedes nothing: it is older on
 * purpose.
 *
 * Best effort: nothing here fails the deploy (which is committed and its
 * pull request open).  An answer that cannot be used is a warning and the
 * rest is skipped.  Tokens: Pull requests write and Contents read on the
 * GitOps repository (what pull-request mode has).
 */
#ifndef GB_SUPERSEDE_H
#define GB_SUPERSEDE_H

#include "deploy.h"
#include "github.h"
#include "payload.h"

#include <stddef.h>

#define SUPERSEDE_MAX 10
#define SUPERSEDE_MARK "Superseded by gitops-bump: pull request "

struct supersede_opts {
	const char *repo;            /* the GitOps repository */
	const char *base;            /* the pull request's base branch */
	const char *head;            /* its head branch */
	long long pr_number;         /* its number, M (0: not known: nothing done) */
	char *const *paths;          /* this deploy's manifests */
	size_t npaths;
	const struct payload *pl;    /* this deploy's source */
	struct deploy_feedback *feedback; /* the source's deployments, or off */
};

/* The M of the last line of pull request text `body` (NULL: none) that
 * starts with SUPERSEDE_MARK "#M", or 0: the pull request a newer deploy
 * closed this one for (mode land reads it). */
long long supersede_closed_by(const char *body);

/* Close the open pull requests this deploy supersedes.  Returns how many
 * were closed (>= 0); -1 only when memory ran out (reported). */
int supersede_run(struct gh_client *gh, const struct supersede_opts *o);

#endif
