/**
 * A line/acoustic echo canceller on what the call sent: the caller's frame minus our own audio as
 * it comes back, so barge-in, the voicing meter and the VAD judge the caller (the near end) and
 * not a filtered, delayed, attenuated copy of the prompt.
 *
 *   sent PCM ─▶ EchoReference (ring, samples) ─┬─▶ EchoAligner: bulk delay D (sample grid)
 *                                              └─▶ IPNLMS filter w[0…N) over delays D−lead … D−lead+N−1
 *   received y ─────────────────────────────────────▶ e = y − ŷ  (the residual: what is handed on)
 *
 * Improved proportionate NLMS (IPNLMS, α = −0.5) on pre-emphasised signals, sample by sample:
 * w += μ·e_w·K·x_w / (x_wᵀK x_w + δ), with x_w, e_w the reference and the error through 1 − 0.9·z⁻¹
 * and K the per-tap gains (fixed per frame) proportioned to |w|. Both answer what real calls showed
 * and recorded signals did not: plain NLMS on speech (a steep spectral tilt) fitted one vowel and
 * failed on the next while the path had not moved (a residual louder than the echo), and spread a
 * sparse echo path over all taps; replayed from real calls (bench/barge-in's line, −10…−25 dB),
 * frames adapted on went from 30–40 % to 76–86 % and ERLE to 16–27 dB. The filter adapts only on frames
 * judged echo-only; it is frozen during near-end speech, which would otherwise teach it to cancel
 * the caller (divergence). Two rules, both on the frame before it is adapted on:
 *  - Geigel (until the filter has converged): the loudest received sample against the loudest
 *    sent one in the echo window (an echo comes back at least 3 dB quieter);
 *  - residual energy (from then on, ERLE ≥ 6 dB): the residual of the frame's first 5 ms with the frozen filter,
 *    against the echo return loss enhancement (ERLE) reached so far — a caller makes the residual
 *    jump far above it — and against the residual's own floor (line noise, G.711): a residual within
 *    10 dB of the floor is never a caller, however poor the frame's ERLE (between words the echo sinks
 *    into the noise; without the floor those frames froze the filter 30–70 % of the time on a real
 *    line). The frame is then adapted on and its whole residual judged the same way: a caller who
 *    starts after the probe puts the filter back as it was before the frame (a copy of 256 taps).
 *    (Frozen by this rule alone for half a second, the canceller stops vouching for
 *    its residual: a caller talking on, or an echo path changed in a way the aligner does not see.)
 * A frame the residual rule would freeze is first tried one tick either side: a late scheduler tick or
 * a jitter buffer that moved shifts the echo by whole frames, and the filter, so shifted, cancels
 * it again (the slip is kept, up to ±4 ticks, until the aligner moves the filter).
 * Between the two, the step shrinks with the residual's excess over the usual (a soft caller, whose
 * quiet sounds pass the rule, teaches the filter little). Either rule holds the filter frozen for 100 ms more (a word's quiet onset and tail are the caller's too).
 * A frame whose residual came out louder than what was received (a filter still wrong after a path
 * change) is handed on unprocessed. ERLE = 10·log10(Σy²/Σe²) over adapted frames, smoothed.
 * When the aligner moves the filter (the echo's delay changed: a jitter buffer settling moves it by
 * tens of ms in a call's first seconds), convergence is counted again from there; and frames the
 * filter did not adapt on still teach the aligner when no louder than an echo could be, or a filter
 * left behind by a moved path would freeze on the echo and never see it move (measured in real calls).
 * Cost: about 4·N multiply-adds per sample on adapted frames (filter, normaliser, update, and the
 * residual with the updated filter) plus a frozen-filter probe of the first 5 ms once converged, N
 * per sample when frozen; preallocated, no allocation per frame. Runs only while a prompt plays.
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
/** Frames without adaptation after which the ERLE learnt is too old to vouch for a residual. */
const STALE_FRAMES = 100;
/**
 * Adapted frames before the residual may be judged as the caller (a second of echo). Half a second
 * (tried) vouched sooner in replayed calls, but on a media worker — a tick between what was sent
 * and what is heard — the echo alone then paused the prompt three times in 7 s (barge-in-worker.test.ts).
 */
