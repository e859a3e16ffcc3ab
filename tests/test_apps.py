"""Issue 13, least privilege: GitHub App tokens minted per repository and
revoked at exit, a sender that cannot push (via: workflow_dispatch), and
Verified multi-file commits through GraphQL, against the fake GitHub (which
verifies the App JWT's RS256 signature and its iat/exp/iss)."""
import json
import time

import pytest

from conftest import ROOT
from dispatch_util import APP as SRC_REPO, GITOPS, push_event, seed_dispatch, step_env
from fakegh import FakeGitHub, fake_github  # noqa: F401  (pytest fixture)
from patch_util import (ARTICLE_YAML, WORKLOADS_YAML, dispatch_event, dispatch_payload,
                        patch_env, seed_gitops)

KEYS = ROOT / "tests" / "fixtures" / "jwt"
PEM = (KEYS / "app-pkcs1.pem").read_text()
PEM8 = (KEYS / "app-pkcs8.pem").read_text()
PUBLIC = (KEYS / "app-public.pem").read_text()
APP_ID = "12345"
SANDBOX = "product/sandbox/sandbox-deploy.yaml"
SHARED = "product/shared/cronjobs.yaml"
MANIFESTS = "{service}/{environment}/{environment}-deploy.yaml\n{service}/shared/cronjobs.yaml"


def app_inputs(pem=PEM, app_id=APP_ID):
    return {"INPUT_APP-ID": app_id, "INPUT_PRIVATE-KEY": pem}


def no_token(env):
    """The App is the only credential: the token input is empty."""
    env["INPUT_TOKEN"] = None
    return env


def minted_use(fake, entry):
    """The requests made with a minted token, in order."""
    return [q for q in fake.requests() if q["token"] == entry["name"]]


def check_revoked(fake):
    """Every minted token was revoked, by a DELETE that was its last use."""
    assert fake.minted, "no token was minted"
    for entry in fake.minted:
        assert entry["revoked"], entry["name"]
        used = minted_use(fake, entry)
        assert used[-1]["method"] == "DELETE" and used[-1]["path"] == "/installation/token"
        assert used[-1]["status"] == 204


def check_jwts(fake, lo, hi):
    """Every App request carried a valid JWT: iss the App, iat 60 s back,
    exp 9 minutes ahead (10 minutes after iat), made between lo and hi."""
    jwts = [q["jwt"] for q in fake.requests() if q["jwt"]]
    assert jwts
    for c in jwts:
        assert "error" not in c, c
        assert c["iss"] == APP_ID and c["alg"] == "RS256"
        assert lo - 60 - 1 <= c["iat"] <= hi - 60 + 1
        assert c["exp"] - c["iat"] == 600


# ---- dispatch with App credentials ---------------------------------------------

@pytest.fixture
def sender(fake_github):  # noqa: F811
    fake = seed_dispatch(fake_github)
    fake.add_app(APP_ID, PUBLIC, {GITOPS: {"contents": "write", "actions": "write",
                                           "metadata": "read"},
                                  "org/gitops-eu": {"contents": "write"}})
    return fake


def test_dispatch_mints_one_repo_contents_write_and_revokes(gb, sender, tmp_path):
    ev = push_event(tmp_path)
    lo = time.time()
    r = gb([], no_token({**step_env(ev, sender), **app_inputs()}))
    hi = time.time()
    assert r.returncode == 0, r
    [d] = sender.dispatches(GITOPS)
    [entry] = sender.minted
    assert entry["repositories"] == [GITOPS]
    assert entry["permissions"] == {"contents": "write"}
    assert d["token"] == entry["name"]
    mint = sender.requests("POST", "/access_tokens$")[0]
    assert mint["json"] == {"repositories": ["gitops"], "permissions": {"contents": "write"}}
    check_jwts(sender, lo, hi)
    check_revoked(sender)
    assert "revoked at exit" in r.out


