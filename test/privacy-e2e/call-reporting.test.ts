/**
 * Privacy invariants I2, I4 and I5 through a real call: our softphone dials an `agent` application
 * over SIP/RTP on loopback (calling number +442079460958), speaks (flite) and keys a card number
 * (RFC 4733); the gateway forwards the call's reports to a real CouchDB-compatible server
 * (pouchdb-server, in memory) and captures the recognised utterance for training in its region's
 * SQLite file. Then we look at what actually left or landed: every CouchDB document, the raw bytes
 * of the region store files, and an erasure receipt.
 */

import { tmpdir } from 'node:os';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { freePort, freeUdpRange } from '../helpers/ports.js';
import { REPO } from '../helpers/gateway-process.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { sqlitePathFor } from '../../src/store/open.js';
import { waitFor } from '../helpers/wait.js';
import { heldNumberCount } from '../../src/privacy/index.js';

const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');
const CALLER = '+442079460958';
const CARD = '4111111111111111';
const SINK_KEY = 'bank/agent/couch';

let gw: InProcessGateway;
let phone: Softphone;
let couch: ChildProcess | undefined;
let couchUrl: string;
const tts = new FliteTts({ voice: 'slt' });

async function say(call: PhoneCall, text: string): Promise<void> {
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text })) chunks.push(c);
  const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000); // trailing silence ends the utterance
  let o = 0;
  for (const c of chunks) (pcm.set(c, o), (o += c.length));
  await call.play({ kind: 'pcm', samples: pcm });
}

async function couchDocs(): Promise<Record<string, unknown>[]> {
  const r = await fetch(`${couchUrl}/hushgate_events/_all_docs?include_docs=true`);
  if (!r.ok) return [];
  const body = (await r.json()) as { rows: { doc: Record<string, unknown> }[] };
  return body.rows.map((x) => x.doc).filter((d) => !String(d['_id']).startsWith('_design'));
}

/** The region's SQLite bytes as text: main file plus WAL (recent commits live there until a checkpoint). */
function regionBytes(region: string): string {
  const p = sqlitePathFor(gw.gw.config.dataDir, region);
  return [p, `${p}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('');
}

const dial = () => phone.dial(`sip:agent@127.0.0.1:${gw.sipPort}`, [], CALLER);

/** Waits until the call's agent has spoken (greeting / reply) and gone quiet. */
const heard = (call: PhoneCall) => call.nextUtterance(15_000);

before(async () => {
  const port = await freePort();
  couchUrl = `http://127.0.0.1:${port}`;
  couch = spawn(join(REPO, 'node_modules/.bin/pouchdb-server'), ['-m', '-n', '-p', String(port), '-o', '127.0.0.1'], { stdio: 'ignore', cwd: mkdtempSync(join(tmpdir(), 'pouchdb-')) });
  await waitFor('pouchdb-server', async () => ((await fetch(couchUrl).catch(() => undefined))?.ok ? true : undefined), 20_000);
  gw = await startInProcessGateway({
    regions: { eu: {}, us: {} },
    accounts: [
      {
        id: 'bank',
        applications: [
          {
            id: 'agent', region: 'eu', numbers: ['agent'], mode: 'agent',
            dialog: { provider: 'local', flow: FLOW },
            training: { enabled: true },
            forwarding: {
              enabled: true,
              sinks: [{ type: 'couchdb', name: 'couch', url: couchUrl, database: 'hushgate_events', allowInsecure: true, timeoutMs: 2000 }],
            },
          },
        ],
      },
    ],
    events: { delivery: { lingerMs: 0, idlePollMs: 200, retry: { baseMs: 60_000, capMs: 60_000 }, unavailable: { baseMs: 60_000, capMs: 60_000 } } },
  });
  const base = await freeUdpRange(40);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 39, endpointer: { silenceHangoverMs: 500 } });
});

after(async () => {
  await phone?.close();
  await gw?.stop();
  if (couch && couch.exitCode === null) couch.kill('SIGKILL');
  // I1 on the way: neither the card number nor the full caller number reached a log line.
  assert.ok(gw.logs.length > 0 && !gw.logs.some((l) => l.includes(CARD) || l.includes('2079460958')), 'PII in logs');
});

