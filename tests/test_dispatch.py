"""Black-box tests of `gitops-bump dispatch` against the fake GitHub:
env + event file in, requests the fake received, outputs and exit code out."""
import json

import pytest

from conftest import TOKEN
from dispatch_util import (APP, GITOPS, SHA, check_commands, fixture_event, push_event,
                           runner_messages, seed_dispatch, step_env)
from fakegh import fake_github  # noqa: F401  (pytest fixture)


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return seed_dispatch(fake_github)


def received(fake, repo=GITOPS):
    return fake.dispatches(repo)


def test_push_end_to_end(gb, fake, tmp_path):
    ev = push_event(tmp_path, message="Fix login (#12)\n\nLonger explanation.")
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    [d] = received(fake)
    assert d["event_type"] == "product-service"
    assert d["client_payload"] == {
        "service": "product-service",
        "environment": "sandbox",
        "commitmsg": SHA[:7] + " Fix login (#12)",
        "baseRef": "sandbox",
        "source": {
            "repository": APP,
            "ref": "refs/heads/sandbox",
            "sha": SHA,
            "message": "Fix login (#12)\n\nLonger explanation.",
            "actor": "octocat",
            "run_url": "https://github.com/%s/actions/runs/4242" % APP,
            "event": "push",
        },
    }
    # one request, shaped as GitHub wants it
    [req] = fake.requests()
    assert req["method"] == "POST" and req["path"] == "/repos/org/gitops/dispatches"
    h = req["headers"]
    assert h["accept"] == "application/vnd.github+json"
    assert h["x-github-api-version"] == "2022-11-28"
    assert h["user-agent"].startswith("gitops-bump/")
    assert h["authorization"] == "Bearer <token:default>"
    assert h["content-type"] == "application/json"
    # outputs: exactly what was sent
    out = r.outputs()
    assert json.loads(out["payload"]) == d["client_payload"]
    assert out["event-type"] == "product-service"
    assert "sent 'product-service' to 'org/gitops'" in r.out
    check_commands(r)
    # the step summary names what happened, as literal Markdown
    assert "gitops-bump dispatch: sent to 1 of 1 repositories" in r.summary
    assert "| environment | sandbox |" in r.summary
    assert "Fix login \\(\\#12\\)" in r.summary


def test_inputs_shape_the_payload(gb, fake, tmp_path):
    ev = push_event(tmp_path, ref="refs/heads/release/1.2")
    r = gb([], step_env(ev, fake, service="product", environment="qa", event_type="deploy",
                        image="123.dkr.ecr.ap-northeast-2.amazonaws.com/product@sha256:" + "a" * 64,
                        client_payload='{"team": "web", "flags": {"canary": true}}'))
    assert r.returncode == 0, r
    [d] = received(fake)
    p = d["client_payload"]
    assert d["event_type"] == "deploy"
    assert list(p) == ["service", "environment", "image", "commitmsg", "baseRef", "source",
                       "team", "flags"]
    assert p["service"] == "product" and p["environment"] == "qa"
    assert p["baseRef"] == "release/1.2"  # the branch, slashes kept
    assert p["image"].endswith("@sha256:" + "a" * 64)
    assert p["team"] == "web" and p["flags"] == {"canary": True}
    assert p["source"]["ref"] == "refs/heads/release/1.2"


def test_environment_defaults_to_branch_with_slashes(gb, fake, tmp_path):
    ev = push_event(tmp_path, ref="refs/heads/feature/a/b")
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    assert received(fake)[0]["client_payload"]["environment"] == "feature/a/b"


def test_several_targets_get_the_same_body(gb, fake, tmp_path):
    fake.add_repo("org/gitops-eu")
    ev = push_event(tmp_path)
    r = gb([], step_env(ev, fake, repository="org/gitops\n  org/gitops-eu  \n\n"))
    assert r.returncode == 0, r
    bodies = [q["body"] for q in fake.requests("POST")]
    assert [q["path"] for q in fake.requests("POST")] == [
        "/repos/org/gitops/dispatches", "/repos/org/gitops-eu/dispatches"]
    assert bodies[0] == bodies[1]
    [eu] = received(fake, "org/gitops-eu")
    assert eu["client_payload"] == received(fake)[0]["client_payload"]


def test_one_target_failing_still_sends_to_the_others(gb, fake, tmp_path):
    fake.add_repo("org/gitops-b")
    fake.add_token("ghs_LimitedToken0123456789abcdefABCDEF", name="limited",
                   repos={GITOPS: {"contents": "write"}, "org/gitops-b": {"contents": "read"}})
    ev = push_event(tmp_path)
    env = step_env(ev, fake, repository="org/gitops-b\norg/gitops")
    r = gb([], env, token="ghs_LimitedToken0123456789abcdefABCDEF")
    assert r.returncode == 1, r
    assert len(received(fake)) == 1
    assert received(fake, "org/gitops-b") == []
    check_commands(r, errors=1, token="ghs_LimitedToken0123456789abcdefABCDEF")
    [err] = runner_messages(r.stdout)
    assert err.startswith("dispatch to 'org/gitops-b' failed: HTTP 403")
    assert "contents" in err.lower()
    assert "sent to 1 of 2 repositories" in r.out
    assert "sent to 1 of 2 repositories" in r.summary


