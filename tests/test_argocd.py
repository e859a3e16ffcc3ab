"""Issue 12, part 3: after committing, wait until Argo CD runs the commit
Synced and Healthy, against the fake Argo CD (tests/fakeargocd.py) and the
fake GitHub, both on 127.0.0.1 and stopped by the tests."""
import contextlib
import time

import pytest

import fakehttp
from conftest import ARGOCD_TOKEN, DEPLOY_TOKEN, run_gb
from fakeargocd import FakeArgoCD
from fakegh import fake_github  # noqa: F401 (fixture)
from patch_util import GITOPS, MANIFEST, dispatch_event, dispatch_payload, patch_env
from test_deploy_feedback import APP, SHA, api, seed, statuses

APPNAME = "product-sandbox"


@contextlib.contextmanager
def argocd(fake, timeline, **kw):
    with FakeArgoCD(kw.pop("token", ARGOCD_TOKEN), kw.pop("app", APPNAME), timeline,
                    lambda: fake.head(GITOPS, "sandbox"), **kw) as a:
        yield a


def deploy(tmp_path, fake, argo, deployment=True, extra_env=None, **inputs):
    payload = dispatch_payload()
    if deployment:
        status, _, dep = api(fake, "POST", "/repos/%s/deployments" % APP, {"ref": SHA})
        payload["source"]["deployment_id"] = dep["id"]
    ev = dispatch_event(tmp_path, payload)
    inputs.setdefault("branch", "{environment}")
    inputs.setdefault("deployment_token", DEPLOY_TOKEN)
    inputs.setdefault("argocd_server", argo.url if argo else "https://argocd.example")
    inputs.setdefault("argocd_token", ARGOCD_TOKEN)
    inputs.setdefault("argocd_timeout", "20")
    env = patch_env(ev, fake, **inputs)
    env["GITOPS_BUMP_POLL_MS"] = "20"
    env.update(extra_env or {})
    return run_gb(env=env, tmp_path=tmp_path, timeout=60)


def test_waits_past_the_old_revision_until_healthy_twice(fake_github, tmp_path):
    fake = seed(fake_github)
    with argocd(fake, "progress") as argo:
        res = deploy(tmp_path, fake, argo)
        argo_url = argo.url
    assert res.returncode == 0, res
    out = res.outputs()
    sha = out["commit-sha"]
    assert out["argocd-revision"] == sha
    assert out["argocd-sync-status"] == "Synced" and out["argocd-health"] == "Healthy"
    # Healthy at the old revision twice, OutOfSync, Progressing, then Healthy
    # on two polls in a row: six polls, no early success
    assert argo.polls == 6
    reqs = argo.requests
    assert reqs[0]["query"] == {"refresh": ["normal"]}
    assert all(r["query"] == {} for r in reqs[1:])
    assert all(r["headers"]["authorization"] == "Bearer " + ARGOCD_TOKEN for r in reqs)
    _, sts = statuses(fake)
    assert sts[0][0] == "in_progress"
    assert sts[1] == ("in_progress", "committed %s, waiting for Argo CD" % sha[:7])
    assert sts[2][0] == "success" and "Synced and Healthy" in sts[2][1]
    assert "| Argo CD | [product-sandbox: Synced, Healthy at %s](%s/applications/product-sandbox)" \
        % (sha[:7], argo_url) in res.summary.replace("\\", "")
    assert "Healthy at the old revision" not in res.out


def test_degraded_after_the_sync_fails(fake_github, tmp_path):
    fake = seed(fake_github)
    with argocd(fake, "degraded") as argo:
        res = deploy(tmp_path, fake, argo)
    assert res.returncode == 1, res
    assert "is Degraded at" in res.out and "exceeded its progress deadline" in res.out
    assert res.outputs()["changed"] == "true"  # the commit stands
    assert res.outputs()["argocd-health"] == "Degraded"
    failed = res.summary[res.summary.index("### gitops-bump patch failed"):]
    assert "| Argo CD | [product" in failed and "Degraded at" in failed
    _, sts = statuses(fake)
    assert sts[-1][0] == "failure" and "Degraded" in sts[-1][1] and len(sts[-1][1]) <= 140


def test_a_failed_sync_operation_fails(fake_github, tmp_path):
    fake = seed(fake_github)
    with argocd(fake, "op-failed") as argo:
        res = deploy(tmp_path, fake, argo)
    assert res.returncode == 1, res
    assert "sync of" in res.out and "one or more objects failed to apply" in res.out


def test_an_old_failed_operation_does_not_count(fake_github, tmp_path):
    fake = seed(fake_github)
    with argocd(fake, "old-op-failed") as argo:
        res = deploy(tmp_path, fake, argo)
    assert res.returncode == 0, res


def test_a_newer_revision_synced_and_healthy_is_success(fake_github, tmp_path):
    fake = seed(fake_github)

    def someone_deploys():
        fake.commit_files(GITOPS, "sandbox", {"other.yaml": "x: 1\n"}, message="later deploy")
    timeline = [{"rev": "old", "sync": "OutOfSync", "health": "Healthy"},
                {"rev": "head", "sync": "Synced", "health": "Healthy", "push": someone_deploys}]
    with argocd(fake, timeline) as argo:
        res = deploy(tmp_path, fake, argo)
    assert res.returncode == 0, res
    newer = fake.head(GITOPS, "sandbox")
    assert newer != res.outputs()["commit-sha"]
    assert res.outputs()["argocd-revision"] == newer
    assert "a newer revision that contains" in res.out and "deployed after us" in res.out
    # asked GitHub once whether the newer revision has ours
    asked = fake.requests("GET", "/repos/%s/compare/" % GITOPS)
    assert len(asked) == 1, [r["path"] for r in asked]
    _, sts = statuses(fake)
    assert sts[-1][0] == "success" and "newer revision" in sts[-1][1]


