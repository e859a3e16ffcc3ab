/*
 * edit: the `gitops-bump edit` verb (CLI only).
 *
 *   gitops-bump edit FILE --set 'PATH=VALUE' [--set ...] [--marker NAME=VALUE]
 *                    [-i | -o OUT] [--diff]
 *
 * argv[0] is "edit".  Returns the process exit status: 0 success, 1 failure
 * (reported once), 2 usage error.  On any failure nothing is written.
 */
#ifndef GB_EDIT_H
#define GB_EDIT_H

int edit_main(int argc, char **argv);

#endif
