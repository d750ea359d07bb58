// The one outbound HTTP client over real sockets: URL policy before any connection, per-target CA
// on real TLS, keep-alive, timeouts, the caller's abort, the size cap, streaming; and the IBM IAM
// token source (cached, refreshed on the FakeClock, a rejected key named by status, never by key).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { HttpTarget, IbmIamTokenSource, checkUrl, iamTokenUrl } from '../../src/http/index.js';
import { FakeClock } from '../../src/time/clock.js';
import { makeSelfSignedCert, type SelfSigned } from '../speech/servers/tls.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Served {
  url: string;
  connections: number;
  requests: number;
  close(): Promise<void>;
}

async function serve(handler: Handler, tls?: SelfSigned): Promise<Served> {
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  const s: Served = { url: '', connections: 0, requests: 0, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
  server.on('connection', () => s.connections++);
  server.on('request', () => s.requests++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return s;
}

let tls: SelfSigned;
before(() => {
  tls = makeSelfSignedCert();
});

test('the URL policy: https, or plain http only where allowed; no credentials in URLs; refused before a socket opens', async () => {
  const s = await serve((_req, res) => res.end('hi'));
  try {
    const strict = new HttpTarget();
    const refused = await strict.request({ method: 'GET', url: s.url + '/x' });
    assert.ok(!refused.ok && refused.error.kind === 'insecure' && /refusing plain http to 127\.0\.0\.1:\d+.*allowInsecure/.test(refused.error.message));
    assert.equal(s.connections, 0, 'nothing was sent');
    const creds = await new HttpTarget({ allowInsecure: true }).request({ method: 'GET', url: s.url.replace('//', '//user:secret@') });
    assert.ok(!creds.ok && creds.error.kind === 'invalid-url' && !creds.error.message.includes('secret'));
    assert.equal(s.connections, 0);
    const scheme = checkUrl('ftp://example.com/');
    assert.ok(!scheme.ok && scheme.error.kind === 'invalid-url');
    assert.ok(checkUrl('wss://example.com/').ok && !checkUrl('ws://example.com/').ok && checkUrl('ws://example.com/', { allowInsecure: true }).ok);
    const allowed = new HttpTarget({ allowInsecure: true });
    const r = await allowed.request({ method: 'GET', url: s.url + '/x' });
    assert.ok(r.ok && r.value.status === 200 && r.value.text() === 'hi');
    await allowed.close();
    await strict.close();
  } finally {
    await s.close();
  }
});

test('TLS: an untrusted certificate is a network error; the target CA makes it trusted; connections are kept alive', async () => {
  const s = await serve((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.writeHead(201, { 'x-echo': req.headers['x-test'] ?? '' }).end(body.toUpperCase()));
  }, tls);
  try {
    const untrusted = new HttpTarget();
    const bad = await untrusted.request({ method: 'POST', url: s.url + '/a', body: 'x' });
    assert.ok(!bad.ok && bad.error.kind === 'network' && /SELF_SIGNED|CERT/.test(bad.error.code ?? ''), JSON.stringify(bad));
    await untrusted.close();
    const before = s.connections;

    const target = new HttpTarget({ ca: tls.cert });
    for (let i = 0; i < 6; i++) {
      const r = await target.request({ method: 'POST', url: s.url + '/a', headers: { 'x-test': 'v' }, body: 'hello' });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.value.status, 201);
      assert.equal(r.value.headers['x-echo'], 'v');
      assert.equal(r.value.text(), 'HELLO');
    }
    // undici may open a second connection while the first is still finishing its response.
    assert.ok(s.connections - before <= 2, `six requests, kept-alive connections reused (${s.connections - before} opened)`);
    await target.close();
  } finally {
    await s.close();
  }
});

