/**
 * A possible interruption while the agent speaks, judged by its words (LiveKit Agents' false-
 * interruption pattern). The endpointer raises `bargeIn` once the caller's near-end speech has
 * lasted the minimum (media/vad/barge-in-detector.ts); then:
 *
 *   candidate ──▶ pause playout (position kept) ─┬─ utterance recognised as words that are not a
 *                                                │  backchannel nor content-free (only hums and at
 *                                                │  most two function words: "and an h m m", "the" —
 *                                                │  how a recogniser hears "mm-hmm" under echo), or
 *                                                │  longer than `backchannelMaxMs`
 *                                                │  ──▶ barge-in: stop, abort the streamed reply;
 *                                                │  the utterance is the turn
 *                                                ├─ nothing recognised, a backchannel or content-free words, the
 *                                                │  utterance discarded as too short ──▶ resume
 *                                                └─ `resumeAfterMs` with no utterance while the
 *                                                   caller is silent ──▶ resume
 *
 * With `resumeFalseInterruptions` off the candidate is the barge-in (stop at once: the old rule).
 * While the dialog has set `vgwBargeInOnBackchannels` a backchannel is words like any other: it stops
 * the prompt and is the turn; only nothing recognised, content-free words and the timer resume.
 * The judge owns the paused state and its timer (one Clock); it never runs a dialog turn itself.
 */
import type { Clock, TimerHandle } from '../time/index.js';
import type { BargeInConfig } from '../speech/index.js';
import type { BargeInOptions, VadKind } from '../media/index.js';
import { BackchannelMatcher } from './barge-in-words.js';
import type { AgentMedia } from './agent-call.js';
import { MIN_ACOUSTIC_FIT } from './turn-completeness.js';
import type { SttOutcome } from '../speech/index.js';

/** What the judge needs of the call's media. */
export type InterruptibleMedia = Pick<AgentMedia, 'on' | 'playing' | 'callerSpeaking' | 'pausePlayback' | 'resumePlayback' | 'stopPlayback'>;

export interface InterruptionSettings {
  resumeFalseInterruptions: boolean;
  backchannelMaxMs: number;
  backchannels: BackchannelMatcher;
  resumeAfterMs: number;
}

export type InterruptionVerdict = 'barge-in' | 'resumed';

export const DEFAULT_INTERRUPTION: InterruptionSettings = { resumeFalseInterruptions: true, backchannelMaxMs: 1500, backchannels: BackchannelMatcher.forLanguage('en'), resumeAfterMs: 2500 };

/** The call side of `speech.bargeIn`. */
export function interruptionSettingsOf(c: BargeInConfig): InterruptionSettings {
  return { resumeFalseInterruptions: c.resumeFalseInterruptions, backchannelMaxMs: c.backchannelMaxMs, backchannels: BackchannelMatcher.forLanguage(c.language, c.backchannels), resumeAfterMs: c.resumeAfterMs };
}

/** `speech.bargeIn.minSpeechMs` when unset, per `speech.vad`: Silero's decision lags a 32 ms window (speech/config.ts). */
export const DEFAULT_MIN_SPEECH_MS: Readonly<Record<VadKind, number>> = { energy: 120, silero: 100 };

/** The media side of `speech.bargeIn` (the endpointer's detector), for an application on `vad`. */
export function bargeInDetectorOptionsOf(c: BargeInConfig, vad: VadKind = 'energy'): BargeInOptions {
  const { enabled, ...echo } = c.echo;
  return { minSpeechMs: c.minSpeechMs ?? DEFAULT_MIN_SPEECH_MS[vad], maxGapMs: c.maxGapMs, minVoicedMs: c.minVoicedMs, echo: enabled ? echo : false };
}

export class InterruptionJudge {
  #pending = false;
  #settled?: unknown;
  /** The dialog's own grammar when the interrupting words were recognised: "yeah" in it is an answer. */
  #expected?: readonly string[];
  #timer?: TimerHandle;
  /** The interrupting words came back only as a forced grammar match and an open decode that says nothing. */
  #unclear = false;
  /** The speech the utterance being recognised held (ms), when known. */
  #speechMs?: number;
  /** Counts for logs, events and the bench. */
  readonly counts = { candidates: 0, resumed: 0, bargeIns: 0 };

