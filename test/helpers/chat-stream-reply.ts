/**
 * A streamed OpenAI chat completion as a `recording-server` reply (`stream: true`): server-sent
 * events `data: {"choices":[{"index":0,"delta":{…}}]}` paced like a real model — the first token
 * after `firstTokenMs`, then `tokensPerSecond` — tool calls sent in argument fragments, then
 * `finish_reason` and `data: [DONE]`. Used by the streaming tests and bench/turn-latency.
 */
import type { Reply } from './recording-server.js';

export interface ChatStreamScript {
  text?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  /** Default 300 ms. */
  firstTokenMs?: number;
  /** Default 40. */
  tokensPerSecond?: number;
  /** Called when each token is written (ms since the request), e.g. to time the first one. */
  onToken?: (index: number, text: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tokens as a BPE tokenizer roughly cuts English: a word with its leading space, punctuation apart. */
export function tokens(text: string): string[] {
  return text.match(/ ?[A-Za-z']+| ?\d{1,3}|[^\sA-Za-z\d]| +/g) ?? [];
}

export function chatStreamReply(s: ChatStreamScript): Reply {
  const gap = 1000 / (s.tokensPerSecond ?? 40);
  const event = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'test', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  async function* body() {
    yield event({ role: 'assistant', content: '' });
    await sleep(s.firstTokenMs ?? 300);
    for (const [i, t] of tokens(s.text ?? '').entries()) {
      if (i > 0) await sleep(gap);
      s.onToken?.(i, t);
      yield event({ content: t });
    }
    for (const [n, call] of (s.toolCalls ?? []).entries()) {
      const args = JSON.stringify(call.arguments);
      await sleep(gap);
      yield event({ tool_calls: [{ index: n, id: `call_${n}`, type: 'function', function: { name: call.name, arguments: '' } }] });
      for (let k = 0; k < args.length; k += 8) {
        await sleep(gap);
        yield event({ tool_calls: [{ index: n, function: { arguments: args.slice(k, k + 8) } }] });
      }
    }
    yield event({}, s.toolCalls?.length ? 'tool_calls' : 'stop');
    yield 'data: [DONE]\n\n';
  }
  return { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, stream: body() };
}
