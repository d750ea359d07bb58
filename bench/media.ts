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
 * Needs `npm run build` (dist/) first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { report, arg, percentile } from './lib/report.js';
import { UdpTransport } from '../src/sip/transport/udp.js';
import { SipStack } from '../src/sip/stack.js';
import { UserAgent } from '../src/sip/user-agent.js';
import { InviteClientSession } from '../src/sip/invite-client.js';
import { parseSdp, negotiate, buildOffer } from '../src/sdp/index.js';
import { createSdesOffer, type SdesKeys } from '../src/sdp/crypto.js';
import { createSrtpContext, createSrtpContexts, srtpBackendStatus, type SrtpBackend, type SrtpStreamContext } from '../src/media/srtp/index.js';
import { writeRtp, parseRtpInto, emptyRtpPacket } from '../src/media/rtp/packet.js';

const REPO = resolve(import.meta.dirname, '..');
/** The ladder climbs until a step fails; --max only caps it (and sizes the gateway's port range). */
const MAX = arg('max', 4000);
/** The gateway's media.playoutPhases (1 = every call in one pass per 20 ms). */
const PHASES_ARG = arg('phases', 1);
/** `--gateway-prof DIR`: run the gateway with `--cpu-prof` into DIR (a profile per mode, written when it exits). */
const profArg = process.argv.indexOf('--gateway-prof');
const GATEWAY_PROF_DIR = profArg >= 0 ? resolve(process.argv[profArg + 1]!) : null;
const SECONDS = arg('seconds', 5);
const stepsArg = process.argv.indexOf('--steps');
const STEPS = (stepsArg >= 0 ? process.argv[stepsArg + 1]!.split(',').map(Number) : [50, 100, 200, 300, 500, 700, 1000, 1300, 1600, 2000, 2500, 3000, 4000]).filter((n) => n <= MAX);
const PIN = !process.argv.includes('--no-pin') && cpus().length >= 2 && existsSync('/usr/bin/taskset');
const modesArg = process.argv.indexOf('--modes');
const MODES = modesArg >= 0 ? process.argv[modesArg + 1]!.split(',') : ['plain', 'srtp', 'srtp-openssl'];
/** Mode → the gateway's `media.srtpBackend`: `srtp` is what a default install runs (libsrtp when built). */
const MODE_BACKEND: Record<string, 'auto' | 'openssl'> = { plain: 'auto', srtp: 'auto', 'srtp-openssl': 'openssl' };
const FRAME_MS = 20;
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

