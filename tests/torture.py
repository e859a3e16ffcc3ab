#!/usr/bin/env python3
"""torture: make each allocation fail in turn over the main paths.

The torture binary (mk/torture.mk, tests/torture/alloc.c) counts the
allocations of our code, cJSON, libcurl and libyaml and fails the Nth one.
For each scenario this first runs it undisturbed, recording every
allocation's call site, then once per chosen N:

  --mode all     every N from 1 to the count, failing only the Nth, then again
                 failing the Nth and every later one (GB_TORTURE_REST)
  --mode sites   the first N of each distinct call site, failing only it
                 (bounded: what `make test` runs, tests/test_torture.py)

Every run goes through conftest.run_gb (clean environment, the token checked
in every output) and must end one of these ways:
  absorbed   exit status and observable result (what the fake GitHub
             received, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) identical to the
             undisturbed run;
  degraded   exit 0 and the same work done (dispatches sent, commits made),
             but part of the report (the step summary, the diff output) is
             missing and a line says so, or at least that memory ran out;
  error      exit 1 or 2 with exactly one error line (one per target where a
             target's failure does not stop the others), and nothing sent,
             written or committed that the undisturbed run would not (a commit
             GitHub made before memory ran out is allowed if the error says so);
never a crash, a sanitizer report (a leak included: LeakSanitizer runs at
every exit), a hang, or a second error line.  Each scenario prints one line
of figures, and the distinct error messages that do not say "memory" (the
failure showed as another error, e.g. cJSON cannot tell "out of memory" from
"not JSON").

    python3 tests/torture.py --binary build/torture/gitops-bump [--mode all|sites]
                             [--scenario NAME] [--jobs N]
"""
import argparse
import collections
import concurrent.futures
import json
import os
import pathlib
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from conftest import ROOT, TOKEN, parse_github_output, run_gb  # noqa: E402
from dispatch_util import (APP, GITOPS, fixture_event, push_event, runner_messages,  # noqa: E402
                           seed_dispatch, step_env)
from fakegh import FakeGitHub  # noqa: E402
from patch_util import (ARTICLE_YAML, MANIFEST, WORKLOADS_YAML, article_payload,  # noqa: E402
                        dispatch_event, dispatch_payload, patch_env, seed_gitops)

OOM_FALLBACK = "out of memory while reporting an error"
SHA_RE = re.compile(r"(?<![0-9a-f])[0-9a-f]{7,40}(?![0-9a-f])")  # commit ids and short ids

DEFAULT_BINARY = ROOT / "build" / "torture" / "gitops-bump"
# libyaml leaks on one allocation-failure path (see the file).
LSAN_SUPP = pathlib.Path(__file__).resolve().parent / "torture" / "lsan.supp"
RUN_TIMEOUT = 60


class Scenario:
    """One path through the program: how to set it up and what it changes.
    One object serves every worker thread: what belongs to a fake lives on the
    fake, what belongs to a run in its directory."""
    name = ""
    uses_fake = False
    repos = ()  # the repos whose received dispatches are the result
    max_errors = 1  # error lines a failed run may print

    def setup(self, fake):
        """Once per fake GitHub (one per worker)."""

    def prepare(self, tmp, fake):
        """Files for one run in `tmp`; returns (args, env, actions)."""
        raise NotImplementedError

    def before_run(self, fake):
        """Right before each run: faults that a run consumes."""

    def result(self, res, fake, mark, tmp):
        """What the run changed: the dispatches since `mark`, its outputs."""
        got = {repo: [(d["event_type"], d["client_payload"]) for d in fake.dispatches(repo)[n:]]
               for repo, n in mark.items()} if fake else {}
        # parsed: a multi-line value's heredoc delimiter is random
        return {"rc": res.returncode, "sent": got, "outputs": parse_github_output(res.output_text),
                "summary": res.summary}

    def mark(self, fake):
        return {repo: len(fake.dispatches(repo)) for repo in self.repos} if fake else {}

    def same_work(self, result, base):
        """A run that exits 0 did the same work as the undisturbed one, though
        its report (the step summary) may be missing."""
        return "summary" in result and dict(result, summary=None) == dict(base, summary=None)

    def failed_cleanly(self, result, base, errors):
        """None when a failed run left nothing behind it should not have, else
        why not."""
        for repo, sent in result["sent"].items():
            if any(s not in base["sent"][repo] for s in sent):
                return "sent to %s what the undisturbed run does not send" % repo
        return None


