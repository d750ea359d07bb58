/**
 * Test helpers for the events module: a real CouchDB-compatible server (pouchdb-server, in
 * memory, loopback, its own temp directory so it leaves no config/log files behind) and event
 * factories; free ports, waiting and the webhook receiver are the shared ones (test/helpers/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { FakeClock } from '../../src/time/clock.js';
import type { ReportEventInput } from '../../src/events/schemas.js';
import { RegionStores } from '../../src/store/open.js';
import { DataKeyRing } from '../../src/training/data-keys.js';
import { DataKeyEventCipher } from '../../src/training/event-cipher.js';
import { FileKeyStore } from '../../src/training/keystore.js';

export interface TestCipher {
  cipher: DataKeyEventCipher;
  stores: RegionStores;
  ring: DataKeyRing;
  keyStore: FileKeyStore;
  close(): Promise<void>;
}

/**
 * The payload cipher the gateway uses, on real parts: a file key store under `<dataDir>/keys` and
 * SQLite region stores under `<dataDir>/regions/` (where the data keys live).
 */
export async function openTestCipher(dataDir: string, regions: readonly string[] = ['eu', 'us']): Promise<TestCipher> {
  const keyStore = new FileKeyStore(join(dataDir, 'keys'));
  const stores = await RegionStores.open(Object.fromEntries(regions.map((r) => [r, { store: { kind: 'sqlite' as const } }])), dataDir);
  const ring = new DataKeyRing(keyStore);
  return { cipher: new DataKeyEventCipher(stores, ring), stores, ring, keyStore, close: () => stores.close() };
}

export const repoRoot = resolve(import.meta.dirname, '../..');

export { freePort } from '../helpers/ports.js';
export { waitFor } from '../helpers/wait.js';
export { startWebhookReceiver, type WebhookReceiver } from '../helpers/recording-server.js';

export interface PouchServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts `pouchdb-server -m -n` on 127.0.0.1:port and waits until it answers. */
export async function startPouchServer(port?: number): Promise<PouchServer> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'hg-pouch-'));
  const bin = join(repoRoot, 'node_modules/.bin/pouchdb-server');
  const child: ChildProcess = spawn(bin, ['-m', '-n', '-p', String(p), '-o', '127.0.0.1', '-c', join(dir, 'config.json')], {
    cwd: dir,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${p}`;
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitFor(
    'pouchdb-server',
    async () => {
      if (exited) throw new Error('pouchdb-server exited');
      try {
        return (await fetch(url + '/')).ok;
      } catch {
        return false;
      }
    },
    30000,
  );
  return {
    url,
    port: p,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function allDocIds(url: string, db: string, headers: Record<string, string> = {}): Promise<string[]> {
  const r = await fetch(`${url}/${db}/_all_docs`, { headers });
  if (r.status === 404) return [];
  const j = (await r.json()) as { rows: { id: string }[] };
  return j.rows.map((x) => x.id);
}

const base = (o: Partial<{ callId: string; region: string; accountId: string; applicationId: string }>) => ({
  eventId: randomUUID(),
  callId: o.callId ?? 'call-1',
  accountId: o.accountId ?? 'acme',
  applicationId: o.applicationId ?? 'support',
  region: o.region ?? 'eu',
  time: new Date().toISOString(),
});

export function dtmfEvent(o: Partial<{ callId: string; region: string; accountId: string; applicationId: string; digits: string }> = {}): ReportEventInput {
  return { schemaVersion: 1, type: 'dtmf', ...base(o), digits: o.digits ?? '4111', digitCount: (o.digits ?? '4111').length, method: 'rfc4733' };
}

export function cdrEvent(o: Partial<{ callId: string; region: string; customData: Record<string, string | number | boolean> }> = {}): ReportEventInput {
  return {
    schemaVersion: 1,
    type: 'cdr',
    ...base(o),
    sipCallId: 'a84b4c76e66710@pc33.example.org',
    caller: '+442079460958',
    callee: '+12025550143',
    startTime: '2025-01-01T10:00:00.000Z',
    answerTime: '2025-01-01T10:00:01.000Z',
    endTime: '2025-01-01T10:02:01.000Z',
    durationMs: 120000,
    termination: { reason: 'caller-hangup', endedBy: 'caller' },
    transfer: { attempted: true, outcome: 'failed', target: 'tel:+12025550199', sipStatus: 486 },
    turnCount: 4,
    media: { codec: 'PCMU/8000', transport: 'udp', mediaSecurity: 'srtp' },
    maxResponseMs: { stt: 420, dialog: 310, tts: 180 },
    rtp: {
      inbound: { packets: 6000, packetsLost: 12, lossRate: 0.002, jitterMs: 4.5, mos: 4.3 },
      outbound: { packets: 5990, packetsLost: 0, lossRate: 0, jitterMs: 1.2 },
    },
    warnings: ['caller said 4111 1111 1111 1111 during no-input'],
    errors: [],
    ...(o.customData ? { customData: o.customData } : {}),
  };
}

export function turnEvent(o: Partial<{ callId: string; region: string; turnNumber: number }> = {}): ReportEventInput {
  return {
    schemaVersion: 1,
    type: 'turn',
    ...base(o),
    turnNumber: o.turnNumber ?? 1,
    timings: { sttMs: 300, dialogMs: 200, ttsMs: 90, firstAudioMs: 650 },
    input: 'speech',
    stt: { text: 'my card number is 4111 1111 1111 1111', confidence: 0.91 },
    dialog: { provider: 'webhook', request: { text: 'my card number is 4111 1111 1111 1111', stateKeys: ['vgwSessionID'] }, response: { text: 'Thanks John', status: 'ok' } },
    actions: [{ command: 'vgwActPlayText', ok: true }],
  };
}

export function transcriptionEvent(o: Partial<{ callId: string; region: string }> = {}): ReportEventInput {
  return { schemaVersion: 1, type: 'transcription', ...base(o), utteranceNumber: 1, text: 'call me at 202 555 0143', confidence: 0.8, startOffsetMs: 1000, endOffsetMs: 2500 };
}

/** The one FakeClock, at a fixed Unix time (monotonic and wall read the same); drive it with `advanceAsync(ms, settle)`. */
export function eventClock(): FakeClock {
  return new FakeClock({ startMs: 1_700_000_000_000, epochStart: 1_700_000_000_000 });
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Every byte of a SQLite database and its WAL and shared-memory files (those that exist). */
export function sqliteFileBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`, `${path}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}
