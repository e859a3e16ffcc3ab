"""Pull-request mode: a newer deploy closes the open pull requests of older
deploys of the same service and environment (src/supersede.h), and their
deployments end `inactive`; an older deploy leaves a newer one open and
says so.  The receiver runs as patch mode with `pull-request: true` against
the fake GitHub ("List pull requests", "Get a commit" with its files,
"Update a pull request": tests/fakegh.py names the pages); the order of two
deploys is deployed.h's (ancestry in the app repo)."""
import pytest

from conftest import DEPLOY_TOKEN, TOKEN
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import APP, GITOPS, dispatch_event, dispatch_payload, patch_env, seed_gitops
from test_deploy_feedback import api
from test_land import land, pr_event
from test_patch_order import WORKFLOW, app  # noqa: F401  (app: A -> B -> C, D from A)


@pytest.fixture
def fake(fake_github):  # noqa: F811
    seed_gitops(fake_github)
    fake_github.add_token(DEPLOY_TOKEN, name="deployer")
    return fake_github


class Deployer:
    """One receiver run in pull-request mode for a dispatch of APP@sha, with
    a deployment of that sha.  Returns (result, pr number, deployment id)."""
    def __init__(self, gb, fake, tmp_path):
        self.gb, self.fake, self.tmp, self.n = gb, fake, tmp_path, 0

    def __call__(self, sha, run=None, rollback=False):
        self.n += 1
        d = self.tmp / ("run%d" % self.n)
        d.mkdir()
        status, _, dep = api(self.fake, "POST", "/repos/%s/deployments" % APP, {"ref": sha})
        assert status == 201, dep
        p = dispatch_payload(sha=sha, message="deploy " + sha[:7])
        p["source"]["deployment_id"] = dep["id"]
        if rollback:
            p["source"]["rollback"] = True
        if run is not None:
            p["source"]["run_number"] = run
            p["source"]["workflow_ref"] = WORKFLOW
        ev = dispatch_event(d, p)
        self.fake.clear_requests()
        r = self.gb([], patch_env(ev, self.fake, value="{short_sha}", branch="sandbox",
                                  pull_request="true", deployment_token=DEPLOY_TOKEN),
                    tmp_path=d, token=TOKEN)
        assert r.returncode == 0, r
        url = r.outputs()["pull-request-url"]
        return r, int(url.rsplit("/", 1)[1]), dep["id"]


@pytest.fixture
def deploy(gb, fake, tmp_path):
    return Deployer(gb, fake, tmp_path)


def pr(fake, number):
    return fake.pull_json(GITOPS, number)


def states(fake, dep_id):
    """The deployment's statuses, oldest first."""
    [d] = [d for d in fake.deployments_of(APP) if d["id"] == dep_id]
    return [(s["state"], s["description"]) for s in d["statuses"]]


def test_newer_deploy_closes_the_older_pull_request(fake, app, deploy):
    _, old, old_dep = deploy(app["A"])
    # a hand-made branch of the same family without deploy trailers, and the
    # same deploy commit on another service's branch: neither is touched
    fake.add_branch(GITOPS, "gitops-bump/product/sandbox/handmade", source="sandbox")
    fake.commit_files(GITOPS, "gitops-bump/product/sandbox/handmade",
                      {"notes.txt": "by hand\n"}, message="notes")
    hand = fake.add_pull(GITOPS, "gitops-bump/product/sandbox/handmade", "sandbox")
    fake.add_branch(GITOPS, "gitops-bump/billing/sandbox/" + app["A"][:7],
                    source=pr(fake, old)["head"]["sha"])
    other = fake.add_pull(GITOPS, "gitops-bump/billing/sandbox/" + app["A"][:7], "sandbox")
    before = pr(fake, old)["body"]
    r, new, new_dep = deploy(app["B"])
    assert new not in (old, other)
    assert pr(fake, old)["state"] == "closed" and not pr(fake, old)["merged"]
    assert pr(fake, new)["state"] == pr(fake, hand)["state"] == pr(fake, other)["state"] == "open"
    # the earlier body kept, the line that says why below it
    assert pr(fake, old)["body"] == before + (
        "\n\nSuperseded by gitops-bump: pull request #%d: its deploy of %s@%s is newer than "
        "this one." % (new, APP, app["B"][:7]))
    notice = [l for l in r.out.splitlines() if l.startswith("::notice::closed pull request")]
    assert notice == ["::notice::closed pull request #%d of '%s': its deploy of %s@%s is older "
                      "than this one (by ancestry); the change is in #%d"
                      % (old, GITOPS, APP, app["A"][:7], new)], r.out
    # the older deployment is finished: inactive, the newer one waits for review
    assert states(fake, old_dep)[-1] == ("inactive", "superseded by pull request #%d (%s)"
                                         % (new, app["B"][:7]))
    assert states(fake, new_dep)[-1][0] == "queued"
    assert [u[1] for u in fake.pull_updates] == [old]


