/**
 * The openai provider against a local https server speaking the chat-completions API: tool calls
 * mapped onto action commands, named transfer targets only, bounded history, bearer auth.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dialogConfigSchema } from '../../src/dialog/config.js';
import { createDialogFactory } from '../../src/dialog/create.js';
import type { OpenAiDialog } from '../../src/dialog/openai.js';
import { DialogError } from '../../src/dialog/types.js';
import { makeSelfSignedCert, type TestCert } from './helpers.js';
import { startRecordingServer, type RecordedRequest, type Reply, type RecordingServer } from '../helpers/recording-server.js';

let cert: TestCert;
let server: RecordingServer;

function toolCall(id: string, name: string, args: unknown) {
  return { id, type: 'function', function: { name, arguments: JSON.stringify(args) } };
}

function llm(req: RecordedRequest): Reply {
  if (req.url !== '/v1/chat/completions') return { status: 404, json: {} };
  if (req.headers['authorization'] !== 'Bearer sk-test') return { status: 401, json: { error: { message: 'bad key' } } };
  const body = JSON.parse(req.text);
  const last = body.messages.at(-1);
  const say = (content: string | null, tool_calls?: unknown[]) => ({ json: { id: 'c1', object: 'chat.completion', choices: [{ index: 0, finish_reason: tool_calls ? 'tool_calls' : 'stop', message: { role: 'assistant', content, ...(tool_calls ? { tool_calls } : {}) } }] } });
  if (last.role === 'system') return say('Hello from the model.');
  const text: string = last.content;
  if (text === 'transfer me') return say('Connecting you.', [toolCall('t1', 'transfer', { target: 'sales' })]);
  if (text === 'transfer to evil') return say('OK.', [toolCall('t2', 'transfer', { target: 'tel:+1900' })]);
  if (text === 'card') return say('Please type your card number and press hash.', [toolCall('t3', 'collect_dtmf', { min: 13, max: 19, termKey: '#' })]);
  if (text === 'menu') return say(null, [toolCall('t4', 'send_dtmf', { digits: '12#' }), toolCall('t5', 'hangup', {})]);
  if (text === 'garbage') return { json: { nothing: true } };
  return say(`Echo: ${text}`);
}

before(async () => {
  cert = makeSelfSignedCert();
  server = await startRecordingServer(llm, { tls: cert });
});
after(async () => {
  await server.close();
  cert.cleanup();
});

async function newDialog(over: Record<string, unknown> = {}) {
  const cfg = dialogConfigSchema.parse({
    provider: 'openai',
    baseUrl: server.url,
    model: 'test-model',
    apiKey: 'sk-test',
    systemPrompt: 'You are a bank agent.',
    transferTargets: { sales: 'sip:sales@pbx.example' },
    caFile: cert.certFile,
    maxHistoryMessages: 6,
    ...over,
  });
  const r = await createDialogFactory(cfg);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return { dialog: r.factory.newDialog() as OpenAiDialog, close: () => r.factory.close() };
}

describe('openai provider', () => {
  it('asks the model on the first turn with the system prompt and the tools', async () => {
    const { dialog, close } = await newDialog();
    const res = await dialog.turn({ input: { text: '' }, isFirstTurn: true, context: { k: 1 } });
    assert.deepEqual(res.text, ['Hello from the model.']);
    assert.deepEqual(res.context, { k: 1 });
    const body = JSON.parse(server.requests.at(-1)!.text);
    assert.equal(body.model, 'test-model');
    assert.deepEqual(body.messages, [{ role: 'system', content: 'You are a bank agent.' }]);
    assert.deepEqual(body.tools.map((t: { function: { name: string } }) => t.function.name).sort(), ['collect_dtmf', 'hangup', 'send_dtmf', 'transfer']);
    close();
  });

  it('maps tool calls onto validated action commands', async () => {
    const { dialog, close } = await newDialog();
    const t = await dialog.turn({ input: { text: 'transfer me' }, isFirstTurn: false, context: {} });
    assert.deepEqual(t.text, ['Connecting you.']);
    assert.deepEqual(t.actions, [{ command: 'vgwActTransfer', parameters: { transferTarget: 'sip:sales@pbx.example', transferMethod: 'REFER' } }]);

    const evil = await dialog.turn({ input: { text: 'transfer to evil' }, isFirstTurn: false, context: {} });
    assert.deepEqual(evil.actions, []);
    assert.match(evil.warnings.join(), /not a configured transfer target/);

    const card = await dialog.turn({ input: { text: 'card' }, isFirstTurn: false, context: {} });
    assert.deepEqual(card.actions, [{ command: 'vgwActCollectDTMF', parameters: { dtmfMinCount: 13, dtmfMaxCount: 19, dtmfTermKey: '#' } }]);

    const menu = await dialog.turn({ input: { text: 'menu' }, isFirstTurn: false, context: {} });
    assert.deepEqual(menu.text, []);
    assert.deepEqual(menu.actions, [{ command: 'vgwActSendDTMF', parameters: { digits: '12#' } }, { command: 'vgwActHangup', parameters: {} }]);
    close();
  });

  it('keeps the history bounded, starting at a user message, with tool results after tool calls', async () => {
    const { dialog, close } = await newDialog();
    await dialog.turn({ input: { text: 'card' }, isFirstTurn: false, context: {} });
    for (let i = 0; i < 5; i++) await dialog.turn({ input: { text: `line ${i}` }, isFirstTurn: false, context: {} });
    await dialog.turn({ input: { dtmf: '4111111111111111' }, isFirstTurn: false, context: {} });
    const msgs = dialog.messages;
    assert.ok(msgs.length <= 6, `history has ${msgs.length} messages`);
    assert.equal(msgs[0]!.role, 'user');
    const sent = JSON.parse(server.requests.at(-1)!.text).messages;
    assert.equal(sent[0].role, 'system');
    assert.deepEqual(sent.at(-1), { role: 'user', content: '(keypad) 4111111111111111' });
    // every assistant tool call is followed by its tool result
    const { dialog: d2, close: c2 } = await newDialog({ maxHistoryMessages: 50 });
    await d2.turn({ input: { text: 'menu' }, isFirstTurn: false, context: {} });
    assert.deepEqual(d2.messages.map((m) => m.role), ['user', 'assistant', 'tool', 'tool']);
    c2();
    close();
  });

  it('special inputs: hang-up does not call the model, a timeout is told to it', async () => {
    const { dialog, close } = await newDialog();
    const before = server.requests.length;
    const res = await dialog.turn({ input: { text: 'vgwHangUp' }, isFirstTurn: false, context: {} });
    assert.deepEqual(res, { text: [], actions: [], context: {}, warnings: [] });
    assert.equal(server.requests.length, before);
    const t = await dialog.turn({ input: { text: 'vgwPostResponseTimeout' }, isFirstTurn: false, context: {} });
    assert.deepEqual(t.text, ['Echo: (the caller said nothing)']);
    close();
  });

  it('uses a configured greeting without a request; bad answers and keys are DialogErrors', async () => {
    const { dialog, close } = await newDialog({ greeting: 'Hi, this is the bank.' });
    const before = server.requests.length;
    assert.deepEqual((await dialog.turn({ input: { text: '' }, isFirstTurn: true, context: {} })).text, ['Hi, this is the bank.']);
    assert.equal(server.requests.length, before);
    await assert.rejects(dialog.turn({ input: { text: 'garbage' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'bad-response');
    close();
    const bad = await newDialog({ apiKey: 'sk-wrong' });
    await assert.rejects(bad.dialog.turn({ input: { text: 'x' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'auth');
    bad.close();
  });
});
