/**
 * Late offers to a `secureMedia: required` application (Hushgate issue 14 item 1), reproduced from
 * outside with a raw SIP-over-TLS client against the gateway process. The INVITE carries no SDP;
 * the gateway offers RTP/SAVP with `a=crypto` in its 200; then:
 *  - the ACK answers `RTP/AVP` (SRTP dropped) while plain RTP is already being sent at the offered
 *    port → the gateway sends BYE (Reason: 488 …), the call ends `sdp-answer-refused` (log line and
 *    the CDR forwarded to a webhook receiver say so), and no frame of the plain RTP was decoded;
 *  - the ACK carries no SDP at all → BYE, `no-sdp-answer` (RFC 3264 §4);
 *  - the ACK answers RTP/SAVP with a key → the call stays up until we hang up.
 * And over UDP to an `optional` application: an ACK without the answer ends the call too.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { startGateway, type RunningGateway } from '../helpers/gateway-process.js';
import { startRecordingServer, postedEvents, type RecordingServer } from '../helpers/recording-server.js';
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';
import { RawSip, statusOf, header } from '../helpers/raw-sip.js';
import { createTestPki, type TestPki } from './certs.js';
import { RawTlsSip } from './raw-tls-sip.js';

let pki: TestPki;
let gw: RunningGateway;
let tlsPort: number;
let hook: RecordingServer;
/** Events the gateway forwarded to our webhook receiver. */
const events = (): Record<string, unknown>[] => postedEvents(hook);

before(async () => {
  pki = createTestPki();
  const { cert, key } = pki.issue('gateway', 2);
  tlsPort = await freePort();
  hook = await startRecordingServer();
  const url = `${hook.url}/hook`;
  gw = await startGateway({
    sip: { transports: ['udp', 'tls'], tls: { port: tlsPort, cert, key, ca: pki.ca } },
    events: { delivery: { lingerMs: 0, idlePollMs: 100 } },
    accounts: [
      {
        id: 'a',
        applications: [
          {
            id: 'secure', numbers: ['secure'], mode: 'hold', secureMedia: 'required',
            forwarding: { enabled: true, sinks: [{ type: 'webhook', name: 'hook', url, secret: 'x'.repeat(40), allowInsecure: true, timeoutMs: 2000 }] },
          },
          { id: 'open', numbers: ['open'], mode: 'hold', secureMedia: 'optional' },
        ],
      },
    ],
  });
});
after(async () => {
  assert.equal(await gw?.stop(), 0);
  await hook?.close();
  pki?.cleanup();
});

