/**
 * bench/sip-cps: SIPp's built-in `uac` against `hushgate start` (signalling only; a `hold` application
 * that the caller hangs up at once), and against Kamailio answering with `sl_send_reply` as the
 * machine's ceiling for SIP processing, in the same run.
 *
 *   figures.hushgate.maxRate     highest call rate sustained for --duration seconds with 0 failed calls
 *   figures.hushgate.latency100  INVITE→200 p50/p99 (ms) at 100 calls/s (SIPp response-time trace)
 *   figures.hushgate.runs[]      per rung: rate, failed, server CPU (cores) and CPU µs per call set-up
 *   figures.hushgate.cpuUsPerCall  server CPU per call set-up (INVITE/200/ACK/BYE/200) at the highest clean rung
 *   figures.kamailio.*           the same for Kamailio (CPU summed over its worker processes)
 *   figures.ratio                hushgate maxRate / kamailio maxRate — measured: the ladder climbs
 *                                (…, 1500, 2000, then ×1.25) until each server fails a rung or --max
 *   figures.*.capped             true when --max was reached without a failure (the ratio is then a bound)
 *
 * Usage: node --import tsx bench/sip-cps.ts [--duration 10] [--max 40000] [--from 100] [--only hushgate|kamailio] [--port-base 44000]
 *   --from      first rung of the ladder (profiling a given rate without climbing to it)
 *   --only      run one server (the ratio is then null)
 *   --numbers   names (default: SIPp's `sipp` calling `service`, no phone number to parse) | e164: callers
 *               from a list of real-world E.164 numbers (GB, US, DE, FR, AU, IN …, one per call in turn)
 *               calling +12025550143, as a trunk sends them — every layer that parses a phone number
 *               (routing, the privacy gate's call numbers, events, the ledger) then does its real work
 *   --port-base every port the bench uses from base…base+999 (SIP base, admin +1, Kamailio +2, SIPp +3,
 *               readiness probe +4, RTP +100…+999) instead of free ports anywhere and RTP 20000–29999:
 *               a shared machine gives each user its own range
 *   HUSHGATE_NODE_ARGS  extra node flags for the gateway, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   SIPP_ARGS   extra SIPp flags, e.g. "-trace_err" (what a failed call received: SIPp counts a 503 as
 *               FailedUnexpectedMessage); SIPP_KEEP=1 keeps SIPp's files and prints where
 * Needs a build (`npx tsc`) and the Debian packages sip-tester and kamailio.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { report, percentile, arg } from './lib/report.js';
import { freePort } from '../test/helpers/ports.js';

const REPO = resolve(import.meta.dirname, '..');
const duration = arg('duration', 10);
const maxRate = arg('max', 40000);
const fromRate = arg('from', 0);
const onlyIdx = process.argv.indexOf('--only');
const only = onlyIdx >= 0 ? process.argv[onlyIdx + 1] : undefined;
const portBase = arg('port-base', 0);
const numbersIdx = process.argv.indexOf('--numbers');
const numbers = numbersIdx >= 0 ? process.argv[numbersIdx + 1] : 'names';
if (numbers !== 'names' && numbers !== 'e164') throw new Error('--numbers is names or e164');
/** The dialled number with --numbers e164 (the application's), and the callers SIPp takes in turn. */
const DIALLED = '+12025550143';
const CALLERS = ['+447700900123', '+12125550187', '+4915123456789', '+33612345678', '+61412345678', '+919812345678', '+442079460958', '+14155550123', '+34612345678', '+81312345678'];

