/**
 * Signals for the barge-in tests, built in memory (unit tests start no process): real recorded
 * speech from Debian's pocketsphinx-testdata at 8 kHz, levelled; white, pink and brown noise and
 * clicks; and the echo of a prompt as a speakerphone returns it — delayed, attenuated, through
 * μ-law both ways.
 */
import { readFileSync } from 'node:fs';
import { resample } from '../../src/media/resample.js';
import { parseWav } from '../../src/media/wav.js';
import { ulawDecode, ulawEncode } from '../../src/media/g711.js';
import { Endpointer } from '../../src/media/vad/endpointer.js';
import { EchoReference } from '../../src/media/vad/echo-reference.js';
import type { BargeInOptions } from '../../src/media/vad/barge-in-detector.js';
import type { FrameVadFactory } from '../../src/media/vad/frame-vad.js';

export const DATA = '/usr/share/pocketsphinx/test/data';
export const PROMPT_FILES = ['librivox/sense_and_sensibility_01_austen_64kb-0870.wav', 'librivox/sense_and_sensibility_01_austen_64kb-0880.wav', 'librivox/sense_and_sensibility_01_austen_64kb-0890.wav'];
/** Caller speech and the onset (ms) of its first word (sox silence 1 0.02 -40d). */
export const CALLER: Array<[string, number]> = [
  ['goforward.raw', 511],
  ['cards/001.wav', 188],
  ['cards/002.wav', 136],
  ['cards/003.wav', 113],
  ['cards/004.wav', 146],
  ['cards/005.wav', 215],
];

export function load8k(name: string): Int16Array {
  const bytes = readFileSync(`${DATA}/${name}`);
  if (name.endsWith('.raw')) return resample(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1))), 16000, 8000);
  const r = parseWav(bytes);
  if (!r.ok) throw new Error(r.error);
  return resample(r.wav.samples, r.wav.sampleRate, 8000);
}

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function gauss(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
}

/** Scale so the loud frames (top half by energy) average `dbfs`. */
export function level(x: Int16Array, dbfs: number): Int16Array {
  const e: number[] = [];
  for (let i = 0; i + 160 <= x.length; i += 160) {
    let a = 0;
    for (let j = i; j < i + 160; j++) a += x[j]! * x[j]!;
    e.push(a / 160);
  }
  e.sort((a, b) => b - a);
  const top = e.slice(0, Math.max(1, e.length >> 1));
  const rms = Math.sqrt(top.reduce((a, b) => a + b, 0) / top.length) || 1;
  const g = (32768 * 10 ** (dbfs / 20)) / rms;
  return Int16Array.from(x, (v) => clip(v * g));
}

export const clip = (v: number): number => Math.max(-32768, Math.min(32767, Math.round(v)));

export type NoiseKind = 'white' | 'pink' | 'brown' | 'clicks';

/** `ms` of noise of RMS `dbfs`. Pink: Paul Kellet's filter; brown: leaky integrated white. */
export function noise(kind: NoiseKind, ms: number, dbfs: number, seed = 1): Int16Array {
  const n = Math.round(ms * 8);
  const rnd = prng(seed);
  const raw = new Float64Array(n);
  if (kind === 'clicks') {
    for (let at = 0; at < n; at += 800) for (let k = 0; k < 40 && at + k < n; k++) raw[at + k] = (k & 4 ? -1 : 1) * (1 - k / 40);
  } else {
    let b0 = 0, b1 = 0, b2 = 0, br = 0;
    for (let i = 0; i < n; i++) {
      const w = gauss(rnd);
      if (kind === 'white') raw[i] = w;
      else if (kind === 'pink') {
        b0 = 0.99765 * b0 + w * 0.099046;
        b1 = 0.963 * b1 + w * 0.2965164;
        b2 = 0.57 * b2 + w * 1.0526913;
        raw[i] = b0 + b1 + b2 + w * 0.1848;
      } else raw[i] = br = 0.995 * br + w * 0.1;
    }
  }
  let acc = 0;
  for (const v of raw) acc += v * v;
  const g = (32768 * 10 ** (dbfs / 20)) / (Math.sqrt(acc / (n || 1)) || 1);
  return Int16Array.from(raw, (v) => clip(v * g));
}

