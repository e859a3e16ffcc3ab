"""patch end to end against the fake GitHub: the dispatch in, the commit the
fake's git history holds, the requests, the outputs and the step summary."""
import base64
import json
import re

import pytest
import yaml

from dispatch_util import check_commands
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import (ALL_KINDS_YAML, APP, ARTICLE_MARKER, ARTICLE_YAML, GITOPS, HISTORY, MANIFEST,
                        SHA, WORKLOADS_YAML, api_requests, article_payload, dispatch_event,
                        dispatch_payload, patch_env, seed_gitops, writes)

TIME_RE = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
CONTENTS = "/repos/org/gitops/contents/" + MANIFEST


@pytest.fixture
def fake(fake_github):  # noqa: F811
    return seed_gitops(fake_github)


def head_change(fake, branch="sandbox", path=MANIFEST):
    """(old, new) of `path` in the branch's newest commit."""
    [c] = fake.log(GITOPS, branch)[:1]
    return c, c["changes"][path]


def marker_text(data):
    return re.search(rb"<lastCommitMsg>(.*)</lastCommitMsg>", data).group(1)


def test_article_manifest_and_payload_end_to_end(gb, fake, tmp_path):
    """The article's own setup: its payload (commitmsg, baseRef; the event
    type is the service), its manifest with the marker, `branch:
    '{environment}'`; one step instead of three."""
    msg = 'a1b2c3d Fix "login" | sed & $(id) `x` 100% \\o/ \U0001F680 로그인'
    base = fake.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, article_payload(msg))
    r = gb([], patch_env(ev, fake, branch="{environment}"))
    assert r.returncode == 0, r

    # one commit on sandbox, on top of what was there
    c, (old, new) = head_change(fake)
    assert c["parents"] == [base]
    assert old == ARTICLE_YAML
    # only the marker's line changed, and its value reads back exactly
    diff = [(a, b) for a, b in zip(old.split(b"\n"), new.split(b"\n")) if a != b]
    assert len(old.split(b"\n")) == len(new.split(b"\n"))
    assert [a for a, _ in diff] == [b'          value: "%s"' % ARTICLE_MARKER]
    env = yaml.safe_load(new)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert re.fullmatch("<lastCommitMsg>" + TIME_RE.decode() + " " + re.escape(msg) +
                        "</lastCommitMsg>", env[1]["value"]), env[1]["value"]
    # the article's commit message, Verified (no custom identity)
    assert c["message"] == "Deploy product to sandbox\n\n" + msg
    assert c["verified"] and not c["custom_identity"]
    # main is untouched
    assert fake.read(GITOPS, MANIFEST, "main") is None

    assert api_requests(fake) == [("GET", CONTENTS), ("PUT", CONTENTS)]
    out = r.outputs()
    assert out["changed"] == "true"
    assert out["commit-sha"] == c["sha"] == fake.head(GITOPS, "sandbox")
    assert out["commit-url"] == "https://github.com/org/gitops/commit/" + c["sha"]
    assert out["files"] == MANIFEST
    assert out["pull-request-url"] == ""
    assert out["diff"].startswith("--- a/%s\n+++ b/%s\n@@ " % (MANIFEST, MANIFEST))
    assert '-          value: "<lastCommitMsg>Last git commit is shown in here' in out["diff"]
    # the summary: service, environment, the GitOps commit link, the diff
    assert "gitops-bump patch: product to sandbox" in r.summary
    assert "| environment | sandbox |" in r.summary
    assert "(https://github.com/org/gitops/commit/%s)" % c["sha"] in r.summary
    assert "```diff\n--- a/" in r.summary


