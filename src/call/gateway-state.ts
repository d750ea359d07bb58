/**
 * The per-call part of the `vgw*` context (docs/dialog-contract.md) and of each turn's report: what
 * the call itself knows (its URIs, Call-ID) plus its identity (tenant, caller pseudonym, chosen
 * INVITE headers), and what a turn carried (its input, the answer's text and intents) for the
 * `turn.completed` event the reporting builds IBM's conversation events from.
 */
import { headerUri, type GatewayTurnState } from '../dialog/index.js';
import type { TurnInput, TurnResponse } from '../dialog/index.js';
import type { AgentCall } from './agent-call.js';
import type { CallIdentity } from './agent-types.js';
import { SENSITIVE_PLACEHOLDER } from './sensitive-state.js';

export function callGatewayState(c: AgentCall, id: CallIdentity | undefined): GatewayTurnState {
  return {
    sessionId: c.callId,
    sipCallId: c.callId,
    sipRequestUri: c.requestUri,
    sipFromUri: headerUri(c.from),
    sipToUri: headerUri(c.to),
    callDirection: c.direction ?? 'inbound',
    ...(c.variables ? { callVariables: c.variables } : {}),
    ...(id?.tenantId !== undefined ? { tenantId: id.tenantId } : {}),
    ...(id?.userId !== undefined ? { userId: id.userId } : {}),
    ...(id?.customInviteHeaders ? { sipCustomInviteHeaders: id.customInviteHeaders } : {}),
  };
}

/** What a turn's event carries of the exchange (the reporting's privacy gate decides what leaves). */
export interface TurnExchange {
  /** What the caller said (speech turns only: digits are reported by the DTMF events, under their own rule). */
  inputText?: string;
  responseText?: string;
  intents?: string[];
}

/** `sensitive`: the turn was taken while the sensitive switch was on, so its input is the placeholder. */
export function turnExchange(input: TurnInput, texts: readonly string[], response: TurnResponse | undefined, sensitive = false): TurnExchange {
  return {
    ...('text' in input && input.text && !/^vgw[A-Z]/.test(input.text) ? { inputText: sensitive ? SENSITIVE_PLACEHOLDER : input.text } : {}),
    ...(texts.length ? { responseText: texts.join(' ') } : {}),
    ...(response?.intents?.length ? { intents: response.intents } : {}),
  };
}
