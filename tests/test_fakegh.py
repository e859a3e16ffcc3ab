"""The fake GitHub's own tests: every check, endpoint and fault behaves as documented.

These talk to the fake with Python's http.client, independently of the C
client, so a bug in one cannot hide a bug in the other.
"""
import base64
import hashlib
import http.client
import json
import os
import pathlib
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from conftest import ROOT, TOKEN
from fakegh import FakeGitHub, b64_wrapped, fake_github, fake_github_https  # noqa: F401

REPO = "org/gitops"
MANIFEST = "app/sandbox/sandbox-deploy.yaml"
GOOD = {"User-Agent": "fakegh-test/1", "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28"}


class Resp:
    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers
        self.data = data

    @property
    def json(self):
        return json.loads(self.data)

    def __repr__(self):
        return "<%d %r>" % (self.status, self.data[:300])


def call(fake, method, path, body=None, token=TOKEN, headers=None, drop=(), raw=None,
         timeout=10, context=None):
    if fake.https:
        conn = http.client.HTTPSConnection("127.0.0.1", fake.port, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=timeout)
    h = dict(GOOD)
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    for d in drop:
        h.pop(d, None)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def git_object_sha(kind, data):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["git", "init", "-q", d], check=True)
        out = subprocess.run(["git", "-C", d, "hash-object", "-t", kind, "--stdin"], input=data,
                             capture_output=True, check=True)
        return out.stdout.decode().strip()


@pytest.fixture
def fake(fake_github):
    fake_github.add_repo(REPO, {MANIFEST: "image: app:sandbox\n", "README.md": "gitops\n",
                                "app/qa/qa-deploy.yaml": "image: app:qa\n"})
    return fake_github


def get_file(fake, path=MANIFEST, ref=None):
    q = "?ref=" + ref if ref else ""
    r = call(fake, "GET", "/repos/%s/contents/%s%s" % (REPO, path, q))
    assert r.status == 200, r
    return r.json


# ---- strict checks on every request ---------------------------------------

@pytest.mark.parametrize("kw,status,message", [
    ({"drop": ["User-Agent"]}, 403, "User-Agent"),
    ({"token": None}, 401, "Requires authentication"),
    ({"token": "ghs_unknown"}, 401, "Bad credentials"),
    ({"token": None, "headers": {"Authorization": "token " + TOKEN}}, 401, "Bad credentials"),
    ({"drop": ["X-GitHub-Api-Version"]}, 400, "X-GitHub-Api-Version"),
    ({"headers": {"X-GitHub-Api-Version": "2026-03-10"}}, 400, "not supported"),
    ({"headers": {"Accept": "*/*"}}, 415, "Accept"),
    ({"drop": ["Accept"]}, 415, "Accept"),
])
def test_strict_header_checks(fake, kw, status, message):
    r = call(fake, "GET", "/repos/org/gitops", **kw)
    assert r.status == status, r
    assert message in r.json["message"]
    assert r.json["documentation_url"].startswith("https://docs.github.com/")
    assert r.headers["x-ratelimit-limit"] == "5000"
    assert "x-github-request-id" in r.headers


def test_the_token_sent_with_the_wrong_scheme_is_neither_accepted_nor_recorded(fake):
    call(fake, "GET", "/repos/org/gitops", token=None, headers={"Authorization": "token " + TOKEN})
    rec = fake.requests()[0]
    assert rec["headers"]["authorization"] == "<unknown credentials>" and rec["token"] is None
    assert TOKEN not in json.dumps(rec, default=repr)


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]", b'"string"'])
def test_bodies_must_be_json_objects(fake, raw):
    r = call(fake, "POST", "/repos/org/gitops/dispatches", raw=raw)
    assert r.status == 400 and r.json["message"] == "Problems parsing JSON", r


def test_unknown_routes_and_repos_are_404(fake):
    assert call(fake, "GET", "/repos/org/nope").status == 404
    assert call(fake, "GET", "/user").status == 404
    assert call(fake, "DELETE", "/repos/org/gitops").status == 404


def test_rate_limit_headers_count_down(fake):
    a = call(fake, "GET", "/repos/org/gitops").headers
    b = call(fake, "GET", "/repos/org/gitops").headers
    assert int(b["x-ratelimit-remaining"]) == int(a["x-ratelimit-remaining"]) - 1
    assert int(a["x-ratelimit-reset"]) > time.time()
    assert a["x-ratelimit-resource"] == "core"


# ---- permissions ---------------------------------------------------------------

