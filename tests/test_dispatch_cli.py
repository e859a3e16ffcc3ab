"""The input surface of dispatch: every INPUT_* spelling, CLI flags, and usage
errors (exit 2, one clear line) in both output styles."""
import json

import pytest

from conftest import TOKEN
from dispatch_util import GITOPS, check_commands, push_event, runner_commands, step_env

# input -> (a value, what the dry-run payload or outputs must then show)
SPELLED = {
    "event-type": ("custom-type", lambda out, p: out["event-type"] == "custom-type"),
    "service": ("svc-x", lambda out, p: p["service"] == "svc-x"),
    "environment": ("qa", lambda out, p: p["environment"] == "qa"),
    "image": ("ecr.example.com/x@sha256:" + "0" * 64,
              lambda out, p: p["image"] == "ecr.example.com/x@sha256:" + "0" * 64),
    "client-payload": ('{"team":"t"}', lambda out, p: p["team"] == "t"),
    "dry-run": ("true", lambda out, p: True),  # the run sends nothing without a server
}


def dry_env(tmp_path, **inputs):
    env = step_env(push_event(tmp_path), None, **inputs)
    env["INPUT_DRY-RUN"] = "true"
    return env


@pytest.mark.parametrize("spelling", ["hyphen", "underscore"])
@pytest.mark.parametrize("name", sorted(SPELLED))
def test_every_input_spelling(gb, tmp_path, name, spelling):
    value, check = SPELLED[name]
    env = dry_env(tmp_path)
    var = "INPUT_" + name.upper()
    if spelling == "underscore":
        var = var.replace("-", "_")
    env[var] = value
    r = gb([], env)
    assert r.returncode == 0, r
    out = r.outputs()
    assert check(out, json.loads(out["payload"]))


@pytest.mark.parametrize("spelling", ["INPUT_REPOSITORY", "INPUT_MODE"])
def test_mode_and_repository_inputs(gb, tmp_path, spelling):
    env = dry_env(tmp_path)
    r = gb([], env)
    assert r.returncode == 0, r
    env[spelling] = None
    r = gb([], env)
    assert r.returncode == 2


@pytest.mark.parametrize("name,value", [
    ("max-attempts", "0"), ("timeout", "-1"), ("strict", "perhaps"), ("dry-run", "yes please"),
])
def test_integer_and_boolean_inputs_in_both_spellings(gb, tmp_path, name, value):
    for var in ("INPUT_" + name.upper(), "INPUT_" + name.upper().replace("-", "_")):
        env = dry_env(tmp_path)
        if name == "dry-run":
            env.pop("INPUT_DRY-RUN")
        env[var] = value
        r = gb([], env)
        assert r.returncode == 2, (var, r)
        assert "input '%s'" % name in r.out


def test_api_url_and_token_spellings(gb, tmp_path):
    """api-url reaches the client in either spelling (a refused plain-http
    URL proves it was read), and GITHUB_TOKEN/GH_TOKEN stand in for token."""
    for var in ("INPUT_API-URL", "INPUT_API_URL"):
        env = step_env(push_event(tmp_path), None)
        env[var] = "http://example.com"
        r = gb([], env)
        assert r.returncode == 1, r
        assert "example.com" in r.out
    for var in ("INPUT_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"):
        env = step_env(push_event(tmp_path), None, dry_run="true")
        env[var] = TOKEN
        r = gb([], env, token=None)
        assert r.returncode == 0, r
        assert r.out.startswith("::add-mask::" + TOKEN + "\n")


