#!/usr/bin/env python3
"""fakegh: a strict, stateful fake of the GitHub REST API endpoints gitops-bump uses.

Python stdlib only (and Debian's python3-cryptography, for the GitHub App
JWT's RS256 signature, imported when an App is added).  One ThreadingHTTPServer on 127.0.0.1 (a free port chosen
at start), optionally HTTPS with a self-signed certificate made by the
`openssl` CLI.  All state lives behind one lock, so every change is atomic.

Three ways to use it
--------------------
* pytest:   ``from fakegh import fake_github`` then take ``fake_github`` as an
            argument: a started fake that knows conftest.TOKEN (full access)
            and checks at teardown that no token leaked into any request or
            response body.  ``fake_github_https`` is the same over TLS
            (``fake.ca_file`` is its certificate).
* Python:   ``with FakeGitHub() as fake: ...`` (or ``start()``/``stop()``);
            seed with ``add_token``/``add_repo``/``add_branch``/``protect``/
            ``commit_files``/``add_commit``/``seed``; inject faults with
            ``fault(...)``; read state with ``requests``/``log``/``read``/
            ``changes``/``dispatches``/``pulls``/``dispatch_event``.
* CLI:      ``python3 tests/fakegh.py --port 0 --token T --seed FILE`` prints
            its URL on the first line of stdout and serves until SIGTERM;
            the control API below drives it.

Strict checks on every API request (in this order, answers shaped like GitHub's)
    User-Agent missing                      403
    Authorization not "Bearer <known token>" 401 "Bad credentials"
    X-GitHub-Api-Version not 2022-11-28     400
    Accept not a GitHub media type          415
    body of POST/PUT/PATCH not a JSON object 400 "Problems parsing JSON"
    token cannot see the repo               404 "Not Found"
    token cannot do the operation           403 "Resource not accessible by ..."
Every answer carries x-ratelimit-{limit,remaining,used,reset,resource} and
x-github-request-id; errors are {"message", "documentation_url", "status"}.

Endpoints
    GET   /repos/{o}/{r}
    POST  /repos/{o}/{r}/dispatches          event_type 1..100 chars, client_payload an
                                             object of <= 10 keys, body < 64 KB; 204
    GET   /repos/{o}/{r}/commits/{ref}       sha, short sha or branch; 422 when unknown
    GET   /repos/{o}/{r}/contents/{path}?ref=   base64 wrapped at 60 columns, real blob
                                             sha; > 1 MB only with the raw/object types
    PUT   /repos/{o}/{r}/contents/{path}     409 stale sha, 422 missing sha, 409 on a
                                             protected branch ("Changes must be made
                                             through a pull request.")
    GET   /repos/{o}/{r}/git/ref/heads/{b}   (also git/refs/heads/{b})
    PATCH /repos/{o}/{r}/git/refs/heads/{b}  {sha, force}; 422 not a fast forward,
                                             422 protected branch
    POST  /repos/{o}/{r}/git/refs            {ref, sha}; 422 when it exists
    GET   /repos/{o}/{r}/git/commits/{sha}   POST /repos/{o}/{r}/git/commits
    GET   /repos/{o}/{r}/git/blobs/{sha}     POST /repos/{o}/{r}/git/blobs
    GET   /repos/{o}/{r}/git/trees/{sha}     POST /repos/{o}/{r}/git/trees (base_tree;
                                             without it every other file is gone)
    POST  /repos/{o}/{r}/pulls               422 "A pull request already exists ..."
    GET   /repos/{o}/{r}/pulls?head=o:b&base=&state=
    GET   /repos/{o}/{r}/commits?sha=&path=&per_page=   newest first, only commits
                                             that changed `path`; 404 unknown sha
    GET   /repos/{o}/{r}/compare/{base}...{head}   status ahead/behind/diverged/
                                             identical, ahead_by, behind_by; 404
    POST  /repos/{o}/{r}/deployments         ref must resolve (422 "No ref found for"); 201
    GET   /repos/{o}/{r}/deployments/{id}    404 for another repo's deployment
    POST  /repos/{o}/{r}/deployments/{id}/statuses  state one of GitHub's seven, description
                                             at most 140 characters (422); 404 for another
                                             repo's deployment; 201
    GET   /repos/{o}/{r}/deployments/{id}/statuses  newest first, per_page/page; ETag, and
                                             304 for a matching If-None-Match (a 304 does
                                             not count against the rate limit)
Objects are real git objects (blob/tree/commit sha-1 as git computes them).

Repository states (``archive``, ``add_symlink``; see their docstrings)
    archived        every write answers 403 "Repository was archived so is read-only."
    symlinks        mode 120000 blobs; the Contents API answers a link to a file in
                    the repo with the *target* (its path and sha), else type "symlink"

GitHub Apps, workflow dispatch and GraphQL (issue 13; see "apps" below)
    GET    /repos/{o}/{r}/installation      App JWT (RS256, iat/exp/iss checked); 404
                                             when the App is not installed there
    POST   /app/installations/{id}/access_tokens   App JWT; {repositories, permissions}
                                             within the installation's, else 422; 201
                                             {token, expires_at, permissions, ...}
    DELETE /installation/token               the token itself; 204; then it is dead (401)
    POST   /repos/{o}/{r}/actions/workflows/{w}/dispatches   Actions write; {ref,
                                             inputs (strings, <= 25, <= 65535 chars),
                                             return_run_details}; 200 with the run, or 204
    POST   /graphql (GHES: /api/graphql)     createCommitOnBranch only, with GitHub's
                                             error shapes (STALE_DATA, FORBIDDEN, ...)
``FakeGitHub(api_prefix="/api/v3")`` serves the REST API under that prefix, as
GitHub Enterprise Server does, and GraphQL at /api/graphql.

Faults (``fake.fault(kind, method=None, path=".*", times=1, skip=0,
probability=None, **params)``; `path` is a regex matched against the whole
request path as sent (percent-encoded, no query); `times=None` means forever;
`skip=N` lets the first N matching requests through; `probability` fires at
random (seeded: FakeGitHub(seed=...)); the first matching fault fires)
    status          status=500, message=..., headers={}     any status
    rate_limit      retry_after=1                           429 + Retry-After
    rate_limit_403  reset_in=1                              403, remaining 0, reset
    secondary_limit retry_after=None                        403 "secondary rate limit"
    delay           seconds=1                               then answer normally
    drop            processed=False                         close without answering
                                                            (processed: after applying it)
    close_mid                                               half the body, then close
    trickle         chunk=1, interval=0.2                   body a few bytes at a time
    hang            seconds=None                            never answer (until stop)
    truncate                                                body cut, Content-Length fits
    garbage         status=200, processed=False             a non-JSON (HTML) body
                                                            (processed: the request takes
                                                            effect and keeps its status,
                                                            as behind a proxy that mangles
                                                            a 2xx answer)
    bad_base64                                              contents `content` broken
    lie_sha                                                 contents `sha` is wrong
    interleave      file=PATH, content=|append=|edit=fn, message=, branch=
                                                            someone else commits to the
                                                            branch just before this
                                                            request is handled
    redirect        status=307, location=URL-or-path        a redirect instead
Each fault object counts its `hits`.

Control API (no auth; JSON; for the CLI, `make demo` and benchmarks)
    GET    /_fake/health                     {"ok": true}
    POST   /_fake/seed                       the seed format below
    POST   /_fake/faults                     {"kind": ..., "method": ..., "path": ..., ...}
    DELETE /_fake/faults
    GET    /_fake/requests                   every recorded request (bodies as text)
    DELETE /_fake/requests
    GET    /_fake/leaks                      token leaks seen (should be [])
    GET    /_fake/repos/{o}/{r}/log?branch=  commits, newest first, with their changes
    GET    /_fake/repos/{o}/{r}/files/{path}?ref=   raw file content
    GET    /_fake/repos/{o}/{r}/dispatches   the dispatches received
    GET    /_fake/repos/{o}/{r}/event?index=-1      one as the runner's event.json
    GET    /_fake/repos/{o}/{r}/pulls
    GET    /_fake/repos/{o}/{r}/deployments  deployments with their statuses
    POST   /_fake/repos/{o}/{r}/deployments/{id}/statuses   {state, description, ...}: a
                                             status as another tool would post it
    GET    /_fake/repos/{o}/{r}/workflow-runs        the workflow dispatches received
    GET    /_fake/repos/{o}/{r}/workflow-event?index=-1   one as the receiving run's event.json
    GET    /_fake/minted                     the App tokens minted (without their values)

Seed format (JSON; ``fake.seed(obj)``, ``--seed FILE``, POST /_fake/seed)
    {"tokens": [{"token": "ghs_...", "name": "ci", "kind": "app",
                 "repos": {"org/gitops": {"contents": "write", "pull_requests": "write"}}}],
     "repos": [{"name": "org/gitops", "default_branch": "main", "private": true,
                "files": {"path/in/repo.yaml": "text" | {"base64": "..."}},
                "branches": {"sandbox": {"files": {...}}},      # or {} to copy main
                "protected": ["main"],
                "commits": [{"sha": "<40 hex>", "message": "..."}],
                "workflows": ["deploy.yml"]}],             # declaring the input `payload`
     "apps": [{"id": "12345", "public_key": "-----BEGIN PUBLIC KEY-----...",
               "installs": {"org/gitops": {"contents": "write"}}}]}
A token without "repos" reaches every repo with every permission.

Recorded requests are dicts: id, time, method, path, query (dict of lists),
raw_query, headers (lower-case names; authorization replaced by
"Bearer <token:NAME>"), token (its name or None), body (bytes), json (or
None), status, response (bytes), fault (kind or None).
"""

import argparse
import base64
import calendar
import copy
import hashlib
import json
import posixpath
import random
import re
import shutil
import sys
import threading
import time
import urllib.parse

import fakehttp

try:
    import pytest
except ImportError:  # the CLI runs without pytest
    pytest = None

API_VERSION = "2022-11-28"
DOCS = "https://docs.github.com/rest"
ONE_MB = 1024 * 1024
BODY_MAX = 110 * ONE_MB
DISPATCH_MAX = 64 * 1024
ACCEPT_JSON = {"application/vnd.github+json", "application/vnd.github.v3+json",
               "application/json"}
ACCEPT_RAW = {"application/vnd.github.raw", "application/vnd.github.raw+json",
              "application/vnd.github.v3.raw"}
ACCEPT_OBJECT = {"application/vnd.github.object", "application/vnd.github.object+json"}
LEVELS = {None: 0, "none": 0, "read": 1, "write": 2}
FAULT_KINDS = {"status", "rate_limit", "rate_limit_403", "secondary_limit", "delay", "drop",
               "close_mid", "trickle", "hang", "truncate", "garbage", "bad_base64",
               "lie_sha", "interleave", "redirect"}
ZERO_SHA = "0" * 40


class ApiError(Exception):
    """An answer other than success: raised by the handlers, rendered by the server."""

    def __init__(self, status, message, errors=None, headers=None, docs=DOCS):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.docs = docs


def invalid(message):
    return ApiError(422, "Invalid request.\n\n" + message)


def not_found():
    return ApiError(404, "Not Found")


def git_hash(kind, data):
    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(data)) + data).hexdigest()


def to_bytes(content):
    if isinstance(content, bytes):
        return content
    if isinstance(content, dict) and "base64" in content:
        return base64.b64decode(content["base64"])
    return str(content).encode("utf-8")


def b64_wrapped(data):
    """Base64 as the contents API sends it: lines of 60 characters, each ending in \\n."""
    flat = base64.b64encode(data).decode()
    return "".join(flat[i:i + 60] + "\n" for i in range(0, len(flat), 60))


def now_iso(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if t is None else t))


class Token:
    def __init__(self, value, name, kind="app", repos=None, login=None):
        self.value = value
        self.name = name
        self.kind = kind  # "app" (GitHub App / GITHUB_TOKEN), "fine-grained", "classic"
        # None: every repo, every permission; else {repo_lower: {perm: level}}
        self.repos = None if repos is None else {k.lower(): dict(v) for k, v in repos.items()}
        self.login = login or ("gitops-bump-fake[bot]" if kind == "app" else "fake-user")
        self.remaining = 5000
        self.reset = int(time.time()) + 3600
        self.revoked = False

    def level(self, repo, perm):
        if self.repos is None:
            return 2
        perms = self.repos.get(repo.lower())
        if perms is None:
            return -1  # cannot see it
        if perm == "metadata":
            return max(1, LEVELS[perms.get("metadata")])
        return LEVELS[perms.get(perm)]

    def identity(self):
        if self.kind == "app":
            return {"name": self.login, "email": "41898282+%s@users.noreply.github.com" % self.login}
        return {"name": self.login, "email": "%s@users.noreply.github.com" % self.login}


