/**
 * Endpointing on real recorded speech (Debian pocketsphinx-testdata, 16 kHz mono), resampled to
 * 8 kHz, padded with 1 s of leading and 1.5 s of trailing silence, with Gaussian noise at -50 dBFS
 * over the whole signal.
 *
 * Ground truth (speech boundaries in the original files) from
 *   sox FILE -n silence 1 0.02 -40d            (onset)  and the same on the reversed file (offset):
 *     goforward.raw  0.511–2.233 s   ("go forward ten meters"; a faint final /s/ runs to ~2.36 s)
 *     cards/001.wav  0.188–0.937 s   cards/002.wav 0.136–1.686 s   cards/003.wav 0.113–1.334 s
 *     cards/004.wav  0.146–1.268 s   cards/005.wav 0.215–3.225 s
 * Tolerance: start −60…+100 ms (word-initial /s/ and /f/ are mostly above 4 kHz and vanish in
 * telephone-band audio — "seven", "five" onsets are found ~70 ms late), end −60…+200 ms (trailing
 * low-energy fricatives and breath count as speech up to the continue margin).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resample } from '../../src/media/resample.js';
import { parseWav } from '../../src/media/wav.js';
import { Endpointer, type EndpointerOptions, type Utterance } from '../../src/media/vad/endpointer.js';

const DATA = '/usr/share/pocketsphinx/test/data';
const LEAD_MS = 1000;
const TRAIL_MS = 1500;

const TRUTH: Array<[string, number, number]> = [
  ['goforward.raw', 511, 2233],
  ['cards/001.wav', 188, 937],
  ['cards/002.wav', 136, 1686],
  ['cards/003.wav', 113, 1334],
  ['cards/004.wav', 146, 1268],
  ['cards/005.wav', 215, 3225],
];

function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function load8k(name: string): Int16Array {
  const bytes = readFileSync(`${DATA}/${name}`);
  if (name.endsWith('.raw')) {
    const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1)));
    return resample(pcm, 16000, 8000);
  }
  const r = parseWav(bytes);
  if (!r.ok) throw new Error(r.error);
  return resample(r.wav.samples, r.wav.sampleRate, 8000);
}

/** Concatenate parts (PCM or a silence length in ms) and add Gaussian noise. */
function compose(parts: Array<Int16Array | number>, noiseDbfs = -50, seed = 1): Int16Array {
  const lens = parts.map((p) => (typeof p === 'number' ? (p * 8) | 0 : p.length));
  const out = new Int16Array(lens.reduce((a, b) => a + b, 0));
  let at = 0;
  parts.forEach((p, i) => {
    if (typeof p !== 'number') out.set(p, at);
    at += lens[i]!;
  });
  const rnd = prng(seed);
  const sigma = 32768 * 10 ** (noiseDbfs / 20);
  for (let i = 0; i < out.length; i++) {
    const g = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
    out[i] = Math.max(-32768, Math.min(32767, Math.round(out[i]! + g * sigma)));
  }
  return out;
}

interface Run { starts: number[]; utterances: Utterance[]; bargeIns: number[]; discards: number }

function run(signal: Int16Array, opts: EndpointerOptions = {}, playing = false): Run {
  const r: Run = { starts: [], utterances: [], bargeIns: [], discards: 0 };
  const ep = new Endpointer(opts, {
    onSpeechStart: (t) => r.starts.push(t),
    onUtterance: (u) => r.utterances.push(u),
    onBargeIn: (t) => r.bargeIns.push(t),
    onDiscard: () => r.discards++,
  });
  ep.playing = playing;
  for (let i = 0; i + 160 <= signal.length; i += 160) ep.push(signal.subarray(i, i + 160));
  ep.flush();
  return r;
}

for (const [name, start, end] of TRUTH) {
  test(`finds the one utterance in ${name} within tolerance`, () => {
    const r = run(compose([LEAD_MS, load8k(name), TRAIL_MS]));
    assert.equal(r.utterances.length, 1, `utterances: ${JSON.stringify(r.utterances.map((u) => [u.startMs, u.endMs]))}`);
    const u = r.utterances[0]!;
    const ds = u.startMs - (LEAD_MS + start);
    const de = u.endMs - (LEAD_MS + end);
    assert.ok(ds >= -60 && ds <= 100, `start off by ${ds} ms`);
    assert.ok(de >= -60 && de <= 200, `end off by ${de} ms`);
    assert.deepEqual(r.starts, [u.startMs]);
    assert.equal(u.truncated, false);
    // Pre-roll: audio begins 200 ms before the detected start, post-roll 200 ms after the end.
    assert.equal(u.audioStartMs, u.startMs - 200);
    assert.equal(u.audio.length, ((u.endMs + 200 - u.audioStartMs) * 8000) / 1000);
  });
}

