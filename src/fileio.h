/*
 * fileio: the program's one way to write bytes to a descriptor and its one
 * atomic file writer (used by `edit -i`/`-o` and by the workspace mode).
 *
 * fileio_replace_at writes a new temporary file next to the old one
 * (".NAME.gitops-bump-XXXXXXXXXXXX", created with O_EXCL | O_NOFOLLOW),
 * gives it the requested mode and owner, flushes it to disk (fsync) and
 * renames it over NAME, so a reader sees the old file or the new one,
 * never a mix, and a crash does not leave an empty file behind the new
 * name.  On failure nothing is left behind and NAME is as it was.
 *
 * Nothing here prints: errors return -1 with errno set, and the atomic
 * writer names the step that failed, so that each caller reports once in
 * its own words.
 */
#ifndef GB_FILEIO_H
#define GB_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Write all `len` bytes to `fd` (short writes and EINTR retried).  0, or
 * -1 with errno set. */
int fileio_write_all(int fd, const char *p, size_t len);

/* Replace `name` (one path component) in the directory `dir` with the
 * `len` bytes at `data`, with permission bits `mode`; when `uid` is not
 * (uid_t)-1 and `uid`/`gid` differ from ours, the file gets that owner.
 * 0, or -1 with errno set and *step (when not NULL) saying what failed
 * ("create a temporary file", "write", "keep the owner of", "keep the mode
 * of", "flush", "replace"). */
int fileio_replace_at(int dir, const char *name, const char *data, size_t len, mode_t mode,
		      uid_t uid, gid_t gid, const char **step);

#endif
