"""Issue 12: the GitHub Deployment that carries a deploy from the app repo's
push to the GitOps commit (and Argo CD: tests/test_argocd.py).

The sender creates it and waits for its final state; the receiver posts its
statuses.  Everything runs against the fake GitHub on 127.0.0.1, whose
deployments endpoints validate as GitHub documents (tests/fakegh.py)."""
import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import DEPLOY_TOKEN, TOKEN, run_gb, check_no_token
from dispatch_util import APP, GITOPS, SHA, push_event, step_env
from fakegh import fake_github  # noqa: F401 (fixture)
from patch_util import MANIFEST, dispatch_event, dispatch_payload, patch_env, seed_gitops

FAST = {"GITOPS_BUMP_POLL_MS": "20"}


def seed(fake, deploy_token_repos=None):
    """The GitOps repo with its sandbox branch, the app repo with the pushed
    commit, and the deployment token (by default: every repo)."""
    seed_gitops(fake)
    fake.add_repo(APP, {"README.md": "app\n"})
    fake.add_commit(APP, "Fix login", sha=SHA)
    fake.add_token(DEPLOY_TOKEN, name="deployer", repos=deploy_token_repos)
    return fake


def sender_env(tmp_path, fake, **inputs):
    env = step_env(push_event(tmp_path), fake, **inputs)
    env.update(FAST)
    env["INPUT_DEPLOYMENT-TOKEN"] = DEPLOY_TOKEN
    return env


def run_in_thread(env, tmp_path):
    box = {}

    def target():
        box["res"] = run_gb(env=env, tmp_path=tmp_path, timeout=60)
    t = threading.Thread(target=target)
    t.start()
    return t, box