class DispatchDryRun(Scenario):
    """config + push event + payload build with client-payload + outputs, no network."""
    name = "dispatch-dry-run"

    def prepare(self, tmp, fake):
        ev = push_event(tmp, message="Fix \"login\" | & $(x)\n\nbody \U0001F680")
        env = step_env(ev, None, dry_run="true", image="r/p@sha256:" + "a" * 64,
                       client_payload='{"team": "web", "flags": {"canary": true}}')
        return [], env, True


class DispatchSend(Scenario):
    """push event -> two dispatches through the REST client, outputs and summary."""
    name = "dispatch-send"
    uses_fake = True
    repos = (GITOPS, "org/gitops-eu")
    max_errors = 2  # one per target: a failing target does not stop the other

    def setup(self, fake):
        fake.add_repo(GITOPS)
        fake.add_repo("org/gitops-eu")

    def prepare(self, tmp, fake):
        ev = push_event(tmp, message="Deploy it\n\nwith a body")
        return [], step_env(ev, fake, repository=GITOPS + "\norg/gitops-eu"), True


class DispatchFetch(Scenario):
    """repository_dispatch event (client_payload flattened) -> the message read from
    the API -> one dispatch, retried after a 502; plain output (CLI style)."""
    name = "dispatch-fetch"
    uses_fake = True
    repos = (GITOPS,)

    def setup(self, fake):
        seed_dispatch(fake)
        # a fixed sha: each worker thread has its own fake, and a commit's sha
        # holds its date, so fakes made in different seconds sent different shas
        fake.torture_sha = fake.add_commit(APP, "Release 2.0\n\nnotes",
                                           sha="2ce94247c3f1e0d5b6a7980123456789abcdef01")

    def prepare(self, tmp, fake):
        payload = {"service": "svc", "nested": {"a": [1, 2], "b": {"c": None}}, "n": 1.5}
        ev = fixture_event(tmp, "repository_dispatch.json", client_payload=payload)
        env = step_env(ev, fake, event="repository_dispatch", environment="qa")
        env["GITHUB_SHA"] = fake.torture_sha
        return ["dispatch"], env, False

    def before_run(self, fake):
        fake.clear_faults()
        fake.fault("status", method="POST", status=502)


class UsageError(Scenario):
    """config: a bad input is a usage error (exit 2)."""
    name = "usage-error"

    def prepare(self, tmp, fake):
        env = step_env(None, None, max_attempts="many", client_payload='{"a": 1}')
        return ["dispatch", "--event-type", "x", "--environment", "qa"], env, False


class EditInPlace(Scenario):
    """gitops-bump edit -i: find, splice, verify, write through a temporary file."""
    name = "edit-in-place"

    def prepare(self, tmp, fake):
        f = pathlib.Path(tmp) / "deploy.yaml"
        f.write_bytes(WORKLOADS_YAML)
        return ["edit", str(f), "--set",
                "spec.template.spec.containers[*].image=registry/app@sha256:" + "b" * 64,
                "--set", "spec.template.metadata.annotations.\"gitops-bump/revision\"=r1",
                "-i"], {}, False

    def result(self, res, fake, mark, tmp):
        f = pathlib.Path(tmp) / "deploy.yaml"
        return {"rc": res.returncode, "stdout": res.stdout, "file": f.read_bytes(),
                "dir": sorted(p.name for p in f.parent.iterdir()
                              if p.name not in ("github_output", "step_summary"))}

    def failed_cleanly(self, result, base, errors):
        if result["file"] != WORKLOADS_YAML:
            return "the file was written although the edit failed"
        if result["dir"] != ["deploy.yaml"]:
            return "left files behind: %r" % result["dir"]
        return None


class EditImage(EditInPlace):
    """gitops-bump edit --image -i: the image plan over every kind of a
    multi-document file, its check, and the atomic write."""
    name = "edit-image"

    def prepare(self, tmp, fake):
        f = pathlib.Path(tmp) / "deploy.yaml"
        f.write_bytes(WORKLOADS_YAML)
        return ["edit", str(f), "--image",
                "registry.example.com/product-service:2@sha256:" + "c" * 64, "-i"], {}, False


