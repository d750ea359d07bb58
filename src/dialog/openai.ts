/**
 * OpenAI-compatible chat-completions provider for LLM agents:
 *   POST {baseUrl}/v1/chat/completions  { model, messages: [system, …history], tools, max_tokens }
 * The assistant's `content` is spoken; its `tool_calls` become action commands:
 *   hangup()                          → vgwActHangup
 *   transfer(target)                  → vgwActTransfer to the URI configured under that *name*
 *                                       (the model never picks a raw address, so a prompt injection
 *                                       cannot send the call to an arbitrary number)
 *   collect_dtmf(min, max, termKey)   → vgwActCollectDTMF
 *   send_dtmf(digits)                 → vgwActSendDTMF
 * Every mapped command goes through the same `parseAction` validation as the other providers.
 * With `stream: true` (the default) `turnStream` reads the answer as it arrives (server-sent events)
 * and yields speakable pieces and actions in order, so the call speaks the first clause at once.
 * History is kept in the instance (one per call) and bounded: the oldest messages are dropped so the
 * history always starts at a user message (never orphaning tool results).
 */
import { z } from 'zod';
import { describeIssue, parseAction, type ActionCommand } from './actions.js';
import { SPECIAL_INPUTS } from './context-vars.js';
import type { OpenAiDialogConfig } from './config.js';
import { ChatStreamReader, sseData, type ChatStreamPart } from './chat-stream.js';
import { streamError, type HttpClient } from './http-client.js';
import { placeText } from './response.js';
import { DialogError, type Dialog, type TurnPart, type TurnRequest, type TurnResponse } from './types.js';

type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };
type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };

const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(z.object({ id: z.string(), type: z.literal('function').default('function'), function: z.object({ name: z.string(), arguments: z.string().default('{}') }) }))
            .optional(),
        }),
      }),
    )
    .min(1),
});

export function openAiTools(transferTargets: readonly string[]): unknown[] {
  const tools: unknown[] = [
    { type: 'function', function: { name: 'hangup', description: 'End the call after speaking your reply.', parameters: { type: 'object', properties: {}, additionalProperties: false } } },
    {
      type: 'function',
      function: {
        name: 'collect_dtmf',
        description: 'Ask the caller to type digits on the keypad; the digits arrive as the next user message.',
        parameters: {
          type: 'object',
          properties: {
            min: { type: 'integer', minimum: 1, maximum: 64, description: 'fewest digits' },
            max: { type: 'integer', minimum: 1, maximum: 64, description: 'most digits' },
            termKey: { type: 'string', enum: ['#', '*'], description: 'key that ends the input' },
          },
          additionalProperties: false,
        },
      },
    },
    {
      type: 'function',
      function: {
        name: 'send_dtmf',
        description: 'Send keypad tones to the other party (e.g. to navigate a remote menu).',
        parameters: { type: 'object', properties: { digits: { type: 'string', pattern: '^[0-9*#A-D]{1,64}$' } }, required: ['digits'], additionalProperties: false },
      },
    },
  ];
  if (transferTargets.length) {
    tools.push({
      type: 'function',
      function: {
        name: 'transfer',
        description: 'Transfer the call to one of the named destinations.',
        parameters: { type: 'object', properties: { target: { type: 'string', enum: [...transferTargets] } }, required: ['target'], additionalProperties: false },
      },
    });
  }
  return tools;
}

export class OpenAiDialog implements Dialog {
  private history: ChatMessage[] = [];
  private readonly url: string;
  private readonly tools: unknown[];

  constructor(
    private readonly cfg: OpenAiDialogConfig,
    private readonly client: HttpClient,
  ) {
    this.url = `${cfg.baseUrl.replace(/\/+$/, '')}/v1/chat/completions`;
    this.tools = openAiTools(Object.keys(cfg.transferTargets));
    if (cfg.stream) this.turnStream = (req, signal) => this.streamTurn(req, signal);
  }

