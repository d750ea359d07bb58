/**
 * The call's side of the conversation with its dialog: the context carried from turn to turn (as
 * the dialog returned it, and with tokens restored for the gateway's own reading), the `vgw*`
 * settings the dialog has set, and each turn's request and answer through the privacy gate when
 * the dialog runs outside the process.
 */
import type { Logger } from 'pino';
import type { TurnInput, TurnRequest, TurnResponse } from '../dialog/index.js';
import { gatewayContext, readDialogSettings, SPECIAL_INPUTS, type DialogSettings, type GatewayTurnState } from '../dialog/index.js';
import type { Clock } from '../time/index.js';
import { deadline } from './timing.js';
import type { TurnPrivacy } from '../privacy/index.js';
import type { DialogGate, RestoredResponse } from './dialog-gate.js';
import type { DialogTarget } from './call-services.js';

type Context = Record<string, unknown>;

const HANGUP_TURN_TIMEOUT_MS = 3000;
const DEFAULT_RESPONSE_TIMEOUT_MS = 10_000;

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

  /** How long a turn may wait for the dialog's answer (`vgwConversationResponseTimeout`, else 10 s). */
  get responseTimeoutMs(): number {
    return this.settings.vgwConversationResponseTimeout ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  }

  /** Ask `target` for a turn's answer within the response timeout, or until the call ends; a failure is a value. */
  async ask(target: DialogTarget, req: TurnRequest, clock: Clock, callSignal: AbortSignal): Promise<{ ok: true; response: TurnResponse } | { ok: false; error: unknown }> {
    const limit = deadline(clock, this.responseTimeoutMs, callSignal);
    try {
      return { ok: true, response: await target.dialog.turn(req, limit.signal) };
    } catch (error) {
      return { ok: false, error };
    } finally {
      limit.dispose();
    }
  }

  /**
   * A partial transcript's request to `target` while the caller speaks, or undefined when none may go:
   * the dialog is local or takes no partials, or the gate refuses the text (DialogGate.outboundPartial).
   */
  partialRequest(target: DialogTarget, text: string, state: GatewayTurnState, privacy: TurnPrivacy): { input: { text: string }; context: Context } | undefined {
    if (!target.remote || !target.dialog.partial) return undefined;
    const gated = this.gate.outboundPartial(text, privacy);
    if (gated === undefined) return undefined;
    return { input: { text: gated }, context: this.gate.outboundContext(gatewayContext(this.#dialogContext, state)) };
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