class Repo:
    """One repository: git objects, refs, dispatches, pull requests."""

    def __init__(self, full_name, default_branch="main", private=True, repo_id=1):
        self.full_name = full_name
        self.owner, self.name = full_name.split("/", 1)
        self.default_branch = default_branch
        self.private = private
        self.id = repo_id
        self.objects = {}   # sha -> ("blob", bytes) | ("tree", {name: (mode, sha)}) | ("commit", dict)
        self.raw = {}       # sha -> the object's bytes as git stores them (trees, commits)
        self.heads = {}     # branch -> commit sha
        self.protected = set()
        self.archived = False
        self.dispatches = []
        self.pulls = []
        self.deployments = {}  # id -> deployment dict, with "statuses" (oldest first)

    # -- git objects ------------------------------------------------------
    def put_blob(self, data):
        sha = git_hash("blob", data)
        self.objects[sha] = ("blob", data)
        return sha

    def put_tree(self, entries):
        def key(name):
            return name + "/" if entries[name][0] == "40000" else name
        raw = b"".join(b"%s %s\0" % (entries[n][0].encode(), n.encode()) + bytes.fromhex(entries[n][1])
                       for n in sorted(entries, key=key))
        sha = git_hash("tree", raw)
        self.objects[sha] = ("tree", dict(entries))
        self.raw[sha] = raw
        return sha

    def put_commit(self, tree, parents, message, author, committer, custom):
        def ident(who):
            try:
                t = calendar.timegm(time.strptime(who["date"][:19], "%Y-%m-%dT%H:%M:%S"))
            except ValueError:
                t = int(time.time())
            return "%s <%s> %d +0000" % (who["name"], who["email"], t)
        text = "tree %s\n" % tree
        text += "".join("parent %s\n" % p for p in parents)
        text += "author %s\ncommitter %s\n\n%s" % (ident(author), ident(committer), message)
        sha = git_hash("commit", text.encode())
        self.raw[sha] = text.encode()
        self.objects[sha] = ("commit", {
            "sha": sha, "tree": tree, "parents": list(parents), "message": message,
            "author": dict(author), "committer": dict(committer),
            "verified": not custom, "custom_identity": custom})
        return sha

    def kind(self, sha):
        obj = self.objects.get(sha)
        return obj[0] if obj else None

    def commit(self, sha):
        obj = self.objects.get(sha)
        return obj[1] if obj and obj[0] == "commit" else None

    def flatten(self, tree_sha, prefix=""):
        """{path: (mode, blob sha)} for every file under a tree."""
        out = {}
        for name, (mode, sha) in self.objects[tree_sha][1].items():
            if mode == "40000":
                out.update(self.flatten(sha, prefix + name + "/"))
            else:
                out[prefix + name] = (mode, sha)
        return out

    def build(self, flat):
        """The root tree sha for {path: (mode, sha)}."""
        root = {}
        for path, entry in flat.items():
            node = root
            parts = path.split("/")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = entry

        def write(node):
            entries = {}
            for name, v in node.items():
                entries[name] = ("40000", write(v)) if isinstance(v, dict) else v
            return self.put_tree(entries)
        return write(root)

    def files_at(self, commit_sha):
        c = self.commit(commit_sha)
        return {p: self.objects[s][1] for p, (m, s) in self.flatten(c["tree"]).items()}

    def is_ancestor(self, old, new):
        seen, todo = set(), [new]
        while todo:
            sha = todo.pop()
            if sha == old:
                return True
            if sha in seen:
                continue
            seen.add(sha)
            c = self.commit(sha)
            if c:
                todo.extend(c["parents"])
        return False

    def resolve(self, ref):
        """A commit sha for a branch, a full or short (>= 7) sha; None otherwise."""
        if ref is None:
            ref = self.default_branch
        for prefix in ("refs/heads/", "heads/"):
            if ref.startswith(prefix) and ref[len(prefix):] in self.heads:
                return self.heads[ref[len(prefix):]]
        if ref in self.heads:
            return self.heads[ref]
        if re.fullmatch(r"[0-9a-f]{40}", ref):
            return ref if self.kind(ref) == "commit" else None
        if re.fullmatch(r"[0-9a-f]{7,39}", ref):
            hits = [s for s, o in self.objects.items() if o[0] == "commit" and s.startswith(ref)]
            return hits[0] if len(hits) == 1 else None
        return None


class Fault:
    def __init__(self, kind, method=None, path=".*", times=1, skip=0, probability=None, **params):
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r" % kind)
        self.kind = kind
        self.method = method.upper() if method else None
        self.path = re.compile(path)
        self.times = times
        self.skip = skip
        self.probability = probability
        self.params = params
        self.hits = 0
        self.seen = 0

    def matches(self, method, path, rng):
        if self.method and self.method != method:
            return False
        if not self.path.fullmatch(path):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.probability is not None and rng.random() >= self.probability:
            return False
        self.hits += 1
        return True

    def describe(self):
        return {"kind": self.kind, "method": self.method, "path": self.path.pattern,
                "times": self.times, "skip": self.skip, "probability": self.probability,
                "hits": self.hits, **{k: v for k, v in self.params.items() if not callable(v)}}


