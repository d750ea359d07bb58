/**
 * `bench/worker-crossing`: what the media-worker design adds per call and 20 ms frame, in CPU, on
 * top of the work that only moves between threads: a caller frame written to and read from the up
 * ring, a frame to send written to and read from the down ring, and the call's counters written to
 * its shared StatsBlock every 5th frame (rtp.stats() included, from a real RtpSession). Median of 7
 * runs of 200,000 frames; CPU clock (process.cpuUsage), so other processes' load changes little.
 * Compare with bench/media's CPU per call (≈ 0.1 % of a core = 20 µs per call and frame).
 */
import { report, median } from './lib/report.js';
import { createCallRings, ringFrame, FrameKind, STATS_EVERY_TICKS } from '../src/media/worker/index.js';
import { RtpSession } from '../src/media/rtp/session.js';
import { PortPool } from '../src/media/port-pool.js';
import { JitterBuffer } from '../src/media/jitter-buffer.js';

const FRAMES = 200_000;
const RUNS = 7;

async function main(): Promise<void> {
  const rings = createCallRings();
  const rtpR = await RtpSession.open({ ports: new PortPool(47000, 47100), address: '127.0.0.1' });
  if (!rtpR.ok) throw new Error(rtpR.error);
  const rtp = rtpR.value;
  const jb = new JitterBuffer();
  const pcm = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
  const out = ringFrame();
  const cpuUs = (fn: () => void): number => {
    const t = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t);
    return (d.user + d.system) / FRAMES;
  };
  const crossing: number[] = [];
  const statsOnly: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    crossing.push(
      cpuUs(() => {
        for (let i = 0; i < FRAMES; i++) {
          rings.up.write(FrameKind.pcm, false, pcm);
          rings.up.read(out);
          rings.down.write(FrameKind.pcm, false, out.pcm);
          rings.down.read(out);
        }
      }),
    );
    statsOnly.push(
      cpuUs(() => {
        for (let i = 0; i < FRAMES; i++) {
          if (i % STATS_EVERY_TICKS === 0) rings.stats.write({ rtp: rtp.stats(), jitter: jb.stats, framesDecoded: i, framesConcealed: 0, framesSent: i, upDropped: 0, downSkipped: 0 });
        }
      }),
    );
  }
  await rtp.close();
  const c = median(crossing);
  const s = median(statsOnly);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  report('worker-crossing', {
    perCallFrameUs: { ringsBothWays: r3(c), statsBlock: r3(s), total: r3(c + s) },
    /** The same as % of one core per call (50 frames a second). */
    perCallPctOfCore: r3(((c + s) * 50) / 1e6 * 100),
    runs: RUNS,
    framesPerRun: FRAMES,
  }, 'CPU time per call and 20 ms frame the worker design adds (rings both ways + counters). Not included: the second event loop waking every 20 ms (per worker, not per call).');
}

main().catch((err) => {
  process.stderr.write(`bench/worker-crossing failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
