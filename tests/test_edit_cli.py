"""`gitops-bump edit` as a command: files, modes, atomic replacement, errors."""
import os
import stat

import pytest

DOC = b"# deploy\nspec:\n  image: app:1   # pinned\n"


def listing(d):
    return sorted(p.name for p in d.iterdir())


def test_in_place_replaces_atomically_and_keeps_mode(gb, tmp_path):
    f = tmp_path / "deploy.yaml"
    f.write_bytes(DOC)
    f.chmod(0o640)
    before = f.stat()
    res = gb(["edit", str(f), "-i", "--set", "spec.image=app:2"], actions=False)
    assert res.returncode == 0, res
    assert res.stdout == b""
    assert f.read_bytes() == DOC.replace(b"app:1", b"app:2")
    after = f.stat()
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert after.st_ino != before.st_ino, "not replaced by rename"
    assert listing(tmp_path) == ["deploy.yaml"], "a temporary file was left behind"
    assert "'spec.image': 1 changed, 0 created, 0 already set" in res.err


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_in_place_keeps_owner_as_root(gb, tmp_path):
    f = tmp_path / "deploy.yaml"
    f.write_bytes(DOC)
    os.chown(f, 1234, 5678)
    res = gb(["edit", str(f), "-i", "--set", "spec.image=app:2"], actions=False)
    assert res.returncode == 0, res
    st = f.stat()
    assert (st.st_uid, st.st_gid) == (1234, 5678)


def test_in_place_unchanged_file_is_not_rewritten(gb, tmp_path):
    f = tmp_path / "deploy.yaml"
    f.write_bytes(DOC)
    ino = f.stat().st_ino
    res = gb(["edit", str(f), "-i", "--set", "spec.image=app:1"], actions=False)
    assert res.returncode == 0, res
    assert f.stat().st_ino == ino
    assert f.read_bytes() == DOC
    assert "0 changed, 0 created, 1 already set" in res.err


@pytest.mark.parametrize("args", [
    ["--set", "spec.nothere.a.b.c=x"],          # resolves nowhere
    ["--set", "spec.image.x=1"],                # through a scalar
    ["--marker", "lastCommitMsg=x"],            # no marker
    ["--set", "spec.image=\udcff"],             # not UTF-8
])
def test_failure_leaves_file_byte_identical(gb, tmp_path, args):
    f = tmp_path / "deploy.yaml"
    f.write_bytes(DOC)
    f.chmod(0o600)
    mtime = f.stat().st_mtime_ns
    res = gb(["edit", str(f), "-i", *[os.fsencode(a) for a in args]], actions=False)
    assert res.returncode in (1, 2), res
    assert res.stdout == b""
    assert len(res.err.strip().split("\n")) == 1, res
    assert f.read_bytes() == DOC
    assert f.stat().st_mtime_ns == mtime
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert listing(tmp_path) == ["deploy.yaml"]


def test_invalid_yaml_in_place_untouched(gb, tmp_path):
    f = tmp_path / "bad.yaml"
    data = b"a: [1,\nb: 2\n"
    f.write_bytes(data)
    res = gb(["edit", str(f), "-i", "--set", "b=3"], actions=False)
    assert res.returncode == 1
    assert "is not valid YAML" in res.err
    assert f.read_bytes() == data


def test_output_file(gb, tmp_path):
    f = tmp_path / "in.yaml"
    out = tmp_path / "out.yaml"
    f.write_bytes(DOC)
    old_umask = os.umask(0o022)
    try:
        res = gb(["edit", str(f), "-o", str(out), "--set", "spec.image=app:3"], actions=False)
    finally:
        os.umask(old_umask)
    assert res.returncode == 0, res
    assert out.read_bytes() == DOC.replace(b"app:1", b"app:3")
    assert f.read_bytes() == DOC
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    out.chmod(0o600)  # an existing output keeps its mode
    res = gb(["edit", str(f), f"--output={out}", "--set", "spec.image=app:4"], actions=False)
    assert res.returncode == 0, res
    assert out.read_bytes() == DOC.replace(b"app:1", b"app:4")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_output_dash_is_stdout(gb, tmp_path):
    f = tmp_path / "in.yaml"
    f.write_bytes(DOC)
    res = gb(["edit", str(f), "-o", "-", "--set", "spec.image=x"], actions=False)
    assert res.returncode == 0 and res.stdout == DOC.replace(b"app:1", b"x")


