"""patch against GitHub's less common answers (issue 9, items 3 and 4), run
as the runner runs the action (tests/runner_util.py), against the fake:

  * a write GitHub made whose 2xx answer is cut short or mangled (a proxy):
    read back and claimed when the commit is ours, else "it may have been
    made", never a plain failure that a re-run turns into a second commit;
  * 403s and other refusals that name their own cause: an archived
    repository, a manifest that is a symbolic link (the Contents API answers
    with the target's path and sha), a GITHUB_TOKEN without the workflow's
    `permissions:`, a fine-grained PAT without the permission;
  * branch names beyond ASCII, which git allows."""
import re

import pytest

from conftest import TOKEN
from dispatch_util import runner_messages
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import (ARTICLE_YAML, GITOPS, MANIFEST, MARKER, article_payload, seed_gitops,
                        writes)
from runner_util import runner_env

RECEIVER = {"mode": "patch", "token": "${{ github.token }}", "branch": "{environment}"}
CONTENTS = "/repos/org/gitops/contents/" + MANIFEST
OTHER = "product/sandbox/service.yaml"
TWO = {"manifest": MANIFEST + "\n" + OTHER + "\n"}


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return seed_gitops(fake_github, files={MANIFEST: ARTICLE_YAML, OTHER: ARTICLE_YAML})


def run(gb, fake, tmp_path, with_=None, token=TOKEN, branch_event=None):
    repo = fake._repo_json(fake.repo(GITOPS), None)
    ev = {"action": "product", "branch": "main", "client_payload": article_payload(),
          "repository": repo, "sender": {"login": "dev", "type": "User"}}
    env = runner_env(tmp_path, fake, "repository_dispatch", ev, GITOPS, "refs/heads/main",
                     {**RECEIVER, **(with_ or {})}, token=token)
    return gb([], env, token=token)


def errors(r):
    return runner_messages(r.stdout)


def done_line(r):
    m = re.search(r"^\*\*Done:\*\* (.*)$", r.summary, re.M)
    return m.group(1) if m else None


def fix_line(r):
    m = re.search(r"^\*\*Fix:\*\* (.*)$", r.summary, re.M)
    return re.sub(r"\\(.)", r"\1", m.group(1)) if m else None


def ours(fake, base, n=1):
    """The branch has exactly n new commits on `base`, all ours."""
    log = fake.log(GITOPS, "sandbox")
    new = [c for c in log[:n]]
    assert log[n]["sha"] == base, [c["message"] for c in log[:n + 1]]
    assert all(c["message"].startswith("Deploy product to sandbox") for c in new)
    return new


# ---- item 3: a 2xx whose answer cannot be read --------------------------------

@pytest.mark.parametrize("fault", [{"kind": "truncate"},
                                   {"kind": "garbage", "processed": True}])
def test_cut_put_answer_is_claimed(gb, fake, tmp_path, fault):
    base = fake.head(GITOPS, "sandbox")
    f = fake.fault(fault.pop("kind"), method="PUT", path=re.escape(CONTENTS), **fault)
    r = run(gb, fake, tmp_path)
    assert f.hits == 1
    assert r.returncode == 0, r
    [c] = ours(fake, base)
    out = r.outputs()
    assert out["changed"] == "true" and out["commit-sha"] == c["sha"]
    assert out["commit-url"].endswith(c["sha"])
    assert [x["method"] for x in writes(fake)] == ["PUT"]  # no second commit
    assert "cannot be read" in r.out and "the commit is ours" in r.out
    assert "gitops-bump patch: product to sandbox" in r.summary


def test_cut_put_answer_not_claimable(gb, fake, tmp_path):
    """The answer is cut and someone else commits before the read-back: the
    head is not ours, so the run says the commit may have been made."""
    base = fake.head(GITOPS, "sandbox")
    fake.fault("truncate", method="PUT", path=re.escape(CONTENTS))
    fake.fault("interleave", method="GET", path=r"/repos/org/gitops/git/ref/heads/sandbox",
               file="README.md", content="someone else\n", branch="sandbox")
    r = run(gb, fake, tmp_path)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "may have been made" in err and "look at the branch" in err
    log = fake.log(GITOPS, "sandbox")
    assert log[2]["sha"] == base and log[1]["message"].startswith("Deploy product")
    assert r.outputs() == {}
    assert done_line(r).startswith("**a commit may have landed** on branch `sandbox`")


@pytest.mark.parametrize("fault", [{"kind": "truncate"},
                                   {"kind": "garbage", "processed": True}])
def test_cut_graphql_commit_answer(gb, fake, tmp_path, fault):
    """Several files (one GraphQL createCommitOnBranch): its answer is cut;
    the branch is read back and its head is our commit."""
    base = fake.head(GITOPS, "sandbox")
    fake.fault(fault.pop("kind"), method="POST", path=r"/graphql", **fault)
    r = run(gb, fake, tmp_path, TWO)
    assert r.returncode == 0, r
    [c] = ours(fake, base)
    assert sorted(c["changes"]) == sorted([MANIFEST, OTHER])
    assert r.outputs()["commit-sha"] == c["sha"]
    assert len([x for x in writes(fake) if x["method"] == "POST"]) == 1


def test_cut_graphql_commit_answer_branch_elsewhere(gb, fake, tmp_path):
    fake.fault("garbage", processed=True, method="POST", path=r"/graphql")
    fake.fault("interleave", method="GET", path=r"/repos/org/gitops/git/ref/heads/sandbox",
               skip=1, file="README.md", content="someone else\n", branch="sandbox")
    r = run(gb, fake, tmp_path, TWO)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "the commit may have been made" in err
    assert done_line(r).startswith("**a commit may have landed**")


# ---- item 4: hints that name the real cause ------------------------------------

