/** RFC 4028 session timers and 2xx give-up, in process with real UDP sockets and a fake clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { UdpTransport } from '../../src/sip/transport/udp.js';
import { SipStack } from '../../src/sip/stack.js';
import { UserAgent } from '../../src/sip/user-agent.js';
import { FakeClock } from '../../src/time/clock.js';
import type { EndReason } from '../../src/sip/invite-session.js';
import { RawSip, statusOf, header, PCMU_OFFER } from '../helpers/raw-sip.js';

async function setup() {
  const timers = new FakeClock({ startMs: 0 });
  const udp = await UdpTransport.listen('127.0.0.1', 0);
  const stack = new SipStack({ transports: [udp], timers, logger: pino({ level: 'silent' }), advertisedHost: '127.0.0.1' });
  const ua = new UserAgent(stack, { logger: pino({ level: 'silent' }), sessionTimer: { sessionExpires: 1800, minSE: 90 } });
  const ended: EndReason[] = [];
  ua.onInvite = (s) => {
    s.on('ended', (r) => ended.push(r));
    s.accept(PCMU_OFFER(30000));
  };
  const peer = await RawSip.open();
  return { timers, stack, ua, peer, port: udp.localPort, ended, close: async () => (peer.close(), await stack.close()) };
}

async function answeredCall(env: Awaited<ReturnType<typeof setup>>, headers: string[]) {
  const inv = env.peer.request('INVITE', { port: env.port, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp', ...headers] });
  env.peer.send(inv.text, env.port);
  const ok = await env.peer.receive((m) => m.includes(inv.callId) && statusOf(m) === 200);
  const toTag = /;tag=([^;\s]+)/.exec(header(ok, 'To')!)![1]!;
  env.peer.send(env.peer.request('ACK', { port: env.port, callId: inv.callId, toTag }).text, env.port);
  await new Promise((r) => setTimeout(r, 50));
  return { callId: inv.callId, toTag, ok };
}

test('refresher=uac: no refresh before SE - min(32, SE/3) → the gateway sends BYE', async () => {
  const env = await setup();
  try {
    const { callId, ok } = await answeredCall(env, ['Session-Expires: 90;refresher=uac', 'Supported: timer']);
    assert.match(header(ok, 'Session-Expires')!, /90;refresher=uac/);
    env.timers.advance(59_000);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(env.peer.pending().filter((m) => m.startsWith('BYE')).length, 0);
    env.timers.advance(1_000);
    const bye = await env.peer.receive((m) => m.startsWith('BYE ') && m.includes(callId));
    assert.match(header(bye, 'Reason')!, /Session timer expired/);
    assert.deepEqual(env.ended, ['session-expired']);
  } finally {
    await env.close();
  }
});

test('a refresh (UPDATE) re-arms the timer', async () => {
  const env = await setup();
  try {
    const { callId, toTag } = await answeredCall(env, ['Session-Expires: 90;refresher=uac', 'Supported: timer']);
    env.timers.advance(45_000);
    const upd = env.peer.request('UPDATE', { port: env.port, callId, toTag, cseq: 2, headers: ['Session-Expires: 90;refresher=uac', 'Supported: timer'] });
    env.peer.send(upd.text, env.port);
    const r = await env.peer.receive((m) => m.includes(callId) && /CSeq: 2 UPDATE/.test(m));
    assert.equal(statusOf(r), 200);
    env.timers.advance(45_000);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(env.peer.pending().filter((m) => m.startsWith('BYE')).length, 0, 'not expired 90 s after start because of the refresh');
    assert.deepEqual(env.ended, []);
  } finally {
    await env.close();
  }
});

test('caller without timer support: the gateway is refresher and refreshes at SE/2', async () => {
  const env = await setup();
  try {
    const { callId, ok } = await answeredCall(env, ['Session-Expires: 120', 'Allow: INVITE, ACK, BYE, CANCEL, UPDATE']);
    assert.match(header(ok, 'Session-Expires')!, /120;refresher=uas/);
    assert.equal(header(ok, 'Require'), undefined, 'no Require: timer toward a UA that does not support it');
    env.timers.advance(60_000);
    const upd = await env.peer.receive((m) => m.startsWith('UPDATE ') && m.includes(callId));
    assert.match(header(upd, 'Session-Expires')!, /120;refresher=uas/);
  } finally {
    await env.close();
  }
});

/** A response to `req` as a UAS would build it (Via, From, To, Call-ID, CSeq copied). */
function reply(req: string, status: number, reason: string, body = ''): string {
  const copy = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].map((h) => `${h}: ${header(req, h)}`);
  return [`SIP/2.0 ${status} ${reason}`, ...copy, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

test('caller without UPDATE: the gateway refreshes with a re-INVITE carrying the same SDP, ACKs it, and refreshes again', async () => {
  const env = await setup();
  try {
    const { callId, ok } = await answeredCall(env, ['Session-Expires: 120', 'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS']);
    assert.match(header(ok, 'Session-Expires')!, /120;refresher=uas/);
    const answer = ok.slice(ok.indexOf('\r\n\r\n') + 4);
    for (let round = 1; round <= 2; round++) {
      env.timers.advance(60_000);
      const reinvite = await env.peer.receive((m) => m.startsWith('INVITE ') && m.includes(callId));
      assert.match(header(reinvite, 'Session-Expires')!, /120;refresher=uas/);
      const offer = reinvite.slice(reinvite.indexOf('\r\n\r\n') + 4);
      assert.equal(offer, answer, 'RFC 4028 §7.4 / RFC 3264 §8: a refresh offers the unchanged session (same o= version)');
      const cseq = header(reinvite, 'CSeq')!;
      env.peer.send(reply(reinvite, 200, 'OK', PCMU_OFFER()), env.port);
      const ack = await env.peer.receive((m) => m.startsWith('ACK ') && m.includes(callId));
      assert.equal(header(ack, 'CSeq'), cseq.replace('INVITE', 'ACK'), 'the ACK takes the re-INVITE\'s CSeq number');
    }
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(env.ended, [], 'the call stays up across refreshes');
  } finally {
    await env.close();
  }
});

test('a refresh re-INVITE answered 481 ends the call with BYE; one answered 491 keeps it and retries at the next refresh', async () => {
  const env = await setup();
  try {
    const { callId } = await answeredCall(env, ['Session-Expires: 120', 'Allow: INVITE, ACK, BYE, CANCEL']);
    env.timers.advance(60_000);
    const first = await env.peer.receive((m) => m.startsWith('INVITE ') && m.includes(callId));
    env.peer.send(reply(first, 491, 'Request Pending'), env.port);
    await env.peer.receive((m) => m.startsWith('ACK ') && m.includes(callId)); // non-2xx ACK, hop by hop
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(env.ended, [], 'a glare answer is not the end of the session');
    env.timers.advance(60_000);
    const second = await env.peer.receive((m) => m.startsWith('INVITE ') && m.includes(callId));
    env.peer.send(reply(second, 481, 'Call/Transaction Does Not Exist'), env.port);
    await env.peer.receive((m) => m.startsWith('ACK ') && m.includes(callId));
    const bye = await env.peer.receive((m) => m.startsWith('BYE ') && m.includes(callId));
    env.peer.send(reply(bye, 200, 'OK'), env.port);
    for (let i = 0; i < 50 && env.ended.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(env.ended, ['session-expired']);
  } finally {
    await env.close();
  }
});

test('no ACK for the 200 OK within 64*T1 → BYE (RFC 3261 §13.3.1.4)', async () => {
  const env = await setup();
  try {
    const inv = env.peer.request('INVITE', { port: env.port, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
    env.peer.send(inv.text, env.port);
    await env.peer.receive((m) => m.includes(inv.callId) && statusOf(m) === 200);
    env.timers.advance(32_000);
    await env.peer.receive((m) => m.startsWith('BYE ') && m.includes(inv.callId));
    assert.deepEqual(env.ended, ['ack-timeout']);
  } finally {
    await env.close();
  }
});
