"""`make demo` (scripts/demo.sh) runs end to end against the bundled fake."""
import os
import subprocess

import pytest

from conftest import BIN, ROOT


@pytest.mark.gb_direct("scripts/demo.sh runs the binary with its own throwaway token and "
                       "fails if that token shows in the log or the outputs")
def test_demo_runs():
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "ASAN_OPTIONS": "detect_leaks=1", "PYTHON": "/usr/bin/python3"}
    proc = subprocess.run(["sh", str(ROOT / "scripts" / "demo.sh"), BIN], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "sent 'product' to 'acme/gitops-repo'" in out
    assert '"event_type": "product"' in out
    assert "github.event.client_payload.commitmsg     = 4f7c9e1 Fix \"login\"" in out
    assert "\x1b[" not in out  # no terminal escapes when not on a terminal
    # one service through a kustomize overlay, one through a Helm values file
    assert "web/overlays/sandbox/kustomization.yaml:17: Kustomization images entry " \
           "'ghcr.io/acme/web': newTag 1.5.0, digest sha256:9b2c" in out
    assert "+    digest: sha256:9b2c" in out
    assert "api/sandbox/values.yaml:8: values image: tag 1.5.0, digest sha256:9b2c" in out
    assert "+  image: ghcr.io/acme/api:1.5.0@sha256:9b2c" in out
    # issue 12: the loop closes at Argo CD's verdict, and the sender's wait
    # returns the GitOps commit
    assert "| deploy-state=success" in out
    assert "| gitops-commit-url=https://github.com/acme/gitops-repo/commit/" in out
    assert "success     committed" in out and "Argo CD: Synced and Healthy" in out
    # pull-request mode: mode land finishes the deployment after the merge
    assert "queued      pull request opened, waits for review" in out
    assert "success     merged " in out and "pull request #1 merged as " in out