  constructor(
    private readonly media: InterruptibleMedia,
    private readonly clock: Clock,
    private readonly settings: InterruptionSettings,
    /** The dialog's `vgwActEnable/DisableSpeechBargeIn` switch. */
    private readonly speechBargeIn: () => boolean,
    /** A real barge-in: the prompt is stopped; abort the streamed reply, note it for the next turn; settled when the reply has. */
    private readonly onBargeIn: () => unknown,
    /** The dialog's `vgwBargeInOnBackchannels`: a backchannel stops the prompt too. */
    private readonly backchannelsInterrupt: () => boolean = () => false,
  ) {
    media.on('bargeIn', () => this.candidate());
    media.on('discard', () => this.discarded());
    media.on('playbackFinished', (reason) => void (reason === 'stopped' && this.cancel()));
  }

  /**
   * Audio heard over a prompt that did not interrupt it (its echo, noise, a sound under the
   * minimum): not the caller's turn. With speech barge-in off, speech over a prompt is heard as before.
   */
  get overPrompt(): boolean {
    return this.media.playing && this.speechBargeIn() && !this.#pending;
  }

  /**
   * The dialog's grammar; while an interruption is judged, with the backchannels, so "mm-hmm" can be
   * recognised as such, and the short interruptions ("stop", "wait", "no"), so they are not forced onto a backchannel.
   */
  grammar(phrases: string[] | undefined): string[] | undefined {
    if (this.#pending) this.#expected = phrases;
    const b = this.settings.backchannels;
    return phrases?.length && this.#pending ? [...new Set([...phrases, ...b.list, ...b.interruptions])] : phrases;
  }

  /** Playout is paused until the interrupting words are judged. */
  get pending(): boolean {
    return this.#pending;
  }

  /** The endpointer heard the caller interrupt a prompt (and the dialog allows speech barge-in). */
  candidate(): void {
    if (this.#pending || !this.media.playing || !this.speechBargeIn()) return;
    this.counts.candidates++;
    if (!this.settings.resumeFalseInterruptions) return this.bargeIn();
    this.#pending = true;
    this.media.pausePlayback();
    this.arm();
  }

  /**
   * An utterance has ended and is being recognised: the no-words timer stops. True if it is the
   * interruption's. `speechMs`: the speech it held (how fast its open decode's words would have been said).
   */
  recognising(speechMs?: number): boolean {
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#speechMs = speechMs;
    return this.#pending;
  }

  /**
   * The interrupting utterance's words (undefined or blank: nothing recognised), against the
   * dialog's grammar passed to `grammar()` (which makes "yeah" an answer rather than a backchannel).
   * `speechMs`: how much speech the utterance held; past `backchannelMaxMs` it interrupts whatever
   * was recognised (a grammar decode may find nothing, or a backchannel, in words it cannot hold).
   */
  /** Words that, within `backchannelMaxMs`, would resume the prompt (a backchannel, or no content word). */
  resumes(transcript: string): boolean {
    const b = this.settings.backchannels;
    const backchannel = b.isBackchannel(transcript, this.#expected);
    if (this.backchannelsInterrupt()) return !backchannel && b.isContentless(transcript, this.#expected);
    return backchannel || b.isContentless(transcript, this.#expected);
  }

  /**
   * Whether the open decode of a forced grammar match says something (BackchannelMatcher.saysSomething);
   * a backchannel does while the dialog wants them to interrupt (a forced match onto one is decoded again first).
   */
  saysSomething(transcript: string): boolean {
    const b = this.settings.backchannels;
    return b.saysSomething(transcript, this.#expected, this.#speechMs) || (this.backchannelsInterrupt() && b.isBackchannel(transcript, this.#expected));
  }

  /** The interrupting words were heard only as a forced match and an open decode that says nothing: like a hum. */
  heardUnclearly(): void {
    if (this.#pending) this.#unclear = true;
  }

  judge(transcript: string | undefined, speechMs = 0): InterruptionVerdict {
    if (!this.#pending) return 'barge-in';
    const text = transcript?.trim() ?? '';
    if (speechMs <= this.settings.backchannelMaxMs && (!text || this.#unclear || this.resumes(text))) {
      this.resume();
      return 'resumed';
    }
    this.bargeIn();
    return 'barge-in';
  }

  /**
   * `judge`, and for a barge-in wait until the aborted reply has settled (a streamed dialog writes
   * what it had said into its history as it stops: the next turn must see it).
   */
  async decide(transcript: string | undefined, speechMs = 0): Promise<InterruptionVerdict> {
    const verdict = this.judge(transcript, speechMs);
    if (verdict === 'barge-in') await this.#settled;
    this.#settled = undefined;
    return verdict;
  }

  /** The endpointer dropped the utterance as too short to be speech. */
  discarded(): void {
    if (this.#pending) this.resume();
  }

  /** Playout ended some other way (DTMF barge-in, the call ended): forget the pause. */
  cancel(): void {
    this.#pending = false;
    this.#unclear = false;
    this.#speechMs = undefined;
    this.#expected = undefined;
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  private bargeIn(): void {
    this.cancel();
    this.counts.bargeIns++;
    this.media.stopPlayback();
    this.#settled = this.onBargeIn();
  }

  private resume(): void {
    this.cancel();
    this.counts.resumed++;
    this.media.resumePlayback();
  }

  /** No words yet: resume once the caller is silent (an utterance still going is waited for). */
  private arm(): void {
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#pending) return;
      if (this.media.callerSpeaking) return this.arm();
      this.resume();
    }, this.settings.resumeAfterMs);
  }
}

/**
 * What did the caller say over the prompt (`interrupting`; otherwise the outcome as it is)? While an interruption is judged the recogniser decodes
 * against the dialog's grammar plus the backchannels (barge-in.ts `grammar`), and a grammar holds
 * only its phrases: whatever was said comes back as the phrase it fits least badly. Measured on
 * flite voices (embedded PocketSphinx, the bank grammar + backchannels): "mm-hmm" came back as
 * "account balance" (acoustic fit −42…−44 per frame) or "speak to an agent" (−52), "stop" as
 * "uh huh" (−45), "no" as "okay" (−42), "agent" as "speak to an agent" (−53) — a hum would have
 * made a balance request, and "stop" and "no" would have resumed the prompt as backchannels. Whole
 * phrases said as such fit at −17…−28.
 *
 * So a grammar match whose acoustic fit is below MIN_ACOUSTIC_FIT (turn-completeness.ts) and that
 * would stop the prompt (not a backchannel or content-free: `resumes`) is not trusted: the utterance is decoded again with the open model (no phrases; ≈ 0.5 s, only for these),
 * which wrote "m m h m m" / "and an h m m" for the hums, and "no", "agent", "hello there" as said.
 * That decode is what the interruption is judged on and, if it interrupts, the turn's recognition —
 * if it says something (BackchannelMatcher.saysSomething): a stray word or letters of the open
 * model's over a hum ("while", "totally", "m l h m m" in bench/barge-in) is judged like a hum.
 * A recogniser that reports no acoustic fit (remote engines) is taken at its word.
 */
export async function interruptionOutcome(interrupting: boolean, grammarOutcome: SttOutcome, openDecode: () => Promise<SttOutcome>, judge?: Pick<InterruptionJudge, 'resumes' | 'saysSomething' | 'heardUnclearly'>): Promise<SttOutcome> {
  if (!interrupting || !grammarOutcome.ok) return grammarOutcome;
  const fit = grammarOutcome.result.acousticFitPerFrame;
  if (fit === undefined || fit >= MIN_ACOUSTIC_FIT || !grammarOutcome.result.transcript.trim()) return grammarOutcome;
  // A forced match onto a backchannel is left as it is, though real interruptions come back so too
  // ("seven of clubs" as "uh", "five five" as "i see"): decoding those again let the prompt's own
  // echo stop it on a media worker — the open model wrote the echoed prompt's words, which say
  // something (test/call/barge-in-worker.test.ts, under load).
  if (judge?.resumes(grammarOutcome.result.transcript)) return grammarOutcome;
  const open = await openDecode();
  if (!open.ok) return grammarOutcome;
  // Over a hum the open model writes a stray word ("while", "totally") or letters ("m l h m m"):
  // unless it says something (an interruption word, two content words, an expected phrase), the
  // interruption is judged like a hum (barge-in.ts judge: resumed within backchannelMaxMs).
  if (judge && !judge.saysSomething(open.result.transcript)) judge.heardUnclearly();
  return open;
}