/** SIPp's own uac scenario with the caller's number from the injection file in From (a trunk's INVITE). */
function e164Scenario(dir: string): string[] {
  // `sipp -sd` prints the scenario and exits 1: its stdout is the scenario.
  const xml = spawnSync('sipp', ['-sd', 'uac'], { encoding: 'utf8' }).stdout.replaceAll('sipp <sip:sipp@[local_ip]:[local_port]>', '"[field0]" <sip:[field0]@[local_ip]:[local_port]>');
  writeFileSync(join(dir, 'uac-e164.xml'), xml);
  writeFileSync(join(dir, 'callers.csv'), ['SEQUENTIAL', ...CALLERS.map((n) => `${n};`)].join('\n') + '\n');
  return ['-sf', join(dir, 'uac-e164.xml'), '-inf', join(dir, 'callers.csv')];
}
if (portBase && (!Number.isInteger(portBase) || portBase < 1024 || portBase + 999 > 65535)) throw new Error('--port-base must be an integer in 1024…64536');
/** A fixed port at base + offset with --port-base, else any free one. */
const port = (offset: number): Promise<number> => (portBase ? Promise.resolve(portBase + offset) : freePort());

/** The rate ladder: the old fixed rungs, then +25 % per rung, rounded to 100, up to --max. */
function ladder(): number[] {
  const rungs = [100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000];
  for (let r = 2000; r < maxRate; ) rungs.push((r = Math.round((r * 1.25) / 100) * 100));
  return rungs.filter((r) => r <= maxRate && r >= fromRate);
}

/**
 * Resolves once the server answers a SIP OPTIONS on UDP (a start-up that takes longer than a fixed
 * sleep left the 100-calls/s latency run measuring the start-up: p50 3.5 s in one run).
 */
async function answering(port: number, timeoutMs = 60_000): Promise<void> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(portBase ? portBase + 4 : 0, '127.0.0.1', r));
  const local = sock.address().port;
  let answered = false;
  sock.on('message', (m) => (answered ||= m.toString('latin1').startsWith('SIP/2.0 ')));
  const deadline = Date.now() + timeoutMs;
  try {
    for (let n = 1; !answered; n++) {
      if (Date.now() > deadline) throw new Error(`server on port ${port} did not answer OPTIONS within ${timeoutMs} ms`);
      const msg = [
        `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-ready-${n}`, 'Max-Forwards: 70',
        `From: <sip:bench@127.0.0.1:${local}>;tag=ready`, `To: <sip:probe@127.0.0.1:${port}>`, `Call-ID: ready-${n}@bench`, `CSeq: ${n} OPTIONS`, 'Content-Length: 0', '', '',
      ].join('\r\n');
      sock.send(msg, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    sock.close();
  }
}

/** CPU seconds (user + system) of a process and its direct children (Kamailio forks workers). */
function treeCpuSeconds(pid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) === pid || Number(f[1]) === pid) total += (Number(f[11]) + Number(f[12])) / 100; // USER_HZ = 100
  }
  return total;
}

interface RunResult {
  rate: number;
  successful: number;
  failed: number;
  rtt: number[];
  /** SIPp's failure counters that are non-zero (FailedTimeoutOnRecv, FailedMaxUDPRetrans, …): why a rung failed. */
  failures: Record<string, number>;
  /** INVITE retransmissions SIPp had to send (a late 100/200 shows here before it fails calls). */
  retransmissions: number;
}

