/**
 * The CouchDB/Cloudant sink and the outbox against a real CouchDB-compatible server
 * (pouchdb-server on loopback), with a small auth front (basic / IAM bearer) and a local IAM
 * token endpoint speaking the IBM Cloud IAM API-key protocol.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { EventForwarding, type ForwardingApplication } from '../../src/events/forwarding.js';
import { eventsSchema, forwardingSchema } from '../../src/events/config.js';
import { CouchDbSink } from '../../src/events/sinks/couchdb.js';
import type { OutboxRow } from '../../src/events/outbox-store.js';
import { allDocIds, cdrEvent, dtmfEvent, freePort, startPouchServer, waitFor, type PouchServer, openTestCipher, type TestCipher } from './helpers.js';

let pouch: PouchServer;
let dir: string;
let keys: TestCipher;
before(async () => {
  pouch = await startPouchServer();
  dir = mkdtempSync(join(tmpdir(), 'hg-couch-'));
  keys = await openTestCipher(dir);
});
after(async () => {
  await pouch?.stop();
  await keys?.close();
  rmSync(dir, { recursive: true, force: true });
});

const fastDelivery = eventsSchema.parse({ delivery: { batchSize: 100, lingerMs: 5, unavailable: { baseMs: 20, capMs: 200 }, retry: { baseMs: 20, capMs: 200 } } });

function app(sink: Record<string, unknown>, applicationId = 'support'): ForwardingApplication {
  return { accountId: 'acme', applicationId, region: 'eu', forwarding: forwardingSchema.parse({ enabled: true, sinks: [sink] }) };
}

function listen(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((res) => {
    const srv = http.createServer(handler);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      res({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); }) });
    });
  });
}

/** Forwards to pouchdb-server only when `authorized(header)` says so. */
function authFront(authorized: (h: string | undefined) => boolean) {
  let rejected = 0;
  const front = listen((req, res) => {
    if (!authorized(req.headers.authorization)) {
      rejected++;
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized","reason":"Name or password is incorrect."}');
      return;
    }
    const { authorization: _a, ...headers } = req.headers;
    const up = http.request(pouch.url + req.url, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  return { front, rejected: () => rejected };
}

const row = (eventId: string, payload: object, callId = 'c'): OutboxRow => ({ seq: 1, eventId, type: 'dtmf', callId, createdAt: Date.now(), attempts: 0, payload: JSON.stringify(payload) });

test('delivers gated events to CouchDB as documents keyed by eventId, creating the database', async () => {
  const registry = new Registry();
  const fwd = new EventForwarding({ cipher: keys.cipher, dataDir: join(dir, 'd1'), events: fastDelivery, applications: [app({ type: 'couchdb', name: 'db', url: pouch.url, database: 'events_a', allowInsecure: true })], registry });
  await fwd.start();
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) {
    const r = await fwd.append(i % 2 ? cdrEvent({ callId: `call-${i}` }) : dtmfEvent({ callId: `call-${i}` }));
    assert.ok(r.ok && r.queued);
    ids.push(r.eventId);
  }
  await waitFor('all 50 documents', async () => (await allDocIds(pouch.url, 'events_a')).length === 50);
  assert.deepEqual((await allDocIds(pouch.url, 'events_a')).sort(), [...ids].sort());
  const doc = (await (await fetch(`${pouch.url}/events_a/${ids[1]}`)).json()) as Record<string, unknown>;
  assert.equal(doc['type'], 'cdr');
  assert.equal(doc['caller'], '+44207946XXXX');
  assert.equal(doc['eventId'], ids[1]);
  await waitFor('outbox drained', async () => (await fwd.outbox('eu')!.store.stats('acme/support/db')).pending === 0);
  const delivered = (await registry.getMetricsAsJSON()).find((m) => m.name === 'hushgate_events_delivered_total')!;
  assert.equal(delivered.values[0]!.value, 50);
  await fwd.stop();
});

test('redelivery of the same events is idempotent: conflict counts as delivered, no duplicates', async () => {
  const sink = new CouchDbSink({ name: 's', url: pouch.url, database: 'events_idem', allowInsecure: true });
  const rows = [row(randomUUID(), { n: 1 }, 'a'), row(randomUUID(), { n: 2 }, 'b')];
  const first = await sink.deliver(rows);
  const second = await sink.deliver(rows);
  for (const r of [first, second]) assert.deepEqual(r, { kind: 'results', outcomes: [{ kind: 'delivered' }, { kind: 'delivered' }] });
  assert.equal(sink.alreadyPresent, 2);
  assert.equal((await allDocIds(pouch.url, 'events_idem')).length, 2);
  await sink.close();
});

test('plain http is refused unless the sink allows it', () => {
  assert.throws(() => new CouchDbSink({ name: 's', url: pouch.url, database: 'x' }), /allowInsecure/);
  assert.equal(forwardingSchema.safeParse({ enabled: true, sinks: [{ type: 'couchdb', name: 'db', url: 'http://h', database: 'x' }] }).success, false);
});

test('auth failure: nothing lost or dead-lettered while refused; delivered once the credentials match', async () => {
  let password = 'rotated-elsewhere';
  const { front, rejected } = authFront((h) => h === 'Basic ' + Buffer.from(`hush:${password}`).toString('base64'));
  const f = await front;
  const fwd = new EventForwarding({
    cipher: keys.cipher,
    dataDir: join(dir, 'd2'),
    events: fastDelivery,
    applications: [app({ type: 'couchdb', name: 'db', url: f.url, database: 'events_auth', allowInsecure: true, auth: { kind: 'basic', username: 'hush', password: 's3cret' } })],
  });
  await fwd.start();
  for (let i = 0; i < 5; i++) await fwd.append(dtmfEvent({ callId: `c${i}` }));
  await waitFor('several refused attempts', () => rejected() >= 3);
  const store = fwd.outbox('eu')!.store;
  assert.deepEqual({ ...(await store.stats('acme/support/db')), oldestPendingAt: 0 }, { pending: 5, dead: 0, oldestPendingAt: 0 });
  password = 's3cret'; // operator fixes the credentials
  await waitFor('delivery after fix', async () => (await allDocIds(pouch.url, 'events_auth')).length === 5);
  await waitFor('outbox drained', async () => (await store.stats('acme/support/db')).pending === 0);
  await fwd.stop();
  await f.close();
});

test('Cloudant IAM: API key exchanged at the token endpoint once, bearer token accepted', async () => {
  const issued = new Set<string>();
  let exchanges = 0;
  const iam = await listen((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const okReq =
        req.method === 'POST' &&
        req.url === '/identity/token' &&
        req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
        form.get('grant_type') === 'urn:ibm:params:oauth:grant-type:apikey';
      if (!okReq) return void res.writeHead(400).end('{"errorCode":"BXNIM0109E"}');
      if (form.get('apikey') !== 'good-api-key') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found."}');
      exchanges++;
      const token = 'tok-' + randomUUID();
      issued.add(token);
      const now = Math.floor(Date.now() / 1000);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, refresh_token: 'not_supported', token_type: 'Bearer', expires_in: 3600, expiration: now + 3600, scope: 'ibm openid' }));
    });
  });
  const { front } = authFront((h) => !!h && h.startsWith('Bearer ') && issued.has(h.slice(7)));
  const f = await front;
  const sink = new CouchDbSink({ name: 's', url: f.url, database: 'events_iam', allowInsecure: true, auth: { kind: 'iam', apiKey: 'good-api-key', tokenUrl: iam.url + '/identity/token' } });
  for (let i = 0; i < 3; i++) {
    const r = await sink.deliver([row(randomUUID(), { i }, `c${i}`)]);
    assert.deepEqual(r, { kind: 'results', outcomes: [{ kind: 'delivered' }] });
  }
  assert.equal(exchanges, 1, 'token cached between batches');
  assert.equal((await allDocIds(pouch.url, 'events_iam')).length, 3);
  const bad = new CouchDbSink({ name: 's', url: f.url, database: 'events_iam', allowInsecure: true, auth: { kind: 'iam', apiKey: 'wrong', tokenUrl: iam.url + '/identity/token' } });
  const r = await bad.deliver([row(randomUUID(), {})]);
  assert.equal(r.kind, 'unavailable');
  await Promise.all([sink.close(), bad.close(), f.close(), iam.close()]);
});

