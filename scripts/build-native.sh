#!/usr/bin/env bash
# Builds the libsrtp 2 addon (native/srtp → native/srtp/build/Release/hushgate_srtp.node) with node-gyp.
# Run by `npm install`/`npm ci` (package.json "install"), scripts/deps.sh and scripts/build.sh.
# Without libsrtp2-dev the addon is skipped and Hushgate uses its OpenSSL SRTP path (docs/media-rtp.md);
# that is a supported configuration, so the script then says so and exits 0. With libsrtp2-dev present,
# a failed build is an error (exit 1): a silent fallback would hide a broken toolchain.
#   scripts/build-native.sh          build when missing or older than its sources
#   scripts/build-native.sh --force  rebuild
# libsrtp's crypto: Debian's libsrtp2 uses NSS, which costs ~4x more per packet than the same libsrtp
# on OpenSSL (docs/media-rtp.md, "Why libsrtp cost 2.5x plain per call"). So when a libsrtp source tree
# is at hand — HUSHGATE_LIBSRTP_SRC, else native/srtp/libsrtp-src (Debian's own source of the installed
# libsrtp2, fetched by scripts/fetch-libsrtp-source.sh from scripts/deps.sh) — that libsrtp is built
# with OpenSSL (libssl-dev) into native/srtp/libsrtp-openssl and linked statically into the addon;
# without one the addon links Debian's libsrtp2. HUSHGATE_LIBSRTP_SRC=system forces the latter.
# With the source tree it also compiles native/srtp/hmac_sha1_openssl.c (libsrtp's own hmac.c over
# OpenSSL's SHA-1, replacing OpenSSL 3.0's EVP_MAC HMAC that allocates per packet) into
# libhushgate_hmac.a and links it (HUSHGATE_SRTP_HMAC_LIB); HUSHGATE_LIBSRTP_HMAC=evp at run time keeps
# libsrtp's own for A/B measurements (docs/media-rtp.md "The HMAC").
# It also builds native/udp (hushgate_udp.node: the media path's batched UDP sends, docs/media-rtp.md
# "Send path"), which needs nothing but a C compiler; on a platform other than Linux, or when that
# build fails, the media path sends through dgram (the fallback) and this script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

# node-gyp: the one npm runs lifecycle scripts with, else the copy bundled with npm.
gyp="${npm_config_node_gyp:-}"
if [ -z "$gyp" ]; then
  npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
  gyp=$npm_dir/node_modules/node-gyp/bin/node-gyp.js
fi
# Use the installed Node headers when the distribution ships them (no download needed).
nodedir_arg=()
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$node_prefix/include/node/node_api.h" ] && nodedir_arg=(--nodedir="$node_prefix")

udp_out=native/udp/build/Release/hushgate_udp.node
if [ "$(uname -s)" != Linux ]; then
  echo "build-native: not Linux; media UDP sends use dgram" >&2
elif [ "${1:-}" = --force ] || [ ! -f "$udp_out" ] || [ native/udp/udp_addon.c -nt "$udp_out" ] || [ native/udp/binding.gyp -nt "$udp_out" ] || [ native/srtp/batch_protect.h -nt "$udp_out" ]; then
  echo "build-native: building $udp_out" >&2
  (cd native/udp && node "$gyp" rebuild "${nodedir_arg[@]}" --loglevel=warn >&2) || echo "build-native: native/udp failed to build; media UDP sends use dgram" >&2
fi
dir=native/srtp
out=$dir/build/Release/hushgate_srtp.node

srtp_src=${HUSHGATE_LIBSRTP_SRC:-}
[ -z "$srtp_src" ] && [ -f $dir/libsrtp-src/configure ] && srtp_src=$dir/libsrtp-src
[ "$srtp_src" = system ] && srtp_src=
if [ -n "$srtp_src" ] && pkg-config --exists openssl 2>/dev/null; then
  prefix=$PWD/$dir/libsrtp-openssl # not under build/: node-gyp rebuild empties that
  lib=$prefix/lib/libsrtp2.a
  hmac_lib=$prefix/lib/libhushgate_hmac.a
  if [ "${1:-}" = --force ] || [ ! -f "$lib" ] || [ "$srtp_src/configure" -nt "$lib" ] || [ $dir/hmac_sha1_openssl.c -nt "$lib" ]; then
    src=$(mktemp -d)
    cp -a "$srtp_src"/. "$src"/
    echo "build-native: building libsrtp from $srtp_src with OpenSSL into $prefix" >&2
    (cd "$src" && ./configure --enable-openssl --prefix="$prefix" CFLAGS="-O2 -fPIC" >/dev/null && make -j2 libsrtp2.a >/dev/null && make install >/dev/null)
    # libsrtp's own hmac.c over OpenSSL's SHA-1 (native/srtp/hmac_sha1_openssl.c: no malloc per
    # packet, unlike OpenSSL 3.0's EVP_MAC restart); compiled in the configured tree for config.h and
    # libsrtp's internal headers. A source tree it does not fit keeps libsrtp's default HMAC.
    rm -f "$hmac_lib"
    hmac_src=$PWD/$dir/hmac_sha1_openssl.c
    if (cd "$src" && cc -O2 -fPIC -Wall -Wextra -Werror=implicit-function-declaration -DHAVE_CONFIG_H -Icrypto/include -Iinclude \
          -c "$hmac_src" -o hmac_sha1_openssl.o >&2 && ar rcs "$hmac_lib" hmac_sha1_openssl.o); then :
    else echo "build-native: hmac_sha1_openssl.c does not build against $srtp_src; libsrtp keeps its OpenSSL EVP_MAC HMAC" >&2; fi
    rm -rf "$src"
    set -- --force
  fi
  export HUSHGATE_LIBSRTP_STATIC=$prefix
  if [ -f "$hmac_lib" ]; then export HUSHGATE_SRTP_HMAC_LIB=$hmac_lib; fi
  # An addon linked against the other libsrtp is rebuilt (the record says which one it has).
  grep -qx static "$dir/build/linked" 2>/dev/null || set -- --force
elif [ -n "$srtp_src" ]; then
  echo "build-native: libssl-dev not found; linking Debian's libsrtp2 instead of building $srtp_src with OpenSSL" >&2
fi
[ -z "${HUSHGATE_LIBSRTP_STATIC:-}" ] && { grep -qx system "$dir/build/linked" 2>/dev/null || [ ! -f "$out" ] || set -- --force; }

if [ -z "${HUSHGATE_LIBSRTP_STATIC:-}" ] && ! pkg-config --exists libsrtp2 2>/dev/null; then
  echo "build-native: libsrtp2-dev not found (pkg-config libsrtp2); SRTP will use the OpenSSL path. Install it with scripts/deps.sh." >&2
  exit 0
fi
if [ "${1:-}" != --force ] && [ -f "$out" ] && [ "$out" -nt $dir/srtp_addon.c ] && [ "$out" -nt $dir/binding.gyp ] && [ "$out" -nt $dir/batch_protect.h ] && [ "$out" -nt $dir/hmac_sha1_openssl.c ]; then
  exit 0
fi

echo "build-native: building $out against libsrtp ${HUSHGATE_LIBSRTP_STATIC:-$(pkg-config --modversion libsrtp2)}" >&2
(cd $dir && node "$gyp" rebuild "${nodedir_arg[@]}" --loglevel=warn >&2)
test -f "$out"
if [ -n "${HUSHGATE_LIBSRTP_STATIC:-}" ]; then echo static >"$dir/build/linked"; else echo system >"$dir/build/linked"; fi
