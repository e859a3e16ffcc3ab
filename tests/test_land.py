"""Mode land: the GitOps repo's step on `pull_request: types: [closed]`
finishes the deploy that patch mode left at `queued` with `pull-request:
true` (docs/deploy-feedback.md, "Pull-request mode: land").

Each test runs the real receiver first (patch, pull-request: true) against
the fake GitHub, so the pull request and its commit are what the receiver
writes; then a reviewer merges or closes it (tests/fakegh.py models "Merge a
pull request" and "List commits on a pull request"); then the land step
runs with the environment the runner builds from action.yml
(tests/runner_util.py: every input's default passed), on the pull_request
event GitHub's own example shapes (tests/fixtures/events/pull_request-closed.json).
Argo CD is tests/fakeargocd.py.  All on 127.0.0.1, stopped by the tests."""
import contextlib
import json
import pathlib

import pytest

from conftest import ARGOCD_TOKEN, DEPLOY_TOKEN, ROOT, TOKEN, check_no_token, run_gb
from dispatch_util import runner_messages
from fakeargocd import FakeArgoCD
from fakegh import fake_github  # noqa: F401 (fixture)
from patch_util import GITOPS, MANIFEST, dispatch_event, dispatch_payload, patch_env
from runner_util import runner_env
from test_deploy_feedback import APP, SHA, api, seed, statuses

APPNAME = "product-sandbox"
FAST = {"GITOPS_BUMP_POLL_MS": "20"}
EVENT = json.loads((ROOT / "tests" / "fixtures" / "events" / "pull_request-closed.json")
                   .read_text())


@contextlib.contextmanager
def argocd(fake, timeline, **kw):
    with FakeArgoCD(kw.pop("token", ARGOCD_TOKEN), kw.pop("app", APPNAME), timeline,
                    lambda: fake.head(GITOPS, "sandbox"), **kw) as a:
        yield a


def open_deploy_pr(tmp_path, fake, deployment=True, **inputs):
    """The receiver in pull-request mode: a deployment, its dispatch, the
    pull request the receiver opens (or reuses).  Returns (deployment id, pr
    number)."""
    payload = dispatch_payload()
    dep_id = None
    if deployment:
        status, _, dep = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": SHA})
        assert status == 201
        dep_id = payload["source"]["deployment_id"] = dep["id"]
    ev = dispatch_event(tmp_path, payload, name="dispatch.json")
    res = run_gb(env=patch_env(ev, fake, branch="{environment}", pull_request="true",
                               deployment_token=DEPLOY_TOKEN, **inputs), tmp_path=tmp_path)
    assert res.returncode == 0, res
    url = res.outputs()["pull-request-url"]
    return dep_id, int(url.rsplit("/", 1)[1])


def pr_event(pr, action="closed"):
    """GitHub's pull_request example with this pull request in it."""
    ev = json.loads(json.dumps(EVENT))
    ev["action"] = action
    ev["number"] = pr["number"]
    for key in ("number", "state", "title", "html_url", "url", "merged", "merge_commit_sha"):
        ev["pull_request"][key] = pr[key]
    for side in ("head", "base"):
        ev["pull_request"][side]["ref"] = pr[side]["ref"]
        ev["pull_request"][side]["sha"] = pr[side]["sha"]
        ev["pull_request"][side]["repo"]["full_name"] = pr[side]["repo"]["full_name"]
    ev["repository"]["full_name"] = GITOPS
    return ev


def land(tmp_path, fake, event, event_name="pull_request", **with_):
    """The land step as the runner starts it: every action.yml default,
    `with_` over them."""
    with_ = dict({"mode": "land", "deployment-token": DEPLOY_TOKEN}, **with_)
    env = runner_env(tmp_path, fake, event_name, event, GITOPS,
                     "refs/pull/%d/merge" % event.get("number", 1), with_)
    env.update(FAST)
    fake.clear_requests()
    # a step of its own: its own output and summary files
    step = pathlib.Path(tmp_path) / ("land-%d" % len(list(pathlib.Path(tmp_path).glob("land-*"))))
    step.mkdir()
    return run_gb(env=env, tmp_path=step, timeout=60)


def gitops_writes(fake):
    """Requests of the land run that would change the GitOps repo."""
    return [r for r in fake.requests() if r["method"] != "GET" and GITOPS in r["path"]]


