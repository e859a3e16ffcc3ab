#!/usr/bin/env python3
"""Benchmark: `gitops-bump patch` versus `curl` doing the same GET and PUT
against the same fake GitHub, alternated in one run.

    bench/patch.py [--binary build/gitops-bump]... [--runs 200]

Every round, each side makes one real commit to the same file on the same
branch of the fake: ours reads the repository_dispatch event, checks the
policy, GETs the manifest, edits its <lastCommitMsg> marker with the YAML
editor, PUTs it and writes its outputs; the curl side is the least a shell
step can do for the same commit: `curl` GETs the file, `sed` takes the blob
sha out of the answer, `curl` PUTs a content prepared in advance (no edit,
no checks), all in one `sh`; and, stricter, the same two requests as two
bare curl processes, only their own time counted.  Prints the requests per commit (goal: 2 for one file, issue 4),
the median wall times and their ratio, and our peak RSS (GNU time's %M,
sampled every 10th round).
"""
import base64
import json
import os
import statistics
import sys

from common import (ROOT, TIME, fake_get, fake_github, name_of, p90, peak_rss, run,
                    versus_curl_args)

TOKEN = "ghs_benchTokenForTheFakeGitHubOnly00000"
REPO = "org/gitops"
PATH = "product/sandbox/sandbox-deploy.yaml"
SHA = "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920"
GOAL_REQUESTS = 2

CURL_SIDE = r"""
set -e
sha=$("$CURL" -sSf -H "Accept: application/vnd.github+json" -H "Authorization: Bearer $TOKEN" \
	-H "X-GitHub-Api-Version: 2022-11-28" -H "User-Agent: bench-curl" \
	"$URL/repos/$REPO/contents/$FILE?ref=sandbox" |
	sed -n 's/.*"sha": *"\([0-9a-f]\{40\}\)".*/\1/p')
sed "s/@SHA@/$sha/" "$BODY" | "$CURL" -sSf -o /dev/null -X PUT \
	-H "Accept: application/vnd.github+json" -H "Authorization: Bearer $TOKEN" \
	-H "X-GitHub-Api-Version: 2022-11-28" -H "User-Agent: bench-curl" \
	-H "Content-Type: application/json" --data-binary @- "$URL/repos/$REPO/contents/$FILE"
"""


def curl_args(curl, url, method, path, extra=()):
    return [curl, "-sSf", "-X", method, "-H", "Accept: application/vnd.github+json",
            "-H", "Authorization: Bearer " + TOKEN, "-H", "X-GitHub-Api-Version: 2022-11-28",
            "-H", "User-Agent: bench-curl", *extra, url + path]


