#!/bin/sh
# image: build the action's image with Buildah, no Docker engine, no registry.
#
#   sh scripts/image.sh base    make the builder base image locally (once)
#   sh scripts/image.sh build   base + `buildah bud` of the Dockerfile -> $IMAGE
#
# Environment:
#   IMAGE          the tag to build          (default: localhost/gitops-bump:dev)
#   BUILDER_IMAGE  the builder base, by digest; empty (default): a local
#                  base made here; "pinned": the Dockerfile's own default
#                  (needs a registry)
#   STORAGE        container storage flags   (default: --storage-driver vfs)
#   DEBIAN_MIRROR  for debootstrap           (default: http://deb.debian.org/debian)
#
# The local base stands in for debian:bookworm-slim: `debootstrap --variant=
# minbase bookworm` imported with `podman import`.  It is passed to the
# Dockerfile by digest (localhost/gitops-bump-builder@sha256:...), exactly as
# the pinned registry base is, so the Dockerfile is the same in both cases.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${IMAGE:-localhost/gitops-bump:dev}
BASE=localhost/gitops-bump-builder
BASE_TAG=$BASE:bookworm
STORAGE=${STORAGE:---storage-driver vfs}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
OUT=$ROOT/build/image

now_ms() { echo $(($(date +%s%N) / 1000000)); }
say() { printf 'image: %s\n' "$*"; }
die() { printf 'image: %s\n' "$*" >&2; exit 1; }

# shellcheck disable=SC2086 # STORAGE is a list of words
podman_() { podman $STORAGE "$@"; }
# shellcheck disable=SC2086
buildah_() { buildah $STORAGE "$@"; }

base_digest() {
	podman_ image inspect --format '{{.Digest}}' "$BASE_TAG" 2>/dev/null
}

make_base() {
	if d=$(base_digest) && [ -n "$d" ]; then
		echo "$BASE@$d"
		return 0
	fi
	start=$(now_ms)
	mkdir -p "$OUT"
	rootfs=$OUT/rootfs
	rm -rf "$rootfs"
	say "debootstrap bookworm (minbase) from $MIRROR" >&2
	debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" \
		>"$OUT/debootstrap.log" 2>&1 || {
		tail -n 20 "$OUT/debootstrap.log" >&2
		die "debootstrap failed (log: $OUT/debootstrap.log)"
	}
	# As slim as the registry's image: no package cache, no lists.
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
	tar --numeric-owner -C "$rootfs" -c . |
		podman_ import -q --change 'CMD ["/bin/bash"]' - "$BASE_TAG" >/dev/null
	rm -rf "$rootfs"
	d=$(base_digest) || die "podman import did not store '$BASE_TAG'"
	say "builder base $BASE@$d made in $((($(now_ms) - start) / 1000)) s" >&2
	echo "$BASE@$d"
}

# A digest of everything the build reads: the build is skipped when the
# image already carries it (io.gitops-bump.context), so a warm run is quick.
context_key() {
	{
		printf '%s\n' "$1" "$2"
		for f in Dockerfile .dockerignore VERSION scripts/deps.sh scripts/static-build.sh \
			$(cd "$ROOT" && find src -type f | LC_ALL=C sort); do
			printf '%s\n' "$f"
			cat "$ROOT/$f"
		done
	} | sha256sum | cut -c1-64
}

report() {
	size=$(podman_ image inspect --format '{{.Size}}' "$IMAGE")
	id=$(podman_ image inspect --format '{{.Id}}' "$IMAGE")
	say "$IMAGE: $size bytes ($(((size + 1023) / 1024)) KiB), id sha256:$id"
}

build() {
	start=$(now_ms)
	case "${BUILDER_IMAGE:-}" in
	"") base=$(make_base) ;;
	pinned) base= ;;
	*) base=$BUILDER_IMAGE ;;
	esac
	revision=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
	key=$(context_key "$base" "$revision")
	have=$(podman_ image inspect --format '{{index .Labels "io.gitops-bump.context"}}' \
		"$IMAGE" 2>/dev/null || true)
	if [ "$have" = "$key" ]; then
		say "$IMAGE is up to date"
		report
		return 0
	fi
	set -- --build-arg VERSION="$(cat "$ROOT/VERSION")" --build-arg REVISION="$revision" \
		--label io.gitops-bump.context="$key"
	[ -n "$base" ] && set -- "$@" --build-arg BUILDER_IMAGE="$base"
	shown=${base:-the pinned default in the Dockerfile}
	say "building $IMAGE (builder: $shown)"
	mkdir -p "$OUT"
	# --layers: the libraries' layer is reused while only src/ changes.
	if ! buildah_ bud --isolation chroot --network host --layers "$@" \
		-t "$IMAGE" "$ROOT" >"$OUT/build.log" 2>&1; then
		tail -n 30 "$OUT/build.log" >&2
		die "buildah bud failed (log: $OUT/build.log)"
	fi
	report
	say "time: $((($(now_ms) - start) / 1000)) s"
}

case "${1:-}" in
base) make_base ;;
build) build ;;
*) echo "usage: sh scripts/image.sh base|build" >&2; exit 2 ;;
esac
