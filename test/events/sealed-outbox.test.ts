/**
 * The outbox's sealing at rest (issue 13), on real SQLite files and a real webhook receiver:
 * - an outbox file written before sealing (plaintext payloads, no key column) is sealed in place when
 *   forwarding starts: the clear bytes leave the file, the events are still delivered unchanged;
 * - a sealed payload whose bytes were changed on disk, or that was moved to another row, is never
 *   sent (dead-lettered), while the others of the batch are.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { EventForwarding, type ForwardingApplication } from '../../src/events/forwarding.js';
import { eventsSchema, forwardingSchema } from '../../src/events/config.js';
import { openTestCipher, sqliteFileBytes, startWebhookReceiver, waitFor, type TestCipher, type WebhookReceiver } from './helpers.js';

const SECRET = 'whsec-sealed-0123456789abcdef0123456789ab';
const SINK = 'acme/support/crm';
const fast = eventsSchema.parse({ delivery: { batchSize: 50, lingerMs: 2, idlePollMs: 50, maxAttempts: 3, retry: { baseMs: 10, capMs: 20 }, unavailable: { baseMs: 20, capMs: 80 } } });

let dir: string;
let keys: TestCipher;
let hook: WebhookReceiver;
let app: ForwardingApplication;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hg-sealed-'));
  keys = await openTestCipher(dir, ['eu']);
  hook = await startWebhookReceiver(SECRET);
  app = { accountId: 'acme', applicationId: 'support', region: 'eu', forwarding: forwardingSchema.parse({ enabled: true, sinks: [{ type: 'webhook', name: 'crm', url: hook.url, secret: SECRET, allowInsecure: true }] }) };
});
afterEach(async () => {
  await keys.close();
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
});

const outboxPath = () => join(dir, 'outbox-eu.sqlite');
const delivered = () => hook.accepted.flatMap((b) => b.events);

test('an outbox written before sealing is sealed in place at start, then delivered unchanged', async () => {
  // The previous version's file: payload TEXT in the clear, no key column.
  const old = new Database(outboxPath());
  old.pragma('journal_mode = WAL');
  old.exec(`
    CREATE TABLE outbox_event (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, call_id TEXT NOT NULL,
      account_id TEXT NOT NULL, application_id TEXT NOT NULL, caller_pseudonym TEXT, created_at INTEGER NOT NULL, payload TEXT NOT NULL);
    CREATE TABLE outbox_delivery (sink TEXT NOT NULL, seq INTEGER NOT NULL REFERENCES outbox_event(seq), call_id TEXT NOT NULL, state INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT, PRIMARY KEY (sink, seq)) WITHOUT ROWID;`);
  const ids = ['7b0c6a34-5b3e-4c55-9a59-3f1a0b8e2c01', '7b0c6a34-5b3e-4c55-9a59-3f1a0b8e2c02'];
  ids.forEach((id, i) => {
    const payload = JSON.stringify({ schemaVersion: 1, type: 'transcription', eventId: id, callId: `old-${i}`, accountId: 'acme', applicationId: 'support', region: 'eu', time: '2026-12-01T10:00:00.000Z', utteranceNumber: 1, text: `LEGACY-CLEAR-TEXT ${i}`, startOffsetMs: 0, endOffsetMs: 1 });
    const seq = Number(old.prepare('INSERT INTO outbox_event (event_id, type, call_id, account_id, application_id, caller_pseudonym, created_at, payload) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)').run(id, 'transcription', `old-${i}`, 'acme', 'support', Date.now(), payload).lastInsertRowid);
    old.prepare('INSERT INTO outbox_delivery (sink, seq, call_id, state, attempts, next_attempt_at) VALUES (?, ?, ?, 0, 0, 0)').run(SINK, seq, `old-${i}`);
  });
  old.close();
  assert.ok(sqliteFileBytes(outboxPath()).includes(Buffer.from('LEGACY-CLEAR-TEXT')));

  hook.down = true; // look at the file between sealing and delivery
  const fwd = new EventForwarding({ dataDir: dir, events: fast, applications: [app], cipher: keys.cipher });
  try {
    assert.equal(await fwd.sealLegacyRows(), 2);
    assert.equal(sqliteFileBytes(outboxPath()).includes(Buffer.from('LEGACY-CLEAR-TEXT')), false, 'the clear payloads left the file and its WAL');
    hook.down = false;
    await fwd.start();
    await waitFor('legacy events delivered', () => delivered().length === 2);
    assert.deepEqual(delivered().map((e) => e['text']).sort(), ['LEGACY-CLEAR-TEXT 0', 'LEGACY-CLEAR-TEXT 1']);
  } finally {
    await fwd.stop();
  }
});

test('a payload changed on disk or moved to another row is never sent; the rest of the batch is', async () => {
  hook.down = true;
  const fwd = new EventForwarding({ dataDir: dir, events: fast, applications: [app], cipher: keys.cipher });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await fwd.append({ schemaVersion: 1, type: 'dtmf', eventId: randomUUID(), callId: `c${i}`, accountId: 'acme', applicationId: 'support', region: 'eu', time: new Date().toISOString(), digitCount: 1, method: 'rfc4733' });
      assert.ok(r.ok && r.queued);
      ids.push(r.eventId);
    }
    const db = new Database(outboxPath());
    const rows = db.prepare('SELECT seq, payload FROM outbox_event ORDER BY seq').all() as { seq: number; payload: Buffer }[];
    const flipped = Buffer.from(rows[0]!.payload);
    flipped[20] = flipped[20]! ^ 0x01;
    db.prepare('UPDATE outbox_event SET payload = ? WHERE seq = ?').run(flipped, rows[0]!.seq);
    db.prepare('UPDATE outbox_event SET payload = ? WHERE seq = ?').run(rows[2]!.payload, rows[1]!.seq); // row 3's payload copied onto row 2
    db.close();

    hook.down = false;
    await fwd.start();
    await waitFor('queue settled', async () => (await fwd.outbox('eu')!.store.stats(SINK)).pending === 0);
    assert.deepEqual(delivered().map((e) => e['eventId']).sort(), [ids[2], ids[3]].sort());
    assert.equal((await fwd.outbox('eu')!.store.stats(SINK)).dead, 2);
  } finally {
    await fwd.stop();
  }
});
