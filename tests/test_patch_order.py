"""No stale deploy, rollback and freeze (issue 14, items 2 and 3): the receiver
reads what is deployed from the trailers of the newest of the last commits
that touched the manifest with a deploy of this source, orders the dispatch by ancestry in the app repo (or, when the token
cannot read it, by the sender's run number), skips what is older, honours a
deliberate rollback, and refuses every other deploy of a frozen manifest."""
import pytest

from conftest import TOKEN
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import (APP, ARTICLE_YAML, GITOPS, HISTORY, MANIFEST, dispatch_event,
                        dispatch_payload, patch_env, seed_gitops)

WORKFLOW = APP + "/.github/workflows/deploy.yml@refs/heads/sandbox"
COMPARE = "/repos/%s/compare/" % APP


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return seed_gitops(fake_github)


@pytest.fixture
def app(fake):
    """The app repo's history: A -> B -> C on main, and D on a branch from A.
    Returns {name: sha}."""
    fake.add_repo(APP, {"app.py": "v0\n"})
    shas = {}
    for name in "ABC":
        shas[name] = fake.commit_files(APP, "main", {"app.py": name + "\n"}, message=name)
    fake.add_branch(APP, "side", source=shas["A"])
    shas["D"] = fake.commit_files(APP, "side", {"app.py": "D\n"}, message="D")
    return shas


class Deployer:
    def __init__(self, gb, fake, tmp_path):
        self.gb, self.fake, self.tmp, self.n = gb, fake, tmp_path, 0

    def __call__(self, sha, run=None, rollback=False, workflow=WORKFLOW, token=TOKEN, **inputs):
        """One patch run for a dispatch of APP@sha (its own tmp dir)."""
        self.n += 1
        d = self.tmp / ("run%d" % self.n)
        d.mkdir()
        p = dispatch_payload(sha=sha, message="deploy " + sha[:7])
        if run is not None:
            p["source"]["run_number"] = run
            p["source"]["workflow_ref"] = workflow
        if rollback:
            p["source"]["rollback"] = True
        ev = dispatch_event(d, p)
        inputs.setdefault("branch", "sandbox")
        self.fake.clear_requests()
        return self.gb([], patch_env(ev, self.fake, value="{short_sha}", **inputs),
                       tmp_path=d, token=token)


@pytest.fixture
def deploy(gb, fake, tmp_path):
    return Deployer(gb, fake, tmp_path)


def deployed(fake):
    """The marker's text on sandbox: the short sha deployed last."""
    text = fake.read(GITOPS, MANIFEST, "sandbox")
    return text.split(b"<lastCommitMsg>")[1].split(b"</lastCommitMsg>")[0].decode()


def assert_skipped(r, fake, head, new, old):
    assert r.returncode == 0, r
    out = r.outputs()
    assert out["changed"] == "false" and out["skipped"] == "stale" and out["commit-sha"] == ""
    assert fake.head(GITOPS, "sandbox") == head  # nothing written
    assert [q for q in fake.requests() if q["method"] != "GET"] == []
    line = "%s@%s is " % (APP, new[:7])
    assert line in r.out and old[:7] in r.out and "skipped" in r.out
    assert "(skipped: stale)" in r.summary and new[:7] in r.summary and old[:7] in r.summary


def test_arrivals_c_a_b_deploy_c_only(deploy, fake, app):
    r = deploy(app["C"], run=3)
    assert r.returncode == 0, r
    assert r.outputs()["changed"] == "true" and r.outputs()["skipped"] == ""
    head = fake.head(GITOPS, "sandbox")
    msg = fake.log(GITOPS, "sandbox")[0]["message"]
    assert msg.endswith("\n\nDeployed-From: %s@%s\nSource-Run: 3\nSource-Workflow: %s\n"
                        % (APP, app["C"], WORKFLOW)), msg
    for late, run in (("A", 1), ("B", 2)):
        r = deploy(app[late], run=run)
        assert_skipped(r, fake, head, app[late], app["C"])
        assert "older than the deployed %s@%s (by ancestry" % (APP, app["C"][:7]) in r.out
        # one history read, one compare, nothing else
        assert [q["path"] for q in fake.requests()] == \
            [HISTORY, COMPARE + "%s...%s" % (app["C"], app[late])]
    assert deployed(fake) == app["C"][:7]


def test_in_order_arrivals_all_deploy(deploy, fake, app):
    for name in "ABC":
        r = deploy(app[name])
        assert r.returncode == 0 and r.outputs()["changed"] == "true", r
        assert deployed(fake) == app[name][:7]
    assert "is newer than the deployed %s (by ancestry)" % app["B"][:7] in r.out


