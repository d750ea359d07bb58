/**
 * When does caller audio heard during a prompt count as an interruption? Frame by frame, while the
 * call plays: a frame counts toward barge-in when the VAD calls it speech AND it is near-end — not
 * the delayed, attenuated copy of what we sent (double-talk.ts) — and the interruption is raised
 * once it has lasted `minSpeechMs` — from its first such frame, across gaps of up to `maxGapMs` (the
 * pauses between words: "go … forward"), with at least half of it such frames — and at least
 * `minVoicedMs` of them were voiced (voicing.ts): a noise burst, a click or our own echo add up to
 * nothing.
 *
 * With the echo test on, an echo canceller (echo-canceller.ts) first takes our own audio out of
 * the frame: the Endpointer hands the residual (`cancel`) to the VAD, this detector, the voicing
 * meter and the utterance, and the double-talk test judges what is left of the echo.
 *
 * Without options it is the old rule — `minSpeechMs` of consecutive speech, no echo or voicing
 * test — so the Endpointer's `bargeInFrames` keeps its meaning.
 */
import { FRAME_MS } from '../frames.js';
import { DoubleTalkDetector, type EchoOptions, type EchoVerdict } from './double-talk.js';
import type { EchoReference } from './echo-reference.js';
import { VoicingMeter } from './voicing.js';
import { frameEnergyDbfs } from './energy-vad.js';
import { EchoCanceller } from './echo-canceller.js';

export interface BargeInOptions {
  /** Near-end speech that makes an interruption (ms). Default 200. */
  minSpeechMs?: number;
  /** Longest run of non-speech frames inside it (ms). Default 200. */
  maxGapMs?: number;
  /** Of which voiced (periodic) frames, at least (ms); 0 turns the test off. Default 80. */
  minVoicedMs?: number;
  /** Periodicity (0…1) from which a frame is voiced. Default 0.6. */
  voicedAbove?: number;
  /** The double-talk test against what the call sent; false: every speech frame is the caller. */
  echo?: EchoOptions | false;
}

/** The old rule: consecutive speech frames, nothing else. */
export function plainBargeIn(minSpeechMs: number): BargeInOptions {
  return { minSpeechMs, maxGapMs: 0, minVoicedMs: 0, echo: false };
}

export class BargeInDetector {
  readonly doubleTalk?: DoubleTalkDetector;
  readonly canceller?: EchoCanceller;
  /** The energy of the frame as received (before cancellation), which the double-talk test learns on. */
  private rawDb = 0;
  private readonly minSpeechMs: number;
  private readonly maxGapMs: number;
  private readonly minVoicedMs: number;
  private readonly voicedAbove: number;
  private readonly voicing?: VoicingMeter;
  private nearMs = 0;
  private spanMs = 0;
  private voicedMs = 0;
  private gapMs = 0;
  /** The last frame's echo verdict (for tests and the bench). */
  lastVerdict: EchoVerdict | 'silence' = 'silence';

  constructor(opts: BargeInOptions = {}, reference?: EchoReference) {
    this.minSpeechMs = opts.minSpeechMs ?? 200;
    this.maxGapMs = opts.maxGapMs ?? 200;
    this.minVoicedMs = opts.minVoicedMs ?? 80;
    this.voicedAbove = opts.voicedAbove ?? 0.6;
    if (this.minVoicedMs > 0) this.voicing = new VoicingMeter();
    if (reference && opts.echo !== false) {
      const echo = opts.echo ?? {};
      this.doubleTalk = new DoubleTalkDetector(reference, echo);
      if (echo.cancel !== false) this.canceller = new EchoCanceller(reference, { ...(echo.maxDelayMs !== undefined ? { maxDelayMs: echo.maxDelayMs } : {}), ...(typeof echo.cancel === 'object' ? echo.cancel : {}) });
    }
  }

  /**
   * A caller frame heard while playing, before anything judges it: our echo taken out (the
   * canceller's residual, valid until the next frame), or the frame itself without a canceller.
   * `behindTicks`: the frame belongs to that many ticks ago (EchoCanceller.process).
   */
  cancel(frame: Int16Array, behindTicks = 0): Int16Array {
    if (!this.canceller) return frame;
    this.rawDb = frameEnergyDbfs(frame);
    return this.canceller.process(frame, behindTicks);
  }

  /**
   * The canceller's residual may be judged: it has converged where it is (EchoCanceller.trusted), and
   * where it is agrees with where the energy test finds the echo (±2 ticks; the energy lag counts from
   * the tick before) — a canceller left behind by a moved echo path leaves echo that looks like a caller.
   */
  private cancellerVouches(): boolean {
    const c = this.canceller;
    if (!c?.trusted) return false;
    const lag = this.doubleTalk!.delay.lag();
    return lag === 0 || Math.abs(c.delayTicks - (lag + 1)) <= 2;
  }

  /** How long ago the interruption being counted began (ms, to the end of the last frame). */
  get startedMsAgo(): number {
    return this.spanMs + this.gapMs;
  }

  /** Nothing is playing: whatever was counted is forgotten. */
  reset(): void {
    this.nearMs = this.spanMs = this.voicedMs = this.gapMs = 0;
  }

  /**
   * One caller frame while playing. `speech`: the VAD's decision (energy or neural: the detector
   * needs nothing else of it); `noiseDb`: the line's noise floor if the VAD knows it (dBFS; only
   * frames above it teach the echo return loss). True while the near-end speech counts as a barge-in.
   */
  frame(frame: Int16Array, speech: boolean, noiseDb = -60): boolean {
    this.voicing?.push(frame); // keeps its 40 ms window current
    if (this.doubleTalk) {
      // The energy test learns on the frame as received (its ERL and the echo's lag are the line's);
      // what it calls echo is judged again on the residual while the canceller vouches for it.
      const energyDb = this.canceller ? this.rawDb : frameEnergyDbfs(frame);
      const signal = energyDb > noiseDb + 6;
      // With a canceller the VAD hears the residual and calls most echo frames silence; the energy
      // test still learns the line's ERL from them (as when the VAD heard the echo). Only a frame
      // the VAD calls speech can count as near-end below.
      this.lastVerdict = this.doubleTalk.judge(energyDb, speech || (this.canceller !== undefined && signal), signal);
      if (this.lastVerdict === 'echo' && this.cancellerVouches()) this.lastVerdict = this.doubleTalk.judgeResidual(frameEnergyDbfs(frame), this.canceller!.erleDb * 0.5);
    } else this.lastVerdict = speech ? 'near' : 'silence';
    const near = speech && this.lastVerdict !== 'echo';
    if (near) {
      this.nearMs += FRAME_MS;
      this.spanMs += this.gapMs + FRAME_MS;
      if (this.voicing && this.voicedMs < this.minVoicedMs && this.voicing.periodicity() >= this.voicedAbove) this.voicedMs += FRAME_MS;
      this.gapMs = 0;
    } else if (this.nearMs > 0 && (this.gapMs += FRAME_MS) > this.maxGapMs) this.reset();
    return this.spanMs >= this.minSpeechMs && this.nearMs * 2 >= this.minSpeechMs && this.voicedMs >= this.minVoicedMs;
  }
}
