/**
 * Benchmark of the training store, on SQLite and PostgreSQL:
 * - capture: records/s through the real capture path (pseudonyms, sealing, group commit), 256 in flight;
 * - erasure: latency of erasing one number among `--records` records (bulk-loaded with a fast path:
 *   5 records per caller, real pseudonyms), median of 15 numbers;
 * - sweep: records/s the retention sweeper deletes when every record has expired.
 * Usage: node --import tsx bench/training.ts [--records 1000000] [--captures 20000] [--engines sqlite,postgres]
 * Prints one JSON object. PostgreSQL: postgres://postgres@127.0.0.1:5432 (a temporary database, dropped after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { RegionStores } from '../src/store/open.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { PostgresStore } from '../src/store/postgres.js';
import type { DataKeyRow, Store, TrainingRow } from '../src/store/store.js';
import { TrainingCapture, policyLookup } from '../src/training/capture.js';
import { pseudonymOf } from '../src/training/caller-identity.js';
import { Eraser } from '../src/training/erasure.js';
import { FileKeyStore } from '../src/training/keystore.js';
import { RetentionSweeper } from '../src/training/retention.js';
import { newRecordId } from '../src/training/record-id.js';
import type { TrainingPolicy } from '../src/training/config.js';
import { FakeClock } from '../src/time/clock.js';

function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}
const RECORDS = Number(flag('records', '1000000'));
const CAPTURES = Number(flag('captures', '20000'));
const ENGINES = flag('engines', 'sqlite,postgres').split(',');
const PG_ADMIN = process.env.HUSHGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PER_CALLER = 5;
const DAY = 86_400_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const number = (i: number) => `+4420${String(10_000_000 + i).padStart(8, '0')}`;
const policy: TrainingPolicy = { accountId: 'acme', applicationId: 'support', region: 'eu', enabled: true, includeAudio: false, retentionDays: 30 };

async function captureRate(stores: RegionStores, keyStore: FileKeyStore, clock: FakeClock): Promise<number> {
  const now = clock.epochMs();
  const capture = new TrainingCapture({ stores, keyStore, policyOf: policyLookup([policy]), clock, defaultCountry: 'GB' });
  let next = 0;
  const transcript = 'I would like to check the status of my order please, it was placed last week';
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < CAPTURES) {
        const i = next++;
        await capture.capture({
          accountId: 'acme', applicationId: 'support', callId: `c-${i}`, from: number(i % 2000), to: '+12025550143', transcript,
          language: 'en-GB', confidence: 0.9, startedAt: now, endedAt: now + 3000, context: { node: 'order_status' },
        });
      }
    }),
  );
  return CAPTURES / ((performance.now() - t0) / 1000);
}

async function bulkLoad(store: Store, keyStore: FileKeyStore, now: number): Promise<void> {
  const secret = await keyStore.pseudonymSecret('acme');
  const to = pseudonymOf(secret, '+12025550143', 'GB');
  const sealed = randomBytes(140);
  const wrapped = randomBytes(60);
  const callers = Math.ceil(RECORDS / PER_CALLER);
  const chunk = 10_000; // callers per chunk
  for (let c0 = 0; c0 < callers; c0 += chunk) {
    const keys: DataKeyRow[] = [];
    const rows: TrainingRow[] = [];
    for (let c = c0; c < Math.min(callers, c0 + chunk); c++) {
      const from = pseudonymOf(secret, number(100_000 + c), 'GB');
      const key: DataKeyRow = { id: randomUUID(), accountId: 'acme', applicationId: 'support', region: 'eu', fromPseudonym: from, toPseudonym: to, kekId: 'file:eu:1', wrapped, createdAt: now };
      keys.push(key);
      for (let r = 0; r < PER_CALLER && c * PER_CALLER + r < RECORDS; r++) {
        const capturedAt = now - RECORDS + c * PER_CALLER + r;
        rows.push({
          id: newRecordId(capturedAt), accountId: 'acme', applicationId: 'support', region: 'eu', dataKeyId: key.id, fromPseudonym: from, toPseudonym: to,
          fromMasked: '+442010XXXX', toMasked: '+1202555XXXX', language: 'en-GB', confidence: 0.9, startedAt: now, endedAt: now,
          capturedAt, expiresAt: capturedAt + 30 * DAY, hasAudio: false, sealed,
        });
      }
    }
    if (store instanceof SqliteStore) store.bulkLoad(keys, rows);
    else await (store as PostgresStore).bulkLoad(keys, rows);
  }
}

async function runEngine(engine: string): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-bench-'));
  let dropDb: (() => Promise<void>) | undefined;
  try {
    let regionCfg: Record<string, { store: { kind: 'sqlite' } | { kind: 'postgres'; url: string } }>;
    if (engine === 'postgres') {
      const name = `hushgate_bench_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client(PG_ADMIN);
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(PG_ADMIN);
      url.pathname = `/${name}`;
      regionCfg = { eu: { store: { kind: 'postgres', url: url.toString() } } };
      dropDb = async () => {
        const c = new pg.Client(PG_ADMIN);
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      };
    } else regionCfg = { eu: { store: { kind: 'sqlite' } } };
    const keyStore = new FileKeyStore(join(dir, 'keys'));
    const stores = await RegionStores.open(regionCfg, dir);
    const store = stores.get('eu');
    const clock = new FakeClock({ epochStart: Date.UTC(2026, 0, 1) });
    try {
      const captureRecordsPerSec = await captureRate(stores, keyStore, clock);

      const t0 = performance.now();
      await bulkLoad(store, keyStore, clock.epochMs());
      const loadSeconds = (performance.now() - t0) / 1000;
      if (engine === 'postgres') await store.execute('ANALYZE');

      const eraser = new Eraser({ stores, keyStore, regionOf: () => 'eu', clock, defaultCountry: 'GB' });
      const times: number[] = [];
      let erased = 0;
      const callers = Math.ceil(RECORDS / PER_CALLER);
      for (let k = 0; k < 15; k++) {
        const c = Math.floor(((k + 0.5) / 15) * callers);
        const e0 = performance.now();
        const out = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: number(100_000 + c) });
        times.push(performance.now() - e0);
        if (out.ok) erased += out.receipt.counts.trainingRecords!;
      }
      if (erased !== 15 * PER_CALLER) throw new Error(`erasure removed ${erased} records, expected ${15 * PER_CALLER}`);

      const total = Number((await store.query<{ n: number | string }>('SELECT count(*) AS n FROM training_records'))[0]!.n);
      clock.advance(31 * DAY);
      const sweeper = new RetentionSweeper({ stores, policies: [], clock, batchSize: 10_000 });
      const s = await sweeper.sweepOnce();
      if (s.expired !== total) throw new Error(`sweep removed ${s.expired} of ${total}`);
      return {
        captureRecordsPerSec: Math.round(captureRecordsPerSec),
        records: total + erased,
        bulkLoadSeconds: Math.round(loadSeconds * 10) / 10,
        eraseMedianMs: Math.round(median(times) * 100) / 100,
        eraseMaxMs: Math.round(Math.max(...times) * 100) / 100,
        sweepRecordsPerSec: Math.round(s.expired / (s.ms / 1000)),
      };
    } finally {
      await stores.close();
    }
  } finally {
    await dropDb?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

const figures: Record<string, Record<string, number>> = {};
for (const engine of ENGINES) figures[engine] = await runEngine(engine);
const sqlite = figures.sqlite;
const targets = sqlite
  ? { captureAtLeast5000: sqlite.captureRecordsPerSec! >= 5000, eraseUnder100ms: sqlite.eraseMedianMs! < 100, sweepAtLeast100k: sqlite.sweepRecordsPerSec! >= 100_000 }
  : undefined;
process.stdout.write(
  JSON.stringify({ bench: 'training', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, params: { records: RECORDS, captures: CAPTURES, perCaller: PER_CALLER }, figures, targets }, null, 2) + '\n',
);
