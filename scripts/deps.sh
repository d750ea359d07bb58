#!/usr/bin/env bash
# Installs what Hushgate needs on a Debian machine, only where it is missing.
#   scripts/deps.sh run    - what `hushgate start` needs (speech engines, node modules)
#   scripts/deps.sh test   - plus the test peers (SIPp, baresip, Kamailio, sipsak, sipvicious, tshark, Chromium for the console tests) and PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"

# libsrtp2-dev, libssl-dev, make, g++, python3: the libsrtp 2 SRTP addon (native/srtp, built by
# scripts/build-native.sh; libsrtp itself built on OpenSSL from Debian's source, see below); gcc and
# make also build native/udp (the media path's batched RTP sends and recvmmsg reads, no library).
run_pkgs=(flite sox pocketsphinx pocketsphinx-en-us libpocketsphinx-dev libsphinxbase-dev pkg-config gcc libc6-dev libsrtp2-dev libssl-dev make g++ python3)
test_pkgs=(sip-tester espeak-ng pocketsphinx-testdata baresip-core kamailio sipsak sipvicious tshark postgresql chromium)

missing=()
want=("${run_pkgs[@]}")
[ "$mode" = test ] && want+=("${test_pkgs[@]}")
command -v node >/dev/null 2>&1 || want+=(nodejs npm)
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "deps: Node.js >= 20 is required (found $(node -v)); install it from your distribution or nodesource" >&2
  exit 1
fi

# Debian's source of libsrtp2, built with OpenSSL by the addon's build (4x cheaper per packet than
# Debian's NSS build); unreachable archive → the addon links the system libsrtp2 instead.
bash scripts/fetch-libsrtp-source.sh

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "deps: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# The libsrtp addon (npm ci builds it too; this covers libsrtp2-dev installed after node_modules).
bash scripts/build-native.sh

if [ "$mode" = test ]; then
  # PostgreSQL on 127.0.0.1:5432 with trust auth for the store contract tests.
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "deps: starting PostgreSQL" >&2
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
    for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.2; done
  fi
fi
