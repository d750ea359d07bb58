/**
 * Streaming speech engines against local servers speaking their protocols over TLS on loopback
 * (test/speech/servers): what the adapters add, and what streaming buys.
 *
 * - `openaiTts`: a server that synthesises while it sends (the WAV body in 6 parts 80 ms apart):
 *   first audio yielded vs the body complete (= when the old read-whole adapter could start).
 * - `elevenlabs`, `cartesia`: first audio after `synthesize()` on a fresh adapter (handshake
 *   included; the servers send their first chunk at once) and the whole utterance (4 messages 80 ms
 *   apart); `callFirstUtteranceMs` / `callSecondUtteranceMs`: first audio of a call's first
 *   utterance (asked for as the call's socket starts opening) and of its second (same socket, no
 *   handshake); `handshakesPerCall`.
 * - `deepgram`: `end()` → final result (Finalize answered at once by the server): the adapter's
 *   and loopback's share of the recognition latency.
 * - `resampleCpu`: µs of CPU per second of 24 kHz audio, streaming resampler vs whole-buffer.
 * Medians and p95 over `--runs` (default 15).
 *
 * Usage: node --import tsx bench/speech-engines.ts [--runs 15]
 */
import { report, percentile, arg } from './lib/report.js';
import { makeSelfSignedCert } from '../test/speech/servers/tls.js';
import { OpenAiServer } from '../test/speech/servers/openai-server.js';
import { ElevenLabsServer } from '../test/speech/servers/elevenlabs-server.js';
import { CartesiaServer } from '../test/speech/servers/cartesia-server.js';
import { DeepgramServer } from '../test/speech/servers/deepgram-server.js';
import { OpenAiTts } from '../src/speech/remote/openai-tts.js';
import { ElevenLabsTts } from '../src/speech/remote/elevenlabs-tts.js';
import { CartesiaTts } from '../src/speech/remote/cartesia-tts.js';
import { DeepgramStt } from '../src/speech/remote/deepgram-stt.js';
import { StreamingResampler } from '../src/speech/audio/streaming-resample.js';
import { resampleTo8k } from '../src/speech/audio/resample-any.js';
import type { Tts } from '../src/speech/types.js';
import type { SocketTts } from '../src/speech/remote/socket-tts.js';

const runs = arg('runs', 15);
const round = (x: number): number => Math.round(x * 10) / 10;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50)), p95: round(percentile(s, 95)) };
};

async function once(tts: Tts, text: string): Promise<{ first: number; whole: number }> {
  const t0 = performance.now();
  let f = 0;
  for await (const _ of tts.synthesize({ text })) if (!f) f = performance.now() - t0;
  return { first: f, whole: performance.now() - t0 };
}

/** A fresh adapter each run (`fresh`: the socket's handshake is in every figure), or one adapter throughout. */
async function timeTts(make: () => Tts, text: string, fresh = false): Promise<{ first: number[]; whole: number[] }> {
  const first: number[] = [];
  const whole: number[] = [];
  let tts = make();
  for (let i = 0; i < runs; i++) {
    if (fresh && i) [tts] = [make(), await tts.close()];
    const r = await once(tts, text);
    first.push(r.first);
    whole.push(r.whole);
  }
  await tts.close();
  return { first, whole };
}

/** Calls of two utterances each: the call's socket opens with the call (`forCall`), the first utterance follows at once. */
async function timeCalls(make: () => SocketTts, text: string): Promise<{ first: number[]; second: number[]; handshakesPerCall: number }> {
  const [first, second] = [[] as number[], [] as number[]];
  let opened = 0;
  for (let i = 0; i < runs; i++) {
    const tts = make();
    const t0 = performance.now();
    const call = tts.forCall() as SocketTts; // what a call does at its start (the socket begins to open)
    const r = await once(call, text);
    first.push(r.first + (performance.now() - t0 - r.whole)); // from the call's start: the handshake counts

    second.push((await once(call, text)).first);
    opened += call.stats.opened;
    await call.close();
  }
  return { first, second, handshakesPerCall: opened / runs };
}

