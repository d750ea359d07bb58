/**
 * Reading a streamed chat completion (`stream: true`, server-sent events) as the parts a voice
 * agent acts on, in the order they arrive: speakable pieces of the assistant's text
 * (speakable-pieces.ts: never mid-number or inside a token placeholder) and whole tool calls.
 *
 *   bytes ─▶ sseData(): the `data:` payload of each event (multi-line data joined, comments and
 *            other fields skipped, CRLF/CR/LF line ends, events split anywhere across chunks)
 *         ─▶ ChatStreamReader.read(payload): `choices[0].delta.content` → pieces;
 *            `delta.tool_calls[i]` fragments (id, name, argument text) are joined per index and a
 *            call is emitted once it is complete — when another index starts, text follows it, or
 *            the stream ends (`[DONE]` or `finish_reason`).
 *
 * Groundwork for the streaming `openai` dialog (issue 17, part 1): not yet wired to the provider.
 * A payload that is not JSON of the expected shape is an error, not skipped: the reply would be
 * incomplete.
 */
import { SpeakablePieces } from './speakable-pieces.js';

export type ChatStreamPart = { kind: 'text'; text: string } | { kind: 'tool'; id: string; name: string; arguments: string };

/** The `data` of each server-sent event in a byte stream. */
export async function* sseData(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  let data: string[] = [];
  const lines = function* (final: boolean) {
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buf);
      // A lone CR at the end of a chunk may be the first half of CRLF: wait for the next chunk.
      if (!m || (m[0] === '\r' && m.index === buf.length - 1 && !final)) return;
      const line = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      yield line;
    }
  };
  const take = function* (line: string) {
    if (line === '') {
      if (data.length) yield data.join('\n');
      data = [];
    } else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
  };
  for await (const chunk of chunks) {
    buf += decoder.decode(chunk, { stream: true });
    for (const line of lines(false)) yield* take(line);
  }
  buf += decoder.decode();
  for (const line of lines(true)) yield* take(line);
  if (buf) yield* take(buf);
  if (data.length) yield data.join('\n');
}

interface PendingTool {
  index: number;
  id: string;
  name: string;
  arguments: string;
}

export class ChatStreamReader {
  private readonly pieces = new SpeakablePieces();
  private tool?: PendingTool;
  private done = false;

  /** The stream said it was complete (`[DONE]` or a `finish_reason`): a body that ends before this was cut off. */
  get finished(): boolean {
    return this.done;
  }

  /** One event's data; returns the parts it completed. Throws on a payload of the wrong shape. */
  read(payload: string): ChatStreamPart[] {
    if (this.done) return [];
    if (payload.trim() === '[DONE]') return this.end();
    let msg: unknown;
    try {
      msg = JSON.parse(payload);
    } catch {
      throw new Error('stream event is not JSON');
    }
    const choice = (msg as { choices?: unknown[] })?.choices?.[0] as { delta?: { content?: unknown; tool_calls?: unknown }; finish_reason?: unknown } | undefined;
    if (!choice || typeof choice !== 'object') throw new Error('stream event has no choices');
    const out: ChatStreamPart[] = [];
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content) {
      out.push(...this.flushTool());
      for (const text of this.pieces.push(delta.content)) out.push({ kind: 'text', text });
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const t of delta.tool_calls as { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } }[]) {
        const index = typeof t.index === 'number' ? t.index : 0;
        if (!this.tool || this.tool.index !== index) {
          // Text before a tool call is spoken before the action runs: finish the pending piece first.
          if (!this.tool) for (const text of this.pieces.end()) out.push({ kind: 'text', text });
          out.push(...this.flushTool());
          this.tool = { index, id: '', name: '', arguments: '' };
        }
        if (typeof t.id === 'string') this.tool.id += t.id;
        if (typeof t.function?.name === 'string') this.tool.name += t.function.name;
        if (typeof t.function?.arguments === 'string') this.tool.arguments += t.function.arguments;
      }
    }
    if (choice.finish_reason) out.push(...this.end());
    return out;
  }

  /** The stream ended: the last piece and any pending tool call. */
  end(): ChatStreamPart[] {
    if (this.done) return [];
    this.done = true;
    const out: ChatStreamPart[] = this.pieces.end().map((text) => ({ kind: 'text' as const, text }));
    return [...out, ...this.flushTool()];
  }

  private flushTool(): ChatStreamPart[] {
    const t = this.tool;
    this.tool = undefined;
    if (!t) return [];
    return [{ kind: 'tool', id: t.id, name: t.name, arguments: t.arguments || '{}' }];
  }
}