def test_per_repo_permissions(fake):
    fake.add_repo("org/other")
    fake.add_token("github_pat_ro", name="ro", kind="fine-grained", repos={REPO: {"contents": "read"}})
    fake.add_token("ghs_app_ro", name="app", kind="app", repos={REPO: {"contents": "read"}})
    fake.add_token("ghp_classic", name="classic", kind="classic", repos={REPO: {"contents": "read"}})
    body = {"event_type": "x"}
    assert call(fake, "GET", "/repos/org/gitops", token="github_pat_ro").status == 200
    assert call(fake, "GET", "/repos/org/other", token="github_pat_ro").status == 404
    r = call(fake, "POST", "/repos/org/gitops/dispatches", body, token="github_pat_ro")
    assert r.status == 403 and r.json["message"] == "Resource not accessible by personal access token"
    assert r.headers["x-accepted-github-permissions"] == "contents=write"
    r = call(fake, "POST", "/repos/org/gitops/dispatches", body, token="ghs_app_ro")
    assert r.status == 403 and r.json["message"] == "Resource not accessible by integration"
    assert call(fake, "POST", "/repos/org/gitops/dispatches", body, token="ghp_classic").status == 404
    assert call(fake, "GET", "/repos/org/gitops/pulls", token="ghs_app_ro").status == 403
    assert fake.dispatches(REPO) == []
    assert call(fake, "GET", "/repos/org/gitops", token="ghs_app_ro").json["permissions"]["push"] is False


# ---- dispatches ---------------------------------------------------------------------

def dispatch(fake, body, **kw):
    return call(fake, "POST", "/repos/org/gitops/dispatches", body, **kw)


def test_dispatch_is_recorded(fake):
    payload = {"service": "app", "message": 'quote " backslash \\ 한국어 🚀'}
    r = dispatch(fake, {"event_type": "app", "client_payload": payload})
    assert r.status == 204 and r.data == b""
    (d,) = fake.dispatches(REPO)
    assert d["event_type"] == "app" and d["client_payload"] == payload and d["token"] == "default"
    ev = fake.dispatch_event(REPO)
    assert ev["action"] == "app" and ev["branch"] == "main" and ev["client_payload"] == payload
    assert ev["repository"]["full_name"] == REPO and "event_type" not in ev


@pytest.mark.parametrize("body,message", [
    ({"event_type": ""}, "too short"),
    ({"event_type": "e" * 101}, "too long"),
    ({"event_type": 5}, "not a string"),
    ({}, "event_type"),
    ({"event_type": "x", "client_payload": [1]}, "not an object"),
    ({"event_type": "x", "client_payload": "s"}, "not an object"),
    ({"event_type": "x", "client_payload": {"k%d" % i: i for i in range(11)}},
     "No more than 10 properties are allowed; 11 were supplied."),
    ({"event_type": "x", "client_payload": {"m": "a" * 65536}}, "too large"),
    ({"event-type": "x"}, '"event-type" is not a permitted key.'),
])
def test_dispatch_limits(fake, body, message):
    r = dispatch(fake, body)
    assert r.status == 422, r
    assert message in r.json["message"]
    assert fake.dispatches(REPO) == []


def test_dispatch_limits_are_inclusive(fake):
    assert dispatch(fake, {"event_type": "e" * 100}).status == 204
    assert dispatch(fake, {"event_type": "x",
                           "client_payload": {"k%d" % i: i for i in range(10)}}).status == 204
    body = {"event_type": "x", "client_payload": {"m": ""}}
    body["client_payload"]["m"] = "a" * (65535 - len(json.dumps(body)))
    assert len(json.dumps(body)) == 65535
    assert dispatch(fake, body).status == 204
    body["client_payload"]["m"] += "a"
    assert dispatch(fake, body).status == 422
    assert len(fake.dispatches(REPO)) == 3


# ---- commits and the repo ------------------------------------------------------------

def test_repo_and_commit_lookup(fake):
    r = call(fake, "GET", "/repos/org/gitops").json
    assert r["default_branch"] == "main" and r["full_name"] == REPO and r["private"] is True
    fake.add_repo("org/app")
    sha = "a1b2c3d4" * 5
    fake.add_commit("org/app", "fix: \"quotes\" & `ticks`\n\nbody", sha=sha)
    c = call(fake, "GET", "/repos/org/app/commits/" + sha)
    assert c.status == 200 and c.json["sha"] == sha
    assert c.json["commit"]["message"] == "fix: \"quotes\" & `ticks`\n\nbody"
    head = fake.head(REPO)
    assert call(fake, "GET", "/repos/org/gitops/commits/main").json["sha"] == head
    assert call(fake, "GET", "/repos/org/gitops/commits/" + head[:7]).json["sha"] == head
    r = call(fake, "GET", "/repos/org/gitops/commits/" + "f" * 40)
    assert r.status == 422 and "No commit found for SHA" in r.json["message"]


# ---- contents API -------------------------------------------------------------------

def test_contents_get_is_shaped_like_github(fake):
    d = get_file(fake)
    data = b"image: app:sandbox\n"
    assert d["type"] == "file" and d["encoding"] == "base64" and d["path"] == MANIFEST
    assert d["name"] == "sandbox-deploy.yaml" and d["size"] == len(data)
    assert d["content"].endswith("\n")
    assert base64.b64decode(d["content"]) == data
    assert d["sha"] == git_object_sha("blob", data)


def test_contents_base64_is_wrapped_at_60_columns(fake):
    data = bytes(range(256)) * 3
    fake.commit_files(REPO, "main", {"bin/blob": data})
    d = get_file(fake, "bin/blob")
    lines = d["content"].split("\n")
    assert lines[-1] == "" and all(len(l) == 60 for l in lines[:-2]) and 0 < len(lines[-2]) <= 60
    assert base64.b64decode(d["content"]) == data
    assert d["content"] == b64_wrapped(data)


