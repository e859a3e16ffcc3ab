/*
 * freeze: stop automated deploys of a manifest without editing workflows.
 *
 * A workload carrying the annotation
 *     metadata:
 *       annotations:
 *         gitops-bump/freeze: "incident 123: hold until the fix is out"
 * (in any document of the manifest) freezes the manifest: every deploy of
 * it that is not an honoured rollback fails with that reason, and nothing
 * is written.  A value that is empty or null freezes nothing (deleting the
 * line lifts the freeze as well).  Anything else than a scalar there (a
 * mapping, a list) is not a freeze either: Kubernetes would refuse the
 * manifest before it could mean one.
 *
 * The manifest is read with the editor's own scanner (yamlscan.h), so what
 * counts as the annotation is what the editor would change.
 */
#ifndef GB_FREEZE_H
#define GB_FREEZE_H

#include <stddef.h>

#define FREEZE_ANNOTATION "gitops-bump/freeze"
#define FREEZE_REASON_MAX 200 /* bytes of the reason quoted in messages */

/* Look for the freeze in the `len` bytes of `yaml`.  1 with *reason
 * (malloc'd, one line, at most FREEZE_REASON_MAX bytes and "...") and *line
 * (1-based) set when frozen; 0 when not, or when the manifest does not
 * parse (the editor, which reads it next, reports that in its own words);
 * -1 when out of memory (reported). */
int freeze_find(const char *yaml, size_t len, char **reason, long *line);

#endif
