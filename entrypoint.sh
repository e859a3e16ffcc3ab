#!/bin/sh
# entrypoint.sh: run gitops-bump outside a container (other CI systems,
# self-hosted runners without Docker, local runs), with the same environment
# contract as the image: INPUT_<NAME> variables, GITHUB_* variables, the token
# in INPUT_TOKEN / GITHUB_TOKEN / GH_TOKEN, arguments passed through.
#
#   ./entrypoint.sh dispatch --repository org/gitops      (or INPUT_MODE=dispatch)
#
# The binary, first found: $GITOPS_BUMP; build/static/gitops-bump and
# build/gitops-bump next to this script; gitops-bump on PATH; else it is built
# here with `make` (Debian's libraries; `make static` for the static one).
#
# Caveat: the Actions runner names inputs with their hyphens (INPUT_EVENT-TYPE),
# and POSIX shells (dash, busybox sh) drop such variables when they start a
# program.  The binary also reads the underscore spelling (INPUT_EVENT_TYPE),
# so this launcher re-exports every hyphenated INPUT_ variable it was given
# under that spelling, read from /proc/$$/environ (Linux).  Elsewhere, set the
# underscore spelling yourself.  The image runs the binary directly: no shell.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

find_binary() {
	if [ -n "${GITOPS_BUMP:-}" ]; then
		[ -x "$GITOPS_BUMP" ] || {
			echo "entrypoint.sh: GITOPS_BUMP='$GITOPS_BUMP' is not executable" >&2
			return 1
		}
		echo "$GITOPS_BUMP"
		return 0
	fi
	for b in "$here/build/static/gitops-bump" "$here/build/gitops-bump"; do
		if [ -x "$b" ]; then
			echo "$b"
			return 0
		fi
	done
	if command -v gitops-bump >/dev/null 2>&1; then
		command -v gitops-bump
		return 0
	fi
	if [ -f "$here/Makefile" ] && command -v make >/dev/null 2>&1; then
		echo "entrypoint.sh: building gitops-bump (make)" >&2
		make -C "$here" --no-print-directory -s all >&2 || return 1
		echo "$here/build/gitops-bump"
		return 0
	fi
	echo "entrypoint.sh: gitops-bump not found: build it with 'make static' or put it on PATH" >&2
	return 1
}

# Re-export INPUT_A-B=v as INPUT_A_B=v (unless that is set already).  Each
# environment entry is one line once NUL and newline are swapped.
recover_hyphenated() {
	env_file=/proc/$$/environ
	[ -r "$env_file" ] || return 0
	names=$(tr '\0\n' '\n\0' <"$env_file" | sed -n 's/^\(INPUT_[A-Za-z0-9_]*-[A-Za-z0-9_-]*\)=.*/\1/p')
	for name in $names; do
		alt=$(echo "$name" | tr '-' '_')
		eval "[ -z \"\${$alt:-}\" ]" || continue
		# The trailing 'x' keeps the value's own final newlines.
		value=$(tr '\0\n' '\n\0' <"$env_file" | sed -n "s/^$name=//p" | tr '\0' '\n'; echo x)
		value=${value%?}
		value=${value%?}
		export "$alt=$value"
	done
}

bin=$(find_binary)
recover_hyphenated
exec "$bin" "$@"
