/**
 * `bench/media`: how many concurrent two-way G.711 calls one gateway process carries with
 * 20 ms pacing intact, with SRTP off and on, in one run.
 *
 * The gateway under test is its own process (`node dist/cli/main.js start`, a `loopback`
 * application, log level warn): it echoes every caller frame through its real pipeline (RTP
 * session → jitter buffer → G.711 decode → re-encode → paced send on the shared 20 ms scheduler).
 * This process is the load generator: it places N calls over SIP/UDP (our UAC,
 * `InviteClientSession`), and sends 20 ms μ-law frames on every call from one drift-free timer
 * (one UDP socket per call), and on the receive side records, per stream, the inter-arrival time
 * of the gateway's packets (deviation from 20 ms) and sequence gaps. With `srtp`, calls offer
 * RTP/SAVP with SDES keys and both sides protect/unprotect every packet.
 *
 * N steps up (50, 100, 200, 300, 500, 700, 1000, … 4000) until a step fails (`--max` caps it); at each step calls are added
 * (not redialled), the streams settle for 1 s, then `--seconds` are measured. The step fails when
 * the receive-side p99 inter-arrival deviation exceeds 5 ms or the loss exceeds 0.1 %; the last
 * passing N is the figure. The receive side includes this process's own scheduling delays, so it
 * is an upper bound on the gateway's send jitter; the gateway's own scheduler lateness (from its
 * /metrics) is reported beside it. Gateway CPU comes from /proc/<pid>/stat (utime + stime).
 *
 * Pinning (default on a machine with ≥ 2 CPUs and `taskset`): the gateway runs on CPU 0 and this
 * generator on CPU 1, so the two do not steal each other's time slices and "calls per core" means
 * the gateway's one core. The generator's own CPU use is reported per step; a step where it is
 * ≥ 90 % of its core is marked `generatorBound` (the limit there is the generator's, not the gateway's).
 * `--no-pin` runs both unpinned (the old figure).
 *
 * Modes: `plain`; `srtp` (the gateway's default SRTP library: libsrtp 2 when the addon is built);
 * `srtp-openssl` (the gateway forced onto the node:crypto fallback, `media.srtpBackend: openssl`).
 * Per step, beside the pacing figures: the gateway's event-loop delay and GC pauses over the
 * window (perf_hooks, from its /metrics: src/gateway/pause-monitor.ts).
 *
 * Flags: --max N (default 4000), --seconds S per step (default 5), --steps 50,100,..., --no-pin,
 * --modes plain,srtp,srtp-openssl, --phases P (the gateway's media.playoutPhases, default 1),
 * --workers N (the gateway's media.workers, default 0: calls' media on worker threads, see
 * docs/media-flow.md "Media workers"), --gateway-cpus LIST (taskset list for the gateway when pinned,
 * default 0; e.g. 0,1 to give a workers gateway both cores, then the generator is not pinned).
 * Per step the gateway's main-thread CPU is reported beside its whole-process CPU, so the work left
 * on the main thread per call (the ceiling of the workers design) is a measured figure.
 * --rtp-port-min / --rtp-port-max: the gateway's RTP ports (default 30000 … 30000 + 2 × max + 200).
 * The gateway's RTP send and receive paths (native batched sendto / recvmmsg, or dgram with
 * HUSHGATE_UDP_SEND=dgram / HUSHGATE_UDP_RECV=dgram in this process's environment, which the gateway
 * inherits) are reported as `gatewaySendPath`.
 * --gateway-node-args "ARGS": extra node flags for the gateway (space-separated; e.g. "--max-semi-space-size=16" or
 * "--trace-gc", whose lines land in DIR/gateway-<mode>.log with --trace).
 * --trace DIR: a pause timeline per mode, to line the receive spikes up with their cause
 * (docs/media-rtp.md "Pauses on the media path"): the gateway writes DIR/gateway-<mode>.json
 * (HUSHGATE_PAUSE_TRACE: its GCs, its late or long scheduler ticks, its /metrics scrapes) and this
 * process DIR/generator-<mode>.json (its own GCs, and per measured step the milliseconds in which
 * ≥ 1 stream saw an inter-arrival deviation > 4 ms, with how many streams), all in epoch ms.
 * The generator sends and reads its RTP (SRTP in place, as the gateway does) with the gateway's native UDP addon (batched
 * sendto, recvmmsg) when it is built — real sockets, without dgram's per-packet garbage, whose GC pauses in this
 * process showed up as gateway jitter (docs/media-rtp.md "Pauses"); `--generator-dgram` for dgram.
 * The gateway's /metrics scrapes that open and close a step's pause window run outside the
 * generator's measured window. `--gateway-js PATH`: the gateway's entry point (default this tree's
 * dist/cli/main.js), to measure another build (e.g. main's) with the same generator.
 * Needs `npm run build` (dist/) first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { report, arg, percentile, median } from './lib/report.js';
import { UdpTransport } from '../src/sip/transport/udp.js';
import { SipStack } from '../src/sip/stack.js';
import { UserAgent } from '../src/sip/user-agent.js';
import { InviteClientSession } from '../src/sip/invite-client.js';
import { parseSdp, negotiate, buildOffer } from '../src/sdp/index.js';
import { createSdesOffer, type SdesKeys } from '../src/sdp/crypto.js';
import { createSrtpContext, createSrtpContexts, srtpBackendStatus, type SrtpBackend, type SrtpStreamContext } from '../src/media/srtp/index.js';
import { writeRtp, parseRtpInto, emptyRtpPacket, type PayloadView } from '../src/media/rtp/packet.js';
import { nativeUdpBatch, socketFd, ipv4ToInt } from '../src/media/rtp/udp-batch.js';
import { NativeRtpReceive } from '../src/media/rtp/udp-recv.js';

const REPO = resolve(import.meta.dirname, '..');
/** The ladder climbs until a step fails; --max only caps it (and sizes the gateway's port range). */
const MAX = arg('max', 4000);
/** The gateway's media.playoutPhases (1 = every call in one pass per 20 ms). */
const PHASES_ARG = arg('phases', 1);
/** `--gateway-prof DIR`: run the gateway with `--cpu-prof` into DIR (a profile per mode, written when it exits). */
const profArg = process.argv.indexOf('--gateway-prof');
const GATEWAY_PROF_DIR = profArg >= 0 ? resolve(process.argv[profArg + 1]!) : null;
const SECONDS = arg('seconds', 5);
const nodeArgsArg = process.argv.indexOf('--gateway-node-args');
const GATEWAY_NODE_ARGS = nodeArgsArg >= 0 ? process.argv[nodeArgsArg + 1]!.split(' ').filter(Boolean) : [];
const jsArg = process.argv.indexOf('--gateway-js');
const GATEWAY_JS = jsArg >= 0 ? resolve(process.argv[jsArg + 1]!) : join(REPO, 'dist/cli/main.js');
const traceArg = process.argv.indexOf('--trace');
const TRACE_DIR = traceArg >= 0 ? resolve(process.argv[traceArg + 1]!) : null;
const stepsArg = process.argv.indexOf('--steps');
const STEPS = (stepsArg >= 0 ? process.argv[stepsArg + 1]!.split(',').map(Number) : [50, 100, 200, 300, 500, 700, 1000, 1300, 1600, 2000, 2500, 3000, 4000]).filter((n) => n <= MAX);
const PIN = !process.argv.includes('--no-pin') && cpus().length >= 2 && existsSync('/usr/bin/taskset');
const modesArg = process.argv.indexOf('--modes');
const MODES = modesArg >= 0 ? process.argv[modesArg + 1]!.split(',') : ['plain', 'srtp', 'srtp-openssl'];
/** Mode → the gateway's `media.srtpBackend`: `srtp` is what a default install runs (libsrtp when built). */
const MODE_BACKEND: Record<string, 'auto' | 'openssl'> = { plain: 'auto', srtp: 'auto', 'srtp-openssl': 'openssl' };
const FRAME_MS = 20;
/** `--generator-dgram`: the generator sends and reads through dgram as before (the old, noisier measure). */
const GENERATOR_DGRAM = process.argv.includes('--generator-dgram');
/** The native send batch's slot size (udp-batch.ts): a 172-byte packet, or its SRTP form, fits. */
const GEN_SLOT_BYTES = 1664;
const JITTER_LIMIT_MS = 5;
const LOSS_LIMIT = 0.001;

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

