#!/usr/bin/env bash
# Runs the tests in two tiers (README "Tests"); a test's file name says its tier:
#   unit         test/**/*.unit.test.ts: no sockets, no child processes (test/helpers/unit-guard.ts
#                fails a test that opens one), time through a FakeClock; 30 s per file (Node 20 applies the limit to each file); no build.
#   integration  every other test/**/*.test.ts: real sockets, the built gateway, SIPp, baresip,
#                PostgreSQL, pouchdb-server; 240 s per file (Node 20 applies --test-timeout to each file).
# A per-test limit turns a hang into a failure naming the test, long before CI gives up.
#
#   scripts/test.sh               type-check, build, then both tiers (what `make test` runs)
#   scripts/test.sh unit          the unit tier only (`npm run test:unit`, seconds)
#   scripts/test.sh integration   type-check, build, then the integration tier
#   scripts/test.sh FILE…         the given files, each in its tier (build first if any is integration)
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob

tier=all
case "${1:-}" in all | unit | integration) tier=$1 && shift ;; esac
unit=() integration=()
files=("$@")
[ "$#" -gt 0 ] || files=(test/**/*.test.ts)
for f in "${files[@]}"; do
  case "$f" in
  *.unit.test.ts) [ "$tier" = integration ] || unit+=("$f") ;;
  *) [ "$tier" = unit ] || integration+=("$f") ;;
  esac
done

if [ "${#integration[@]}" -gt 0 ]; then
  npx tsc -p tsconfig.check.json
  bash scripts/build.sh # integration tests start the built gateway
fi
status=0
if [ "${#unit[@]}" -gt 0 ]; then
  node --import tsx --import ./test/helpers/unit-guard.ts --test --test-concurrency=2 --test-timeout=30000 "${unit[@]}" || status=$?
fi
if [ "${#integration[@]}" -gt 0 ]; then
  node --import tsx --test --test-concurrency=2 --test-timeout=240000 "${integration[@]}" || status=$?
fi
exit "$status"
