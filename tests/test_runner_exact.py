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
    return gb([], env, tmp_path=tmp_path)


def receiver_event(fake, shape, tmp_path, gb):
    """The repository_dispatch event.json of the receiving run."""
    if shape == "article":
        repo = fake._repo_json(fake.repo(GITOPS), None)
        return {"action": "product", "branch": "main", "client_payload": article_payload(),
                "repository": repo, "sender": {"login": "dev", "type": "User"}}
    sender = tmp_path / "sender"  # its own runner files ($GITHUB_OUTPUT, summary)
    sender.mkdir()
    r = dispatch_step(gb, fake, sender)
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
        # the deploy's git trailers (docs/provenance.md) follow the template's text
        assert c["message"] == "Deploy product to sandbox: %s@%s\n\nFix login (#12)\n\n" \
            "Deployed-From: %s@%s\nSource-Run: 7\n" % (APP, SHA[:7], APP, SHA)
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
    trailers = "" if shape == "article" else \
        "\n\nDeployed-From: %s@%s\nSource-Run: 7\n" % (APP, SHA)
    assert c["message"] == "bump product" + trailers
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


# ---- failed runs: the step summary says what happened (issue 9, item 2) ----

def summary_parts(r):
    """The failure summary's heading, its Done line, its Error line, its Fix."""
    text = r.summary
    assert text.count("### gitops-bump ") == 1, text
    head = text.split("\n", 1)[0]
    done = re.search(r"^\*\*Done:\*\* (.*)$", text, re.M)
    err = re.search(r"^\*\*Error:\*\* (.*)$", text, re.M)
    fix = re.search(r"^\*\*Fix:\*\* (.*)$", text, re.M)
    assert done and err, text
    return head, done.group(1), err.group(1), fix.group(1) if fix else None


def unescape(md):
    return re.sub(r"\\(.)", r"\1", md).replace("&lt;", "<").replace("&gt;", ">").replace(
        "&amp;", "&")


def first_error(r):
    from dispatch_util import runner_messages
    return runner_messages(r.stdout)[0].replace("%0A", "\n").replace("%25", "%")


def test_failed_patch_refused_input(gb, fake, tmp_path):
    ev = receiver_event(fake, "article", tmp_path, gb)
    r = patch_step(gb, fake, tmp_path, ev, {"max-attempts": "zero"})
    assert r.returncode == 2, r
    head, done, err, _ = summary_parts(r)
    assert head == "### gitops-bump patch failed"
    assert done.startswith("nothing done: the inputs were refused")
    assert unescape(err) == first_error(r) == "input 'max-attempts' must be a whole number " \
        "from 1 to 100, not 'zero'"


def test_failed_patch_policy(gb, fake, tmp_path):
    ev = receiver_event(fake, "article", tmp_path, gb)
    ev["client_payload"]["baseRef"] = "production"
    r = patch_step(gb, fake, tmp_path, ev)
    assert r.returncode != 0, r
    head, done, err, _ = summary_parts(r)
    assert head == "### gitops-bump patch failed: product to production"
    assert done == "nothing committed"
    assert unescape(err) == first_error(r) and "production" in err
    assert "| service | product |" in r.summary
    assert r.outputs() == {}


def test_failed_patch_on_github(gb, fake, tmp_path):
    """GitHub refuses the write: the summary names the branch and files,
    says nothing was committed, and gives the error line."""
    ev = receiver_event(fake, "current", tmp_path, gb)
    fake.protect(GITOPS, "sandbox")
    r = patch_step(gb, fake, tmp_path, ev)
    assert r.returncode == 1, r
    head, done, err, fix = summary_parts(r)
    assert head == "### gitops-bump patch failed: product to sandbox"
    assert done == "nothing committed"
    assert unescape(err) == first_error(r) and "is protected" in err
    assert "| branch | sandbox |" in r.summary
    assert "| files | %s |" % MANIFEST.replace("-", "\\-").replace(".", "\\.") in r.summary
    assert fix and "pull-request: true" in unescape(fix)
    assert r.outputs() == {}


def test_failed_dispatch_sets_no_outputs(gb, fake, tmp_path):
    """A dispatch GitHub refuses: no payload/event-type outputs as if it
    had been sent, and a summary that says nothing was sent."""
    r = dispatch_step(gb, fake, tmp_path, {"repository": "org/missing"})
    assert r.returncode == 1, r
    assert r.outputs() == {}
    head, done, err, _ = summary_parts(r)
    assert head == "### gitops-bump dispatch failed: product to sandbox"
    assert done.startswith("nothing sent")
    assert unescape(err) == first_error(r) and "org/missing" in unescape(err)
    assert fake.dispatches(GITOPS) == []


def test_partly_failed_dispatch(gb, fake, tmp_path):
    r = dispatch_step(gb, fake, tmp_path, {"repository": GITOPS + "\norg/missing\n"})
    assert r.returncode == 1, r
    assert r.outputs() == {}
    _, done, _, _ = summary_parts(r)
    assert done.startswith("sent to 1 of 2 repositories")
    assert len(fake.dispatches(GITOPS)) == 1


def test_strict_not_a_deploy(gb, fake, tmp_path):
    ev = json.loads(push_event(tmp_path, ref="refs/tags/v1").read_text())
    env = runner_env(tmp_path, fake, "push", ev, APP, "refs/tags/v1", {**SENDER, "strict": True},
                     sha=SHA)
    r = gb([], env)
    assert r.returncode == 1, r
    head, done, err, _ = summary_parts(r)
    assert head == "### gitops-bump dispatch failed"
    assert done.startswith("nothing sent") and "strict" in err
