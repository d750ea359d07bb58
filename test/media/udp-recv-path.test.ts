/**
 * The RTP session's two receive paths (src/media/rtp/udp-recv.ts): native reads (`recvmmsg` into a
 * shared ring, main thread) and dgram's 'message' events, each over real loopback sockets — exact
 * payloads in order, latching and foreign sources, SRTP opened in place, bursts bigger than one
 * read batch, and the hand-back to dgram when a named destination makes dgram send on the socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { PortPool } from '../../src/media/port-pool.js';
import { RtpSession } from '../../src/media/rtp/session.js';
import { writeRtp } from '../../src/media/rtp/packet.js';
import { setNativeUdpRecv, udpRecvStats } from '../../src/media/rtp/udp-recv.js';
import { createSrtpContexts, type SdesKeyPair } from '../../src/media/srtp/index.js';
import { waitFor } from '../helpers/wait.js';

const nativeAvailable = setNativeUdpRecv(true);
const skipNative = nativeAvailable ? false : 'native UDP receive unavailable (addon not built, not Linux)';

function testPool(): PortPool {
  const base = 40000 + 2 * Math.floor(Math.random() * 8000);
  return new PortPool(base, base + 199);
}

async function sock(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

const payload = (i: number) => Buffer.from(new Uint8Array(160).map((_, k) => (i * 11 + k) & 0xff));
function rtp(seq: number, ts: number, ssrc: number, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  writeRtp({ marker: false, payloadType: 0, sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, ssrc }, body, out, 0);
  return out;
}

interface Got {
  payload: Buffer;
  seq: number;
  ts: number;
}

async function open(path: 'native' | 'dgram'): Promise<{ session: RtpSession; got: Got[] }> {
  setNativeUdpRecv(path === 'native');
  const before = udpRecvStats().sockets;
  const r = await RtpSession.open({ ports: testPool(), address: '127.0.0.1' });
  assert.ok(r.ok);
  setNativeUdpRecv(true);
  assert.equal(udpRecvStats().sockets - before, path === 'native' ? 1 : 0, `${path} reading`);
  const got: Got[] = [];
  // Copied: the payload view is valid only during the call (a ring slot on the native path).
  r.value.setAudioHandler((p, _pt, seq, ts) => got.push({ payload: Buffer.from(p), seq, ts }));
  return { session: r.value, got };
}

for (const path of ['native', 'dgram'] as const) {
  const skip = path === 'native' ? skipNative : false;

  test(`${path} receive: exact payloads in order, latched to the sender, a foreign source dropped and counted`, { skip }, async () => {
    const { session, got } = await open(path);
    const a = await sock();
    const stranger = await sock();
    const latched: { address: string; port: number }[] = [];
    session.on('latched', (e) => latched.push({ address: e.address, port: e.port }));
    try {
      const ssrc = 0x1234abcd;
      for (let i = 0; i < 20; i++) {
        a.send(rtp(1000 + i, 5000 + 160 * i, ssrc, payload(i)), session.localPort, '127.0.0.1');
        if (i === 10) stranger.send(rtp(7, 7, 99, payload(99)), session.localPort, '127.0.0.1');
        await new Promise((r) => setImmediate(r));
      }
      await waitFor('20 frames', () => got.length === 20, 2000);
      await waitFor('foreign counted', () => session.stats().foreignSource === 1, 2000);
      for (let i = 0; i < 20; i++) {
        assert.deepEqual(got[i]!.payload, payload(i), `frame ${i}`);
        assert.equal(got[i]!.seq, 1000 + i);
        assert.equal(got[i]!.ts, 5000 + 160 * i);
      }
      assert.deepEqual(latched, [{ address: '127.0.0.1', port: a.address().port }]);
      assert.equal(session.rtpDestination?.port, a.address().port);
      const st = session.stats();
      assert.equal(st.packetsReceived, 20);
      assert.equal(st.octetsReceived, 20 * 160);
      assert.equal(st.malformed, 0);
    } finally {
      await session.close();
      a.close();
      stranger.close();
    }
  });

  test(`${path} receive: SRTP opened in place (natively as read, with libsrtp); a damaged packet and a replay are refused and counted`, { skip }, async () => {
    const { session, got } = await open(path);
    const a = await sock();
    const keys: SdesKeyPair = { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: randomBytes(16), localSalt: randomBytes(14), remoteKey: randomBytes(16), remoteSalt: randomBytes(14) };
    const opening = udpRecvStats().srtpOpening;
    const contexts = createSrtpContexts(keys);
    session.setSrtp(contexts);
    // With libsrtp the native reader opens the datagrams itself (udp-recv.ts openSrtp); else the session does.
    assert.equal(udpRecvStats().srtpOpening - opening, path === 'native' && contexts.inbound.backend === 'libsrtp' ? 1 : 0);
    let replay: Buffer | undefined;
    const peerTx = createSrtpContexts({ ...keys, localKey: keys.remoteKey, localSalt: keys.remoteSalt, remoteKey: keys.localKey, remoteSalt: keys.localSalt }).outbound;
    try {
      for (let i = 0; i < 10; i++) {
        const wire = peerTx.protect(rtp(200 + i, 160 * i, 0xfeed, payload(i)));
        if (i === 5) {
          const bad = Buffer.from(wire);
          bad[20]! ^= 1;
          a.send(bad, session.localPort, '127.0.0.1');
        } else a.send(wire, session.localPort, '127.0.0.1');
        if (i === 3) replay = Buffer.from(wire);
        await new Promise((r) => setImmediate(r));
      }
      a.send(replay!, session.localPort, '127.0.0.1');
      await waitFor('9 frames', () => got.length === 9, 2000);
      await waitFor('the replay refused', () => session.stats().srtpReplays === 1, 2000);
      assert.deepEqual(got.map((g) => g.seq), [200, 201, 202, 203, 204, 206, 207, 208, 209]);
      for (const g of got) assert.deepEqual(g.payload, payload(g.seq - 200));
      assert.equal(session.stats().srtpAuthFailures, 1);
      assert.equal(contexts.inbound.counters.rtpUnprotected, 9);
    } finally {
      await session.close();
      assert.equal(udpRecvStats().srtpOpening, opening, 'a closed session stops opening');
      a.close();
      peerTx.dispose();
    }
  });

  test(`${path} receive: hostile datagrams (empty, 1 byte, short headers, lying lengths, over a ring slot, 65,000 bytes, random) crash nothing and the call's audio continues intact`, { skip }, async () => {
    const { session, got } = await open(path);
    const a = await sock();
    const stranger = await sock();
    try {
      const ssrc = 0x51515151;
      a.send(rtp(1, 160, ssrc, payload(1)), session.localPort, '127.0.0.1'); // latch first
      await waitFor('latched', () => got.length === 1, 2000);
      const lying = rtp(2, 320, ssrc, payload(2));
      lying[0] = 0x9f; // version 2, extension bit, 15 CSRCs: header longer than the packet
      const hostile: Buffer[] = [Buffer.alloc(0), Buffer.from([0x80]), rtp(3, 480, ssrc, new Uint8Array(0)).subarray(0, 11), lying, Buffer.alloc(3000, 0x41), Buffer.alloc(65_000, 0x00)];
      for (let i = 0; i < 300; i++) hostile.push(randomBytes(1 + Math.floor(Math.random() * 2500)));
      for (const [i, d] of hostile.entries()) {
        (i % 2 ? stranger : a).send(d, session.localPort, '127.0.0.1');
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 200));
      const before = got.length;
      for (let i = 10; i < 20; i++) a.send(rtp(i, 160 * i, ssrc, payload(i)), session.localPort, '127.0.0.1');
      await waitFor('the call goes on', () => got.slice(before).filter((g) => g.seq >= 10 && g.seq < 20).length === 10, 3000);
      for (const g of got.slice(before).filter((x) => x.seq >= 10 && x.seq < 20)) assert.deepEqual(g.payload, payload(g.seq));
      const st = session.stats();
      assert.ok(st.malformed >= 3, `malformed counted: ${JSON.stringify(st)}`);
      assert.equal(session.rtpDestination?.port, a.address().port, 'still latched to the caller');
    } finally {
      await session.close();
      a.close();
      stranger.close();
    }
  });

  test(`${path} receive: a burst bigger than one read batch (64) arrives whole and in order`, { skip }, async () => {
    const { session, got } = await open(path);
    const a = await sock();
    try {
      const N = 200;
      for (let i = 0; i < N; i++) a.send(rtp(i, 160 * i, 0xbeef, payload(i)), session.localPort, '127.0.0.1');
      await waitFor('burst', () => got.length === N, 3000);
      for (let i = 0; i < N; i++) {
        assert.equal(got[i]!.seq, i);
        assert.deepEqual(got[i]!.payload, payload(i));
      }
    } finally {
      await session.close();
      a.close();
    }
  });
}

test('native receive hands the socket back to dgram before a named destination is sent to, and keeps receiving', { skip: skipNative }, async () => {
  const { session, got } = await open('native');
  const a = await sock();
  try {
    const sockets = udpRecvStats().sockets;
    session.setRemote({ address: 'localhost', port: a.address().port });
    assert.equal(udpRecvStats().sockets, sockets - 1, 'dgram reads it again');
    for (let i = 0; i < 5; i++) {
      a.send(rtp(i, 160 * i, 0xcafe, payload(i)), session.localPort, '127.0.0.1');
      await new Promise((r) => setImmediate(r));
    }
    await waitFor('5 frames through dgram', () => got.length === 5, 2000);
    assert.deepEqual(got.map((g) => g.seq), [0, 1, 2, 3, 4]);
  } finally {
    await session.close();
    a.close();
  }
});

test('native receive: closing sessions lets go of their descriptors (ports bind again at once)', { skip: skipNative }, async () => {
  const pool = testPool();
  setNativeUdpRecv(true);
  const before = udpRecvStats().sockets;
  const r = await RtpSession.open({ ports: pool, address: '127.0.0.1' });
  assert.ok(r.ok);
  const port = r.value.localPort;
  assert.equal(udpRecvStats().sockets, before + 1);
  await r.value.close();
  assert.equal(udpRecvStats().sockets, before);
  const again = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.bind(port, '127.0.0.1', () => resolve());
  });
  again.close();
});
