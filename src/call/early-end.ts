/**
 * Adaptive endpointing for one call: at each pause in the caller's speech (Endpointer `onPause`),
 * recognise the utterance so far with the turn's recogniser and grammar; when the hypothesis is a
 * complete answer to what the dialog expects (turn-completeness.ts), ask the endpointer to end the
 * turn after the short hangover instead of the fixed one. The recognition made at the pause is kept
 * and reused for the utterance when the turn ends there (same audio, same recogniser, same
 * grammar), so an early end costs no second decode.
 *
 * Only recognisers that decode a partial utterance cheaply (`Stt.cheapPartials`: the warm embedded
 * pool) are asked, and only when the dialog expects phrases (a grammar decode); a remote engine
 * would be billed per pause, a general-model decode costs ~0.5 s of a pool worker. The partial hypothesis is used for
 * this decision only: it is not logged and not reported. It goes to the dialog only when the dialog asked for
 * partials (`PartialsOut`, a webhook's `partialResultUrl`): then every pause is decoded (with the general model
 * when there is no grammar) and each hypothesis, pause decode or streaming interim, is offered to
 * PartialTranscripts, which gates it (docs/call.md "Partial transcripts to the dialog").
 *
 * The other way to have the recognition done before the hangover ends: a recogniser that streams
 * (`Stt.live`, Deepgram) hears the utterance live from its onset (live-recognition.ts), and its
 * result is the turn's when the same recogniser is still the turn's. Its running hypothesis (interim
 * results) is judged the same way, at the pause and at each new hypothesis during it (it costs no
 * decode, so free speech is judged too): it ends the turn early only once the engine's own
 * endpointer has closed the words (`endOfSpeech`, Deepgram `speech_final`) — an interim that lags
 * the audio ("yes" of "yes I want to…") must not cut the caller off.
 */
import type { Logger } from 'pino';
import type { PauseSnapshot, Utterance } from '../media/index.js';
import type { Stt, SttOutcome } from '../speech/index.js';
import type { AgentMedia } from './agent-call.js';
import { recognise } from './recognition.js';
import { systemClock, type Clock } from '../time/index.js';
import { judgeCompleteness } from './turn-completeness.js';
import { LiveRecognition } from './live-recognition.js';

export interface EarlyEndSettings {
  /** Off: every turn waits for the fixed hangover. */
  adaptive: boolean;
  /** Silence that ends a turn judged complete (ms). */
  shortHangoverMs: number;
}

/** Where partial hypotheses go when the dialog asked for them (AgentSession → PartialTranscripts). */
export interface PartialsOut {
  /** Asked now (the current dialog takes partials)? Checked at each pause and hypothesis. */
  wanted(): boolean;
  offer(text: string): void;
}

/** The recogniser, grammar and options the next recognition would use (without using up a "once" setting). */
export type TurnRecogniser = () => Promise<{ stt: Stt; phrases?: string[]; options?: Record<string, unknown> }>;

interface PauseRecognition {
  stt: Stt;
  phrasesKey: string;
  outcome: Promise<SttOutcome>;
  /** How long the decode at the pause took (ms), once it is done: the turn's recognition time. */
  decodeMs?: number;
}

export class EarlyTurnEnd {
  private readonly atPause = new WeakMap<Int16Array, PauseRecognition>();
  /** Pauses judged complete / incomplete (for the bench and the logs). */
  readonly counts = { probed: 0, complete: 0 };
  private readonly live: LiveRecognition;

  constructor(
    private readonly media: AgentMedia,
    private readonly settings: EarlyEndSettings,
    private readonly recogniser: TurnRecogniser,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
    /** True while a third-party recogniser must hear silence (the sensitive switch). */
    muted: () => boolean = () => true,
    private readonly partials?: PartialsOut,
  ) {
    this.live = new LiveRecognition(media, recogniser, muted);
    this.live.onHypothesis(() => {
      this.judgeRunning();
      const h = this.live.running;
      if (h && this.partials?.wanted()) this.partials.offer(h.result.transcript);
    });
  }