def merged_with_argocd(tmp_path, fake, timeline, **with_):
    dep_id, number = open_deploy_pr(tmp_path, fake)
    with argocd(fake, timeline) as argo:
        pr = fake.merge_pull(GITOPS, number)
        with_.setdefault("argocd-server", argo.url)
        with_.setdefault("argocd-token", ARGOCD_TOKEN)
        with_.setdefault("argocd-timeout", "20")
        res = land(tmp_path, fake, pr_event(pr), **with_)
    return res, pr, argo, dep_id


# ---- merged -------------------------------------------------------------------

def test_merged_and_healthy_is_success_at_the_merge_commit(fake_github, tmp_path):
    fake = seed(fake_github)
    res, pr, argo, dep_id = merged_with_argocd(tmp_path, fake, "progress")
    assert res.returncode == 0, res
    merge = pr["merge_commit_sha"]
    assert merge == fake.head(GITOPS, "sandbox") and merge != pr["head"]["sha"]
    d, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "queued", "in_progress", "success"]
    assert sts[2][1] == "pull request #%d merged as %s, waiting for Argo CD" % (
        pr["number"], merge[:7])
    # the words of patch mode's success, with the merge commit
    assert sts[3][1] == "merged %s, Argo CD: Synced and Healthy" % merge[:7]
    url = "https://github.com/%s/commit/%s" % (GITOPS, merge)
    assert d["statuses"][3]["environment_url"] == url
    out = res.outputs()
    assert out["argocd-revision"] == merge and out["argocd-health"] == "Healthy"
    assert out["deployment-id"] == str(dep_id) and out["deploy-state"] == "success"
    assert out["gitops-commit-url"] == url
    # Healthy at the old revision twice first: no early success
    assert argo.polls == 6 and argo.requests[0]["query"] == {"refresh": ["normal"]}
    assert gitops_writes(fake) == []
    assert "### gitops-bump land: pull request #%d (merged)" % pr["number"] in res.summary
    assert "failed" not in res.summary and "### gitops-bump patch" not in res.summary
    assert "| Argo CD | [product\\-sandbox: Synced, Healthy at %s](%s/applications/" \
        "product-sandbox) |" % (merge[:7], argo.url) in res.summary
    assert set(res.outputs()) == {"deployment-id", "deploy-state", "gitops-commit-url",
                                  "argocd-revision", "argocd-sync-status", "argocd-health"}
    check_no_token(res, TOKEN)


def test_merged_and_degraded_is_failure(fake_github, tmp_path):
    fake = seed(fake_github)
    res, pr, argo, _ = merged_with_argocd(tmp_path, fake, "degraded")
    assert res.returncode == 1, res
    [err] = runner_messages(res.stdout)
    assert "Degraded" in err and "exceeded its progress deadline" in err
    _, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "queued", "in_progress", "failure"]
    assert "Degraded" in sts[3][1] and len(sts[3][1]) <= 140
    out = res.outputs()
    assert out["deploy-state"] == "failure" and out["argocd-health"] == "Degraded"
    failed = res.summary[res.summary.index("### gitops-bump land failed"):]
    assert "nothing written to the GitOps repository" in failed and "Degraded" in failed
    assert gitops_writes(fake) == []


def test_merged_without_argocd_is_success_at_once(fake_github, tmp_path):
    fake = seed(fake_github)
    _, number = open_deploy_pr(tmp_path, fake)
    pr = fake.merge_pull(GITOPS, number)
    res = land(tmp_path, fake, pr_event(pr))
    assert res.returncode == 0, res
    _, sts = statuses(fake)
    assert sts[2:] == [("in_progress", "pull request #%d merged as %s" % (
        number, pr["merge_commit_sha"][:7])), ("success", "merged %s" % pr["merge_commit_sha"][:7])]
    assert "argocd-health" not in res.outputs()


def test_every_deployment_of_a_reused_pull_request_lands(fake_github, tmp_path):
    """The same source dispatched twice (a re-run, a new deployment): the
    receiver reuses the open pull request with a second commit; the merge
    finishes both deployments."""
    fake = seed(fake_github)
    first, number = open_deploy_pr(tmp_path, fake, value="first run")
    second, again = open_deploy_pr(tmp_path, fake, value="second run")
    assert again == number and first != second
    pr = fake.merge_pull(GITOPS, number)
    res = land(tmp_path, fake, pr_event(pr))
    assert res.returncode == 0, res
    assert res.outputs()["deployment-id"] == "%d\n%d" % (first, second)
    for d in fake.deployments_of(APP):
        assert [s["state"] for s in d["statuses"]][-2:] == ["in_progress", "success"], d