def test_rerun_of_b_after_c_is_skipped(deploy, fake, app):
    """Re-running B's pipeline sends B's payload again, run number and all."""
    assert deploy(app["B"], run=2).returncode == 0
    assert deploy(app["C"], run=3).returncode == 0
    head = fake.head(GITOPS, "sandbox")
    assert_skipped(deploy(app["B"], run=2), fake, head, app["B"], app["C"])


def test_first_deploy_without_trailer_history(deploy, fake, app):
    """The manifest's last commit is the seed (no trailers): a first deploy,
    with no compare at all."""
    r = deploy(app["A"])
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert "no earlier deploy of '%s'" % APP in r.out
    assert [q["path"] for q in fake.requests("GET")][:1] == [HISTORY]
    assert not fake.requests(path="/compare/")


def test_hand_edit_after_a_deploy_does_not_hide_it(deploy, fake, app):
    """A hand edit of the manifest after C (no trailers) and another app's
    deploy of it: C is still what this source deployed, so A is stale."""
    assert deploy(app["C"]).returncode == 0
    fake.commit_files(GITOPS, "sandbox", {MANIFEST: fake.read(GITOPS, MANIFEST, "sandbox")
                                          .replace(b"replicas: 2", b"replicas: 3")})
    other = fake.read(GITOPS, MANIFEST, "sandbox") + b"# other\n"
    fake.commit_files(GITOPS, "sandbox", {MANIFEST: other},
                      message="deploy\n\nDeployed-From: org/other@%s\n" % ("e" * 40))
    head = fake.head(GITOPS, "sandbox")
    assert_skipped(deploy(app["A"]), fake, head, app["A"], app["C"])
    # ... and a newer build still goes
    r = deploy(app["C"])
    assert r.returncode == 0 and r.outputs()["skipped"] == "", r


def test_only_hand_edits_in_the_history_is_a_first_deploy(deploy, fake, app):
    """History without any deploy of this source (hand edits only): nothing
    to compare with, the deploy goes ahead and says so."""
    for n in (3, 4):
        fake.commit_files(GITOPS, "sandbox", {MANIFEST: fake.read(GITOPS, MANIFEST, "sandbox")
                                              .replace(b"replicas: %d" % (n - 1),
                                                       b"replicas: %d" % n)})
    r = deploy(app["A"])
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert "no earlier deploy" in r.out


def test_same_commit_again_is_allowed(deploy, fake, app):
    assert deploy(app["B"]).returncode == 0
    r = deploy(app["B"])
    assert r.returncode == 0 and r.outputs()["skipped"] == "", r
    assert "is what is deployed: deploying it again" in r.out
    assert not fake.requests(path="/compare/")


def test_diverged_branches_deploy_and_say_so(deploy, fake, app):
    assert deploy(app["C"]).returncode == 0
    r = deploy(app["D"])
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert "::notice::%s@%s and the deployed %s have diverged" % (APP, app["D"][:7],
                                                                  app["C"][:7]) in r.out
    assert deployed(fake) == app["D"][:7]


def test_unreadable_source_falls_back_to_run_numbers(deploy, fake, app):
    """A token for the GitOps repo only: compare answers 404, and the run
    numbers of the same workflow decide."""
    narrow = "ghs_OnlyTheGitOpsRepo000000000000000000000"
    fake.add_token(narrow, name="narrow", repos={GITOPS: {"contents": "write"}})
    assert deploy(app["C"], run=3, token=narrow).returncode == 0
    head = fake.head(GITOPS, "sandbox")
    r = deploy(app["B"], run=2, token=narrow)
    assert_skipped(r, fake, head, app["B"], app["C"])
    assert "(by run number;" in r.out
    assert [q["status"] for q in fake.requests(path="/compare/")] == [404]
    # another workflow's run numbers do not compare: deployed, and said
    r = deploy(app["A"], run=1, token=narrow,
               workflow=APP + "/.github/workflows/other.yml@refs/heads/main")
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert "::notice::cannot tell whether %s@%s is older" % (APP, app["A"][:7]) in r.out
    # a newer run of the same workflow goes ahead
    r = deploy(app["B"], run=4, token=narrow)
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r


def test_compare_that_keeps_failing_is_a_warning_not_an_error(deploy, fake, app):
    """GitHub answers the compare with 502 until the client gives up: the
    order is told by the run numbers, with a warning and no error line (a
    run that fails later must have exactly one)."""
    assert deploy(app["C"], run=3).returncode == 0
    head = fake.head(GITOPS, "sandbox")
    fake.fault("status", method="GET", path=".*/compare/.*", times=10, status=502)
    r = deploy(app["B"], run=2)
    fake.clear_faults()
    assert_skipped(r, fake, head, app["B"], app["C"])
    assert "(by run number;" in r.out
    assert not [l for l in r.out.splitlines() if l.startswith("::error")], r.out
    warns = [l for l in r.out.splitlines() if l.startswith("::warning")]
    assert any("the order is told by the run numbers" in w for w in warns), warns