def test_dispatch_pkcs8_key_and_two_targets_two_tokens(gb, sender, tmp_path):
    sender.add_repo("org/gitops-eu")
    ev = push_event(tmp_path)
    env = no_token({**step_env(ev, sender, repository=GITOPS + "\norg/gitops-eu"),
                    **app_inputs(PEM8)})
    r = gb([], env)
    assert r.returncode == 0, r
    assert [e["repositories"] for e in sender.minted] == [[GITOPS], ["org/gitops-eu"]]
    assert sender.dispatches("org/gitops-eu")[0]["token"] == sender.minted[1]["name"]
    check_revoked(sender)


def test_the_app_wins_over_the_default_token(gb, sender, tmp_path):
    """In Actions the token input always has github.token; with App
    credentials the dispatch goes with the minted token."""
    r = gb([], {**step_env(push_event(tmp_path), sender), **app_inputs()})
    assert r.returncode == 0, r
    assert sender.dispatches(GITOPS)[0]["token"] == sender.minted[0]["name"]


@pytest.mark.parametrize("key,want", [
    ("app-encrypted.pem", "input 'private-key' is an encrypted private key"),
    ("ec.pem", "input 'private-key' is not an RSA key"),
    ("rsa1024.pem", "is a 1024-bit RSA key"),
    ("app-public.pem", "input 'private-key' is not a PEM private key"),
])
def test_bad_keys_are_one_line_before_any_request(gb, sender, tmp_path, key, want):
    pem = (KEYS / key).read_text()
    r = gb([], no_token({**step_env(push_event(tmp_path), sender), **app_inputs(pem)}))
    assert r.returncode == 1, r
    errors = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert len(errors) == 1 and want in errors[0], r.out
    assert sender.requests() == []


def test_app_id_without_key_is_a_usage_error(gb, sender, tmp_path):
    env = no_token({**step_env(push_event(tmp_path), sender), "INPUT_APP-ID": APP_ID})
    r = gb([], env)
    assert r.returncode == 2, r
    assert "input 'app-id' is set but 'private-key' is not" in r.out


def test_private_key_never_a_flag(gb, sender, tmp_path):
    r = gb(["dispatch", "--private-key", "x"], step_env(push_event(tmp_path), sender))
    assert r.returncode == 2
    assert "the private key is not taken from the command line" in r.out


def test_clock_skew_401_says_so(gb, sender, tmp_path):
    sender.app_clock_offset = -300   # GitHub's clock 5 minutes behind ours
    r = gb([], no_token({**step_env(push_event(tmp_path), sender), **app_inputs()}))
    assert r.returncode == 1, r
    assert "'Issued at' claim ('iat')" in r.out and "clock is off" in r.out
    assert sender.dispatches(GITOPS) == [] and sender.minted == []


def test_wrong_app_or_key_401_names_the_inputs(gb, sender, tmp_path):
    r = gb([], no_token({**step_env(push_event(tmp_path), sender),
                         **app_inputs(app_id="999")}))       # no such App
    assert r.returncode == 1, r
    assert "refused the App's JWT" in r.out and "'app-id' (999)" in r.out
    other = (KEYS / "app-pkcs1.pem").read_text()
    sender.add_app(APP_ID, (KEYS / "app-public.pem").read_text(), {GITOPS: {"contents": "write"}})
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives import serialization
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption()).decode()
    assert pem != other
    r = gb([], no_token({**step_env(push_event(tmp_path), sender), **app_inputs(pem)}))
    assert r.returncode == 1 and "refused the App's JWT" in r.out, r     # signature fails


def test_not_installed_and_permission_not_granted(gb, sender, tmp_path):
    sender.add_repo("org/elsewhere")
    env = no_token({**step_env(push_event(tmp_path), sender, repository="org/elsewhere"),
                    **app_inputs()})
    r = gb([], env)
    assert r.returncode == 1 and "is not installed on 'org/elsewhere'" in r.out, r
    sender.add_app(APP_ID, PUBLIC, {GITOPS: {"contents": "read"}})
    r = gb([], no_token({**step_env(push_event(tmp_path), sender), **app_inputs()}))
    assert r.returncode == 1, r
    assert "does not grant contents:write on 'org/gitops'" in r.out
    assert sender.dispatches(GITOPS) == []


