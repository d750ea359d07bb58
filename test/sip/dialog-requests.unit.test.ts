/**
 * The in-dialog request code shared by both INVITE dialog usages (src/sip/dialog-requests.ts,
 * dialog-session-timer.ts), exercised from the phone's side (`InviteClientSession`) against the
 * gateway's `UserAgent` on the in-memory transport with a fake clock: RFC 4028 refresh by the
 * phone when the gateway's 2xx names it refresher, and the phone's answers to in-dialog requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InviteClientSession } from '../../src/sip/invite-client.js';
import type { EndReason, InviteServerSession } from '../../src/sip/invite-session.js';
import { parseSessionExpires } from '../../src/sip/dialog-session-timer.js';
import { PCMU_OFFER } from '../helpers/raw-sip.js';
import { memorySip, wireFlow } from '../helpers/memory-sip.js';

const ANSWER = PCMU_OFFER(30000);

function setup(sessionExpires: number) {
  const sip = memorySip();
  const gw = sip.node('10.0.0.1', { sessionTimer: { sessionExpires, minSE: 90 } });
  const phone = sip.node('10.0.0.2');
  const calls: InviteServerSession[] = [];
  const ended: EndReason[] = [];
  gw.ua.onInvite = (s) => {
    calls.push(s);
    s.on('ended', (r) => ended.push(r));
    s.onOffer = () => ({ ok: true, sdp: ANSWER });
    s.accept(ANSWER);
  };
  const dial = () => InviteClientSession.dial(phone.ua, { target: gw.uri(), sdp: PCMU_OFFER(40000) });
  return { sip, gw, phone, calls, ended, dial };
}

test('the gateway names the phone refresher: the phone re-INVITEs at SE/2, each 2xx is ACKed, the call outlives several intervals', async () => {
  const env = setup(90);
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    assert.deepEqual(parseSessionExpires(r.response.headers.get('Session-Expires') ?? ''), { interval: 90, refresher: 'uac' });
    await env.sip.run(44_999);
    assert.deepEqual(wireFlow(env.sip.net).slice(4), [], 'no refresh before SE/2');
    await env.sip.run(1);
    assert.deepEqual(wireFlow(env.sip.net).slice(4, 7), ['INVITE', '200 OK', 'ACK']);
    for (let i = 0; i < 6; i++) await env.sip.run(45_000);
    assert.deepEqual(env.ended, [], 'the gateway never saw the session expire');
    assert.equal(wireFlow(env.sip.net).filter((l) => l === 'ACK').length, 1 + 7, 'every refresh ACKed');
    assert.equal(env.calls[0]!.state, 'confirmed');
  } finally {
    await env.sip.close();
  }
});

test('no session timer in the 2xx: the phone never refreshes and never ends the call itself', async () => {
  const env = setup(0);
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.run(3_600_000);
    assert.deepEqual(wireFlow(env.sip.net).slice(4), []);
    assert.equal(r.session.state, 'confirmed');
  } finally {
    await env.sip.close();
  }
});

test('the phone answers in-dialog OPTIONS with its Allow, MESSAGE with 405, a non-SDP re-INVITE with 415', async () => {
  const env = setup(0);
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.net.settle();
    const call = env.calls[0]!;
    const options = await call.sendInDialog('OPTIONS');
    assert.equal(options?.status, 200);
    assert.match(options!.headers.getAll('Allow').join(','), /\bREFER\b/);
    const message = await call.sendInDialog('MESSAGE', { body: Buffer.from('hi'), contentType: 'text/plain' });
    assert.equal(message?.status, 405);
    assert.match(message!.headers.getAll('Allow').join(','), /\bINVITE\b/);
    const reinvite = await call.sendInDialog('INVITE', { body: Buffer.from('<xml/>'), contentType: 'application/xml' });
    assert.equal(reinvite?.status, 415);
    assert.equal(r.session.state, 'confirmed');
  } finally {
    await env.sip.close();
  }
});

test('INFO: the phone takes any body (application/json reaches its listener); the gateway reads only DTMF/media-control bodies (415 otherwise)', async () => {
  const env = setup(0);
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.net.settle();
    const seen: string[] = [];
    r.session.on('request', (req) => seen.push(`${req.method} ${req.body.toString()}`));
    const toPhone = await env.calls[0]!.sendInDialog('INFO', { body: Buffer.from('{"a":1}'), contentType: 'application/json' });
    assert.equal(toPhone?.status, 200);
    assert.deepEqual(seen, ['INFO {"a":1}']);
    const toGateway = await r.session.sendInDialog('INFO', { body: Buffer.from('{"a":1}'), contentType: 'application/json' });
    assert.equal(toGateway?.status, 415);
    const dtmf = await r.session.sendInDialog('INFO', { body: Buffer.from('Signal=5\r\nDuration=160\r\n'), contentType: 'application/dtmf-relay' });
    assert.equal(dtmf?.status, 200);
  } finally {
    await env.sip.close();
  }
});
