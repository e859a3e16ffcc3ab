"""CA certificates as the shipped binary sees them (run against the static
binary by `make test-static`): SSL_CERT_FILE names the bundle; without it the
default bundle is used, which does not hold the fake's private CA, so the
request fails with one clear error and nothing is sent.  No insecure fallback."""
from dispatch_util import GITOPS, push_event, step_env
from fakegh import fake_github_https  # noqa: F401  (pytest fixture)


def dispatch(gb, fake, tmp_path, **env):
    fake.add_repo(GITOPS)
    ev = push_event(tmp_path, message="Deploy over TLS")
    return gb([], {**step_env(ev, fake), "GITOPS_BUMP_RETRY_BASE_MS": "1",
                   "INPUT_MAX-ATTEMPTS": "1", **env})


def test_ssl_cert_file_names_the_bundle(gb, fake_github_https, tmp_path):  # noqa: F811
    fake = fake_github_https
    assert fake.url.startswith("https://127.0.0.1:")
    r = dispatch(gb, fake, tmp_path, SSL_CERT_FILE=fake.ca_file)
    assert r.returncode == 0, r
    [d] = fake.dispatches(GITOPS)
    assert d["client_payload"]["source"]["message"] == "Deploy over TLS"


def test_default_bundle_does_not_trust_the_fake(gb, fake_github_https, tmp_path):  # noqa: F811
    fake = fake_github_https
    r = dispatch(gb, fake, tmp_path, SSL_CERT_FILE=None)
    assert r.returncode == 1, r
    errors = [line for line in r.out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, r
    assert "TLS with '127.0.0.1' failed" in errors[0] and "no insecure mode" in errors[0], r
    assert fake.dispatches(GITOPS) == []


def test_unreadable_ssl_cert_file_is_a_clear_error(gb, fake_github_https, tmp_path):  # noqa: F811
    fake = fake_github_https
    r = dispatch(gb, fake, tmp_path, SSL_CERT_FILE=str(tmp_path / "missing.pem"))
    assert r.returncode == 1, r
    assert f"cannot read CA bundle '{tmp_path / 'missing.pem'}' (SSL_CERT_FILE)" in r.out, r
    assert fake.dispatches(GITOPS) == []
