"""The faults-and-concurrency soak (tests/soak.py; `make soak` runs more
seeds): 50 receivers against one file while the fake answers 5xx to 10% of
the requests, 429 with Retry-After to some, and someone else commits to the
file before 10% of the PUTs."""
import io

from conftest import BIN
import soak


def test_fifty_receivers_under_faults_lose_and_duplicate_nothing():
    out = io.StringIO()
    f = soak.soak(BIN, receivers=50, seed=1, out=out)
    assert f["problems"] == [], out.getvalue()
    assert f["landed"] == 50, out.getvalue()  # 100 attempts are plenty for 50
    assert f["theirs"] > 0 and f["conflicts_409"] > 0, out.getvalue()  # the faults fired
    assert f["faults"]["rate_limit"] > 0, out.getvalue()


def test_receivers_out_of_attempts_fail_cleanly_and_commit_nothing():
    """Three attempts do not get 50 receivers through: those that give up say
    so in one line, and none of their edits is in the history."""
    out = io.StringIO()
    f = soak.soak(BIN, receivers=50, seed=2, max_attempts=3, conflict_rate=0.3, out=out)
    assert f["problems"] == [], out.getvalue()
    assert f["failed"] > 0 and f["landed"] > 0, out.getvalue()
    assert all("attempt" in e or "budget" in e for e in f["errors"]), out.getvalue()
