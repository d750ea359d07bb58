/**
 * The contract between the turn loop and the action handlers (one file per family in this
 * directory, one handler per `vgwAct*` command, typed by the command's zod parameters in
 * src/dialog/actions.ts). A handler sees the call through `ActionContext` only, is cancelled through
 * `signal` when the call ends, and answers whether the turn goes on with the next action.
 */
import type { Logger } from 'pino';
import type { ActionName, ActionOf } from '../../dialog/index.js';
import type { DialogSettings, GatewayTurnState } from '../../dialog/index.js';
import type { TurnInput } from '../../dialog/index.js';
import type { PlaySource } from '../../media/index.js';
import type { Clock } from '../../time/index.js';
import type { AgentCall } from '../agent-call.js';
import type { CallServices } from '../call-services.js';
import type { CollectSpec } from '../dtmf-collector.js';

/** Per-call switches the dialog flips with actions; the turn loop reads them. */
export interface AgentFlags {
  speechBargeIn: boolean;
  dtmfBargeIn: boolean;
  sttPaused: boolean;
  sttDuringPlayback: boolean;
  dtmfPaused: boolean;
  transcriptionReports: boolean;
}

export interface ActionContext {
  readonly call: AgentCall;
  readonly flags: AgentFlags;
  /** The dialog's `vgw*` settings as of this turn. */
  readonly settings: DialogSettings;
  readonly services: CallServices;
  readonly turn: number;
  /** Aborted when the call ends. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly log: Logger;
  /** Speak as part of this turn (its first audio is timed). */
  speak(text: string): Promise<void>;
  /** Speak outside the turn's timing (the transfer-failed message). */
  say(text: string): Promise<void>;
  play(source: PlaySource): Promise<void>;
  /** The response text for a `vgwActPlayText` without text of its own: the first gets it, later ones nothing. */
  takeResponseText(): string;
  collectDigits(spec: CollectSpec): void;
  /** Gateway state for the next turn the dialog sees (e.g. `hangupReason`). */
  nextTurnState(state: Partial<GatewayTurnState>): void;
  /** Run another turn once this one has unwound. */
  scheduleTurn(input: TurnInput, state?: Partial<GatewayTurnState>): void;
  /** Run a no-input turn once this one has unwound (counts toward the no-input limit). */
  scheduleNoInputTurn(text: string): void;
}

/** `next`: carry on with the turn's next action; `stop`: the turn ends here (call over, or another turn takes over). */
export type ActionResult = 'next' | 'stop';

export type ActionHandler<K extends ActionName> = (params: ActionOf<K>['parameters'], ctx: ActionContext) => Promise<ActionResult>;

/** Every command has exactly one handler (the compiler checks the table is complete). */
export type ActionTable = { [K in ActionName]: ActionHandler<K> };
