"""bench/dispatch.py works (a few rounds; the figures themselves are the
benchmark's business, not a test's)."""
import subprocess
import sys

from conftest import BIN, ROOT


def test_bench_dispatch_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "dispatch.py"), "--runs", "3",
                           "--binary", BIN], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "ASAN_OPTIONS": "detect_leaks=1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("dispatch benchmark: 3 runs of each")
    assert any(l.strip().startswith("curl") and "median" in l for l in lines)
    assert any("x curl (goal <= 1.3x:" in l for l in lines)
