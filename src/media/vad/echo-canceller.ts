/**
 * A line/acoustic echo canceller on what the call sent: the caller's frame minus our own audio as
 * it comes back, so barge-in, the voicing meter and the VAD judge the caller (the near end) and
 * not a filtered, delayed, attenuated copy of the prompt.
 *
 *   sent PCM ─▶ EchoReference (ring, samples) ─┬─▶ EchoAligner: bulk delay D (sample grid)
 *                                              └─▶ NLMS filter w[0…N) over delays D−lead … D−lead+N−1
 *   received y ─────────────────────────────────────▶ e = y − ŷ  (the residual: what is handed on)
 *
 * Normalised LMS, sample by sample: w += μ·e·x / (‖x‖² + δ). The filter adapts only on frames
 * judged echo-only; it is frozen during near-end speech, which would otherwise teach it to cancel
 * the caller (divergence). Two rules, both on the frame before it is adapted on:
 *  - Geigel (until the filter has converged): the loudest received sample against the loudest
 *    sent one in the echo window (an echo comes back at least 3 dB quieter);
 *  - residual energy (from then on, ERLE ≥ 6 dB): the residual of the frame's first 5 ms with the frozen filter,
 *    against the echo return loss enhancement (ERLE) reached so far — a caller makes the residual
 *    jump far above it. If the rule has frozen for half a second while Geigel sees only echo, the echo
 *    path changed: the learnt ERLE decays until adaptation resumes.
 * Between the two, the step shrinks with the residual's excess over the usual (a soft caller, whose
 * quiet sounds pass the rule, teaches the filter little). Either rule holds the filter frozen for 100 ms more (a word's quiet onset and tail are the caller's too).
 * A frame whose residual came out louder than what was received (a filter still wrong after a path
 * change) is handed on unprocessed. ERLE = 10·log10(Σy²/Σe²) over adapted frames, smoothed.
 * Cost: 2·N multiply-adds per sample on adapted frames (NLMS) plus a frozen-filter probe of the
 * first 5 ms once converged, N per sample when frozen; preallocated, no allocation per frame. Runs only while a prompt plays.
 */
import { FRAME_SAMPLES } from '../frames.js';
import type { EchoReference } from './echo-reference.js';
import { EchoAligner } from './echo-align.js';

export interface CancellerOptions {
  /** Filter length in samples (8 kHz). Default 256 (32 ms of echo path dispersion). */
  taps?: number;
  /** Taps placed before the estimated delay (the aligner's 4-sample grid, pre-echo of a filtered path). Default 32. */
  leadSamples?: number;
  /** NLMS step (0…1]. Default 0.5. */
  step?: number;
  /** Longest echo delay searched (ms). Default 400. */
  maxDelayMs?: number;
}

/** Sent frames quieter than this (dBFS, mean square) leave nothing to cancel. */
const MIN_REF_POWER = (32768 * 10 ** (-55 / 20)) ** 2;
/** Geigel: a received peak above this share of the sent peak is the caller (−3 dB: the class's echo paths reach −6 dB and a low-pass path's gain above 1). */
const GEIGEL = 0.7;
const ERLE_SMOOTH = 0.05;
/** A frame whose own ERLE is below this share of the learnt one (in dB) holds near-end speech. */
const RESIDUAL_NEAR = 0.5;
const STUCK_FRAMES = 25;
const MIN_ADAPTED = 25;
/** The classic double-talk hangover: a word's quiet ends are near-end too. */
const HOLD_FRAMES = 5;
/** Samples of the frozen-filter probe that decides adaptation (5 ms). */
const PROBE = 40;

export class EchoCanceller {
  readonly aligner: EchoAligner;
  private readonly taps: number;
  private readonly lead: number;
  private readonly mu: number;
  private readonly delta: number;
  private readonly w: Float64Array;
  /** Sent samples under the filter for this frame, oldest first: taps + 159 of them. */
  private readonly xb: Float64Array;
  private readonly yhat = new Float64Array(FRAME_SAMPLES);
  readonly residual = new Int16Array(FRAME_SAMPLES);
  /** Where the filter sits (delay of tap 0, samples); −1 before the aligner has a delay. */
  private origin = -1;
  private yPow = 0;
  private ePow = 0;
  /** Smoothed ERLE over adapted frames (dB). */
  erleDb = 0;
  private stuck = 0;
  /** Frames the filter stays frozen after near-end speech (its weak tails and onsets). */
  private hold = 0;
  /** Frames processed, adapted; the last frame's verdict (tests, bench). */
  readonly counts = { frames: 0, adapted: 0, frozenNear: 0, frozenResidual: 0, passedThrough: 0 };
  lastAdapted = false;
  private lastPassed = false;