def test_dispatch_payload_annotates_every_workload(gb, fake, tmp_path):
    """No marker, nothing configured: the pod template annotation on the
    Deployment and on the CronJob's job template, nothing else moves."""
    seed_gitops(fake, {"product/qa/qa-deploy.yaml": WORKLOADS_YAML}, branches=("qa",))
    ev = dispatch_event(tmp_path, dispatch_payload(environment="qa"))
    r = gb([], patch_env(ev, fake, branch="{environment}"))
    assert r.returncode == 0, r
    c, (old, new) = head_change(fake, "qa", "product/qa/qa-deploy.yaml")
    docs = list(yaml.safe_load_all(new))
    want_prefix = "%s@%s: Fix login (#12)" % (APP, SHA[:7])
    dep, svc, cron = docs
    ann = dep["spec"]["template"]["metadata"]["annotations"]["gitops-bump/revision"]
    assert re.fullmatch(TIME_RE.decode() + " " + re.escape(want_prefix), ann)
    job = cron["spec"]["jobTemplate"]["spec"]["template"]
    assert job["metadata"]["annotations"]["gitops-bump/revision"] == ann
    assert svc == list(yaml.safe_load_all(old))[1]
    # only inserted lines: every old line is still there, in order
    added = [l for l in new.split(b"\n") if l not in old.split(b"\n")]
    assert len(added) == 5 and all(b"annotations:" in l or b"gitops-bump/revision" in l or
                                   l.strip() == b"metadata:" for l in added), added
    assert b"app: product-service   # keep this comment" in new
    assert c["message"] == ("Deploy product to qa: %s@%s\n\nFix login (#12)\n\n"
                            "Deployed-From: %s@%s\n" % (APP, SHA[:7], APP, SHA))
    # the summary links the source commit
    assert "| source | [org/product\\-service\\@%s](https://github.com/%s/commit/%s) |" \
        % (SHA[:7], APP, SHA) in r.summary
    assert "| environment | qa |" in r.summary


def test_annotation_only_on_workloads_that_roll_out(gb, fake, tmp_path):
    """A manifest of every kind: the revision annotation goes on the pod
    template of the Deployment, StatefulSet, DaemonSet, ReplicaSet and (its
    job template) CronJob; a bare Job's pod template is immutable, so it is
    left alone, as are the Service and the ConfigMap."""
    yml = ALL_KINDS_YAML
    seed_gitops(fake, {MANIFEST: yml})
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", value="{short_sha}"))
    assert r.returncode == 0, r
    _, (old, new) = head_change(fake)
    before, after = list(yaml.safe_load_all(old)), list(yaml.safe_load_all(new))
    assert [d["kind"] for d in after] == ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                          "CronJob", "Job", "Service", "ConfigMap"]
    for b, a in zip(before, after):
        pod = "jobTemplate" in a.get("spec", {}) and \
            (lambda d: d["spec"]["jobTemplate"]["spec"]["template"]) or \
            (lambda d: d["spec"]["template"])
        if a["kind"] in ("Job", "Service", "ConfigMap"):
            assert a == b, a["kind"]
            continue
        annotations = pod(a)["metadata"]["annotations"]
        assert annotations["gitops-bump/revision"] == SHA[:7], a["kind"]
        # nothing else in the document moved
        del annotations["gitops-bump/revision"]
        if not annotations:
            del pod(a)["metadata"]["annotations"]
        if not pod(a)["metadata"]:
            del pod(a)["metadata"]
        assert a == b, a["kind"]
    assert new.count(b"gitops-bump/revision") == 5
    assert b"app: product-service   # keep this comment" in new
    assert b"owner: web" in new


def test_only_jobs_is_the_clear_error(gb, fake, tmp_path):
    """Jobs and no marker, nothing configured: there is nothing that can roll
    out, and the error says to name the change."""
    yml = ALL_KINDS_YAML
    job = yml[yml.index(b"# a bare Job"):yml.index(b"---", yml.index(b"# a bare Job"))]
    seed_gitops(fake, {MANIFEST: job + b"---\n" + job.replace(b"product-migrate", b"other")})
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox"))
    assert r.returncode == 1, r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert err.startswith("::error file=%s" % MANIFEST), err
    assert "no workload to annotate" in err and "a Job's pod template cannot change" in err
    assert "name what to change with the 'set' or 'image' input" in err
    assert writes(fake) == []


def test_set_image_and_payload_keys(gb, fake, tmp_path):
    seed_gitops(fake, {MANIFEST: WORKLOADS_YAML})
    image = "registry.example.com/product-service@sha256:" + "ab" * 32
    ev = dispatch_event(tmp_path, dispatch_payload(image=image, team="web"))
    r = gb([], patch_env(ev, fake, branch="{environment}", image="{image}",
                         container="product-service",
                         set="spec.replicas=3\n[kind=Deployment].metadata.labels.team={payload.team}"))
    assert r.returncode == 0, r
    _, (old, new) = head_change(fake)
    dep, svc, cron = yaml.safe_load_all(new)
    assert dep["spec"]["replicas"] == 3  # an int stays an int
    assert dep["metadata"]["labels"] == {"team": "web"}
    cs = dep["spec"]["template"]["spec"]["containers"]
    assert cs[0]["image"] == image
    assert cs[1]["image"] == "registry.example.com/envoy:1.29"  # another container
    assert "annotations" not in dep["spec"]["template"]["metadata"]  # set given: no revision
    assert cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] \
        == "registry.example.com/product-report:sandbox"


