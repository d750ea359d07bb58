/**
 * `format: ibm` through real calls: IBM's CDR design document (a `_count` view and a `_sum` view of
 * call minutes, keyed by date from `doc.event.stopTime` and `doc.event.callLength`, as IBM's Cloudant
 * sample has them) loaded into the CouchDB-compatible server counts the calls and their minutes; a
 * Splunk HEC receiver gets IBM's envelope (`time` in epoch seconds, indexes cdr/transcription/conv,
 * the payload under `event`) with every value through the privacy gate.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { REPO } from '../helpers/gateway-process.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { startPouchServer, type PouchServer } from './helpers.js';

const CALLER = '+442079460958';
const FLOW = join(REPO, 'examples/flows/bank.yaml');

/** A date-keyed view in the form of IBM's sample CDR design document. */
const byDate = (value: string) => `function(doc) {
  var date = new Date(doc.event.stopTime);
  var key = date.getFullYear() + "/" + (date.getMonth() + 1) + "/" + date.getDate() + " " + date.getHours() + ":" + date.getMinutes() + ":" + date.getSeconds();
  emit(key, ${value});
}`;
const CDR_DESIGN_DOC = {
  _id: '_design/cdrDesignDoc',
  language: 'javascript',
  views: {
    calls_by_date: { map: byDate('1'), reduce: '_count' },
    call_minutes_by_date: { map: byDate('(doc.event.callLength) / (60 * 1000)'), reduce: '_sum' },
  },
};

let pouch: PouchServer;
let hec: RecordingServer;
let gw: InProcessGateway;
let phone: Softphone;
const tts = new FliteTts({ voice: 'slt' });

before(async () => {
  pouch = await startPouchServer();
  hec = await startRecordingServer(() => ({ json: { text: 'Success', code: 0 } }));
  // IBM's Cloudant database with its CDR views, before any call.
  assert.equal((await fetch(`${pouch.url}/vgw_cdr`, { method: 'PUT' })).status, 201);
  const put = await fetch(`${pouch.url}/vgw_cdr/_design/cdrDesignDoc`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CDR_DESIGN_DOC) });
  assert.equal(put.status, 201);
  const ibm = { format: 'ibm', allowInsecure: true, timeoutMs: 3000 };
  gw = await startInProcessGateway({
    accounts: [
      {
        id: 'bank',
        applications: [
          {
            id: 'line', numbers: ['hold'], mode: 'hold', holdSeconds: 1,
            forwarding: { enabled: true, sinks: [{ type: 'couchdb', name: 'cloudant', url: pouch.url, database: 'vgw_cdr', ...ibm }] },
          },
          {
            id: 'agent', numbers: ['agent'], mode: 'agent', dialog: { provider: 'local', flow: FLOW },
            forwarding: {
              enabled: true,
              sinks: [{ type: 'splunk-hec', name: 'splunk', url: hec.url, token: 'hec-token', ...ibm, ibm: { sourceTypes: { cdr: 'vgwSessionID' }, host: 'gw-1' } }],
            },
          },
        ],
      },
    ],
    events: { delivery: { lingerMs: 0, idlePollMs: 200 } },
  });
  const base = await freeUdpRange(20);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19, endpointer: { silenceHangoverMs: 500 } });
});

after(async () => {
  const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 5000).unref())]);
  await bounded(tts.close());
  await bounded(phone?.close());
  await bounded(gw?.stop());
  await bounded(hec?.close());
  await bounded(pouch?.stop());
});

async function view(name: string): Promise<number> {
  const r = (await (await fetch(`${pouch.url}/vgw_cdr/_design/cdrDesignDoc/_view/${name}?reduce=true`)).json()) as { rows: { value: number }[] };
  return r.rows[0]?.value ?? 0;
}

