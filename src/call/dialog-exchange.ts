/**
 * The call's side of the conversation with its dialog: the context carried from turn to turn (as
 * the dialog returned it, and with tokens restored for the gateway's own reading), the `vgw*`
 * settings the dialog has set, and each turn's request and answer through the privacy gate when
 * the dialog runs outside the process.
 */
import type { Logger } from 'pino';
import type { TurnInput, TurnResponse } from '../dialog/index.js';
import { gatewayContext, readDialogSettings, SPECIAL_INPUTS, type DialogSettings, type GatewayTurnState } from '../dialog/index.js';
import type { Clock } from '../time/index.js';
import { deadline } from './timing.js';
import type { TurnPrivacy } from '../privacy/index.js';
import type { DialogGate, RestoredResponse } from './dialog-gate.js';
import type { DialogTarget } from './call-services.js';

type Context = Record<string, unknown>;


const HANGUP_TURN_TIMEOUT_MS = 3000;

export class DialogExchange {
  /** The dialog's `vgw*` settings so far (each turn's add to and override the earlier ones). */
  settings: DialogSettings = {};
  /** The dialog's context with tokens restored: what the gateway itself reads (settings, transfer target). */
  #context: Context = {};
  /**
   * The context exactly as the dialog returned it (a remote dialog's tokens left as tokens): what goes
   * back to it. Sending the restored one would make the gate find each value again, in a later turn's
   * context, and a value found only because the agent had just asked for it would go back raw.
   */
  #dialogContext: Context = {};

  constructor(
    private readonly gate: DialogGate,
    private readonly log: Logger,
  ) {}

  /** A turn's request to `target`: the previous context with this turn's gateway variables, gated for a remote dialog. */
  request(target: DialogTarget, input: TurnInput, state: GatewayTurnState, privacy: TurnPrivacy): { input: TurnInput; context: Context } {
    const context = gatewayContext(target.remote ? this.#dialogContext : this.#context, state);
    return target.remote ? this.gate.outbound(input, context, privacy) : { input, context };
  }

  /** The caller hung up: tell the dialog (`vgwHangUp`), under the same gate as every turn; best effort, bounded. */
  async callerHungUp(target: DialogTarget, state: GatewayTurnState, clock: Clock): Promise<void> {
    const context = gatewayContext(target.remote ? this.#dialogContext : this.#context, state);
    const limit = deadline(clock, HANGUP_TURN_TIMEOUT_MS);
    try {
      await target.dialog.turn({ input: { text: SPECIAL_INPUTS.hangUp }, isFirstTurn: false, context: target.remote ? this.gate.outboundContext(context) : context }, limit.signal);
    } catch {
      // Best effort: the call is over either way.
    } finally {
      limit.clear();
    }
  }

  /** Take the dialog's answer: keep its context, read its settings, log its warnings; the texts to speak. */
  answered(target: DialogTarget, response: TurnResponse, turn: number): RestoredResponse {
    const restored = target.remote ? this.gate.restore(response) : { context: response.context, texts: response.text.filter((t) => t.trim()), carriesCallerData: false };
    this.#context = restored.context;
    this.#dialogContext = response.context;
    const s = readDialogSettings(this.#context);
    this.settings = { ...this.settings, ...s.settings };
    for (const w of [...response.warnings, ...s.errors]) this.log.warn({ turn, warning: w }, 'dialog warning');
    return restored;
  }
}
