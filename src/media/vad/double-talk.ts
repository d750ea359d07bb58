/**
 * Is a caller frame heard while we play the caller's own voice, or our echo coming back?
 * A Geigel-style double-talk test on frame energies: over the echo-delay window, the loudest frame
 * we sent, attenuated by the echo return loss (ERL), bounds what an echo can bring back; a caller
 * frame clearly louder than that bound is near-end speech.
 *
 *   attenuation A = max sent (dBFS, echo window) − received (dBFS)
 *   near end  ⇔  A < threshold,  threshold = max(minErlDb, erl − marginDb)
 *
 * The window narrows to the frames sent around the echo's lag once echo-delay.ts has found it
 * (±`lagSlackFrames`, for a jitter buffer that moves by a frame or two); when a second of prompt
 * has shown no echo that follows it (no lag correlates), the line has no echo path and the test
 * steps aside — otherwise a caller no louder than the prompt's peaks would go unheard.
 *
 * The ERL is learnt while only echo is heard (frames with signal that the test classes as echo):
 * a lower envelope of A (falls fast, rises slowly), so a quiet speakerphone (−25 dB echo) makes the
 * test more sensitive to the caller, and a loud one (−10 dB) keeps the classic 6 dB Geigel margin.
 * Learning only ever raises the threshold above `minErlDb` — a line with no echo at all keeps the
 * classic test. An echo louder than `minErlDb` below what we sent, or delayed past the window,
 * is heard as the caller.
 */
import { FRAME_MS } from '../frames.js';
import type { EchoReference } from './echo-reference.js';
import { EchoDelayEstimator } from './echo-delay.js';
import type { CancellerOptions } from './echo-canceller.js';

export interface EchoOptions {
  /** Longest round trip of our audio back to us, network and jitter buffer included. Default 400 ms. */
  maxDelayMs?: number;
  /** The least echo return loss assumed (dB); Geigel's classic 6 dB. */
  minErlDb?: number;
  /** Below the learnt ERL a frame must be by this much to be the caller (dB). Default 6. */
  marginDb?: number;
  /** Sent frames quieter than this cannot leave an audible echo (dBFS). Default −55. */
  minSentDbfs?: number;
  /** Frames either side of the estimated echo lag that may hold the echo's source. Default 2. */
  lagSlackFrames?: number;
  /**
   * Cancel the echo (echo-canceller.ts) before anything judges the frame, and judge what is left
   * (`judgeResidual`). Default true; false: this energy test alone (the old rule).
   */
  cancel?: boolean | CancellerOptions;
}

export type EchoVerdict = 'near' | 'echo' | 'no-reference';

export class DoubleTalkDetector {
  /** Learnt echo return loss (dB). */
  erlDb: number;
  private readonly maxLag: number;
  private readonly minErl: number;
  private readonly margin: number;
  private readonly minSent: number;
  private readonly slack: number;
  readonly delay: EchoDelayEstimator;

  constructor(
    private readonly reference: EchoReference,
    opts: EchoOptions = {},
  ) {
    this.maxLag = Math.min(reference.capacity - 1, Math.ceil((opts.maxDelayMs ?? 400) / FRAME_MS));
    this.minErl = opts.minErlDb ?? 6;
    this.margin = opts.marginDb ?? 6;
    this.minSent = opts.minSentDbfs ?? -55;
    this.slack = opts.lagSlackFrames ?? 2;
    this.delay = new EchoDelayEstimator(reference, this.maxLag);
    this.erlDb = this.minErl + this.margin;
  }

  get thresholdDb(): number {
    return Math.max(this.minErl, this.erlDb - this.margin);
  }

  /**
   * Judge one caller frame of `receivedDb` dBFS that the VAD calls `speech`. `hasSignal`: the frame
   * stands out of the line noise (only such frames teach the ERL). Every frame played over should
   * be judged: the quiet ones teach the echo's delay.
   */
  judge(receivedDb: number, speech: boolean, hasSignal: boolean): EchoVerdict | 'silence' {
    // Lag 0 is the frame sent on this very tick, after the caller frame was read: never its echo.
    if (this.reference.maxDb(1, this.maxLag) < this.minSent) return speech ? 'no-reference' : 'silence';
    if (!speech) {
      this.delay.update(receivedDb);
      return 'silence';
    }
    const lag = this.delay.lag();
    // A second of prompt and nothing on the line follows it: no echo path, every speech frame is the caller.
    if (lag === 0 && this.delay.warm) return 'no-reference';
    const ref = lag ? this.reference.maxDb(Math.max(1, lag - this.slack), lag + this.slack) : this.reference.maxDb(1, this.maxLag);
    if (ref < this.minSent) return 'no-reference'; // nothing sent where the echo would come from
    const a = ref - receivedDb;
    if (a < this.thresholdDb) return 'near';
    this.delay.update(receivedDb);
    if (hasSignal) this.learn(a);
    return 'echo';
  }

  /**
   * A speech frame `judge` called echo, seen again after the echo canceller: `residualDb` is what
   * the canceller left of it, `enhancementDb` the echo return loss enhancement it can be credited
   * with. The echo, cancelled, comes back ERL + enhancement below what we sent; a caller quieter
   * than the echo is not cancelled and stands out of the residual.
   */
  judgeResidual(residualDb: number, enhancementDb: number): EchoVerdict {
    const lag = this.delay.lag();
    const ref = lag ? this.reference.maxDb(Math.max(1, lag - this.slack), lag + this.slack) : this.reference.maxDb(1, this.maxLag);
    return ref - residualDb < this.thresholdDb + enhancementDb ? 'near' : 'echo';
  }

  private learn(a: number): void {
    const rate = a < this.erlDb ? 0.2 : 0.02;
    this.erlDb = Math.min(45, this.erlDb + rate * (a - this.erlDb));
  }
}