test('utterance audio is the input signal, pre-roll included', () => {
  const sig = compose([LEAD_MS, load8k('cards/001.wav'), TRAIL_MS]);
  const u = run(sig).utterances[0]!;
  const from = (u.audioStartMs * 8000) / 1000;
  assert.deepEqual(u.audio, sig.subarray(from, from + u.audio.length));
});

test('no utterance on pure noise or digital silence', () => {
  for (const noise of [-50, -40, -65]) {
    const r = run(compose([6000], noise, 9));
    assert.equal(r.starts.length + r.utterances.length + r.discards, 0, `noise at ${noise} dBFS`);
  }
  const silent = run(new Int16Array(8000 * 3));
  assert.equal(silent.starts.length, 0);
});

test('silenceHangoverMs: a 500 ms pause joins at 800 ms hangover and splits at 300 ms', () => {
  const sig = compose([LEAD_MS, load8k('cards/001.wav'), 500, load8k('cards/003.wav'), TRAIL_MS]);
  assert.equal(run(sig).utterances.length, 1);
  const split = run(sig, { silenceHangoverMs: 300 });
  assert.equal(split.utterances.length, 2);
  assert.ok(split.utterances[0]!.endMs < split.utterances[1]!.startMs);
  // "eight of spades · four of clubs · seven of hearts": phrase gaps of ~200–350 ms.
  const phrases = compose([LEAD_MS, load8k('cards/005.wav'), TRAIL_MS]);
  const counts = [100, 300, 800].map((h) => run(phrases, { silenceHangoverMs: h, minSpeechMs: 100 }).utterances.length);
  assert.ok(counts[0]! >= 3, `100 ms hangover splits the phrases: ${counts}`);
  assert.ok(counts[0]! >= counts[1]! && counts[1]! >= counts[2]!, `longer hangover never splits more: ${counts}`);
  assert.equal(counts[2], 1);
});

test('minSpeechMs: a 140 ms burst of speech is discarded at 200 ms and kept at 100 ms', () => {
  const s = load8k('cards/002.wav');
  const burst = s.subarray(Math.round(0.32 * 8000), Math.round(0.46 * 8000)); // part of "four": loud throughout
  const sig = compose([LEAD_MS, burst, TRAIL_MS]);
  const strict = run(sig);
  assert.equal(strict.utterances.length, 0);
  assert.equal(strict.discards, 1);
  assert.equal(strict.starts.length, 1, 'speech start is still signalled');
  const lax = run(sig, { minSpeechMs: 100 });
  assert.equal(lax.utterances.length, 1);
});

test('maxUtteranceMs cuts a long utterance and marks it truncated', () => {
  const r = run(compose([LEAD_MS, load8k('cards/005.wav'), TRAIL_MS]), { maxUtteranceMs: 1000 });
  assert.ok(r.utterances.length >= 2);
  assert.equal(r.utterances[0]!.truncated, true);
  assert.equal(r.utterances[0]!.endMs - r.utterances[0]!.startMs, 1000);
});

test('barge-in fires within 3 frames of the speech onset only while playing', () => {
  const sig = compose([LEAD_MS, load8k('goforward.raw'), TRAIL_MS]);
  const truthOnset = LEAD_MS + 511;
  const playing = run(sig, {}, true);
  assert.equal(playing.bargeIns.length, 1);
  assert.ok(playing.bargeIns[0]! - truthOnset <= 60, `barge-in ${playing.bargeIns[0]! - truthOnset} ms after onset`);
  assert.equal(run(sig, {}, false).bargeIns.length, 0);
  const slower = run(sig, { bargeInFrames: 6 }, true);
  assert.equal(slower.bargeIns[0]! - playing.bargeIns[0]!, 4 * 20, 'bargeInFrames is the tuning knob');
});

test('a long utterance grows the buffer on demand and comes back intact; no buffer before speech', () => {
  // Several recordings back to back with short gaps under the hangover: one utterance of ~10 s,
  // past the first 5 s allocation and one doubling.
  const speech = ['cards/001.wav', 'cards/005.wav', 'cards/001.wav', 'cards/005.wav'].map(load8k);
  const parts: Array<Int16Array | number> = [LEAD_MS];
  for (const s of speech) parts.push(s, 300);
  parts.push(TRAIL_MS);
  const sig = compose(parts);
  const quiet = new Endpointer();
  for (let i = 0; i + 160 <= 8000; i += 160) quiet.push(sig.subarray(0, 160).fill(0));
  assert.equal((quiet as unknown as { buf: Int16Array }).buf.length, 0, 'silence allocates no utterance buffer');
  const r = run(sig, { maxUtteranceMs: 30_000, silenceHangoverMs: 2500 });
  assert.equal(r.utterances.length, 1);
  const u = r.utterances[0]!;
  assert.equal(u.truncated, false);
  assert.ok(u.audio.length > 5 * 8000, `utterance of ${u.audio.length / 8000} s`);
  const from = Math.round(u.audioStartMs * 8);
  assert.deepEqual(u.audio, sig.subarray(from, from + u.audio.length), 'the audio is the input signal, across every growth');
});