const TRUST_ADAPTED = 50;
/**
 * A pause in what we sent of at least this many frames (100 ms) is where the far end's jitter buffer
 * may have dropped silent frames (NetEQ's accelerate; ours with a silence test): the echo can come
 * back sooner, and the residual is not vouched for again until RETRUST_FRAMES frames of the echo
 * after it were seen cancelled (100 ms).
 */
const PAUSE_FRAMES = 5;
const RETRUST_FRAMES = 5;
/** Frames that could have been seen cancelled (loud ones) after one that was, during which the aligner may not move the filter (0.5 s of speech). */
const PLACE_HOLD_FRAMES = 25;
/** A frame that proves the filter cancels the echo is this far over the residual floor (×, power: 20 dB). */
const PROVEN_OVER_FLOOR = 100;
/** Slips tried, nearest first, and the most kept (ticks): a jitter buffer that settles moves the echo by up to 80 ms. */
const SLIPS = [1, -1, 2, -2, 3, -3, 4, -4];
const MAX_SLIP = 4;
/** A filter moved by at most this (samples, 8 ms) is still where the echo is: its convergence is kept. */
const SAME_PLACE = 64;
/** The classic double-talk hangover: a word's quiet ends are near-end too. */
const HOLD_FRAMES = 5;
/** Samples of the frozen-filter probe that decides adaptation (5 ms). */
const PROBE = 40;
/**
 * A residual within this of the line's residual floor (×, power: 10 dB) is never the caller: between
 * the prompt's words the echo sinks into the line noise and G.711's quantisation, where no filter
 * reaches the learnt ERLE — judged on ERLE alone those frames froze the filter 30–70 % of the time.
 */
const FLOOR_MARGIN = 10;
/** The residual floor follows a quieter residual quickly and a louder one at about 4 dB a second. */
const FLOOR_FALL = 0.3;
const FLOOR_RISE = 1.02;
/** IPNLMS's α: −1 is NLMS, 1 fully proportionate; −0.5, the usual choice, keeps every tap learning. */
const IPNLMS_ALPHA = -0.5;
/** First-order pre-emphasis (whitening of speech's spectral tilt) for adaptation. */
const PRE_EMPHASIS = 0.9;

