"""Hostile inputs (issue 6, item 2) that the other suites do not cover yet:
each one a clear error, nothing sent or written.  Already covered elsewhere,
and not repeated here:
  tests/unit/test_event.c     empty, truncated, not-JSON and wrong-shape events,
                              NUL characters, client_payload nested 40 deep and
                              with 1200 keys (the parser's bounds);
  tests/test_github.py        truncated and non-JSON answers reach the caller, a
                              trickling body and a silent server end at the time
                              budget, dropped connections are retried, a TLS
                              certificate that does not verify is refused;
  tests/test_dispatch.py      a missing and a broken event file, a tag push."""
import json

import pytest

from dispatch_util import (APP, GITOPS, SHA, check_commands, fixture_event, push_event,
                           runner_messages, seed_dispatch, step_env)
from fakegh import fake_github, fake_github_https  # noqa: F401  (pytest fixtures)


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return seed_dispatch(fake_github)


def one_error(r):
    """The run failed with exactly one error line; returns it."""
    assert r.returncode == 1, r
    errors = runner_messages(r.stdout)
    assert len(errors) == 1, r
    return errors[0]


# ---- the dispatch is never sent twice ---------------------------------------

def test_dispatch_is_not_sent_again_when_the_answer_is_lost(gb, fake, tmp_path):
    """The server took the dispatch and the connection broke before it
    answered: sending it again could deploy twice, so the run fails and says
    it may have arrived (found by the allocation-failure torture: libcurl
    reports some of its allocation failures as an empty reply)."""
    fake.fault("drop", method="POST", path=r".*/dispatches", processed=True)
    r = gb([], step_env(push_event(tmp_path), fake))
    err = one_error(r)
    assert err.startswith("dispatch to 'org/gitops' failed: ")
    assert "after the request was sent; it may have arrived, so it is not sent again" in err
    assert len(fake.dispatches(GITOPS)) == 1
    assert len(fake.requests("POST")) == 1



def nothing_done(r, fake=None):
    """No dispatch sent, no output set."""
    if fake is not None:
        assert fake.requests("POST") == [], fake.requests("POST")
    assert r.outputs() == {}, r.output_text


# ---- event files ---------------------------------------------------------------

def deep(levels, inner="1"):
    return '{"k":' * levels + inner + "}" * levels


def many_keys(n):
    return "{" + ",".join('"k%d":%d' % (i, i) for i in range(n)) + "}"


def dispatch_event_text(payload_text):
    return '{"action":"product","branch":"main","client_payload":%s}' % payload_text


PUSH = (json.dumps({"ref": "refs/heads/sandbox", "after": SHA,
                    "head_commit": {"message": "m"}})).encode()

