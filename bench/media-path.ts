/**
 * `bench/media-path`: CPU and garbage per packet of the gateway's media path, without the load
 * generator's timing noise — the before/after measure for allocation work (bench/media is the
 * end-to-end figure, and it needs a quiet machine).
 *
 * In one process: N `CallAudio` calls in loopback (the real `RtpSession` on real UDP sockets →
 * jitter buffer → G.711 decode → re-encode → send), each fed by a plain dgram socket. Frames are
 * stepped by hand instead of by the 20 ms scheduler: every step sends one packet per call, lets
 * the event loop deliver them, calls every call's `tick(deadline)` (what the scheduler does) and
 * lets the echoes come back. So the figure is pure work: µs of process CPU (user + system, which
 * time slices lost to other processes do not inflate) per gateway packet (one received + one sent
 * per call per step), with the generator's side included and identical before and after; plus
 * scavenges and GC time per 10,000 packets (the garbage the path makes) from a GC observer.
 *
 * Instruction counts (deterministic where CPU time is not, on a shared machine): run under
 * `valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file` with `--callgrind`; the
 * bench switches instrumentation on for the measured runs only (callgrind_control -i on/off), so
 * the output's total is the measured window: divide by 2 × calls × frames × runs.
 *
 * Flags: --calls N (default 200), --frames F per run (default 500), --runs R (default 5),
 * --srtp (SRTP both ways with the default backend), --callgrind (see above).
 * The gateway's send path: native batched sends when native/udp is built; HUSHGATE_UDP_SEND=dgram
 * forces dgram (the before/after pair; `sendPath` in the output says which ran); likewise receive:
 * native recvmmsg reads, HUSHGATE_UDP_RECV=dgram for dgram's ('recvPath').
 * Prints one JSON line; figures are medians over runs.
 */
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { report, arg, median } from './lib/report.js';
import { PortPool, RtpSession, PlayoutScheduler } from '../src/media/index.js';
import { CallAudio } from '../src/call/call-audio.js';
import { createSrtpContexts, srtpBackendStatus, type SdesKeyPair, type SrtpStreamContext } from '../src/media/srtp/index.js';
import { writeRtp } from '../src/media/rtp/packet.js';
import { FakeClock, systemClock } from '../src/time/clock.js';
import { udpSendStats } from '../src/media/rtp/udp-batch.js';
import { udpRecvStats } from '../src/media/rtp/udp-recv.js';

const CALLS = arg('calls', 200);
const FRAMES = arg('frames', 500);
const RUNS = arg('runs', 5);
const SRTP = process.argv.includes('--srtp');
const CALLGRIND = process.argv.includes('--callgrind');
const callgrind = async (on: boolean): Promise<void> => {
  if (CALLGRIND) await promisify(execFile)('callgrind_control', ['-i', on ? 'on' : 'off', String(process.pid)]);
};

const TONE = Buffer.alloc(160);
for (let i = 0; i < 160; i++) TONE[i] = 0x80 | Math.round(40 * (1 + Math.sin((2 * Math.PI * i) / 20)));

interface Leg {
  sock: dgram.Socket;
  port: number;
  audio: CallAudio;
  seq: number;
  ts: number;
  ssrc: number;
  out: Buffer;
  tx: SrtpStreamContext | null;
  rx: SrtpStreamContext | null;
  received: number;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

async function openLeg(pool: PortPool, scheduler: PlayoutScheduler): Promise<Leg> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const opened = await RtpSession.open({ ports: pool, address: '127.0.0.1', clock: systemClock });
  if (!opened.ok) throw new Error(opened.error);
  const audio = new CallAudio(opened.value, '127.0.0.1', scheduler);
  audio.loopback = true;
  audio.configure({ codec: 'PCMU', pt: 0, ptime: 20, remoteAddress: '127.0.0.1', remotePort: sock.address().port, direction: 'sendrecv', onHold: false, secure: SRTP });
  const leg: Leg = { sock, port: opened.value.localPort, audio, seq: 1, ts: 0, ssrc: randomBytes(4).readUInt32BE(0), out: Buffer.alloc(400), tx: null, rx: null, received: 0 };
  if (SRTP) {
    const keys: SdesKeyPair = { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: randomBytes(16), localSalt: randomBytes(14), remoteKey: randomBytes(16), remoteSalt: randomBytes(14) };
    const gw = createSrtpContexts(keys);
    const mirrored = createSrtpContexts({ ...keys, localKey: keys.remoteKey, localSalt: keys.remoteSalt, remoteKey: keys.localKey, remoteSalt: keys.localSalt });
    audio.setSrtp(gw);
    leg.tx = mirrored.outbound;
    leg.rx = mirrored.inbound;
  }
  sock.on('message', (m) => {
    if (leg.rx === null || leg.rx.unprotect(m).ok) leg.received++;
  });
  return leg;
}

