/**
 * Deepgram STT and ElevenLabs TTS through a real call: our softphone dials an in-process gateway
 * (SIP/UDP, RTP PCMU on loopback) whose application uses local servers speaking both providers'
 * WebSocket protocols over TLS (self-signed, trusted through `ca`), with a webhook SOE.
 *
 * - every prompt is synthesised by the ElevenLabs server (`enable_logging=false`), each a context on
 *   the one socket the call keeps (one TLS handshake, closed with the call), and heard by the
 *   caller; the caller's words reach Deepgram as μ-law frames (`mip_opt_out=true`) and come back
 *   as the SOE's input;
 * - privacy: Deepgram is a third party (`local` unset), so while the sensitive switch is on (the
 *   SOE asked for a card number) it is sent silence of the same length, and the SOE gets a token.
 * (The scripted recogniser returns the card words although it was sent silence: it stands for a
 * recogniser that heard them, so that the gating downstream is tested too.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { startRecordingServer } from '../helpers/recording-server.js';
import { freeUdpRange } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { makeSelfSignedCert } from './servers/tls.js';
import { DeepgramServer } from './servers/deepgram-server.js';
import { ElevenLabsServer } from './servers/elevenlabs-server.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { mulawEncode } from '../../src/speech/audio/mulaw.js';

const DG_KEY = 'dg-call-key';
const EL_KEY = 'el-call-key';
const CARD_WORDS = 'four one one one one one one one one one one one one one one one';

let gw: InProcessGateway;
let soe: Awaited<ReturnType<typeof startRecordingServer>>;
let deepgram: DeepgramServer;
let elevenlabs: ElevenLabsServer;
let phone: Softphone;
let phrase: Int16Array;
const soeInputs: string[] = [];
const script: string[] = [];

before(async () => {
  const tls = makeSelfSignedCert();
  soe = await startRecordingServer((r) => {
    const body = JSON.parse(r.body.toString('utf8')) as { input: { text: string }; context: Record<string, unknown> };
    soeInputs.push(body.input.text);
    const ctx = { ...body.context, vgwPostResponseTimeoutCount: 60_000 };
    const say = (text: string) => ({ status: 200, json: { output: { text: [text] }, context: ctx } });
    const n = soeInputs.filter((t) => t !== 'vgwHangUp').length;
    if (body.input.text === 'vgwHangUp' || n > 3) return say('Goodbye.');
    if (n === 1) return say('Hello. How can I help?');
    if (n === 2) return say('Your balance is ten dollars. What is your card number?');
    return say('Thank you.');
  });
  deepgram = new DeepgramServer({ tls, apiKey: DG_KEY, segments: () => [script.shift() ?? ''] });
  elevenlabs = new ElevenLabsServer({ tls, apiKey: EL_KEY, chunks: 3, chunkGapMs: 20, samplesPerChar: 40 });
  const [dgUrl, elUrl] = await Promise.all([deepgram.listen(), elevenlabs.listen()]);
  gw = await startInProcessGateway({
    accounts: [{ id: 'acme', applications: [{
      id: 'agent', numbers: ['agent'], mode: 'agent',
      dialog: { provider: 'webhook', url: soe.url, workspaceId: 'ws', auth: { type: 'none' }, allowInsecure: true },
      speech: {
        stt: { engine: 'deepgram', url: dgUrl, apiKey: DG_KEY, ca: tls.cert },
        tts: { engine: 'elevenlabs', url: elUrl, apiKey: EL_KEY, voice: 'call-voice', ca: tls.cert },
      },
    }] }],
  });
  const base = await freeUdpRange(10);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9, endpointer: { silenceHangoverMs: 500 } });
  const flite = new FliteTts({ voice: 'slt' });
  const chunks: Int16Array[] = [];
  for await (const c of flite.synthesize({ text: 'yes please' })) chunks.push(c);
  await flite.close();
  phrase = new Int16Array(chunks.reduce((n, c) => n + c.length, 0) + 8000); // then 1 s of silence
  chunks.reduce((o, c) => (phrase.set(c, o), o + c.length), 0);
});

after(async () => {
  await phone?.close();
  await gw?.stop();
  await deepgram?.close();
  await elevenlabs?.close();
  await soe?.close();
});

test('a call with Deepgram STT and ElevenLabs TTS: prompts heard, words recognised, third party muted while sensitive', { timeout: 90_000 }, async () => {
  const call = await phone.dial(`sip:agent@127.0.0.1:${gw.sipPort}`);
  const callId = call.session.callId;
  const turnDone = (n: number) => gw.waitForEvent((e) => e.type === 'turn.completed' && e.callId === callId && e['turn'] === n, 20_000);
  await turnDone(1);
  script.push('check my balance');
  await call.play({ kind: 'pcm', samples: phrase });
  await turnDone(2);
  await waitFor('the switch on', () => gw.events.find((e) => e.type === 'sensitive.changed' && e.callId === callId && e['on'] === true), 5000);
  script.push(CARD_WORDS);
  await call.play({ kind: 'pcm', samples: phrase });
  await turnDone(3);
  await call.hangup();

  // The SOE got the recognised words, and a token for the card number.
  assert.equal(soeInputs[1], 'check my balance');
  assert.match(soeInputs[2]!, /^\[CREDIT_DEBIT_NUMBER_\d+\]$/);

  // Deepgram: one session per utterance (opened at the caller's onset), μ-law 8 kHz, opted out of model improvement, Token auth, Finalize at the end.
  assert.equal(deepgram.sessions.length, 2);
  for (const s of deepgram.sessions) {
    assert.equal(s.query.get('mip_opt_out'), 'true');
    assert.equal(s.query.get('encoding'), 'mulaw');
    assert.equal(s.headers.authorization, `Token ${DG_KEY}`);
    assert.deepEqual(s.messages.filter((m) => m.kind === 'control').map((m) => (m.kind === 'control' ? m.type : '')), ['Finalize', 'CloseStream']);
  }
  const audioOf = (i: number) => Buffer.concat(deepgram.sessions[i]!.messages.flatMap((m) => (m.kind === 'audio' ? [m.data] : [])));
  const silence = mulawEncode(new Int16Array(1))[0]!;
  assert.ok(audioOf(0).length > 4000 && audioOf(0).some((b) => b !== silence), 'the ordinary utterance was sent as spoken');
  assert.ok(audioOf(1).length > 4000 && audioOf(1).every((b) => b === silence), 'the sensitive utterance reached the third party as silence');
  // Live: the caller's audio went out as it was heard, not in one burst after the endpointer cut the
  // utterance — the first frame reached Deepgram well before the Finalize that ended the turn.
  for (const s of deepgram.sessions) {
    const firstAudio = s.messages.find((m) => m.kind === 'audio')!.at!;
    const finalize = s.messages.find((m) => m.kind === 'control' && m.type === 'Finalize')!.at!;
    assert.ok(finalize - firstAudio > 400, `audio streamed while the caller spoke: first frame ${Math.round(finalize - firstAudio)} ms before Finalize`);
  }

  // ElevenLabs: one socket (one TLS handshake) for the whole call, every prompt a context on it, zero
  // retention, the configured voice; the socket closed with the call.
  assert.equal(elevenlabs.sessions.length, 1);
  assert.equal(elevenlabs.handshakes, 1);
  const el = elevenlabs.sessions[0]!;
  const spoken = [...el.contexts.values()].map((c) => String(c.requests.find((r) => r['flush'] === true)?.['text'] ?? '').trim());
  for (const prompt of ['Hello. How can I help?', 'Your balance is ten dollars. What is your card number?', 'Thank you.']) assert.ok(spoken.includes(prompt), `${prompt} in ${JSON.stringify(spoken)}`);
  assert.equal(el.url.searchParams.get('enable_logging'), 'false');
  assert.equal(el.url.pathname, '/v1/text-to-speech/call-voice/multi-stream-input');
  assert.equal((await el.closed).code, 1000);
  const received = call.receivedPcm();
  let loud = 0;
  for (const x of received) if (Math.abs(x) > 4000) loud++;
  const synthesised = [...el.contexts.values()].reduce((n, c) => n + c.synthesised.reduce((m, p) => m + p.length, 0), 0);
  // The 400 Hz tone at 9000 peak is above 4000 for about 70 % of its samples.
  assert.ok(loud > 0.5 * synthesised, `the caller heard the synthesised prompts (${loud} loud samples of ${synthesised})`);
  // The logs carry neither key.
  const logs = gw.logs.join('\n');
  assert.ok(!logs.includes(DG_KEY) && !logs.includes(EL_KEY));
});