EVENT_FILES = {
    # name: (GITHUB_EVENT_NAME, file bytes, expected error)
    "empty": ("push", b"", "is not valid JSON (at byte 1)"),
    "blank": ("push", b" \n\t\n", "is not valid JSON"),
    "truncated": ("push", PUSH[:len(PUSH) // 2], "is not valid JSON"),
    "not-json": ("push", b"<html>502 Bad Gateway</html>", "is not valid JSON (at byte 1)"),
    "array": ("push", b"[" + PUSH + b"]", "is not a JSON object"),
    "string": ("push", b'"refs/heads/sandbox"', "is not a JSON object"),
    "two-texts": ("push", PUSH + b"\n" + PUSH, "is not valid JSON"),
    "raw-nul": ("push", PUSH.replace(b'"m"', b'"m\0x"'), "contains a NUL character"),
    "wrong-event-dispatch-as-push":
        ("push", dispatch_event_text("{}").encode(), "has no string 'ref' (is it a push event?)"),
    "wrong-event-push-as-run":
        ("workflow_run", PUSH, "has no object 'workflow_run'"),
    "payload-nested-100k":
        ("repository_dispatch", dispatch_event_text(deep(100000)).encode(), "is not valid JSON"),
    "payload-nested-33":
        ("repository_dispatch", dispatch_event_text(deep(33)).encode(),
         "is nested over 32 levels deep"),
    "payload-10k-keys":
        ("repository_dispatch", dispatch_event_text(many_keys(10000)).encode(),
         "has over 1000 keys"),
    "payload-5MB-value":
        ("repository_dispatch",
         dispatch_event_text('{"v":"%s"}' % ("x" * (5 << 20))).encode(), "is too large"),
}


@pytest.mark.parametrize("name", sorted(EVENT_FILES))
def test_hostile_event_file(gb, fake, tmp_path, name):
    event, data, want = EVENT_FILES[name]
    ev = tmp_path / "event.json"
    ev.write_bytes(data)
    r = gb([], step_env(ev, fake, event=event))
    err = one_error(r)
    assert err.startswith("event file '%s' " % ev) or err.startswith("client_payload in"), err
    assert want in err, err
    assert len(err) < 400
    nothing_done(r, fake)
    check_commands(r, errors=1)


def test_event_file_over_25_mib(gb, fake, tmp_path):
    ev = tmp_path / "event.json"
    with open(ev, "wb") as f:
        f.write(b'{"ref": "refs/heads/sandbox", "pad": "')
        f.write(b"x" * (25 << 20))
        f.write(b'"}')
    r = gb([], step_env(ev, fake))
    assert one_error(r) == "event file '%s' is over 25 MiB" % ev
    nothing_done(r, fake)


def test_event_file_that_is_a_directory(gb, fake, tmp_path):
    r = gb([], step_env(tmp_path, fake))
    err = one_error(r)
    assert err.startswith("cannot read event file '%s'" % tmp_path), err
    nothing_done(r, fake)


@pytest.mark.parametrize("text,want", [
    # an input is one environment variable, at most 128 KiB on Linux
    (deep(15000), "input 'client-payload' is not valid JSON"),
    (many_keys(5000), "client_payload would have 5005 top-level keys, GitHub allows 10"),
], ids=["nested-15k", "5k-keys"])
def test_hostile_client_payload_input(gb, fake, tmp_path, text, want):
    r = gb([], step_env(push_event(tmp_path), fake, client_payload=text))
    assert r.returncode == 2, r
    [err] = runner_messages(r.stdout)
    assert want in err and len(err) < 400, err[:500]
    nothing_done(r, fake)


# ---- API answers -----------------------------------------------------------------

def fetch_env(tmp_path, fake):
    sha = fake.add_commit(APP, "Release 2.0")
    env = step_env(fixture_event(tmp_path, "workflow_dispatch.json"), fake,
                   event="workflow_dispatch")
    env["GITHUB_SHA"] = sha
    return env, sha


@pytest.mark.parametrize("fault,params", [
    ("garbage", {"status": 200}),
    ("truncate", {}),
    ("status", {"status": 200, "message": "no commit here"}),
])
def test_commit_answer_that_is_not_a_commit(gb, fake, tmp_path, fault, params):
    """GET commits/{sha} answers 200 with an HTML page, a cut body, or JSON
    without commit.message: the message is never guessed, nothing is sent."""
    env, sha = fetch_env(tmp_path, fake)
    fake.fault(fault, method="GET", path=r".*/commits/.*", **params)
    r = gb([], env)
    err = one_error(r)
    assert err == "reading commit '%s' of '%s': the answer has no 'commit.message'" % (
        sha[:12], APP), err
    nothing_done(r, fake)


def test_commit_answer_closed_mid_body_every_time(gb, fake, tmp_path):
    env, sha = fetch_env(tmp_path, fake)
    fake.fault("close_mid", method="GET", times=None)
    r = gb([], dict(env, **{"INPUT_MAX-ATTEMPTS": "3"}))
    err = one_error(r)
    assert err.startswith("reading commit '%s' of '%s' failed after 3 attempts: " % (
        sha[:12], APP)), err
    assert len(fake.requests("GET")) == 3
    nothing_done(r, fake)


@pytest.mark.parametrize("fault,params", [
    ("hang", {}),
    ("trickle", {"chunk": 1, "interval": 0.5}),
])
def test_a_server_that_stalls_ends_at_the_time_budget(gb, fake, tmp_path, fault, params):
    env, sha = fetch_env(tmp_path, fake)
    fake.fault(fault, method="GET", times=None, **params)
    r = gb([], dict(env, INPUT_TIMEOUT="2"), timeout=30)
    err = one_error(r)
    assert err.startswith("reading commit '%s' of '%s' failed: the time budget of 2 s is used "
                          "up" % (sha[:12], APP)), err
    nothing_done(r, fake)


def test_tls_certificate_that_does_not_verify(gb, fake_github_https, tmp_path):  # noqa: F811
    fake = fake_github_https
    fake.add_repo(GITOPS)
    r = gb([], step_env(push_event(tmp_path), fake))
    err = one_error(r)
    assert err.startswith("dispatch to 'org/gitops' failed: TLS with '127.0.0.1' failed: "), err
    assert "there is no insecure mode" in err
    assert fake.requests() == []  # the token never reached it
    assert fake.dispatches(GITOPS) == []


# ---- manifests (the edit and patch modes) ------------------------------------------

ALIAS_BOMB = b"".join(
    [b"a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"] +
    [b"a%d: &a%d [%s]\n" % (i, i, b", ".join([b"*a%d" % (i - 1)] * 9)) for i in range(1, 12)] +
    [b"env:\n- name: LAST_COMMIT_MSG\n  value: \"<lastCommitMsg>old</lastCommitMsg>\"\n"])

MANIFESTS = {
    # name: (manifest bytes, expected error; None: the edit is done)
    "alias-bomb": (ALIAS_BOMB, None),
    "nested-100k": (b"a: " + b"[" * 100000 + b"]" * 100000 + b"\n" +
                    b"v: <lastCommitMsg>x</lastCommitMsg>\n", "nesting deeper than 512 levels"),
    # block style needs one more space per level: 2,000 levels are 2 MB
    "nested-2k-block": (b"".join(b"%sk:\n" % (b" " * i) for i in range(2000)) +
                        b"v: <lastCommitMsg>x</lastCommitMsg>\n", "nesting deeper than 512"),
    "invalid-utf8": (b"a: \"<lastCommitMsg>x</lastCommitMsg>\"\nb: \xff\xfe\n", "UTF-8"),
    "nul-byte": (b"a: \"<lastCommitMsg>x</lastCommitMsg>\"\nb: c\0d\n",
                 "is not valid YAML: control characters are not allowed"),
    "duplicate-key-on-the-path": (
        b"spec:\n  replicas: 1\nspec:\n  replicas: 2\nv: <lastCommitMsg>x</lastCommitMsg>\n",
        "twice"),
    "marker-without-closing-tag": (
        b"env:\n- name: LAST_COMMIT_MSG\n  value: \"<lastCommitMsg>old\"\n",
        "marker '<lastCommitMsg>' at line 3 has no '</lastCommitMsg>' after it"),
    "not-yaml": (b"a: [b\nc: <lastCommitMsg>x</lastCommitMsg>\n", "is not valid YAML"),
}


def edit_case(name):
    data, want = MANIFESTS[name]
    extra = ["--set", "spec.replicas=3"] if "duplicate" in name else []
    return data, want, ["--marker", "lastCommitMsg=deployed"] + extra


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_hostile_manifest_edit(gb, tmp_path, name):
    """gitops-bump edit -i: a clear error and the file untouched, or (an
    alias bomb: aliases are never expanded) a quick edit."""
    data, want, args = edit_case(name)
    f = tmp_path / "deploy.yaml"
    f.write_bytes(data)
    r = gb(["edit", str(f), *args, "-i"], actions=False, timeout=60)
    if want is None:
        assert r.returncode == 0, r
        assert f.read_bytes() == data.replace(b">old<", b">deployed<")
        return
    assert r.returncode == 1, r
    [err] = [l for l in r.err.splitlines() if l.startswith("gitops-bump: error:")]
    assert want in err and len(err) < 600, err
    assert f.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deploy.yaml"]


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_hostile_manifest_patch(gb, fake_github, tmp_path, name):  # noqa: F811
    """The same manifests in the GitOps repo: a clear error and no commit."""
    from patch_util import MANIFEST, article_payload, dispatch_event, patch_env
    data, want, _ = edit_case(name)
    fake_github.add_repo(GITOPS, {"README.md": "x\n"})
    base = fake_github.add_branch(GITOPS, "sandbox", files={MANIFEST: data})
    ev = dispatch_event(tmp_path, article_payload("a1b2c3d deployed"))
    env = patch_env(ev, fake_github, branch="{environment}", value="deployed")
    if "duplicate" in name:
        env["INPUT_SET"] = "spec.replicas=3"
    r = gb([], env, timeout=60)
    if want is None:
        assert r.returncode == 0, r
        assert fake_github.read(GITOPS, MANIFEST, "sandbox") == \
            data.replace(b">old<", b">deployed<")
        return
    err = one_error(r)
    assert want in err and len(err) < 600, err
    assert fake_github.head(GITOPS, "sandbox") == base
    assert [q for q in fake_github.requests() if q["method"] != "GET"] == []


def test_manifest_over_32_mib(gb, fake_github, tmp_path):  # noqa: F811
    """A 50 MB manifest: refused before it is read whole (GitHub sends files
    over 1 MB only raw; the client caps every answer)."""
    from patch_util import MANIFEST, article_payload, dispatch_event, patch_env
    big = b"v: <lastCommitMsg>x</lastCommitMsg>\npad: " + b"x" * (50 << 20) + b"\n"
    fake_github.add_repo(GITOPS, {"README.md": "x\n"})
    base = fake_github.add_branch(GITOPS, "sandbox", files={MANIFEST: big})
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake_github, branch="{environment}"), timeout=120)
    err = one_error(r)
    assert "over" in err and ("MiB" in err or "bytes" in err), err
    assert fake_github.head(GITOPS, "sandbox") == base
    f = tmp_path / "big.yaml"
    f.write_bytes(big)
    r = gb(["edit", str(f), "--marker", "lastCommitMsg=y", "-i"], actions=False, timeout=120)
    assert r.returncode == 1 and "too large" in r.err or "over" in r.err, r
    assert f.stat().st_size == len(big)