def test_contents_refs_dirs_and_missing(fake):
    fake.add_branch(REPO, "sandbox", files={MANIFEST: "image: app:other\n"})
    assert base64.b64decode(get_file(fake, ref="sandbox")["content"]) == b"image: app:other\n"
    assert base64.b64decode(get_file(fake, ref="main")["content"]) == b"image: app:sandbox\n"
    listing = call(fake, "GET", "/repos/org/gitops/contents/app").json
    assert [(e["name"], e["type"]) for e in listing] == [("qa", "dir"), ("sandbox", "dir")]
    assert call(fake, "GET", "/repos/org/gitops/contents/nope.yaml").status == 404
    r = call(fake, "GET", "/repos/org/gitops/contents/%s?ref=nope" % MANIFEST)
    assert r.status == 404 and "No commit found for the ref nope" in r.json["message"]
    for bad in ("app/../README.md", "app//sandbox", "./README.md"):
        assert call(fake, "PUT", "/repos/org/gitops/contents/" + bad,
                    {"message": "m", "content": "eA=="}).status == 404


def test_contents_over_one_megabyte(fake):
    big = b"# big\n" + b"k: v\n" * 220000
    assert len(big) > 1024 * 1024
    fake.commit_files(REPO, "main", {"big.yaml": big})
    r = call(fake, "GET", "/repos/org/gitops/contents/big.yaml")
    assert r.status == 403 and r.json["errors"][0]["code"] == "too_large"
    raw = call(fake, "GET", "/repos/org/gitops/contents/big.yaml",
               headers={"Accept": "application/vnd.github.raw+json"})
    assert raw.status == 200 and raw.data == big
    assert raw.headers["etag"] == '"%s"' % hashlib.sha1(b"blob %d\0" % len(big) + big).hexdigest()
    obj = call(fake, "GET", "/repos/org/gitops/contents/big.yaml",
               headers={"Accept": "application/vnd.github.object"})
    assert obj.status == 200 and obj.json["content"] == "" and obj.json["encoding"] == "none"
    assert obj.json["size"] == len(big)


def put(fake, path, content, sha=None, **extra):
    body = {"message": extra.pop("message", "update %s" % path),
            "content": base64.b64encode(content).decode(), **extra}
    if sha is not None:
        body["sha"] = sha
    return call(fake, "PUT", "/repos/org/gitops/contents/" + path, body)


def test_contents_put_updates_and_creates(fake):
    old_head = fake.head(REPO)
    sha = get_file(fake)["sha"]
    r = put(fake, MANIFEST, b"image: app:v2\n", sha, branch="main")
    assert r.status == 200, r
    commit = r.json["commit"]
    assert commit["parents"][0]["sha"] == old_head and fake.head(REPO) == commit["sha"]
    assert r.json["content"]["sha"] == git_object_sha("blob", b"image: app:v2\n")
    assert fake.read(REPO, MANIFEST) == b"image: app:v2\n"
    assert fake.read(REPO, "README.md") == b"gitops\n"  # the rest of the tree is kept
    assert fake.changes(REPO, commit["sha"]) == {MANIFEST: (b"image: app:sandbox\n", b"image: app:v2\n")}
    r = put(fake, "new/file.yaml", b"a: 1\n")
    assert r.status == 201, r
    assert fake.read(REPO, "new/file.yaml") == b"a: 1\n"


def test_contents_put_conflicts(fake):
    sha = get_file(fake)["sha"]
    assert put(fake, MANIFEST, b"a\n").status == 422  # sha missing for an existing file
    assert '"sha" wasn\'t supplied.' in put(fake, MANIFEST, b"a\n").json["message"]
    assert put(fake, MANIFEST, b"b\n", sha).status == 200
    r = put(fake, MANIFEST, b"c\n", sha)  # stale now
    assert r.status == 409 and "does not match" in r.json["message"]
    assert fake.read(REPO, MANIFEST) == b"b\n"
    assert put(fake, "absent.yaml", b"x\n", "0" * 40).status == 409


def test_contents_put_validation(fake):
    sha = get_file(fake)["sha"]
    r = call(fake, "PUT", "/repos/org/gitops/contents/" + MANIFEST,
             {"message": "m", "content": "***", "sha": sha})
    assert r.status == 422 and "Base64" in r.json["message"]
    assert put(fake, MANIFEST, b"x", sha, committer={"name": "n"}).status == 422
    assert put(fake, MANIFEST, b"x", sha, author="me").status == 422
    assert put(fake, MANIFEST, b"x", sha, colour="blue").status == 422
    r = put(fake, MANIFEST, b"x", sha, branch="nope")
    assert r.status == 404 and "Branch nope not found" in r.json["message"]
    r = call(fake, "PUT", "/repos/org/gitops/contents/" + MANIFEST, {"content": "eA==", "sha": sha})
    assert r.status == 422 and "message" in r.json["message"]
    assert fake.read(REPO, MANIFEST) == b"image: app:sandbox\n"


