"""patch: what is refused before anything is read or written.  Each refusal
is one clear line, and the fake GitHub saw no request at all."""
import pytest

from dispatch_util import check_commands
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import (MANIFEST, article_payload, dispatch_event, dispatch_payload,
                        patch_env, seed_gitops)


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return seed_gitops(fake_github)


def error_lines(res):
    return [l for l in res.out.splitlines() if l.startswith("::error")]


def refused(res, fake, text, rc=1):
    assert res.returncode == rc, res
    [line] = error_lines(res)
    assert text in line, line
    assert fake.requests() == [], "a refused run must not touch the API"
    assert res.outputs() == {}
    return line


def test_disallowed_environment(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, article_payload(base_ref="production"))
    r = gb([], patch_env(ev, fake))
    refused(r, fake, "branch 'production' does not follow policy (allowed: sandbox, qa, master)")


def test_environments_input_is_the_policy(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, article_payload(base_ref="qa"))
    r = gb([], patch_env(ev, fake, environments="sandbox\nstaging"))
    refused(r, fake, "branch 'qa' does not follow policy (allowed: sandbox, staging)")


@pytest.mark.parametrize("envs", ["sandbox,../x", "sandbox,a/b", " , "])
def test_bad_environments_input_is_a_usage_error(gb, fake, tmp_path, envs):
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake, environments=envs))
    assert r.returncode == 2, r
    assert fake.requests() == []


def test_disallowed_source(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, allowed_sources="org/other-service\nteam/*"))
    refused(r, fake, "source repository 'org/product-service' is not allowed to deploy")


def test_allowed_source_by_owner_wildcard_passes_the_policy(gb, fake, tmp_path):
    """The same payload gets past the policy with 'org/*' (it then reads the file)."""
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, allowed_sources="ORG/*", dry_run="true"))
    assert "not allowed" not in r.out
    assert fake.requests(), r


def test_article_payload_has_no_source_to_allow(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake, allowed_sources="org/product-service"))
    refused(r, fake, "the payload names no source repository")


@pytest.mark.parametrize("service", ["..", ".", "a/b", "../etc", "a\\b", "x y", "caf\u00e9",
                                     "a" * 101])
def test_unsafe_service(gb, fake, tmp_path, service):
    ev = dispatch_event(tmp_path, article_payload(), action=service)
    r = gb([], patch_env(ev, fake))
    refused(r, fake, "service")


@pytest.mark.parametrize("env", ["..", "../sandbox", "sandbox/../../x", "%2e%2e"])
def test_unsafe_environment_even_when_listed(gb, fake, tmp_path, env):
    ev = dispatch_event(tmp_path, article_payload(base_ref=env))
    r = gb([], patch_env(ev, fake, environments="sandbox," + env.replace("/", "")))
    assert r.returncode in (1, 2), r
    assert fake.requests() == []


# Every way a path can try to leave the repository, through the payload.
TRAVERSALS = [
    "../../etc/passwd.yaml",
    "../secret.yaml",
    "a/../../b.yaml",
    "/etc/kubernetes/admin.yaml",
    "//server/share.yaml",
    "a\\..\\..\\b.yaml",
    "..\\b.yaml",
    "%2e%2e/%2e%2e/etc.yaml",
    "%2E%2E%2Fetc.yaml",
    "%252e%252e/etc.yaml",
    "..%2fetc.yaml",
    "%c0%ae%c0%ae/etc.yaml",
    "%u002e%u002e/etc.yaml",
    "\uff0e\uff0e/etc.yaml",          # fullwidth dots
    "..\u2215etc.yaml",               # division slash
    "a/./../../b.yaml",
    ".git/config.yaml",
    ".GIT/hooks.yaml",
    ".github/workflows/deploy.yaml",
    "a/b.yaml\n../c.yaml",
    "a/b.yaml\r",
    "a/b.yaml/",
    "a/b.txt",
    "C:/x.yaml",
    "~/../x.yaml".replace("~", ".."),
]


@pytest.mark.parametrize("where", TRAVERSALS)
def test_path_traversal_from_the_payload(gb, fake, tmp_path, where):
    ev = dispatch_event(tmp_path, dispatch_payload(path=where))
    r = gb([], patch_env(ev, fake, manifest="{payload.path}"))
    assert r.returncode == 1, r
    assert len(error_lines(r)) == 1, r.out
    assert fake.requests() == []


@pytest.mark.parametrize("template", [
    "/{service}/{environment}/deploy.yaml",
    "{service}/../../{environment}.yaml",
    "{service}/{environment}/..",
    "{service}\\{environment}.yaml",
])
def test_path_traversal_in_the_template(gb, fake, tmp_path, template):
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake, manifest=template))
    assert r.returncode in (1, 2), r
    assert fake.requests() == []


