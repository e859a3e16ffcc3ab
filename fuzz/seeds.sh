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
