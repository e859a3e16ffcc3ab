"""patch with several `manifest` lines: one atomic, Verified commit through
GraphQL createCommitOnBranch (files read through the Git Data API), every
other file kept, expectedHeadOid as the lock, conflicts retried."""
import json
import re

import pytest
import yaml

from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import (ARTICLE_YAML, GITOPS, HISTORY, WORKLOADS_YAML, dispatch_event, dispatch_payload,
                        patch_env, seed_gitops)

SANDBOX = "product/sandbox/sandbox-deploy.yaml"
SHARED = "product/shared/cronjobs.yaml"
OTHER = "billing/sandbox/sandbox-deploy.yaml"
MANIFESTS = "{service}/{environment}/{environment}-deploy.yaml\n{service}/shared/cronjobs.yaml"


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return seed_gitops(fake_github, files={SANDBOX: ARTICLE_YAML, SHARED: WORKLOADS_YAML,
                                           OTHER: b"kind: Deployment\n"})


def revisions(data):
    """The revision annotations of the pod templates, in document order."""
    out = []
    for doc in yaml.safe_load_all(data):
        spec = doc["spec"]
        tmpl = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
        if tmpl:
            out.append(tmpl["metadata"]["annotations"]["gitops-bump/revision"])
    return out


def set_mode(fake, path, mode):
    """Give `path` on sandbox another file mode (as `git update-index --chmod`)."""
    with fake.lock:
        r = fake.repo(GITOPS)
        head = r.heads["sandbox"]
        flat = r.flatten(r.commit(head)["tree"])
        flat[path] = (mode, flat[path][1])
        who = {"name": "Seed", "email": "seed@example.com", "date": "2024-01-01T00:00:00Z"}
        r.heads["sandbox"] = r.put_commit(r.build(flat), [head], "chmod", who, who, True)


def test_two_files_one_atomic_commit(gb, fake, tmp_path):
    set_mode(fake, SHARED, "100755")
    base = fake.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", manifest=MANIFESTS, value="{short_sha}"))
    assert r.returncode == 0, r
    [c] = fake.log(GITOPS, "sandbox")[:1]
    assert c["parents"] == [base]
    assert sorted(c["changes"]) == [SANDBOX, SHARED]          # OTHER and README kept
    assert fake.read(GITOPS, OTHER, "sandbox") == b"kind: Deployment\n"
    assert fake.read(GITOPS, "README.md", "sandbox") == b"gitops\n"
    assert b"<lastCommitMsg>4f7c9e1</lastCommitMsg>" in fake.read(GITOPS, SANDBOX, "sandbox")
    assert revisions(fake.read(GITOPS, SHARED, "sandbox")) == ["4f7c9e1", "4f7c9e1"]
    with fake.lock:
        r_ = fake.repo(GITOPS)
        assert r_.flatten(r_.commit(c["sha"])["tree"])[SHARED][0] == "100755"  # mode kept
    methods = [(q["method"], re.sub(r"[0-9a-f]{40}", "SHA", q["path"])) for q in fake.requests()
               if q["path"] != HISTORY]  # one history read per manifest before
    assert methods[:2] == [("GET", "/repos/org/gitops/git/ref/heads/sandbox"),
                           ("GET", "/repos/org/gitops/git/commits/SHA")]
    assert [m for m in methods if m[0] != "GET"] == [("POST", "/graphql")]
    [call] = fake.graphql_calls
    inp = call["input"]
    assert inp["expectedHeadOid"] == base
    assert inp["branch"] == {"repositoryNameWithOwner": GITOPS, "branchName": "sandbox"}
    assert sorted(a["path"] for a in inp["fileChanges"]["additions"]) == [SANDBOX, SHARED]
    assert inp["message"]["headline"].startswith("Deploy product to sandbox")
    assert "\n" not in inp["message"]["headline"] and inp["message"]["body"]
    assert set(inp) == {"branch", "message", "fileChanges", "expectedHeadOid"}  # no author
    assert c["verified"]
    assert r.outputs()["verified"] == "true"
    out = r.outputs()
    assert out["files"] == SANDBOX + "\n" + SHARED
    assert out["commit-sha"] == c["sha"]
    assert out["diff"].count("--- a/") == 2


def test_stale_head_is_retried_and_keeps_both(gb, fake, tmp_path):
    fake.fault("interleave", method="POST", path="/graphql", file=SHARED,
               edit=lambda old: old.replace(b"replicas: 2", b"replicas: 9"))
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", manifest=MANIFESTS, value="{short_sha}"))
    assert r.returncode == 0, r
    posts = fake.requests("POST", "/graphql")
    assert len(posts) == 2
    assert json.loads(posts[0]["response"])["errors"][0]["type"] == "STALE_DATA"
    first, second = (c["input"]["expectedHeadOid"] for c in fake.graphql_calls)
    assert first != second
    ours, theirs = fake.log(GITOPS, "sandbox")[:2]
    assert theirs["message"] == "Interleaved commit by someone else"
    assert ours["parents"] == [theirs["sha"]]
    shared = fake.read(GITOPS, SHARED, "sandbox")
    assert b"replicas: 9" in shared and revisions(shared) == ["4f7c9e1", "4f7c9e1"]
    assert "moved while committing" in r.out


def test_protected_branch_with_several_files(gb, fake, tmp_path):
    fake.protect(GITOPS, "sandbox")
    head = fake.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", manifest=MANIFESTS))
    assert r.returncode == 1, r
    assert "is protected" in r.out and "pull-request: true" in r.out
    assert fake.head(GITOPS, "sandbox") == head


def test_pull_request_with_several_files(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", manifest=MANIFESTS, value="{short_sha}",
                         pull_request="true"))
    assert r.returncode == 0, r
    [pr] = fake.pulls(GITOPS)
    [c] = fake.log(GITOPS, pr["head"])[:1]
    assert sorted(c["changes"]) == [SANDBOX, SHARED]
    assert c["parents"] == [fake.head(GITOPS, "sandbox")]


def test_missing_one_of_several(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox",
                         manifest=MANIFESTS + "\n{service}/shared/missing.yaml"))
    assert r.returncode == 1, r
    assert "::error file=product/shared/missing.yaml::manifest 'product/shared/missing.yaml' " \
        "not found on branch 'sandbox' of 'org/gitops'" in r.out
    assert [q for q in fake.requests() if q["method"] != "GET"] == []


def test_same_file_twice_is_one_file(gb, fake, tmp_path):
    """Two lines that name the same file (after normalising) are one file:
    the Contents API, not the Git Data API."""
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", dry_run="true",
                         manifest="{service}/{environment}/{environment}-deploy.yaml\n"
                                  "./product//sandbox/sandbox-deploy.yaml"))
    assert [q["path"] for q in fake.requests()][:2] == \
        [HISTORY, "/repos/org/gitops/contents/" + SANDBOX], r
