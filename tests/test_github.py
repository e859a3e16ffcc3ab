"""The REST client (src/github.c) against the fake GitHub, through tests/gh_driver.c.

Every case runs the sanitizer-built driver, which sends requests through one
client exactly as the modes do, and checks what the fake received.  Retries
use GITOPS_BUMP_RETRY_BASE_MS=5 so nothing sleeps for long, except where a
test proves a server-given wait (Retry-After, x-ratelimit-reset) is honoured.
"""
import json
import os
import pathlib
import socket
import subprocess
import time

import pytest

from conftest import ROOT, SAN_ENV, TOKEN, UNIT_DIR, check_no_token
from fakegh import FakeGitHub, fake_github, fake_github_https  # noqa: F401 (fixtures)

# The driver is not the binary, but it gets the token: token_guard lets it run
# here because drive() checks its stdout and stderr (check_no_token).
pytestmark = pytest.mark.gb_direct("the REST client's driver; drive() checks its stdout and "
                                   "stderr for the token")

DRIVER = os.environ.get("GB_GH_DRIVER", str(pathlib.Path(UNIT_DIR).parent / "gh-driver"))
VERSION = (ROOT / "VERSION").read_text().strip()
REPO = "org/gitops"
WRONG_TOKEN = "ghp_WrongTokenThatMustNotBePrinted000000"


class Run:
    def __init__(self, proc, elapsed):
        self.returncode = proc.returncode
        self.stdout, self.stderr = proc.stdout, proc.stderr
        self.output_text = self.summary = ""  # the driver writes no step files
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")
        self.elapsed = elapsed
        self.results = [json.loads(line) for line in self.out.splitlines() if line.startswith("{")]

    @property
    def r(self):
        assert self.results, self
        return self.results[-1]

    def __repr__(self):
        return "<rc=%d %.2fs out=%r err=%r>" % (self.returncode, self.elapsed, self.out[-1500:],
                                                self.err[-1500:])


def drive(url, *requests, token=TOKEN, attempts=None, timeout=None, base_ms="5", env=None,
          opts=(), proc_timeout=60):
    """Run the driver: requests are (METHOD, PATH[, BODY]) tuples."""
    args = [DRIVER, "--url", url]
    if attempts is not None:
        args += ["--attempts", str(attempts)]
    if timeout is not None:
        args += ["--timeout", str(timeout)]
    args += list(opts)
    for req in requests:
        method, path, body = (list(req) + ["-"])[:3]
        args += [method, path, body if isinstance(body, str) else json.dumps(body)]
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **SAN_ENV}
    if base_ms is not None:
        e["GITOPS_BUMP_RETRY_BASE_MS"] = base_ms
    if token:
        e["GH_DRIVER_TOKEN"] = token
    e.update(env or {})
    t0 = time.monotonic()
    proc = subprocess.run(args, env=e, capture_output=True, timeout=proc_timeout)
    run = Run(proc, time.monotonic() - t0)
    assert run.returncode != 99, "sanitizer report:\n" + run.err
    for secret in (TOKEN, WRONG_TOKEN):
        check_no_token(run, secret)
    return run


@pytest.fixture
def fake(fake_github):
    fake_github.add_repo(REPO, {"app/sandbox/sandbox-deploy.yaml": "image: app:sandbox\n",
                                "README.md": "gitops\n"})
    return fake_github


def repo_requests(fake):
    return fake.requests(path=r"^/repos/")


# ---- what every request carries -----------------------------------------

def test_every_request_carries_the_github_headers(fake):
    run = drive(fake.url, ("GET", "/repos/org/gitops"),
                ("POST", "/repos/org/gitops/dispatches", {"event_type": "app"}))
    assert run.returncode == 0, run
    assert [r["status"] for r in run.results] == [200, 204]
    assert json.loads(run.results[0]["body"])["full_name"] == REPO
    get, post = fake.requests()
    for rec in (get, post):
        h = rec["headers"]
        assert rec["token"] == "default"
        assert h["authorization"] == "Bearer <token:default>"
        assert h["accept"] == "application/vnd.github+json"
        assert h["x-github-api-version"] == "2022-11-28"
        assert h["user-agent"] == "gitops-bump/" + VERSION
        assert "expect" not in h
    assert "content-type" not in get["headers"]
    assert post["headers"]["content-type"] == "application/json"
    assert post["json"] == {"event_type": "app"}
    assert run.results[0]["request_id"].startswith("FAKE:")