def test_values_keep_their_type(gb, fake, tmp_path):
    """set: an int target given an int stays one, given other text becomes a
    string with a warning naming the change; 'PATH:=' writes a typed value
    where the key is new; 'PATH="..."' writes a string over an int."""
    seed_gitops(fake, {MANIFEST: WORKLOADS_YAML})
    ev = dispatch_event(tmp_path, dispatch_payload(team="web", replicas="4"))
    r = gb([], patch_env(ev, fake, branch="{environment}",
                         set="[kind=Deployment].spec.replicas={payload.replicas}\n"
                             "[kind=Deployment].spec.paused:=false\n"
                             "[kind=Deployment].spec.minReadySeconds:={payload.replicas}\n"
                             '[kind=Deployment].spec.revisionHistoryLimit="{payload.replicas}"'))
    assert r.returncode == 0, r
    assert "::warning" not in r.out, r
    _, (_, new) = head_change(fake)
    dep = next(yaml.safe_load_all(new))
    assert dep["spec"]["replicas"] == 4
    assert dep["spec"]["paused"] is False
    assert dep["spec"]["minReadySeconds"] == 4
    assert dep["spec"]["revisionHistoryLimit"] == "4"
    assert b"replicas: 4\n" in new and b"revisionHistoryLimit: '4'" in new

    ev = dispatch_event(tmp_path, dispatch_payload(replicas="four"))
    r = gb([], patch_env(ev, fake, branch="{environment}",
                         set="[kind=Deployment].spec.replicas={payload.replicas}"))
    assert r.returncode == 0, r
    [warn] = [l for l in r.out.splitlines() if l.startswith("::warning")]
    assert "file=" + MANIFEST in warn and "1 int value became the string 'four'" in warn, warn
    _, (_, new) = head_change(fake)
    assert next(yaml.safe_load_all(new))["spec"]["replicas"] == "four"


def test_typed_value_refused_before_any_request(gb, fake, tmp_path):
    seed_gitops(fake, {MANIFEST: WORKLOADS_YAML})
    ev = dispatch_event(tmp_path, dispatch_payload(replicas="many"))
    r = gb([], patch_env(ev, fake, branch="{environment}",
                         set="spec.replicas:={payload.replicas}"))
    assert r.returncode in (1, 2), r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert "value 'many' for 'spec.replicas:=' in input 'set' line 1 is not a bool, int or " \
           "float" in err, err
    assert fake.requests() == []


def test_image_only_where_its_repository_is(gb, fake, tmp_path):
    """The image goes where the same repository is, never by position: the
    sidecar and the CronJob of other images keep theirs, byte for byte."""
    seed_gitops(fake, {MANIFEST: WORKLOADS_YAML})
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="{environment}",
                         image="registry.example.com/product-service:{short_sha}"))
    assert r.returncode == 0, r
    _, (old, new) = head_change(fake)
    assert new == old.replace(b"image: registry.example.com/product-service:sandbox",
                              b"image: registry.example.com/product-service:" + SHA[:7].encode())
    dep, _, cron = yaml.safe_load_all(new)
    images = [c["image"] for c in dep["spec"]["template"]["spec"]["containers"]]
    images += [c["image"] for c in cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]]
    assert images == ["registry.example.com/product-service:" + SHA[:7],
                      "registry.example.com/envoy:1.29",
                      "registry.example.com/product-report:sandbox"]
    # the log says where, with the kind
    assert "%s:16: Deployment container 'product-service': " % MANIFEST in r.out, r.out


def test_exactly_two_requests_no_identity_by_default(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox"))
    assert r.returncode == 0, r
    history, get, put = fake.requests()
    assert (history["method"], history["path"], history["query"]) == \
        ("GET", HISTORY, {"sha": ["sandbox"], "path": [MANIFEST], "per_page": ["30"]})
    assert (get["method"], get["path"], get["query"]) == ("GET", CONTENTS, {"ref": ["sandbox"]})
    assert put["method"] == "PUT" and put["path"] == CONTENTS
    body = put["json"]
    assert sorted(body) == ["branch", "content", "message", "sha"]
    assert body["branch"] == "sandbox"
    assert body["sha"] == json.loads(get["response"])["sha"]
    assert base64.b64decode(body["content"]) == fake.read(GITOPS, MANIFEST, "sandbox")
    c, _ = head_change(fake)
    assert c["verified"] and c["author"]["name"] == "gitops-bump-fake[bot]"


def test_commit_author_when_asked(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox",
                         commit_author="GitOps Bot <gitops@kakaopage.com>"))
    assert r.returncode == 0, r
    put = writes(fake)[0]["json"]
    who = {"name": "GitOps Bot", "email": "gitops@kakaopage.com"}
    assert put["author"] == who and put["committer"] == who
    c, _ = head_change(fake)
    assert not c["verified"] and c["author"]["email"] == "gitops@kakaopage.com"


