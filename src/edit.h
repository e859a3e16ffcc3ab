/*
 * edit: the `gitops-bump edit` verb (CLI only).
 *
 *   gitops-bump edit FILE --set 'PATH=VALUE' [--set ...] [--marker NAME=VALUE]
 *                    [--image REF [--container NAME]] [-i | -o OUT] [--diff]
 *
 * --image is patch mode's `image` input for one file: imagefind.h plans
 * where FILE deploys REF's repository (valuesFrom: the ConfigMaps of the
 * same file), the edits go to yedit_apply() after the --set and --marker
 * ones in one call, and imagefind_check() holds each to its targets.  Where
 * the image went, and the warnings and notices of the plan, are printed
 * with FILE and line as patch mode prints them; nothing deployed from that
 * repository is a failure that lists the images found.
 *
 * argv[0] is "edit".  Returns the process exit status: 0 success, 1 failure
 * (reported once), 2 usage error.  On any failure nothing is written.
 */
#ifndef GB_EDIT_H
#define GB_EDIT_H

#include <stddef.h>

int edit_main(int argc, char **argv);

/*
 * Replace the file at `path` with `len` bytes atomically, as `edit -i`
 * does (and the patch mode's commit: false can): a temporary file in the
 * same directory gets the old file's mode, and its owner when run as root
 * (so no root-owned file is left in a workspace), or for a new file 0666
 * less the umask; it is flushed and renamed over `path` (fileio.h).
 * Readers see the old or the new content, never a mix.  A symlink is
 * followed: its target is replaced.  Nothing is left behind on failure.
 * 0, or -1 (printed).
 */
int edit_write_atomic(const char *path, const char *data, size_t len);

#endif