/** Through a G.711 μ-law link. */
export function ulaw(x: Int16Array): Int16Array {
  const enc = new Uint8Array(x.length);
  ulawEncode(x, enc);
  const out = new Int16Array(x.length);
  ulawDecode(enc, out);
  return out;
}

/** The prompt as it comes back: `delayMs` later, `gainDb` (negative) quieter, μ-law both ways. */
export function echoOf(sent: Int16Array, gainDb: number, delayMs: number): Int16Array {
  const d = Math.round(delayMs * 8);
  const g = 10 ** (gainDb / 20);
  const tx = ulaw(sent);
  const out = new Int16Array(sent.length);
  for (let i = d; i < out.length; i++) out[i] = clip(tx[i - d]! * g);
  return ulaw(out);
}

/** a + b (b placed at `atMs`), with Gaussian line noise at `noiseDbfs`. */
export function mix(a: Int16Array, b: Int16Array | undefined, atMs = 0, noiseDbfs = -55, seed = 3): Int16Array {
  const out = Float64Array.from(a);
  if (b) {
    const at = Math.round(atMs * 8);
    for (let i = 0; i < b.length && at + i < out.length; i++) out[at + i]! += b[i]!;
  }
  const rnd = prng(seed);
  const sigma = 32768 * 10 ** (noiseDbfs / 20);
  return Int16Array.from(out, (v) => clip(v + gauss(rnd) * sigma));
}

/** A 8 kHz tone burst with a soft attack (a hummed "mm"). */
export function hum(ms: number, dbfs: number, hz = 140): Int16Array {
  const n = Math.round(ms * 8);
  const a = 32768 * 10 ** (dbfs / 20) * Math.SQRT2;
  return Int16Array.from({ length: n }, (_, i) => clip(a * Math.min(1, i / 160, (n - i) / 160) * (Math.sin((2 * Math.PI * hz * i) / 8000) + 0.5 * Math.sin((4 * Math.PI * hz * i) / 8000))));
}

/**
 * Where a clip's speech becomes audible (ms): the first 20 ms frame within 20 dB of its loudest —
 * the first syllable's nucleus. A word's weak onset (an /s/ or /f/, mostly above telephone band)
 * lies below an echo at −12 dB and is not what a listener hears as "the caller started talking".
 */
export function nucleusMs(x: Int16Array): number {
  const e: number[] = [];
  for (let i = 0; i + 160 <= x.length; i += 160) {
    let a = 0;
    for (let j = i; j < i + 160; j++) a += x[j]! * x[j]!;
    e.push(10 * Math.log10(a / 160 + 1e-9));
  }
  const peak = Math.max(...e);
  return e.findIndex((v) => v >= peak - 20) * 20;
}

/** The barge-in rule's settings in these tests (speech.bargeIn as configured: the echo test and canceller on). */
export const CONFIGURED: BargeInOptions = { minSpeechMs: 200, minVoicedMs: 80, echo: {} };
/** The prompt the tests play: three librivox sentences at −20 dBFS. */
export const PROMPT = level(Int16Array.from(PROMPT_FILES.flatMap((f) => [...load8k(f)])), -20);

export interface Run {
  bargeIns: number[];
  erlDb?: number;
}

/** Play `sent` while the caller's line carries `received`; the barge-ins raised (ms). */
export function duringPrompt(sent: Int16Array, received: Int16Array, opts: BargeInOptions = CONFIGURED, vad?: FrameVadFactory): Run {
  const ref = new EchoReference();
  const r: Run = { bargeIns: [] };
  const ep = new Endpointer({ bargeIn: opts, echoReference: ref, ...(vad ? { vad } : {}) }, { onBargeIn: (t) => r.bargeIns.push(t) });
  ep.playing = true;
  for (let i = 0; (i + 1) * 160 <= received.length; i++) {
    ep.push(received.subarray(i * 160, (i + 1) * 160), i * 20);
    ref.pushFrame((i + 1) * 160 <= sent.length ? sent.subarray(i * 160, (i + 1) * 160) : null);
  }
  r.erlDb = ep.bargeInDetector.doubleTalk?.erlDb;
  return r;
}
