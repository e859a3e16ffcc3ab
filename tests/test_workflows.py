"""The repo's own workflows: CI runs the README's test command; the release
builds both architectures, signs and attests by digest, then pins action.yml,
with the least permissions each job needs."""
import re
import shutil
import subprocess

import yaml

from conftest import ROOT

WF = ROOT / ".github" / "workflows"


def load(name):
    doc = yaml.safe_load((WF / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads `on` as true
    return doc


def steps(job):
    return job["steps"]


def runs(job):
    return "\n".join(s.get("run", "") for s in steps(job))


def uses(job):
    return [s["uses"].split("@")[0] for s in steps(job) if "uses" in s]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test " in readme or "make test\n" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    ci = load("ci.yml")
    assert ci["permissions"] == {"contents": "read"}
    assert "bash .ci/run" in runs(ci["jobs"]["test"])
    assert "make test-static" in runs(ci["jobs"]["static"])
    assert "tests/image/check_image.py" in runs(ci["jobs"]["image"])


def test_ci_runs_the_hardening_checks():
    """Issue 6: static analysis, every fuzz target for at least 60 s, the
    allocation-failure torture and the soak."""
    import glob
    import os
    jobs = load("ci.yml")["jobs"]
    assert "make analyze" in runs(jobs["analyze"])
    targets = sorted(os.path.basename(p)[len("fuzz_"):-2]
                     for p in glob.glob(str(ROOT / "fuzz" / "fuzz_*.c")))
    assert sorted(jobs["fuzz"]["strategy"]["matrix"]["target"]) == targets
    seconds = int(re.search(r"FUZZ_SECONDS=(\d+)", runs(jobs["fuzz"])).group(1))
    assert seconds >= 60
    assert "make torture" in runs(jobs["torture"]) and "make soak" in runs(jobs["torture"])


def test_release_permissions_are_minimal():
    rel = load("release.yml")
    assert rel["permissions"] == {}
    assert rel["jobs"]["image"]["permissions"] == {
        "contents": "read", "packages": "write", "id-token": "write", "attestations": "write"}
    assert rel["jobs"]["pin"]["permissions"] == {"contents": "write"}


def test_release_builds_signs_and_attests_by_digest():
    rel = load("release.yml")
    job = rel["jobs"]["image"]
    build = next(s for s in steps(job) if s.get("id") == "build")
    assert set(build["with"]["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert build["with"]["push"] is True
    assert re.search(r'cosign sign --yes "\$REF"', runs(job))
    sign = next(s for s in steps(job) if "cosign sign" in s.get("run", ""))
    assert sign["env"]["REF"].endswith("@${{ steps.build.outputs.digest }}")
    assert {"actions/attest-sbom", "actions/attest-build-provenance",
            "sigstore/cosign-installer"} <= set(uses(job))
    for s in steps(job):
        if s.get("uses", "").startswith("actions/attest"):
            assert s["with"]["subject-digest"] == "${{ steps.build.outputs.digest }}"


def test_release_pins_action_yml_then_moves_the_major_tag():
    rel = load("release.yml")
    pin = rel["jobs"]["pin"]
    assert pin["needs"] == "image"
    script = runs(pin)
    assert "image: docker://$IMAGE@$DIGEST" in script
    assert 'git push -f origin "refs/tags/$major"' in script
    assert rel["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}


def test_pin_step_rewrites_only_runs_image(tmp_path):
    pin = next(s for s in steps(load("release.yml")["jobs"]["pin"])
               if s.get("name", "").startswith("pin action.yml"))
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    digest = "sha256:" + "ab" * 32
    env = {"PATH": "/usr/bin:/bin", "IMAGE": "ghcr.io/octo-org/gitops-bump", "DIGEST": digest}
    for _ in range(2):  # a second release re-pins the pinned file
        proc = subprocess.run(["bash", "-e", "-c", pin["run"]], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    before = yaml.safe_load((ROOT / "action.yml").read_text())
    after = yaml.safe_load((tmp_path / "action.yml").read_text())
    assert after["runs"] == {"using": "docker",
                             "image": f"docker://ghcr.io/octo-org/gitops-bump@{digest}"}
    after["runs"] = before["runs"]
    assert after == before
    env["DIGEST"] = "latest"
    proc = subprocess.run(["bash", "-e", "-c", pin["run"]], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "bad digest" in proc.stderr