def test_token_revoked_also_on_failure(gb, sender, tmp_path):
    sender.fault("status", method="POST", path=".*/dispatches", status=422,
                 message="Invalid request.", times=None)
    r = gb([], no_token({**step_env(push_event(tmp_path), sender), **app_inputs()}))
    assert r.returncode == 1, r
    check_revoked(sender)


# ---- via: workflow_dispatch ------------------------------------------------------

def test_workflow_dispatch_sender_needs_actions_write_only(gb, sender, tmp_path):
    sender.add_workflow(GITOPS, "deploy.yml")
    ev = push_event(tmp_path)
    env = no_token({**step_env(ev, sender, via="workflow_dispatch", workflow="deploy.yml"),
                    **app_inputs()})
    r = gb([], env)
    assert r.returncode == 0, r
    [entry] = sender.minted
    assert entry["permissions"] == {"actions": "write"} and entry["repositories"] == [GITOPS]
    [run] = sender.workflow_runs(GITOPS)
    assert run["ref"] == "main" and run["token"] == entry["name"]
    out = r.outputs()
    assert json.loads(run["inputs"]["payload"]) == json.loads(out["payload"])
    assert out["run-id"] == str(run["id"])
    assert out["run-url"] == "https://github.com/org/gitops/actions/runs/%d" % run["id"]
    body = sender.requests("POST", "/actions/workflows/")[0]["json"]
    assert body["return_run_details"] is True and set(body["inputs"]) == {"payload"}
    assert sender.dispatches(GITOPS) == []
    check_revoked(sender)


def test_workflow_dispatch_with_a_token_that_cannot_push(gb, sender, tmp_path):
    """A fine-grained token with Actions write only: the dispatch works, and
    the same token cannot write a file (GitHub answers 403)."""
    sender.add_workflow(GITOPS, "deploy.yml")
    actions_only = "ghs_ActionsOnlyT0kenNeverPrinted000000000"
    sender.add_token(actions_only, name="actions-only", kind="fine-grained",
                     repos={GITOPS: {"actions": "write"}})
    env = step_env(push_event(tmp_path), sender, via="workflow_dispatch", workflow="deploy.yml")
    r = gb([], env, token=actions_only)
    assert r.returncode == 0, r
    assert len(sender.workflow_runs(GITOPS)) == 1
    env = step_env(push_event(tmp_path), sender)        # repository_dispatch: Contents write
    r = gb([], env, token=actions_only)
    assert r.returncode == 1 and "403" in r.out, r


def test_workflow_dispatch_without_run_details(gb, sender, tmp_path):
    """An older server answers 204: the dispatch is done, the run unnamed."""
    sender.add_workflow(GITOPS, "deploy.yml")
    sender.run_details = False
    env = step_env(push_event(tmp_path), sender, via="workflow_dispatch", workflow="deploy.yml")
    r = gb([], env)
    assert r.returncode == 0, r
    assert r.outputs()["run-id"] == "" and "does not name the run" in r.out


@pytest.mark.parametrize("setup,want", [
    (lambda f: f.add_workflow(GITOPS, "deploy.yml", inputs=()), "must declare the input 'payload'"),
    (lambda f: f.add_workflow(GITOPS, "deploy.yml", dispatch=False), "on: workflow_dispatch"),
    (lambda f: f.add_workflow(GITOPS, "other.yml"), "no workflow 'deploy.yml'"),
])
def test_workflow_dispatch_errors_name_the_cause(gb, sender, tmp_path, setup, want):
    setup(sender)
    env = step_env(push_event(tmp_path), sender, via="workflow_dispatch", workflow="deploy.yml")
    r = gb([], env)
    assert r.returncode == 1 and want in r.out, r


