/**
 * One dialog turn whose reply streams (`Dialog.turnStream`, the `openai` provider): the reply is
 * acted on as it arrives instead of after the whole answer.
 *
 *   turnStream ─ text piece ─▶ restore tokens (remote dialog) ─▶ PieceSpeech.add: TTS now, playout
 *              │                                                  starts with the first piece
 *              ├ action ─────▶ the pieces before it finish playing, then the action runs (in order)
 *              └ return ─────▶ the whole response: context, settings and warnings (DialogExchange)
 *
 * - The conversation response timeout bounds the wait for the first part; after it the HTTP
 *   target's timeout bounds each gap in the stream.
 * - `reply` aborting (barge-in, or the call ended) aborts the HTTP stream and every synthesis in
 *   flight at once; what arrived so far stays in the dialog's history. An interrupted reply is not
 *   a failed turn.
 * - A failure (before or during the stream) is the caller's to answer as a failed turn, after the
 *   pieces already spoken.
 */
import type { ActionCommand, TurnRequest, TurnResponse } from '../dialog/index.js';
import type { Clock } from '../time/index.js';
import type { DialogTarget } from './call-services.js';
import type { DialogExchange } from './dialog-exchange.js';
import type { DialogGate } from './dialog-gate.js';
import type { FirstAudio, SpeakOptions, Speaker } from './speaker.js';
import { deadline } from './timing.js';

export interface StreamedTurnHost {
  clock: Clock;
  speaker: Speaker;
  exchange: DialogExchange;
  gate: DialogGate;
  /** Aborted when the call ends. */
  callSignal: AbortSignal;
  responseTimeoutMs: number;
  /** TTS options for a piece (never cached when it carries caller data). */
  speakOptions(text: string, carriesCallerData: boolean): SpeakOptions;
  /** What the agent has said so far (cross-turn privacy context) before an action runs. */
  agentSaid(text: string | undefined): void;
  runAction(action: ActionCommand): Promise<'next' | 'stop'>;
}

export type StreamedOutcome =
  | { ok: true; texts: string[]; stopped: boolean; interrupted: boolean; dialogMs: number }
  | { ok: false; error: unknown; texts: string[] };

/** Runs the turn; sets `first.timings.dialogMs` (request → first part: what the first audio waits for). */
export async function streamTurn(target: DialogTarget, req: TurnRequest, first: FirstAudio & { timings: { turn: number; dialogMs: number } }, reply: AbortController, host: StreamedTurnHost): Promise<StreamedOutcome> {
  const { clock, speaker } = host;
  const t0 = clock.now();
  const stop = AbortSignal.any([host.callSignal, reply.signal]);
  const limit = deadline(clock, host.responseTimeoutMs, stop);
  const parts = target.dialog.turnStream!(req, limit.signal);
  const texts: string[] = [];
  let dialogMs: number | undefined;
  let pending: FirstAudio | undefined = first;
  let playing: ReturnType<Speaker['speakPieces']> | undefined;
  let response: TurnResponse | undefined;
  let stopped = false;
  // The pieces so far finish playing (an action follows them, or the reply is over).
  const played = async () => {
    const p = playing;
    playing = undefined;
    p?.speech.end();
    await p?.played;
  };
  try {
    for (;;) {
      const r = await parts.next();
      if (dialogMs === undefined) {
        dialogMs = Math.round(clock.now() - t0);
        limit.clear();
      }
      if (stop.aborted) break;
      if (r.done) {
        response = r.value;
        break;
      }
      if (r.value.kind === 'text') {
        const piece = target.remote ? host.gate.restoreText(r.value.text) : { text: r.value.text, carriesCallerData: false };
        if (!piece.text.trim()) continue;
        texts.push(piece.text);
        if (!playing) {
          playing = speaker.speakPieces(reply.signal, pending);
          pending = undefined;
        }
        playing.speech.add(piece.text, host.speakOptions(piece.text, piece.carriesCallerData));
        continue;
      }
      await played();
      if (stop.aborted) break;
      host.agentSaid(texts.length ? texts.join(' ') : undefined);
      if ((await host.runAction(r.value.action)) === 'stop') {
        stopped = true;
        break;
      }
    }
  } catch (error) {
    if (!stop.aborted) {
      await played();
      return { ok: false, error, texts };
    }
  } finally {
    limit.dispose();
    if (!response) await parts.return(undefined as never).catch(() => undefined);
  }
  await played();
  if (response) host.exchange.answered(target, response, first.timings.turn);
  first.timings.dialogMs = dialogMs ?? Math.round(clock.now() - t0);
  return { ok: true, texts, stopped, interrupted: reply.signal.aborted, dialogMs: first.timings.dialogMs };
}