test('I2 + I4: a call with a card number and a UK caller; CouchDB docs and the training store hold neither', async () => {
  const call = await dial();
  await heard(call);
  assert.ok(heldNumberCount() > 0, 'a live call holds its parsed numbers');
  await say(call, 'check my balance');
  const tr = await gw.waitForEvent((e) => e.type === ('transcription' as string) && e.callId === call.session.callId);
  const transcript = String(tr['transcript']);
  assert.ok(transcript.length > 0);
  await heard(call);
  await call.sendDigits('3');
  await heard(call);
  await call.sendDigits(`${CARD}#`, 80, 80);
  await heard(call);
  await call.hangup();
  await waitFor('the call ended', () => gw.gw.calls.calls.size === 0);
  assert.equal(heldNumberCount(), 0, 'the parsed numbers do not outlive the call (privacy/phone.ts holdNumbers)');

  // I2: what reached the sink.
  const docs = await waitFor('the CDR in CouchDB', async () => {
    const d = await couchDocs().catch(() => []);
    return d.some((x) => x['type'] === 'cdr' && x['callId'] === call.session.callId) ? d : undefined;
  }, 10_000);
  const mine = docs.filter((d) => d['callId'] === call.session.callId);
  const types = new Set(mine.map((d) => d['type']));
  for (const t of ['cdr', 'turn', 'transcription', 'dtmf']) assert.ok(types.has(t), `no ${t} event in CouchDB (got ${[...types].join(', ')})`);
  const cdr = mine.find((d) => d['type'] === 'cdr')!;
  assert.equal(cdr['caller'], '+44207946XXXX');
  assert.ok((cdr['rtp'] as { inbound?: { packets: number } }).inbound!.packets > 0, 'CDR carries inbound RTP stats');
  const card = mine.find((d) => d['type'] === 'dtmf' && d['digitCount'] === CARD.length + 1);
  assert.ok(card, 'the card entry is reported as one DTMF event');
  assert.equal(card['digits'], undefined);
  assert.ok((card['redactions'] as string[]).includes('digits'));
  const all = JSON.stringify(docs);
  assert.ok(!all.includes(CARD), 'card number in a CouchDB document');
  assert.ok(!all.includes('2079460958'), 'full caller number in a CouchDB document');
  assert.ok(all.includes('+44207946XXXX'), 'obfuscated caller number present');

  // I4: what landed in the training store.
  const training = gw.gw.reporting!.training;
  await training.capture.drain();
  const eu = training.stores.get('eu');
  const rows = await eu.listTrainingRecords({ accountId: 'bank', applicationId: 'agent', now: Date.now(), limit: 10 });
  assert.equal(rows.length, 1, 'one utterance captured');
  const opened = await training.reader.open(eu, rows[0]!);
  assert.equal(opened.transcript, transcript, 'the sealed record holds the (non-PII) transcript');
  assert.equal(opened.from, '+44207946XXXX');
  const euBytes = regionBytes('eu');
  assert.ok(euBytes.includes('+44207946XXXX'), 'the masked number is in the eu file (we are reading the right bytes)');
  assert.ok(!euBytes.includes(transcript), 'transcript in clear in the eu store file');
  assert.ok(!euBytes.includes('2079460958'), 'full caller number in the eu store file');
  assert.ok(!euBytes.includes(CARD), 'card number in the eu store file');
  const us = training.stores.get('us');
  assert.equal(await us.countTrainingRecords({ accountId: 'bank', applicationId: 'agent', now: Date.now() }), 0);
  const usBytes = regionBytes('us');
  assert.ok(!usBytes.includes('+44207946XXXX') && !usBytes.includes(rows[0]!.id), 'eu application data in the us store');
});

test('I5: erasure removes training records and unsent outbox events; the receipt holds no PII', async () => {
  // Stop the sink, so this call's events stay pending in the outbox.
  couch!.kill('SIGKILL');
  await new Promise((r) => couch!.once('exit', r));
  const reporting = gw.gw.reporting!;
  const outbox = reporting.forwarding.outbox('eu')!;
  const call = await dial();
  await heard(call);
  await say(call, 'check my balance');
  await gw.waitForEvent((e) => e.type === ('transcription' as string) && e.callId === call.session.callId);
  await heard(call);
  await call.hangup();
  await gw.waitForEvent((e) => e.type === 'call.ended' && e.callId === call.session.callId);
  const pending = await waitFor('pending events', async () => ((await outbox.store.stats(SINK_KEY)).pending >= 3 ? (await outbox.store.stats(SINK_KEY)).pending : undefined), 10_000);
  await reporting.training.capture.drain();
  const q = { accountId: 'bank', applicationId: 'agent', now: Date.now() };
  const records = await reporting.training.stores.get('eu').countTrainingRecords(q);
  assert.ok(records >= 2, `training records of both calls (got ${records})`);

  const t0 = Date.now();
  const out = await reporting.training.eraser.erase({ accountId: 'bank', applicationId: 'agent', phoneNumber: '+44 20 7946 0958' });
  assert.ok(out.ok, out.ok ? '' : out.error);
  // the sink's delivery worker is backing off (CouchDB is down): erasure must not wait that out
  assert.ok(Date.now() - t0 < 5000, `erasure took ${Date.now() - t0} ms while the sink was down`);
  assert.equal(out.receipt.counts['trainingRecords'], records);
  assert.ok((out.receipt.counts['events-outbox'] ?? 0) >= pending, `outbox events erased: ${JSON.stringify(out.receipt.counts)}`);
  assert.equal(await reporting.training.stores.get('eu').countTrainingRecords(q), 0);
  const after = await outbox.store.stats(SINK_KEY);
  assert.equal(after.pending + after.dead, 0, 'no unsent event of that caller left');
  const receipt = JSON.stringify(out.receipt);
  assert.ok(!/2079460958|7946/.test(receipt), 'number in the receipt');
  assert.ok(!/[0-9a-f]{32,}/.test(receipt), 'pseudonym-like value in the receipt');
});