const answer = (proto: 'RTP/AVP' | 'RTP/SAVP', port = 40_002) =>
  [
    'v=0', 'o=- 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} ${proto} 0`, 'a=rtpmap:0 PCMU/8000',
    ...(proto === 'RTP/SAVP' ? [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${randomBytes(30).toString('base64')}`] : []),
    'a=sendrecv', '',
  ].join('\r\n');

/** A late-offer INVITE over TLS; returns the 200 and what the ACK needs. */
async function lateOfferCall(c: RawTlsSip, user: string) {
  const callId = randomBytes(8).toString('hex');
  c.send(c.request('INVITE', { user, callId, cseq: 1 }));
  const ok = await c.receive((m) => m.includes(callId) && statusOf(m) >= 200);
  assert.equal(statusOf(ok), 200, ok.split('\r\n')[0]);
  const toTag = /^To:.*;tag=([^;\s>]+)/m.exec(ok)![1]!;
  const mediaPort = Number(/^m=audio (\d+) RTP\/SAVP /m.exec(ok)?.[1]);
  assert.ok(mediaPort > 0, 'the gateway offers RTP/SAVP');
  assert.match(ok, /^a=crypto:\d AES_CM_128_HMAC_SHA1_(80|32) inline:/m);
  return { callId, toTag, mediaPort };
}

const callEnded = (callId: string) => gw.waitForLog((e) => e.msg === 'call ended' && e.callId === callId, 5000);

/** Plain RTP (PCMU, a loud tone) at the gateway's offered port: what an attacker hopes gets decoded. */
async function sendPlainRtp(port: number, packets: number): Promise<void> {
  const s = createSocket('udp4');
  const ssrc = randomBytes(4).readUInt32BE(0);
  for (let i = 0; i < packets; i++) {
    const p = Buffer.alloc(172);
    p[0] = 0x80;
    p[1] = 0;
    p.writeUInt16BE(i, 2);
    p.writeUInt32BE(i * 160, 4);
    p.writeUInt32BE(ssrc, 8);
    for (let j = 0; j < 160; j++) p[12 + j] = j % 2 ? 0x10 : 0x90;
    s.send(p, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 10));
  }
  s.close();
}

test('required + late offer: an ACK answering RTP/AVP ends the call with BYE; the plain RTP sent meanwhile is never decoded', async () => {
  const c = await RawTlsSip.open(tlsPort, pki.ca);
  try {
    const { callId, toTag, mediaPort } = await lateOfferCall(c, 'secure');
    await sendPlainRtp(mediaPort, 10); // before the ACK
    c.send(c.request('ACK', { user: 'secure', callId, cseq: 1, toTag, body: answer('RTP/AVP') }));
    const rtp = sendPlainRtp(mediaPort, 30); // and after it
    const bye = await c.receive((m) => m.startsWith('BYE ') && m.includes(callId));
    c.ok(bye);
    assert.match(header(bye, 'Reason') ?? '', /^SIP;cause=488;text="secure media required/);
    await rtp;
    const ended = await callEnded(callId);
    assert.equal(ended.reason, 'sdp-answer-refused');
    const media = ended.media as { framesDecoded: number; codec?: string };
    assert.equal(media.framesDecoded, 0, 'no media decoded');
    assert.equal(media.codec, undefined, 'the stream was never configured');
    const cdr = await waitFor('the CDR at the webhook', () => events().find((e) => e.type === 'cdr' && e.callId === callId));
    assert.ok(cdr, 'the CDR was forwarded');
    assert.deepEqual(cdr.termination, { reason: 'error', endedBy: 'gateway' });
    assert.deepEqual(cdr.errors, ['sdp-answer-refused'], 'the CDR says why');
  } finally {
    c.close();
  }
});

test('required + late offer: an ACK without SDP ends the call with BYE (no-sdp-answer)', async () => {
  const c = await RawTlsSip.open(tlsPort, pki.ca);
  try {
    const { callId, toTag } = await lateOfferCall(c, 'secure');
    c.send(c.request('ACK', { user: 'secure', callId, cseq: 1, toTag }));
    const bye = await c.receive((m) => m.startsWith('BYE ') && m.includes(callId));
    c.ok(bye);
    assert.match(header(bye, 'Reason') ?? '', /ACK carried no SDP answer/);
    assert.equal((await callEnded(callId)).reason, 'no-sdp-answer');
  } finally {
    c.close();
  }
});

test('required + late offer: an RTP/SAVP answer with a key keeps the call up', async () => {
  const c = await RawTlsSip.open(tlsPort, pki.ca);
  try {
    const { callId, toTag } = await lateOfferCall(c, 'secure');
    c.send(c.request('ACK', { user: 'secure', callId, cseq: 1, toTag, body: answer('RTP/SAVP') }));
    await assert.rejects(c.receive((m) => m.startsWith('BYE ') && m.includes(callId), 1000), /no matching message/, 'no BYE');
    c.send(c.request('BYE', { user: 'secure', callId, cseq: 2, toTag }));
    assert.equal(statusOf(await c.receive((m) => m.includes(callId) && /CSeq: 2 BYE/.test(m))), 200);
    const ended = await callEnded(callId);
    assert.equal(ended.reason, 'remote-bye');
    assert.equal((ended.media as { codec?: string }).codec, 'PCMU');
  } finally {
    c.close();
  }
});

test('optional + late offer over UDP: an ACK without the answer ends the call too', async () => {
  const raw = await RawSip.open();
  try {
    const inv = raw.request('INVITE', { port: gw.sipPort, user: 'open' });
    raw.send(inv.text, gw.sipPort);
    const ok = await raw.receive((m) => m.includes(inv.callId) && statusOf(m) >= 200);
    assert.equal(statusOf(ok), 200);
    assert.match(ok, /^m=audio \d+ RTP\/AVP /m);
    const toTag = /^To:.*;tag=([^;\s>]+)/m.exec(ok)![1]!;
    raw.send(raw.request('ACK', { port: gw.sipPort, user: 'open', callId: inv.callId, toTag }).text, gw.sipPort);
    const bye = await raw.receive((m) => m.startsWith('BYE ') && m.includes(inv.callId));
    assert.match(header(bye, 'Reason') ?? '', /ACK carried no SDP answer/);
    assert.equal((await callEnded(inv.callId)).reason, 'no-sdp-answer');
  } finally {
    raw.close();
  }
});