def test_idempotent(gb, fake, tmp_path):
    """The same deploy twice: the second changes nothing and commits nothing."""
    ev = dispatch_event(tmp_path, dispatch_payload())
    env = patch_env(ev, fake, branch="sandbox", value="{repository}@{sha}")
    first = gb([], env)
    assert first.returncode == 0, first
    head = fake.head(GITOPS, "sandbox")
    fake.clear_requests()
    again = tmp_path / "again"
    again.mkdir()
    second = gb([], env, tmp_path=again)
    assert second.returncode == 0, second
    assert fake.head(GITOPS, "sandbox") == head
    assert api_requests(fake) == [("GET", HISTORY), ("GET", CONTENTS)]
    out = second.outputs()
    assert out["changed"] == "false" and out["commit-sha"] == "" and out["diff"] == ""
    assert "nothing to change" in second.out
    assert "(no change)" in second.summary


def test_forced_conflict_between_get_and_put(gb, fake, tmp_path):
    """Someone else commits to the file between our GET and our PUT: the PUT
    gets 409, the file is read again, the edit re-applied, and both changes
    are in the result."""
    f = fake.fault("interleave", method="PUT", path=re.escape(CONTENTS),
                   edit=lambda old: old.replace(b"replicas: 2", b"replicas: 5"))
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", value="{short_sha}"))
    assert r.returncode == 0, r
    assert f.hits == 1
    assert [(q["method"], q["status"]) for q in fake.requests()] == \
        [("GET", 200), ("GET", 200), ("PUT", 409), ("GET", 200), ("PUT", 200)]
    final = fake.read(GITOPS, MANIFEST, "sandbox")
    assert b"replicas: 5" in final                        # theirs
    assert marker_text(final) == SHA[:7].encode()         # ours
    ours, theirs = fake.log(GITOPS, "sandbox")[:2]
    assert theirs["message"] == "Interleaved commit by someone else"
    assert ours["parents"] == [theirs["sha"]]
    old, new = ours["changes"][MANIFEST]
    assert new == old.replace(b"Last git commit is shown in here", SHA[:7].encode())
    assert "moved while committing" in r.out
    assert r.outputs()["commit-sha"] == ours["sha"]


def test_put_whose_answer_was_lost_is_reported_as_our_commit(gb, fake, tmp_path):
    """GitHub applies the PUT but the answer never arrives; the resent PUT
    conflicts with it.  The branch head carries our message on the commit we
    read: its sha, URL, file and diff are the outputs, as if the answer had
    come, and no second commit is made."""
    fake.fault("drop", method="PUT", processed=True)
    base = fake.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", value="{short_sha}"))
    assert r.returncode == 0, r
    ours, before = fake.log(GITOPS, "sandbox")[:2]
    assert before["sha"] == base and ours["parents"] == [base]
    out = r.outputs()
    assert out["changed"] == "true" and out["commit-sha"] == ours["sha"]
    assert out["commit-url"] == "https://github.com/%s/commit/%s" % (GITOPS, ours["sha"])
    assert out["files"] == MANIFEST
    assert "-          value: \"%s\"" % ARTICLE_MARKER.decode() in out["diff"]
    assert "+          value: \"<lastCommitMsg>%s</lastCommitMsg>\"" % SHA[:7] in out["diff"]
    assert "GitHub made the commit" in r.out and "may have committed" not in r.out
    assert ours["sha"][:7] in r.summary


def test_conflicts_that_never_stop_give_up(gb, fake, tmp_path):
    fake.fault("interleave", method="PUT", path=re.escape(CONTENTS), times=None,
               append=b"# someone\n")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", max_attempts="3"))
    assert r.returncode == 1, r
    assert "gave up committing to branch 'sandbox' of 'org/gitops' after 3 attempts" in r.out
    assert [q["method"] for q in fake.requests()] == ["GET"] + ["GET", "PUT"] * 3 + ["GET"]
    assert all(c["message"] == "Interleaved commit by someone else"
               for c in fake.log(GITOPS, "sandbox")[:3])