def test_commit_identity_and_verification(fake):
    sha = get_file(fake)["sha"]
    r = put(fake, MANIFEST, b"v: 1\n", sha, message="Deploy app\n\nbody")
    c = fake.log(REPO)[0]
    assert c["verified"] and not c["custom_identity"] and c["message"] == "Deploy app\n\nbody"
    assert c["author"]["name"].endswith("[bot]")
    who = {"name": "Deploy Bot", "email": "deploy@example.com"}
    put(fake, MANIFEST, b"v: 2\n", r.json["content"]["sha"], author=who)
    c = fake.log(REPO)[0]
    assert not c["verified"] and c["author"]["name"] == "Deploy Bot"
    assert c["committer"]["email"] == "deploy@example.com"


def test_protected_branch_rejects_direct_commits(fake):
    fake.protect(REPO, "main")
    sha = get_file(fake)["sha"]
    r = put(fake, MANIFEST, b"x\n", sha)
    assert r.status == 409 and "Changes must be made through a pull request" in r.json["message"]
    head = fake.head(REPO)
    c = call(fake, "POST", "/repos/org/gitops/git/commits",
             {"message": "m", "tree": fake.log(REPO)[0]["tree"], "parents": [head]}).json
    r = call(fake, "PATCH", "/repos/org/gitops/git/refs/heads/main", {"sha": c["sha"], "force": False})
    assert r.status == 422 and "Changes must be made through a pull request" in r.json["message"]
    assert fake.head(REPO) == head


# ---- Git Data API ------------------------------------------------------------------------

def test_git_data_atomic_commit_of_several_files(fake):
    ref = call(fake, "GET", "/repos/org/gitops/git/ref/heads/main").json
    head = ref["object"]["sha"]
    assert ref["ref"] == "refs/heads/main" and ref["object"]["type"] == "commit"
    base_tree = call(fake, "GET", "/repos/org/gitops/git/commits/" + head).json["tree"]["sha"]
    blob = call(fake, "POST", "/repos/org/gitops/git/blobs",
                {"content": base64.b64encode(b"image: app:v3\n").decode(), "encoding": "base64"})
    assert blob.status == 201 and blob.json["sha"] == git_object_sha("blob", b"image: app:v3\n")
    tree = call(fake, "POST", "/repos/org/gitops/git/trees", {"base_tree": base_tree, "tree": [
        {"path": MANIFEST, "mode": "100644", "type": "blob", "sha": blob.json["sha"]},
        {"path": "app/qa/qa-deploy.yaml", "mode": "100644", "type": "blob", "content": "image: app:qa3\n"},
    ]})
    assert tree.status == 201, tree
    commit = call(fake, "POST", "/repos/org/gitops/git/commits",
                  {"message": "two files", "tree": tree.json["sha"], "parents": [head]})
    assert commit.status == 201 and commit.json["parents"][0]["sha"] == head
    assert fake.head(REPO) == head  # nothing moves before the ref update
    r = call(fake, "PATCH", "/repos/org/gitops/git/refs/heads/main",
             {"sha": commit.json["sha"], "force": False})
    assert r.status == 200 and r.json["object"]["sha"] == commit.json["sha"]
    files = fake.files(REPO)
    assert files == {MANIFEST: b"image: app:v3\n", "app/qa/qa-deploy.yaml": b"image: app:qa3\n",
                     "README.md": b"gitops\n"}
    assert set(fake.changes(REPO, commit.json["sha"])) == {MANIFEST, "app/qa/qa-deploy.yaml"}


def test_git_tree_without_base_tree_drops_other_files(fake):
    head = fake.head(REPO)
    tree = call(fake, "POST", "/repos/org/gitops/git/trees", {"tree": [
        {"path": MANIFEST, "mode": "100644", "type": "blob", "content": "only\n"}]}).json
    commit = call(fake, "POST", "/repos/org/gitops/git/commits",
                  {"message": "oops", "tree": tree["sha"], "parents": [head]}).json
    call(fake, "PATCH", "/repos/org/gitops/git/refs/heads/main", {"sha": commit["sha"]})
    assert fake.files(REPO) == {MANIFEST: b"only\n"}


def test_git_ref_update_must_fast_forward(fake):
    head = fake.head(REPO)
    tree = fake.log(REPO)[0]["tree"]
    mine = call(fake, "POST", "/repos/org/gitops/git/commits",
                {"message": "mine", "tree": tree, "parents": [head]}).json["sha"]
    theirs = fake.commit_files(REPO, "main", {"other.txt": "theirs\n"})
    r = call(fake, "PATCH", "/repos/org/gitops/git/refs/heads/main", {"sha": mine, "force": False})
    assert r.status == 422 and r.json["message"] == "Update is not a fast forward"
    assert fake.head(REPO) == theirs
    r = call(fake, "PATCH", "/repos/org/gitops/git/refs/heads/main", {"sha": mine, "force": True})
    assert r.status == 200 and fake.head(REPO) == mine


