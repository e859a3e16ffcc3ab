/* Unit tests for imagefind: the plan for each kind, applied by yamledit. */
#include "capture.h"
#include "imagefind.h"
#include "t.h"

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

static void test_workloads(void)
{
	const char *in =
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

	CHECK_STR(run(in, "ghcr.io/org/web:2.0", NULL),
		  "apiVersion: apps/v1\n"
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
		  "            image: ghcr.io/org/web:2.0\n");
	CHECK_INT(last.ntargets, 3);
	CHECK_INT(last.nseen, 5);
	/* migrate (unset policy) and the CronJob's job warn; web pulls Always */
	CHECK_INT(last.nwarnings, 2);
	CHECK_INT(last.warnings[0].line, 9);
	CHECK(strstr(last.warnings[0].text, "imagePullPolicy unset") != NULL);
	/* container narrows */
	CHECK(strstr(run(in, "ghcr.io/org/web:2.0", "web"), "migrate\n        image: ghcr.io/org/web:1.0") != NULL);
	CHECK_INT(last.ntargets, 1);
	/* a digest pins, keeping the tag for people, and nothing warns */
	CHECK(strstr(run(in, "ghcr.io/org/web:2.0@sha256:" D64, NULL),
		     "image: \"ghcr.io/org/web:2.0@sha256:" D64 "\"") != NULL);
	CHECK_INT(last.nwarnings, 0);
	/* another repository: nothing, and what was seen is listed */
	CHECK_STR(run(in, "ghcr.io/org/api:1", NULL), "NONE");
	CHECK_INT(last.nseen, 5);
	CHECK_INT(last.seen[1].line, 11);
	CHECK_STR(last.seen[1].text, "Deployment init container 'wait': busybox:1.36");
	/* Docker Hub's names: the manifest's spelling is kept */
	CHECK(strstr(run("kind: Pod\nspec:\n  containers:\n  - name: p\n    image: nginx:1.25\n",
			 "docker.io/library/nginx:1.27", NULL), "image: nginx:1.27\n") != NULL);
	/* two documents with the same container name and other images: the
	 * path would reach both, so the plan is refused, not applied to both */
	CHECK_STR(run("kind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: a:1}]}}}\n"
		      "---\nkind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: b:1}]}}}\n",
		      "a:2", NULL), "FAIL");
	/* ... and two of the same repository are one edit meant twice */
	CHECK_STR(run("kind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: a:1}]}}}\n"
		      "---\nkind: StatefulSet\nspec: {template: {spec: {containers: [{name: app, image: a:1}]}}}\n"
		      "---\nkind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: a:0}]}}}\n",
		      "a:2", NULL),
		  "kind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: 'a:2'}]}}}\n"
		  "---\nkind: StatefulSet\nspec: {template: {spec: {containers: [{name: app, image: 'a:2'}]}}}\n"
		  "---\nkind: Deployment\nspec: {template: {spec: {containers: [{name: app, image: 'a:2'}]}}}\n");
	CHECK_INT(last.nedits, 2);
	CHECK_INT(last.edits[0].want, 2);
}

