/**
 * INVITE dialogs end to end between two real UAs — our softphone's `InviteClientSession` and the
 * gateway's `UserAgent` — on the in-memory transport with a fake clock: call set-up and BYE both
 * ways, CANCEL, re-INVITE in both directions, lost ACKs, INVITEs and BYEs (RFC 3261 §13.3.1.4,
 * §17), REFER with NOTIFY progress, and the same call over a reliable transport. Milliseconds, no
 * sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InviteClientSession } from '../../src/sip/invite-client.js';
import type { EndReason, InviteServerSession } from '../../src/sip/invite-session.js';
import { PCMU_OFFER } from '../helpers/raw-sip.js';
import { memorySip, wireFlow, firstLine } from '../helpers/memory-sip.js';
import type { TransportProtocol } from '../../src/sip/transport/types.js';
import { refer, REFER_TIMEOUT_MS, type ReferProgress } from '../../src/sip/refer.js';

const ANSWER = PCMU_OFFER(30000);

/** A gateway UA at 10.0.0.1 and a phone UA at 10.0.0.2; `answer` decides what the gateway does with a call. */
function setup(answer: (s: InviteServerSession) => void = (s) => s.accept(ANSWER), protocol: TransportProtocol = 'UDP') {
  const sip = memorySip();
  const gw = sip.node('10.0.0.1', { protocol });
  const phone = sip.node('10.0.0.2', { protocol });
  const calls: InviteServerSession[] = [];
  const ended: EndReason[] = [];
  gw.ua.onInvite = (s) => {
    calls.push(s);
    s.on('ended', (r) => ended.push(r));
    answer(s);
  };
  const dial = () => InviteClientSession.dial(phone.ua, { target: gw.uri(), sdp: PCMU_OFFER(40000) });
  return { sip, gw, phone, calls, ended, dial };
}

test('INVITE → 100, 200 → ACK, then the caller hangs up: BYE → 200, both sides ended', async () => {
  const env = setup();
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    assert.equal(r.answer, ANSWER);
    await env.sip.net.settle();
    assert.equal(env.calls[0]!.state, 'confirmed');
    const bye = await r.session.bye();
    assert.equal(bye?.status, 200);
    await env.sip.net.settle();
    assert.deepEqual(env.ended, ['remote-bye']);
    assert.equal(r.session.state, 'ended');
    assert.deepEqual(wireFlow(env.sip.net), ['INVITE', '100 Trying', '200 OK', 'ACK', 'BYE', '200 OK']);
    assert.equal(env.gw.ua.sessions.size, 0, 'the dialog is gone at the gateway');
  } finally {
    await env.sip.close();
  }
});

test('sip.tryingDelayMs: a call answered within it gets no 100 Trying; one answered later gets the 100 at the deadline', async () => {
  for (const answerAfterMs of [0, 300]) {
    const sip = memorySip();
    const gw = sip.node('10.0.0.1', { tryingDelayMs: 100 });
    const phone = sip.node('10.0.0.2');
    gw.ua.onInvite = (s) => void (answerAfterMs === 0 ? s.accept(ANSWER) : sip.clock.setTimeout(() => s.accept(ANSWER), answerAfterMs));
    try {
      const dialled = InviteClientSession.dial(phone.ua, { target: gw.uri(), sdp: PCMU_OFFER(40000) });
      await sip.net.settle();
      await sip.run(answerAfterMs + 50);
      const r = await dialled;
      assert.ok(r.ok);
      await sip.net.settle();
      assert.deepEqual(wireFlow(sip.net), answerAfterMs === 0 ? ['INVITE', '200 OK', 'ACK'] : ['INVITE', '100 Trying', '200 OK', 'ACK'], `answered after ${answerAfterMs} ms`);
    } finally {
      await sip.close();
    }
  }
});

