/**
 * bench/vad: the energy VAD and the Silero VAD side by side, on real recorded speech
 * (pocketsphinx-testdata, 14 files, resampled to 8 kHz, each normalised to an active level of
 * −26 dBFS and set between 1.5 s gaps) under synthesised noise: sox white, pink and brown noise,
 * babble (four other talkers mixed at low level), and clicks. Prints one JSON report.
 *
 * Truth, independent of both VADs and decided before any noise is added: a frame is speech when
 * it lies inside a word PocketSphinx aligned (bench/fixtures/vad-truth.json, its default model on
 * the 16 kHz originals) and its energy is within 30 dB of the file's loudest frame (so the pauses
 * a word span absorbs are not speech). A segment is a file's first to last speech frame.
 *
 * Figures, per VAD and per condition:
 *   frame.precision / frame.recall   the VAD's own per-frame decisions (inSpeech as the endpointer
 *                                    would pass it), against the truth frames
 *   segment.precision / .recall      the Endpointer's utterances (default options, 800 ms
 *                                    hangover) against the files: recall, files at whose onset
 *                                    (−200…+1000 ms) an utterance starts; precision, utterances
 *                                    that start in a file's segment (from 200 ms before it)
 *   onset.p50 / p95 (ms)             from the truth onset to the moment the Endpointer raised
 *                                    onSpeechStart (the decision, not the backdated startMs):
 *                                    includes the onset run and, for Silero, its window lag
 *   noiseOnly.falseUtterancesPerMin  10 s of each noise alone
 * and CPU per 20 ms frame (µs, user+system of every thread of the process, median of 5 runs) over
 * the clean timeline (mostly gated for Silero) and under white noise (every window inferred).
 *
 * `sileroUngated` is the same model without the energy gate (every window inferred) and
 * `sileroFloorGate` with a gate relative to the noise floor as well, to show what gating saves and
 * costs; `inferredWindows` is the share of windows Silero was asked about. `silero` runs the model
 * in the gateway's inference worker, `sileroCallerThread` on the calling thread (as
 * onnxruntime-node does by itself): the difference in CPU is the worker's messaging.
 *
 * Frames are pushed as in a call: the event loop runs between frames (Silero's inference settles),
 * but without waiting 20 ms, so CPU is the VAD's alone.
 *
 * `sileroConcurrentCpuMicrosPerFrame.callsN`: N calls' Silero VADs fed the same tick together (white
 * noise at 5 dB SNR: every window inferred), µs per frame per call — the worker batches the tick's
 * windows into one inference run.
 *
 *   npx tsx bench/vad.ts [--concurrent-only] [--runs 5] [--model /path/to/silero_vad.onnx]   (--model: compare another Silero v5/v6 file)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resample } from '../src/media/resample.js';
import { parseWav } from '../src/media/wav.js';
import { frameEnergyDbfs } from '../src/media/vad/energy-vad.js';
import { Endpointer } from '../src/media/vad/endpointer.js';
import { createFrameVad, type FrameVad, type VadKind } from '../src/media/vad/frame-vad.js';
import { SileroVad } from '../src/media/vad/silero-vad.js';
import { openSileroModel, sileroModelPath } from '../src/media/vad/silero-model.js';
import { arg, median, percentile, report } from './lib/report.js';

const DATA = '/usr/share/pocketsphinx/test/data';
const FILES = [
  'goforward.raw', 'numbers.raw', 'something.raw', 'tidigits/dhd.2934z.raw',
  'cards/001.wav', 'cards/002.wav', 'cards/003.wav', 'cards/004.wav', 'cards/005.wav',
  'librivox/sense_and_sensibility_01_austen_64kb-0870.wav', 'librivox/sense_and_sensibility_01_austen_64kb-0880.wav',
  'librivox/sense_and_sensibility_01_austen_64kb-0890.wav', 'librivox/sense_and_sensibility_01_austen_64kb-0920.wav',
  'librivox/sense_and_sensibility_01_austen_64kb-0930.wav',
];
const RATE = 8000;
const FRAME = 160;
const GAP_MS = 1500;
const SPEECH_DBFS = -26;
const TRUTH_BELOW_PEAK_DB = 30;
const WORDS = (JSON.parse(readFileSync(new URL('./fixtures/vad-truth.json', import.meta.url), 'utf8')) as { files: Record<string, Array<[string, number, number]>> }).files;

function load8k(name: string): Int16Array {
  const bytes = readFileSync(`${DATA}/${name}`);
  if (name.endsWith('.raw')) return resample(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1))), 16000, RATE);
  const r = parseWav(bytes);
  if (!r.ok) throw new Error(r.error);
  return resample(r.wav.samples, r.wav.sampleRate, RATE);
}

function frames(x: Int16Array | Float64Array): number {
  return Math.floor(x.length / FRAME);
}

/** Truth per frame from the clean recording, and the file scaled to SPEECH_DBFS over its speech frames. */
function prepare(pcm: Int16Array, words: Array<[string, number, number]>): { audio: Float64Array; truth: boolean[] } {
  const n = frames(pcm);
  const e = Array.from({ length: n }, (_, i) => frameEnergyDbfs(pcm.subarray(i * FRAME, (i + 1) * FRAME)));
  const peak = Math.max(...e);
  const inWord = (i: number) => words.some(([, from, to]) => (i + 0.5) * 0.02 >= from && (i + 0.5) * 0.02 < to);
  const truth = e.map((x, i) => x > peak - TRUTH_BELOW_PEAK_DB && inWord(i));
  let acc = 0, count = 0;
  truth.forEach((t, i) => {
    if (!t) return;
    for (let k = i * FRAME; k < (i + 1) * FRAME; k++) acc += pcm[k]! * pcm[k]!;
    count += FRAME;
  });
  const gain = (32768 * 10 ** (SPEECH_DBFS / 20)) / Math.sqrt(acc / count);
  return { audio: Float64Array.from(pcm.subarray(0, n * FRAME), (s) => s * gain), truth };
}

