#!/bin/sh
# static-build: build build/static/gitops-bump, one fully static, stripped
# executable linked against musl, from Debian 13's security-maintained source
# packages of mbedTLS 3.6 LTS, curl 8.14 (HTTP/HTTPS only), cJSON and libyaml,
# with Debian 12's mimalloc in place of musl's malloc (see build_mimalloc).
#
#   sh scripts/static-build.sh          (what `make static` and the Dockerfile run)
#   sh scripts/static-build.sh deps     the libraries only (the Dockerfile's cached layer)
#
# Environment (all optional):
#   STATIC_DIR       output directory            (default: build/static)
#   JOBS             parallel compile jobs       (default: nproc)
#   MUSL_CC          the musl compiler wrapper   (default: musl-gcc)
#   DEBIAN_MIRROR    Debian archive              (default: http://deb.debian.org/debian)
#   DEBIAN_SECURITY  Debian security archive     (default: http://deb.debian.org/debian-security)
#
# Trust chain: apt-get source, with a private apt state (the machine's own
# lists and sources are never touched), checks the signed Release file against
# Debian's archive keyring, the Sources index against the Release file, and
# every downloaded file against the index; dpkg-source -x then checks the
# tarballs against the .dsc checksums and applies Debian's patches (the CVE
# fixes).  Versions are pinned: the mirror's index can name a newer security
# version whose files are not in the pool yet.  No third-party source is in
# the repository; the downloads are cached under $STATIC_DIR/dl.
#
# Cache: each library is rebuilt only when its version or this recipe's flags
# change (a stamp in the prefix); our own sources are recompiled every run
# (a few seconds).  `rm -rf build/static` starts cold.
#
# Checks (any failure stops the build): `file` says "statically linked";
# mbedTLS's platform entropy uses the getrandom system call (stock 3.6 only
# does so on glibc and reads /dev/urandom on musl, which fails in a container
# without /dev: the recipe enables it for musl, see build_mbedtls).
set -eu
case "${1:-}" in
"" | deps) ;;
*) echo "usage: sh scripts/static-build.sh [deps]" >&2; exit 2 ;;
esac

MBEDTLS_V=3.6.6-0.1~deb13u1
CURL_V=8.14.1-2+deb13u5
CJSON_V=1.7.18-3.1+deb13u1
LIBYAML_V=0.2.5-2
# mimalloc comes from Debian 12 (bookworm, still security-supported): the
# archive serves no files for Debian 13's 3.0.1+ds-2.1.  Besides apt's and
# dpkg-source's checks, its .dsc must have this SHA-256 (it holds the
# tarballs' checksums), so a changed upload is never taken silently.
MIMALLOC_V=2.0.9+ds-2
MIMALLOC_DSC_SHA256=fb324e4faaa693d90f5bf0a8e652ea96f41d4c7f6ea432ea819756e8f70ce42d
# Bump when the way a library is built changes, so caches rebuild.
RECIPE=1

