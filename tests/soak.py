#!/usr/bin/env python3
"""soak: many receivers, one manifest, a fake GitHub that misbehaves.

RECEIVERS `gitops-bump patch` runs start at once (threads, each through
conftest.run_gb, so every output is checked for the token), each deploying
its own commit id into the article's marker of one file on one branch.  The
fake answers 5xx to a share of all requests, 429 with Retry-After to some,
and before some PUTs someone else commits to the same file (a forced
conflict: a comment line appended at its end).

Every receiver must land its commit or fail with one clear error line inside
its time budget; the fake's history must show, commit by commit, that each
commit is its parent plus exactly its own edit (ours: the marker set to its
commit id; theirs: one line appended), that no receiver's edit is there twice
and none that landed is missing, and that the final file holds every line
someone else appended.  Figures: requests per landed commit, attempts, and
the distribution of the receivers' wall times.

    python3 tests/soak.py [--binary B] [--receivers 50] [--seed 1] [--json FILE]
"""
import argparse
import concurrent.futures
import json
import pathlib
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from conftest import BIN, TOKEN, run_gb  # noqa: E402
from fakegh import FakeGitHub  # noqa: E402
from patch_util import (GITOPS, MANIFEST, dispatch_event, dispatch_payload,  # noqa: E402
                        marker_history, patch_env, seed_gitops)
from dispatch_util import runner_messages  # noqa: E402

CONTENTS = re.escape("/repos/%s/contents/%s" % (GITOPS, MANIFEST))
THEIRS = "Someone else's commit"


def soak(binary=BIN, receivers=50, seed=1, budget=150, error_rate=0.10, rate_limits=5,
         conflict_rate=0.10, base_ms=50, max_attempts=100, out=sys.stdout):
    fake = FakeGitHub(seed=seed)
    fake.add_token(TOKEN, name="default")
    seed_sha = seed_gitops(fake).head(GITOPS, "sandbox")
    appended = []

    def someone_else(old):
        line = b"# touched by someone else %d\n" % len(appended)
        appended.append(line)
        return old + line

    # the first fault that matches fires: the forced conflict, then 429s, then 5xx
    fake.fault("interleave", method="PUT", path=CONTENTS, times=None,
               probability=conflict_rate, edit=someone_else, message=THEIRS)
    fake.fault("rate_limit", path="/repos/.*", times=rate_limits, probability=0.02,
               retry_after=1)
    # three 5xx kinds, error_rate of the requests that reach them in all
    each = 1 - (1 - error_rate) ** (1 / 3)
    for status in (500, 502, 503):
        fake.fault("status", path="/repos/.*", times=None, status=status, probability=each)
    shas = ["%040x" % (0x5eed0000 + i * 104729) for i in range(receivers)]

    def receiver(i):
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            ev = dispatch_event(tmp, dispatch_payload(sha=shas[i], message="deploy %d" % i))
            env = patch_env(ev, fake, branch="sandbox", value="{sha}",
                            max_attempts=str(max_attempts), timeout=str(budget))
            env["GITOPS_BUMP_RETRY_BASE_MS"] = str(base_ms)
            t0 = time.monotonic()
            r = run_gb([], env, tmp_path=tmp, timeout=budget + 60, binary=binary)
            wall = time.monotonic() - t0
            errors = runner_messages(r.stdout)
            return {"i": i, "rc": r.returncode, "wall": wall, "errors": errors,
                    "outputs": r.outputs()}

    t0 = time.monotonic()
    with fake:
        with concurrent.futures.ThreadPoolExecutor(receivers) as pool:
            results = list(pool.map(receiver, range(receivers)))
        elapsed = time.monotonic() - t0
        log = fake.log(GITOPS, "sandbox")
        final = fake.read(GITOPS, MANIFEST, "sandbox")
        api = [q for q in fake.requests() if q["path"].startswith("/repos/")]
        fake.assert_no_leaks()
    return check(results, log, final, api, seed_sha, shas, appended, budget, elapsed, fake, out)


