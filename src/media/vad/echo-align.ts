/**
 * Where, to the sample, does our echo come back? The bulk delay of the echo path found by a
 * normalised cross-correlation of the received audio with what the call sent, decimated by 4 (2 kHz:
 * the voiced band where an echo has its energy; a 4-sample grid the canceller's taps absorb), over
 * every delay up to the echo window (400 ms by default), with exponential forgetting (~33 updates: under a second).
 * Unlike echo-delay.ts (frame energies, 20 ms steps), this sees the waveform: the canceller places
 * its short adaptive filter around the delay found here instead of spanning the whole window.
 *
 *   r(ℓ) = Σ y_d[q]·x_d[q−ℓ] / √(Σ y_d² · Σ x_d²)     (y_d, x_d: 4-sample means; ℓ in 4-sample steps)
 *
 * The delay is trusted once the best lag has kept its place (±2 steps) for `STABLE` updates with
 * r ≥ `MIN_CORR`; a new best must beat the trusted one by a margin before it replaces it (a
 * filtered echo path has side peaks a pitch period away). Fed only with frames the canceller
 * believes echo-only. Cost: ~(window/4)·40 multiply-adds per update, preallocated.
 */
import { FRAME_SAMPLES } from '../frames.js';
import type { EchoReference } from './echo-reference.js';

const DEC = 4;
const BLOCKS = FRAME_SAMPLES / DEC; // 40 decimated samples per frame
const FORGET = 0.97;
const MIN_CORR = 0.3;
const STABLE = 8;
const SWITCH_MARGIN = 0.1;

export class EchoAligner {
  /** Decimated lags searched: 1 … maxLag (delays of 4…4·maxLag samples). */
  readonly maxLag: number;
  private readonly c: Float64Array;
  private readonly ex: Float64Array;
  private ey = 0;
  private readonly yd = new Float64Array(BLOCKS);
  /** Decimated reference, xr[r] = mean of the samples 4r+1 … 4r+4 before the reference's end. */
  private readonly xr: Float64Array;
  private readonly xr2: Float64Array; // prefix sums of xr²
  private candidate = 0;
  private candidateRuns = 0;
  /** Trusted delay in samples (0: none yet). */
  delaySamples = 0;
  /** Correlation at the trusted delay (last update). */
  correlation = 0;
  updates = 0;

  constructor(
    private readonly reference: EchoReference,
    maxDelaySamples: number,
  ) {
    this.maxLag = Math.max(BLOCKS + 1, Math.floor(Math.min(maxDelaySamples, (reference.capacity - 1) * FRAME_SAMPLES) / DEC));
    this.c = new Float64Array(this.maxLag + 1);
    this.ex = new Float64Array(this.maxLag + 1);
    this.xr = new Float64Array(this.maxLag);
    this.xr2 = new Float64Array(this.maxLag + 1);
  }

  /** One received frame (160 samples) believed to be echo only, read before this tick's sent frame is recorded. */
  update(frame: ArrayLike<number>): void {
    const yd = this.yd;
    let ey = 0;
    for (let q = 0; q < BLOCKS; q++) {
      const o = q * DEC;
      const v = (frame[o]! + frame[o + 1]! + frame[o + 2]! + frame[o + 3]!) / DEC;
      yd[q] = v;
      ey += v * v;
    }
    const xr = this.xr;
    const xr2 = this.xr2;
    this.reference.decimate4(xr, this.maxLag);
    xr2[0] = 0;
    for (let r = 0; r < this.maxLag; r++) xr2[r + 1] = xr2[r]! + xr[r]! * xr[r]!;
    this.ey = FORGET * this.ey + ey;
    // Lag ℓ pairs y_d[q] with xr[ℓ − q − 1] (q + 1 > ℓ: not yet sent, 0).
    for (let l = 1; l <= this.maxLag; l++) {
      let acc = 0;
      const qMax = Math.min(BLOCKS - 1, l - 1);
      for (let q = 0; q <= qMax; q++) acc += yd[q]! * xr[l - q - 1]!;
      this.c[l] = FORGET * this.c[l]! + acc;
      // Σ_{q=0}^{qMax} xr[ℓ−q−1]² = prefix(ℓ) − prefix(ℓ−qMax−1)
      this.ex[l] = FORGET * this.ex[l]! + (xr2[l]! - xr2[l - qMax - 1]!);
    }
    this.updates++;
    this.choose();
  }

  /** Normalised correlation at decimated lag `l`. */
  corr(l: number): number {
    const d = Math.sqrt(this.ey * this.ex[l]!);
    return d > 0 ? Math.abs(this.c[l]!) / d : 0;
  }

  private choose(): void {
    let best = 0;
    let bestCorr = MIN_CORR;
    for (let l = 1; l <= this.maxLag; l++) {
      const r = this.corr(l);
      if (r > bestCorr) (bestCorr = r), (best = l);
    }
    const trusted = this.delaySamples / DEC;
    this.correlation = trusted ? this.corr(trusted) : 0;
    if (best === 0) return void (this.candidateRuns = 0);
    if (Math.abs(best - this.candidate) <= 2) this.candidateRuns++;
    else (this.candidate = best), (this.candidateRuns = 1);
    if (this.candidateRuns < STABLE) return;
    if (trusted && Math.abs(best - trusted) <= 2) return;
    if (trusted && bestCorr < this.correlation + SWITCH_MARGIN) return;
    this.delaySamples = best * DEC;
    this.correlation = bestCorr;
  }
}
