"""The image, run exactly as actions/runner runs a Docker action.

Run by `make test-image` (not by `make test`: it needs the image and a
container engine).  Each case lays out a runner's directories under tmp_path
and starts the container the way the runner's ContainerActionHandler does:

  <engine> run --rm --workdir /github/workspace --network host
    -e NAME ...                      names only; values from the environment,
                                     INPUT_* with their hyphens kept
    -e GITHUB_ACTIONS=true -e CI=true
    -v _temp/_github_home:/github/home
    -v _temp/_github_workflow:/github/workflow          (event.json)
    -v _temp/_runner_file_commands:/github/file_commands (GITHUB_OUTPUT, ...)
    -v _temp:/github/runner_temp
    -v <workspace>:/github/workspace
    IMAGE [args]

Every input declared in action.yml is passed, the workflow's `with:` values
or else action.yml's default (`${{ github.token }}` becomes the job token),
as the runner does.  The runner's job network is replaced by the host's so
the container reaches the fake GitHub on loopback.  The docker.sock mount is
left out (there is no Docker engine here, and the action never uses it).

Afterwards the case reads what the runner would read: the exit status, the
workflow commands on stdout, $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY.

Environment: GB_IMAGE (default localhost/gitops-bump:dev), GB_ENGINE
(podman, default, with this machine's runc + cgroupfs + vfs settings; or
docker, as on GitHub's hosted runners).
"""
import json
import os
import re
import subprocess
import time
import uuid

import pytest
import yaml

from conftest import ROOT, TOKEN, Result, check_no_token
from dispatch_util import APP, GITOPS, SHA, push_event
from fakegh import FakeGitHub, fake_github  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.gb_direct("the container engine runs the image with the token as the "
                                   "runner does; Runner.run() checks stdout, stderr, "
                                   "$GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY with check_no_token")

IMAGE = os.environ.get("GB_IMAGE", "localhost/gitops-bump:dev")
ENGINE = os.environ.get("GB_ENGINE", "podman")
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
VERSION = (ROOT / "VERSION").read_text().strip()


def engine_command(tmp_path):
    """The `run` command of the engine, and the environment it needs."""
    if ENGINE == "docker":
        return ["docker", "run", "--pull", "never"], {}
    if ENGINE != "podman":
        raise ValueError(f"GB_ENGINE must be podman or docker, not {ENGINE!r}")
    # This machine: crun cannot handle its cgroup layout, the default
    # ulimits cannot be set here, and the image was stored with vfs.
    conf = tmp_path / "containers.conf"
    conf.write_text("[containers]\ndefault_ulimits = []\n")
    return (["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs",
             "--storage-driver", "vfs", "run", "--ulimit", "host", "--pull", "never"],
            {"CONTAINERS_CONF": str(conf)})


