"""The commit machinery (src/commit.c) against the fake GitHub, through
tests/commit_driver.c and its plain text edit ("revision: VALUE"): what patch
does with a manifest once the edit is known, independent of YAML."""
import json
import os
import pathlib
import re
import subprocess

import pytest

from conftest import SAN_ENV, TOKEN, UNIT_DIR
from fakegh import fake_github  # noqa: F401  (pytest fixture)

# The driver gets the token: token_guard lets it run here because finish()
# checks its stdout and stderr.
pytestmark = pytest.mark.gb_direct("the commit machinery's driver; finish() checks its stdout "
                                   "and stderr for the token")

DRIVER = os.environ.get("GB_COMMIT_DRIVER", str(pathlib.Path(UNIT_DIR).parent / "commit-driver"))
REPO = "org/gitops"
F = "svc/sandbox/deploy.yaml"
G = "svc/shared/jobs.yaml"
TEXT = b"kind: Deployment\nrevision: 0\nreplicas: 2\n"
CONTENTS = "/repos/org/gitops/contents/" + F


@pytest.fixture
def fake(fake_github):  # noqa: F811
    fake_github.add_repo(REPO, {"README.md": "x\n"})
    fake_github.add_branch(REPO, "sandbox", files={F: TEXT, G: b"kind: CronJob\n",
                                                    "other/file.yaml": b"a: 1\n"})
    return fake_github