@pytest.mark.parametrize("fault,want", [
    ("bad_base64", "product/sandbox/sandbox-deploy.yaml is not valid base64: "),
    ("lie_sha", "the content does not match its blob sha"),
    ("garbage", "the answer is not JSON (HTTP 200)"),
    ("truncate", "the answer is not JSON (HTTP 200)"),
])
def test_damaged_contents_answer_in_patch(gb, fake_github, tmp_path, fault, want):  # noqa: F811
    """The contents answer is damaged on the way: never edited or committed."""
    from patch_util import ARTICLE_YAML, MANIFEST, article_payload, dispatch_event, patch_env
    fake_github.add_repo(GITOPS, {"README.md": "x\n"})
    base = fake_github.add_branch(GITOPS, "sandbox", files={MANIFEST: ARTICLE_YAML})
    kw = {"status": 200} if fault == "garbage" else {}
    fake_github.fault(fault, method="GET", path=r".*/contents/.*", times=None, **kw)
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake_github, branch="{environment}"))
    err = one_error(r)
    assert want in err, err
    assert fake_github.head(GITOPS, "sandbox") == base
    assert fake_github.requests("PUT") == []


def test_commit_message_cannot_break_the_marker(gb, fake_github, tmp_path):  # noqa: F811
    """A commit message holding the closing tag (anyone who can push to an app
    branch writes it) would end the article's marker early: refused."""
    from patch_util import ARTICLE_YAML, MANIFEST, article_payload, dispatch_event, patch_env
    fake_github.add_repo(GITOPS, {"README.md": "x\n"})
    base = fake_github.add_branch(GITOPS, "sandbox", files={MANIFEST: ARTICLE_YAML})
    ev = dispatch_event(tmp_path, article_payload("a1b2c3d x</lastCommitMsg>junk"))
    r = gb([], patch_env(ev, fake_github, branch="{environment}", value="{subject}"))
    err = one_error(r)
    assert "holds '</lastCommitMsg>', which would end the marker early" in err, err
    assert fake_github.head(GITOPS, "sandbox") == base