static void test_kustomize(void)
{
	const char *with =
		"apiVersion: kustomize.config.k8s.io/v1beta1\n"
		"kind: Kustomization\n"
		"resources:\n"
		"- ../../base\n"
		"images:\n"
		"- name: ghcr.io/org/web\n"
		"  newTag: \"1.0\"\n"
		"- name: redis\n"
		"  newTag: 7.2.4\n";

	CHECK_STR(run(with, "ghcr.io/org/web:1.1", NULL),
		  "apiVersion: kustomize.config.k8s.io/v1beta1\n"
		  "kind: Kustomization\n"
		  "resources:\n"
		  "- ../../base\n"
		  "images:\n"
		  "- name: ghcr.io/org/web\n"
		  "  newTag: \"1.1\"\n"
		  "- name: redis\n"
		  "  newTag: 7.2.4\n");
	CHECK_STR(run(with, "ghcr.io/org/web@sha256:" D64, NULL),
		  "apiVersion: kustomize.config.k8s.io/v1beta1\n"
		  "kind: Kustomization\n"
		  "resources:\n"
		  "- ../../base\n"
		  "images:\n"
		  "- name: ghcr.io/org/web\n"
		  "  newTag: \"1.0\"\n"
		  "  digest: sha256:" D64 "\n"
		  "- name: redis\n"
		  "  newTag: 7.2.4\n");
	/* the entry is missing: created, as kustomize edit set image does */
	CHECK_STR(run(with, "docker.io/library/postgres:16.2", NULL),
		  "apiVersion: kustomize.config.k8s.io/v1beta1\n"
		  "kind: Kustomization\n"
		  "resources:\n"
		  "- ../../base\n"
		  "images:\n"
		  "- name: ghcr.io/org/web\n"
		  "  newTag: \"1.0\"\n"
		  "- name: redis\n"
		  "  newTag: 7.2.4\n"
		  "- name: docker.io/library/postgres\n"
		  "  newTag: '16.2'\n");
	CHECK(strstr(last.targets[0].text, "(created)") != NULL);
	/* no images: key, no kind */
	CHECK_STR(run("resources:\n- deployment.yaml\n", "ghcr.io/org/web:1.1@sha256:" D64, NULL),
		  "resources:\n- deployment.yaml\nimages:\n- name: ghcr.io/org/web\n"
		  "  newTag: '1.1'\n  digest: sha256:" D64 "\n");
	/* an old pin is emptied when the new reference has none */
	CHECK_STR(run("images:\n- name: web\n  newTag: v1\n  digest: sha256:" D64 "\n", "web:v2", NULL),
		  "images:\n- name: web\n  newTag: v2\n  digest: ''\n");
	/* newName on another registry: the entry moves with the image */
	CHECK_STR(run("kind: Kustomization\nimages:\n- name: web\n  newName: old.io/org/web\n  newTag: v1\n",
		      "new.io/org/web:v2", NULL),
		  "kind: Kustomization\nimages:\n- name: web\n  newName: new.io/org/web\n  newTag: v2\n");
	/* a Flux Kustomization: its spec.images, never created there */
	CHECK_STR(run("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec: {path: ./x}\n",
		      "web:1", NULL), "NONE");
	CHECK_STR(run("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n"
		      "  path: ./x\n  images:\n  - name: web\n    newTag: v1\n  - name: db\n    newTag: v1\n",
		      "web:v2", NULL),
		  "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n"
		  "  path: ./x\n  images:\n  - name: web\n    newTag: v2\n  - name: db\n    newTag: v1\n");
	CHECK(strstr(last.targets[0].text, "Flux Kustomization images entry 'web'") != NULL);
}

static void test_values(void)
{
	const char *in =
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

	CHECK_STR(run(in, "bitnami/nginx:1.25.4-debian-12-r3", NULL),
		  "# Default values for web.\n"
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
		  "  image: busybox\n");
	CHECK_INT(last.ntargets, 2);
	CHECK(strstr(run(in, "bitnami/nginx:1.26@sha256:" D64, NULL),
		     "  tag: '1.26'\n  digest: \"sha256:" D64 "\"\n") != NULL);
	CHECK(strstr(last.targets[0].text, "digest sha256:") != NULL);
	/* a HelmRelease's spec.values, a mapping without digest gets one */
	CHECK_STR(run("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  values:\n"
		      "    image:\n      repository: ghcr.io/org/web\n      tag: v1\n",
		      "ghcr.io/org/web:v2@sha256:" D64, NULL),
		  "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  values:\n"
		  "    image:\n      repository: ghcr.io/org/web\n      tag: v2\n"
		  "      digest: sha256:" D64 "\n");
	/* an old pin is emptied when the new reference has no digest */
	CHECK_STR(run("image:\n  repository: web\n  tag: v1\n  digest: sha256:" D64 "\n", "web:v2", NULL),
		  "image:\n  repository: web\n  tag: v2\n  digest: ''\n");
}

static void test_application(void)
{
	const char *in =
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

	CHECK_STR(run(in, "ghcr.io/org/web:v2", NULL),
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
		  "      - redis:7\n");
	CHECK_INT(last.ntargets, 4);
}

static void test_bad(void)
{
	struct imageref ref;

	CHECK(imageref_parse(&ref, "a:1", 3, NULL) == 0);
	imagefind_release(&last);
	CHECK_FAILS(imagefind_plan(&last, "a: [\n", 5, &ref, NULL, "bad.yaml"), "'bad.yaml' is not valid YAML");
	imageref_release(&ref);
	/* an alias bomb costs a bounded walk */
	CHECK_STR(run("a: &a [image: x:1, image: x:1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
		      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
		      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e]\n"
		      "g: &g [*f, *f, *f, *f, *f, *f, *f, *f]\n", "y:1", NULL), "FAIL");
	/* ... and one whose images match is refused, not planned 10^5 times */
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
	test_workloads();
	test_kustomize();
	test_values();
	test_application();
	test_bad();
	imagefind_release(&last);
	return t_done();
}