test('server down, events appended, server up again on the same port: all delivered', async () => {
  const port = await freePort();
  let server = await startPouchServer(port);
  const fwd = new EventForwarding({ cipher: keys.cipher, dataDir: join(dir, 'd3'), events: fastDelivery, applications: [app({ type: 'couchdb', name: 'db', url: server.url, database: 'events_outage', allowInsecure: true })] });
  await fwd.start();
  await fwd.append(dtmfEvent({ callId: 'before' }));
  await waitFor('first delivery', async () => (await allDocIds(server.url, 'events_outage')).length === 1);
  await server.stop();
  const ids = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = await fwd.append(dtmfEvent({ callId: `during-${i}` }));
    if (r.ok && r.queued) ids.add(r.eventId);
  }
  await new Promise((r) => setTimeout(r, 400)); // several failed attempts while down
  const store = fwd.outbox('eu')!.store;
  assert.equal((await store.stats('acme/support/db')).pending, 40);
  server = await startPouchServer(port); // in-memory: the database is gone too and is re-created
  try {
    await waitFor('delivery after restart', async () => (await allDocIds(server.url, 'events_outage')).length === 40, 20000);
    assert.deepEqual(new Set(await allDocIds(server.url, 'events_outage')), ids);
    assert.equal((await store.stats('acme/support/db')).dead, 0);
  } finally {
    await fwd.stop();
    await server.stop();
  }
});
