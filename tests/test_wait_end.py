"""The sender's `wait: true` ends on every ending (docs/deploy-feedback.md,
"What ends the wait"): `inactive` (a stale dispatch the receiver skipped,
or a deploy replaced since) is a success of the wait; a receiving run that
ended without a final status fails it at once, naming the run; a run that
cannot be read is a warning; and a repository_dispatch that nobody answers
says what may be wrong.

Every step runs as the Actions runner starts it (tests/runner_util.py:
action.yml's defaults, the README's `with:` on top), against the fake GitHub
on 127.0.0.1 with a 20 ms poll base."""
import json
import threading
import time

import pytest

from conftest import TOKEN
from dispatch_util import APP, SHA, push_event
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import GITOPS, dispatch_payload, seed_gitops
from runner_util import runner_env
from test_deploy_feedback import wait_for

FAST = {"GITOPS_BUMP_POLL_MS": "20"}
SENDER = {"mode": "dispatch", "token": TOKEN, "repository": GITOPS, "service": "product",
          "deployment": "true", "wait": "true"}
RECEIVER = {"mode": "patch", "token": "${{ github.token }}", "branch": "{environment}",
            "deployment-token": TOKEN}
WORKFLOW = {"via": "workflow_dispatch", "workflow": "deploy.yml"}
RUNS = r"/repos/%s/actions/runs/\d+" % GITOPS


@pytest.fixture
def fake(fake_github):  # noqa: F811
    seed_gitops(fake_github)
    fake_github.add_repo(APP, {"app.py": "v0\n"})
    fake_github.add_commit(APP, "Fix login", sha=SHA)
    fake_github.add_workflow(GITOPS, "deploy.yml")
    return fake_github


def sender_env(tmp_path, fake, sha=SHA, **with_):
    ev = json.loads(push_event(tmp_path, sha=sha).read_text())
    env = runner_env(tmp_path, fake, "push", ev, APP, "refs/heads/sandbox", {**SENDER, **with_},
                     sha=sha)
    env.update(FAST)
    return env


def start_sender(gb, tmp_path, env):
    """The sender in a thread, in its own directory (its own runner files)."""
    d = tmp_path / "sender"
    d.mkdir()
    box = {"start": time.time()}

    def target():
        box["res"] = gb([], env, tmp_path=d, timeout=90)
        box["elapsed"] = time.time() - box["start"]
    t = threading.Thread(target=target)
    t.start()
    return t, box


def receive(gb, fake, tmp_path, event, name):
    d = tmp_path / name
    d.mkdir()
    env = runner_env(d, fake, "repository_dispatch", event, GITOPS, "refs/heads/main", RECEIVER)
    return gb([], env, tmp_path=d)


def states(fake):
    [d] = fake.deployments_of(APP)
    return d, [s["state"] for s in d["statuses"]]


# ---- inactive ends the wait -------------------------------------------------

def test_a_stale_receiver_ends_the_wait_with_success(gb, fake, tmp_path):
    """B is pushed after C was deployed: the receiver skips B as stale and
    posts `inactive`; the sender stops at once, exit 0, with a notice."""
    a = fake.commit_files(APP, "main", {"app.py": "A\n"}, message="A")
    b = fake.commit_files(APP, "main", {"app.py": "B\n"}, message="B")
    c = fake.commit_files(APP, "main", {"app.py": "C\n"}, message="C")
    assert a and b and c
    first = {"action": "product", "branch": "main", "client_payload": dispatch_payload(sha=c),
             "repository": fake._repo_json(fake.repo(GITOPS), None),
             "sender": {"login": "dev", "type": "User"}}
    r = receive(gb, fake, tmp_path, first, "receiver-c")
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r

    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, sha=b, **{"wait-timeout": "60"}))
    wait_for(lambda: fake.dispatches(GITOPS))
    r = receive(gb, fake, tmp_path, fake.dispatch_event(GITOPS), "receiver-b")
    assert r.returncode == 0 and r.outputs()["skipped"] == "stale", r
    t.join(90)
    res = box["res"]
    assert res.returncode == 0, res
    assert box["elapsed"] < 30  # far below wait-timeout (60 s)
    d, sts = states(fake)
    assert sts[-1] == "inactive"
    notice = [line for line in res.out.splitlines() if line.startswith("::notice::")]
    assert len(notice) == 1 and "deployment %d of '%s' was not deployed itself: skipped: older " \
        "than the commit deployed now (stale); a newer deploy to 'sandbox' carries this change" % (d["id"], APP) \
        in notice[0], res.out
    assert "::error" not in res.out
    out = res.outputs()
    assert out["deploy-state"] == "inactive"
    # no GitOps commit was made for B: the output names none
    assert "gitops-commit-url" not in out
    assert "| deploy state | inactive: skipped: older than the commit deployed now" in res.summary
    assert "| outcome | not deployed itself: a newer deploy carries this change" in res.summary
    assert "| GitOps commit |" not in res.summary


