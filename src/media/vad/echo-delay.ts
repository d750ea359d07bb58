/**
 * Where in what we sent is the echo? The lag (in 20 ms ticks) at which the received frame energies
 * follow the sent ones best: a normalised cross-correlation of the two energy envelopes (dB,
 * floored), one running sum per candidate lag with exponential forgetting (~3 s). Knowing the lag,
 * the double-talk test compares a caller frame with the frames sent around that lag instead of the
 * loudest frame of the whole 400 ms window — which made it deaf to a caller quieter than the
 * prompt's peaks. Fed only with frames that are not the caller's (double-talk would skew it).
 * Cost: ~4 multiply-adds per candidate lag per frame, preallocated.
 */
import type { EchoReference } from './echo-reference.js';

const FLOOR_DB = -70;
const ALPHA = 1 / 150; // ~3 s of frames
/** Frames before an estimate is trusted. */
const WARMUP = 50;

export class EchoDelayEstimator {
  private readonly sxy: Float64Array;
  private readonly sentMean: Float64Array;
  private readonly sentVar: Float64Array;
  private recvMean = FLOOR_DB;
  private recvVar = 0;
  private frames = 0;

  constructor(
    private readonly reference: EchoReference,
    private readonly maxLag: number,
    /** Correlation from which the best lag is trusted. */
    private readonly minCorrelation = 0.5,
  ) {
    this.sxy = new Float64Array(maxLag + 1);
    this.sentMean = new Float64Array(maxLag + 1).fill(FLOOR_DB);
    this.sentVar = new Float64Array(maxLag + 1);
  }

  /** One received frame (dBFS) of a tick on which the echo-delay window holds something we sent. */
  update(receivedDb: number): void {
    const x = Math.max(FLOOR_DB, receivedDb);
    this.recvMean += ALPHA * (x - this.recvMean);
    const dx = x - this.recvMean;
    this.recvVar += ALPHA * (dx * dx - this.recvVar);
    for (let lag = 1; lag <= this.maxLag; lag++) {
      const y = Math.max(FLOOR_DB, this.reference.at(lag));
      this.sentMean[lag]! += ALPHA * (y - this.sentMean[lag]!);
      const dy = y - this.sentMean[lag]!;
      this.sentVar[lag]! += ALPHA * (dy * dy - this.sentVar[lag]!);
      this.sxy[lag]! += ALPHA * (dx * dy - this.sxy[lag]!);
    }
    this.frames++;
  }

  /** Enough frames seen for `lag()` to mean something: 0 then says "no echo follows what we send". */
  get warm(): boolean {
    return this.frames >= WARMUP;
  }

  /** The echo's lag in ticks, or 0 while there is no trustworthy estimate. */
  lag(): number {
    if (this.frames < WARMUP) return 0;
    let best = 0;
    let bestCorr = this.minCorrelation;
    for (let lag = 1; lag <= this.maxLag; lag++) {
      const d = Math.sqrt(this.recvVar * this.sentVar[lag]!);
      const c = d > 0 ? this.sxy[lag]! / d : 0;
      if (c > bestCorr) (bestCorr = c), (best = lag);
    }
    return best;
  }
}