def test_archived_repository(gb, fake, tmp_path):
    fake.archive(GITOPS)
    r = run(gb, fake, tmp_path)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "Repository was archived so is read-only." in err
    assert "'org/gitops' is archived, so it is read-only for every token" in err
    for wrong in ("lacks", "needs", "PAT", "permission"):
        assert wrong not in err, err
    assert "unarchive" in fix_line(r)
    assert done_line(r) == "nothing committed"


def test_manifest_is_a_symlink(gb, fake, tmp_path):
    """The Contents API answers a link with its target's path and sha; a PUT
    on the link then conflicts on every attempt (before issue 9: "other
    commits kept landing first" after max-attempts).  Now one clear line at
    once, and nothing written."""
    fake.commit_files(GITOPS, "sandbox", {"base/deploy.yaml": ARTICLE_YAML})
    fake.add_symlink(GITOPS, "sandbox", MANIFEST, "../../base/deploy.yaml")
    r = run(gb, fake, tmp_path)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert err == ("manifest '%s' on branch 'sandbox' of 'org/gitops' is a symbolic link to "
                   "'base/deploy.yaml': the API cannot write through a link" % MANIFEST)
    assert "file=%s" % MANIFEST in r.out
    assert writes(fake) == []
    assert len(fake.requests()) == 1
    assert "set the 'manifest' input to 'base/deploy.yaml'" in fix_line(r)


def test_manifest_is_a_symlink_out_of_the_repo(gb, fake, tmp_path):
    fake.add_symlink(GITOPS, "sandbox", MANIFEST, "/etc/deploy.yaml")
    r = run(gb, fake, tmp_path)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "is a symbolic link to '/etc/deploy.yaml', which is no file in the repository" in err
    assert writes(fake) == []


def test_manifest_is_a_symlink_several_files(gb, fake, tmp_path):
    fake.commit_files(GITOPS, "sandbox", {"base/deploy.yaml": ARTICLE_YAML})
    fake.add_symlink(GITOPS, "sandbox", OTHER, "../../base/deploy.yaml")
    r = run(gb, fake, tmp_path, TWO)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "'%s' on branch 'sandbox' of 'org/gitops' is a symbolic link" % OTHER in err
    assert writes(fake) == []


def test_manifest_over_what_is_edited(gb, fake, tmp_path):
    """Over 1 MB the file is read raw; over the 32 MiB gitops-bump edits,
    the line says so and that no token helps."""
    big = ARTICLE_YAML + b"# " + b"x" * (33 << 20) + b"\n"
    fake.commit_files(GITOPS, "sandbox", {MANIFEST: big})
    r = run(gb, fake, tmp_path)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "the manifest is larger than gitops-bump edits (no token changes that)" in err
    assert "lacks" not in err and writes(fake) == []


def test_manifest_over_the_api_limit(gb, fake, tmp_path):
    """Over the API's 100 MB (modelled with a lower limit): GitHub's 403
    too_large names the file, not a permission."""
    fake.commit_files(GITOPS, "sandbox", {MANIFEST: ARTICLE_YAML + b"#" * (2 << 20)})
    fake.raw_max = 1 << 20
    r = run(gb, fake, tmp_path)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "the file is too large for GitHub's API (no token changes that)" in err
    assert "lacks" not in err and "PAT" not in err
    assert "under GitHub's API limit" in fix_line(r)


GH_TOKEN = "ghs_WorkflowTokenWithoutPermissions0123"


def test_github_token_without_contents_write(gb, fake, tmp_path):
    """The job's GITHUB_TOKEN reads but may not write (no `permissions:
    contents: write`): say to add the block, not to make a PAT."""
    fake.add_token(GH_TOKEN, name="github-token", kind="app",
                   repos={GITOPS: {"contents": "read", "metadata": "read"}})
    r = run(gb, fake, tmp_path, token=GH_TOKEN)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "Resource not accessible by integration" in err
    assert "add 'permissions: { contents: write }' to the job" in err
    assert "PAT" not in err and "repo scope" not in err
    assert "`permissions:` block with `contents: write`" in fix_line(r)


def test_github_token_without_pull_requests_write(gb, fake, tmp_path):
    fake.add_token(GH_TOKEN, name="github-token", kind="app",
                   repos={GITOPS: {"contents": "write", "pull_requests": "read"}})
    r = run(gb, fake, tmp_path, {"pull-request": True}, token=GH_TOKEN)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "add 'permissions: { pull-requests: write }'" in err
    # the branch and its commit were made before the pull request failed
    assert done_line(r).startswith("committed `")


def test_fine_grained_pat_without_contents_write(gb, fake, tmp_path):
    pat = "github_pat_FineGrainedReadOnly0123456789"
    fake.add_token(pat, name="pat", kind="fine-grained",
                   repos={GITOPS: {"contents": "read"}})
    r = run(gb, fake, tmp_path, token=pat)
    assert r.returncode == 1, r
    [err] = errors(r)
    assert "the fine-grained token lacks contents:write on 'org/gitops'" in err
    assert "permissions:" not in err


@pytest.mark.parametrize("branch", ["café-sandbox", "배포/sandbox"])
def test_non_ascii_branch(gb, fake, tmp_path, branch):
    """git allows any byte from 0x80 up in a branch name: so does patch."""
    fake.add_branch(GITOPS, branch, source="sandbox")
    base = fake.head(GITOPS, branch)
    r = run(gb, fake, tmp_path, {"branch": branch.replace("sandbox", "{environment}")})
    assert r.returncode == 0, r
    [c] = fake.log(GITOPS, branch)[:1]
    assert c["parents"] == [base]
    assert MARKER.search(c["changes"][MANIFEST][1])
    assert fake.head(GITOPS, "sandbox") == base
