/**
 * Overload protection (src/sip/overload.ts): past `maxCalls`, or while the event loop lags, new
 * INVITEs get 503 with Retry-After; calls in progress and in-dialog requests are untouched; once
 * the pressure is gone calls are taken again. Real UDP sockets, a raw SIP peer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { UdpTransport } from '../../src/sip/transport/udp.js';
import { SipStack } from '../../src/sip/stack.js';
import { UserAgent } from '../../src/sip/user-agent.js';
import { OverloadGuard } from '../../src/sip/overload.js';
import { RawSip, statusOf, header, PCMU_OFFER } from '../helpers/raw-sip.js';
import { waitFor } from '../helpers/wait.js';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // hold the event loop, as a CPU-saturated gateway would
  }
}

test('capacity: the call over maxCalls gets 503 + Retry-After; after a BYE calls are taken again', async () => {
  const overload = new OverloadGuard({ maxCalls: 1, maxLagMs: 0 });
  const udp = await UdpTransport.listen('127.0.0.1', 0);
  const stack = new SipStack({ transports: [udp], logger: pino({ level: 'silent' }), advertisedHost: '127.0.0.1' });
  const ua = new UserAgent(stack, { logger: pino({ level: 'silent' }), sessionTimer: { sessionExpires: 0, minSE: 90 }, overload });
  ua.onInvite = (s) => s.accept(PCMU_OFFER(30000));
  const peer = await RawSip.open();
  const port = udp.localPort;
  try {
    const first = peer.request('INVITE', { port, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
    peer.send(first.text, port);
    const ok = await peer.receive((m) => m.includes(first.callId) && statusOf(m) === 200);
    const toTag = /;tag=([^;\s]+)/.exec(header(ok, 'To')!)![1]!;
    peer.send(peer.request('ACK', { port, callId: first.callId, toTag }).text, port);

    const second = peer.request('INVITE', { port, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
    peer.send(second.text, port);
    const refused = await peer.receive((m) => m.includes(second.callId) && statusOf(m) >= 200);
    assert.equal(statusOf(refused), 503);
    assert.equal(header(refused, 'Retry-After'), '5');
    assert.match(refused.split('\r\n')[0]!, /at capacity/);
    assert.equal(overload.shed.capacity, 1);

    // The call in progress is untouched: its BYE is answered and frees the slot.
    peer.send(peer.request('BYE', { port, callId: first.callId, toTag, cseq: 2 }).text, port);
    assert.equal(statusOf(await peer.receive((m) => m.includes(first.callId) && /CSeq: 2 BYE/.test(m))), 200);
    const third = peer.request('INVITE', { port, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
    peer.send(third.text, port);
    const ok3 = await peer.receive((m) => m.includes(third.callId) && statusOf(m) >= 200);
    assert.equal(statusOf(ok3), 200);
    const tag3 = /;tag=([^;\s]+)/.exec(header(ok3, 'To')!)![1]!;
    peer.send(peer.request('ACK', { port, callId: third.callId, toTag: tag3 }).text, port);
    peer.send(peer.request('BYE', { port, callId: third.callId, toTag: tag3, cseq: 2 }).text, port);
    await peer.receive((m) => m.includes(third.callId) && /CSeq: 2 BYE/.test(m));
  } finally {
    peer.close();
    overload.close();
    await stack.close();
  }
});

test('event-loop lag: new calls are shed while the loop lags, and taken again once it recovers', async () => {
  const overload = new OverloadGuard({ maxLagMs: 100, windowMs: 100 });
  try {
    assert.deepEqual(overload.admit(0), { ok: true });
    busy(400);
    // The sampling timer (due long ago) fires late, right after the block, before this 1 ms timer.
    await new Promise((r) => setTimeout(r, 1));
    const shed = overload.admit(0);
    assert.ok(!shed.ok && shed.reason === 'lag' && shed.retryAfterSec === 1, `lag ${overload.lagMs} ms: ${JSON.stringify(shed)}`);
    assert.equal(overload.shed.lag, 1);
    // Two quiet windows later the lag figure is back under the threshold.
    await waitFor('the lag figure back under the threshold', () => overload.admit(0).ok, 2000);
    assert.deepEqual(overload.admit(0), { ok: true });
  } finally {
    overload.close();
  }
});

test('disabled: no limit and maxLagMs 0 admit everything', () => {
  const overload = new OverloadGuard({ maxLagMs: 0 });
  busy(50);
  assert.deepEqual(overload.admit(10_000), { ok: true });
  overload.close();
});

test('sip.maxCalls in the configuration: the gateway refuses the call over it and counts it', { timeout: 30_000 }, async () => {
  const { startInProcessGateway } = await import('../helpers/in-process-gateway.js');
  const { freeUdpRange, freePort } = await import('../helpers/ports.js');
  const { Softphone } = await import('../../src/softphone/softphone.js');
  const sipPort = await freePort();
  const gw = await startInProcessGateway({ sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'], maxCalls: 1 }, accounts: [{ id: 'a', applications: [{ id: 'h', numbers: ['hold'], mode: 'hold' }] }] });
  const base = await freeUdpRange(10);
  const phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 9 });
  try {
    const first = await phone.dial(`sip:hold@127.0.0.1:${sipPort}`);
    await assert.rejects(phone.dial(`sip:hold@127.0.0.1:${sipPort}`), (e: Error & { status?: number }) => e.status === 503);
    assert.equal(gw.gw.overload.shed.capacity, 1);
    assert.match(await gw.gw.registry.metrics(), /hushgate_calls_shed\{reason="capacity"\} 1/);
    await first.hangup();
  } finally {
    await phone.close();
    await gw.stop();
  }
});
