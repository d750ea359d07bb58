#!/usr/bin/env bash
# `make cluster` (or `bash scripts/cluster.sh [N]`): a Hushgate fleet on this machine, in the
# foreground until Ctrl-C — Kamailio's dispatcher on the SIP port callers use, N gateway nodes behind
# it on loopback (the demo applications of config/demo.yaml), all sharing one PostgreSQL database.
# See docs/deploy.md. Settings (environment):
#   NODES=3                               gateway processes (or the first argument)
#   HUSHGATE_CLUSTER_SIP_PORT=5060        where callers send calls (Kamailio, UDP and TCP)
#   HUSHGATE_CLUSTER_NODE_PORT=5071       node i listens on this + i (i = 0..N-1), 127.0.0.1
#   HUSHGATE_CLUSTER_ADMIN_PORT=8091      node i's admin API / console on this + i
#   HUSHGATE_CLUSTER_PG_URL=postgres://postgres@127.0.0.1:5432/hushgate_cluster   (created if missing)
#   HUSHGATE_CLUSTER_DIR=var/cluster      configs, data, shared key directory, logs
# Logs: $DIR/node-<i>.log (JSON lines), $DIR/kamailio.log. Exits non-zero, naming the part, when a
# part does not start; stops everything it started on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-${NODES:-3}}
SIP_PORT=${HUSHGATE_CLUSTER_SIP_PORT:-5060}
NODE_BASE=${HUSHGATE_CLUSTER_NODE_PORT:-5071}
ADMIN_BASE=${HUSHGATE_CLUSTER_ADMIN_PORT:-8091}
PG_URL=${HUSHGATE_CLUSTER_PG_URL:-postgres://postgres@127.0.0.1:5432/hushgate_cluster}
DIR=${HUSHGATE_CLUSTER_DIR:-var/cluster}

if ! [[ "$N" =~ ^[1-9][0-9]?$ ]]; then echo "cluster: NODES must be 1..99 (got '$N')" >&2; exit 2; fi
command -v kamailio >/dev/null || { echo "cluster: kamailio is not installed (apt-get install kamailio; or: bash scripts/deps.sh test)" >&2; exit 1; }
[ -f dist/cli/main.js ] || bash scripts/build.sh

mkdir -p "$DIR/keys" && chmod 700 "$DIR" "$DIR/keys"
DIR=$(cd "$DIR" && pwd)

# The database, created when missing (the nodes create their tables).
node --input-type=module -e '
  import pg from "pg";
  const url = new URL(process.argv[1]);
  const name = url.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) { console.error(`cluster: database name "${name}": use lower-case letters, digits, _`); process.exit(2); }
  const admin = new URL(url); admin.pathname = "/postgres";
  const c = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try { await c.connect(); } catch (e) { console.error(`cluster: PostgreSQL is not reachable at ${admin.host} (${e.message}); start it (bash scripts/deps.sh test) or set HUSHGATE_CLUSTER_PG_URL`); process.exit(1); }
  const r = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (r.rowCount === 0) await c.query(`CREATE DATABASE ${name}`);
  await c.end();
' "$PG_URL"

# One configuration per node: the demo applications, a node id, its ports and RTP range, the shared store and keys.
for ((i = 0; i < N; i++)); do
  mkdir -p "$DIR/node-$i"
  node --input-type=module -e '
    import { readFileSync, writeFileSync } from "node:fs";
    import { resolve } from "node:path";
    import { parse, stringify } from "yaml";
    const [i, dir, pgUrl, sipPort, adminPort] = process.argv.slice(1);
    const demo = parse(readFileSync("config/demo.yaml", "utf8"));
    for (const a of demo.accounts ?? []) for (const app of a.applications ?? []) if (app.greeting) app.greeting = resolve("config", app.greeting);
    const rtp = 20000 + Number(i) * 1000;
    const cfg = {
      ...demo,
      dataDir: `${dir}/node-${i}/data`,
      keysDir: `${dir}/keys`,
      node: { id: `node-${i}` },
      sip: { ...demo.sip, host: "127.0.0.1", advertisedHost: "127.0.0.1", port: Number(sipPort), transports: ["udp", "tcp"] },
      media: { ...demo.media, host: "127.0.0.1", advertisedHost: "127.0.0.1", rtpPortMin: rtp, rtpPortMax: rtp + 999 },
      admin: { host: "127.0.0.1", port: Number(adminPort) },
      regions: { default: { store: { kind: "postgres", url: pgUrl } } },
      fleet: { enabled: true },
      shutdown: { graceSeconds: 30 },
    };
    writeFileSync(`${dir}/node-${i}/config.yaml`, stringify(cfg), { mode: 0o600 });
  ' "$i" "$DIR" "$PG_URL" "$((NODE_BASE + i))" "$((ADMIN_BASE + i))"
