/**
 * Erasure follows delivered events to the sinks (issue 13), on real parts: a real CouchDB-compatible
 * server (pouchdb-server), a Splunk HEC receiver on loopback, and the admin API (`POST /v1/erasures`)
 * over a socket, with the outbox registered with the training eraser as in the gateway.
 *
 * - Every forwarded event carries the caller's keyed pseudonym (`callerPseudonym`), never the number.
 * - Erasure deletes the caller's CouchDB documents (found with `_find`), keeps the other caller's,
 *   and names the Splunk sink (no delete API) in `notReached`.
 * - With CouchDB down, the answer is not a success: 500 `erasure_incomplete` naming the sink, and
 *   `hushgate erase` through the API exits 1 saying which. A retry once it is back completes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../../src/config/load.js';
import { runKeyCreate, openControlStore } from '../../src/cli/commands/keys.js';
import { runErase } from '../../src/cli/commands/erase.js';
import { startAdminServer } from '../../src/admin/server.js';
import { ApiKeyStore } from '../../src/admin/api-keys.js';
import { TenancyStore } from '../../src/tenancy/tenancy-store.js';
import { openTraining, type TrainingService } from '../../src/training/service.js';
import { DataKeyEventCipher } from '../../src/training/event-cipher.js';
import { pseudonymOf } from '../../src/training/caller-identity.js';
import { EventForwarding } from '../../src/events/forwarding.js';
import { eventsSchema } from '../../src/events/config.js';
import type { Store } from '../../src/store/store.js';
import { allDocIds, dtmfEvent, freePort, startPouchServer, waitFor, type PouchServer } from './helpers.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';

const A = '+442079460958';
const B = '+442079461111';

function sink() {
  let text = '';
  return { w: new Writable({ write(c, _e, cb) { text += String(c); cb(); } }), text: () => text };
}

let dir: string;
let pouchPort: number;
let pouch: PouchServer;
let hec: RecordingServer;
/** The events the collector accepted (right token), one per line of each batch. */
const hecEvents = (): Record<string, unknown>[] =>
  hec.requests.filter((r) => r.headers.authorization === 'Splunk hec-token').flatMap((r) => r.text.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { event: Record<string, unknown> }).event));
let training: TrainingService;
let fwd: EventForwarding;
let control: Store;
let admin: FastifyInstance;
let apiUrl: string;
let root: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hg-couch-erasure-'));
  pouchPort = await freePort();
  pouch = await startPouchServer(pouchPort);
  hec = await startRecordingServer((req) => (req.headers.authorization !== 'Splunk hec-token' ? { status: 401 } : { headers: { 'content-type': 'application/json' }, body: '{"text":"Success","code":0}' }));
  const hecUrl = hec.url;
  const cfg = parseConfig({
    dataDir: dir, defaultCountry: 'GB', regions: { eu: { store: { kind: 'sqlite' } } },
    accounts: [{
      id: 'acme',
      applications: [{
        id: 'support', region: 'eu', numbers: ['+442071234567'],
        forwarding: {
          enabled: true,
          sinks: [
            { type: 'couchdb', name: 'db', url: pouch.url, database: 'voice_events', allowInsecure: true, timeoutMs: 2000 },
            { type: 'splunk-hec', name: 'splunk', url: hecUrl, token: 'hec-token', allowInsecure: true },
          ],
        },
      }],
    }],
  });
  const out = sink();
  const err = sink();
  assert.equal(await runKeyCreate({ name: 'root', scopes: 'all', local: true }, { stdout: out.w, stderr: err.w }, () => cfg), 0, err.text());
  root = out.text().trim();
  control = await openControlStore(cfg);
  // As the gateway wires it (CallReporting): payloads sealed under the training data keys, the outbox an erasure participant.
  training = await openTraining(cfg);
  const tenancy = await TenancyStore.open(control, { defaultCountry: 'GB', regions: ['eu'], keyStore: training.keyStore });
  await tenancy.seed(cfg.accounts);
  fwd = new EventForwarding({
    dataDir: dir,
    events: eventsSchema.parse({ delivery: { batchSize: 50, lingerMs: 2, idlePollMs: 50, unavailable: { baseMs: 20, capMs: 100 } } }),
    applications: cfg.accounts.flatMap((a) => a.applications.map((p) => ({ accountId: a.id, applicationId: p.id, region: p.region, forwarding: p.forwarding }))),
    cipher: new DataKeyEventCipher(training.stores, training.ring),
  });
  training.eraser.register(fwd);
  await fwd.start();
  admin = await startAdminServer({ host: '127.0.0.1', port: 0, registry: new Registry(), ready: () => true, tenancy, keys: await ApiKeyStore.open(control), training });
  apiUrl = `http://127.0.0.1:${(admin.server.address() as { port: number }).port}`;
});

