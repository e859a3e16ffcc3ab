"""Shared test machinery.

Every black-box test runs the binary through `run_gb`, which
  * starts it with a clean environment (nothing of the caller's GITHUB_* or
    INPUT_* leaks in), plus what the test gives;
  * sets a recognisable fake token by default;
  * asserts afterwards that the token appears in no output: stdout, stderr,
    $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY (issue 6: secrets never leak).
The binary is $GITOPS_BUMP (the Makefile passes the ASan+UBSan build).
tests/token_guard.py fails the suite if a test runs the binary around run_gb.
"""
import os
import subprocess
import pathlib

import pytest

pytest_plugins = ["token_guard"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = os.environ.get("GITOPS_BUMP", str(ROOT / "build" / "asan" / "gitops-bump"))
UNIT_DIR = os.environ.get("GB_UNIT_DIR", str(ROOT / "build" / "asan" / "unit"))

def _is_static(path):
    try:
        out = subprocess.run(["file", "-bL", path], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "statically linked" in out


# tests/static/ holds what only the shipped static binary can show (an empty
# chroot with no libc and no /dev): collected by `make test-static`, not by
# `make test`, instead of being skipped there.
collect_ignore_glob = [] if _is_static(BIN) else ["static/*"]

# A token that looks real; any output containing it fails the test that ran it.
TOKEN = "ghs_T0kenThatMustNeverBePrinted0123456789"
# The other secrets (issue 12): the app repo's deployment token and an Argo
# CD token.  Each is checked in every output of every run, as TOKEN is.
DEPLOY_TOKEN = "ghs_D3ploymentT0kenNeverPrinted987654321"
ARGOCD_TOKEN = "argocd.eyJhbGciOiJIUzI1NiJ9.NeverPrintedArgoToken"
SECRETS = (TOKEN, DEPLOY_TOKEN, ARGOCD_TOKEN)

SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99",
    "LSAN_OPTIONS": "exitcode=99",
}


class Result:
    def __init__(self, proc, output_file, summary_file):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.output_text = output_file.read_text() if output_file and output_file.exists() else ""
        self.summary = summary_file.read_text() if summary_file and summary_file.exists() else ""

    @property
    def out(self):
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self):
        return self.stderr.decode("utf-8", "replace")

    def outputs(self):
        """Parse $GITHUB_OUTPUT the way the runner does (name=value and heredocs)."""
        return parse_github_output(self.output_text)

    def __repr__(self):
        return f"<rc={self.returncode} stdout={self.out[-2000:]!r} stderr={self.err[-2000:]!r}>"


def parse_github_output(text):
    out = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            val = []
            while i < len(lines) and lines[i] != delim:
                val.append(lines[i])
                i += 1
            assert i < len(lines), f"missing heredoc delimiter {delim!r}"
            i += 1
            out[name] = "\n".join(val)
        else:
            name, val = line.split("=", 1)
            out[name] = val
    return out


def run_gb(args=(), env=None, *, input=None, tmp_path=None, actions=True,
           token=TOKEN, cwd=None, timeout=120, binary=None):
    """Run gitops-bump.  With `actions` (default) it runs as in a workflow:
    GITHUB_ACTIONS=true and fresh $GITHUB_OUTPUT / $GITHUB_STEP_SUMMARY files
    under tmp_path."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **SAN_ENV}
    output_file = summary_file = None
    if actions:
        e["GITHUB_ACTIONS"] = "true"
        if tmp_path is not None:
            output_file = pathlib.Path(tmp_path) / "github_output"
            summary_file = pathlib.Path(tmp_path) / "step_summary"
            e["GITHUB_OUTPUT"] = str(output_file)
            e["GITHUB_STEP_SUMMARY"] = str(summary_file)
    if token:
        e["INPUT_TOKEN"] = token
    if env:
        for k, v in env.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
    import token_guard  # loaded by pytest as a plugin (pytest_plugins); here for checked()
    with token_guard.checked():
        proc = subprocess.run([binary or BIN, *args], env=e, input=input, capture_output=True,
                              cwd=cwd, timeout=timeout)
    res = Result(proc, output_file, summary_file)
    assert res.returncode != 99, f"sanitizer report:\n{res.err}"
    if token:
        check_no_token(res, token)
    for secret in token_guard.secrets()[1:]:
        check_no_secret(res, secret)
    check_no_secrets(res, e)
    return res


def private_key_parts(pem):
    """What of a PEM private key must never show: the whole, and every line
    of its base64 body (a line alone is 48 bytes of the key)."""
    lines = [l.strip() for l in pem.splitlines()]
    return [pem.strip()] + [l for l in lines if l and not l.startswith("-----") and
                            ":" not in l and len(l) >= 16]


def check_no_secrets(res, env):
    """No minted App token (token_guard.SECRETS) and no line of the App's private
    key appears in any output, but in the `::add-mask::` lines that register them."""
    import token_guard
    secrets = set(token_guard.SECRETS)
    pem = env.get("INPUT_PRIVATE-KEY") or env.get("INPUT_PRIVATE_KEY")
    if pem:
        secrets.update(private_key_parts(pem))
    if not secrets:
        return
    kept = b"\n".join(l for l in res.stdout.split(b"\n") if not l.startswith(b"::add-mask::"))
    for name, blob in (("stdout", kept), ("stderr", res.stderr),
                       ("GITHUB_OUTPUT", res.output_text.encode()),
                       ("GITHUB_STEP_SUMMARY", res.summary.encode())):
        for secret in secrets:
            assert secret.encode() not in blob, f"a secret (App key or minted token) leaked into {name}"


def check_no_token(res, token):
    """The token appears nowhere, except in the one `::add-mask::` line that
    registers it with the runner (the runner consumes that line and never
    shows it).  That line, when present, must come before any other output."""
    stdout = res.stdout
    mask_line = b"::add-mask::" + token.encode() + b"\n"
    if mask_line in stdout:
        first = stdout.split(mask_line, 1)[0]
        assert all(l.startswith(b"::add-mask::") for l in first.splitlines()), \
            "output printed before the token was masked"
        stdout = stdout.replace(mask_line, b"")
    for name, blob in (("stdout", stdout), ("stderr", res.stderr),
                       ("GITHUB_OUTPUT", res.output_text.encode()),
                       ("GITHUB_STEP_SUMMARY", res.summary.encode())):
        assert token.encode() not in blob, f"token leaked into {name}"


def check_no_secret(res, secret):
    """A guarded secret (token_guard.guard) appears nowhere but in its own
    `::add-mask::` line, which the runner consumes."""
    mask_line = b"::add-mask::" + secret.encode() + b"\n"
    for name, blob in (("stdout", res.stdout.replace(mask_line, b"")), ("stderr", res.stderr),
                       ("GITHUB_OUTPUT", res.output_text.encode()),
                       ("GITHUB_STEP_SUMMARY", res.summary.encode())):
        assert secret.encode() not in blob, f"a guarded secret leaked into {name}"


@pytest.fixture
def gb(tmp_path):
    """gb(args, env, ...) runs the binary; see run_gb."""
    def _run(args=(), env=None, **kw):
        kw.setdefault("tmp_path", tmp_path)
        return run_gb(args, env, **kw)
    return _run


def pytest_terminal_summary(terminalreporter):
    stats = terminalreporter.stats
    passed = len(stats.get("passed", []))
    failed = len(stats.get("failed", [])) + len(stats.get("error", []))
    terminalreporter.write_line(f"{passed} passed, {failed} failed")