# The bundle the binary trusts when SSL_CERT_FILE is not set: Debian's
# ca-certificates path, which the image provides.
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${STATIC_DIR:-$ROOT/build/static}
case "$OUT" in /*) ;; *) OUT=$ROOT/$OUT ;; esac
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
CC=${MUSL_CC:-musl-gcc}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
PREFIX=$OUT/prefix
DL=$OUT/dl
WORK=$OUT/work
LOG=$OUT/log
DEP_CFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"
# The code on the editor's hot path (libyaml, mimalloc, ours) is built for
# speed, as Debian builds the dynamic one: -Os made the 10 MB edit ~15%
# slower for ~55 KB less binary.
FAST_CFLAGS="-O2 -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
say() { printf 'static: %s\n' "$*"; }
die() { printf 'static: %s\n' "$*" >&2; exit 1; }

START=$(now_ms)

for tool in "$CC" apt-get dpkg-source file strip ar make nm sha256sum; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "missing tool '$tool' (run: sh scripts/deps.sh static)"
done

# Flags are word lists: paths with blanks would split.
case "$ROOT$OUT" in *[[:space:]]*) die "paths with blanks are not supported: '$OUT'" ;; esac
mkdir -p "$PREFIX/include" "$PREFIX/lib" "$DL" "$WORK" "$LOG"

# Run a build step quietly; on failure show the end of its log.
quiet() {
	name=$1
	shift
	if ! "$@" >"$LOG/$name.log" 2>&1; then
		tail -n 30 "$LOG/$name.log" >&2
		die "step '$name' failed (full log: $LOG/$name.log)"
	fi
}

# --- sources -----------------------------------------------------------

APT_READY=
apt_setup() {
	[ -n "$APT_READY" ] && return 0
	mkdir -p "$OUT/apt/lists/partial"
	cat >"$OUT/apt/trixie-src.sources" <<EOF
Types: deb-src
URIs: $MIRROR
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $SECURITY
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $MIRROR
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	# shellcheck disable=SC2086 # APT_OPTS is a list of words
	quiet apt-update apt-get $APT_OPTS update
	APT_READY=1
}
APT_OPTS="-o Dir::Etc::SourceList=$OUT/apt/trixie-src.sources -o Dir::Etc::SourceParts=/dev/null
 -o Dir::State::Lists=$OUT/apt/lists -o Dir::Cache=$OUT/apt/cache
 -o APT::Sandbox::User=root -o Acquire::Retries=3"

# fetch PKG VERSION: the .dsc and its files into $DL (once).
fetch() {
	dsc=$DL/${1}_$(echo "$2" | sed 's/^[0-9]*://').dsc
	[ -f "$dsc" ] && return 0
	apt_setup
	say "fetching $1 $2"
	# shellcheck disable=SC2086 # APT_OPTS is a list of words
	(cd "$DL" && quiet "fetch-$1" apt-get $APT_OPTS source --download-only "$1=$2")
	[ -f "$dsc" ] || die "apt-get source did not produce '$dsc'"
}

# unpack PKG VERSION: a fresh, verified, patched tree in $WORK/PKG.
unpack() {
	fetch "$1" "$2"
	rm -rf "${WORK:?}/$1"
	quiet "unpack-$1" dpkg-source --require-strong-checksums -x \
		"$DL/${1}_$(echo "$2" | sed 's/^[0-9]*://').dsc" "$WORK/$1"
}

# fresh PKG VERSION [FLAGS]: true when the library must be (re)built.
fresh() {
	[ "$(cat "$PREFIX/.stamp-$1" 2>/dev/null)" != "$2 r$RECIPE $CC ${3:-$DEP_CFLAGS}" ]
}
stamp() {
	echo "$2 r$RECIPE $CC ${3:-$DEP_CFLAGS}" >"$PREFIX/.stamp-$1"
	rm -rf "${WORK:?}/$1"
}

# --- libraries ---------------------------------------------------------

build_mbedtls() {
	fresh mbedtls "$MBEDTLS_V" || return 0
	unpack mbedtls "$MBEDTLS_V"
	say "building mbedTLS $MBEDTLS_V"
	src=$WORK/mbedtls
	# Stock 3.6 calls getrandom only when __GLIBC__ is defined; musl has the
	# system call too.  Without this, entropy comes from /dev/urandom.
	f=$src/library/entropy_poll.c
	n=$(grep -c '^#if ((defined(__linux__) && defined(__GLIBC__)) || defined(__midipix__))$' "$f" || true)
	[ "$n" = 1 ] || die "mbedTLS entropy_poll.c changed: review the getrandom fix"
	sed -i 's/^#if ((defined(__linux__) && defined(__GLIBC__)) || defined(__midipix__))$/#if defined(__linux__) || defined(__midipix__)/' "$f"
	quiet mbedtls make -C "$src/library" -j"$JOBS" CC="$CC" AR=ar \
		CFLAGS="$DEP_CFLAGS" static
	nm "$src/library/entropy_poll.o" | grep -q ' U syscall$' ||
		die "mbedTLS entropy does not use the getrandom system call"
	rm -rf "$PREFIX/include/mbedtls" "$PREFIX/include/psa"
	cp -R "$src/include/mbedtls" "$src/include/psa" "$PREFIX/include/"
	cp "$src/library/libmbedtls.a" "$src/library/libmbedx509.a" \
		"$src/library/libmbedcrypto.a" "$PREFIX/lib/"
	stamp mbedtls "$MBEDTLS_V"
}

build_curl() {
	fresh curl "$CURL_V" || return 0
	unpack curl "$CURL_V"
	say "building curl $CURL_V (HTTP/HTTPS only)"
	src=$WORK/curl
	# Every protocol but HTTP(S) off, every optional library off; the proxy
	# and basic/bearer auth stay (self-hosted runners behind a proxy).
	(cd "$src" && quiet curl-configure ./configure \
		CC="$CC" CFLAGS="$DEP_CFLAGS" CPPFLAGS="-I$PREFIX/include" \
		LDFLAGS="-L$PREFIX/lib" \
		--disable-shared --enable-static --disable-dependency-tracking \
		--disable-maintainer-mode --with-mbedtls="$PREFIX" \
		--with-ca-bundle="$CA_BUNDLE" --without-ca-path --without-ca-fallback \
		--disable-ca-search --without-ca-embed \
		--enable-http --disable-ftp --disable-file --disable-ipfs \
		--disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
		--disable-telnet --disable-tftp --disable-pop3 --disable-imap \
		--disable-smb --disable-smtp --disable-gopher --disable-mqtt \
		--disable-websockets --disable-manual --disable-docs \
		--disable-libcurl-option --disable-ntlm --disable-kerberos-auth \
		--disable-negotiate-auth --disable-digest-auth --disable-aws \
		--disable-tls-srp --disable-cookies --disable-doh --disable-mime \
		--disable-form-api --disable-netrc --disable-progress-meter \
		--disable-alt-svc --disable-hsts --disable-httpsrr --disable-ech \
		--disable-bindlocal --disable-dateparse --disable-get-easy-options \
		--disable-sspi --disable-unix-sockets --disable-ares \
		--enable-threaded-resolver --enable-ipv6 --enable-symbol-hiding \
		--without-zlib --without-brotli --without-zstd --without-libpsl \
		--without-libidn2 --without-nghttp2 --without-ngtcp2 \
		--without-nghttp3 --without-quiche --without-msh3 --without-libssh2 \
		--without-libssh --without-wolfssh --without-librtmp \
		--without-libgsasl --without-gssapi --without-libuv)
	quiet curl-make make -C "$src/lib" -j"$JOBS"
	rm -rf "$PREFIX/include/curl"
	mkdir -p "$PREFIX/include/curl"
	cp "$src"/include/curl/*.h "$PREFIX/include/curl/"
	cp "$src/lib/.libs/libcurl.a" "$PREFIX/lib/"
	stamp curl "$CURL_V"
}

build_cjson() {
	fresh cjson "$CJSON_V" || return 0
	unpack cjson "$CJSON_V"
	say "building cJSON $CJSON_V"
	src=$WORK/cjson
	# shellcheck disable=SC2086 # DEP_CFLAGS is a list of words
	quiet cjson "$CC" $DEP_CFLAGS -std=c89 -c -o "$src/cJSON.o" "$src/cJSON.c"
	rm -f "$PREFIX/lib/libcjson.a"
	ar rcs "$PREFIX/lib/libcjson.a" "$src/cJSON.o"
	mkdir -p "$PREFIX/include/cjson"
	cp "$src/cJSON.h" "$PREFIX/include/cjson/"
	stamp cjson "$CJSON_V"
}

build_libyaml() {
	fresh libyaml "$LIBYAML_V" "$FAST_CFLAGS" || return 0
	unpack libyaml "$LIBYAML_V"
	say "building libyaml $LIBYAML_V"
	src=$WORK/libyaml
	upstream=${LIBYAML_V%%-*}
	maj=${upstream%%.*}
	rest=${upstream#*.}
	min=${rest%%.*}
	pat=${rest#*.}
	for c in "$src"/src/*.c; do
		# shellcheck disable=SC2086 # FAST_CFLAGS is a list of words
		quiet libyaml "$CC" $FAST_CFLAGS -I"$src/include" \
			-DYAML_VERSION_MAJOR="$maj" -DYAML_VERSION_MINOR="$min" \
			-DYAML_VERSION_PATCH="$pat" -DYAML_VERSION_STRING="\"$upstream\"" \
			-c -o "${c%.c}.o" "$c"
	done
	rm -f "$PREFIX/lib/libyaml.a"
	ar rcs "$PREFIX/lib/libyaml.a" "$src"/src/*.o
	cp "$src/include/yaml.h" "$PREFIX/include/"
	stamp libyaml "$LIBYAML_V" "$FAST_CFLAGS"
}

# musl's allocator hands freed pages back to the kernel at once: editing a
# 10 MB manifest made ~22,400 mmap/munmap pairs (one libyaml parser buffer
# per verified document) and ran 3x slower than the glibc build.  mimalloc
# keeps them.  One object (its static.c, which includes the rest) defines
# malloc, free and the other entry points, so musl's malloc is never linked
# (checked after the link).  __USE_ISOC11 makes it define aligned_alloc too,
# which it only does for glibc otherwise.
build_mimalloc() {
	fresh mimalloc "$MIMALLOC_V" "$FAST_CFLAGS" || return 0
	fetch mimalloc "$MIMALLOC_V"
	dsc=$DL/mimalloc_$MIMALLOC_V.dsc
	echo "$MIMALLOC_DSC_SHA256  $dsc" | sha256sum -c - >/dev/null 2>&1 ||
		die "'$dsc' does not have the pinned SHA-256 $MIMALLOC_DSC_SHA256"
	unpack mimalloc "$MIMALLOC_V"
	say "building mimalloc $MIMALLOC_V"
	src=$WORK/mimalloc
	# shellcheck disable=SC2086 # FAST_CFLAGS is a list of words
	quiet mimalloc "$CC" $FAST_CFLAGS -DNDEBUG -DMI_MALLOC_OVERRIDE -D__USE_ISOC11=1 \
		-I"$src/include" -c -o "$src/mimalloc.o" "$src/src/static.c"
	for f in malloc free calloc realloc aligned_alloc posix_memalign malloc_usable_size; do
		nm "$src/mimalloc.o" | grep -q " T $f\$" || die "mimalloc.o does not define '$f'"
	done
	cp "$src/mimalloc.o" "$PREFIX/lib/mimalloc.o"
	stamp mimalloc "$MIMALLOC_V" "$FAST_CFLAGS"
}

build_mbedtls
build_curl
build_cjson
build_libyaml
build_mimalloc
DEPS_DONE=$(now_ms)
if [ "${1:-}" = deps ]; then
	say "libraries ready in $PREFIX ($(((DEPS_DONE - START) / 1000)) s)"
	exit 0
fi

# --- gitops-bump -------------------------------------------------------

say "compiling gitops-bump"
VERSION=$(cat "$ROOT/VERSION" 2>/dev/null || echo 0.0.0)
OBJ=$OUT/obj
rm -rf "$OBJ"
mkdir -p "$OBJ"
CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra $FAST_CFLAGS -I$PREFIX/include -I$ROOT/src"
export CC CFLAGS OBJ VERSION CA_BUNDLE
# One compiler per source file, $JOBS at a time.
# shellcheck disable=SC2016 # expanded by the inner sh
printf '%s\n' "$ROOT"/src/*.c | xargs -P "$JOBS" -n 1 sh -c '
	o="$OBJ/$(basename "$1" .c).o"
	# shellcheck disable=SC2086
	$CC $CFLAGS -DGB_VERSION="\"$VERSION\"" -DGB_CA_BUNDLE="\"$CA_BUNDLE\"" \
		-c -o "$o" "$1" 2>"$o.err" ||
		{ cat "$o.err" >&2; exit 255; }
	cat "$o.err" >&2' sh || die "compiling gitops-bump failed"

BIN=$OUT/gitops-bump
# The libraries by name, never curl-config --static-libs: Debian's adds
# -Wl,-Bdynamic, which turns a musl -static link into a dynamic one.
# mimalloc.o first: its malloc is the one every library gets.
# shellcheck disable=SC2086
"$CC" -static -Os -Wl,--gc-sections -Wl,-O1 -o "$BIN.unstripped" "$PREFIX/lib/mimalloc.o" \
	"$OBJ"/*.o -L"$PREFIX/lib" -lcurl -lmbedtls -lmbedx509 -lmbedcrypto -lyaml -lcjson ||
	die "linking gitops-bump failed"
# musl's malloc (mallocng: __malloc_context) must not be linked beside it:
# a block from one freed by the other corrupts memory.
if nm "$BIN.unstripped" | grep -q ' __malloc_context$'; then
	die "musl's malloc is linked beside mimalloc (something calls an entry point mimalloc lacks)"
fi
strip --strip-all -R .comment -o "$BIN" "$BIN.unstripped"

kind=$(file -b "$BIN")
case "$kind" in
*"statically linked"*) ;;
*) die "'$BIN' is not statically linked: $kind" ;;
esac
"$BIN" --version >/dev/null || die "'$BIN --version' failed"

END=$(now_ms)
size=$(wc -c <"$BIN")
say "$BIN: $size bytes stripped ($(((size + 1023) / 1024)) KiB), $kind"
say "mbedTLS $MBEDTLS_V (entropy: getrandom), curl $CURL_V, cJSON $CJSON_V, libyaml $LIBYAML_V," \
	"mimalloc $MIMALLOC_V"
say "CA bundle: $CA_BUNDLE (SSL_CERT_FILE overrides)"
say "time: $(((END - START) / 1000)).$(((END - START) % 1000 / 100)) s" \
	"(libraries $(((DEPS_DONE - START) / 1000)) s)"
