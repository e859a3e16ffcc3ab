"""The `image` input end to end (patch in the workspace, dispatch's check):
one reference set wherever a GitOps repo keeps that repository, in files made
in the shape of public charts and overlays (tests/fixtures/images).

Each golden case is checked by an independent loader (PyYAML's composer):
the scalars that changed or appeared are exactly the ones meant, and every
byte outside them is the same."""
import pytest
import yaml

from dispatch_util import push_event, step_env
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import FIXTURES, GITOPS, dispatch_event, dispatch_payload, patch_env, seed_gitops

IMAGES = FIXTURES / "images"
D1 = "sha256:" + "1f" * 32
D2 = "sha256:" + "e2" * 32


def fixture(name):
    return (IMAGES / name).read_text()


# ---- the independent check ------------------------------------------------------

def _leaves(node, path, out):
    if isinstance(node, yaml.ScalarNode):
        out[path] = node
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            _leaves(v, path + (k.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _leaves(v, path + (i,), out)


def _end_line(node):
    m = node.end_mark
    return m.line - 1 if m.column == 0 and m.line > node.start_mark.line else m.line


def _added_lines(a, b, out):
    """Lines of `b` holding keys or items that `a` does not have."""
    if isinstance(a, yaml.MappingNode) and isinstance(b, yaml.MappingNode):
        old = {k.value: v for k, v in a.value}
        for k, v in b.value:
            if k.value in old:
                _added_lines(old[k.value], v, out)
            else:
                out.update(range(k.start_mark.line, _end_line(v) + 1))
    elif isinstance(a, yaml.SequenceNode) and isinstance(b, yaml.SequenceNode):
        for i, v in enumerate(b.value):
            if i < len(a.value):
                _added_lines(a.value[i], v, out)
            else:
                out.update(range(v.start_mark.line, _end_line(v) + 1))
    elif isinstance(a, yaml.ScalarNode) and a.value in ("", "null", "~") and \
            not isinstance(b, yaml.ScalarNode):
        out.update(range(b.start_mark.line, _end_line(b) + 1))


def changed_fields(old, new):
    """{(doc, *path): new value} of every scalar that changed or appeared,
    after checking that nothing else in the text differs."""
    od, nd = list(yaml.compose_all(old)), list(yaml.compose_all(new))
    assert len(od) == len(nd), "documents added or lost"
    ol, nl = {}, {}
    for i, (a, b) in enumerate(zip(od, nd)):
        _leaves(a, (i,), ol)
        _leaves(b, (i,), nl)
    assert set(ol) <= set(nl), "values lost: %s" % (set(ol) - set(nl))
    got = {p: nl[p].value for p in nl if p not in ol or ol[p].value != nl[p].value}
    # every byte outside them: put the old scalars back, drop the added lines
    text = new
    for p in sorted((p for p in got if p in ol), key=lambda p: -nl[p].start_mark.index):
        n, o = nl[p], ol[p]
        assert n.start_mark.line == _end_line(n) or n.end_mark.line == n.start_mark.line
        text = text[:n.start_mark.index] + old[o.start_mark.index:o.end_mark.index] + \
            text[n.end_mark.index:]
    added = set()
    for a, b in zip(od, nd):
        _added_lines(a, b, added)
    lines = text.splitlines(keepends=True)
    assert "".join(l for i, l in enumerate(lines) if i not in added) == old
    return got


def test_the_check_can_fail():
    """The checker itself: a stray change outside the meant fields is seen."""
    old = "a: 1  # one\nb: 2\n"
    assert changed_fields(old, "a: 3  # one\nb: 2\n") == {(0, "a"): "3"}
    with pytest.raises(AssertionError):
        changed_fields(old, "a: 3 # one\nb: 2\n")
    with pytest.raises(AssertionError):
        changed_fields(old, "a: 1  # one\nc: 2\n")
    assert changed_fields(old, "a: 1  # one\nb: 2\nc:\n- 4\n") == {(0, "c", 0): "4"}


# ---- running patch ------------------------------------------------------------

def run_patch(gb, tmp_path, files, image, **inputs):
    """patch with `commit: false` on a workspace holding `files` (name ->
    text); the result and the files' texts after it."""
    ws = tmp_path / "workspace"
    for name, text in files.items():
        (ws / "gitops" / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / "gitops" / name).write_text(text)
    ev = dispatch_event(tmp_path, dispatch_payload(image=image))
    r = gb([], patch_env(ev, workspace=ws, commit="false", image="{image}",
                         manifest="\n".join("gitops/" + n for n in files), **inputs),
           token=None)
    return r, {n: (ws / "gitops" / n).read_text() for n in files}


GOLDEN = [
    # a Bitnami chart: registry/repository split, the digest key it has
    ("values-bitnami.yaml", "bitnami/nginx:1.25.4-debian-12-r3", {
        (0, "image", "tag"): "1.25.4-debian-12-r3",
    }),
    ("values-bitnami.yaml", "docker.io/bitnami/nginx:1.25.4-debian-12-r3@" + D1, {
        (0, "image", "tag"): "1.25.4-debian-12-r3",
        (0, "image", "digest"): D1,
    }),
    # helm create's shape, plus the one-string form
    ("values-simple.yaml", "ghcr.io/acme/web:1.5.0", {
        (0, "image", "tag"): "1.5.0",
        (0, "worker", "image"): "ghcr.io/acme/web:1.5.0",
    }),
    # kustomize, with the entry: newTag, and digest added
    ("kustomization-with.yaml", "ghcr.io/acme/web:1.5.0@" + D1, {
        (0, "images", 0, "newTag"): "1.5.0",
        (0, "images", 0, "digest"): D1,
    }),
    # ... the registry changes: newName
    ("kustomization-with.yaml", "registry.acme.example/acme/web:1.5.0", {
        (0, "images", 0, "newName"): "registry.acme.example/acme/web",
        (0, "images", 0, "newTag"): "1.5.0",
    }),
    # ... without the entry: created, as kustomize edit set image does
    ("kustomization-without.yaml", "ghcr.io/acme/web:1.5.0", {
        (0, "images", 1, "name"): "ghcr.io/acme/web",
        (0, "images", 1, "newTag"): "1.5.0",
    }),
    # Flux: only the HelmRelease's own image, not the redis subchart's
    ("helmrelease.yaml", "ghcr.io/acme/web:1.5.0", {
        (1, "spec", "values", "image", "tag"): "1.5.0",
    }),
    # Argo CD, multi-source: parameters, valuesObject, kustomize.images
    ("application-multi.yaml", "ghcr.io/acme/web:1.5.0", {
        (0, "spec", "sources", 0, "helm", "parameters", 1, "value"): "1.5.0",
        (0, "spec", "sources", 0, "helm", "valuesObject", "worker", "image", "tag"): "1.5.0",
        (0, "spec", "sources", 1, "kustomize", "images", 0): "ghcr.io/acme/web:1.5.0",
    }),
    # workloads: the init container of the same image too, no sidecar
    ("deployment-sidecars.yaml", "ghcr.io/acme/web:1.5.0@" + D1, {
        (0, "spec", "template", "spec", "initContainers", 0, "image"):
            "ghcr.io/acme/web:1.5.0@" + D1,
        (0, "spec", "template", "spec", "containers", 0, "image"):
            "ghcr.io/acme/web:1.5.0@" + D1,
        (1, "spec", "template", "spec", "containers", 0, "image"):
            "ghcr.io/acme/web:1.5.0@" + D1,
    }),
]


@pytest.mark.parametrize("name,image,want", GOLDEN,
                         ids=["%s-%d" % (g[0].split(".")[0], i) for i, g in enumerate(GOLDEN)])
def test_golden(gb, tmp_path, name, image, want):
    old = fixture(name)
    r, after = run_patch(gb, tmp_path, {name: old}, image)
    assert r.returncode == 0, r
    assert changed_fields(old, after[name]) == want
    out = r.outputs()
    assert out["changed"] == "true" and out["files"] == "gitops/" + name
    # the log names the file, line and kind of every place set
    assert "gitops/%s:" % name in r.out


def test_container_narrows_workloads(gb, tmp_path):
    old = fixture("deployment-sidecars.yaml")
    r, after = run_patch(gb, tmp_path, {"d.yaml": old}, "ghcr.io/acme/web:1.5.0",
                         container="web")
    assert r.returncode == 0, r
    assert changed_fields(old, after["d.yaml"]) == {
        (0, "spec", "template", "spec", "containers", 0, "image"): "ghcr.io/acme/web:1.5.0",
        (1, "spec", "template", "spec", "containers", 0, "image"): "ghcr.io/acme/web:1.5.0",
    }


def test_every_kind_in_one_run(gb, tmp_path):
    """One deploy, every kind at once: one summary that says per file which
    kind was found and what was set; `files` lists them; dry run writes
    nothing and shows it all."""
    names = ["deployment-sidecars.yaml", "kustomization-with.yaml", "values-simple.yaml",
             "helmrelease.yaml", "application-multi.yaml"]
    files = {n: fixture(n) for n in names}
    r, after = run_patch(gb, tmp_path, files, "ghcr.io/acme/web:1.5.0", dry_run="true")
    assert r.returncode == 0, r
    assert after == files  # dry run
    out = r.outputs()
    assert out["files"].split("\n") == ["gitops/" + n for n in names]
    for n in names:
        assert "+++ b/gitops/" + n in out["diff"]
    s = r.summary.replace("\\", "")  # Markdown escapes
    for kind in ("Deployment container 'web'", "Rollout container 'web'",
                 "Deployment init container 'migrate'", "Kustomization images entry",
                 "values image", "HelmRelease spec.values.image", "Application spec.sources[0].helm.valuesObject.worker.image",
                 "Application spec.sources[1].kustomize.images[0]",
                 "Application spec.sources[0].helm.parameters image"):
        assert kind in s, (kind, s)
    assert "dry run" in s


def test_nothing_matched_lists_what_was_found(gb, tmp_path):
    files = {"d.yaml": fixture("deployment-sidecars.yaml"),
             "v.yaml": fixture("values-simple.yaml")}
    r, after = run_patch(gb, tmp_path, files, "ghcr.io/acme/api:2.0")
    assert r.returncode == 1, r
    assert after == files
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert "no image of repository 'ghcr.io/acme/api' in the manifests" in err
    assert "gitops/d.yaml:26 Deployment container 'web': ghcr.io/acme/web:1.4.2" in err
    assert "gitops/d.yaml:22 Deployment init container 'wait-for-db': busybox:1.36" in err
    assert "gitops/v.yaml:29 values migrations.image: ghcr.io/acme/web-migrations:1.4.2" in err


def test_mutable_tag_that_will_not_roll_out_warns(gb, tmp_path):
    old = fixture("deployment-sidecars.yaml")
    r, _ = run_patch(gb, tmp_path, {"d.yaml": old}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    warns = [l for l in r.out.splitlines() if l.startswith("::warning")]
    # migrate: policy unset; web: IfNotPresent; the Rollout pulls Always
    assert [w.split("::")[1] for w in warns] == ["warning file=gitops/d.yaml,line=19",
                                                 "warning file=gitops/d.yaml,line=26"], warns
    assert "mutable tag '1.5.0'" in warns[0] and "imagePullPolicy unset" in warns[0]
    assert "IfNotPresent" in warns[1]
    assert "[!WARNING]" in r.summary
    # a digest makes the pull exact: no warning
    r, _ = run_patch(gb, tmp_path, {"d.yaml": old}, "ghcr.io/acme/web:1.5.0@" + D2)
    assert r.returncode == 0, r
    assert not [l for l in r.out.splitlines() if l.startswith("::warning")]


def test_same_container_name_in_two_documents_is_refused(gb, tmp_path):
    """A path that would also reach another document's container of another
    image is refused, never applied to both."""
    text = ("kind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n"
            "      containers:\n      - name: app\n        image: ghcr.io/acme/a:1\n---\n"
            "kind: Deployment\nmetadata: {name: b}\nspec:\n  template:\n    spec:\n"
            "      containers:\n      - name: app\n        image: ghcr.io/acme/b:1\n")
    r, after = run_patch(gb, tmp_path, {"two.yaml": text}, "ghcr.io/acme/a:2")
    assert r.returncode == 1, r
    assert after == {"two.yaml": text}
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert "another document holds the same path" in err, err


@pytest.mark.parametrize("image", ["Acme/Web:1", "web:", "web@sha256:12", "ghcr.io/acme/web:-x",
                                   "web:1 --force"])
def test_bad_image_is_a_usage_error_before_anything_is_read(gb, tmp_path, image):
    # the manifest does not exist: the image is what must be reported
    ev = dispatch_event(tmp_path, dispatch_payload(image=image))
    r = gb([], patch_env(ev, workspace=tmp_path / "none", commit="false", image="{image}",
                         manifest="missing.yaml"), token=None)
    assert r.returncode == 2, r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert "input 'image' is not an image reference: '%s'" % image in err, err


@pytest.mark.parametrize("image", ["Acme/Web:1", "web@sha256:12"])
def test_dispatch_checks_the_image_before_anything_is_read(gb, tmp_path, image):
    env = step_env(push_event(tmp_path), None)
    env["INPUT_IMAGE"] = image
    env["GITHUB_EVENT_PATH"] = str(tmp_path / "no-such-event.json")
    r = gb([], env)
    assert r.returncode == 2, r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert "input 'image' is not an image reference" in err, err


def test_values_pull_policy_if_not_present_warns(gb, tmp_path):
    old = fixture("values-simple.yaml")
    r, _ = run_patch(gb, tmp_path, {"v.yaml": old}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    warns = [l for l in r.out.splitlines() if l.startswith("::warning")]
    assert len(warns) == 1 and warns[0].startswith("::warning file=gitops/v.yaml,line=9::"), warns
    assert "pullPolicy IfNotPresent" in warns[0]


APP_TAG_ONLY = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  source:
    repoURL: https://charts.acme.example
    chart: web
    helm:
      parameters:
        - name: image.repository
          value: ghcr.io/acme/web
        - name: image.tag
          value: 1.4.2
"""


def test_digest_without_tag_and_only_a_tag_parameter_warns(gb, tmp_path):
    """Nothing can hold a bare digest when the application has P.tag and no
    P.digest (parameters are never created): a warning on that line names
    the fix, the file is untouched, and with nothing else to deploy the run
    fails saying so."""
    r, after = run_patch(gb, tmp_path, {"app.yaml": APP_TAG_ONLY}, "ghcr.io/acme/web@" + D1)
    assert r.returncode == 1, r
    assert after == {"app.yaml": APP_TAG_ONLY}
    warns = [l for l in r.out.splitlines() if l.startswith("::warning")]
    assert len(warns) == 1 and warns[0].startswith("::warning file=gitops/app.yaml,line=11::")
    assert "no image.digest parameter" in warns[0] and "IMAGE:TAG@DIGEST" in warns[0]
    assert len([l for l in r.out.splitlines() if l.startswith("::error")]) == 1
    # with a tag the same file deploys
    r, after = run_patch(gb, tmp_path, {"app.yaml": APP_TAG_ONLY}, "ghcr.io/acme/web:1.5.0@" + D1)
    assert r.returncode == 0, r
    assert changed_fields(APP_TAG_ONLY, after["app.yaml"]) == {
        (0, "spec", "source", "helm", "parameters", 1, "value"): "1.5.0"}


def test_values_key_with_a_control_character_is_reachable(gb, tmp_path):
    """A values key holding a tab gets a path (\\x09) the editor reads back:
    found by fuzzing, where the planned path did not parse."""
    old = 'replicaCount: 2\n"we\\tb":\n  image:\n    repository: ghcr.io/acme/web\n    tag: 1.4.2\n'
    r, after = run_patch(gb, tmp_path, {"values.yaml": old}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    assert changed_fields(old, after["values.yaml"]) == {(0, "we\tb", "image", "tag"): "1.5.0"}


# ---- Argo CD helm.values: a values file inside a string ---------------------

def one_line_changed(old, new):
    """The one line of `new` that differs from `old` (same line count)."""
    a, b = old.splitlines(), new.splitlines()
    assert len(a) == len(b)
    diff = [(i + 1, x, y) for i, (x, y) in enumerate(zip(a, b)) if x != y]
    assert len(diff) == 1, diff
    return diff[0]


def test_application_values_string(gb, tmp_path):
    """The image in `helm.values: |` is set inside the string, every other
    byte of the file kept; the note names the file's own line."""
    old = fixture("application-values.yaml")
    r, after = run_patch(gb, tmp_path, {"a.yaml": old}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    line, was, now = one_line_changed(old, after["a.yaml"])
    assert was == "          tag: 1.4.2" and now.startswith("          tag: ")
    want = yaml.safe_load(yaml.safe_load(old)["spec"]["source"]["helm"]["values"])
    want["image"]["tag"] = "1.5.0"
    got = yaml.safe_load(yaml.safe_load(after["a.yaml"])["spec"]["source"]["helm"]["values"])
    assert got == want
    # the note names the file's line of the image's repository, as for a values file
    repo = old.splitlines().index("          repository: ghcr.io/acme/web") + 1
    assert repo == line - 1
    assert "gitops/a.yaml:%d: Application spec.source.helm.values image: tag 1.5.0" % repo \
        in r.out, r.out
    assert "Application spec.source.helm.values image" in r.summary.replace("\\", "")


def test_application_values_string_in_sources_and_not_yaml(gb, tmp_path):
    """Every sources[N].helm.values is looked into; one that is not YAML is
    a warning naming its line, and the others are still set."""
    text = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: w}\n"
            "spec:\n  sources:\n  - chart: web\n    helm:\n      values: |\n"
            "        image: {repository: ghcr.io/acme/web, tag: 1.4.2}\n"
            "  - chart: other\n    helm:\n      values: \"image: [unclosed\"\n")
    r, after = run_patch(gb, tmp_path, {"a.yaml": text}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    line, _, _ = one_line_changed(text, after["a.yaml"])
    assert line == 9
    values = yaml.safe_load(after["a.yaml"])["spec"]["sources"][0]["helm"]["values"]
    assert yaml.safe_load(values)["image"] == {"repository": "ghcr.io/acme/web", "tag": "1.5.0"}
    warns = [l for l in r.out.splitlines() if l.startswith("::warning")]
    assert len(warns) == 1 and "line=12" in warns[0], warns
    assert "spec.sources[1].helm.values is not YAML" in warns[0]


def test_application_values_string_without_the_image(gb, tmp_path):
    """A values string naming other images only: nothing set, and the
    'nothing matched' error lists what the string holds, at its lines."""
    old = fixture("application-values.yaml")
    r, after = run_patch(gb, tmp_path, {"a.yaml": old}, "ghcr.io/acme/api:2.0")
    assert r.returncode == 1, r
    assert after == {"a.yaml": old}
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    line = old.splitlines().index("            repository: bitnami/redis") + 1
    assert "gitops/a.yaml:%d Application spec.source.helm.values redis.image: " % line in err, err


def test_application_values_string_is_looked_into_one_level_deep(gb, tmp_path):
    """A string inside the string is not planned again (each level would
    parse all the text below it again)."""
    inner = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
             "    helm:\n      values: |\n        image: {repository: ghcr.io/acme/web, "
             "tag: 1.4.2}\n")
    text = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
            "    helm:\n      values: |\n" + "".join("        " + l + "\n"
                                                    for l in inner.splitlines()))
    r, after = run_patch(gb, tmp_path, {"a.yaml": text}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 1, r
    assert after == {"a.yaml": text}
    assert "no image of repository 'ghcr.io/acme/web'" in r.out


# ---- Flux valuesFrom: values kept in a ConfigMap the HelmRelease names ------

VF = "helmrelease-valuesfrom.yaml"


def lines_changed(old, new):
    """{line: (old, new)} of the lines that differ (same line count)."""
    a, b = old.splitlines(), new.splitlines()
    assert len(a) == len(b)
    return {i + 1: (x, y) for i, (x, y) in enumerate(zip(a, b)) if x != y}


def line_of(text, line):
    return text.splitlines().index(line) + 1


def notices(r):
    return [l for l in r.out.splitlines() if l.startswith("::notice")]


def only_tags_changed(old, new, lines, tag):
    """Only `lines` of `new` differ from `old`, each by its old value
    becoming `tag` (quoted or not): every other byte is the same."""
    changed = lines_changed(old, new)
    assert sorted(changed) == sorted(lines), changed
    for was, now in changed.values():
        assert any(was.replace("1.4.2", q % tag, 1) == now for q in ("%s", "'%s'", '"%s"')), \
            (was, now)


def test_values_from_configmap_in_the_same_file(gb, tmp_path):
    """The ConfigMap's values.yaml string is planned as a values file (its
    image set inside the string, every other byte kept), the targetPath
    key holding the tag gets the tag (the repository at image comes from
    spec.values), and spec.values too: three lines, nothing else."""
    old = fixture(VF)
    r, after = run_patch(gb, tmp_path, {VF: old}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    new = after[VF]
    hr_tag = line_of(old, "      tag: 1.4.2          # bumped by CI")
    cm_tag = line_of(old, "      tag: 1.4.2   # bumped by CI")
    key_tag = line_of(old, '  tag: "1.4.2"')
    only_tags_changed(old, new, [hr_tag, cm_tag, key_tag], "1.5.0")
    # the independent loader: these values, and nothing else, changed
    want = list(yaml.safe_load_all(old))
    want[0]["spec"]["values"]["image"]["tag"] = "1.5.0"
    values = yaml.safe_load(want[1]["data"]["values.yaml"])
    values["image"]["tag"] = "1.5.0"
    want[2]["data"]["tag"] = "1.5.0"
    got = list(yaml.safe_load_all(new))
    assert yaml.safe_load(got[1]["data"].pop("values.yaml")) == values
    del want[1]["data"]["values.yaml"]
    assert got == want  # the key no valuesFrom names is not looked into
    # the report names the file's own lines
    assert "gitops/%s:%d: ConfigMap 'web-values' data.values.yaml image: tag 1.5.0" % (
        VF, cm_tag - 1) in r.out, r.out
    assert "gitops/%s:%d: ConfigMap 'web-version' data.tag (HelmRelease 'web' targetPath " \
        "image.tag): 1.4.2 -> 1.5.0" % (VF, key_tag) in r.out, r.out
    assert not notices(r), r.out


def split_values_from(old):
    """The fixture as a HelmRelease file and a ConfigMap file."""
    docs = old.split("\n---\n")
    return docs[0] + "\n---\n" + docs[1] + "\n", "---\n" + "\n---\n".join(docs[2:])


@pytest.mark.parametrize("order", ["release-first", "configmap-first"])
def test_values_from_configmap_in_another_file(gb, tmp_path, order):
    """The ConfigMap in another file given to the same run: found whichever
    file comes first (every file is read before the first is edited)."""
    hr, cms = split_values_from(fixture(VF))
    files = {"web/release.yaml": hr, "web/values.yaml": cms}
    if order == "configmap-first":
        files = dict(reversed(list(files.items())))
    r, after = run_patch(gb, tmp_path, files, "ghcr.io/acme/web:1.5.0@" + D1)
    assert r.returncode == 0, r
    assert changed_fields(hr, after["web/release.yaml"]) == {
        (0, "spec", "values", "image", "tag"): "1.5.0",
        (0, "spec", "values", "image", "digest"): D1}
    # the values string gets a digest key (one line added in it), the tag key its tag
    old_cm, new_cm = list(yaml.safe_load_all(cms)), list(yaml.safe_load_all(after["web/values.yaml"]))
    assert yaml.safe_load(new_cm[0]["data"]["values.yaml"])["image"] == {
        "repository": "ghcr.io/acme/web", "tag": "1.5.0", "digest": D1, "pullPolicy": "Always"}
    assert new_cm[1]["data"]["tag"] == "1.5.0"
    for d in (old_cm, new_cm):
        del d[0]["data"]["values.yaml"], d[1]["data"]["tag"]
    assert old_cm == new_cm
    assert r.outputs()["files"].split("\n") == ["gitops/" + n for n in files]


def test_values_from_across_files_in_one_commit(gb, tmp_path, fake_github):  # noqa: F811
    """Commit mode: both manifests read at the branch head before either is
    edited, the ConfigMap's file and the HelmRelease's file in one commit."""
    hr, cms = split_values_from(fixture(VF))
    files = {"web/prod/values.yaml": cms, "web/prod/release.yaml": hr}
    seed_gitops(fake_github, files={k: v.encode() for k, v in files.items()})
    ev = dispatch_event(tmp_path, dispatch_payload(image="ghcr.io/acme/web:1.5.0"))
    r = gb([], patch_env(ev, fake_github, branch="sandbox", image="{image}",
                         manifest="\n".join(files)))
    assert r.returncode == 0, r
    [ours] = [c for c in fake_github.log(GITOPS, "sandbox") if c["message"].startswith("Deploy ")]
    assert sorted(ours["changes"]) == sorted(files)
    new = {p: fake_github.read(GITOPS, p, "sandbox").decode() for p in files}
    only_tags_changed(cms, new["web/prod/values.yaml"],
                      [line_of(cms, "      tag: 1.4.2   # bumped by CI"),
                       line_of(cms, '  tag: "1.4.2"')], "1.5.0")
    only_tags_changed(hr, new["web/prod/release.yaml"],
                      [line_of(hr, "      tag: 1.4.2          # bumped by CI")], "1.5.0")


def test_values_from_without_its_configmap_is_a_notice(gb, tmp_path):
    """A ConfigMap not among the files: a notice naming it at the entry's
    line, and the rest works as before."""
    hr, _ = split_values_from(fixture(VF))
    r, after = run_patch(gb, tmp_path, {"release.yaml": hr}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    assert changed_fields(hr, after["release.yaml"]) == {
        (0, "spec", "values", "image", "tag"): "1.5.0"}
    got = notices(r)
    assert [n.split("::")[1] for n in got] == [
        "notice file=gitops/release.yaml,line=%d" % line_of(hr, "    - kind: ConfigMap"),
        "notice file=gitops/release.yaml,line=%d" % (line_of(hr, "    - kind: ConfigMap") + 2)]
    assert "HelmRelease 'web' valuesFrom ConfigMap 'web-values' is not among the manifests" \
        in got[0]
    assert "ConfigMap 'web-version'" in got[1]
    assert "[!NOTE]" in r.summary


def test_values_from_configmap_of_another_namespace_is_not_it(gb, tmp_path):
    old = fixture(VF).replace("  name: web-values\n  namespace: web\n",
                              "  name: web-values\n  namespace: other\n")
    r, after = run_patch(gb, tmp_path, {VF: old}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    only_tags_changed(old, after[VF], [line_of(old, "      tag: 1.4.2          # bumped by CI"),
                                       line_of(old, '  tag: "1.4.2"')], "1.5.0")
    [n] = notices(r)
    assert "ConfigMap 'web-values' is not among the manifests" in n


SECRET_RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: api
spec:
  valuesFrom:
    - kind: Secret
      name: api-values
    - kind: Secret
      name: api-values
      valuesKey: extra.yaml
  values:
    image:
      repository: ghcr.io/acme/api
      tag: 1.0.0
---
apiVersion: v1
kind: Secret
metadata:
  name: api-values
data:
  values.yaml: aW1hZ2U6CiAgcmVwb3NpdG9yeTogZ2hjci5pby9hY21lL2FwaQogIHRhZzogMS4wLjAK
"""


def test_values_from_secret_is_never_edited_and_said_once(gb, tmp_path):
    r, after = run_patch(gb, tmp_path, {"api.yaml": SECRET_RELEASE}, "ghcr.io/acme/api:1.1.0")
    assert r.returncode == 0, r
    assert changed_fields(SECRET_RELEASE, after["api.yaml"]) == {
        (0, "spec", "values", "image", "tag"): "1.1.0"}
    [n] = notices(r)
    assert n.startswith("::notice file=gitops/api.yaml,line=7::"), n
    assert "Secret 'api-values'" in n and "never edited" in n and "base64" in n


NOTICE_FIRST = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: api
spec:
  valuesFrom:
    - kind: Secret
      name: api-values
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0.0
"""


def test_warnings_come_before_notices_found_earlier(gb, tmp_path):
    """The notice (line 7) is found before the warning (line 19): the log
    and the summary show warnings first, then notices, as they always did."""
    r, after = run_patch(gb, tmp_path, {"api.yaml": NOTICE_FIRST}, "ghcr.io/acme/api:1.1.0")
    assert r.returncode == 0, r
    notes = [l for l in r.out.splitlines() if l.startswith(("::warning", "::notice"))]
    assert [n.split("::")[1] for n in notes] == [
        "warning file=gitops/api.yaml,line=19", "notice file=gitops/api.yaml,line=7"], notes
    assert "imagePullPolicy unset" in notes[0] and "Secret 'api-values'" in notes[1]
    s = r.summary
    assert s.index("[!WARNING]") < s.index("[!NOTE]"), s
    assert s.count("[!WARNING]") == 1 and s.count("[!NOTE]") == 1, s


def test_values_from_target_path_without_a_known_repository(gb, tmp_path):
    """targetPath image.tag with no image.repository in spec.values: the
    tag belongs to the chart's default image, not known to be this one:
    not edited, a notice at the key's line says why and what to add."""
    old = fixture(VF).replace("      repository: ghcr.io/acme/web\n      tag: 1.4.2          #",
                              "      tag: 1.4.2          #")
    r, after = run_patch(gb, tmp_path, {VF: old}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    only_tags_changed(old, after[VF], [line_of(old, "      tag: 1.4.2   # bumped by CI")], "1.5.0")
    [n] = notices(r)
    assert n.startswith("::notice file=gitops/%s,line=%d::" % (VF, line_of(old, '  tag: "1.4.2"')))
    assert "no image.repository" in n and "not edited" in n


@pytest.mark.parametrize("target", [r"image\.v2.tag", "images[0].tag"])
def test_values_from_target_path_in_helm_set_syntax_is_said_as_such(gb, tmp_path, target):
    """A targetPath with an escaped dot or an index (Helm's --set syntax) is
    not followed: the notice says that, not that spec.values lacks the
    repository (it may well have it)."""
    old = fixture(VF).replace("targetPath: image.tag ", "targetPath: %s " % target)
    assert old != fixture(VF)
    r, after = run_patch(gb, tmp_path, {VF: old}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    [n] = notices(r)
    assert n.startswith("::notice file=gitops/%s,line=%d::" % (VF, line_of(old, '  tag: "1.4.2"')))
    assert "targetPath '%s' uses Helm's --set syntax" % target in n and "not edited" in n, n
    assert "no image.repository" not in n
    assert '  tag: "1.4.2"' in after[VF]


def test_values_from_target_path_holding_a_reference(gb, tmp_path):
    """targetPath at a one-string image (`image: repo:tag`): the key's value
    is a reference, set when it names the repository."""
    text = ("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: w\n"
            "spec:\n  valuesFrom:\n  - kind: ConfigMap\n    name: v\n    valuesKey: image\n"
            "    targetPath: worker.image\n  - kind: ConfigMap\n    name: v\n"
            "    valuesKey: other\n    targetPath: sidecar.image\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\ndata:\n"
            "  image: ghcr.io/acme/web:1.4.2\n  other: docker.io/library/nginx:1.27\n")
    r, after = run_patch(gb, tmp_path, {"w.yaml": text}, "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    assert changed_fields(text, after["w.yaml"]) == {(1, "data", "image"): "ghcr.io/acme/web:1.5.0"}


def test_values_from_nothing_matched_lists_the_configmap_images(gb, tmp_path):
    old = fixture(VF)
    r, after = run_patch(gb, tmp_path, {VF: old}, "ghcr.io/acme/api:2.0")
    assert r.returncode == 1, r
    assert after == {VF: old}
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    line = line_of(old, "        repository: bitnami/redis")
    assert "gitops/%s:%d ConfigMap 'web-values' data.values.yaml redis.image: " \
        "docker.io/bitnami/redis" % (VF, line) in err, err
