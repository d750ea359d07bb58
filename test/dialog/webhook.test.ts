/**
 * The webhook (SOE) provider against a real local https server with a self-signed certificate:
 * auth, HMAC signature, whole-context round trip, timeouts, bad JSON, retries, http refusal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDialogFactory, type DialogFactory } from '../../src/dialog/create.js';
import { dialogConfigSchema, type DialogConfig } from '../../src/dialog/config.js';
import { verifySignature } from '../../src/dialog/signature.js';
import { DialogError, type Dialog } from '../../src/dialog/types.js';
import type { FakeClock } from '../../src/time/clock.js';
import { makeSelfSignedCert, recordingClock, type TestCert } from './helpers.js';
import { startRecordingServer, type Reply, type RecordingServer } from '../helpers/recording-server.js';

const SECRET = 'soe-shared-secret-0123456789';
const BASIC = `Basic ${Buffer.from('vgw:s3cret').toString('base64')}`;

let cert: TestCert;
before(() => {
  cert = makeSelfSignedCert();
});
after(() => cert.cleanup());

/** An SOE that checks auth and signature and echoes the context back with a counter. */
function soe(req: { headers: Record<string, string | string[] | undefined>; body: Buffer; text: string; url: string }): Reply {
  if (req.headers['authorization'] !== BASIC) return { status: 401, json: { error: 'unauthorised' } };
  const check = verifySignature(SECRET, req.body, req.headers['x-hushgate-timestamp'] as string, req.headers['x-hushgate-signature'] as string, Date.now());
  if (!check.ok) return { status: 403, json: { error: `signature ${check.error}` } };
  const msg = JSON.parse(req.text) as { input: { text: string }; context: Record<string, unknown> };
  const turns = ((msg.context['turns'] as number | undefined) ?? 0) + 1;
  const context = { ...msg.context, turns, lastInput: msg.input.text, vgwPostResponseTimeoutCount: 5000 };
  if (msg.input.text === 'agent') {
    return {
      json: {
        output: { text: ['Transferring you.'], vgwActionSequence: [{ command: 'vgwActPlayText' }, { command: 'vgwacttransfer', parameters: { transferTarget: 'tel:+15551234567', transferMethod: 'refer', uuiData: '00ab' } }] },
        context,
      },
    };
  }
  return { json: { output: { text: [`You said: ${msg.input.text || '(nothing)'}`], vgwAction: { command: 'vgwActCollectDtmf', parameters: { dtmfTermKey: '#', dtmfMaxCount: '4' } } }, context } };
}

async function factoryFor(server: RecordingServer, over: Record<string, unknown> = {}, clock?: FakeClock): Promise<DialogFactory> {
  const cfg = dialogConfigSchema.parse({
    provider: 'webhook',
    url: `${server.url}/soe`,
    workspaceId: 'ws-1',
    auth: { type: 'basic', username: 'vgw', password: 's3cret' },
    secret: SECRET,
    caFile: cert.certFile,
    timeoutMs: 1000,
    retries: 2,
    ...over,
  });
  const r = await createDialogFactory(cfg, clock ? { clock } : {});
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.factory;
}

