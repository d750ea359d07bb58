/**
 * The watson-assistant provider against a local https server that speaks IAM token exchange and the
 * Watson Assistant v2 (sessions) and v1 (workspaces) message APIs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dialogConfigSchema } from '../../src/dialog/config.js';
import { createDialogFactory } from '../../src/dialog/create.js';
import { DialogError } from '../../src/dialog/types.js';
import { makeSelfSignedCert, type TestCert } from './helpers.js';
import { startRecordingServer, type RecordedRequest, type Reply, type RecordingServer } from '../helpers/recording-server.js';

let cert: TestCert;
let server: RecordingServer;
const sessions = new Set<string>();
let sessionCounter = 0;
let tokensIssued = 0;

function assistant(req: RecordedRequest): Reply {
  if (req.url === '/identity/token') {
    const form = new URLSearchParams(req.text);
    if (form.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey' || form.get('apikey') !== 'the-api-key') return { status: 400, json: { errorMessage: 'bad key' } };
    tokensIssued++;
    return { json: { access_token: `tok-${tokensIssued}`, token_type: 'Bearer', expires_in: 3600 } };
  }
  if (!/^Bearer tok-\d+$/.test(String(req.headers['authorization']))) return { status: 401, json: {} };
  const v2 = req.url.match(/^\/inst\/v2\/assistants\/asst-1\/sessions(?:\/([^/?]+))?(\/message)?\?version=2021-11-27$/);
  if (v2) {
    const [, sid, message] = v2;
    if (!sid && req.method === 'POST') {
      const id = `s${++sessionCounter}`;
      sessions.add(id);
      return { status: 201, json: { session_id: id } };
    }
    if (sid && req.method === 'DELETE') {
      sessions.delete(sid);
      return { json: {} };
    }
    if (sid && message) {
      if (!sessions.has(sid)) return { status: 404, json: { error: 'Invalid Session' } };
      const msg = JSON.parse(req.text);
      const ud = msg.context.skills['main skill'].user_defined;
      const text: string = msg.input.text;
      const out: Record<string, unknown> = {
        generic: [
          { response_type: 'text', text: text ? `Heard ${text}` : 'Welcome' },
          { response_type: 'pause', time: 500 },
          { response_type: 'option', title: 'Which account?', options: [{ label: 'Checking', value: {} }, { label: 'Savings', value: {} }] },
        ],
      };
      if (text === 'agent') out['user_defined'] = { vgwActionSequence: [{ command: 'vgwActPlayText' }, { command: 'vgwActTransfer', parameters: { transferTarget: 'sip:desk@example.com' } }, { command: 'vgwActSendSMS', parameters: {} }] };
      return { json: { output: out, context: { global: { system: { turn_count: 1 } }, skills: { 'main skill': { user_defined: { ...ud, seen: (ud.seen ?? 0) + 1 } } } } } };
    }
  }
  const v1 = req.url.match(/^\/inst\/v1\/workspaces\/ws-9\/message\?version=2021-11-27$/);
  if (v1) {
    const msg = JSON.parse(req.text);
    return { json: { output: { text: ['v1 says hi'], generic: [{ response_type: 'text', text: 'v1 says hi' }] }, context: { ...msg.context, v1: true } } };
  }
  return { status: 404, json: {} };
}

before(async () => {
  cert = makeSelfSignedCert();
  server = await startRecordingServer(assistant, { tls: cert });
});
after(async () => {
  await server.close();
  cert.cleanup();
});

function config(over: Record<string, unknown>) {
  return dialogConfigSchema.parse({
    provider: 'watson-assistant',
    url: `${server.url}/inst`,
    auth: { type: 'iam', apiKey: 'the-api-key', iamUrl: server.url },
    caFile: cert.certFile,
    timeoutMs: 2000,
    ...over,
  });
}

describe('watson-assistant v2', () => {
  it('creates a session, sends text in user_defined context, maps generic and user_defined actions, deletes the session on close', async () => {
    const r = await createDialogFactory(config({ assistantId: 'asst-1' }));
    assert.ok(r.ok, r.ok ? '' : r.error);
    const d = r.factory.newDialog();
    const first = await d.turn({ input: { text: '' }, isFirstTurn: true, context: { vgwSessionID: 'abc' } });
    assert.deepEqual(first.text, ['Welcome', 'Which account? You can say: Checking or Savings.']);
    assert.deepEqual(first.context, { vgwSessionID: 'abc', seen: 1 });

    const msgReq = server.requests.find((q) => q.url.includes('/message'))!;
    const body = JSON.parse(msgReq.text);
    assert.deepEqual(body.input, { message_type: 'text', text: '', options: { return_context: true } });
    assert.deepEqual(body.context, { skills: { 'main skill': { user_defined: { vgwSessionID: 'abc' } } } });

    const second = await d.turn({ input: { text: 'agent' }, isFirstTurn: false, context: first.context });
    assert.deepEqual(second.text, []);
    assert.deepEqual(second.actions, [
      { command: 'vgwActPlayText', parameters: { text: ['Heard agent', 'Which account? You can say: Checking or Savings.'] } },
      { command: 'vgwActTransfer', parameters: { transferTarget: 'sip:desk@example.com' } },
    ]);
    assert.ok(second.warnings.some((w) => /vgwActSendSMS is not supported/.test(w)));
    assert.equal(second.context['seen'], 2);
    assert.equal(tokensIssued, 1, 'the IAM token is cached');

    assert.equal(sessions.size, 1);
    await d.close!();
    assert.equal(sessions.size, 0);
    r.factory.close();
  });

  it('replaces an expired session and resends the turn', async () => {
    const r = await createDialogFactory(config({ assistantId: 'asst-1' }));
    assert.ok(r.ok);
    const d = r.factory.newDialog();
    await d.turn({ input: { text: '' }, isFirstTurn: true, context: {} });
    sessions.clear(); // the assistant forgot every session
    const res = await d.turn({ input: { text: 'hello' }, isFirstTurn: false, context: {} });
    assert.equal(res.text[0], 'Heard hello');
    await d.close!();
    r.factory.close();
  });

  it('a wrong API key is an auth DialogError', async () => {
    const r = await createDialogFactory(config({ assistantId: 'asst-1', auth: { type: 'iam', apiKey: 'nope', iamUrl: server.url } }));
    assert.ok(r.ok);
    await assert.rejects(r.factory.newDialog().turn({ input: { text: '' }, isFirstTurn: true, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'auth');
    r.factory.close();
  });

  it('requires assistantId for v2 and workspaceId for v1', () => {
    assert.match(JSON.stringify(dialogConfigSchema.safeParse({ provider: 'watson-assistant', url: 'https://x', auth: { type: 'iam', apiKey: 'k' } }).error?.issues), /assistantId/);
    assert.match(JSON.stringify(dialogConfigSchema.safeParse({ provider: 'watson-assistant', apiVersion: 'v1', url: 'https://x', auth: { type: 'iam', apiKey: 'k' } }).error?.issues), /workspaceId/);
  });
});

describe('watson-assistant v1', () => {
  it('uses the workspace message API with an IAM bearer token; generic wins over duplicate output.text', async () => {
    const r = await createDialogFactory(config({ apiVersion: 'v1', workspaceId: 'ws-9' }));
    assert.ok(r.ok, r.ok ? '' : r.error);
    const res = await r.factory.newDialog().turn({ input: { text: 'hi' }, isFirstTurn: false, context: { a: 1 } });
    assert.deepEqual(res.text, ['v1 says hi']);
    assert.deepEqual(res.context, { a: 1, v1: true });
    r.factory.close();
  });
});
