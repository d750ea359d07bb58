#!/usr/bin/env bash
# Runs the benchmarks in bench/ (`make bench`) and prints each one's JSON report on one line, in
# file order. Builds dist/ first when a selected benchmark starts the built gateway. A benchmark
# that exits non-zero or prints no JSON is named on stderr (with the end of its output) and the
# script exits 1 after running the rest. Each benchmark runs with its own defaults; some take
# minutes (media, sip-cps, training) and need SIPp, Kamailio, flite/PocketSphinx or PostgreSQL.
#
#   scripts/bench.sh                  every bench/*.ts
#   scripts/bench.sh sip-parse srtp   only these (names or paths)
set -uo pipefail
cd "$(dirname "$0")/.."

benches=()
if [ "$#" -eq 0 ]; then
  for f in bench/*.ts; do benches+=("$f"); done
else
  for b in "$@"; do [ -f "$b" ] && benches+=("$b") || benches+=("bench/${b%.ts}.ts"); done
fi

if grep -ql 'dist/' "${benches[@]}" 2>/dev/null && [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  bash scripts/build.sh || { echo "bench: build failed" >&2; exit 1; }
fi

# Every JSON value in a benchmark's stdout (pretty-printed or not, one or several), one per line.
to_lines='
  const text = require("fs").readFileSync(0, "utf8");
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "{") continue;
    let depth = 0, inString = false;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (inString) { if (c === "\\") j++; else if (c === "\"") inString = false; continue; }
      if (c === "\"") inString = true;
      else if (c === "{" || c === "[") depth++;
      else if ((c === "}" || c === "]") && --depth === 0) {
        try { console.log(JSON.stringify(JSON.parse(text.slice(i, j + 1)))); n++; i = j; } catch {}
        break;
      }
    }
  }
  process.exit(n > 0 ? 0 : 3);'

failed=()
for b in "${benches[@]}"; do
  name=$(basename "$b" .ts)
  out=$(mktemp) err=$(mktemp)
  if [ ! -f "$b" ]; then
    echo "bench $name: no such benchmark ($b)" >&2
    failed+=("$name")
    continue
  fi
  node --import tsx "$b" >"$out" 2>"$err"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "bench $name: failed (exit $rc); last lines:" >&2
    { tail -n 15 "$err"; tail -n 5 "$out"; } | sed 's/^/  /' >&2
    failed+=("$name")
  elif ! node -e "$to_lines" <"$out"; then
    echo "bench $name: printed no JSON report" >&2
    failed+=("$name")
  fi
  rm -f "$out" "$err"
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "bench: ${#failed[@]} of ${#benches[@]} failed: ${failed[*]}" >&2
  exit 1
fi