async function startGateway(maxCalls: number, srtpBackend: 'auto' | 'openssl'): Promise<GatewayProc> {
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
  const nodeArgs = GATEWAY_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${GATEWAY_PROF_DIR}`] : [];
  const argv = [process.execPath, ...nodeArgs, join(REPO, 'dist/cli/main.js'), 'start', '-c', join(dir, 'config.yaml')];
  const proc = PIN
    ? spawn('/usr/bin/taskset', ['-c', GATEWAY_CPUS, ...argv], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  proc.stdout!.on('data', () => {});
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
  private readonly rx = emptyRtpPacket();
  // measurement window state
  measuring = false;
  lastArrival = -1;
  firstSeq = -1;
  lastSeq = -1;
  received = 0;
  gaps: number[] = [];

  send(): void {
    const n = writeRtp({ payloadType: 0, sequenceNumber: this.seq, timestamp: this.ts, ssrc: this.ssrc, marker: false }, MU_LAW_FRAME, this.out, 0);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 160) >>> 0;
    const wire = this.srtp ? this.srtp.outbound.protect(this.out.subarray(0, n)) : this.out.subarray(0, n);
    this.sock.send(wire, this.dest.port, this.dest.address);
  }

  onMessage(msg: Buffer): void {
    const now = performance.now();
    if (msg.length >= 2 && msg[1]! >= 192 && msg[1]! <= 223) return; // RTCP
    let pkt = msg;
    if (this.srtp) {
      const r = this.srtp.inbound.unprotect(msg);
      if (!r.ok) return;
      pkt = r.value;
    }
    if (parseRtpInto(pkt, this.rx) !== null) return;
    if (!this.measuring) {
      this.lastArrival = now;
      return;
    }
    const seq = this.rx.sequenceNumber;
    if (this.firstSeq < 0) this.firstSeq = this.lastSeq = seq;
    else if (((seq - this.lastSeq) & 0xffff) < 0x8000) {
      if (((seq - this.lastSeq) & 0xffff) === 1 && this.lastArrival >= 0) this.gaps.push(Math.abs(now - this.lastArrival - FRAME_MS));
      this.lastSeq = seq;
    }
    this.lastArrival = now;
    this.received++;
  }

  resetWindow(on: boolean): void {
    this.measuring = on;
    this.firstSeq = this.lastSeq = -1;
    this.received = 0;
    this.gaps = [];
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
}

type SendPath = Awaited<ReturnType<GatewayProc['sendPath']>> | null;

async function runMode(mode: string): Promise<{ steps: StepResult[]; maxCalls: number; sendPath: SendPath }> {
  const srtp = mode !== 'plain';
  const gw = await startGateway(MAX, MODE_BACKEND[mode] ?? 'auto');
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
    for (const s of streams) s.sock.close();
    await stack.close();
    await gw.stop();
  }
  return { steps, maxCalls, sendPath };

  async function measure(target: number): Promise<StepResult> {
    for (const s of streams) s.resetWindow(true);
    lateSends = 0;
    await gw.pauses(); // opens the gateway's pause window
    const own0 = process.cpuUsage();
    const threads0 = gw.threadCpuSeconds();
    const cpu0 = gw.cpuSeconds();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const cpu1 = gw.cpuSeconds();
    const threads1 = gw.threadCpuSeconds();
    const pauses = await gw.pauses();
    const own = process.cpuUsage(own0);
    const wall = (performance.now() - w0) / 1000;
    const generatorCores = (own.user + own.system) / 1e6 / wall;
    for (const s of streams) s.measuring = false;
    const all = new Float64Array(streams.reduce((a, s) => a + s.gaps.length, 0));
    let k = 0;
    let expected = 0;
    let received = 0;
    for (const s of streams) {
      for (const g of s.gaps) all[k++] = g;
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
    };
    return step;
  }
}

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
    srtpBackend: { srtp: status.backend, libsrtpVersion: status.libsrtpVersion, srtpOpenssl: 'openssl' },
    /** One gateway process carries the calls (with --workers, on its worker threads): calls per process = maxCalls. */
    gatewayProcesses: 1,
    plain: { maxCalls: plain.maxCalls, callsPerProcess: plain.maxCalls, cpuPerCallPctOfCore: plainCpu, atMax: atMax(plain), steps: plain.steps, ...perProcessAndMachine(plain) },
    srtp: { maxCalls: secure.maxCalls, callsPerProcess: secure.maxCalls, cpuPerCallPctOfCore: srtpCpu, atMax: atMax(secure), steps: secure.steps, ...perProcessAndMachine(secure) },
    srtpOpenssl: { maxCalls: secureOpenssl.maxCalls, callsPerProcess: secureOpenssl.maxCalls, cpuPerCallPctOfCore: srtpOpensslCpu, atMax: atMax(secureOpenssl), steps: secureOpenssl.steps, ...perProcessAndMachine(secureOpenssl) },
    workers: workersReport(),
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
    },
  }, 'The gateway is one Node process (one event loop), so maxCalls is calls on one core when gatewayCpuCores <= 1. Jitter is |inter-arrival - 20 ms| measured by the load generator on loopback (includes its own scheduling delay); loss from sequence gaps. A step passing at --max means the limit was not reached.');
}

/** SRTP over plain per-call CPU at the largest step both passed, or null. */
function sameCallsRatio(plainSteps: Array<{ calls: number; pass: boolean; cpuPerCallPct: number }>, srtpSteps: Array<{ calls: number; pass: boolean; cpuPerCallPct: number }>): { calls: number; ratio: number } | null {
  const both = srtpSteps.filter((s) => s.pass && plainSteps.some((p) => p.pass && p.calls === s.calls)).map((s) => s.calls);
  if (both.length === 0) return null;
  const calls = Math.max(...both);
  const p = plainSteps.find((x) => x.calls === calls)!;
  const s = srtpSteps.find((x) => x.calls === calls)!;
  return { calls, ratio: Math.round((s.cpuPerCallPct / p.cpuPerCallPct) * 1000) / 1000 };
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
