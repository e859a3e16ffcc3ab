"""patch under concurrency: many receivers, one file, one branch.  Every
deploy lands exactly once, each commit is its parent plus its own edit."""
import os
import subprocess

import pytest

from conftest import BIN, SAN_ENV, TOKEN, check_no_token
from fakegh import fake_github  # noqa: F401  (pytest fixture)
from patch_util import (ARTICLE_YAML, GITOPS, MANIFEST, MARKER, dispatch_event,
                        dispatch_payload, patch_env, seed_gitops)

RECEIVERS = 20


class Proc:
    def __init__(self, p):
        self.returncode = p.returncode
        self.stdout, self.stderr = p.stdout, p.stderr
        self.output_text = self.summary = ""


@pytest.mark.gb_direct("twenty receivers run at once; each one's stdout and stderr go "
                       "through check_no_token")
def test_twenty_receivers_at_once(fake_github, tmp_path):  # noqa: F811
    fake = seed_gitops(fake_github)
    base = fake.head(GITOPS, "sandbox")
    shas = ["%040x" % (0xabc0000 + i * 7919) for i in range(RECEIVERS)]
    procs = []
    for i, sha in enumerate(shas):
        d = tmp_path / ("r%02d" % i)
        d.mkdir()
        ev = dispatch_event(d, dispatch_payload(sha=sha, message="deploy %d" % i))
        env = patch_env(ev, fake, branch="sandbox", value="{sha}", max_attempts="60",
                        timeout="300")
        env.update({"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "INPUT_TOKEN": TOKEN,
                    "GITOPS_BUMP_RETRY_BASE_MS": "25", **SAN_ENV})
        procs.append(subprocess.Popen([BIN], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    for res in results:
        assert res.returncode == 0, res.stdout.decode() + res.stderr.decode()
        check_no_token(Proc(res), TOKEN)

    log = fake.log(GITOPS, "sandbox")
    ours = log[:RECEIVERS]
    assert log[RECEIVERS]["sha"] == base, "exactly 20 new commits, nothing else"
    seen = []
    for c in ours:
        assert len(c["parents"]) == 1
        assert list(c["changes"]) == [MANIFEST]
        old, new = c["changes"][MANIFEST]
        value = MARKER.search(new).group(1).decode()
        # each commit is its parent plus its own edit, nothing else
        assert new == MARKER.sub(b"<lastCommitMsg>%s</lastCommitMsg>" % value.encode(), old)
        assert c["message"].startswith("Deploy product to sandbox: org/product-service@" +
                                       value[:7])
        seen.append(value)
    assert sorted(seen) == sorted(shas), "none lost, none duplicated"
    # the history is one line: every commit's parent is the one before it
    for newer, older in zip(log, log[1:RECEIVERS + 1]):
        assert newer["parents"] == [older["sha"]]
    last = MARKER.search(ours[0]["changes"][MANIFEST][1]).group(1)
    assert fake.read(GITOPS, MANIFEST, "sandbox") == \
        ARTICLE_YAML.replace(b"Last git commit is shown in here", last)
    # a PUT per commit that landed, the rest were conflicts that were retried
    puts = fake.requests("PUT")
    assert sum(1 for q in puts if q["status"] == 200) == RECEIVERS
    assert all(q["status"] in (200, 409) for q in puts)
