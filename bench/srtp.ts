/**
 * SRTP cost per packet: protect + unprotect of a 172-byte RTP packet (12-byte header, 160-byte
 * G.711 payload: one 20 ms frame) for both suites and both backends — `<suite>/node` is the
 * OpenSSL path through node:crypto (SrtpContext), `<suite>/libsrtp` is libsrtp 2 through the
 * native addon (LibsrtpContext; absent from the output when the addon is not built) — against the
 * plain RTP path for the same packet (parse into a reused object + serialise into a reused buffer).
 * Also reported: cipher-object and HMAC building blocks, and the CPU one call's SRTP costs
 * (50 packets/s each way). Prints one JSON object; figures are medians of `BENCH_RUNS` runs.
 */
import { cpus, loadavg } from 'node:os';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { createSrtpContext, srtpBackendStatus, type SrtpBackend, type SrtpSuiteName } from '../src/media/srtp/index.js';
import { AesCmKeystream } from '../src/media/srtp/keystream.js';
import { buildRtp, emptyRtpPacket, parseRtpInto, writeRtp } from '../src/media/rtp/packet.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 20000);
const runs = Number(process.env.BENCH_RUNS ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Which clock `measure` reads: wall time (default, the figures so far) or this process's CPU time
 * (`BENCH_CLOCK=cpu`: user + system µs, which time slices lost to other processes on a shared,
 * overloaded machine do not inflate).
 */
const clock = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';
function nowUs(): number {
  if (clock === 'cpu') {
    const u = process.cpuUsage();
    return u.user + u.system;
  }
  return Number(process.hrtime.bigint()) / 1000;
}

/** Median µs per call of fn over `runs` runs of `iterations` calls, after a warm-up. */
function measure(fn: (i: number) => void): number {
  for (let i = 0; i < 5000; i++) fn(i);
  const per: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = nowUs();
    for (let i = 0; i < iterations; i++) fn(i);
    per.push((nowUs() - t0) / iterations);
  }
  return Math.round(median(per) * 1000) / 1000;
}

const built = buildRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x1234abcd }, randomBytes(160));
if (!built.ok) throw new Error('bench packet does not build');
const packet = Buffer.from(built.value);
let sink = 0;

// Plain media path for one packet: parse the header, serialise a packet.
const parsed = emptyRtpPacket();
const out = new Uint8Array(1500);
const plain = measure((i) => {
  packet[3] = i & 0xff;
  if (parseRtpInto(packet, parsed) === null) {
    sink += writeRtp({ payloadType: parsed.payloadType, sequenceNumber: parsed.sequenceNumber, timestamp: parsed.timestamp, ssrc: parsed.ssrc }, parsed.payload, out, 0);
  }
});

function srtpRoundTrip(suite: SrtpSuiteName, backend: SrtpBackend) {
  const key = randomBytes(16);
  const salt = randomBytes(14);
  const ctx = () => createSrtpContext({ suite, masterKey: key, masterSalt: salt }, { backend });
  const tx = ctx();
  const rx = ctx();
  const p = Buffer.from(packet);
  let seq = 0;
  const both = measure(() => {
    seq = (seq + 1) & 0xffff;
    p[2] = seq >>> 8;
    p[3] = seq & 0xff;
    const r = rx.unprotect(tx.protect(p));
    if (r.ok) sink += r.value.length;
  });
  if (rx.counters.authFailures + rx.counters.replays > 0) throw new Error('bench round trip failed');
  const rx2 = ctx();
  const protectOnly = measure(() => {
    sink += tx.protect(p).length;
  });
  let k = 0;
  const tx2 = ctx();
  const fresh: Buffer[] = [];
  for (let i = 0; i < iterations * runs + 5000; i++) {
    p[2] = (i >>> 8) & 0xff;
    p[3] = i & 0xff;
    fresh.push(tx2.protect(p));
  }
  const unprotectOnly = measure(() => {
    const r = rx2.unprotect(fresh[k++]!);
    if (r.ok) sink += r.value.length;
  });
  fresh.length = 0;
  // The media path's form (RtpSession): protect in the send slot, open the datagram where it lies.
  const txIp = ctx();
  const rxIp = ctx();
  const slot = Buffer.alloc(1500 + 144);
  let seqIp = 0;
  const inPlace = measure(() => {
    seqIp = (seqIp + 1) & 0xffff;
    packet.copy(slot);
    slot[2] = seqIp >>> 8;
    slot[3] = seqIp & 0xff;
    const n = txIp.protectInPlace(slot, packet.length);
    const m = rxIp.unprotectInPlace(slot, n);
    if (m > 0) sink += m;
  });
  if (rxIp.counters.authFailures + rxIp.counters.replays > 0) throw new Error('bench in-place round trip failed');
  return {
    /** protectInPlace + unprotectInPlace (what RtpSession calls per packet pair), including a 172-byte copy. */
    inPlaceProtectPlusUnprotectUs: inPlace,
    protectPlusUnprotectUs: both,
    protectUs: protectOnly,
    unprotectUs: unprotectOnly,
    ratioToPlain: Math.round((both / plain) * 10) / 10,
    /** One call: 50 packets/s protected + 50 unprotected; % of one core. */
    perCallCpuPercent: Math.round(both * 50 * 1e-6 * 100 * 1000) / 1000,
  };
}

