"""Tests that only make sense for the shipped static binary.  tests/conftest.py
collects this folder only when $GITOPS_BUMP is statically linked, which is
what `make test-static` runs; `make test` (the sanitizer build) leaves it out
rather than skipping it."""
import shutil

from conftest import BIN
from dispatch_util import GITOPS, push_event, step_env
from fakegh import fake_github_https  # noqa: F401  (pytest fixture)


def test_static_binary_runs_in_an_empty_root(gb, fake_github_https, tmp_path):  # noqa: F811
    """In a root holding only the binary, the event and a CA file (no /dev,
    no /etc, no libc): TLS works, so mbedTLS gets its entropy from the
    getrandom system call, not /dev/urandom."""
    fake = fake_github_https
    fake.add_repo(GITOPS)
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(BIN, root / "gitops-bump")
    shutil.copy(fake.ca_file, root / "ca.pem")
    shutil.copy(push_event(tmp_path, message="from an empty root"), root / "event.json")
    env = {**step_env(root / "event.json", fake), "GITHUB_EVENT_PATH": "/event.json",
           "SSL_CERT_FILE": "/ca.pem"}
    r = gb([str(root), "/gitops-bump"], env, binary=shutil.which("chroot"), actions=False)
    assert r.returncode == 0, r
    assert not (root / "dev").exists()
    [d] = fake.dispatches(GITOPS)
    assert d["client_payload"]["source"]["message"] == "from an empty root"
