#!/usr/bin/env bash
# Compiles src/ to dist/ and copies the static files the compiled code serves (the admin web console).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
mkdir -p dist/admin/console
cp src/admin/console/*.html src/admin/console/*.js src/admin/console/*.css src/admin/console/*.svg dist/admin/console/