def test_traversal_in_one_of_several_manifests_stops_all(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload(extra="../../x.yaml"))
    r = gb([], patch_env(ev, fake, manifest=MANIFEST + "\n{payload.extra}"))
    assert r.returncode == 1, r
    assert fake.requests() == []


@pytest.mark.parametrize("inputs,text", [
    ({"value": "{nope}"}, "unknown placeholder '{nope}' in input 'value'"),
    ({"value": "a } b"}, "lone '}'"),
    ({"manifest": "{service/x.yaml"}, "unclosed '{'"),
    ({"commit_message": "{payload.}"}, "input 'commit-message'"),
    ({"branch": "{env}"}, "unknown placeholder '{env}' in input 'branch'"),
    ({"set": "spec.replicas"}, "input 'set' line 1 is not 'PATH=TEMPLATE'"),
    ({"set": "a=1\nb={bad}"}, "input 'set' line 2"),
    ({"image": "{imag}"}, "input 'image'"),
    ({"pull_request_title": "{"}, "input 'pull-request-title'"),
    ({"marker": "last commit"}, "input 'marker'"),
    ({"container": "Product_Service", "image": "x"}, "input 'container'"),
    ({"container": "app"}, "needs the 'image' input"),
    ({"commit_author": "just a name"}, "'Name <email>'"),
    ({"commit_author": "<a@b>"}, "'Name <email>'"),
    ({"commit": "false", "pull_request": "true"}, "contradict"),
    ({"repository": "org/a\norg/b"}, "commits to one"),
    ({"repository": "not a repo"}, "'owner/name'"),
    ({"max_attempts": "0"}, "max-attempts"),
])
def test_configuration_errors_are_usage_errors(gb, fake, tmp_path, inputs, text):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, **inputs))
    assert r.returncode == 2, r
    [line] = error_lines(r)
    assert text in line, line
    assert fake.requests() == []


def test_template_value_the_payload_lacks(gb, fake, tmp_path):
    """The article's payload has no sha: a template using it is refused
    before anything is read, naming the input and the placeholder."""
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake, value="{short_sha}"))
    refused(r, fake, "input 'value' uses {short_sha}, but this run has no short_sha")


def test_payload_key_the_payload_lacks(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, set="metadata.labels.team={payload.team}"))
    refused(r, fake, "{payload.team}, but the payload has no key 'team'")


def test_bad_branch_template_result(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload(target="release..1"))
    r = gb([], patch_env(ev, fake, branch="{payload.target}"))
    assert r.returncode == 1, r
    assert fake.requests() == []


def test_not_a_repository_dispatch(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, article_payload())
    env = patch_env(ev, fake)
    env["GITHUB_EVENT_NAME"] = "push"
    r = gb([], env)
    assert r.returncode == 2, r
    [line] = error_lines(r)
    assert "repository_dispatch or workflow_dispatch event, not 'push'" in line
    assert fake.requests() == []


@pytest.mark.parametrize("payload,text", [
    ({"commitmsg": "x"}, "neither 'client_payload.environment' nor 'client_payload.baseRef'"),
    ({"baseRef": "sandbox"}, "'client_payload.commitmsg'"),
    ({"commitmsg": 5, "baseRef": "sandbox"}, "must be a string, not a number"),
    ({"baseRef": ["sandbox"], "commitmsg": "x"}, "must be a string, not an array"),
])
def test_bad_payloads(gb, fake, tmp_path, payload, text):
    ev = dispatch_event(tmp_path, payload)
    r = gb([], patch_env(ev, fake))
    refused(r, fake, text)


def test_no_token(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake), token=None)
    assert r.returncode == 2, r
    assert "no token" in r.out
    assert fake.requests() == []


def test_policy_runs_before_the_token_is_used(gb, fake, tmp_path):
    """A refused payload never reaches GitHub, whatever the other inputs."""
    ev = dispatch_event(tmp_path, article_payload(base_ref="master; rm -rf /"))
    r = gb([], patch_env(ev, fake, environments="sandbox,qa,master"))
    refused(r, fake, "is not a safe name")


@pytest.mark.parametrize("env", ["sandbox\n::error::pwned", "::set-output name=x::y",
                                 "x\r\n::add-mask::abc"])
def test_payload_text_cannot_command_the_runner(gb, fake, tmp_path, env):
    ev = dispatch_event(tmp_path, article_payload(base_ref=env))
    r = gb([], patch_env(ev, fake))
    assert r.returncode == 1, r
    check_commands(r, errors=1)
    assert fake.requests() == []
