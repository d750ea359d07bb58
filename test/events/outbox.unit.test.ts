import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { SqliteOutboxStore, type OutboxRow } from '../../src/events/outbox-store.js';
import { EventOutbox } from '../../src/events/outbox.js';
import { DeliveryWorker } from '../../src/events/delivery-worker.js';
import { OutboxMetrics } from '../../src/events/metrics.js';
import { defaultEventGate } from '../../src/events/gate.js';
import type { DeliveryResult, EventOutcome, EventSink } from '../../src/events/sinks/types.js';
import { eventClock, cdrEvent, dtmfEvent, openTestCipher, settle, turnEvent, type TestCipher } from './helpers.js';

let dir: string;
let keys: TestCipher;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hg-outbox-'));
  keys = await openTestCipher(dir);
});
afterEach(async () => {
  await keys.close();
  rmSync(dir, { recursive: true, force: true });
});

const SINK = 'acme/support/db';

/** An in-process sink whose answers the test scripts; it records what it was sent. */
class ScriptedSink implements EventSink {
  readonly name = 'scripted';
  sent: OutboxRow[][] = [];
  answer: (batch: readonly OutboxRow[]) => DeliveryResult = (b) => ({ kind: 'results', outcomes: b.map(() => ({ kind: 'delivered' }) as EventOutcome) });
  async deliver(batch: readonly OutboxRow[]): Promise<DeliveryResult> {
    this.sent.push([...batch]);
    return this.answer(batch);
  }
}

function setup(opts: { maxAttempts?: number; batchSize?: number } = {}) {
  const cipher = keys.cipher;
  const clock = eventClock();
  const store = new SqliteOutboxStore({ dataDir: dir, region: 'eu' });
  const registry = new Registry();
  const metrics = new OutboxMetrics(registry, clock);
  metrics.watch(store, () => [SINK]);
  const outbox = new EventOutbox({ region: 'eu', store, cipher, metrics, clock, resolveRoute: (a, p) => (a === 'acme' && p === 'support' ? { sinks: [SINK], gate: defaultEventGate } : undefined) });
  const sink = new ScriptedSink();
  const worker = new DeliveryWorker({
    store,
    cipher,
    region: 'eu',
    sinkKey: SINK,
    sink,
    clock,
    metrics,
    random: () => 0.5,
    policy: { batchSize: opts.batchSize ?? 10, lingerMs: 0, maxAttempts: opts.maxAttempts ?? 3, retry: { baseMs: 1000, capMs: 8000 }, unavailable: { baseMs: 1000, capMs: 4000 }, idlePollMs: 60_000 },
  });
  outbox.attachWorker(SINK, worker);
  return { clock, store, registry, outbox, sink, worker };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

test('append gates before the write: the outbox file never holds the raw PII', async () => {
  const { store, outbox } = setup();
  const r = await outbox.append(turnEvent({ callId: 't' }), { callerPseudonym: 'ps1' });
  assert.equal(r.ok && r.queued, true);
  await outbox.append(cdrEvent({ callId: 'c' }));
  const rows = await store.due(SINK, Date.now() + 1e12, 10);
  assert.equal(rows.length, 2);
  await store.close();
  for (const f of readdirSync(dir).filter((n) => n.startsWith('outbox-'))) {
    const bytes = readFileSync(join(dir, f)).toString('latin1');
    assert.ok(!bytes.includes('4111 1111'), `${f} holds a raw transcript`);
    assert.ok(!bytes.includes('2079460958'), `${f} holds a raw number`);
  }
});

test('append rejects invalid events, wrong region, and skips applications without forwarding', async () => {
  const { store, outbox, registry } = setup();
  assert.equal((await outbox.append({ ...(dtmfEvent() as object), digitCount: -1 } as never)).ok, false);
  const wrong = await outbox.append(dtmfEvent({ region: 'us' }));
  assert.equal(wrong.ok, false);
  const off = await outbox.append(dtmfEvent({ applicationId: 'other' } as never));
  assert.deepEqual(off, { ok: true, queued: false, reason: 'forwarding-disabled' });
  assert.equal((await store.stats(SINK)).pending, 0);
  assert.equal(await metric(registry, 'hushgate_events_dropped_total', { reason: 'invalid' }), 1);
});

test('worker delivers in batches, in order, and empties the outbox', async () => {
  const { clock, store, outbox, sink, worker, registry } = setup({ batchSize: 4 });
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await outbox.append(dtmfEvent({ callId: `c${i}` }));
    if (r.ok && r.queued) ids.push(r.eventId);
  }
  assert.equal(await metric(registry, 'hushgate_events_queued', { sink: SINK }), 10);
  worker.start();
  await clock.advanceAsync(10, settle);
  assert.deepEqual(sink.sent.map((b) => b.length), [4, 4, 2]);
  assert.deepEqual(sink.sent.flat().map((r) => r.eventId), ids);
  assert.deepEqual(await store.stats(SINK), { pending: 0, dead: 0, oldestPendingAt: undefined });
  assert.equal(await metric(registry, 'hushgate_events_delivered_total', { sink: SINK }), 10);
  await worker.stop();
});

