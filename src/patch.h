/*
 * patch: the receiver mode (GitOps repo).
 *
 * On a repository_dispatch event it
 *   1. checks the inputs (templates, lists, names) before anything else:
 *      a bad one is a usage error (GB_EUSAGE, exit 2);
 *   2. reads the dispatch (payload.h: gitops-bump's payload or the
 *      article's) and enforces the policy (policy.h: safe service and
 *      environment names, allowed environments, allowed sources, manifest
 *      paths inside the repository, a valid branch) before anything is read
 *      from or written to the GitOps repository;
 *   3. edits each manifest (set / image / marker, else the pod template
 *      annotation gitops-bump/revision on every Deployment, StatefulSet,
 *      DaemonSet, ReplicaSet and CronJob document; never on a bare Job,
 *      whose pod template is immutable) and
 *      commits through the REST API (commit.h), opens a pull request
 *      (pull-request: true), or only edits the workspace (commit: false,
 *      workspace.h);
 *   4. writes the outputs (changed, commit-sha, commit-url, files,
 *      pull-request-url, diff) and the step summary.
 * A failed run writes no outputs and a failure summary (log.h
 * log_summary_failed): what was asked, and whether nothing was committed,
 * a commit was made before the failure, or a commit may have landed.
 * README "Patch" documents the inputs and defaults.
 *
 * Returns 0, -1 (reported), or GB_EUSAGE (reported).
 */
#ifndef GB_PATCH_H
#define GB_PATCH_H

#include "config.h"

#define PATCH_REVISION_ANNOTATION "gitops-bump/revision"
#define PATCH_MAX_MANIFESTS 100
#define PATCH_MAX_SETS 100

int patch_run(const struct config *cfg);

#endif
