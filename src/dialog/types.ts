/**
 * The `Dialog` seam: what the call session asks a dialog service each turn and what it gets back.
 * Every provider (local flow, webhook/SOE, Watson Assistant, OpenAI-compatible) implements this one
 * small interface; the call session knows nothing else about them. Failures that the call must turn
 * into an error turn (timeouts, bad JSON, HTTP errors) are thrown as a typed `DialogError`.
 */
import type { ActionCommand } from './actions.js';

/** What the caller said (the recogniser's best transcript, or a special input such as `vgwHangUp`) or keyed. */
export type TurnInput = { text: string } | { dtmf: string };

export type DialogContext = Record<string, unknown>;

export interface TurnRequest {
  input: TurnInput;
  /** True on the call's first turn (the input text is then empty, as IBM Voice Gateway sent it). */
  isFirstTurn: boolean;
  /** The whole opaque context from the previous response, plus the gateway-set `vgw*` variables. */
  context: DialogContext;
}

/**
 * What the caller has said so far in a turn that is not over (issue 17): a hint, not a turn. The
 * dialog's answer is not read and its context is not changed; the gateway has put the text through
 * the privacy gate for partials (DialogGate.outboundPartial) before a provider sees it.
 */
export interface PartialRequest {
  input: { text: string };
  /** The context as the last turn sent it (gated), with the gateway's `vgw*` variables. */
  context: DialogContext;
  /** 1, 2, … within the call: a receiver can drop a partial that arrived after a newer one. */
  sequence: number;
}

export interface TurnResponse {
  /** Utterances to speak, in order. */
  text: string[];
  /** Validated action commands, in the order the dialog listed them. */
  actions: ActionCommand[];
  /** The context to send back next turn (opaque to the gateway apart from `vgw*` variables). */
  context: DialogContext;
  /** Things the dialog asked for that were refused or ignored (invalid or unsupported actions), for the call log. */
  warnings: string[];
  /** Intent names the dialog recognised (Watson's `intents[].intent`), for reporting. */
  intents?: string[];
}

/** Intent names from a Watson-style `intents: [{intent, confidence}]` list. */
export function intentNames(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const names = v.map((i) => (typeof i === 'object' && i !== null && typeof (i as { intent?: unknown }).intent === 'string' ? (i as { intent: string }).intent : undefined)).filter((n): n is string => !!n);
  return names.length ? names.slice(0, 16) : undefined;
}

/** What the speech recogniser should expect on the next turn (grammar phrases and/or keypad input). */
export interface Expectations {
  phrases?: string[];
  dtmf?: boolean;
}

/**
 * A part of a reply that streams (issue 17): a speakable piece of text (a clause or sentence,
 * never mid-number nor inside a token placeholder) or one action command, in the dialog's order.
 */
export type TurnPart = { kind: 'text'; text: string } | { kind: 'action'; action: ActionCommand };

export interface Dialog {
  turn(req: TurnRequest, signal?: AbortSignal): Promise<TurnResponse>;
  /**
   * The same turn, streamed: yields the parts as they arrive and returns the whole response (all
   * texts, actions, context and warnings) at the end. Stopping the iteration (`return()`, or the
   * signal) abandons the request. Only providers that can stream implement it; it throws `DialogError`.
   */
  turnStream?(req: TurnRequest, signal?: AbortSignal): AsyncGenerator<TurnPart, TurnResponse, void>;
  /**
   * Deliver a partial transcript; present only when the application asked for them (a webhook's
   * `partialResultUrl`). It throws `DialogError`; the call goes on either way.
   */
  partial?(req: PartialRequest, signal?: AbortSignal): Promise<void>;
  /** Hint for the next turn's recogniser; only providers that know their grammar implement it. */
  expectations?(): Expectations;
  close?(): Promise<void>;
}

export type DialogErrorKind =
  | 'timeout' // the dialog service did not answer in time
  | 'network' // connection refused/reset, TLS failure
  | 'http' // a non-2xx status after retries
  | 'bad-response' // not JSON, or JSON of the wrong shape
  | 'auth' // credentials refused, or token exchange failed
  | 'insecure' // plain http to a target not marked allowInsecure
  | 'aborted' // the caller's AbortSignal fired (call ended)
  | 'config'; // the provider is misconfigured (bad flow file, ...)

/** A turn that could not be completed; the call session answers it with `vgwConversationFailedMessage`. */
export class DialogError extends Error {
  override readonly name = 'DialogError';
  constructor(
    readonly kind: DialogErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The text a remote dialog receives for an input: DTMF digits are sent as text (with `vgwIsDTMF`), as IBM Voice Gateway did. */
export function inputText(input: TurnInput): string {
  return 'text' in input ? input.text : input.dtmf;
}

export function isDtmfInput(input: TurnInput): input is { dtmf: string } {
  return 'dtmf' in input;
}