const tls = makeSelfSignedCert();
const KEY = 'bench-key';
const text = 'Your balance is one thousand two hundred dollars.';

const openai = new OpenAiServer({ tls, apiKey: KEY, transcript: 'x', dribble: { pieces: 6, gapMs: 80 } });
const elevenlabs = new ElevenLabsServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 80 });
const cartesia = new CartesiaServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 80 });
const deepgram = new DeepgramServer({ tls, apiKey: KEY, segments: ['what is my balance'] });
const [openaiUrl, elUrl, cartesiaUrl, dgUrl] = await Promise.all([openai.listen(), elevenlabs.listen(), cartesia.listen(), deepgram.listen()]);

try {
  const o = await timeTts(() => new OpenAiTts({ url: openaiUrl, apiKey: KEY, ca: tls.cert }), text);
  const makeEl = () => new ElevenLabsTts({ url: elUrl, apiKey: KEY, voice: 'v', ca: tls.cert });
  const makeCartesia = () => new CartesiaTts({ url: cartesiaUrl, apiKey: KEY, voice: 'v', ca: tls.cert });
  const e = await timeTts(makeEl, text, true);
  const c = await timeTts(makeCartesia, text, true);
  const eCall = await timeCalls(makeEl, text);
  const cCall = await timeCalls(makeCartesia, text);

  const stt = new DeepgramStt({ url: dgUrl, apiKey: KEY, ca: tls.cert });
  const finalMs: number[] = [];
  const audio = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin(i / 3)));
  for (let i = 0; i < runs; i++) {
    const turn = stt.startTurn();
    for (let off = 0; off < audio.length; off += 160) turn.push(audio.subarray(off, off + 160));
    await new Promise((r) => setTimeout(r, 150)); // the socket is open and the audio sent
    const t0 = performance.now();
    turn.end();
    const out = await turn.result;
    if (!out.ok) throw new Error(out.error);
    finalMs.push(performance.now() - t0);
  }

  const second24k = Int16Array.from({ length: 24000 }, (_, i) => Math.round(9000 * Math.sin(i / 7)));
  const cpu = (fn: () => void): number => {
    for (let i = 0; i < 3; i++) fn();
    const per: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = process.cpuUsage();
      fn();
      const d = process.cpuUsage(t0);
      per.push(d.user + d.system);
    }
    return stats(per).p50;
  };
  const wholeUs = cpu(() => void resampleTo8k(second24k, 24000));
  const streamUs = cpu(() => {
    const r = new StreamingResampler(24000);
    for (let off = 0; off < second24k.length; off += 960) r.push(second24k.subarray(off, off + 960)); // 40 ms pieces
    r.flush();
  });

  report('speech-engines', {
    runs,
    openaiTts: { firstAudioMs: stats(o.first), bodyCompleteMs: stats(o.whole) },
    elevenlabs: { firstAudioMs: stats(e.first), wholeMs: stats(e.whole), callFirstUtteranceMs: stats(eCall.first), callSecondUtteranceMs: stats(eCall.second), handshakesPerCall: eCall.handshakesPerCall },
    cartesia: { firstAudioMs: stats(c.first), wholeMs: stats(c.whole), callFirstUtteranceMs: stats(cCall.first), callSecondUtteranceMs: stats(cCall.second), handshakesPerCall: cCall.handshakesPerCall },
    deepgram: { endToFinalMs: stats(finalMs) },
    resampleCpu: { wholeUsPerSecondOf24k: wholeUs, streamingUsPerSecondOf24k: streamUs },
  }, 'local TLS servers on loopback; server pacing: OpenAI body 6 parts 80 ms apart, ElevenLabs/Cartesia 4 messages 80 ms apart');
} finally {
  await Promise.all([openai.close(), elevenlabs.close(), cartesia.close(), deepgram.close()]);
}