test('timeout, the caller\'s abort and the size cap are error values', async () => {
  const s = await serve((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000).unref();
    if (req.url === '/big') return void res.end(Buffer.alloc(5000, 97));
    res.end('ok');
  });
  try {
    const t = new HttpTarget({ allowInsecure: true, timeoutMs: 100, maxResponseBytes: 4096 });
    const t0 = Date.now();
    const slow = await t.request({ method: 'GET', url: s.url + '/slow' });
    assert.ok(!slow.ok && slow.error.kind === 'timeout' && /did not answer within 100 ms/.test(slow.error.message));
    assert.ok(Date.now() - t0 < 1500);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const aborted = await t.request({ method: 'GET', url: s.url + '/slow', signal: ac.signal, timeoutMs: 5000 });
    assert.ok(!aborted.ok && aborted.error.kind === 'aborted');
    const pre = await t.request({ method: 'GET', url: s.url + '/x', signal: AbortSignal.abort() });
    assert.ok(!pre.ok && pre.error.kind === 'aborted');

    const big = await t.request({ method: 'GET', url: s.url + '/big' });
    assert.ok(!big.ok && big.error.kind === 'too-large');
    const bigOk = await t.request({ method: 'GET', url: s.url + '/big', maxResponseBytes: 8192 });
    assert.ok(bigOk.ok && bigOk.value.body.length === 5000);

    const refused = await new HttpTarget({ allowInsecure: true }).request({ method: 'GET', url: 'http://127.0.0.1:1/' });
    assert.ok(!refused.ok && refused.error.kind === 'network' && refused.error.code === 'ECONNREFUSED' && refused.error.message === 'request failed (ECONNREFUSED)');
    await t.close();
  } finally {
    await s.close();
  }
});

test('stream: the body arrives chunk by chunk; a stalled body times out', async () => {
  const s = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write('one,');
    if (req.url === '/stall') return; // never ends
    setTimeout(() => res.end('two'), 20);
  });
  try {
    const t = new HttpTarget({ allowInsecure: true, timeoutMs: 200 });
    const r = await t.stream({ method: 'GET', url: s.url + '/s' });
    assert.ok(r.ok && r.value.status === 200);
    const parts: string[] = [];
    for await (const c of r.value.body) parts.push(c.toString());
    assert.equal(parts.join(''), 'one,two');
    assert.ok(parts.length >= 2, 'first chunk handed over before the last was sent');

    const stalled = await t.stream({ method: 'GET', url: s.url + '/stall' });
    assert.ok(stalled.ok);
    await assert.rejects(async () => {
      for await (const _ of stalled.value.body) void _;
    }, (e: unknown) => (e as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT');
    await t.close();
  } finally {
    await s.close();
  }
});

test('IBM IAM: one exchange shared and cached until a minute before expiry (FakeClock); a rejected key is named by status only', async () => {
  let exchanges = 0;
  const s = await serve((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      if (req.url !== '/identity/token' || form.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey') return void res.writeHead(400).end();
      if (form.get('apikey') !== 'good-key') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found: good-ke"}');
      exchanges++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `tok-${exchanges}`, expires_in: 3600 }));
    });
  }, tls);
  try {
    const http = new HttpTarget({ ca: tls.cert });
    const clock = new FakeClock();
    const iam = new IbmIamTokenSource({ http, apiKey: 'good-key', tokenUrl: iamTokenUrl(s.url), clock });
    const [a, b] = await Promise.all([iam.token(), iam.token()]);
    assert.deepEqual([a, b], [{ ok: true, value: 'tok-1' }, { ok: true, value: 'tok-1' }]);
    clock.advance(3600_000 - 60_001);
    assert.deepEqual(await iam.token(), { ok: true, value: 'tok-1' }, 'still cached');
    clock.advance(1);
    assert.deepEqual(await iam.token(), { ok: true, value: 'tok-2' }, 'refreshed a minute before expiry');
    iam.invalidate();
    assert.deepEqual(await iam.token(), { ok: true, value: 'tok-3' });
    assert.equal(iam.exchanges, 3);

    const bad = await new IbmIamTokenSource({ http, apiKey: 'wrong-key', tokenUrl: iamTokenUrl(s.url), clock }).token();
    assert.ok(!bad.ok);
    assert.deepEqual(bad.error, { kind: 'rejected', status: 400, message: 'IAM token request failed: HTTP 400 (BXNIM0415E)' });
    const plain = await new IbmIamTokenSource({ http, apiKey: 'good-key', tokenUrl: iamTokenUrl(s.url.replace('https', 'http')), clock }).token();
    assert.ok(!plain.ok && plain.error.kind === 'unavailable' && /refusing plain http/.test(plain.error.message));
    await http.close();
  } finally {
    await s.close();
  }
});

