/**
 * Accuracy and latency of the embedded recogniser on telephone audio, offline and through a call.
 *
 * Offline: ~20 IVR phrases are synthesised (flite `slt`, and eSpeak NG for comparison), sent through
 * an 8 kHz G.711 μ-law round trip, and recognised by PocketSphinx in the warm helper pool
 * (a) with the JSGF grammar of the phrase set and (b) with the general language model.
 * Reports sentence accuracy, WER, decode latency percentiles, model load time, and the latency
 * of the alternative design (a fresh `pocketsphinx_continuous` process per utterance).
 *
 * Through a call (`figures.throughCall`): a gateway in this process, our softphone dialling it over
 * SIP/RTP on loopback (PCMU, 20 ms packets), speaking each phrase (flite `slt`) into the call; the
 * gateway's own endpointing cuts the utterance and its recogniser decodes it. What the gateway
 * recognised is read from its `transcription` call events. Two applications: `grammar` (a local flow
 * whose intents' examples are the 20 phrases, bench/fixtures/stt-phrases-flow.yaml, so the gateway
 * builds the JSGF grammar) and `open` (a webhook dialog — a local SOE on loopback — which states no
 * expectations, so the general language model decodes).
 *
 * Run: node --import tsx bench/stt-accuracy.ts [--through-call-only] [--offline-only]
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { report } from './lib/report.js';
import { startInProcessGateway } from '../test/helpers/in-process-gateway.js';
import { freeUdpRange } from '../test/helpers/ports.js';
import { Softphone, type PhoneCall } from '../src/softphone/softphone.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FliteTts } from '../src/speech/flite/tts.js';
import { PocketSphinxStt } from '../src/speech/pocketsphinx/stt.js';
import { normaliseWords } from '../src/speech/pocketsphinx/jsgf.js';
import { mulawDecode, mulawEncode } from '../src/speech/audio/mulaw.js';
import { parseWav, writeWav } from '../src/speech/audio/wav.js';
import { resampleTo8k } from '../src/speech/audio/resample-any.js';
import { upsample8kTo16k } from '../src/speech/audio/resample.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '..');
const THROUGH_CALL_ONLY = process.argv.includes('--through-call-only');
const OFFLINE_ONLY = process.argv.includes('--offline-only');

const PHRASES = [
  'transfer me to billing',
  'I want to cancel my order',
  'talk to an agent',
  'check my balance',
  'yes',
  'no',
  'repeat that please',
  'main menu',
  'I lost my card',
  'open a new account',
  'pay my bill',
  'what are your opening hours',
  'track my package',
  'change my address',
  'speak to a manager',
  'report a problem',
  'reset my password',
  'book an appointment',
  'goodbye',
  'technical support',
];

function wordErrors(ref: string[], hyp: string[]): number {
  const d = Array.from({ length: ref.length + 1 }, (_, i) => [i, ...Array<number>(hyp.length).fill(0)]);
  for (let j = 1; j <= hyp.length; j++) d[0]![j] = j;
  for (let i = 1; i <= ref.length; i++)
    for (let j = 1; j <= hyp.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
  return d[ref.length]![hyp.length]!;
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10 : 0;
}

const telephone = (a: Int16Array): Int16Array => mulawDecode(mulawEncode(a));

async function fliteAudio(tts: FliteTts, text: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const c of tts.synthesize({ text })) parts.push(c.slice());
  return Int16Array.from(parts.flatMap((p) => [...p]));
}

async function espeakAudio(dir: string, text: string, i: number): Promise<Int16Array> {
  const file = join(dir, `e${i}.wav`);
  await run('espeak-ng', ['-v', 'en-us', '-w', file, text]);
  const wav = parseWav(await readFile(file));
  if (!wav.ok) throw new Error(wav.error);
  return resampleTo8k(wav.samples, wav.sampleRate);
}

async function score(stt: PocketSphinxStt, audios: Int16Array[], grammar: boolean) {
  let correct = 0;
  let errors = 0;
  let words = 0;
  const latencies: number[] = [];
  const confidences: number[] = [];
  for (let i = 0; i < audios.length; i++) {
    const t0 = performance.now();
    const out = await stt.recognise(audios[i]!, grammar ? { grammar: { phrases: PHRASES } } : {});
    latencies.push(performance.now() - t0);
    const ref = normaliseWords(PHRASES[i]!);
    const hyp = out.ok ? normaliseWords(out.result.transcript) : [];
    if (out.ok) confidences.push(out.result.confidence);
    errors += wordErrors(ref, hyp);
    words += ref.length;
    if (ref.join(' ') === hyp.join(' ')) correct++;
  }
  return {
    sentenceAccuracy: correct / audios.length,
    wer: Math.round((errors / words) * 1000) / 1000,
    latencyMs: { p50: pct(latencies, 50), p90: pct(latencies, 90), max: pct(latencies, 100) },
    medianConfidence: pct(confidences, 50),
  };
}

async function offline() {
  const dir = await mkdtemp(join(tmpdir(), 'stt-bench-'));
  const created = await PocketSphinxStt.create({ poolSize: 2 });
  if (!created.ok) throw new Error(created.error);
  const stt = created.stt;
  const flite = new FliteTts({ voice: 'slt' });
  try {
    const fliteAudios: Int16Array[] = [];
    const synthMs: number[] = [];
    for (const p of PHRASES) {
      const t0 = performance.now();
      fliteAudios.push(telephone(await fliteAudio(flite, p)));
      synthMs.push(performance.now() - t0);
    }
    const espeakAudios = await Promise.all(PHRASES.map(async (p, i) => telephone(await espeakAudio(dir, p, i))));

    // Warm-up (first decode pulls model pages into cache)
    await stt.recognise(fliteAudios[0]!, { grammar: { phrases: PHRASES } });

    const flite_grammar = await score(stt, fliteAudios, true);
    const flite_lm = await score(stt, fliteAudios, false);
    const espeak_grammar = await score(stt, espeakAudios, true);
    const espeak_lm = await score(stt, espeakAudios, false);

    // The alternative: one pocketsphinx_continuous process per utterance (reloads the model).
    const perProcessMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const file = join(dir, `u${i}.wav`);
      await writeFile(file, writeWav(upsample8kTo16k(fliteAudios[i]!), 16000));
      const t0 = performance.now();
      await run('pocketsphinx_continuous', ['-infile', file, '-logfn', '/dev/null']);
      perProcessMs.push(performance.now() - t0);
    }

    const audioSec = fliteAudios.reduce((n, a) => n + a.length, 0) / 8000 / PHRASES.length;
    return {
      phrases: PHRASES.length,
      meanUtteranceSec: Math.round(audioSec * 100) / 100,
      channel: 'G.711 mu-law 8 kHz round trip, upsampled to 16 kHz (windowed-sinc)',
      modelLoadMs: stt.stats().loadMs.map((v) => Math.round(v)),
      flite_slt: { grammar: flite_grammar, languageModel: flite_lm },
      espeak_ng: { grammar: espeak_grammar, languageModel: espeak_lm },
      fliteSynthesisMsP50: pct(synthMs, 50),
      perUtteranceProcessMsP50: pct(perProcessMs, 50),
    };
  } finally {
    await stt.close();
    await flite.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A Service Orchestration Engine that answers every turn with one word and no expectations. */
