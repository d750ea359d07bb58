/**
 * Events benchmark: outbox append latency (gate + validate + serialise + SQLite commit with
 * synchronous=FULL) and end-to-end delivery throughput into a real CouchDB-compatible server
 * (pouchdb-server, in memory, loopback). Prints one JSON object.
 * Targets (issue 7): ≥ 5,000 events/s delivered; append p99 < 1 ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, writeSync, fdatasyncSync, closeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import { EventForwarding } from '../src/events/forwarding.js';
import { eventsSchema, forwardingSchema } from '../src/events/config.js';
import { parseReportEvent, type ReportEventInput } from '../src/events/schemas.js';
import { ibmEnvelope } from '../src/events/ibm-format.js';
import { RegionStores } from '../src/store/open.js';
import { DataKeyRing } from '../src/training/data-keys.js';
import { DataKeyEventCipher } from '../src/training/event-cipher.js';
import { FileKeyStore } from '../src/training/keystore.js';

const root = resolve(import.meta.dirname, '..');
const APPEND_N = Number(process.env['BENCH_APPEND_N'] ?? 5000);
const DELIVER_N = Number(process.env['BENCH_DELIVER_N'] ?? 20000);
const CALLS = 4000;
const SYNC = (process.env['BENCH_SYNC'] ?? 'full') as 'full' | 'normal';
const BATCH = Number(process.env['BENCH_BATCH'] ?? 2000);

const port = await new Promise<number>((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => res(p));
  });
});
const pdir = mkdtempSync(join(tmpdir(), 'hg-bench-pouch-'));
const pouch = spawn(join(root, 'node_modules/.bin/pouchdb-server'), ['-m', '-n', '-p', String(port), '-o', '127.0.0.1', '-c', join(pdir, 'config.json')], { cwd: pdir, stdio: 'ignore' });
const url = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(url)).ok) break;
  } catch {
    /* starting */
  }
  if (i > 300) throw new Error('pouchdb-server did not start');
  await new Promise((r) => setTimeout(r, 50));
}

/** Steady state: the caller's data key exists (cached after the first event); `newCallerAppend` measures first events. */
const CALLER = createHash('sha256').update('caller').digest('hex');
const NEW_CALLERS = Number(process.env['BENCH_NEW_CALLERS'] ?? 500);

function event(i: number): ReportEventInput {
  return {
    schemaVersion: 1,
    type: 'turn',
    eventId: randomUUID(),
    callId: `call-${i % CALLS}`,
    accountId: 'acme',
    applicationId: 'support',
    region: 'eu',
    time: new Date().toISOString(),
    turnNumber: 1 + Math.floor(i / CALLS),
    timings: { sttMs: 310, dialogMs: 220, ttsMs: 95, firstAudioMs: 700 },
    input: 'speech',
    stt: { text: 'I would like to check my balance please', confidence: 0.93 },
    dialog: { provider: 'webhook', request: { text: 'I would like to check my balance please' }, response: { text: 'Your balance is ready.', status: 'ok' } },
    actions: [{ command: 'vgwActPlayText', ok: true }],
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'hg-bench-outbox-'));
// Payloads are sealed under the caller's data key, as in the gateway: file key store + region store.
const regionStores = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, dataDir);
const cipher = new DataKeyEventCipher(regionStores, new DataKeyRing(new FileKeyStore(join(dataDir, 'keys'))));
const fwd = new EventForwarding({
  dataDir,
  cipher,
  events: eventsSchema.parse({ outbox: { synchronous: SYNC }, delivery: { batchSize: BATCH, lingerMs: 10 } }),
  applications: [
    { accountId: 'acme', applicationId: 'support', region: 'eu', forwarding: forwardingSchema.parse({ enabled: true, sinks: [{ type: 'couchdb', name: 'db', url, database: 'bench', allowInsecure: true }] }) },
  ],
});
const store = fwd.outbox('eu')!.store;

// 1. Append latency, workers stopped (pure outbox cost per event).
const lat: number[] = [];
for (let i = 0; i < APPEND_N; i++) {
  const e = event(i);
  const t0 = process.hrtime.bigint();
  const r = await fwd.append(e, { callerPseudonym: CALLER });
  lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  if (!r.ok || !r.queued) throw new Error('append failed');
}
lat.sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;