class Patch(Scenario):
    """patch: the dispatch read, the policy, the manifest(s) read through the API,
    edited and committed; the branch is put back before each run."""
    uses_fake = True
    files = {MANIFEST: ARTICLE_YAML}

    def setup(self, fake):
        fake.torture_seed = seed_gitops(fake, files=self.files).head(GITOPS, "sandbox")

    def before_run(self, fake):
        fake.clear_faults()
        fake.add_branch(GITOPS, "sandbox", source=fake.torture_seed)

    def result(self, res, fake, mark, tmp):
        commits = []
        for c in fake.log(GITOPS, "sandbox"):
            if c["sha"] == fake.torture_seed:
                break
            commits.append((c["message"], sorted(c["changes"]),
                            [c["changes"][f][1] for f in sorted(c["changes"])]))
        # commit shas hold the commit time: compare without them
        told = re.search(r"^committed [0-9a-f]{7} to branch ", res.out, re.M) is not None
        # _told: what the log said, not part of the result
        return {"rc": res.returncode, "commits": commits, "_told": told,
                "outputs": {k: SHA_RE.sub("SHA", v)
                            for k, v in parse_github_output(res.output_text).items()},
                "summary": SHA_RE.sub("SHA", res.summary)}

    def same_work(self, result, base):
        """The same commits (the diff, outputs and summary are the report)."""
        return result["commits"] == base["commits"]

    def failed_cleanly(self, result, base, errors):
        ours = [c for c in result["commits"] if c[0].startswith("Deploy ")]
        # after GitHub made the commit nothing can take it back: the run must
        # say that it was (or may have been) made, before the error or in it,
        # unless memory was gone even for that (the fixed fallback line)
        if ours and not result["_told"] and \
                not any(re.search("GitHub (may have )?made the change", l) for l in errors) and \
                errors != [OOM_FALLBACK]:
            return "committed although the run failed: %r" % (ours[0][0][:80],)
        return None


class PatchArticle(Patch):
    """The article's payload and manifest: the marker, GET + PUT contents."""
    name = "patch-article"

    def prepare(self, tmp, fake):
        ev = dispatch_event(tmp, article_payload('a1b2c3d Fix "login" | & $(id)'))
        return [], patch_env(ev, fake, branch="{environment}", value="{subject}"), True


class PatchConflict(Patch):
    """gitops-bump's payload, `set` on every container and the revision
    annotation; someone else commits between the GET and the PUT (409): re-read,
    re-apply, commit on top."""
    name = "patch-conflict"
    files = {MANIFEST: WORKLOADS_YAML}

    def prepare(self, tmp, fake):
        ev = dispatch_event(tmp, dispatch_payload(image="registry.example.com/product-service@sha256:" + "c" * 64))
        env = patch_env(ev, fake, branch="sandbox", image="{image}",
                        set='spec.template.metadata.annotations."example.com/sha"={sha}',
                        value="{short_sha}")
        return [], env, True

    def before_run(self, fake):
        super().before_run(fake)
        fake.fault("interleave", method="PUT", path=re.escape("/repos/%s/contents/%s" % (
            GITOPS, MANIFEST)), file="README.md", append="someone else\n")


class PatchMulti(Patch):
    """Two manifests: one atomic commit through the Git Data API."""
    name = "patch-two-files"
    files = {MANIFEST: ARTICLE_YAML, "product/shared/cronjobs.yaml": WORKLOADS_YAML}

    def prepare(self, tmp, fake):
        ev = dispatch_event(tmp, dispatch_payload())
        env = patch_env(ev, fake, branch="sandbox", value="{short_sha}",
                        manifest="{service}/{environment}/{environment}-deploy.yaml\n"
                                 "{service}/shared/cronjobs.yaml")
        return [], env, True


class PatchImageValues(Patch):
    """The `image` input on an Argo CD Application whose helm.values is a
    string: planned and edited inside the string, then set as one value."""
    name = "patch-image-values"
    files = {MANIFEST: (ROOT / "tests" / "fixtures" / "images" / "application-values.yaml")
             .read_text()}

    def prepare(self, tmp, fake):
        ev = dispatch_event(tmp, dispatch_payload(image="ghcr.io/acme/web:1.5.0"))
        return [], patch_env(ev, fake, branch="sandbox", image="{image}"), True