  /** The bounded history (for tests and diagnostics). */
  get messages(): readonly ChatMessage[] {
    return this.history;
  }

  /** Set when `stream` is on (the default): the turn loop then speaks each piece as it arrives. */
  readonly turnStream?: (req: TurnRequest, signal?: AbortSignal) => AsyncGenerator<TurnPart, TurnResponse, void>;

  async turn(req: TurnRequest, signal?: AbortSignal): Promise<TurnResponse> {
    const start = this.begin(req);
    if ('done' in start) return start.done;
    const json = await this.client.postJson(this.url, start.body, this.headers(), signal);
    const parsed = completionSchema.safeParse(json);
    if (!parsed.success) throw new DialogError('bad-response', `${new URL(this.url).host} answered with no usable choices[0].message`);
    const message = parsed.data.choices[0]!.message;
    const content = message.content?.trim() ?? '';
    const calls = message.tool_calls ?? [];
    const actions: ActionCommand[] = [];
    const warnings: string[] = [];
    calls.forEach((call, i) => this.addAction(call, i, actions, warnings));
    this.answered(content, calls);
    return placeText(content ? [content] : [], actions, start.context, warnings);
  }

  /**
   * The turn with `stream: true`: the answer is read as server-sent events (chat-stream.ts) and
   * yielded as speakable pieces and actions in arrival order. The history keeps what arrived, also
   * when the caller interrupted and the iteration was stopped.
   */
  private async *streamTurn(req: TurnRequest, signal?: AbortSignal): AsyncGenerator<TurnPart, TurnResponse, void> {
    const start = this.begin(req);
    if ('done' in start) {
      for (const text of start.done.text) yield { kind: 'text', text };
      return start.done;
    }
    const texts: string[] = [];
    const calls: ToolCall[] = [];
    const actions: ActionCommand[] = [];
    const warnings: string[] = [];
    const reader = new ChatStreamReader();
    const host = new URL(this.url).host;
    const body = await this.client.postStream(this.url, { ...start.body, stream: true }, this.headers(), signal);
    try {
      const read = (payload: string): ChatStreamPart[] => {
        try {
          return reader.read(payload);
        } catch {
          throw new DialogError('bad-response', `${host} sent a stream event that is not a chat completion chunk`);
        }
      };
      const parts = async function* () {
        for await (const payload of sseData(body)) yield* read(payload);
        // A body that ends without `[DONE]` or a finish_reason was cut off: the reply is incomplete.
        if (!reader.finished) throw new DialogError('network', `${host}: the stream ended before the reply was complete`);
      };
      for await (const part of parts()) {
        if (part.kind === 'text') {
          texts.push(part.text);
          yield { kind: 'text', text: part.text };
          continue;
        }
        const call: ToolCall = { id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } };
        calls.push(call);
        const before = actions.length;
        this.addAction(call, calls.length - 1, actions, warnings);
        for (const action of actions.slice(before)) yield { kind: 'action', action };
      }
    } catch (e) {
      throw streamError(e, this.url, signal);
    } finally {
      this.answered(texts.join(' '), calls);
    }
    return { text: texts, actions, context: start.context, warnings };
  }

  /** The request body for a turn, or the answer when the model need not be asked. */
  private begin(req: TurnRequest): { body: Record<string, unknown>; context: Record<string, unknown> } | { done: TurnResponse } {
    const context = { ...req.context };
    if (req.isFirstTurn && this.cfg.greeting) {
      this.push({ role: 'assistant', content: this.cfg.greeting });
      return { done: { text: [this.cfg.greeting], actions: [], context, warnings: [] } };
    }
    if (!req.isFirstTurn) {
      const user = this.userMessage(req);
      if (user === undefined) return { done: { text: [], actions: [], context, warnings: [] } };
      this.push({ role: 'user', content: user });
    }
    const body: Record<string, unknown> = {
      model: this.cfg.model,
      messages: [{ role: 'system', content: this.cfg.systemPrompt }, ...this.history],
      tools: this.tools,
      max_tokens: this.cfg.maxTokens,
      ...(this.cfg.temperature !== undefined ? { temperature: this.cfg.temperature } : {}),
    };
    return { body, context };
  }

  private headers(): Record<string, string> {
    return this.cfg.apiKey ? { Authorization: `Bearer ${this.cfg.apiKey}` } : {};
  }

  /** One tool call as a validated action (or the warning why not). */
  private addAction(call: ToolCall, i: number, actions: ActionCommand[], warnings: string[]): void {
    const mapped = this.mapToolCall(call);
    if ('warning' in mapped) {
      warnings.push(`tool call #${i}: ${mapped.warning}`);
      return;
    }
    const r = parseAction(mapped.action, i);
    if (r.ok) {
      actions.push(r.action);
      warnings.push(...r.warnings);
    } else warnings.push(describeIssue(r.error));
  }

  /** The model's answer into the history, each tool call followed by its result. */
  private answered(content: string, calls: ToolCall[]): void {
    if (!content && !calls.length) return;
    this.push({ role: 'assistant', content: content || null, ...(calls.length ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: c.function })) } : {}) });
    for (const c of calls) this.push({ role: 'tool', tool_call_id: c.id, content: c.function.name === 'collect_dtmf' ? 'collecting; the digits arrive as the next user message' : 'done' });
  }

  /** The user message for an input, or undefined when the model need not be asked (caller hung up). */
  private userMessage(req: TurnRequest): string | undefined {
    if ('dtmf' in req.input) return `(keypad) ${req.input.dtmf}`;
    switch (req.input.text) {
      case SPECIAL_INPUTS.hangUp:
      case SPECIAL_INPUTS.callTransferred:
        return undefined;
      case SPECIAL_INPUTS.postResponseTimeout:
      case SPECIAL_INPUTS.noInputTurn:
        return '(the caller said nothing)';
      case SPECIAL_INPUTS.callTransferFailed:
        return '(the transfer failed; the caller is still on the line)';
      default:
        return req.input.text;
    }
  }

  private mapToolCall(call: { function: { name: string; arguments: string } }): { action: unknown } | { warning: string } {
    let args: Record<string, unknown>;
    try {
      const v = JSON.parse(call.function.arguments || '{}') as unknown;
      args = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return { warning: `${call.function.name}: arguments are not JSON` };
    }
    switch (call.function.name) {
      case 'hangup':
        return { action: { command: 'vgwActHangup' } };
      case 'transfer': {
        const name = typeof args['target'] === 'string' ? args['target'] : '';
        const uri = Object.hasOwn(this.cfg.transferTargets, name) ? this.cfg.transferTargets[name] : undefined;
        if (!uri) return { warning: `transfer: "${name}" is not a configured transfer target` };
        return { action: { command: 'vgwActTransfer', parameters: { transferTarget: uri, transferMethod: 'REFER' } } };
      }
      case 'collect_dtmf': {
        const parameters: Record<string, unknown> = {};
        if (args['min'] !== undefined) parameters['dtmfMinCount'] = args['min'];
        if (args['max'] !== undefined) parameters['dtmfMaxCount'] = args['max'];
        if (args['termKey'] !== undefined) parameters['dtmfTermKey'] = args['termKey'];
        return { action: { command: 'vgwActCollectDTMF', parameters } };
      }
      case 'send_dtmf':
        return { action: { command: 'vgwActSendDTMF', parameters: { digits: args['digits'] } } };
      default:
        return { warning: `unknown tool "${call.function.name}"` };
    }
  }

  private push(m: ChatMessage): void {
    this.history.push(m);
    const max = this.cfg.maxHistoryMessages;
    if (this.history.length <= max) return;
    let start = this.history.length - max;
    while (start < this.history.length && this.history[start]!.role !== 'user') start++;
    // in the middle of a tool exchange no user message may be left in range: keep the tail as is
    if (start < this.history.length) this.history = this.history.slice(start);
  }
}
