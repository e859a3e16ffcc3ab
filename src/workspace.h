/*
 * workspace: edit a manifest in the checked-out repository instead of
 * committing it (the patch mode's `commit: false`, for teams that commit in
 * a later step of their own).
 *
 * `path` is a repository path already normalised by policy_manifest_path
 * (relative, no "..").  It is opened one directory at a time below `root`
 * (GITHUB_WORKSPACE) with O_NOFOLLOW, so a symbolic link in the checkout
 * cannot lead the edit outside it; the file itself must be a regular file.
 *
 * A changed file is written to a new temporary file in the same directory,
 * given the old file's permission bits and owner (uid and gid: the action's
 * container runs as root, and must not leave root-owned files in the
 * runner's workspace), flushed, and renamed over the old one, so a reader
 * sees the old file or the new one, never a mix.  Nothing is written when
 * the edit changes nothing, or with `dry_run`.
 *
 * Errors (reported once, naming the file) return -1; the file is then as
 * it was.
 */
#ifndef GB_WORKSPACE_H
#define GB_WORKSPACE_H

#include "commit.h"

#include <stdbool.h>

/* Read root/f->path into f->old, run `edit`, write f->new when changed. */
int workspace_edit(const char *root, struct commit_file *f, commit_edit_fn *edit, void *arg,
		   bool dry_run);

#endif
