/**
 * `speech.vad: silero` over real SIP/RTP with the embedded engines: the call's endpointer hears with
 * the Silero model loaded from the npm package, a burst of loud noise before the caller speaks does
 * not become a turn (with the energy VAD it would start an utterance that swallows the sentence), and
 * the sentence is recognised. The energy application beside it shows the difference on the same audio.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { REPO } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { SileroVad } from '../../src/media/vad/silero-vad.js';
import { EnergyVad } from '../../src/media/vad/energy-vad.js';

const FLOW = join(REPO, 'test/call/fixtures/test-flow.yaml');
let gw: InProcessGateway;
let phone: Softphone;
const tts = new FliteTts({ voice: 'slt' });

async function flite(text: string): Promise<Int16Array> {
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text })) chunks.push(c);
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) (out.set(c, o), (o += c.length));
  return out;
}

/** 1.5 s of white noise at about −25 dBFS (a door, wind on the microphone), 1 s of quiet, the sentence, 1.2 s of quiet. */
function noiseThen(sentence: Int16Array): Int16Array {
  const out = new Int16Array(12000 + 8000 + sentence.length + 9600);
  let s = 12345;
  for (let i = 0; i < 12000; i++) out[i] = ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 6000;
  out.set(sentence, 20000);
  return out;
}

before(async () => {
  gw = await startInProcessGateway({
    log: { level: 'warn' },
    accounts: [
      {
        id: 'acme',
        applications: [
          { id: 'neural', numbers: ['neural'], mode: 'agent', dialog: { provider: 'local', flow: FLOW }, speech: { vad: 'silero', endpointing: { adaptive: false } } },
          { id: 'energy', numbers: ['energy'], mode: 'agent', dialog: { provider: 'local', flow: FLOW }, speech: { endpointing: { adaptive: false } } },
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

async function transcriptsOf(number: string, samples: Int16Array) {
  const call = await phone.dial(`sip:${number}@127.0.0.1:${gw.sipPort}`);
  try {
    await call.nextUtterance(); // the welcome prompt
    const media = gw.gw.calls.calls.get(call.session.callId)!.media;
    const vad = media.endpointer.vad;
    let utterances = 0;
    media.on('utterance', () => utterances++);
    const before = gw.events.length;
    await call.play({ kind: 'pcm', samples });
    const mine = () => gw.events.slice(before).filter((e) => e.callId === call.session.callId);
    await waitFor('a speech turn', () => mine().some((e) => e.type === 'turn.completed' && e.sttMs !== undefined));
    // Let a second turn (if the audio made two) arrive before counting.
    await new Promise((r) => setTimeout(r, 1500));
    return {
      vad,
      utterances,
      turns: mine().filter((e) => e.type === 'turn.completed' && e.sttMs !== undefined).length,
      transcripts: mine().filter((e) => e.type === 'transcription').map((e) => (e as { transcript?: string }).transcript),
    };
  } finally {
    await call.hangup();
  }
}

test('speech.vad silero: loud noise before the sentence is not a turn; the sentence is recognised', async () => {
  const audio = noiseThen(await flite('check my balance'));
  const neural = await transcriptsOf('neural', audio);
  assert.ok(neural.vad instanceof SileroVad, 'the call hears with Silero');
  assert.deepEqual(neural.transcripts, ['check my balance']);
  assert.equal(neural.utterances, 1, 'one utterance: the sentence');
  assert.equal(neural.turns, 1);
  const stats = (neural.vad as SileroVad).stats;
  assert.ok(stats.inferred > 0 && stats.failed === 0, JSON.stringify(stats));

  // The same audio with the energy VAD: the noise burst is an utterance of its own (which the
  // recogniser then finds empty), the cost Silero saves: a decode, and a barge-in while a prompt plays.
  const energy = await transcriptsOf('energy', audio);
  assert.ok(energy.vad instanceof EnergyVad);
  assert.equal(energy.utterances, 2, `energy VAD: ${energy.utterances} utterances, heard ${JSON.stringify(energy.transcripts)}`);
});
