"""The sender's wait on a deployment (issue 12): what it costs GitHub's rate
limit and how late it notices the final state, with the default poll (1 s
doubling to 15 s, conditional requests), against a receiver that posts
in_progress at once and success after --after seconds.

    python3 bench/deploy_wait.py --binary build/gitops-bump --after 60

Prints the polls sent, how many came back 304 (free: not counted by GitHub's
primary rate limit), the requests that counted, what a fixed 1-second poll
without If-None-Match would have counted, and the delay between the success
status and the sender's exit.

    python3 bench/deploy_wait.py --via workflow_dispatch --after 60 [--die]

With workflow_dispatch it also counts the reads of the receiving run (the
sender looks at it only while the statuses stand still); with --die the
receiving run completes 'failure' at --after instead of a success being
posted, and the figure is how late the sender noticed the dead receiver
(its wait-timeout is --after * 2 + 60 s)."""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from fakegh import FakeGitHub  # noqa: E402

APP, GITOPS = "org/app", "org/gitops"
SHA = "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920"
TOKEN = "ghs_benchTokenForTheFakeGitHubOnly00000"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "build" / "gitops-bump"))
    ap.add_argument("--after", type=float, default=60.0)
    ap.add_argument("--via", choices=("repository_dispatch", "workflow_dispatch"),
                    default="repository_dispatch")
    ap.add_argument("--die", action="store_true",
                    help="workflow_dispatch: the run fails at --after, nothing is posted")
    args = ap.parse_args()
    if args.die and args.via != "workflow_dispatch":
        ap.error("--die needs --via workflow_dispatch")
    with FakeGitHub() as fake, tempfile.TemporaryDirectory() as tmp:
        fake.add_token(TOKEN)
        fake.add_repo(GITOPS)
        fake.add_repo(APP)
        fake.add_commit(APP, "Fix", sha=SHA)
        ev = pathlib.Path(tmp) / "push.json"
        ev.write_text(json.dumps({"ref": "refs/heads/sandbox", "after": SHA, "deleted": False,
                                  "repository": {"full_name": APP, "name": "app"},
                                  "head_commit": {"id": SHA, "message": "Fix"}}))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GITHUB_EVENT_NAME": "push",
               "GITHUB_EVENT_PATH": str(ev), "GITHUB_REPOSITORY": APP,
               "GITHUB_REF": "refs/heads/sandbox", "GITHUB_SHA": SHA,
               "INPUT_MODE": "dispatch", "INPUT_TOKEN": TOKEN, "INPUT_API-URL": fake.url,
               "INPUT_REPOSITORY": GITOPS, "INPUT_DEPLOYMENT": "true", "INPUT_WAIT": "true",
               "INPUT_WAIT-TIMEOUT": str(int(args.after * 2 + 60)),
               "INPUT_DEPLOYMENT-TOKEN": TOKEN, "INPUT_VIA": args.via}
        if args.via == "workflow_dispatch":
            fake.add_workflow(GITOPS, "deploy.yml")
            env["INPUT_WORKFLOW"] = "deploy.yml"
        proc = subprocess.Popen([args.binary], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        while not fake.deployments_of(APP):
            time.sleep(0.01)
        did = fake.deployments_of(APP)[0]["id"]
        fake.add_deployment_status(APP, did, "in_progress", "deploying")
        if args.via == "workflow_dispatch":
            while not fake.workflow_runs(GITOPS):
                time.sleep(0.01)
            run = fake.workflow_runs(GITOPS)[0]["id"]
            fake.set_run(GITOPS, run, "in_progress")
        time.sleep(args.after)
        if args.die:
            fake.set_run(GITOPS, run, "completed", "failure")
        else:
            fake.add_deployment_status(APP, did, "success", "done", environment_url="https://x")
        t_success = time.monotonic()
        rc = proc.wait()
        late = time.monotonic() - t_success
        polls = fake.requests("GET", "/deployments/%d/statuses" % did)
        free = sum(1 for p in polls if p["status"] == 304)
        if args.via == "workflow_dispatch":
            print("reads of the receiving run: %d" % len(fake.requests("GET", "/actions/runs/")))
        if args.die:
            print("the receiving run failed after %.0f s; exit %d (wait-timeout %d s)"
                  % (args.after, rc, int(args.after * 2 + 60)))
            print("noticed the dead receiver %.1f s after its run ended" % late)
            return 0 if rc == 1 else 1
        print("success after %.0f s; exit %d" % (args.after, rc))
        print("polls: %d, of which 304 (not counted): %d, counted: %d"
              % (len(polls), free, len(polls) - free))
        print("a fixed 1 s poll without If-None-Match would count: %d" % (int(args.after) + 1))
        print("noticed the success %.1f s after it was posted" % late)
        return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
