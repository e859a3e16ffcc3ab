"""entrypoint.sh, the launcher for running outside a container: it finds the
binary and keeps the environment contract, including hyphenated INPUT_
variables, which POSIX shells drop (the launcher re-exports them with
underscores)."""
import os
import shutil
import stat

import pytest

from conftest import BIN, ROOT

LAUNCHER = ROOT / "entrypoint.sh"
SHELLS = ["dash", "bash"]
# A value that quoting, word splitting and substitution would all damage,
# with a newline inside (the binary trims blanks at either end, as
# @actions/core's getInput does).
NASTY = "it's $(echo no) `echo no` \\ \"q\" * %s\nline 2"


def launch(gb, shell, env, args=(), launcher=LAUNCHER, **kw):
    return gb([str(launcher), *args], env, binary=shutil.which(shell), **kw)


@pytest.mark.parametrize("shell", SHELLS)
def test_hyphenated_input_reaches_the_binary(gb, shell):
    # 'dry-run' is validated before the mode runs, and the error quotes it.
    res = launch(gb, shell, {"GITOPS_BUMP": BIN, "INPUT_MODE": "dispatch",
                             "INPUT_DRY-RUN": NASTY}, actions=False)
    assert res.returncode == 2, res
    want = NASTY.replace("\n", "\\n")  # the plain error line shows newlines as \\n
    assert f"input 'dry-run' must be true or false, not '{want}'" in res.err, res


def test_plain_dash_drops_it(gb):
    """Why the launcher does what it does: without it, dash loses the input."""
    res = gb(["-c", f'exec "{BIN}"'], {"INPUT_MODE": "dispatch", "INPUT_DRY-RUN": "maybe"},
             binary=shutil.which("dash"), actions=False)
    assert "dry-run" not in res.err, res


@pytest.mark.parametrize("shell", SHELLS)
def test_underscore_spelling_wins_when_both_are_set(gb, shell):
    res = launch(gb, shell, {"GITOPS_BUMP": BIN, "INPUT_MODE": "dispatch",
                             "INPUT_DRY-RUN": "hyphen", "INPUT_DRY_RUN": "underscore"},
                 actions=False)
    assert res.returncode == 2, res
    # bash passes both; the binary prefers the hyphenated spelling, as the
    # runner sets it.  dash passes only the underscore one.
    want = "hyphen" if shell == "bash" else "underscore"
    assert f"not '{want}'" in res.err, res


def stub_tree(tmp_path, where):
    """A copy of the launcher with a stub binary at `where` (relative)."""
    root = tmp_path / "tree"
    root.mkdir()
    shutil.copy(LAUNCHER, root / "entrypoint.sh")
    stub = root / where
    stub.parent.mkdir(parents=True, exist_ok=True)
    stub.write_text(f'#!/bin/sh\necho "stub {where} $*"\n')
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return root


@pytest.mark.parametrize("where", ["build/static/gitops-bump", "build/gitops-bump"])
def test_finds_the_binary_next_to_it(gb, tmp_path, where):
    root = stub_tree(tmp_path, where)
    res = launch(gb, "dash", {"PATH": "/usr/bin:/bin"}, ["--version", "a b"],
                 launcher=root / "entrypoint.sh", actions=False)
    assert res.returncode == 0, res
    assert res.out == f"stub {where} --version a b\n"


def test_static_binary_preferred(gb, tmp_path):
    root = stub_tree(tmp_path, "build/gitops-bump")
    stub_tree_static = root / "build" / "static" / "gitops-bump"
    stub_tree_static.parent.mkdir(parents=True)
    stub_tree_static.write_text('#!/bin/sh\necho static\n')
    stub_tree_static.chmod(0o755)
    res = launch(gb, "dash", {"PATH": "/usr/bin:/bin"}, launcher=root / "entrypoint.sh",
                 actions=False)
    assert res.out == "static\n", res


def test_binary_on_path(gb, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(BIN, bindir / "gitops-bump")
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(LAUNCHER, alone / "entrypoint.sh")
    res = launch(gb, "dash", {"PATH": f"{bindir}:/usr/bin:/bin"}, ["--version"],
                 launcher=alone / "entrypoint.sh", actions=False)
    assert res.returncode == 0, res
    assert res.out.startswith("gitops-bump "), res


def test_not_found_is_one_clear_error(gb, tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(LAUNCHER, alone / "entrypoint.sh")
    res = launch(gb, "dash", {"PATH": "/usr/bin:/bin"}, launcher=alone / "entrypoint.sh",
                 actions=False)
    assert res.returncode == 1, res
    assert res.err == ("entrypoint.sh: gitops-bump not found: build it with 'make static' "
                       "or put it on PATH\n")
