/**
 * Privacy receipts on a real SQLite region store: the chain the ledger writes for calls and
 * erasures verifies; one byte changed in the database file, a receipt removed from the middle, or
 * one cut off the end (with the head seen before) makes verification fail, naming the position.
 * Receipts hold no PII: a call that carried a card number leaves no digit of it in the chain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { RegionStores, sqlitePathFor } from '../../src/store/open.js';
import { ReceiptStore } from '../../src/receipts/receipt-store.js';
import { regionPublicKey, regionSigningKey } from '../../src/receipts/signing-keys.js';
import { verifyChain } from '../../src/receipts/verify.js';
import { ReceiptLedger, type ReceiptApp } from '../../src/receipts/ledger.js';
import { DEFAULT_PRIVACY_POLICY } from '../../src/privacy/policy.js';
import type { CallEvent } from '../../src/call/call-events.js';
import { UNSIGNED, receiptHash, type CallReceiptBody, type StoredReceipt } from '../../src/receipts/receipt.js';

const CARD = '4111111111111111';

async function env() {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-receipts-'));
  const stores = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, dir);
  const chain = await ReceiptStore.open(stores.get('eu'), regionSigningKey(dir, 'eu'));
  const calls = new EventEmitter<{ event: [CallEvent] }>();
  const app: ReceiptApp = { policy: DEFAULT_PRIVACY_POLICY, remoteDialog: true, forwarding: true, training: true, retentionDays: 30 };
  let now = Date.UTC(2026, 11, 6, 9);
  const ledger = new ReceiptLedger({ calls, chainOf: (r) => (r === 'eu' ? chain : undefined), appOf: () => app, defaultCountry: 'GB', log: pino({ level: process.env.DEBUG_RECEIPTS ? 'debug' : 'silent' }), now: () => now++ });
  ledger.start();
  return {
    dir, stores, chain, calls, ledger,
    async done() {
      await ledger.stop();
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const stamp = (callId: string) => ({ callId, accountId: 'acme', applicationId: 'bank', region: 'eu', time: Date.UTC(2026, 11, 6, 9) });

function call(e: Awaited<ReturnType<typeof env>>, n: number): void {
  const s = stamp(`call-${n}@gw`);
  const emit = (x: Record<string, unknown>) => e.calls.emit('event', { ...s, ...x } as unknown as CallEvent);
  emit({ type: 'call.started', from: '<sip:+442079460958@trunk>', to: '<sip:1000@gw>', requestUri: 'sip:1000@gw', transport: 'UDP' });
  emit({ type: 'caller.input', text: 'i want to pay my card', privacy: {} });
  emit({ type: 'caller.input', text: `my card is ${CARD}`, privacy: { expect: 'CREDIT_DEBIT_NUMBER', sensitive: true } });
  emit({ type: 'caller.input', dtmf: CARD, privacy: { expect: 'CREDIT_DEBIT_NUMBER' } });
  emit({
    type: 'call.ended', startedAt: s.time, answeredAt: s.time, endedAt: s.time + 60_000, endReason: 'remote-bye',
    sensitive: [{ from: s.time + 10_000, to: s.time + 20_000, reasons: ['expected:CREDIT_DEBIT_NUMBER'], words: 4, digits: 16 }],
    recording: { consent: 'announce', outcome: 'announced', recorded: true, recordingId: 'rec-1', durationMs: 50_000, pauses: [{ fromMs: 10_000, toMs: 20_000, reasons: ['sensitive'] }] },
  });
}

async function settled(e: Awaited<ReturnType<typeof env>>, n: number): Promise<void> {
  // a write can wait out the ledger's batch window (BATCH_WINDOW_MS) after the previous one
  for (const t0 = Date.now(); Date.now() - t0 < 5_000 && (await e.chain.list(0, 1000)).length < n; ) await new Promise((r) => setTimeout(r, 5));
}

test('the ledger writes one signed, chained receipt per call and per erasure; the chain verifies; no PII in it', async () => {
  const e = await env();
  try {
    for (let i = 1; i <= 3; i++) call(e, i);
    await settled(e, 3);
    await e.ledger.erasure({ requestId: 'req-1', accountId: 'acme', applicationId: 'bank', requestedAt: 1, completedAt: 2, counts: { trainingRecords: 2, recordings: 1 }, regions: ['eu'] });
    const all = await e.chain.list(0, 100);
    assert.deepEqual(all.map((r) => [r.seq, r.kind]), [[1, 'call'], [2, 'call'], [3, 'call'], [4, 'erasure']]);
    const body = JSON.parse(all[0]!.body) as CallReceiptBody;
    assert.equal(body.callId, 'call-1@gw');
    assert.equal(body.callerTurns, 3);
    assert.deepEqual(body.destinations['dialog']!.tokenised, { CREDIT_DEBIT_NUMBER: 2 }, 'sensitive turn: one token; keyed card: tokenised by the default policy');
    assert.deepEqual(body.destinations['events']!.withheld, { CREDIT_DEBIT_NUMBER: 1 });
    assert.deepEqual(body.destinations['events']!.redacted, { CREDIT_DEBIT_NUMBER: 1 });
    assert.deepEqual(body.destinations['training']!.withheld, { CREDIT_DEBIT_NUMBER: 1 });
    assert.equal(body.recording?.outcome, 'announced');
    assert.equal(body.sensitive[0]!.digits, 16);
    assert.equal(body.retentionExpiresAt, new Date(Date.UTC(2026, 11, 6, 9) + 60_000 + 30 * 86_400_000).toISOString());
    const text = all.map((r) => r.body).join('\n');
    assert.ok(!text.includes('4111') && !text.includes('7946'), 'no card or phone digits in any receipt');
    const v = await verifyChain('eu', e.chain.all(), regionPublicKey(e.dir, 'eu'));
    assert.deepEqual(v.problems, []);
    assert.equal(v.ok, true);
    assert.equal(v.head?.seq, 4);
  } finally {
    await e.done();
  }
});

test('one byte changed in the stored receipt, a receipt removed, or one cut off the end: verification fails and names where', async () => {
  const e = await env();
  try {
    for (let i = 1; i <= 4; i++) call(e, i);
    await settled(e, 4);
    const before = await verifyChain('eu', e.chain.all(), regionPublicKey(e.dir, 'eu'));
    assert.equal(before.ok, true);
    await e.ledger.stop();
    await e.stores.close();
    const path = sqlitePathFor(e.dir, 'eu');
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    // one byte of receipt 2's body, in the database file itself
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from('"callId":"call-2@gw"'));
    assert.ok(at > 0, 'the receipt body is in the file');
    bytes[at + '"callId":"call-'.length] = '7'.charCodeAt(0);
    writeFileSync(path, bytes);
    const reopened = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, e.dir);
    try {
      const chain = await ReceiptStore.open(reopened.get('eu'));
      const changed = await verifyChain('eu', chain.all(), regionPublicKey(e.dir, 'eu'));
      assert.equal(changed.ok, false);
      assert.deepEqual(changed.problems.map((p) => [p.seq, p.problem]), [[2, 'hash-mismatch']]);
    } finally {
      await reopened.close();
    }
    // removing a receipt needs the append-only trigger gone first: an attacker with the file can
    const raw = new Database(path);
    raw.exec('DROP TRIGGER privacy_receipts_no_delete');
    raw.prepare('DELETE FROM privacy_receipts WHERE seq = 3').run();
    raw.close();
    const again = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, e.dir);
    try {
      const chain = await ReceiptStore.open(again.get('eu'));
      const removed = await verifyChain('eu', chain.all(), regionPublicKey(e.dir, 'eu'));
      assert.equal(removed.ok, false);
      assert.ok(removed.problems.some((p) => p.seq === 4 && p.problem === 'gap'));
      assert.ok(removed.problems.some((p) => p.seq === 4 && p.problem === 'broken-link'));
    } finally {
      await again.close();
    }
    const tail = new Database(path);
    tail.prepare('DELETE FROM privacy_receipts WHERE seq >= 3').run();
    tail.close();
    const cut = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, e.dir);
    try {
      const chain = await ReceiptStore.open(cut.get('eu'));
      const withoutHead = await verifyChain('eu', chain.all(), regionPublicKey(e.dir, 'eu'));
      // the 4 calls were one write batch, signed on receipt 4 only: a cut inside a batch leaves the end unsealed
      assert.deepEqual(withoutHead.problems.map((p) => [p.seq, p.problem]), [[2, 'hash-mismatch'], [2, 'unsigned-tail']]);
      const withHead = await verifyChain('eu', chain.all(), regionPublicKey(e.dir, 'eu'), before.head!);
      assert.ok(withHead.problems.some((p) => p.problem === 'head-missing'));
    } finally {
      await cut.close();
    }
  } finally {
    rmSync(e.dir, { recursive: true, force: true });
  }
});

test('a receipt re-signed with another key does not verify; the stored tables refuse UPDATE and DELETE', async () => {
  const e = await env();
  try {
    call(e, 1);
    await settled(e, 1);
    // another installation's key for the same region name: every signature fails
    const other = mkdtempSync(join(tmpdir(), 'hushgate-receipts-other-'));
    try {
      const v = await verifyChain('eu', e.chain.all(), regionSigningKey(other, 'eu').publicKey);
      assert.equal(v.ok, false);
      assert.deepEqual(v.problems.map((p) => p.problem), ['bad-signature']);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    await assert.rejects(e.stores.get('eu').execute('UPDATE privacy_receipts SET body = ? WHERE seq = 1', ['{}']), /append-only/);
    await assert.rejects(e.stores.get('eu').execute('DELETE FROM privacy_receipts WHERE seq = 1'), /append-only/);
  } finally {
    await e.done();
  }
});

test('a bot stream is on the call receipt: where (URL without query), when, reconnects; never the caller number', async () => {
  const e = await env();
  try {
    const s = stamp('call-stream@gw');
    const emit = (x: Record<string, unknown>) => e.calls.emit('event', { ...s, ...x } as unknown as CallEvent);
    emit({ type: 'call.started', from: '<sip:+442079460958@trunk>', to: '<sip:1000@gw>', requestUri: 'sip:1000@gw', transport: 'UDP' });
    emit({ type: 'stream.started', streamSid: 'MZ1', url: 'wss://bot.example/media', format: 'twilio', time: s.time + 1_000 });
    emit({ type: 'stream.reconnecting', streamSid: 'MZ1', url: 'wss://bot.example/media', format: 'twilio', reason: 'closed 1006', time: s.time + 5_000 });
    emit({ type: 'stream.stopped', streamSid: 'MZ1', url: 'wss://bot.example/media', format: 'twilio', reason: 'call ended', time: s.time + 9_000 });
    emit({ type: 'call.ended', startedAt: s.time, answeredAt: s.time, endedAt: s.time + 10_000, endReason: 'remote-bye' });
    await settled(e, 1);
    const [r] = await e.chain.list(0, 10);
    const body = JSON.parse(r!.body) as CallReceiptBody;
    assert.deepEqual(body.streams, [{ url: 'wss://bot.example/media', format: 'twilio', startedAt: new Date(s.time + 1_000).toISOString(), stoppedAt: new Date(s.time + 9_000).toISOString(), reconnects: 1 }]);
    assert.ok(!r!.body.includes('2079460958'));
    assert.equal((await verifyChain('eu', e.chain.all(), regionPublicKey(e.dir, 'eu'))).ok, true);
  } finally {
    await e.done();
  }
});

test('group commit: calls ending together are written in one transaction, in the order they ended, and the chain verifies', async () => {
  const e = await env();
  const store = e.stores.get('eu');
  const transaction = store.transaction.bind(store);
  let transactions = 0;
  store.transaction = ((fn: Parameters<typeof transaction>[0]) => (transactions++, transaction(fn))) as typeof store.transaction;
  try {
    for (let i = 1; i <= 40; i++) call(e, i);
    await settled(e, 40);
    await e.ledger.stop();
    const all = await e.chain.list(0, 100);
    assert.deepEqual(all.map((r) => (JSON.parse(r.body) as CallReceiptBody).callId), Array.from({ length: 40 }, (_, i) => `call-${i + 1}@gw`));
    assert.ok(transactions <= 2, `40 receipts in ${transactions} transactions`);
    const v = await verifyChain('eu', e.chain.all(), regionPublicKey(e.dir, 'eu'));
    assert.equal(v.ok, true);
    assert.equal(v.head?.seq, 40);
  } finally {
    await e.done();
  }
});

test('one signature per write batch seals it: re-hashing a changed receipt forward, stripping the last signature or cutting inside a batch fails; a cut at a signed receipt needs the head', async () => {
  const e = await env();
  try {
    for (let i = 1; i <= 3; i++) call(e, i);
    await settled(e, 3);
    for (let i = 4; i <= 6; i++) call(e, i);
    await settled(e, 6);
    const all = await e.chain.list(0, 100);
    assert.deepEqual(all.map((r) => r.signature !== UNSIGNED), [false, false, true, false, false, true], 'two batches of three, each signed on its last receipt');
    const key = regionPublicKey(e.dir, 'eu');
    const verify = async (rs: StoredReceipt[], head?: { seq: number; hash: string }) => (await verifyChain('eu', rs, key, head)).problems.map((p) => [p.seq, p.problem]);
    assert.deepEqual(await verify(all), []);
    // receipt 4 (unsigned) changed, and every hash after it recomputed so that all links hold
    const forged = all.map((r) => ({ ...r }));
    forged[3]!.body = forged[3]!.body.replace('"callerTurns":3', '"callerTurns":0');
    for (let i = 3; i < forged.length; i++) {
      forged[i]!.prevHash = forged[i - 1]!.hash;
      forged[i]!.hash = receiptHash('eu', forged[i]!.seq, forged[i]!.prevHash, forged[i]!.body);
    }
    assert.deepEqual(await verify(forged), [[6, 'bad-signature']], 'the batch signature no longer matches');
    // …and the same with the sealing signature stripped: the chain now ends unsealed
    forged[5]!.signature = UNSIGNED;
    assert.deepEqual(await verify(forged), [[6, 'unsigned-tail']]);
    assert.deepEqual(await verify(all.slice(0, 5)), [[5, 'unsigned-tail']], 'cut inside the second batch');
    assert.deepEqual(await verify(all.slice(0, 3)), [], 'cut at the first batch signature: invisible without the head (documented)');
    const head = { seq: all[5]!.seq, hash: all[5]!.hash };
    assert.deepEqual(await verify(all.slice(0, 3), head), [[6, 'head-missing']]);
  } finally {
    await e.done();
  }
});
