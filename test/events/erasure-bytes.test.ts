/**
 * Erasure leaves no readable bytes in the event outbox (issue 13): every byte of
 * `outbox-<region>.sqlite`, its `-wal` and `-shm` is read and searched.
 *
 * - Payloads are sealed at rest under the caller's data key: the transcript is never in the file.
 * - After erasure, neither the transcript nor the caller's pseudonym is anywhere in the files, and
 *   the events are never delivered (a webhook that comes back gets only the other caller's).
 * - Delivered events leave the files too (secure_delete + TRUNCATE checkpoint when the queue drains).
 * - A webhook that received the caller's events gets a signed `erasure` notice (verified by a real
 *   receiver); a copy of the sealed rows taken before erasure can no longer be opened.
 * - A payload whose key was erased (the callee was erased) is dropped at delivery, never sent.
 * All over real parts: SQLite files, a file key store, region stores, an HTTP receiver on loopback.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventForwarding, type ForwardingApplication } from '../../src/events/forwarding.js';
import { eventsSchema, forwardingSchema } from '../../src/events/config.js';
import type { EventGate } from '../../src/events/gate.js';
import { erasureNoticeSchema } from '../../src/events/schemas.js';
import { payloadBinding } from '../../src/events/outbox-store.js';
import { Eraser } from '../../src/training/erasure.js';
import { pseudonymOf } from '../../src/training/caller-identity.js';
import { DataKeyRing } from '../../src/training/data-keys.js';
import { DataKeyEventCipher } from '../../src/training/event-cipher.js';
import { openTestCipher, sqliteFileBytes, startWebhookReceiver, turnEvent, waitFor, type TestCipher, type WebhookReceiver } from './helpers.js';

const SECRET = 'whsec-erasure-0123456789abcdef0123456789';
const CANARY = 'CANARY zebra-4471 my sort code is';
const NUMBER = '+442079460958';
const OTHER = '+442079461111';
const CALLEE = '+442071234567';
const SINK = 'acme/support/crm';
const fast = eventsSchema.parse({ delivery: { batchSize: 50, lingerMs: 2, idlePollMs: 50, unavailable: { baseMs: 20, capMs: 80 }, retry: { baseMs: 20, capMs: 80 } } });
/** An application whose privacy policy lets transcripts through to its events: the worst case for what lands on disk. */
const keepEverything: EventGate = (e) => e;

let dir: string;
let keys: TestCipher;
let hook: WebhookReceiver;
let fwd: EventForwarding;
let eraser: Eraser;
let ps: string;
let psOther: string;
let psCallee: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hg-erasure-bytes-'));
  keys = await openTestCipher(dir, ['eu']);
  hook = await startWebhookReceiver(SECRET);
  const app: ForwardingApplication = {
    accountId: 'acme', applicationId: 'support', region: 'eu',
    forwarding: forwardingSchema.parse({ enabled: true, sinks: [{ type: 'webhook', name: 'crm', url: hook.url, secret: SECRET, allowInsecure: true }] }),
  };
  fwd = new EventForwarding({ dataDir: dir, events: fast, applications: [app], cipher: keys.cipher, gateFor: () => keepEverything });
  // Wired as in the gateway: the outbox is a participant of the training module's eraser, which clears the cipher's ring.
  eraser = new Eraser({ stores: keys.stores, keyStore: keys.keyStore, regionOf: () => 'eu', participants: [fwd], rings: [keys.ring], defaultCountry: 'GB' });
  const secret = await keys.keyStore.pseudonymSecret('acme');
  ps = pseudonymOf(secret, NUMBER, 'GB');
  psOther = pseudonymOf(secret, OTHER, 'GB');
  psCallee = pseudonymOf(secret, CALLEE, 'GB');
});

afterEach(async () => {
  await fwd.stop();
  await keys.close();
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
});

const outboxPath = () => join(dir, 'outbox-eu.sqlite');
const has = (bytes: Buffer, s: string | Buffer) => bytes.includes(typeof s === 'string' ? Buffer.from(s, 'utf8') : s);

async function appendFor(callerPseudonym: string, n: number, callId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = turnEvent({ callId, turnNumber: i + 1 }) as Record<string, unknown> & { stt: { text: string } };
    e.stt = { ...e.stt, text: `${CANARY} ${callId}` };
    const r = await fwd.append(e as never, { callerPseudonym, calleePseudonym: psCallee });
    assert.ok(r.ok && r.queued);
    ids.push(r.eventId);
  }
  return ids;
}

const delivered = () => hook.accepted.flatMap((b) => b.events);