def test_a_deploy_replaced_before_the_sender_looked_names_its_commit(gb, fake, tmp_path):
    """success, then GitHub's auto_inactive before the sender's poll: the
    deploy landed, so its GitOps commit is the output, with exit 0."""
    fake.fault("delay", method="GET", path=r"/repos/%s/deployments/\d+/statuses" % APP, seconds=1)
    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, **{"wait-timeout": "60"}))
    d = wait_for(lambda: fake.dispatches(GITOPS) and fake.deployments_of(APP))[0]
    url = "https://github.com/%s/commit/%s" % (GITOPS, "e" * 40)
    fake.add_deployment_status(APP, d["id"], "success", "committed eeeeeee", environment_url=url)
    fake.add_deployment_status(APP, d["id"], "inactive", "")
    t.join(90)
    res = box["res"]
    assert res.returncode == 0, res
    assert "landed as %s and was replaced since" % url in res.out
    assert res.outputs()["deploy-state"] == "inactive"
    assert res.outputs()["gitops-commit-url"] == url
    assert "| GitOps commit | [" in res.summary and "(%s) |" % url in res.summary
    assert "landed, then replaced by a newer deploy" in res.summary


def test_a_pull_request_closed_as_superseded_ends_the_wait(gb, fake, tmp_path):
    """Pull-request mode: a newer deploy's patch step closes this deploy's
    pull request and posts `inactive` (src/supersede.h): the change is in
    the newer pull request, nothing more will come here; exit 0, and no
    GitOps commit is named (none of this deploy landed)."""
    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, **{"wait-timeout": "60"}))
    d = wait_for(lambda: fake.dispatches(GITOPS) and fake.deployments_of(APP))[0]
    fake.add_deployment_status(APP, d["id"], "queued", "pull request opened, waits for review",
                               environment_url="https://github.com/%s/pull/1" % GITOPS)
    time.sleep(0.2)
    fake.add_deployment_status(APP, d["id"], "inactive", "superseded by pull request #2 (1234567)")
    t.join(90)
    res = box["res"]
    assert res.returncode == 0, res
    assert box["elapsed"] < 30
    assert "was not deployed itself: superseded by pull request #2 (1234567); a newer deploy " \
        "to 'sandbox' carries this change" in res.out
    assert res.outputs()["deploy-state"] == "inactive"
    assert "gitops-commit-url" not in res.outputs()


def test_failure_and_error_still_fail(gb, fake, tmp_path):
    for state in ("failure", "error"):
        fake.clear_requests()
        d_ = tmp_path / state
        d_.mkdir()
        n = len(fake.deployments_of(APP))
        t, box = start_sender(gb, d_, sender_env(d_, fake))
        d = wait_for(lambda: len(fake.deployments_of(APP)) > n and fake.deployments_of(APP))[-1]
        wait_for(lambda: len(fake.dispatches(GITOPS)) > n)
        fake.add_deployment_status(APP, d["id"], state, "it broke")
        t.join(90)
        res = box["res"]
        assert res.returncode == 1, res
        assert "ended in '%s': it broke" % state in res.out
        assert res.outputs()["deploy-state"] == state


# ---- the receiving run (via workflow_dispatch) -----------------------------

def the_run(fake):
    return wait_for(lambda: fake.workflow_runs(GITOPS))[-1]


def test_a_receiving_run_that_fails_without_a_status_ends_the_wait(gb, fake, tmp_path):
    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, **WORKFLOW,
                                                   **{"wait-timeout": "60"}))
    run = the_run(fake)
    fake.set_run(GITOPS, run["id"], "in_progress")
    time.sleep(0.3)
    fake.set_run(GITOPS, run["id"], "completed", "failure")
    t.join(90)
    res = box["res"]
    assert res.returncode == 1, res
    assert box["elapsed"] < 30  # a few polls, not wait-timeout (60 s)
    d, sts = states(fake)
    url = "https://github.com/%s/actions/runs/%d" % (GITOPS, run["id"])
    errors = [line for line in res.out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, res.out
    assert "the receiving run %s ended 'failure' without finishing deployment %d: its log says " \
        "why" % (url, d["id"]) in errors[0]
    # the app repo does not show it queued forever
    assert sts == ["error"]
    assert d["statuses"][0]["description"] == "the receiving run ended 'failure' without a final status"
    assert res.outputs()["deploy-state"] == "error"
    assert url in res.summary and "### gitops-bump dispatch failed" in res.summary
    assert "ended 'failure' without finishing deployment %d, now marked `error`" % d["id"] \
        in res.summary
    assert "| deploy state | error: the receiving run ended 'failure' without a final status |" \
        in res.summary
    # the run was read with the dispatch token, and not on every poll
    reads = fake.requests("GET", RUNS)
    polls = fake.requests("GET", r"/repos/%s/deployments/\d+/statuses" % APP)
    assert reads and all(q["token"] == fake.requests("POST", r".*/dispatches")[0]["token"]
                         for q in reads)
    assert len(reads) < len(polls)


def test_a_run_that_succeeded_without_a_status_says_so(gb, fake, tmp_path):
    """A receiver without a deployment-token ends 'success' and posts nothing."""
    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, **WORKFLOW,
                                                   **{"wait-timeout": "60"}))
    run = the_run(fake)
    fake.set_run(GITOPS, run["id"], "completed", "success")
    t.join(90)
    res = box["res"]
    assert res.returncode == 1, res
    assert "ended 'success' without finishing deployment" in res.out
    assert "is its 'deployment-token' set" in res.out
    assert states(fake)[1] == ["error"]