def test_workflow_input_limits_checked_before_sending(gb, sender, tmp_path):
    sender.add_workflow(GITOPS, "deploy.yml")
    # 60 KB as a repository_dispatch body; over 65535 characters once escaped as an input
    big = json.dumps({"notes": "\u00e9\"" * 15000}, ensure_ascii=False)
    env = step_env(push_event(tmp_path), sender, via="workflow_dispatch", workflow="deploy.yml",
                   client_payload=big)
    r = gb([], env)
    assert r.returncode == 1 and "GitHub accepts at most 65535" in r.out, r
    assert sender.requests("POST") == []


@pytest.mark.parametrize("inputs,want", [
    ({"via": "workflow_dispatch"}, "set 'workflow'"),
    ({"via": "workflow_dispatch", "workflow": "../x.yml"}, "must be a workflow file name"),
    ({"via": "carrier_pigeon"}, "input 'via' must be"),
    ({"workflow": "deploy.yml"}, "needs via: workflow_dispatch"),
])
def test_via_usage_errors(gb, sender, tmp_path, inputs, want):
    r = gb([], step_env(push_event(tmp_path), sender, **inputs))
    assert r.returncode == 2 and want in r.out, r


# ---- the receiver: patch with App credentials, inputs.payload, GraphQL -----------

@pytest.fixture
def receiver(fake_github):  # noqa: F811
    fake = seed_gitops(fake_github, files={SANDBOX: ARTICLE_YAML, SHARED: WORKLOADS_YAML})
    fake.add_app(APP_ID, PUBLIC, {GITOPS: {"contents": "write", "pull_requests": "write"}})
    return fake


def workflow_event(tmp_path, fake, payload, name="wd-event.json"):
    """The event.json of the receiving run of a workflow_dispatch, as the fake made it."""
    fake.add_workflow(GITOPS, "deploy.yml")
    with fake.lock:
        r = fake.repo(GITOPS)
        r.workflow_runs.append({"id": 1, "workflow": "deploy.yml", "ref": "main",
                                "inputs": {"payload": payload}, "sender": "bot", "token": "x",
                                "time": 0})
    path = tmp_path / name
    path.write_text(json.dumps(fake.workflow_event(GITOPS)))
    return path


def test_patch_mints_contents_write_on_the_gitops_repo(gb, receiver, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], no_token({**patch_env(ev, receiver, branch="sandbox"), **app_inputs()}))
    assert r.returncode == 0, r
    [entry] = receiver.minted
    assert entry["repositories"] == [GITOPS] and entry["permissions"] == {"contents": "write"}
    [c] = receiver.log(GITOPS, "sandbox")[:1]
    assert c["author"]["name"] == "fake-app-12345[bot]" and c["verified"]
    assert r.outputs()["verified"] == "true"
    assert "| Verified | yes" in r.summary, r.summary
    assert "| credentials | GitHub App token for this repository" in r.summary
    check_revoked(receiver)


def test_commit_author_is_not_sent_with_graphql(gb, receiver, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, receiver, branch="sandbox", manifest=MANIFESTS,
                         commit_author="Deploy Bot <bot@example.com>"))
    assert r.returncode == 0, r
    assert "'commit-author' is not used for a commit of several files" in r.out
    [call] = receiver.graphql_calls
    assert "author" not in json.dumps(call["input"])
    assert receiver.log(GITOPS, "sandbox")[0]["verified"]


def test_patch_pull_request_adds_pull_requests_write(gb, receiver, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], no_token({**patch_env(ev, receiver, branch="sandbox", pull_request="true"),
                         **app_inputs()}))
    assert r.returncode == 0, r
    [entry] = receiver.minted
    assert entry["permissions"] == {"contents": "write", "pull_requests": "write"}
    assert len(receiver.pulls(GITOPS)) == 1
    check_revoked(receiver)


def test_patch_dry_run_mints_read_only(gb, receiver, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], no_token({**patch_env(ev, receiver, branch="sandbox", dry_run="true"),
                         **app_inputs()}))
    assert r.returncode == 0, r
    assert receiver.minted[0]["permissions"] == {"contents": "read"}