  constructor(
    private readonly reference: EchoReference,
    opts: CancellerOptions = {},
  ) {
    reference.keepSamples();
    this.taps = opts.taps ?? 256;
    this.lead = opts.leadSamples ?? 32;
    this.mu = opts.step ?? 0.5;
    this.delta = this.taps * (32768 * 10 ** (-60 / 20)) ** 2;
    this.w = new Float64Array(this.taps);
    this.xb = new Float64Array(this.taps + FRAME_SAMPLES - 1);
    this.aligner = new EchoAligner(reference, Math.round(((opts.maxDelayMs ?? 400) * 8000) / 1000));
  }

  /**
   * Whether the last frame's residual can be judged as the caller: the filter has converged, has
   * not been frozen by the residual rule alone for long (an echo path that moved looks like a caller
   * until the aligner finds it again), and the frame was cancelled rather than handed on.
   */
  get trusted(): boolean {
    return !this.lastPassed && this.counts.adapted >= MIN_ADAPTED && this.erleDb >= 6 && this.stuck <= STUCK_FRAMES;
  }

  /** Bulk delay in samples the filter is placed on (0: none yet). */
  get delaySamples(): number {
    return this.aligner.delaySamples;
  }

  /**
   * One received frame, read before this tick's sent frame is recorded; `behindTicks`: it belongs
   * to that many ticks ago (a media worker's frames read in a burst after a late tick — the echo in
   * it lines up with an older stretch of what we sent). Returns the residual (`this.residual`,
   * overwritten next frame), or `frame` itself when there is nothing to cancel.
   */
  process(frame: Int16Array, behindTicks = 0): Int16Array {
    const behind = Math.min(4, Math.max(0, behindTicks)) * FRAME_SAMPLES;
    this.counts.frames++;
    this.lastAdapted = false;
    this.lastPassed = true;
    const maxBack = this.aligner.maxLag * 4 + this.taps;
    // Nothing sent in the echo window: nothing to cancel, nothing to learn.
    if (this.windowPower(maxBack) < MIN_REF_POWER) return frame;
    let yPow = 0;
    let yPeak = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = frame[i]!;
      yPow += v * v;
      if (v > yPeak) yPeak = v;
      else if (-v > yPeak) yPeak = -v;
    }
    const geigelNear = yPeak > GEIGEL * this.peakSent(behind);
    this.place();
    if (this.origin < 0) {
      if (!geigelNear && behind === 0) this.aligner.update(frame);
      return frame;
    }
    this.reference.copy(this.xb, 0, this.xb.length, this.origin - (FRAME_SAMPLES - 1) + behind);
    // The smoothed ERLE means something after a few hundred ms of adaptation (one quiet frame is not convergence).
    const converged = this.counts.adapted >= MIN_ADAPTED && this.erleDb >= 6;
    // Pass 1, once converged: the frozen filter's residual over the frame's first 5 ms decides
    // whether the frame may teach it (a caller's speech lasts longer than that).
    let ePow = converged ? this.filter(frame, 0, PROBE) : 0;
    let yProbe = 0;
    if (converged) for (let i = 0; i < PROBE; i++) yProbe += frame[i]! * frame[i]!;
    const probeErle = converged ? 10 * Math.log10((yProbe + 1) / (ePow + 1)) : 0;
    const residualNear = converged && probeErle < this.erleDb * RESIDUAL_NEAR;
    if (converged ? residualNear : geigelNear) this.hold = HOLD_FRAMES;
    if (this.hold > 0) {
      this.hold--;
      ePow += this.filter(frame, converged ? PROBE : 0, FRAME_SAMPLES);
      this.counts.frozenNear++;
      if (converged) this.counts.frozenResidual++;
      if (residualNear && !geigelNear && ++this.stuck > STUCK_FRAMES) this.erleDb = Math.max(0, this.erleDb - 1);
    } else {
      this.stuck = 0;
      // A residual above what the filter usually leaves is a soft caller or a path change: a smaller step.
      ePow = this.adapt(frame, converged ? this.mu * Math.min(1, 10 ** ((probeErle - this.erleDb) / 10)) : this.mu);
      this.lastAdapted = true;
      this.counts.adapted++;
      // Once the filter sits on a delay, the aligner only watches for a moved echo path: every 5th adapted frame.
      if (this.counts.adapted % 5 === 0 && behind === 0) this.aligner.update(frame);
      this.yPow = (1 - ERLE_SMOOTH) * this.yPow + ERLE_SMOOTH * yPow;
      this.ePow = (1 - ERLE_SMOOTH) * this.ePow + ERLE_SMOOTH * ePow;
      this.erleDb = 10 * Math.log10((this.yPow + 1) / (this.ePow + 1));
    }
    if (ePow > yPow * 1.25) {
      this.counts.passedThrough++;
      return frame;
    }
    this.lastPassed = false;
    return this.residual;
  }

  /** Follow the aligner: place the filter on its delay; a move within the filter keeps what it learnt. */
  private place(): void {
    const d = this.aligner.delaySamples;
    if (d === 0) return;
    const origin = Math.max(1, d - this.lead);
    if (origin === this.origin) return;
    const shift = this.origin < 0 ? this.taps : origin - this.origin; // tap j now means delay origin + j
    const w = this.w;
    if (Math.abs(shift) >= this.taps) w.fill(0);
    else if (shift > 0) w.copyWithin(0, shift).fill(0, this.taps - shift);
    else w.copyWithin(-shift, 0, this.taps + shift).fill(0, 0, -shift);
    this.origin = origin;
  }

  /** ŷ and the residual of samples [from, to) with the filter as it is; returns their Σe². */
  private filter(frame: Int16Array, from: number, to: number): number {
    const { w, xb, yhat, residual } = this;
    const n = this.taps;
    let ePow = 0;
    for (let i = from; i < to; i++) {
      // x[i − j] for tap j sits at xb[n − 1 − j + i]
      let acc = 0;
      const top = n - 1 + i;
      for (let j = 0; j < n; j++) acc += w[j]! * xb[top - j]!;
      yhat[i] = acc;
      const e = frame[i]! - acc;
      ePow += e * e;
      residual[i] = e > 32767 ? 32767 : e < -32768 ? -32768 : Math.round(e);
    }
    return ePow;
  }

  /** NLMS over the frame, sample by sample; returns Σe². */
  private adapt(frame: Int16Array, mu: number): number {
    const { w, xb, residual } = this;
    const n = this.taps;
    let p = 0; // ‖x‖² of the vector under the filter, slid per sample
    for (let k = 0; k < n; k++) p += xb[k]! * xb[k]!;
    let ePow = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const top = n - 1 + i;
      if (i > 0) {
        const inn = xb[top]!;
        const out = xb[i - 1]!;
        p += inn * inn - out * out;
      }
      let acc = 0;
      for (let j = 0; j < n; j++) acc += w[j]! * xb[top - j]!;
      const e = frame[i]! - acc;
      ePow += e * e;
      residual[i] = e > 32767 ? 32767 : e < -32768 ? -32768 : Math.round(e);
      const g = (mu * e) / (Math.max(0, p) + this.delta);
      for (let j = 0; j < n; j++) w[j]! += g * xb[top - j]!;
    }
    return ePow;
  }

  /** Mean square of the sent samples within `maxBack` of the reference's end. */
  private windowPower(maxBack: number): number {
    const ref = this.reference;
    const frames = Math.min(ref.capacity - 1, Math.ceil(maxBack / FRAME_SAMPLES));
    const db = ref.maxDb(0, frames);
    return (32768 * 10 ** (db / 20)) ** 2;
  }

  /** Loudest sent sample where the echo can come from (under the filter once placed, the whole window before). */
  private peakSent(behind: number): number {
    const ref = this.reference;
    const from = this.origin < 0 ? 1 : Math.max(1, this.origin - (FRAME_SAMPLES - 1) + behind);
    const to = this.origin < 0 ? this.aligner.maxLag * 4 : this.origin + this.taps - 1 + behind;
    let m = 0;
    for (let b = from; b <= to; b += 1) {
      const v = ref.sample(b);
      if (v > m) m = v;
      else if (-v > m) m = -v;
    }
    return m;
  }
}
