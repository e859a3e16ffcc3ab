"""Golden cases for `gitops-bump edit` (tests/cases/edit/NNN-name/).

A case directory holds
  input.yaml      the file to edit (bytes as they are: CRLF, BOM, ...)
  args.json       the arguments after `edit`, a JSON list; "{input}" stands
                  for the input file (default: it comes first), "-" reads
                  input.yaml from stdin; "\\udcXX" escapes give raw bytes
and either
  expected.yaml   stdout must be exactly this (exit 0; stderr empty unless
                  expected.warn gives the one warning line it must hold), or
  expected.diff   stdout (with --diff) must be exactly this, "{input}"
                  standing for the input file (exit 0), or
  expected.err    one line on stderr must contain this text; stdout stays
                  empty and the input file is untouched
  exit            the expected exit status for an error (default 1)

Every successful case is also checked independently with PyYAML: the
output parses, and every --set path reads back its value in each document
where it resolves (see readback()): a string (for PATH="VALUE" and
--set-string: the string), or for PATH:=VALUE the typed value; a plain
PATH=VALUE may read back either, its exact bytes are the golden file's
business.  Running the same --set edits on the
output changes nothing (idempotence).
"""
import json
import os
import re

import pytest
import yaml

from conftest import ROOT

CASES = sorted((ROOT / "tests" / "cases" / "edit").iterdir())


def case_args(case, input_path):
    raw = json.loads((case / "args.json").read_text())
    args = [a.replace("{input}", str(input_path)) for a in raw]
    args = [os.fsencode(a) for a in args]
    if "{input}" not in raw and "-" not in raw:
        args.insert(0, str(input_path))
    return args, "-" in raw


def run_case(gb, case, tmp_path, input_bytes=None):
    data = input_bytes if input_bytes is not None else (case / "input.yaml").read_bytes()
    src = tmp_path / "input.yaml"
    src.write_bytes(data)
    args, stdin = case_args(case, src)
    res = gb(["edit", *args], input=data if stdin else None, actions=False)
    return res, src, data


# ---- an independent reader of the path grammar, over PyYAML documents ----

SEG = re.compile(r'''
    \.?(?P<bare>[A-Za-z0-9_-]+)
  | \.?"(?P<quoted>(?:[^"\\]|\\["\\])*)"
  | \[(?P<index>[0-9]+)\]
  | \[(?P<all>\*)\]
  | \[(?P<mkey>[A-Za-z0-9_-]+|"(?:[^"\\]|\\["\\])*")=(?P<mval>"(?:[^"\\]|\\["\\])*"|[^\]"]+)\]
''', re.X)


def unquote(s):
    if s.startswith('"'):
        return re.sub(r'\\(["\\])', r'\1', s[1:-1])
    return s


def parse_path(path):
    segs, pos = [], 0
    while pos < len(path):
        m = SEG.match(path, pos)
        assert m, f"test cannot parse path {path!r} at {pos}"
        if m["bare"] is not None:
            segs.append(("key", m["bare"]))
        elif m["quoted"] is not None:
            segs.append(("key", unquote('"' + m["quoted"] + '"')))
        elif m["index"] is not None:
            segs.append(("index", int(m["index"])))
        elif m["all"] is not None:
            segs.append(("all", None))
        else:
            segs.append(("match", (unquote(m["mkey"]), unquote(m["mval"]))))
        pos = m.end()
    return segs


def resolve(node, segs):
    """Every value the path reaches in one loaded document."""
    if not segs:
        return [node]
    kind, arg = segs[0]
    out = []
    if kind == "key" and isinstance(node, dict) and arg in node:
        out += resolve(node[arg], segs[1:])
    elif kind == "index" and isinstance(node, list) and arg < len(node):
        out += resolve(node[arg], segs[1:])
    elif kind == "all" and isinstance(node, list):
        for item in node:
            out += resolve(item, segs[1:])
    elif kind == "match" and isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get(arg[0]) == arg[1]:
                out += resolve(item, segs[1:])
    elif kind == "match" and isinstance(node, dict):
        # on a mapping, [key=value] filters: the mapping itself, or nothing
        if node.get(arg[0]) == arg[1]:
            out += resolve(node, segs[1:])
    return out


def split_set(arg):
    """PATH=VALUE, PATH:=VALUE or PATH="VALUE": the first '=' outside quotes
    and brackets.  (path, value, mode)."""
    depth, i, quoted = 0, 0, False
    while i < len(arg):
        c = arg[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif c == "=" and depth == 0:
            if i > 0 and arg[i - 1] == ":":
                return arg[:i - 1], arg[i + 1:], "typed"
            value = arg[i + 1:]
            if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
                return arg[:i], value[1:-1], "string"  # the quotes are syntax
            return arg[:i], value, "keep"
        i += 1
    raise AssertionError(f"no '=' in {arg!r}")


def sets_of(args):
    """(path, value, mode) of every --set and --set-string."""
    out = []
    for i, a in enumerate(args):
        a = os.fsdecode(a)
        for opt in ("--set", "--set-string"):
            arg = os.fsdecode(args[i + 1]) if a == opt else \
                a[len(opt) + 1:] if a.startswith(opt + "=") else None
            if arg is not None and opt == "--set-string":
                path, _, _ = split_set(arg)
                out.append((path, arg[len(path) + 1:], "string"))  # VALUE as is
            elif arg is not None:
                out.append(split_set(arg))
    return out


def readback(text, sets):
    docs = list(yaml.safe_load_all(text))
    for path, value, mode in sets:
        segs = parse_path(path)
        found = [v for d in docs for v in resolve(d, segs)]
        assert found, f"{path} resolves nowhere in the output"
        for v in found:
            if mode == "typed" or (mode == "keep" and not isinstance(v, str)):
                typed = yaml.safe_load(value)
                assert not isinstance(v, str) and v == typed and type(v) is type(typed), \
                    f"{path}: {v!r} != the typed {typed!r}"
            else:
                assert v == value, f"{path}: {v!r} != {value!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden(gb, case, tmp_path):
    res, src, data = run_case(gb, case, tmp_path)
    err = case / "expected.err"
    if err.exists():
        want_rc = int((case / "exit").read_text()) if (case / "exit").exists() else 1
        assert res.returncode == want_rc, res
        assert res.stdout == b"", res
        lines = res.err.strip("\n").split("\n")
        assert len(lines) == 1, f"want one error line: {res.err!r}"
        assert err.read_text().strip("\n") in lines[0], res
        assert src.read_bytes() == data, "a failed edit changed the file"
        return
    assert res.returncode == 0, res
    warn = case / "expected.warn"
    if warn.exists():
        lines = res.err.strip("\n").split("\n")
        assert len(lines) == 1 and "warning" in lines[0], f"want one warning: {res.err!r}"
        assert warn.read_text().strip("\n") in lines[0], res
    else:
        assert res.stderr == b"", res
    expected = case / ("expected.diff" if (case / "expected.diff").exists() else "expected.yaml")
    want = expected.read_bytes()
    if expected.name == "expected.diff":
        want = want.replace(b"{input}", bytes(src))
    assert res.stdout == want, res
    if expected.name == "expected.yaml":
        args, _ = case_args(case, src)
        sets = sets_of(args)
        readback(res.stdout.decode("utf-8-sig"), sets)
        if sets and not any(os.fsdecode(a).startswith("--marker") for a in args):
            again, _, _ = run_case(gb, case, tmp_path, input_bytes=res.stdout)
            assert again.returncode == 0 and again.stdout == res.stdout, "not idempotent"


def test_enough_cases():
    assert len(CASES) >= 60