def test_old_commit_without_the_new_trailers_skips_argocd(fake_github, tmp_path):
    """A pull request the receiver opened before it wrote Deploy-Service and
    Deploy-Environment: the deployment still lands; Argo CD's application
    cannot be named, so it is not asked, and the run says so."""
    fake = seed(fake_github)
    _, _, dep = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": SHA})
    fake.add_branch(GITOPS, "gitops-bump/product/sandbox/" + SHA[:7], source="sandbox")
    fake.commit_files(GITOPS, "gitops-bump/product/sandbox/" + SHA[:7],
                      {MANIFEST: "kind: ConfigMap\n"},
                      message="Deploy product to sandbox\n\nDeployed-From: %s@%s\n"
                              "Deployment-Id: %d\n" % (APP, SHA, dep["id"]))
    status, _, opened = api(fake, "POST", "/repos/%s/pulls" % GITOPS,
                            {"title": "Deploy", "head": "gitops-bump/product/sandbox/" + SHA[:7],
                             "base": "sandbox"})
    assert status == 201
    with argocd(fake, "progress") as argo:
        pr = fake.merge_pull(GITOPS, opened["number"])
        res = land(tmp_path, fake, pr_event(pr), **{"argocd-server": argo.url,
                                                    "argocd-token": ARGOCD_TOKEN})
    assert res.returncode == 0, res
    assert argo.polls == 0
    assert "Argo CD is not asked: the deploy commit has no Deploy-Service" in res.out
    [d] = fake.deployments_of(APP)
    assert [(s["state"], s["description"]) for s in d["statuses"]] == [
        ("in_progress", "pull request #%d merged as %s, waiting for Argo CD" % (
            pr["number"], pr["merge_commit_sha"][:7])),
        ("success", "merged %s" % pr["merge_commit_sha"][:7])]
    assert "not asked" in res.summary


def test_a_deploy_commit_past_the_first_page_of_commits_lands(fake_github, tmp_path):
    """The commits are read 100 to a page, oldest first, until a short page
    (GitHub lists at most 250): a deploy commit after 100 others is found."""
    fake = seed(fake_github)
    _, _, dep = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": SHA})
    branch = "gitops-bump/product/sandbox/" + SHA[:7]
    fake.add_branch(GITOPS, branch, source="sandbox")
    for i in range(100):
        fake.commit_files(GITOPS, branch, {"notes/%d.txt" % i: "note\n"}, message="note %d" % i)
    fake.commit_files(GITOPS, branch, {MANIFEST: "kind: ConfigMap\n"},
                      message="Deploy product to sandbox\n\nDeployed-From: %s@%s\n"
                              "Deployment-Id: %d\n" % (APP, SHA, dep["id"]))
    pr = fake.merge_pull(GITOPS, fake.add_pull(GITOPS, branch, "sandbox"))
    res = land(tmp_path, fake, pr_event(pr))
    assert res.returncode == 0, res
    pages = [r for r in fake.requests() if r["path"].endswith("/pulls/%d/commits" % pr["number"])]
    assert len(pages) == 2, pages
    [d] = fake.deployments_of(APP)
    assert d["statuses"][-1]["state"] == "success"
    assert d["statuses"][-1]["description"] == "merged %s" % pr["merge_commit_sha"][:7]


def test_the_receiver_writes_the_trailers_land_reads(fake_github, tmp_path):
    fake = seed(fake_github)
    dep_id, number = open_deploy_pr(tmp_path, fake)
    [head] = [p["head"] for p in fake.pulls(GITOPS) if p["number"] == number]
    msg = fake.log(GITOPS, head)[0]["message"]
    assert msg.endswith("\n\nDeployed-From: %s@%s\nDeployment-Id: %d\n"
                        "Deploy-Service: product\nDeploy-Environment: sandbox\n"
                        % (APP, SHA, dep_id)), msg


# ---- closed, not ours ------------------------------------------------------------

