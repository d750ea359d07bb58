/**
 * The sensitive switch, recording with consent and the privacy receipt over real calls (softphone,
 * flite speech, real SIP/RTP, a webhook SOE, a scripted OpenAI-compatible STT server, a webhook
 * event sink, training capture, the region store):
 *
 * - the SOE asks for the card number (the switch turns on by itself), the caller says it and then
 *   keys it: the SOE gets tokens only, the third-party recogniser gets silence, events, training
 *   and logs get `[SENSITIVE]`/counts, the recording has silence marked as a pause there — and the
 *   ordinary turns before and after are reported as before;
 * - recording with `announce` starts after the announcement, and not at all when the caller hangs
 *   up during it;
 * - the call's receipt is in the region's chain, which verifies; erasing the caller removes the
 *   recording (its data key is destroyed) and appends an erasure receipt.
 * (The scripted STT returns the card words even though it was sent silence: it stands for a
 * recogniser that heard them, so that everything downstream is tested.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { startRecordingServer } from '../helpers/recording-server.js';
import { freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { OpenAiServer } from '../speech/servers/openai-server.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { parseWav } from '../../src/media/wav.js';
import { verifyChain } from '../../src/receipts/verify.js';
import { regionPublicKey } from '../../src/receipts/signing-keys.js';
import { exportTraining } from '../../src/training/export.js';
import type { CallReceiptBody } from '../../src/receipts/receipt.js';

const CARD_WORDS = 'four one one one one one one one one one one one one one one one';
const CARD_DIGITS = '4111111111111111';
const CALLER = '+447700900123';
const HOOK_SECRET = 'a-webhook-secret-of-at-least-32-characters!';

let gw: InProcessGateway;
let soe: Awaited<ReturnType<typeof startRecordingServer>>;
let hook: Awaited<ReturnType<typeof startRecordingServer>>;
let stt: OpenAiServer;
let phone: Softphone;
const tts = new FliteTts({ voice: 'slt' });
let phrase: Int16Array;
const soeSeen: { text: string; body: string }[] = [];
const script: string[] = [];

before(async () => {
  soe = await startRecordingServer((r) => {
    const body = JSON.parse(r.body.toString('utf8')) as { input: { text: string }; context: Record<string, unknown> };
    soeSeen.push({ text: body.input.text, body: r.body.toString('utf8') });
    const ctx = { ...body.context, vgwPostResponseTimeoutCount: 60_000 };
    const say = (text: string, actions?: unknown[]) => ({ status: 200, json: { output: { text: [text], ...(actions ? { vgwActionSequence: actions } : {}) }, context: ctx } });
    const n = soeSeen.filter((s) => s.text !== 'vgwHangUp').length;
    if (body.input.text === 'vgwHangUp') return say('bye');
    if (n === 1) return say('Hello. How can I help?');
    if (n === 2) return say('Your balance is ten dollars. What is your card number?');
    if (n === 3) return say('Please key your card number and press hash.', [{ command: 'vgwActCollectDTMF', parameters: { dtmfTermKey: '#', dtmfMaxCount: 19 } }]);
    if (n === 4) return say('Thank you. Anything else?');
    return say('We are open nine to five.');
  });
  hook = await startRecordingServer(() => ({ status: 200, json: { ok: true } }));
  stt = new OpenAiServer({ apiKey: 'k', transcript: () => script.shift() ?? '' });
  const app = (id: string, recording: Record<string, unknown>) => ({
    id, numbers: [id], mode: 'agent',
    dialog: { provider: 'webhook', url: soe.url, workspaceId: 'ws', auth: { type: 'none' }, allowInsecure: true },
    speech: { stt: { engine: 'openai', url: sttUrl, apiKey: 'k', allowInsecure: true } },
    training: { enabled: true },
    forwarding: { enabled: true, sinks: [{ type: 'webhook', name: 'hook', url: `${hook.url}/events`, secret: HOOK_SECRET, allowInsecure: true, timeoutMs: 2000 }] },
    recording,
  });
  const sttUrl = await stt.listen();
  gw = await startInProcessGateway({
    defaultCountry: 'GB',
    accounts: [{ id: 'bank', applications: [
      app('pay', { enabled: true, channels: 'mono', consent: 'announce', announcement: 'This call is recorded.' }),
      app('long', { enabled: true, consent: 'announce', announcement: 'This call is recorded for quality and training purposes, and your data is kept safe under our privacy policy which you can read on our web site at any time.' }),
    ] }],
  });
  const base = await freeUdpRange(20);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19, endpointer: { silenceHangoverMs: 500 } });
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text: 'yes please' })) chunks.push(c);
  phrase = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000);
  chunks.reduce((o, c) => (phrase.set(c, o), o + c.length), 0);
});

after(async () => {
  await phone?.close();
  await gw?.stop();
  await tts.close();
  await stt?.close();
  await soe?.close();
  await hook?.close();
});

const region = () => gw.gw.records!.chains.get('default')!;

async function receiptOf(callId: string): Promise<CallReceiptBody> {
  const r = await waitFor('the call receipt', async () => (await region().forSubject(callId)).find((x) => x.kind === 'call'), 10_000);
  return JSON.parse(r.body) as CallReceiptBody;
}

/** The gateway finished turn `n` of the call (its answer spoken, its actions run). */
function turnDone(callId: string, n: number) {
  return gw.waitForEvent((e) => e.type === 'turn.completed' && e.callId === callId && e['turn'] === n, 20_000);
}