// 1a. A caller's first event also creates and stores their data key (wrap under the KEK + one region-store write).
const firstLat: number[] = [];
for (let i = 0; i < NEW_CALLERS; i++) {
  const t0 = process.hrtime.bigint();
  await fwd.append(event(i), { callerPseudonym: createHash('sha256').update(`new-caller-${i}`).digest('hex') });
  firstLat.push(Number(process.hrtime.bigint() - t0) / 1e6);
}

// 1b. The floor under it, measured on the same disk in the same run: what one durable write costs
// without our outbox (raw append + fdatasync, and a bare one-row SQLite INSERT in WAL mode with the
// same synchronous setting). With synchronous=FULL the append's p99 is bounded below by these.
function pcts(xs: number[]) {
  xs.sort((a, b) => a - b);
  const at = (p: number) => Number(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(4));
  return { p50: at(0.5), p99: at(0.99) };
}
const floorDir = mkdtempSync(join(tmpdir(), 'hg-bench-floor-'));
const fd = openSync(join(floorDir, 'raw'), 'a');
const line = Buffer.alloc(700, 'x');
const rawMs: number[] = [];
for (let i = 0; i < APPEND_N; i++) {
  const t = process.hrtime.bigint();
  writeSync(fd, line);
  fdatasyncSync(fd);
  rawMs.push(Number(process.hrtime.bigint() - t) / 1e6);
}
closeSync(fd);
const bare = new Database(join(floorDir, 'bare.sqlite'));
bare.pragma('journal_mode = WAL');
bare.pragma(`synchronous = ${SYNC === 'normal' ? 'NORMAL' : 'FULL'}`);
bare.pragma('wal_autocheckpoint = 0');
bare.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, payload TEXT)');
const ins = bare.prepare('INSERT INTO t (payload) VALUES (?)');
const bareMs: number[] = [];
const payload = JSON.stringify(event(0));
for (let i = 0; i < APPEND_N; i++) {
  const t = process.hrtime.bigint();
  ins.run(payload);
  bareMs.push(Number(process.hrtime.bigint() - t) / 1e6);
}
bare.close();
rmSync(floorDir, { recursive: true, force: true });
const floor = { rawAppendFdatasyncMs: pcts(rawMs), bareSqliteInsertMs: pcts(bareMs) };

// 2. Delivery throughput: a backlog of DELIVER_N events (plus the appended ones) drained into pouchdb-server.
for (let i = APPEND_N; i < APPEND_N + DELIVER_N; i++) await fwd.append(event(i), { callerPseudonym: CALLER });
const total = APPEND_N + NEW_CALLERS + DELIVER_N;
const t0 = performance.now();
await fwd.start();
for (;;) {
  if ((await store.stats('acme/support/db')).pending === 0) break;
  await new Promise((r) => setTimeout(r, 5));
}
const seconds = (performance.now() - t0) / 1000;
const count = ((await (await fetch(`${url}/bench`)).json()) as { doc_count: number }).doc_count;

await fwd.stop();
await regionStores.close();
pouch.kill('SIGTERM');
rmSync(dataDir, { recursive: true, force: true });
rmSync(pdir, { recursive: true, force: true });

// 3. `format: ibm`: rewriting a gated event as IBM's envelope (per event, µs; median of 5 runs of 20,000).
const sample = parseReportEvent(event(0));
if (!sample.ok) throw new Error(sample.error);
const ibmRuns: number[] = [];
for (let run = 0; run < 5; run++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < 20_000; i++) JSON.stringify(ibmEnvelope(sample.value));
  ibmRuns.push(Number(process.hrtime.bigint() - t) / 1e3 / 20_000);
}
ibmRuns.sort((a, b) => a - b);

const out = {
  bench: 'events',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  figures: {
    appendN: APPEND_N,
    sealed: true,
    appendP50Ms: Number(q(0.5).toFixed(4)),
    appendP99Ms: Number(q(0.99).toFixed(4)),
    appendP99TargetMs: 1,
    floor,
    newCallerAppendMs: pcts(firstLat),
    appendP99OverBareSqliteP99: Number((q(0.99) / floor.bareSqliteInsertMs.p99).toFixed(2)),
    deliveredEvents: total,
    documentsInServer: count,
    deliverySeconds: Number(seconds.toFixed(3)),
    deliveredPerSecond: Math.round(total / seconds),
    deliveredPerSecondTarget: 5000,
    synchronous: SYNC,
    batchSize: BATCH,
    ibmFormatPerEventUsMedian: Number(ibmRuns[2]!.toFixed(3)),
  },
};
process.stdout.write(JSON.stringify(out) + '\n');
