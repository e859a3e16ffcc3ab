/*
 * imagefind: where a GitOps file keeps an image, as edits for yamledit.h.
 *
 * imagefind_plan() reads every document of a file (libyaml's document
 * loader), tells its kind by content, never by file name, and turns every
 * place that names the repository of the new image into one concrete
 * YEDIT_SET edit.  It only reads the file; yedit_apply() writes (and
 * computes the new text of a helm.values string).
 *
 *   workload      kind Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 *                 CronJob, Pod, Rollout: containers[*] and initContainers[*]
 *                 whose image names the repository (`container`, when not
 *                 NULL, narrows to that container name) get
 *                 NAME:TAG[@DIGEST], NAME spelled as the manifest had it.
 *                 Path: [kind=K].POD.containers[name=N].image.
 *   kustomization kind Kustomization (kustomize.config.k8s.io), or no kind
 *                 and a resources/bases/components/images key: the images[]
 *                 entry whose newName (else name) is the repository, or
 *                 whose name is and whose newName holds another registry:
 *                 newTag, digest (emptied when the new reference has none,
 *                 as for values), and newName when the registry changes.
 *                 No such entry: it is created (create_element), as
 *                 `kustomize edit set image` would.
 *   Flux          kind Kustomization (kustomize.toolkit.fluxcd.io): its
 *                 spec.images entries, as kustomize's; none is created.
 *   values        a document without kind or apiVersion (a Helm values
 *                 file), HelmRelease spec.values, Argo CD helm.valuesObject:
 *                 every `image` mapping at any depth whose repository (with
 *                 `registry` when the chart splits it) names the
 *                 repository: `tag`, and `digest` when the mapping has it
 *                 (emptied when the new reference has none, so an old pin
 *                 cannot hold the old image) or the reference has one; and
 *                 the one-string form `image: repo:tag`.
 *   application   kind Application (argoproj.io), spec.source and every
 *                 spec.sources[N]: kustomize.images strings ("name=new:tag",
 *                 "name:tag", "name@digest"), helm.parameters named
 *                 PREFIX.repository / PREFIX.registry with PREFIX.tag and
 *                 PREFIX.digest next to them, helm.valuesObject as values,
 *                 and helm.values, a values file inside a string: planned
 *                 on the string's text (one level: not the strings in it),
 *                 set there with yedit_apply(), and the new text is one
 *                 edit of the Application; a string that is not YAML is a
 *                 warning.  Lines of a literal block (`values: |`) are the
 *                 file's.
 *   valuesFrom    a ConfigMap that a HelmRelease's spec.valuesFrom names
 *                 (kind ConfigMap, name, and namespace when both say one;
 *                 Flux reads it in the HelmRelease's namespace), found in
 *                 an index of every file of the run (imagefind_index_add):
 *                 its data.<valuesKey> string (default values.yaml) is a
 *                 values file, planned as helm.values is (one level, lines
 *                 the file's).  With targetPath P.tag or P.digest the
 *                 key's whole value is that one value: set when the
 *                 HelmRelease's spec.values gives P.repository (with
 *                 P.registry) naming the repository; with a targetPath
 *                 whose value is a reference (`image: repo:tag`), when it
 *                 names it.  A Secret is never edited (its data is base64):
 *                 a notice at the valuesFrom entry, once per Secret; an
 *                 object not among the files is a notice too.
 *
 * Warnings (deploys that will not roll out): a mutable tag (no digest) for
 * a workload container whose imagePullPolicy is IfNotPresent, or unset
 * with a tag other than "latest"; for a values image mapping whose
 * pullPolicy says IfNotPresent.  Warnings and notices are one list,
 * `notes`, each with its severity, in the order they are shown: every
 * warning before every notice, each group in the order found.
 *
 * Each edit says how many targets it is meant to hit (`want`): the caller
 * checks yedit's count against it, so a path that would also match in a
 * document it was not built for is refused, never applied there.
 *
 * Ownership: a plan owns all its strings; imagefind_release() frees them.
 * Errors (YAML that does not load, out of memory) are reported once with
 * log_error_at() and returned as -1.
 */
#ifndef GB_IMAGEFIND_H
#define GB_IMAGEFIND_H

#include "imageref.h"
#include "yamledit.h"

#include <stdbool.h>
#include <stddef.h>

/* One edit for yedit_apply(). */
struct imagefind_edit {
	char *path;
	char *value;
	size_t want;          /* targets it must hit (changed, unchanged or created) */
	bool create_element;  /* the kustomize entry that is missing */
	bool no_create;       /* only an existing value: a string of one document
				 (yedit's no_create) */
};

/* How a note is shown (log.h): ::warning:: or ::notice:: on its line.
 * The order of the values is the order of `notes`. */
