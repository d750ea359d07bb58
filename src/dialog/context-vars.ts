/**
 * The context-variable half of the IBM Voice Gateway contract: the `vgw*` state variables the
 * gateway writes into the context each turn, the special input texts it sends for events, and the
 * variables a dialog may set to change the gateway's behaviour. The call session builds the former
 * with `gatewayContext` and reads the latter with `readDialogSettings` (each variable parsed on its
 * own, so one bad value is reported and the rest still apply).
 */
import { z } from 'zod';
import { transferTargetSchema } from './actions.js';

/** Input texts the gateway sends instead of a transcript when something happened on the call. */
export const SPECIAL_INPUTS = {
  /** The caller hung up; the dialog's answer is not played. */
  hangUp: 'vgwHangUp',
  /** Nobody spoke for `vgwPostResponseTimeoutCount` ms after the gateway finished speaking. */
  postResponseTimeout: 'vgwPostResponseTimeout',
  /** A turn forced by `vgwActForceNoInputTurn`. */
  noInputTurn: 'vgwNoInputTurn',
  callTransferred: 'vgwCallTransferred',
  callTransferFailed: 'vgwCallTransferFailed',
} as const;
export type SpecialInput = (typeof SPECIAL_INPUTS)[keyof typeof SPECIAL_INPUTS];
const specialInputSet = new Set<string>(Object.values(SPECIAL_INPUTS));
export function isSpecialInput(text: string): text is SpecialInput {
  return specialInputSet.has(text);
}

/** The recogniser's raw result as sent in `vgwSTTResponse` (the shape Watson STT used). */
export interface SttResponse {
  result_index: number;
  results: Array<{ final: boolean; alternatives: Array<{ transcript: string; confidence?: number }> }>;
}

/** What the call session knows at a turn; `gatewayContext` turns it into `vgw*` context variables. */
export interface GatewayTurnState {
  sessionId: string;
  sipCallId: string;
  /** SIP URIs in their SIP form (`sip:+447700900123@host`): IBM documents them as URIs and SOEs parse them. */
  sipRequestUri: string;
  sipFromUri: string;
  sipToUri: string;
  /** `outbound` when this gateway placed the call (POST /v1/calls), `inbound` when it was called. */
  callDirection?: 'inbound' | 'outbound';
  /** The `variables` of the request that placed an outbound call. */
  callVariables?: Record<string, unknown>;
  /** The tenant the call was routed to (IBM: the matched `tenantURI`; here the matched number entry, else the application id). */
  tenantId?: string;
  /** A stable, non-identifying per-caller value for `context.metadata.user_id` (the caller's keyed pseudonym). */
  userId?: string;
  /** The URI of the party whose speech is transcribed (the caller on a self-service call). */
  transcriptionSource?: string;
  /** INVITE headers the application chose to pass on (name → value). */
  sipCustomInviteHeaders?: Record<string, string>;
  sttResponse?: SttResponse;
  isDtmf?: boolean;
  dtmfCollectionSucceeded?: boolean;
  bargeInOccurred?: boolean;
  callTransferred?: boolean;
  callTransferFailed?: boolean;
  transferReason?: string;
  hangupReason?: string;
  /** Commands of the previous response that ran to completion. */
  completedActions?: Array<{ command: string; parameters?: unknown }>;
}

/** Variable names the gateway writes (a dialog that sets them has its value overwritten next turn). */
export const GATEWAY_VARIABLES = [
  'vgwSessionID',
  'vgwSIPCallID',
  'vgwSIPRequestURI',
  'vgwSIPFromURI',
  'vgwSIPToURI',
  'vgwCallDirection',
  'vgwCallVariables',
  'vgwSIPCustomInviteHeaders',
  'vgwTenantID',
  'vgwIsCaller',
  'vgwTranscriptionSource',
  'vgwTextAlternatives',
  'vgwSTTResponse',
  'vgwTranscriptionConfidence',
  'vgwIsDTMF',
  'vgwDTMFCollectionSucceeded',
  'vgwBargeInOccurred',
  'vgwCallTransferred',
  'vgwCallTransferFailed',
  'vgwTransferReason',
  'vgwHangupReason',
  'vgwCompletedActions',
] as const;

/**
 * Merge this turn's gateway variables into the dialog's context. Per-turn flags are always written
 * (false when not true) so a dialog never sees a stale value from an earlier turn.
 */