async function sipp(target: string, rate: number, seconds: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-bench-'));
  const localPort = await port(3);
  const calls = Math.round(rate * seconds);
  const scenario = numbers === 'e164' ? [...e164Scenario(dir), target, '-s', DIALLED] : ['-sn', 'uac', target, '-s', 'service'];
  const args = [...scenario, '-i', '127.0.0.1', '-p', String(localPort), '-r', String(rate), '-m', String(calls),
    '-l', String(Math.max(100, rate * 4)), '-timeout', `${seconds + 30}s`, '-nostdin', '-trace_stat', '-stf', join(dir, 'stat.csv'), '-trace_rtt', '-rtt_freq', '1',
    '-max_socket', '10000', '-recv_timeout', '10000', ...(process.env.SIPP_ARGS?.split(' ').filter(Boolean) ?? [])];
  const p = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((r) => p.once('exit', r));
  const stat = readFileSync(join(dir, 'stat.csv'), 'utf8').trim().split('\n');
  const header = stat[0]!.split(';');
  const last = stat[stat.length - 1]!.split(';');
  const successful = Number(last[header.indexOf('SuccessfulCall(C)')]);
  const failed = Number(last[header.indexOf('FailedCall(C)')]);
  const failures: Record<string, number> = {};
  header.forEach((h, i) => {
    const n = Number(last[i]);
    if (/^Failed.+\(C\)$/.test(h) && h !== 'FailedCall(C)' && n > 0) failures[h.slice(0, -3)] = n;
  });
  const retransmissions = Number(last[header.indexOf('Retransmissions(C)')]) || 0;
  const rttFile = readdirSync(dir).find((f) => f.includes('_rtt'));
  const rtt = rttFile
    ? readFileSync(join(dir, rttFile), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(';')[1])).filter((x) => Number.isFinite(x))
    : [];
  if (process.env.SIPP_KEEP) process.stderr.write(`sip-cps: SIPp's files kept in ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
  if (!successful && err) process.stderr.write(err);
  return { rate, successful, failed: failed + (calls - successful - failed), rtt, failures, retransmissions };
}

interface Rung {
  rate: number;
  failed: number;
  /** Server CPU over the rung, in cores (1 = one core busy). */
  serverCores: number;
  /** Server CPU per successful call set-up + tear-down, µs. */
  cpuUsPerCall: number;
  retransmissions: number;
  /** INVITE→200 p99 over the rung, ms (SIPp's response-time trace). */
  p99ms: number;
  failures?: Record<string, number>;
}

/** Step the rate up until a run has failures; return the last clean rate. */
async function maxSustained(target: string, serverPid: number): Promise<{ maxRate: number; capped: boolean; cpuUsPerCall: number | null; runs: Rung[] }> {
  const runs: Rung[] = [];
  let good = 0;
  let capped = true;
  for (const rate of ladder()) {
    const cpu0 = treeCpuSeconds(serverPid);
    const t0 = performance.now();
    const r = await sipp(target, rate, duration);
    const cpu = treeCpuSeconds(serverPid) - cpu0;
    const wall = (performance.now() - t0) / 1000;
    const rung = { rate, failed: r.failed, serverCores: Math.round((cpu / wall) * 100) / 100, cpuUsPerCall: r.successful ? Math.round((cpu / r.successful) * 1e6) : NaN, retransmissions: r.retransmissions, p99ms: percentile([...r.rtt].sort((a, b) => a - b), 99), ...(r.failed ? { failures: r.failures } : {}) };
    runs.push(rung);
    process.stderr.write(`  ${target} ${rate}/s: ${r.successful} ok, ${r.failed} failed, server ${rung.serverCores} cores, ${rung.cpuUsPerCall} µs/call, p99 ${rung.p99ms} ms, ${r.retransmissions} retransmissions${r.failed ? ' ' + JSON.stringify(r.failures) : ''} (load ${loadavg()[0]!.toFixed(1)})\n`);
    if (r.failed > 0) {
      capped = false;
      break;
    }
    good = rate;
  }
  const clean = runs.filter((x) => x.failed === 0);
  return { maxRate: good, capped, cpuUsPerCall: clean.length ? clean[clean.length - 1]!.cpuUsPerCall : null, runs };
}

async function latencyAt100(target: string) {
  const r = await sipp(target, 100, Math.min(duration, 20));
  const s = [...r.rtt].sort((a, b) => a - b);
  return { calls: r.successful, failed: r.failed, p50ms: percentile(s, 50), p99ms: percentile(s, 99) };
}

async function startHushgate(): Promise<{ proc: ChildProcess; port: number; dir: string }> {
  const sipPort = await port(0);
  const dir = mkdtempSync(join(tmpdir(), 'hg-bench-'));
  const cfg = {
    dataDir: join(dir, 'data'),
    log: { level: 'warn' },
    sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'] },
    admin: { host: '127.0.0.1', port: await port(1) },
    media: { host: '127.0.0.1', rtpPortMin: portBase ? portBase + 100 : 20000, rtpPortMax: portBase ? portBase + 999 : 29999 },
    accounts: [{ id: 'bench', applications: [{ id: 'cps', numbers: ['service', DIALLED], mode: 'hold' }] }],
  };
  writeFileSync(join(dir, 'c.yaml'), stringify(cfg));
  const proc = spawn(process.execPath, [...(process.env.HUSHGATE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(REPO, 'dist/cli/main.js'), 'start', '-c', join(dir, 'c.yaml')], { stdio: ['ignore', 'ignore', 'inherit'] });
  await answering(sipPort);
  await new Promise((r) => setTimeout(r, 1000)); // the rest of start-up (admin API, workers) settles
  return { proc, port: sipPort, dir };
}

async function startKamailio(): Promise<{ proc: ChildProcess; port: number; dir: string }> {
  const kamPort = await port(2);
  const dir = mkdtempSync(join(tmpdir(), 'kam-bench-'));
  const cfg = readFileSync(join(REPO, 'bench/kamailio/sl-200.cfg'), 'utf8').replace('KAMAILIO_PORT', String(kamPort));
  writeFileSync(join(dir, 'k.cfg'), cfg);
  const proc = spawn('kamailio', ['-f', join(dir, 'k.cfg'), '-DD', '-E', '-P', join(dir, 'k.pid'), '-Y', dir, '-m', '256', '-M', '32'], { stdio: ['ignore', 'ignore', 'ignore'] });
  await answering(kamPort);
  return { proc, port: kamPort, dir };
}

type Server = { proc: ChildProcess; port: number; dir: string };
type Measured = { latency: Awaited<ReturnType<typeof latencyAt100>> | null; max: Awaited<ReturnType<typeof maxSustained>> };

/** Latency at 100 calls/s (skipped when --from starts the ladder above it), then the ladder. */
async function measure(start: () => Promise<Server>): Promise<Measured | null> {
  const s = await start();
  const target = `127.0.0.1:${s.port}`;
  try {
    const latency = fromRate <= 100 ? await latencyAt100(target) : null;
    const max = await maxSustained(target, s.proc.pid!);
    return { latency, max };
  } finally {
    // Also when a run throws (SIPp missing, a broken scenario): no server is left behind.
    s.proc.kill('SIGTERM');
    if (s.proc.exitCode === null && s.proc.signalCode === null) await new Promise((r) => s.proc.once('exit', r));
    rmSync(s.dir, { recursive: true, force: true });
  }
}

function figures(m: Measured | null) {
  if (!m) return null;
  return { maxRate: m.max.maxRate, capped: m.max.capped, cpuUsPerCall: m.max.cpuUsPerCall, p99msAt100: m.latency?.p99ms ?? null, runs: m.max.runs, latency100: m.latency };
}

const hg = only === 'kamailio' ? null : await measure(startHushgate);
const kam = only === 'hushgate' ? null : await measure(startKamailio);

report('sip-cps', {
  durationSec: duration,
  numbers,
  hushgate: figures(hg),
  kamailio: figures(kam),
  ratio: hg && kam && kam.max.maxRate ? Math.round((hg.max.maxRate / kam.max.maxRate) * 1000) / 1000 : null,
  ratioMeasured: !!hg && !!kam && !hg.max.capped && !kam.max.capped,
  targets: { maxRate: 2000, p99msAt100: 10 },
}, 'SIPp and the server under test share the 2 cores; each ladder climbs until its first run with a failed call (or --max, then capped: true). CPU per call is the server process tree (utime + stime) over the rung divided by its successful calls.');
