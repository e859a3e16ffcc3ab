"""action.yml against the binary: the inputs the binary reads (its table,
`gitops-bump --list-inputs`) and the inputs action.yml declares are the same
set, with the same defaults; the metadata GitHub needs is there."""
import re

import yaml

from conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())

# The outputs the modes write (issue 2: dispatch; issue 4: patch).
OUTPUTS = {
    "dispatch": {"payload", "event-type", "run-id", "run-url"},
    "patch": {"changed", "commit-sha", "commit-url", "files", "pull-request-url", "diff",
              "skipped", "verified"},
}
# issue 12: the deployment and Argo CD.
OUTPUTS["dispatch"] |= {"deployment-id", "deploy-state", "gitops-commit-url"}
OUTPUTS["patch"] |= {"argocd-revision", "argocd-sync-status", "argocd-health"}
# mode land writes outputs of both (tests/test_land.py checks which).
OUTPUTS["land"] = {"deployment-id", "deploy-state", "gitops-commit-url", "argocd-revision",
                   "argocd-sync-status", "argocd-health"}


def binary_inputs(gb):
    res = gb(["--list-inputs"], actions=False)
    assert res.returncode == 0, res
    table = {}
    for line in res.out.splitlines():
        name, modes, default, help_, kind = line.split("\t")
        table[name] = {"modes": set(modes.split(",")), "default": default.replace("\\n", "\n"),
                       "help": help_, "kind": kind}
    assert table, "the binary listed no inputs"
    return table


def test_same_inputs(gb):
    table = binary_inputs(gb)
    declared = set(ACTION["inputs"])
    assert declared - set(table) == set(), "declared in action.yml, unknown to the binary"
    assert set(table) - declared == set(), "read by the binary, missing from action.yml"


def test_same_defaults(gb):
    table = binary_inputs(gb)
    for name, spec in ACTION["inputs"].items():
        if name in ("token", "deployment-token"):
            # The binary itself falls back to GITHUB_TOKEN; the action passes
            # the job's token explicitly.
            assert spec["default"] == "${{ github.token }}"
            assert table[name]["default"] == ""
            continue
        if spec.get("required"):
            assert "default" not in spec, f"{name}: required and defaulted"
            assert table[name]["default"] == ""
            continue
        assert "default" in spec, f"{name}: no default in action.yml"
        if table[name]["kind"] == "payload":
            # The runner passes every default: a default that depends on the
            # payload is '' here, "the binary's own default" (issue 9).
            assert spec["default"] == "", f"{name}: its default depends on the payload"
            assert table[name]["default"], name
            continue
        assert table[name]["kind"] == "fixed", name
        assert str(spec["default"]) == table[name]["default"], name


def test_payload_dependent_defaults(gb):
    """The templates whose default names the source commit (which the
    article's payload does not carry) are the ones marked."""
    table = binary_inputs(gb)
    assert {n for n, t in table.items() if t["kind"] == "payload"} == {
        "value", "commit-message", "pull-request-title", "pull-request-body"}


def test_every_input_described():
    for name, spec in ACTION["inputs"].items():
        assert isinstance(spec.get("description"), str) and len(spec["description"]) > 10, name
        assert set(spec) <= {"description", "default", "required", "deprecationMessage"}, name
    assert ACTION["inputs"]["mode"].get("required") is True


def test_outputs():
    declared = ACTION["outputs"]
    assert set(declared) == OUTPUTS["dispatch"] | OUTPUTS["patch"]
    assert OUTPUTS["land"] <= set(declared)
    for name, spec in declared.items():
        assert isinstance(spec.get("description"), str) and spec["description"], name


def test_metadata():
    for key in ("name", "description", "author"):
        assert isinstance(ACTION.get(key), str) and ACTION[key].strip(), key
    assert ACTION["branding"]["icon"] and ACTION["branding"]["color"] in {
        "white", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"}
    runs = ACTION["runs"]
    assert runs["using"] == "docker"
    image = runs["image"]
    assert image == "Dockerfile" or re.fullmatch(
        r"docker://ghcr\.io/[a-z0-9._-]+/gitops-bump@sha256:[0-9a-f]{64}", image), image
    # No args and no entrypoint override: the mode comes from INPUT_MODE.
    assert set(runs) == {"using", "image"}
