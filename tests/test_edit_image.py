"""`gitops-bump edit --image`: the image finder of patch mode's `image` input
on the command line, for one file.

The command and the action must write the same bytes: every golden case of
tests/test_images.py is run both ways and compared, and checked again by the
independent loader there (PyYAML's composer)."""
import pytest

from test_images import D1, D2, GOLDEN, changed_fields, fixture, run_patch


def targets(log, prefix):
    """The "FILE:LINE: where: what" lines of a log (not warnings), as
    "LINE: where: what"."""
    return sorted(l.split(prefix, 1)[1] for l in log.splitlines()
                  if prefix in l and "warning" not in l.split(prefix, 1)[0]
                  and "::" not in l.split(prefix, 1)[0])


def edit(gb, tmp_path, text, *args, name="m.yaml"):
    """`edit FILE -i ARGS...` on a file holding `text`: the result and the
    file's text after it."""
    f = tmp_path / name
    f.write_text(text)
    r = gb(["edit", str(f), "-i", *args], actions=False)
    return r, f.read_text()


@pytest.mark.parametrize("name,image,want", GOLDEN,
                         ids=["%s-%d" % (g[0].split(".")[0], i) for i, g in enumerate(GOLDEN)])
def test_golden_same_bytes_as_the_action(gb, tmp_path, name, image, want):
    old = fixture(name)
    r, new = edit(gb, tmp_path, old, "--image", image, name=name)
    assert r.returncode == 0, r
    assert changed_fields(old, new) == want
    rp, after = run_patch(gb, tmp_path / "patch", {name: old}, image)
    assert rp.returncode == 0, rp
    assert new == after[name]
    # where the image went, by line and kind, in patch mode's words
    assert targets(r.err, "%s:" % (tmp_path / name)) == targets(rp.out, "gitops/%s:" % name)
    assert targets(r.err, "%s:" % (tmp_path / name))


def test_container_narrows_and_stdout_by_default(gb, tmp_path):
    old = fixture("deployment-sidecars.yaml")
    f = tmp_path / "d.yaml"
    f.write_text(old)
    r = gb(["edit", str(f), "--image", "ghcr.io/acme/web:1.5.0@" + D2, "--container", "web"],
           actions=False)
    assert r.returncode == 0, r
    assert f.read_text() == old  # no -i: the file is not touched
    assert changed_fields(old, r.stdout.decode()) == {
        (0, "spec", "template", "spec", "containers", 0, "image"): "ghcr.io/acme/web:1.5.0@" + D2,
        (1, "spec", "template", "spec", "containers", 0, "image"): "ghcr.io/acme/web:1.5.0@" + D2,
    }


def test_with_set_in_one_call_same_as_two(gb, tmp_path):
    """--image and --set together write what the two calls one after the
    other write, and each is reported."""
    old = fixture("deployment-sidecars.yaml")
    image = ("--image", "ghcr.io/acme/web:1.5.0@" + D1, "--container", "web")
    ann = ("--set", "[kind=Deployment].spec.template.metadata.annotations.rev=r2")
    r, both = edit(gb, tmp_path, old, *image, *ann)
    assert r.returncode == 0, r
    assert "'[kind=Deployment].spec.template.metadata.annotations.rev': 0 changed, 1 created" \
        in r.err
    assert "Deployment container 'web'" in r.err
    r1, first = edit(gb, tmp_path, old, *image, name="two.yaml")
    r2, second = edit(gb, tmp_path, first, *ann, name="two.yaml")
    assert r1.returncode == r2.returncode == 0, (r1, r2)
    assert both == second and first != old and second != first
    assert "        rev: r2\n" in both and "ghcr.io/acme/web:1.5.0@" + D1 in both


def test_nothing_matched_lists_what_was_found_and_writes_nothing(gb, tmp_path):
    old = fixture("deployment-sidecars.yaml")
    r, new = edit(gb, tmp_path, old, "--image", "ghcr.io/acme/api:2.0")
    assert r.returncode == 1, r
    assert new == old
    err = [l for l in r.err.splitlines() if "error" in l]
    assert len(err) == 1, r.err
    assert "no image of repository 'ghcr.io/acme/api'" in err[0]
    assert "m.yaml:26 Deployment container 'web': ghcr.io/acme/web:1.4.2" in err[0]
    assert "m.yaml:22 Deployment init container 'wait-for-db': busybox:1.36" in err[0]


def test_container_that_matches_nothing_is_said(gb, tmp_path):
    old = fixture("deployment-sidecars.yaml")
    r, new = edit(gb, tmp_path, old, "--image", "ghcr.io/acme/web:1.5.0", "--container", "nope")
    assert r.returncode == 1, r
    assert new == old
    assert "in a container named 'nope'" in r.err


def test_mutable_tag_warns_with_file_and_line(gb, tmp_path):
    old = fixture("deployment-sidecars.yaml")
    r, _ = edit(gb, tmp_path, old, "--image", "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    warns = [l for l in r.err.splitlines() if "warning" in l]
    assert len(warns) == 2, r.err
    assert "m.yaml:19" in warns[0] and "imagePullPolicy unset" in warns[0]
    assert "m.yaml:26" in warns[1] and "IfNotPresent" in warns[1]
    r, _ = edit(gb, tmp_path, old, "--image", "ghcr.io/acme/web:1.5.0@" + D2)
    assert r.returncode == 0, r
    assert "warning" not in r.err


def test_values_from_configmap_in_the_same_file(gb, tmp_path):
    old = fixture("helmrelease-valuesfrom.yaml")
    r, new = edit(gb, tmp_path, old, "--image", "ghcr.io/acme/web:1.5.0")
    assert r.returncode == 0, r
    rp, after = run_patch(gb, tmp_path / "patch", {"m.yaml": old}, "ghcr.io/acme/web:1.5.0")
    assert rp.returncode == 0, rp
    assert new == after["m.yaml"] and new != old


def test_stdin_and_diff(gb, tmp_path):
    old = fixture("kustomization-with.yaml")
    r = gb(["edit", "-", "--image", "ghcr.io/acme/web:1.5.0", "--diff"], actions=False,
           input=old.encode())
    assert r.returncode == 0, r
    out = r.stdout.decode()
    assert "+++ b/<stdin>" in out
    assert [l for l in out.splitlines() if l.startswith("+") and not l.startswith("+++")] == \
        ["+    newTag: '1.5.0'"], out


@pytest.mark.parametrize("args,msg", [
    (["--image", "Acme/Web:1"], "--image is not an image reference"),
    (["--image", ""], "--image is not an image reference"),
    (["--image", "web:1", "--image", "web:2"], "more than one --image"),
    (["--container", "web"], "needs --image"),
    (["--image", "web:1", "--container", ""], "--container needs a name"),
])
def test_usage_errors_exit_2_before_the_file_is_read(gb, tmp_path, args, msg):
    r = gb(["edit", str(tmp_path / "absent.yaml"), *args], actions=False)
    assert r.returncode == 2, r
    assert msg in r.err, r.err
    assert "cannot read" not in r.err
