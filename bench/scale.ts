/**
 * bench/scale: how the fleet grows on this machine — 1 and 2 gateway processes behind Kamailio's
 * dispatcher (deploy/kamailio/kamailio.cfg, the shipped front) with the shared PostgreSQL and fleet
 * coordination on, and Kamailio alone (stateless 200, bench/kamailio/sl-200.cfg) as the ceiling.
 *
 *   figures.cps.{one,two}.maxRate       highest call set-up rate (INVITE/200/ACK/BYE through the front)
 *                                       sustained for --duration s with 0 failed calls (rate ladder)
 *   figures.cps.kamailioAlone.maxRate   the same ladder against Kamailio answering statelessly
 *   figures.cps.efficiency              two.maxRate / (2 × one.maxRate)              (target ≥ 0.8)
 *   figures.media.{one,two}.maxCalls    most concurrent two-way G.711 calls (SIPp plays a real PCMA
 *                                       capture into `loopback` calls, the gateway echoes) with 0 failed
 *                                       calls and every node's playout scheduler p99 lateness ≤ 5 ms
 *   figures.media.efficiency            two.maxCalls / (2 × one.maxCalls)
 *   figures.dispatcher                  per call at 50 calls/s: INVITE→200 p50/p99 direct to a node and
 *                                       through the front (overheadMs = the difference), and Kamailio's CPU
 *                                       (all its processes) per call
 *
 * SIPp, Kamailio, PostgreSQL and the gateways share the 2 cores: the two-process figure is what one
 * machine gives, not what two machines would. Usage: node --import tsx bench/scale.ts
 * [--duration 10] [--max 1500] [--media-max 400]. The gateways run from dist/ (scripts/bench.sh builds it);
 * needs sip-tester, kamailio and PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { report, percentile, arg } from './lib/report.js';
import { freePort } from '../test/helpers/ports.js';
import { startFleet, type RunningFleet } from '../test/helpers/fleet.js';
import { startKamailio } from '../test/helpers/kamailio.js';
import { metricValue } from '../test/helpers/gateway-process.js';

const REPO = resolve(import.meta.dirname, '..');
const SCENARIO = join(REPO, 'test/sipp/scenarios/fleet-call.xml');
const CAPTURE = '/usr/share/sip-tester/g711a.pcap';
const duration = arg('duration', 10);
const maxRate = arg('max', 1500);
const mediaMax = arg('media-max', 400);

interface Run { rate: number; successful: number; failed: number; rtt: number[] }

async function sipp(target: string, o: { rate: number; calls: number; scenario?: string; builtin?: string; holdMs?: number; limit?: number; timeoutSec: number }): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-scale-'));
  const port = await freePort();
  const args = [
    ...(o.builtin ? ['-sn', o.builtin] : ['-sf', o.scenario ?? SCENARIO, '-key', 'caller', '+15550100001']),
    target, '-s', 'service', '-i', '127.0.0.1', '-p', String(port), '-r', String(o.rate), '-m', String(o.calls),
    '-l', String(o.limit ?? Math.max(100, o.rate * 4)), '-d', String(o.holdMs ?? 0), '-timeout', `${o.timeoutSec}s`, '-nostdin',
    '-trace_stat', '-stf', join(dir, 'stat.csv'), '-trace_rtt', '-rtt_freq', '1', '-max_socket', '10000', '-recv_timeout', '10000',
  ];
  const p = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((r) => p.once('exit', r));
  let successful = 0;
  let failed = 0;
  try {
    const stat = readFileSync(join(dir, 'stat.csv'), 'utf8').trim().split('\n');
    const header = stat[0]!.split(';');
    const last = stat[stat.length - 1]!.split(';');
    successful = Number(last[header.indexOf('SuccessfulCall(C)')]);
    failed = Number(last[header.indexOf('FailedCall(C)')]);
  } catch { /* no statistics: every call counts as failed below */ }
  const rttFile = readdirSync(dir).find((f) => f.includes('_rtt'));
  const rtt = rttFile ? readFileSync(join(dir, rttFile), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(';')[1])).filter(Number.isFinite) : [];
  rmSync(dir, { recursive: true, force: true });
  return { rate: o.rate, successful, failed: failed + (o.calls - successful - failed), rtt };
}

/** Steps the call rate up until a run fails a call; the last clean rate. */
async function ladder(label: string, target: string, builtin?: string) {
  const runs: { rate: number; failed: number }[] = [];
  let best = 0;
  for (const rate of [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000].filter((r) => r <= maxRate)) {
    const r = await sipp(target, { rate, calls: rate * duration, builtin, timeoutSec: duration + 30 });
    runs.push({ rate, failed: r.failed });
    process.stderr.write(`  ${label} ${rate}/s: ${r.successful} ok, ${r.failed} failed\n`);
    if (r.failed > 0) break;
    best = rate;
  }
  return { maxRate: best, runs };
}

/** CPU seconds used so far by a process and its children (Kamailio forks its workers). */
function cpuSeconds(rootPid: number): number {
  const hz = 100;
  let total = 0;
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const pid = Number(d);
      if (pid === rootPid || Number(f[1]) === rootPid) total += (Number(f[11]) + Number(f[12])) / hz;
    } catch { /* gone */ }
  }
  return total;
}