def test_older_deploy_leaves_the_newer_one_open_and_warns(fake, app, deploy):
    _, new, new_dep = deploy(app["B"])
    r, old, old_dep = deploy(app["A"])
    assert pr(fake, new)["state"] == pr(fake, old)["state"] == "open"
    assert fake.pull_updates == []
    warn = [l for l in r.out.splitlines() if l.startswith("::warning")]
    assert len(warn) == 1 and ("pull request #%d of '%s' deploys %s@%s, newer than this one "
                               "(by ancestry): merge that one, not #%d"
                               % (new, GITOPS, APP, app["B"][:7], old)) in warn[0], r.out
    assert states(fake, new_dep)[-1][0] == "queued"


def test_diverged_deploys_are_both_left_open(fake, app, deploy):
    _, c, _ = deploy(app["C"])
    r, d, _ = deploy(app["D"])
    assert pr(fake, c)["state"] == pr(fake, d)["state"] == "open"
    assert fake.pull_updates == []
    assert "is left open: the order of the two deploys cannot be told" in r.out


def test_run_numbers_order_when_the_app_repo_cannot_be_read(fake, app, deploy):
    """The GitOps token cannot read the app repo (a 404 for the compare): the
    run numbers of the same workflow order the two."""
    fake.fault("status", method="GET", path="/repos/%s/compare/.*" % APP, status=404,
               message="Not Found", times=None)
    _, old, _ = deploy(app["A"], run=7)
    r, new, _ = deploy(app["B"], run=8)
    assert pr(fake, old)["state"] == "closed"
    assert "(by run number)" in r.out


def test_a_failed_close_does_not_fail_the_deploy(fake, app, deploy):
    _, old, old_dep = deploy(app["A"])
    fake.fault("status", method="PATCH", path="/repos/%s/pulls/\\d+" % GITOPS, status=403,
               message="Resource not accessible by integration")
    r, new, _ = deploy(app["B"])
    assert pr(fake, old)["state"] == "open"
    assert [l for l in r.out.splitlines() if l.startswith("::warning")], r.out
    assert "stays open" in r.out and not [l for l in r.out.splitlines()
                                          if l.startswith("::error")]
    assert states(fake, old_dep)[-1][0] == "queued"


def test_land_on_the_superseded_close_says_inactive_not_failure(fake, app, deploy, tmp_path):
    _, old, old_dep = deploy(app["A"])
    _, new, _ = deploy(app["B"])
    # GitHub's event carries the body (pr_event copies only what land needed)
    ev = pr_event(pr(fake, old))
    ev["pull_request"]["body"] = pr(fake, old)["body"]
    res = land(tmp_path, fake, ev)
    assert res.returncode == 0, res
    assert res.outputs()["deploy-state"] == "inactive"
    assert states(fake, old_dep)[-1] == ("inactive", "superseded by pull request #%d" % new)
    assert "failure" not in [s for s, _ in states(fake, old_dep)]


def test_a_rollback_closes_nothing_and_gives_no_advice(fake, app, deploy):
    _, new, _ = deploy(app["B"])
    r, back, _ = deploy(app["A"], rollback=True)
    assert pr(fake, new)["state"] == pr(fake, back)["state"] == "open"
    assert fake.pull_updates == []
    assert not [l for l in r.out.splitlines() if l.startswith("::warning")], r.out
    assert "a rollback: open deploy pull requests are left as they are" in r.out
