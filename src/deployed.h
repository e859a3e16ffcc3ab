/*
 * deployed: what is deployed now, read from the GitOps history, and whether
 * a dispatch is older than it (no stale deploy overwriting a newer one).
 *
 * Reading.  For each manifest, the last 30 commits that touched it on the
 * target branch (GET /repos/{gitops}/commits?sha=BRANCH&path=P&per_page=30,
 * newest first) and their trailers (trailer.h): the newest with a
 * Deployed-From of the dispatch's source repository is what is deployed, so
 * a hand edit (replicas, a label) or another app's deploy of a shared
 * manifest after it does not hide it.  None (the first deploy, or only hand
 * edits in those 30): nothing to compare with.  A hand revert of a deploy
 * is not a rollback: re-sending the older commit is stale until a rollback
 * (source.rollback) says so.
 *
 * Judging, for a dispatch of `source.repository`@`source.sha`:
 *   - the deployed commit is that sha: the same deploy again, allowed;
 *   - the deployed commit is a rollback (Rollback-Of: R): the dispatch is
 *     compared with R, the commit rolled back from, so automation cannot
 *     undo a rollback by re-sending R or anything older; only a commit newer
 *     than R ends it;
 *   - by ancestry when the token can read the source repository
 *     (GET /repos/{app}/compare/{deployed}...{new}): `behind` (or
 *     `identical` to a rolled-back R) is STALE, `ahead` NEWER, `diverged`
 *     allowed and said;
 *   - else (404/403/401: the token cannot read it) by the sender's run
 *     number of the same workflow (source.run_number against Source-Run,
 *     when source.workflow_ref and Source-Workflow name the same workflow
 *     file): lower is STALE (a re-run keeps its run number, so re-running
 *     an old pipeline is stale too), equal SAME, higher NEWER;
 *   - else the order cannot be told: allowed and said.
 * A compare that fails otherwise (5xx after the client's retries) is a
 * warning and falls back to the run number: this check protects deploys, it
 * never blocks one by itself failing.
 *
 * A rollback (payload source.rollback, honoured unless `allow-rollback` is
 * false) skips the judging, and its commit says Rollback-Of: the commit it
 * replaces.  With `allow-rollback: false` a rollback is refused (an error,
 * nothing written), never silently skipped.
 *
 * deployed_check says its verdict (a notice for diverged, unknown and
 * rollback; a plain line otherwise), except a stale one, which the caller
 * reports with its outputs (deployed_describe: "org/app@abc1234 is older
 * than the deployed org/app@def5678 (by ancestry; GitOps commit 89abcde):
 * skipped").  Errors are reported once (log_error) and returned as -1.
 *
 * Ownership: struct deployed owns its strings; deployed_release frees them.
 */
#ifndef GB_DEPLOYED_H
#define GB_DEPLOYED_H

#include "buf.h"
#include "github.h"
#include "payload.h"
#include "trailer.h"

#include <stdbool.h>
#include <stddef.h>

enum deployed_verdict {
	DEPLOYED_NONE,     /* nothing of this source deployed: a first deploy */
	DEPLOYED_NEWER,    /* the dispatch is newer: deploy */
	DEPLOYED_SAME,     /* the same commit (or run) again: deploy */
	DEPLOYED_DIVERGED, /* neither contains the other: deploy, said */
	DEPLOYED_UNKNOWN,  /* the order cannot be told: deploy, said */
	DEPLOYED_ROLLBACK, /* a rollback, honoured: deploy */
	DEPLOYED_STALE,    /* older than what is deployed: skip */
};

struct deployed {
	enum deployed_verdict verdict;
	const char *how;        /* "ancestry", "run number", or NULL */
	char *path;             /* the manifest the verdict was read for */
	char *commit;           /* the GitOps commit that last touched it, or NULL */
	struct trailers tr;     /* that commit's trailers */
	const char *against;    /* the sha compared with: tr.from.sha, or
				 * tr.rollback_of.sha after a rollback */
};

struct deployed_opts {
	const char *repo;            /* the GitOps repository */
	const char *branch;          /* the target branch (a PR's base) */
	char *const *paths;          /* the manifests */
	size_t npaths;
	const struct payload *pl;
	bool allow_rollback;         /* input 'allow-rollback' */
};

/* Read and judge; *d holds the verdict that decides (the first STALE, else
 * that of the first manifest with history of this source).  With `gh` NULL
 * (nothing is committed, so nothing is read) only the rollback rule
 * applies.  0 or -1 (reported).  Release *d either way. */
int deployed_check(struct deployed *d, struct gh_client *gh, const struct deployed_opts *o);

/* Judge dispatch `pl` against the deploy whose trailers the caller put in
 * d->tr (owned by d from then on), as deployed_check judges the deployed
 * one: d->verdict, d->how, d->against (a compare that cannot be read says
 * so, as there).
 * 0 or -1 (reported). */
int deployed_judge(struct deployed *d, struct gh_client *gh, const struct payload *pl);

/* Append the trailers of this deploy to `msg`: Deployed-From, Deployment-Id,
 * Source-Run, Source-Workflow from the payload, Rollback-Of from what was
 * deployed (for a rollback), and with a deployment Deploy-Service and
 * Deploy-Environment (what mode land needs to finish it).  Payload values not of a trailer's strict form
 * are left out.  0 or -1 (reported). */
int deployed_trailers(struct buf *msg, const struct payload *pl, const struct deployed *d);

/* "stale: org/app@abc1234 is older than the deployed org/app@def5678 (by
 * ancestry)"-like sentence for logs and the summary, appended to `out`. */
int deployed_describe(struct buf *out, const struct payload *pl, const struct deployed *d);

/* Is `rev` a commit of `repo` that contains `ours` (GitHub's compare:
 * "ahead" or "identical")?  The argocd_opts.contains question of both
 * receiver steps.  Best effort: 1 yes, 0 no or cannot tell (nothing
 * printed but debug lines), -1 out of memory (reported). */
int deployed_contains(struct gh_client *gh, const char *repo, const char *ours, const char *rev);

void deployed_release(struct deployed *d);

#endif