  /** The pause a streaming recogniser's hypotheses are judged for, until it ends or is over. */
  private livePause?: { id: number; stt: Stt; phrases?: string[]; speechMs?: number; after: number };

  /** Judge one pause; ends the turn early when the caller has given a complete answer. */
  async onPause(p: PauseSnapshot): Promise<void> {
    const partials = this.partials?.wanted() === true;
    if (!this.settings.adaptive && !partials) return;
    // Only a hypothesis closed during this pause speaks for it: one closed before it (Deepgram's
    // endpointing silence, 300 ms, outlasts the 160 ms pause probe) was for words the caller went on from.
    const after = this.live.hypotheses;
    const { stt, phrases, options } = await this.recogniser();
    if (stt.live) {
      if (!this.settings.adaptive) return; // its partials are its interims (constructor)
      this.counts.probed++;
      this.livePause = { id: p.id, stt, ...(phrases ? { phrases } : {}), ...(p.utterance.speechMs !== undefined ? { speechMs: p.utterance.speechMs } : {}), after };
      return this.judgeRunning();
    }
    // Cheap means a grammar decode (tens of ms); the general language model takes ~0.5 s a decode
    // and would make every pause of free speech compete with other calls' final decodes — paid
    // only when the dialog asked for partials.
    const judge = this.settings.adaptive && !!phrases?.length;
    if (!stt.cheapPartials || (!judge && !partials)) return;
    this.counts.probed++;
    const t0 = this.clock.now();
    const outcome = recognise(p.utterance, stt, { phrases, engineOptions: options });
    const entry: PauseRecognition = { stt, phrasesKey: keyOf(phrases), outcome };
    this.atPause.set(p.utterance.audio, entry);
    const o = await outcome;
    entry.decodeMs = Math.round(this.clock.now() - t0);
    if (o.ok && partials) this.partials!.offer(o.result.transcript);
    if (!judge) return;
    const judged = o.ok ? judgeCompleteness(o.result, { phrases, speechMs: p.utterance.speechMs }) : 'incomplete';
    if (judged !== 'complete') return;
    this.counts.complete++;
    if (this.media.endAtPause(p.id, this.settings.shortHangoverMs)) this.log.debug({ pause: p.id }, 'turn ends early');
  }

  /** A streaming recogniser's running hypothesis during a pause: complete and closed by the engine → end early. */
  private judgeRunning(): void {
    const pause = this.livePause;
    const h = this.live.running;
    if (!pause || !h || h.stt !== pause.stt || h.seq <= pause.after || !h.result.endOfSpeech) return;
    if (judgeCompleteness(h.result, { ...(pause.phrases ? { phrases: pause.phrases } : {}), ...(pause.speechMs !== undefined ? { speechMs: pause.speechMs } : {}) }) !== 'complete') return;
    this.livePause = undefined;
    this.counts.complete++;
    if (this.media.endAtPause(pause.id, this.settings.shortHangoverMs)) this.log.debug({ pause: pause.id }, 'turn ends early (streaming hypothesis)');
  }

  /** The recognition made at the pause this utterance ended on, if it is valid for this recogniser and grammar. */
  outcomeFor(u: Utterance, stt: Stt, phrases?: string[], liveOnly = false): Promise<SttOutcome> | undefined {
    const live = this.live.resultFor(u);
    if (live && live.stt === stt) return live.outcome;
    if (liveOnly) return undefined; // the live stream heard silence while sensitive; no decode at a pause of the real audio
    const r = u.endedEarly ? this.atPause.get(u.audio) : undefined;
    return r && r.stt === stt && r.phrasesKey === keyOf(phrases) ? r.outcome : undefined;
  }

  /** The decode time of the recognition reused for this utterance (ms), if one was reused and is done. */
  decodeMsFor(u: Utterance): number | undefined {
    return u.endedEarly ? this.atPause.get(u.audio)?.decodeMs : undefined;
  }
}

function keyOf(phrases?: string[]): string {
  return JSON.stringify(phrases ?? []);
}
