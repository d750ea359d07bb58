/**
 * RtpSession with SRTP on, over real UDP sockets on loopback: audio and RTCP flow protected both
 * ways; a packet with a bad authentication tag, a replayed packet and a plain RTP packet are
 * dropped and counted, and none of them reaches the audio handler or latches the source.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { PortPool } from '../../src/media/port-pool.js';
import { RtpSession } from '../../src/media/rtp/session.js';
import { buildRtp } from '../../src/media/rtp/packet.js';
import { SrtpContext, createSrtpContexts, type SdesKeyPair } from '../../src/media/srtp/index.js';
import { waitFor } from '../helpers/wait.js';

function rtp(fields: Parameters<typeof buildRtp>[0], payload: Uint8Array): Uint8Array {
  const r = buildRtp(fields, payload);
  assert.ok(r.ok);
  return r.value;
}

function pool(): PortPool {
  const base = 42000 + 2 * Math.floor(Math.random() * 6000);
  return new PortPool(base, base + 99);
}

async function open(p: PortPool): Promise<RtpSession> {
  const r = await RtpSession.open({ ports: p, address: '127.0.0.1', rtcpIntervalMs: 200 });
  assert.ok(r.ok);
  return r.value;
}

function keyPair(): { a: SdesKeyPair; b: SdesKeyPair } {
  const [ka, sa, kb, sb] = [randomBytes(16), randomBytes(14), randomBytes(16), randomBytes(14)];
  return {
    a: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: ka, localSalt: sa, remoteKey: kb, remoteSalt: sb },
    b: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: kb, localSalt: sb, remoteKey: ka, remoteSalt: sa },
  };
}

test('SRTP both ways; bad tag, replay and plain RTP are dropped and counted', async () => {
  const p = pool();
  const a = await open(p);
  const b = await open(p);
  const keys = keyPair();
  a.setSrtp(createSrtpContexts(keys.a));
  b.setSrtp(createSrtpContexts(keys.b));
  a.setRemote({ address: '127.0.0.1', port: b.localPort });
  b.setRemote({ address: '127.0.0.1', port: a.localPort });
  const gotA: number[] = [];
  const gotB: Uint8Array[] = [];
  a.setAudioHandler((payload) => gotA.push(payload[0]!));
  b.setAudioHandler((payload) => gotB.push(Uint8Array.from(payload)));
  const attacker = dgram.createSocket('udp4');
  await new Promise<void>((r) => attacker.bind(0, '127.0.0.1', () => r()));
  try {
    const frame = new Uint8Array(160);
    for (let i = 0; i < 10; i++) {
      frame.fill(i + 1);
      a.sendAudio(frame, i * 160);
      b.sendAudio(frame, i * 160);
    }
    await waitFor('protected audio both ways', () => gotA.length === 10 && gotB.length === 10, 3000);
    assert.deepEqual(gotA, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(gotB.every((f, i) => f.length === 160 && f.every((x) => x === i + 1)), 'payload decrypted intact');
    // SRTCP: reports go out protected and are opened on the other side.
    a.sendReport();
    await waitFor('an SRTCP report', () => b.stats().rtcpReceived >= 1, 3000);
    assert.equal(b.stats().rtcpMalformed, 0);

    // An attacker who knows A's key would be able to forge — one who does not, cannot. Build a
    // valid packet under A's outbound key (as if captured off the wire) and replay it.
    const wiretap = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: keys.a.localKey, masterSalt: keys.a.localSalt });
    const valid = wiretap.protect(rtp({ payloadType: 0, sequenceNumber: 40000, timestamp: 1, ssrc: 0x1234 }, frame.fill(99)));
    const send = (pkt: Uint8Array) => new Promise<void>((r) => attacker.send(pkt, b.localPort, '127.0.0.1', () => r()));
    const before = b.stats();
    // From the attacker's address: B is latched on A, so even a valid packet is not played...
    await send(valid);
    await waitFor('foreign source counted', () => b.stats().foreignSource === before.foreignSource + 1, 3000);
    // ...and the same packet again is a replay, caught before the source check.
    await send(valid);
    await waitFor('replay counted', () => b.stats().srtpReplays === 1, 3000);
    // Bad tag: flip one bit of the tag.
    const forged = Buffer.from(wiretap.protect(rtp({ payloadType: 0, sequenceNumber: 40001, timestamp: 161, ssrc: 0x1234 }, frame)));
    forged[forged.length - 1]! ^= 1;
    await send(forged);
    await waitFor('auth failure counted', () => b.stats().srtpAuthFailures === 1, 3000);
    // Plain RTP into an SRTP session: no tag that verifies.
    await send(rtp({ payloadType: 0, sequenceNumber: 7, timestamp: 7, ssrc: 0x5678 }, frame));
    await waitFor('plain RTP refused', () => b.stats().srtpAuthFailures === 2, 3000);
    // Forged SRTCP.
    const rtcp = Buffer.from(wiretap.protectRtcp(Buffer.from([0x80, 201, 0, 1, 0, 0, 0x12, 0x34])));
    rtcp[rtcp.length - 2]! ^= 0xff;
    await new Promise<void>((r) => attacker.send(rtcp, b.localPort + 1, '127.0.0.1', () => r()));
    await waitFor('forged SRTCP refused', () => b.stats().srtpAuthFailures === 3, 3000);

    const st = b.stats();
    assert.equal(st.srtp, true);
    assert.equal(gotB.length, 10, 'nothing forged, replayed or plain reached the audio handler');
    assert.equal(st.packetsReceived, 10);
    // The real stream still flows after the attack.
    a.sendAudio(frame.fill(42), 10 * 160);
    await waitFor('audio after the attack', () => gotB.length === 11, 3000);
    assert.equal(gotB[10]![0], 42);
  } finally {
    attacker.close();
    await a.close();
    await b.close();
  }
});

test('without SRTP the session refuses nothing on its account and reports srtp: false', async () => {
  const p = pool();
  const a = await open(p);
  const b = await open(p);
  try {
    a.setRemote({ address: '127.0.0.1', port: b.localPort });
    let got = 0;
    b.setAudioHandler(() => got++);
    a.sendAudio(new Uint8Array(160), 0);
    await waitFor('plain audio', () => got === 1, 3000);
    const st = b.stats();
    assert.equal(st.srtp, false);
    assert.equal(st.srtpAuthFailures, 0);
    assert.equal(st.srtpReplays, 0);
  } finally {
    await a.close();
    await b.close();
  }
});
