"""`make demo` (scripts/demo.sh) tells the whole story: push -> dispatch ->
the GitOps repo receives it -> patch with the runner's event -> the commit."""
import os
import subprocess

import pytest

from conftest import BIN, ROOT


def run_demo():
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "ASAN_OPTIONS": "detect_leaks=1", "PYTHON": "/usr/bin/python3"}
    proc = subprocess.run(["sh", str(ROOT / "scripts" / "demo.sh"), BIN], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.gb_direct("scripts/demo.sh runs the binary with its own throwaway token and "
                       "fails if that token shows in either step's output")
def test_demo_patches_and_commits():
    out = run_demo()
    assert "== 5. acme/gitops-repo's workflow" in out
    assert "| GET /repos/acme/gitops-repo/contents/product/sandbox/sandbox-deploy.yaml" \
        "?ref=sandbox -> 200" in out
    assert "| PUT /repos/acme/gitops-repo/contents/product/sandbox/sandbox-deploy.yaml -> 200" \
        in out
    assert "the commit is Verified" in out
    assert "Deploy product to sandbox: acme/product-service@4f7c9e1" in out
    assert '-          value: "<lastCommitMsg>Last git commit is shown in here' in out
    assert "LAST_COMMIT_MSG, read back by a YAML parser" in out
    assert "appeared nowhere in any step's output" in out