/**
 * The gateway's case: many calls, each packet on another call's context whose state the rest of
 * the gateway's work has pushed out of the cache (in a 20,000-packet hot loop one context stays in
 * L1). `COLD_CONTEXTS` outbound + inbound pairs (400 calls' worth), one in-place packet pair on each
 * per round, 8 MiB of other memory touched between rounds; µs per pair, median of `runs`. Wall
 * clock whatever BENCH_CLOCK says: a round lasts about a millisecond, below the CPU clock's tick.
 */
const COLD_CONTEXTS = 400;
const evict = new Uint32Array(2 * 1024 * 1024);
function coldRoundTrip(backend: SrtpBackend): number {
  const pairs = Array.from({ length: COLD_CONTEXTS }, () => {
    const key = { suite: 'AES_CM_128_HMAC_SHA1_80' as const, masterKey: randomBytes(16), masterSalt: randomBytes(14) };
    return { tx: createSrtpContext(key, { backend }), rx: createSrtpContext(key, { backend }), seq: 0 };
  });
  const slot = Buffer.alloc(1500 + 144);
  const rounds = Math.max(5, Math.round(iterations / COLD_CONTEXTS));
  const perRun: number[] = [];
  for (let run = -1; run < runs; run++) {
    let us = 0;
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < evict.length; j += 16) evict[j]! += 1;
      const t0 = process.hrtime.bigint();
      for (const c of pairs) {
        c.seq = (c.seq + 1) & 0xffff;
        packet.copy(slot);
        slot[2] = c.seq >>> 8;
        slot[3] = c.seq & 0xff;
        const m = c.rx.unprotectInPlace(slot, c.tx.protectInPlace(slot, packet.length));
        if (m > 0) sink += m;
      }
      us += Number(process.hrtime.bigint() - t0) / 1000;
    }
    if (run >= 0) perRun.push(us / (rounds * COLD_CONTEXTS)); // run -1 warms up
  }
  for (const c of pairs) if (c.rx.counters.authFailures + c.rx.counters.replays > 0) throw new Error('bench cold round trip failed');
  return Math.round(median(perRun) * 1000) / 1000;
}

const results: Record<string, ReturnType<typeof srtpRoundTrip>> = {};
const status = srtpBackendStatus();
const backends: [string, SrtpBackend][] = [['node', 'openssl'], ...(status.backend === 'libsrtp' ? [['libsrtp', 'libsrtp'] as [string, SrtpBackend]] : [])];
for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
  for (const [label, backend] of backends) results[`${suite}/${label}`] = srtpRoundTrip(suite, backend);
}
const coldContexts: Record<string, number> = {};
for (const [label, backend] of backends) coldContexts[`AES_CM_128_HMAC_SHA1_80/${label}`] = coldRoundTrip(backend);

// Building blocks (one 172-byte packet's worth).
const key = randomBytes(16);
const iv = randomBytes(16);
iv[14] = 0;
iv[15] = 0;
const ctrPerPacket = measure(() => {
  sink += createCipheriv('aes-128-ctr', key, iv).update(packet.subarray(12)).length;
});
const ks = new AesCmKeystream(key);
const ecbReused = measure(() => {
  ks.xor(iv, packet, 12, out, 12, 160);
  sink += out[20]!;
});
const authKey = randomBytes(20);
const hmacNode = measure(() => {
  sink += createHmac('sha1', authKey).update(packet).update(iv.subarray(0, 4)).digest().length;
});

const cpu = cpus();
const openssl = results['AES_CM_128_HMAC_SHA1_80/node']!;
const native = results['AES_CM_128_HMAC_SHA1_80/libsrtp'];
const best = native ?? openssl;
console.log(
  JSON.stringify({
    bench: 'srtp',
    date: new Date().toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? 'unknown', node: process.version, loadAvg: loadavg().map((x) => Math.round(x * 100) / 100) },
    figures: {
      packetBytes: packet.length,
      clock,
      iterations,
      runs,
      plainRtpParseBuildUs: plain,
      srtp: results,
      /** What `auto` uses here, and libsrtp's cost as a fraction of the OpenSSL path's (protect + unprotect). */
      /** In-place protect + unprotect µs with 400 calls' contexts cold in the cache (see coldRoundTrip). */
      coldContextsInPlaceProtectPlusUnprotectUs: coldContexts,
      backend: { auto: status.backend, libsrtpVersion: status.libsrtpVersion, libsrtpHmac: status.libsrtpHmac, reason: status.reason, libsrtpOverOpenssl: native ? Math.round((native.protectPlusUnprotectUs / openssl.protectPlusUnprotectUs) * 100) / 100 : null },
      /** The target: SRTP < 25 % of the plain figure. Ratio = SRTP ÷ plain (0.25 would meet it). */
      target: { srtpOverPlain: Math.round((best.protectPlusUnprotectUs / plain) * 100) / 100, goal: 0.25, met: best.protectPlusUnprotectUs / plain < 0.25 },
      blocks: {
        aesCtrCipherPerPacketUs: ctrPerPacket,
        aesEcbReusedKeystreamXorUs: ecbReused,
        hmacSha1NodeUs: hmacNode,
      },
      sink: sink > 0,
    },
  }),
);