def check(results, log, final, api, seed_sha, shas, appended, budget, elapsed, fake, out):
    ours, others, problems = marker_history(log, seed_sha, THEIRS)
    theirs = len(others)
    for c in others:
        old, new = c["changes"][MANIFEST]
        if not (new.startswith(old) and new[len(old):].startswith(b"# touched by")):
            problems.append("someone else's commit %s is not its parent plus one line" %
                            c["sha"][:7])
    landed = {shas[r["i"]] for r in results if r["rc"] == 0}
    if len(ours) != len(set(ours)):
        problems.append("duplicated edits: %r" % sorted(v for v in set(ours) if ours.count(v) > 1))
    if set(ours) != landed:
        problems.append("lost: %r; committed by a run that failed: %r" % (
            sorted(landed - set(ours)), sorted(set(ours) - landed)))
    if theirs != len(appended) or any(line not in final for line in appended):
        problems.append("someone else's lines lost: %d made, %d commits, %d in the file" % (
            len(appended), theirs, sum(line in final for line in appended)))
    for r in results:
        if r["rc"] == 0:
            if r["outputs"].get("commit-sha") is None:
                problems.append("receiver %d: no commit-sha output" % r["i"])
        elif r["rc"] != 1 or len(r["errors"]) != 1:
            problems.append("receiver %d: exit %d with %d error lines" % (
                r["i"], r["rc"], len(r["errors"])))
        if r["wall"] > budget + 5:
            problems.append("receiver %d took %.1f s, over its budget of %d s" % (
                r["i"], r["wall"], budget))
    walls = sorted(r["wall"] for r in results)
    q = statistics.quantiles(walls, n=10) if len(walls) > 1 else walls * 9
    puts = [a for a in api if a["method"] == "PUT"]
    figures = {
        "receivers": len(results), "landed": len(landed), "failed": len(results) - len(landed),
        "errors": sorted({e for r in results for e in r["errors"]}),
        "requests": len(api), "requests_per_landed_commit":
            round(len(api) / len(landed), 2) if landed else None,
        "puts": len(puts), "conflicts_409": sum(1 for a in puts if a["status"] == 409),
        "faults": {f.kind + ("" if f.kind != "status" else " %s" % f.params["status"]): f.hits
                   for f in fake.faults},
        "theirs": theirs, "wall_s": {"min": round(walls[0], 2), "median":
            round(statistics.median(walls), 2), "p90": round(q[8], 2), "max": round(walls[-1], 2)},
        "elapsed_s": round(elapsed, 1), "problems": problems,
    }
    print("soak: %d receivers, %d landed, %d failed in %.1f s; %d requests, %.2f per landed "
          "commit; %d PUTs, %d answered 409; someone else committed %d times" % (
              figures["receivers"], figures["landed"], figures["failed"], elapsed,
              len(api), figures["requests_per_landed_commit"] or 0, len(puts),
              figures["conflicts_409"], theirs), file=out)
    print("  faults fired: %s" % ", ".join("%s %d" % kv for kv in figures["faults"].items()),
          file=out)
    print("  receiver wall time: min %(min).2f s, median %(median).2f s, p90 %(p90).2f s, "
          "max %(max).2f s" % figures["wall_s"], file=out)
    for e in figures["errors"]:
        print("  error: %s" % e[:200], file=out)
    for p in problems:
        print("  PROBLEM: %s" % p, file=out)
    return figures


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=BIN)
    ap.add_argument("--receivers", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=1, help="runs, with seeds 1..N")
    ap.add_argument("--max-attempts", type=int, default=100)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    runs = []
    for seed in range(1, a.seeds + 1):
        runs.append(soak(a.binary, a.receivers, seed, max_attempts=a.max_attempts))
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(runs, indent=1) + "\n")
    return 1 if any(f["problems"] for f in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