def test_missing_repo_names_the_permission(gb, fake, tmp_path):
    ev = push_event(tmp_path)
    r = gb([], step_env(ev, fake, repository="org/nope"))
    assert r.returncode == 1
    [err] = runner_messages(r.stdout)
    assert err.startswith("dispatch to 'org/nope' failed: HTTP 404")
    assert "'org/nope' does not exist or the token cannot see it" in err


def test_bad_token_is_reported_without_showing_it(gb, fake, tmp_path):
    ev = push_event(tmp_path)
    r = gb([], step_env(ev, fake), token="ghp_UnknownToken0123456789abcdefABCDEF")
    assert r.returncode == 1
    assert "the token is invalid, expired or revoked" in r.out
    assert "ghp_UnknownToken0123456789abcdefABCDEF" not in r.out.replace(
        "::add-mask::ghp_UnknownToken0123456789abcdefABCDEF\n", "")


def test_retries_a_server_error(gb, fake, tmp_path):
    fake.fault("status", method="POST", status=502)
    ev = push_event(tmp_path)
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    assert len(fake.requests("POST")) == 2
    assert len(received(fake)) == 1


@pytest.mark.parametrize("fixture,kind", [
    ("push-tag.json", "tag push 'refs/tags/simple-tag'"),
    ("push-tag-deleted.json", "deletion 'refs/tags/simple-tag'"),
])
def test_not_a_deploy(gb, fake, tmp_path, fixture, kind):
    ev = fixture_event(tmp_path, fixture)
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    assert fake.requests() == []
    cmds = check_commands(r)
    assert ("notice", kind + " is not a deploy: nothing sent") in cmds
    assert r.outputs() == {}

    r = gb([], step_env(ev, fake, strict="true"))
    assert r.returncode == 1
    assert fake.requests() == []
    check_commands(r, errors=1)
    assert kind + " is not a deploy (input 'strict' is true)" in r.out


def test_branch_deletion_is_not_a_deploy(gb, fake, tmp_path):
    ev = push_event(tmp_path, sha="0" * 40, deleted=True, head_commit=None)
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    assert "deletion 'refs/heads/sandbox' is not a deploy: nothing sent" in r.out
    assert fake.requests() == []


def test_fork_workflow_run_is_not_a_deploy(gb, fake, tmp_path):
    ev = fixture_event(tmp_path, "workflow_run.json")
    data = json.loads(ev.read_text())
    data["workflow_run"]["head_repository"]["full_name"] = "evil/fork"
    ev.write_text(json.dumps(data))
    r = gb([], step_env(ev, fake, event="workflow_run"))
    assert r.returncode == 0, r
    assert "run for a fork" in r.out and "is not a deploy" in r.out
    assert fake.requests() == []


def test_other_events_fetch_the_message(gb, fake, tmp_path):
    sha = fake.add_commit(APP, "Release 2.0\n\nwith \"notes\" | & `x`")
    ev = fixture_event(tmp_path, "workflow_dispatch.json")
    env = step_env(ev, fake, event="workflow_dispatch")
    env["GITHUB_REF"] = "refs/heads/qa"
    env["GITHUB_SHA"] = sha
    r = gb([], env)
    assert r.returncode == 0, r
    [get] = fake.requests("GET")
    assert get["path"] == "/repos/%s/commits/%s" % (APP, sha)
    p = received(fake)[0]["client_payload"]
    assert p["source"]["message"] == "Release 2.0\n\nwith \"notes\" | & `x`"
    assert p["commitmsg"] == sha[:7] + " Release 2.0"
    assert p["environment"] == "qa" and p["source"]["event"] == "workflow_dispatch"


def test_workflow_run_uses_the_runs_commit(gb, fake, tmp_path):
    ev = fixture_event(tmp_path, "workflow_run.json")
    r = gb([], step_env(ev, fake, event="workflow_run"))
    assert r.returncode == 0, r
    p = received(fake)[0]["client_payload"]
    assert p["environment"] == "main"
    assert p["source"]["sha"] == "5779607b49aab1200488439f02372c57b4f75444"
    assert p["source"]["message"] == "Update milestone-created.yml"
    assert fake.requests("GET") == []


