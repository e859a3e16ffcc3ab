#!/usr/bin/env python3
"""Benchmark: `gitops-bump dispatch` versus `curl` sending the identical
request to the same fake GitHub, alternated in one run.

    bench/dispatch.py [--binary build/gitops-bump]... [--runs 200]

Every side is a whole process, as a workflow step runs it: ours reads the
event file, builds and checks the payload and sends it; curl only sends the
body our binary sent (taken from the fake's record, so both requests are
byte-identical, which is checked).  Prints the median wall times, their
ratio, and the peak RSS of each (GNU time's %M, sampled every 10th round).  Goals (issue 2):
within 1.3x of curl, under 8 MB peak RSS.
"""
import json
import os
import statistics

from common import (ROOT, TIME, fake_get, fake_github, name_of, p90, peak_rss, run,
                    versus_curl_args)

TOKEN = "ghs_benchTokenForTheFakeGitHubOnly00000"
SHA = "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920"
GOAL_RATIO = 1.3
GOAL_RSS_KB = 8 * 1024


def main():
    args = versus_curl_args(__doc__, "runs of each side (default 200)")

    seed = {"tokens": [{"token": TOKEN, "name": "bench"}],
            "repos": [{"name": "org/gitops"}, {"name": "org/product-service"}]}
    with fake_github(seed, "gb-bench-dispatch-") as (url, work):
        bench(args, work, url)


def bench(args, work, url):
    message = "Fix login page (#1234)\n\nA typical message with \"quotes\", a | pipe & more.\n"
    event = json.loads((ROOT / "tests" / "fixtures" / "events" / "push-branch.json").read_text())
    event.update(ref="refs/heads/sandbox", after=SHA)
    event["head_commit"].update(id=SHA, message=message)
    event["repository"].update(full_name="org/product-service", name="product-service")
    (work / "event.json").write_text(json.dumps(event))
    ours_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(work / "event.json"),
        "GITHUB_REPOSITORY": "org/product-service", "GITHUB_REF": "refs/heads/sandbox",
        "GITHUB_SHA": SHA, "GITHUB_ACTOR": "octocat", "GITHUB_RUN_ID": "1",
        "INPUT_MODE": "dispatch", "INPUT_TOKEN": TOKEN, "INPUT_API-URL": url,
        "INPUT_REPOSITORY": "org/gitops",
    }
    binaries = args.binary or [str(ROOT / "build" / "gitops-bump")]

    # One run of ours gives the exact request; curl then sends the same bytes.
    fake_get(url, "/_fake/requests", "DELETE")
    run([binaries[0]], ours_env)
    [req] = fake_get(url, "/_fake/requests")
    body = req["body"].encode() if isinstance(req["body"], str) else bytes(req["body"])
    (work / "body.json").write_bytes(body)
    h = req["headers"]
    curl = [args.curl, "-sS", "-o", "/dev/null", "-f", "-X", "POST",
            url + req["path"],
            "-H", "Accept: " + h["accept"],
            "-H", "Authorization: Bearer " + TOKEN,
            "-H", "X-GitHub-Api-Version: " + h["x-github-api-version"],
            "-H", "User-Agent: " + h["user-agent"],
            "-H", "Content-Type: " + h["content-type"],
            "--data-binary", "@" + str(work / "body.json")]
    curl_env = {"PATH": ours_env["PATH"]}
    sides = [("curl", curl, curl_env)] + [(name_of(b), [b], ours_env) for b in binaries]
    fake_get(url, "/_fake/requests", "DELETE")
    for _, cmd, env in sides:
        run(cmd, env)
    recs = fake_get(url, "/_fake/requests")
    for name, rec in zip([s[0] for s in sides], recs):
        assert rec["body"] == req["body"], "%s sent another body" % name
        for k in ("accept", "authorization", "x-github-api-version", "user-agent",
                  "content-type"):
            assert rec["headers"].get(k) == h.get(k), "%s sent another %s" % (name, k)

    times = {name: [] for name, _, _ in sides}
    rss = {name: [] for name, _, _ in sides}
    for i in range(args.runs):
        if i % 50 == 0:
            fake_get(url, "/_fake/requests", "DELETE")
        # rotate who goes first, so drift hits every side alike
        k = i % len(sides)
        for name, cmd, env in sides[k:] + sides[:k]:
            times[name].append(run(cmd, env))
            if i % 10 == 0:
                rss[name].append(peak_rss(cmd, env))

    print("dispatch benchmark: %d runs of each, rotated, the same %d-byte request to the same "
          "fake GitHub" % (args.runs, len(body)))
    m_curl = statistics.median(times["curl"])
    for name, _, _ in sides:
        peak = max(rss[name]) if TIME else None
        print("  %-26s median %6.2f ms  p90 %6.2f ms  peak RSS %s"
              % (name, 1e3 * statistics.median(times[name]), 1e3 * p90(times[name]),
                 "%5.1f MiB" % (peak / 1024) if peak else "n/a (no /usr/bin/time)"))
    for name, cmd, env in sides[1:]:
        base = peak_rss(cmd + ["--version"], env)
        if base:
            print("  %-26s peak RSS of --version alone (loading its libraries): %.1f MiB"
                  % (name, base / 1024))
    for name, _, _ in sides[1:]:
        ratio = statistics.median(times[name]) / m_curl
        peak = max(rss[name]) if TIME else None
        print("  %s: %.2fx curl (goal <= %.1fx: %s); peak RSS %s (goal < 8 MiB: %s)"
              % (name, ratio, GOAL_RATIO, "met" if ratio <= GOAL_RATIO else "NOT met",
                 "%.1f MiB" % (peak / 1024) if peak else "n/a",
                 "n/a" if not peak else "met" if peak < GOAL_RSS_KB else "NOT met"))


if __name__ == "__main__":
    main()
