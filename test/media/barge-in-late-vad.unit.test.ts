/**
 * Barge-in with a VAD that decides late (media/vad/barge-in-detector.ts, `FrameVad.decisionLagFrames`):
 * the energy VAD delayed three frames stands in for Silero (a 32 ms window and an asynchronous
 * inference), on recorded speech over the prompt's echo. Its own file: the heaviest of the barge-in
 * unit tests (each file has 30 s in `make test`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BargeInOptions } from '../../src/media/vad/barge-in-detector.js';
import { EnergyVad } from '../../src/media/vad/energy-vad.js';
import type { FrameVad } from '../../src/media/vad/frame-vad.js';
import { CALLER, CONFIGURED, PROMPT as prompt, duringPrompt, echoOf, level, load8k, mix, noise, type NoiseKind } from './barge-in-signals.js';

/** The energy VAD's decision `lag` frames late, as a neural VAD's is (Silero: a window and an inference); `declared`: what it says its lag is. */
class LateVad implements FrameVad {
  private readonly inner = new EnergyVad();
  private readonly past: boolean[] = [];
  constructor(
    private readonly lag: number,
    readonly decisionLagFrames?: number,
  ) {}
  isSpeech(frame: Int16Array, inSpeech: boolean): boolean {
    this.past.push(this.inner.isSpeech(frame, inSpeech));
    return this.past.length > this.lag ? this.past.shift()! : false;
  }
  reset(): void {
    this.inner.reset();
    this.past.length = 0;
  }
}

test('a VAD that decides three frames late (as Silero does): the lead it hid is counted, so the caller interrupts as soon as with a prompt VAD; noise still never does', () => {
  const head = prompt.subarray(0, 8000 * 8);
  const echo = echoOf(head, -12, 120);
  const gained: number[] = [];
  const SILERO_LIKE: BargeInOptions = { ...CONFIGURED, minSpeechMs: 100 }; // call/barge-in.ts DEFAULT_MIN_SPEECH_MS.silero
  for (const [name] of CALLER)
    for (const callerDb of [-18, -22]) {
      const received = mix(echo, level(load8k(name), callerDb), 4000);
      const prompt0 = duringPrompt(head, received, SILERO_LIKE).bargeIns[0];
      const counted = duringPrompt(head, received, SILERO_LIKE, () => new LateVad(3, 3)).bargeIns[0];
      const uncounted = duringPrompt(head, received, SILERO_LIKE, () => new LateVad(3)).bargeIns[0];
      assert.ok(prompt0 !== undefined && counted !== undefined && uncounted !== undefined, `${name} at ${callerDb} dBFS: a barge-in each way`);
      // Never before the caller could have been heard, never later than without the count.
      assert.ok(counted >= prompt0 && counted <= uncounted, `${name} at ${callerDb}: prompt VAD ${prompt0}, late VAD counted ${counted}, uncounted ${uncounted}`);
      gained.push(uncounted - counted);
    }
  // Where the 100 ms minimum binds, the count gives back the VAD's lag (60 ms); where voicing (80 ms voiced) binds, less.
  const mean = gained.reduce((x, y) => x + y, 0) / gained.length;
  assert.ok(mean >= 20 && gained.some((g) => g >= 60), `gains ${gained} ms (mean ${mean})`);
  for (const kind of ['white', 'pink', 'brown', 'clicks'] as NoiseKind[])
    for (const ms of [100, 250, 500, 1000])
      for (const db of [-30, -20]) {
        const r = duringPrompt(head, mix(echoOf(head, -20, 120), noise(kind, ms, db, ms), 3000), SILERO_LIKE, () => new LateVad(3, 3));
        assert.deepEqual(r.bargeIns, [], `${kind} ${ms} ms at ${db} dBFS interrupted`);
      }
});