interface Timeline {
  clean: Float64Array;
  truth: boolean[];
  segments: Array<[number, number]>; // [startMs, endMs] of each file's speech
}

function timeline(files: Array<{ audio: Float64Array; truth: boolean[] }>): Timeline {
  const gap = (GAP_MS * RATE) / 1000;
  const total = files.reduce((a, f) => a + f.audio.length + gap, gap);
  const clean = new Float64Array(total);
  const truth: boolean[] = new Array(Math.floor(total / FRAME)).fill(false);
  const segments: Array<[number, number]> = [];
  let at = gap;
  for (const f of files) {
    clean.set(f.audio, at);
    const f0 = at / FRAME;
    f.truth.forEach((t, i) => (truth[f0 + i] = t));
    const first = f.truth.indexOf(true), last = f.truth.lastIndexOf(true);
    segments.push([(f0 + first) * 20, (f0 + last + 1) * 20]);
    at += f.audio.length + gap;
  }
  return { clean, truth, segments };
}

/** sox noise (white, pink, brown), `samples` long, scaled to an RMS of `dbfs`. */
function soxNoise(kind: 'whitenoise' | 'pinknoise' | 'brownnoise', samples: number, dbfs: number, seed: number): Float64Array {
  const r = spawnSync('sox', ['-R', '-n', '-r', String(RATE), '-b', '16', '-c', '1', '-e', 'signed-integer', '-t', 'raw', '-', 'synth', String(samples / RATE), kind, 'vol', '0.3'], { maxBuffer: 1 << 28, env: { ...process.env, SOX_OPTS: '' } });
  if (r.status !== 0) throw new Error(`sox: ${r.stderr.toString()}`);
  const pcm = new Int16Array(r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + (r.stdout.length & ~1)));
  // sox -R repeats the same noise: rotate by a seed so conditions do not share it sample for sample.
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) out[i] = pcm[(i + seed * 7919) % pcm.length]!;
  return scaleTo(out, dbfs);
}

function scaleTo(x: Float64Array, dbfs: number): Float64Array {
  let acc = 0;
  for (const s of x) acc += s * s;
  const rms = Math.sqrt(acc / x.length) || 1;
  const k = (32768 * 10 ** (dbfs / 20)) / rms;
  return x.map((s) => s * k);
}

/** Four talkers from the long recordings, each looped from its own offset, summed: babble. */
function babble(samples: number, dbfs: number, talkers: Float64Array[]): Float64Array {
  const out = new Float64Array(samples);
  talkers.slice(0, 4).forEach((t, j) => {
    const off = Math.floor((t.length * j) / 4);
    for (let i = 0; i < samples; i++) out[i]! += t[(i + off) % t.length]!;
  });
  return scaleTo(out, dbfs);
}

/** Clicks: a 2–6 ms burst of decaying white noise at −12 dBFS peak every 250–650 ms (a handset knocked, line crackle). */
function clicks(samples: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out = new Float64Array(samples);
  const peak = 32768 * 10 ** (-12 / 20);
  for (let at = Math.floor(rnd() * 4000); at < samples; at += 2000 + Math.floor(rnd() * 3200)) {
    const len = 16 + Math.floor(rnd() * 32);
    for (let i = 0; i < len && at + i < samples; i++) out[at + i] = (rnd() * 2 - 1) * peak * Math.exp((-4 * i) / len);
  }
  return out;
}

