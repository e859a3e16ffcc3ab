/* Unit tests for imagefind: the plan for each kind, applied by yamledit. */
#include "capture.h"
#include "imagefind.h"
#include "t.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct imagefind last;

/* Plan `image` in `in` and apply it; the output, "FAIL" (plan or apply
 * failed) or "NONE" (no edit planned).  The plan stays in `last`. */
static const char *run(const char *in, const char *image, const char *container)
{
	static char out[16384];
	struct imageref ref;
	struct yedit ye[64];
	struct buf b = BUF_INIT;
	int rc;

	imagefind_release(&last);
	if (imageref_parse(&ref, image, strlen(image), "test") < 0)
		return "BADREF";
	capture_begin();
	rc = imagefind_plan(&last, in, strlen(in), &ref, container, "t.yaml");
	if (rc == 0 && last.nedits && last.nedits <= 64) {
		imagefind_yedits(&last, ye);
		rc = yedit_apply(&b, in, strlen(in), ye, last.nedits, "t.yaml", NULL);
		if (rc == 0)
			rc = imagefind_check(&last, ye, "t.yaml");
	}
	capture_end();
	imageref_release(&ref);
	snprintf(out, sizeof(out), "%s", rc < 0 ? "FAIL" : !last.nedits ? "NONE" : buf_cstr(&b));
	buf_release(&b);
	return out;
}

/* The plan's notes of `severity`: how many there are. */
static int notes_of(enum imagefind_severity severity)
{
	int n = 0;

	for (size_t i = 0; i < last.nnotes; i++)
		n += last.notes[i].severity == severity;
	return n;
}

/* The first of them, or an empty note (line 0, text "") when there is none,
 * so that a check on it fails instead of crashing. */
static const struct imagefind_note *note0(enum imagefind_severity severity)
{
	static char empty[1];
	static const struct imagefind_note none = { 0, empty, IMAGEFIND_INFO };

	for (size_t i = 0; i < last.nnotes; i++)
		if (last.notes[i].severity == severity)
			return &last.notes[i];
	return &none;
}

/* The inputs several cases share. */
static const char workloads[] =
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata: {name: web}\n"
	"spec:\n"
	"  template:\n"
	"    spec:\n"
	"      initContainers:\n"
	"      - name: migrate\n"
	"        image: ghcr.io/org/web:1.0   # same repository: set too\n"
	"      - name: wait\n"
	"        image: busybox:1.36\n"
	"      containers:\n"
	"      - name: web\n"
	"        image: \"ghcr.io/org/web:1.0\"\n"
	"        imagePullPolicy: Always\n"
	"      - name: proxy\n"
	"        image: envoyproxy/envoy:v1.29.1\n"
	"---\n"
	"apiVersion: batch/v1\n"
	"kind: CronJob\n"
	"spec:\n"
	"  jobTemplate:\n"
	"    spec:\n"
	"      template:\n"
	"        spec:\n"
	"          containers:\n"
	"          - name: job\n"
	"            image: ghcr.io/org/web:0.9\n";

static const char kustomization[] =
	"apiVersion: kustomize.config.k8s.io/v1beta1\n"
	"kind: Kustomization\n"
	"resources:\n"
	"- ../../base\n"
	"images:\n"
	"- name: ghcr.io/org/web\n"
	"  newTag: \"1.0\"\n"
	"- name: redis\n"
	"  newTag: 7.2.4\n";

static const char values[] =
	"# Default values for web.\n"
	"replicaCount: 1\n"
	"\n"
	"image:\n"
	"  registry: docker.io\n"
	"  repository: bitnami/nginx   # the chart's image\n"
	"  tag: 1.25.3-debian-11-r0\n"
	"  digest: \"\"\n"
	"  pullPolicy: IfNotPresent\n"
	"\n"
	"metrics:\n"
	"  image:\n"
	"    registry: docker.io\n"
	"    repository: bitnami/nginx-exporter\n"
	"    tag: 0.11.0\n"
	"sidecars:\n"
	"- name: log\n"
	"  image: bitnami/nginx:1.0\n"
	"- name: other\n"
	"  image: busybox\n";