test('the gateway hangs up: its BYE ends the phone\'s session with remote-bye', async () => {
  const env = setup();
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.net.settle();
    const phoneEnded: string[] = [];
    r.session.on('ended', (why) => phoneEnded.push(why));
    await env.calls[0]!.bye();
    await env.sip.net.settle();
    assert.deepEqual(phoneEnded, ['remote-bye']);
    assert.deepEqual(env.ended, ['local-bye']);
    assert.deepEqual(wireFlow(env.sip.net).slice(-2), ['BYE', '200 OK']);
  } finally {
    await env.sip.close();
  }
});

test('CANCEL before the answer: 200 for the CANCEL, 487 for the INVITE (ACKed), the call never starts', async () => {
  const env = setup((s) => s.progress(180));
  try {
    const pending = env.dial();
    await env.sip.net.settle();
    assert.equal(env.calls.length, 1);
    await cancelWhenRinging(env);
    const r = await pending;
    assert.deepEqual(r.ok ? 'answered' : [r.status, r.reason], [487, 'Request Terminated']);
    await env.sip.net.settle();
    assert.deepEqual(env.ended, ['cancelled']);
    assert.deepEqual(wireFlow(env.sip.net), ['INVITE', '100 Trying', '180 Ringing', 'CANCEL', '200 OK', '487 Request Terminated', 'ACK']);
  } finally {
    await env.sip.close();
  }
});

/**
 * Sends CANCEL for the ringing INVITE as `InviteClientSession.cancel()` does (the INVITE's Via and
 * branch, CSeq number 1); `dial` hands out the session only once the call is answered.
 */
async function cancelWhenRinging(env: ReturnType<typeof setup>): Promise<void> {
  const invite = env.sip.net.sent.find((m) => firstLine(m.data.toString()) === 'INVITE')!.data.toString();
  const keep = ['Via', 'From', 'To', 'Call-ID'].map((h) => new RegExp(`^${h}: .*$`, 'm').exec(invite)![0]);
  const uri = invite.slice(0, invite.indexOf('\r\n')).split(' ')[1]!;
  const cancel = [`CANCEL ${uri} SIP/2.0`, ...keep, 'CSeq: 1 CANCEL', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n');
  await env.phone.transport.send(Buffer.from(cancel), { protocol: 'UDP', address: '10.0.0.1', port: 5060 });
  await env.sip.net.settle();
}

/** The gateway answers a `sendonly` (hold) offer with `recvonly`, anything else with its answer. */
function holdAware(s: InviteServerSession): void {
  s.onOffer = (sdp) => ({ ok: true, sdp: sdp.includes('a=sendonly') ? ANSWER.replace('a=sendrecv', 'a=recvonly') : ANSWER });
  s.accept(ANSWER);
}
const HOLD = Buffer.from(PCMU_OFFER(40000).replace('a=sendrecv', 'a=sendonly'));

test('re-INVITE from the phone (hold) is answered by the gateway\'s onOffer; the dialog stays up', async () => {
  const env = setup(holdAware);
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.net.settle();
    let refreshes = 0;
    env.calls[0]!.on('refresh', () => refreshes++);
    const hold = await r.session.sendInDialog('INVITE', { body: HOLD, contentType: 'application/sdp' });
    assert.equal(hold?.status, 200);
    assert.match(hold!.body.toString(), /a=recvonly/);
    assert.equal(refreshes, 1);
    assert.deepEqual(wireFlow(env.sip.net).slice(4, 6), ['INVITE', '200 OK'], 'in-dialog: no 100 Trying from the UA core');
  } finally {
    await env.sip.close();
  }
});

test('a 2xx to the phone\'s re-INVITE is ACKed, so the gateway does not end the call 64·T1 later', async () => {
  const env = setup(holdAware);
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await r.session.sendInDialog('INVITE', { body: HOLD, contentType: 'application/sdp' });
    await env.sip.run(64 * 500);
    assert.deepEqual(wireFlow(env.sip.net).slice(4, 7), ['INVITE', '200 OK', 'ACK']);
    assert.deepEqual(env.ended, []);
  } finally {
    await env.sip.close();
  }
});