test('a retried event holds back later events of its call only; backoff; dead-letter after maxAttempts', async () => {
  const { clock, store, outbox, sink, worker, registry } = setup({ maxAttempts: 3 });
  const a1 = await outbox.append(dtmfEvent({ callId: 'A' }));
  const b1 = await outbox.append(dtmfEvent({ callId: 'B' }));
  const poison = a1.ok && a1.queued ? a1.eventId : '';
  sink.answer = (batch) => ({ kind: 'results', outcomes: batch.map((r) => (r.eventId === poison ? { kind: 'retry', error: 'transient' } : { kind: 'delivered' })) });
  worker.start();
  await clock.advanceAsync(1, settle);
  assert.equal(sink.sent.length, 1);
  // A's second event arrives while A's first waits for its retry: it must not overtake it.
  const a2 = await outbox.append(dtmfEvent({ callId: 'A' }));
  const b2 = await outbox.append(dtmfEvent({ callId: 'B' }));
  await clock.advanceAsync(1, settle);
  const secondBatch = sink.sent[1]!.map((r) => r.eventId);
  assert.deepEqual(secondBatch, [b2.ok && b2.queued ? b2.eventId : '']);
  assert.ok(b1.ok);
  // retry 1 waits 0.5 × 1000 ms (random fixed at 0.5) after the first attempt at t0
  await clock.advanceAsync(497, settle); // now t0 + 499
  assert.equal(sink.sent.length, 2);
  await clock.advanceAsync(1, settle);
  assert.deepEqual(sink.sent[2]!.map((r) => r.eventId), [poison]); // a2 still held back behind a retrying a1
  await clock.advanceAsync(1000, settle); // retry 2 after 0.5 × 2000 ms → third attempt → dead
  assert.equal(sink.sent[3]!.length, 1);
  assert.equal((await store.stats(SINK)).dead, 1);
  // With a1 dead-lettered, a2 flows at once.
  assert.equal(sink.sent.length, 5);
  assert.deepEqual(sink.sent[4]!.map((r) => r.eventId), [a2.ok && a2.queued ? a2.eventId : '']);
  assert.equal((await store.stats(SINK)).pending, 0);
  assert.equal(await metric(registry, 'hushgate_events_dead_lettered_total', { sink: SINK }), 1);
  assert.equal(await metric(registry, 'hushgate_events_dead_letter', { sink: SINK }), 1);
  assert.equal(await store.requeueDead(SINK, clock.epochMs()), 1);
  sink.answer = (b) => ({ kind: 'results', outcomes: b.map(() => ({ kind: 'delivered' }) as EventOutcome) });
  worker.notify();
  await clock.advanceAsync(1, settle);
  assert.deepEqual(await store.stats(SINK), { pending: 0, dead: 0, oldestPendingAt: undefined });
  await worker.stop();
});