def test_rollback_to_a_passes_and_holds(deploy, fake, app):
    assert deploy(app["C"], run=3).returncode == 0
    r = deploy(app["A"], run=7, rollback=True)
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert "rollback: %s@%s replaces the deployed %s" % (APP, app["A"][:7], app["C"][:7]) in r.out
    msg = fake.log(GITOPS, "sandbox")[0]["message"]
    assert "\nDeployed-From: %s@%s\n" % (APP, app["A"]) in msg
    assert msg.endswith("\nRollback-Of: %s@%s\n" % (APP, app["C"])), msg
    assert "| rollback of | %s |" % app["C"] in r.summary
    head = fake.head(GITOPS, "sandbox")
    # automation cannot undo the rollback: C again, or B, are not newer than C
    for name in "CB":
        r = deploy(app[name], run=3)
        assert_skipped(r, fake, head, app[name], app["C"])
        assert "which a rollback replaced" in r.out
    # a commit newer than C ends the rollback
    e = fake.commit_files(APP, "main", {"app.py": "E\n"}, message="E")
    r = deploy(e, run=8)
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert deployed(fake) == e[:7]


def test_rollback_refused_when_not_allowed(deploy, fake, app):
    assert deploy(app["C"]).returncode == 0
    head = fake.head(GITOPS, "sandbox")
    r = deploy(app["A"], rollback=True, allow_rollback="false")
    assert r.returncode == 1, r
    assert "::error::refusing the rollback to %s@%s: input 'allow-rollback' is false" \
        % (APP, app["A"][:7]) in r.out
    assert fake.head(GITOPS, "sandbox") == head and not fake.requests(method="PUT")


def frozen_manifest(reason):
    return ARTICLE_YAML.replace(b"  namespace: product\n", b"  namespace: product\n  annotations:\n"
                                b"    gitops-bump/freeze: %s\n" % reason)


@pytest.mark.parametrize("reason", [b'"incident 4711: hold"', b"'incident 4711: hold'"])
def test_freeze_refuses_a_deploy(deploy, fake, app, reason):
    seed_gitops(fake, {MANIFEST: frozen_manifest(reason)})
    head = fake.head(GITOPS, "sandbox")
    r = deploy(app["C"])
    assert r.returncode == 1, r
    # the annotation's own line: a comment, apiVersion, kind, metadata, name,
    # namespace, annotations, then it
    assert ("::error file=%s,line=8::'%s' is frozen: incident 4711: hold (annotation "
            "gitops-bump/freeze" % (MANIFEST, MANIFEST)) in r.out
    assert fake.head(GITOPS, "sandbox") == head and not fake.requests(method="PUT")


@pytest.mark.parametrize("value", [b'""', b"", b"~"])
def test_freeze_off_when_empty(deploy, fake, app, value):
    seed_gitops(fake, {MANIFEST: frozen_manifest(value)})
    r = deploy(app["C"])
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r


def test_freeze_overridden_by_rollback(deploy, fake, app):
    assert deploy(app["C"]).returncode == 0
    text = fake.read(GITOPS, MANIFEST, "sandbox")
    fake.commit_files(GITOPS, "sandbox", {MANIFEST: text.replace(
        b"  namespace: product\n", b"  namespace: product\n  annotations:\n"
        b"    gitops-bump/freeze: \"bad release, rolling back\"\n")}, message="Freeze")
    assert deploy(app["C"]).returncode == 1  # frozen for automation
    r = deploy(app["A"], rollback=True)
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert deployed(fake) == app["A"][:7]
    assert b"gitops-bump/freeze" in fake.read(GITOPS, MANIFEST, "sandbox")  # still frozen


def test_freeze_in_workspace_mode(gb, fake, app, tmp_path):
    ws = tmp_path / "ws"
    (ws / "product" / "sandbox").mkdir(parents=True)
    (ws / MANIFEST).write_bytes(frozen_manifest(b"hold"))
    ev = dispatch_event(tmp_path, dispatch_payload(sha=app["C"]))
    r = gb([], patch_env(ev, None, workspace=ws, commit="false"))
    assert r.returncode == 1 and "is frozen: hold" in r.out, r
    assert (ws / MANIFEST).read_bytes() == frozen_manifest(b"hold")


def test_payload_text_cannot_forge_a_trailer(deploy, fake, app):
    """A workflow_ref carrying a line break is left out of the trailers, so
    it cannot add a Deployed-From of its own."""
    evil = WORKFLOW + "\nDeployed-From: org/product-service@" + "f" * 40
    r = deploy(app["A"], run=5, workflow=evil)
    assert r.returncode == 0, r
    msg = fake.log(GITOPS, "sandbox")[0]["message"]
    assert msg.endswith("\n\nDeployed-From: %s@%s\nSource-Run: 5\n" % (APP, app["A"])), msg
    assert "f" * 40 not in msg
