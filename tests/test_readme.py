"""README.md against the binary and action.yml: the adopter's guide lists
every input the binary reads (its table, `gitops-bump --list-inputs`) once,
for the right mode, and every output action.yml declares; its two set-up
commands are make targets; it stays a guide (maintainers' material and
figures live in docs/, which it links)."""
import re

import yaml

from conftest import ROOT

README = (ROOT / "README.md").read_text()
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def section(title):
    m = re.search(r"^## " + re.escape(title) + r"\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert m, f"README has no section '## {title}'"
    return m.group(1)


def table_rows(text):
    """The first cell (split on ', ') and the rest of each body row of the
    Markdown tables in `text`."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        names = re.findall(r"`([a-z][a-z0-9-]*)`", cells[0])
        rows.append((names, cells[1:]))
    return rows


def binary_inputs(gb):
    res = gb(["--list-inputs"], actions=False)
    assert res.returncode == 0, res
    table = {}
    for line in res.out.splitlines():
        name, modes = line.split("\t")[:2]
        table[name] = set(modes.split(","))
    return table


def test_inputs_table_matches_binary(gb):
    table = binary_inputs(gb)
    listed = {}
    for names, cells in table_rows(section("Inputs")):
        for name in names:
            assert name not in listed, f"input '{name}' listed twice in the README"
            listed[name] = cells[0]
    assert set(table) - set(listed) == set(), "inputs the binary reads, missing from the README"
    assert set(listed) - set(table) == set(), "inputs in the README the binary does not read"
    for name, modes in table.items():
        # mode land reads a subset of the receiver's inputs; the README says
        # which in its own section, so this column names dispatch and patch
        modes = modes - {"land"}
        word = "both" if modes == {"dispatch", "patch"} else ",".join(sorted(modes))
        assert listed[name] == word, f"README says '{listed[name]}' for input '{name}', binary: {word}"


def test_land_inputs_match_binary(gb):
    """The land section names exactly the inputs the binary reads in mode
    land (the Inputs table's mode column names dispatch and patch only)."""
    text = section("Close the loop: deployments and Argo CD")
    m = re.search(r"Land reads these inputs\s+only:\s+(.*?)\.\s+\[More\]", text, re.S)
    assert m, "the land section does not list its inputs"
    named = set(re.findall(r"`([a-z-]+)`", m.group(1)))
    land = {name for name, modes in binary_inputs(gb).items() if "land" in modes} - {"mode"}
    assert named == land, f"README's land inputs differ from the binary's: {named ^ land}"


def test_outputs_table_matches_action_yml():
    listed = set()
    for names, _ in table_rows(section("Outputs")):
        listed.update(names)
    assert listed == set(ACTION["outputs"]), "README outputs differ from action.yml's"


def test_setup_commands_are_make_targets():
    quick = section("Quick start")
    cmds = re.findall(r"^make (\S+)", quick, re.M)
    assert cmds == ["demo", "test"], cmds
    makefiles = (ROOT / "Makefile").read_text() + "".join(
        p.read_text() for p in sorted((ROOT / "mk").glob("*.mk")))
    for target in cmds:
        assert re.search(r"^" + target + r":", makefiles, re.M), f"no make target '{target}'"


def test_guide_not_notebook():
    lines = README.splitlines()
    assert len(lines) <= 450, f"README is {len(lines)} lines: move maintainers' material to docs/"
    # Figures that a later commit would have to update belong in docs/.
    assert not re.search(r"\b\d+ passed\b", README), "a test count in the README"
    assert not re.search(r"commit `[0-9a-f]{7,40}`", README), "a commit hash in the README"
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b(?!T)", README), "a dated figure in the README"
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / link).is_file(), f"README links {link}, which does not exist"


def yaml_blocks():
    return re.findall(r"```yaml\n(.*?)```", README, re.S)


def gitops_bump_steps(node):
    if isinstance(node, dict):
        if str(node.get("uses", "")).startswith("OWNER/gitops-bump@"):
            yield node
        for v in node.values():
            yield from gitops_bump_steps(v)
    elif isinstance(node, list):
        for v in node:
            yield from gitops_bump_steps(v)


def test_workflow_snippets_use_real_inputs():
    """Every YAML block parses (a fragment once dedented), and every `with:`
    key given to the action, written or commented out, is an input of
    action.yml, so a copy-pasted workflow never trips on a misspelt input."""
    import textwrap
    blocks = yaml_blocks()
    assert len(blocks) >= 3, "the README lost its workflow files"
    steps = 0
    for text in blocks:
        doc = yaml.safe_load(textwrap.dedent(text))
        for step in gitops_bump_steps(doc):
            steps += 1
            assert step["with"]["mode"] in ("dispatch", "patch", "land")
            unknown = set(step["with"]) - set(ACTION["inputs"])
            assert not unknown, f"README workflow passes unknown inputs {unknown}"
        for key in re.findall(r"^\s*#\s*([a-z][a-z-]+):\s", text, re.M):
            assert key in ACTION["inputs"], f"README workflow comments out unknown input '{key}'"
    assert steps >= 3
