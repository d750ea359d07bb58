/**
 * What this call sent, tick by tick, for telling the caller from our own echo and for cancelling
 * it: the energy (dBFS) of the frame sent on each scheduler tick (the double-talk test and the
 * echo-delay estimator read these) and the frame's samples themselves (the echo canceller's
 * reference, echo-canceller.ts), in small preallocated rings. A tick that sent nothing records
 * silence, so a paused or stopped prompt stops counting as a possible echo source once its frames
 * leave the echo-delay window. Cost per tick: one energy sum and (once a canceller asked for them,
 * `keepSamples`) a 160-sample copy, no allocation. The sample ring (20 KB) exists only for calls
 * that cancel echo: most calls never play over a caller who can interrupt.
 */
import { FRAME_SAMPLES } from '../frames.js';
import { frameEnergyDbfs } from './energy-vad.js';

export const SILENT_DB = -130;

export class EchoReference {
  private readonly ring: Float32Array;
  private head = 0; // slot of the most recent tick
  /** The sent samples, `capacity` ticks of them (slot k holds tick k's frame); empty until `keepSamples`. */
  private pcm = new Float32Array(0);
  /** Ticks recorded so far (the sample clock of the reference is ticks × 160). */
  ticks = 0;

  constructor(frames = 32) {
    this.ring = new Float32Array(frames).fill(SILENT_DB);
  }

  /** From now on keep the sent samples too (the echo canceller's reference). */
  keepSamples(): void {
    if (this.pcm.length === 0) this.pcm = new Float32Array(this.ring.length * FRAME_SAMPLES);
  }

  get capacity(): number {
    return this.ring.length;
  }

  /** One scheduler tick: the energy of the frame sent on it, or SILENT_DB when nothing was sent (its samples: silence). */
  push(energyDb: number): void {
    this.head = (this.head + 1) % this.ring.length;
    this.ring[this.head] = energyDb;
    if (this.pcm.length) this.pcm.fill(0, this.head * FRAME_SAMPLES, (this.head + 1) * FRAME_SAMPLES);
    this.ticks++;
  }

  /** One scheduler tick with the frame sent on it (null: nothing sent); keeps its samples for the canceller. */
  pushFrame(frame: Int16Array | null): void {
    if (!frame) return this.push(SILENT_DB);
    this.head = (this.head + 1) % this.ring.length;
    this.ring[this.head] = frameEnergyDbfs(frame);
    if (this.pcm.length === 0) return void this.ticks++;
    const o = this.head * FRAME_SAMPLES;
    for (let i = 0; i < FRAME_SAMPLES; i++) this.pcm[o + i] = frame[i] ?? 0;
    this.ticks++;
  }

  /** Energy sent `lag` ticks ago (0: the most recent tick). */
  at(lag: number): number {
    const n = this.ring.length;
    return lag >= n ? SILENT_DB : this.ring[(this.head - lag + n) % n]!;
  }

  /**
   * The sample sent `back` samples before the end of the most recent tick (1: its last sample);
   * 0 past the ring or for `back` < 1.
   */
  sample(back: number): number {
    const n = this.pcm.length;
    if (back < 1 || back > n) return 0; // also: no samples kept
    return this.pcm[((this.head + 1) * FRAME_SAMPLES - back + n) % n]!;
  }

  /**
   * Copy `count` consecutive sent samples into `out` (from `outAt`), oldest first, the last of them
   * `back` samples before the end of the most recent tick (`back` = 1: up to its last sample).
   * Samples before the ring or after the end are 0. No allocation.
   */
  copy(out: Float64Array, outAt: number, count: number, back: number): void {
    const n = this.pcm.length;
    if (n === 0) return void out.fill(0, outAt, outAt + count);
    const end = (this.head + 1) * FRAME_SAMPLES; // index just after the newest sample (mod n)
    for (let k = 0; k < count; k++) {
      const b = back + count - 1 - k; // samples before the end
      out[outAt + k] = b < 1 || b > n ? 0 : this.pcm[(end - b + n) % n]!;
    }
  }

  /**
   * 4-sample means of the sent samples going back from the reference's end: out[r] = mean of the
   * samples 4r+1 … 4r+4 before it (the echo aligner's 2 kHz view), for r < count. No allocation.
   */
  decimate4(out: Float64Array, count: number): void {
    const n = this.pcm.length;
    const pcm = this.pcm;
    if (n === 0) return void out.fill(0, 0, count);
    let i = ((this.head + 1) * FRAME_SAMPLES) % n; // just after the newest sample
    const limit = Math.min(count, n >> 2);
    for (let r = 0; r < limit; r++) {
      i = i >= 4 ? i - 4 : i - 4 + n;
      out[r] = (pcm[i]! + pcm[i + 1]! + pcm[i + 2]! + pcm[i + 3]!) / 4;
    }
    out.fill(0, limit, count);
  }

  /** The loudest frame sent between `minLag` and `maxLag` ticks ago (inclusive). */
  maxDb(minLag: number, maxLag: number): number {
    let m = SILENT_DB;
    const n = this.ring.length;
    for (let lag = minLag; lag <= maxLag && lag < n; lag++) {
      const v = this.ring[(this.head - lag + n) % n]!;
      if (v > m) m = v;
    }
    return m;
  }
}
