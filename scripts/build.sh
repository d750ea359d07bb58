#!/usr/bin/env bash
# Compiles src/ to dist/, copies the static files the compiled code serves (the admin web console)
# and builds the native addons (libsrtp, native/udp) when missing or stale (scripts/build-native.sh; a no-op otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-native.sh
npx tsc -p tsconfig.json
mkdir -p dist/admin/console
cp src/admin/console/*.html src/admin/console/*.js src/admin/console/*.css src/admin/console/*.svg dist/admin/console/