export class EchoCanceller {
  readonly aligner: EchoAligner;
  private readonly taps: number;
  private readonly lead: number;
  private readonly mu: number;
  private readonly delta: number;
  private readonly w: Float64Array;
  /** The filter before the frame adapted it: put back when the whole frame turns out to hold the caller. */
  private readonly wBefore: Float64Array;
  /** IPNLMS step gains per tap for the frame being adapted on (× taps: mean 1). */
  private readonly gain: Float64Array;
  /** The reference under the filter, pre-emphasised (adaptation only). */
  private readonly xw: Float64Array;
  /** The last received sample adapted on (pre-emphasis memory). */
  private yPrev = 0;
  /** The residual's floor per sample (power): line noise, G.711, the filter's own misadjustment. */
  private floorPow = (32768 * 10 ** (-70 / 20)) ** 2;
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
  /** Ticks the echo has slipped from where the aligner put it (−4…4): timing moved by a frame or a few. */
  private slip = 0;
  private sinceAdapted = 0;
  /** Frames adapted since the filter was (re)placed: convergence is counted from there. */
  private adaptedHere = 0;
  /** Loud frames since one was seen cancelled (see `adapted`); none yet: as long ago as the hold. */
  private sinceProven = PLACE_HOLD_FRAMES;
  /** Frames in a row whose filter span held nothing we sent (a pause in the prompt). */
  private pauseFrames = 0;
  /** Frames seen cancelled since the last pause of PAUSE_FRAMES or more, or since the filter was moved. */
  private sincePause = RETRUST_FRAMES;
  /** Frames the filter stays frozen after near-end speech (its weak tails and onsets). */
  private hold = 0;
  /** Frames processed, adapted; the last frame's verdict (tests, bench). */
  readonly counts = { frames: 0, withReference: 0, adapted: 0, frozenNear: 0, frozenResidual: 0, rolledBack: 0, passedThrough: 0, slips: 0 };
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
    this.wBefore = new Float64Array(this.taps);
    this.gain = new Float64Array(this.taps);
    this.xw = new Float64Array(this.taps + FRAME_SAMPLES - 1);
    this.xb = new Float64Array(this.taps + FRAME_SAMPLES - 1);
    this.aligner = new EchoAligner(reference, Math.round(((opts.maxDelayMs ?? 400) * 8000) / 1000));
  }

  /**
   * Whether the last frame's residual can be judged as the caller: the filter has converged, has
   * not been frozen by the residual rule alone for long (an echo path that moved looks like a caller
   * until the aligner finds it again), and the frame was cancelled rather than handed on.
   */
  get trusted(): boolean {
    return !this.lastPassed && this.adaptedHere >= TRUST_ADAPTED && this.sincePause >= RETRUST_FRAMES && this.erleDb >= 6 && this.stuck <= STUCK_FRAMES && this.sinceAdapted <= STALE_FRAMES;
  }

  /** Where the echo is now, in whole ticks (where the filter sits plus any slip), 0: not known. */
  get delayTicks(): number {
    return this.origin < 0 ? 0 : Math.round((this.origin + this.lead) / FRAME_SAMPLES) + this.slip;
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
    const behind = (Math.min(4, Math.max(0, behindTicks)) + this.slip) * FRAME_SAMPLES;
    this.counts.frames++;
    this.lastAdapted = false;
    this.lastPassed = true;
    const maxBack = this.aligner.maxLag * 4 + this.taps;
    // Nothing sent in the echo window: nothing to cancel, nothing to learn.
    if (this.windowPower(maxBack) < MIN_REF_POWER) {
      this.pausing(true);
      return frame;
    }
    this.counts.withReference++;
    let yPow = 0;
    let yPeak = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = frame[i]!;
      yPow += v * v;
      if (v > yPeak) yPeak = v;
      else if (-v > yPeak) yPeak = -v;
    }
    const geigelNear = yPeak > GEIGEL * this.peakSent(behind);
    // The hold counts frames that could have proven the filter (loud enough to show cancellation):
    // a word's quiet tail (−40…−50 dBFS) proves nothing either way, and counted, 25 of them within a
    // sentence let the aligner move a filter that was cancelling (echo-moves.unit.test.ts).
    if (this.canProve(yPow)) this.sinceProven++;
    this.place();
    if (this.origin < 0) {
      if (!geigelNear && behindTicks === 0) this.aligner.update(frame);
      return frame;
    }
    this.reference.copy(this.xb, 0, this.xb.length, this.origin - (FRAME_SAMPLES - 1) + behind);
    this.pausing(this.spanPower() < MIN_REF_POWER);
    // The smoothed ERLE means something after a few hundred ms of adaptation (one quiet frame is not convergence).
    const converged = this.adaptedHere >= MIN_ADAPTED && this.erleDb >= 6;
    // Pass 1, once converged: the frozen filter's residual over the frame's first 5 ms decides
    // whether the frame may teach it (a caller's speech lasts longer than that).
    let ePow = converged ? this.filter(frame, 0, PROBE) : 0;
    let yProbe = 0;
    if (converged) for (let i = 0; i < PROBE; i++) yProbe += frame[i]! * frame[i]!;
    let probeErle = converged ? 10 * Math.log10((yProbe + 1) / (ePow + 1)) : 0;
    // A caller, or did the echo slip by a frame (a late tick, a jitter buffer that moved)? Try the neighbours.
    if (converged && probeErle < this.erleDb * RESIDUAL_NEAR) {
      const found = this.trySlips(frame, behind, yProbe);
      if (found !== 0) {
        this.slip += found;
        this.counts.slips++;
        this.reference.copy(this.xb, 0, this.xb.length, this.origin - (FRAME_SAMPLES - 1) + behind + found * FRAME_SAMPLES);
        ePow = this.filter(frame, 0, PROBE);
        probeErle = 10 * Math.log10((yProbe + 1) / (ePow + 1));
      }
    }
    const residualNear = converged && probeErle < this.erleDb * RESIDUAL_NEAR && ePow > PROBE * this.floorPow * FLOOR_MARGIN;
    if (converged ? residualNear : geigelNear) this.hold = HOLD_FRAMES;
    if (this.hold === 0 && converged) {
      // The probe saw the frame's first 5 ms; a caller who starts later in it is caught on the whole
      // frame's residual (as it was adapted): the filter learnt from a caller is put back as it was.
      this.wBefore.set(this.w);
      const stepped = this.adapt(frame, this.mu * Math.min(1, 10 ** ((probeErle - this.erleDb) / 10)));
      if (10 * Math.log10((yPow + 1) / (stepped + 1)) < this.erleDb * RESIDUAL_NEAR && stepped > FRAME_SAMPLES * this.floorPow * FLOOR_MARGIN) {
        this.w.set(this.wBefore);
        this.counts.rolledBack++;
        this.hold = HOLD_FRAMES;
        ePow = this.filter(frame, 0, PROBE); // the probe's residual again (adapting overwrote it)
      } else return this.adapted(frame, stepped, yPow, behindTicks);
    }
    if (this.hold > 0) {
      this.hold--;
      ePow += this.filter(frame, converged ? PROBE : 0, FRAME_SAMPLES);
      this.counts.frozenNear++;
      if (converged) this.counts.frozenResidual++;
      this.sinceAdapted++;
      // Frozen by the residual alone for long: a quiet caller talking on, or an echo path that changed
      // in a way neither the aligner nor the slip search sees; either way the residual is not vouched for.
      if (residualNear && !geigelNear) this.stuck++;
      this.trackFloor(ePow);
      // The aligner must not only learn from frames the filter already cancels: when the echo path
      // moves by a fraction of a frame (a jitter buffer settling: 240 → 160 ms over a real call's
      // first seconds), the misplaced filter freezes on the echo and the aligner, fed only adapted
      // frames, would never see the new delay — measured stuck 26 ms off for the rest of the call.
      // A frame no louder than an echo of anything in the window could be (Geigel over the whole
      // window) may be echo: it teaches the aligner (every 2nd such frame, as adapted ones).
      if (behindTicks === 0 && (this.counts.frozenNear & 1) === 0 && yPeak <= GEIGEL * this.peakSent(behind, true)) this.aligner.update(frame);
    } else return this.adapted(frame, this.adapt(frame, this.mu), yPow, behindTicks);
    return this.handOn(frame, ePow, yPow);
  }

  /** The frame taught the filter (its residual `ePow`): ERLE, floor and aligner follow. */
  private adapted(frame: Int16Array, ePow: number, yPow: number, behindTicks: number): Int16Array {
    this.stuck = 0;
    this.sinceAdapted = 0;
    this.lastAdapted = true;
    this.counts.adapted++;
    // Convergence is counted in frames that had echo to learn from: what we sent under the filter
    // was not silence. A prompt's pauses (flite: 200–440 ms between sentences) still have speech in
    // the 400 ms window, so they are processed and "adapted" on, but teach the filter nothing — counted,
    // they vouched for a residual after 0.8 s of echo, and the first word after a pause, the echo
    // path having moved in it, was taken for the caller (bench/barge-in --trace, 2026-12-07).
    if (this.pauseFrames === 0) {
      this.adaptedHere++;
      // After a pause only a frame the filter is seen to cancel re-earns trust: well above the
      // residual floor, and cancelled about as well as usual. The quiet onset of the next word is
      // "adapted on" just as well by a filter the echo has left (seen: 3 ticks sooner after a pause,
      // outside the filter's span — its residual was then the echo itself, vouched for as the caller).
      if (this.canProve(yPow) && 10 * Math.log10((yPow + 1) / (ePow + 1)) >= Math.max(12, this.erleDb - 6)) {
        this.sincePause++;
        this.sinceProven = 0;
      }
    }
    // The aligner watches for a moved echo path on frames judged echo-only (every 2nd: a caller's
    // speech would pull its correlation; whole-tick slips are found at once by the slip search).
    if (behindTicks === 0 && this.counts.adapted % 2 === 0) this.aligner.update(frame);
    this.yPow = (1 - ERLE_SMOOTH) * this.yPow + ERLE_SMOOTH * yPow;
    this.ePow = (1 - ERLE_SMOOTH) * this.ePow + ERLE_SMOOTH * ePow;
    this.erleDb = 10 * Math.log10((this.yPow + 1) / (this.ePow + 1));
    this.trackFloor(ePow);
    return this.handOn(frame, ePow, yPow);
  }

  private trackFloor(ePow: number): void {
    const p = ePow / FRAME_SAMPLES;
    this.floorPow = p < this.floorPow ? this.floorPow + FLOOR_FALL * (p - this.floorPow) : this.floorPow * FLOOR_RISE;
  }

  /** The residual, or the frame itself when the filter made it louder (a path change it has not followed). */
  private handOn(frame: Int16Array, ePow: number, yPow: number): Int16Array {
    if (ePow > yPow * 1.25) {
      this.counts.passedThrough++;
      return frame;
    }
    this.lastPassed = false;
    return this.residual;
  }

  /**
   * The echo up to 4 ticks either side of where it was (nearest first): the shift at which the
   * filter cancels as well as it usually does (ERLE within 6 dB of the learnt), 0 when none does
   * (a caller). The probe's first 5 ms only; `this.xb` is left at the frame's current alignment.
   */
  private trySlips(frame: Int16Array, behind: number, yProbe: number): number {
    for (let k = 0; k < SLIPS.length; k++) {
      const d = SLIPS[k]!;
      const back = this.origin - (FRAME_SAMPLES - 1) + behind + d * FRAME_SAMPLES;
      if (back < 1 || Math.abs(this.slip + d) > MAX_SLIP) continue;
      this.reference.copy(this.xb, 0, this.xb.length, back);
      const e = this.probeEnergy(frame);
      // As well cancelled as usual (within 6 dB, and at least 12): a caller is not cancelled at any shift.
      if (10 * Math.log10((yProbe + 1) / (e + 1)) >= Math.max(12, this.erleDb - 6)) return d;
    }
    const back = this.origin - (FRAME_SAMPLES - 1) + behind;
    this.reference.copy(this.xb, 0, this.xb.length, back);
    return 0;
  }

  /** Follow the aligner: place the filter on its delay; a move within the filter keeps what it learnt. */
  private place(): void {
    const d = this.aligner.delaySamples;
    if (d === 0) return;
    const origin = Math.max(1, d - this.lead);
    if (origin === this.origin) return;
    // Where the filter really sits is its origin plus the slip (whole ticks it was read further back):
    // the aligner catching up with an echo the slip already followed is not a move of the echo.
    const shift = this.origin < 0 ? this.taps : origin - (this.origin + this.slip * FRAME_SAMPLES); // tap j now means delay origin + j
    // A filter seen cancelling the echo within the last PLACE_HOLD_FRAMES loud frames is where the
    // echo is, whatever the aligner now says: in a real call the aligner moved a filter cancelling 18–21 dB by a tick, at a
    // caller's first syllable, and it cancelled nothing after (bench/barge-in --trace, 2026-12-07).
    // An echo that really moved stops being cancelled (the slip search or, 25 loud frames on, this move follows it).
    if (this.origin >= 0 && Math.abs(shift) > SAME_PLACE && this.sinceProven < PLACE_HOLD_FRAMES) return;
    const w = this.w;
    if (this.origin < 0) {
      w.fill(0);
      this.adaptedHere = 0;
      this.yPow = this.ePow = this.erleDb = 0;
    } else if (Math.abs(shift) >= this.taps) {
      // The echo jumped further than the filter spans: the path itself moved (a jitter buffer that
      // dropped or added frames), not the estimate of it — so the filter keeps its shape relative to
      // the delay, and re-converges from there instead of from nothing (a reset at a caller's first
      // syllable left the energy test alone to judge him: 330 ms instead of 270 in a real call).
    } else if (shift > 0) w.copyWithin(0, shift).fill(0, this.taps - shift);
    else w.copyWithin(-shift, 0, this.taps + shift).fill(0, 0, -shift);
    // The echo moved: what the filter learnt sits where the echo was, so its residual is large
    // until it learns again — which the residual rule would take for a caller and freeze on. Until
    // it has converged here again, the Geigel rule decides (and the residual is not vouched for).
    // A move of a few ms where the filter already was (the aligner refining its estimate, or catching
    // up with the slip: 2,720 samples and a slip of −4 ticks, then 2,036 — 44 samples) keeps the
    // convergence: resetting it there lost the canceller's trust for a second just as a caller began
    // (bench/barge-in's −10 dB/200 ms trial: his first 200 ms judged by the energy test alone, as echo).
    if (this.origin >= 0 && Math.abs(shift) > SAME_PLACE) this.adaptedHere = 0;
    // Even a move that keeps the convergence must be seen cancelling before its residual is vouched
    // for (the first frame after a 2-tick catch-up came out uncancelled, in echo-moves.unit.test.ts).
    if (this.origin >= 0) this.sincePause = 0;
    this.origin = origin;
    this.slip = 0;
  }

  /** Σe² of the probe's samples with the filter as it is (nothing written). */
  private probeEnergy(frame: Int16Array): number {
    const { w, xb } = this;
    const n = this.taps;
    let ePow = 0;
    for (let i = 0; i < PROBE; i++) {
      let acc = 0;
      const top = n - 1 + i;
      for (let j = 0; j < n; j++) acc += w[j]! * xb[top - j]!;
      const e = frame[i]! - acc;
      ePow += e * e;
    }
    return ePow;
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

  /**
   * IPNLMS over the frame, sample by sample; returns Σe². Each tap's step is proportioned to its
   * weight (gains fixed for the frame): an echo path is sparse — a bulk delay the aligner removed,
   * then a few ms of dispersion — and plain NLMS on speech (a coloured reference) spreads its
   * weights over all 256 taps and converged so slowly that a real call's filter, right for one
   * vowel, failed on the next (measured: residual above the echo on a path that had not moved).
   */
  private adapt(frame: Int16Array, mu: number): number {
    const { w, xb, gain } = this;
    const n = this.taps;
    let l1 = 0;
    for (let j = 0; j < n; j++) l1 += w[j]! < 0 ? -w[j]! : w[j]!;
    // k_j·n: (1 − α)/2 + (1 + α)·n·|w_j| / (2‖w‖₁), mean 1 (α = IPNLMS_ALPHA): NLMS while w is empty.
    const even = (1 - IPNLMS_ALPHA) / 2;
    const prop = l1 > 0 ? ((1 + IPNLMS_ALPHA) * n) / (2 * l1) : 0;
    for (let j = 0; j < n; j++) gain[j] = l1 > 0 ? even + prop * (w[j]! < 0 ? -w[j]! : w[j]!) : 1;
    // Speech is loud below 1 kHz and quiet above (a coloured reference: NLMS learns its weak bands
    // slowly). The filter learns on the pre-emphasised signals (1 − a·z⁻¹ on both: the echo path
    // commutes with it), which whitens most of that tilt; it still cancels the signals as they are.
    // The residual handed on and judged is each sample's a-priori error (the filter as it stood before
    // that sample taught it), as in plain NLMS: the residual of the frame after adapting on all of it
    // would have fitted part of a caller who starts in it and hidden him from the rollback and from
    // barge-in (seen in a real call: a −25 dBFS caller cancelled to −48 dBFS; the filter then diverged).
    const residual = this.residual;
    let ePow = 0;
    const xw = this.xw;
    xw[0] = xb[0]! * (1 - PRE_EMPHASIS); // the oldest sample's predecessor is not at hand: one tap of one sample
    for (let k = 1; k < xb.length; k++) xw[k] = xb[k]! - PRE_EMPHASIS * xb[k - 1]!;
    let yPrev = this.yPrev;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const top = n - 1 + i;
      let acc = 0;
      let accRaw = 0;
      let p = 0; // x_wᵀ K x_w: the step's normaliser, proportioned like the step
      for (let j = 0; j < n; j++) {
        const x = xw[top - j]!;
        const wj = w[j]!;
        acc += wj * x;
        accRaw += wj * xb[top - j]!;
        p += gain[j]! * x * x;
      }
      const y = frame[i]!;
      const e = y - accRaw;
      ePow += e * e;
      residual[i] = e > 32767 ? 32767 : e < -32768 ? -32768 : Math.round(e);
      const g = (mu * (y - PRE_EMPHASIS * yPrev - acc)) / (p + this.delta);
      yPrev = y;
      for (let j = 0; j < n; j++) w[j]! += g * gain[j]! * xw[top - j]!;
    }
    this.yPrev = yPrev;
    return ePow;
  }

  /** Whether this frame's filter span held nothing we sent; a pause long enough asks for the echo to be cancelled again before the residual is vouched for. */
  private pausing(silent: boolean): void {
    if (!silent) {
      this.pauseFrames = 0;
      return;
    }
    if (++this.pauseFrames === PAUSE_FRAMES) this.sincePause = 0;
  }

  /** A received frame loud enough (PROVEN_OVER_FLOOR over the residual floor) for its cancellation to prove where the echo is. */
  private canProve(yPow: number): boolean {
    return yPow > FRAME_SAMPLES * this.floorPow * PROVEN_OVER_FLOOR;
  }

  /** Mean square of the sent samples under the filter for this frame (`xb`, as placed). */
  private spanPower(): number {
    const x = this.xb;
    let p = 0;
    for (let i = 0; i < x.length; i++) p += x[i]! * x[i]!;
    return p / x.length;
  }

  /** Mean square of the sent samples within `maxBack` of the reference's end. */
  private windowPower(maxBack: number): number {
    const ref = this.reference;
    const frames = Math.min(ref.capacity - 1, Math.ceil(maxBack / FRAME_SAMPLES));
    const db = ref.maxDb(0, frames);
    return (32768 * 10 ** (db / 20)) ** 2;
  }

  /** Loudest sent sample where the echo can come from (under the filter once placed, the whole window before or when asked). */
  private peakSent(behind: number, wholeWindow = false): number {
    const ref = this.reference;
    const wide = wholeWindow || this.origin < 0;
    const from = wide ? 1 : Math.max(1, this.origin - (FRAME_SAMPLES - 1) + behind);
    const to = wide ? this.aligner.maxLag * 4 : this.origin + this.taps - 1 + behind;
    let m = 0;
    for (let b = from; b <= to; b += 1) {
      const v = ref.sample(b);
      if (v > m) m = v;
      else if (-v > m) m = -v;
    }
    return m;
  }
}
