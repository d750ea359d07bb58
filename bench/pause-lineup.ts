/**
 * `bench/pause-lineup DIR [mode]`: what made each receive spike of a `bench/media --trace DIR` run
 * (docs/media-rtp.md "Pauses on the media path").
 *
 * A spike is a burst of late arrivals at the generator (inter-arrival more than 4 ms off 20 ms,
 * bins within 3 ms of each other, at least a tenth of the calls): one pause seen by many streams at
 * once. For each, the 30 ms before it are searched for a cause on both timelines:
 *  - gwPreempted: a gateway tick there whose thread waited > 2 ms for its CPU (another process on
 *    the pinned core — nothing the media path can remove);
 *  - gwGC / gwScrape: a gateway GC or /metrics scrape overlapping it;
 *  - gwLongTick: (when neither of those) a gateway tick > 3 ms late or > 2 ms longer than the
 *    window's median tick without a wait: the gateway's own work;
 *  - genPreempted / genGC: the same for the load generator (its receive timestamps are the measure);
 *  - unexplained: none of them.
 * Prints one JSON line per measured window: late arrivals, their share of all gaps (a step fails
 * its p99 at ≥ 1 %), and spikes and late arrivals per cause (causes joined with '+').
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface GatewayTrace {
  gc: Array<{ at: number; ms: number; kind: string }>;
  lateTicks: Array<{ at: number; latenessMs: number; costMs: number; runqueueWaitMs: number }>;
  scrapes: Array<{ at: number; ms: number }>;
}
interface GeneratorTrace {
  gc: Array<{ at: number; ms: number }>;
  pumpLate: Array<{ at: number; lateMs: number; runqueueWaitMs: number }>;
  windows: Array<{ calls: number; start: number; end: number; spikes: Array<{ at: number; streams: number }> }>;
}

const dir = process.argv[2];
const mode = process.argv[3] ?? 'plain';
if (!dir) {
  process.stderr.write('usage: bench/pause-lineup.ts DIR [mode]\n');
  process.exit(2);
}
const gw = JSON.parse(readFileSync(join(dir, `gateway-${mode}.json`), 'utf8')) as GatewayTrace;
const gen = JSON.parse(readFileSync(join(dir, `generator-${mode}.json`), 'utf8')) as GeneratorTrace;

for (const w of gen.windows) {
  const clusters: Array<{ start: number; end: number; n: number }> = [];
  for (const s of w.spikes) {
    const last = clusters.at(-1);
    if (last && s.at - last.end <= 3) {
      last.end = s.at;
      last.n += s.streams;
    } else clusters.push({ start: s.at, end: s.at, n: s.streams });
  }
  const spikes = clusters.filter((c) => c.n >= w.calls / 10);
  const ticks = gw.lateTicks.filter((t) => t.at >= w.start - 100 && t.at <= w.end);
  const costs = ticks.map((t) => t.costMs).sort((a, b) => a - b);
  const medianCost = costs[costs.length >> 1] ?? 0;
  const byCause: Record<string, { spikes: number; lateArrivals: number }> = {};
  for (const c of spikes) {
    const from = c.start - 30;
    const to = c.end + 1;
    const near = (at: number, ms = 0) => at + ms >= from && at <= to;
    const causes: string[] = [];
    const gwTicks = ticks.filter((t) => near(t.at));
    if (gwTicks.some((t) => t.runqueueWaitMs > 2)) causes.push('gwPreempted');
    if (gw.gc.some((g) => near(g.at, g.ms))) causes.push('gwGC');
    if (gw.scrapes.some((g) => near(g.at, g.ms))) causes.push('gwScrape');
    if (causes.length === 0 && gwTicks.some((t) => t.latenessMs > 3 || t.costMs > medianCost + 2)) causes.push('gwLongTick');
    if (gen.pumpLate.some((p) => near(p.at) && p.runqueueWaitMs > 2)) causes.push('genPreempted');
    if (gen.gc.some((g) => near(g.at, g.ms))) causes.push('genGC');
    const key = causes.length ? causes.join('+') : 'unexplained';
    const e = (byCause[key] ??= { spikes: 0, lateArrivals: 0 });
    e.spikes++;
    e.lateArrivals += c.n;
  }
  const late = w.spikes.reduce((a, s) => a + s.streams, 0);
  const gaps = (w.calls * (w.end - w.start)) / 20;
  process.stdout.write(
    JSON.stringify({ calls: w.calls, lateArrivals: late, lateShareOfGapsPct: Math.round((10000 * late) / gaps) / 100, spikes: spikes.length, gatewayTickCostMedianMs: Math.round(medianCost * 100) / 100, byCause }) + '\n',
  );
}