class Runner:
    """One job's runner directories, and one step of it."""

    def __init__(self, tmp_path, repository="octo-org/app"):
        self.tmp = tmp_path
        self.repository = repository
        name = repository.split("/")[1]
        work = tmp_path / "_work"
        self.workspace = work / name / name
        self.temp = work / "_temp"
        self.home = self.temp / "_github_home"
        self.workflow = self.temp / "_github_workflow"
        self.file_commands = self.temp / "_runner_file_commands"
        for d in (self.workspace, self.home, self.workflow, self.file_commands):
            d.mkdir(parents=True, exist_ok=True)

    def run(self, with_=None, event=None, event_name="push", env=None, args=(),
            token=TOKEN, timeout=120):
        step = uuid.uuid4().hex[:8]
        files = {k: f"{k}_{step}" for k in ("set_output", "step_summary", "set_env",
                                             "add_path", "save_state")}
        for f in files.values():
            (self.file_commands / f).touch()
        if not isinstance(event, bytes):
            event = json.dumps(event or {}).encode()
        (self.workflow / "event.json").write_bytes(event)
        fc = "/github/file_commands/"
        values = {
            "HOME": "/github/home",
            "GITHUB_JOB": "deploy",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_SHA": "0" * 40,
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_REPOSITORY_OWNER": self.repository.split("/")[0],
            "GITHUB_RUN_ID": "4242",
            "GITHUB_RUN_NUMBER": "7",
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_ACTOR": "octocat",
            "GITHUB_TRIGGERING_ACTOR": "octocat",
            "GITHUB_WORKFLOW": "deploy",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_API_URL": "https://api.github.com",
            "GITHUB_GRAPHQL_URL": "https://api.github.com/graphql",
            "GITHUB_REF_NAME": "main",
            "GITHUB_REF_TYPE": "branch",
            "GITHUB_WORKSPACE": "/github/workspace",
            "GITHUB_ACTION": "__octo-org_gitops-bump",
            "GITHUB_EVENT_PATH": "/github/workflow/event.json",
            "GITHUB_ACTION_REPOSITORY": "octo-org/gitops-bump",
            "GITHUB_ACTION_REF": "v1",
            "GITHUB_PATH": fc + files["add_path"],
            "GITHUB_ENV": fc + files["set_env"],
            "GITHUB_STEP_SUMMARY": fc + files["step_summary"],
            "GITHUB_STATE": fc + files["save_state"],
            "GITHUB_OUTPUT": fc + files["set_output"],
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_NAME": "test-image",
            "RUNNER_ENVIRONMENT": "self-hosted",
            "RUNNER_TEMP": "/github/runner_temp",
            "RUNNER_TOOL_CACHE": "/opt/hostedtoolcache",
            "RUNNER_WORKSPACE": "/github/workspace/..",
        }
        values.update(env or {})
        # Inputs: every declared input, the step's `with:` or the default.
        with_ = dict(with_ or {})
        unknown = set(with_) - set(ACTION["inputs"])
        assert not unknown, f"inputs not in action.yml: {unknown}"
        for name, spec in ACTION["inputs"].items():
            value = with_.get(name, spec.get("default", ""))
            value = str(value).replace("${{ github.token }}", token or "")
            values["INPUT_" + name.replace(" ", "_").upper()] = value
        cmd, engine_env = engine_command(self.tmp)
        cmd += ["--workdir", "/github/workspace", "--rm", "--network", "host"]
        for name in values:
            cmd += ["-e", name]
        cmd += ["-e", "GITHUB_ACTIONS=true", "-e", "CI=true",
                "-v", f"{self.home}:/github/home",
                "-v", f"{self.workflow}:/github/workflow",
                "-v", f"{self.file_commands}:/github/file_commands",
                "-v", f"{self.temp}:/github/runner_temp",
                "-v", f"{self.workspace}:/github/workspace",
                IMAGE, *args]
        proc_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **engine_env, **values}
        start = time.monotonic()
        proc = subprocess.run(cmd, env=proc_env, capture_output=True, timeout=timeout)
        self.elapsed = time.monotonic() - start
        res = Result(proc, self.file_commands / files["set_output"],
                     self.file_commands / files["step_summary"])
        if token:
            check_no_token(res, token)
        engine_noise = re.search(rb"^Error: |OCI runtime|cannot |permission denied",
                                 proc.stderr, re.M)
        assert not (proc.returncode in (125, 126, 127) or
                    (engine_noise and b"gitops-bump" not in proc.stderr)), \
            f"the container engine failed: {res!r}"
        return res


@pytest.fixture
def runner(tmp_path):
    return Runner(tmp_path)


def error_lines(res):
    return [line for line in res.out.splitlines() if line.startswith("::error")]


def test_version(runner):
    res = runner.run(args=["--version"])
    assert res.returncode == 0, res
    assert res.out == f"::add-mask::{TOKEN}\ngitops-bump {VERSION}\n", res


def test_image_is_what_github_expects():
    """Config a Docker action needs: root, no WORKDIR, exec-form ENTRYPOINT."""
    if ENGINE == "docker":
        cmd = ["docker", "image", "inspect", IMAGE]
    else:
        cmd = ["podman", "--storage-driver", "vfs", "image", "inspect", IMAGE]
    info = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)[0]
    config = info.get("Config") or info.get("config")
    assert config["Entrypoint"] == ["/gitops-bump"]
    assert not config.get("User")
    assert not config.get("WorkingDir")
    labels = config.get("Labels") or {}
    for key in ("title", "description", "source", "revision", "version"):
        assert labels.get(f"org.opencontainers.image.{key}"), key
    assert info["Size"] < 2 * 1024 * 1024, f"image is {info['Size']} bytes"


def test_usage_error_is_one_error_line(runner):
    res = runner.run(with_={"mode": "bogus"})
    assert res.returncode == 2, res
    assert error_lines(res) == [
        "::error::input 'mode' must be 'dispatch', 'patch' or 'land', not 'bogus'"]
    assert res.outputs() == {}


def test_hyphenated_input_arrives(runner):
    """`dry-run` reaches the binary as INPUT_DRY-RUN, hyphen kept."""
    res = runner.run(with_={"mode": "dispatch", "dry-run": "maybe"})
    assert res.returncode == 2, res
    assert error_lines(res) == ["::error::input 'dry-run' must be true or false, not 'maybe'"]


