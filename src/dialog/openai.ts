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
 * History is kept in the instance (one per call) and bounded: the oldest messages are dropped so the
 * history always starts at a user message (never orphaning tool results).
 */
import { z } from 'zod';
import { describeIssue, parseAction, type ActionCommand } from './actions.js';
import { SPECIAL_INPUTS } from './context-vars.js';
import type { OpenAiDialogConfig } from './config.js';
import type { HttpClient } from './http-client.js';
import { placeText } from './response.js';
import { DialogError, type Dialog, type TurnRequest, type TurnResponse } from './types.js';

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
  }

  /** The bounded history (for tests and diagnostics). */
  get messages(): readonly ChatMessage[] {
    return this.history;
  }

  async turn(req: TurnRequest, signal?: AbortSignal): Promise<TurnResponse> {
    const context = { ...req.context };
    if (req.isFirstTurn && this.cfg.greeting) {
      this.push({ role: 'assistant', content: this.cfg.greeting });
      return { text: [this.cfg.greeting], actions: [], context, warnings: [] };
    }
    if (!req.isFirstTurn) {
      const user = this.userMessage(req);
      if (user === undefined) return { text: [], actions: [], context, warnings: [] };
      this.push({ role: 'user', content: user });
    }

    const body: Record<string, unknown> = {
      model: this.cfg.model,
      messages: [{ role: 'system', content: this.cfg.systemPrompt }, ...this.history],
      tools: this.tools,
      max_tokens: this.cfg.maxTokens,
      ...(this.cfg.temperature !== undefined ? { temperature: this.cfg.temperature } : {}),
    };
    const headers: Record<string, string> = this.cfg.apiKey ? { Authorization: `Bearer ${this.cfg.apiKey}` } : {};
    const json = await this.client.postJson(this.url, body, headers, signal);
    const parsed = completionSchema.safeParse(json);
    if (!parsed.success) throw new DialogError('bad-response', `${new URL(this.url).host} answered with no usable choices[0].message`);
    const message = parsed.data.choices[0]!.message;
    const content = message.content?.trim() ?? '';
    const calls = message.tool_calls ?? [];

    const actions: ActionCommand[] = [];
    const warnings: string[] = [];
    calls.forEach((call, i) => {
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
    });

    this.push({ role: 'assistant', content: content || null, ...(calls.length ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: c.function })) } : {}) });
    for (const c of calls) this.push({ role: 'tool', tool_call_id: c.id, content: c.function.name === 'collect_dtmf' ? 'collecting; the digits arrive as the next user message' : 'done' });
    return placeText(content ? [content] : [], actions, context, warnings);
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