static const char application[] =
	"apiVersion: argoproj.io/v1alpha1\n"
	"kind: Application\n"
	"spec:\n"
	"  sources:\n"
	"  - repoURL: https://charts.example.com\n"
	"    chart: web\n"
	"    helm:\n"
	"      parameters:\n"
	"      - name: image.repository\n"
	"        value: ghcr.io/org/web\n"
	"      - name: image.tag\n"
	"        value: v1\n"
	"      - name: redis.image.repository\n"
	"        value: redis\n"
	"      - name: redis.image.tag\n"
	"        value: \"7\"\n"
	"      valuesObject:\n"
	"        worker:\n"
	"          image: {repository: ghcr.io/org/web, tag: v1}\n"
	"  - repoURL: https://github.com/org/gitops\n"
	"    path: overlays/prod\n"
	"    kustomize:\n"
	"      images:\n"
	"      - ghcr.io/org/web:v1\n"
	"      - web=ghcr.io/org/web:v1\n"
	"      - redis:7\n";

/* A HelmRelease whose spec.valuesFrom is LIST, with spec.values naming
 * another image (ghcr.io/org/api) */
#define HR_VF(list)                                                                   \
	"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n"      \
	"  name: web\nspec:\n  valuesFrom:\n" list                                   \
	"  values:\n    image:\n      repository: ghcr.io/org/api\n      tag: v0\n"

/* One case: plan `image` in `in` (run()), then check the output and the
 * plan.  A count or line of 0 is not checked (`quiet` checks that nothing
 * warned); a NULL text is not checked. */
struct tcase {
	const char *why;       /* what the case shows; names it in failures */
	const char *in, *image, *container;
	const char *want;      /* the whole output, "NONE" or "FAIL" */
	const char *has;       /* the output contains this */
	int ntargets, nseen, nwarnings, nedits;
	bool quiet;            /* nothing warned */
	int warn0_line;        /* the first warning */
	const char *warn0_has;
	int seen1_line;        /* seen[1] */
	const char *seen1_text;
	const char *target0_has; /* targets[0] */
	int edit0_want;        /* edits[0].want */
	int nnotices;          /* -1: none */
	int notice0_line;      /* the first notice */
	const char *notice0_has;
};