def test_protected_branch_says_use_pull_requests(gb, fake, tmp_path):
    fake.protect(GITOPS, "sandbox")
    head = fake.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox"))
    assert r.returncode == 1, r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert "branch 'sandbox' of 'org/gitops' is protected" in err
    assert "pull-request: true" in err
    assert fake.head(GITOPS, "sandbox") == head


def test_pull_request_mode_and_the_duplicate(gb, fake, tmp_path):
    fake.protect(GITOPS, "sandbox")
    base = fake.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    env = patch_env(ev, fake, branch="{environment}", pull_request="true", value="{sha}")
    r = gb([], env)
    assert r.returncode == 0, r
    head = "gitops-bump/product/sandbox/" + SHA[:7]
    [pr] = fake.pulls(GITOPS)
    assert (pr["head"], pr["base"], pr["state"]) == (head, "sandbox", "open")
    assert pr["title"] == "Deploy product to sandbox (%s)" % SHA[:7]
    assert SHA in pr["body"] and "Longer text." in pr["body"]
    assert fake.head(GITOPS, "sandbox") == base              # the base is untouched
    assert marker_text(fake.read(GITOPS, MANIFEST, head)) == SHA.encode()
    out = r.outputs()
    url = "https://github.com/org/gitops/pull/%d" % pr["number"]
    assert out["pull-request-url"] == url and out["changed"] == "true"
    assert out["commit-sha"] == fake.head(GITOPS, head)
    assert url in r.summary

    # the same dispatch again: the pull request is there already
    fake.clear_requests()
    again = tmp_path / "again"
    again.mkdir()
    r2 = gb([], env, tmp_path=again)
    assert r2.returncode == 0, r2
    assert len(fake.pulls(GITOPS)) == 1
    out2 = r2.outputs()
    assert out2["pull-request-url"] == url
    assert out2["changed"] == "false"
    assert "already open" in r2.out
    assert fake.head(GITOPS, "sandbox") == base


def test_pull_request_branch_gets_the_newer_change(gb, fake, tmp_path):
    """A second dispatch for the same commit with another value: one more
    commit on the pull request's branch (fast-forward), the same PR."""
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", pull_request="true", value="one"))
    assert r.returncode == 0, r
    head = "gitops-bump/product/sandbox/" + SHA[:7]
    first = fake.head(GITOPS, head)
    again = tmp_path / "again"
    again.mkdir()
    r2 = gb([], patch_env(ev, fake, branch="sandbox", pull_request="true", value="two"),
            tmp_path=again)
    assert r2.returncode == 0, r2
    c, (old, new) = head_change(fake, head)
    assert c["parents"] == [first]
    assert marker_text(old) == b"one" and marker_text(new) == b"two"
    assert len(fake.pulls(GITOPS)) == 1
    assert r2.outputs()["changed"] == "true"


def test_pull_request_not_needed_when_base_has_it(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    env = patch_env(ev, fake, branch="sandbox", value="{sha}")
    assert gb([], env).returncode == 0
    again = tmp_path / "again"
    again.mkdir()
    r = gb([], dict(env, **{"INPUT_PULL-REQUEST": "true"}), tmp_path=again)
    assert r.returncode == 0, r
    assert fake.pulls(GITOPS) == []
    assert r.outputs()["changed"] == "false" and r.outputs()["pull-request-url"] == ""


def test_dry_run_commits_nothing(gb, fake, tmp_path):
    head = fake.head(GITOPS, "sandbox")
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", dry_run="true", value="{sha}"))
    assert r.returncode == 0, r
    assert api_requests(fake) == [("GET", HISTORY), ("GET", CONTENTS)]
    assert fake.head(GITOPS, "sandbox") == head
    out = r.outputs()
    assert out["changed"] == "true" and out["commit-sha"] == ""
    assert "+          value: \"<lastCommitMsg>%s</lastCommitMsg>\"" % SHA in out["diff"]
    assert "::group::diff of " + MANIFEST in r.out
    assert "dry run: nothing committed" in r.out


def test_file_over_one_megabyte_is_read_raw(gb, fake, tmp_path):
    big = ARTICLE_YAML + b"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blob\ndata:\n" \
        + b"".join(b"  k%06d: %s\n" % (i, b"x" * 100) for i in range(12000))
    assert len(big) > 1024 * 1024
    seed_gitops(fake, {MANIFEST: big})
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", value="{short_sha}"))
    assert r.returncode == 0, r
    reqs = [q for q in fake.requests() if q["path"] != HISTORY]
    assert [(q["method"], q["status"]) for q in reqs] == [("GET", 403), ("GET", 200), ("PUT", 200)]
    assert reqs[1]["headers"]["accept"] == "application/vnd.github.raw+json"
    new = fake.read(GITOPS, MANIFEST, "sandbox")
    assert new == big.replace(b"Last git commit is shown in here", SHA[:7].encode())


def test_target_not_in_the_file(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox",
                         set="spec.template.spec.containers[name=web].image=x"))
    assert r.returncode == 1, r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert err.startswith("::error file=%s" % MANIFEST), err
    assert "product-service" in err  # what was there instead
    assert writes(fake) == []