def test_receiver_reads_inputs_payload_like_client_payload(gb, receiver, tmp_path):
    payload = json.dumps(dispatch_payload(), separators=(",", ":"))
    ev = workflow_event(tmp_path, receiver, payload)
    env = patch_env(ev, receiver, branch="sandbox", value="{short_sha}")
    env["GITHUB_EVENT_NAME"] = "workflow_dispatch"
    r = gb([], env)
    assert r.returncode == 0, r
    assert b"<lastCommitMsg>4f7c9e1</lastCommitMsg>" in receiver.read(GITOPS, SANDBOX, "sandbox")
    # the same policy: an environment not allowed is refused the same way
    bad = json.dumps(dispatch_payload(environment="prod"))
    env["GITHUB_EVENT_PATH"] = str(workflow_event(tmp_path, receiver, bad, "bad.json"))
    r = gb([], env)
    assert r.returncode == 1 and "'prod'" in r.out, r


@pytest.mark.parametrize("payload,want", [
    (None, "has no workflow_dispatch input 'payload'"),
    ("not json", "is not a JSON object"),
    ("[1]", "is not a JSON object"),
    ('{"service": "a\\u0000b"}', "contains a NUL character"),
])
def test_receiver_bad_inputs_payload(gb, receiver, tmp_path, payload, want):
    ev = tmp_path / "wd.json"
    doc = {"inputs": {} if payload is None else {"payload": payload}, "ref": "refs/heads/main",
           "repository": {"full_name": GITOPS}, "sender": {"login": "x"}}
    ev.write_text(json.dumps(doc))
    env = patch_env(ev, receiver, branch="sandbox")
    env["GITHUB_EVENT_NAME"] = "workflow_dispatch"
    r = gb([], env)
    assert r.returncode == 1 and want in r.out, r
    assert receiver.requests() == []


def test_graphql_n_files_with_a_head_race_and_app_token(gb, receiver, tmp_path):
    receiver.fault("interleave", method="POST", path="/graphql", file="other.txt",
                   content=b"theirs\n")
    base = receiver.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], no_token({**patch_env(ev, receiver, branch="sandbox", manifest=MANIFESTS),
                         **app_inputs()}))
    assert r.returncode == 0, r
    ours, theirs = receiver.log(GITOPS, "sandbox")[:2]
    assert theirs["parents"] == [base] and ours["parents"] == [theirs["sha"]]
    assert sorted(ours["changes"]) == [SANDBOX, SHARED] and ours["verified"]
    assert [c["token"] for c in receiver.graphql_calls] == [receiver.minted[0]["name"]] * 2
    assert [c["input"]["expectedHeadOid"] for c in receiver.graphql_calls] == \
        [base, theirs["sha"]]
    assert r.outputs()["verified"] == "true"
    check_revoked(receiver)


def test_graphql_lost_answer_is_claimed_not_made_twice(gb, receiver, tmp_path):
    receiver.fault("truncate", method="POST", path="/graphql")  # made, the answer cut
    base = receiver.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, receiver, branch="sandbox", manifest=MANIFESTS))
    assert r.returncode == 0, r
    log = receiver.log(GITOPS, "sandbox")
    assert log[1]["sha"] == base                         # exactly one commit
    out = r.outputs()
    assert out["commit-sha"] == log[0]["sha"] and out["changed"] == "true"
    assert out["diff"].count("--- a/") == 2
    assert "GitHub made it" in r.out


@pytest.mark.parametrize("setup,want", [
    (lambda f: f.protect(GITOPS, "sandbox"), "is protected"),
    (lambda f: f.add_token("ghs_ReadOnlyT0kenNeverPrinted0000000000000", name="ro",
                           repos={GITOPS: {"contents": "read"}}),
     "Resource not accessible by integration"),
])
def test_graphql_errors(gb, receiver, tmp_path, setup, want):
    setup(receiver)
    head = receiver.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    token = "ghs_ReadOnlyT0kenNeverPrinted0000000000000" if "Resource" in want else None
    kw = {"token": token} if token else {}
    r = gb([], patch_env(ev, receiver, branch="sandbox", manifest=MANIFESTS), **kw)
    assert r.returncode == 1 and want in r.out, r
    assert receiver.head(GITOPS, "sandbox") == head


