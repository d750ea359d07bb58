/**
 * The Watson Assistant v1 message exchange, which is also the Service Orchestration Engine (SOE)
 * contract IBM Voice Gateway spoke, so existing SOEs work unchanged:
 *   POST {url}/v1/workspaces/{workspaceId}/message?version={version}
 *   { "input": { "text": "…" }, "context": { …the whole context, with the vgw* variables… } }
 *   → { "output": { "text": [...], "generic"?: [...], "vgwAction"?: {...}, "vgwActionSequence"?: [...] }, "context": {...} }
 * The first turn sends empty text; DTMF is sent as its digits with `vgwIsDTMF: true`.
 * Used by the `webhook` provider (Basic/Bearer auth plus our HMAC signature) and by the
 * `watson-assistant` provider with `apiVersion: v1` (IAM auth).
 *
 * Partial transcripts (a webhook's `partialResultUrl` only): POST { "input": { "text" }, "context",
 * "final": false, "sequence" } with the same headers, one attempt, any 2xx, the answer not read.
 */
import type { HttpClient } from './http-client.js';
import { responseFromOutput } from './response.js';
import { signRequest } from './signature.js';
import { DialogError, inputText, intentNames, isDtmfInput, type Dialog, type PartialRequest, type TurnRequest, type TurnResponse } from './types.js';

export interface V1MessageOptions {
  client: HttpClient;
  /** Service base URL (without /v1/...). */
  url: string;
  workspaceId: string;
  version: string;
  /** Authorization headers for a request (async: an IAM token may need fetching). */
  authHeaders: (signal?: AbortSignal) => Promise<Record<string, string>>;
  /** HMAC secret for X-Hushgate-Signature. */
  secret?: string;
  /** Where partial transcripts go; without it the dialog takes none (`partial` is absent). */
  partialUrl?: string;
}

export function v1MessageUrl(base: string, workspaceId: string, version: string): string {
  return `${base.replace(/\/+$/, '')}/v1/workspaces/${encodeURIComponent(workspaceId)}/message?version=${encodeURIComponent(version)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class V1MessageDialog implements Dialog {
  private readonly url: string;
  private readonly host: string;

  /** Present only with a `partialUrl`: the call asks `dialog.partial` whether partials are wanted at all. */
  readonly partial?: (req: PartialRequest, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: V1MessageOptions) {
    this.url = v1MessageUrl(opts.url, opts.workspaceId, opts.version);
    this.host = new URL(this.url).host;
    const partialUrl = opts.partialUrl;
    if (partialUrl) this.partial = (req, signal) => this.#postPartial(partialUrl, req, signal);
  }

  async #postPartial(url: string, req: PartialRequest, signal?: AbortSignal): Promise<void> {
    const body = JSON.stringify({ input: { text: req.input.text }, context: req.context, final: false, sequence: req.sequence });
    const headers = await this.#headers(signal);
    await this.opts.client.request({ method: 'POST', url, body, headers: (b) => ({ 'Content-Type': 'application/json', ...headers(b) }) }, signal, true);
  }

  /** Auth and, with a secret, the signature over each attempt's body (a fresh timestamp per attempt). */
  async #headers(signal?: AbortSignal): Promise<(body: string) => Record<string, string>> {
    const auth = await this.opts.authHeaders(signal);
    const { clock } = this.opts.client;
    const secret = this.opts.secret;
    return (b) => ({ ...auth, ...(secret ? signRequest(secret, b, clock.epochMs()) : {}) });
  }

  async turn(req: TurnRequest, signal?: AbortSignal): Promise<TurnResponse> {
    const context: Record<string, unknown> = { ...req.context };
    if (isDtmfInput(req.input)) context['vgwIsDTMF'] = true;
    const body = { input: { text: req.isFirstTurn ? '' : inputText(req.input) }, context };
    const json = await this.opts.client.postJson(this.url, body, await this.#headers(signal), signal);
    return readV1Answer(json, req.context, this.host);
  }

  async close(): Promise<void> {}
}

/** Validate a v1 answer's shape and build the turn response. */
export function readV1Answer(json: unknown, previousContext: Record<string, unknown>, host: string): TurnResponse {
  if (!isRecord(json) || !isRecord(json['output'])) throw new DialogError('bad-response', `${host} answered without an "output" object`);
  const hasContext = isRecord(json['context']);
  const response = responseFromOutput(json['output'], hasContext ? (json['context'] as Record<string, unknown>) : { ...previousContext });
  if (!hasContext) response.warnings.push('the answer had no "context"; the previous context is kept');
  const intents = intentNames(json['intents']);
  if (intents) response.intents = intents;
  return response;
}

