"""bench/patch.py works (a few rounds; the figures are the benchmark's
business, not a test's)."""
import subprocess
import sys

from conftest import BIN, ROOT

ENV = {"PATH": "/usr/bin:/bin", "ASAN_OPTIONS": "detect_leaks=1"}


def test_bench_patch_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "patch.py"), "--runs", "3",
                           "--binary", BIN], capture_output=True, text=True, timeout=300,
                          env=ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("patch benchmark: 3 rounds")
    assert any("requests per commit: 2 (goal 2: met)" in l for l in lines)
    assert any(l.strip().startswith("curl + sed") and "median" in l for l in lines)
    assert any(l.strip().startswith("2 bare curl") and "median" in l for l in lines)
    assert any("x two bare curl processes" in l for l in lines)