test("IBM's CDR design document counts the calls and their minutes from CDRs written in format ibm", { timeout: 60_000 }, async () => {
  const ended: Record<string, unknown>[] = [];
  for (let i = 0; i < 3; i++) {
    const call = await phone.dial(`sip:hold@127.0.0.1:${gw.sipPort}`, [], CALLER);
    await call.waitForEnd(10_000); // the line hangs up after a second
    ended.push(await gw.waitForEvent((e) => e.type === 'call.ended' && e.callId === call.session.callId));
  }
  const count = await waitFor('three CDRs counted', async () => ((await view('calls_by_date')) >= 3 ? view('calls_by_date') : undefined), 40_000);
  assert.equal(count, 3);
  const minutes = ended.reduce((m, e) => m + ((e['endedAt'] as number) - (e['answeredAt'] as number)) / 60_000, 0);
  const summed = await view('call_minutes_by_date');
  assert.ok(Math.abs(summed - minutes) < 1e-6, `summed ${summed} minutes, the calls lasted ${minutes}`);
  assert.ok(summed > 3 * (0.9 / 60), 'each call lasted about a second');

  const docs = ((await (await fetch(`${pouch.url}/vgw_cdr/_all_docs?include_docs=true`)).json()) as { rows: { id: string; doc: Record<string, any> }[] }).rows
    .filter((r) => !r.id.startsWith('_design'))
    .map((r) => r.doc);
  assert.equal(docs.length, 3, 'only CDRs go to the Cloudant database, as IBM published them');
  for (const d of docs) {
    assert.equal(d['index'], 'cdr');
    assert.ok(typeof d['time'] === 'number' && Math.abs(d['time'] - Date.now() / 1000) < 600, 'time in epoch seconds');
    assert.match(d['event'].sipFromURI, /^sip:\+44207946XXXX@/, 'the caller stays a URI, last digits hidden');
    // the events destination obfuscates the called number too by default (a user name becomes anonymous)
    assert.match(d['event'].sipToURI, /^sip:anonymous@/);
    assert.equal(typeof d['event'].callLength, 'number');
    assert.equal(d['event'].endReason, 'vgwHangup');
    assert.equal(d['event'].failureOccurred, false);
  }
  assert.ok(!JSON.stringify(docs).includes('2079460958'), 'the full caller number never reaches the database');
});

async function say(call: PhoneCall, text: string): Promise<void> {
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text })) chunks.push(c);
  const pcm = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
  chunks.reduce((o, c) => (pcm.set(c, o), o + c.length), 0);
  await call.play({ kind: 'pcm', samples: pcm });
}

test('a Splunk HEC sink in format ibm gets the Voice Gateway envelopes: cdr, transcription and conv indexes', { timeout: 60_000 }, async () => {
  const call = await phone.dial(`sip:agent@127.0.0.1:${gw.sipPort}`, [], CALLER);
  try {
    await call.nextUtterance(30_000);
    await say(call, 'check my balance');
    await call.nextUtterance(30_000);
  } finally {
    if (!call.ended) await call.hangup(); // a failure above must not leave the call (and the process) up
  }
  const callId = call.session.callId;
  const envelopes = await waitFor('the CDR at the HEC receiver', () => {
    const all = hec.requests.flatMap((r) => r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>));
    return all.some((e) => e['index'] === 'cdr' && e['event'].globalSessionID === callId) ? all : undefined;
  }, 40_000);
  assert.equal(hec.requests[0]!.headers.authorization, 'Splunk hec-token');
  const mine = envelopes.filter((e) => e['event'].globalSessionID === callId);
  const by = (index: string) => mine.filter((e) => e['index'] === index);
  assert.equal(by('cdr').length, 1);
  assert.ok(by('conv').length >= 2, 'one conversation event per turn');
  assert.equal(by('transcription').length, 1);
  for (const e of mine) {
    assert.ok(typeof e['time'] === 'number' && Math.abs(e['time'] - Date.now() / 1000) < 600, 'time in epoch seconds');
    assert.equal(e['host'], 'gw-1');
    assert.deepEqual(Object.keys(e).sort(), ['event', 'host', 'index', 'time', ...(e['sourcetype'] ? ['sourcetype'] : [])].sort());
  }
  const cdr = by('cdr')[0]!;
  assert.equal(cdr['sourcetype'], 'vgwSessionID');
  assert.match(cdr['event'].sipFromURI, /^sip:\+44207946XXXX@/);
  assert.equal(cdr['event'].endReason, 'callerHangup');
  for (const k of ['maxConvTransaction', 'maxTTSTransaction', 'maxSTTTransaction', 'callLength']) assert.equal(typeof cdr['event'][k], 'number', k);
  assert.ok(cdr['event'].maxSTTTransaction > 0, 'the recognition time was measured');
  const [first, second] = by('conv').sort((a, b) => a['event'].turn - b['event'].turn);
  assert.deepEqual(first!['event'].input, {});
  assert.match(first!['event'].output.text[0], /welcome/i);
  assert.equal(second!['event'].context.vgwSessionID, callId);
  assert.equal(typeof second!['event'].input.text, 'string');
  assert.ok(Array.isArray(second!['event'].intents) && Array.isArray(second!['event'].entities));
  const tr = by('transcription')[0]!['event'];
  assert.equal(tr.results[0].final, true);
  assert.equal(typeof tr.results[0].alternatives[0].transcript, 'string');
  assert.ok(!JSON.stringify(envelopes).includes('2079460958'), 'no full caller number at the receiver');
});
