/**
 * `EventForwarding.reconfigure` against a real CouchDB-compatible server (pouchdb-server): a sink
 * whose settings change keeps its pending rows and delivers them with the new settings; a new
 * application's sink starts delivering; a removed application stops forwarding while its unsent
 * rows stay in the outbox; nothing is delivered twice.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventForwarding, createSinkFromConfig, type ForwardingApplication } from '../../src/events/forwarding.js';
import { eventsSchema, forwardingSchema } from '../../src/events/config.js';
import { allDocIds, dtmfEvent, freePort, startPouchServer, waitFor, type PouchServer, openTestCipher, type TestCipher } from './helpers.js';

let pouch: PouchServer;
let dir: string;
let keys: TestCipher;
before(async () => {
  pouch = await startPouchServer();
  dir = mkdtempSync(join(tmpdir(), 'hg-reconf-'));
  keys = await openTestCipher(dir);
});
after(async () => {
  await pouch?.stop();
  await keys?.close();
  rmSync(dir, { recursive: true, force: true });
});

const fast = eventsSchema.parse({ delivery: { batchSize: 100, lingerMs: 5, idlePollMs: 50, unavailable: { baseMs: 20, capMs: 100 }, retry: { baseMs: 20, capMs: 100 } } });

function app(applicationId: string, url: string, database: string): ForwardingApplication {
  return { accountId: 'acme', applicationId, region: 'eu', forwarding: forwardingSchema.parse({ enabled: true, sinks: [{ type: 'couchdb', name: 'db', url, database, allowInsecure: true, timeoutMs: 1000 }] }) };
}

test('sinks follow application changes without losing or repeating events', { timeout: 60_000 }, async () => {
  const down = `http://127.0.0.1:${await freePort()}`; // nothing listens here
  // Every delivery attempt's result kind, in order: a refused attempt is the event that shows rows
  // stayed pending because the sink was down (not because nothing tried yet).
  const attempts: string[] = [];
  const createSink: typeof createSinkFromConfig = (cfg, key, clock) => {
    const sink = createSinkFromConfig(cfg, key, clock);
    return { name: sink.name, close: () => sink.close?.() ?? Promise.resolve(), deliver: async (batch) => {
      const r = await sink.deliver(batch);
      attempts.push(r.kind);
      return r;
    } };
  };
  const refusedAttempt = (after: number) => waitFor('a refused delivery attempt', () => attempts.slice(after).includes('unavailable'));
  const fwd = new EventForwarding({ cipher: keys.cipher, dataDir: dir, events: fast, applications: [app('support', down, 'r1')], regions: ['eu'], createSink });
  await fwd.start();
  const store = fwd.outbox('eu')!.store;
  try {
    // Pending while the sink is unreachable.
    const first: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await fwd.append(dtmfEvent({ callId: `a${i}`, applicationId: 'support' }));
      assert.ok(r.ok && r.queued);
      first.push(r.eventId);
    }
    await refusedAttempt(0);
    assert.equal((await store.stats('acme/support/db')).pending, 5);

    // The operator fixes the sink's URL and adds an application: pending rows go out with the new settings.
    await fwd.reconfigure([app('support', pouch.url, 'r1'), app('sales', pouch.url, 'r3')]);
    const sales: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await fwd.append(dtmfEvent({ callId: `s${i}`, applicationId: 'sales' }));
      assert.ok(r.ok && r.queued);
      sales.push(r.eventId);
    }
    await waitFor('the 5 pending events at r1', async () => (await allDocIds(pouch.url, 'r1')).length === 5);
    await waitFor('the new application at r3', async () => (await allDocIds(pouch.url, 'r3')).length === 4);
    assert.deepEqual((await allDocIds(pouch.url, 'r1')).sort(), [...first].sort());
    assert.deepEqual((await allDocIds(pouch.url, 'r3')).sort(), [...sales].sort());

    // Another change of the same sink (database r2): later events go there, none twice.
    await fwd.reconfigure([app('support', pouch.url, 'r2'), app('sales', pouch.url, 'r3')]);
    const second: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await fwd.append(dtmfEvent({ callId: `b${i}`, applicationId: 'support' }));
      assert.ok(r.ok && r.queued);
      second.push(r.eventId);
    }
    await waitFor('the later events at r2', async () => (await allDocIds(pouch.url, 'r2')).length === 6);
    assert.deepEqual((await allDocIds(pouch.url, 'r2')).sort(), [...second].sort());
    assert.equal((await allDocIds(pouch.url, 'r1')).length, 5);
    await waitFor('support drained', async () => (await store.stats('acme/support/db')).pending === 0);

    // The sales application goes away: its events are no longer forwarded; unsent rows stay.
    await fwd.reconfigure([app('support', down, 'r2')]);
    const gone = await fwd.append(dtmfEvent({ callId: 'x', applicationId: 'sales' }));
    assert.deepEqual(gone, { ok: true, queued: false, reason: 'forwarding-disabled' });
    const tried = attempts.length;
    const kept = await fwd.append(dtmfEvent({ callId: 'y', applicationId: 'support' }));
    assert.ok(kept.ok && kept.queued);
    await refusedAttempt(tried);
    assert.equal((await store.stats('acme/support/db')).pending, 1, 'kept while its sink is down again');
    assert.equal((await allDocIds(pouch.url, 'r3')).length, 4);
  } finally {
    await fwd.stop();
  }
});