def test_token_is_masked_first(runner):
    res = runner.run(with_={"mode": "bogus"})
    assert res.out.startswith(f"::add-mask::{TOKEN}\n"), res


def outputs_declared(res, mode):
    """Every output the step wrote is one action.yml declares."""
    out = res.outputs()
    assert set(out) <= set(ACTION["outputs"]), set(out) - set(ACTION["outputs"])
    return out


# A commit message that breaks hand-made JSON and shell quoting, and tries
# to be a workflow command on a line of its own.
MESSAGE = ("Fix \"login\" for O'Brien \\ $(rm -rf /) `id` | & %25\n"
           "::set-output name=changed::true\n\ud55c\uad6d\uc5b4 \U0001f680")

APP_ENV = {"GITHUB_REPOSITORY": APP, "GITHUB_REPOSITORY_OWNER": APP.split("/")[0],
           "GITHUB_REF": "refs/heads/sandbox", "GITHUB_REF_NAME": "sandbox", "GITHUB_SHA": SHA}


def send(runner, fake, message=MESSAGE, env=None, **with_):
    """The app repo's step: dispatch a push of `message` to GITOPS."""
    event = push_event(runner.tmp, message=message).read_bytes()
    return runner.run(with_={"mode": "dispatch", "repository": GITOPS, "api-url": fake.url,
                             **with_}, event=event, event_name="push", env={**APP_ENV, **(env or {})})


def test_dispatch(runner, fake_github):  # noqa: F811
    fake = fake_github
    fake.add_repo(GITOPS)
    res = send(runner, fake)
    assert res.returncode == 0, res
    [sent] = fake.dispatches(GITOPS)
    assert sent["event_type"] == "product-service"
    payload = sent["client_payload"]
    assert payload["source"]["message"] == MESSAGE
    assert payload["environment"] == "sandbox" and payload["baseRef"] == "sandbox"
    out = outputs_declared(res, "dispatch")
    assert json.loads(out["payload"]) == payload
    assert out["event-type"] == "product-service"
    assert "gitops-bump dispatch" in res.summary
    # The message's '::set-output' line never reaches the runner as a command.
    assert not [line for line in res.out.splitlines() if line.startswith("::set-output")]


def tls_fake():
    fake = FakeGitHub(https=True)
    fake.add_token(TOKEN, name="default")
    fake.add_repo(GITOPS)
    return fake


def test_dispatch_over_tls_with_ssl_cert_file(runner):
    """A private CA (self-hosted runner, GHES) through SSL_CERT_FILE, set as
    a workflow `env:` would set it."""
    with tls_fake() as fake:
        ca = runner.workspace / "private-ca.pem"
        ca.write_bytes(open(fake.ca_file, "rb").read())
        res = send(runner, fake, message="tls",
                   env={"SSL_CERT_FILE": "/github/workspace/private-ca.pem"})
        assert res.returncode == 0, res
        assert len(fake.dispatches(GITOPS)) == 1
        fake.assert_no_leaks()


def test_dispatch_over_tls_without_the_ca_fails_closed(runner):
    """The image's bundle (/etc/ssl/certs/ca-certificates.crt) does not hold
    the fake's CA: one clear error, nothing sent, no insecure retry."""
    with tls_fake() as fake:
        res = send(runner, fake, message="tls", **{"max-attempts": "1"})
        assert res.returncode == 1, res
        [err] = error_lines(res)
        assert "TLS with '127.0.0.1' failed" in err and "no insecure mode" in err, res
        assert fake.dispatches(GITOPS) == []
# The article's manifest (product/sandbox/sandbox-deploy.yaml, shortened).
MANIFEST_PATH = "product-service/sandbox/sandbox-deploy.yaml"
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: product-service  # keep this comment
spec:
  template:
    spec:
      containers:
      - env:
        - name: SPRING_PROFILES_ACTIVE
          value: sandbox
        - name: LAST_COMMIT_MSG
          value: "<lastCommitMsg>Last git commit is shown in here</lastCommitMsg>"
        image: XXXXXXXXXXXX.dkr.ecr.ap-northeast-2.amazonaws.com/product-service:sandbox
        imagePullPolicy: Always
        name: product-service