def test_the_last_status_posted_as_the_run_ends_wins(gb, fake, tmp_path):
    """The receiver posts success just before its run completes: the sender
    reads the statuses once more before it gives up, so it succeeds."""
    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, **WORKFLOW,
                                                   **{"wait-timeout": "60"}))
    run = the_run(fake)
    d = fake.deployments_of(APP)[0]
    # wait until the sender looks at the run: its statuses poll is at its longest pause
    wait_for(lambda: fake.requests("GET", RUNS))
    url = "https://github.com/%s/commit/%s" % (GITOPS, "f" * 40)
    fake.add_deployment_status(APP, d["id"], "success", "committed fffffff", environment_url=url)
    fake.set_run(GITOPS, run["id"], "completed", "success")
    t.join(90)
    res = box["res"]
    assert res.returncode == 0, res
    assert res.outputs()["gitops-commit-url"] == url
    assert states(fake)[1] == ["success"]


@pytest.mark.parametrize("status,message", [
    (404, "Not Found"),
    (403, "Resource not accessible by integration"),
])
def test_a_run_that_cannot_be_read_is_a_warning(gb, fake, tmp_path, status, message):
    fake.fault("status", method="GET", path=RUNS, times=None, status=status, message=message)
    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, **WORKFLOW,
                                                   **{"wait-timeout": "60"}))
    run = the_run(fake)
    d = fake.deployments_of(APP)[0]
    wait_for(lambda: fake.requests("GET", RUNS))
    fake.set_run(GITOPS, run["id"], "completed", "failure")  # unseen: the read fails
    time.sleep(1.0)  # several polls at the longest pause: the wait goes on
    assert t.is_alive()
    fake.add_deployment_status(APP, d["id"], "success", "committed 1234567")
    t.join(90)
    res = box["res"]
    assert res.returncode == 0, res
    warnings = [line for line in res.out.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1, res.out
    assert "reading the receiving run %d of '%s' failed: HTTP %d" % (run["id"], GITOPS, status) \
        in warnings[0]
    assert "actions:read on '%s'" % GITOPS in warnings[0]  # the hint names the permission
    assert "waiting on the deployment's statuses alone" in res.out
    assert len(fake.requests("GET", RUNS)) == 1  # warned once, not asked again
    assert "::error" not in res.out


def test_a_run_still_running_at_the_timeout_is_named(gb, fake, tmp_path):
    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, **WORKFLOW,
                                                   **{"wait-timeout": "2"}))
    run = the_run(fake)
    fake.set_run(GITOPS, run["id"], "in_progress")
    t.join(90)
    res = box["res"]
    assert res.returncode == 1, res
    assert "did not end within 2 s (wait-timeout)" in res.out
    assert "see output 'run-url'" in res.out
    assert "the receiving run https://github.com/%s/actions/runs/%d is 'in_progress'" % (
        GITOPS, run["id"]) in res.out
    assert res.outputs()["deploy-state"] == "timeout"


# ---- repository_dispatch: no run to look at ---------------------------------

def test_repository_dispatch_timeout_names_the_real_causes(gb, fake, tmp_path):
    d = tmp_path / "sender"
    d.mkdir()
    start = time.time()
    res = gb([], sender_env(d, fake, **{"wait-timeout": "1"}), tmp_path=d)
    assert time.time() - start < 20
    assert res.returncode == 1, res
    [err] = [line for line in res.out.splitlines() if line.startswith("::error")]
    assert "did not end within 1 s (wait-timeout)" in err
    assert "its run may have failed before it posted" in err
    assert "no workflow of '%s' listens to 'repository_dispatch' of type 'product'" % GITOPS in err
    assert "'deployment-token' cannot write this repository's deployments" in err
    assert "is its deployment-token set?" not in err
    assert fake.requests("GET", RUNS) == []


