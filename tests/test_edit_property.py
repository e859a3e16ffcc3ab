"""Property test: for generated hostile values, `edit` output re-parses and
every target reads back exactly, in every scalar style, with PyYAML (from
Debian) as an independent oracle; nothing else in the document changes.

PyYAML resolves plain scalars by YAML 1.1 (as go-yaml does), so a value
that came back as a bool, number or null fails the read-back.  For YAML 1.2
the test checks every value written plain against the core schema's
patterns itself.
"""
import random
import re

import pytest
import yaml

# Each target key sits in a different place and style; the value in the
# base document is what must survive when it is not a target.
BASE = """\
plain: old value
single: 'old'
double: "old"
literal: |
  old
literal_strip: |-
  old
literal_keep: |+
  old

folded: >
  old
  text
folded_strip: >-
  old
empty:
tilde: ~
nested:
  deeper:
    plain: old   # comment
  list:
    - old
    - name: item
      value: "old"
flow: {a: old, b: 'old'}
flow_list: [old, "old"]
sentinel: "must stay"
"""

TARGETS = [
    "plain", "single", "double", "literal", "literal_strip", "literal_keep", "folded",
    "folded_strip", "empty", "tilde", "nested.deeper.plain", "nested.list[0]",
    "nested.list[name=item].value", "flow.a", "flow.b", "flow_list[0]", "flow_list[1]",
    "created", "nested.made.here",
]

FIXED = [
    "yes", "on", "off", "no", "y", "n", "Y", "NO", "true", "null", "Null", "~", "", " ",
    "1.0", "0x1F", "2024-08-04", "2024-08-04T10:00:00Z", "1e3", "0o17", "1_000", ".inf",
    "-.inf", ".nan", "012", "+12", "190:20:30", "0b1010", "<<", "=",
    "a: b", "a #b", "a:b", "a#b", "key:", "-", "- x", "--flag", "---", "...", "*x", "&x", "!x",
    "!!str x", "%x", "@x", "`x", "{x", "[x", "|x", ">x", "?x", ",x", "#x", "'x", '"x', "x'",
    'x"', " lead", "trail ", "\tlead", "trail\t", "a\tb", "line\nbreak", "two\n\nbreaks",
    "trailing\n", "trailing\n\n", "\nleading", "cr\rlf", "crlf\r\n", "\x01\x1f",
    "del\x7f", "nel\x85", "ls\u2028", "ps\u2029", "bom\ufeff", "nbsp\xa0", "\ufffe",
    "é", "日本語", "🚀", "커밋: 메시지", "fix(\"x\"): 'y' | z & w \\ v `u` $(t)",
    "   \n   ", "a\n b", "a \nb", "# not a comment", "x # y", "a: b: c", "[a, b]", "{a: b}",
]

PIECES = [
    "yes", "1", "0x", ".", "-", ":", ": ", " #", "#", "'", '"', "\\", "\n", "\n\n", "\t",
    " ", "\r", "\x85", "\u2028", "\ufeff", "\x07", "é", "🚀", "a", "word", "[", "]", "{",
    "}", ",", "*", "&", "!", "|", ">", "%", "@", "`", "?", "~", "null", "e3", "_",
]


def generated(n, seed):
    rnd = random.Random(seed)
    return ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 6))) for _ in range(n)]


# YAML 1.2 core schema: plain scalars that are not strings.
CORE_12 = re.compile(r"""^(?:
    null|Null|NULL|~|true|True|TRUE|false|False|FALSE
  | [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
  | [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  | [-+]?\.(inf|Inf|INF) | \.nan|\.NaN|\.NAN
  )$""", re.X)


def lookup(doc, path):
    node = doc
    for part in re.findall(r'\[[^\]]*\]|[^.\[]+', path):
        if part.startswith("[name="):
            node = next(i for i in node if isinstance(i, dict) and i.get("name") == part[6:-1])
        elif part.startswith("["):
            node = node[int(part[1:-1])]
        else:
            node = node[part]
    return node


def plain_values(text):
    """Every scalar written plain in the output."""
    out = []
    for doc in yaml.compose_all(text):
        stack = [doc]
        while stack:
            n = stack.pop()
            if isinstance(n, yaml.ScalarNode):
                if n.style is None:
                    out.append(n.value)
            elif isinstance(n, yaml.SequenceNode):
                stack.extend(n.value)
            elif isinstance(n, yaml.MappingNode):
                for k, v in n.value:
                    stack.extend((k, v))
    return out


def batches(values, size):
    for i in range(0, len(values), size):
        yield values[i:i + size]


VALUES = FIXED + generated(300, 20240804)


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("batch", list(batches(VALUES, len(TARGETS))),
                         ids=lambda b: f"{len(b)}")
def test_values_read_back(gb, tmp_path, batch, crlf):
    base = BASE.replace("\n", "\r\n") if crlf else BASE
    f = tmp_path / "m.yaml"
    f.write_bytes(base.encode())
    want = dict(zip(TARGETS, batch))
    args = ["edit", str(f)]
    for path, value in want.items():
        args += ["--set", f"{path}={value}"]
    res = gb([a.encode() for a in args], actions=False)  # (NUL cannot be in argv)
    assert res.returncode == 0, res
    text = res.stdout.decode("utf-8")
    doc = yaml.safe_load(text)
    for path, value in want.items():
        assert lookup(doc, path) == value, (path, value, text)
    assert doc["sentinel"] == "must stay"
    assert doc["nested"]["list"][1]["name"] == "item"
    for v in plain_values(text):
        assert not CORE_12.match(v), f"{v!r} is written plain but is not a YAML 1.2 string"
    if crlf:
        assert b"\n" not in res.stdout.replace(b"\r\n", b""), "a bare LF in a CRLF file"


MARKED = """\
p: <m>old</m> tail
s: 'head <m>old</m>'
d: "<m>old</m>"
l: |
  line
  <m>old</m>
f: >-
  <m>old</m>
"""


@pytest.mark.parametrize("value", FIXED[::3] + generated(40, 7))
def test_marker_values(gb, tmp_path, value):
    f = tmp_path / "m.yaml"
    f.write_text(MARKED)
    res = gb(["edit", str(f), "--marker", f"m={value}".encode("utf-8")], actions=False)
    assert res.returncode == 0, res
    doc = yaml.safe_load(res.stdout.decode())
    assert doc["p"] == f"<m>{value}</m> tail"
    assert doc["s"] == f"head <m>{value}</m>"
    assert doc["d"] == f"<m>{value}</m>"
    assert doc["l"] == f"line\n<m>{value}</m>\n"
    assert doc["f"] == f"<m>{value}</m>"