class FakeGitHub(fakehttp.FakeServer):
    """See the module docstring."""

    cert_name = "fakegh"

    def __init__(self, host="127.0.0.1", port=0, https=False, seed=0, verbose=False,
                 api_prefix=""):
        super().__init__(host, port, https)
        self.api_prefix = api_prefix.rstrip("/")
        self.verbose = verbose
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.tokens = {}
        self.repos = {}
        self.faults = []
        self._requests = []
        self.leaks = []
        self.internal_errors = []
        self._next_repo_id = 1
        # the Contents API's limit for any media type (100 MB); tests may
        # lower it to model a file over it without making one
        self.raw_max = 100 * ONE_MB
        self._next_pr = {}
        self.pull_updates = []   # (repo, number, body) of each "Update a pull request"
        self._next_deployment = 1000
        self._apps_init()

    # -- seeding ----------------------------------------------------------
    def add_token(self, token, name=None, repos=None, kind="app", login=None):
        """Accept `token`.  repos=None: everything; else {"o/r": {"contents": "write",
        "pull_requests": "read", ...}} (a repo not listed is invisible: 404)."""
        with self.lock:
            name = name or "token%d" % (len(self.tokens) + 1)
            self.tokens[token] = Token(token, name, kind, repos, login)
            return name

    def add_repo(self, full_name, files=None, default_branch="main", private=True,
                 message="Initial commit"):
        """A repo whose default branch has one commit holding `files` ({path: str|bytes})."""
        with self.lock:
            repo = Repo(full_name, default_branch, private, self._next_repo_id)
            self._next_repo_id += 1
            self.repos[full_name.lower()] = repo
            flat = {p: ("100644", repo.put_blob(to_bytes(c))) for p, c in (files or {}).items()}
            who = {"name": "Seed", "email": "seed@example.com", "date": now_iso()}
            repo.heads[default_branch] = repo.put_commit(repo.build(flat), [], message, who, who, True)
            return repo

    def repo(self, full_name):
        with self.lock:
            r = self.repos.get(full_name.lower())
            if r is None:
                raise KeyError("no repo %r in the fake" % full_name)
            return r

    def add_branch(self, repo, branch, source=None, files=None):
        """Create `branch` at `source` (a branch or sha; default branch by default),
        then commit `files` on it when given."""
        with self.lock:
            r = self.repo(repo)
            r.heads[branch] = r.resolve(source or r.default_branch)
            if files:
                self.commit_files(repo, branch, files, message="Seed %s" % branch)
            return r.heads[branch]

    def protect(self, repo, branch, protected=True):
        with self.lock:
            (self.repo(repo).protected.add if protected else self.repo(repo).protected.discard)(branch)

    def archive(self, repo, archived=True):
        """Archive `repo`: read-only for every token.  GitHub answers every write
        with 403 "Repository was archived so is read-only." (docs.github.com:
        "Archiving repositories"; the REST API's troubleshooting page)."""
        with self.lock:
            self.repo(repo).archived = archived

    def add_symlink(self, repo, branch, path, target, message="Add a link"):
        """Commit a symbolic link `path` -> `target` (git mode 120000, the blob
        holds the target text) to `branch`."""
        with self.lock:
            r = self.repo(repo)
            flat = r.flatten(r.commit(r.heads[branch])["tree"])
            flat[path] = ("120000", r.put_blob(target.encode()))
            who = {"name": "someone", "email": "someone@example.com", "date": now_iso()}
            r.heads[branch] = r.put_commit(r.build(flat), [r.heads[branch]], message, who, who,
                                           True)
            return r.heads[branch]

    def commit_files(self, repo, branch, files, message="Commit by someone else", author=None):
        """Commit directly to `branch` (someone else's change): {path: content or None
        to delete}.  Returns the new commit sha."""
        with self.lock:
            r = self.repo(repo)
            head = r.heads[branch]
            flat = r.flatten(r.commit(head)["tree"])
            for path, content in files.items():
                if content is None:
                    flat.pop(path, None)
                else:
                    flat[path] = ("100644", r.put_blob(to_bytes(content)))
            who = dict(author or {"name": "Someone Else", "email": "else@example.com"})
            who.setdefault("date", now_iso())
            r.heads[branch] = r.put_commit(r.build(flat), [head], message, who, who, True)
            return r.heads[branch]

    def add_commit(self, repo, message, sha=None, author=None):
        """A commit object on no branch (e.g. the app repo's pushed commit for GET
        commits/{sha}).  With `sha`, it is also reachable under that (fake) sha."""
        with self.lock:
            r = self.repo(repo)
            head = r.heads[r.default_branch]
            who = dict(author or {"name": "Dev", "email": "dev@example.com"})
            who.setdefault("date", now_iso())
            real = r.put_commit(r.commit(head)["tree"], [head], message, who, who, True)
            if sha:
                c = dict(r.objects[real][1], sha=sha)
                r.objects[sha] = ("commit", c)
                return sha
            return real

    def seed(self, spec):
        """Apply the seed format of the module docstring."""
        with self.lock:
            for t in spec.get("tokens", []):
                if isinstance(t, str):
                    t = {"token": t}
                self.add_token(t["token"], t.get("name"), t.get("repos"), t.get("kind", "app"),
                               t.get("login"))
            repos = spec.get("repos", [])
            if isinstance(repos, dict):
                repos = [dict(v, name=k) for k, v in repos.items()]
            for rs in repos:
                self.add_repo(rs["name"], rs.get("files"), rs.get("default_branch", "main"),
                              rs.get("private", True))
                for b, bs in (rs.get("branches") or {}).items():
                    self.add_branch(rs["name"], b, bs.get("from"), bs.get("files"))
                for b in rs.get("protected", []):
                    self.protect(rs["name"], b)
                for c in rs.get("commits", []):
                    self.add_commit(rs["name"], c["message"], c.get("sha"))
                for w in rs.get("workflows", []):
                    self.add_workflow(rs["name"], w)
            for a in spec.get("apps", []):
                self.add_app(a["id"], a["public_key"], a["installs"])

    # -- faults -----------------------------------------------------------
    def fault(self, kind, method=None, path=".*", times=1, skip=0, probability=None, **params):
        """Queue a fault (see the module docstring); returns it (its .hits counts)."""
        f = Fault(kind, method, path, times, skip, probability, **params)
        with self.lock:
            self.faults.append(f)
        return f

    def clear_faults(self):
        with self.lock:
            self.faults.clear()

    # -- reading state ----------------------------------------------------
    def requests(self, method=None, path=None):
        """Recorded requests (copies), optionally filtered by method and a path regex
        (re.search)."""
        with self.lock:
            out = [r for r in self._requests
                   if (method is None or r["method"] == method.upper())
                   and (path is None or re.search(path, r["path"]))]
            return copy.deepcopy(out)

    def clear_requests(self):
        with self.lock:
            self._requests.clear()

    def head(self, repo, branch=None):
        with self.lock:
            r = self.repo(repo)
            return r.heads.get(branch or r.default_branch)

    def read(self, repo, path, ref=None):
        """A file's bytes at a branch or sha, or None."""
        with self.lock:
            r = self.repo(repo)
            sha = r.resolve(ref)
            return r.files_at(sha).get(path) if sha else None

    def files(self, repo, ref=None):
        with self.lock:
            r = self.repo(repo)
            return r.files_at(r.resolve(ref))

    def changes(self, repo, sha):
        """{path: (old bytes or None, new bytes or None)} of a commit against its
        first parent."""
        with self.lock:
            r = self.repo(repo)
            c = r.commit(sha)
            new = r.files_at(sha)
            old = r.files_at(c["parents"][0]) if c["parents"] else {}
            return {p: (old.get(p), new.get(p)) for p in sorted(set(old) | set(new))
                    if old.get(p) != new.get(p)}

    def log(self, repo, branch=None):
        """The first-parent history of a branch, newest first: dicts with sha, message,
        parents, tree, author, committer, verified, custom_identity, changes."""
        with self.lock:
            r = self.repo(repo)
            out, sha = [], r.heads[branch or r.default_branch]
            while sha:
                c = copy.deepcopy(r.commit(sha))
                c["changes"] = self.changes(repo, sha)
                out.append(c)
                sha = c["parents"][0] if c["parents"] else None
            return out

    def dispatches(self, repo):
        with self.lock:
            return copy.deepcopy(self.repo(repo).dispatches)

    def pulls(self, repo):
        with self.lock:
            return copy.deepcopy(self.repo(repo).pulls)

    def dispatch_event(self, repo, index=-1):
        """A received dispatch as the receiving runner's event.json would hold it."""
        with self.lock:
            r = self.repo(repo)
            d = r.dispatches[index]
            return {"action": d["event_type"], "branch": r.default_branch,
                    "client_payload": copy.deepcopy(d["client_payload"]),
                    "repository": self._repo_json(r, None),
                    "sender": {"login": d["sender"], "type": "Bot"},
                    "installation": {"id": 1}}

    def assert_no_leaks(self):
        with self.lock:
            assert not self.leaks, "token leaked: %r" % self.leaks[:5]
            assert not self.internal_errors, "fakegh bug:\n" + self.internal_errors[0]

    # -- request handling (called by _Handler) ----------------------------
    def _record(self, h, body):
        split = urllib.parse.urlsplit(h.path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        t = self._token_of(h)
        tok = t.name if t else None
        jwt_claims = None if t else self._jwt_of(h)
        if "authorization" in headers:
            headers["authorization"] = ("Bearer <token:%s>" % tok) if t else \
                ("Bearer <jwt:%s>" % jwt_claims.get("iss")) if jwt_claims else "<unknown credentials>"
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        rec = {"id": len(self._requests) + 1, "time": time.time(), "method": h.command,
               "path": split.path, "query": urllib.parse.parse_qs(split.query, keep_blank_values=True),
               "raw_query": split.query, "headers": headers, "token": tok, "body": body,
               "peer": "%s:%d" % h.client_address[:2],
               "json": parsed, "status": None, "response": b"", "fault": None,
               "jwt": jwt_claims}
        self._requests.append(rec)
        scan = [("path", h.path.encode()), ("body", body)]
        scan += [("header " + k, v.encode("utf-8", "replace")) for k, v in h.headers.items()
                 if k.lower() != "authorization"]
        self._scan(rec, scan)
        return rec

    def _token_of(self, h):
        scheme, _, value = h.headers.get("Authorization", "").partition(" ")
        t = self.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        return None if t is None or t.revoked else t

    def _scan(self, rec, parts):
        for where, data in parts:
            for v in self.tokens:
                if v.encode() in data:
                    self.leaks.append({"request": rec["id"], "where": where})

    def _pick_fault(self, method, path):
        for f in self.faults:
            if f.matches(method, path, self.rng):
                return f
        return None

    def _ratelimit_headers(self, token, count=True):
        t = token or Token("", "anonymous")
        if token and count:
            t.remaining = max(0, t.remaining - 1)
        return {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": str(t.remaining),
                "x-ratelimit-used": str(5000 - t.remaining), "x-ratelimit-reset": str(t.reset),
                "x-ratelimit-resource": "core"}

    def _respond(self, rec, token):
        """Strict checks, then the route.  Returns (status, headers, body bytes)."""
        try:
            return self._route(rec, token)
        except Exception as e:  # a bug in the fake: answer 500 and remember it
            if not isinstance(e, ApiError):
                import traceback
                self.internal_errors.append(traceback.format_exc())
                e = ApiError(500, "fakegh internal error: %s" % e)
            doc = {"message": e.message, "documentation_url": e.docs, "status": str(e.status)}
            if e.errors is not None:
                doc["errors"] = e.errors
            return e.status, dict(e.headers), json.dumps(doc).encode()

    def _check(self, rec):
        h = rec["headers"]
        if not h.get("user-agent"):
            raise ApiError(403, "Request forbidden by administrative rules. Please make sure your "
                           "request has a User-Agent header (https://docs.github.com/en/rest/"
                           "overview/resources-in-the-rest-api#user-agent-required). Check "
                           "https://developer.github.com for other possible causes.")
        auth = h.get("authorization")
        if auth is None:
            raise ApiError(401, "Requires authentication")
        if not auth.startswith("Bearer <token:"):
            raise ApiError(401, "Bad credentials")
        version = h.get("x-github-api-version")
        if version != API_VERSION:
            raise ApiError(400, "API version %r is not supported (want %s)" % (version, API_VERSION)
                           if version else "missing X-GitHub-Api-Version header (want %s)" % API_VERSION)
        accept = (h.get("accept") or "").split(";")[0].strip().lower()
        if accept not in ACCEPT_JSON | ACCEPT_RAW | ACCEPT_OBJECT:
            raise ApiError(415, "Unsupported 'Accept' header: %r. Must accept "
                           "'application/vnd.github+json'." % h.get("accept"))
        rec["accept"] = accept
        if rec["method"] in ("POST", "PUT", "PATCH"):
            if not isinstance(rec["json"], dict):
                raise ApiError(400, "Problems parsing JSON")

    def _route(self, rec, token):
        answer = self._route_apps(rec, token)
        if answer is not None:
            return answer
        self._check(rec)
        path, method = self._api_path(rec["path"]), rec["method"]
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if not m:
            raise not_found()
        name = urllib.parse.unquote(m.group(1)) + "/" + urllib.parse.unquote(m.group(2))
        repo = self.repos.get(name.lower())
        rest = m.group(3) or ""
        for rmethod, pattern, perm, fn in _ROUTES:
            mm = re.fullmatch(pattern, rest)
            if mm and rmethod == method:
                break
        else:
            raise not_found()
        if repo is None:
            raise not_found()
        self._authorize(token, repo, perm)
        if repo.archived and method != "GET":
            # docs.github.com "Archiving repositories": read-only for everyone
            raise ApiError(403, "Repository was archived so is read-only.",
                           docs="https://docs.github.com/rest/repos/repos#update-a-repository")
        return fn(self, repo, rec, token, *[urllib.parse.unquote(g) if g is not None else None
                                            for g in mm.groups()])

    def _authorize(self, token, repo, perm):
        kind, need = perm.split(":")
        level = token.level(repo.full_name, kind)
        if level < 0:
            raise not_found()
        if level < LEVELS[need]:
            who = {"app": "integration", "fine-grained": "personal access token"}.get(token.kind)
            if who is None:  # classic PAT without the scope: GitHub hides the repo
                raise not_found()
            raise ApiError(403, "Resource not accessible by %s" % who,
                           headers={"x-accepted-github-permissions": "%s=%s" % (kind, need)})

    # -- endpoints --------------------------------------------------------
    def _repo_json(self, r, token):
        level = token.level(r.full_name, "contents") if token else 2
        return {"id": r.id, "node_id": "R_%d" % r.id, "name": r.name, "full_name": r.full_name,
                "private": r.private, "owner": {"login": r.owner, "type": "Organization"},
                "html_url": "https://github.com/%s" % r.full_name, "default_branch": r.default_branch,
                "archived": r.archived,
                "url": "%s/repos/%s" % (self.url, r.full_name),
                "permissions": {"admin": False, "maintain": False, "push": level >= 2,
                                "triage": level >= 1, "pull": level >= 1}}

    def ep_repo(self, r, rec, token):
        return 200, {}, self._repo_json(r, token)

    def ep_dispatch(self, r, rec, token):
        body = rec["json"]
        extra = sorted(set(body) - {"event_type", "client_payload"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        et = body.get("event_type")
        if not isinstance(et, str):
            raise invalid('"event_type" wasn\'t supplied.' if et is None else
                          "For 'properties/event_type', %s is not a string." % json.dumps(et))
        if not 1 <= len(et) <= 100:
            raise invalid("event_type is too %s (%s is 1..100 characters)"
                          % ("short" if not et else "long", len(et)))
        payload = body.get("client_payload", {})
        if not isinstance(payload, dict):
            raise invalid("For 'properties/client_payload', %s is not an object." % json.dumps(payload)[:50])
        if len(payload) > 10:
            raise invalid("No more than 10 properties are allowed; %d were supplied." % len(payload))
        if len(rec["body"]) >= DISPATCH_MAX:
            raise invalid("client_payload is too large: the request body is %d bytes (must be "
                          "under %d)" % (len(rec["body"]), DISPATCH_MAX))
        r.dispatches.append({"event_type": et, "client_payload": payload, "sender": token.login,
                             "token": token.name, "time": time.time()})
        return 204, {}, None

    # -- the order of deploys (issue 14) -----------------------------------
    # Modelled on GitHub's "List commits" and "Compare two commits"
    # (https://docs.github.com/rest/commits/commits#list-commits and
    # #compare-two-commits, API version 2022-11-28): the list is newest first
    # from `sha` (a branch or a commit; default branch without it), `path`
    # keeps the commits that changed that file, `per_page` 1..100 (default
    # 30); an unknown `sha` is 404.  Compare takes BASE...HEAD and answers
    # `status` (ahead: HEAD has commits BASE lacks, behind: the reverse,
    # diverged: both, identical), `ahead_by`, `behind_by`, `total_commits`,
    # `merge_base_commit` and `commits` (HEAD's side, oldest first); a commit
    # it cannot find is 404 "Not Found".
    def _ancestors(self, r, sha):
        """{sha: distance} of every commit reachable from sha (itself at 0)."""
        out, todo = {}, [(sha, 0)]
        while todo:
            s, d = todo.pop(0)
            if s in out:
                continue
            out[s] = d
            c = r.commit(s)
            if c:
                todo.extend((p, d + 1) for p in c["parents"])
        return out

    def ep_commits_list(self, r, rec, token):
        q = rec["query"]
        ref = (q.get("sha") or [None])[0]
        path = (q.get("path") or [None])[0]
        try:
            per_page = int((q.get("per_page") or ["30"])[0])
        except ValueError:
            raise ApiError(400, "Invalid per_page")
        per_page = max(1, min(per_page, 100))
        head = r.resolve(ref)
        if head is None:
            raise not_found()
        out, sha = [], head
        while sha and len(out) < per_page:
            c = r.commit(sha)
            if path is None or self._touches(r, sha, path):
                out.append(self._commit_json(r, sha, rest=True))
            sha = c["parents"][0] if c["parents"] else None
        return 200, {}, out

    def _touches(self, r, sha, path):
        c = r.commit(sha)
        new = r.flatten(c["tree"]).get(path)
        old = r.flatten(r.commit(c["parents"][0])["tree"]).get(path) if c["parents"] else None
        return new != old

    def ep_compare(self, r, rec, token, basehead):
        base_ref, sep, head_ref = basehead.partition("...")
        if not sep:
            raise not_found()
        base, head = r.resolve(base_ref), r.resolve(head_ref)
        if base is None or head is None:
            raise not_found()
        a_base, a_head = self._ancestors(r, base), self._ancestors(r, head)
        common = [s for s in a_head if s in a_base]
        merge_base = min(common, key=lambda s: a_head[s] + a_base[s]) if common else None
        ahead = [s for s in a_head if s not in a_base]
        behind = [s for s in a_base if s not in a_head]
        status = ("identical" if base == head else "ahead" if not behind else
                  "behind" if not ahead else "diverged")
        commits = sorted(ahead, key=lambda s: -a_head[s])
        return 200, {}, {
            "url": "%s/repos/%s/compare/%s" % (self.url, r.full_name, basehead),
            "html_url": "https://github.com/%s/compare/%s" % (r.full_name, basehead),
            "status": status, "ahead_by": len(ahead), "behind_by": len(behind),
            "total_commits": len(ahead),
            "base_commit": self._commit_json(r, base, rest=True),
            "merge_base_commit": self._commit_json(r, merge_base, rest=True) if merge_base else None,
            "commits": [self._commit_json(r, s, rest=True) for s in commits[:250]],
            "files": []}

    def _commit_json(self, r, sha, rest=False):
        c = r.commit(sha)
        base = "%s/repos/%s" % (self.url, r.full_name)
        git = {"sha": sha, "url": "%s/git/commits/%s" % (base, sha),
               "html_url": "https://github.com/%s/commit/%s" % (r.full_name, sha),
               "author": c["author"], "committer": c["committer"], "message": c["message"],
               "tree": {"sha": c["tree"], "url": "%s/git/trees/%s" % (base, c["tree"])},
               "parents": [{"sha": p, "url": "%s/git/commits/%s" % (base, p),
                            "html_url": "https://github.com/%s/commit/%s" % (r.full_name, p)}
                           for p in c["parents"]],
               "verification": {"verified": c["verified"],
                                "reason": "valid" if c["verified"] else "unsigned",
                                "signature": None, "payload": None}}
        if not rest:
            return git
        return {"sha": sha, "node_id": "C_" + sha, "url": "%s/commits/%s" % (base, sha),
                "html_url": git["html_url"], "commit": {k: git[k] for k in
                                                        ("author", "committer", "message", "tree",
                                                         "url", "verification")},
                "author": None, "committer": None, "parents": git["parents"]}

    def ep_commit(self, r, rec, token, ref):
        # docs.github.com/rest/commits/commits "Get a commit": the commit as
        # "List commits" shapes it, plus `files` (each changed file against
        # the first parent: filename, status added/removed/modified, ...)
        sha = r.resolve(ref)
        if not sha:
            raise ApiError(422, "No commit found for SHA: %s" % ref)
        out = self._commit_json(r, sha, rest=True)
        c = r.commit(sha)
        after = r.flatten(c["tree"])
        before = r.flatten(r.commit(c["parents"][0])["tree"]) if c["parents"] else {}
        out["files"] = [{"sha": (after.get(p) or before.get(p))[1], "filename": p,
                         "status": "added" if p not in before else
                         "removed" if p not in after else "modified"}
                        for p in sorted(set(before) | set(after)) if before.get(p) != after.get(p)]
        return 200, {}, out

    def _branch_arg(self, r, name):
        branch = name if name is not None else r.default_branch
        if not isinstance(branch, str):
            raise invalid('For \'properties/branch\', %s is not a string.' % json.dumps(branch))
        return branch

    @staticmethod
    def _check_path(path):
        parts = path.split("/")
        if not path or any(p in ("", ".", "..") for p in parts) or "\0" in path or "\\" in path:
            raise not_found()
        return path

    def _content_json(self, r, path, sha, data, with_content=True):
        base = "%s/repos/%s" % (self.url, r.full_name)
        d = {"type": "file", "encoding": "base64", "size": len(data),
             "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha,
             "url": "%s/contents/%s" % (base, urllib.parse.quote(path)),
             "git_url": "%s/git/blobs/%s" % (base, sha),
             "html_url": "https://github.com/%s/blob/HEAD/%s" % (r.full_name, path),
             "download_url": None}
        if with_content:
            d["content"] = b64_wrapped(data)
        else:
            d["content"], d["encoding"] = "", "none"
        return d

    def ep_contents_get(self, r, rec, token, path):
        ref = rec["query"].get("ref", [None])[0]
        sha = r.resolve(ref)
        if not sha:
            raise ApiError(404, "No commit found for the ref %s" % ref)
        flat = r.flatten(r.commit(sha)["tree"])
        path = (path or "").strip("/")
        if path and path in flat and flat[path][0] == "120000":
            # docs.github.com/rest/repos/contents "Get repository content": a
            # link whose target is a normal file in the repository is answered
            # with that file (its own path and sha); any other link with an
            # object of type "symlink" and its "target".
            link_blob = flat[path][1]
            target = r.objects[link_blob][1].decode("utf-8", "replace")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if resolved in flat and flat[resolved][0] in ("100644", "100755"):
                path = resolved
            else:
                d = self._content_json(r, path, link_blob, b"", False)
                del d["content"], d["encoding"]
                d.update({"type": "symlink", "target": target, "size": len(target)})
                return 200, {}, d
        if path and path in flat:
            mode, blob = flat[path]
            data = r.objects[blob][1]
            accept = rec["accept"]
            if len(data) > self.raw_max:
                # docs.github.com/rest/repos/contents: "Greater than 100 MB: This
                # endpoint is not supported"; answered as the 1 MB limit is
                raise ApiError(403, "This API returns blobs up to 100 MB in size. The requested "
                               "blob is too large to fetch via the API.",
                               errors=[{"resource": "Blob", "field": "data", "code": "too_large"}])
            if accept in ACCEPT_RAW:
                return 200, {"content-type": "application/vnd.github.raw; charset=utf-8",
                             "etag": '"%s"' % blob}, data
            if len(data) > ONE_MB:
                if accept in ACCEPT_OBJECT:
                    return 200, {}, self._content_json(r, path, blob, data, with_content=False)
                raise ApiError(403, "This API returns blobs up to 1 MB in size. The requested blob "
                               "is too large to fetch via the API, but you can use the Git Data "
                               "API to request blobs up to 100 MB in size.",
                               errors=[{"resource": "Blob", "field": "data", "code": "too_large"}])
            return 200, {}, self._content_json(r, path, blob, data)
        prefix = path + "/" if path else ""
        names = {}
        for p, (mode, blob) in flat.items():
            if p.startswith(prefix):
                head, _, tail = p[len(prefix):].partition("/")
                names[head] = ("dir", None) if tail else ("file", blob)
        if not names:
            raise not_found()
        return 200, {}, [{"type": t, "name": n, "path": prefix + n, "sha": s,
                          "size": len(r.objects[s][1]) if s else 0} for n, (t, s) in sorted(names.items())]

    @staticmethod
    def _identity(body, key):
        who = body.get(key)
        if who is None:
            return None
        if not isinstance(who, dict):
            raise invalid("For 'properties/%s', %s is not an object." % (key, json.dumps(who)[:40]))
        for field in ("name", "email"):
            if not isinstance(who.get(field), str) or not who[field]:
                raise invalid('"%s" wasn\'t supplied.' % field)
        out = {"name": who["name"], "email": who["email"], "date": who.get("date") or now_iso()}
        return out

    def _new_commit(self, r, token, tree, parents, message, author, committer):
        custom = author is not None or committer is not None
        ident = dict(token.identity(), date=now_iso())
        author = author or committer or ident
        committer = committer or author if custom else ident
        return r.put_commit(tree, parents, message, author, committer,
                            custom or not self.sign_commits)

    def ep_contents_put(self, r, rec, token, path):
        body = rec["json"]
        extra = sorted(set(body) - {"message", "content", "sha", "branch", "committer", "author"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        for key in ("message", "content"):
            if not isinstance(body.get(key), str):
                raise invalid('"%s" wasn\'t supplied.' % key)
        path = self._check_path(path)
        try:
            data = base64.b64decode(re.sub(r"[\r\n]", "", body["content"]), validate=True)
        except ValueError:
            raise invalid("content is not valid Base64")
        author = self._identity(body, "author")
        committer = self._identity(body, "committer")
        branch = self._branch_arg(r, body.get("branch"))
        if branch not in r.heads:
            raise ApiError(404, "Branch %s not found" % branch)
        if branch in r.protected:
            raise ApiError(409, "Changes must be made through a pull request.",
                           docs="https://docs.github.com/articles/about-protected-branches")
        head = r.heads[branch]
        flat = r.flatten(r.commit(head)["tree"])
        old = flat.get(path)
        given = body.get("sha")
        if old is not None and given is None:
            raise invalid('"sha" wasn\'t supplied.')
        if given is not None and (old is None or given != old[1]):
            raise ApiError(409, "%s does not match %s" % (path, given))
        blob = r.put_blob(data)
        flat[path] = (old[0] if old else "100644", blob)
        sha = self._new_commit(r, token, r.build(flat), [head], body["message"], author, committer)
        r.heads[branch] = sha
        content = self._content_json(r, path, blob, data, False)
        del content["content"], content["encoding"]
        return (200 if old else 201), {}, {"content": content, "commit": self._commit_json(r, sha)}

    def _ref_json(self, r, branch):
        base = "%s/repos/%s" % (self.url, r.full_name)
        sha = r.heads[branch]
        return {"ref": "refs/heads/" + branch, "node_id": "REF_" + branch,
                "url": "%s/git/refs/heads/%s" % (base, branch),
                "object": {"sha": sha, "type": "commit", "url": "%s/git/commits/%s" % (base, sha)}}

    def ep_ref_get(self, r, rec, token, branch):
        if branch not in r.heads:
            raise not_found()
        return 200, {}, self._ref_json(r, branch)

    def ep_ref_patch(self, r, rec, token, branch):
        body = rec["json"]
        extra = sorted(set(body) - {"sha", "force"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        sha, force = body.get("sha"), body.get("force", False)
        if not isinstance(sha, str):
            raise invalid('"sha" wasn\'t supplied.')
        if not isinstance(force, bool):
            raise invalid("For 'properties/force', %s is not a boolean." % json.dumps(force))
        if branch not in r.heads:
            raise ApiError(422, "Reference does not exist")
        if r.kind(sha) != "commit":
            raise ApiError(422, "Object does not exist")
        if branch in r.protected:
            raise ApiError(422, "Protected branch update failed for refs/heads/%s: Changes must be "
                           "made through a pull request." % branch)
        if not force and not r.is_ancestor(r.heads[branch], sha):
            raise ApiError(422, "Update is not a fast forward")
        r.heads[branch] = sha
        return 200, {}, self._ref_json(r, branch)

    def ep_ref_create(self, r, rec, token):
        body = rec["json"]
        extra = sorted(set(body) - {"ref", "sha", "key"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        ref, sha = body.get("ref"), body.get("sha")
        if not isinstance(ref, str) or not isinstance(sha, str):
            raise invalid('"%s" wasn\'t supplied.' % ("ref" if not isinstance(ref, str) else "sha"))
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise ApiError(422, "Reference name must start with 'refs/' and have at least two slashes.")
        if not ref.startswith("refs/heads/"):
            raise ApiError(422, "the fake only supports refs/heads/*")
        branch = ref[len("refs/heads/"):]
        if branch in r.heads:
            raise ApiError(422, "Reference already exists")
        if r.kind(sha) != "commit":
            raise ApiError(422, "Object does not exist")
        r.heads[branch] = sha
        return 201, {}, self._ref_json(r, branch)

    def ep_git_commit_get(self, r, rec, token, sha):
        if r.kind(sha) != "commit":
            raise not_found()
        return 200, {}, self._commit_json(r, sha)

    def ep_git_commit_create(self, r, rec, token):
        body = rec["json"]
        extra = sorted(set(body) - {"message", "tree", "parents", "author", "committer", "signature"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        message, tree, parents = body.get("message"), body.get("tree"), body.get("parents", [])
        if not isinstance(message, str):
            raise invalid('"message" wasn\'t supplied.')
        if not isinstance(tree, str):
            raise invalid('"tree" wasn\'t supplied.')
        if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
            raise invalid("For 'properties/parents', %s is not an array of strings." % json.dumps(parents)[:40])
        if r.kind(tree) != "tree":
            raise ApiError(422, "Tree SHA does not exist")
        for p in parents:
            if r.kind(p) != "commit":
                raise ApiError(422, "Parent SHA does not exist or is not a commit object")
        author = self._identity(body, "author")
        committer = self._identity(body, "committer")
        custom = author is not None or committer is not None or body.get("signature") is not None
        sha = self._new_commit(r, token, tree, parents, message, author, committer)
        if custom:
            r.objects[sha][1]["verified"] = False
        return 201, {}, self._commit_json(r, sha)

    def ep_blob_create(self, r, rec, token):
        body = rec["json"]
        extra = sorted(set(body) - {"content", "encoding"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        content, enc = body.get("content"), body.get("encoding", "utf-8")
        if not isinstance(content, str):
            raise invalid('"content" wasn\'t supplied.')
        if enc == "base64":
            try:
                data = base64.b64decode(re.sub(r"[\r\n]", "", content), validate=True)
            except ValueError:
                raise ApiError(422, "content is not valid Base64")
        elif enc in ("utf-8", "utf8"):
            data = content.encode("utf-8")
        else:
            raise ApiError(422, "encoding must be utf-8 or base64")
        sha = r.put_blob(data)
        return 201, {}, {"sha": sha, "url": "%s/repos/%s/git/blobs/%s" % (self.url, r.full_name, sha)}

    def ep_blob_get(self, r, rec, token, sha):
        if r.kind(sha) != "blob":
            raise not_found()
        data = r.objects[sha][1]
        return 200, {}, {"sha": sha, "size": len(data), "encoding": "base64",
                         "content": b64_wrapped(data), "node_id": "B_" + sha}

    def ep_tree_create(self, r, rec, token):
        body = rec["json"]
        extra = sorted(set(body) - {"tree", "base_tree"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        entries, base = body.get("tree"), body.get("base_tree")
        if not isinstance(entries, list):
            raise invalid('"tree" wasn\'t supplied.')
        if base is not None:
            if r.kind(base) != "tree":
                raise ApiError(422, "Invalid tree info: base_tree %s is not a tree" % base)
            flat = r.flatten(base)
        else:
            flat = {}
        for e in entries:
            if not isinstance(e, dict):
                raise invalid("tree entries must be objects")
            path, mode, typ = e.get("path"), e.get("mode"), e.get("type")
            if not isinstance(path, str):
                raise invalid('"path" wasn\'t supplied.')
            self._check_path_422(path)
            if mode not in ("100644", "100755", "040000", "160000", "120000"):
                raise ApiError(422, "tree.mode %r is not valid" % mode)
            if typ not in ("blob", "tree", "commit"):
                raise ApiError(422, "tree.type %r is not valid" % typ)
            if ("sha" in e) == ("content" in e):
                raise ApiError(422, "tree entry %s needs exactly one of sha and content" % path)
            if "content" in e:
                if typ != "blob" or not isinstance(e["content"], str):
                    raise ApiError(422, "tree.content is only for blobs, as a string")
                sha = r.put_blob(e["content"].encode("utf-8"))
            else:
                sha = e["sha"]
            for p in [p for p in flat if p == path or p.startswith(path + "/")]:
                del flat[p]
            if sha is None:
                continue
            if typ == "tree":
                if r.kind(sha) != "tree":
                    raise ApiError(422, "tree.sha %s is not a valid tree" % sha)
                flat.update({path + "/" + p: v for p, v in r.flatten(sha).items()})
            elif typ == "blob":
                if r.kind(sha) != "blob":
                    raise ApiError(422, "tree.sha %s is not a valid blob" % sha)
                flat[path] = (mode, sha)
            else:
                raise ApiError(422, "the fake does not support submodules")
        sha = r.build(flat)
        return 201, {}, self._tree_json(r, sha, False)

    @staticmethod
    def _check_path_422(path):
        try:
            FakeGitHub._check_path(path)
        except ApiError:
            raise ApiError(422, "tree.path %r is not valid" % path)

    def _tree_json(self, r, sha, recursive):
        base = "%s/repos/%s" % (self.url, r.full_name)
        if recursive:
            items = [(p, m, s) for p, (m, s) in sorted(r.flatten(sha).items())]
        else:
            items = [(n, m, s) for n, (m, s) in sorted(r.objects[sha][1].items())]
        return {"sha": sha, "url": "%s/git/trees/%s" % (base, sha), "truncated": False,
                "tree": [{"path": p, "mode": "040000" if m == "40000" else m,
                          "type": "tree" if m == "40000" else "blob", "sha": s,
                          **({} if m == "40000" else {"size": len(r.objects[s][1])})}
                         for p, m, s in items]}

    def ep_tree_get(self, r, rec, token, sha):
        if r.kind(sha) != "tree":
            raise not_found()
        rec_q = rec["query"].get("recursive", [""])[0]
        return 200, {}, self._tree_json(r, sha, rec_q not in ("", "0", "false"))

    def _pr_json(self, r, pr):
        return {"number": pr["number"], "state": pr["state"], "title": pr["title"],
                "body": pr["body"], "draft": pr["draft"],
                "html_url": "https://github.com/%s/pull/%d" % (r.full_name, pr["number"]),
                "url": "%s/repos/%s/pulls/%d" % (self.url, r.full_name, pr["number"]),
                "head": {"ref": pr["head"], "label": "%s:%s" % (r.owner, pr["head"]),
                         "sha": pr.get("head_sha") or r.heads.get(pr["head"]),
                         "repo": {"full_name": r.full_name}},
                "base": {"ref": pr["base"], "label": "%s:%s" % (r.owner, pr["base"]),
                         "sha": r.heads.get(pr["base"]), "repo": {"full_name": r.full_name}},
                "user": {"login": pr["user"]},
                # merged pull requests (docs.github.com/rest/pulls/pulls)
                "merged": pr.get("merged", False),
                "merge_commit_sha": pr.get("merge_commit_sha")}

    def ep_pull_create(self, r, rec, token):
        body = rec["json"]
        extra = sorted(set(body) - {"title", "head", "base", "body", "draft",
                                    "maintainer_can_modify", "head_repo", "issue"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        for key in ("title", "head", "base"):
            if not isinstance(body.get(key), str):
                raise invalid('"%s" wasn\'t supplied.' % key)
        head = body["head"]
        if ":" in head:
            owner, _, head = head.partition(":")
            if owner.lower() != r.owner.lower():
                raise ApiError(422, "Validation Failed", errors=[
                    {"resource": "PullRequest", "field": "head", "code": "invalid"}])

        def failed(field=None, message=None):
            e = {"resource": "PullRequest", "code": "custom" if message else "invalid"}
            e.update({"field": field} if field else {})
            e.update({"message": message} if message else {})
            return ApiError(422, "Validation Failed", errors=[e],
                            docs="https://docs.github.com/rest/pulls/pulls#create-a-pull-request")
        if body["base"] not in r.heads:
            raise failed("base")
        if head not in r.heads:
            raise failed("head")
        for pr in r.pulls:
            if pr["state"] == "open" and pr["head"] == head and pr["base"] == body["base"]:
                raise failed(message="A pull request already exists for %s:%s." % (r.owner, head))
        if r.is_ancestor(r.heads[head], r.heads[body["base"]]):
            raise failed(message="No commits between %s and %s" % (body["base"], head))
        num = self._next_pr.get(r.full_name, 1)
        self._next_pr[r.full_name] = num + 1
        pr = {"number": num, "state": "open", "title": body["title"], "body": body.get("body"),
              "draft": bool(body.get("draft", False)), "head": head, "base": body["base"],
              "user": token.login, "base_sha": r.heads[body["base"]]}
        r.pulls.append(pr)
        return 201, {}, self._pr_json(r, pr)

    def ep_pull_list(self, r, rec, token):
        q = rec["query"]
        state = q.get("state", ["open"])[0]
        head = q.get("head", [None])[0]
        base = q.get("base", [None])[0]
        if state not in ("open", "closed", "all"):
            raise ApiError(422, "Validation Failed", errors=[
                {"resource": "PullRequest", "field": "state", "code": "invalid"}])
        out = []
        for pr in r.pulls:
            if state != "all" and pr["state"] != state:
                continue
            if head is not None:
                owner, _, branch = head.rpartition(":")
                if (owner and owner.lower() != r.owner.lower()) or branch != pr["head"]:
                    continue
            if base is not None and pr["base"] != base:
                continue
            out.append(self._pr_json(r, pr))
        return 200, {}, out

    # -- a pull request's commits, merging and closing it -------------------
    # docs.github.com/rest/pulls/pulls "List commits on a pull request":
    # GET /repos/{o}/{r}/pulls/{n}/commits, the commits of the pull request
    # (its head's side of the base it was opened on), oldest first, as "List
    # commits" shapes them; at most 250; per_page (default 30, at most 100)
    # and page; 404 "Not Found" for a number that is no pull request.  The
    # pull_request webhook's `merged` and `merge_commit_sha` as "Merge a pull
    # request" leaves them (a merge commit with both heads as parents).
    def _pull_of(self, r, number):
        for pr in r.pulls:
            if pr["number"] == number:
                return pr
        raise not_found()

    def _pull_commits(self, r, pr):
        head = pr.get("head_sha") or r.heads[pr["head"]]
        base = self._ancestors(r, pr["base_sha"])
        mine = self._ancestors(r, head)
        return [s for s, _ in sorted(((s, d) for s, d in mine.items() if s not in base),
                                     key=lambda x: -x[1])][:250]

    def ep_pull_commits(self, r, rec, token, number):
        pr = self._pull_of(r, int(number))
        q = rec["query"]
        try:
            per_page = int((q.get("per_page") or ["30"])[0])
            page = int((q.get("page") or ["1"])[0])
        except ValueError:
            raise ApiError(400, "Invalid per_page or page")
        per_page = max(1, min(per_page, 100))
        shas = self._pull_commits(r, pr)[(max(page, 1) - 1) * per_page:][:per_page]
        return 200, {}, [self._commit_json(r, s, rest=True) for s in shas]

    # docs.github.com/rest/pulls/pulls "Update a pull request": PATCH
    # /repos/{o}/{r}/pulls/{n} with title, body, state (open or closed),
    # base, maintainer_can_modify; 200 with the pull request; 422
    # "Validation Failed" for a state that is neither; 404 for no such
    # pull request.
    def ep_pull_update(self, r, rec, token, number):
        pr = self._pull_of(r, int(number))
        body = rec["json"]
        if not isinstance(body, dict):
            raise invalid("Invalid request.")
        extra = sorted(set(body) - {"title", "body", "state", "base", "maintainer_can_modify"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        if "state" in body and body["state"] not in ("open", "closed"):
            raise ApiError(422, "Validation Failed", errors=[
                {"resource": "PullRequest", "field": "state", "code": "invalid"}])
        for key in ("title", "body"):
            if key in body:
                pr[key] = body[key]
        if body.get("state") == "closed" and pr["state"] == "open":
            pr.update(state="closed", head_sha=r.heads[pr["head"]])
        self.pull_updates.append((r.full_name, int(number), copy.deepcopy(body)))
        return 200, {}, self._pr_json(r, pr)

    def pull_json(self, repo, number):
        """The pull request as the API (and the pull_request event) shows it."""
        with self.lock:
            r = self.repo(repo)
            return copy.deepcopy(self._pr_json(r, self._pull_of(r, number)))

    def merge_pull(self, repo, number):
        """Merge the pull request as a reviewer's merge button does: a merge
        commit on the base with the base's head and the pull request's head
        as parents, the pull request's changes applied.  Returns its json."""
        with self.lock:
            r = self.repo(repo)
            pr = self._pull_of(r, number)
            head, base = r.heads[pr["head"]], r.heads[pr["base"]]
            flat = r.flatten(r.commit(base)["tree"])
            before = r.flatten(r.commit(pr["base_sha"])["tree"])
            after = r.flatten(r.commit(head)["tree"])
            for path in set(before) | set(after):
                if before.get(path) != after.get(path):
                    if after.get(path) is None:
                        flat.pop(path, None)
                    else:
                        flat[path] = after[path]
            who = {"name": "Reviewer", "email": "reviewer@example.com", "date": now_iso()}
            msg = "Merge pull request #%d from %s/%s" % (number, r.owner, pr["head"])
            r.heads[pr["base"]] = r.put_commit(r.build(flat), [base, head], msg, who, who, True)
            pr.update(state="closed", merged=True, merge_commit_sha=r.heads[pr["base"]],
                      head_sha=head)
            return copy.deepcopy(self._pr_json(r, pr))

    def add_pull(self, repo, head, base, title="A pull request"):
        """Open a pull request as someone did (no validation).  Returns its
        number."""
        with self.lock:
            r = self.repo(repo)
            num = self._next_pr.get(r.full_name, 1)
            self._next_pr[r.full_name] = num + 1
            r.pulls.append({"number": num, "state": "open", "title": title, "body": None,
                            "draft": False, "head": head, "base": base, "user": "someone",
                            "base_sha": r.heads[base]})
            return num

    def close_pull(self, repo, number):
        """Close the pull request without merging it.  Returns its json."""
        with self.lock:
            r = self.repo(repo)
            pr = self._pull_of(r, number)
            pr.update(state="closed", head_sha=r.heads[pr["head"]])
            return copy.deepcopy(self._pr_json(r, pr))

    # -- faults that change the state or the answer -------------------------
    # -- deployments (docs.github.com/rest/deployments/deployments and
    #    .../deployments/statuses; conditional requests: "Best practices for
    #    using the REST API"; compare: docs.github.com/rest/commits/commits) --
    DEPLOYMENT_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending",
                         "success")

    def _deployment_json(self, r, d):
        base = "%s/repos/%s/deployments/%d" % (self.url, r.full_name, d["id"])
        return {"url": base, "id": d["id"], "node_id": "DE_%d" % d["id"], "sha": d["sha"],
                "ref": d["ref"], "task": d["task"], "payload": d["payload"],
                "original_environment": d["environment"], "environment": d["environment"],
                "description": d["description"], "creator": {"login": d["creator"]},
                "created_at": d["created_at"], "updated_at": d["updated_at"],
                "statuses_url": base + "/statuses",
                "repository_url": "%s/repos/%s" % (self.url, r.full_name),
                "transient_environment": d["transient_environment"],
                "production_environment": d["production_environment"]}

    def _status_json(self, r, d, st):
        base = "%s/repos/%s/deployments/%d" % (self.url, r.full_name, d["id"])
        return {"url": "%s/statuses/%d" % (base, st["id"]), "id": st["id"],
                "node_id": "DES_%d" % st["id"], "state": st["state"],
                "creator": {"login": st["creator"]}, "description": st["description"],
                "environment": d["environment"], "target_url": st["log_url"],
                "log_url": st["log_url"], "environment_url": st["environment_url"],
                "created_at": st["created_at"], "updated_at": st["created_at"],
                "deployment_url": base, "repository_url": "%s/repos/%s" % (self.url, r.full_name)}

    @staticmethod
    def _deployment_of(r, did):
        d = r.deployments.get(int(did))
        if d is None:  # another repo's deployment is not found either
            raise not_found()
        return d

    def ep_deployment_create(self, r, rec, token):
        body = rec["json"]
        ref = body.get("ref")
        if not isinstance(ref, str) or not ref:
            raise invalid("\"ref\" wasn't supplied.")
        sha = r.resolve(ref)
        if not sha:
            raise ApiError(422, "No ref found for: %s" % ref)
        for key, kind in (("environment", str), ("description", str), ("task", str),
                          ("auto_merge", bool), ("transient_environment", bool),
                          ("production_environment", bool), ("required_contexts", list)):
            if body.get(key) is not None and not isinstance(body[key], kind):
                raise invalid("For 'properties/%s', %s is not a %s." % (
                    key, json.dumps(body[key])[:40], kind.__name__))
        env = body.get("environment") or "production"
        did = self._next_deployment
        self._next_deployment += 1
        d = {"id": did, "sha": sha, "ref": ref, "task": body.get("task") or "deploy",
             "payload": body.get("payload") or {}, "environment": env,
             "description": body.get("description") or "", "creator": token.login,
             "created_at": now_iso(), "updated_at": now_iso(),
             "auto_merge": body.get("auto_merge", True),
             "required_contexts": body.get("required_contexts"),
             "transient_environment": bool(body.get("transient_environment", False)),
             "production_environment": bool(body.get("production_environment",
                                                      env == "production")),
             "statuses": []}
        r.deployments[did] = d
        return 201, {}, self._deployment_json(r, d)

    def ep_deployment_get(self, r, rec, token, did):
        return 200, {}, self._deployment_json(r, self._deployment_of(r, did))

    def add_deployment(self, repo, sha, environment="production", creator="someone"):
        """A deployment made as another tool made it (no validation; the
        fake need not be running).  Returns its id."""
        with self.lock:
            r = self.repo(repo)
            did = self._next_deployment
            self._next_deployment += 1
            r.deployments[did] = {
                "id": did, "sha": sha, "ref": sha, "task": "deploy", "payload": {},
                "environment": environment, "description": "", "creator": creator,
                "created_at": now_iso(), "updated_at": now_iso(), "auto_merge": False,
                "required_contexts": [], "transient_environment": False,
                "production_environment": environment == "production", "statuses": []}
            return did

    def add_deployment_status(self, repo, did, state, description="", log_url=None,
                              environment_url=None, creator="someone"):
        """Post a status as another tool would (no validation)."""
        with self.lock:
            r = self.repo(repo)
            d = self._deployment_of(r, did)
            st = {"id": len(d["statuses"]) + 1 + 100 * d["id"], "state": state,
                  "description": description or "", "log_url": log_url or "",
                  "environment_url": environment_url or "", "creator": creator,
                  "created_at": now_iso()}
            d["statuses"].append(st)
            d["updated_at"] = st["created_at"]
            return st

    def ep_deployment_status_create(self, r, rec, token, did):
        d = self._deployment_of(r, did)
        body = rec["json"]
        state = body.get("state")
        if state not in self.DEPLOYMENT_STATES:
            raise invalid("For 'properties/state', %s is not one of [%s]." % (
                json.dumps(state)[:40], ", ".join(self.DEPLOYMENT_STATES)))
        desc = body.get("description")
        if desc is not None and not isinstance(desc, str):
            raise invalid("For 'properties/description', %s is not a string."
                          % json.dumps(desc)[:40])
        if desc and len(desc) > 140:
            raise ApiError(422, "Validation Failed", errors=[{
                "resource": "DeploymentStatus", "code": "custom", "field": "description",
                "message": "description is too long (maximum is 140 characters)"}])
        for key in ("log_url", "environment_url", "target_url"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise invalid("For 'properties/%s', %s is not a string."
                              % (key, json.dumps(body[key])[:40]))
        st = self.add_deployment_status(r.full_name, d["id"], state, desc,
                                        body.get("log_url") or body.get("target_url"),
                                        body.get("environment_url"), token.login)
        return 201, {}, self._status_json(r, d, st)

    def ep_deployment_status_list(self, r, rec, token, did):
        d = self._deployment_of(r, did)
        q = rec["query"]
        try:
            per_page = max(1, min(100, int(q.get("per_page", ["30"])[0])))
            page = max(1, int(q.get("page", ["1"])[0]))
        except ValueError:
            raise invalid("per_page and page must be numbers")
        newest = list(reversed(d["statuses"]))[(page - 1) * per_page:page * per_page]
        data = json.dumps([self._status_json(r, d, st) for st in newest]).encode()
        etag = "W/\"%s\"" % hashlib.sha256(data).hexdigest()[:32]
        if rec["headers"].get("if-none-match") == etag:
            return 304, {"etag": etag}, None
        return 200, {"etag": etag}, data

    def deployments_of(self, repo):
        with self.lock:
            r = self.repo(repo)
            return [dict(d, statuses=[dict(s) for s in d["statuses"]])
                    for d in r.deployments.values()]

    def _control_deployments(self, method, name, did, doc):
        if name.lower() not in self.repos:
            return 404, {"message": "no repo %s" % name}
        if did is None and method == "GET":
            return 200, self.deployments_of(name)
        if did is not None and method == "POST":
            doc = doc or {}
            try:
                st = self.add_deployment_status(name, int(did), doc.get("state"),
                                                doc.get("description"), doc.get("log_url"),
                                                doc.get("environment_url"))
            except ApiError as e:
                return e.status, {"message": e.message}
            return 201, st
        return 404, {"message": "Not Found"}

    def _interleave(self, rec, f):
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", self._api_path(rec["path"]))
        gql = self._graphql_target(rec)  # a GraphQL mutation names its repo and branch
        if not m and not gql:
            return
        name = gql[0] if gql else (urllib.parse.unquote(m.group(1)) + "/" +
                                   urllib.parse.unquote(m.group(2)))
        r = self.repos.get(name.lower())
        if r is None:
            return
        p = f.params
        branch = p.get("branch") or (gql[1] if gql else None)
        if branch is None:
            ref = re.search(r"/git/refs/heads/(.+)$", rec["path"])
            body = rec["json"] if isinstance(rec["json"], dict) else {}
            branch = (urllib.parse.unquote(ref.group(1)) if ref else body.get("branch")
                      or rec["query"].get("ref", [None])[0] or r.default_branch)
        if branch not in r.heads:
            return
        path = p.get("file")
        if path is None:
            cm = re.search(r"/contents/(.+)$", rec["path"])
            path = urllib.parse.unquote(cm.group(1)) if cm else "interleaved.txt"
        old = r.files_at(r.heads[branch]).get(path, b"")
        if "edit" in p:
            new = to_bytes(p["edit"](old))
        elif "append" in p:
            new = old + to_bytes(p["append"])
        else:
            new = to_bytes(p.get("content", "changed by someone else\n"))
        self.commit_files(r.full_name, branch, {path: new},
                          message=p.get("message", "Interleaved commit by someone else"))

    @staticmethod
    def _mutate_json(status, body, f):
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        if not isinstance(doc, dict):
            return body
        if f.kind == "bad_base64" and isinstance(doc.get("content"), str):
            doc["content"] = "!!not*base64" + doc["content"][3:]
        elif f.kind == "lie_sha" and isinstance(doc.get("sha"), str):
            doc["sha"] = hashlib.sha1(doc["sha"].encode()).hexdigest()
        return json.dumps(doc).encode()

    def _fault_answer(self, f, token):
        """(status, headers, body) for the faults that replace the answer."""
        p = f.params
        if f.kind == "status":
            status = p.get("status", 500)
            doc = {"message": p.get("message", {500: "Server Error", 502: "Server Error",
                                                 503: "Service Unavailable", 504: "Gateway Timeout",
                                                 408: "Request Timeout"}.get(status, "Injected fault")),
                   "documentation_url": DOCS, "status": str(status)}
            return status, dict(p.get("headers", {})), json.dumps(doc).encode()
        if f.kind == "rate_limit":
            doc = {"message": "API rate limit exceeded for installation ID 1.",
                   "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api", "status": "429"}
            return 429, {"retry-after": str(p.get("retry_after", 1))}, json.dumps(doc).encode()
        if f.kind == "rate_limit_403":
            doc = {"message": "API rate limit exceeded for installation ID 1. If you reach out to "
                   "GitHub Support for help, please include the request ID.",
                   "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api", "status": "403"}
            return 403, {"x-ratelimit-remaining": "0", "x-ratelimit-used": "5000",
                         "x-ratelimit-reset": str(int(time.time()) + int(p.get("reset_in", 1)))}, \
                json.dumps(doc).encode()
        if f.kind == "secondary_limit":
            doc = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                   "before you try again.", "documentation_url": DOCS, "status": "403"}
            headers = {}
            if p.get("retry_after") is not None:
                headers["retry-after"] = str(p["retry_after"])
            return 403, headers, json.dumps(doc).encode()
        if f.kind == "garbage":
            return p.get("status", 200), {"content-type": "text/html"}, \
                b"<html><body><h1>Unicorn!</h1> this is not JSON</body></html>"
        if f.kind == "redirect":
            loc = p["location"]
            return p.get("status", 307), {"location": loc}, json.dumps(
                {"message": "Moved Permanently", "url": loc, "documentation_url": DOCS}).encode()
        return None

    def handle(self, h, body):
        """The whole life of one API request.  Returns (status, headers, body, fault)
        or None when the connection must be dropped without an answer."""
        with self.lock:
            rec = self._record(h, body)
            token = self._token_of(h)
            f = self._pick_fault(rec["method"], rec["path"])
            if f:
                rec["fault"] = f.kind
        if f and f.kind == "delay":
            self._stopping.wait(f.params.get("seconds", 1))
        if f and f.kind in ("drop", "hang") and not f.params.get("processed"):
            return None, None, None, f  # before the request took effect
        with self.lock:
            if f and f.kind == "interleave":
                self._interleave(rec, f)
            mangle = f is not None and f.kind == "garbage" and f.params.get("processed")
            answer = self._fault_answer(f, token) if f and not mangle else None
            if answer is None:
                status, headers, payload = self._respond(rec, token)
                if payload is None:
                    data = b""
                elif isinstance(payload, bytes):
                    data = payload
                else:
                    data = json.dumps(payload).encode()
                if f and f.kind in ("bad_base64", "lie_sha"):
                    data = self._mutate_json(status, data, f)
                if mangle:  # applied, its answer replaced by a proxy's page
                    headers = dict(headers, **{"content-type": "text/html"})
                    data = self._fault_answer(f, token)[2]
            else:
                status, headers, data = answer
            base = self._ratelimit_headers(token, count=status != 304)
            base.update({k.lower(): v for k, v in headers.items()})
            base.setdefault("content-type", "application/json; charset=utf-8")
            base["x-github-request-id"] = "FAKE:%04X:%d" % (self.port, rec["id"])
            base["x-github-api-version-selected"] = API_VERSION
            rec["status"] = status
            rec["response"] = data
            if not rec.get("minted"):  # the mint's answer carries its token by design
                self._scan(rec, [("response body", data)])
        if self.verbose:
            line = "fakegh: %s %s -> %s%s" % (rec["method"], rec["path"], status,
                                              " [%s]" % f.kind if f else "")
            for v in list(self.tokens):
                line = line.replace(v, "***")
            print(line, file=sys.stderr, flush=True)
        return status, base, data, f


    # -- apps: GitHub Apps, workflow dispatch, GraphQL (issue 13) ------------
    # Modelled on docs.github.com: "Generating a JSON Web Token (JWT) for a
    # GitHub App" (RS256; iat, exp no more than 10 minutes ahead, iss),
    # "Generating an installation access token for a GitHub App" and REST
    # "Apps" (GET /repos/{o}/{r}/installation, POST
    # /app/installations/{id}/access_tokens, DELETE /installation/token: 204),
    # REST "Create a workflow dispatch event" with the changelog of 2026-02-19
    # ("Workflow dispatch API now returns run IDs": return_run_details -> 200
    # {workflow_run_id, run_url, html_url}, else 204), and the GraphQL
    # reference "Commits" (createCommitOnBranch, expectedHeadOid; errors come
    # with HTTP 200 in "errors" with type and message).
    def _apps_init(self):
        self.apps = {}          # app id (str) -> {"key": public key, "installs": {repo: perms}}
        self.minted = []        # every token minted: {token, name, app, repository, permissions, revoked}
        self.app_clock_offset = 0   # seconds the fake's clock is ahead (negative: behind)
        self.run_details = True     # False: an older server, always 204
        self.sign_commits = True    # False: GitHub does not sign (require-verified tests)
        self.graphql_calls = []
        self._next_run = 1000

    def add_app(self, app_id, public_pem, installs):
        """An App `app_id` whose JWTs verify with `public_pem`, installed on the repos
        of `installs` = {"o/r": {"contents": "write", ...}} (one installation per owner)."""
        from cryptography.hazmat.primitives import serialization
        with self.lock:
            key = serialization.load_pem_public_key(public_pem if isinstance(public_pem, bytes)
                                                    else public_pem.encode())
            self.apps[str(app_id)] = {"key": key, "installs": {k.lower(): dict(v)
                                                                for k, v in installs.items()}}

    def add_workflow(self, repo, name, inputs=("payload",), dispatch=True):
        with self.lock:
            r = self.repo(repo)
            if not hasattr(r, "workflows"):
                r.workflows, r.workflow_runs = {}, []
            r.workflows[name] = {"inputs": list(inputs), "dispatch": dispatch}

    def workflow_runs(self, repo):
        with self.lock:
            return copy.deepcopy(getattr(self.repo(repo), "workflow_runs", []))

    def workflow_event(self, repo, index=-1):
        """A workflow_dispatch run as the runner's event.json."""
        with self.lock:
            r = self.repo(repo)
            run = r.workflow_runs[index]
            return {"inputs": dict(run["inputs"]), "ref": "refs/heads/" + run["ref"],
                    "workflow": ".github/workflows/" + run["workflow"],
                    "repository": self._repo_json(r, None),
                    "sender": {"login": run["sender"], "type": "Bot"}}

    def _api_path(self, path):
        if self.api_prefix and path.startswith(self.api_prefix + "/"):
            return path[len(self.api_prefix):]
        return path if not self.api_prefix else "/-no-such-path" + path

    def _jwt_of(self, h):
        """The verified claims of a Bearer JWT (with "error" when it is refused), or None."""
        scheme, _, value = h.headers.get("Authorization", "").partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or value.count(".") != 2 or not self.apps:
            return None
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        def unb64(part):
            return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        try:
            head_b, claims_b, sig_b = value.split(".")
            header, claims = json.loads(unb64(head_b)), json.loads(unb64(claims_b))
            sig = unb64(sig_b)
        except (ValueError, TypeError):
            return {"error": "A JSON web token could not be decoded"}
        if not isinstance(claims, dict) or not isinstance(header, dict):
            return {"error": "A JSON web token could not be decoded"}
        try:
            import token_guard  # an App JWT is a credential for 10 minutes: never printed
            token_guard.SECRETS.add(value)
        except (ImportError, AttributeError):
            pass
        out = {k: claims.get(k) for k in ("iss", "iat", "exp")}
        out["alg"] = header.get("alg")
        app = self.apps.get(str(claims.get("iss")))
        if app is None:
            out["error"] = "Integration not found"
            return out
        if header.get("alg") != "RS256":
            out["error"] = "A JSON web token could not be decoded"
            return out
        try:
            app["key"].verify(sig, (head_b + "." + claims_b).encode(), padding.PKCS1v15(),
                              hashes.SHA256())
        except InvalidSignature:
            out["error"] = "A JSON web token could not be decoded"
            return out
        now = time.time() + self.app_clock_offset
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or iat > now:
            out["error"] = "'Issued at' claim ('iat') must be an Integer representing a time in the past"
        elif not isinstance(exp, int) or exp <= now:
            out["error"] = ("'Expiration time' claim ('exp') must be a numeric value representing "
                            "the future time at which the assertion expires")
        elif exp > now + 600:
            out["error"] = "'Expiration time' claim ('exp') is too far in the future"
        return out

    def _need_jwt(self, rec):
        claims = rec.get("jwt")
        if not claims:
            raise ApiError(401, "A JSON web token could not be decoded")
        if claims.get("error"):
            raise ApiError(401, claims["error"])
        return str(claims["iss"])

    def _installation(self, app_id, repo_name):
        """(installation id, {repo: perms} of that owner's installation) or None."""
        installs = self.apps[app_id]["installs"]
        owner = repo_name.split("/")[0].lower()
        mine = {k: v for k, v in installs.items() if k.split("/")[0] == owner}
        if repo_name.lower() not in mine:
            return None
        return 100000 + sum(ord(c) for c in owner) + int(app_id) % 1000, mine

    def _route_apps(self, rec, token):
        """The App, workflow and GraphQL endpoints that are not under /repos/{o}/{r}/..."""
        path, method = rec["path"], rec["method"]
        graphql = (self.api_prefix.rsplit("/", 1)[0] if self.api_prefix else "") + "/graphql"
        if path == graphql and method == "POST":
            return self.ep_graphql(rec, token)
        path = self._api_path(path)
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/installation", path)
        if m and method == "GET":
            self._check_jwt_request(rec)
            app_id = self._need_jwt(rec)
            name = urllib.parse.unquote(m.group(1)) + "/" + urllib.parse.unquote(m.group(2))
            inst = self._installation(app_id, name) if name.lower() in self.repos else None
            if inst is None:
                raise not_found()
            return 200, {}, {"id": inst[0], "app_id": int(app_id), "target_type": "Organization",
                             "account": {"login": name.split("/")[0]},
                             "repository_selection": "selected", "permissions": {},
                             "access_tokens_url": "%s/app/installations/%d/access_tokens"
                             % (self.url + self.api_prefix, inst[0])}
        m = re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)
        if m and method == "POST":
            self._check_jwt_request(rec)
            return self.ep_mint(rec, self._need_jwt(rec), int(m.group(1)))
        if path == "/installation/token" and method == "DELETE":
            self._check(rec)
            entry = next((e for e in self.minted if token and e["token"] == token.value), None)
            if entry is None:
                raise ApiError(401, "Bad credentials")
            entry["revoked"] = True
            token.revoked = True
            return 204, {}, None
        return None

    def _check_jwt_request(self, rec):
        """The strict checks of _check, with a JWT instead of a token."""
        saved = rec["headers"].get("authorization")
        rec["headers"]["authorization"] = "Bearer <token:jwt>"
        try:
            self._check(rec)
        finally:
            rec["headers"]["authorization"] = saved

    def ep_mint(self, rec, app_id, inst_id):
        body = rec["json"]
        extra = sorted(set(body) - {"repositories", "repository_ids", "permissions"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        installs = self.apps[app_id]["installs"]
        mine = {k: v for k, v in installs.items()
                if self._installation(app_id, k) and self._installation(app_id, k)[0] == inst_id}
        if not mine:
            raise not_found()
        owner = next(iter(mine)).split("/")[0]
        names = body.get("repositories")
        if names is None:
            repos = list(mine)
        else:
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise invalid("For 'properties/repositories', is not an array of strings.")
            repos = ["%s/%s" % (owner, n.lower()) for n in names]
            if any(rn not in mine for rn in repos):
                raise ApiError(422, "There is at least one repository that does not exist or is "
                               "not accessible to the parent installation.")
        perms = body.get("permissions")
        if perms is None:
            perms = {}
            for rn in repos:
                perms.update(mine[rn])
        if not isinstance(perms, dict):
            raise invalid("For 'properties/permissions', is not an object.")
        for rn in repos:
            for k, v in perms.items():
                if v not in ("read", "write") or LEVELS[mine[rn].get(k)] < LEVELS[v]:
                    raise ApiError(422, "The permissions requested are not granted to this "
                                   "installation.")
        value = "ghs_" + "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                                 "qrstuvwxyz0123456789") for _ in range(36))
        name = "app%s-minted%d" % (app_id, len(self.minted) + 1)
        real = {rn: self.repos[rn].full_name for rn in repos if rn in self.repos}
        self.add_token(value, name=name, kind="app", login="fake-app-%s[bot]" % app_id,
                       repos={real.get(rn, rn): dict(perms) for rn in repos})
        self.minted.append({"token": value, "name": name, "app": app_id, "installation": inst_id,
                            "repositories": [real.get(rn, rn) for rn in repos],
                            "permissions": dict(perms), "revoked": False,
                            "request": rec["id"]})
        rec["minted"] = True
        try:
            import token_guard  # every minted token is a secret the suite checks for
            token_guard.SECRETS.add(value)
        except (ImportError, AttributeError):
            pass
        return 201, {}, {"token": value, "expires_at": now_iso(time.time() + 3600),
                         "permissions": dict(perms), "repository_selection": "selected",
                         "repositories": [{"full_name": real.get(rn, rn)} for rn in repos]}

    def ep_workflow_dispatch(self, r, rec, token, workflow):
        body = rec["json"]
        extra = sorted(set(body) - {"ref", "inputs", "return_run_details"})
        if extra:
            raise invalid('"%s" is not a permitted key.' % extra[0])
        wf = getattr(r, "workflows", {}).get(workflow)
        if wf is None:
            raise not_found()
        if not wf["dispatch"]:
            raise ApiError(422, "Workflow does not have 'workflow_dispatch' trigger")
        ref = body.get("ref")
        if not isinstance(ref, str) or not ref:
            raise invalid('"ref" wasn\'t supplied.')
        branch = ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ref
        if branch not in r.heads:
            raise ApiError(422, "No ref found for: %s" % ref)
        inputs = body.get("inputs", {})
        if not isinstance(inputs, dict) or not all(isinstance(v, str) for v in inputs.values()):
            raise invalid("For 'properties/inputs', inputs must be an object of strings.")
        if len(inputs) > 25:
            raise invalid("No more than 25 properties are allowed; %d were supplied." % len(inputs))
        if len(json.dumps(inputs, separators=(",", ":"), ensure_ascii=False)) > 65535:
            raise invalid("inputs are too large (more than 65535 characters)")
        unexpected = sorted(set(inputs) - set(wf["inputs"]))
        if unexpected:
            raise ApiError(422, "Unexpected inputs provided: %s" % json.dumps(unexpected))
        run_id = self._next_run
        self._next_run += 1
        r.workflow_runs.append({"id": run_id, "workflow": workflow, "ref": branch,
                                "inputs": dict(inputs), "sender": token.login,
                                "token": token.name, "time": time.time()})
        if body.get("return_run_details") is True and self.run_details:
            return 200, {}, {"workflow_run_id": run_id,
                             "run_url": "%s/repos/%s/actions/runs/%d" % (
                                 self.url + self.api_prefix, r.full_name, run_id),
                             "html_url": "https://github.com/%s/actions/runs/%d" % (
                                 r.full_name, run_id)}
        return 204, {}, None

    @staticmethod
    def _graphql_target(rec):
        """(repositoryNameWithOwner, branchName) of a createCommitOnBranch request, or None."""
        body = rec["json"] if isinstance(rec["json"], dict) else {}
        br = ((body.get("variables") or {}).get("input") or {}).get("branch") \
            if isinstance(body.get("variables"), dict) else None
        if not isinstance(br, dict) or not isinstance(br.get("repositoryNameWithOwner"), str) \
                or not isinstance(br.get("branchName"), str):
            return None
        return br["repositoryNameWithOwner"], br["branchName"]

    @staticmethod
    def _gql_error(kind, message):
        return 200, {}, {"data": {"createCommitOnBranch": None},
                         "errors": [{"type": kind, "path": ["createCommitOnBranch"],
                                     "extensions": {"saml_failure": False},
                                     "locations": [{"line": 1, "column": 58}],
                                     "message": message}]}

    def ep_graphql(self, rec, token):
        h = rec["headers"]
        if not h.get("user-agent"):
            raise ApiError(403, "Request forbidden by administrative rules.")
        if token is None:
            raise ApiError(401, "Bad credentials")
        body = rec["json"]
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise ApiError(400, "Problems parsing JSON")
        query = body["query"]
        if "createCommitOnBranch" not in query or not query.lstrip().startswith("mutation"):
            return 200, {}, {"errors": [{"message": "fakegh models createCommitOnBranch only"}]}
        inp = (body.get("variables") or {}).get("input")
        if not isinstance(inp, dict):
            return 200, {}, {"errors": [{"message": "Variable $input of type "
                                         "CreateCommitOnBranchInput! was provided invalid value"}]}
        self.graphql_calls.append({"request": rec["id"], "input": copy.deepcopy(inp),
                                   "token": token.name})
        br = inp.get("branch") or {}
        name, branch = br.get("repositoryNameWithOwner"), br.get("branchName")
        head = inp.get("expectedHeadOid")
        msg = inp.get("message") or {}
        if not isinstance(head, str) or not isinstance(msg.get("headline"), str) \
                or not msg["headline"] or "\n" in msg["headline"] \
                or not isinstance(name, str) or not isinstance(branch, str):
            return 200, {}, {"errors": [{"message": "Variable $input of type "
                                         "CreateCommitOnBranchInput! was provided invalid value"}]}
        r = self.repos.get(name.lower())
        if r is None or token.level(r.full_name, "contents") < 0:
            return self._gql_error("NOT_FOUND", "Could not resolve to a Repository with the "
                                   "name '%s'." % name)
        if token.level(r.full_name, "contents") < 2:
            return self._gql_error("FORBIDDEN", "Resource not accessible by integration")
        if branch.startswith("refs/heads/"):
            branch = branch[len("refs/heads/"):]
        if branch not in r.heads:
            return self._gql_error("NOT_FOUND", "A ref named \"refs/heads/%s\" does not exist."
                                   % branch)
        if branch in r.protected:
            return self._gql_error("UNPROCESSABLE", "Repository rule violations found\n\n"
                                   "Changes must be made through a pull request.\n\n")
        if r.heads[branch] != head:
            return self._gql_error("STALE_DATA", "Expected branch to point to \"%s\" but it "
                                   "did not. Pull and try again." % head)
        fc = inp.get("fileChanges") or {}
        flat = r.flatten(r.commit(head)["tree"])
        for a in fc.get("additions") or []:
            try:
                data = base64.b64decode(a["contents"], validate=True)
            except (KeyError, TypeError, ValueError):
                return 200, {}, {"errors": [{"message": "contents of '%s' is not valid Base64"
                                             % a.get("path")}]}
            path = self._check_path(a["path"])
            flat[path] = (flat[path][0] if path in flat else "100644", r.put_blob(data))
        for d in fc.get("deletions") or []:
            flat.pop(d.get("path"), None)
        message = msg["headline"] + ("\n\n" + msg["body"] if msg.get("body") else "")
        ident = dict(token.identity(), date=now_iso())
        sha = r.put_commit(r.build(flat), [head], message, ident, ident, not self.sign_commits)
        r.heads[branch] = sha
        commit = {"oid": sha, "url": "https://github.com/%s/commit/%s" % (r.full_name, sha)}
        if "signature" in query:
            commit["signature"] = {"isValid": True, "wasSignedByGitHub": True} \
                if self.sign_commits else None
        return 200, {}, {"data": {"createCommitOnBranch": {"commit": commit}}}

    # -- control API --------------------------------------------------------
    def control(self, method, path, query, body):
        try:
            doc = json.loads(body) if body else None
        except ValueError:
            return 400, {"message": "Problems parsing JSON"}
        with self.lock:
            if path == "/_fake/health":
                return 200, {"ok": True, "url": self.url}
            if path == "/_fake/seed" and method == "POST":
                self.seed(doc or {})
                return 200, {"ok": True}
            if path == "/_fake/faults" and method == "POST":
                spec = dict(doc or {})
                try:
                    f = self.fault(spec.pop("kind"), **spec)
                except (KeyError, TypeError, ValueError, re.error) as e:
                    return 400, {"message": "bad fault: %s" % e}
                return 201, {"id": len(self.faults), **f.describe()}
            if path == "/_fake/faults" and method == "GET":
                return 200, [f.describe() for f in self.faults]
            if path == "/_fake/faults" and method == "DELETE":
                self.clear_faults()
                return 200, {"ok": True}
            if path == "/_fake/requests" and method == "GET":
                return 200, [dict(r, body=r["body"].decode("utf-8", "replace"),
                                  response=r["response"].decode("utf-8", "replace"))
                             for r in self._requests]
            if path == "/_fake/requests" and method == "DELETE":
                self.clear_requests()
                return 200, {"ok": True}
            if path == "/_fake/leaks":
                return 200, self.leaks
            m = re.fullmatch(r"/_fake/repos/([^/]+/[^/]+)/deployments(?:/(\d+)/statuses)?", path)
            if m:
                return self._control_deployments(method, urllib.parse.unquote(m.group(1)),
                                                 m.group(2), doc)
            # a reviewer merges or closes a pull request (merge_pull, close_pull)
            m = re.fullmatch(r"/_fake/repos/([^/]+/[^/]+)/pulls/(\d+)/(merge|close)", path)
            if m and method == "POST":
                name = urllib.parse.unquote(m.group(1))
                if name.lower() not in self.repos:
                    return 404, {"message": "no repo %s" % name}
                act = self.merge_pull if m.group(3) == "merge" else self.close_pull
                try:
                    return 200, act(name, int(m.group(2)))
                except ApiError as e:
                    return e.status, {"message": e.message}
            if path == "/_fake/minted":  # the App tokens, without their values
                return 200, [{k: v for k, v in e.items() if k != "token"} for e in self.minted]
            m = re.fullmatch(r"/_fake/repos/([^/]+/[^/]+)/(log|dispatches|event|pulls|"
                             r"workflow-runs|workflow-event|files/.+)", path)
            if not m or method != "GET":
                return 404, {"message": "Not Found"}
            name, what = urllib.parse.unquote(m.group(1)), m.group(2)
            if name.lower() not in self.repos:
                return 404, {"message": "no repo %s" % name}
            if what == "log":
                log = self.log(name, query.get("branch", [None])[0])
                for c in log:
                    c["changes"] = {p: [None if o is None else o.decode("utf-8", "replace"),
                                        None if n is None else n.decode("utf-8", "replace")]
                                    for p, (o, n) in c["changes"].items()}
                return 200, log
            if what == "dispatches":
                return 200, self.dispatches(name)
            if what == "pulls":
                return 200, self.pulls(name)
            if what == "event":
                try:
                    return 200, self.dispatch_event(name, int(query.get("index", ["-1"])[0]))
                except (IndexError, ValueError):
                    return 404, {"message": "no such dispatch"}
            if what == "workflow-runs":
                return 200, self.workflow_runs(name)
            if what == "workflow-event":
                try:
                    return 200, self.workflow_event(name, int(query.get("index", ["-1"])[0]))
                except (IndexError, ValueError, AttributeError):
                    return 404, {"message": "no such workflow run"}
            data = self.read(name, urllib.parse.unquote(what[len("files/"):]),
                             query.get("ref", [None])[0])
            if data is None:
                return 404, {"message": "no such file"}
            return 200, data


class _Handler(fakehttp.Handler):
    server_version = "GitHub.com"
    sys_version = ""

    def _serve(self):
        fake = self.server.fake
        try:
            body = self.read_body(BODY_MAX)
        except ValueError:
            self.send_error(413)
            return
        split = urllib.parse.urlsplit(self.path)
        if split.path.startswith("/_fake/"):
            status, doc = fake.control(self.command, split.path,
                                       urllib.parse.parse_qs(split.query), body)
            data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
            ctype = "application/octet-stream" if isinstance(doc, bytes) else "application/json"
            self.send_head(status, {"content-type": ctype}, data)
            self.wfile.write(data)
            return
        status, headers, data, f = fake.handle(self, body)
        self.deliver(status, headers, data, f.kind if f else None, f.params if f else None)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


FakeGitHub.handler = _Handler


_ROUTES = [
    ("GET", r"", "metadata:read", FakeGitHub.ep_repo),
    ("POST", r"/dispatches", "contents:write", FakeGitHub.ep_dispatch),
    ("GET", r"/commits/(.+)", "contents:read", FakeGitHub.ep_commit),
    ("GET", r"/commits", "contents:read", FakeGitHub.ep_commits_list),
    ("GET", r"/compare/(.+)", "contents:read", FakeGitHub.ep_compare),
    ("GET", r"/contents(?:/(.*))?", "contents:read", FakeGitHub.ep_contents_get),
    ("PUT", r"/contents/(.+)", "contents:write", FakeGitHub.ep_contents_put),
    ("GET", r"/git/refs?/heads/(.+)", "contents:read", FakeGitHub.ep_ref_get),
    ("PATCH", r"/git/refs/heads/(.+)", "contents:write", FakeGitHub.ep_ref_patch),
    ("POST", r"/git/refs", "contents:write", FakeGitHub.ep_ref_create),
    ("GET", r"/git/commits/([0-9a-f]{40})", "contents:read", FakeGitHub.ep_git_commit_get),
    ("POST", r"/git/commits", "contents:write", FakeGitHub.ep_git_commit_create),
    ("GET", r"/git/blobs/([0-9a-f]{40})", "contents:read", FakeGitHub.ep_blob_get),
    ("POST", r"/git/blobs", "contents:write", FakeGitHub.ep_blob_create),
    ("GET", r"/git/trees/([0-9a-f]{40})", "contents:read", FakeGitHub.ep_tree_get),
    ("POST", r"/git/trees", "contents:write", FakeGitHub.ep_tree_create),
    ("POST", r"/pulls", "pull_requests:write", FakeGitHub.ep_pull_create),
    ("GET", r"/pulls", "pull_requests:read", FakeGitHub.ep_pull_list),
    ("GET", r"/pulls/(\d+)/commits", "pull_requests:read", FakeGitHub.ep_pull_commits),
    ("PATCH", r"/pulls/(\d+)", "pull_requests:write", FakeGitHub.ep_pull_update),
    ("POST", r"/deployments", "deployments:write", FakeGitHub.ep_deployment_create),
    ("GET", r"/deployments/(\d+)", "deployments:read", FakeGitHub.ep_deployment_get),
    ("POST", r"/deployments/(\d+)/statuses", "deployments:write",
     FakeGitHub.ep_deployment_status_create),
    ("GET", r"/deployments/(\d+)/statuses", "deployments:read",
     FakeGitHub.ep_deployment_status_list),
    ("POST", r"/actions/workflows/([^/]+)/dispatches", "actions:write",
     FakeGitHub.ep_workflow_dispatch),
]


def _default_token():
    try:
        from conftest import TOKEN
        return TOKEN
    except ImportError:
        return "ghs_FakeGitHubDefaultToken0123456789abcd"


if pytest is not None:
    @pytest.fixture
    def fake_github():
        """A started FakeGitHub knowing conftest.TOKEN (every repo, every permission)."""
        fake = FakeGitHub()
        fake.add_token(_default_token(), name="default")
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()
        fake.assert_no_leaks()

    @pytest.fixture
    def fake_github_https():
        """The same over HTTPS with a self-signed certificate (fake.ca_file)."""
        fake = FakeGitHub(https=True)
        fake.add_token(_default_token(), name="default")
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()
        fake.assert_no_leaks()


def main(argv=None):
    ap = argparse.ArgumentParser(description="A strict fake of the GitHub REST API (see the "
                                 "module docstring of tests/fakegh.py).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0: a free port (default)")
    ap.add_argument("--seed", action="append", default=[], help="seed file (JSON), repeatable")
    ap.add_argument("--token", action="append", default=[],
                    help="a token with full access, repeatable")
    ap.add_argument("--https", action="store_true", help="TLS with a self-signed certificate")
    ap.add_argument("--cert-out", help="with --https: copy the certificate (PEM) here")
    ap.add_argument("--url-file", help="also write the URL to this file")
    ap.add_argument("--verbose", action="store_true", help="one line per request on stderr")
    args = ap.parse_args(argv)
    fake = FakeGitHub(host=args.host, port=args.port, https=args.https, verbose=args.verbose)
    for t in args.token:
        fake.add_token(t)
    for path in args.seed:
        with open(path, encoding="utf-8") as fh:
            fake.seed(json.load(fh))
    if not fake.tokens:
        print("fakegh: no token: give --token or tokens in a --seed file", file=sys.stderr)
        return 2

    def copy_cert():
        if args.cert_out and fake.ca_file:
            shutil.copyfile(fake.ca_file, args.cert_out)
    return fakehttp.serve_until_signal(fake, args.url_file, copy_cert)


if __name__ == "__main__":
    sys.exit(main())
