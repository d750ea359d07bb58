/**
 * Streamed chat completions (src/dialog/chat-stream.ts): SSE framing split anywhere, text cut into
 * speakable pieces, tool calls joined from fragments and emitted in order with the text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatStreamReader, sseData, type ChatStreamPart } from '../../src/dialog/chat-stream.js';

async function* bytes(text: string, size: number): AsyncGenerator<Uint8Array> {
  const b = new TextEncoder().encode(text);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function collect(text: string, size: number): Promise<string[]> {
  const out: string[] = [];
  for await (const d of sseData(bytes(text, size))) out.push(d);
  return out;
}

test('SSE: data payloads whatever the chunking and line ends; comments and other fields skipped; multi-line data joined', async () => {
  const stream = ': keep-alive\r\n\r\nevent: x\r\ndata: {"a":1}\r\n\r\ndata: one\ndata: two\n\nid: 3\rdata:[DONE]\r\r';
  for (const size of [1, 2, 3, 7, stream.length]) assert.deepEqual(await collect(stream, size), ['{"a":1}', 'one\ntwo', '[DONE]'], String(size));
  assert.deepEqual(await collect('data: é€\n\n', 1), ['é€'], 'UTF-8 split across chunks');
  assert.deepEqual(await collect('data: last', 4), ['last'], 'an unterminated last event');
});

const ev = (delta: unknown, finish?: string) => JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish ?? null }] });

function run(events: string[]): ChatStreamPart[] {
  const r = new ChatStreamReader();
  const out: ChatStreamPart[] = [];
  for (const e of events) out.push(...r.read(e));
  out.push(...r.end());
  return out;
}

test('text deltas become speakable pieces as soon as complete', () => {
  const r = new ChatStreamReader();
  assert.deepEqual(r.read(ev({ role: 'assistant', content: '' })), []);
  assert.deepEqual(r.read(ev({ content: 'Your balance is 1,2' })), []);
  // The sentence is complete once the next word's first letter shows it does not go on in lower case
  // ("approx. five" would): an upper-case "A" is enough, the rest of "Anything" is not waited for.
  assert.deepEqual(r.read(ev({ content: '34.50 dollars. Any' })), [{ kind: 'text', text: 'Your balance is 1,234.50 dollars.' }]);
  assert.deepEqual(r.read(ev({ content: 'thing else?' })), []);
  assert.deepEqual(r.read('[DONE]'), [{ kind: 'text', text: 'Anything else?' }]);
});

test('tool calls from fragments, in order with the text around them; several calls by index', () => {
  const parts = run([
    ev({ content: 'Transferring you now' }),
    ev({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'trans', arguments: '' } }] }),
    ev({ tool_calls: [{ index: 0, function: { name: 'fer', arguments: '{"target":' } }] }),
    ev({ tool_calls: [{ index: 0, function: { arguments: '"sales"}' } }] }),
    ev({ tool_calls: [{ index: 1, id: 'call_2', function: { name: 'hangup', arguments: '' } }] }),
    ev({}, 'tool_calls'),
  ]);
  assert.deepEqual(parts, [
    { kind: 'text', text: 'Transferring you now' },
    { kind: 'tool', id: 'call_1', name: 'transfer', arguments: '{"target":"sales"}' },
    { kind: 'tool', id: 'call_2', name: 'hangup', arguments: '{}' },
  ]);
});

test('text after a tool call comes after it; token placeholders are never split', () => {
  const parts = run([
    ev({ tool_calls: [{ index: 0, id: 'c', function: { name: 'collect_dtmf', arguments: '{}' } }] }),
    ev({ content: 'Your card [CREDIT_DEBIT' }),
    ev({ content: '_NUMBER_1]. Please type it again.' }),
  ]);
  assert.deepEqual(parts, [
    { kind: 'tool', id: 'c', name: 'collect_dtmf', arguments: '{}' },
    { kind: 'text', text: 'Your card [CREDIT_DEBIT_NUMBER_1].' },
    { kind: 'text', text: 'Please type it again.' },
  ]);
});

test('a payload of the wrong shape is an error, not skipped', () => {
  assert.throws(() => new ChatStreamReader().read('{not json'), /not JSON/);
  assert.throws(() => new ChatStreamReader().read('{"error":{"message":"x"}}'), /no choices/);
});
