#!/usr/bin/env bash
# Fetches the source of Debian's libsrtp2 (the same upstream release as the installed libsrtp2-dev)
# into native/srtp/libsrtp-src/, so scripts/build-native.sh can build that libsrtp with OpenSSL crypto:
# Debian builds its libsrtp2 on NSS, which costs ~4x more per packet (docs/media-rtp.md, "Why libsrtp
# cost 2.5x plain per call"). The source comes from Debian's own archive (a deb-src list private to this
# script; the machine's apt sources are not changed). When the archive cannot be reached the script
# says so and exits 0: the addon then links Debian's libsrtp2 (slower, same protocol), which is a
# supported configuration, not a failure.
#   scripts/fetch-libsrtp-source.sh   fetch when native/srtp/libsrtp-src is missing
set -euo pipefail
cd "$(dirname "$0")/.."
dest=native/srtp/libsrtp-src
[ -f "$dest/configure" ] && exit 0

version=$(dpkg-query -W -f='${Version}' libsrtp2-dev 2>/dev/null || true)
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ -z "$suite" ]; then
  echo "fetch-libsrtp-source: not a Debian release (no VERSION_CODENAME); the addon will link the system libsrtp2" >&2
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial"
cat >"$work/debsrc.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o "Dir::Etc::SourceList=$work/debsrc.sources" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/lists" -o APT::Sandbox::User=root -qq)
pkg=libsrtp2
[ -n "$version" ] && pkg="libsrtp2=$version"
if ! (apt-get "${apt_opts[@]}" update >/dev/null 2>&1 && cd "$work" && apt-get "${apt_opts[@]}" source --download-only "$pkg" >/dev/null 2>&1); then
  echo "fetch-libsrtp-source: Debian's source archive could not be reached; the addon will link the system libsrtp2 (NSS, ~4x the CPU per packet)" >&2
  exit 0
fi
orig=$(ls "$work"/libsrtp2_*.orig.tar.* | head -1)
mkdir -p "$dest.tmp"
tar -xf "$orig" -C "$dest.tmp" --strip-components=1
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch-libsrtp-source: $(basename "$orig") unpacked into $dest" >&2