"""


def test_dispatch_then_patch(tmp_path, fake_github):  # noqa: F811
    """The whole story through the image: the app repo's step dispatches,
    the GitOps repo's step gets the event the runner would write and
    commits the manifest (the article's setup: branch per environment)."""
    fake = fake_github
    fake.add_repo(GITOPS, files={MANIFEST_PATH: MANIFEST})
    fake.add_branch(GITOPS, "sandbox")
    sender = Runner(tmp_path / "app", repository=APP)
    res = send(sender, fake)
    assert res.returncode == 0, res
    receiver = Runner(tmp_path / "gitops", repository=GITOPS)
    event = fake.dispatch_event(GITOPS)
    res = receiver.run(
        with_={"mode": "patch", "api-url": fake.url, "branch": "{environment}"},
        event=event, event_name="repository_dispatch",
        env={"GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main"})
    assert res.returncode == 0, res
    [head, seed] = fake.log(GITOPS, "sandbox")[:2]
    assert list(head["changes"]) == [MANIFEST_PATH]
    after = fake.read(GITOPS, MANIFEST_PATH, "sandbox").decode()
    changed = [(a, b) for a, b in zip(MANIFEST.splitlines(), after.splitlines()) if a != b]
    assert len(after.splitlines()) == len(MANIFEST.splitlines())
    assert len(changed) == 1 and "LAST_COMMIT_MSG" not in changed[0][1], changed
    env = yaml.safe_load(after)["spec"]["template"]["spec"]["containers"][0]["env"]
    value = env[1]["value"]
    subject = MESSAGE.split("\n")[0]
    assert value.startswith("<lastCommitMsg>") and value.endswith("</lastCommitMsg>"), value
    assert f"{APP}@{SHA[:7]}: {subject}" in value, value
    out = outputs_declared(res, "patch")
    assert out["changed"] == "true"
    assert out["commit-sha"] == head["sha"]
    assert head["sha"] in out["commit-url"]
    assert out["files"] == MANIFEST_PATH
    assert "+" in out["diff"] and "<lastCommitMsg>" in out["diff"]
    assert not out.get("pull-request-url")
    assert MANIFEST_PATH in res.summary


# The article's payload (what its curl sends: commitmsg, baseRef; the event
# type is the service).  With action.yml's defaults as the runner passes
# them, the README's minimal receiver must handle it (issue 9).
def article_event(fake, message="a1b2c3d Fix login"):
    repo = fake._repo_json(fake.repo(GITOPS), None)
    return {"action": "product-service", "branch": "main",
            "client_payload": {"commitmsg": message, "baseRef": "sandbox"},
            "repository": repo, "sender": {"login": "dev", "type": "User"}}


@pytest.mark.parametrize("pull_request", [False, True])
def test_article_payload_through_action_yml_defaults(tmp_path, fake_github,  # noqa: F811
                                                     pull_request):
    fake = fake_github
    fake.add_repo(GITOPS, files={MANIFEST_PATH: MANIFEST})
    fake.add_branch(GITOPS, "sandbox")
    receiver = Runner(tmp_path / "gitops", repository=GITOPS)
    with_ = {"mode": "patch", "api-url": fake.url, "branch": "{environment}"}
    if pull_request:
        with_["pull-request"] = "true"
    res = receiver.run(with_=with_, event=article_event(fake), event_name="repository_dispatch",
                       env={"GITHUB_REF": "refs/heads/main", "GITHUB_REF_NAME": "main"})
    assert res.returncode == 0, res
    assert error_lines(res) == []
    out = outputs_declared(res, "patch")
    assert out["changed"] == "true"
    branch = "sandbox"
    if pull_request:
        [pr] = fake.pulls(GITOPS)
        assert pr["title"] == "Deploy product-service to sandbox"
        branch = pr["head"]
    head = fake.log(GITOPS, branch)[0]
    assert head["message"] == "Deploy product-service to sandbox\n\na1b2c3d Fix login"
    after = fake.read(GITOPS, MANIFEST_PATH, branch).decode()
    value = yaml.safe_load(after)["spec"]["template"]["spec"]["containers"][0]["env"][1]["value"]
    assert re.fullmatch(r"<lastCommitMsg>\S+Z a1b2c3d Fix login</lastCommitMsg>", value), value


def test_failed_patch_writes_a_summary(tmp_path, fake_github):  # noqa: F811
    """A failed run through the image still says what happened."""
    fake = fake_github
    fake.add_repo(GITOPS, files={MANIFEST_PATH: MANIFEST})
    fake.add_branch(GITOPS, "sandbox")
    fake.protect(GITOPS, "sandbox")
    receiver = Runner(tmp_path / "gitops", repository=GITOPS)
    res = receiver.run(with_={"mode": "patch", "api-url": fake.url, "branch": "{environment}"},
                       event=article_event(fake), event_name="repository_dispatch")
    assert res.returncode == 1, res
    assert res.outputs() == {}
    assert "### gitops-bump patch failed: product\\-service to sandbox" in res.summary
    assert "**Done:** nothing committed" in res.summary
    assert "is protected" in res.summary
