"""Static checks of the shipping files: yamllint on action.yml and the
workflows, shellcheck on every shell script, and the rules GitHub sets for a
Docker action's image on the Dockerfile."""
import re
import subprocess

import pytest

from conftest import ROOT

SKIP_DIRS = {".git", "build", "__pycache__", "node_modules"}


def repo_files():
    for p in sorted(ROOT.rglob("*")):
        rel = p.relative_to(ROOT)
        if p.is_file() and not SKIP_DIRS & set(rel.parts):
            yield p


def shell_scripts():
    for p in repo_files():
        if p.suffix == ".sh":
            yield p
            continue
        with open(p, "rb") as f:
            first = f.readline()
        if re.match(rb"#!\s*(/usr)?/bin/(env\s+)?(ba|da)?sh\b", first):
            yield p


def test_yamllint():
    files = [ROOT / "action.yml", *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]
    assert len(files) >= 3, files
    proc = subprocess.run(["yamllint", "-s", "-f", "parsable", "-c", str(ROOT / ".yamllint"),
                           *map(str, files)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


SCRIPTS = list(shell_scripts())


def test_found_the_scripts():
    names = {p.relative_to(ROOT).as_posix() for p in SCRIPTS}
    assert {"entrypoint.sh", "scripts/static-build.sh", "scripts/image.sh",
            "scripts/deps.sh", ".ci/run"} <= names, names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_shellcheck(script):
    proc = subprocess.run(["shellcheck", "-x", str(script)], capture_output=True, text=True,
                          cwd=script.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def final_stage(text):
    stages = re.split(r"(?im)^FROM\s+", text)
    return stages[-1]


def test_dockerfile_follows_github_rules():
    text = (ROOT / "Dockerfile").read_text()
    # The builder base is a build ARG pinned by digest.
    m = re.search(r"(?m)^ARG BUILDER_IMAGE=(\S+)$", text)
    assert m and re.search(r"@sha256:[0-9a-f]{64}$", m.group(1)), "builder base not pinned"
    assert re.search(r"(?m)^FROM \$\{BUILDER_IMAGE\} AS builder$", text)
    last = final_stage(text)
    assert last.startswith("scratch"), "the final stage is not FROM scratch"
    for word in ("USER", "WORKDIR"):
        assert not re.search(rf"(?m)^{word}\b", text), f"{word} in the Dockerfile"
    entry = re.findall(r"(?m)^ENTRYPOINT (.*)$", last)
    assert entry == ['["/gitops-bump"]'], entry
    assert "org.opencontainers.image.source" in last and "org.opencontainers.image.revision" in last
    # One recipe: the builder runs the same script as `make static`.
    assert "scripts/static-build.sh" in text
    assert "scripts/static-build.sh" in (ROOT / "mk" / "static.mk").read_text()