def test_symlink_edits_target(gb, tmp_path):
    target = tmp_path / "real.yaml"
    link = tmp_path / "link.yaml"
    target.write_bytes(DOC)
    link.symlink_to(target.name)
    res = gb(["edit", str(link), "-i", "--set", "spec.image=x"], actions=False)
    assert res.returncode == 0, res
    assert link.is_symlink()
    assert target.read_bytes() == DOC.replace(b"app:1", b"x")


def test_diff_with_in_place(gb, tmp_path):
    f = tmp_path / "d.yaml"
    f.write_bytes(DOC)
    res = gb(["edit", str(f), "-i", "--diff", "--set", "spec.image=x"], actions=False)
    assert res.returncode == 0, res
    assert f.read_bytes() == DOC.replace(b"app:1", b"x")
    assert res.out == (f"--- a/{f}\n+++ b/{f}\n@@ -1,3 +1,3 @@\n # deploy\n spec:\n"
                       "-  image: app:1   # pinned\n+  image: x   # pinned\n")


def test_diff_unchanged_prints_nothing(gb, tmp_path):
    f = tmp_path / "d.yaml"
    f.write_bytes(DOC)
    res = gb(["edit", str(f), "--diff", "--set", "spec.image=app:1"], actions=False)
    assert res.returncode == 0 and res.stdout == b""


@pytest.mark.parametrize("args,msg", [
    (["-", "-i", "--set", "a=1"], "-i needs a file, not stdin"),
    (["f.yaml", "-i", "-o", "x", "--set", "a=1"], "-i and -o exclude each other"),
    (["--set", "a=1"], "no FILE given"),
    (["a.yaml", "b.yaml", "--set", "a=1"], "more than one file"),
    (["f.yaml", "--set"], "missing value after '--set'"),
    (["f.yaml", "--set", "novalue"], "--set needs PATH=VALUE"),
    (["f.yaml", "--marker", "novalue"], "--marker needs NAME=VALUE"),
    (["f.yaml", "--marker", "a b=x"], "bad marker name"),
])
def test_usage_errors(gb, tmp_path, args, msg):
    res = gb(["edit", *args], actions=False, cwd=tmp_path)
    assert res.returncode == 2, res
    assert msg in res.err
    assert res.stdout == b""


def test_help(gb):
    res = gb(["edit", "--help"], actions=False)
    assert res.returncode == 0
    assert "usage: gitops-bump edit FILE --set PATH=VALUE" in res.out
    assert "[key=value]" in res.out


def test_missing_file(gb, tmp_path):
    res = gb(["edit", str(tmp_path / "nope.yaml"), "--set", "a=1"], actions=False)
    assert res.returncode == 1
    assert "cannot read" in res.err and "No such file" in res.err


def test_too_large(gb, tmp_path):
    f = tmp_path / "big.yaml"
    with open(f, "wb") as fh:
        fh.write(b"a: 1\n" * ((32 << 20) // 5 + 1))
    res = gb(["edit", str(f), "--set", "a=2"], actions=False)
    assert res.returncode == 1
    assert "is too large to edit (over 32 MiB)" in res.err


def test_actions_annotation_names_file_and_line(gb, tmp_path):
    f = tmp_path / "deploy.yaml"
    f.write_bytes(b"a: 1\nspec:\n  containers:\n  - name: app\n")
    res = gb(["edit", str(f), "--set", "spec.containers[name=web].image=x"])
    assert res.returncode == 1
    assert res.out.startswith(f"::error file={f},line=4::")  # where the sequence starts
    assert "::add-mask::" not in res.out  # stdout is data for edit
    assert "(found: app)" in res.out
    assert res.out.count("\n") == 1


def test_undefined_alias_refused_with_file_and_line(gb, tmp_path):
    """libyaml's event parser lets `*base` through without a `&base` before
    it in its document; its loader, go-yaml and PyYAML refuse the file, and
    so does edit, naming the alias's line."""
    import yaml
    f = tmp_path / "deploy.yaml"
    data = b"base: &base {cpu: 1}\nname: a\n---\nlimits: *base\nname: a\n"
    f.write_bytes(data)
    with pytest.raises(yaml.composer.ComposerError, match="found undefined alias"):
        list(yaml.safe_load_all(data))
    res = gb(["edit", str(f), "-i", "--set", "name=b"], actions=False)
    assert res.returncode == 1
    assert res.err == (f"gitops-bump: error: {f}:4: '{f}' is not valid YAML: alias '*base' "
                       "has no anchor '&base' before it in its document\n")
    assert f.read_bytes() == data
    res = gb(["edit", str(f), "--set", "name=b"])
    assert res.returncode == 1
    assert res.out.startswith(f"::error file={f},line=4::")
    assert res.stdout.count(b"\n") == 1
