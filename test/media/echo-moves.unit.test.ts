/**
 * An echo path that moves where real ones do: the far end's jitter buffer shrinks by dropping
 * silent frames (NetEQ's "accelerate", our own `JitterBuffer` with a silence test), so in each of
 * the prompt's pauses the echo comes back whole frames sooner. Seen in bench/barge-in's calls
 * (2026-12-07, `--trace`): after a 420 ms pause the echo returned 3 ticks early, the canceller —
 * trusted after counting the pause's frames as convergence — handed it on uncancelled, and the
 * prompt paused itself. Recorded speech (pocketsphinx-testdata), μ-law both ways, a low-pass path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EchoReference } from '../../src/media/vad/echo-reference.js';
import { EchoCanceller } from '../../src/media/vad/echo-canceller.js';
import { frameEnergyDbfs } from '../../src/media/vad/energy-vad.js';
import { clip, duringPrompt, level, load8k, mix, ulaw } from './barge-in-signals.js';

const FILES = ['0870', '0880', '0890', '0920', '0930'].map((n) => `librivox/sense_and_sensibility_01_austen_64kb-${n}.wav`);
/** Five sentences with 300–440 ms pauses between them, as a TTS prompt has (flite: 200–440 ms). */
const PAUSES_MS = [420, 300, 440, 360];
const prompt = level(
  Int16Array.from(FILES.flatMap((f, i) => [...load8k(f), ...new Int16Array(i < PAUSES_MS.length ? PAUSES_MS[i]! * 8 : 0)])),
  -20,
);
const FIR = [0.1, 0.35, 0.5, 0.3, 0.1, -0.05, -0.08, -0.03];
const frames = Math.floor(prompt.length / 160);
const silentFrame = (f: number) => {
  let p = 0;
  for (let i = f * 160; i < f * 160 + 160; i++) p += prompt[i]! * prompt[i]!;
  return p / 160 < 32768 ** 2 * 10 ** (-55 / 10);
};

/**
 * The echo as a phone whose jitter buffer drops `shrinkTicks` silent frames in each pause of at least
 * 200 ms returns it: `delayTicks` late at first, then sooner after each pause (never under 2 ticks).
 */
function movingEcho(gainDb: number, delayTicks: number, shrinkTicks: number): Int16Array {
  const tx = ulaw(prompt);
  const delayOf = new Int32Array(frames);
  let d = delayTicks;
  let silentRun = 0;
  for (let f = 0; f < frames; f++) {
    // The phone hears frame f − d on tick f; a pause it has heard for 200 ms is where it drops frames.
    const heard = f - d;
    silentRun = heard >= 0 && silentFrame(heard) ? silentRun + 1 : 0;
    if (silentRun === 10) d = Math.max(2, d - shrinkTicks);
    delayOf[f] = d;
  }
  const g = 10 ** (gainDb / 20);
  const out = new Int16Array(frames * 160);
  for (let f = 0; f < frames; f++)
    for (let i = 0; i < 160; i++) {
      const n = f * 160 + i;
      let a = 0;
      for (let k = 0; k < FIR.length; k++) {
        const s = n - delayOf[f]! * 160 - k;
        if (s >= 0) a += FIR[k]! * tx[s]!;
      }
      out[n] = clip(a * g);
    }
  return mix(ulaw(out), undefined, 0, -60);
}

test('an echo path that shortens in the prompt\'s pauses (a far-end jitter buffer dropping silent frames) never interrupts the prompt', () => {
  const failures: string[] = [];
  // The old canceller's four failures of six settings (it passed −15 dB 8−1 and −20 dB 13−3).
  for (const [gain, delay, shrink] of [[-10, 13, 3], [-10, 10, 2], [-10, 16, 4], [-15, 16, 4]] as const) {
    const { bargeIns } = duringPrompt(prompt, movingEcho(gain, delay, shrink), { minSpeechMs: 120, minVoicedMs: 80, echo: {} });
    if (bargeIns.length) failures.push(`${gain} dB, ${delay} ticks − ${shrink} per pause: interrupted at ${bargeIns.join(', ')} ms`);
  }
  assert.deepEqual(failures, []);
});

test('after a pause in which the echo moved, the canceller vouches for its residual only once it is seen cancelling the echo again', () => {
  const uncancelled: string[] = [];
  for (const [gain, delay, shrink] of [[-10, 13, 3], [-15, 16, 4], [-20, 10, 2]] as const) {
    const ref = new EchoReference();
    const c = new EchoCanceller(ref);
    const rx = movingEcho(gain, delay, shrink);
    for (let f = 0; f < frames; f++) {
      const y = rx.subarray(f * 160, f * 160 + 160);
      const e = c.process(y);
      // Vouched for (trusted) while a loud echo frame came out less than 6 dB quieter: the echo would be judged as a caller.
      if (c.trusted && frameEnergyDbfs(y) > -40 && frameEnergyDbfs(y) - frameEnergyDbfs(e) < 6) uncancelled.push(`${gain} dB ${delay}−${shrink}: ${f * 20} ms`);
      ref.pushFrame(prompt.subarray(f * 160, f * 160 + 160));
    }
  }
  assert.deepEqual(uncancelled, []);
});

test('a filter seen cancelling stays where it is when the aligner\'s estimate wanders a tick off (the echo never moved)', () => {
  const failures: string[] = [];
  for (const [gain, delay] of [[-10, 10], [-15, 6], [-20, 13]] as const) {
    const ref = new EchoReference();
    const c = new EchoCanceller(ref);
    // After 4 s the aligner reports a delay one tick longer than the echo's, as a caller's first
    // syllable or a quiet stretch can pull its correlation; the echo stays where it was.
    let estimate = 0;
    let off = 0;
    Object.defineProperty(c.aligner, 'delaySamples', { get: () => (estimate ? estimate + off : 0), set: (v: number) => void (estimate = v) });
    const rx = movingEcho(gain, delay, 0);
    let loud = 0;
    let cancelled = 0;
    for (let f = 0; f < frames; f++) {
      if (f === 200) off = 160;
      const y = rx.subarray(f * 160, f * 160 + 160);
      const e = c.process(y);
      // Loud echo frames after the wrong estimate: still cancelled by 10 dB or more?
      if (f > 200 && frameEnergyDbfs(y) > -40) {
        loud++;
        if (frameEnergyDbfs(y) - frameEnergyDbfs(e) >= 10) cancelled++;
      }
      ref.pushFrame(prompt.subarray(f * 160, f * 160 + 160));
    }
    if (cancelled < loud * 0.9 || c.delayTicks !== delay) failures.push(`${gain} dB, ${delay} ticks: ${cancelled}/${loud} loud echo frames cancelled by ≥10 dB after the estimate moved; filter at ${c.delayTicks} ticks`);
  }
  assert.deepEqual(failures, []);
});
