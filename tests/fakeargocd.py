#!/usr/bin/env python3
"""fakeargocd: a fake of the one Argo CD API endpoint gitops-bump reads.

Python stdlib only; one ThreadingHTTPServer on 127.0.0.1 (a free port),
optionally HTTPS with a self-signed certificate made by the `openssl` CLI
(``fake.ca_file``).  Modelled on Argo CD's API as documented: the server's
swagger (``GET /api/v1/applications/{name}``, query ``refresh`` and
``appNamespace``; argo-cd.readthedocs.io "API Docs"), the Application CRD's
ApplicationStatus (``status.sync.status/revision/revisions``,
``status.health.status/message``, ``status.operationState.phase/message/
syncResult.revision(s)``), and its gRPC-gateway errors
``{"error": m, "code": grpc_code, "message": m}``: 401 code 16
(Unauthenticated), 403 code 7 (PermissionDenied: what Argo CD >= 2.6.7
answers for an application that does not exist, GHSA-2q5c-qw9c-fmvq, and
argo-cd issues #13000, #14004), 404 code 5 (NotFound, for callers that may
see every application).

Like Argo CD it tracks a branch of a git repository: ``head`` is a callable
that gives the branch's current commit (in tests, the fake GitHub's
``fake.head(repo, branch)``; from the CLI, read through fakegh's control
API).  ``old`` is the head when the fake started: the revision the
application was synced at before the deploy.

A timeline is a list of steps; poll N (N from 0) answers step min(N, last).
A step is a dict:
    rev      "old" | "head" | a literal sha      (default "head")
    sync     Synced | OutOfSync | Unknown        (default "Synced")
    health   Healthy | Progressing | Degraded | ...  (default "Healthy")
    message  the health message
    phase    operationState.phase (none when absent)
    op_rev   the operation's revision: "old" | "head" (default: rev)
    op_message
    multi    true: a multi-source application (sync.revisions: [other, rev])
    push     a callable, called once when the step is first answered (e.g.
             someone else commits to the branch: "head" is then newer)
TIMELINES below names the scripted ones the tests and the demo use.

Use: ``with FakeArgoCD(token, app, timeline, head=...) as fake: fake.url``;
``fake.requests`` records (path, query, headers).  CLI: ``python3
tests/fakeargocd.py --token T --app NAME --timeline progress --github URL
--repo o/r --branch b --url-file F`` serves until SIGTERM.
"""
import argparse
import json
import sys
import threading
import urllib.parse
import urllib.request

import fakehttp

OTHER_SOURCE = "9" * 40  # the revision of a second source (a Helm chart, say)

TIMELINES = {
    # Healthy at the OLD revision first (must not count), then our commit:
    # OutOfSync, Synced + Progressing, then Healthy for good.
    "progress": [
        {"rev": "old", "sync": "Synced", "health": "Healthy"},
        {"rev": "old", "sync": "Synced", "health": "Healthy"},
        {"rev": "head", "sync": "OutOfSync", "health": "Healthy"},
        {"rev": "head", "sync": "Synced", "health": "Progressing", "phase": "Running"},
        {"rev": "head", "sync": "Synced", "health": "Healthy", "phase": "Succeeded"},
    ],
    # Synced, then Degraded at our revision.
    "degraded": [
        {"rev": "head", "sync": "Synced", "health": "Progressing", "phase": "Running"},
        {"rev": "head", "sync": "Synced", "health": "Degraded", "phase": "Succeeded",
         "message": "Deployment \"product\" exceeded its progress deadline"},
    ],
    # The sync operation of our revision failed.
    "op-failed": [
        {"rev": "old", "sync": "OutOfSync", "health": "Healthy", "phase": "Running",
         "op_rev": "head"},
        {"rev": "old", "sync": "OutOfSync", "health": "Healthy", "phase": "Failed",
         "op_rev": "head", "op_message": "one or more objects failed to apply"},
    ],
    # A stale failed operation of the OLD revision must not fail the wait.
    "old-op-failed": [
        {"rev": "old", "sync": "OutOfSync", "health": "Healthy", "phase": "Failed",
         "op_rev": "old", "op_message": "an old failure"},
        {"rev": "head", "sync": "Synced", "health": "Healthy", "phase": "Succeeded"},
    ],
    # Never syncs: Healthy at the old revision forever.
    "never": [
        {"rev": "old", "sync": "OutOfSync", "health": "Healthy"},
    ],
    # A multi-source application: sync.revisions.
    "multi": [
        {"rev": "old", "sync": "OutOfSync", "health": "Healthy", "multi": True},
        {"rev": "head", "sync": "Synced", "health": "Healthy", "multi": True},
    ],
}