def two_curls(args, url, work, body_template):
    """The GET and the PUT as two bare curl processes: only they are timed
    (taking the sha out and writing the body are not)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    contents = "/repos/%s/contents/%s" % (REPO, PATH)
    out = work / "get.json"
    dt = run(curl_args(args.curl, url, "GET", contents + "?ref=sandbox", ["-o", str(out)]), env)
    sha = json.loads(out.read_text())["sha"]
    (work / "put.json").write_text(body_template.read_text().replace("@SHA@", sha))
    return dt + run(curl_args(args.curl, url, "PUT", contents,
                              ["-o", "/dev/null", "-H", "Content-Type: application/json",
                               "--data-binary", "@" + str(work / "put.json")]), env)


def main():
    args = versus_curl_args(__doc__, "rounds (default 200)")
    binaries = args.binary or [str(ROOT / "build" / "gitops-bump")]

    manifest = (ROOT / "tests" / "fixtures" / "patch" / "sandbox-deploy.yaml").read_text()
    seed = {"tokens": [{"token": TOKEN, "name": "bench"}],
            "repos": [{"name": REPO, "files": {"README.md": "x\n"},
                       "branches": {"sandbox": {"files": {PATH: manifest}}}}]}
    with fake_github(seed, "gb-bench-patch-") as (url, work):
        bench(args, binaries, work, url, manifest)


def bench(args, binaries, work, url, manifest):
    payload = {"service": "product", "environment": "sandbox",
               "commitmsg": SHA[:7] + " Fix login page (#1234)", "baseRef": "sandbox",
               "source": {"repository": "org/product-service", "ref": "refs/heads/sandbox",
                          "sha": SHA, "message": "Fix login page (#1234)\n\nA | pipe & more.",
                          "actor": "dev", "run_url": None, "event": "push"}}
    (work / "event.json").write_text(json.dumps({"action": "product", "branch": "main",
                                                 "client_payload": payload}))
    ours_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_EVENT_NAME": "repository_dispatch",
        "GITHUB_EVENT_PATH": str(work / "event.json"),
        "GITHUB_REPOSITORY": REPO, "GITHUB_REF": "refs/heads/main",
        "INPUT_MODE": "patch", "INPUT_TOKEN": TOKEN, "INPUT_API-URL": url,
        "INPUT_BRANCH": "{environment}",
    }
    # The curl side PUTs one of two contents prepared here, so each PUT changes the file.
    bodies = []
    for i in range(2):
        text = manifest.replace("Last git commit is shown in here", "curl %d" % i)
        body = {"message": "Deploy product to sandbox", "branch": "sandbox", "sha": "@SHA@",
                "content": base64.b64encode(text.encode()).decode()}
        bodies.append(work / ("body%d.json" % i))
        bodies[-1].write_text(json.dumps(body))
    curl_env = {"PATH": ours_env["PATH"], "CURL": args.curl, "TOKEN": TOKEN, "URL": url,
                "REPO": REPO, "FILE": PATH}

    # Requests per commit, counted by the fake.  The read of the manifest's
    # last deploy (the stale-deploy check, docs/provenance.md) comes before
    # the commit and is counted apart: the curl side has no such check.
    per_commit, history = {}, {}
    for b in binaries:
        fake_get(url, "/_fake/requests", "DELETE")
        run([b], dict(ours_env, **{"INPUT_VALUE": "count %s" % b}))
        reqs = fake_get(url, "/_fake/requests")
        reads = [r for r in reqs if r["path"] == "/repos/%s/commits" % REPO]
        reqs = [r for r in reqs if r not in reads]
        if [r["status"] for r in reqs] != [200, 200] or [r["status"] for r in reads] != [200]:
            sys.exit("bench: %s did not commit with one history read, one GET and one PUT: %s"
                     % (b, [(r["method"], r["status"]) for r in reads + reqs]))
        per_commit[b] = len(reqs)
        history[b] = len(reads)
    fake_get(url, "/_fake/requests", "DELETE")
    run(["sh", "-c", CURL_SIDE], dict(curl_env, BODY=str(bodies[0])))
    curl_reqs = fake_get(url, "/_fake/requests")
    if [(r["method"], r["status"]) for r in curl_reqs] != [("GET", 200), ("PUT", 200)]:
        sys.exit("bench: the curl side did not commit: %s" % curl_reqs)

    sides = ["curl", "curl2"] + binaries
    times = {s: [] for s in sides}
    rss = {b: [] for b in binaries}
    for i in range(args.runs):
        if i % 50 == 0:
            fake_get(url, "/_fake/requests", "DELETE")
        k = i % len(sides)
        for s in sides[k:] + sides[:k]:
            if s == "curl":
                times[s].append(run(["sh", "-c", CURL_SIDE],
                                    dict(curl_env, BODY=str(bodies[i % 2]))))
                continue
            if s == "curl2":
                times[s].append(two_curls(args, url, work, bodies[i % 2]))
                continue
            env = dict(ours_env, **{"INPUT_VALUE": "run %d" % i})
            times[s].append(run([s], env))
            if i % 10 == 0:
                rss[s].append(peak_rss([s], dict(env, **{"INPUT_VALUE": "rss %d" % i})))
    log = fake_get(url, "/_fake/repos/%s/log?branch=sandbox" % REPO)
    commits = len(log) - 2  # the seed's two commits (main's, then the branch's)

    print("patch benchmark: %d rounds, rotated; each side commits the same file on the same "
          "fake GitHub every round (%d commits made)" % (args.runs, commits))
    for b in binaries:
        print("  %-26s requests per commit: %d (goal %d: %s), plus %d history read"
              % (name_of(b), per_commit[b], GOAL_REQUESTS,
                 "met" if per_commit[b] == GOAL_REQUESTS else "NOT met", history[b]))
    print("  %-26s requests per commit: %d (GET + PUT, no edit, no checks)"
          % ("curl", len(curl_reqs)))
    label = {"curl": "curl + sed (one sh)", "curl2": "2 bare curl processes"}
    for s in sides:
        peak = max(rss[s]) if s in rss and TIME else None
        print("  %-26s median %6.2f ms  p90 %6.2f ms%s"
              % (label.get(s) or name_of(s), 1e3 * statistics.median(times[s]),
                 1e3 * p90(times[s]), "  peak RSS %.1f MiB" % (peak / 1024) if peak else ""))
    for b in binaries:
        ours = statistics.median(times[b])
        print("  %s: %.2fx the curl + sed step, %.2fx two bare curl processes"
              % (name_of(b), ours / statistics.median(times["curl"]),
                 ours / statistics.median(times["curl2"])))


if __name__ == "__main__":
    main()