async function localSoe(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const context = (JSON.parse(body || '{}') as { context?: unknown }).context ?? {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ output: { text: ['Okay.'] }, context }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

async function throughCall() {
  const soe = await localSoe();
  const gw = await startInProcessGateway({
    log: { level: 'warn' },
    accounts: [{
      id: 'bench',
      applications: [
        { id: 'grammar', numbers: ['grammar'], mode: 'agent', dialog: { provider: 'local', flow: join(REPO, 'bench/fixtures/stt-phrases-flow.yaml') } },
        { id: 'open', numbers: ['open'], mode: 'agent', dialog: { provider: 'webhook', url: soe.url, workspaceId: 'bench', auth: { type: 'none' }, allowInsecure: true } },
      ],
    }],
  });
  const base = await freeUdpRange(20);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19 });
  const flite = new FliteTts({ voice: 'slt' });
  try {
    // Each phrase followed by 1 s of silence, so the gateway's endpointer closes the utterance.
    const audios: Int16Array[] = [];
    for (const p of PHRASES) {
      const a = await fliteAudio(flite, p);
      const padded = new Int16Array(a.length + 8000);
      padded.set(a);
      audios.push(padded);
    }
    const one = async (number: string) => {
      const call: PhoneCall = await phone.dial(`sip:${number}@127.0.0.1:${gw.sipPort}`);
      await call.nextUtterance(15_000); // the welcome
      let correct = 0;
      let errors = 0;
      let words = 0;
      let missed = 0;
      const sttMs: number[] = [];
      const wrong: { said: string; heard: string }[] = [];
      for (let i = 0; i < PHRASES.length; i++) {
        const before = gw.events.length;
        await call.play({ kind: 'pcm', samples: audios[i]! });
        const ref = normaliseWords(PHRASES[i]!);
        const tr = await gw.waitForEvent((e) => gw.events.indexOf(e) >= before && e.type === ('transcription' as string) && e.callId === call.session.callId, 15_000).catch(() => undefined);
        words += ref.length;
        if (!tr) {
          missed++;
          errors += ref.length;
          continue;
        }
        const heard = String(tr['transcript'] ?? '');
        const hyp = normaliseWords(heard);
        errors += wordErrors(ref, hyp);
        if (ref.join(' ') === hyp.join(' ')) correct++;
        else wrong.push({ said: PHRASES[i]!, heard });
        await call.nextUtterance(15_000).catch(() => undefined); // the reply, so turns do not overlap
        const turn = gw.events.slice(before).find((e) => e.type === 'turn.completed' && e.callId === call.session.callId && typeof e['sttMs'] === 'number');
        if (turn) sttMs.push(turn['sttMs'] as number);
      }
      await call.hangup();
      return {
        sentenceAccuracy: correct / PHRASES.length,
        wer: Math.round((errors / words) * 1000) / 1000,
        noTranscription: missed,
        sttMsAfterEndpoint: { p50: pct(sttMs, 50), p90: pct(sttMs, 90), max: pct(sttMs, 100) },
        misrecognised: wrong,
      };
    };
    return {
      channel: 'softphone → gateway over SIP/UDP + RTP PCMU 20 ms on loopback; gateway endpointing, 8→16 kHz upsampling, warm PocketSphinx pool',
      grammar: await one('grammar'),
      languageModel: await one('open'),
    };
  } finally {
    await phone.close();
    await gw.stop();
    await flite.close();
    await soe.close();
  }
}

const figures: Record<string, unknown> = {};
if (!THROUGH_CALL_ONLY) Object.assign(figures, await offline());
if (!OFFLINE_ONLY) figures.throughCall = await throughCall();
report('stt-accuracy', figures, 'flite slt speaks; PocketSphinx 0.8 en-US 16 kHz model decodes. "grammar" = JSGF of the 20 phrases (what a local flow gives the recogniser), "languageModel" = the general model (what an open-ended dialog gets).');
