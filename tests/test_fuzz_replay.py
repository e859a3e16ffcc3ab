"""The fuzz targets' invariants on the seeds and on every input that once
failed (fuzz/regress/NAME), through the replay build of each target
(build/asan/fuzz-replay-NAME: the test compiler and sanitizers, no libFuzzer;
see mk/fuzz.mk).  `make fuzz` explores further; this keeps what it found."""
import pathlib
import subprocess

import pytest

from conftest import ROOT, SAN_ENV, UNIT_DIR

FUZZ = ROOT / "fuzz"
NAMES = sorted(p.stem[len("fuzz_"):] for p in FUZZ.glob("fuzz_*.c"))


@pytest.fixture(scope="module")
def generated_seeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds")
    subprocess.run(["sh", str(FUZZ / "seeds.sh"), str(out)], cwd=ROOT, check=True)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_replay(name, generated_seeds):
    prog = pathlib.Path(UNIT_DIR).parent / ("fuzz-replay-" + name)
    assert prog.exists(), f"{prog} not built (run make unit)"
    dirs = [d for d in (FUZZ / "seeds" / name, FUZZ / "regress" / name, generated_seeds / name)
            if d.is_dir()]
    assert dirs, f"no seeds for fuzz target {name}"
    proc = subprocess.run([str(prog), *map(str, dirs)], capture_output=True, text=True,
                          env=SAN_ENV, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    count = int(proc.stderr.strip().splitlines()[-1].split()[0])
    assert count == sum(1 for d in dirs for f in d.rglob("*") if f.is_file())
