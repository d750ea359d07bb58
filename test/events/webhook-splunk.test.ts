/**
 * Webhook sink against a real local HTTPS receiver (self-signed certificate made with openssl at
 * test time, trusted through `ca`) that verifies signatures with `verifyWebhookSignature`; and the
 * Splunk HEC sink against a local server that checks the HEC protocol.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WebhookSink } from '../../src/events/sinks/webhook.js';
import { SplunkHecSink } from '../../src/events/sinks/splunk-hec.js';
import { verifyWebhookSignature, signWebhook } from '../../src/events/webhook-signature.js';
import { startRecordingServer, startWebhookReceiver, type WebhookReceiver } from '../helpers/recording-server.js';
import type { OutboxRow } from '../../src/events/outbox-store.js';
import { FakeClock } from '../../src/time/clock.js';

const SECRET = 'whsec-0123456789abcdef0123456789abcdef';
let dir: string;
let cert: Buffer;
let key: Buffer;
let receiver: WebhookReceiver;
let receiverUrl: string;
let accepted: WebhookReceiver['accepted'];
let rejections: string[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hg-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
  receiver = await startWebhookReceiver(SECRET, { tls: { cert, key }, path: '/hooks/events' });
  receiverUrl = receiver.url;
  accepted = receiver.accepted;
  rejections = receiver.rejected;
});
after(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (type = 'dtmf'): OutboxRow => {
  const eventId = randomUUID();
  return { seq: 1, eventId, type, callId: 'c', createdAt: 1_700_000_000_123, attempts: 0, payload: JSON.stringify({ eventId, type, digitCount: 2 }) };
};

function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((res, rej) => {
    const r = https.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ca: cert }, (x) => {
      x.resume();
      x.on('end', () => res(x.statusCode ?? 0));
    });
    r.on('error', rej);
    r.end(body);
  });
}

test('webhook batches arrive over https with a signature the receiver verifies', async () => {
  // Wall time from now (the receiver checks the timestamp against its own clock); moved by hand.
  const clock = new FakeClock({ epochStart: Date.now() });
  const sink = new WebhookSink({ name: 'w', url: receiverUrl, secret: SECRET, ca: cert, clock });
  const rows = [row(), row('cdr')];
  const r = await sink.deliver(rows);
  assert.deepEqual(r, { kind: 'results', outcomes: [{ kind: 'delivered' }, { kind: 'delivered' }] });
  assert.deepEqual(accepted.at(-1)!.events.map((e) => e.eventId), rows.map((x) => x.eventId));
  // A retry of the same batch is signed afresh and accepted (receivers de-duplicate by eventId).
  clock.advance(1100); // a second later: a new timestamp
  assert.equal((await sink.deliver(rows)).kind, 'results');
  assert.equal(rejections.length, 0);
  await sink.close();
});

test('forged, tampered, stale and replayed requests are rejected', async () => {
  const body = JSON.stringify({ events: [{ eventId: randomUUID() }] });
  const now = Math.floor(Date.now() / 1000);
  const before = accepted.length;
  assert.equal(await post(receiverUrl, signWebhook('not-the-secret-at-all-0123456789', body, now), body), 401);
  const good = signWebhook(SECRET, body, now);
  assert.equal(await post(receiverUrl, good, body.replace('events', 'evenTs')), 401); // body tampered
  assert.equal(await post(receiverUrl, signWebhook(SECRET, body, now - 3600), body), 401); // stale
  assert.equal(await post(receiverUrl, {}, body), 401);
  assert.equal(await post(receiverUrl, good, body), 204);
  assert.equal(await post(receiverUrl, good, body), 401); // replay of a captured request
  assert.deepEqual(rejections.slice(-5), ['bad-signature', 'bad-signature', 'stale-timestamp', 'missing-headers', 'replayed']);
  assert.equal(accepted.length, before + 1);
  // Rotation: several secrets accepted by the receiver.
  const h = signWebhook('old-secret-0123456789abcdef012345', body, now);
  assert.equal(verifyWebhookSignature(['new-secret-0123456789abcdef01234', 'old-secret-0123456789abcdef012345'], h, body, { toleranceSec: 60, nowSec: now }).ok, true);
});

test('webhook: https required, untrusted certificate is an outage not a loss, 4xx is permanent', async () => {
  assert.throws(() => new WebhookSink({ name: 'w', url: 'http://127.0.0.1:1/x', secret: SECRET }), /allowInsecure/);
  const untrusted = new WebhookSink({ name: 'w', url: receiverUrl, secret: SECRET });
  assert.equal((await untrusted.deliver([row()])).kind, 'unavailable');
  await untrusted.close();
  const wrongPath = new WebhookSink({ name: 'w', url: receiverUrl.replace('/hooks/events', '/nope'), secret: 'different-secret-0123456789abcdef', ca: cert });
  const r = await wrongPath.deliver([row()]);
  assert.equal(r.kind, 'unavailable'); // 401 from the receiver: sink-level, nothing dead-lettered
  await wrongPath.close();
});

test('Splunk HEC: one request per batch, Splunk token auth, newline-separated envelopes', async () => {
  let status = 200;
  const srv = await startRecordingServer((req) => {
    if (req.headers.authorization !== 'Splunk 11111111-2222-3333-4444-555555555555') return { status: 403, body: '{"text":"Invalid token","code":4}' };
    return { status, headers: { 'content-type': 'application/json' }, body: status === 200 ? '{"text":"Success","code":0}' : '{"text":"Invalid data format","code":6}' };
  });
  const got = () => srv.requests.map((r) => ({ auth: r.headers.authorization, path: r.url, lines: r.text.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) }));
  const url = srv.url;
  const sink = new SplunkHecSink({ name: 's', url, token: '11111111-2222-3333-4444-555555555555', index: 'voice', host: 'gw1', allowInsecure: true });
  const rows = [row(), row('cdr')];
  assert.deepEqual(await sink.deliver(rows), { kind: 'results', outcomes: [{ kind: 'delivered' }, { kind: 'delivered' }] });
  assert.equal(got().length, 1);
  assert.equal(got()[0]!.path, '/services/collector/event');
  assert.deepEqual(got()[0]!.lines[1], { time: 1700000000.123, host: 'gw1', source: 'hushgate', index: 'voice', sourcetype: 'hushgate:cdr', event: JSON.parse(rows[1]!.payload) });
  status = 400;
  const bad = await sink.deliver([row()]);
  assert.equal(bad.kind === 'results' && bad.outcomes[0]!.kind, 'permanent');
  const wrongToken = new SplunkHecSink({ name: 's', url, token: 'nope', allowInsecure: true });
  assert.equal((await wrongToken.deliver([row()])).kind, 'unavailable');
  await Promise.all([sink.close(), wrongToken.close()]);
  await srv.close();
});