def test_one_connection_is_reused(fake):
    run = drive(fake.url, *[("GET", "/repos/org/gitops")] * 4)
    assert run.returncode == 0, run
    peers = {r["peer"] for r in fake.requests()}
    assert len(peers) == 1, peers
    assert run.r["requests"] == 4


def test_accept_override_and_raw_body(fake):
    big = b"x: " + b"y" * (2 * 1024 * 1024) + b"\n"
    fake.commit_files(REPO, "main", {"big.yaml": big})
    run = drive(fake.url, ("GET", "/repos/org/gitops/contents/big.yaml?ref=main"),
                opts=["--accept", "application/vnd.github.raw+json"])
    assert run.returncode == 0, run
    assert run.r["status"] == 200 and run.r["body_len"] == len(big)
    assert fake.requests()[0]["headers"]["accept"] == "application/vnd.github.raw+json"


def test_loopback_by_name_is_allowed(fake):
    run = drive("http://localhost:%d" % fake.port, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0, run
    assert fake.requests()[0]["token"] == "default"


# ---- retries ---------------------------------------------------------------

@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retried_statuses(fake, status):
    f = fake.fault("status", method="POST", path=r"/repos/org/gitops/dispatches", status=status,
                   times=2)
    run = drive(fake.url, ("POST", "/repos/org/gitops/dispatches", {"event_type": "app"}))
    assert run.returncode == 0, run
    assert run.r["status"] == 204 and run.r["attempts"] == 3
    assert f.hits == 2
    assert [r["status"] for r in repo_requests(fake)] == [status, status, 204]
    # the same body each time, and it landed exactly once
    assert len({r["body"] for r in repo_requests(fake)}) == 1
    assert len(fake.dispatches(REPO)) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422, 501])
def test_other_statuses_are_not_retried(fake, status):
    fake.fault("status", path=r"/repos/org/gitops", status=status, times=None)
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0, run  # the caller decides what the status means
    assert run.r["status"] == status and run.r["attempts"] == 1
    assert len(repo_requests(fake)) == 1


def test_429_waits_exactly_retry_after(fake):
    fake.fault("rate_limit", retry_after=1)
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0, run
    assert run.r["attempts"] == 2
    t = [r["time"] for r in repo_requests(fake)]
    assert t[1] - t[0] >= 0.95, t  # the 5 ms backoff would not wait this long


def test_429_without_retry_after_waits_a_rate_limit_pause(fake):
    # no hint at all: 60 base delays (a minute in production; 60 * 5 ms here)
    fake.fault("status", status=429)
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0, run
    t = [r["time"] for r in repo_requests(fake)]
    assert t[1] - t[0] >= 0.28, t


def test_403_rate_limit_waits_for_reset(fake):
    fake.fault("rate_limit_403", reset_in=2)
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0, run
    assert run.r["attempts"] == 2 and run.r["status"] == 200
    t = [r["time"] for r in repo_requests(fake)]
    assert t[1] - t[0] >= 0.9, t


def test_403_secondary_rate_limit_is_retried(fake):
    fake.fault("secondary_limit", retry_after=1)
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0, run
    assert run.r["attempts"] == 2
    t = [r["time"] for r in repo_requests(fake)]
    assert t[1] - t[0] >= 0.95, t


def test_plain_403_with_rate_limit_headers_is_not_retried(fake):
    # GitHub sends x-ratelimit-* on every answer: only remaining 0 makes it a limit
    fake.fault("status", status=403, message="Resource not accessible by integration")
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0 and run.r["status"] == 403 and run.r["attempts"] == 1, run


@pytest.mark.parametrize("fault,params", [
    ("rate_limit", {"retry_after": 30}),
    ("rate_limit_403", {"reset_in": 100}),
    ("secondary_limit", {"retry_after": 600}),
])
def test_a_wait_past_the_budget_fails_at_once(fake, fault, params):
    fake.fault(fault, times=None, **params)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), timeout=5, opts=["--what", "read 'org/gitops'"])
    assert run.returncode == 1, run
    assert run.elapsed < 3, run
    assert len(repo_requests(fake)) == 1
    assert "read 'org/gitops' failed" in run.err
    assert "would pass the time budget of 5 s" in run.err
    assert "rate limit" in run.err.lower()