function mix(a: Float64Array, b: Float64Array): Int16Array {
  return Int16Array.from(a, (x, i) => Math.max(-32768, Math.min(32767, Math.round(x + (b[i] ?? 0)))));
}

interface Run {
  /** Share of Silero's windows that were inferred (the rest the energy gate called silence). */
  inferred?: number;
  decisions: boolean[];
  utterances: Array<[number, number]>;
  onsetAt: number[]; // when onSpeechStart fired (end of the frame that confirmed it), ms
}

/** Push `signal` through an Endpointer hearing with `vad`, recording the VAD's decisions too. */
async function run(vad: FrameVad, signal: Int16Array): Promise<Run> {
  const r: Run = { decisions: [], utterances: [], onsetAt: [] };
  let now = 0;
  const recording: FrameVad = {
    isSpeech: (f, inSpeech) => {
      const d = vad.isSpeech(f, inSpeech);
      r.decisions.push(d);
      return d;
    },
    reset: () => vad.reset(),
  };
  const ep = new Endpointer({ vad: () => recording }, {
    onSpeechStart: () => r.onsetAt.push(now + 20),
    onUtterance: (u) => r.utterances.push([u.startMs, u.endMs]),
  });
  const settle = vad instanceof SileroVad ? () => vad.settled() : undefined;
  for (let i = 0; i < frames(signal); i++) {
    now = i * 20;
    ep.push(signal.subarray(i * FRAME, (i + 1) * FRAME), now);
    if (settle) await settle();
  }
  ep.flush();
  if (vad instanceof SileroVad) r.inferred = round(vad.stats.inferred / (vad.stats.windows || 1));
  return r;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function score(t: Timeline, r: Run) {
  let tp = 0, fp = 0, fn = 0;
  r.decisions.forEach((d, i) => {
    const truth = t.truth[i] ?? false;
    if (d && truth) tp++;
    else if (d) fp++;
    else if (truth) fn++;
  });
  const hit = t.segments.filter(([start]) => r.utterances.some(([u]) => u >= start - 200 && u <= start + 1000)).length;
  const trueUtterances = r.utterances.filter(([u]) => t.segments.some(([start, end]) => u >= start - 200 && u < end)).length;
  // Latency of the decision at each file's onset (only where an utterance started there).
  const latencies = t.segments.flatMap(([start]) => {
    if (!r.utterances.some(([u]) => u >= start - 200 && u <= start + 1000)) return [];
    const at = r.onsetAt.find((x) => x >= start - 200 && x <= start + 1000);
    return at === undefined ? [] : [at - start];
  }).sort((a, b) => a - b);
  return {
    frame: { precision: round(tp / (tp + fp || 1)), recall: round(tp / (tp + fn || 1)) },
    segment: { precision: round(trueUtterances / (r.utterances.length || 1)), recall: round(hit / t.segments.length), utterances: r.utterances.length, files: t.segments.length },
    onset: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), n: latencies.length },
    ...(r.inferred !== undefined ? { inferredWindows: r.inferred } : {}),
  };
}

async function cpuMicrosPerFrame(make: () => Promise<FrameVad>, signal: Int16Array, runs: number): Promise<number> {
  const per: number[] = [];
  for (let k = -1; k < runs; k++) { // k = -1 warms up (JIT, the session's first runs) and is not counted
    const vad = await make();
    const settle = vad instanceof SileroVad ? () => vad.settled() : undefined;
    const n = frames(signal);
    const before = process.cpuUsage();
    let inSpeech = false;
    for (let i = 0; i < n; i++) {
      inSpeech = vad.isSpeech(signal.subarray(i * FRAME, (i + 1) * FRAME), inSpeech);
      if (settle) await settle();
    }
    const d = process.cpuUsage(before);
    if (k >= 0) per.push((d.user + d.system) / n);
  }
  return round(median(per), 2);
}

/**
 * Many calls at once, as the gateway runs them: `calls` Silero VADs in the worker each given its
 * frame of the same tick, then the tick settles — their windows go to the worker as one batch.
 * µs of process CPU per frame per call over 10 s of `signal` (every window inferred: white noise).
 */
async function cpuMicrosPerFrameConcurrent(calls: number, signal: Int16Array, runs: number): Promise<number> {
  const per: number[] = [];
  const n = Math.min(frames(signal), 500);
  for (let k = -1; k < runs; k++) {
    const vads = await Promise.all(Array.from({ length: calls }, () => createFrameVad('silero'))) as SileroVad[];
    const state = vads.map(() => false);
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const f = signal.subarray(i * FRAME, (i + 1) * FRAME);
      for (let c = 0; c < calls; c++) state[c] = vads[c]!.isSpeech(f, state[c]!);
      await Promise.all(vads.map((v) => v.settled()));
    }
    const d = process.cpuUsage(before);
    if (k >= 0) per.push((d.user + d.system) / n / calls);
  }
  return round(median(per), 2);
}