def test_a_pull_request_handed_on_is_not_ended_by_its_run(gb, fake, tmp_path):
    """Pull-request mode: the receiver posts `queued` and its run ends
    'success'; the land step finishes the deployment later, from another
    run, so the sender keeps waiting."""
    t, box = start_sender(gb, tmp_path, sender_env(tmp_path, fake, **WORKFLOW,
                                                   **{"wait-timeout": "60"}))
    run = the_run(fake)
    d = fake.deployments_of(APP)[0]
    fake.add_deployment_status(APP, d["id"], "queued", "pull request opened, waits for review",
                               environment_url="https://github.com/%s/pull/1" % GITOPS)
    fake.set_run(GITOPS, run["id"], "completed", "success")
    time.sleep(1.5)  # many polls at the longest pause
    assert t.is_alive()
    url = "https://github.com/%s/commit/%s" % (GITOPS, "a" * 40)
    fake.add_deployment_status(APP, d["id"], "success", "merged aaaaaaa", environment_url=url)
    t.join(90)
    res = box["res"]
    assert res.returncode == 0, res
    assert res.outputs()["gitops-commit-url"] == url


# ---- the fake's run endpoint, as GitHub documents it ------------------------

def test_fake_workflow_run_answers_as_github(fake, tmp_path):
    import urllib.error
    import urllib.request

    def get(path):
        req = urllib.request.Request(fake.url + path)
        req.add_header("Authorization", "Bearer " + TOKEN)
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        req.add_header("Accept", "application/vnd.github+json")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    d = tmp_path / "s"
    d.mkdir()
    res = gb_run(d, fake)
    assert res.returncode == 0, res
    run = fake.workflow_runs(GITOPS)[-1]
    st, body = get("/repos/%s/actions/runs/%d" % (GITOPS, run["id"]))
    assert st == 200 and body["status"] == "queued" and body["conclusion"] is None
    assert body["html_url"] == res.outputs()["run-url"]
    fake.set_run(GITOPS, run["id"], "completed", "timed_out")
    assert get("/repos/%s/actions/runs/%d" % (GITOPS, run["id"]))[1]["conclusion"] == "timed_out"
    assert get("/repos/%s/actions/runs/99999" % GITOPS)[0] == 404
    assert get("/repos/%s/actions/runs/%d" % (APP, run["id"]))[0] == 404  # another repo's id
    for bad in (("completed", None), ("in_progress", "success"), ("done", None),
                ("completed", "ok")):
        with pytest.raises(ValueError):
            fake.set_run(GITOPS, run["id"], *bad)


def gb_run(d, fake):
    from conftest import run_gb
    env = sender_env(d, fake, **WORKFLOW, deployment="false", wait="false")
    return run_gb([], env, tmp_path=d)


# ---- App credentials, and a server that does not name the run ---------------

def test_with_app_credentials_the_run_is_read_with_the_dispatch_token(gb, fake, tmp_path):
    """The App's token for the GitOps repo has Actions write (for the
    dispatch), which includes read: the run is read with it, no other
    token is minted, and it is revoked at exit."""
    from conftest import ROOT
    keys = ROOT / "tests" / "fixtures" / "jwt"
    fake.add_app("12345", (keys / "app-public.pem").read_text(), {GITOPS: {"actions": "write"}})
    env = sender_env(tmp_path, fake, **WORKFLOW, **{"wait-timeout": "60", "app-id": "12345",
                                                    "private-key": (keys / "app-pkcs1.pem").read_text()})
    t, box = start_sender(gb, tmp_path, env)
    run = the_run(fake)
    fake.set_run(GITOPS, run["id"], "completed", "cancelled")
    t.join(90)
    res = box["res"]
    assert res.returncode == 1, res
    assert "ended 'cancelled' without finishing deployment" in res.out
    [minted] = fake.minted
    assert minted["permissions"] == {"actions": "write"} and minted["revoked"]
    reads = fake.requests("GET", RUNS)
    assert reads and all(q["token"] == minted["name"] and q["status"] == 200 for q in reads)


def test_a_server_that_does_not_name_the_run_waits_on_the_statuses(gb, fake, tmp_path):
    fake.run_details = False  # an older server: 204, no run id
    d = tmp_path / "sender"
    d.mkdir()
    res = gb([], sender_env(d, fake, **WORKFLOW, **{"wait-timeout": "1"}), tmp_path=d)
    assert res.returncode == 1, res
    assert "the server did not name the receiving run" in res.out
    assert "its run may have failed before it posted, see the runs of 'deploy.yml' in '%s'" \
        % GITOPS in res.out
    assert fake.requests("GET", RUNS) == []