def test_max_attempts_bounds_retries(fake):
    fake.fault("status", status=503, times=None)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), attempts=3)
    assert run.returncode == 1, run
    assert run.r["attempts"] == 3 and run.r["status"] == 503
    assert len(repo_requests(fake)) == 3
    assert 'failed after 3 attempts: HTTP 503 "Service Unavailable"' in run.err


def test_max_attempts_one_means_no_retry(fake):
    fake.fault("status", status=502, times=None)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), attempts=1)
    assert run.returncode == 1 and len(repo_requests(fake)) == 1, run
    assert "failed after 1 attempt:" in run.err


def test_backoff_grows_between_attempts(fake):
    # base 100 ms: waits are uniform in [0,100], [0,200], [0,400], [0,800] ms
    fake.fault("status", status=500, times=4)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), attempts=5, base_ms="100")
    assert run.returncode == 0 and run.r["attempts"] == 5, run
    t = [r["time"] for r in repo_requests(fake)]
    gaps = [b - a for a, b in zip(t, t[1:])]
    for gap, ceiling in zip(gaps, (0.1, 0.2, 0.4, 0.8)):
        assert gap <= ceiling + 0.15, gaps


@pytest.mark.parametrize("fault", ["drop", "close_mid"])
def test_dropped_connections_are_retried(fake, fault):
    fake.fault(fault, path=r"/repos/org/gitops", times=2)
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0, run
    assert run.r["attempts"] == 3 and run.r["status"] == 200
    assert json.loads(run.r["body"])["full_name"] == REPO


def test_connection_refused_is_retried_then_fails(fake):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the driver connects
    run = drive("http://127.0.0.1:%d" % port, ("GET", "/repos/org/gitops"), attempts=3)
    assert run.returncode == 1, run
    assert run.r["attempts"] == 3 and run.r["status"] == 0
    assert "failed after 3 attempts" in run.err and "connect" in run.err.lower()


def test_delay_within_the_budget_succeeds(fake):
    fake.fault("delay", seconds=0.5)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), timeout=10)
    assert run.returncode == 0 and run.r["attempts"] == 1 and run.elapsed >= 0.5, run


def test_a_server_that_never_answers_is_bounded_by_the_budget(fake):
    fake.fault("hang", times=None)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), timeout=2)
    assert run.returncode == 1, run
    assert 1.8 <= run.elapsed < 4, run
    assert "time budget of 2 s is used up" in run.err and "Timeout" in run.err


def test_a_trickling_body_is_bounded_by_the_budget(fake):
    fake.fault("trickle", times=None, chunk=1, interval=0.2)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), timeout=2)
    assert run.returncode == 1, run
    assert run.elapsed < 4, run
    assert "time budget of 2 s is used up" in run.err


def test_budget_spans_all_requests_of_a_run(fake):
    fake.fault("delay", seconds=1.2, times=None)
    run = drive(fake.url, *[("GET", "/repos/org/gitops")] * 3, timeout=3)
    assert run.returncode == 1, run
    assert [r["rc"] for r in run.results][:2] == [0, 0]
    assert run.results[2]["rc"] == -1
    assert run.elapsed < 4.5


# ---- bodies ------------------------------------------------------------------

def test_body_cap(fake):
    run = drive(fake.url, ("GET", "/repos/org/gitops"), opts=["--body-max", "100"])
    assert run.returncode == 1, run
    assert "the response is over 100 bytes" in run.err
    assert len(repo_requests(fake)) == 1  # not retried


def test_default_cap_refuses_a_huge_body(fake):
    big = b"z" * (9 * 1024 * 1024)
    fake.commit_files(REPO, "main", {"huge.bin": big})
    run = drive(fake.url, ("GET", "/repos/org/gitops/contents/huge.bin"),
                opts=["--accept", "application/vnd.github.raw"])
    assert run.returncode == 1, run
    assert "over 8388608 bytes" in run.err


@pytest.mark.parametrize("fault", ["truncate", "garbage"])
def test_unparsable_bodies_reach_the_caller(fake, fault):
    fake.fault(fault)
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 0, run
    assert run.r["status"] == 200 and "message" not in run.r
    with pytest.raises(ValueError):
        json.loads(run.r["body"])


# ---- error lines and permission hints --------------------------------------

