/*
 * land: mode `land`, the GitOps repo's step on a closed pull request, which
 * finishes the deploys that `patch` with `pull-request: true` left at
 * `queued` (patch.h).
 *
 * The run reads the pull_request (or pull_request_target) event,
 * `types: [closed]`:
 *
 *   - another action than "closed", a pull request from another repository
 *     (a fork: the receiver opens its pull requests from a branch of the
 *     GitOps repo itself), or one whose commits carry no deploy trailers
 *     (trailer.h: Deployed-From and Deployment-Id) is not a deploy of this
 *     tool: a notice, exit 0, nothing posted anywhere;
 *   - the deployments are read from the trailers of the pull request's
 *     commits (GET /repos/{gitops}/pulls/{n}/commits, GitHub's "List
 *     commits on a pull request": at most 250, oldest first, read in pages
 *     of LAND_COMMITS_PAGE until a short one), each distinct (repository, id) once, at
 *     most LAND_DEPLOYMENTS_MAX; a source that `allowed-sources` does not
 *     allow is told nothing, as in patch mode;
 *   - closed without merging: each deployment gets `failure` ("pull request
 *     #N closed without merging: nothing deployed"), a final state, so that
 *     a sender's `wait: true` ends, and the app repo does not show the
 *     change as deployed (GitHub's `inactive` is for a deployment that was
 *     live and was replaced, which this one never was); exit 0;
 *   - merged: `in_progress` ("pull request #N merged as abc1234"), then,
 *     with `argocd-server`, the wait of patch mode (argocd.h) on the merge
 *     commit (the event's merge_commit_sha), then `success` with the words
 *     of patch mode (deploy_landed_text, verb "merged") and the merge
 *     commit's URL, or `failure` with the run's one error line.
 *
 * The Argo CD application is the `argocd-application` template, expanded
 * with what the newest deploy commit says: {service} and {environment}
 * (the Deploy-Service and Deploy-Environment trailers), {repository},
 * {sha} and {short_sha} (Deployed-From).  A template with any other
 * placeholder is a usage error; a commit written before those two trailers
 * existed leaves Argo CD unasked, with a notice that says so.
 *
 * Tokens as in patch mode: `token` reads the pull request's commits (and
 * compares revisions for Argo CD: Contents and Pull requests read); App
 * credentials mint that token, and Deployments write on each source
 * repository; else `deployment-token` posts the statuses (unset: none are
 * posted, a notice).  A status that cannot be posted is a warning.  The
 * run never writes to the GitOps repository.
 *
 * Outputs: deployment-id (one per line), deploy-state (the last state
 * posted), gitops-commit-url (the merge commit), and the argocd-* outputs.
 * Every run writes a step summary; a failed one names its one error line.
 */
#ifndef GB_LAND_H
#define GB_LAND_H

#include "config.h"

#define LAND_COMMITS_PAGE 100     /* commits asked for per request */
#define LAND_COMMITS_MAX 250      /* GitHub lists no more of a pull request */
#define LAND_DEPLOYMENTS_MAX 10   /* deployments finished by one run */

/* Run mode land.  0 (also: nothing to do), -1 (reported), or GB_EUSAGE. */
int land_run(const struct config *cfg);

#endif