async function speak(call: PhoneCall, transcript: string): Promise<void> {
  script.push(transcript);
  await call.play({ kind: 'pcm', samples: phrase });
}

test('a card number said and keyed while the switch is on reaches no destination; the turns around it are as before', { timeout: 90_000 }, async () => {
  const call = await phone.dial(`sip:pay@127.0.0.1:${gw.sipPort}`, [], CALLER);
  const callId = call.session.callId;
  await turnDone(callId, 1); // announcement, then hello
  await speak(call, 'check my balance');
  await turnDone(callId, 2); // balance + "what is your card number?"
  await waitFor('the switch on', () => gw.events.find((e) => e.type === 'sensitive.changed' && e.callId === callId && e['on'] === true), 5000);
  await speak(call, CARD_WORDS);
  await turnDone(callId, 3); // "please key your card number"
  await call.sendDigits(`${CARD_DIGITS}#`, 80, 80);
  await turnDone(callId, 4); // "thank you, anything else?"
  await waitFor('the switch off', () => gw.events.find((e) => e.type === 'sensitive.changed' && e.callId === callId && e['on'] === false), 5000);
  await speak(call, 'what are your opening hours');
  await turnDone(callId, 5);
  await call.hangup();
  const body = await receiptOf(callId);

  // the dialog: the ordinary turns as said, the secret ones as tokens
  const inputs = soeSeen.map((s) => s.text);
  assert.equal(inputs[1], 'check my balance');
  assert.match(inputs[2]!, /^\[CREDIT_DEBIT_NUMBER_\d+\]$/);
  assert.match(inputs[3]!, /^\[CREDIT_DEBIT_NUMBER_\d+\]$/);
  assert.equal(inputs[4], 'what are your opening hours');
  // the third-party recogniser got silence for the sensitive utterance, the caller's audio otherwise
  const samples = (i: number) => {
    const w = parseWav(stt.transcriptions[i]!.file!.data);
    assert.ok(w.ok);
    return w.wav.samples;
  };
  assert.ok(samples(0).some((x) => x !== 0), 'the ordinary utterance was sent as spoken');
  assert.ok(samples(1).every((x) => x === 0), 'the sensitive utterance was muted');
  // events on the bus and at the sink
  const tr = gw.events.filter((e) => e.type === 'transcription' && e.callId === callId).map((e) => e['transcript']);
  assert.deepEqual(tr, ['check my balance', '[SENSITIVE]', 'what are your opening hours']);
  const cdr = await waitFor('the CDR delivered', () => hook.requests.map((r) => r.body.toString('utf8')).find((b) => b.includes('"cdr"') && b.includes(callId)), 15_000);
  assert.match(cdr, /"reasons":\["expected:CREDIT_DEBIT_NUMBER"\]/, 'the CDR says when the switch was on and why');
  assert.match(cdr, /"outcome":"announced"/, 'and the consent outcome');
  // training capture
  const reporting = gw.gw.reporting!;
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (c: Buffer) => lines.push(c.toString('utf8')));
  await exportTraining(reporting.training.stores.get('default'), reporting.training.reader, { accountId: 'bank', applicationId: 'pay', actor: 'test' }, out);
  const training = lines.join('');
  assert.ok(training.includes('[SENSITIVE]') && training.includes('opening hours'), 'training has the placeholder and the ordinary turns');
  // the recording: silence, marked as a pause, where the switch was on
  const [rec] = await gw.gw.records!.recordings.list({ applicationId: 'pay' }, 'test');
  assert.ok(rec, 'the call was recorded');
  assert.ok(rec.pauses.some((p) => p.reasons.includes('sensitive')));
  const opened = await gw.gw.records!.recordings.get(rec.id, 'test');
  assert.ok(opened.ok);
  const wav = parseWav(opened.wav);
  assert.ok(wav.ok);
  for (const p of rec.pauses) {
    const span = wav.wav.samples.subarray((p.fromMs / 1000) * 8000, ((p.toMs ?? rec.durationMs) / 1000) * 8000);
    assert.ok(span.length > 0 && span.every((x) => x === 0), `pause ${p.fromMs}-${p.toMs} ms is silence`);
  }
  assert.ok(wav.wav.samples.some((x) => x !== 0), 'the rest of the call is there');
  // nowhere: logs, events sent, SOE requests, training, receipts
  const places: [string, string][] = [
    ['logs', gw.logs.join('\n')], ['event sink', hook.requests.map((r) => r.body.toString('utf8')).join('\n')], ['dialog', soeSeen.map((s) => s.body).join('\n')],
    ['training', training], ['receipt', JSON.stringify(body)], ['call events', JSON.stringify(gw.events.filter((e) => e.type !== 'caller.input'))],
  ];
  for (const secret of [CARD_DIGITS, CARD_WORDS, '4111 1111']) {
    for (const [where, text] of places) assert.ok(!text.includes(secret), `"${secret}" leaked to ${where}: ${text.slice(Math.max(0, text.indexOf(secret) - 300), text.indexOf(secret) + 80)}`);
  }
  // the receipt
  assert.equal(body.recording?.outcome, 'announced');
  assert.ok(body.sensitive.length >= 1 && body.sensitive[0]!.reasons.includes('expected:CREDIT_DEBIT_NUMBER'));
  assert.ok(body.sensitive.reduce((n, s) => n + s.digits, 0) >= 16, 'the keyed digits were counted');
  assert.ok((body.destinations['dialog']?.tokenised['CREDIT_DEBIT_NUMBER'] ?? 0) >= 2);
  const v = await verifyChain('default', region().all(), regionPublicKey(gw.gw.config.dataDir, 'default'));
  assert.deepEqual(v.problems, []);

  // the same through the admin API: the recording as WAV, the receipt, the chain's verdict; audited
  const { token } = await gw.gw.apiKeys.create({ name: 'dpo', scopes: ['recordings:read', 'receipts:read'] });
  const api = (path: string) => fetch(`http://127.0.0.1:${gw.gw.adminPort}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const listed = (await (await api('/v1/recordings?applicationId=pay')).json()) as { id: string }[];
  assert.deepEqual(listed.map((r) => r.id), [rec.id]);
  const wavRes = await api(`/v1/recordings/${rec.id}`);
  assert.equal(wavRes.headers.get('content-type'), 'audio/wav');
  assert.equal(Buffer.compare(Buffer.from(await wavRes.arrayBuffer()), opened.wav), 0);
  const viaApi = (await (await api(`/v1/receipts/calls/${encodeURIComponent(callId)}`)).json()) as { kind: string; body: { callId: string } };
  assert.deepEqual([viaApi.kind, viaApi.body.callId], ['call', callId]);
  assert.equal(((await (await api('/v1/receipts/verify?region=default')).json()) as { ok: boolean }).ok, true);
  const audit = await gw.gw.reporting!.training.stores.get('default').listAudit();
  assert.ok(audit.some((a) => a.action === 'recording.get' && a.details['recordingId'] === rec.id), 'the fetch is in the audit log');
});

test('announce: a caller who hangs up during the announcement is never recorded', { timeout: 60_000 }, async () => {
  const call = await phone.dial(`sip:long@127.0.0.1:${gw.sipPort}`, [], CALLER);
  await call.nextSpeechStart();
  await call.hangup();
  const body = await receiptOf(call.session.callId);
  assert.equal(body.recording?.recorded, false);
  assert.notEqual(body.recording?.outcome, 'announced');
  assert.deepEqual(await gw.gw.records!.recordings.list({ applicationId: 'long' }, 'test'), []);
});

test("erasing the caller removes the recording and shreds its key; the erasure's receipt joins the chain, which verifies", { timeout: 30_000 }, async () => {
  const [rec] = await gw.gw.records!.recordings.list({ applicationId: 'pay' }, 'test');
  assert.ok(rec);
  const out = await gw.gw.reporting!.training.eraser.erase({ accountId: 'bank', applicationId: 'pay', phoneNumber: CALLER });
  assert.ok(out.ok);
  assert.ok(out.receipt.counts['recordings']! >= 1);
  assert.deepEqual(await gw.gw.records!.recordings.get(rec.id, 'test'), { ok: false, reason: 'not-found' });
  const all = await region().list(0, 100);
  assert.equal(all.at(-1)!.kind, 'erasure');
  const v = await verifyChain('default', region().all(), regionPublicKey(gw.gw.config.dataDir, 'default'));
  assert.deepEqual(v.problems, []);
});
