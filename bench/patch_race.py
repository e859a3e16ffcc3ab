#!/usr/bin/env python3
"""Benchmark: a burst of `gitops-bump patch` receivers on one file, at the
default settings (max-attempts 5, timeout 120 s, the client's 1 s retry base).

    bench/patch_race.py [--binary build/gitops-bump] [--receivers 20] [--runs 5]
                        [--get-delay 0.3] [--put-delay 0.3] [--max-attempts N]

Each run starts RECEIVERS receivers at once, each deploying its own commit id
into the article's marker of one manifest on one branch of the fake GitHub,
which answers every GET after --get-delay and every PUT after --put-delay
seconds (GitHub's own latency; the change is made when the answer is sent,
so the window in which a read can go stale is as long as that).  Nothing
else is set: no GITOPS_BUMP_RETRY_BASE_MS, no inputs but the branch and the
value.  Prints, per run and in all: receivers that landed and that gave up,
the attempts each needed, PUTs per landed commit, and wall times.  The history
is checked as the soak does (patch_util.marker_history: each commit its parent
plus its own edit; none lost, none twice); a problem there exits 1.  Not a test: the figures are for
the README and for comparing backoff strategies, run by hand or by
`make bench-patch-race`.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakegh import FakeGitHub  # noqa: E402
from patch_util import (GITOPS, dispatch_event, dispatch_payload,  # noqa: E402
                        marker_history, seed_gitops)

TOKEN = "ghs_benchTokenForTheFakeGitHubOnly00000"
ATTEMPT = re.compile(r"moved while committing.*\(attempt (\d+) of (\d+)\)")


def receiver(binary, url, sha, i, max_attempts):
    with tempfile.TemporaryDirectory(prefix="gb-race-") as tmp:
        ev = dispatch_event(tmp, dispatch_payload(sha=sha, message="deploy %d" % i))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "GITHUB_EVENT_NAME": "repository_dispatch",
               "GITHUB_EVENT_PATH": str(ev), "GITHUB_REPOSITORY": GITOPS,
               "GITHUB_REF": "refs/heads/main", "INPUT_MODE": "patch", "INPUT_TOKEN": TOKEN,
               "INPUT_API-URL": url, "INPUT_BRANCH": "sandbox", "INPUT_VALUE": "{sha}",
               "ASAN_OPTIONS": "detect_leaks=0"}
        if max_attempts:
            env["INPUT_MAX-ATTEMPTS"] = str(max_attempts)
        t0 = time.monotonic()
        p = subprocess.run([binary], env=env, capture_output=True, timeout=600)
        wall = time.monotonic() - t0
    out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    if TOKEN in out:
        sys.exit("bench: the token showed in a receiver's output")
    retries = [int(m.group(1)) for m in ATTEMPT.finditer(out)]
    return {"rc": p.returncode, "wall": wall, "attempts": max(retries) if retries else 1,
            "gave_up": "gave up committing" in out,
            "budget": "budget" in out or "timeout" in out,
            "error": next((l for l in out.splitlines() if "::error" in l), "")}


def one_run(args, seed):
    fake = FakeGitHub(seed=seed)
    fake.add_token(TOKEN, name="bench")
    base = seed_gitops(fake).head(GITOPS, "sandbox")
    if args.get_delay:
        fake.fault("delay", method="GET", path="/repos/.*", times=None, seconds=args.get_delay)
    if args.put_delay:
        fake.fault("delay", method="PUT", path="/repos/.*", times=None, seconds=args.put_delay)
    shas = ["%040x" % (0xbe9c0000 + seed * 1000003 + i * 104729) for i in range(args.receivers)]
    t0 = time.monotonic()
    with fake:
        with concurrent.futures.ThreadPoolExecutor(args.receivers) as pool:
            res = list(pool.map(lambda i: receiver(args.binary, fake.url, shas[i], i,
                                                   args.max_attempts), range(args.receivers)))
        elapsed = time.monotonic() - t0
        log = fake.log(GITOPS, "sandbox")
        puts = fake.requests("PUT")
    seen, _, problems = marker_history(log, base)
    landed = {shas[i] for i, r in enumerate(res) if r["rc"] == 0}
    if len(seen) != len(set(seen)) or set(seen) != landed:
        problems.append("lost or duplicated: %d commits, %d distinct, %d landed" %
                        (len(seen), len(set(seen)), len(landed)))
    for r in res:
        if r["rc"] != 0 and not r["gave_up"] and not r["budget"]:
            problems.append("a receiver failed otherwise: %s" % r["error"][:200])
    return {"res": res, "elapsed": elapsed, "puts": len(puts),
            "put_409": sum(1 for q in puts if q["status"] == 409), "problems": problems}


def summary(label, runs):
    res = [r for run in runs for r in run["res"]]
    landed = sum(1 for r in res if r["rc"] == 0)
    walls = sorted(r["wall"] for r in res)
    hist = collections.Counter(r["attempts"] for r in res if r["rc"] == 0)
    puts = sum(run["puts"] for run in runs)
    print("%s: %d receivers, %d landed, %d gave up (%d out of time); attempts of those that "
          "landed: %s; %.2f PUTs per landed commit; wall min %.1f / median %.1f / max %.1f s" % (
              label, len(res), landed, sum(1 for r in res if r["gave_up"]),
              sum(1 for r in res if r["rc"] and not r["gave_up"]),
              ", ".join("%d:%d" % kv for kv in sorted(hist.items())),
              puts / landed if landed else 0, walls[0], statistics.median(walls), walls[-1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "build" / "gitops-bump"))
    ap.add_argument("--receivers", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--get-delay", type=float, default=0.3)
    ap.add_argument("--put-delay", type=float, default=0.3)
    ap.add_argument("--max-attempts", type=int, default=0, help="0: the default (not set)")
    ap.add_argument("--json", help="write every receiver's figures here")
    args = ap.parse_args()
    print("patch race: %d receivers at once on one file, %d runs, GET %.2f s, PUT %.2f s, "
          "max-attempts %s" % (args.receivers, args.runs, args.get_delay, args.put_delay,
                               args.max_attempts or "default"))
    runs = []
    for seed in range(1, args.runs + 1):
        run = one_run(args, seed)
        runs.append(run)
        summary("  run %d (%.1f s)" % (seed, run["elapsed"]), [run])
        for p in run["problems"]:
            print("  PROBLEM: %s" % p)
    summary("all", runs)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(runs, indent=1) + "\n")
    return 1 if any(run["problems"] for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