def test_hint_401(fake):
    run = drive(fake.url, ("GET", "/repos/org/gitops"), token=WRONG_TOKEN,
                opts=["--fail", "--what", "read 'org/gitops'", "--repo", REPO])
    assert run.returncode == 1, run
    line = run.err.strip().splitlines()[-1]
    assert line.startswith("gitops-bump: error: read 'org/gitops' failed: HTTP 401 \"Bad credentials\"")
    assert "the token is invalid, expired or revoked" in line


def test_hint_403_names_the_missing_permission(fake):
    token = "github_pat_ReadOnly0123456789abcdefghij"
    fake.add_token(token, name="ro", kind="fine-grained", repos={REPO: {"contents": "read"}})
    body = {"message": "m", "content": "eA==", "sha": "0" * 40}
    run = drive(fake.url, ("PUT", "/repos/org/gitops/contents/x.yaml", body), token=token,
                opts=["--fail", "--what", "commit to 'org/gitops'", "--repo", REPO,
                      "--permission", "contents:write"])
    assert run.returncode == 1, run
    assert token not in run.err and token not in run.out
    assert ("commit to 'org/gitops' failed: HTTP 403 \"Resource not accessible by personal "
            "access token\": the fine-grained token lacks contents:write on 'org/gitops' (give "
            "it Contents read and write on that repository)") in run.err


def test_hint_403_pull_requests(fake):
    token = "ghs_NoPullRequests0123456789abcdefghijk"
    fake.add_token(token, name="nopr", kind="app", repos={REPO: {"contents": "write"}})
    run = drive(fake.url, ("POST", "/repos/org/gitops/pulls",
                           {"title": "t", "head": "x", "base": "main"}), token=token,
                opts=["--fail", "--what", "open a pull request on 'org/gitops'", "--repo", REPO,
                      "--permission", "pull_requests:write"])
    assert run.returncode == 1, run
    assert "Resource not accessible by integration" in run.err
    # an App token or the workflow's GITHUB_TOKEN: the permissions: block, not a PAT
    assert "lacks pull_requests:write on 'org/gitops': with GITHUB_TOKEN, add " \
           "'permissions: { pull-requests: write }' to the job (or the workflow); with an " \
           "App, grant it Pull requests read and write" in run.err
    assert "PAT" not in run.err


def test_hint_404(fake):
    fake.add_repo("org/secret")
    token = "ghs_OnlyGitops0123456789abcdefghijklmno"
    fake.add_token(token, name="only", repos={REPO: {"contents": "write"}})
    run = drive(fake.url, ("POST", "/repos/org/secret/dispatches", {"event_type": "x"}),
                token=token, opts=["--fail", "--what", "dispatch to 'org/secret'", "--repo",
                                   "org/secret", "--permission", "contents:write"])
    assert run.returncode == 1, run
    line = run.err.strip().splitlines()[-1]
    assert "dispatch to 'org/secret' failed: HTTP 404 \"Not Found\": 'org/secret' does not " \
           "exist or the token cannot see it; the token needs contents:write on 'org/secret' " \
           "(fine-grained PAT or GitHub App: Contents read and write; classic PAT: repo scope)" in line
    assert "GITHUB_TOKEN reaches only its own repository" in line
    assert fake.dispatches("org/secret") == []


def test_422_quotes_the_errors_array(fake):
    fake.add_branch(REPO, "feature", files={"f.txt": "x"})
    pr = {"title": "t", "head": "feature", "base": "main"}
    run = drive(fake.url, ("POST", "/repos/org/gitops/pulls", pr),
                ("POST", "/repos/org/gitops/pulls", pr), opts=["--fail"])
    assert [r["status"] for r in run.results] == [201, 422], run
    assert run.results[1]["message"] == \
        "Validation Failed (A pull request already exists for org:feature.)"
    assert "HTTP 422 \"Validation Failed (A pull request already exists" in run.err


def test_untrusted_message_cannot_start_a_workflow_command(fake):
    fake.fault("status", status=400, message="x\n::set-output name=a::b\n%0A")
    run = drive(fake.url, ("GET", "/repos/org/gitops"), opts=["--fail"],
                env={"GITHUB_ACTIONS": "true"})
    assert run.returncode == 1, run
    errors = [l for l in run.out.splitlines() if l.startswith("::") and
              not l.startswith("::add-mask::")]
    assert len(errors) == 1 and errors[0].startswith("::error::"), run.out
    assert "\n::set-output" not in run.out


