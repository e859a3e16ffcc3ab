"""Helpers for the dispatch black-box tests: events as the runner writes them,
the environment of a dispatch step, and a model of how the Actions runner
reads our stdout (which lines it would execute as workflow commands)."""
import json
import pathlib
import re
import subprocess

from conftest import ROOT, TOKEN

FIXTURES = ROOT / "tests" / "fixtures" / "events"
APP = "org/product-service"
GITOPS = "org/gitops"
SHA = "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920"

# What actions/runner's String.TrimStart() skips (.NET char.IsWhiteSpace),
# united with Python's idea of white space, to be on the safe side.
_NET_WS = "\t\n\v\f\r \x85\xa0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200b)) + \
    "\u2028\u2029\u202f\u205f\u3000"
RUNNER_WS = _NET_WS + "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) + "\ufeff"


def seed_dispatch(fake):
    """The two repos of a dispatch: the GitOps repo it goes to and the app
    repo it comes from."""
    fake.add_repo(GITOPS)
    fake.add_repo(APP)
    return fake


def json_string(raw: bytes) -> bytes:
    """A JSON string literal holding `raw` byte for byte (invalid UTF-8 kept
    as it is, as a broken event file would hold it)."""
    out = bytearray(b'"')
    for b in raw:
        if b == 0x22:
            out += b'\\"'
        elif b == 0x5C:
            out += b"\\\\"
        elif b < 0x20:
            out += b"\\u%04x" % b
        else:
            out.append(b)
    return bytes(out + b'"')


def push_event(tmp_path, message=b"Fix login", ref="refs/heads/sandbox", sha=SHA,
               name="push-event.json", **changes):
    """GitHub's push example with our ref, sha and message (bytes or str)."""
    ev = json.loads((FIXTURES / "push-branch.json").read_text())
    ev["ref"] = ref
    ev["after"] = sha
    ev["head_commit"]["id"] = sha
    ev["repository"]["full_name"] = APP
    ev["repository"]["name"] = APP.split("/")[1]
    ev.update(changes)
    if isinstance(message, str):
        message = message.encode()
    if ev["head_commit"] is not None:
        ev["head_commit"]["message"] = "@@MESSAGE@@"
    text = json.dumps(ev, indent=2).encode()
    text = text.replace(b'"@@MESSAGE@@"', json_string(message))
    path = pathlib.Path(tmp_path) / name
    path.write_bytes(text)
    return path


def fixture_event(tmp_path, fixture, **changes):
    ev = json.loads((FIXTURES / fixture).read_text())
    ev.update(changes)
    path = pathlib.Path(tmp_path) / ("ev-" + fixture)
    path.write_text(json.dumps(ev))
    return path


def step_env(event_path, fake=None, event="push", repository=GITOPS, **inputs):
    """The environment of a dispatch step in the app repo's workflow.
    Inputs are given as keyword arguments with '_' for '-'; each is passed
    with its hyphen spelling (INPUT_EVENT-TYPE), as the runner does."""
    env = {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(event_path) if event_path else None,
        "GITHUB_REPOSITORY": APP,
        "GITHUB_REF": "refs/heads/sandbox",
        "GITHUB_SHA": SHA,
        "GITHUB_ACTOR": "octocat",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_SERVER_URL": "https://github.com",
        "INPUT_MODE": "dispatch",
        "INPUT_REPOSITORY": repository,
        "GITOPS_BUMP_RETRY_BASE_MS": "1",
    }
    if fake is not None:
        env["INPUT_API-URL"] = fake.url
    for k, v in inputs.items():
        env["INPUT_" + k.upper().replace("_", "-")] = v
    return env


def runner_commands(stdout: bytes):
    """The workflow commands the runner would execute from our stdout, as
    (command, data) pairs, following actions/runner: lines split at CR/LF,
    TrimStart(), '::cmd props::data' (v2), '##[' anywhere (v1), and nothing
    between ::stop-commands::TOKEN and ::TOKEN::."""
    text = stdout.decode("utf-8", "replace")
    stop = None
    cmds = []
    for line in re.split(r"\r\n|\r|\n", text):
        t = line.lstrip(RUNNER_WS)
        if stop is not None:
            if t == "::%s::" % stop:
                stop = None
            continue
        m = re.match(r"::([^\s:]+)(?: [^:]*)?::(.*)$", t)
        if m:
            cmds.append((m.group(1), m.group(2)))
            if m.group(1) == "stop-commands":
                stop = m.group(2)
        elif "##[" in t:
            cmds.append(("v1", t))
    return cmds



def runner_messages(stdout: bytes, kind="error"):
    """The text of every `kind` command (error, warning, ...) the runner
    would execute from our stdout."""
    return [d for c, d in runner_commands(stdout) if c == kind]

OUR_COMMANDS = {"add-mask", "group", "endgroup", "stop-commands", "notice", "warning",
                "error", "debug"}


def check_commands(res, errors=0, token=TOKEN):
    """Only our own commands reach the runner: one add-mask (the token),
    matched groups, the expected number of errors, and every stop-commands
    resumed."""
    cmds = runner_commands(res.stdout)
    names = [c for c, _ in cmds]
    assert set(names) <= OUR_COMMANDS, cmds
    assert [d for c, d in cmds if c == "add-mask"] == [token], cmds
    assert names.count("group") == names.count("endgroup")
    assert names.count("error") == errors, cmds
    return cmds


def git_subject(message: bytes) -> str:
    """The subject git itself prints for `message` (git log --pretty=oneline),
    from a throwaway repository: the independent oracle for commitmsg."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        git = ["git", "-C", d, "-c", "user.name=t", "-c", "user.email=t@example.com",
               "-c", "commit.gpgsign=false"]
        subprocess.run(git + ["init", "-q"], check=True)
        subprocess.run(git + ["commit", "-q", "--allow-empty", "--allow-empty-message",
                              "--cleanup=verbatim", "-F", "-"], input=message, check=True)
        out = subprocess.run(git + ["log", "-n1", "--pretty=oneline", "--abbrev-commit"],
                             capture_output=True, check=True).stdout
    line = out.rstrip(b"\n").decode("utf-8", "replace")
    return line.split(" ", 1)[1] if " " in line else ""