test('permanent failure dead-letters at once; an unavailable sink counts no attempts and loses nothing', async () => {
  const { clock, store, outbox, sink, worker, registry } = setup({ maxAttempts: 2 });
  await outbox.append(dtmfEvent());
  sink.answer = (b) => ({ kind: 'results', outcomes: b.map(() => ({ kind: 'permanent', error: 'forbidden' }) as EventOutcome) });
  worker.start();
  await clock.advanceAsync(1, settle);
  assert.equal((await store.stats(SINK)).dead, 1);

  sink.answer = () => ({ kind: 'unavailable', error: 'connection refused' });
  for (let i = 0; i < 5; i++) await outbox.append(dtmfEvent({ callId: `x${i}` }));
  await clock.advanceAsync(60 * 60_000, settle); // an hour down: many attempts, none counted against the events
  const tries = sink.sent.length - 1;
  assert.ok(tries > 100, `tried ${tries} times`);
  let s = await store.stats(SINK);
  assert.equal(s.pending, 5);
  assert.equal(s.dead, 1);
  assert.equal(await metric(registry, 'hushgate_events_oldest_pending_age_seconds', { sink: SINK }), 3600);
  assert.ok((await metric(registry, 'hushgate_events_failed_total', { sink: SINK, kind: 'unavailable' })) >= 500);
  sink.answer = (b) => ({ kind: 'results', outcomes: b.map(() => ({ kind: 'delivered' }) as EventOutcome) });
  await clock.advanceAsync(5000, settle);
  s = await store.stats(SINK);
  assert.equal(s.pending, 0);
  await worker.stop();
});

test('events of one call go one per batch, in order', async () => {
  const { clock, outbox, sink, worker } = setup({ batchSize: 10 });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await outbox.append(turnEvent({ callId: 'same', turnNumber: i + 1 }));
    if (r.ok && r.queued) ids.push(r.eventId);
  }
  await outbox.append(dtmfEvent({ callId: 'other' }));
  worker.start();
  await clock.advanceAsync(10, settle);
  assert.deepEqual(sink.sent.map((b) => b.map((r) => r.callId)), [['same', 'other'], ['same'], ['same']]);
  assert.deepEqual(sink.sent.flat().filter((r) => r.callId === 'same').map((r) => r.eventId), ids);
  await worker.stop();
});

test('linger: a partial batch waits for more events or the linger time', async () => {
  const clock = eventClock();
  const store = new SqliteOutboxStore({ dataDir: dir, region: 'eu' });
  const outbox = new EventOutbox({ region: 'eu', store, cipher: keys.cipher, clock, resolveRoute: () => ({ sinks: [SINK], gate: defaultEventGate }) });
  const sink = new ScriptedSink();
  const worker = new DeliveryWorker({ store, cipher: keys.cipher, region: 'eu', sinkKey: SINK, sink, clock, policy: { batchSize: 3, lingerMs: 100, idlePollMs: 60_000 } });
  outbox.attachWorker(SINK, worker);
  worker.start();
  await outbox.append(dtmfEvent({ callId: 'l1' }));
  await clock.advanceAsync(50, settle);
  assert.equal(sink.sent.length, 0);
  await outbox.append(dtmfEvent({ callId: 'l2' }));
  await outbox.append(dtmfEvent({ callId: 'l3' })); // batch full → goes now
  await settle();
  assert.deepEqual(sink.sent.map((b) => b.length), [3]);
  await outbox.append(dtmfEvent({ callId: 'l4' }));
  await clock.advanceAsync(99, settle);
  assert.equal(sink.sent.length, 1);
  await clock.advanceAsync(2, settle);
  assert.deepEqual(sink.sent.map((b) => b.length), [3, 1]);
  await worker.stop();
  await store.close();
});

test('erasure removes unsent events of one caller only, and appends survive reopening', async () => {
  const { store, outbox } = setup();
  await outbox.append(dtmfEvent(), { callerPseudonym: 'aaa' });
  await outbox.append(cdrEvent(), { callerPseudonym: 'aaa' });
  await outbox.append(dtmfEvent({ callId: 'other' }), { callerPseudonym: 'bbb' });
  assert.equal(await store.eraseByPseudonym('acme', 'other-app', 'aaa'), 0);
  assert.equal(await store.eraseByPseudonym('acme', 'support', 'aaa'), 2);
  await store.close();
  const reopened = new SqliteOutboxStore({ dataDir: dir, region: 'eu' });
  const rows = await reopened.due(SINK, Date.now() + 1e12, 10);
  assert.deepEqual(rows.map((r) => r.callId), ['other']);
  assert.equal(reopened.path, join(dir, 'outbox-eu.sqlite'));
  await reopened.close();
});
