"""Hostile inputs (issue 6, item 2) that the other suites do not cover yet:
each one a clear error, nothing sent or written.  Already covered elsewhere,
and not repeated here:
  tests/unit/test_event.c     empty, truncated, not-JSON and wrong-shape events,
                              NUL characters, client_payload nested 40 deep and
                              with 1200 keys (the parser's bounds);
  tests/test_github.py        truncated and non-JSON answers reach the caller, a
                              trickling body and a silent server end at the time
                              budget, dropped connections are retried, a TLS
                              certificate that does not verify is refused;
  tests/test_dispatch.py      a missing and a broken event file, a tag push."""
import json

import pytest

from dispatch_util import (APP, GITOPS, SHA, check_commands, fixture_event, push_event,
                           runner_commands, step_env)
from fakegh import fake_github, fake_github_https  # noqa: F401  (pytest fixtures)


@pytest.fixture
def fake(fake_github):  # noqa: F811
    fake_github.add_repo(GITOPS)
    fake_github.add_repo(APP)
    return fake_github


def one_error(r):
    """The run failed with exactly one error line; returns it."""
    assert r.returncode == 1, r
    errors = [d for c, d in runner_commands(r.stdout) if c == "error"]
    assert len(errors) == 1, r
    return errors[0]


# ---- the dispatch is never sent twice ---------------------------------------

def test_dispatch_is_not_sent_again_when_the_answer_is_lost(gb, fake, tmp_path):
    """The server took the dispatch and the connection broke before it
    answered: sending it again could deploy twice, so the run fails and says
    it may have arrived (found by the allocation-failure torture: libcurl
    reports some of its allocation failures as an empty reply)."""
    fake.fault("drop", method="POST", path=r".*/dispatches", processed=True)
    r = gb([], step_env(push_event(tmp_path), fake))
    err = one_error(r)
    assert err.startswith("dispatch to 'org/gitops' failed: ")
    assert "after the request was sent; it may have arrived, so it is not sent again" in err
    assert len(fake.dispatches(GITOPS)) == 1
    assert len(fake.requests("POST")) == 1

