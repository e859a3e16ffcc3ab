"""The allocation-failure torture, bounded (tests/torture.py --mode sites): in
every scenario, the first allocation of each distinct call site fails once.
No crash, no leak, one clean error line or an undisturbed result (the step
summary may be missing if a warning says so).  The full run (every N, and
every allocation from N on) is `make torture`."""
import io
import os
import pathlib

import pytest

import torture
from conftest import UNIT_DIR

BINARY = pathlib.Path(os.environ.get("GB_TORTURE_BINARY") or
                       pathlib.Path(UNIT_DIR).parent.parent / "torture" / "gitops-bump")


@pytest.fixture(scope="module")
def runner():
    assert BINARY.exists(), f"{BINARY} not built (run make unit)"
    r = torture.Runner(BINARY, os.cpu_count() or 2)
    yield r
    r.stop()


@pytest.mark.parametrize("scenario", torture.SCENARIOS, ids=lambda s: s.name)
def test_every_allocation_site_fails_cleanly(runner, scenario):
    out = io.StringIO()
    figures = torture.torture(runner, scenario, "sites", out=out)
    assert figures["bad"] == 0, out.getvalue()
    assert figures["runs"] == figures["sites"] > 0
    # each run was absorbed, degraded (summary only, and said so) or one clean error
    assert set(figures["stats"]) <= {"absorbed", "degraded", "error"}, figures