def test_git_validation(fake):
    head = fake.head(REPO)
    assert call(fake, "GET", "/repos/org/gitops/git/ref/heads/nope").status == 404
    assert call(fake, "GET", "/repos/org/gitops/git/commits/" + "0" * 40).status == 404
    assert call(fake, "POST", "/repos/org/gitops/git/commits",
                {"message": "m", "tree": "0" * 40, "parents": [head]}).status == 422
    assert call(fake, "POST", "/repos/org/gitops/git/commits",
                {"message": "m", "tree": fake.log(REPO)[0]["tree"], "parents": ["1" * 40]}).status == 422
    assert call(fake, "POST", "/repos/org/gitops/git/trees",
                {"tree": [{"path": "a", "mode": "100644", "type": "blob", "sha": "2" * 40}]}).status == 422
    assert call(fake, "POST", "/repos/org/gitops/git/trees",
                {"tree": [{"path": "../a", "mode": "100644", "type": "blob", "content": "x"}]}).status == 422
    assert call(fake, "POST", "/repos/org/gitops/git/blobs", {"content": "%%", "encoding": "base64"}).status == 422
    assert call(fake, "PATCH", "/repos/org/gitops/git/refs/heads/main", {"sha": "3" * 40}).status == 422
    assert call(fake, "PATCH", "/repos/org/gitops/git/refs/heads/gone", {"sha": head}).status == 422


def test_git_create_branch(fake):
    head = fake.head(REPO)
    r = call(fake, "POST", "/repos/org/gitops/git/refs", {"ref": "refs/heads/gitops-bump/app/qa/abc", "sha": head})
    assert r.status == 201 and fake.head(REPO, "gitops-bump/app/qa/abc") == head
    r = call(fake, "POST", "/repos/org/gitops/git/refs", {"ref": "refs/heads/gitops-bump/app/qa/abc", "sha": head})
    assert r.status == 422 and r.json["message"] == "Reference already exists"
    assert call(fake, "POST", "/repos/org/gitops/git/refs", {"ref": "main", "sha": head}).status == 422
    got = call(fake, "GET", "/repos/org/gitops/git/ref/heads/gitops-bump/app/qa/abc")
    assert got.status == 200 and got.json["object"]["sha"] == head