def start(fake, value, *paths, branch="sandbox", args=(), base_ms="1"):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GH_DRIVER_TOKEN": TOKEN,
           "GITOPS_BUMP_RETRY_BASE_MS": base_ms, **SAN_ENV}
    return subprocess.Popen([DRIVER, "--url", fake.url, *args, REPO, branch, value,
                             *(paths or (F,))], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def finish(p):
    out, err = p.communicate(timeout=300)
    assert p.returncode != 99 and b"Sanitizer" not in err, err.decode()
    assert TOKEN.encode() not in out + err
    res = json.loads(out)
    res["exit"], res["err"] = p.returncode, err.decode()
    return res


def drive(fake, value, *paths, **kw):
    return finish(start(fake, value, *paths, **kw))


def calls(fake):
    return [(q["method"], re.sub(r"[0-9a-f]{40}", "SHA", q["path"]), q["status"])
            for q in fake.requests()]


def test_one_file_two_requests(fake):
    base = fake.head(REPO, "sandbox")
    res = drive(fake, "1")
    assert res["rc"] == 0 and res["changed"], res
    assert calls(fake) == [("GET", CONTENTS, 200), ("PUT", CONTENTS, 200)]
    assert res["requests"] == 2 and res["attempts"] == 1
    [c] = fake.log(REPO, "sandbox")[:1]
    assert c["parents"] == [base] and c["sha"] == res["sha"]
    assert c["changes"] == {F: (TEXT, TEXT.replace(b"revision: 0", b"revision: 1"))}
    assert c["verified"] and not c["custom_identity"]
    assert res["url"] == "https://github.com/org/gitops/commit/" + c["sha"]
    put = fake.requests("PUT")[0]["json"]
    assert sorted(put) == ["branch", "content", "message", "sha"]


def test_unchanged_is_not_committed(fake):
    head = fake.head(REPO, "sandbox")
    res = drive(fake, "0")
    assert res["rc"] == 0 and not res["changed"] and res["sha"] == ""
    assert calls(fake) == [("GET", CONTENTS, 200)]
    assert fake.head(REPO, "sandbox") == head


def test_dry_run_reads_only(fake):
    res = drive(fake, "5", args=["--dry-run"])
    assert res["rc"] == 0 and res["changed"] and res["sha"] == ""
    assert [c[0] for c in calls(fake)] == ["GET"]


def test_author_only_when_given(fake):
    res = drive(fake, "2", args=["--author", "GitOps Bot <gitops@example.com>"])
    assert res["rc"] == 0, res
    put = fake.requests("PUT")[0]["json"]
    who = {"name": "GitOps Bot", "email": "gitops@example.com"}
    assert put["author"] == who and put["committer"] == who
    assert not fake.log(REPO, "sandbox")[0]["verified"]


def test_conflict_rereads_and_keeps_both(fake):
    fake.fault("interleave", method="PUT", path=re.escape(CONTENTS),
               edit=lambda old: old.replace(b"replicas: 2", b"replicas: 7"))
    res = drive(fake, "3")
    assert res["rc"] == 0 and res["attempts"] == 2, res
    assert [(m, s) for m, _, s in calls(fake)] == [("GET", 200), ("PUT", 409), ("GET", 200),
                                                   ("PUT", 200)]
    ours, theirs = fake.log(REPO, "sandbox")[:2]
    assert ours["parents"] == [theirs["sha"]]
    assert fake.read(REPO, F, "sandbox") == b"kind: Deployment\nrevision: 3\nreplicas: 7\n"
    assert "moved while committing" in res["err"]


def test_conflict_budget(fake):
    fake.fault("interleave", method="PUT", path=re.escape(CONTENTS), times=None,
               append=b"# x\n")
    res = drive(fake, "4", args=["--attempts", "4"])
    assert res["exit"] == 1 and res["rc"] == -1
    assert "after 4 attempts" in res["err"]
    # the last conflict is followed by a read at once (no wait): had only
    # other files moved the branch, it would not count
    assert [c[0] for c in calls(fake)] == ["GET", "PUT"] * 4 + ["GET"]


def test_conflict_that_left_the_file_alone_is_not_counted(fake):
    """GitHub answers 409 when the branch moved under a PUT even through
    other files; the re-read shows this file as it was: that conflict is not
    a lost race on the file and does not use up an attempt."""
    fake.fault("status", method="PUT", status=409, times=2,
               message="refs/heads/sandbox is at 0000 but expected 1111")
    res = drive(fake, "6", args=["--attempts", "2"])
    assert res["rc"] == 0 and res["changed"] and res["attempts"] == 1, res
    assert [(m, s) for m, _, s in calls(fake)] == [("GET", 200), ("PUT", 409)] * 2 + \
        [("GET", 200), ("PUT", 200)]
    assert res["err"].count("not counted as an attempt") == 2
    assert fake.read(REPO, F, "sandbox") == TEXT.replace(b"revision: 0", b"revision: 6")


def test_uncounted_conflicts_are_bounded_too(fake):
    """A server that always answers 409 with the file unchanged: at most
    max-attempts conflicts go uncounted, then the attempts run out."""
    fake.fault("status", method="PUT", status=409, times=None, message="is at X but expected Y")
    res = drive(fake, "6", args=["--attempts", "2"])
    assert res["exit"] == 1 and res["rc"] == -1
    assert "gave up committing to branch 'sandbox' of 'org/gitops' after 2 attempts" in res["err"]
    assert [c[0] for c in calls(fake)] == ["GET", "PUT"] * 4


def test_git_data_conflict_through_other_files_is_not_counted(fake):
    """Several files: another deploy moves the branch through a third file
    before our GraphQL commit (STALE_DATA).  Our files are as we read them:
    the commit is made again on the new head, within one attempt, and their
    change stays."""
    fake.fault("interleave", method="POST", path="/graphql", file="other/file.yaml",
               content=b"a: 3\n")
    res = drive(fake, "7", F, G, args=["--attempts", "1"])
    assert res["rc"] == 0 and res["changed"] and res["attempts"] == 1, res
    ours, theirs = fake.log(REPO, "sandbox")[:2]
    assert ours["parents"] == [theirs["sha"]] and sorted(ours["changes"]) == [F, G]
    assert fake.read(REPO, "other/file.yaml", "sandbox") == b"a: 3\n"
    assert "not counted as an attempt" in res["err"]


def test_retried_put_whose_answer_was_lost(fake):
    """The PUT lands but its answer is lost; the client's retry gets 409; the
    re-read finds the change there and the branch head is that commit (our
    message, on the commit we read): it is reported as ours, not made twice."""
    fake.fault("drop", method="PUT", processed=True)
    base = fake.head(REPO, "sandbox")
    res = drive(fake, "8")
    assert res["rc"] == 0 and res["changed"], res
    log = fake.log(REPO, "sandbox")
    assert log[1]["sha"] == base  # exactly one commit
    assert res["sha"] == log[0]["sha"] and log[0]["message"] == "commit-driver: set the revision"
    assert res["url"] == "https://github.com/org/gitops/commit/" + log[0]["sha"]
    assert res["files"][F]["changed"]
    assert fake.read(REPO, F, "sandbox") == TEXT.replace(b"revision: 0", b"revision: 8")
    assert "GitHub made the commit" in res["err"] and "may have committed" not in res["err"]
    # the check: the head, its commit, the file at its parent and at it
    assert [(m, p) for m, p, _ in calls(fake)] == [
        ("GET", CONTENTS), ("PUT", CONTENTS), ("PUT", CONTENTS), ("GET", CONTENTS),
        ("GET", "/repos/org/gitops/git/ref/heads/sandbox"),
        ("GET", "/repos/org/gitops/git/commits/SHA"), ("GET", CONTENTS), ("GET", CONTENTS)]
    refs = [q["query"].get("ref") for q in fake.requests("GET") if q["path"] == CONTENTS]
    assert refs == [["sandbox"], ["sandbox"], [base], [log[0]["sha"]]]


def test_lost_answer_but_the_head_is_not_ours(fake):
    """The same, but another file was committed on top before the re-read:
    the head is not our commit, so nothing is claimed (changed=false) and the
    notice says what may have happened."""
    fake.fault("drop", method="PUT", processed=True)
    fake.fault("interleave", method="GET", path=re.escape(CONTENTS), skip=1,
               file="other/file.yaml", content=b"a: 2\n")
    res = drive(fake, "8")
    assert res["rc"] == 0 and not res["changed"] and res["sha"] == "", res
    log = fake.log(REPO, "sandbox")
    assert log[0]["message"] == "Interleaved commit by someone else"
    assert log[1]["message"] == "commit-driver: set the revision"
    assert "may have committed it" in res["err"]
    assert not res["files"][F]["changed"]


def test_twenty_at_once(fake):
    base = fake.head(REPO, "sandbox")
    values = ["v%02d" % i for i in range(20)]
    procs = [start(fake, v, args=["--attempts", "60", "--timeout", "300"], base_ms="25")
             for v in values]
    results = [finish(p) for p in procs]
    assert all(r["rc"] == 0 and r["changed"] for r in results), results
    log = fake.log(REPO, "sandbox")
    assert log[20]["sha"] == base
    seen = []
    for newer, older in zip(log[:20], log[1:21]):
        assert newer["parents"] == [older["sha"]]
        old, new = newer["changes"][F]
        v = re.search(rb"revision: (\S+)", new).group(1)
        assert new == re.sub(rb"revision: \S+", b"revision: " + v, old)
        seen.append(v.decode())
    assert sorted(seen) == values
    assert sorted(r["sha"] for r in results) == sorted(c["sha"] for c in log[:20])


def test_several_files_one_atomic_commit(fake):
    base = fake.head(REPO, "sandbox")
    res = drive(fake, "9", F, G)
    assert res["rc"] == 0 and res["changed"], res
    [c] = fake.log(REPO, "sandbox")[:1]
    assert c["parents"] == [base] and c["sha"] == res["sha"]
    assert sorted(c["changes"]) == [F, G]
    assert fake.read(REPO, "other/file.yaml", "sandbox") == b"a: 1\n"
    assert fake.read(REPO, "README.md", "sandbox") == b"x\n"
    writes = [(m, p) for m, p, _ in calls(fake) if m != "GET"]
    assert writes == [("POST", "/graphql")]      # one request for N files
    [call] = fake.graphql_calls
    assert call["input"]["expectedHeadOid"] == base
    assert c["verified"] and res["verified"]
    # each directory tree read once: root, svc, svc/sandbox, svc/shared
    assert len(fake.requests("GET", "/git/trees/")) == 4


def test_several_files_keep_their_mode(fake):
    with fake.lock:
        r = fake.repo(REPO)
        head = r.heads["sandbox"]
        flat = r.flatten(r.commit(head)["tree"])
        flat[G] = ("100755", flat[G][1])
        who = {"name": "s", "email": "s@example.com", "date": "2024-01-01T00:00:00Z"}
        r.heads["sandbox"] = r.put_commit(r.build(flat), [head], "chmod", who, who, True)
    res = drive(fake, "9", F, G)
    assert res["rc"] == 0, res
    assert res["files"][G]["mode"] == "100755"
    with fake.lock:
        r = fake.repo(REPO)
        assert r.flatten(r.commit(r.heads["sandbox"])["tree"])[G][0] == "100755"


def test_several_files_only_the_changed_are_written(fake):
    assert drive(fake, "0b", G)["rc"] == 0          # G gets "revision: 0b"
    fake.clear_requests()
    res = drive(fake, "0b", F, G)                     # F changes, G has it
    assert res["rc"] == 0 and res["files"][G]["changed"] is False
    [c] = fake.log(REPO, "sandbox")[:1]
    assert list(c["changes"]) == [F]
    [call] = fake.graphql_calls
    assert [a["path"] for a in call["input"]["fileChanges"]["additions"]] == [F]


def test_stale_head_retried(fake):
    fake.fault("interleave", method="POST", path="/graphql", file=G, append=b"# theirs\n")
    res = drive(fake, "10", F, G)
    assert res["rc"] == 0 and res["attempts"] == 2, res
    answers = [json.loads(q["response"]) for q in fake.requests("POST", "/graphql")]
    assert answers[0]["errors"][0]["type"] == "STALE_DATA" and "errors" not in answers[1]
    assert fake.read(REPO, G, "sandbox") == b"kind: CronJob\n# theirs\nrevision: 10\n"


def test_protected_branch(fake):
    fake.protect(REPO, "sandbox")
    for paths in ((F,), (F, G)):
        res = drive(fake, "11", *paths)
        assert res["exit"] == 1
        assert "branch 'sandbox' of 'org/gitops' is protected" in res["err"]
        assert "pull-request: true" in res["err"]


def test_missing_file_and_branch(fake):
    res = drive(fake, "1", "svc/qa/deploy.yaml")
    assert res["exit"] == 1
    assert "manifest 'svc/qa/deploy.yaml' not found on branch 'sandbox' of 'org/gitops'" \
        in res["err"]
    res = drive(fake, "1", F, "svc/qa/deploy.yaml")
    assert "manifest 'svc/qa/deploy.yaml' not found on branch 'sandbox'" in res["err"]
    res = drive(fake, "1", branch="nope")
    assert "branch 'nope' not found in 'org/gitops'" in res["err"]
    res = drive(fake, "1", F, G, branch="nope")
    assert "branch 'nope' not found in 'org/gitops'" in res["err"]
    assert [q for q in fake.requests() if q["method"] != "GET"] == []


def test_over_one_megabyte(fake):
    big = b"kind: ConfigMap\nrevision: 0\n" + b"x" * (1024 * 1024 + 10) + b"\n"
    fake.commit_files(REPO, "sandbox", {F: big})
    res = drive(fake, "12")
    assert res["rc"] == 0, res
    reqs = fake.requests()
    assert [(q["method"], q["status"]) for q in reqs] == [("GET", 403), ("GET", 200),
                                                          ("PUT", 200)]
    assert reqs[1]["headers"]["accept"] == "application/vnd.github.raw+json"
    assert fake.read(REPO, F, "sandbox") == big.replace(b"revision: 0", b"revision: 12")


def test_pull_request_and_duplicate(fake):
    base = fake.head(REPO, "sandbox")
    res = drive(fake, "13", args=["--pr", "gitops-bump/svc/sandbox/abc1234"])
    assert res["rc"] == 0 and res["changed"], res
    [pr] = fake.pulls(REPO)
    assert pr["head"] == "gitops-bump/svc/sandbox/abc1234" and pr["base"] == "sandbox"
    assert res["pr_url"] == "https://github.com/org/gitops/pull/%d" % pr["number"]
    assert not res["pr_existed"]
    assert fake.head(REPO, "sandbox") == base
    assert b"revision: 13" in fake.read(REPO, F, pr["head"])
    head1 = fake.head(REPO, pr["head"])

    again = drive(fake, "13", args=["--pr", pr["head"]])
    assert again["rc"] == 0 and not again["changed"] and again["pr_existed"], again
    assert again["pr_url"] == res["pr_url"] and len(fake.pulls(REPO)) == 1
    assert fake.head(REPO, pr["head"]) == head1

    newer = drive(fake, "14", args=["--pr", pr["head"]])
    assert newer["rc"] == 0 and newer["changed"] and newer["pr_existed"], newer
    [c] = fake.log(REPO, pr["head"])[:1]
    assert c["parents"] == [head1]


def test_pull_request_several_files(fake):
    res = drive(fake, "15", F, G, args=["--pr", "gitops-bump/x"])
    assert res["rc"] == 0, res
    [c] = fake.log(REPO, "gitops-bump/x")[:1]
    assert sorted(c["changes"]) == [F, G]
    assert c["parents"] == [fake.head(REPO, "sandbox")]


def test_pull_request_needs_permission(fake):
    fake.add_token("ghs_NoPullRequestsToken0000000000000000", "nopr",
                   repos={REPO: {"contents": "write"}})
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "GH_DRIVER_TOKEN": "ghs_NoPullRequestsToken0000000000000000",
           "GITOPS_BUMP_RETRY_BASE_MS": "1", **SAN_ENV}
    p = subprocess.run([DRIVER, "--url", fake.url, "--pr", "gitops-bump/y", REPO, "sandbox",
                        "16", F], env=env, capture_output=True)
    assert p.returncode == 1
    assert b"pull_requests:write" in p.stderr


@pytest.mark.parametrize("fault", ["bad_base64", "lie_sha"])
def test_damaged_answers(fake, fault):
    fake.fault(fault, method="GET")
    res = drive(fake, "17")
    assert res["exit"] == 1
    assert [c[0] for c in calls(fake)] == ["GET"]