async function main(): Promise<void> {
  const runs = arg('runs', 5);
  const modelArg = process.argv.indexOf('--model');
  const altModel = modelArg >= 0 ? await openSileroModel(process.argv[modelArg + 1]!) : undefined;
  const inCaller = await openSileroModel(sileroModelPath(), { thread: 'caller' });
  const makers: Record<string, () => Promise<FrameVad>> = {
    energy: () => createFrameVad('energy'),
    silero: () => createFrameVad('silero'),
    // The energy gate's share: the same model asked about every window.
    sileroUngated: () => createFrameVad('silero', { silero: { gateDbfs: -Infinity } }),
    // The session on this thread instead of the worker: the worker's messaging cost, and no difference in decisions.
    sileroCallerThread: async () => new SileroVad(inCaller),
    // A relative gate too (3 dB over the adaptive noise floor): cheaper in steady noise, deafer in it.
    sileroFloorGate: () => createFrameVad('silero', { silero: { gateMarginDb: 3 } }),
    ...(altModel ? { sileroAlt: async () => new SileroVad(altModel) } : {}),
  };

  const files = FILES.map((f) => prepare(load8k(f), WORDS[f]!));
  const t = timeline(files);
  const n = t.clean.length;
  const talkers = files.slice(-5).map((f) => f.audio);
  const conditions: Record<string, Float64Array> = {
    clean: soxNoise('whitenoise', n, -60, 1),
    white15: soxNoise('whitenoise', n, SPEECH_DBFS - 15, 2),
    white5: soxNoise('whitenoise', n, SPEECH_DBFS - 5, 3),
    pink10: soxNoise('pinknoise', n, SPEECH_DBFS - 10, 4),
    brown5: soxNoise('brownnoise', n, SPEECH_DBFS - 5, 5),
    babble10: babble(n, SPEECH_DBFS - 10, talkers),
    clicks: clicks(n, 6).map((x, i) => x + (lineFloor[i % lineFloor.length] ?? 0)),
  };

  const figures: Record<string, unknown> = { files: FILES.length, timelineSec: round(n / RATE, 1), speechDbfs: SPEECH_DBFS };
  const byVad: Record<string, Record<string, unknown>> = {};
  for (const [name, make] of Object.entries(makers)) {
    if (process.argv.includes('--concurrent-only')) break;
    const perCondition: Record<string, unknown> = {};
    for (const [cond, noise] of Object.entries(conditions)) perCondition[cond] = score(t, await run(await make(), mix(t.clean, noise)));
    // Noise alone, 10 s each: utterances found are all false.
    const noiseOnly: Record<string, number> = {};
    const tenSec = 10 * RATE;
    for (const [cond, noise] of Object.entries({ white: soxNoise('whitenoise', tenSec, -30, 7), pink: soxNoise('pinknoise', tenSec, -30, 8), brown: soxNoise('brownnoise', tenSec, -25, 9), babble: babble(tenSec, -36, talkers), clicks: clicks(tenSec, 10) })) {
      const r = await run(await make(), mix(new Float64Array(tenSec), noise));
      noiseOnly[cond] = round(r.utterances.length * 6, 1);
    }
    byVad[name] = {
      ...perCondition,
      noiseOnly: { falseUtterancesPerMin: noiseOnly },
      cpuMicrosPerFrame: {
        clean: await cpuMicrosPerFrame(make, mix(t.clean, conditions['clean']!), runs),
        white5: await cpuMicrosPerFrame(make, mix(t.clean, conditions['white5']!), runs),
      },
    };
  }
  figures['vad'] = byVad;
  // Silero in the worker with many calls: their windows of a tick are one batched inference.
  const white5 = mix(t.clean, conditions['white5']!);
  const concurrent: Record<string, number> = {};
  for (const calls of [1, 8, 32, 64]) concurrent[`calls${calls}`] = await cpuMicrosPerFrameConcurrent(calls, white5, Math.min(runs, 3));
  figures['sileroConcurrentCpuMicrosPerFrame'] = concurrent;
  report('vad', figures, 'frame/segment precision+recall and onset latency per noise condition (SNR in the name, dB against −26 dBFS speech); cpuMicrosPerFrame: user+system µs per 20 ms frame, median of runs');
}

// The clicks ride on the clean condition's faint line noise, so digital silence never gates them away.
const lineFloor = soxNoise('whitenoise', RATE * 10, -60, 11);

await main();