class PatchSupersede(Patch):
    """pull-request mode: the deploy's pull request, then the open pull
    request of an older deploy of the same service closed as superseded
    (the list, its head commit and files, the compare, the close, the older
    deployment's inactive status).  The older pull request is reopened and
    the new one removed before each run."""
    name = "patch-supersede"

    def setup(self, fake):
        super().setup(fake)
        fake.add_repo(APP, {"app.py": "v0\n"})
        a = fake.commit_files(APP, "main", {"app.py": "A\n"}, message="A")
        fake.torture_new = fake.commit_files(APP, "main", {"app.py": "B\n"}, message="B")
        fake.torture_deployment = fake.add_deployment(APP, a, "sandbox")
        branch = "gitops-bump/product/sandbox/" + a[:7]
        fake.add_branch(GITOPS, branch, source="sandbox")
        fake.commit_files(GITOPS, branch, {MANIFEST: "kind: ConfigMap\n"},
                          message="Deploy product to sandbox\n\nDeployed-From: %s@%s\n"
                                  "Deployment-Id: %d\n" % (APP, a, fake.torture_deployment))
        fake.torture_old = fake.add_pull(GITOPS, branch, "sandbox")
        fake.torture_branches = set(fake.repo(GITOPS).heads)

    def before_run(self, fake):
        super().before_run(fake)
        with fake.lock:
            r = fake.repo(GITOPS)
            r.pulls[:] = [p for p in r.pulls if p["number"] == fake.torture_old]
            r.pulls[0].update(state="open", body=None)
            fake._next_pr[GITOPS] = fake.torture_old + 1  # the same number each run
            for b in set(r.heads) - fake.torture_branches:
                del r.heads[b]

    def prepare(self, tmp, fake):
        ev = dispatch_event(tmp, dispatch_payload(sha=fake.torture_new))
        return [], patch_env(ev, fake, branch="sandbox", value="{short_sha}",
                             pull_request="true", deployment_token=TOKEN), True

    def result(self, res, fake, mark, tmp):
        old = fake.pull_json(GITOPS, fake.torture_old)
        return {"rc": res.returncode, "old": old["state"],
                "said": (old["body"] or "").startswith("Superseded by gitops-bump: pull request #"),
                "opened": len(fake.repo(GITOPS).pulls) > 1,
                "outputs": {k: SHA_RE.sub("SHA", v)
                            for k, v in parse_github_output(res.output_text).items()}}

    def same_work(self, result, base):
        """The deploy's pull request is the work; closing the older one is
        best effort (a failure there is a warning, and classify() requires a
        line that says memory ran out): done with its line, or not done."""
        return result["opened"] == base["opened"] and \
            (result["old"] == "open" or result["said"])

    def failed_cleanly(self, result, base, errors):
        if result["old"] == "closed" and not result["said"]:
            return "the older pull request was closed without the line that says why"
        return None


class LandMerged(Scenario):
    """mode land: a merged deploy pull request's event, its commits read
    through the API, their trailers, the deployment's in_progress and
    success statuses, outputs and summary (no Argo CD)."""
    name = "land-merged"
    uses_fake = True

    def setup(self, fake):
        seed_gitops(fake)
        fake.add_repo(APP, {"README.md": "app\n"})
        sha = fake.add_commit(APP, "Fix login", sha="2ce94247c3f1e0d5b6a7980123456789abcdef01")
        fake.torture_deployment = fake.add_deployment(APP, sha, "sandbox")
        branch = "gitops-bump/product/sandbox/" + sha[:7]
        fake.add_branch(GITOPS, branch, source="sandbox")
        fake.commit_files(GITOPS, branch, {MANIFEST: "kind: ConfigMap\n"},
                          message="Deploy product to sandbox\n\nDeployed-From: %s@%s\n"
                                  "Deployment-Id: %d\nDeploy-Service: product\n"
                                  "Deploy-Environment: sandbox\n"
                                  % (APP, sha, fake.torture_deployment))
        fake.torture_pr = fake.merge_pull(GITOPS, fake.add_pull(GITOPS, branch, "sandbox"))

    def prepare(self, tmp, fake):
        pr = fake.torture_pr
        ev = pathlib.Path(tmp) / "pull_request.json"
        ev.write_text(json.dumps({"action": "closed", "number": pr["number"],
                                  "pull_request": pr, "repository": {"full_name": GITOPS},
                                  "sender": {"login": "reviewer"}}))
        env = patch_env(ev, fake, mode="land", deployment_token=TOKEN)
        env["GITHUB_EVENT_NAME"] = "pull_request"
        return [], env, True

    def mark(self, fake):
        return {"statuses": self._statuses(fake), "head": fake.head(GITOPS, "sandbox")}

    def _statuses(self, fake):
        [d] = [d for d in fake.deployments_of(APP) if d["id"] == fake.torture_deployment]
        return len(d["statuses"])

    def result(self, res, fake, mark, tmp):
        [d] = [d for d in fake.deployments_of(APP) if d["id"] == fake.torture_deployment]
        posted = [(s["state"], SHA_RE.sub("SHA", s["description"]))
                  for s in d["statuses"][mark["statuses"]:]]
        return {"rc": res.returncode, "posted": posted,
                "_moved": fake.head(GITOPS, "sandbox") != mark["head"],
                "outputs": {k: SHA_RE.sub("SHA", v)
                            for k, v in parse_github_output(res.output_text).items()},
                "summary": SHA_RE.sub("SHA", res.summary)}

    def same_work(self, result, base):
        """Statuses are best effort, as in patch mode: a post that fails is a
        warning and the ones after it are not tried, so a run that exits 0
        posted the undisturbed run's statuses or the first of them."""
        n = len(result["posted"])
        return result["posted"] == base["posted"][:n] and not result["_moved"]

    def failed_cleanly(self, result, base, errors):
        if result["_moved"]:
            return "the GitOps branch moved: a land run never writes"
        # statuses are best effort: a failed run posts what it got to, and
        # `failure` with its error line when the failure came before success
        if any(state not in ("in_progress", "success", "failure")
               for state, _ in result["posted"]):
            return "posted %r" % (result["posted"],)
        return None


