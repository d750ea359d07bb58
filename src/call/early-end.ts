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
 * this decision only: it is not logged, not reported and not sent to the dialog.
 */
import type { Logger } from 'pino';
import type { PauseSnapshot, Utterance } from '../media/index.js';
import type { Stt, SttOutcome } from '../speech/index.js';
import type { AgentMedia } from './agent-call.js';
import { recognise } from './recognition.js';
import { judgeCompleteness } from './turn-completeness.js';

export interface EarlyEndSettings {
  /** Off: every turn waits for the fixed hangover. */
  adaptive: boolean;
  /** Silence that ends a turn judged complete (ms). */
  shortHangoverMs: number;
}

/** The recogniser, grammar and options the next recognition would use (without using up a "once" setting). */
export type TurnRecogniser = () => Promise<{ stt: Stt; phrases?: string[]; options?: Record<string, unknown> }>;

interface PauseRecognition {
  stt: Stt;
  phrasesKey: string;
  outcome: Promise<SttOutcome>;
}

export class EarlyTurnEnd {
  private readonly atPause = new WeakMap<Int16Array, PauseRecognition>();
  /** Pauses judged complete / incomplete (for the bench and the logs). */
  readonly counts = { probed: 0, complete: 0 };

  constructor(
    private readonly media: AgentMedia,
    private readonly settings: EarlyEndSettings,
    private readonly recogniser: TurnRecogniser,
    private readonly log: Logger,
  ) {}

  /** Judge one pause; ends the turn early when the caller has given a complete answer. */
  async onPause(p: PauseSnapshot): Promise<void> {
    if (!this.settings.adaptive) return;
    const { stt, phrases, options } = await this.recogniser();
    // Cheap means a grammar decode (tens of ms); the general language model takes ~0.5 s a decode
    // and would make every pause of free speech compete with other calls' final decodes.
    if (!stt.cheapPartials || !phrases?.length) return;
    this.counts.probed++;
    const outcome = recognise(p.utterance, stt, { phrases, engineOptions: options });
    this.atPause.set(p.utterance.audio, { stt, phrasesKey: keyOf(phrases), outcome });
    const o = await outcome;
    const judged = o.ok ? judgeCompleteness(o.result, { phrases, speechMs: p.utterance.speechMs }) : 'incomplete';
    if (judged !== 'complete') return;
    this.counts.complete++;
    if (this.media.endAtPause(p.id, this.settings.shortHangoverMs)) this.log.debug({ pause: p.id }, 'turn ends early');
  }

  /** The recognition made at the pause this utterance ended on, if it is valid for this recogniser and grammar. */
  outcomeFor(u: Utterance, stt: Stt, phrases?: string[]): Promise<SttOutcome> | undefined {
    const r = u.endedEarly ? this.atPause.get(u.audio) : undefined;
    return r && r.stt === stt && r.phrasesKey === keyOf(phrases) ? r.outcome : undefined;
  }
}

function keyOf(phrases?: string[]): string {
  return JSON.stringify(phrases ?? []);
}