done

pids=()
stopping=0
stop_all() {
  stopping=1
  trap - INT TERM EXIT
  echo "cluster: stopping (SIGTERM: nodes drain their calls)" >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop_all INT TERM EXIT

# The nodes, one after the other (the first creates the schema and the key files the others share).
for ((i = 0; i < N; i++)); do
  node dist/cli/main.js start -c "$DIR/node-$i/config.yaml" >"$DIR/node-$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    grep -q '"msg":"hushgate started"' "$DIR/node-$i.log" 2>/dev/null && break
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then echo "cluster: node-$i did not start:" >&2; tail -5 "$DIR/node-$i.log" >&2; exit 1; fi
    sleep 0.2
  done
  grep -q '"msg":"hushgate started"' "$DIR/node-$i.log" || { echo "cluster: node-$i did not start within 60 s" >&2; exit 1; }
  echo "cluster: node-$i on 127.0.0.1:$((NODE_BASE + i)), admin/console http://127.0.0.1:$((ADMIN_BASE + i))/console" >&2
done

# The front: Kamailio's dispatcher over the nodes (TCP to the nodes; see deploy/kamailio/kamailio.cfg).
: >"$DIR/dispatcher.list"
for ((i = 0; i < N; i++)); do echo "1 sip:127.0.0.1:$((NODE_BASE + i));transport=tcp 0 0 duid=node-$i" >>"$DIR/dispatcher.list"; done
kamailio -f deploy/kamailio/kamailio.cfg -DD -E -P "$DIR/kamailio.pid" -Y "$DIR" -m 64 -M 8 \
  -A "SIP_PORT=$SIP_PORT" -A "DS_LIST=\"$DIR/dispatcher.list\"" -A DS_PING_INTERVAL=1 >"$DIR/kamailio.log" 2>&1 &
pids+=($!)
sleep 1
kill -0 "${pids[-1]}" 2>/dev/null || { echo "cluster: kamailio did not start (port $SIP_PORT taken? set HUSHGATE_CLUSTER_SIP_PORT):" >&2; tail -5 "$DIR/kamailio.log" >&2; exit 1; }

cat >&2 <<MSG
cluster: $N nodes behind Kamailio on 127.0.0.1:$SIP_PORT (PostgreSQL $PG_URL)
  call:      sipp -sf test/sipp/scenarios/fleet-call.xml -key caller +15550100001 -s 1002 127.0.0.1:$SIP_PORT -m 30 -r 3 -d 5000
             (echo line, spread over the nodes; the scenario follows Record-Route, as a real phone does)
             node dist/cli/main.js call sip:1000@127.0.0.1:$SIP_PORT --step "say:what is my balance"
  key:       HUSHGATE_CONFIG=$DIR/node-0/config.yaml node dist/cli/main.js keys create --local --name ops --scopes all
  watch:     watch -n1 "curl -s -H 'authorization: Bearer \$KEY' http://127.0.0.1:$ADMIN_BASE/v1/fleet"
             (and /v1/fleet/calls; each node's console at http://127.0.0.1:$ADMIN_BASE/console)
  node pids: ${pids[*]} (node-0 first)   kill one: kill -9 <pid>   drain one: kill -TERM <pid>
Ctrl-C stops the fleet.
MSG
# Runs until Ctrl-C; a killed node is the fleet's to survive (the dispatcher routes around it).
while :; do
  live=(); for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && live+=("$p"); done
  [ "${#live[@]}" -gt 0 ] || break
  wait -n "${live[@]}" 2>/dev/null || true
  [ "$stopping" = 1 ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || { echo "cluster: kamailio exited; stopping the nodes" >&2; break; }
  alive=0; for ((i = 0; i < N; i++)); do kill -0 "${pids[$i]}" 2>/dev/null && alive=$((alive + 1)); done
  echo "cluster: a node exited; $alive of $N still serving behind Kamailio" >&2
  [ "$alive" -gt 0 ] || break
done