def test_image_container_not_in_the_file(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox", image="x:1", container="web"))
    assert r.returncode == 1, r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert err.startswith("::error file=%s" % MANIFEST), err
    assert "no image of repository 'x' in a container named 'web'" in err
    # what the file holds instead, with its line
    assert ":23 Deployment container 'product-service': " in err, err
    assert writes(fake) == []


def test_no_marker_no_workload(gb, fake, tmp_path):
    seed_gitops(fake, {MANIFEST: b"apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n"})
    ev = dispatch_event(tmp_path, dispatch_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox"))
    assert r.returncode == 1, r
    assert "no <lastCommitMsg> marker and no workload" in r.out
    assert writes(fake) == []


def test_missing_manifest_names_path_and_branch(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, article_payload(base_ref="qa"))
    fake.add_branch(GITOPS, "qa")
    r = gb([], patch_env(ev, fake, branch="{environment}"))
    assert r.returncode == 1, r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert err.startswith("::error file=product/qa/qa-deploy.yaml::")
    assert "manifest 'product/qa/qa-deploy.yaml' not found on branch 'qa' of 'org/gitops'" in err
    assert writes(fake) == []


def test_missing_branch(gb, fake, tmp_path):
    ev = dispatch_event(tmp_path, article_payload(base_ref="master"))
    r = gb([], patch_env(ev, fake, branch="{environment}"))
    assert r.returncode == 1, r
    assert "branch 'master' not found in 'org/gitops'" in r.out
    assert writes(fake) == []


def test_manifest_that_is_a_directory(gb, fake, tmp_path):
    seed_gitops(fake, {"product/sandbox/sandbox-deploy.yaml/x.yaml": b"a: 1\n"})
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox"))
    assert r.returncode == 1, r
    assert "is a directory" in r.out
    assert writes(fake) == []


@pytest.mark.parametrize("fault", ["bad_base64", "lie_sha"])
def test_damaged_contents_answer(gb, fake, tmp_path, fault):
    fake.fault(fault, method="GET")
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox"))
    assert r.returncode == 1, r
    assert writes(fake) == []
    assert ("blob sha" in r.out) if fault == "lie_sha" else ("base64" in r.out.lower())


def test_default_branch_is_the_runs(gb, fake, tmp_path):
    """Without `branch`, a repository_dispatch run commits to the default
    branch (the event's `branch`)."""
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake))
    assert r.returncode == 1, r  # main has no manifest
    assert [(q["method"], q["query"].get("ref")) for q in fake.requests()] == [("GET", ["main"])]
    assert "not found on branch 'main'" in r.out


def test_broken_manifest_error_names_file_and_line(gb, fake, tmp_path):
    seed_gitops(fake, {MANIFEST: b"kind: Deployment\nspec:\n  template:\n    spec: [a, b\n"
                                 b"  x: y\n"})
    ev = dispatch_event(tmp_path, article_payload())
    r = gb([], patch_env(ev, fake, branch="sandbox"))
    assert r.returncode == 1, r
    [err] = [l for l in r.out.splitlines() if l.startswith("::error")]
    assert err.startswith("::error file=%s,line=5::" % MANIFEST), err
    assert writes(fake) == []


def test_message_cannot_command_the_runner(gb, fake, tmp_path):
    msg = "::error::evil\n::set-output name=changed::false\n%0A::warning::x\n##[error]y"
    ev = dispatch_event(tmp_path, dispatch_payload(message=msg))
    r = gb([], patch_env(ev, fake, branch="sandbox", value="{message}"))
    assert r.returncode == 0, r
    check_commands(r)  # only our own commands, no error
    assert r.outputs()["changed"] == "true"
    new = fake.read(GITOPS, MANIFEST, "sandbox")
    env = yaml.safe_load(new)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[1]["value"] == "<lastCommitMsg>%s</lastCommitMsg>" % msg
