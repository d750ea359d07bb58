/**
 * Adaptive endpointing over real SIP/RTP with the embedded engines: a whole grammar phrase ends the
 * turn after the short hangover (and is recognised once), while a caller who pauses mid-number is
 * not cut off — the pause's forced grammar match fits the audio badly, so the fixed hangover ends
 * the turn with the whole utterance. An application with `endpointing.adaptive: false` keeps the
 * fixed hangover.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { REPO } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';

const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');
let gw: InProcessGateway;
let phone: Softphone;
const tts = new FliteTts({ voice: 'slt' });

/** flite's speech with its leading and trailing silence cut, so the gaps below are the real pauses. */
async function pcm(text: string): Promise<Int16Array> {
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text })) chunks.push(c);
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) (out.set(c, o), (o += c.length));
  let a = 0;
  let b = out.length;
  while (a < b && Math.abs(out[a]!) < 200) a++;
  while (b > a && Math.abs(out[b - 1]!) < 200) b--;
  return out.slice(a, b);
}

/** Speech parts separated by `gapMs` of silence, then 1.2 s of silence. */
async function speech(parts: string[], gapMs = 0): Promise<Int16Array> {
  const pieces = await Promise.all(parts.map(pcm));
  const gap = (gapMs * 8) | 0;
  const out = new Int16Array(pieces.reduce((n, p) => n + p.length + gap, 0) + 9600);
  let o = 0;
  for (const p of pieces) (out.set(p, o), (o += p.length + gap));
  return out;
}

async function turnAfter(call: PhoneCall, samples: Int16Array) {
  const before = gw.events.length;
  await call.play({ kind: 'pcm', samples });
  await waitFor('a speech turn', () => gw.events.slice(before).some((e) => e.type === 'turn.completed' && e.callId === call.session.callId && e.sttMs !== undefined));
  await call.nextUtterance();
  const mine = gw.events.slice(before).filter((e) => e.callId === call.session.callId);
  return { turn: mine.find((e) => e.type === 'turn.completed' && e.sttMs !== undefined) as Record<string, number>, transcripts: mine.filter((e) => e.type === 'transcription').map((e) => (e as { transcript?: string }).transcript) };
}

before(async () => {
  gw = await startInProcessGateway({
    log: { level: 'warn' },
    accounts: [
      {
        id: 'acme',
        applications: [
          { id: 'adaptive', numbers: ['adaptive'], mode: 'agent', dialog: { provider: 'local', flow: FLOW } },
          { id: 'fixed', numbers: ['fixed'], mode: 'agent', dialog: { provider: 'local', flow: FLOW }, speech: { endpointing: { adaptive: false } } },
        ],
      },
    ],
  });
  const base = await freeUdpRange(20);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19, endpointer: { silenceHangoverMs: 500 } });
});

after(async () => {
  await phone?.close();
  await gw?.stop();
  await tts.close();
});

test('a whole grammar phrase ends the turn after the short hangover; recognised once, at the pause', async () => {
  const call = await phone.dial(`sip:adaptive@127.0.0.1:${gw.sipPort}`);
  try {
    await call.nextUtterance();
    const { turn, transcripts } = await turnAfter(call, await speech(['check my balance']));
    assert.deepEqual(transcripts, ['check my balance']);
    // The short hangover is 240 ms; a loaded machine may decode the pause later, never as late as the fixed 800 ms.
    assert.ok(turn.endpointingMs! < 700, `endpointing ${turn.endpointingMs} ms`);
    // The decode made at the pause is reused: one transcription, and its own decode time is the turn's sttMs.
    assert.ok(turn.sttMs! > 0 && turn.sttMs! < 700, `stt ${turn.sttMs} ms`);
  } finally {
    await call.hangup();
  }
});

test('a caller pausing mid-number is not cut off: the whole utterance is one turn after the fixed hangover', async () => {
  const call = await phone.dial(`sip:adaptive@127.0.0.1:${gw.sipPort}`);
  try {
    await call.nextUtterance();
    const { turn, transcripts } = await turnAfter(call, await speech(['my card number is four one', 'one one one'], 450));
    assert.equal(transcripts.length, 1, `one utterance, got ${JSON.stringify(transcripts)}`);
    assert.ok(turn.endpointingMs! >= 700, `endpointing ${turn.endpointingMs} ms`);
  } finally {
    await call.hangup();
  }
});

test('endpointing.adaptive false keeps the fixed hangover for a complete phrase', async () => {
  const call = await phone.dial(`sip:fixed@127.0.0.1:${gw.sipPort}`);
  try {
    await call.nextUtterance();
    const { turn, transcripts } = await turnAfter(call, await speech(['check my balance']));
    assert.deepEqual(transcripts, ['check my balance']);
    assert.ok(turn.endpointingMs! >= 700, `endpointing ${turn.endpointingMs} ms`);
  } finally {
    await call.hangup();
  }
});