enum imagefind_severity {
	IMAGEFIND_INFO,     /* targets and seen: what was found, said plainly */
	IMAGEFIND_WARNING,  /* a deploy that will not roll out */
	IMAGEFIND_NOTICE,   /* what was not looked into, and why (valuesFrom: a
			       Secret, an object not among the files) */
};

/* One place an image was found (target or not), or a warning or a notice,
 * at a line. */
struct imagefind_note {
	long line;            /* 1-based */
	char *text;
	enum imagefind_severity severity;
};

struct imagefind {
	struct imagefind_edit *edits;
	size_t nedits;
	struct imagefind_note *targets;  /* "Deployment container 'app': a:1 -> a:2" */
	size_t ntargets;
	struct imagefind_note *seen;     /* every image found, matching or not
					    (the first IMAGEFIND_MAX_SEEN) */
	size_t nseen;
	struct imagefind_note *notes;    /* warnings, then notices (above) */
	size_t nnotes;
};

#define IMAGEFIND_MAX_SEEN 1000

#define IMAGEFIND_INIT { NULL, 0, NULL, 0, NULL, 0, NULL, 0 }

/*
 * Plan the edits that set `ref` in the `len` bytes at `in` (`file` names
 * it in messages).  `container` (NULL: any) narrows workloads.  A file
 * where nothing matches is not an error here: the plan has no edits, and
 * `seen` says what the file holds.  0, or -1 (reported; plan released).
 */
int imagefind_plan(struct imagefind *plan, const char *in, size_t len,
		   const struct imageref *ref, const char *container, const char *file);

/*
 * Flux valuesFrom across the files of one run: every HelmRelease's
 * spec.valuesFrom entry and every ConfigMap and Secret (kind, name,
 * namespace).  A file naming neither `valuesFrom`, `ConfigMap` nor
 * `Secret` is not parsed.  At most IMAGEFIND_MAX_REFS entries of each
 * are kept (the rest are not looked at).
 */
struct imagefind_vref {
	char *release;  /* the HelmRelease's name (messages) */
	char *ns;       /* its metadata.namespace, or NULL */
	char *kind;     /* as written: ConfigMap, Secret */
	char *name;
	char *key;      /* valuesKey, "values.yaml" when omitted */
	char *target;   /* targetPath, or NULL */
	char *repo;     /* target P.tag or P.digest: spec.values' P.repository
			   (with P.registry), or NULL when it has none */
	bool optional;
};

struct imagefind_obj {
	char *kind;     /* ConfigMap or Secret */
	char *name;
	char *ns;       /* or NULL */
};

struct imagefind_index {
	struct imagefind_vref *refs;
	size_t nrefs;
	struct imagefind_obj *objs;
	size_t nobjs;
};

#define IMAGEFIND_MAX_REFS 1000
#define IMAGEFIND_INDEX_INIT { NULL, 0, NULL, 0 }

/* Add what the `len` bytes at `in` hold to `idx`.  Text that is not YAML
 * adds nothing (the plan reports it).  0, or -1 (out of memory, reported). */
int imagefind_index_add(struct imagefind_index *idx, const char *in, size_t len);

void imagefind_index_release(struct imagefind_index *idx);

/* imagefind_plan() with the valuesFrom index of every file of the run
 * (NULL: valuesFrom is not looked at).  imagefind_plan() itself indexes
 * the one file it is given. */
int imagefind_plan_with(struct imagefind *plan, const char *in, size_t len,
			const struct imageref *ref, const char *container, const char *file,
			const struct imagefind_index *idx);

/* Fill `out` (room for plan->nedits) with the plan's edits, borrowing its
 * strings. */
void imagefind_yedits(const struct imagefind *plan, struct yedit *out);

/* After yedit_apply() of those edits: did each reach exactly the targets it
 * was planned for?  A path (a container name, an index) that another
 * document of the file also holds would reach more: refused.  0, or -1
 * (reported, naming `file`). */
int imagefind_check(const struct imagefind *plan, const struct yedit *done, const char *file);

/* Print the plan's notes, in their order, as annotations on `file`
 * (log_warning_at, log_notice_at): what patch mode and edit --image say of
 * deploys that will not roll out and of what was not looked into. */
void imagefind_show_notes(const struct imagefind *plan, const char *file);

/* Nothing matched in any of the `n` plans (of files[i]): each plan's notes
 * (why a repository that is there got nothing), then one error that lists
 * every image seen, with file and line (at most 20, then how many more),
 * so that the cause shows: another repository, a typo, a container name.
 * Returns -1. */
int imagefind_none(const struct imagefind *plans, const char *const *files, size_t n,
		   const struct imageref *ref, const char *container);

void imagefind_release(struct imagefind *plan);

#endif