def _values_from_files():
    """The valuesFrom fixture as a HelmRelease file and a ConfigMap file."""
    docs = (ROOT / "tests" / "fixtures" / "images" / "helmrelease-valuesfrom.yaml") \
        .read_text().split("\n---\n")
    return {MANIFEST: docs[0] + "\n---\n" + docs[1] + "\n",
            "product/sandbox/values.yaml": "---\n" + "\n---\n".join(docs[2:])}


class PatchImageValuesFrom(Patch):
    """The `image` input on a Flux HelmRelease whose valuesFrom names
    ConfigMaps in another manifest: both files indexed, the ConfigMap's
    values string and targetPath key set, one commit of two files."""
    name = "patch-image-valuesfrom"
    files = _values_from_files()

    def prepare(self, tmp, fake):
        ev = dispatch_event(tmp, dispatch_payload(image="ghcr.io/acme/web:1.5.0"))
        return [], patch_env(ev, fake, branch="sandbox", image="{image}",
                             manifest="\n".join(self.files)), True


SCENARIOS = [DispatchDryRun(), DispatchSend(), DispatchFetch(), UsageError(), EditInPlace(), EditImage(),
             PatchArticle(), PatchConflict(), PatchMulti(), PatchImageValues(),
             PatchImageValuesFrom(), PatchSupersede(), LandMerged()]


def message_lines(res, actions, kind="error"):
    """The error (or warning) lines a user would see: commands the runner would
    act on, and plain `gitops-bump: error:` lines (the out-of-memory fallback is
    one)."""
    lines = runner_messages(res.stdout, kind) if actions else []
    lines += [l for l in res.err.splitlines() if l.startswith("gitops-bump: %s:" % kind)]
    return lines


class Runner:
    def __init__(self, binary, jobs):
        self.binary = str(binary)
        self.jobs = jobs
        self.local = threading.local()
        self.fakes = []
        self.lock = threading.Lock()

    def fake_for(self, sc):
        fakes = getattr(self.local, "fakes", None)
        if fakes is None:
            fakes = self.local.fakes = {}
        if sc.name not in fakes:
            fake = FakeGitHub()
            fake.add_token(TOKEN, name="default")
            sc.setup(fake)
            fake.start()
            with self.lock:
                self.fakes.append(fake)
            fakes[sc.name] = fake
        return fakes[sc.name]

    def run(self, sc, fail=0, rest=False, log=None):
        fake = self.fake_for(sc) if sc.uses_fake else None
        with tempfile.TemporaryDirectory(prefix="torture-") as tmp:
            args, env, actions = sc.prepare(tmp, fake)
            env = dict(env)
            env["GB_TORTURE_FAIL"] = str(fail)
            if os.environ.get("GB_TORTURE_TRACE"):
                env["GB_TORTURE_TRACE"] = "1"
            env["LSAN_OPTIONS"] = "exitcode=99:suppressions=" + str(LSAN_SUPP)
            if rest:
                env["GB_TORTURE_REST"] = "1"
            if log:
                env["GB_TORTURE_LOG"] = log
            if fake:
                sc.before_run(fake)
            mark = sc.mark(fake)
            res = run_gb(args, env, tmp_path=tmp, actions=actions, binary=self.binary,
                         timeout=RUN_TIMEOUT)
            return res, sc.result(res, fake, mark, tmp), (message_lines(res, actions),
                                                     message_lines(res, actions, "warning"))

    def stop(self):
        for fake in self.fakes:
            fake.assert_no_leaks()
            fake.stop()