after(async () => {
  await admin?.close();
  await fwd?.stop();
  await training?.close();
  await control?.close();
  await pouch?.stop();
  await hec?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function erase(phoneNumber: string, requestId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${apiUrl}/v1/erasures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' },
    body: JSON.stringify({ accountId: 'acme', applicationId: 'support', phoneNumber, requestId }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function couchDocs(): Promise<Record<string, unknown>[]> {
  const r = await fetch(`${pouch.url}/voice_events/_all_docs?include_docs=true`);
  if (r.status === 404) return [];
  return ((await r.json()) as { rows: { doc: Record<string, unknown> }[] }).rows.map((x) => x.doc).filter((d) => !String(d['_id']).startsWith('_design'));
}

test('erasure deletes the caller’s CouchDB documents by pseudonym and names Splunk HEC as not reached', { timeout: 60_000 }, async () => {
  const secret = await training.keyStore.pseudonymSecret('acme');
  const psA = pseudonymOf(secret, A, 'GB');
  const psB = pseudonymOf(secret, B, 'GB');
  for (let i = 0; i < 6; i++) assert.ok((await fwd.append(dtmfEvent({ callId: `a-${i}` }), { callerPseudonym: psA })).ok);
  for (let i = 0; i < 4; i++) assert.ok((await fwd.append(dtmfEvent({ callId: `b-${i}` }), { callerPseudonym: psB })).ok);
  await waitFor('delivered to both sinks', async () => (await allDocIds(pouch.url, 'voice_events')).length === 10 && hecEvents().length === 10);
  const docs = await couchDocs();
  assert.deepEqual(docs.map((d) => d['callerPseudonym']).sort(), [...Array(6).fill(psA), ...Array(4).fill(psB)].sort(), 'every event carries the keyed pseudonym');
  assert.ok(!JSON.stringify(docs).includes('2079460958'), 'never the number');

  const r = await erase('020 7946 0958', 'dsr-a');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(r.body['failed'], []);
  assert.deepEqual(r.body['sinks'], [
    { sink: 'acme/support/db', type: 'couchdb', delivered: 6, outcome: 'deleted', removed: 6 },
    { sink: 'acme/support/splunk', type: 'splunk-hec', delivered: 6, outcome: 'cannot-erase' },
  ]);
  assert.deepEqual(r.body['notReached'], ['sink acme/support/splunk (splunk-hec cannot delete events)']);
  assert.ok(!JSON.stringify(r.body).includes(psA), 'no pseudonym on the receipt');
  const left = await couchDocs();
  assert.equal(left.length, 4);
  assert.ok(left.every((d) => d['callerPseudonym'] === psB));
  // Tombstones keep no body: the deleted revision holds only _id, _rev, _deleted.
  const leaf = (await (await fetch(`${pouch.url}/voice_events/${String(docs.find((d) => d['callerPseudonym'] === psA)!['_id'])}?open_revs=all`, { headers: { accept: 'application/json' } })).json()) as { ok: Record<string, unknown> }[];
  assert.equal(leaf.length, 1);
  assert.deepEqual(Object.keys(leaf[0]!.ok).sort(), ['_deleted', '_id', '_rev']);
});

test('CouchDB down during erasure: 500 erasure_incomplete naming the sink, CLI exit 1; a retry completes', { timeout: 60_000 }, async () => {
  await pouch.stop();
  const r = await erase(B, 'dsr-b');
  assert.equal(r.status, 500, JSON.stringify(r.body));
  assert.equal(r.body['error'], 'erasure_incomplete');
  const receipt = r.body['receipt'] as { failed: string[]; counts: Record<string, number> };
  assert.equal(receipt.failed.length, 1);
  assert.match(receipt.failed[0]!, /^sink acme\/support\/db: find: request failed/);

  const err = sink();
  const code = await runErase({ account: 'acme', application: 'support', number: B, url: apiUrl, key: root }, () => { throw new Error('unused'); }, { stdout: sink().w, stderr: err.w });
  assert.equal(code, 1);
  assert.match(err.text(), /erasure_incomplete.*sink acme\/support\/db/);

  // Back up (empty, in memory): the retry still knows the sink held the caller's events (ledger kept on failure).
  pouch = await startPouchServer(pouchPort);
  const retry = await erase(B, 'dsr-b-retry');
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
  assert.deepEqual((retry.body['sinks'] as { sink: string; outcome: string }[]).map((s) => [s.sink, s.outcome]), [['acme/support/db', 'deleted']]);
  const listed = (await (await fetch(`${apiUrl}/v1/erasures`, { headers: { authorization: `Bearer ${root}` } })).json()) as { requestId: string; failed: string[] }[];
  const byId = new Map(listed.map((x) => [x.requestId, x.failed.length]));
  assert.deepEqual([byId.get('dsr-a'), byId.get('dsr-b'), byId.get('dsr-b-retry')], [0, 1, 0], 'receipts keep what failed');
  assert.equal(listed.length, 4, 'the CLI request has its own receipt (incomplete too)');
});
