/**
 * UAS behaviour of the real gateway process for requests SIPp's built-in scenarios don't send:
 * OPTIONS, unknown and unserved methods, Max-Forwards 0, unknown dialogs, malformed and
 * hostile input, bodies we can't accept, session-timer floor, the allowlist and graceful shutdown.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { RawSip, statusOf, header, PCMU_OFFER } from '../helpers/raw-sip.js';
import { runSipp } from '../helpers/sipp.js';

let gw: RunningGateway;
let ua: RawSip;

before(async () => {
  gw = await startGateway({ accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }] });
  ua = await RawSip.open();
});
after(async () => {
  ua.close();
  await gw.stop();
});

test('OPTIONS → 200 with Allow, Accept and Supported', async () => {
  const { text, callId } = ua.request('OPTIONS', { port: gw.sipPort });
  ua.send(text, gw.sipPort);
  const res = await ua.receive((m) => m.includes(callId));
  assert.equal(statusOf(res), 200);
  assert.match(header(res, 'Allow')!, /INVITE.*BYE.*CANCEL.*OPTIONS/);
  assert.match(header(res, 'Accept')!, /application\/sdp/);
  assert.match(header(res, 'Supported')!, /timer/);
});

test('methods: REGISTER → 405 with Allow, an unknown method → 501', async () => {
  const reg = ua.request('REGISTER', { port: gw.sipPort });
  ua.send(reg.text, gw.sipPort);
  const r1 = await ua.receive((m) => m.includes(reg.callId));
  assert.equal(statusOf(r1), 405);
  assert.ok(header(r1, 'Allow'));
  const foo = ua.request('FOOBAR', { port: gw.sipPort });
  ua.send(foo.text, gw.sipPort);
  assert.equal(statusOf(await ua.receive((m) => m.includes(foo.callId))), 501);
});

test('Max-Forwards 0 → 483', async () => {
  const r = ua.request('INVITE', { port: gw.sipPort, maxForwards: 0, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
  ua.send(r.text, gw.sipPort);
  assert.equal(statusOf(await ua.receive((m) => m.includes(r.callId))), 483);
});

test('BYE and INFO for an unknown dialog → 481', async () => {
  for (const method of ['BYE', 'INFO']) {
    const r = ua.request(method, { port: gw.sipPort, toTag: 'nosuchtag' });
    ua.send(r.text, gw.sipPort);
    assert.equal(statusOf(await ua.receive((m) => m.includes(r.callId))), 481, method);
  }
  const c = ua.request('CANCEL', { port: gw.sipPort });
  ua.send(c.text, gw.sipPort);
  assert.equal(statusOf(await ua.receive((m) => m.includes(c.callId))), 481, 'CANCEL without a matching INVITE');
});

test('malformed request → 400 naming the problem; garbage never crashes the gateway', async () => {
  const r = ua.request('INVITE', { port: gw.sipPort, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
  const broken = r.text.replace(/CSeq: 1 INVITE/, 'CSeq: one INVITE');
  ua.send(broken, gw.sipPort);
  const res = await ua.receive((m) => m.includes(r.callId));
  assert.equal(statusOf(res), 400);
  assert.match(res.split('\r\n')[0]!, /CSeq/i);
  for (let i = 0; i < 200; i++) {
    const junk = Buffer.from(r.text);
    for (let k = 0; k < 5; k++) junk[Math.floor(Math.random() * junk.length)] = Math.floor(Math.random() * 256);
    ua.sendBytes(i % 3 === 0 ? Buffer.from(Array.from({ length: 300 }, () => Math.floor(Math.random() * 256))) : junk, gw.sipPort);
  }
  const ping = ua.request('OPTIONS', { port: gw.sipPort });
  ua.send(ping.text, gw.sipPort);
  assert.equal(statusOf(await ua.receive((m) => m.includes(ping.callId))), 200, 'still answering after garbage');
});

test('bodies we cannot accept: 415 for non-SDP, 488 for no common codec', async () => {
  const a = ua.request('INVITE', { port: gw.sipPort, body: '<xml/>', headers: ['Content-Type: application/xml'] });
  ua.send(a.text, gw.sipPort);
  const ra = await ua.receive((m) => m.includes(a.callId) && statusOf(m) >= 200);
  assert.equal(statusOf(ra), 415);
  assert.match(header(ra, 'Accept')!, /application\/sdp/);
  const g729 = PCMU_OFFER().replace('RTP/AVP 0 101', 'RTP/AVP 18').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:18 G729/8000');
  const b = ua.request('INVITE', { port: gw.sipPort, body: g729, headers: ['Content-Type: application/sdp'] });
  ua.send(b.text, gw.sipPort);
  const rb = await ua.receive((m) => m.includes(b.callId) && statusOf(m) >= 200);
  assert.equal(statusOf(rb), 488);
});

test('Session-Expires below Min-SE → 422 with Min-SE; an accepted timer is echoed with refresher', async () => {
  const a = ua.request('INVITE', { port: gw.sipPort, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp', 'Session-Expires: 30', 'Supported: timer'] });
  ua.send(a.text, gw.sipPort);
  const ra = await ua.receive((m) => m.includes(a.callId) && statusOf(m) >= 200);
  assert.equal(statusOf(ra), 422);
  assert.equal(header(ra, 'Min-SE'), '90');
  const b = ua.request('INVITE', { port: gw.sipPort, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp', 'Session-Expires: 120;refresher=uac', 'Supported: timer'] });
  ua.send(b.text, gw.sipPort);
  const rb = await ua.receive((m) => m.includes(b.callId) && statusOf(m) === 200);
  assert.match(header(rb, 'Session-Expires')!, /^120;refresher=uac/);
  assert.equal(header(rb, 'Require'), 'timer');
  assert.match(rb, /m=audio \d+ RTP\/AVP 0 101/);
  const toTag = /;tag=([^;\s]+)/.exec(header(rb, 'To')!)![1]!;
  ua.send(ua.request('ACK', { port: gw.sipPort, callId: b.callId, toTag }).text, gw.sipPort);
  const bye = ua.request('BYE', { port: gw.sipPort, callId: b.callId, toTag, cseq: 2 });
  ua.send(bye.text, gw.sipPort);
  assert.equal(statusOf(await ua.receive((m) => m.includes(b.callId) && /CSeq: 2 BYE/.test(m))), 200);
});

test('allowlist: a source outside the trunk CIDRs gets no answer at all; an allowed one completes a call (SIPp)', async () => {
  // 127.0.0.5 is allowed only to prove the silence: its answered OPTIONS comes after the probe.
  const locked = await startGateway({ sip: { allowFrom: ['203.0.113.0/24', '127.0.0.5/32'] }, accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }] });
  const probe = await RawSip.open();
  const witness = await RawSip.open('127.0.0.5');
  try {
    // Silence, not 403 (issue 14 item 4; test/security/allowlist-silence.test.ts has the reflection case).
    const inv = probe.request('INVITE', { port: locked.sipPort, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
    probe.send(inv.text, locked.sipPort);
    await witness.barrier(locked.sipPort);
    await assert.rejects(probe.receive(() => true, 0), /no matching message/);
  } finally {
    probe.close();
    witness.close();
    await locked.stop();
  }
  const open = await startGateway({ sip: { allowFrom: ['127.0.0.0/8'] }, accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }] });
  try {
    const r = await runSipp({ scenario: 'uac', target: `127.0.0.1:${open.sipPort}`, service: 'service', calls: 1 });
    assert.equal(r.code, 0, 'loopback is inside 127.0.0.0/8');
  } finally {
    await open.stop();
  }
});

test('graceful shutdown: SIGTERM → new INVITEs get 503, live calls get BYE after the grace period, exit 0', async () => {
  const g = await startGateway({ accounts: [{ id: 'a', applications: [{ id: 'p', numbers: ['service'] }] }] });
  const phone = await RawSip.open();
  try {
    const inv = phone.request('INVITE', { port: g.sipPort, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
    phone.send(inv.text, g.sipPort);
    const ok = await phone.receive((m) => m.includes(inv.callId) && statusOf(m) === 200);
    const toTag = /;tag=([^;\s]+)/.exec(header(ok, 'To')!)![1]!;
    phone.send(phone.request('ACK', { port: g.sipPort, callId: inv.callId, toTag }).text, g.sipPort);
    await g.waitForLog((e) => e.msg === 'call answered');
    g.proc.kill('SIGTERM');
    await g.waitForLog((e) => e.msg === 'shutting down');
    const late = phone.request('INVITE', { port: g.sipPort, body: PCMU_OFFER(), headers: ['Content-Type: application/sdp'] });
    phone.send(late.text, g.sipPort);
    assert.equal(statusOf(await phone.receive((m) => m.includes(late.callId) && statusOf(m) >= 200)), 503);
    const bye = await phone.receive((m) => m.startsWith('BYE ') && m.includes(inv.callId), 5000);
    const via = header(bye, 'Via')!;
    phone.send(
      ['SIP/2.0 200 OK', `Via: ${via}`, `From: ${header(bye, 'From')}`, `To: ${header(bye, 'To')}`, `Call-ID: ${inv.callId}`, `CSeq: ${header(bye, 'CSeq')}`, 'Content-Length: 0', '', ''].join('\r\n'),
      g.sipPort,
    );
    const code = await new Promise<number | null>((r) => g.proc.once('exit', (c) => r(c)));
    assert.equal(code, 0);
  } finally {
    phone.close();
    await g.stop();
  }
});
