#!/usr/bin/env bash
# Runs every test: type-check, build (integration tests start the built gateway), then node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
npx tsc -p tsconfig.check.json
bash scripts/build.sh
files=(test/**/*.test.ts)
if [ "$#" -gt 0 ]; then files=("$@"); fi
exec node --import tsx --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"
