"""Signed provenance (issue 14, item 1): the sender's `provenance: true` sends the
run's OIDC ID token; the receiver's `require-provenance: true` verifies it
against a local issuer (tests/fakeoidc.py: discovery, a JWKS of two keys, one
rotated) before anything is read or written.  Every ID token and the runner's
request token are guarded secrets (token_guard.guard)."""
import json
import time

import pytest

import token_guard
from dispatch_util import push_event, seed_dispatch, step_env
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from fakeoidc import REQUEST_TOKEN, FakeOIDC
from patch_util import (APP, GITOPS, MANIFEST, SHA, dispatch_event, dispatch_payload,
                        patch_env, seed_gitops)

AUD = "https://github.com/" + GITOPS
DEPLOY_WF = APP + "/.github/workflows/deploy.yml@refs/heads/sandbox"


@pytest.fixture
def oidc():
    with FakeOIDC() as f:
        yield f


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return seed_gitops(fake_github)


def receive(gb, fake, oidc, tmp_path, token, payload=None, **inputs):
    p = payload or dispatch_payload()
    if token is not None:
        p["source"]["oidc_token"] = token_guard.guard(token)
    ev = dispatch_event(tmp_path, p)
    inputs.setdefault("require_provenance", "true")
    inputs.setdefault("oidc_issuer", oidc.issuer)
    inputs.setdefault("branch", "sandbox")
    fake.clear_requests()
    return gb([], patch_env(ev, fake, **inputs))


def refused(r, fake, text):
    """One error line naming the claim; nothing read from or written to GitHub."""
    assert r.returncode == 1, r
    errors = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert len(errors) == 1 and text in errors[0], r.out
    assert fake.requests() == []


def test_valid_token_deploys(gb, fake, oidc, tmp_path):
    r = receive(gb, fake, oidc, tmp_path, oidc.mint(), allowed_workflows=DEPLOY_WF,
                allowed_sources=APP)
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert "provenance verified: %s@%s on 'refs/heads/sandbox', workflow %s (key 'current'" \
        % (APP, SHA[:7], DEPLOY_WF) in r.out
    assert "| provenance | org/product\\-service/\\.github/workflows/deploy\\.yml\\@refs/heads/" \
        "sandbox |" in r.summary
    assert [q["path"] for q in oidc.requests] == ["/.well-known/openid-configuration",
                                                  "/.well-known/jwks"]


def test_rotated_key_still_verifies(gb, fake, oidc, tmp_path):
    r = receive(gb, fake, oidc, tmp_path, oidc.mint(kid="rotated"))
    assert r.returncode == 0, r


def test_ghes_issuer_path(gb, fake, tmp_path):
    with FakeOIDC(issuer_path="/_services/token") as o:
        r = receive(gb, fake, o, tmp_path, o.mint())
        assert r.returncode == 0, r
        assert o.requests[0]["path"] == "/_services/token/.well-known/openid-configuration"


@pytest.mark.parametrize("case, make, text", [
    ("wrong signature", lambda o: o.mint(key=o.key_unpublished), "signature"),
    ("unknown kid", lambda o: o.mint(kid="k-unknown", key=o.key_unpublished),
     "key id (header 'kid') 'k-unknown' is not among the issuer's keys"),
    ("expired", lambda o: o.mint(exp=int(time.time()) - 61 - 5, iat=int(time.time()) - 400),
     "claim 'exp' says it expired"),
    ("future nbf", lambda o: o.mint(nbf=int(time.time()) + 120), "claim 'nbf'"),
    ("wrong audience", lambda o: o.mint(aud="https://github.com/org"),
     "claim 'aud' is 'https://github.com/org', not this repository's '%s'" % AUD),
    ("repository", lambda o: o.mint(repository="org/other"),
     "claim 'repository' is 'org/other', but the payload's source.repository is '%s'" % APP),
    ("ref", lambda o: o.mint(ref="refs/heads/feature"),
     "claim 'ref' is 'refs/heads/feature', but the payload's source.ref is 'refs/heads/sandbox'"),
    ("sha", lambda o: o.mint(sha="0" * 40), "claim 'sha' is '%s'" % ("0" * 40)),
    ("pull request ref", lambda o: o.mint(ref="refs/pull/7/merge", event_name="pull_request"),
     "claim 'ref' is the pull request ref 'refs/pull/7/merge'"),
    ("alg none", lambda o: o.mint(alg="none"), "only RS256 is accepted"),
    ("hs256 with the public key", lambda o: o.mint(alg="HS256", hmac_key=o.public_pem()),
     "uses algorithm 'HS256': only RS256"),
    ("no kid", lambda o: o.mint(header={"kid": None}), "names no key (header 'kid')"),
    ("other issuer", lambda o: o.mint(iss="https://evil.example"), "claim 'iss'"),
])
def test_bad_tokens_are_refused(gb, fake, oidc, tmp_path, case, make, text):
    refused(receive(gb, fake, oidc, tmp_path, make(oidc)), fake, text)


def test_workflow_not_allowed(gb, fake, oidc, tmp_path):
    token = oidc.mint(job_workflow_ref=APP + "/.github/workflows/ci.yml@refs/heads/sandbox")
    r = receive(gb, fake, oidc, tmp_path, token,
                allowed_workflows="org/*/.github/workflows/deploy.yml@refs/heads/*")
    refused(r, fake, "claim 'job_workflow_ref' is '%s/.github/workflows/ci.yml@refs/heads/"
            "sandbox', which input 'allowed-workflows' does not allow" % APP)
    # the glob allows the deploy workflow on any branch, and '*' stops at '/'
    assert receive(gb, fake, oidc, tmp_path, oidc.mint(),
                   allowed_workflows="org/*/.github/workflows/deploy.yml@refs/heads/*"
                   ).returncode == 0