def test_closed_without_merging_is_a_final_failure(fake_github, tmp_path):
    fake = seed(fake_github)
    dep_id, number = open_deploy_pr(tmp_path, fake)
    pr = fake.close_pull(GITOPS, number)
    assert pr["merge_commit_sha"] is None
    ev = pr_event(pr)
    ev["pull_request"]["merge_commit_sha"] = "c4295bd74fb0f4fda03689c3df3f2803b658fd85"  # as GitHub's
    with argocd(fake, "progress") as argo:
        res = land(tmp_path, fake, ev, **{"argocd-server": argo.url,
                                          "argocd-token": ARGOCD_TOKEN})
    assert res.returncode == 0, res
    assert argo.polls == 0
    d, sts = statuses(fake)
    assert sts[2:] == [("failure", "pull request #%d closed without merging: nothing deployed"
                        % number)]
    assert d["statuses"][2]["environment_url"] == pr["html_url"]
    assert res.outputs()["deploy-state"] == "failure"
    assert res.outputs()["gitops-commit-url"] == ""
    assert "(closed without merging)" in res.summary
    assert gitops_writes(fake) == []


def test_a_pull_request_not_ours_posts_nothing(fake_github, tmp_path):
    fake = seed(fake_github)
    fake.add_branch(GITOPS, "readme", source="sandbox")
    fake.commit_files(GITOPS, "readme", {"README.md": "hi\n"}, message="Docs\n\nSigned-off-by: A <a@b>")
    _, _, opened = api(fake, "POST", "/repos/%s/pulls" % GITOPS,
                       {"title": "Docs", "head": "readme", "base": "sandbox"})
    pr = fake.merge_pull(GITOPS, opened["number"])
    res = land(tmp_path, fake, pr_event(pr))
    assert res.returncode == 0, res
    assert "is not a deploy of gitops-bump" in res.out
    assert [r for r in fake.requests() if r["method"] != "GET"] == []
    assert fake.deployments_of(APP) == []
    assert "(nothing to land)" in res.summary
    assert res.outputs()["deploy-state"] == ""


def test_a_fork_or_another_action_is_not_read_at_all(fake_github, tmp_path):
    fake = seed(fake_github)
    _, number = open_deploy_pr(tmp_path, fake)
    pr = fake.merge_pull(GITOPS, number)
    ev = pr_event(pr)
    ev["pull_request"]["head"]["repo"]["full_name"] = "someone/gitops-fork"
    res = land(tmp_path, fake, ev)
    assert res.returncode == 0, res
    assert "comes from 'someone/gitops-fork'" in res.out
    assert fake.requests() == []
    res = land(tmp_path, fake, pr_event(pr, action="reopened"))
    assert res.returncode == 0 and "was reopened, not closed" in res.out
    assert fake.requests() == []
    _, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "queued"]


def test_a_source_not_allowed_is_told_nothing(fake_github, tmp_path):
    fake = seed(fake_github)
    _, number = open_deploy_pr(tmp_path, fake)
    pr = fake.merge_pull(GITOPS, number)
    res = land(tmp_path, fake, pr_event(pr), **{"allowed-sources": "other-org/*"})
    assert res.returncode == 0, res
    assert "is not in 'allowed-sources'" in res.out
    _, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "queued"]


# ---- usage, tokens ---------------------------------------------------------------

def test_usage_errors(fake_github, tmp_path):
    fake = seed(fake_github)
    res = land(tmp_path, fake, pr_event(fake_pr()), event_name="push")
    assert res.returncode == 2 and "mode 'land' runs on a closed pull request, not on a " \
        "'push' event" in res.out
    assert "### gitops-bump land failed" in res.summary
    res = land(tmp_path, fake, pr_event(fake_pr()),
               **{"argocd-application": "{service}-{subject}", "argocd-server": "https://a.b",
                  "argocd-token": ARGOCD_TOKEN})
    assert res.returncode == 2 and "uses {subject}, which mode 'land' cannot know" in res.out
    res = land(tmp_path, fake, pr_event(fake_pr()),
               **{"argocd-application": "{payload.app}", "argocd-server": "https://a.b",
                  "argocd-token": ARGOCD_TOKEN})
    assert res.returncode == 2 and "{payload.app}" in res.out
    assert fake.requests() == []


def test_dry_run_posts_nothing_and_says_what_it_would(fake_github, tmp_path):
    fake = seed(fake_github)
    dep_id, number = open_deploy_pr(tmp_path, fake)
    pr = fake.merge_pull(GITOPS, number)
    res = land(tmp_path, fake, pr_event(pr), **{"dry-run": "true"})
    assert res.returncode == 0, res
    assert "dry run: deployment %d of '%s' would be 'success': merged %s" % (
        dep_id, APP, pr["merge_commit_sha"][:7]) in res.out
    _, sts = statuses(fake)
    assert [s for s, _ in sts] == ["in_progress", "queued"]
    assert [r for r in fake.requests() if r["method"] != "GET"] == []


