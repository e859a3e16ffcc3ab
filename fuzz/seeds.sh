#!/bin/sh
# Seed corpora generated from the test fixtures (GitHub's own example
# events, tests/fixtures/events), so they are not copied into fuzz/seeds/:
#
#   sh fuzz/seeds.sh OUTDIR     writes OUTDIR/{event,payload,base64}/
set -eu

out=$1
fix=tests/fixtures/events
mkdir -p "$out/event" "$out/payload" "$out/base64"
for f in "$fix"/*.json; do
	name=$(basename "$f")
	cp "$f" "$out/event/$name"
	# the Contents API's form: base64 wrapped at 60 columns (of the first
	# 600 bytes: whole 10 KB files would slow every execution down 50 times)
	head -c 600 "$f" | base64 -w 60 > "$out/base64/$name.b64"
done
cp "$fix/repository_dispatch.json" "$out/payload/"

# fuzz_yamledit: "YAML NUL path NUL value" from each golden case of the
# editor (tests/cases/edit: input.yaml and each --set or --marker of
# args.json; "elem:PATH" with --create-elements); fuzz_yamlpath: every path
# in them.
mkdir -p "$out/yamledit" "$out/yamlpath"
/usr/bin/python3 - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
for case in sorted(pathlib.Path("tests/cases/edit").iterdir()):
    src, args = case / "input.yaml", case / "args.json"
    if not src.exists() or not args.exists():
        continue
    argv = json.loads(args.read_text())
    edits = [(a, b) for a, b in zip(argv, argv[1:]) if a in ("--set", "--marker")]
    for k, (flag, spec) in enumerate(edits):
        if "=" not in spec:
            continue
        path, value = spec.split("=", 1) if flag == "--marker" else (None, None)
        if flag == "--set":
            # the path ends at the first '=' outside quotes and brackets
            depth, quoted, i = 0, False, 0
            while i < len(spec):
                ch = spec[i]
                if quoted and ch == "\\":
                    i += 2
                    continue
                if ch == '"':
                    quoted = not quoted
                elif not quoted and ch == "[":
                    depth += 1
                elif not quoted and ch == "]":
                    depth -= 1
                elif not quoted and depth == 0 and ch == "=":
                    break
                i += 1
            path, value = spec[:i], spec[i + 1:]
            (out / "yamlpath" / ("%s-%d" % (case.name, k))).write_bytes(
                path.encode("utf-8", "surrogateescape"))
        else:
            path = "marker:" + path
        if flag == "--set" and "--create-elements" in argv:
            path = "elem:" + path
        (out / "yamledit" / ("%s-%d" % (case.name, k))).write_bytes(
            src.read_bytes() + b"\0" + path.encode("utf-8", "surrogateescape") + b"\0" +
            value.encode("utf-8", "surrogateescape"))
PY
