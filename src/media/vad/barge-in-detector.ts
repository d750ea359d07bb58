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
 * A VAD whose decision lags the audio (Silero: a 32 ms window and an asynchronous inference, so it
 * says "speech" up to three frames after the audio began — `FrameVad.decisionLagFrames`) would make
 * every interruption that much later. So frames just before its first "speech" that carried signal
 * and that the echo test did not call echo (the lead) are counted when the VAD confirms, at most
 * `vadLagFrames` of them: the interruption is measured from when the caller began, as the energy VAD
 * measures it. A noise burst the VAD never confirms still adds up to nothing, and a lead frame the
 * echo test could not judge (no canceller running, so it was not asked) is not counted.
 *
 * Without options it is the old rule — `minSpeechMs` of consecutive speech, no echo or voicing
 * test — so the Endpointer's `bargeInFrames` keeps its meaning.
 */
import { FRAME_MS, FRAME_SAMPLES } from '../frames.js';
import { DoubleTalkDetector, type EchoOptions, type EchoVerdict } from './double-talk.js';
import type { EchoReference } from './echo-reference.js';
import { VoicingMeter } from './voicing.js';
import { frameEnergyDbfs } from './energy-vad.js';
import { EchoCanceller } from './echo-canceller.js';

const SILENT_FRAME = new Int16Array(FRAME_SAMPLES);

