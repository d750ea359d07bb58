/** RFC 4028 session timers and 2xx give-up, in process with real UDP sockets and a fake clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { UdpTransport } from '../../src/sip/transport/udp.js';
import { SipStack } from '../../src/sip/stack.js';
import { UserAgent } from '../../src/sip/user-agent.js';
import { FakeTimers } from '../../src/sip/timer-host.js';
import type { EndReason } from '../../src/sip/invite-session.js';
import { RawSip, statusOf, header, PCMU_OFFER } from '../helpers/raw-sip.js';

async function setup() {
  const timers = new FakeTimers();
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