USAGE = [
    # (argv, env changes, the error's beginning)
    ([], {"INPUT_REPOSITORY": None}, "input 'repository' is required in mode 'dispatch'"),
    ([], {"INPUT_REPOSITORY": "org"}, "input 'repository' has 'org', which is not 'owner/name'"),
    ([], {"INPUT_REPOSITORY": "org/a\nORG/A"}, "input 'repository' names 'ORG/A' twice"),
    ([], {"INPUT_REPOSITORY": "https://github.com/org/gitops"}, "input 'repository' has"),
    ([], {"INPUT_MODE": "deploy"}, "input 'mode' must be 'dispatch', 'patch' or 'land', not 'deploy'"),
    ([], {"INPUT_MODE": None}, "no mode given"),
    ([], {"INPUT_CLIENT-PAYLOAD": "{\"a\":"}, "input 'client-payload' is not valid JSON"),
    ([], {"INPUT_CLIENT-PAYLOAD": "[1,2]"}, "input 'client-payload' must be a JSON object"),
    ([], {"INPUT_CLIENT-PAYLOAD": "{\"baseRef\":\"x\"}"},
     "input 'client-payload' sets 'baseRef', which gitops-bump sets itself"),
    ([], {"INPUT_CLIENT-PAYLOAD": json.dumps({k: 1 for k in "abcdef"})},
     "client_payload would have 11 top-level keys, GitHub allows 10"),
    ([], {"INPUT_CLIENT-PAYLOAD": json.dumps({"blob": "x" * 70000})},
     "the dispatch request would be "),
    ([], {"INPUT_EVENT-TYPE": "e" * 101}, "event type 'eeee"),
    ([], {"INPUT_SERVICE": "s" * 101}, "event type 'ssss"),
    ([], {"INPUT_TOKEN": None, "INPUT_DRY-RUN": None}, "no token: set the 'token' input"),
    ([], {"INPUT_TOKEN": "someone:" + TOKEN}, "the token has the form 'user:token'"),
    ([], {"GITHUB_REF": "refs/pull/7/merge", "GITHUB_EVENT_NAME": "pull_request",
          "GITHUB_EVENT_PATH": None},
     "cannot tell the environment: 'refs/pull/7/merge' is not a branch"),
    ([], {"GITHUB_REPOSITORY": None, "GITHUB_EVENT_PATH": None,
          "GITHUB_EVENT_NAME": "workflow_dispatch"},
     "cannot tell the service: GITHUB_REPOSITORY is not set"),
    (["dispatch", "--nope"], {}, "unknown option '--nope'"),
    (["dispatch", "--manifest", "x"], {}, "option '--manifest' does not apply to mode 'dispatch'"),
    # patch takes only repository_dispatch events, and never skips one
    (["patch", "--strict"], {}, "option '--strict' does not apply to mode 'patch'"),
    (["dispatch", "--token", "x"], {}, "the token is not taken from the command line"),
    (["dispatch", "--event-type"], {}, "option '--event-type' needs a value"),
    (["dispatch", "extra"], {}, "unexpected argument 'extra'"),
    (["deploy"], {}, "unknown mode 'deploy'"),
]


@pytest.mark.parametrize("argv,changes,want", USAGE, ids=[u[2][:40] for u in USAGE])
@pytest.mark.parametrize("actions", [True, False], ids=["actions", "plain"])
def test_usage_errors_exit_2_with_one_line(gb, tmp_path, argv, changes, want, actions):
    env = dry_env(tmp_path)
    if changes.get("INPUT_TOKEN", "") is None:
        env["INPUT_DRY-RUN"] = None
    env.update(changes)
    # a test that sets INPUT_TOKEN itself checks for leaks below
    token = None if "INPUT_TOKEN" in changes else TOKEN
    r = gb(argv, env, actions=actions, token=token)
    assert r.returncode == 2, r
    if actions:
        cmds = runner_commands(r.stdout)
        errors = [d for c, d in cmds if c == "error"]
        assert len(errors) == 1, cmds
        assert errors[0].startswith(want), errors
        assert r.stderr == b""
        assert [c for c, _ in cmds if c not in ("add-mask", "error")] == []
    else:
        assert r.err.count("\n") == 1, r.err
        assert r.err.startswith("gitops-bump: error: " + want), r.err
        assert r.stdout == b""
    lines = r.out.splitlines()
    while lines and lines[0].startswith("::add-mask::"):
        lines.pop(0)
    assert TOKEN not in "\n".join(lines) + r.err


def test_unknown_input_only_warns(gb, tmp_path):
    env = dry_env(tmp_path)
    env["INPUT_EVNET-TYPE"] = "typo"
    r = gb([], env)
    assert r.returncode == 0, r
    cmds = check_commands(r)
    assert ("warning", "unknown input 'INPUT_EVNET-TYPE' ignored (see --list-inputs)") in cmds


def test_help_and_version(gb):
    r = gb(["dispatch", "--help"], actions=False)
    assert r.returncode == 0
    assert "--event-type" in r.out and "--client-payload" in r.out
    r = gb(["dispatch", "--version"], actions=False)
    assert r.returncode == 0 and r.out.startswith("gitops-bump ")


def test_list_inputs_names_every_dispatch_input(gb):
    r = gb(["--list-inputs"], actions=False)
    rows = [l.split("\t") for l in r.out.splitlines()]
    dispatch = {row[0] for row in rows if "dispatch" in row[1].split(",")}
    assert dispatch == {"mode", "token", "api-url", "max-attempts", "timeout", "dry-run", "strict",
                        "repository", "event-type", "service", "environment", "client-payload",
                        "image", "app-id", "private-key", "via", "workflow", "rollback",
                        "provenance", "deployment", "deployment-token", "wait", "wait-timeout"}


def test_workflow_snippet_with_literal_block_inputs(gb, tmp_path):
    """`with:` block scalars end in a newline; repository lists have blank lines."""
    env = dry_env(tmp_path)
    env["INPUT_REPOSITORY"] = "org/gitops\n\norg/gitops-dr\n"
    env["INPUT_CLIENT-PAYLOAD"] = '{\n  "team": "web"\n}\n'
    env["INPUT_ENVIRONMENT"] = "sandbox\n"
    r = gb([], env)
    assert r.returncode == 0, r
    p = json.loads(r.outputs()["payload"])
    assert p["environment"] == "sandbox" and p["team"] == "web"
    assert "dry run: nothing sent to 2 repositories" in r.out
    assert GITOPS in r.summary.replace("\\", "")