/** Waits (up to 20 s) until no node has a call in progress, so a rung starts from an idle fleet. */
async function settled(fleet: RunningFleet): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    let active = 0;
    for (const n of fleet.nodes) active += metricValue(await n.metrics(), 'hushgate_calls_active') ?? 0;
    if (active === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function schedulerP99(fleet: RunningFleet): Promise<number> {
  let worst = 0;
  for (const n of fleet.nodes) {
    const text = await n.metrics();
    const m = /^hushgate_media_scheduler_lateness_ms\{quantile="0\.99"\} ([0-9.e+-]+)$/m.exec(text);
    worst = Math.max(worst, m ? Number(m[1]) : 0);
  }
  return worst;
}

/**
 * Concurrent media calls: ramp N calls playing a real capture, hold them. `maxCalls`: the last N with
 * 0 failed calls and every node's scheduler p99 lateness ≤ 5 ms; `maxCallsNoFailure`: the last N with
 * 0 failed calls (on a machine shared with other work, lateness is the noise's as much as ours).
 */
async function mediaLadder(label: string, fleet: RunningFleet) {
  const sf = join(mkdtempSync(join(tmpdir(), 'scale-media-')), 'media.xml');
  const xml = readFileSync(SCENARIO, 'utf8')
    .replace('<pause/>', `<nop><action><exec play_pcap_audio="${CAPTURE}"/></action></nop>\n  <pause milliseconds="9000"/>`)
    .replace('RTP/AVP 0 101', 'RTP/AVP 8 101').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000');
  writeFileSync(sf, xml);
  const runs: { calls: number; failed: number; schedulerP99ms: number }[] = [];
  let best = 0;
  let noFailure = 0;
  let clean = true;
  for (const n of [50, 100, 150, 200, 300, 400, 500, 600, 800].filter((x) => x <= mediaMax)) {
    const rate = Math.max(20, Math.ceil(n / 4)); // all N up within about 4 s, then 9 s of audio together
    await settled(fleet);
    const r = await sipp(`127.0.0.1:${fleet.front!.port}`, { rate, calls: n, scenario: sf, limit: n, timeoutSec: 60 });
    const p99 = await schedulerP99(fleet);
    runs.push({ calls: n, failed: r.failed, schedulerP99ms: p99 });
    process.stderr.write(`  ${label} media ${n} calls: ${r.failed} failed, scheduler p99 ${p99} ms\n`);
    if (r.failed > 0) break;
    noFailure = n;
    if (p99 > 5) clean = false;
    if (clean) best = n;
  }
  return { maxCalls: best, maxCallsNoFailure: noFailure, runs };
}

async function withFleet<T>(nodes: number, fn: (f: RunningFleet) => Promise<T>): Promise<T> {
  const fleet = await startFleet({
    nodes,
    rtpPorts: 2000, // 1,000 calls a node: the port pool must not be the limit measured
    accounts: [{ id: 'bench', applications: [{ id: 'cps', numbers: ['service'], mode: 'loopback' }] }],
    config: { shutdown: { graceSeconds: 1, flushSeconds: 0 } },
  });
  try {
    // Let the dispatcher probe every node once before measuring.
    await new Promise((r) => setTimeout(r, 2500));
    return await fn(fleet);
  } finally {
    await fleet.stop();
  }
}

const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);

const one = await withFleet(1, async (f) => {
  const direct = await sipp(`127.0.0.1:${f.nodes[0]!.sipPort}`, { rate: 50, calls: 50 * duration, timeoutSec: duration + 30 });
  const k0 = cpuSeconds(f.front!.proc.pid!);
  const front = await sipp(`127.0.0.1:${f.front!.port}`, { rate: 50, calls: 50 * duration, timeoutSec: duration + 30 });
  const kamCpuPerCallUs = ((cpuSeconds(f.front!.proc.pid!) - k0) / Math.max(1, front.successful)) * 1e6;
  const dispatcher = {
    rate: 50,
    directP50ms: p(direct.rtt, 50), directP99ms: p(direct.rtt, 99),
    frontP50ms: p(front.rtt, 50), frontP99ms: p(front.rtt, 99),
    overheadMs: p(front.rtt, 50) - p(direct.rtt, 50),
    kamailioCpuPerCallUs: Math.round(kamCpuPerCallUs),
    failed: direct.failed + front.failed,
  };
  // Media first: a failed rung of the call-rate ladder leaves calls behind that would skew it.
  const media = await mediaLadder('1 node', f);
  const cps = await ladder('1 node', `127.0.0.1:${f.front!.port}`);
  return { dispatcher, cps, media };
});

const two = await withFleet(2, async (f) => {
  const media = await mediaLadder('2 nodes', f);
  return { media, cps: await ladder('2 nodes', `127.0.0.1:${f.front!.port}`) };
});

const kamDir = mkdtempSync(join(tmpdir(), 'scale-kam-'));
const kam = await startKamailio(join(REPO, 'bench/kamailio/sl-200.cfg'));
const alone = await ladder('kamailio alone', `127.0.0.1:${kam.port}`, 'uac');
await kam.stop();
rmSync(kamDir, { recursive: true, force: true });

report('scale', {
  durationSec: duration,
  cps: {
    one: one.cps, two: two.cps, kamailioAlone: alone,
    efficiency: one.cps.maxRate ? two.cps.maxRate / (2 * one.cps.maxRate) : null,
  },
  media: {
    one: one.media, two: two.media,
    efficiency: one.media.maxCalls ? two.media.maxCalls / (2 * one.media.maxCalls) : null,
    efficiencyNoFailure: one.media.maxCallsNoFailure ? two.media.maxCallsNoFailure / (2 * one.media.maxCallsNoFailure) : null,
  },
  dispatcher: one.dispatcher,
  targets: { efficiency: 0.8 },
}, 'One 2-core machine: SIPp, Kamailio (2 workers), PostgreSQL and the gateways share the cores, so two processes compete with the load generator for the second core; gateways log at info. Ladders stop at the first rung with a failed call.');