def test_objects_are_real_git_objects(fake, tmp_path):
    """Export every object into a real git repository: git agrees on every sha and
    reads the same history and files."""
    fake.add_branch(REPO, "sandbox", files={"app/x.yaml": "x: 1\n", "a-b/c.txt": "c\n", "a/b": "ab\n"})
    sha = get_file(fake, ref="sandbox")["sha"]
    put(fake, MANIFEST, b"image: app:v9\n", sha, branch="sandbox")
    r = fake.repo(REPO)
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path)], check=True)
    for obj_sha, (kind, value) in list(r.objects.items()):
        data = value if kind == "blob" else r.raw[obj_sha]
        out = subprocess.run(["git", "-C", str(tmp_path), "hash-object", "-w", "-t", kind, "--stdin"],
                             input=data, capture_output=True, check=True).stdout.decode().strip()
        assert out == obj_sha, (kind, value)
    head = fake.head(REPO, "sandbox")
    log = subprocess.run(["git", "-C", str(tmp_path), "log", "--format=%H %s", head],
                         capture_output=True, check=True, text=True).stdout.split("\n")
    assert log[0] == "%s update %s" % (head, MANIFEST)
    assert len([l for l in log if l]) == len(fake.log(REPO, "sandbox"))
    show = subprocess.run(["git", "-C", str(tmp_path), "show", "%s:%s" % (head, MANIFEST)],
                          capture_output=True, check=True).stdout
    assert show == b"image: app:v9\n"
    fsck = subprocess.run(["git", "-C", str(tmp_path), "fsck", "--strict", head],
                          capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr


# ---- pull requests -----------------------------------------------------------------------

def test_pull_requests(fake):
    fake.add_branch(REPO, "gitops-bump/app/qa/abc1234", files={MANIFEST: "image: app:pr\n"})
    pr = {"title": "Deploy app", "head": "gitops-bump/app/qa/abc1234", "base": "main", "body": "b"}
    r = call(fake, "POST", "/repos/org/gitops/pulls", pr)
    assert r.status == 201 and r.json["number"] == 1 and r.json["head"]["ref"] == pr["head"]
    assert r.json["html_url"] == "https://github.com/org/gitops/pull/1"
    dup = call(fake, "POST", "/repos/org/gitops/pulls", dict(pr, head="org:" + pr["head"]))
    assert dup.status == 422 and dup.json["message"] == "Validation Failed"
    assert dup.json["errors"][0]["message"].startswith("A pull request already exists for org:")
    found = call(fake, "GET", "/repos/org/gitops/pulls?head=org:%s&state=open" % pr["head"]).json
    assert [p["number"] for p in found] == [1]
    assert call(fake, "GET", "/repos/org/gitops/pulls?head=org:other").json == []
    assert call(fake, "GET", "/repos/org/gitops/pulls?state=bogus").status == 422
    assert call(fake, "POST", "/repos/org/gitops/pulls", dict(pr, base="nope")).status == 422
    fake.add_branch(REPO, "same")
    r = call(fake, "POST", "/repos/org/gitops/pulls", dict(pr, head="same"))
    assert r.status == 422 and "No commits between main and same" in r.json["errors"][0]["message"]
    assert len(fake.pulls(REPO)) == 1


# ---- faults ------------------------------------------------------------------------------------

def test_fault_status_matching_times_and_skip(fake):
    f = fake.fault("status", method="GET", path=r"/repos/org/gitops", status=502, times=2, skip=1)
    got = [call(fake, "GET", "/repos/org/gitops").status for _ in range(4)]
    assert got == [200, 502, 502, 200] and f.hits == 2
    fake.fault("status", method="POST", status=500)
    assert call(fake, "GET", "/repos/org/gitops").status == 200  # wrong method: no match
    assert [r["fault"] for r in fake.requests()] == [None, "status", "status", None, None]


def test_fault_probability_is_seeded():
    def pattern(seed):
        with FakeGitHub(seed=seed) as fk:
            fk.add_token(TOKEN)
            fk.add_repo(REPO)
            fk.fault("status", status=503, times=None, probability=0.3)
            return [call(fk, "GET", "/repos/org/gitops").status for _ in range(40)]
    a, b = pattern(7), pattern(7)
    assert a == b and 3 <= a.count(503) <= 25


def test_fault_rate_limits(fake):
    fake.fault("rate_limit", retry_after=7)
    r = call(fake, "GET", "/repos/org/gitops")
    assert r.status == 429 and r.headers["retry-after"] == "7"
    fake.fault("rate_limit_403", reset_in=30)
    r = call(fake, "GET", "/repos/org/gitops")
    assert r.status == 403 and r.headers["x-ratelimit-remaining"] == "0"
    assert 25 <= int(r.headers["x-ratelimit-reset"]) - time.time() <= 31
    fake.fault("secondary_limit")
    r = call(fake, "GET", "/repos/org/gitops")
    assert r.status == 403 and "secondary rate limit" in r.json["message"]
    assert "retry-after" not in r.headers and r.headers["x-ratelimit-remaining"] != "0"


def test_fault_delay(fake):
    fake.fault("delay", seconds=0.4)
    t = time.monotonic()
    assert call(fake, "GET", "/repos/org/gitops").status == 200
    assert time.monotonic() - t >= 0.4


def test_fault_drop_does_not_apply_the_request(fake):
    fake.fault("drop", method="POST")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        dispatch(fake, {"event_type": "x"})
    assert fake.dispatches(REPO) == []
    fake.fault("drop", method="POST", processed=True)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        dispatch(fake, {"event_type": "y"})
    assert [d["event_type"] for d in fake.dispatches(REPO)] == ["y"]


def test_fault_close_mid_and_truncate(fake):
    fake.fault("close_mid")
    with pytest.raises(http.client.IncompleteRead):
        call(fake, "GET", "/repos/org/gitops")
    fake.fault("truncate")
    r = call(fake, "GET", "/repos/org/gitops")
    assert r.status == 200 and int(r.headers["content-length"]) == len(r.data)
    with pytest.raises(ValueError):
        r.json


def test_fault_trickle(fake):
    fake.fault("trickle", chunk=50, interval=0.1)
    t = time.monotonic()
    r = call(fake, "GET", "/repos/org/gitops")
    assert r.status == 200 and r.json["full_name"] == REPO
    assert time.monotonic() - t >= 0.1 * (len(r.data) // 50)


def test_fault_hang(fake):
    fake.fault("hang")
    t = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError)):
        call(fake, "GET", "/repos/org/gitops", timeout=0.5)
    assert time.monotonic() - t < 2
    assert call(fake, "GET", "/repos/org/gitops").status == 200  # the next one is fine


def test_fault_garbage(fake):
    fake.fault("garbage", status=502)
    r = call(fake, "GET", "/repos/org/gitops")
    assert r.status == 502 and r.headers["content-type"] == "text/html" and b"<html>" in r.data


def test_fault_bad_base64_and_lying_sha(fake):
    real = get_file(fake)
    fake.fault("bad_base64", path=r"/repos/org/gitops/contents/.*")
    bad = get_file(fake)
    with pytest.raises(ValueError):
        base64.b64decode(bad["content"].replace("\n", ""), validate=True)
    fake.fault("lie_sha", path=r"/repos/org/gitops/contents/.*")
    lie = get_file(fake)
    assert lie["sha"] != real["sha"] and lie["content"] == real["content"]
    assert put(fake, MANIFEST, b"x\n", lie["sha"]).status == 409


def test_fault_interleave_forces_a_conflict(fake):
    sha = get_file(fake)["sha"]
    fake.fault("interleave", method="PUT", append="# someone else\n")
    r = put(fake, MANIFEST, b"image: app:mine\n", sha)
    assert r.status == 409, r
    log = fake.log(REPO)
    assert log[0]["message"] == "Interleaved commit by someone else"
    assert fake.read(REPO, MANIFEST) == b"image: app:sandbox\n# someone else\n"
    # the re-read sees their change; re-applying lands both
    d = get_file(fake)
    assert put(fake, MANIFEST, base64.b64decode(d["content"]) + b"mine: 1\n", d["sha"]).status == 200
    assert fake.read(REPO, MANIFEST) == b"image: app:sandbox\n# someone else\nmine: 1\n"