def test_long_messages_are_bounded(fake):
    fake.fault("status", status=400, message="m" * 5000)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), opts=["--fail"])
    assert run.returncode == 1
    assert len(run.err) < 1000 and 'mmm..."' in run.err


# ---- TLS and plain http ----------------------------------------------------------

def test_tls_certificate_that_does_not_verify_is_refused(fake_github_https):
    fake = fake_github_https
    fake.add_repo(REPO)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), attempts=5,
                env={"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"}
                if os.path.exists("/etc/ssl/certs/ca-certificates.crt") else None)
    assert run.returncode == 1, run
    assert run.r["attempts"] == 1  # not retried, no fallback
    assert "TLS with '127.0.0.1' failed" in run.err and "no insecure mode" in run.err
    assert fake.requests() == []  # nothing (and no token) reached the server


def test_tls_with_the_right_ca_bundle_works(fake_github_https):
    fake = fake_github_https
    fake.add_repo(REPO)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), env={"SSL_CERT_FILE": fake.ca_file})
    assert run.returncode == 0, run
    assert run.r["status"] == 200 and fake.requests()[0]["token"] == "default"


def test_unreadable_ca_bundle_is_an_error(fake_github_https):
    run = drive(fake_github_https.url, ("GET", "/repos/org/gitops"),
                env={"SSL_CERT_FILE": "/nonexistent/bundle.pem"})
    assert run.returncode == 1
    assert "cannot read CA bundle '/nonexistent/bundle.pem' (SSL_CERT_FILE)" in run.err


@pytest.mark.parametrize("url", ["http://api.github.com", "http://192.0.2.1:8080",
                                 "http://localhost.example.com", "http://[2001:db8::1]"])