test('re-INVITE from the gateway is answered by the phone\'s onOffer and ACKed by the gateway', async () => {
  const env = setup(holdAware);
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.net.settle();
    r.session.onOffer = (sdp) => (sdp.includes('m=audio 31000') ? PCMU_OFFER(41000) : 'unexpected');
    const res = await env.calls[0]!.sendInDialog('INVITE', { body: Buffer.from(PCMU_OFFER(31000)), contentType: 'application/sdp' });
    assert.equal(res?.status, 200);
    assert.match(res!.body.toString(), /m=audio 41000/);
    await env.sip.run(64 * 500);
    assert.deepEqual(wireFlow(env.sip.net).slice(4), ['INVITE', '200 OK', 'ACK']);
    assert.equal(env.calls[0]!.state, 'confirmed');
    assert.equal(r.session.state, 'confirmed');
  } finally {
    await env.sip.close();
  }
});

test('every ACK lost: the 200 is retransmitted at T1 doubling to T2, then BYE at 64·T1 (ack-timeout)', async () => {
  const env = setup();
  env.sip.net.filter = (m) => !m.data.toString().startsWith('ACK ');
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    const okAt = env.sip.net.sent.find((m) => firstLine(m.data.toString()) === '200 OK')!.at;
    await env.sip.run(31_999);
    const oks = env.sip.net.sent.filter((m) => firstLine(m.data.toString()) === '200 OK').map((m) => m.at - okAt);
    assert.deepEqual(oks, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.deepEqual(env.ended, [], 'not given up before 64·T1');
    await env.sip.run(1);
    assert.deepEqual(env.ended, ['ack-timeout']);
    assert.equal(wireFlow(env.sip.net).filter((l) => l === 'BYE').length, 1);
  } finally {
    await env.sip.close();
  }
});

test('the first ACK lost: the retransmitted 200 is ACKed again and the call is confirmed, no BYE', async () => {
  const env = setup();
  let acks = 0;
  env.sip.net.filter = (m) => !(m.data.toString().startsWith('ACK ') && ++acks === 1);
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.run(500);
    assert.equal(env.calls[0]!.state, 'confirmed');
    await env.sip.run(60_000);
    assert.deepEqual(env.ended, []);
    assert.deepEqual(wireFlow(env.sip.net, { delivered: true }), ['INVITE', '100 Trying', '200 OK', '200 OK', 'ACK']);
  } finally {
    await env.sip.close();
  }
});

test('100 Trying lost: the INVITE is retransmitted at T1 and the gateway absorbs it (one call)', async () => {
  const env = setup(() => {}); // no 180: only the lost 100 could have stopped Timer A
  let tryingLost = false;
  env.sip.net.filter = (m) => {
    if (!tryingLost && firstLine(m.data.toString()) === '100 Trying') return !(tryingLost = true);
    return true;
  };
  try {
    void env.dial();
    await env.sip.net.settle();
    await env.sip.run(500);
    assert.equal(env.calls.length, 1);
    assert.equal(env.gw.stack.counters.retransmissionsAbsorbed, 1);
    assert.deepEqual(wireFlow(env.sip.net).filter((l) => l === 'INVITE').length, 2);
  } finally {
    await env.sip.close();
  }
});

test('every BYE lost: Timer E retransmits at T1 doubling to T2, Timer F gives up at 64·T1 with no response', async () => {
  const env = setup();
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.net.settle();
    env.sip.net.filter = (m) => !m.data.toString().startsWith('BYE ');
    let answered: unknown = 'pending';
    void env.calls[0]!.sendInDialog('BYE').then((res) => (answered = res));
    await env.sip.net.settle();
    const sentAt = env.sip.net.sent.at(-1)!.at;
    await env.sip.run(31_999);
    assert.equal(answered, 'pending');
    await env.sip.run(1);
    assert.equal(answered, undefined, 'no final response: undefined after Timer F');
    const byes = env.sip.net.sent.filter((m) => firstLine(m.data.toString()) === 'BYE').map((m) => m.at - sentAt);
    assert.deepEqual(byes, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  } finally {
    await env.sip.close();
  }
});

