"""scripts/deps.sh on a busy machine: when another apt-get or dpkg holds the
lock, it waits for it (apt's DPkg::Lock::Timeout) instead of failing.  The
Debian tools are replaced by shims on PATH: dpkg-query says a package is
missing, `id` says root, and apt-get behaves like a locked apt, failing at
once unless it was told to wait."""
import os
import subprocess

from conftest import ROOT

APT_GET = r"""#!/bin/sh
echo "$*" >> "$LOG"
for a in "$@"; do
	case "$a" in DPkg::Lock::Timeout=*) exit 0 ;; esac
done
echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
exit 100
"""


def shims(tmp_path):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for name, text in {"apt-get": APT_GET,
                       "dpkg-query": "#!/bin/sh\nexit 1\n",
                       "id": "#!/bin/sh\necho 0\n"}.items():
        p = bin_ / name
        p.write_text(text)
        p.chmod(0o755)
    return bin_


def run_deps(tmp_path, **env):
    log = tmp_path / "apt.log"
    e = {"PATH": "%s:%s" % (shims(tmp_path), os.environ.get("PATH", "/usr/bin:/bin")),
         "LOG": str(log), **env}
    proc = subprocess.run(["sh", str(ROOT / "scripts" / "deps.sh"), "build"], env=e,
                          capture_output=True, text=True, timeout=60)
    return proc, log.read_text().splitlines() if log.exists() else []


def test_waits_for_the_apt_lock(tmp_path):
    proc, calls = run_deps(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [c.split()[-1] if "update" in c else "install" in c for c in calls] == ["-qq", True]
    for c in calls:
        assert "-o DPkg::Lock::Timeout=600" in c, c


def test_lock_timeout_can_be_set(tmp_path):
    proc, calls = run_deps(tmp_path, DEPS_LOCK_TIMEOUT="30")
    assert proc.returncode == 0, proc.stderr
    assert calls and all("DPkg::Lock::Timeout=30" in c for c in calls), calls
