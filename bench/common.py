"""What the benchmarks share: timing a process, its peak RSS, and the fake
GitHub (tests/fakegh.py) started on a free port for the length of a run."""
import argparse
import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def versus_curl_args(doc, runs_help):
    """The command line of a benchmark against curl: --binary (repeatable),
    --runs, --curl."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--binary", action="append",
                    help="a gitops-bump binary to measure, repeatable (default build/gitops-bump)")
    ap.add_argument("--runs", type=int, default=200, help=runs_help)
    ap.add_argument("--curl", default=shutil.which("curl") or "curl")
    return ap.parse_args()


def p90(v):
    return sorted(v)[int(0.9 * len(v))]


def run(cmd, env):
    """Wall seconds of one process; stdout dropped."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (cmd[0], p.returncode,
                                               p.stderr.decode(errors="replace")))
    return dt


def peak_rss(cmd, env):
    """Peak RSS (KiB) of one process, measured by GNU time: a child forked
    straight from this (large) Python process would report Python's RSS,
    as the kernel counts the pages a child had before its exec."""
    if not TIME:
        return None
    p = subprocess.run([TIME, "-f", "%M", "-o", "/dev/stderr", "--"] + cmd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("bench: %s failed under time: %s" % (cmd[0], p.stderr.decode(errors="replace")))
    return int(p.stderr.decode().strip().splitlines()[-1])


def fake_get(url, path, method="GET"):
    """A control request to the fake (/_fake/...); its JSON answer."""
    req = urllib.request.Request(url + path, method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
    return json.loads(body) if body else None


@contextlib.contextmanager
def fake_github(seed, prefix):
    """Start the fake with `seed` (its seed format); yields (url, work dir),
    stops it and removes the work dir afterwards."""
    work = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    (work / "seed.json").write_text(json.dumps(seed))
    fake = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fakegh.py"), "--port", "0",
                             "--seed", str(work / "seed.json"), "--url-file", str(work / "url")],
                            stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if (work / "url").exists():
                break
            time.sleep(0.05)
        else:
            sys.exit("bench: the fake GitHub did not start")
        yield (work / "url").read_text().strip(), work
    finally:
        fake.terminate()
        fake.wait()
        shutil.rmtree(work, ignore_errors=True)


def name_of(binary):
    """A binary's path relative to the repository, when it is inside it."""
    return os.path.relpath(binary, ROOT) if binary.startswith(str(ROOT)) else binary