function send(leg: Leg): void {
  const n = writeRtp({ payloadType: 0, sequenceNumber: leg.seq, timestamp: leg.ts, ssrc: leg.ssrc, marker: false }, TONE, leg.out, 0);
  leg.seq = (leg.seq + 1) & 0xffff;
  leg.ts = (leg.ts + 160) >>> 0;
  const wire = leg.tx ? leg.tx.protect(leg.out.subarray(0, n)) : leg.out.subarray(0, n);
  leg.sock.send(wire, leg.port, '127.0.0.1');
}

async function main(): Promise<void> {
  // A random even base: two runs (or another bench) at once must not fight over ports.
  const base = 20000 + 2 * Math.floor(Math.random() * 15000);
  const pool = new PortPool(base, base + 2 * CALLS + 100);
  // A scheduler whose clock never moves: registering does not tick anything; we tick by hand.
  const scheduler = new PlayoutScheduler(new FakeClock());
  const legs: Leg[] = [];
  for (let i = 0; i < CALLS; i++) legs.push(await openLeg(pool, scheduler));
  let gcCount = 0;
  let scavenges = 0;
  let majors = 0;
  const gcDurations: number[] = [];
  let gcMs = 0;
  let gcMaxMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcMs += e.duration;
      gcDurations.push(e.duration);
      if (e.duration > gcMaxMs) gcMaxMs = e.duration;
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  let deadline = 0;
  const step = async (): Promise<void> => {
    for (const l of legs) send(l);
    await turn();
    await turn();
    deadline += 20;
    for (const l of legs) l.audio.tick(deadline);
    await turn();
    await turn();
  };
  for (let i = 0; i < 100; i++) await step(); // warm-up: JIT, jitter buffers filled
  const usPerPacket: number[] = [];
  const scavengesPer10k: number[] = [];
  const gcMsPer10k: number[] = [];
  const majorsPerRun: number[] = [];
  let worstGcMs = 0;
  await callgrind(true);
  gcDurations.length = 0;
  for (let r = 0; r < RUNS; r++) {
    await turn();
    gcCount = scavenges = majors = 0;
    gcMs = gcMaxMs = 0;
    const before = legs.reduce((a, l) => a + l.received, 0);
    const c0 = process.cpuUsage();
    for (let f = 0; f < FRAMES; f++) await step();
    const c = process.cpuUsage(c0);
    await turn();
    const echoed = legs.reduce((a, l) => a + l.received, 0) - before;
    const packets = 2 * CALLS * FRAMES; // the gateway receives one and sends one per call per step
    if (echoed < 0.99 * CALLS * FRAMES) throw new Error(`only ${echoed} of ${CALLS * FRAMES} echoes came back`);
    usPerPacket.push((c.user + c.system) / packets);
    scavengesPer10k.push((scavenges / packets) * 1e4);
    majorsPerRun.push(majors);
    gcMsPer10k.push((gcMs / packets) * 1e4);
    worstGcMs = Math.max(worstGcMs, gcMaxMs);
  }
  await callgrind(false);
  obs.disconnect();
  const rxSockets = udpRecvStats().sockets; // before the calls close
  for (const l of legs) {
    await l.audio.close();
    l.sock.close();
  }
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const udp = udpSendStats();
  const rx = udpRecvStats();
  report('media-path', {
    calls: CALLS,
    framesPerRun: FRAMES,
    runs: RUNS,
    srtp: SRTP ? srtpBackendStatus().backend : false,
    cpuUsPerPacket: r3(median(usPerPacket)),
    cpuUsPerPacketRuns: usPerPacket.map(r3),
    scavengesPer10kPackets: r3(median(scavengesPer10k)),
    gcMsPer10kPackets: r3(median(gcMsPer10k)),
    /** Mark-compact collections per run (the long pauses); their durations are wall time, stretched on a loaded machine. */
    majorGcsPerRun: majorsPerRun,
    gcPauseMaxMs: r3(worstGcMs),
    gcPauseMedianMs: r3(median(gcDurations)),
    /** How the gateway's RTP left: 'native' (one batched sendto call per turn, native/udp) or 'dgram' (HUSHGATE_UDP_SEND=dgram, or no addon). */
    sendPath: udp.path,
    sendPathReason: udp.reason,
    nativeSendBatches: udp.batches,
    nativeSendPackets: udp.nativePackets,
    sendErrors: udp.errors,
    sendRetriedViaDgram: udp.retriedViaDgram,
    /** How the gateway's RTP sockets were read: 'native' (recvmmsg ring, native/udp) or 'dgram' (HUSHGATE_UDP_RECV=dgram, or no addon). */
    recvPath: rx.path,
    nativeRecvSockets: rxSockets,
  }, 'CPU is this whole process (gateway path + the plain generator sockets), per gateway packet (received or sent); compare before/after on the same machine state.');
}

main().catch((e) => {
  process.stderr.write(`bench/media-path failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