static const struct tcase cases[] = {
	/* ---- workloads ---- */
	{ .why = "every container of the repository, init and CronJob too",
	  .in = workloads, .image = "ghcr.io/org/web:2.0",
	  .want = "apiVersion: apps/v1\n"
		  "kind: Deployment\n"
		  "metadata: {name: web}\n"
		  "spec:\n"
		  "  template:\n"
		  "    spec:\n"
		  "      initContainers:\n"
		  "      - name: migrate\n"
		  "        image: ghcr.io/org/web:2.0   # same repository: set too\n"
		  "      - name: wait\n"
		  "        image: busybox:1.36\n"
		  "      containers:\n"
		  "      - name: web\n"
		  "        image: \"ghcr.io/org/web:2.0\"\n"
		  "        imagePullPolicy: Always\n"
		  "      - name: proxy\n"
		  "        image: envoyproxy/envoy:v1.29.1\n"
		  "---\n"
		  "apiVersion: batch/v1\n"
		  "kind: CronJob\n"
		  "spec:\n"
		  "  jobTemplate:\n"
		  "    spec:\n"
		  "      template:\n"
		  "        spec:\n"
		  "          containers:\n"
		  "          - name: job\n"
		  "            image: ghcr.io/org/web:2.0\n",
	  .ntargets = 3, .nseen = 5,
	  /* migrate (unset policy) and the CronJob's job warn; web pulls Always */
	  .nwarnings = 2, .warn0_line = 9, .warn0_has = "imagePullPolicy unset" },
	{ .why = "container narrows", .in = workloads, .image = "ghcr.io/org/web:2.0",
	  .container = "web", .has = "migrate\n        image: ghcr.io/org/web:1.0", .ntargets = 1 },
	{ .why = "a digest pins, keeping the tag for people, and nothing warns",
	  .in = workloads, .image = "ghcr.io/org/web:2.0@sha256:" D64,
	  .has = "image: \"ghcr.io/org/web:2.0@sha256:" D64 "\"", .quiet = true },
	{ .why = "another repository: nothing, and what was seen is listed",
	  .in = workloads, .image = "ghcr.io/org/api:1", .want = "NONE", .nseen = 5,
	  .seen1_line = 11, .seen1_text = "Deployment init container 'wait': busybox:1.36" },
	{ .why = "Docker Hub's names: the manifest's spelling is kept",
	  .in = "kind: Pod\nspec:\n  containers:\n  - name: p\n    image: nginx:1.25\n",
	  .image = "docker.io/library/nginx:1.27", .has = "image: nginx:1.27\n" },
	{ .why = "two documents with the same container name and other images: the path "
		 "would reach both, so the plan is refused, not applied to both",
	  .in = "kind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: a:1}]}}}\n"
		"---\nkind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: b:1}]}}}\n",
	  .image = "a:2", .want = "FAIL" },
	{ .why = "... and two of the same repository are one edit meant twice",
	  .in = "kind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: a:1}]}}}\n"
		"---\nkind: StatefulSet\nspec: {template: {spec: {containers: [{name: app, image: a:1}]}}}\n"
		"---\nkind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: a:0}]}}}\n",
	  .image = "a:2",
	  .want = "kind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: 'a:2'}]}}}\n"
		  "---\nkind: StatefulSet\nspec: {template: {spec: {containers: [{name: app, image: 'a:2'}]}}}\n"
		  "---\nkind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: 'a:2'}]}}}\n",
	  .nedits = 2, .edit0_want = 2 },

	/* ---- kustomize ---- */
	{ .why = "kustomization: newTag", .in = kustomization, .image = "ghcr.io/org/web:1.1",
	  .want = "apiVersion: kustomize.config.k8s.io/v1beta1\n"
		  "kind: Kustomization\n"
		  "resources:\n"
		  "- ../../base\n"
		  "images:\n"
		  "- name: ghcr.io/org/web\n"
		  "  newTag: \"1.1\"\n"
		  "- name: redis\n"
		  "  newTag: 7.2.4\n" },
	{ .why = "kustomization: a digest alone", .in = kustomization,
	  .image = "ghcr.io/org/web@sha256:" D64,
	  .want = "apiVersion: kustomize.config.k8s.io/v1beta1\n"
		  "kind: Kustomization\n"
		  "resources:\n"
		  "- ../../base\n"
		  "images:\n"
		  "- name: ghcr.io/org/web\n"
		  "  newTag: \"1.0\"\n"
		  "  digest: sha256:" D64 "\n"
		  "- name: redis\n"
		  "  newTag: 7.2.4\n" },
	{ .why = "the entry is missing: created, as kustomize edit set image does",
	  .in = kustomization, .image = "docker.io/library/postgres:16.2",
	  .want = "apiVersion: kustomize.config.k8s.io/v1beta1\n"
		  "kind: Kustomization\n"
		  "resources:\n"
		  "- ../../base\n"
		  "images:\n"
		  "- name: ghcr.io/org/web\n"
		  "  newTag: \"1.0\"\n"
		  "- name: redis\n"
		  "  newTag: 7.2.4\n"
		  "- name: docker.io/library/postgres\n"
		  "  newTag: '16.2'\n",
	  .target0_has = "(created)" },
	{ .why = "no images: key, no kind", .in = "resources:\n- deployment.yaml\n",
	  .image = "ghcr.io/org/web:1.1@sha256:" D64,
	  .want = "resources:\n- deployment.yaml\nimages:\n- name: ghcr.io/org/web\n"
		  "  newTag: '1.1'\n  digest: sha256:" D64 "\n" },
	{ .why = "kustomization: an old pin is emptied when the new reference has none",
	  .in = "images:\n- name: web\n  newTag: v1\n  digest: sha256:" D64 "\n", .image = "web:v2",
	  .want = "images:\n- name: web\n  newTag: v2\n  digest: ''\n" },
	{ .why = "newName on another registry: the entry moves with the image",
	  .in = "kind: Kustomization\nimages:\n- name: web\n  newName: old.io/org/web\n  newTag: v1\n",
	  .image = "new.io/org/web:v2",
	  .want = "kind: Kustomization\nimages:\n- name: web\n  newName: new.io/org/web\n  newTag: v2\n" },
	{ .why = "a Flux Kustomization: never created there",
	  .in = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec: {path: ./x}\n",
	  .image = "web:1", .want = "NONE" },
	{ .why = "a Flux Kustomization: its spec.images",
	  .in = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n"
		"  path: ./x\n  images:\n  - name: web\n    newTag: v1\n  - name: db\n    newTag: v1\n",
	  .image = "web:v2",
	  .want = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n"
		  "  path: ./x\n  images:\n  - name: web\n    newTag: v2\n  - name: db\n    newTag: v1\n",
	  .target0_has = "Flux Kustomization images entry 'web'" },

	/* ---- Helm values ---- */
	{ .why = "values: the image mapping and a sidecar of the repository",
	  .in = values, .image = "bitnami/nginx:1.25.4-debian-12-r3",
	  .want = "# Default values for web.\n"
		  "replicaCount: 1\n"
		  "\n"
		  "image:\n"
		  "  registry: docker.io\n"
		  "  repository: bitnami/nginx   # the chart's image\n"
		  "  tag: 1.25.4-debian-12-r3\n"
		  "  digest: \"\"\n"
		  "  pullPolicy: IfNotPresent\n"
		  "\n"
		  "metrics:\n"
		  "  image:\n"
		  "    registry: docker.io\n"
		  "    repository: bitnami/nginx-exporter\n"
		  "    tag: 0.11.0\n"
		  "sidecars:\n"
		  "- name: log\n"
		  "  image: bitnami/nginx:1.25.4-debian-12-r3\n"
		  "- name: other\n"
		  "  image: busybox\n",
	  .ntargets = 2 },
	{ .why = "values: tag and digest", .in = values, .image = "bitnami/nginx:1.26@sha256:" D64,
	  .has = "  tag: '1.26'\n  digest: \"sha256:" D64 "\"\n", .target0_has = "digest sha256:" },
	{ .why = "a HelmRelease's spec.values, a mapping without digest gets one",
	  .in = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  values:\n"
		"    image:\n      repository: ghcr.io/org/web\n      tag: v1\n",
	  .image = "ghcr.io/org/web:v2@sha256:" D64,
	  .want = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  values:\n"
		  "    image:\n      repository: ghcr.io/org/web\n      tag: v2\n"
		  "      digest: sha256:" D64 "\n" },
	{ .why = "values: an old pin is emptied when the new reference has no digest",
	  .in = "image:\n  repository: web\n  tag: v1\n  digest: sha256:" D64 "\n", .image = "web:v2",
	  .want = "image:\n  repository: web\n  tag: v2\n  digest: ''\n" },

	/* ---- an Argo CD Application ---- */
	{ .why = "Application: helm parameters, valuesObject, kustomize images",
	  .in = application, .image = "ghcr.io/org/web:v2",
	  .want = "apiVersion: argoproj.io/v1alpha1\n"
		  "kind: Application\n"
		  "spec:\n"
		  "  sources:\n"
		  "  - repoURL: https://charts.example.com\n"
		  "    chart: web\n"
		  "    helm:\n"
		  "      parameters:\n"
		  "      - name: image.repository\n"
		  "        value: ghcr.io/org/web\n"
		  "      - name: image.tag\n"
		  "        value: v2\n"
		  "      - name: redis.image.repository\n"
		  "        value: redis\n"
		  "      - name: redis.image.tag\n"
		  "        value: \"7\"\n"
		  "      valuesObject:\n"
		  "        worker:\n"
		  "          image: {repository: ghcr.io/org/web, tag: v2}\n"
		  "  - repoURL: https://github.com/org/gitops\n"
		  "    path: overlays/prod\n"
		  "    kustomize:\n"
		  "      images:\n"
		  "      - ghcr.io/org/web:v2\n"
		  "      - web=ghcr.io/org/web:v2\n"
		  "      - redis:7\n",
	  .ntargets = 4 },

	{ .why = "Application helm.values: set inside the string, the block kept",
	  .in = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
		"    helm:\n      values: |\n        # ours\n        image:\n"
		"          repository: ghcr.io/org/web\n          tag: v1\n",
	  .image = "ghcr.io/org/web:v2",
	  .want = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
		  "    helm:\n      values: |\n        # ours\n        image:\n"
		  "          repository: ghcr.io/org/web\n          tag: v2\n",
	  .ntargets = 1, .nseen = 1, .nedits = 1, .quiet = true, .edit0_want = 1,
	  .target0_has = "Application spec.source.helm.values image: tag v2" },
	{ .why = "Application helm.values that is not YAML: a warning at its line",
	  .in = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
		"    helm:\n      values: \"a: [\"\n",
	  .image = "ghcr.io/org/web:v2", .want = "NONE", .nwarnings = 1, .warn0_line = 6,
	  .warn0_has = "spec.source.helm.values is not YAML" },

	/* ---- Flux valuesFrom ---- */
	{ .why = "valuesFrom: the ConfigMap's values.yaml is a values file, set in the string",
	  .in = HR_VF("    - kind: ConfigMap\n      name: web-values\n")
		"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-values\n"
		"data:\n  values.yaml: |\n    image:\n      repository: ghcr.io/org/web\n"
		"      tag: v1\n  other.yaml: |\n    image: {repository: ghcr.io/org/web, tag: v1}\n",
	  .image = "ghcr.io/org/web:v2",
	  .want = HR_VF("    - kind: ConfigMap\n      name: web-values\n")
		  "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-values\n"
		  "data:\n  values.yaml: |\n    image:\n      repository: ghcr.io/org/web\n"
		  "      tag: v2\n  other.yaml: |\n    image: {repository: ghcr.io/org/web, tag: v1}\n",
	  .ntargets = 1, .nedits = 1, .nnotices = -1, .edit0_want = 1,
	  .target0_has = "ConfigMap 'web-values' data.values.yaml image: tag v2" },
	{ .why = "valuesFrom: valuesKey, a quoted one-line string, namespaces that agree",
	  .in = "kind: ConfigMap\nmetadata: {name: v, namespace: web}\n"
		"data:\n  prod.yaml: \"image: {repository: ghcr.io/org/web, tag: v1}\"\n---\n"
		"kind: HelmRelease\nmetadata: {name: w, namespace: web}\n"
		"spec:\n  valuesFrom: [{kind: ConfigMap, name: v, valuesKey: prod.yaml}]\n",
	  .image = "ghcr.io/org/web:v2",
	  .has = "  prod.yaml: \"image: {repository: ghcr.io/org/web, tag: v2}\"\n",
	  .nnotices = -1 },
	{ .why = "valuesFrom: a ConfigMap of another namespace is not the one named",
	  .in = "kind: ConfigMap\nmetadata: {name: v, namespace: other}\n"
		"data:\n  values.yaml: \"image: {repository: ghcr.io/org/web, tag: v1}\"\n---\n"
		"kind: HelmRelease\nmetadata: {name: w, namespace: web}\n"
		"spec:\n  valuesFrom:\n  - {kind: ConfigMap, name: v, optional: true}\n",
	  .image = "ghcr.io/org/web:v2", .want = "NONE", .nnotices = 1, .notice0_line = 10,
	  .notice0_has = "HelmRelease 'w' valuesFrom ConfigMap 'v' (optional) is not among the "
			 "manifests" },
	{ .why = "valuesFrom: a second ConfigMap without the key gets nothing created",
	  .in = "kind: ConfigMap\nmetadata: {name: other}\ndata: {a: b}\n---\n"
		"kind: ConfigMap\nmetadata: {name: v}\ndata:\n  tag: v1\n---\n"
		"kind: HelmRelease\nmetadata: {name: w}\nspec:\n  valuesFrom:\n"
		"  - {kind: ConfigMap, name: v, valuesKey: tag, targetPath: image.tag}\n"
		"  values:\n    image: {repository: ghcr.io/org/web}\n",
	  .image = "ghcr.io/org/web:v2",
	  .has = "data: {a: b}\n---\nkind: ConfigMap\nmetadata: {name: v}\ndata:\n  tag: v2\n",
	  .ntargets = 2, .nnotices = -1,
	  .target0_has = "ConfigMap 'v' data.tag (HelmRelease 'w' targetPath image.tag): v1 -> v2" },
	{ .why = "valuesFrom targetPath: the repository at P of another image: not set",
	  .in = "kind: HelmRelease\nmetadata: {name: w}\nspec:\n  valuesFrom:\n"
		"  - {kind: ConfigMap, name: v, valuesKey: tag, targetPath: redis.image.tag}\n"
		"  values:\n    redis:\n      image: {registry: docker.io, repository: bitnami/redis}\n"
		"---\nkind: ConfigMap\nmetadata: {name: v}\ndata:\n  tag: v1\n",
	  .image = "ghcr.io/org/web:v2", .want = "NONE", .nseen = 2, .nnotices = -1,
	  .seen1_line = 13, .seen1_text = "ConfigMap 'v' data.tag (HelmRelease 'w' targetPath "
					 "redis.image.tag): docker.io/bitnami/redis" },
	{ .why = "valuesFrom targetPath P.tag with no P.repository in spec.values: a notice",
	  .in = "kind: ConfigMap\nmetadata: {name: v}\ndata:\n  tag: v1\n---\n"
		"kind: HelmRelease\nmetadata: {name: w}\nspec:\n  valuesFrom:\n"
		"  - {kind: ConfigMap, name: v, valuesKey: tag, targetPath: image.tag}\n",
	  .image = "ghcr.io/org/web:v2", .want = "NONE", .nnotices = 1, .notice0_line = 4,
	  .notice0_has = "gives no image.repository" },
	{ .why = "valuesFrom targetPath P.digest: the digest, emptied without one",
	  .in = "kind: ConfigMap\nmetadata: {name: v}\ndata:\n  d: sha256:" D64 "\n---\n"
		"kind: HelmRelease\nmetadata: {name: w}\nspec:\n  valuesFrom:\n"
		"  - {kind: ConfigMap, name: v, valuesKey: d, targetPath: image.digest}\n"
		"  values:\n    image: {repository: ghcr.io/org/web, tag: v1}\n",
	  .image = "ghcr.io/org/web:v2", .has = "data:\n  d: ''\n", .ntargets = 2 },
	{ .why = "valuesFrom targetPath P.tag and a digest-only reference: a warning",
	  .in = "kind: ConfigMap\nmetadata: {name: v}\ndata:\n  tag: v1\n---\n"
		"kind: HelmRelease\nmetadata: {name: w}\nspec:\n  valuesFrom:\n"
		"  - {kind: ConfigMap, name: v, valuesKey: tag, targetPath: image.tag}\n"
		"  values:\n    image: {repository: ghcr.io/org/web}\n",
	  .image = "ghcr.io/org/web@sha256:" D64, .has = "  tag: v1\n", .nwarnings = 1, .warn0_line = 4,
	  .warn0_has = "has a digest and no tag" },
	{ .why = "valuesFrom: two releases reading one key: planned once",
	  .in = "kind: ConfigMap\nmetadata: {name: v}\n"
		"data:\n  values.yaml: \"image: {repository: ghcr.io/org/web, tag: v1}\"\n---\n"
		"kind: HelmRelease\nmetadata: {name: a}\nspec: {valuesFrom: [{kind: ConfigMap, name: v}]}\n"
		"---\nkind: HelmRelease\nmetadata: {name: b}\n"
		"spec: {valuesFrom: [{kind: ConfigMap, name: v}]}\n",
	  .image = "ghcr.io/org/web:v2", .has = "tag: v2}\"\n", .nedits = 1, .edit0_want = 1,
	  .ntargets = 1 },
	{ .why = "valuesFrom: a Secret is a notice, once, and never edited",
	  .in = "kind: Secret\nmetadata: {name: s}\ndata: {values.yaml: aW1hZ2U6IHg6MQo=}\n---\n"
		"kind: HelmRelease\nmetadata: {name: w}\nspec:\n  valuesFrom:\n"
		"  - {kind: Secret, name: s}\n  - {kind: Secret, name: s, valuesKey: b}\n",
	  .image = "x:2", .want = "NONE", .nnotices = 1, .notice0_line = 9,
	  .notice0_has = "Secret 's': a Secret is never edited" },
	{ .why = "a notice found before a warning comes after it (warnings first)",
	  .in = "kind: HelmRelease\nmetadata: {name: w}\nspec:\n  valuesFrom:\n"
		"  - {kind: Secret, name: s}\n---\n"
		"kind: Pod\nspec:\n  containers:\n  - name: a\n    image: x:1\n",
	  .image = "x:2", .ntargets = 1, .nwarnings = 1, .warn0_line = 11,
	  .warn0_has = "imagePullPolicy unset", .nnotices = 1, .notice0_line = 5,
	  .notice0_has = "Secret 's': a Secret is never edited" },
	{ .why = "valuesFrom: the key named is not in the ConfigMap: a notice",
	  .in = "kind: ConfigMap\nmetadata: {name: v}\ndata:\n  x: y\n---\n"
		"kind: HelmRelease\nmetadata: {name: w}\nspec: {valuesFrom: [{kind: ConfigMap, name: v}]}\n",
	  .image = "x:2", .want = "NONE", .nnotices = 1, .notice0_line = 4,
	  .notice0_has = "ConfigMap 'v' data.values.yaml, which HelmRelease 'w' reads" },
	{ .why = "two Applications, one with helm.values: the other gets none created",
	  .in = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
		"    helm: {values: \"image: {repository: x, tag: '1'}\"}\n---\n"
		"apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
		"    helm: {releaseName: b}\n",
	  .image = "x:2", .has = "helm: {releaseName: b}\n", .nedits = 1 },

	/* ---- bad input ---- */
	{ .why = "an empty repository names nothing",
	  .in = "image:\n  repository: \"\"\n  tag: \"1\"\n", .image = "ghcr.io/org/web:v2",
	  .want = "NONE" },
	{ .why = "an alias bomb costs a bounded walk",
	  .in = "a: &a [image: x:1, image: x:1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f]\n",
	  .image = "y:1", .want = "FAIL" },
};