test('pending events: sealed at rest; after erasure no transcript or pseudonym in .sqlite, -wal, -shm; never delivered', async () => {
  await appendFor(ps, 5, 'call-target');
  await appendFor(psOther, 3, 'call-other');
  assert.equal(has(sqliteFileBytes(outboxPath()), CANARY), false, 'payloads are sealed: the transcript is not on disk in the clear');

  const out = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: '020 7946 0958' });
  assert.ok(out.ok);
  assert.equal(out.receipt.counts['events-outbox'], 5);
  assert.deepEqual(out.receipt.failed, []);
  assert.deepEqual(out.receipt.sinks, [], 'nothing had been delivered anywhere');

  const bytes = sqliteFileBytes(outboxPath());
  assert.equal(has(bytes, CANARY), false);
  assert.equal(has(bytes, ps), false, 'the erased pseudonym is gone from the outbox files');
  assert.equal(has(bytes, psOther), true, 'the other caller is still there (the search works)');
  assert.equal(has(sqliteFileBytes(join(dir, 'regions', 'eu.sqlite')), ps), false, 'and from the region store holding the data keys');

  // The webhook comes back (as after a restart): only the other caller's events arrive.
  await fwd.start();
  await waitFor('outbox drained', async () => (await fwd.outbox('eu')!.store.stats(SINK)).pending === 0);
  assert.equal(delivered().length, 3);
  assert.ok(delivered().every((e) => e['callerPseudonym'] === psOther));
});

test('delivered events leave no bytes; the webhook gets a signed erasure notice; a copy of the rows cannot be opened', async () => {
  await appendFor(ps, 4, 'call-target');
  // A "backup" of the sealed rows, taken while they were pending.
  const peek = new Database(outboxPath(), { readonly: true });
  const backup = peek.prepare('SELECT event_id AS eventId, account_id AS accountId, application_id AS applicationId, type, call_id AS callId, key_id AS keyId, payload FROM outbox_event').all() as {
    eventId: string; accountId: string; applicationId: string; type: string; callId: string; keyId: string; payload: Buffer;
  }[];
  peek.close();
  assert.equal(backup.length, 4);

  await fwd.start();
  await waitFor('four events delivered', () => delivered().length === 4);
  assert.ok(delivered().every((e) => e['callerPseudonym'] === ps && String((e['stt'] as { text: string }).text).startsWith(CANARY)), 'sinks get the opened payload and the keyed pseudonym');
  // When the queue drains the file is checkpointed: the delivered rows' sealed bytes are nowhere.
  await waitFor('delivered rows gone from the files', () => backup.every((r) => !has(sqliteFileBytes(outboxPath()), r.payload.subarray(13, 45))));

  const out = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: NUMBER, requestId: 'dsr-2026-0042' });
  assert.ok(out.ok);
  assert.deepEqual(out.receipt.sinks, [{ sink: SINK, type: 'webhook', delivered: 4, outcome: 'notified' }]);
  assert.deepEqual(out.receipt.failed, []);
  assert.deepEqual(out.receipt.notReached, []);
  assert.equal(JSON.stringify(out.receipt).includes(ps), false, 'the receipt holds no pseudonym');

  const notice = await waitFor('erasure notice (signature verified by the receiver)', () => delivered().find((e) => e['type'] === 'erasure'));
  assert.equal(hook.rejected.length, 0);
  const parsed = erasureNoticeSchema.parse(notice);
  assert.equal(parsed.callerPseudonym, ps);
  assert.equal(parsed.requestId, 'dsr-2026-0042');
  await waitFor('notice delivered', async () => (await fwd.outbox('eu')!.store.stats(SINK)).pending === 0);
  await waitFor('no pseudonym left in the outbox files (ledger forgotten, notice gone)', () => !has(sqliteFileBytes(outboxPath()), ps));

  // Crypto-shredding: the copied rows cannot be opened any more (a fresh ring reads the store, not a cache).
  const fresh = new DataKeyEventCipher(keys.stores, new DataKeyRing(keys.keyStore));
  for (const r of backup) assert.equal(await fresh.open('eu', r.keyId, payloadBinding(r, 'eu'), r.payload), undefined);

  // A second erasure finds nothing left to follow.
  const again = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: NUMBER });
  assert.ok(again.ok);
  assert.deepEqual(again.receipt.sinks, []);
});

test('a payload whose data key was erased (the callee was erased) is dropped at delivery, counted, never sent', async () => {
  hook.down = true;
  await appendFor(psOther, 3, 'call-to-erased-callee');
  const out = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: CALLEE });
  assert.ok(out.ok);
  assert.equal(out.receipt.counts['events-outbox'], 0, 'the outbox rows name the caller, not the callee');
  assert.ok(out.receipt.counts['dataKeys']! >= 1, 'but the key they were sealed under is gone');
  hook.down = false;
  await fwd.start();
  await waitFor('outbox emptied', async () => (await fwd.outbox('eu')!.store.stats(SINK)).pending === 0);
  assert.equal(delivered().length, 0, 'nothing sent');
});
