"""bench/patch.py works (a few rounds; the figures are the benchmark's
business, not a test's)."""
import subprocess
import sys

import pytest

from conftest import BIN, ROOT

ENV = {"PATH": "/usr/bin:/bin", "ASAN_OPTIONS": "detect_leaks=1"}


@pytest.mark.gb_direct("bench/patch.py runs the binary with its own throwaway token and "
                       "drops its stdout; no token may show in what the benchmark prints")
def test_bench_patch_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "patch.py"), "--runs", "3",
                           "--binary", BIN], capture_output=True, text=True, timeout=300,
                          env=ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ghs_" not in proc.stdout + proc.stderr  # the bench token's prefix
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("patch benchmark: 3 rounds")
    assert any("requests per commit: 2 (goal 2: met)" in l for l in lines)
    assert any(l.strip().startswith("curl + sed") and "median" in l for l in lines)
    assert any(l.strip().startswith("2 bare curl") and "median" in l for l in lines)
    assert any("x two bare curl processes" in l for l in lines)


@pytest.mark.gb_direct("bench/patch_race.py runs the binary with its own throwaway token and "
                       "checks each receiver's output for it itself")
def test_bench_patch_race_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "patch_race.py"), "--runs", "1",
                           "--receivers", "3", "--get-delay", "0", "--put-delay", "0",
                           "--binary", BIN], capture_output=True, text=True, timeout=300,
                          env=ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ghs_" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("patch race: 3 receivers at once on one file, 1 runs")
    assert lines[-1].startswith("all: 3 receivers, 3 landed, 0 gave up")
