"""Runs every C unit-test program (tests/unit/test_*.c, built with sanitizers)."""
import pathlib
import subprocess

import pytest

from conftest import ROOT, SAN_ENV, UNIT_DIR

SOURCES = sorted((ROOT / "tests" / "unit").glob("test_*.c"))


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_unit_program(src):
    prog = pathlib.Path(UNIT_DIR) / src.stem
    assert prog.exists(), f"{prog} not built (run make unit)"
    proc = subprocess.run([str(prog)], capture_output=True, text=True, env=SAN_ENV,
                          cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " checks, 0 failed" in proc.stdout
