/**
 * Turns a stream of 20 ms PCM16 frames (8 kHz) into utterances for speech to text, and raises
 * barge-in while a prompt is playing. Owns the utterance state machine; the frame-level speech
 * decision is a `FrameVad`'s (`EnergyVad` unless `opts.vad` is a factory, e.g. Silero: frame-vad.ts).
 *
 *   silence ──(onsetFrames speech frames in a row)──▶ speech   → onSpeechStart(startMs)
 *   speech  ──(silenceHangoverMs of non-speech)──────▶ silence  → onUtterance | onDiscard
 *   speech  ──(maxUtteranceMs reached)───────────────▶ silence  → onUtterance { truncated: true }
 *   near-end speech while `playing` (barge-in-detector.ts)       → onBargeIn(atMs), once per utterance
 *   (an utterance that was our own echo until the caller spoke restarts at the barge-in's first
 *    near-end frame, less the pre-roll: the recogniser hears the caller, not seconds of our prompt)
 *   speech  ──(pauseProbeMs of non-speech)───────────▶ onPause({ id, utterance }) (once per pause)
 *   pause approved by endAtPause(id, h), silence ≥ h ──▶ silence  → onUtterance(the pause's utterance)
 *
 * Adaptive endpointing: the fixed hangover (`silenceHangoverMs`) is the slow, safe way to end a
 * turn. When a listener is set, `onPause` hands out the utterance as it would be if it ended now
 * (the speech plus the silence so far); whoever can judge that the caller has finished (the call
 * layer, from a partial recognition) calls `endAtPause(id, shortHangoverMs)`, and the utterance
 * ends with that very snapshot once the silence reaches the short hangover — unless the caller
 * spoke again first, which cancels the pause. The endpointer itself never guesses.
 *
 * `startMs` is the start of the first speech frame, `endMs` the end of the last one. The audio
 * handed over starts `preRollMs` before `startMs` (so the first phoneme is not clipped) and ends
 * `postRollMs` after `endMs`. An utterance whose speech frames add up to less than `minSpeechMs`
 * (a cough, a click) is discarded. Memory is bounded: a pre-roll ring, and an utterance buffer that
 * is allocated at the first speech onset and doubles as an utterance grows, up to maxUtterance +
 * pre-roll (about 1 MB at the 30 s default). Allocating it up front cost every call that megabyte
 * — calls that never hear speech (hold, loopback) included — and was the gateway's largest source
 * of garbage-collection work at high call rates (bench/sip-cps profile).
 */
import { FRAME_MS, FRAME_SAMPLES } from '../frames.js';
import { EnergyVad, type VadOptions } from './energy-vad.js';
import { BargeInDetector, plainBargeIn, type BargeInOptions } from './barge-in-detector.js';
import type { EchoReference } from './echo-reference.js';
import type { FrameVad, FrameVadFactory } from './frame-vad.js';

/** Frames of VAD decisions kept (power of two; more than MAX_EARLIER_FRAMES + the longest barge-in span). */
const SPEECH_FLAGS = 128;
/**
 * How far before the barge-in's first near-end frame the caller's words may be found (frames, 600 ms):
 * the echo test only knows the caller once he is louder than the echo it expects, and with the canceller
 * not yet trusted it called the first syllables of "check my balance" echo — the recogniser, given the
 * utterance from there, heard "balance" and forced it onto "got it" (a backchannel: the prompt resumed).
 */
const MAX_EARLIER_FRAMES = 30;

export interface EndpointerOptions {
  silenceHangoverMs?: number; // default 800
  minSpeechMs?: number; // default 200
  preRollMs?: number; // default 200
  postRollMs?: number; // default 200 (capped at the hangover)
  maxUtteranceMs?: number; // default 30000
  onsetFrames?: number; // consecutive speech frames that start an utterance; default 2
  bargeInFrames?: number; // consecutive speech frames while playing that raise barge-in; default 2 (when `bargeIn` is not set)
  /** Barge-in that means it: minimum near-end speech, voicing, the echo test (barge-in-detector.ts). Replaces `bargeInFrames`. */
  bargeIn?: BargeInOptions;
  /** What the call sent, for the echo test (CallAudio keeps it). */
  echoReference?: EchoReference;
  pauseProbeMs?: number; // silence after which onPause offers the utterance so far; default 160
  /** The frame-level decision: EnergyVad tuning, or a factory of another FrameVad (frame-vad.ts: `silero`). */
  vad?: VadOptions | FrameVadFactory;
}

export interface Utterance {
  startMs: number;
  endMs: number;
  /** Time of `audio[0]` (startMs − pre-roll, or later if the stream began later). */
  audioStartMs: number;
  audio: Int16Array;
  truncated: boolean;
  /** Ended at a pause the call layer judged complete (adaptive endpointing), before the fixed hangover. */
  endedEarly?: boolean;
  /** Frames the VAD classed as speech, in ms (the pauses inside the utterance excluded). */
  speechMs?: number;
}