def _error(status, code, message):
    return status, {"error": message, "code": code, "message": message}


class FakeArgoCD(fakehttp.FakeServer):
    cert_name = "fakeargocd"

    def __init__(self, token, app, timeline, head, namespace=None, https=False,
                 missing_status=403):
        super().__init__(https=https)
        self.token = token
        self.app = app
        self.namespace = namespace
        self.timeline = TIMELINES[timeline] if isinstance(timeline, str) else list(timeline)
        self.head = head
        self.old = head()
        self.missing_status = missing_status
        self.polls = 0
        self.requests = []
        self.lock = threading.Lock()
        self._pushed = set()

    # -- the API ------------------------------------------------------------
    def _rev(self, name):
        if name == "old":
            return self.old
        if name == "head":
            return self.head()
        return name

    def application(self, ns):
        """The application as Argo CD returns it at this poll."""
        index = min(self.polls, len(self.timeline) - 1)
        step = self.timeline[index]
        if step.get("push") and index not in self._pushed:
            self._pushed.add(index)
            step["push"]()
        self.polls += 1
        rev = self._rev(step.get("rev", "head"))
        sync = {"status": step.get("sync", "Synced"), "comparedTo": {"source": {}}}
        if step.get("multi"):
            sync["revisions"] = [OTHER_SOURCE, rev]
        else:
            sync["revision"] = rev
        health = {"status": step.get("health", "Healthy")}
        if step.get("message"):
            health["message"] = step["message"]
        status = {"sync": sync, "health": health, "reconciledAt": "2026-01-01T00:00:00Z",
                  "resources": [], "summary": {}}
        if step.get("phase"):
            op_rev = self._rev(step.get("op_rev", step.get("rev", "head")))
            key = "revisions" if step.get("multi") else "revision"
            val = [OTHER_SOURCE, op_rev] if step.get("multi") else op_rev
            status["operationState"] = {
                "operation": {"sync": {key: val}},
                "phase": step["phase"], "message": step.get("op_message", ""),
                "syncResult": {key: val, "resources": []},
                "startedAt": "2026-01-01T00:00:00Z"}
        return {"metadata": {"name": self.app, "namespace": ns or "argocd"},
                "spec": {"project": "default", "source": {"targetRevision": "HEAD"}},
                "status": status}

    def answer(self, method, path, query, headers):
        with self.lock:
            self.requests.append({"method": method, "path": path, "query": query,
                                  "headers": headers})
            auth = headers.get("authorization", "")
            if auth != "Bearer " + self.token:
                return _error(401, 16, "invalid session: token signature is invalid"
                              if auth else "no session information")
            prefix = "/api/v1/applications/"
            if method != "GET" or not path.startswith(prefix):
                return _error(404, 5, "Not Found")
            name = urllib.parse.unquote(path[len(prefix):])
            ns = query.get("appNamespace", [None])[0]
            if name != self.app or ns != self.namespace:
                if self.missing_status == 404:
                    return _error(404, 5, "applications.argoproj.io \"%s\" not found" % name)
                return _error(403, 7, "permission denied")
            return 200, self.application(ns)


class _Handler(fakehttp.Handler):
    def do_GET(self):
        split = urllib.parse.urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, doc = self.server.fake.answer("GET", split.path,
                                              urllib.parse.parse_qs(split.query), headers)
        self.send_json(status, doc)


FakeArgoCD.handler = _Handler


def _github_head(url, repo, branch):
    def head():
        q = urllib.parse.urlencode({"branch": branch})
        with urllib.request.urlopen("%s/_fake/repos/%s/log?%s" % (url, repo, q), timeout=10) as r:
            return json.load(r)[0]["sha"]
    return head


def main(argv=None):
    ap = argparse.ArgumentParser(description="A fake Argo CD (see tests/fakeargocd.py).")
    ap.add_argument("--token", required=True)
    ap.add_argument("--app", required=True)
    ap.add_argument("--namespace")
    ap.add_argument("--timeline", default="progress", choices=sorted(TIMELINES))
    ap.add_argument("--github", required=True, help="the fake GitHub's URL")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--branch", required=True)
    ap.add_argument("--url-file")
    args = ap.parse_args(argv)
    fake = FakeArgoCD(args.token, args.app, args.timeline,
                      _github_head(args.github, args.repo, args.branch), args.namespace)
    return fakehttp.serve_until_signal(fake, args.url_file)


if __name__ == "__main__":
    sys.exit(main())
