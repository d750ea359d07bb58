/**
 * Secure-media policy and certificate reload against the real gateway process (UDP, TCP and TLS
 * listening): a `secureMedia: required` application refuses a plain transport with 403 and an
 * RTP/AVP offer with 488; an `off` application refuses RTP/SAVP; SIPp over UDP and TCP still
 * completes calls to a non-secure application. Then a TLS + SRTP call from our softphone to the
 * secure loopback application: a replayed and a forged SRTP packet are dropped and counted, a
 * SIGHUP certificate reload happens mid-call (new handshakes get the new certificate) and the call
 * stays up — audio keeps flowing and the BYE completes on the connection opened before the reload.
 * The gateway's logs never contain the SDES keys of the offer or the answer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type dgram from 'node:dgram';
import { startGateway, REPO, type RunningGateway } from '../helpers/gateway-process.js';
import { freePort, freeUdpRange } from '../helpers/ports.js';
import { runSipp } from '../helpers/sipp.js';
import { inlineKeys } from '../helpers/baresip.js';
import { piecewiseCorrelation, PIECE_SAMPLES } from '../helpers/audio.js';
import { Softphone } from '../../src/softphone/softphone.js';
import { parseWav } from '../../src/media/wav.js';
import { createTestPki, type TestPki } from './certs.js';
import { setNativeUdpSend } from '../../src/media/rtp/udp-batch.js';
import { setNativeUdpRecv } from '../../src/media/rtp/udp-recv.js';

const GREETING = join(REPO, 'assets/greeting.wav');
let pki: TestPki;
let gw: RunningGateway;
let tlsPort: number;
let gwCert: { cert: string; key: string };
let phoneCert: { cert: string; key: string };

before(async () => {
  pki = createTestPki();
  gwCert = pki.issue('gateway', 2);
  phoneCert = pki.issue('phone', 10);
  tlsPort = await freePort();
  gw = await startGateway({
    log: { level: 'debug' },
    sip: { transports: ['udp', 'tcp', 'tls'], tls: { port: tlsPort, cert: gwCert.cert, key: gwCert.key, ca: pki.ca } },
    accounts: [
      {
        id: 'a',
        applications: [
          { id: 'secure', numbers: ['secure'], mode: 'loopback', secureMedia: 'required' },
          { id: 'open', numbers: ['open'], mode: 'hold', secureMedia: 'optional' },
          { id: 'plain', numbers: ['plain'], mode: 'loopback', secureMedia: 'off' },
        ],
      },
    ],
  });
});
after(async () => {
  await gw?.stop();
  pki?.cleanup();
});

async function phone(transport: 'udp' | 'tcp' | 'tls', srtp: boolean): Promise<Softphone> {
  const base = await freeUdpRange(10);
  return Softphone.create({ transport, srtp, rtpPortMin: base, rtpPortMax: base + 9, tls: { ...phoneCert, ca: pki.ca } });
}

async function dialFails(p: Softphone, target: string): Promise<{ status: number; message: string }> {
  try {
    const call = await p.dial(target);
    await call.hangup();
  } catch (e) {
    return { status: (e as { status?: number }).status ?? 0, message: (e as Error).message };
  }
  throw new Error(`call to ${target} was answered`);
}

test('a secure-only application refuses plain transports with 403 and RTP/AVP with 488', async () => {
  for (const transport of ['udp', 'tcp'] as const) {
    const p = await phone(transport, true);
    try {
      const r = await dialFails(p, `sip:secure@127.0.0.1:${gw.sipPort}${transport === 'tcp' ? ';transport=tcp' : ''}`);
      assert.equal(r.status, 403, `${transport}: ${r.message}`);
      assert.match(r.message, /secure transport \(TLS\) required/);
    } finally {
      await p.close();
    }
  }
  const p = await phone('tls', false);
  try {
    const r = await dialFails(p, `sips:secure@127.0.0.1:${tlsPort}`);
    assert.equal(r.status, 488, r.message);
    assert.match(r.message, /secure media required/);
    const off = await dialFails(await phone('tls', true).then((q) => ((p2 = q), q)), `sips:plain@127.0.0.1:${tlsPort}`);
    assert.equal(off.status, 488, off.message);
    assert.match(off.message, /SRTP \(RTP\/SAVP\) not enabled/);
  } finally {
    await p.close();
    await p2?.close();
  }
});
let p2: Softphone | undefined;

test('SIPp over UDP and TCP still completes calls to a non-secure application', async () => {
  const udp = await runSipp({ scenario: 'uac', target: `127.0.0.1:${gw.sipPort}`, service: 'open', calls: 3, rate: 10 });
  assert.equal(udp.code, 0, udp.errors || udp.stderr);
  assert.equal(udp.successful, 3);
  const tcp = await runSipp({ scenario: 'uac', target: `127.0.0.1:${gw.sipPort}`, service: 'open', calls: 3, rate: 10, transport: 't1' });
  assert.equal(tcp.code, 0, tcp.errors || tcp.stderr);
  assert.equal(tcp.successful, 3);
});

function peerSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: readFileSync(pki.ca) }, () => {
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      resolve(serial);
    });
    s.once('error', reject);
  });
}

test('TLS + SRTP call: echo intact, replay and forgery counted, certificate reload mid-call keeps the call up', async () => {
  const wav = parseWav(readFileSync(GREETING));
  assert.ok(wav.ok);
  const ref = wav.wav.samples;
  setNativeUdpSend(false);
  setNativeUdpRecv(false);
  const p = await phone('tls', true);
  try {
    assert.equal(Number.parseInt(await peerSerial(), 16), 2);
    const call = await p.dial(`sips:secure@127.0.0.1:${tlsPort}`);
    assert.match(call.sdp.offer, /m=audio \d+ RTP\/SAVP/);
    assert.match(call.sdp.answer, /a=crypto:\d AES_CM_128_HMAC_SHA1_(80|32) inline:/);
    // Tap our own RTP socket to keep a copy of one protected packet as it went out. The phone in
    // this process sends and reads through dgram (the native batch would bypass the tap, and the
    // replay below goes through dgram, which a natively read socket must not do): set before dialling.
    const sock = (call.audio.rtp as unknown as { rtpSocket: dgram.Socket }).rtpSocket;
    let captured: Buffer | undefined;
    const send = sock.send.bind(sock) as (...args: unknown[]) => void;
    (sock as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
      // send(buf, port, address) with an exact-length view (SendRing), or send(buf, offset, length, …).
      if (!captured && Buffer.isBuffer(args[0])) captured = typeof args[2] === 'number' ? Buffer.from(args[0] as Buffer).subarray(0, args[2]) : Buffer.from(args[0] as Buffer);
      send(...args);
    };
    const half = Math.floor(ref.length / 2);
    await call.play({ kind: 'pcm', samples: ref.subarray(0, half) });
    assert.ok(captured, 'captured an outgoing SRTP packet');
    const dest = call.audio.rtp.rtpDestination!;
    // Replay the captured packet, then a forged one (valid header, tag flipped).
    await new Promise<void>((r) => sock.send(captured!, dest.port, dest.address, () => r()));
    const forged = Buffer.from(captured!);
    forged[forged.length - 1]! ^= 0x55;
    // A sequence number not yet seen (one already received would be caught as a replay first).
    forged.writeUInt16BE((forged.readUInt16BE(2) + 5000) & 0xffff, 2);
    await new Promise<void>((r) => sock.send(forged, dest.port, dest.address, () => r()));

    // Rotate the certificate during the call.
    const next = pki.issue('gateway-next', 3);
    copyFileSync(next.cert, gwCert.cert);
    copyFileSync(next.key, gwCert.key);
    gw.proc.kill('SIGHUP');
    await gw.waitForLog((e) => e.msg === 'TLS certificate reloaded', 5000);
    assert.equal(Number.parseInt(await peerSerial(), 16), 3, 'new handshakes get the new certificate');

    await call.play({ kind: 'pcm', samples: ref.subarray(half) });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(call.ended, false, 'the call is still up after the reload');
    await call.hangup();
    const ended = await gw.waitForLog((e) => e.msg === 'call ended' && e.applicationId === 'secure', 5000);
    assert.equal(ended.reason, 'remote-bye', 'the BYE reached the gateway over the pre-reload connection');
    const srtp = ended.srtp as { packetsReceived: number; packetsSent: number; authFailures: number; replays: number };
    assert.equal(srtp.replays, 1, 'the replayed packet was dropped and counted');
    assert.equal(srtp.authFailures, 1, 'the forged packet was dropped and counted');
    assert.ok(srtp.packetsReceived >= 150 && srtp.packetsSent >= 140, JSON.stringify(srtp));

    const { mean, pieces } = piecewiseCorrelation(ref, call.receivedPcm(), PIECE_SAMPLES, 800);
    const intact = pieces.filter((c) => c > 0.99).length / pieces.length;
    assert.ok(mean > 0.95 && intact >= 0.8, `echo: mean ${mean.toFixed(3)}, ${(intact * 100).toFixed(0)} % pieces intact`);

    const keys = [...inlineKeys(call.sdp.offer), ...inlineKeys(call.sdp.answer)];
    assert.equal(keys.length, 3, 'two offered keys and the answer key');
    const logs = gw.logs.join('\n') + gw.stderr.join('');
    for (const k of keys) {
      assert.ok(!logs.includes(k), 'an SDES key appeared in the gateway logs');
      assert.ok(!logs.includes(Buffer.from(k, 'base64').subarray(0, 16).toString('hex')), 'a master key (hex) appeared in the gateway logs');
    }
  } finally {
    await p.close();
    setNativeUdpSend(true);
    setNativeUdpRecv(true);
  }
});
