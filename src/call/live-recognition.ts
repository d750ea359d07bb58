/**
 * Recognition while the caller speaks, for recognisers that stream (`Stt.live`: Deepgram's live
 * API). The batch path (recognition.ts) pushes the whole utterance after the endpointer has cut it,
 * which for a streaming service means a fresh connection and a decode of the whole utterance after
 * the caller stopped. Here the turn's stream opens at the caller's speech onset, the pre-roll and
 * every caller frame after it go out as they are heard, and when the endpointer cuts the utterance
 * the stream is ended: the service has already decoded nearly all of it.
 *
 *   'frame' ──▶ ring (pre-roll + frames heard while the stream opens) ──▶ stream.push, live
 *   'speechStart' ──▶ open the turn's stream (its recogniser, grammar phrases, engine options)
 *   'utterance'   ──▶ stream.end(): its result, kept for that utterance (`resultFor`)
 *   'discard'     ──▶ stream.cancel() (a cough the endpointer threw away)
 *
 * Privacy: the sensitive switch mutes third-party recognisers — while it is on and the recogniser is
 * not local, silence goes out in place of the caller's audio, as the batch path does
 * (SensitiveTurns.audioFor). A stream opened while nobody will take its result (STT paused, a
 * recogniser that does not stream) is not opened at all.
 *
 * The stream's running hypothesis (Deepgram's interim results, `onInterim`) is kept for adaptive
 * endpointing (early-end.ts), which also offers it to a dialog that asked for partials (through their
 * gate); it is not logged and not reported — as PocketSphinx's partials at a pause. While muted it is
 * not kept (the recogniser heard silence, not the caller).
 */
import type { Stt, SttOutcome, SttResult, SttStream } from '../speech/index.js';
import type { Utterance } from '../media/index.js';
import { FRAME_SAMPLES } from '../media/index.js';

/** What the next turn's recogniser is (the dialog may have changed it); undefined: do not stream. */
export type LiveSource = () => Promise<{ stt: Stt; options?: Record<string, unknown>; phrases?: string[] } | undefined>;

export interface LiveMedia {
  on(event: 'frame', listener: (frame: Int16Array, atMs: number) => void): unknown;
  on(event: 'speechStart', listener: (startMs: number) => void): unknown;
  on(event: 'utterance', listener: (u: Utterance) => void): unknown;
  on(event: 'discard', listener: () => void): unknown;
}

/** Pre-roll the endpointer puts before the onset (200 ms) plus the onset frames, with room to spare. */
const RING_FRAMES = 64;

export class LiveRecognition {
  private readonly ring = new Int16Array(RING_FRAMES * FRAME_SAMPLES);
  private readonly silence = new Int16Array(FRAME_SAMPLES);
  private head = 0;
  private count = 0;
  /** Frames heard since the onset (pre-roll excluded) while the stream is being opened. */
  private sinceOnset = -1;
  private stream?: SttStream;
  private stt?: Stt;
  private opening = 0; // generation of the onset being opened; a later onset or a cut supersedes it
  private readonly results = new WeakMap<Utterance, { stt: Stt; outcome: Promise<SttOutcome> }>();
  private hypothesis?: SttResult | undefined;
  /** Hypotheses received so far (which came after a given moment). */
  private seq = 0;
  private hypothesisListener?: () => void;

  constructor(
    media: LiveMedia,
    private readonly source: LiveSource,
    /** True while the caller's audio must not reach a recogniser that is not local (the sensitive switch). */
    private readonly muted: () => boolean,
    /** Frames before the onset that belong to the utterance (the endpointer's pre-roll + onset frames). */
    private readonly preRollFrames = 12,
  ) {
    media.on('frame', (f) => this.onFrame(f));
    media.on('speechStart', () => void this.onSpeechStart());
    media.on('utterance', (u) => this.onUtterance(u));
    media.on('discard', () => this.cancel());
  }

  /** The live result for an utterance this class streamed, with the recogniser that made it; undefined when it did not. */
  resultFor(u: Utterance): { stt: Stt; outcome: Promise<SttOutcome> } | undefined {
    return this.results.get(u);
  }

  /** The running hypothesis of the stream in progress, with its recogniser (adaptive endpointing only). */
  get running(): { stt: Stt; result: SttResult; seq: number } | undefined {
    return this.stream && this.stt && this.hypothesis ? { stt: this.stt, result: this.hypothesis, seq: this.seq } : undefined;
  }

  /** The sequence number of the latest hypothesis (0: none yet). */
  get hypotheses(): number {
    return this.seq;
  }

  /** Called at each new running hypothesis (one listener: the call's EarlyTurnEnd). */
  onHypothesis(listener: () => void): void {
    this.hypothesisListener = listener;
  }

  /** The call ended or recognition stopped: abandon the stream in progress. */
  cancel(): void {
    this.hypothesis = undefined;
    this.opening++;
    this.sinceOnset = -1;
    this.stream?.cancel();
    this.stream = undefined;
  }

  private onFrame(frame: Int16Array): void {
    if (this.stream) return this.stream.push(this.outgoing(frame));
    this.ring.set(frame.subarray(0, FRAME_SAMPLES), this.head * FRAME_SAMPLES);
    this.head = (this.head + 1) % RING_FRAMES;
    if (this.count < RING_FRAMES) this.count++;
    if (this.sinceOnset >= 0) this.sinceOnset++;
  }

  private outgoing(frame: Int16Array): Int16Array {
    return this.muted() && !this.stt?.local ? this.silence : frame.subarray(0, FRAME_SAMPLES);
  }

  private async onSpeechStart(): Promise<void> {
    this.cancel();
    const generation = this.opening;
    this.sinceOnset = 0;
    const s = await this.source().catch(() => undefined);
    if (generation !== this.opening) return; // cut or superseded while the recogniser was looked up
    if (!s?.stt.live) {
      this.sinceOnset = -1;
      return;
    }
    this.stt = s.stt;
    const stream = s.stt.startTurn({ ...(s.phrases?.length ? { grammar: { phrases: s.phrases } } : {}), ...(s.options ? { engineOptions: s.options } : {}) });
    const backlog = Math.min(this.count, this.preRollFrames + this.sinceOnset);
    for (let i = backlog; i > 0; i--) {
      const slot = (this.head - i + RING_FRAMES) % RING_FRAMES;
      stream.push(this.outgoing(this.ring.subarray(slot * FRAME_SAMPLES, (slot + 1) * FRAME_SAMPLES)));
    }
    this.sinceOnset = -1;
    this.stream = stream;
    stream.onInterim((r) => {
      if (this.stream !== stream || (this.muted() && !s.stt.local)) return;
      this.hypothesis = r;
      this.seq++;
      this.hypothesisListener?.();
    });
  }

  private onUtterance(u: Utterance): void {
    const [stream, stt] = [this.stream, this.stt];
    this.stream = undefined;
    this.hypothesis = undefined;
    this.opening++;
    this.sinceOnset = -1;
    if (!stream || !stt) return;
    stream.end();
    this.results.set(u, { stt, outcome: stream.result });
  }
}