def wait_for(cond, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def statuses(fake, repo=APP):
    [d] = fake.deployments_of(repo)
    return d, [(s["state"], s["description"]) for s in d["statuses"]]


# ---- the fake's deployments endpoints, as GitHub documents them ------------

def api(fake, method, path, body=None, token=TOKEN, headers=None):
    req = urllib.request.Request(fake.url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("User-Agent", "test")
    req.add_header("X-GitHub-Api-Version", "2022-11-28")
    req.add_header("Accept", "application/vnd.github+json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            data = r.read()
            return r.status, dict(r.headers), json.loads(data) if data else None
    except urllib.error.HTTPError as e:
        data = e.read()
        return e.code, dict(e.headers), json.loads(data) if data else None


def test_fake_deployments_validate_as_github(fake_github):
    fake = seed(fake_github)
    fake.add_repo("org/other")
    fake.add_commit("org/other", "x", sha="1" * 40)
    st, _, d = api(fake, "POST", "/repos/%s/deployments" % APP,
                   {"ref": SHA, "environment": "sandbox", "auto_merge": False,
                    "required_contexts": []})
    assert st == 201 and d["sha"] == SHA and d["environment"] == "sandbox"
    st, _, e = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": "2" * 40})
    assert st == 422 and "No ref found" in e["message"]
    base = "/repos/%s/deployments/%d/statuses" % (APP, d["id"])
    st, _, e = api(fake, "POST", base, {"state": "done"})
    assert st == 422 and "in_progress" in e["message"]
    st, _, e = api(fake, "POST", base, {"state": "success", "description": "x" * 141})
    assert st == 422 and "140" in e["errors"][0]["message"]
    assert api(fake, "POST", base, {"state": "success", "description": "é" * 140})[0] == 201
    # a deployment of another repository is not found
    st, _, _ = api(fake, "POST", "/repos/org/other/deployments/%d/statuses" % d["id"],
                   {"state": "success"})
    assert st == 404
    # ETag, and a 304 that does not count against the rate limit
    st, h, lst = api(fake, "GET", base + "?per_page=1")
    assert st == 200 and lst[0]["state"] == "success" and h["etag"]
    before = int(h["x-ratelimit-remaining"])
    st, h2, _ = api(fake, "GET", base + "?per_page=1", headers={"If-None-Match": h["etag"]})
    assert st == 304 and int(h2["x-ratelimit-remaining"]) == before
    api(fake, "POST", base, {"state": "failure"})
    st, h3, lst = api(fake, "GET", base + "?per_page=1", headers={"If-None-Match": h["etag"]})
    assert st == 200 and lst[0]["state"] == "failure" and h3["etag"] != h["etag"]


# ---- the sender -------------------------------------------------------------

def test_deployment_is_created_and_named_in_the_payload(fake_github, tmp_path):
    fake = seed(fake_github)
    res = run_gb(env=sender_env(tmp_path, fake, deployment="true"), tmp_path=tmp_path)
    assert res.returncode == 0, res
    d, sts = statuses(fake)
    assert sts == []
    [req] = fake.requests("POST", "/repos/%s/deployments" % APP)
    assert req["token"] == "deployer"
    assert req["json"] == {"ref": SHA, "environment": "sandbox", "description": req["json"]["description"],
                           "auto_merge": False, "required_contexts": [],
                           "transient_environment": False}
    src = fake.dispatches(GITOPS)[0]["client_payload"]["source"]
    assert src["deployment_id"] == d["id"]
    assert src["deployment_url"].endswith("/repos/%s/deployments/%d" % (APP, d["id"]))
    assert res.outputs()["deployment-id"] == str(d["id"])
    assert "deploy-state" not in res.outputs()


def test_wait_needs_a_deployment(fake_github, tmp_path):
    res = run_gb(env=sender_env(tmp_path, seed(fake_github), wait="true"), tmp_path=tmp_path)
    assert res.returncode == 2 and "needs 'deployment: true'" in res.out
    assert fake_github.requests() == []


def test_deployment_token_is_required_and_never_a_flag(fake_github, tmp_path):
    env = sender_env(tmp_path, seed(fake_github), deployment="true")
    del env["INPUT_DEPLOYMENT-TOKEN"]
    res = run_gb(env=env, tmp_path=tmp_path)
    assert res.returncode == 2 and "set 'deployment-token'" in res.out
    res = run_gb(["dispatch", "--deployment-token", "x"], env=env, tmp_path=tmp_path)
    assert res.returncode == 2 and "not taken from the command line" in res.out


def test_wait_ends_with_the_receivers_gitops_commit(fake_github, tmp_path):
    """The whole loop: dispatch with wait, the receiver's patch posts its
    statuses, the sender returns the GitOps commit URL."""
    fake = seed(fake_github)
    sender_dir = tmp_path / "sender"
    sender_dir.mkdir()
    t, box = run_in_thread(sender_env(sender_dir, fake, deployment="true", wait="true", service="product",
                                      wait_timeout="60"), sender_dir)
    wait_for(lambda: fake.dispatches(GITOPS))
    ev = tmp_path / "event.json"
    ev.write_text(json.dumps(fake.dispatch_event(GITOPS)))
    env = patch_env(ev, fake, branch="{environment}", deployment_token=DEPLOY_TOKEN)
    res = run_gb(env=env, tmp_path=tmp_path)
    assert res.returncode == 0, res
    t.join(60)
    sent = box["res"]
    assert sent.returncode == 0, sent
    out = sent.outputs()
    commit_url = res.outputs()["commit-url"]
    assert commit_url and out["gitops-commit-url"] == commit_url
    assert out["deploy-state"] == "success"
    d, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "success"]
    assert d["statuses"][0]["log_url"] == "https://github.com/%s/actions/runs/77" % GITOPS
    assert d["statuses"][1]["environment_url"] == commit_url
    assert "| deployment |" in sent.summary and commit_url in sent.summary
    assert "| deployment |" in res.summary
    # the poll is conditional: unchanged lists came back as 304
    polls = fake.requests("GET", "/repos/%s/deployments/%d/statuses" % (APP, d["id"]))
    assert any(p["status"] == 304 and p["headers"].get("if-none-match") for p in polls)
    assert all(p["token"] == "deployer" for p in polls)


def test_wait_fails_on_failure(fake_github, tmp_path):
    fake = seed(fake_github)
    t, box = run_in_thread(sender_env(tmp_path, fake, deployment="true", wait="true"), tmp_path)
    d = wait_for(lambda: fake.deployments_of(APP))[0]
    wait_for(lambda: fake.dispatches(GITOPS))
    fake.add_deployment_status(APP, d["id"], "in_progress", "deploying")
    time.sleep(0.2)
    fake.add_deployment_status(APP, d["id"], "failure", "branch 'prod' does not follow policy")
    t.join(60)
    res = box["res"]
    assert res.returncode == 1, res
    assert "ended in 'failure': branch 'prod' does not follow policy" in res.out
    assert res.outputs()["deploy-state"] == "failure"
    assert "gitops-commit-url" not in res.outputs()
    # the failure summary shows the chain as far as it went
    assert "### gitops-bump dispatch failed" in res.summary
    assert "| deployment | [%d](https://github.com/%s/deployments) |" % (d["id"], APP) in res.summary
    assert "| deploy state | failure: branch" in res.summary


def test_wait_times_out(fake_github, tmp_path):
    fake = seed(fake_github)
    start = time.time()
    res = run_gb(env=sender_env(tmp_path, fake, deployment="true", wait="true", wait_timeout="1"),
                 tmp_path=tmp_path)
    assert time.time() - start < 20
    assert res.returncode == 1, res
    assert "did not end within 1 s (wait-timeout)" in res.out
    assert "the receiver posted nothing" in res.out
    assert res.outputs()["deploy-state"] == "timeout"


def test_a_failed_dispatch_marks_the_deployment_error(fake_github, tmp_path):
    fake = seed(fake_github)
    env = sender_env(tmp_path, fake, deployment="true", wait="true",
                     repository="org/missing-gitops")
    res = run_gb(env=env, tmp_path=tmp_path)
    assert res.returncode == 1
    _, sts = statuses(fake)
    assert len(sts) == 1 and sts[0][0] == "error" and "org/missing-gitops" in sts[0][1]
    assert len(sts[0][1]) <= 140


def test_dry_run_creates_no_deployment(fake_github, tmp_path):
    fake = seed(fake_github)
    res = run_gb(env=sender_env(tmp_path, fake, deployment="true", dry_run="true"),
                 tmp_path=tmp_path)
    assert res.returncode == 0, res
    assert fake.deployments_of(APP) == [] and "no deployment created" in res.out


# ---- the receiver -----------------------------------------------------------

def receive(tmp_path, fake, payload=None, **inputs):
    if payload is None:
        status, _, dep = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": SHA})
        assert status == 201
        payload = dispatch_payload()
        payload["source"]["deployment_id"] = dep["id"]
        payload["source"]["deployment_url"] = dep["url"]
    ev = dispatch_event(tmp_path, payload)
    inputs.setdefault("branch", "{environment}")
    inputs.setdefault("deployment_token", DEPLOY_TOKEN)
    return run_gb(env=patch_env(ev, fake, **inputs), tmp_path=tmp_path)


def test_receiver_posts_in_progress_then_success(fake_github, tmp_path):
    fake = seed(fake_github)
    res = receive(tmp_path, fake)
    assert res.returncode == 0, res
    d, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "success"]
    assert d["statuses"][1]["environment_url"] == res.outputs()["commit-url"]
    assert all(s["creator"] == "gitops-bump-fake[bot]" for s in d["statuses"])


def test_receiver_pull_request_mode_is_queued(fake_github, tmp_path):
    fake = seed(fake_github)
    res = receive(tmp_path, fake, pull_request="true")
    assert res.returncode == 0, res
    d, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "queued"]
    assert d["statuses"][1]["environment_url"] == res.outputs()["pull-request-url"]


