/** RFC 3261 transaction timers with a fake clock: A, B, D, E, F, G, H, I, J, K (and RFC 6026's L, M). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/time/clock.js';
import { Headers, type SipMessage, type SipRequest, type SipResponse } from '../../src/sip/message.js';
import { InviteClientTransaction } from '../../src/sip/transaction/client-invite.js';
import { NonInviteClientTransaction } from '../../src/sip/transaction/client-non-invite.js';
import { InviteServerTransaction } from '../../src/sip/transaction/server-invite.js';
import { NonInviteServerTransaction } from '../../src/sip/transaction/server-non-invite.js';
import { createResponse } from '../../src/sip/response.js';
import type { Sent } from '../../src/sip/transaction/types.js';

const T = { t1: 500, t2: 4000, t4: 5000 };

function req(method: string): SipRequest {
  const h = Headers.from([
    ['Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc'],
    ['From', '<sip:a@x>;tag=1'],
    ['To', '<sip:b@y>'],
    ['Call-ID', 'c1'],
    ['CSeq', `1 ${method}`],
    ['Max-Forwards', '70'],
  ]);
  return { kind: 'request', method, uri: { scheme: 'sip', user: 'b', host: 'y', params: new Map(), headers: new Map() }, version: 'SIP/2.0', headers: h, body: Buffer.alloc(0) };
}

function harness(reliable = false) {
  const timers = new FakeClock({ startMs: 0 });
  const sent: { at: number; msg: SipMessage }[] = [];
  let terminated = -1;
  // A `Sent` here is the message itself: a resend logs it again, as the stack would send its bytes again.
  const send = (msg: SipMessage): Sent => (sent.push({ at: timers.now(), msg }), msg as unknown as Sent);
  const resend = (s: Sent): void => void sent.push({ at: timers.now(), msg: s as unknown as SipMessage });
  const ctx = { timers, config: T, reliable, send, resend, onTerminated: () => (terminated = timers.now()) };
  return { timers, sent, ctx, terminatedAt: () => terminated };
}

const res = (r: SipRequest, status: number): SipResponse => createResponse(r, status, undefined, { toTag: 'tt' });

test('INVITE client: Timer A doubles from T1 on UDP, Timer B times out at 64*T1', () => {
  const h = harness();
  const tx = new InviteClientTransaction('k', req('INVITE'), h.ctx);
  let timedOut = -1;
  tx.onTimeout = () => (timedOut = h.timers.now());
  tx.start();
  h.timers.advance(64 * T.t1 + 1);
  assert.deepEqual(h.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(timedOut, 32000);
  assert.equal(tx.state, 'terminated');
});

test('INVITE client: no Timer A on TCP; 1xx stops retransmission; error response is ACKed and Timer D absorbs retransmissions', () => {
  const tcp = harness(true);
  const t1 = new InviteClientTransaction('k', req('INVITE'), tcp.ctx);
  t1.start();
  tcp.timers.advance(10_000);
  assert.equal(tcp.sent.length, 1);

  const h = harness();
  const invite = req('INVITE');
  const tx = new InviteClientTransaction('k', invite, h.ctx);
  const seen: number[] = [];
  tx.onResponse = (r) => seen.push(r.status);
  tx.start();
  h.timers.advance(600);
  tx.receiveResponse(res(invite, 180));
  h.timers.advance(10_000);
  assert.equal(h.sent.length, 2, 'INVITE + one Timer A retransmission, none after 180');
  tx.receiveResponse(res(invite, 486));
  const ack = h.sent[2]!.msg as SipRequest;
  assert.equal(ack.method, 'ACK');
  assert.equal(ack.headers.get('Via'), invite.headers.get('Via'), 'ACK for non-2xx reuses the INVITE branch');
  assert.match(ack.headers.get('To')!, /tag=tt/);
  tx.receiveResponse(res(invite, 486));
  assert.equal(h.sent.length, 4, 'retransmitted 486 → ACK again');
  assert.deepEqual(seen, [180, 486]);
  h.timers.advance(31_999);
  assert.equal(tx.state, 'completed');
  h.timers.advance(2);
  assert.equal(tx.state, 'terminated', 'Timer D = 32 s on UDP');
});

test('INVITE client: 2xx → Accepted (Timer M) passes retransmitted 2xx to the TU', () => {
  const h = harness();
  const invite = req('INVITE');
  const tx = new InviteClientTransaction('k', invite, h.ctx);
  const seen: number[] = [];
  tx.onResponse = (r) => seen.push(r.status);
  tx.start();
  tx.receiveResponse(res(invite, 200));
  tx.receiveResponse(res(invite, 200));
  assert.deepEqual(seen, [200, 200]);
  h.timers.advance(64 * T.t1);
  assert.equal(tx.state, 'terminated');
});

test('non-INVITE client: Timer E doubles to T2, Timer F at 64*T1, Timer K = T4 on UDP and 0 on TCP', () => {
  const h = harness();
  const bye = req('BYE');
  const tx = new NonInviteClientTransaction('k', bye, h.ctx);
  let timeout = false;
  tx.onTimeout = () => (timeout = true);
  tx.start();
  h.timers.advance(64 * T.t1 + 1);
  assert.deepEqual(h.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  assert.ok(timeout);

  const h2 = harness();
  const tx2 = new NonInviteClientTransaction('k', bye, h2.ctx);
  tx2.start();
  h2.timers.advance(700);
  tx2.receiveResponse(res(bye, 100));
  h2.timers.advance(4000);
  assert.deepEqual(h2.sent.map((s) => s.at), [0, 500, 1500], 'in Proceeding, Timer E fires at T2 after the last firing');
  tx2.receiveResponse(res(bye, 200));
  h2.timers.advance(T.t4 - 1);
  assert.equal(tx2.state, 'completed');
  h2.timers.advance(1);
  assert.equal(tx2.state, 'terminated');

  const h3 = harness(true);
  const tx3 = new NonInviteClientTransaction('k', bye, h3.ctx);
  tx3.start();
  tx3.receiveResponse(res(bye, 200));
  h3.timers.advance(0);
  assert.equal(tx3.state, 'terminated', 'Timer K = 0 on reliable transports');
});

test('INVITE server: Timer G retransmits the error response T1→T2, Timer H gives up at 64*T1', () => {
  const h = harness();
  const invite = req('INVITE');
  const tx = new InviteServerTransaction('k', invite, h.ctx);
  let ackTimeout = false;
  tx.onAckTimeout = () => (ackTimeout = true);
  tx.respond(res(invite, 100));
  tx.receiveRequest();
  assert.equal(h.sent.length, 2, 'retransmitted INVITE in Proceeding → last provisional again');
  tx.respond(res(invite, 486));
  h.timers.advance(64 * T.t1 + 1);
  const finals = h.sent.filter((s) => (s.msg as SipResponse).status === 486).map((s) => s.at);
  assert.deepEqual(finals, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  assert.ok(ackTimeout);
  assert.equal(tx.state, 'terminated');
});

test('INVITE server: ACK → Confirmed, Timer I = T4 on UDP; 2xx → Accepted absorbs INVITE retransmissions (Timer L)', () => {
  const h = harness();
  const invite = req('INVITE');
  const tx = new InviteServerTransaction('k', invite, h.ctx);
  tx.respond(res(invite, 404));
  h.timers.advance(600);
  tx.receiveAck();
  assert.equal(tx.state, 'confirmed');
  const count = h.sent.length;
  h.timers.advance(10_000);
  assert.equal(h.sent.length, count, 'Timer G stops on ACK');
  assert.equal(tx.state, 'terminated', 'Timer I');
  assert.equal(h.terminatedAt(), 600 + T.t4);

  const h2 = harness();
  const tx2 = new InviteServerTransaction('k', invite, h2.ctx);
  tx2.respond(res(invite, 200));
  tx2.receiveRequest();
  assert.equal(h2.sent.length, 1, 'INVITE retransmission absorbed in Accepted');
  tx2.respond(res(invite, 200));
  assert.equal(h2.sent.length, 2, 'TU 2xx retransmission passes through');
  h2.timers.advance(64 * T.t1);
  assert.equal(tx2.state, 'terminated', 'Timer L');
});

test('INVITE server: a deferred 100 Trying leaves only if nothing has by its deadline, or at once for a retransmitted INVITE', () => {
  const statuses = (h: ReturnType<typeof harness>) => h.sent.map((s) => `${s.at}:${(s.msg as SipResponse).status}`);
  const invite = req('INVITE');
  // Answered within the delay: no 100 at all, and none later.
  const a = harness();
  const ta = new InviteServerTransaction('k', invite, a.ctx);
  ta.tryingUnlessAnsweredWithin(100, () => res(invite, 100));
  a.timers.advance(40);
  ta.respond(res(invite, 200));
  a.timers.advance(1000);
  assert.deepEqual(statuses(a), ['40:200']);
  // Not answered: the 100 at the deadline, then the answer; a retransmission then gets the 100 again.
  const b = harness();
  const tb = new InviteServerTransaction('k', invite, b.ctx);
  tb.tryingUnlessAnsweredWithin(100, () => res(invite, 100));
  b.timers.advance(99);
  assert.deepEqual(statuses(b), []);
  b.timers.advance(1);
  tb.receiveRequest();
  tb.respond(res(invite, 486));
  assert.deepEqual(statuses(b).slice(0, 3), ['100:100', '100:100', '100:486']);
  // A retransmitted INVITE before the deadline: the 100 at once, and not again at the deadline.
  const c = harness();
  const tc = new InviteServerTransaction('k', invite, c.ctx);
  tc.tryingUnlessAnsweredWithin(100, () => res(invite, 100));
  c.timers.advance(30);
  tc.receiveRequest();
  c.timers.advance(200);
  assert.deepEqual(statuses(c), ['30:100']);
  // A 180 within the delay takes the 100's place.
  const d = harness();
  const td = new InviteServerTransaction('k', invite, d.ctx);
  td.tryingUnlessAnsweredWithin(100, () => res(invite, 100));
  td.respond(res(invite, 180));
  d.timers.advance(500);
  td.receiveRequest();
  assert.deepEqual(statuses(d), ['0:180', '500:180'], 'no 100; the retransmission gets the 180');
  // Terminated before its deadline (transport error, shutdown): nothing leaves.
  const e = harness();
  const te = new InviteServerTransaction('k', invite, e.ctx);
  te.tryingUnlessAnsweredWithin(100, () => res(invite, 100));
  te.terminate();
  e.timers.advance(500);
  assert.deepEqual(statuses(e), []);
});

test('non-INVITE server: Timer J = 64*T1 on UDP (retransmissions get the final response), 0 on TCP', () => {
  const h = harness();
  const options = req('OPTIONS');
  const tx = new NonInviteServerTransaction('k', options, h.ctx);
  tx.receiveRequest();
  assert.equal(h.sent.length, 0, 'Trying: retransmission before any response is absorbed');
  tx.respond(res(options, 200));
  tx.receiveRequest();
  assert.equal(h.sent.length, 2);
  h.timers.advance(64 * T.t1 - 1);
  assert.equal(tx.state, 'completed');
  h.timers.advance(1);
  assert.equal(tx.state, 'terminated');

  const h2 = harness(true);
  const tx2 = new NonInviteServerTransaction('k', options, h2.ctx);
  tx2.respond(res(options, 200));
  h2.timers.advance(0);
  assert.equal(tx2.state, 'terminated');
});

test('server transactions keep what they sent as bytes to resend, and forget the parsed request once a final response has left', () => {
  const h = harness();
  const invite = req('INVITE');
  const tx = new InviteServerTransaction('k', invite, h.ctx);
  assert.equal(tx.request, invite, 'Proceeding: the INVITE is there for the TU and a CANCEL');
  const busy = res(invite, 486);
  tx.respond(busy);
  assert.equal(tx.request, undefined, 'Completed: nothing parsed is kept for the 32 s of Timer H');
  tx.receiveRequest();
  h.timers.advance(T.t1);
  assert.deepEqual(h.sent.map((s) => s.msg), [busy, busy, busy], 'the retransmitted INVITE and Timer G resend what was sent');

  const h2 = harness();
  const tx2 = new InviteServerTransaction('k', invite, h2.ctx);
  tx2.respond(res(invite, 200));
  assert.equal(tx2.request, undefined, 'Accepted: the TU resends its 2xx itself');
  tx2.receiveRequest();
  assert.equal(h2.sent.length, 1);

  const h3 = harness();
  const options = req('OPTIONS');
  const tx3 = new NonInviteServerTransaction('k', options, h3.ctx);
  const ok = res(options, 200);
  tx3.respond(ok);
  tx3.receiveRequest();
  tx3.receiveRequest();
  assert.deepEqual(h3.sent.map((s) => s.msg), [ok, ok, ok], 'retransmitted requests get the same final response');
  tx3.terminate();
  tx3.receiveRequest();
  assert.equal(h3.sent.length, 3, 'nothing after Terminated');
});
