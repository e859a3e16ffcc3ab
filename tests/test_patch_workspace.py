"""patch with `commit: false`: only the checked-out file changes, keeping its
mode and owner; no API request, no token needed."""
import os
import stat

import pytest

from patch_util import (ARTICLE_YAML, MANIFEST, article_payload, dispatch_event,
                        dispatch_payload, patch_env)


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "workspace"
    f = ws / MANIFEST
    f.parent.mkdir(parents=True)
    f.write_bytes(ARTICLE_YAML)
    return ws


def test_edits_the_workspace_keeping_mode_and_owner(gb, workspace, tmp_path):
    f = workspace / MANIFEST
    os.chmod(f, 0o640)
    if os.geteuid() == 0:
        os.chown(f, 1001, 127)  # the runner's user, as actions/checkout leaves it
    before = os.stat(f)
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, workspace=workspace, commit="false", value="{subject}"),
           token=None)
    assert r.returncode == 0, r
    after = os.stat(f)
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced atomically, not rewritten in place
    assert f.read_bytes() == ARTICLE_YAML.replace(b"Last git commit is shown in here",
                                                  b"a1b2c3d Fix login")
    assert sorted(os.listdir(f.parent)) == ["sandbox-deploy.yaml"]  # no temporary left
    out = r.outputs()
    assert out["changed"] == "true" and out["commit-sha"] == "" and out["files"] == MANIFEST
    assert "in the workspace" in r.out


def test_workspace_dry_run_writes_nothing(gb, workspace, tmp_path):
    f = workspace / MANIFEST
    before = os.stat(f)
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, workspace=workspace, commit="false", dry_run="true"), token=None)
    assert r.returncode == 0, r
    assert f.read_bytes() == ARTICLE_YAML and os.stat(f).st_ino == before.st_ino
    assert r.outputs()["changed"] == "true" and "+++ b/" + MANIFEST in r.outputs()["diff"]


def test_workspace_unchanged_is_not_rewritten(gb, workspace, tmp_path):
    f = workspace / MANIFEST
    ev = dispatch_event(tmp_path, article_payload())
    env = patch_env(ev, workspace=workspace, commit="false", value="fixed")
    assert gb([], env, token=None).returncode == 0
    ino = os.stat(f).st_ino
    again = tmp_path / "again"
    again.mkdir()
    r = gb([], env, token=None, tmp_path=again)
    assert r.returncode == 0, r
    assert os.stat(f).st_ino == ino
    assert r.outputs()["changed"] == "false"


def test_symlinked_directory_is_not_followed(gb, tmp_path):
    outside = tmp_path / "outside"
    (outside / "sandbox").mkdir(parents=True)
    target = outside / "sandbox" / "sandbox-deploy.yaml"
    target.write_bytes(ARTICLE_YAML)
    ws = tmp_path / "workspace"
    ws.mkdir()
    os.symlink(outside, ws / "product")
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, workspace=ws, commit="false"), token=None)
    assert r.returncode == 1, r
    assert "symbolic link" in r.out
    assert target.read_bytes() == ARTICLE_YAML


def test_symlinked_manifest_is_not_followed(gb, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(ARTICLE_YAML)
    f = tmp_path / "workspace" / MANIFEST
    f.parent.mkdir(parents=True)
    os.symlink(outside, f)
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, workspace=tmp_path / "workspace", commit="false"), token=None)
    assert r.returncode == 1, r
    assert "::error file=%s::" % MANIFEST in r.out and "symbolic link" in r.out
    assert outside.read_bytes() == ARTICLE_YAML


def test_workspace_missing_manifest(gb, tmp_path):
    (tmp_path / "workspace").mkdir()
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, workspace=tmp_path / "workspace", commit="false"), token=None)
    assert r.returncode == 1, r
    assert "manifest '%s' not found in the workspace" % MANIFEST in r.out


def test_workspace_needs_github_workspace(gb, tmp_path):
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, commit="false"), token=None)
    assert r.returncode == 2, r
    assert "GITHUB_WORKSPACE" in r.out