// ---------- the gateway process ----------

interface GatewayProc {
  proc: ChildProcess;
  sipPort: number;
  adminPort: number;
  cpuSeconds(): number;
  /** CPU seconds of each of the gateway's threads (tid → s); the main thread's tid is the pid. */
  threadCpuSeconds(): Map<number, number>;
  schedulerLateness(): Promise<{ p50: number; p99: number; max: number }>;
  /** Event-loop delay and GC pauses since the previous call (the gateway's /metrics window). */
  pauses(): Promise<{ eventLoopDelayMs: { p50: number; p99: number; max: number }; gcPauseMs: { count: number; p99: number; max: number; totalMs: number } }>;
  sendPath(): Promise<{ path: string; packets: number; batches: number; retried: number; errors: number; recvPath: string; recvSockets: number }>;
  stop(): Promise<void>;
}

/** The gateway's RTP port range (--rtp-port-min, default 30000; --rtp-port-max, default min + 2 × max calls + 200): for sharing a machine. */
const RTP_PORT_MIN = arg('rtp-port-min', 30000);
const RTP_PORT_MAX: number | undefined = process.argv.includes('--rtp-port-max') ? arg('rtp-port-max', 0) : undefined;

async function startGateway(maxCalls: number, srtpBackend: 'auto' | 'openssl', mode: string): Promise<GatewayProc> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-media-'));
  const sipPort = await freePort();
  const adminPort = await freePort();
  const rtpMin = RTP_PORT_MIN;
  const cfg = {
    dataDir: join(dir, 'data'),
    log: { level: 'warn' },
    sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'], sessionExpires: 0 },
    admin: { host: '127.0.0.1', port: adminPort },
    media: { host: '127.0.0.1', rtpPortMin: rtpMin, rtpPortMax: RTP_PORT_MAX ?? rtpMin + 2 * maxCalls + 200, srtpBackend, playoutPhases: PHASES_ARG, ...workersMediaConfig(maxCalls) },
    shutdown: { graceSeconds: 1 },
    accounts: [{ id: 'bench', applications: [{ id: 'echo', numbers: ['echo'], mode: 'loopback', secureMedia: 'optional', maxCallSeconds: 3600 }] }],
  };
  writeFileSync(join(dir, 'config.yaml'), stringify(cfg));
  const nodeArgs = [...(GATEWAY_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${GATEWAY_PROF_DIR}`] : []), ...GATEWAY_NODE_ARGS];
  const argv = [process.execPath, ...nodeArgs, GATEWAY_JS, 'start', '-c', join(dir, 'config.yaml')];
  // Every tick on the timeline (threshold 0): a spike is then lined up with the exact pass that sent it.
  const env = TRACE_DIR ? { ...process.env, HUSHGATE_PAUSE_TRACE: join(TRACE_DIR, `gateway-${mode}.json`), HUSHGATE_PAUSE_TRACE_MS: '0' } : process.env;
  const proc = PIN
    ? spawn('/usr/bin/taskset', ['-c', GATEWAY_CPUS, ...argv], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env })
    : spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // --trace-gc writes to stdout: kept beside the trace when tracing.
  const gcLog: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    if (TRACE_DIR && GATEWAY_NODE_ARGS.includes('--trace-gc')) gcLog.push(d.toString());
  });
  proc.once('exit', () => {
    if (TRACE_DIR && gcLog.length) writeFileSync(join(TRACE_DIR, `gateway-${mode}.log`), gcLog.join(''));
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gateway exited: ${err}`);
    try {
      if ((await fetch(`http://127.0.0.1:${adminPort}/metrics`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = proc.pid!;
  return {
    proc,
    sipPort,
    adminPort,
    cpuSeconds() {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks (USER_HZ = 100)
    },
    threadCpuSeconds: () => threadCpuSeconds(pid),
    async schedulerLateness() {
      const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      const q = (k: string) => Number(new RegExp(`^hushgate_media_scheduler_lateness_ms\\{quantile="${k}"\\} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
      return { p50: q('0.5'), p99: q('0.99'), max: q('1') };
    },
    async pauses() {
      const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      const v = (name: string, label: string, value: string) => Number(new RegExp(`^${name}\\{${label}="${value}"\\} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
      const d = (q: string) => v('hushgate_event_loop_delay_ms', 'quantile', q);
      const g = (k: string) => v('hushgate_gc_pause_ms', 'stat', k);
      return { eventLoopDelayMs: { p50: d('0.5'), p99: d('0.99'), max: d('1') }, gcPauseMs: { count: g('count'), p99: g('p99'), max: g('max'), totalMs: g('total') } };
    },
    /** The gateway's main-thread RTP send and receive paths (hushgate_media_udp_send / _recv): 'native' or 'dgram'. */
    async sendPath() {
      const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      const v = (k: string) => Number(new RegExp(`^hushgate_media_udp_send\\{stat="${k}"\\} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
      const r = (k: string) => Number(new RegExp(`^hushgate_media_udp_recv\\{stat="${k}"\\} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
      const name = (x: number) => (x === 1 ? 'native' : x === 0 ? 'dgram' : 'unknown');
      return { path: name(v('native')), packets: v('packets'), batches: v('batches'), retried: v('retried'), errors: v('errors'), recvPath: name(r('native')), recvSockets: r('sockets') };
    },
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await new Promise((r) => proc.once('exit', r));
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------- the load generator ----------

const MU_LAW_FRAME = Buffer.alloc(160);
for (let i = 0; i < 160; i++) MU_LAW_FRAME[i] = 0x80 | Math.round(40 * (1 + Math.sin((2 * Math.PI * i) / 20))); // a tone, not silence

class Stream {
  readonly sock = dgram.createSocket('udp4');
  session!: InviteClientSession;
  dest!: { address: string; port: number };
  srtp: { inbound: SrtpStreamContext; outbound: SrtpStreamContext } | null = null;
  private seq = randomBytes(2).readUInt16BE(0);
  private ts = randomBytes(4).readUInt32BE(0);
  private readonly ssrc = randomBytes(4).readUInt32BE(0);
  private readonly out = Buffer.alloc(200);
  private readonly fields = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: this.ssrc, marker: false };
  private readonly rx = emptyRtpPacket();
  // measurement window state
  measuring = false;
  lastArrival = -1;
  firstSeq = -1;
  lastSeq = -1;
  received = 0;
  /** |inter-arrival − 20 ms| of the window, preallocated (a growing array would be garbage the generator's GC pauses on). */
  gaps = new Float64Array(Math.ceil(((SECONDS + 2) * 1000) / FRAME_MS) * 2);
  gapCount = 0;

  /** The socket's descriptor and the destination as an IPv4 int, for the native send batch (fd −1: dgram). */
  fd = -1;
  destIpv4 = 0;
  nativeRx: NativeRtpReceive | null = null;

  send(): void {
    const fields = this.fields;
    fields.sequenceNumber = this.seq;
    fields.timestamp = this.ts;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 160) >>> 0;
    const batch = this.fd >= 0 ? nativeUdpBatch(GEN_SLOT_BYTES) : null;
    if (batch !== null) {
      // Built in the batch's slot and sent with the rest of this pump's packets in one native call.
      const slot = batch.next();
      let n = writeRtp(fields, MU_LAW_FRAME, slot, 0);
      // In place, as the gateway protects (the slot has room for the tag): no Buffer per packet.
      if (this.srtp) n = this.srtp.outbound.protectInPlace(slot, n);
      batch.commit(this.fd, this.destIpv4, this.dest.port, n, this.sock, this.dest.address);
      return;
    }
    const n = writeRtp(fields, MU_LAW_FRAME, this.out, 0);
    const wire = this.srtp ? this.srtp.outbound.protect(this.out.subarray(0, n)) : this.out.subarray(0, n);
    this.sock.send(wire, this.dest.port, this.dest.address);
  }

  onMessage(msg: Buffer, length = msg.length, views?: PayloadView): void {
    const now = performance.now();
    if (length >= 2 && msg[1]! >= 192 && msg[1]! <= 223) return; // RTCP
    // Opened in place, as the gateway opens it (a ring slot or dgram's own Buffer: ours to overwrite).
    if (this.srtp && (length = this.srtp.inbound.unprotectInPlace(msg, length)) < 0) return;
    // A native ring slot parses with its reused payload view: no garbage per packet here either.
    if (parseRtpInto(msg, this.rx, length, views) !== null) return;
    if (!this.measuring) {
      this.lastArrival = now;
      return;
    }
    const seq = this.rx.sequenceNumber;
    if (this.firstSeq < 0) this.firstSeq = this.lastSeq = seq;
    else if (((seq - this.lastSeq) & 0xffff) < 0x8000) {
      if (((seq - this.lastSeq) & 0xffff) === 1 && this.lastArrival >= 0) {
        const dev = Math.abs(now - this.lastArrival - FRAME_MS);
        if (this.gapCount < this.gaps.length) this.gaps[this.gapCount++] = dev;
        if (dev > 4 && spikeTrace !== null) spikeTrace.spike(now);
      }
      this.lastSeq = seq;
    }
    this.lastArrival = now;
    this.received++;
  }

  resetWindow(on: boolean): void {
    this.measuring = on;
    this.firstSeq = this.lastSeq = -1;
    this.received = 0;
    this.gapCount = 0;
  }

  /** Packets the gateway sent in the window (by sequence span) and how many arrived. */
  windowCounts(): { expected: number; received: number } {
    if (this.firstSeq < 0) return { expected: 0, received: 0 };
    return { expected: ((this.lastSeq - this.firstSeq) & 0xffff) + 1, received: this.received };
  }
}

async function dialStream(ua: UserAgent, sipPort: number, srtp: boolean): Promise<Stream> {
  const s = new Stream();
  await new Promise<void>((r) => s.sock.bind(0, '127.0.0.1', () => r()));
  s.sock.on('message', (m) => s.onMessage(m));
  s.sock.on('error', () => {});
  if (!GENERATOR_DGRAM) {
    // The generator reads and sends natively too (the gateway's own addon, real sockets): dgram's
    // per-packet Buffer, rinfo and send machinery made it pause on its own GC and show that as jitter.
    // With SRTP too since 2026-12-07: it protects and opens in place, as the gateway does (with the
    // copying forms — a Buffer per packet each way — the native generator measured worse than dgram,
    // p99 13–125 ms at 50–100 calls, and the SRTP modes had kept dgram; plain and SRTP were then
    // measured under different generators, and on loopback the gateway's sendto pays part of the
    // generator's receive: the ratio between them was not the gateway's alone).
    const fd = socketFd(s.sock);
    s.nativeRx = NativeRtpReceive.start(s.sock, fd, (ring, count) => {
      for (let i = 0; i < count; i++) {
        const len = ring.desc[3 * i]!;
        if (len >= 0) s.onMessage(ring.slots[i]!, len, ring.views[i]);
      }
    });
    if (s.nativeRx !== null && nativeUdpBatch(GEN_SLOT_BYTES) !== null) s.fd = fd;
    else {
      s.nativeRx?.stop(true);
      s.nativeRx = null;
    }
  }
  const local = { address: '127.0.0.1', port: s.sock.address().port, codecs: ['PCMU'] as 'PCMU'[], telephoneEvent: false, sessionId: String(Date.now()), sessionVersion: 1 };
  const sdes = srtp ? createSdesOffer({ suites: ['AES_CM_128_HMAC_SHA1_80'] }) : undefined;
  const offer = buildOffer(local, sdes ? sdes.lines.map((l) => `a=crypto:${l}`) : []);
  const r = await InviteClientSession.dial(ua, { target: `sip:echo@127.0.0.1:${sipPort}`, fromUser: 'bench', sdp: offer });
  if (!r.ok) throw new Error(`call failed: ${r.status} ${r.reason}`);
  const answer = parseSdp(r.answer);
  if (!answer.ok) throw new Error('bad answer');
  const answerKeys = sdes && {
    accept(values: string[]) {
      for (const v of values) {
        const k = sdes.accept(v);
        if (k.ok) return { answer: '', context: k.value };
      }
      return undefined;
    },
  };
  const n = negotiate<SdesKeys>(answer.value, { ...local, secureMedia: srtp ? 'required' : 'off', srtp: answerKeys });
  if (!n.ok) throw new Error(`answer: ${n.reason}`);
  s.session = r.session;
  s.dest = { address: n.audio.remoteAddress, port: n.audio.remotePort };
  if (n.audio.srtp) s.srtp = createSrtpContexts(n.audio.srtp);
  const ip = ipv4ToInt(s.dest.address);
  if (ip !== null) s.destIpv4 = ip;
  else if (s.nativeRx !== null) {
    // Not an IPv4 literal: dgram sends, so dgram must read too (udp-recv.ts).
    s.nativeRx.stop(true);
    s.nativeRx = null;
    s.fd = -1;
  }
  return s;
}

interface StepResult {
  calls: number;
  pass: boolean;
  jitterMs: { p50: number; p99: number; max: number };
  loss: number;
  gatewayCpuCores: number;
  cpuPerCallPct: number;
  gatewaySchedulerLatenessMs: { p50: number; p99: number; max: number };
  /** The gateway's event-loop delay and GC pauses over the measured window (perf_hooks, its /metrics). */
  gatewayEventLoopDelayMs: { p50: number; p99: number; max: number };
  gatewayGcPauseMs: { count: number; p99: number; max: number; totalMs: number };
  generatorLateSends: number;
  /** The generator's CPU use in cores over the window (its own core when pinned). */
  generatorCpuCores: number;
  generatorBound: boolean;
  retried?: boolean;
  /** The gateway's main thread (SIP, calls, endpointer, player; with --workers 0 also all media) in cores, and per call. */
  gatewayMainThreadCores?: number;
  mainThreadCpuPerCallPct?: number;
  /** The gateway's busiest other threads in cores (media workers with --workers, else libuv/V8 helpers). */
  gatewayOtherThreadsCores?: number[];
  /**
   * Time the gateway's main thread (and this generator's) was ready to run but waiting for its CPU
   * over the window (/proc/<pid>/task/<tid>/schedstat), ms, and how often it was preempted: other
   * work on the pinned core, not the media path. Pauses the media path cannot cause or remove.
   */
  gatewayRunqueueWaitMs?: number;
  gatewayPreemptions?: number;
  generatorRunqueueWaitMs?: number;
}

type SendPath = Awaited<ReturnType<GatewayProc['sendPath']>> | null;

async function runMode(mode: string): Promise<{ steps: StepResult[]; maxCalls: number; sendPath: SendPath }> {
  const srtp = mode !== 'plain';
  const gw = await startGateway(MAX, MODE_BACKEND[mode] ?? 'auto', mode);
  const trace = TRACE_DIR ? new GeneratorTrace() : null;
  spikeTrace = trace;
  const transport = await UdpTransport.listen('127.0.0.1', 0);
  const stack = new SipStack({ transports: [transport], logger: pino({ level: 'silent' }), advertisedHost: '127.0.0.1', userAgent: 'hushgate-bench' });
  const ua = new UserAgent(stack, { logger: pino({ level: 'silent' }), sessionTimer: { sessionExpires: 0, minSE: 90 } });
  const streams: Stream[] = [];
  // One drift-free grid sends a frame on every stream every 20 ms. Streams are spread over
  // PHASES sub-slots (stream i in slot i % PHASES) so the generator never blocks its own receive
  // path with one burst of N sends — that would show up as jitter that is not the gateway's.
  const PHASES = 4;
  const SLOT_MS = FRAME_MS / PHASES;
  const t0 = performance.now();
  let tick = 0;
  let lateSends = 0;
  let running = true;
  const pump = (): void => {
    if (!running) return;
    const now = performance.now();
    while (t0 + tick * SLOT_MS <= now + 0.5) {
      if (now - (t0 + tick * SLOT_MS) > 5) lateSends++;
      if (trace !== null) trace.pumpSlot(t0 + tick * SLOT_MS, now - (t0 + tick * SLOT_MS));
      const phase = tick % PHASES;
      for (let i = phase; i < streams.length; i += PHASES) streams[i]!.send();
      tick++;
    }
    setTimeout(pump, Math.max(0, t0 + tick * SLOT_MS - performance.now() - 1));
  };
  pump();
  const steps: StepResult[] = [];
  let maxCalls = 0;
  let sendPath: SendPath = null;
  try {
    for (const target of STEPS) {
      // Add calls at up to ~100 per second (batches of 20 in parallel).
      while (streams.length < target) {
        const batch = Math.min(20, target - streams.length);
        const added = await Promise.all(Array.from({ length: batch }, () => dialStream(ua, gw.sipPort, srtp)));
        streams.push(...added);
      }
      await new Promise((r) => setTimeout(r, 1000));
      // The machine is shared: a failing step is measured once more before it counts.
      let step = await measure(target);
      if (!step.pass) step = { ...(await measure(target)), retried: true };
      steps.push(step);
      process.stderr.write(`[media ${mode}] ${JSON.stringify(step)}\n`);
      if (!step.pass) break;
      maxCalls = target;
    }
  } finally {
    running = false;
    sendPath = await gw.sendPath().catch(() => null);
    await Promise.all(streams.map((s) => s.session.bye().catch(() => undefined)));
    for (const s of streams) {
      s.nativeRx?.stop(false);
      s.sock.close();
    }
    await stack.close();
    await gw.stop();
    if (trace) trace.write(join(TRACE_DIR!, `generator-${mode}.json`));
    spikeTrace = null;
  }
  return { steps, maxCalls, sendPath };

  async function measure(target: number): Promise<StepResult> {
    // The scrape that opens the gateway's pause window runs every collector on the gateway's one
    // thread: done before the generator's window opens (and the closing one after it closes), so
    // the bench's own scrapes are not measured as media jitter (docs/media-rtp.md "Pauses").
    await gw.pauses(); // opens the gateway's pause window
    // The generator's own garbage from dialling (SIP transactions) collected now, not as a
    // mark-compact inside the window that would read as gateway jitter. The gateway is left alone.
    generatorGc();
    await new Promise((r) => setTimeout(r, 60));
    for (const s of streams) s.resetWindow(true);
    lateSends = 0;
    trace?.openWindow(target);
    const own0 = process.cpuUsage();
    const gwWait0 = runqueueWait(gw.proc.pid!);
    const genWait0 = runqueueWait(process.pid);
    const threads0 = gw.threadCpuSeconds();
    const cpu0 = gw.cpuSeconds();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const cpu1 = gw.cpuSeconds();
    const threads1 = gw.threadCpuSeconds();
    const gwWait1 = runqueueWait(gw.proc.pid!);
    const genWait1 = runqueueWait(process.pid);
    for (const s of streams) s.measuring = false;
    trace?.closeWindow();
    const own = process.cpuUsage(own0);
    const wall = (performance.now() - w0) / 1000;
    const generatorCores = (own.user + own.system) / 1e6 / wall;
    const pauses = await gw.pauses();
    const all = new Float64Array(streams.reduce((a, s) => a + s.gapCount, 0));
    let k = 0;
    let expected = 0;
    let received = 0;
    for (const s of streams) {
      all.set(s.gaps.subarray(0, s.gapCount), k);
      k += s.gapCount;
      const c = s.windowCounts();
      expected += c.expected;
      received += c.received;
    }
    all.sort();
    const arr = Array.from(all);
    const jitter = { p50: round(percentile(arr, 50)), p99: round(percentile(arr, 99)), max: round(arr[arr.length - 1] ?? NaN) };
    // Streams that got nothing at all count as fully lost.
    const silent = streams.filter((s) => s.windowCounts().expected === 0).length;
    const loss = expected + silent > 0 ? Math.max(0, (expected - received) / expected) + silent / streams.length : 1;
    const cores = (cpu1 - cpu0) / wall;
    const step: StepResult = {
      calls: target,
      pass: jitter.p99 <= JITTER_LIMIT_MS && loss <= LOSS_LIMIT,
      jitterMs: jitter,
      loss: Math.round(loss * 1e5) / 1e5,
      gatewayCpuCores: round(cores),
      cpuPerCallPct: round((cores / target) * 100, 4),
      gatewaySchedulerLatenessMs: await gw.schedulerLateness(),
      gatewayEventLoopDelayMs: pauses.eventLoopDelayMs,
      gatewayGcPauseMs: pauses.gcPauseMs,
      generatorLateSends: lateSends,
      generatorCpuCores: round(generatorCores),
      generatorBound: generatorCores >= 0.9,
      ...threadFigures(gw.proc.pid!, threads0, threads1, wall, target),
      gatewayRunqueueWaitMs: round(gwWait1.waitMs - gwWait0.waitMs),
      gatewayPreemptions: gwWait1.preempted - gwWait0.preempted,
      generatorRunqueueWaitMs: round(genWait1.waitMs - genWait0.waitMs),
    };
    return step;
  }
}

/** A full GC of this process (the generator), via --expose-gc set at run time. */
const generatorGc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function round(x: number, d = 2): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}

/** SRTP protect + unprotect of one 172-byte packet (µs) with one backend, against a plain RTP parse + build. */
function packetCost(backend: SrtpBackend): { srtpUs: number; plainUs: number } {
  const key = { suite: 'AES_CM_128_HMAC_SHA1_80' as const, masterKey: randomBytes(16), masterSalt: randomBytes(14) };
  const tx = createSrtpContext(key, { backend });
  const rx = createSrtpContext(key, { backend });
  const buf = Buffer.alloc(200);
  const parsed = emptyRtpPacket();
  const time = (fn: (i: number) => void): number => {
    for (let i = 0; i < 3000; i++) fn(i);
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 10000; i++) fn(i);
      runs.push(Number(process.hrtime.bigint() - t) / 1000 / 10000);
    }
    return round(runs.sort((a, b) => a - b)[2]!, 3);
  };
  let seq = 0;
  const srtpUs = time(() => {
    const n = writeRtp({ payloadType: 0, sequenceNumber: seq & 0xffff, timestamp: seq * 160, ssrc: 1 }, MU_LAW_FRAME, buf, 0);
    seq++;
    const r = rx.unprotect(tx.protect(buf.subarray(0, n)));
    if (!r.ok) throw new Error('unprotect failed');
    parseRtpInto(r.value, parsed);
  });
  const plainUs = time((i) => {
    const n = writeRtp({ payloadType: 0, sequenceNumber: i & 0xffff, timestamp: i * 160, ssrc: 1 }, MU_LAW_FRAME, buf, 0);
    parseRtpInto(buf.subarray(0, n), parsed);
  });
  return { srtpUs, plainUs };
}

async function main(): Promise<void> {
  if (TRACE_DIR) mkdirSync(TRACE_DIR, { recursive: true });
  if (PIN && !generatorSharesGatewayCpus()) {
    // This process and its threads (libuv pool) on CPU 1; the gateway is started on CPU 0.
    const r = spawnSync('/usr/bin/taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error('taskset could not pin the generator');
  }
  const status = srtpBackendStatus();
  const cost = packetCost(status.backend);
  const costOpenssl = packetCost('openssl');
  const skipped = { steps: [] as StepResult[], maxCalls: 0, sendPath: null as SendPath };
  const plain = MODES.includes('plain') ? await runMode('plain') : skipped;
  const secure = MODES.includes('srtp') ? await runMode('srtp') : skipped;
  const secureOpenssl = MODES.includes('srtp-openssl') ? await runMode('srtp-openssl') : skipped;
  const atMax = (m: { steps: StepResult[]; maxCalls: number }) => m.steps.find((s) => s.calls === m.maxCalls);
  const cpuPerCall = (m: { steps: StepResult[] }) => {
    // CPU per call from the largest passing step (most calls, least fixed-cost share).
    const ok = m.steps.filter((s) => s.pass);
    return ok.length ? ok[ok.length - 1]!.cpuPerCallPct : NaN;
  };
  const plainCpu = cpuPerCall(plain);
  const srtpCpu = cpuPerCall(secure);
  const srtpOpensslCpu = cpuPerCall(secureOpenssl);
  report('media', {
    target: { callsPerCore: 1000, p99JitterMs: JITTER_LIMIT_MS, loss: LOSS_LIMIT, srtpOverhead: 0.25 },
    secondsPerStep: SECONDS,
    pinning: PIN ? { gateway: 'cpu0', generator: 'cpu1' } : 'none (both on all CPUs)',
    gatewayPlayoutPhases: PHASES_ARG,
    maxSteppedTo: MAX,
    srtpPacketCostUs: { protectPlusUnprotect: cost.srtpUs, plainBuildPlusParse: cost.plainUs, backend: status.backend, opensslProtectPlusUnprotect: costOpenssl.srtpUs },
    /** Which library the `srtp` mode's gateway used (media.srtpBackend auto); `srtpOpenssl` forces the fallback. */
    srtpBackend: { srtp: status.backend, libsrtpVersion: status.libsrtpVersion, libsrtpHmac: status.libsrtpHmac, srtpOpenssl: 'openssl' },
    /** One gateway process carries the calls (with --workers, on its worker threads): calls per process = maxCalls. */
    gatewayProcesses: 1,
    plain: { maxCalls: plain.maxCalls, callsPerProcess: plain.maxCalls, cpuPerCallPctOfCore: plainCpu, atMax: atMax(plain), steps: plain.steps, ...perProcessAndMachine(plain) },
    srtp: { maxCalls: secure.maxCalls, callsPerProcess: secure.maxCalls, cpuPerCallPctOfCore: srtpCpu, atMax: atMax(secure), steps: secure.steps, ...perProcessAndMachine(secure) },
    srtpOpenssl: { maxCalls: secureOpenssl.maxCalls, callsPerProcess: secureOpenssl.maxCalls, cpuPerCallPctOfCore: srtpOpensslCpu, atMax: atMax(secureOpenssl), steps: secureOpenssl.steps, ...perProcessAndMachine(secureOpenssl) },
    workers: workersReport(),
    /** How this generator sends and reads RTP: 'native' (the addon, default; SRTP opened and protected in place since 2026-12-07, dgram before) or 'dgram' (--generator-dgram). */
    generatorUdpPath: GENERATOR_DGRAM ? 'dgram' : 'native',
    /** The gateway main thread's RTP send path per mode ('native': batched sendto via native/udp; 'dgram': HUSHGATE_UDP_SEND=dgram or no addon) with its counters at the end of the mode, and its receive path (recvPath: native recvmmsg or dgram, HUSHGATE_UDP_RECV=dgram; recvSockets read natively then). */
    gatewaySendPath: { plain: plain.sendPath, srtp: secure.sendPath, srtpOpenssl: secureOpenssl.sendPath },
    ratios: {
      srtpMaxCallsOverPlain: plain.maxCalls ? round(secure.maxCalls / plain.maxCalls, 3) : null,
      srtpCpuPerCallOverhead: round(srtpCpu / plainCpu - 1, 3),
      /** The target: SRTP per-call CPU ≤ 1.25 × plain. */
      srtpCpuPerCallOverPlain: round(srtpCpu / plainCpu, 3),
      srtpOpensslCpuPerCallOverPlain: round(srtpOpensslCpu / plainCpu, 3),
      /** The same ratio at the largest call count both modes passed: per-call CPU falls as calls grow, so ratios at different maxima mislead. */
      srtpCpuPerCallOverPlainAtSameCalls: sameCallsRatio(plain.steps, secure.steps),
      /** The per-step ratio at every call count both modes ran (passed or not), and its median: one step's CPU reading on a shared core can be 20 % off. */
      srtpCpuPerCallOverPlainPerStep: perStepRatios(plain.steps, secure.steps),
    },
  }, 'The gateway is one Node process (one event loop), so maxCalls is calls on one core when gatewayCpuCores <= 1. Jitter is |inter-arrival - 20 ms| measured by the load generator on loopback (includes its own scheduling delay); loss from sequence gaps. A step passing at --max means the limit was not reached.');
}

/** A step's per-call CPU and whether it passed (what the SRTP ÷ plain ratios read). */
type StepCpu = { calls: number; pass: boolean; cpuPerCallPct: number };

/** SRTP over plain per-call CPU at every call count both modes ran (passed or not), and its median. */
function perStepRatios(plainSteps: StepCpu[], srtpSteps: StepCpu[]): { steps: Array<{ calls: number; ratio: number }>; median: number | null } {
  // A step that failed its pacing (a spike on a shared core) still measured the CPU its calls took.
  const steps = srtpSteps.flatMap((s) => {
    const p = plainSteps.find((x) => x.calls === s.calls);
    return p && s.cpuPerCallPct > 0 && p.cpuPerCallPct > 0 ? [{ calls: s.calls, ratio: round(s.cpuPerCallPct / p.cpuPerCallPct, 3) }] : [];
  });
  return { steps, median: steps.length ? median(steps.map((s) => s.ratio)) : null };
}

/** SRTP over plain per-call CPU at the largest step both passed, or null. */
function sameCallsRatio(plainSteps: StepCpu[], srtpSteps: StepCpu[]): { calls: number; ratio: number } | null {
  const both = srtpSteps.filter((s) => s.pass && plainSteps.some((p) => p.pass && p.calls === s.calls)).map((s) => s.calls);
  if (both.length === 0) return null;
  const calls = Math.max(...both);
  const p = plainSteps.find((x) => x.calls === calls)!;
  const s = srtpSteps.find((x) => x.calls === calls)!;
  return { calls, ratio: Math.round((s.cpuPerCallPct / p.cpuPerCallPct) * 1000) / 1000 };
}

// ---------- the generator's side of the pause timeline (--trace) ----------

/** The trace of the mode being run (null: not tracing), read by every stream's receive path. */
let spikeTrace: GeneratorTrace | null = null;

/**
 * This process's GCs and, per measured window, how many late arrivals (> 4 ms off 20 ms) fell in
 * each millisecond: a gateway pause shows as one millisecond where hundreds of streams are late.
 * A bin array per window, so a late arrival costs an increment, not an allocation.
 */
class GeneratorTrace {
  private readonly gcs: Array<{ at: number; ms: number; kind: number }> = [];
  private readonly windows: Array<{ calls: number; start: number; end: number; spikes: Array<{ at: number; streams: number }> }> = [];
  /** Send slots this process's pump ran > 2 ms late or waited for its CPU: slot time (epoch ms), ms late, ms waited since the slot before. */
  private readonly pump: Array<{ at: number; lateMs: number; runqueueWaitMs: number }> = [];
  private bins: Int32Array | null = null;
  private w0 = 0;
  private calls = 0;
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gcs.push({ at: round(performance.timeOrigin + e.startTime, 3), ms: round(e.duration, 3), kind: (e as { detail?: { kind?: number } }).detail?.kind ?? -1 });
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  private lastWait = runqueueWait(process.pid).waitMs;

  /** Each send slot: kept when the pump ran > 2 ms late or this process waited > 1 ms for its CPU since the slot before. */
  pumpSlot(slotMs: number, lateMs: number): void {
    if (this.bins === null) return;
    const wait = runqueueWait(process.pid).waitMs;
    const waited = wait - this.lastWait;
    this.lastWait = wait;
    if (lateMs > 2 || waited > 1) this.pump.push({ at: round(performance.timeOrigin + slotMs, 1), lateMs: round(lateMs, 2), runqueueWaitMs: round(waited, 2) });
  }

  openWindow(calls: number): void {
    this.calls = calls;
    this.w0 = performance.now();
    this.bins = new Int32Array((SECONDS + 10) * 1000);
  }

  spike(now: number): void {
    const b = this.bins;
    if (b === null) return;
    const i = Math.floor(now - this.w0);
    if (i >= 0 && i < b.length) b[i]!++;
  }

  closeWindow(): void {
    const b = this.bins;
    if (b === null) return;
    const spikes: Array<{ at: number; streams: number }> = [];
    for (let i = 0; i < b.length; i++) if (b[i]! > 0) spikes.push({ at: round(performance.timeOrigin + this.w0 + i, 0), streams: b[i]! });
    const end = performance.now();
    this.windows.push({ calls: this.calls, start: round(performance.timeOrigin + this.w0, 0), end: round(performance.timeOrigin + end, 0), spikes });
    this.bins = null;
  }

  write(file: string): void {
    this.observer.disconnect();
    writeFileSync(file, JSON.stringify({ gc: this.gcs, pumpLate: this.pump, windows: this.windows }));
  }
}

// ---------- media workers (--workers): kept apart from the rest of the bench ----------

/** The gateway's media.workers (0: every call's media on the main thread, as before). */
const WORKERS = arg('workers', 0);
/** The CPUs the gateway is pinned to (taskset list); the generator takes CPU 1 only when the gateway does not. */
const GATEWAY_CPUS = (() => {
  const i = process.argv.indexOf('--gateway-cpus');
  return i >= 0 ? process.argv[i + 1]! : '0';
})();

function workersMediaConfig(maxCalls: number): Record<string, unknown> {
  // Each worker binds from its own slice of the port range: leave every slice room for all calls' share.
  return WORKERS > 0 ? { workers: WORKERS, rtpPortMax: 30000 + 2 * maxCalls + 200 * (WORKERS + 1) } : {};
}

function generatorSharesGatewayCpus(): boolean {
  return GATEWAY_CPUS.split(',').includes('1');
}

/** A main thread's run-queue wait so far (ms, schedstat) and its involuntary context switches; NaN where /proc lacks them. */
function runqueueWait(pid: number): { waitMs: number; preempted: number } {
  try {
    const wait = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
    const preempted = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return { waitMs: wait, preempted };
  } catch {
    return { waitMs: NaN, preempted: NaN };
  }
}

function threadCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out.set(Number(t), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

function threadFigures(pid: number, t0: Map<number, number>, t1: Map<number, number>, wall: number, calls: number): Pick<StepResult, 'gatewayMainThreadCores' | 'mainThreadCpuPerCallPct' | 'gatewayOtherThreadsCores'> {
  const main = ((t1.get(pid) ?? 0) - (t0.get(pid) ?? 0)) / wall;
  const others = [...t1].filter(([tid]) => tid !== pid).map(([tid, s]) => (s - (t0.get(tid) ?? 0)) / wall).filter((c) => c >= 0.01).sort((a, b) => b - a);
  return { gatewayMainThreadCores: round(main), mainThreadCpuPerCallPct: round((main / calls) * 100, 4), gatewayOtherThreadsCores: others.slice(0, 8).map((c) => round(c)) };
}

/**
 * Calls per gateway process (measured: the last passing step) and per machine. Per machine is the
 * measured figure when one workers gateway was given every core; otherwise it is a projection —
 * per process × the cores a process uses (N gateways behind the dispatcher, `make cluster`) —
 * named as such, because on this 2-core machine the load generator needs a core of its own.
 */
function perProcessAndMachine(m: { steps: StepResult[]; maxCalls: number }): Record<string, unknown> {
  const cores = cpus().length;
  const last = m.steps.filter((s) => s.pass).at(-1);
  const mainPerCall = last?.mainThreadCpuPerCallPct;
  const gatewayCores = GATEWAY_CPUS.split(',').length;
  return {
    perProcess: m.maxCalls,
    perMachine: gatewayCores >= cores ? m.maxCalls : m.maxCalls * Math.floor(cores / gatewayCores),
    perMachineIs: gatewayCores >= cores ? 'measured (one gateway on every core, generator sharing them)' : `projected: ${Math.floor(cores / gatewayCores)} gateways of ${gatewayCores} core(s) each`,
    /** With workers: the most calls the main thread could carry at 100 % of its core (its work per call measured at the last passing step). */
    mainThreadCeiling: mainPerCall ? Math.floor(100 / mainPerCall) : null,
  };
}

function workersReport(): Record<string, unknown> {
  return { workers: WORKERS, gatewayCpus: PIN ? GATEWAY_CPUS : 'all', generatorPinned: PIN && !generatorSharesGatewayCpus() ? 'cpu1' : 'no' };
}

main().catch((err) => {
  process.stderr.write(`bench/media failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
