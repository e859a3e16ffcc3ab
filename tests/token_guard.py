"""token_guard: proof, over the whole suite, that no run of gitops-bump escapes
the token check (issue 6, item 5).

conftest.run_gb checks every output of every run it makes (stdout, stderr,
$GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) for the token, and the fake GitHub checks
the bodies it saw at teardown.  This plugin (loaded by conftest) makes sure
nothing goes around run_gb: it watches every subprocess the tests start, and a
process that
  * names the gitops-bump binary in its command line (unless the program
    only looks at it: file, readelf, ...), or
  * is given one of the suite's secrets (conftest.SECRETS: the token, the
    deployment token, the Argo CD token) in its environment
must be started inside run_gb, or by a test marked
@pytest.mark.gb_direct("reason"), whose own checks the reason names (the
REST client's driver, `make demo`, the benchmark).  For those, the token is
also looked for in what the process printed, where the test collects it.
Anything else fails its test at once, and the session at the end (in case the
failure was caught).  The summary line counts both kinds of run.

Other secrets a test hands to the binary (an OIDC ID token, the runner's ID
token request token) are registered with guard(value): from then on they are
watched exactly like the token, in run_gb's outputs and here.
"""
import contextlib
import os
import subprocess
import threading

import pytest

_local = threading.local()
_orig_init = subprocess.Popen.__init__
_orig_communicate = subprocess.Popen.communicate
_current = {"nodeid": None, "reason": None}
# Programs that look at a binary without running it (file, readelf, ...).
INSPECTORS = {"file", "readelf", "nm", "objdump", "size", "strip", "ldd", "sha256sum", "stat",
              "cp", "install", "ls"}
stats = {"checked": 0, "direct": {}, "violations": []}
# Secrets besides the suite's token that no output may show: every token the
# fake GitHub mints for an App (fakegh adds them), and the App private keys'
# lines (conftest.run_gb adds the key it passes).
SECRETS = set()
_extra = set()


def guard(secret):
    """Watch `secret` like the test token from now on (this session)."""
    assert isinstance(secret, str) and len(secret) >= 8, "too short to be a secret"
    _extra.add(secret)
    return secret


def secrets():
    """The test token, then the suite's other fixed secrets (conftest.SECRETS),
    then every secret guarded since."""
    from conftest import SECRETS
    return [_token()] + [s for s in SECRETS if s != _token()] + sorted(_extra)


@contextlib.contextmanager
def checked():
    """Runs started in this block are run_gb's, which checks their outputs."""
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        yield
    finally:
        _local.depth -= 1


def _token():
    from conftest import TOKEN
    return TOKEN


def _exposure(args, env):
    """Why this process concerns the token check, or None."""
    argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    if argv and os.path.basename(os.fsdecode(argv[0])) in INSPECTORS:
        argv = []
    for a in argv:
        if isinstance(a, (str, bytes, os.PathLike)) and \
                os.path.basename(os.fsdecode(a)) == "gitops-bump":
            return "runs %s" % os.fsdecode(a)
    if env:
        watched = secrets()
        for k, v in env.items():
            if isinstance(v, (str, bytes)) and os.fsdecode(v) in watched:
                return "passes the test token in $%s" % os.fsdecode(k)
    return None


def _guarded_init(self, args, *a, **kw):
    why = _exposure(args, kw.get("env"))
    self._gb_token_check = False
    if why and getattr(_local, "depth", 0):
        stats["checked"] += 1
    elif why:
        node, reason = _current["nodeid"], _current["reason"]
        if reason is None:
            msg = ("%s: a subprocess %s outside run_gb (tests/conftest.py), so nothing checks "
                   "its outputs for the token: use the gb fixture / run_gb, or mark the test "
                   "@pytest.mark.gb_direct(reason) and check them yourself" % (node, why))
            stats["violations"].append(msg)
            raise AssertionError(msg)
        stats["direct"].setdefault(node, reason)
        self._gb_token_check = True
    _orig_init(self, args, *a, **kw)


def _guarded_communicate(self, *a, **kw):
    out, err = _orig_communicate(self, *a, **kw)
    if self._gb_token_check:
        for token in secrets():
            for name, blob in (("stdout", out), ("stderr", err)):
                if blob is None:
                    continue
                text = blob if isinstance(blob, str) else blob.decode("utf-8", "replace")
                text = text.replace("::add-mask::" + token + "\n", "")
                assert token not in text, "%s: the token leaked into the %s of a direct run" % (
                    _current["nodeid"], name)
    return out, err


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "gb_direct(reason): the test runs gitops-bump (or gives a program the "
        "test token) without run_gb; the reason says what checks its outputs")
    subprocess.Popen.__init__ = _guarded_init
    subprocess.Popen.communicate = _guarded_communicate


def pytest_unconfigure(config):
    subprocess.Popen.__init__ = _orig_init
    subprocess.Popen.communicate = _orig_communicate


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    marker = item.get_closest_marker("gb_direct")
    if marker is not None and not (marker.args and marker.args[0]):
        pytest.fail("@pytest.mark.gb_direct needs a reason")
    _current["nodeid"] = item.nodeid
    _current["reason"] = marker.args[0] if marker else None
    try:
        yield
    finally:
        _current["nodeid"] = _current["reason"] = None


def pytest_sessionfinish(session, exitstatus):
    if stats["violations"] and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    tr.write_line("token check: %d runs through run_gb; %d marked tests run directly; "
                  "%d bypassed it" % (stats["checked"], len(stats["direct"]),
                                      len(stats["violations"])))
    for msg in stats["violations"]:
        tr.write_line("  BYPASS " + msg)