/* Run one case; a failed check is followed by the case's `why`. */
static void run_case(const struct tcase *c)
{
	const char *out = run(c->in, c->image, c->container);
	int failed = t_failed;

	if (c->want)
		CHECK_STR(out, c->want);
	if (c->has)
		CHECK(strstr(out, c->has) != NULL);
	if (c->ntargets)
		CHECK_INT(last.ntargets, c->ntargets);
	if (c->nseen)
		CHECK_INT(last.nseen, c->nseen);
	if (c->nwarnings)
		CHECK_INT(notes_of(IMAGEFIND_WARNING), c->nwarnings);
	if (c->quiet)
		CHECK_INT(notes_of(IMAGEFIND_WARNING), 0);
	if (c->nedits)
		CHECK_INT(last.nedits, c->nedits);
	if (c->warn0_line)
		CHECK_INT(note0(IMAGEFIND_WARNING)->line, c->warn0_line);
	if (c->warn0_has)
		CHECK(strstr(note0(IMAGEFIND_WARNING)->text, c->warn0_has) != NULL);
	if (c->seen1_line)
		CHECK_INT(last.seen[1].line, c->seen1_line);
	if (c->seen1_text)
		CHECK_STR(last.seen[1].text, c->seen1_text);
	if (c->target0_has)
		CHECK(strstr(last.targets[0].text, c->target0_has) != NULL);
	if (c->edit0_want)
		CHECK_INT(last.edits[0].want, c->edit0_want);
	if (c->nnotices)
		CHECK_INT(notes_of(IMAGEFIND_NOTICE), c->nnotices < 0 ? 0 : c->nnotices);
	if (c->notice0_line)
		CHECK_INT(note0(IMAGEFIND_NOTICE)->line, c->notice0_line);
	if (c->notice0_has)
		CHECK(strstr(note0(IMAGEFIND_NOTICE)->text, c->notice0_has) != NULL);
	/* only warnings and notices, warnings first (the order they are shown) */
	CHECK_INT(notes_of(IMAGEFIND_WARNING) + notes_of(IMAGEFIND_NOTICE), (long)last.nnotes);
	for (size_t i = 1; i < last.nnotes; i++)
		CHECK(last.notes[i - 1].severity <= last.notes[i].severity);
	if (t_failed > failed)
		fprintf(stderr, "  in case: %s\n", c->why);
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		run_case(&cases[i]);
}

static void test_bad(void)
{
	struct imageref ref;

	CHECK(imageref_parse(&ref, "a:1", 3, NULL) == 0);
	imagefind_release(&last);
	CHECK_FAILS(imagefind_plan(&last, "a: [\n", 5, &ref, NULL, "bad.yaml"), "'bad.yaml' is not valid YAML");
	imageref_release(&ref);
	/* an alias bomb whose images match is refused, not planned 10^5 times
	 * (one that does not match: in the cases) */
	CHECK(imageref_parse(&ref, "x:2", 3, NULL) == 0);
	imagefind_release(&last);
	{
		const char *bomb = "a: &a [{image: x:1}, {image: x:1}]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e]\n";

		CHECK_FAILS(imagefind_plan(&last, bomb, strlen(bomb), &ref, NULL, "bomb.yaml"),
			    "'bomb.yaml' has more than 256 places to set the image in");
	}
	imageref_release(&ref);
}

int main(void)
{
	test_cases();
	test_bad();
	imagefind_release(&last);
	return t_done();
}