def test_require_verified(gb, receiver, tmp_path):
    receiver.sign_commits = False
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, receiver, branch="sandbox", require_verified="true"))
    assert r.returncode == 1 and "is not Verified" in r.out, r
    assert r.outputs()["verified"] == "false"
    # pull-request mode: the commit is made on the head branch, no PR opened
    r = gb([], patch_env(ev, receiver, branch="sandbox", manifest=MANIFESTS,
                         require_verified="true", pull_request="true"))
    assert r.returncode == 1 and "no pull request opened" in r.out, r
    assert receiver.pulls(GITOPS) == []
    # without require-verified the same run succeeds, saying verified=false
    r = gb([], patch_env(ev, receiver, branch="sandbox", manifest=MANIFESTS))
    assert r.returncode == 0 and r.outputs()["verified"] == "false", r


# ---- GitHub Enterprise Server --------------------------------------------------------

def test_ghes_paths_app_and_graphql(gb, tmp_path):
    with FakeGitHub(api_prefix="/api/v3") as fake:
        fake.add_token(__import__("conftest").TOKEN, name="default")
        seed_gitops(fake, files={SANDBOX: ARTICLE_YAML, SHARED: WORKLOADS_YAML})
        fake.add_app(APP_ID, PUBLIC, {GITOPS: {"contents": "write"}})
        ev = dispatch_event(tmp_path, dispatch_payload())
        env = no_token({**patch_env(ev, fake, branch="sandbox", manifest=MANIFESTS),
                        **app_inputs()})
        env["INPUT_API-URL"] = fake.url + "/api/v3"
        r = gb([], env)
        assert r.returncode == 0, r
        paths = [q["path"] for q in fake.requests()]
        assert "/api/v3/repos/org/gitops/installation" in paths
        assert any(p.startswith("/api/v3/app/installations/") for p in paths)
        assert "/api/graphql" in paths and "/graphql" not in paths
        assert "/api/v3/installation/token" in paths
        assert all(p.startswith("/api/") for p in paths)
        assert fake.log(GITOPS, "sandbox")[0]["verified"]
        fake.assert_no_leaks()


def test_graphql_resent_after_a_drop_is_claimed(gb, receiver, tmp_path):
    """The connection dies after GitHub made the commit; the client sends the
    mutation again and it is stale; the files read as already changed: the
    head is checked and claimed (one commit, reported as ours)."""
    receiver.fault("drop", method="POST", path="/graphql", processed=True)
    base = receiver.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, receiver, branch="sandbox", manifest=MANIFESTS))
    assert r.returncode == 0, r
    log = receiver.log(GITOPS, "sandbox")
    assert log[1]["sha"] == base
    out = r.outputs()
    assert out["changed"] == "true" and out["commit-sha"] == log[0]["sha"], r
    assert out["verified"] == "true"
    assert "GitHub made it" in r.out


def test_the_guard_catches_a_leaked_key_line_or_minted_token(tmp_path):
    """check_no_secrets is not a check that cannot fail."""
    import conftest
    import token_guard

    class Fake:
        stdout, stderr, output_text, summary = b"", b"", "", ""
    line = conftest.private_key_parts(PEM)[3]
    leak = Fake()
    leak.stderr = b"error near " + line.encode()
    with pytest.raises(AssertionError, match="leaked into stderr"):
        conftest.check_no_secrets(leak, {"INPUT_PRIVATE-KEY": PEM})
    masked = Fake()
    masked.stdout = b"::add-mask::" + line.encode() + b"\n"
    conftest.check_no_secrets(masked, {"INPUT_PRIVATE-KEY": PEM})
    token_guard.SECRETS.add("ghs_MintedForThisTestOnly000000000000000")
    try:
        leak = Fake()
        leak.summary = "token ghs_MintedForThisTestOnly000000000000000"
        with pytest.raises(AssertionError, match="GITHUB_STEP_SUMMARY"):
            conftest.check_no_secrets(leak, {})
    finally:
        token_guard.SECRETS.discard("ghs_MintedForThisTestOnly000000000000000")