def test_fault_interleave_on_ref_update(fake):
    head = fake.head(REPO)
    mine = call(fake, "POST", "/repos/org/gitops/git/commits",
                {"message": "mine", "tree": fake.log(REPO)[0]["tree"], "parents": [head]}).json["sha"]
    fake.fault("interleave", method="PATCH", file="other.txt", content="x\n")
    r = call(fake, "PATCH", "/repos/org/gitops/git/refs/heads/main", {"sha": mine, "force": False})
    assert r.status == 422 and r.json["message"] == "Update is not a fast forward"
    assert fake.read(REPO, "other.txt") == b"x\n"


def test_fault_interleave_with_a_python_edit(fake):
    sha = get_file(fake)["sha"]
    fake.fault("interleave", method="PUT", edit=lambda old: old.replace(b"sandbox", b"theirs"))
    assert put(fake, MANIFEST, b"x\n", sha).status == 409
    assert fake.read(REPO, MANIFEST) == b"image: app:theirs\n"


def test_unknown_fault_kind_is_an_error(fake):
    with pytest.raises(ValueError):
        fake.fault("explode")


# ---- recording and secrets ---------------------------------------------------------------------

def test_requests_are_recorded_without_the_token(fake):
    dispatch(fake, {"event_type": "x", "client_payload": {"a": 1}})
    call(fake, "GET", "/repos/org/gitops/contents/%s?ref=main" % MANIFEST)
    post, get = fake.requests()
    assert post["method"] == "POST" and post["json"] == {"event_type": "x", "client_payload": {"a": 1}}
    assert post["headers"]["authorization"] == "Bearer <token:default>" and post["token"] == "default"
    assert get["query"] == {"ref": ["main"]} and get["raw_query"] == "ref=main"
    assert get["status"] == 200 and json.loads(get["response"])["path"] == MANIFEST
    assert TOKEN not in json.dumps(fake.requests(), default=repr)
    assert [r["method"] for r in fake.requests(method="GET")] == ["GET"]
    assert len(fake.requests(path="dispatches$")) == 1
    fake.clear_requests()
    assert fake.requests() == []


def test_a_token_in_a_body_is_caught_as_a_leak(fake):
    dispatch(fake, {"event_type": "x", "client_payload": {"oops": TOKEN}})
    assert {l["where"] for l in fake.leaks} == {"body"}
    with pytest.raises(AssertionError):
        fake.assert_no_leaks()
    fake.leaks.clear()


def test_internal_errors_are_500_and_fail_the_fixture(fake, monkeypatch):
    def boom(*a):
        raise RuntimeError("boom")
    monkeypatch.setattr(FakeGitHub, "ep_repo", boom)
    import fakegh
    monkeypatch.setattr(fakegh, "_ROUTES", [("GET", r"", "metadata:read", boom)] + fakegh._ROUTES[1:])
    r = call(fake, "GET", "/repos/org/gitops")
    assert r.status == 500 and "internal error" in r.json["message"]
    with pytest.raises(AssertionError):
        fake.assert_no_leaks()
    fake.internal_errors.clear()


# ---- concurrency: state changes are atomic ----------------------------------------------------------

def test_concurrent_writers_lose_nothing(fake):
    """20 writers append their own line with GET + PUT and retry on 409: every line
    lands once, and every commit is its parent plus exactly one line."""
    def writer(i):
        for _ in range(200):
            d = get_file(fake)
            new = base64.b64decode(d["content"]) + b"line %d\n" % i
            r = put(fake, MANIFEST, new, d["sha"], message="writer %d" % i)
            if r.status in (200, 201):
                return
            assert r.status == 409, r
        raise AssertionError("writer %d never landed" % i)
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
    errors = []
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    final = fake.read(REPO, MANIFEST).decode().splitlines()
    assert sorted(final[1:]) == sorted("line %d" % i for i in range(20)), errors
    log = fake.log(REPO)[:20]
    assert sorted(c["message"] for c in log) == sorted("writer %d" % i for i in range(20))
    for c in log:
        ((path, (old, new)),) = c["changes"].items()
        assert path == MANIFEST and new.startswith(old) and new[len(old):].count(b"\n") == 1


# ---- HTTPS --------------------------------------------------------------------------------------------

def test_https_with_a_self_signed_certificate(fake_github_https):
    fake = fake_github_https
    fake.add_repo(REPO)
    assert fake.url.startswith("https://127.0.0.1:")
    with pytest.raises(ssl.SSLCertVerificationError):
        call(fake, "GET", "/repos/org/gitops", context=ssl.create_default_context())
    ctx = ssl.create_default_context(cafile=fake.ca_file)
    assert call(fake, "GET", "/repos/org/gitops", context=ctx).status == 200
    assert len(fake.requests()) == 1  # the refused handshake never became a request


# ---- the CLI and its control API ---------------------------------------------------------------------------