export function gatewayContext(previous: Record<string, unknown>, s: GatewayTurnState): Record<string, unknown> {
  const ctx: Record<string, unknown> = { ...previous };
  ctx['vgwSessionID'] = s.sessionId;
  ctx['vgwSIPCallID'] = s.sipCallId;
  ctx['vgwSIPRequestURI'] = s.sipRequestUri;
  ctx['vgwSIPFromURI'] = s.sipFromUri;
  ctx['vgwSIPToURI'] = s.sipToUri;
  ctx['vgwCallDirection'] = s.callDirection ?? 'inbound';
  if (s.callVariables) ctx['vgwCallVariables'] = s.callVariables;
  if (s.sipCustomInviteHeaders && Object.keys(s.sipCustomInviteHeaders).length) ctx['vgwSIPCustomInviteHeaders'] = s.sipCustomInviteHeaders;
  if (s.tenantId !== undefined) ctx['vgwTenantID'] = s.tenantId;
  // A self-service call transcribes only the caller (IBM sets false for the agent's side of agent assist).
  ctx['vgwIsCaller'] = true;
  ctx['vgwTranscriptionSource'] = s.transcriptionSource ?? s.sipFromUri;
  if (s.userId !== undefined) {
    const metadata = isRecord(ctx['metadata']) ? ctx['metadata'] : {};
    ctx['metadata'] = { ...metadata, user_id: s.userId };
  }
  if (s.sttResponse) ctx['vgwSTTResponse'] = s.sttResponse;
  else delete ctx['vgwSTTResponse'];
  // IBM's list of the recogniser's alternatives as {text, confidence}, best first.
  const alternatives = s.sttResponse?.results?.[s.sttResponse.result_index ?? 0]?.alternatives;
  if (alternatives?.length) ctx['vgwTextAlternatives'] = alternatives.map((a) => ({ text: a.transcript, ...(a.confidence !== undefined ? { confidence: a.confidence } : {}) }));
  else delete ctx['vgwTextAlternatives'];
  // The chosen transcript's confidence, so a dialog can reprompt on a doubtful result without
  // digging through the raw response.
  const chosen = s.sttResponse?.results?.[s.sttResponse.result_index ?? 0] ?? s.sttResponse?.results?.[0];
  const confidence = chosen?.alternatives?.[0]?.confidence;
  if (confidence !== undefined) ctx['vgwTranscriptionConfidence'] = confidence;
  else delete ctx['vgwTranscriptionConfidence'];
  ctx['vgwIsDTMF'] = s.isDtmf === true;
  if (s.dtmfCollectionSucceeded !== undefined) ctx['vgwDTMFCollectionSucceeded'] = s.dtmfCollectionSucceeded;
  else delete ctx['vgwDTMFCollectionSucceeded'];
  ctx['vgwBargeInOccurred'] = s.bargeInOccurred === true;
  if (s.callTransferred) ctx['vgwCallTransferred'] = true;
  else delete ctx['vgwCallTransferred'];
  if (s.callTransferFailed) ctx['vgwCallTransferFailed'] = true;
  else delete ctx['vgwCallTransferFailed'];
  if (s.transferReason !== undefined) ctx['vgwTransferReason'] = s.transferReason;
  else delete ctx['vgwTransferReason'];
  if (s.hangupReason !== undefined) ctx['vgwHangupReason'] = s.hangupReason;
  else delete ctx['vgwHangupReason'];
  if (s.completedActions?.length) ctx['vgwCompletedActions'] = s.completedActions;
  else delete ctx['vgwCompletedActions'];
  return ctx;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The URI of a From/To header value (`"Ann" <sip:+4477…@host;user=phone>;tag=x` → `sip:+4477…@host;user=phone`),
 * as IBM's `vgwSIPFromURI`/`vgwSIPToURI` carried it: the address without display name or header parameters.
 */
export function headerUri(header: string): string {
  const t = header.trim();
  const lt = t.indexOf('<');
  if (lt >= 0) {
    const gt = t.indexOf('>', lt);
    return t.slice(lt + 1, gt > lt ? gt : undefined).trim();
  }
  return t.replace(/;.*$/, ''); // addr-spec form: parameters belong to the header
}

// ---- variables the dialog may set ------------------------------------------------------------

const numericString = /^\s*\d+\s*$/;
const int = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && numericString.test(v) ? Number(v) : v), z.number().int().min(min).max(max));
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const DIALOG_SETTING_SCHEMAS = {
  /** Silence after the gateway finished speaking before a `vgwPostResponseTimeout` turn (ms). */
  vgwPostResponseTimeoutCount: int(0, 600_000),
  /** Hang up after this many consecutive turns without caller input (0 = never). */
  vgwDisconnectCallOnNoUserInputTurnCount: int(0, 100),
  /** Spoken, then the call hangs up, when a turn fails (dialog unreachable, bad answer). */
  vgwConversationFailedMessage: z.string().max(2000),
  /** How long a turn may take before it fails (ms). */
  vgwConversationResponseTimeout: int(100, 120_000),
  /** End the session after this long without caller activity (minutes, as in IBM Voice Gateway). */
  vgwSessionInactivityTimeout: int(1, 1440),
  /** Hang up when a transfer fails instead of sending a `vgwCallTransferFailed` turn. */
  vgwDisconnectCallOnTransferFailure: bool,
  /** Spoken when a transfer fails. */
  vgwTransferFailedMessage: z.string().max(2000),
  /** Default target for `vgwActTransfer` without a `transferTarget`. */
  vgwTransferTarget: transferTargetSchema,
  /**
   * true: a backchannel ("yeah", "mm-hmm", "okay") spoken over a prompt stops it and is the caller's
   * turn — for prompts that ask to be acknowledged ("Shall I go on?"). Noise, hums and nothing
   * recognised still resume the prompt. Default false (a backchannel resumes it).
   */
  vgwBargeInOnBackchannels: bool,
} as const;

export type DialogSettings = { [K in keyof typeof DIALOG_SETTING_SCHEMAS]?: z.output<(typeof DIALOG_SETTING_SCHEMAS)[K]> };

/** Read the gateway-behaviour variables a dialog set in its context; invalid ones are reported and left out. */
export function readDialogSettings(context: Record<string, unknown>): { settings: DialogSettings; errors: string[] } {
  const settings: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [name, schema] of Object.entries(DIALOG_SETTING_SCHEMAS)) {
    const value = context[name];
    if (value === undefined || value === null) continue;
    const r = (schema as z.ZodType).safeParse(value);
    if (r.success) settings[name] = r.data;
    else errors.push(`${name}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  }
  return { settings: settings as DialogSettings, errors };
}