/** The utterance as it would be if it ended at this pause. */
export interface PauseSnapshot {
  id: number;
  utterance: Utterance;
}

export interface EndpointerEvents {
  onSpeechStart?(startMs: number): void;
  onUtterance?(u: Utterance): void;
  onBargeIn?(atMs: number): void;
  onDiscard?(startMs: number, endMs: number): void;
  onPause?(p: PauseSnapshot): void;
}

export class Endpointer {
  /** Set while the call is playing a prompt; speech then also raises barge-in. */
  playing = false;
  /** Offer pauses to `onPause` (off while nobody judges them: the snapshot costs a copy of the utterance). */
  offerPauses = true;
  readonly vad: FrameVad;

  private readonly hangoverMs: number;
  private readonly minSpeechFrames: number;
  private readonly preRollFrames: number;
  private readonly postRollFrames: number;
  private readonly maxFrames: number;
  private readonly onsetFrames: number;
  private bargeIn: BargeInDetector;
  private wasPlaying = false;
  private readonly pauseProbeMs: number;
  private readonly events: EndpointerEvents;

  // Ring of the most recent frames while in silence (pre-roll + onset candidates).
  private readonly ring: Int16Array;
  private readonly ringFrames: number;
  private ringHead = 0; // next frame slot to write
  private ringCount = 0;

  // The utterance being collected (grown on demand, see the header).
  private buf = new Int16Array(0);
  private readonly bufMaxFrames: number;
  private bufFrames = 0;
  private inSpeech = false;
  private startMs = 0;
  private audioStartMs = 0;
  private lastSpeechEndMs = 0;
  private lastSpeechFrameIndex = 0; // index in buf of the frame after the last speech frame
  private speechFrames = 0;
  private silenceMs = 0;
  private candidateRun = 0;
  private bargedIn = false;
  private t = 0;
  /** The pause offered by onPause in the current silence (0: none); speech cancels it. */
  private pauseId = 0;
  private lastPauseId = 0;
  private pauseSnapshot?: Utterance;
  /** endAtPause's hangover for the current pause (Infinity: not approved). */
  private approvedHangoverMs = Infinity;
  /** The VAD's decision on the last SPEECH_FLAGS frames (ring, by frame number): where a caller's words began. */
  private readonly speechFlags = new Uint8Array(SPEECH_FLAGS);
  private frameNo = 0;

  constructor(opts: EndpointerOptions = {}, events: EndpointerEvents = {}) {
    this.hangoverMs = opts.silenceHangoverMs ?? 800;
    this.minSpeechFrames = Math.ceil((opts.minSpeechMs ?? 200) / FRAME_MS);
    this.preRollFrames = Math.round((opts.preRollMs ?? 200) / FRAME_MS);
    this.postRollFrames = Math.round(Math.min(opts.postRollMs ?? 200, this.hangoverMs) / FRAME_MS);
    this.maxFrames = Math.max(1, Math.round((opts.maxUtteranceMs ?? 30000) / FRAME_MS));
    this.onsetFrames = Math.max(1, opts.onsetFrames ?? 2);
    this.vad = typeof opts.vad === 'function' ? opts.vad() : new EnergyVad(opts.vad);
    this.bargeIn = new BargeInDetector(opts.bargeIn ?? plainBargeIn(Math.max(1, opts.bargeInFrames ?? 2) * FRAME_MS), opts.echoReference, this.vad.decisionLagFrames ?? 0);
    this.pauseProbeMs = Math.max(FRAME_MS, opts.pauseProbeMs ?? 160);
    this.events = events;
    this.ringFrames = this.preRollFrames + this.onsetFrames;
    this.ring = new Int16Array(this.ringFrames * FRAME_SAMPLES);
    this.bufMaxFrames = this.ringFrames + this.maxFrames + 1;
  }

  /** Room for `frames` frames in the utterance buffer: first 5 s, then doubling, never past the maximum. */
  private reserve(frames: number): void {
    const have = this.buf.length / FRAME_SAMPLES;
    if (frames <= have) return;
    const next = Math.min(this.bufMaxFrames, Math.max(frames, have * 2, 250));
    const grown = new Int16Array(next * FRAME_SAMPLES);
    grown.set(this.buf.subarray(0, this.bufFrames * FRAME_SAMPLES));
    this.buf = grown;
  }

