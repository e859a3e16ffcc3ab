"""Helpers for the patch black-box tests: repository_dispatch events as the
receiving runner writes them (the article's payload and gitops-bump's), the
environment of a patch step, and the manifests."""
import json
import pathlib
import re

from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
GITOPS = "org/gitops"
APP = "org/product-service"
SHA = "4f7c9e1b2a3d5c6e7f8091a2b3c4d5e6f7081920"
MANIFEST = "product/sandbox/sandbox-deploy.yaml"
ARTICLE_YAML = (FIXTURES / "patch" / "sandbox-deploy.yaml").read_bytes()
WORKLOADS_YAML = (FIXTURES / "patch" / "workloads.yaml").read_bytes()
ALL_KINDS_YAML = (FIXTURES / "patch" / "all-kinds.yaml").read_bytes()
ARTICLE_MARKER = b"<lastCommitMsg>Last git commit is shown in here</lastCommitMsg>"
MARKER = re.compile(rb"<lastCommitMsg>(.*?)</lastCommitMsg>")


def article_payload(message="a1b2c3d Fix login", base_ref="sandbox"):
    """What the article's curl sends: commitmsg and baseRef."""
    return {"commitmsg": message, "baseRef": base_ref}


def dispatch_payload(message="Fix login (#12)\n\nLonger text.", environment="sandbox",
                     sha=SHA, service="product", image=None, repository=APP, **extra):
    """What `gitops-bump dispatch` sends (see README, What is sent)."""
    p = {"service": service, "environment": environment}
    if image is not None:
        p["image"] = image
    p.update({"commitmsg": sha[:7] + " " + message.split("\n")[0], "baseRef": environment,
              "source": {"repository": repository, "ref": "refs/heads/" + environment,
                         "sha": sha, "message": message, "actor": "dev",
                         "run_url": "https://github.com/%s/actions/runs/42" % repository,
                         "event": "push"}})
    p.update(extra)
    return p


def dispatch_event(tmp_path, payload, action="product", name="event.json"):
    """The event.json a repository_dispatch run gets (GitHub's example, our
    action and client_payload)."""
    ev = json.loads((FIXTURES / "events" / "repository_dispatch.json").read_text())
    ev["action"] = action
    ev["branch"] = "main"
    ev["client_payload"] = payload
    ev["repository"]["full_name"] = GITOPS
    ev["repository"]["name"] = GITOPS.split("/")[1]
    path = pathlib.Path(tmp_path) / name
    path.write_text(json.dumps(ev))
    return path


def patch_env(event_path, fake=None, workspace=None, **inputs):
    """The environment of a patch step in the GitOps repo's workflow.
    Inputs as keyword arguments, '_' for '-', passed with their hyphens."""
    env = {
        "GITHUB_EVENT_NAME": "repository_dispatch",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": GITOPS,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_ACTOR": "deployer",
        "GITHUB_RUN_ID": "77",
        "GITHUB_SERVER_URL": "https://github.com",
        "INPUT_MODE": "patch",
        "GITOPS_BUMP_RETRY_BASE_MS": "1",
    }
    if fake is not None:
        env["INPUT_API-URL"] = fake.url
    if workspace is not None:
        env["GITHUB_WORKSPACE"] = str(workspace)
    for k, v in inputs.items():
        env["INPUT_" + k.upper().replace("_", "-")] = v
    return env


def seed_gitops(fake, files=None, branches=("sandbox",)):
    """The GitOps repo: main, plus a branch per environment holding the
    article's manifest (or `files`)."""
    files = files if files is not None else {MANIFEST: ARTICLE_YAML}
    fake.add_repo(GITOPS, {"README.md": "gitops\n"})
    for b in branches:
        fake.add_branch(GITOPS, b, files=files)
    return fake


def marker_history(log, base, theirs=None):
    """Walk a branch's history (fake.log, newest first) down to `base`, as the
    soak and the race bench check it: every commit has one parent and changes
    MANIFEST only, and ours are their parent plus their own edit (the article's
    marker set to their value, nothing else).  Commits whose message is
    `theirs` are someone else's: left to the caller to judge.
    Returns (the values ours set, newest first; someone else's commits; problems)."""
    ours, others, problems = [], [], []
    for c in log:
        if c["sha"] == base:
            break
        if len(c["parents"]) != 1:
            problems.append("commit %s has %d parents" % (c["sha"][:7], len(c["parents"])))
        if list(c["changes"]) != [MANIFEST]:
            problems.append("commit %s changes %s" % (c["sha"][:7], list(c["changes"])))
            continue
        if theirs is not None and c["message"] == theirs:
            others.append(c)
            continue
        old, new = c["changes"][MANIFEST]
        m = MARKER.search(new)
        value = m.group(1) if m else b""
        if new != MARKER.sub(b"<lastCommitMsg>%s</lastCommitMsg>" % value, old, count=1):
            problems.append("commit %s is not its parent plus its own edit" % c["sha"][:7])
        ours.append(value.decode())
    else:
        problems.append("the seed commit is not in the history")
    return ours, others, problems


# What a dispatch with a source commit reads first: the last deploy of the
# manifest (the stale-deploy check, deployed.h), one request per manifest.
HISTORY = "/repos/%s/commits" % GITOPS


def api_requests(fake):
    """(method, path) of every API request the fake saw."""
    return [(r["method"], r["path"]) for r in fake.requests()]


def writes(fake):
    return [r for r in fake.requests() if r["method"] != "GET"]
