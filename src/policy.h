/*
 * policy: what a repository_dispatch may make the patch mode touch.
 * Everything here runs before anything is read from or written to the
 * GitOps repository.  Every check reports once (log_error) and returns -1,
 * else 0; all are safe on arbitrary bytes and bounded.
 *
 * Names.  A service or environment name is 1..POLICY_NAME_MAX characters of
 * [A-Za-z0-9._-] and not "." or "..": it can be a path segment or part of a
 * branch name without any escaping.
 *
 * Environments.  `environments` lists the allowed ones, separated by commas
 * and/or newlines, blanks trimmed (default "sandbox,qa,master", the
 * article's policy).  Matching is exact (git branch names are
 * case-sensitive).  A refusal keeps the article's wording:
 *   branch 'x' does not follow policy (allowed: sandbox, qa, master)
 *
 * Sources.  `allowed-sources` lists repositories as "owner/name", or
 * "owner/" followed by "*" for all of an owner's repositories, compared
 * case-insensitively (GitHub names are).  An empty list allows any source;
 * a non-empty list refuses a payload that names none.
 *
 * Manifest paths.  A path (the expanded `manifest` template, payload values
 * included) becomes a normalised repository path, or is refused:
 *   - empty, longer than POLICY_PATH_MAX bytes or POLICY_PATH_DEPTH segments;
 *   - absolute ("/x"), a segment "..", a segment ".git" (any case) or a
 *     first segment ".github" (workflows are not manifests);
 *   - any byte outside [A-Za-z0-9._~@+=,/-]: this refuses backslashes,
 *     NUL, '%' (so %2e%2e, %252e, %c0%ae and %u002e cannot be decoded later
 *     by anyone), ':', control characters and all non-ASCII (overlong
 *     UTF-8, fullwidth dots);
 *   - not ending in ".yaml" or ".yml";
 *   - ending in "/" (a directory).
 * "." segments and repeated slashes are dropped ("./a//b.yaml" is
 * "a/b.yaml").  The result never starts with '/', never holds ".." as a
 * segment, and is what both the API request and a workspace write use.
 *
 * Branches.  A branch name (the expanded `branch` template) must be a valid
 * git ref name by git-check-ref-format's rules, at most POLICY_BRANCH_MAX
 * bytes, and valid UTF-8 (git takes any byte from 0x80 up, so non-ASCII
 * names such as "café" are branches; the API's JSON needs UTF-8): no "..",
 * "@{", "//", control characters (DEL included), space, ~ ^ : ? * [ \, no
 * leading '-' or '/', no component starting with '.' or ending in ".lock",
 * not "@", not ending in '/' or '.'.
 */
#ifndef GB_POLICY_H
#define GB_POLICY_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define POLICY_NAME_MAX 100
#define POLICY_PATH_MAX 1024
#define POLICY_PATH_DEPTH 32
#define POLICY_BRANCH_MAX 255

/* `what` names the value in errors: "service", "environment". */
int policy_check_name(const char *name, const char *what);

/* The same rule without a word (for values read back, e.g. trailers). */
bool policy_valid_name(const char *name);

/* Validate the `environments` input itself (load time): at least one
 * entry, each a safe name. */
int policy_check_environments(const char *allowed);

/* Is `env` one of `allowed` (already validated)? */
int policy_check_environment(const char *env, const char *allowed);

/* Validate the `allowed-sources` entries (load time). */
int policy_check_source_list(char *const *allowed, size_t n);

/* Is `repo` (NULL: the payload names no source) allowed by the list? */
int policy_check_source(const char *repo, char *const *allowed, size_t n);

/* The same without a word: may a deployment status go to `repo`?  (A
 * receiver tells nobody anything about a dispatch from a source it does
 * not allow.) */
bool policy_source_allowed(const char *repo, char *const *allowed, size_t n);

/* Normalise `len` bytes of `path` into `out` (reset first), as above. */
int policy_manifest_path(struct buf *out, const char *path, size_t len);

/* Check a branch name of `len` bytes. */
int policy_check_branch(const char *branch, size_t len);

#endif