def test_receiver_policy_refusal_is_a_failure_status(fake_github, tmp_path):
    fake = seed(fake_github)
    env_name = "e" * 100
    status, _, dep = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": SHA})
    payload = dispatch_payload(environment=env_name)
    payload["source"]["deployment_id"] = dep["id"]
    fake.clear_requests()
    res = receive(tmp_path, fake, payload)
    assert res.returncode == 1
    _, sts = statuses(fake)
    assert [s for s, _ in sts] == ["failure"]
    desc = sts[0][1]
    assert desc.startswith("branch '" + env_name[:40]) and desc.endswith("...")
    assert len(desc) == 140
    # the GitOps repo was neither read nor written
    assert [r for r in fake.requests() if GITOPS in r["path"]] == []


def test_receiver_tells_a_source_not_allowed_nothing(fake_github, tmp_path):
    fake = seed(fake_github)
    status, _, dep = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": SHA})
    payload = dispatch_payload()
    payload["source"]["deployment_id"] = dep["id"]
    fake.clear_requests()
    res = receive(tmp_path, fake, payload, allowed_sources="org/other-app")
    assert res.returncode == 1 and "not allowed to deploy" in res.out
    assert fake.requests() == []
    assert statuses(fake)[1] == []


def test_receiver_without_deployment_token_says_so(fake_github, tmp_path):
    fake = seed(fake_github)
    status, _, dep = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": SHA})
    payload = dispatch_payload()
    payload["source"]["deployment_id"] = dep["id"]
    ev = dispatch_event(tmp_path, payload)
    res = run_gb(env=patch_env(ev, fake, branch="{environment}"), tmp_path=tmp_path)
    assert res.returncode == 0, res
    assert "'deployment-token' is not set" in res.out
    assert statuses(fake)[1] == []