def test_message_fetch_failure_is_clear(gb, fake, tmp_path):
    ev = fixture_event(tmp_path, "workflow_dispatch.json")
    env = step_env(ev, fake, event="workflow_dispatch")
    env["GITHUB_SHA"] = "1" * 40
    r = gb([], env)
    assert r.returncode == 1
    [err] = runner_messages(r.stdout)
    assert err.startswith("reading commit '111111111111' of '%s' failed: HTTP 422" % APP)
    assert fake.requests("POST") == []


def test_dry_run_sends_nothing(gb, fake, tmp_path):
    ev = push_event(tmp_path, message="dry\n::error::inside")
    r = gb([], step_env(ev, fake, dry_run="true"))
    assert r.returncode == 0, r
    assert fake.requests() == []
    assert "dry run: nothing sent to 1 repository" in r.out
    # the body is shown, indented, where the runner executes nothing
    assert '"message": "dry\\n::error::inside"' in r.out
    check_commands(r)
    assert json.loads(r.outputs()["payload"])["source"]["message"] == "dry\n::error::inside"
    assert "dry run: nothing sent" in r.summary


def test_dry_run_needs_no_token(gb, tmp_path):
    ev = push_event(tmp_path)
    r = gb(["--dry-run"], step_env(ev), token=None)
    assert r.returncode == 0, r
    assert json.loads(r.outputs()["payload"])["service"] == "product-service"


def test_plain_output_outside_actions(gb, fake, tmp_path):
    ev = push_event(tmp_path, message="plain run")
    r = gb(["dispatch"], step_env(ev, fake), actions=False)
    assert r.returncode == 0, r
    lines = r.out.splitlines()
    assert [l.split("=", 1)[0] for l in lines] == ["payload", "event-type"]
    assert json.loads(lines[0].split("=", 1)[1])["source"]["message"] == "plain run"
    assert lines[1] == "event-type=product-service"
    assert "::" not in r.err
    assert "sent 'product-service' to 'org/gitops'" in r.err
    assert len(received(fake)) == 1


def test_cli_flags_instead_of_inputs(gb, fake, tmp_path):
    ev = push_event(tmp_path)
    env = step_env(ev, fake, repository=None)
    for k in ("INPUT_MODE", "INPUT_REPOSITORY", "INPUT_API-URL"):
        env[k] = None
    r = gb(["dispatch", "--repository", GITOPS, "--api-url=" + fake.url, "--event-type", "x",
            "--environment", "prod", "--client-payload", '{"k":1}'], env, actions=False)
    assert r.returncode == 0, r
    [d] = received(fake)
    assert d["event_type"] == "x"
    assert d["client_payload"]["environment"] == "prod" and d["client_payload"]["k"] == 1


def test_event_file_errors(gb, tmp_path):
    r = gb([], step_env(tmp_path / "missing.json"))
    assert r.returncode == 1
    check_commands(r, errors=1)
    assert "cannot read event file" in r.out

    bad = tmp_path / "bad.json"
    bad.write_text('{"ref": "refs/heads/x", ')
    r = gb([], step_env(bad))
    assert r.returncode == 1
    [err] = runner_messages(r.stdout)
    assert err.startswith("event file '%s' is not valid JSON" % bad)

    bad.write_text('{"ref": "refs/heads/x"}')
    r = gb([], step_env(bad))
    assert r.returncode == 1
    assert "has no commit id in 'after'" in r.out


def test_no_commit_at_all(gb, tmp_path):
    env = step_env(None, event="workflow_dispatch")
    env["GITHUB_SHA"] = None
    r = gb(["--dry-run"], env)
    assert r.returncode == 1
    check_commands(r, errors=1)
    assert "no commit to deploy" in r.out


def test_token_never_printed_even_when_asked(gb, fake, tmp_path):
    # a commit message that quotes the token is still never printed with it
    ev = push_event(tmp_path, message="oops " + TOKEN)
    r = gb([], step_env(ev, fake, dry_run="true"))
    assert r.returncode == 0, r
    assert "oops ***" in r.outputs()["payload"]


def test_outputs_append_to_the_step_files(gb, fake, tmp_path):
    """$GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY are appended to, never
    replaced, and the file still parses the runner's way (a heredoc before
    ours stays intact)."""
    (tmp_path / "github_output").write_text("earlier<<ghadelimiter_x\nline 1\nline 2\n"
                                            "ghadelimiter_x\nplain=1\n")
    (tmp_path / "step_summary").write_text("# an earlier step\n")
    ev = push_event(tmp_path, message="payload<<EOF\nx=1\nEOF")
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    out = r.outputs()
    assert out["earlier"] == "line 1\nline 2" and out["plain"] == "1"
    assert json.loads(out["payload"])["source"]["message"] == "payload<<EOF\nx=1\nEOF"
    assert r.output_text.count("\n") == 7  # 5 earlier lines, one per output
    assert r.summary.startswith("# an earlier step\n### gitops-bump dispatch")
