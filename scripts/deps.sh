#!/bin/sh
# Install the Debian packages a task needs, and only those that are missing.
#
#   sh scripts/deps.sh GROUP...     groups: build test bench static image fuzz analyze
#
# Runs apt-get (update first) only when something is missing, so a machine that
# already has everything never touches the network. Needs root to install.
# When another apt-get or dpkg holds the lock, it waits for it (up to
# DEPS_LOCK_TIMEOUT seconds, default 600) instead of failing at once.
set -eu

pkgs=""
for group in "$@"; do
	case "$group" in
	build)   pkgs="$pkgs gcc make pkg-config libcurl4-openssl-dev libcjson-dev libyaml-dev libmbedtls-dev" ;;
	test)    pkgs="$pkgs python3 python3-pytest python3-yaml python3-cryptography curl shellcheck yamllint openssl git" ;;
	bench)   pkgs="$pkgs python3 python3-ruamel.yaml curl time strace" ;;
	static)  pkgs="$pkgs gcc musl-tools dpkg-dev make file ca-certificates binutils" ;;
	image)   pkgs="$pkgs podman buildah runc debootstrap" ;;
	fuzz)    pkgs="$pkgs clang libclang-rt-14-dev llvm-14 python3" ;;
	analyze) pkgs="$pkgs clang-tidy cppcheck python3" ;;
	*) echo "deps.sh: unknown group '$group'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages:$missing (run: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
wait_lock="-o DPkg::Lock::Timeout=${DEPS_LOCK_TIMEOUT:-600}"
# shellcheck disable=SC2086
apt-get $wait_lock update -qq
# shellcheck disable=SC2086
apt-get $wait_lock install -y -qq --no-install-recommends $missing >/dev/null
