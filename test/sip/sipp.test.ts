/**
 * SIP signalling against SIPp (a peer nobody here wrote), driving the real gateway process.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, metricValue, type RunningGateway } from '../helpers/gateway-process.js';
import { runSipp } from '../helpers/sipp.js';

let gw: RunningGateway;

before(async () => {
  gw = await startGateway({
    accounts: [
      {
        id: 'acme',
        applications: [
          { id: 'line', numbers: ['service', '+44 20 7946 0958'], mode: 'hold' },
          { id: 'ringing', numbers: ['ringing'], mode: 'hold', answerDelayMs: 1500 },
          { id: 'short', numbers: ['short'], mode: 'hold', holdSeconds: 1 },
        ],
      },
    ],
  });
});

after(async () => {
  const code = await gw.stop();
  assert.equal(code, 0, 'gateway exits cleanly on SIGTERM');
});

const target = () => `127.0.0.1:${gw.sipPort}`;

test('SIPp built-in uac scenario: 10 calls complete with 200 OK and BYE over UDP', async () => {
  const r = await runSipp({ scenario: 'uac', target: target(), service: 'service', calls: 10, rate: 20 });
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.equal(r.successful, 10);
  assert.equal(r.failed, 0);
});

test('SIPp uac over TCP', async () => {
  const r = await runSipp({ scenario: 'uac', target: target(), service: 'service', calls: 5, rate: 10, transport: 't1' });
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.equal(r.successful, 5);
});

test('E.164 routing: +44 and 0044 forms of a number configured with spaces reach its application', async () => {
  for (const dialled of ['+442079460958', '00442079460958']) {
    const r = await runSipp({ scenario: 'uac', target: target(), service: dialled, calls: 1 });
    assert.equal(r.code, 0, `${dialled}: ${r.errors}`);
    assert.equal(r.successful, 1);
  }
});

test('unknown number gets 404', async () => {
  const r = await runSipp({ scenario: 'refused-404.xml', target: target(), service: 'nobody-here', calls: 1 });
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.match(r.messages, /SIP\/2\.0 404 Not Found/);
});

test('CANCEL while ringing: 200 to the CANCEL, 487 to the INVITE', async () => {
  const r = await runSipp({ scenario: 'cancel.xml', target: target(), service: 'ringing', calls: 1 });
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.match(r.messages, /SIP\/2\.0 487 Request Terminated/);
});

test('re-INVITE: hold (sendonly → recvonly) and unhold (sendrecv)', async () => {
  const r = await runSipp({ scenario: 'reinvite.xml', target: target(), service: 'service', calls: 1 });
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.equal(r.successful, 1);
});

test('BYE from the gateway after holdSeconds', async () => {
  const r = await runSipp({ scenario: 'gateway-bye.xml', target: target(), service: 'short', calls: 2, rate: 10 });
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.equal(r.successful, 2);
});

test('INVITE retransmissions are absorbed: one call, not two', async () => {
  const before = metricValue(await gw.metrics(), 'hushgate_calls_total') ?? 0;
  const r = await runSipp({ scenario: 'invite-retransmit.xml', target: target(), service: 'ringing', calls: 1 });
  assert.equal(r.code, 0, r.errors || r.stderr);
  const after = metricValue(await gw.metrics(), 'hushgate_calls_total') ?? 0;
  assert.equal(after - before, 1);
  const invitesSent = r.messages.split(/\n(?=-{10,})/).filter((m) => /message sent/.test(m) && /^\s*INVITE /m.test(m) && /CSeq: 1 INVITE/.test(m));
  assert.ok(invitesSent.length >= 2, `SIPp retransmitted the INVITE (${invitesSent.length} copies sent)`);
});

test('200 OK is retransmitted until the ACK arrives, then stops', async () => {
  const r = await runSipp({ scenario: 'ack-withheld.xml', target: target(), service: 'service', calls: 1 });
  assert.equal(r.code, 0, r.errors || r.stderr);
  // T1 = 500 ms: sent at 0, 0.5 and 1.5 s before the ACK at ~2.2 s; none after (the next would be at 3.5 s).
  const received = r.messages.split(/\n(?=-{10,})/).filter((m) => /message received/.test(m) && /SIP\/2\.0 200 OK/.test(m) && /CSeq:\s*1 INVITE/.test(m));
  assert.equal(received.length, 3, `expected 3 copies of the 200 OK, saw ${received.length}`);
});