def classify(base, res, result, lines, sc):
    """'absorbed', 'degraded', 'error', or a string starting with 'BAD' that says
    why."""
    errors, warnings = lines
    if {k: v for k, v in result.items() if k[0] != "_"} == \
            {k: v for k, v in base.items() if k[0] != "_"}:
        return "absorbed"
    if res.returncode == 0 and sc.same_work(result, base) and \
            any("summary" in l or "out of memory" in l for l in errors + warnings):
        return "degraded"  # the work done, its report not, and the run says so
    if res.returncode not in (1, 2):
        return "BAD: exit %d, result differs from the undisturbed run" % res.returncode
    if not 1 <= len(errors) <= sc.max_errors:
        return "BAD: %d error lines: %r" % (len(errors), errors[:3])
    why = sc.failed_cleanly(result, base, errors)
    return "BAD: " + why if why else "error"


def normalise(msg):
    msg = re.sub(r"/tmp/torture-[^/' ]+", "TMP", msg)
    return re.sub(r"\d+", "N", msg)


def torture(runner, sc, mode, out=sys.stdout):
    t0 = time.monotonic()
    with tempfile.NamedTemporaryFile(prefix="torture-sites-") as log:
        res, base, (errors, _) = runner.run(sc, log=log.name)
        sites = [line.split(" ", 1) for line in pathlib.Path(log.name).read_text().splitlines()]
    assert base["rc"] in (0, 2) and len(errors) == (base["rc"] == 2), \
        "%s: the undisturbed run failed: %r" % (sc.name, res)
    count = len(sites)
    first = {}
    for n, site in sites:
        first.setdefault(site, int(n))
    plans = []
    if mode == "all":
        plans = [(n, False) for n in range(1, count + 1)] + \
                [(n, True) for n in range(1, count + 1)]
    else:
        plans = [(n, False) for n in sorted(first.values())]

    def one(plan):
        n, rest = plan
        try:
            r, result, lines = runner.run(sc, fail=n, rest=rest)
        except AssertionError as e:  # run_gb: a sanitizer report or a leaked token
            return plan, "BAD: " + str(e).splitlines()[0], None, str(e)
        except Exception as e:  # a hang (subprocess timeout) included
            return plan, "BAD: %s: %s" % (type(e).__name__, e), None, ""
        return plan, classify(base, r, result, lines, sc), lines[0], r.err[-2000:]

    stats = collections.Counter()
    bad = []
    other = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(runner.jobs) as pool:
        for plan, verdict, errs, detail in pool.map(one, plans):
            kind = ("rest " if plan[1] else "") + verdict.split(":")[0]
            stats[kind] += 1
            if verdict.startswith("BAD"):
                bad.append((plan, verdict, detail))
            elif verdict == "error" and "memory" not in errs[0]:
                other[normalise(errs[0])] += 1
    elapsed = time.monotonic() - t0
    print("%-17s %5d allocations %4d sites %5d runs %6.1f s  %s" % (
        sc.name, count, len(first), len(plans), elapsed,
        ", ".join("%s %d" % kv for kv in sorted(stats.items()))), file=out)
    for msg, k in other.most_common():
        print("    %4d x error without 'memory': %s" % (k, msg[:160]), file=out)
    for (n, rest), verdict, detail in bad[:10]:
        print("    FAIL N=%d%s: %s\n%s" % (n, " (and later)" if rest else "", verdict,
                                         "\n".join("      " + l for l in detail.splitlines()[-15:])),
              file=out)
    return {"scenario": sc.name, "allocations": count, "sites": len(first), "runs": len(plans),
            "seconds": round(elapsed, 1), "stats": dict(stats), "bad": len(bad),
            "other_errors": dict(other)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(DEFAULT_BINARY))
    ap.add_argument("--mode", choices=("all", "sites"), default="all")
    ap.add_argument("--scenario", action="append", help="only these (repeatable)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args(argv)
    runner = Runner(args.binary, args.jobs)
    figures = []
    try:
        for sc in SCENARIOS:
            if args.scenario and sc.name not in args.scenario:
                continue
            figures.append(torture(runner, sc, args.mode))
    finally:
        runner.stop()
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 1 if any(f["bad"] for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