  /**
   * Feed one 20 ms frame starting at `atMs` (defaults to a running 20 ms counter from 0).
   * `behindTicks`: frames still queued behind this one on the same tick (a media worker's burst):
   * the echo canceller lines it up with what was sent that many ticks earlier.
   */
  push(frame: Int16Array, atMs?: number, behindTicks = 0): void {
    const t = atMs ?? this.t;
    this.t = t + FRAME_MS;
    // While a prompt plays, everything below hears the caller with our echo cancelled (barge-in-detector.ts).
    if (this.playing) frame = this.bargeIn.cancel(frame, behindTicks);
    const speech = this.vad.isSpeech(frame, this.inSpeech);
    this.speechFlags[this.frameNo++ & (SPEECH_FLAGS - 1)] = speech ? 1 : 0;
    const interrupting = this.judgeBargeIn(frame, speech);
    if (!this.inSpeech) this.inSilence(frame, t, speech);
    else this.inUtterance(frame, t, speech);
    if (interrupting) this.checkBargeIn(t);
  }

  /** Change the barge-in rule (per application, once the call's application is known). */
  setBargeIn(opts: BargeInOptions, echoReference?: EchoReference): void {
    this.bargeIn = new BargeInDetector(opts, echoReference, this.vad.decisionLagFrames ?? 0);
  }

  /** The barge-in detector (its double-talk state: tests and the bench). */
  get bargeInDetector(): BargeInDetector {
    return this.bargeIn;
  }

  /** Every frame while playing goes to the detector; a prompt that starts again (resumed) may be interrupted again. */
  private judgeBargeIn(frame: Int16Array, speech: boolean): boolean {
    if (!this.playing) {
      if (this.wasPlaying) this.bargeIn.reset();
      this.wasPlaying = false;
      return false;
    }
    if (!this.wasPlaying) this.bargedIn = false;
    this.wasPlaying = true;
    return this.bargeIn.frame(frame, speech, (this.vad as Partial<EnergyVad>).noiseDb); // the energy VAD's floor; a neural VAD has none
  }

  /**
   * End the utterance at pause `id` once its silence reaches `hangoverMs` (at once if it already
   * has). False when that pause is over (the caller spoke again, or the utterance ended).
   */
  endAtPause(id: number, hangoverMs: number): boolean {
    if (!this.inSpeech || id === 0 || id !== this.pauseId) return false;
    this.approvedHangoverMs = hangoverMs;
    if (this.silenceMs >= hangoverMs) this.finishAtPause();
    return true;
  }

  /** Inside an utterance: the caller is speaking, or paused for less than the hangover. */
  get speaking(): boolean {
    return this.inSpeech;
  }

  /** End of stream: close an open utterance as if the hangover had elapsed. */
  flush(): void {
    if (this.inSpeech) this.finish(false);
  }

  private inSilence(frame: Int16Array, t: number, speech: boolean): void {
    this.ringPush(frame);
    if (!speech) {
      this.candidateRun = 0;
      return;
    }
    if (++this.candidateRun < this.onsetFrames) return;
    // Onset confirmed: the utterance begins at the first frame of the run.
    this.inSpeech = true;
    this.startMs = t - (this.onsetFrames - 1) * FRAME_MS;
    this.audioStartMs = t + FRAME_MS - this.ringCount * FRAME_MS;
    this.bufFrames = 0;
    this.ringDrainInto();
    this.lastSpeechEndMs = t + FRAME_MS;
    this.lastSpeechFrameIndex = this.bufFrames;
    this.speechFrames = this.onsetFrames;
    this.silenceMs = 0;
    this.bargedIn = false;
    this.candidateRun = 0;
    this.events.onSpeechStart?.(this.startMs);
  }

  private inUtterance(frame: Int16Array, t: number, speech: boolean): void {
    this.reserve(this.bufFrames + 1);
    this.buf.set(frame.subarray(0, FRAME_SAMPLES), this.bufFrames * FRAME_SAMPLES);
    this.bufFrames++;
    if (speech) {
      this.speechFrames++;
      this.silenceMs = 0;
      this.lastSpeechEndMs = t + FRAME_MS;
      this.lastSpeechFrameIndex = this.bufFrames;
      this.cancelPause();
    } else {
      this.silenceMs += FRAME_MS;
      if (this.silenceMs >= this.approvedHangoverMs) return this.finishAtPause();
      if (this.silenceMs >= this.hangoverMs) {
        this.finish(false);
        return;
      }
      if (this.pauseId === 0 && this.offerPauses && this.events.onPause && this.silenceMs >= this.pauseProbeMs && this.speechFrames >= this.minSpeechFrames) this.offerPause();
    }
    if (t + FRAME_MS - this.startMs >= this.maxFrames * FRAME_MS) {
      this.lastSpeechEndMs = t + FRAME_MS;
      this.lastSpeechFrameIndex = this.bufFrames;
      this.finish(true);
    }
  }

  private checkBargeIn(t: number): void {
    if (this.inSpeech && !this.bargedIn) {
      this.bargedIn = true;
      this.restartAtBargeIn(t);
      this.events.onBargeIn?.(t + FRAME_MS);
    }
  }

