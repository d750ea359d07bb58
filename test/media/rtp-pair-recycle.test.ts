/**
 * Recycled RTP pairs (src/media/rtp/socket-pair.ts, docs/media-rtp.md "A pair's life"), over real
 * loopback sockets on both receive paths: a closed call's pair is parked, still read; it serves a
 * later call only after a quiet time with nothing received, with none of the old call's state
 * (handler, latch, SRTP, statistics); traffic keeps it out and, for long enough, retires it; an
 * empty pool takes the oldest parked pair; shutdown closes every parked pair; and a parked pair
 * does not keep a process alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PortPool } from '../../src/media/port-pool.js';
import { RtpSession } from '../../src/media/rtp/session.js';
import { writeRtp } from '../../src/media/rtp/packet.js';
import { closeWarmRtpPairs, rtpPairStats } from '../../src/media/rtp/socket-pair.js';
import { setNativeUdpRecv, udpRecvStats } from '../../src/media/rtp/udp-recv.js';
import { createSrtpContexts, type SdesKeyPair } from '../../src/media/srtp/index.js';
import { waitFor } from '../helpers/wait.js';

const nativeAvailable = setNativeUdpRecv(true);

function pool(pairs: number, opts: { recycleQuietMs: number; recycleRetireMs?: number }): PortPool {
  const base = 40000 + 2 * Math.floor(Math.random() * 8000);
  return new PortPool(base, base + 2 * pairs - 1, opts);
}

async function sock(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

const payload = (i: number) => Buffer.from(new Uint8Array(160).map((_, k) => (i * 7 + k) & 0xff));
function rtp(seq: number, ssrc: number, body: Uint8Array = payload(seq)): Buffer {
  const out = Buffer.alloc(12 + body.length);
  writeRtp({ marker: false, payloadType: 0, sequenceNumber: seq & 0xffff, timestamp: (160 * seq) >>> 0, ssrc }, body, out, 0);
  return out;
}

async function open(ports: PortPool): Promise<{ session: RtpSession; seqs: number[] }> {
  const r = await RtpSession.open({ ports, address: '127.0.0.1' });
  assert.ok(r.ok);
  const seqs: number[] = [];
  r.value.setAudioHandler((p, _pt, seq) => {
    assert.deepEqual(Buffer.from(p), payload(seq), `payload of ${seq}`);
    seqs.push(seq);
  });
  return { session: r.value, seqs };
}

async function sendFrames(from: dgram.Socket, port: number, seqs: number[], ssrc: number, wrap: (b: Buffer) => Buffer = (b) => b): Promise<void> {
  for (const s of seqs) {
    from.send(wrap(rtp(s, ssrc)), port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const path of ['native', 'dgram'] as const) {
  const skip = path === 'native' && !nativeAvailable ? 'native UDP receive unavailable (addon not built, not Linux)' : false;

  test(`${path} receive: a closed call's pair is parked, serves a later call after quiet time with nothing of the old call, and closes at shutdown`, { skip }, async () => {
    setNativeUdpRecv(path === 'native');
    const ports = pool(10, { recycleQuietMs: 150 });
    const caller1 = await sock();
    const caller2 = await sock();
    const others: RtpSession[] = [];
    try {
      const readers = udpRecvStats().sockets;
      const a = await open(ports);
      const port = a.session.localPort;
      // Call A: SRTP keys of its own, so a datagram opened with them after A must be impossible.
      const keys: SdesKeyPair = { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: randomBytes(16), localSalt: randomBytes(14), remoteKey: randomBytes(16), remoteSalt: randomBytes(14) };
      const contexts = createSrtpContexts(keys);
      a.session.setSrtp(contexts);
      const peerTx = createSrtpContexts({ ...keys, localKey: keys.remoteKey, localSalt: keys.remoteSalt, remoteKey: keys.localKey, remoteSalt: keys.localSalt }).outbound;
      await sendFrames(caller1, port, [1, 2, 3, 4, 5], 0xa1a1a1a1, (b) => Buffer.from(peerTx.protect(b)));
      await waitFor('call A hears its caller', () => a.seqs.length === 5, 3000);
      await a.session.close();
      assert.equal(rtpPairStats(ports).parked, 1);
      assert.equal(ports.allocated, 1, 'a parked pair keeps its port');
      // Call A's caller goes on sending after the hang-up (late packets, a peer that missed the BYE).
      await sendFrames(caller1, port, [6, 7, 8], 0xa1a1a1a1, (b) => Buffer.from(peerTx.protect(b)));
      await sleep(20);
      const b = await open(ports);
      others.push(b.session);
      assert.notEqual(b.session.localPort, port, 'not before its quiet time');
      await sleep(200);
      const c = await open(ports);
      others.push(c.session);
      assert.equal(c.session.localPort, port, 'the parked pair, once quiet, serves call C');
      assert.equal(rtpPairStats(ports).reused, 1);
      assert.equal(udpRecvStats().sockets, readers + (path === 'native' ? 2 : 0), 'its reader was kept, not restarted');
      // Call C: plain RTP from a new caller (C has no SRTP: A's keys must not touch it), and a late A packet.
      await sendFrames(caller2, port, [100, 101, 102, 103], 0xc2c2c2c2);
      await waitFor('call C hears its own caller', () => c.seqs.length === 4, 3000);
      await sendFrames(caller1, port, [9], 0xa1a1a1a1, (b) => Buffer.from(peerTx.protect(b)));
      await sleep(50);
      assert.deepEqual(c.seqs, [100, 101, 102, 103], 'only its own caller: A\'s late packet is a foreign source');
      assert.equal(a.seqs.length, 5, 'A\'s handler heard nothing after its close');
      const st = c.session.stats();
      assert.equal(st.packetsReceived, 4, 'fresh statistics');
      assert.equal(st.srtpAuthFailures, 0);
      assert.equal(st.foreignSource, 1);
      assert.equal(c.session.rtpDestination?.port, caller2.address().port, 'latched to its own caller');
      peerTx.dispose();
      for (const s of others.splice(0)) await s.close();
      assert.equal(rtpPairStats(ports).parked, 2, "B's pair and C's (A's again)");
    } finally {
      for (const s of others) await s.close();
      closeWarmRtpPairs(ports);
      setNativeUdpRecv(true);
      caller1.close();
      caller2.close();
    }
    await waitFor('every port back', () => ports.allocated === 0, 2000);
    // Closed for real: the ports bind again.
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(ports.first, '127.0.0.1', () => resolve());
    });
    again.close();
  });

  test(`${path} receive: a parked pair that keeps hearing traffic is not reused, and is retired`, { skip }, async () => {
    setNativeUdpRecv(path === 'native');
    const ports = pool(10, { recycleQuietMs: 100, recycleRetireMs: 600 });
    const streamer = await sock();
    const held: RtpSession[] = [];
    let streaming = true;
    try {
      const a = await open(ports);
      const port = a.session.localPort;
      await a.session.close();
      const stream = (async () => {
        for (let i = 0; streaming; i++) {
          streamer.send(rtp(i, 0x5e5e5e5e), port, '127.0.0.1');
          await sleep(20);
        }
      })();
      for (let i = 0; i < 8; i++) {
        await sleep(100);
        const s = await open(ports);
        held.push(s.session);
        assert.notEqual(s.session.localPort, port, `open ${i}: a pair that hears traffic is not handed out`);
      }
      await waitFor('retired after 600 ms of traffic', () => rtpPairStats(ports).retired === 1, 3000);
      streaming = false;
      await stream;
      assert.equal(rtpPairStats(ports).parked, 0);
    } finally {
      streaming = false;
      for (const s of held) await s.close();
      closeWarmRtpPairs(ports);
      setNativeUdpRecv(true);
      streamer.close();
    }
    await waitFor('every port back', () => ports.allocated === 0, 2000);
  });
}

test('with no free port the oldest parked pair is taken before its quiet time (the port a FIFO would give)', async () => {
  const ports = pool(1, { recycleQuietMs: 60_000 });
  try {
    const a = await open(ports);
    const port = a.session.localPort;
    await a.session.close();
    const b = await open(ports);
    assert.equal(b.session.localPort, port);
    assert.equal(rtpPairStats(ports).reusedEarly, 1);
    const caller = await sock();
    await sendFrames(caller, port, [1, 2], 0x1);
    await waitFor('call B hears', () => b.seqs.length === 2, 3000);
    caller.close();
    await b.session.close();
  } finally {
    closeWarmRtpPairs(ports);
  }
  await waitFor('the port back', () => ports.allocated === 0, 2000);
});

test('a call that ends after the pool was shut down closes its pair instead of parking it', async () => {
  const ports = pool(4, { recycleQuietMs: 100 });
  const a = await open(ports);
  closeWarmRtpPairs(ports);
  await a.session.close();
  assert.equal(rtpPairStats(ports).parked, 0);
  assert.equal(ports.allocated, 0, 'its port is back');
});

test('a parked pair does not keep a process alive', { skip: nativeAvailable ? false : 'native UDP receive unavailable' }, async () => {
  // A process that parks a pair and has nothing else to do exits on its own.
  const session = fileURLToPath(new URL('../../src/media/rtp/session.js', import.meta.url)).replace(/\.js$/, '.ts');
  const portPool = fileURLToPath(new URL('../../src/media/port-pool.js', import.meta.url)).replace(/\.js$/, '.ts');
  const base = 40000 + 2 * Math.floor(Math.random() * 8000);
  const script = `
    const { RtpSession } = await import(${JSON.stringify(session)});
    const { PortPool } = await import(${JSON.stringify(portPool)});
    const pool = new PortPool(${base}, ${base + 19}, { recycleQuietMs: 60000 });
    const r = await RtpSession.open({ ports: pool, address: '127.0.0.1' });
    await r.value.close();
    console.log('parked');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null | 'hung'>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('hung');
    }, 10_000);
    child.on('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  assert.equal(code, 0, out);
  assert.match(out, /parked/);
});
