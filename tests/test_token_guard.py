"""tests/token_guard.py catches what it is there to catch."""
import subprocess

import pytest

import token_guard
from conftest import BIN, TOKEN


def expect_bypass(match, *args, **kw):
    n = len(token_guard.stats["violations"])
    with pytest.raises(AssertionError, match=match):
        subprocess.run(*args, **kw)
    assert len(token_guard.stats["violations"]) == n + 1
    del token_guard.stats["violations"][n:]  # made on purpose: not a failure of the suite


def test_running_the_binary_around_run_gb_fails():
    expect_bypass(r"a subprocess runs .*gitops-bump outside run_gb", [BIN, "--version"],
                  capture_output=True)


def test_giving_a_program_the_token_around_run_gb_fails():
    expect_bypass(r"passes the test token in \$GH_TOKEN outside run_gb", ["true"],
                  env={"GH_TOKEN": TOKEN})


def test_run_gb_is_counted(gb):
    before = token_guard.stats["checked"]
    assert gb(["--version"]).returncode == 0
    assert token_guard.stats["checked"] == before + 1


@pytest.mark.gb_direct("checks the guard itself")
def test_a_marked_direct_run_still_has_its_output_checked():
    with pytest.raises(AssertionError, match="the token leaked into the stdout"):
        subprocess.run(["sh", "-c", 'echo "x $GH_TOKEN"'], env={"GH_TOKEN": TOKEN},
                       capture_output=True)
    r = subprocess.run(["sh", "-c", 'echo "::add-mask::$GH_TOKEN"; echo ok'],
                       env={"GH_TOKEN": TOKEN}, capture_output=True, text=True)
    assert r.stdout.endswith("ok\n")


def test_looking_at_the_binary_is_not_running_it():
    r = subprocess.run(["file", "-bL", BIN], capture_output=True, text=True)
    assert r.returncode == 0 and "ELF" in r.stdout