  /**
   * Drop what came before the interruption (echo, noise) from the utterance, keeping the pre-roll.
   * The interruption starts at its first near-end frame, or earlier at the start of the unbroken run
   * of speech (as the VAD heard it, on the canceller's residual) that frame belongs to, up to
   * MAX_EARLIER_FRAMES: the caller's first syllables, which the echo test took for our echo.
   */
  private restartAtBargeIn(t: number): void {
    const nearFrames = Math.round(this.bargeIn.startedMsAgo / FRAME_MS);
    const firstNearMs = t + FRAME_MS - (nearFrames + this.speechRunBefore(this.frameNo - nearFrames)) * FRAME_MS;
    const drop = Math.min(this.bufFrames, Math.floor((firstNearMs - this.audioStartMs) / FRAME_MS) - this.preRollFrames);
    if (drop <= 0) return;
    this.buf.copyWithin(0, drop * FRAME_SAMPLES, this.bufFrames * FRAME_SAMPLES);
    this.bufFrames -= drop;
    this.lastSpeechFrameIndex = Math.max(0, this.lastSpeechFrameIndex - drop);
    this.audioStartMs += drop * FRAME_MS;
    this.startMs = Math.max(this.startMs, firstNearMs);
    // The speech counted (what `backchannelMaxMs` judges) still starts at the first near-end frame:
    // counted from the reach-back, a flite "mm-hmm" under a −15 dB echo measured 1,640 ms, past the
    // 1.5 s backchannel limit, and stopped the prompt (bench/barge-in, silero).
    this.speechFrames = Math.min(this.speechFrames, nearFrames);
    this.cancelPause();
  }

  /** Frames of unbroken VAD speech just before frame number `first`, at most MAX_EARLIER_FRAMES (and what the ring holds). */
  private speechRunBefore(first: number): number {
    const oldest = Math.max(0, this.frameNo - SPEECH_FLAGS);
    let n = 0;
    while (n < MAX_EARLIER_FRAMES && first - n - 1 >= oldest && this.speechFlags[(first - n - 1) & (SPEECH_FLAGS - 1)] === 1) n++;
    return n;
  }

  private offerPause(): void {
    this.pauseId = ++this.lastPauseId;
    this.pauseSnapshot = { startMs: this.startMs, endMs: this.lastSpeechEndMs, audioStartMs: this.audioStartMs, audio: this.buf.slice(0, this.bufFrames * FRAME_SAMPLES), truncated: false, endedEarly: true, speechMs: this.speechFrames * FRAME_MS };
    this.events.onPause!({ id: this.pauseId, utterance: this.pauseSnapshot });
  }

  private cancelPause(): void {
    this.pauseId = 0;
    this.pauseSnapshot = undefined;
    this.approvedHangoverMs = Infinity;
  }

  /** The approved pause's snapshot is the utterance: the same audio the call layer already recognised. */
  private finishAtPause(): void {
    const u = this.pauseSnapshot!;
    this.finish(false, u);
  }

  private finish(truncated: boolean, atPause?: Utterance): void {
    this.cancelPause();
    this.inSpeech = false;
    this.candidateRun = 0;
    this.ringCount = 0;
    if (this.speechFrames < this.minSpeechFrames) {
      this.events.onDiscard?.(this.startMs, this.lastSpeechEndMs);
      return;
    }
    if (atPause) return this.events.onUtterance?.(atPause);
    const endFrames = Math.min(this.bufFrames, this.lastSpeechFrameIndex + (truncated ? 0 : this.postRollFrames));
    this.events.onUtterance?.({
      startMs: this.startMs,
      endMs: this.lastSpeechEndMs,
      audioStartMs: this.audioStartMs,
      audio: this.buf.slice(0, endFrames * FRAME_SAMPLES),
      truncated,
      speechMs: this.speechFrames * FRAME_MS,
    });
  }

  private ringPush(frame: Int16Array): void {
    this.ring.set(frame.subarray(0, FRAME_SAMPLES), this.ringHead * FRAME_SAMPLES);
    this.ringHead = (this.ringHead + 1) % this.ringFrames;
    if (this.ringCount < this.ringFrames) this.ringCount++;
  }

  private ringDrainInto(): void {
    const first = (this.ringHead - this.ringCount + this.ringFrames) % this.ringFrames;
    for (let i = 0; i < this.ringCount; i++) {
      const slot = (first + i) % this.ringFrames;
      this.reserve(this.bufFrames + 1);
      this.buf.set(this.ring.subarray(slot * FRAME_SAMPLES, (slot + 1) * FRAME_SAMPLES), this.bufFrames * FRAME_SAMPLES);
      this.bufFrames++;
    }
    this.ringCount = 0;
  }
}