def test_allowed_sources_is_checked_against_the_signed_repository(gb, fake, oidc, tmp_path):
    r = receive(gb, fake, oidc, tmp_path, oidc.mint(), allowed_sources="org/somebody-else")
    assert r.returncode == 1 and "org/product-service" in r.out, r
    assert fake.requests() == []


def test_no_token_in_the_payload(gb, fake, oidc, tmp_path):
    refused(receive(gb, fake, oidc, tmp_path, None), fake,
            "dispatch carries no ID token (client_payload.source.oidc_token): set "
            "'provenance: true' on the sender")


def test_discovery_host_unreachable(gb, fake, tmp_path):
    with FakeOIDC() as o:
        token = o.mint()
        issuer = o.issuer
    # the issuer is stopped: nothing listens there any more
    r = receive(gb, fake, o, tmp_path, token, oidc_issuer=issuer, max_attempts="2")
    assert r.returncode == 1, r
    assert "reading the OIDC discovery document of '%s'" % issuer in r.out
    assert fake.requests() == []


def test_plain_http_issuer_elsewhere_is_refused(gb, fake, oidc, tmp_path):
    refused(receive(gb, fake, oidc, tmp_path, oidc.mint(),
                    oidc_issuer="http://token.example"), fake,
            "input 'oidc-issuer' must be an https URL")


def test_allowed_workflows_needs_require_provenance(gb, fake, oidc, tmp_path):
    r = receive(gb, fake, oidc, tmp_path, None, require_provenance="false",
                allowed_workflows=DEPLOY_WF)
    assert r.returncode == 2 and "needs 'require-provenance: true'" in r.out, r


# -- the sender ------------------------------------------------------------------

@pytest.fixture
def app_fake(fake_github):  # noqa: F811
    return seed_dispatch(fake_github)


def send(gb, fake, oidc, tmp_path, **inputs):
    ev = push_event(tmp_path, message="Deploy with provenance")
    env = step_env(ev, fake, **inputs)
    env.update({"ACTIONS_ID_TOKEN_REQUEST_URL": oidc.request_url,
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": token_guard.guard(REQUEST_TOKEN),
                "GITHUB_RUN_NUMBER": "17", "GITHUB_WORKFLOW_REF": DEPLOY_WF})
    return gb([], env)


def test_sender_sends_the_id_token(gb, app_fake, oidc, tmp_path):
    oidc.claims = {"sha": "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920"}
    r = send(gb, app_fake, oidc, tmp_path, provenance="true")
    assert r.returncode == 0, r
    [req] = [q for q in oidc.requests if q["path"] == "/idtoken"]
    assert req["query"]["audience"] == [AUD]
    assert req["authorization"] == "Bearer " + REQUEST_TOKEN
    [d] = app_fake.dispatches(GITOPS)
    src = d["client_payload"]["source"]
    token = token_guard.guard(src["oidc_token"])
    assert token.count(".") == 2 and src["run_number"] == 17 and src["workflow_ref"] == DEPLOY_WF
    # masked at once, and shown nowhere (the payload output has it redacted)
    assert "::add-mask::" + token in r.out
    assert token not in json.dumps(r.outputs())


def test_sender_without_id_token_permission(gb, app_fake, oidc, tmp_path):
    ev = push_event(tmp_path)
    r = gb([], step_env(ev, app_fake, provenance="true"))
    assert r.returncode == 1, r
    assert "give the job 'permissions: id-token: write'" in r.out
    assert app_fake.dispatches(GITOPS) == []


def test_sender_refuses_provenance_to_two_repositories(gb, app_fake, oidc, tmp_path):
    app_fake.add_repo("org/gitops-dr")
    r = send(gb, app_fake, oidc, tmp_path, provenance="true", repository="org/gitops\norg/gitops-dr")
    assert r.returncode == 2 and "made for one GitOps repository" in r.out, r


def test_sender_marks_a_rollback(gb, app_fake, oidc, tmp_path):
    r = send(gb, app_fake, oidc, tmp_path, rollback="true")
    assert r.returncode == 0, r
    src = app_fake.dispatches(GITOPS)[0]["client_payload"]["source"]
    assert src["rollback"] is True and "oidc_token" not in src
    assert [q for q in oidc.requests if q["path"] == "/idtoken"] == []


def test_end_to_end_sender_to_receiver(gb, app_fake, oidc, tmp_path):
    """What the sender sends, the receiver verifies."""
    seed_gitops(app_fake)
    oidc.claims = {"sha": "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920"}
    s = tmp_path / "send"
    s.mkdir()
    assert send(gb, app_fake, oidc, s, provenance="true", service="product").returncode == 0
    ev = s / "received.json"
    ev.write_text(json.dumps(app_fake.dispatch_event(GITOPS)))
    token_guard.guard(app_fake.dispatches(GITOPS)[0]["client_payload"]["source"]["oidc_token"])
    r = gb([], patch_env(ev, app_fake, require_provenance="true", oidc_issuer=oidc.issuer,
                         branch="sandbox", allowed_workflows=DEPLOY_WF))
    assert r.returncode == 0 and r.outputs()["changed"] == "true", r
    assert "Source-Run: 17" in app_fake.log(GITOPS, "sandbox")[0]["message"]
    assert app_fake.read(GITOPS, MANIFEST, "sandbox")