def test_a_status_that_cannot_be_posted_is_a_warning(fake_github, tmp_path):
    # the deployment token reaches only the GitOps repo, as its own GITHUB_TOKEN would
    fake = seed(fake_github, deploy_token_repos={GITOPS: {"contents": "write",
                                                          "deployments": "write"}})
    res = receive(tmp_path, fake)
    assert res.returncode == 0, res
    assert "::error" not in res.out
    assert "::warning::" in res.out and "is not updated any more" in res.out
    assert res.outputs()["changed"] == "true"
    # one failed attempt, then no more
    assert len(fake.requests("POST", r"/repos/%s/deployments/\d+/statuses" % APP)) == 1


def test_deployment_id_must_be_a_number(fake_github, tmp_path):
    fake = seed(fake_github)
    payload = dispatch_payload()
    payload["source"]["deployment_id"] = "12; rm -rf /"
    res = receive(tmp_path, fake, payload)
    assert res.returncode == 1
    assert "source.deployment_id" in res.out and fake.requests() == []


def test_an_unusable_deployment_token_does_not_stop_the_deploy(fake_github, tmp_path):
    fake = seed(fake_github)
    res = receive(tmp_path, fake, deployment_token="two words")
    assert res.returncode == 0, res
    assert "::error" not in res.out and "is not updated" in res.out
    assert res.outputs()["changed"] == "true"
    assert statuses(fake)[1] == []


def test_receiver_with_app_credentials_mints_deployments_write_on_the_app_repo(fake_github,
                                                                             tmp_path):
    """Issue 13 with issue 12: with app-id/private-key the receiver mints
    its own token for the statuses: Deployments write on the source repo
    alone, revoked at exit like the GitOps repo's."""
    import pathlib
    keys = pathlib.Path(__file__).parent / "fixtures" / "jwt"
    fake = seed(fake_github, deploy_token_repos={})  # the deployment-token reaches nothing
    fake.add_app("12345", (keys / "app-public.pem").read_text(),
                 {GITOPS: {"contents": "write"}, APP: {"deployments": "write"}})
    res = receive(tmp_path, fake, app_id="12345",
                  private_key=(keys / "app-pkcs1.pem").read_text())
    assert res.returncode == 0, res
    _, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "success"]
    minted = {tuple(m["repositories"]): m for m in fake.minted}
    assert minted[(APP,)]["permissions"] == {"deployments": "write"}
    assert minted[(GITOPS,)]["permissions"] == {"contents": "write"}
    assert all(m["revoked"] for m in fake.minted)