describe('webhook (SOE) provider over https', () => {
  let server: RecordingServer;
  let factory: DialogFactory;
  let dialog: Dialog;
  before(async () => {
    server = await startRecordingServer((req) => soe(req), { tls: cert });
    factory = await factoryFor(server);
    dialog = factory.newDialog();
  });
  after(async () => {
    factory.close();
    await server.close();
  });

  it('sends the v1 message request with empty text on the first turn, auth and a valid signature', async () => {
    const res = await dialog.turn({ input: { text: 'ignored on first turn' }, isFirstTurn: true, context: { vgwSessionID: 'sess-1', vgwSIPCallID: 'abc@host' } });
    const req = server.requests.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/soe/v1/workspaces/ws-1/message?version=2018-09-20');
    assert.equal(req.headers['content-type'], 'application/json');
    const body = JSON.parse(req.text);
    assert.deepEqual(body.input, { text: '' });
    assert.equal(body.context.vgwSessionID, 'sess-1');
    assert.deepEqual(res.text, ['You said: (nothing)']);
    assert.deepEqual(res.actions, [{ command: 'vgwActCollectDTMF', parameters: { dtmfTermKey: '#', dtmfMaxCount: 4 } }]);
    assert.equal(res.context['turns'], 1);
    assert.deepEqual(res.warnings, []);
  });

  it('round-trips the whole context, and sends DTMF as text with vgwIsDTMF', async () => {
    const context = { turns: 7, nested: { deep: [1, 2, { x: 'y' }] }, vgwSIPFromURI: 'sip:+15550001111@trunk' };
    const res = await dialog.turn({ input: { dtmf: '1234' }, isFirstTurn: false, context });
    const body = JSON.parse(server.requests.at(-1)!.text);
    assert.deepEqual(body.input, { text: '1234' });
    assert.deepEqual(body.context, { ...context, vgwIsDTMF: true });
    assert.deepEqual(res.context, { ...context, vgwIsDTMF: true, turns: 8, lastInput: '1234', vgwPostResponseTimeoutCount: 5000 });
  });

  it('maps a vgwActionSequence: bare vgwActPlayText takes the text, names are case-insensitive', async () => {
    const res = await dialog.turn({ input: { text: 'agent' }, isFirstTurn: false, context: {} });
    assert.deepEqual(res.text, []);
    assert.deepEqual(res.actions, [
      { command: 'vgwActPlayText', parameters: { text: ['Transferring you.'] } },
      { command: 'vgwActTransfer', parameters: { transferTarget: 'tel:+15551234567', transferMethod: 'REFER', uuiData: '00ab' } },
    ]);
  });

  it('a server that rejects the credentials gives an auth DialogError without retrying', async () => {
    const bad = await factoryFor(server, { auth: { type: 'basic', username: 'vgw', password: 'wrong' } });
    const before = server.requests.length;
    await assert.rejects(bad.newDialog().turn({ input: { text: 'hi' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'auth' && e.status === 401);
    assert.equal(server.requests.length - before, 1);
    bad.close();
  });

  it('a wrong signing secret is refused by the server', async () => {
    const bad = await factoryFor(server, { secret: 'another-secret-0123456789' });
    await assert.rejects(bad.newDialog().turn({ input: { text: 'hi' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'auth' && e.status === 403);
    bad.close();
  });

  it('without the CA the self-signed server is not trusted (network error)', async () => {
    const cfg = dialogConfigSchema.parse({ provider: 'webhook', url: `${server.url}/soe`, workspaceId: 'ws-1', auth: { type: 'bearer', token: 't' }, retries: 0, timeoutMs: 1000 });
    const r = await createDialogFactory(cfg);
    assert.ok(r.ok);
    await assert.rejects(r.factory.newDialog().turn({ input: { text: 'hi' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'network');
    r.factory.close();
  });
});

describe('webhook failure handling', () => {
  it('a slow server gives a timeout DialogError, not retried', async () => {
    const server = await startRecordingServer(() => ({ delayMs: 2000, json: { output: { text: ['late'] }, context: {} } }), { tls: cert });
    const f = await factoryFor(server, { timeoutMs: 300 });
    try {
      const t0 = Date.now();
      await assert.rejects(f.newDialog().turn({ input: { text: 'hi' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'timeout');
      assert.ok(Date.now() - t0 < 1500);
      // Not retried: at most the one request (on a loaded machine the deadline may pass during the TLS handshake).
      assert.ok(server.requests.length <= 1, `${server.requests.length} requests`);
    } finally {
      f.close();
      await server.close();
    }
  });

  it('bad JSON, or JSON without output, gives a bad-response DialogError', async () => {
    const server = await startRecordingServer((_r, n) => (n === 0 ? { body: '<html>oops</html>', headers: { 'content-type': 'application/json' } } : { json: { hello: 'world' } }), { tls: cert });
    const f = await factoryFor(server);
    const d = f.newDialog();
    await assert.rejects(d.turn({ input: { text: 'a' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'bad-response');
    await assert.rejects(d.turn({ input: { text: 'b' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'bad-response' && /output/.test(e.message));
    f.close();
    await server.close();
  });

  it('5xx is retried with backoff, then the answer is used', async () => {
    const server = await startRecordingServer((req, n) => (n < 2 ? { status: 503, json: { error: 'busy' } } : soe(req)), { tls: cert });
    const { clock, delays } = recordingClock();
    const f = await factoryFor(server, { retries: 2, backoffMs: 100 }, clock);
    const res = await f.newDialog().turn({ input: { text: 'hello' }, isFirstTurn: false, context: {} });
    assert.deepEqual(res.text, ['You said: hello']);
    assert.equal(server.requests.length, 3);
    assert.deepEqual(delays, [100, 200]);
    f.close();
    await server.close();
  });

  it('5xx past the retry budget gives an http DialogError', async () => {
    const server = await startRecordingServer(() => ({ status: 500, json: {} }), { tls: cert });
    const { clock } = recordingClock();
    const f = await factoryFor(server, { retries: 1 }, clock);
    await assert.rejects(f.newDialog().turn({ input: { text: 'x' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'http' && e.status === 500);
    assert.equal(server.requests.length, 2);
    f.close();
    await server.close();
  });

  it('a 4xx is not retried', async () => {
    const server = await startRecordingServer(() => ({ status: 404, json: {} }), { tls: cert });
    const f = await factoryFor(server);
    await assert.rejects(f.newDialog().turn({ input: { text: 'x' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'http' && e.status === 404);
    assert.equal(server.requests.length, 1);
    f.close();
    await server.close();
  });

  it('the caller\'s AbortSignal cancels the turn', async () => {
    const server = await startRecordingServer(() => ({ delayMs: 2000, json: {} }), { tls: cert });
    const f = await factoryFor(server, { timeoutMs: 5000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(f.newDialog().turn({ input: { text: 'x' }, isFirstTurn: false, context: {} }, ac.signal), (e: unknown) => e instanceof DialogError && e.kind === 'aborted');
    f.close();
    await server.close();
  });

  it('plain http is refused unless the target is allowInsecure', async () => {
    const server = await startRecordingServer((req) => soe(req));
    const base = { provider: 'webhook', url: `${server.url}/soe`, workspaceId: 'ws-1', auth: { type: 'basic', username: 'vgw', password: 's3cret' }, secret: SECRET };
    const refused = dialogConfigSchema.safeParse(base);
    assert.equal(refused.success, false);
    assert.match(JSON.stringify(refused.error?.issues), /must be https/);
    const noAuth = dialogConfigSchema.safeParse({ ...base, url: 'https://soe.example/x', auth: { type: 'none' } });
    assert.equal(noAuth.success, false);

    const cfg = dialogConfigSchema.parse({ ...base, allowInsecure: true });
    const r = await createDialogFactory(cfg);
    assert.ok(r.ok);
    const res = await r.factory.newDialog().turn({ input: { text: 'over http' }, isFirstTurn: false, context: {} });
    assert.deepEqual(res.text, ['You said: over http']);
    r.factory.close();

    // the client itself refuses http even if handed a config that skipped the schema
    const forced = await createDialogFactory({ ...cfg, allowInsecure: false } as DialogConfig);
    assert.ok(forced.ok);
    await assert.rejects(forced.factory.newDialog().turn({ input: { text: 'x' }, isFirstTurn: false, context: {} }), (e: unknown) => e instanceof DialogError && e.kind === 'insecure');
    assert.equal(server.requests.length, 1);
    forced.factory.close();
    await server.close();
  });
});

describe('webhook partial transcripts (partialResultUrl)', () => {
  it('go to their own URL with auth and a valid signature, one attempt, the answer unread; none without the URL', async () => {
    let status = 204;
    const server = await startRecordingServer((req) => (req.url === '/partials' ? { status, body: '' } : soe(req)), { tls: cert });
    const without = await factoryFor(server);
    assert.equal(without.newDialog().partial, undefined, 'no URL: the dialog takes no partials');
    without.close();

    const { clock } = recordingClock();
    const f = await factoryFor(server, { partialResultUrl: `${server.url}/partials` }, clock);
    const dialog = f.newDialog();
    await dialog.partial!({ input: { text: 'check my bal' }, context: { vgwSessionID: 's1' }, sequence: 3 });
    const req = server.requests.at(-1)!;
    assert.equal(req.url, '/partials');
    assert.equal(req.headers['authorization'], BASIC);
    assert.ok(verifySignature(SECRET, req.body, req.headers['x-hushgate-timestamp'] as string, req.headers['x-hushgate-signature'] as string, Date.now()).ok);
    assert.deepEqual(JSON.parse(req.text), { input: { text: 'check my bal' }, context: { vgwSessionID: 's1' }, final: false, sequence: 3 });

    status = 503; // a turn would be retried twice; a partial is stale by then
    const before = server.requests.length;
    await assert.rejects(dialog.partial!({ input: { text: 'x' }, context: {}, sequence: 4 }), (e: unknown) => e instanceof DialogError && e.kind === 'http');
    assert.equal(server.requests.length, before + 1, 'one attempt');
    f.close();
    await server.close();
  });

  it('a plain-http partialResultUrl is refused at configuration, naming the field', () => {
    const r = dialogConfigSchema.safeParse({ provider: 'webhook', url: 'https://soe.example', workspaceId: 'ws', auth: { type: 'bearer', token: 't' }, partialResultUrl: 'http://soe.example/partials' });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['partialResultUrl']);
  });
});
