"""`make demo` (scripts/demo.sh) runs end to end against the bundled fake."""
import os
import subprocess

from conftest import BIN, ROOT


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