def test_never_syncs_times_out_with_the_last_state(fake_github, tmp_path):
    fake = seed(fake_github)
    old = fake.head(GITOPS, "sandbox")
    start = time.time()
    with argocd(fake, "never") as argo:
        res = deploy(tmp_path, fake, argo, argocd_timeout="1")
    assert time.time() - start < 20
    assert res.returncode == 1, res
    assert "within 1 s (argocd-timeout); last seen: revision %s, OutOfSync, Healthy" % old[:7] \
        in res.out
    assert res.outputs()["argocd-revision"] == old


@pytest.mark.parametrize("case,hint", [
    ("401", "'argocd-token' (HTTP 401"),
    ("403", "answers 403 for a missing one"),
    ("404", "has no application 'product-sandbox' in namespace 'apps'"),
])
def test_auth_and_missing_application_each_have_a_hint(fake_github, tmp_path, case, hint):
    fake = seed(fake_github)
    kw = {}
    inputs = {}
    if case == "401":
        kw["token"] = "argocd.some-other-token"
    elif case == "403":
        kw["app"] = "another-app"
    else:
        kw["app"] = "another-app"
        kw["missing_status"] = 404
        inputs["argocd_namespace"] = "apps"
    with argocd(fake, "progress", **kw) as argo:
        res = deploy(tmp_path, fake, argo, **inputs)
    assert res.returncode == 1, res
    assert hint in res.out
    assert len(argo.requests) == 1  # no retry of an answer that will not change


def test_multi_source_application(fake_github, tmp_path):
    fake = seed(fake_github)
    with argocd(fake, "multi") as argo:
        res = deploy(tmp_path, fake, argo)
    assert res.returncode == 0, res
    assert res.outputs()["argocd-revision"] == res.outputs()["commit-sha"]
    assert "(multi-source)" in res.out


def test_namespace_and_application_template(fake_github, tmp_path):
    fake = seed(fake_github)
    with argocd(fake, "progress", app="sandbox.product", namespace="team-a") as argo:
        res = deploy(tmp_path, fake, argo, argocd_application="{environment}.{service}",
                     argocd_namespace="team-a")
    assert res.returncode == 0, res
    assert argo.requests[0]["path"] == "/api/v1/applications/sandbox.product"
    assert argo.requests[0]["query"]["appNamespace"] == ["team-a"]


def test_a_certificate_that_does_not_verify_fails(fake_github, tmp_path):
    fake = seed(fake_github)
    with argocd(fake, "progress", https=True) as argo:
        res = deploy(tmp_path, fake, argo)
        assert res.returncode == 1, res
        assert "TLS" in res.out and argo.requests == []
        # argocd-ca-file makes the same server verify
        again = tmp_path / "again"
        again.mkdir()
        # (another value: within the same second, {time} would write the same
        # file again, and an edit that changes nothing commits nothing)
        res = deploy(again, fake, argo, argocd_ca_file=argo.ca_file, value="{time} again")
    assert res.returncode == 0, res
    assert res.outputs()["argocd-health"] == "Healthy", res.out


def test_the_ca_file_adds_to_the_default_bundle(fake_github, tmp_path):
    """argocd-ca-file adds a private CA to the default bundle (SSL_CERT_FILE
    here), it does not replace it: either one verifies the server."""
    fake = seed(fake_github)
    private = tmp_path / "private-ca"
    private.mkdir()
    other_ca = fakehttp.self_signed(str(private), "private-ca")[0]
    with argocd(fake, "progress", https=True) as argo:
        # the default bundle verifies the server; the file adds a CA of
        # its own (a replacement would fail the TLS handshake)
        res = deploy(tmp_path, fake, argo, argocd_ca_file=other_ca,
                     extra_env={"SSL_CERT_FILE": argo.ca_file})
        assert res.returncode == 0, res
        assert res.outputs()["argocd-health"] == "Healthy", res.out
        # the file verifies the server; the default bundle does not
        again = tmp_path / "again"
        again.mkdir()
        res = deploy(again, fake, argo, argocd_ca_file=argo.ca_file, value="{time} again",
                     extra_env={"SSL_CERT_FILE": other_ca})
        assert res.returncode == 0, res
        # neither does: the TLS error, nothing read from Argo CD
        polls = argo.polls
        third = tmp_path / "third"
        third.mkdir()
        res = deploy(third, fake, argo, argocd_ca_file=other_ca, value="{time} third",
                     extra_env={"SSL_CERT_FILE": other_ca})
        assert res.returncode == 1 and "TLS" in res.out, res
        assert argo.polls == polls


def test_usage_errors(fake_github, tmp_path):
    fake = seed(fake_github)
    res = deploy(tmp_path, fake, None, argocd_token="")
    assert res.returncode == 2 and "'argocd-token' is not" in res.out
    res = deploy(tmp_path, fake, None, pull_request="true")
    assert res.returncode == 2 and "pull-request: true" in res.out
    res = run_gb(["patch", "--argocd-token", "x"], env={}, tmp_path=tmp_path)
    assert res.returncode == 2 and "not taken from the command line" in res.out


def test_plain_http_is_only_for_loopback(fake_github, tmp_path):
    fake = seed(fake_github)
    res = deploy(tmp_path, fake, None, argocd_server="http://argocd.example.com")
    assert res.returncode == 1
    assert "refusing to send the token over plain http" in res.out
    assert res.outputs()["changed"] == "true"
