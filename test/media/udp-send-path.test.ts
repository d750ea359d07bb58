/**
 * The media path's two UDP send paths (src/media/rtp/udp-batch.ts): the native batch (native/udp,
 * one `sendto` call per turn) and the dgram fallback, each over real loopback sockets — the exact
 * bytes (plain and SRTP) reach the right peer from the session's own port, in order, and the
 * native path really sent them (its counters), the fallback really did not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { PortPool } from '../../src/media/port-pool.js';
import { RtpSession } from '../../src/media/rtp/session.js';
import { parseRtp, writeRtp } from '../../src/media/rtp/packet.js';
import { setNativeUdpSend, udpSendStats, ipv4ToInt, socketFd } from '../../src/media/rtp/udp-batch.js';
import { createSrtpContexts, type SdesKeyPair } from '../../src/media/srtp/index.js';
import { waitFor } from '../helpers/wait.js';

const nativeAvailable = setNativeUdpSend(true);
const skipNative = nativeAvailable ? false : `native UDP send path unavailable: ${udpSendStats().reason}`;

function testPool(): PortPool {
  const base = 40000 + 2 * Math.floor(Math.random() * 8000);
  return new PortPool(base, base + 199);
}

async function openSession(pool: PortPool): Promise<RtpSession> {
  const r = await RtpSession.open({ ports: pool, address: '127.0.0.1' });
  assert.ok(r.ok, 'session bound');
  return r.value;
}

interface Peer {
  sock: dgram.Socket;
  port: number;
  got: { msg: Buffer; from: number }[];
}

async function peer(): Promise<Peer> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const p: Peer = { sock, port: sock.address().port, got: [] };
  sock.on('message', (msg, rinfo) => p.got.push({ msg, from: rinfo.port }));
  return p;
}

const payload = (i: number, salt: number) => new Uint8Array(160).map((_, k) => (i * 7 + k + salt) & 0xff);

for (const path of ['native', 'dgram'] as const) {
  test(`${path} path: each of several sessions' packets reach its own peer, exact bytes, from its own port, in order`, { skip: path === 'native' ? skipNative : false }, async () => {
    assert.equal(setNativeUdpSend(path === 'native'), path === 'native');
    const pool = testPool();
    const sessions: RtpSession[] = [];
    const peers: Peer[] = [];
    for (let s = 0; s < 3; s++) {
      const session = await openSession(pool);
      const p = await peer();
      session.setRemote({ address: '127.0.0.1', port: p.port });
      sessions.push(session);
      peers.push(p);
    }
    try {
      const before = udpSendStats();
      assert.equal(before.path, path);
      const FRAMES = 10;
      // Every session's frame in one synchronous pass, as the scheduler does: one batch per pass on the native path.
      for (let f = 0; f < FRAMES; f++) {
        for (let s = 0; s < sessions.length; s++) assert.equal(sessions[s]!.sendAudio(payload(f, s * 50), f * 160), true);
        await new Promise((r) => setImmediate(r));
      }
      await waitFor('every peer got every frame', () => peers.every((p) => p.got.length === FRAMES), 2000);
      const after = udpSendStats();
      if (path === 'native') {
        assert.equal(after.nativePackets - before.nativePackets, FRAMES * sessions.length);
        assert.equal(after.batches - before.batches, FRAMES, 'one native call per pass');
      } else {
        assert.equal(after.nativePackets, before.nativePackets, 'the fallback does not touch the addon');
      }
      assert.equal(after.errors, before.errors);
      for (let s = 0; s < sessions.length; s++) {
        const p = peers[s]!;
        const first = parseRtp(p.got[0]!.msg);
        assert.ok(first.ok);
        for (let f = 0; f < FRAMES; f++) {
          const { msg, from } = p.got[f]!;
          assert.equal(from, sessions[s]!.localPort, 'sent from the session’s RTP socket');
          // The exact datagram: the RTP packet of these fields and this payload, nothing more.
          const expected = Buffer.alloc(12 + 160);
          const n = writeRtp({ marker: f === 0, payloadType: 0, sequenceNumber: (first.value.sequenceNumber + f) & 0xffff, timestamp: (first.value.timestamp + f * 160) >>> 0, ssrc: sessions[s]!.ssrc }, payload(f, s * 50), expected, 0);
          assert.equal(n, expected.length);
          assert.deepEqual(msg, expected, `session ${s} frame ${f}`);
        }
      }
    } finally {
      for (const s of sessions) await s.close();
      for (const p of peers) p.sock.close();
      setNativeUdpSend(true);
    }
  });

  test(`${path} path: SRTP packets are the exact bytes an independent context protects, and open at the peer`, { skip: path === 'native' ? skipNative : false }, async () => {
    assert.equal(setNativeUdpSend(path === 'native'), path === 'native');
    const session = await openSession(testPool());
    const p = await peer();
    const keys: SdesKeyPair = { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: randomBytes(16), localSalt: randomBytes(14), remoteKey: randomBytes(16), remoteSalt: randomBytes(14) };
    session.setSrtp(createSrtpContexts(keys));
    // The peer's view: it opens what the gateway protects with the gateway's local key.
    const peerRx = createSrtpContexts({ ...keys, localKey: keys.remoteKey, localSalt: keys.remoteSalt, remoteKey: keys.localKey, remoteSalt: keys.localSalt }).inbound;
    // A second, independent sender with the gateway's key: protecting the same RTP packet must give the same bytes.
    const reference = createSrtpContexts(keys).outbound;
    session.setRemote({ address: '127.0.0.1', port: p.port });
    const before = udpSendStats();
    try {
      const FRAMES = 8;
      for (let f = 0; f < FRAMES; f++) {
        assert.equal(session.sendAudio(payload(f, 9), f * 160), true);
        await new Promise((r) => setImmediate(r));
      }
      await waitFor('peer got every frame', () => p.got.length === FRAMES, 2000);
      let seq0 = -1;
      let ts0 = 0;
      for (let f = 0; f < FRAMES; f++) {
        const { msg, from } = p.got[f]!;
        assert.equal(from, session.localPort);
        const opened = peerRx.unprotect(msg);
        assert.ok(opened.ok, `frame ${f} authenticates`);
        const rtp = parseRtp(opened.value);
        assert.ok(rtp.ok);
        assert.deepEqual(Buffer.from(rtp.value.payload), Buffer.from(payload(f, 9)));
        if (f === 0) {
          seq0 = rtp.value.sequenceNumber;
          ts0 = rtp.value.timestamp;
        }
        const plain = Buffer.alloc(12 + 160);
        writeRtp({ marker: f === 0, payloadType: 0, sequenceNumber: (seq0 + f) & 0xffff, timestamp: (ts0 + f * 160) >>> 0, ssrc: session.ssrc }, payload(f, 9), plain, 0);
        assert.deepEqual(msg, reference.protect(plain), `frame ${f}: exact SRTP bytes`);
      }
      assert.equal(session.stats().srtp, true);
      // With libsrtp, the native batch protected them itself (udp-batch.ts), else the session did.
      const inBatch = path === 'native' && session.stats().srtp && createSrtpContexts(keys).outbound.backend === 'libsrtp';
      assert.equal(udpSendStats().srtpProtected - before.srtpProtected, inBatch ? FRAMES : 0);
      assert.equal(udpSendStats().srtpErrors, before.srtpErrors);
    } finally {
      await session.close();
      p.sock.close();
      peerRx.dispose();
      reference.dispose();
      setNativeUdpSend(true);
    }
  });
}

test('native path: an SRTP packet the batch cannot protect (its context disposed before the turn ended) is dropped and counted, never sent in the clear', { skip: skipNative }, async () => {
  assert.equal(setNativeUdpSend(true), true);
  const session = await openSession(testPool());
  const p = await peer();
  const keys: SdesKeyPair = { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: randomBytes(16), localSalt: randomBytes(14), remoteKey: randomBytes(16), remoteSalt: randomBytes(14) };
  const contexts = createSrtpContexts(keys);
  if (contexts.outbound.batchProtectHook === undefined) {
    contexts.outbound.dispose();
    contexts.inbound.dispose();
    await session.close();
    p.sock.close();
    return; // the OpenSSL path protects in the session: nothing is left to the batch
  }
  session.setSrtp(contexts);
  session.setRemote({ address: '127.0.0.1', port: p.port });
  const before = udpSendStats();
  try {
    assert.equal(session.sendAudio(payload(1, 3), 0), true);
    await new Promise((r) => setImmediate(r));
    await waitFor('first frame', () => p.got.length === 1, 2000);
    // Same turn: queued with the context's handle, then the context is freed before the batch runs.
    assert.equal(session.sendAudio(payload(2, 3), 160), true);
    contexts.outbound.dispose();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(p.got.length, 1, 'the unprotected packet was not sent');
    const after = udpSendStats();
    assert.equal(after.srtpErrors - before.srtpErrors, 1);
    assert.equal(after.srtpProtected - before.srtpProtected, 1);
  } finally {
    session.setSrtp(null); // the closing BYE cannot be protected with a disposed context
    await session.close();
    p.sock.close();
  }
});

test('native path: new SRTP keys in the middle of a turn: the packets queued before are protected with the old keys and sent, none lost', { skip: skipNative }, async () => {
  assert.equal(setNativeUdpSend(true), true);
  const session = await openSession(testPool());
  const p = await peer();
  const key = (): SdesKeyPair => ({ suite: 'AES_CM_128_HMAC_SHA1_80', localKey: randomBytes(16), localSalt: randomBytes(14), remoteKey: randomBytes(16), remoteSalt: randomBytes(14) });
  const [k1, k2] = [key(), key()];
  const opener = (k: SdesKeyPair) => createSrtpContexts({ ...k, localKey: k.remoteKey, localSalt: k.remoteSalt, remoteKey: k.localKey, remoteSalt: k.localSalt }).inbound;
  const [rx1, rx2] = [opener(k1), opener(k2)];
  session.setSrtp(createSrtpContexts(k1));
  session.setRemote({ address: '127.0.0.1', port: p.port });
  const before = udpSendStats();
  try {
    // One turn: two packets under the old keys, the re-key (setSrtp disposes the old contexts), one under the new.
    assert.equal(session.sendAudio(payload(1, 5), 0), true);
    assert.equal(session.sendAudio(payload(2, 5), 160), true);
    session.setSrtp(createSrtpContexts(k2));
    assert.equal(session.sendAudio(payload(3, 5), 320), true);
    await waitFor('three packets', () => p.got.length === 3, 2000);
    assert.ok(rx1.unprotect(p.got[0]!.msg).ok && rx1.unprotect(p.got[1]!.msg).ok, 'the first two open with the old keys');
    assert.ok(rx2.unprotect(p.got[2]!.msg).ok, 'the third with the new');
    assert.equal(udpSendStats().srtpErrors, before.srtpErrors);
  } finally {
    await session.close();
    p.sock.close();
    rx1.dispose();
    rx2.dispose();
  }
});

test('native path: packets queued in a turn leave before the session closes its socket', { skip: skipNative }, async () => {
  assert.equal(setNativeUdpSend(true), true);
  const session = await openSession(testPool());
  const p = await peer();
  session.setRemote({ address: '127.0.0.1', port: p.port });
  try {
    for (let f = 0; f < 5; f++) session.sendAudio(payload(f, 1), f * 160);
    const closing = session.close(); // same turn: the batch is still pending
    await closing;
    await waitFor('peer got the 5 queued frames', () => p.got.filter((g) => parseRtp(g.msg).ok && g.msg.length === 172).length === 5, 2000);
    assert.equal(udpSendStats().errors, 0);
  } finally {
    p.sock.close();
  }
});

test('native path: a burst bigger than the batch is sent whole and in order', { skip: skipNative }, async () => {
  assert.equal(setNativeUdpSend(true), true);
  const session = await openSession(testPool());
  const p = await peer();
  session.setRemote({ address: '127.0.0.1', port: p.port });
  try {
    // The default receive buffer (208 KiB) holds 256 such datagrams on loopback, whichever path sent them.
    p.sock.setRecvBufferSize(1 << 20);
    const N = 300; // > 256 slots: the batch flushes when full and goes on
    for (let f = 0; f < N; f++) session.sendAudio(payload(f, 3), f * 160);
    await waitFor('peer got the burst', () => p.got.length === N, 3000);
    const seqs = p.got.map((g) => (parseRtp(g.msg) as { ok: true; value: { sequenceNumber: number } }).value.sequenceNumber);
    for (let i = 1; i < N; i++) assert.equal((seqs[i]! - seqs[i - 1]!) & 0xffff, 1);
    assert.deepEqual(Buffer.from((parseRtp(p.got[N - 1]!.msg) as { ok: true; value: { payload: Uint8Array } }).value.payload), Buffer.from(payload(N - 1, 3)));
  } finally {
    await session.close();
    p.sock.close();
  }
});

test('helpers: IPv4 literals to int32, anything else refused; a bound socket has a descriptor', async () => {
  assert.equal(ipv4ToInt('127.0.0.1'), 0x7f000001);
  assert.equal(ipv4ToInt('255.255.255.255'), -1);
  assert.equal(ipv4ToInt('10.0.0.256'), null);
  assert.equal(ipv4ToInt('::1'), null);
  assert.equal(ipv4ToInt('host.example'), null);
  assert.equal(ipv4ToInt('1.2.3'), null);
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  try {
    if (process.platform === 'linux') assert.ok(socketFd(s) >= 0);
  } finally {
    s.close();
  }
});
