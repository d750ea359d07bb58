/**
 * Outbound calls end to end over real SIP/RTP: POST /v1/calls through a trunk to SIPp UASes (one
 * answering, one challenging the INVITE and the BYE with 407, one busy), the progress on the call's
 * events and the CDR source (call.ended), GET and DELETE, and the toll-fraud guard.
 */
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { runSipp } from '../helpers/sipp.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver } from '../helpers/recording-server.js';
import { runDial } from '../../src/cli/commands/dial.js';
import { Writable } from 'node:stream';

function io() {
  const out = { stdout: '', stderr: '' };
  const sink = (k: 'stdout' | 'stderr') => new Writable({ write: (c: Buffer, _e, cb) => ((out[k] += c.toString()), cb()) });
  return { out, io: { stdout: sink('stdout'), stderr: sink('stderr') } as unknown as Parameters<typeof runDial>[2] };
}

interface Api {
  post(body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  get(callId: string): Promise<Record<string, unknown>>;
  del(callId: string): Promise<number>;
}

async function api(g: InProcessGateway, scopes: ('calls:write' | 'calls:read')[] = ['calls:write', 'calls:read']): Promise<Api> {
  const { token } = await g.gw.apiKeys.create({ name: 'dialer', scopes, accountId: null, ratePerMinute: null });
  const base = `http://127.0.0.1:${g.gw.adminPort}`;
  const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return {
    post: async (body) => {
      const r = await fetch(`${base}/v1/calls`, { method: 'POST', headers: h, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    },
    get: async (id) => (await (await fetch(`${base}/v1/calls/${encodeURIComponent(id)}`, { headers: h })).json()) as Record<string, unknown>,
    del: async (id) => (await fetch(`${base}/v1/calls/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { authorization: h.authorization } })).status,
  };
}

function config(trunkPort: number, trunk: Record<string, unknown> = {}, app: Record<string, unknown> = {}) {
  return {
    trunks: [{ name: 'carrier', uri: `sip:127.0.0.1:${trunkPort}`, callerId: { default: '+14155550100' }, limits: { callsPerSecond: 50, maxConcurrent: 5 }, ...trunk }],
    accounts: [{
      id: 'acme', outbound: { allowedPrefixes: ['+4420', '+1415'], trunks: ['carrier'] },
      applications: [{ id: 'notify', mode: 'hold', holdSeconds: 1, ...app }],
    }],
  };
}

test('an outbound call to a SIPp UAS: trying/ringing/answered on the events, the application runs, CDR source on call.ended', async () => {
  const port = await freePort();
  const uas = runSipp({ scenario: 'uas', target: '127.0.0.1', localPort: port, calls: 1, timeoutSec: 20 });
  const g = await startInProcessGateway(config(port));
  try {
    const a = await api(g);
    const r = await a.post({ accountId: 'acme', applicationId: 'notify', to: '+44 20 7946 0958' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const callId = String(r.body['callId']);
    const started = await g.waitForEvent((e) => e.type === 'call.started' && e.callId === callId);
    assert.equal(started['direction'], 'outbound');
    await g.waitForEvent((e) => e.type === 'call.progress' && e.callId === callId && e['state'] === 'answered');
    const ended = await g.waitForEvent((e) => e.type === 'call.ended' && e.callId === callId);
    assert.equal(ended['endReason'], 'hold-complete', 'the hold application ran and hung up after holdSeconds');
    assert.ok((ended['media'] as { packetsSent: number }).packetsSent >= 0);
    const view = await a.get(callId);
    assert.equal(view['state'], 'ended');
    assert.equal(view['to'], '+44207946XXXX', 'the number is obfuscated in the API');
    const res = await uas;
    assert.equal(res.successful, 1, res.errors || res.stderr);
    assert.match(res.messages, /INVITE sip:\+442079460958@127\.0\.0\.1/);
    assert.match(res.messages, /From: <sip:\+14155550100@/);
    assert.ok(!g.logs.some((l) => l.includes('2079460958')), 'no dialled number in the logs');
  } finally {
    await g.stop();
  }
});

test('a trunk that challenges the INVITE and the BYE with 407: both answered with the trunk credentials', async () => {
  const port = await freePort();
  const uas = runSipp({ scenario: 'uas-challenge.xml', target: '127.0.0.1', localPort: port, calls: 1, timeoutSec: 20 });
  const g = await startInProcessGateway(config(port, { credentials: { username: 'trunkuser', password: 'trunk-secret-1' } }, { holdSeconds: 0 }));
  try {
    const a = await api(g);
    const r = await a.post({ accountId: 'acme', applicationId: 'notify', to: 'tel:+1-415-555-0123' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const callId = String(r.body['callId']);
    await g.waitForEvent((e) => e.type === 'call.progress' && e.callId === callId && e['state'] === 'ringing', 15_000);
    await g.waitForEvent((e) => e.type === 'call.progress' && e.callId === callId && e['state'] === 'answered');
    assert.equal(await a.del(callId), 204);
    const ended = await g.waitForEvent((e) => e.type === 'call.ended' && e.callId === callId);
    assert.equal(ended['endReason'], 'local-bye');
    const res = await uas;
    assert.equal(res.successful, 1, res.errors || res.stderr);
    assert.doesNotMatch(res.messages, /403 Forbidden/, 'both digest answers verified by SIPp');
    assert.equal((res.messages.match(/^BYE /gm) ?? []).length, 2, 'the BYE was challenged and sent again with credentials');
    // Each digest answer is right for its own request (method and Request-URI): RFC 2617 without qop.
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const answers = [...res.messages.matchAll(/^(INVITE|BYE) (\S+) SIP\/2\.0[\s\S]*?^Proxy-Authorization: Digest (.*)$/gm)];
    assert.deepEqual(answers.map((m) => m[1]), ['INVITE', 'BYE']);
    for (const [, method, uri, params] of answers) {
      const p = Object.fromEntries([...params!.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
      assert.equal(p['uri'], uri);
      const ha1 = md5(`trunkuser:carrier.example:trunk-secret-1`);
      assert.equal(p['response'], md5(`${ha1}:${p['nonce']}:${md5(`${method}:${uri}`)}`), `${method} digest`);
    }
    assert.equal(await a.del(callId), 409, 'a call already over');
  } finally {
    await g.stop();
  }
});

test('a busy trunk: busy with SIP status 486 on the events, the forwarded CDR, GET and hushgate dial --wait', async () => {
  const port = await freePort();
  const uas = runSipp({ scenario: 'uas-busy.xml', target: '127.0.0.1', localPort: port, calls: 1, timeoutSec: 20 });
  const SECRET = 'outbound-webhook-secret-0123456789';
  const hook = await startWebhookReceiver(SECRET);
  const g = await startInProcessGateway(config(port, {}, { forwarding: { enabled: true, sinks: [{ type: 'webhook', name: 'hook', url: hook.url, secret: SECRET, allowInsecure: true, timeoutMs: 2000 }] } }));
  try {
    const a = await api(g);
    const { token } = await g.gw.apiKeys.create({ name: 'cli', scopes: ['calls:write'], accountId: 'acme', ratePerMinute: null });
    const c = io();
    const code = await runDial('+442079460958', { url: `http://127.0.0.1:${g.gw.adminPort}`, key: token, account: 'acme', application: 'notify', wait: true }, c.io);
    assert.equal(code, 1, 'not answered');
    const callId = c.out.stdout.split('\n')[0]!;
    assert.match(c.out.stdout, /busy 486\n$/);
    const p = await g.waitForEvent((e) => e.type === 'call.progress' && e.callId === callId && e['state'] === 'busy');
    assert.equal(p['sipStatus'], 486);
    const ended = await g.waitForEvent((e) => e.type === 'call.ended' && e.callId === callId);
    assert.equal(ended['endReason'], 'busy');
    assert.equal(ended['sipStatus'], 486);
    assert.equal(ended['answeredAt'], undefined);
    const view = await waitFor('state busy', async () => ((await a.get(callId))['state'] === 'busy' ? true : undefined));
    assert.ok(view);
    const cdr = await waitFor('the CDR at the webhook', () => hook.accepted.flatMap((b) => b.events).find((e) => e['type'] === 'cdr' && e['callId'] === callId));
    assert.equal(cdr['direction'], 'outbound');
    assert.equal(cdr['outcome'], 'busy');
    assert.deepEqual(cdr['termination'], { reason: 'rejected', endedBy: 'network', sipStatus: 486 });
    assert.equal(cdr['callee'], '+44207946XXXX');
    await uas;
  } finally {
    await g.stop();
    await hook.close();
  }
});

test('destinations outside the allowed prefixes, bad numbers, foreign sip hosts and unlisted caller IDs are refused before anything is sent', async () => {
  const port = await freePort();
  const g = await startInProcessGateway({
    ...config(port),
    accounts: [
      { id: 'acme', outbound: { allowedPrefixes: ['+4420'], trunks: ['carrier'] }, applications: [{ id: 'notify' }] },
      { id: 'closed', outbound: { trunks: ['carrier'] }, applications: [{ id: 'x' }] },
      { id: 'none', applications: [{ id: 'y' }] },
    ],
  });
  try {
    const a = await api(g);
    const refused = async (body: Record<string, unknown>, status: number, code: string) => {
      const r = await a.post({ accountId: 'acme', applicationId: 'notify', ...body });
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body['error'], code);
      assert.ok(!JSON.stringify(r.body).includes('900123'), 'the refusal does not echo the number');
    };
    await refused({ to: '+882900123456' }, 403, 'destination_not_allowed');
    await refused({ to: '+19005550123' }, 403, 'destination_not_allowed');
    await refused({ to: '00882900123456' }, 403, 'destination_not_allowed');
    await refused({ to: 'sip:+442079460958@evil.example.net' }, 403, 'trunk_not_allowed');
    await refused({ to: 'sip:alice@127.0.0.1' }, 400, 'invalid_destination');
    await refused({ to: 'hello' }, 400, 'invalid_destination');
    await refused({ to: '+442079460958', from: '+15555550199' }, 403, 'caller_id_not_allowed');
    await refused({ to: '+442079460958', trunk: 'other' }, 403, 'trunk_not_allowed');
    for (const accountId of ['closed', 'none']) {
      const r = await a.post({ accountId, applicationId: accountId === 'closed' ? 'x' : 'y', to: '+442079460958' });
      assert.equal(r.status, 403, 'no allowed prefixes: nothing may be dialled (fail closed)');
      assert.equal(r.body['error'], 'destination_not_allowed');
    }
    // hushgate dial: the refusal is printed with its reason, exit 1; bad arguments exit 2.
    const { token } = await g.gw.apiKeys.create({ name: 'cli', scopes: ['calls:write'], accountId: null, ratePerMinute: null });
    const cli = { url: `http://127.0.0.1:${g.gw.adminPort}`, key: token, account: 'acme', application: 'notify' };
    const c1 = io();
    assert.equal(await runDial('+882900123456', cli, c1.io), 1);
    assert.match(c1.out.stderr, /destination_not_allowed|allowed prefixes/);
    const c2 = io();
    assert.equal(await runDial('+442079460958', { ...cli, var: ['novalue'] }, c2.io), 2);
    const bad = await a.post({ accountId: 'acme', applicationId: 'notify', to: '+442079460958', extra: 1 });
    assert.equal(bad.status, 400);
    const read = await api(g, ['calls:read']);
    assert.equal((await read.post({ accountId: 'acme', applicationId: 'notify', to: '+442079460958' })).status, 403, 'calls:read cannot place calls');
    assert.equal(g.events.filter((e) => e.type === 'call.started').length, 0, 'nothing was dialled');
  } finally {
    await g.stop();
  }
});

test('the trunk rate limit refuses with 429 naming the limit', async () => {
  const port = await freePort();
  // Nothing listens: the first call is trying (its INVITE retransmits), the second is over the rate.
  const g = await startInProcessGateway(config(port, { limits: { callsPerSecond: 1, maxConcurrent: 5 } }));
  try {
    const a = await api(g);
    const first = await a.post({ accountId: 'acme', applicationId: 'notify', to: '+442079460958' });
    assert.equal(first.status, 201);
    const second = await a.post({ accountId: 'acme', applicationId: 'notify', to: '+442079460958' });
    assert.equal(second.status, 429);
    assert.equal(second.body['error'], 'rate_limited');
    assert.match(String(second.body['message']), /callsPerSecond/);
    assert.equal(await a.del(String(first.body['callId'])), 204);
    await g.waitForEvent((e) => e.type === 'call.ended' && e.callId === first.body['callId']);
  } finally {
    await g.stop();
  }
});