test('REFER from the gateway: 202 from the phone, NOTIFY sipfrag progress 100 then 200 over SIP → a successful transfer', async () => {
  const env = setup();
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.net.settle();
    const referred: string[] = [];
    r.session.onRequest = (req) => {
      if (req.method !== 'REFER') return 200;
      referred.push(req.headers.get('Refer-To') ?? '');
      return 202;
    };
    const progress: ReferProgress[] = [];
    const outcome = refer(env.calls[0]!, { target: 'sip:human@10.0.0.7', clock: env.sip.clock, onProgress: (e) => progress.push(e) });
    await env.sip.net.settle();
    assert.deepEqual(referred, ['<sip:human@10.0.0.7>']);
    const frag = (line: string) => ({ headers: [['Event', 'refer'], ['Subscription-State', 'active']] as [string, string][], body: Buffer.from(`${line}\r\n`), contentType: 'message/sipfrag' });
    assert.equal((await r.session.sendInDialog('NOTIFY', frag('SIP/2.0 100 Trying')))?.status, 200);
    assert.equal((await r.session.sendInDialog('NOTIFY', frag('SIP/2.0 200 OK')))?.status, 200);
    assert.deepEqual(await outcome, { ok: true, status: 200, reason: '200' });
    assert.deepEqual(progress, [{ type: 'refer-response', status: 202 }, { type: 'notify', status: 100, phrase: 'Trying' }, { type: 'notify', status: 200, phrase: 'OK' }]);
  } finally {
    await env.sip.close();
  }
});

test('REFER with no final NOTIFY: the transfer times out at 30 s of fake time, not a millisecond before', async () => {
  const env = setup();
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    r.session.onRequest = (req) => (req.method === 'REFER' ? 202 : 200);
    let outcome: unknown = 'pending';
    void refer(env.calls[0]!, { target: 'sip:human@10.0.0.7', clock: env.sip.clock }).then((o) => (outcome = o));
    await env.sip.run(REFER_TIMEOUT_MS - 1);
    assert.equal(outcome, 'pending');
    await env.sip.run(1);
    assert.deepEqual(outcome, { ok: false, failure: 'timeout', reason: 'transfer timed out' });
  } finally {
    await env.sip.close();
  }
});

test('nobody answers at all: Timer B gives up after 64·T1 with 408', async () => {
  const sip = memorySip();
  try {
    const phone = sip.node('10.0.0.2');
    const pending = InviteClientSession.dial(phone.ua, { target: 'sip:service@10.0.0.9:5060', sdp: PCMU_OFFER(40000) });
    await sip.net.settle();
    await sip.run(31_999);
    let settled = false;
    void pending.then(() => (settled = true));
    await sip.net.settle();
    assert.equal(settled, false);
    await sip.run(1);
    assert.deepEqual(await pending, { ok: false, status: 408, reason: 'Request Timeout' });
    assert.deepEqual(sip.net.sent.map((m) => m.at - sip.net.sent[0]!.at), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  } finally {
    await sip.close();
  }
});

test('over TCP: no retransmissions, responses and the BYE travel on the caller\'s connection', async () => {
  const env = setup(undefined, 'TCP');
  try {
    const r = await env.dial();
    assert.ok(r.ok);
    await env.sip.run(60_000);
    assert.equal(env.calls[0]!.state, 'confirmed');
    assert.equal(env.calls[0]!.source.connectionId, 'mem:10.0.0.1:5060<->10.0.0.2:5060');
    await env.calls[0]!.bye();
    await env.sip.net.settle();
    assert.deepEqual(wireFlow(env.sip.net), ['INVITE', '100 Trying', '200 OK', 'ACK', 'BYE', '200 OK']);
    assert.equal(r.session.state, 'ended');
  } finally {
    await env.sip.close();
  }
});