def fake_pr():
    """A pull request as the event carries it, for runs that stop before
    reading it."""
    return {"number": 1, "state": "closed", "title": "t", "merged": True,
            "merge_commit_sha": "a" * 40,
            "html_url": "https://github.com/%s/pull/1" % GITOPS, "url": "u",
            "head": {"ref": "x", "sha": "b" * 40, "repo": {"full_name": GITOPS}},
            "base": {"ref": "sandbox", "sha": "c" * 40, "repo": {"full_name": GITOPS}}}


def test_no_token_is_ever_printed(fake_github, tmp_path):
    """Every secret the land step holds (the GitOps token, the deployment
    token, the Argo CD token) stays out of every output, on a run that
    fails at Argo CD (401) and posts its failure."""
    fake = seed(fake_github)
    res, _, _, _ = merged_with_argocd(tmp_path, fake, "progress",
                                      **{"argocd-token": "argocd.wrongButSecret0123456789"})
    assert res.returncode == 1, res
    assert "401" in res.out or "token" in res.out
    for secret in (TOKEN, DEPLOY_TOKEN, "argocd.wrongButSecret0123456789"):
        check_no_token(res, secret)
    _, sts = statuses(fake)
    assert sts[-1][0] == "failure"


def test_a_deployment_token_that_cannot_post_fails_the_run(fake_github, tmp_path):
    """Patch mode's statuses are best effort; land's are its whole work: a
    deployment it cannot tell fails the step, with one error line that
    names it and the fix."""
    fake = seed(fake_github, deploy_token_repos={})  # the deployment-token reaches nothing
    dep_id, number = open_deploy_pr(tmp_path, fake)
    pr = fake.merge_pull(GITOPS, number)
    res = land(tmp_path, fake, pr_event(pr))
    assert res.returncode == 1, res
    [err] = runner_messages(res.stdout)
    # the client's own words: what GitHub answered and what the token needs
    assert err.startswith("1 of the 1 deployment pull request #%d names was not updated "
                          "(deployment %d of '%s'): posting status 'in_progress'"
                          % (number, dep_id, APP)), err
    assert "the token needs deployments:write on '%s'" % APP in err, err
    assert "(not updated: the token could not post a status)" in res.summary
    assert "the deployments the error names were not updated" in res.summary


def test_no_deployment_token_fails_the_run(fake_github, tmp_path):
    fake = seed(fake_github)
    dep_id, number = open_deploy_pr(tmp_path, fake)
    pr = fake.merge_pull(GITOPS, number)
    before = statuses(fake)[1]
    res = land(tmp_path, fake, pr_event(pr), **{"deployment-token": ""})
    assert res.returncode == 1, res
    assert runner_messages(res.stdout) == [
        "1 of the 1 deployment pull request #%d names was not updated (deployment %d of "
        "'%s'): set 'deployment-token' (Deployments write on that repository) or 'app-id' "
        "and 'private-key'" % (number, dep_id, APP)], res
    assert statuses(fake)[1] == before, "nothing could be posted"


def test_app_credentials_mint_read_on_gitops_and_deployments_on_the_source(fake_github,
                                                                           tmp_path):
    from conftest import check_no_secrets
    from test_apps import APP_ID, PEM, PUBLIC, check_revoked
    fake = seed(fake_github)
    fake.add_app(APP_ID, PUBLIC, {GITOPS: {"contents": "read", "pull_requests": "read"},
                                  APP: {"deployments": "write"}})
    _, number = open_deploy_pr(tmp_path, fake)
    pr = fake.merge_pull(GITOPS, number)
    res = land(tmp_path, fake, pr_event(pr), **{"app-id": APP_ID, "private-key": PEM,
                                                "deployment-token": ""})
    assert res.returncode == 0, res
    minted = {tuple(m["repositories"]): m["permissions"] for m in fake.minted}
    assert minted == {(GITOPS,): {"contents": "read", "pull_requests": "read"},
                      (APP,): {"deployments": "write"}}
    d, sts = statuses(fake)
    assert [s for s, _ in sts][-2:] == ["in_progress", "success"]
    assert d["statuses"][-1]["creator"] == "fake-app-%s[bot]" % APP_ID
    check_revoked(fake)
    check_no_secrets(res, {"INPUT_PRIVATE-KEY": PEM})
