/*
 * patch: the receiver mode (GitOps repo).  Validates the repository_dispatch
 * payload against the policy, edits the manifest(s) and commits through the
 * REST API.  Returns 0, or -1 (reported).
 */
#ifndef GB_PATCH_H
#define GB_PATCH_H

#include "config.h"

int patch_run(const struct config *cfg);

#endif