def test_token_over_http_to_non_loopback_is_refused(url):
    run = drive(url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 1 and run.results == [], run
    assert "refusing to send the token over plain http" in run.err
    assert run.elapsed < 2


# ---- redirects ------------------------------------------------------------------

def test_same_origin_redirect_keeps_the_token(fake):
    fake.fault("redirect", path=r"/repos/org/old-name", status=301, location="/repos/org/gitops")
    run = drive(fake.url, ("GET", "/repos/org/old-name"))
    assert run.returncode == 0, run
    assert run.r["status"] == 200 and json.loads(run.r["body"])["full_name"] == REPO
    first, second = fake.requests()
    assert first["token"] == second["token"] == "default"
    assert run.r["requests"] == 2 and run.r["attempts"] == 1


def test_307_keeps_method_and_body(fake):
    fake.fault("redirect", path=r"/repos/org/old-name/dispatches", status=307,
               location=fake.url + "/repos/org/gitops/dispatches")
    run = drive(fake.url, ("POST", "/repos/org/old-name/dispatches", {"event_type": "moved"}))
    assert run.returncode == 0 and run.r["status"] == 204, run
    assert [d["event_type"] for d in fake.dispatches(REPO)] == ["moved"]
    assert fake.requests()[1]["method"] == "POST"


def test_303_turns_into_a_get(fake):
    fake.fault("redirect", path=r"/repos/org/gitops/dispatches", status=303,
               location="/repos/org/gitops")
    run = drive(fake.url, ("POST", "/repos/org/gitops/dispatches", {"event_type": "x"}))
    assert run.returncode == 0 and run.r["status"] == 200, run
    second = fake.requests()[1]
    assert second["method"] == "GET" and second["body"] == b""
    assert fake.dispatches(REPO) == []


def test_cross_origin_redirect_drops_the_token(fake):
    other = FakeGitHub()
    other.add_token(TOKEN, name="default")  # it would accept the token: it must not get it
    other.add_repo(REPO)
    with other:
        fake.fault("redirect", status=302,
                   location="http://localhost:%d/repos/org/gitops" % other.port)
        run = drive(fake.url, ("GET", "/repos/org/gitops"))
        assert run.returncode == 0, run
        assert run.r["status"] == 401 and run.r["message"] == "Requires authentication"
        (rec,) = other.requests()
        assert "authorization" not in rec["headers"] and rec["token"] is None
        other.assert_no_leaks()


def test_redirect_to_plain_http_elsewhere_is_refused(fake):
    fake.fault("redirect", status=301, location="http://example.com/repos/org/gitops")
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 1, run
    assert "refusing to follow a redirect to plain http on 'example.com'" in run.err
    assert len(fake.requests()) == 1


def test_redirect_loops_end(fake):
    fake.fault("redirect", times=None, status=302, location="/repos/org/gitops")
    run = drive(fake.url, ("GET", "/repos/org/gitops"))
    assert run.returncode == 1, run
    assert "more than 5 redirects" in run.err
    assert len(fake.requests()) == 6


# ---- the caller's own backoff (commit conflicts) ------------------------------------

def test_caller_backoff_sleeps_within_its_window(fake):
    run = drive(fake.url, opts=["--backoff", "3"], base_ms="50")
    assert run.returncode == 0, run
    assert json.loads(run.out.splitlines()[0])["elapsed"] <= 0.15 + 0.1


def test_caller_backoff_window_shrinks_to_the_budget(fake):
    # a window of 1000 x 60 s in a 2 s budget, 1.5 s kept for the next attempt
    run = drive(fake.url, opts=["--backoff", "1000", "--reserve", "1.5"], base_ms="60000",
                timeout=2)
    assert run.returncode == 0, run
    assert json.loads(run.out.splitlines()[0])["elapsed"] <= 0.5 + 0.1


def test_caller_backoff_past_the_budget_fails_fast(fake):
    run = drive(fake.url, opts=["--backoff", "1", "--reserve", "5"], timeout=2)
    assert run.returncode == 1, run
    assert run.elapsed < 1.0
    assert ("the driver's backoff failed: before attempt 2, the time budget of 2 s leaves "
            "no room for one more") in run.err


def test_debug_log_shows_no_token(fake):
    fake.fault("status", status=503)
    run = drive(fake.url, ("GET", "/repos/org/gitops"), env={"RUNNER_DEBUG": "1"})
    assert run.returncode == 0, run
    assert "retrying in" in run.err  # the debug lines were printed (and checked by drive())


# ---- gh_get_json: one GET of a repository's JSON, sent again as a poll ------

def poll_statuses(fake, did, *opts, polls=3):
    return drive(fake.url, opts=["--repo", REPO, "--permission", "deployments:read",
                                 *opts, "--poll-statuses", str(did), "--polls", str(polls)])


def test_get_json_sent_again_is_a_conditional_poll(fake):
    did = fake.add_deployment(REPO, "a" * 40)
    fake.add_deployment_status(REPO, did, "in_progress")
    run = poll_statuses(fake, did)
    assert run.returncode == 0, run
    path = "/repos/org/gitops/deployments/%d/statuses" % did
    # the first answer is parsed; then the ETag it gave makes the same GET a
    # 304, whose empty answer leaves no JSON from the poll before
    assert [(x["rc"], x["status"], x["json"], x["path"]) for x in run.results] == \
        [(200, 200, "array", path), (304, 304, None, path), (304, 304, None, path)]
    reqs = fake.requests(path="^%s$" % path)
    assert [r["method"] for r in reqs] == ["GET"] * 3
    assert "if-none-match" not in reqs[0]["headers"]
    assert reqs[1]["headers"]["if-none-match"].startswith('W/"')
    assert reqs[2]["headers"]["if-none-match"] == reqs[1]["headers"]["if-none-match"]


def test_get_json_keeps_the_callers_body_cap(fake):
    did = fake.add_deployment(REPO, "a" * 40)
    fake.add_deployment_status(REPO, did, "success", "a description long enough")
    run = poll_statuses(fake, did, "--body-max", "40", polls=1)
    assert run.returncode == 1, run
    assert run.r["rc"] == -1 and run.r["json"] is None
    assert "the response is over 40 bytes" in run.err


def test_get_json_fails_a_status_not_listed_with_the_hint(fake):
    run = poll_statuses(fake, 999999, "--what", "reading the statuses of deployment 999999",
                        polls=1)
    assert run.returncode == 1, run
    assert run.r["rc"] == -1 and run.r["status"] == 404 and run.r["json"] is None
    line = run.err.strip().splitlines()[-1]
    assert "reading the statuses of deployment 999999 failed: HTTP 404" in line
    assert "the token needs deployments:read on 'org/gitops'" in line
