"""Each mode and each payload shape run exactly as the Actions runner runs the
action: every default of action.yml passed as INPUT_*, and only the README's
`with:` on top (tests/runner_util.py), against the fake GitHub.

The payload shapes: the article's (`commitmsg`, `baseRef`: what its curl
sends, no source commit) and the current one (what `gitops-bump dispatch`
sends).  The current one is not hand-written: the dispatch step runs first
and the fake hands its dispatch to the patch step as the receiving runner's
event.json."""
import json
import re

import pytest

from conftest import TOKEN
from dispatch_util import APP, SHA, push_event
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import ARTICLE_YAML, GITOPS, MANIFEST, MARKER, article_payload, seed_gitops
from runner_util import runner_env

# The README's two workflows, their `with:` blocks as written there.
SENDER = {"mode": "dispatch", "token": TOKEN, "repository": GITOPS, "service": "product"}
RECEIVER = {"mode": "patch", "token": "${{ github.token }}", "branch": "{environment}"}


@pytest.fixture
def fake(fake_github):  # noqa: F811
    seed_gitops(fake_github)
    fake_github.add_repo(APP)
    return fake_github


def dispatch_step(gb, fake, tmp_path, with_=None, message="Fix login (#12)\n\nLonger text."):
    ev = json.loads(push_event(tmp_path, message=message).read_text())
    env = runner_env(tmp_path, fake, "push", ev, APP, "refs/heads/sandbox", {**SENDER, **(with_ or {})},
                     sha=SHA)
    return gb([], env)


def receiver_event(fake, shape, tmp_path, gb):
    """The repository_dispatch event.json of the receiving run."""
    if shape == "article":
        repo = fake._repo_json(fake.repo(GITOPS), None)
        return {"action": "product", "branch": "main", "client_payload": article_payload(),
                "repository": repo, "sender": {"login": "dev", "type": "User"}}
    r = dispatch_step(gb, fake, tmp_path)
    assert r.returncode == 0, r
    return fake.dispatch_event(GITOPS)


def patch_step(gb, fake, tmp_path, event, with_=None):
    env = runner_env(tmp_path, fake, "repository_dispatch", event, GITOPS, "refs/heads/main",
                     {**RECEIVER, **(with_ or {})})
    return gb([], env)


def test_dispatch_through_action_yml(gb, fake, tmp_path):
    r = dispatch_step(gb, fake, tmp_path)
    assert r.returncode == 0, r
    [d] = fake.dispatches(GITOPS)
    assert d["event_type"] == "product"
    p = d["client_payload"]
    assert p["service"] == "product" and p["environment"] == "sandbox"
    assert p["commitmsg"] == SHA[:7] + " Fix login (#12)" and p["baseRef"] == "sandbox"
    out = r.outputs()
    assert json.loads(out["payload"]) == p and out["event-type"] == "product"


@pytest.mark.parametrize("shape", ["article", "current"])
def test_patch_through_action_yml(gb, fake, tmp_path, shape):
    """The README's minimal receiver: before issue 9 the article's shape
    failed on input 'value' naming {repository}, an input the user never set."""
    ev = receiver_event(fake, shape, tmp_path, gb)
    base = fake.head(GITOPS, "sandbox")
    r = patch_step(gb, fake, tmp_path, ev)
    assert r.returncode == 0, r
    [c] = fake.log(GITOPS, "sandbox")[:1]
    assert c["parents"] == [base]
    old, new = c["changes"][MANIFEST]
    assert old == ARTICLE_YAML
    value = MARKER.search(new).group(1).decode()
    if shape == "article":
        assert re.fullmatch(r"\S+Z a1b2c3d Fix login", value), value
        assert c["message"] == "Deploy product to sandbox\n\na1b2c3d Fix login"
    else:
        assert re.fullmatch(r"\S+Z %s@%s: Fix login \(#12\)" % (APP, SHA[:7]), value), value
        assert c["message"] == "Deploy product to sandbox: %s@%s\n\nFix login (#12)" % (
            APP, SHA[:7])
    out = r.outputs()
    assert out["changed"] == "true" and out["commit-sha"] == c["sha"]


@pytest.mark.parametrize("shape", ["article", "current"])
def test_pull_request_through_action_yml(gb, fake, tmp_path, shape):
    """`pull-request: true` used to fail the same way on 'pull-request-title'."""
    ev = receiver_event(fake, shape, tmp_path, gb)
    r = patch_step(gb, fake, tmp_path, ev, {"pull-request": True})
    assert r.returncode == 0, r
    [pr] = fake.pulls(GITOPS)
    if shape == "article":
        assert pr["title"] == "Deploy product to sandbox"
    else:
        assert pr["title"] == "Deploy product to sandbox (%s)" % SHA[:7]
        assert "%s@%s" % (APP, SHA) in pr["body"]
    assert r.outputs()["pull-request-url"] == "https://github.com/%s/pull/%d" % (GITOPS, pr["number"])


@pytest.mark.parametrize("shape", ["article", "current"])
def test_user_templates_still_win(gb, fake, tmp_path, shape):
    """An input the workflow sets is used as written, whatever the payload."""
    ev = receiver_event(fake, shape, tmp_path, gb)
    r = patch_step(gb, fake, tmp_path, ev, {"value": "{environment} by {service}",
                                             "commit-message": "bump {service}"})
    assert r.returncode == 0, r
    [c] = fake.log(GITOPS, "sandbox")[:1]
    assert c["message"] == "bump product"
    assert MARKER.search(c["changes"][MANIFEST][1]).group(1) == b"sandbox by product"


def test_article_shape_with_a_template_naming_the_sha(gb, fake, tmp_path):
    """What the user writes is still checked against the payload: the
    article's shape has no sha, and the error names the input they set."""
    ev = receiver_event(fake, "article", tmp_path, gb)
    r = patch_step(gb, fake, tmp_path, ev, {"value": "{short_sha}"})
    assert r.returncode != 0
    assert "input 'value'" in r.out and "short_sha" in r.out
    assert fake.head(GITOPS, "sandbox") == fake.log(GITOPS, "sandbox")[0]["sha"]
    assert [x for x in fake.requests() if x["method"] != "GET"] == []
