/**
 * The openai provider with `stream: true` against a local server speaking OpenAI's streaming chat
 * completions (server-sent events, paced tokens, tool calls in fragments, `[DONE]`): pieces and
 * actions yielded in order as they arrive, history kept (also of an interrupted reply), failures as
 * DialogErrors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dialogConfigSchema, DialogError, type TurnPart, type TurnResponse } from '../../src/dialog/index.js';
import { createDialogFactory } from '../../src/dialog/create.js';
import type { OpenAiDialog } from '../../src/dialog/openai.js';
import { startRecordingServer, type RecordedRequest, type Reply, type RecordingServer } from '../helpers/recording-server.js';
import { chatStreamReply } from '../helpers/chat-stream-reply.js';

let server: RecordingServer;
let fiveHundreds = 0;

function llm(req: RecordedRequest): Reply {
  const body = JSON.parse(req.text);
  if (body.stream !== true) return { status: 400, json: { error: 'expected stream: true' } };
  const last = body.messages.at(-1);
  const said: string = last.role === 'user' ? last.content : '';
  if (said === 'flaky' && fiveHundreds++ === 0) return { status: 503, json: {} };
  if (said === 'cut off') return { headers: { 'content-type': 'text/event-stream' }, stream: (async function* () { yield 'data: {"choices":[{"delta":{"content":"Your balance is "}}]}\n\n'; })() };
  if (said === 'garbage') return { headers: { 'content-type': 'text/event-stream' }, stream: (async function* () { yield 'data: {"choices":[{"delta":{"content":"Hi. "}}]}\n\n'; yield 'data: {not json\n\n'; })() };
  if (said === 'transfer me') return chatStreamReply({ text: 'Sure, I will connect you to sales now. One moment please.', toolCalls: [{ name: 'transfer', arguments: { target: 'sales' } }], firstTokenMs: 20, tokensPerSecond: 400 });
  if (said === 'long') return chatStreamReply({ text: 'This is a very long answer, which goes on and on for a while. And then some more, so the caller interrupts it.', firstTokenMs: 20, tokensPerSecond: 20 });
  return chatStreamReply({ text: 'Your balance is 1,234.56 pounds, as of today. Anything else?', firstTokenMs: 20, tokensPerSecond: 400 });
}

before(async () => {
  server = await startRecordingServer(llm);
});
after(async () => {
  await server.close();
});

async function newDialog(over: Record<string, unknown> = {}) {
  const cfg = dialogConfigSchema.parse({ provider: 'openai', baseUrl: server.url, model: 'm', apiKey: 'sk-test', allowInsecure: true, systemPrompt: 'You are a bank agent.', transferTargets: { sales: 'sip:sales@pbx.example' }, retries: 1, backoffMs: 10, ...over });
  const r = await createDialogFactory(cfg);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return { dialog: r.factory.newDialog() as OpenAiDialog, close: () => r.factory.close() };
}

async function collect(gen: AsyncGenerator<TurnPart, TurnResponse, void>): Promise<{ parts: TurnPart[]; response: TurnResponse }> {
  const parts: TurnPart[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { parts, response: r.value };
    parts.push(r.value);
  }
}

const ask = (text: string) => ({ input: { text }, isFirstTurn: false, context: { k: 1 } });

describe('openai provider, streamed', () => {
  it('requests stream: true with the bearer key and yields speakable pieces, never cutting a number', async () => {
    const { dialog, close } = await newDialog();
    assert.ok(dialog.turnStream, 'stream is the default');
    const { parts, response } = await collect(dialog.turnStream!(ask('balance')));
    assert.deepEqual(parts, [{ kind: 'text', text: 'Your balance is 1,234.56 pounds,' }, { kind: 'text', text: 'as of today.' }, { kind: 'text', text: 'Anything else?' }]);
    assert.deepEqual(response.text, ['Your balance is 1,234.56 pounds,', 'as of today.', 'Anything else?']);
    assert.deepEqual(response.context, { k: 1 });
    const req = server.requests.at(-1)!;
    assert.equal(req.headers['authorization'], 'Bearer sk-test');
    assert.equal(req.headers['accept'], 'text/event-stream');
    assert.deepEqual(dialog.messages.at(-1), { role: 'assistant', content: 'Your balance is 1,234.56 pounds, as of today. Anything else?' });
    assert.ok(dialog.messages.at(-2)!.role === 'user');
    close();
  });

  it('a tool call arriving after the text becomes a validated action, after the pieces before it', async () => {
    const { dialog, close } = await newDialog();
    const { parts, response } = await collect(dialog.turnStream!(ask('transfer me')));
    assert.deepEqual(parts.map((p) => p.kind), ['text', 'text', 'action']);
    assert.deepEqual(parts.at(-1), { kind: 'action', action: { command: 'vgwActTransfer', parameters: { transferTarget: 'sip:sales@pbx.example', transferMethod: 'REFER' } } });
    assert.equal(response.actions.length, 1);
    assert.deepEqual(dialog.messages.slice(-2).map((m) => m.role), ['assistant', 'tool']);
    close();
  });

  it('stopping the iteration aborts the request; what arrived stays in the history', async () => {
    const { dialog, close } = await newDialog();
    const gen = dialog.turnStream!(ask('long'));
    const first = await gen.next();
    assert.deepEqual(first.value, { kind: 'text', text: 'This is a very long answer,' });
    await gen.return(undefined as never);
    const req = server.requests.at(-1)!;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(req.clientClosedEarly, true, 'the server saw the client go away before the end');
    assert.match(String(dialog.messages.at(-1)!['content' as never]), /^This is a very long answer,/);
    close();
  });

  it('an abort signal mid-stream is an aborted DialogError; a 503 before the stream is retried; a malformed event is bad-response', async () => {
    const { dialog, close } = await newDialog();
    const ac = new AbortController();
    const gen = dialog.turnStream!(ask('long'), ac.signal);
    await gen.next();
    ac.abort();
    await assert.rejects(gen.next(), (e: unknown) => e instanceof DialogError && e.kind === 'aborted');
    const flaky = await collect(dialog.turnStream!(ask('flaky')));
    assert.equal(flaky.parts.length, 3, 'answered after one retry');
    assert.equal(fiveHundreds, 2, 'one 503, then the stream');
    const bad = dialog.turnStream!(ask('garbage'));
    await assert.rejects(collect(bad), (e: unknown) => e instanceof DialogError && e.kind === 'bad-response' && !/not json/.test(e.message));
    await assert.rejects(collect(dialog.turnStream!(ask('cut off'))), (e: unknown) => e instanceof DialogError && e.kind === 'network' && /before the reply was complete/.test(e.message), 'a body ending without [DONE] is not a complete reply');
    close();
    const wrong = await newDialog({ apiKey: 'sk-wrong' });
    // the server above ignores the key; a 401 comes from a server that checks it
    const strict = await startRecordingServer(() => ({ status: 401, json: { error: 'bad key' } }));
    const d = await newDialog({ baseUrl: strict.url });
    await assert.rejects(collect(d.dialog.turnStream!(ask('x'))), (e: unknown) => e instanceof DialogError && e.kind === 'auth');
    d.close();
    wrong.close();
    await strict.close();
  });

  it('stream: false keeps the one-shot turn (no turnStream)', async () => {
    const { dialog, close } = await newDialog({ stream: false });
    assert.equal(dialog.turnStream, undefined);
    close();
  });
});