def control(url, method, path, body=None):
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request(method, path, body=json.dumps(body) if body is not None else None)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def test_cli_seed_faults_and_state(tmp_path):
    seed = {"tokens": [{"token": TOKEN, "name": "ci", "repos": {REPO: {"contents": "write"}}}],
            "repos": [{"name": REPO, "files": {MANIFEST: "image: app:sandbox\n"},
                       "branches": {"sandbox": {}}, "protected": ["main"]},
                      {"name": "org/app", "commits": [{"sha": "ab" * 20, "message": "feat: x"}]}]}
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fakegh.py"), "--port", "0",
                             "--seed", str(tmp_path / "seed.json"), "--url-file",
                             str(tmp_path / "url")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and (tmp_path / "url").read_text().strip() == url
        assert json.loads(control(url, "GET", "/_fake/health")[1])["ok"] is True

        class Remote:  # enough of FakeGitHub for call()
            https = False
            port = int(url.rsplit(":", 1)[1])
        remote = Remote()
        # the seeded token reaches org/gitops only
        assert call(remote, "GET", "/repos/org/gitops").status == 200
        assert call(remote, "GET", "/repos/org/app/commits/" + "ab" * 20).status == 404
        st, data = control(url, "POST", "/_fake/faults",
                           {"kind": "status", "status": 503, "path": "/repos/org/gitops/dispatches"})
        assert st == 201 and json.loads(data)["kind"] == "status"
        assert call(remote, "POST", "/repos/org/gitops/dispatches", {"event_type": "a"}).status == 503
        assert call(remote, "POST", "/repos/org/gitops/dispatches",
                    {"event_type": "a", "client_payload": {"k": "v"}}).status == 204
        st, data = control(url, "GET", "/_fake/repos/org/gitops/dispatches")
        assert [d["event_type"] for d in json.loads(data)] == ["a"]
        st, data = control(url, "GET", "/_fake/repos/org/gitops/event")
        assert json.loads(data)["client_payload"] == {"k": "v"}
        st, data = control(url, "GET", "/_fake/repos/org/gitops/files/" + MANIFEST + "?ref=sandbox")
        assert st == 200 and data == b"image: app:sandbox\n"
        st, data = control(url, "GET", "/_fake/repos/org/gitops/log?branch=sandbox")
        assert json.loads(data)[0]["changes"] == {MANIFEST: [None, "image: app:sandbox\n"]}
        reqs = json.loads(control(url, "GET", "/_fake/requests")[1])
        assert len(reqs) == 4 and TOKEN not in json.dumps(reqs)
        assert json.loads(control(url, "GET", "/_fake/leaks")[1]) == []
        assert control(url, "POST", "/_fake/faults", {"kind": "nope"})[0] == 400
        assert control(url, "POST", "/_fake/seed", {"repos": [{"name": "org/late"}]})[0] == 200
        assert control(url, "GET", "/_fake/repos/org/late/log")[0] == 200
        assert control(url, "DELETE", "/_fake/requests")[0] == 200
        assert json.loads(control(url, "GET", "/_fake/requests")[1]) == []
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def test_cli_needs_a_token():
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "fakegh.py")], capture_output=True,
                          text=True, timeout=20)
    assert proc.returncode == 2 and "no token" in proc.stderr


def test_cli_https_writes_its_certificate(tmp_path):
    cert = tmp_path / "ca.pem"
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fakegh.py"), "--https",
                             "--token", TOKEN, "--cert-out", str(cert)], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:")
        assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


# ---- issue 9: the answers GitHub documents for archived repos and links ----

def test_fault_garbage_processed(fake):
    """A 2xx write whose body a proxy replaced: the write took effect."""
    sha = get_file(fake)["sha"]
    fake.fault("garbage", processed=True, method="PUT")
    r = put(fake, MANIFEST, b"image: app:v2\n", sha)
    assert r.status == 200 and r.headers["content-type"] == "text/html"
    assert b"<html>" in r.data
    assert fake.read(REPO, MANIFEST) == b"image: app:v2\n"


def test_archived_repo_is_read_only(fake):
    sha = get_file(fake)["sha"]
    fake.archive(REPO)
    assert call(fake, "GET", "/repos/org/gitops").json["archived"] is True
    r = put(fake, MANIFEST, b"x\n", sha)
    assert r.status == 403 and r.json["message"] == "Repository was archived so is read-only."
    assert get_file(fake)["sha"] == sha  # reads still work
    assert fake.read(REPO, MANIFEST) == b"image: app:sandbox\n"


def test_symlink_to_a_file_answers_with_the_target(fake):
    fake.add_symlink(REPO, "main", "app/prod/link.yaml", "../qa/qa-deploy.yaml")
    got = get_file(fake, "app/prod/link.yaml")
    assert got["type"] == "file" and got["path"] == "app/qa/qa-deploy.yaml"
    assert got["sha"] == get_file(fake, "app/qa/qa-deploy.yaml")["sha"]
    # a PUT on the link with the target's sha conflicts, every time
    assert put(fake, "app/prod/link.yaml", b"x\n", got["sha"]).status == 409


def test_symlink_elsewhere_is_a_symlink_object(fake):
    fake.add_symlink(REPO, "main", "app/prod/link.yaml", "/etc/passwd")
    got = get_file(fake, "app/prod/link.yaml")
    assert got["type"] == "symlink" and got["target"] == "/etc/passwd"
    assert got["path"] == "app/prod/link.yaml" and "content" not in got
