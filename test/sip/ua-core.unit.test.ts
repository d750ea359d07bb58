/**
 * The UA core's answers (src/sip/user-agent.ts) on the in-memory transport, byte for byte from a
 * raw peer: OPTIONS, unserved and unknown methods, Max-Forwards 0, requests for dialogs that do not
 * exist, bodies and session intervals we refuse, and a retransmitted INVITE after the 200 (RFC 6026).
 * test/sip/user-agent.test.ts proves the same against the real gateway process over UDP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusOf, header, PCMU_OFFER, type RequestOptions } from '../helpers/raw-sip.js';
import { memorySip, wireFlow } from '../helpers/memory-sip.js';
import type { InviteServerSession } from '../../src/sip/invite-session.js';

function setup() {
  const sip = memorySip();
  const gw = sip.node('127.0.0.1', { sessionTimer: { sessionExpires: 0, minSE: 90 } });
  const calls: InviteServerSession[] = [];
  gw.ua.onInvite = (s) => {
    calls.push(s);
    s.accept(PCMU_OFFER(30000));
  };
  const peer = sip.peer('127.0.0.1');
  const port = gw.transport.localPort;
  /** Sends a request and returns the final answer to it. */
  const ask = async (method: string, opts: Omit<RequestOptions, 'port'> = {}) => {
    const r = peer.request(method, { port, ...opts });
    peer.send(r.text, port);
    return peer.receive((m) => m.includes(r.callId) && statusOf(m) >= 200);
  };
  return { sip, gw, peer, port, calls, ask };
}

test('OPTIONS → 200 with Allow, Accept and Supported; REGISTER → 405 with Allow; an unknown method → 501', async () => {
  const env = setup();
  try {
    const ok = await env.ask('OPTIONS');
    assert.equal(statusOf(ok), 200);
    assert.match(header(ok, 'Allow')!, /INVITE.*BYE.*CANCEL.*OPTIONS/);
    assert.match(header(ok, 'Accept')!, /application\/sdp/);
    assert.match(header(ok, 'Supported')!, /timer/);
    const reg = await env.ask('REGISTER');
    assert.equal(statusOf(reg), 405);
    assert.ok(header(reg, 'Allow'));
    assert.equal(statusOf(await env.ask('FOOBAR')), 501);
  } finally {
    await env.sip.close();
  }
});

test('Max-Forwards 0 → 483 for an INVITE, OPTIONS still answered; BYE, INFO and CANCEL with nothing to match → 481', async () => {
  const env = setup();
  try {
    assert.equal(statusOf(await env.ask('INVITE', { maxForwards: 0, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] })), 483);
    assert.equal(statusOf(await env.ask('OPTIONS', { maxForwards: 0 })), 200);
    assert.equal(statusOf(await env.ask('BYE', { toTag: 'nosuchtag' })), 481);
    assert.equal(statusOf(await env.ask('INFO', { toTag: 'nosuchtag' })), 481);
    assert.equal(statusOf(await env.ask('CANCEL')), 481);
    assert.equal(env.calls.length, 0);
  } finally {
    await env.sip.close();
  }
});

test('a non-SDP body → 415 with Accept; Session-Expires below Min-SE → 422 with Min-SE; a Require we lack → 420', async () => {
  const env = setup();
  try {
    const xml = await env.ask('INVITE', { body: '<xml/>', headers: ['Content-Type: application/xml'] });
    assert.equal(statusOf(xml), 415);
    assert.match(header(xml, 'Accept')!, /application\/sdp/);
    const short = await env.ask('INVITE', { body: PCMU_OFFER(), headers: ['Content-Type: application/sdp', 'Session-Expires: 30', 'Supported: timer'] });
    assert.equal(statusOf(short), 422);
    assert.equal(header(short, 'Min-SE'), '90');
    const ext = await env.ask('INVITE', { body: PCMU_OFFER(), headers: ['Content-Type: application/sdp', 'Require: 100rel-nope'] });
    assert.equal(statusOf(ext), 420);
    assert.equal(header(ext, 'Unsupported'), '100rel-nope');
    assert.equal(env.calls.length, 0);
  } finally {
    await env.sip.close();
  }
});

test('an INVITE retransmitted after the 200 is absorbed by the Accepted transaction: one call, no second answer from the UA', async () => {
  const env = setup();
  try {
    const inv = env.peer.request('INVITE', { port: env.port, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
    env.peer.send(inv.text, env.port);
    const ok = await env.peer.receive((m) => m.includes(inv.callId) && statusOf(m) === 200);
    env.peer.send(inv.text, env.port);
    await env.sip.net.settle();
    assert.equal(env.calls.length, 1);
    assert.equal(env.gw.stack.counters.retransmissionsAbsorbed, 1);
    const toTag = /;tag=([^;\s]+)/.exec(header(ok, 'To')!)![1]!;
    env.peer.send(env.peer.request('ACK', { port: env.port, callId: inv.callId, toTag }).text, env.port);
    await env.sip.run(64 * 500);
    assert.equal(env.calls[0]!.state, 'confirmed');
    assert.deepEqual(wireFlow(env.sip.net), ['INVITE', '100 Trying', '200 OK', 'INVITE', 'ACK']);
  } finally {
    await env.sip.close();
  }
});