/** Frames of prompt in which the canceller's aligner must find an echo, or it stops running (2 s). */
const PROBE_FRAMES = 100;
/** Then it looks again for REPROBE_FRAMES every REPROBE_EVERY frames (1 s every 10 s). */
const REPROBE_EVERY = 500;
const REPROBE_FRAMES = 50;

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
  /** An echo that follows what we send has been found on this call: the canceller runs from then on. */
  private echoFound = false;
  private idleFrames = 0;
  /** The frame being judged is the canceller's residual (not the frame as received). */
  private cancelling = false;
  private readonly minSpeechMs: number;
  private readonly maxGapMs: number;
  private readonly minVoicedMs: number;
  private readonly voicedAbove: number;
  private readonly voicing?: VoicingMeter;
  private nearMs = 0;
  private spanMs = 0;
  private voicedMs = 0;
  private gapMs = 0;
  /** Frames in a row, up to this one, that carried signal the echo test called near-end while the VAD said silence. */
  private lead = 0;
  /**
   * With a late VAD and the voicing test: the last `vadLagFrames + 2` frames heard (a ring), so the
   * voicing of the lead frames that count is measured once, when the VAD confirms, rather than on every
   * frame that might turn out to be lead (the autocorrelation is the detector's costly part).
   */
  private readonly recent: Int16Array[] = [];
  private heard = 0;
  /** Measures a lead frame's voicing from `recent` (the same 40 ms window `voicing` had then). */
  private readonly leadVoicing?: VoicingMeter;
  /** The last frame's echo verdict (for tests and the bench). */
  lastVerdict: EchoVerdict | 'silence' = 'silence';

  /** `vadLagFrames`: how many frames the VAD's decision may lag the audio (FrameVad.decisionLagFrames; 0: none). */
  constructor(
    opts: BargeInOptions = {},
    reference?: EchoReference,
    private readonly vadLagFrames = 0,
  ) {
    this.minSpeechMs = opts.minSpeechMs ?? 200;
    this.maxGapMs = opts.maxGapMs ?? 200;
    this.minVoicedMs = opts.minVoicedMs ?? 80;
    this.voicedAbove = opts.voicedAbove ?? 0.6;
    if (this.minVoicedMs > 0) this.voicing = new VoicingMeter();
    if (this.voicing && vadLagFrames > 0) {
      this.leadVoicing = new VoicingMeter();
      for (let i = 0; i < vadLagFrames + 2; i++) this.recent.push(new Int16Array(FRAME_SAMPLES));
    }
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
    this.cancelling = false;
    if (!this.canceller) return frame;
    this.rawDb = frameEnergyDbfs(frame);
    // Most lines have no echo path (handsets, trunks that cancel their own echo): when two seconds
    // of prompt have not let the canceller's aligner find an echo that follows what we send, the
    // canceller stops running (≈ 40 µs a frame for the aligner alone, ≈ 300 µs adapting), except
    // for a one-second look every ten seconds of prompt (a caller who turns the speakerphone on).
    // An echo found keeps it on for the rest of the call; meanwhile the energy test judges alone.
    if (!this.echoFound) {
      if (this.canceller.delaySamples > 0) this.echoFound = true;
      else if (this.canceller.counts.withReference >= PROBE_FRAMES && this.idleFrames++ % REPROBE_EVERY < REPROBE_EVERY - REPROBE_FRAMES) return frame;
    }
    this.cancelling = true;
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
    this.nearMs = this.spanMs = this.voicedMs = this.gapMs = this.lead = 0;
  }

  /**
   * One caller frame while playing. `speech`: the VAD's decision (energy or neural: the detector
   * needs nothing else of it); `noiseDb`: the line's noise floor if the VAD knows it (dBFS; only
   * frames above it teach the echo return loss). True while the near-end speech counts as a barge-in.
   */
  frame(frame: Int16Array, speech: boolean, noiseDb = -60): boolean {
    this.voicing?.push(frame); // keeps its 40 ms window current
    if (this.recent.length > 0) this.recent[this.heard++ % this.recent.length]!.set(frame.subarray(0, FRAME_SAMPLES));
    let signal = false;
    if (this.doubleTalk) {
      // The energy test learns on the frame as received (its ERL and the echo's lag are the line's);
      // what it calls echo is judged again on the residual while the canceller vouches for it.
      const energyDb = this.cancelling ? this.rawDb : frameEnergyDbfs(frame);
      signal = energyDb > noiseDb + 6;
      // With a canceller the VAD hears the residual and calls most echo frames silence; the energy
      // test still learns the line's ERL from them (as when the VAD heard the echo). Only a frame
      // the VAD calls speech can count as near-end below.
      this.lastVerdict = this.doubleTalk.judge(energyDb, speech || (this.cancelling && signal), signal);
      if (this.lastVerdict === 'echo' && this.cancelling && this.cancellerVouches()) this.lastVerdict = this.doubleTalk.judgeResidual(frameEnergyDbfs(frame), this.canceller!.erleDb * 0.5);
    } else {
      this.lastVerdict = speech ? 'near' : 'silence';
      signal = this.vadLagFrames > 0 && frameEnergyDbfs(frame) > noiseDb + 6;
    }
    const near = speech && this.lastVerdict !== 'echo';
    if (near) {
      if (this.nearMs === 0 && this.lead > 0) this.countLead();
      this.lead = 0;
      this.nearMs += FRAME_MS;
      this.spanMs += this.gapMs + FRAME_MS;
      if (this.voicing && this.voicedMs < this.minVoicedMs && this.voicing.periodicity() >= this.voicedAbove) this.voicedMs += FRAME_MS;
      this.gapMs = 0;
    } else {
      this.trackLead(signal);
      if (this.nearMs > 0 && (this.gapMs += FRAME_MS) > this.maxGapMs) this.reset();
    }
    return this.spanMs >= this.minSpeechMs && this.nearMs * 2 >= this.minSpeechMs && this.voicedMs >= this.minVoicedMs;
  }

  /** A frame the VAD called silence: part of the lead if it had signal the echo test called near-end (asked: not 'silence'). */
  private trackLead(signal: boolean): void {
    if (this.vadLagFrames === 0 || this.nearMs > 0) return;
    const v = this.lastVerdict;
    const judged = this.doubleTalk ? v === 'near' || v === 'no-reference' : true;
    this.lead = signal && judged ? this.lead + 1 : 0;
  }

  /** The VAD confirmed speech: the lead its lag hid counts, up to `vadLagFrames` frames (newest first). */
  private countLead(): void {
    const n = Math.min(this.lead, this.vadLagFrames);
    this.nearMs += n * FRAME_MS;
    this.spanMs += n * FRAME_MS;
    // Lead frame k frames before this one was heard `heard - 1 - k`th; its voicing window is it and the frame before.
    const meter = this.leadVoicing;
    for (let k = 1; meter && k <= n && this.voicedMs < this.minVoicedMs; k++) {
      meter.push(this.recentFrame(this.heard - 2 - k));
      meter.push(this.recentFrame(this.heard - 1 - k));
      if (meter.periodicity() >= this.voicedAbove) this.voicedMs += FRAME_MS;
    }
  }

  /** The `i`th frame heard (from 0), or silence before the first. */
  private recentFrame(i: number): Int16Array {
    return i >= 0 ? this.recent[i % this.recent.length]! : SILENT_FRAME;
  }
}
