/**
 * A timeline of what paused the media event loop, for lining pauses up with the 20 ms ticks that
 * ran late (issue 19; docs/media-rtp.md "Pauses on the media path"). Off unless the environment
 * names a file: `HUSHGATE_PAUSE_TRACE=/path/trace.json` (bench/media `--trace DIR` sets it).
 *
 * Why a separate trace beside PauseMonitor's percentiles: percentiles say *that* the loop paused,
 * not *when* — and the question is which pause made which tick late. So each GC (start, duration,
 * kind), each scheduler tick late or long by more than `thresholdMs` (when, how late, how long
 * it ran, how long the thread waited for its CPU since the tick before: preemption by other
 * processes on the core, which no change to the media path can remove), and each /metrics scrape (when, how long) is kept with its wall-clock time, which the
 * load generator's own timeline (its receive spikes, its GC) can be lined up against.
 *
 * Fixed-size typed-array rings; per tick one small read of /proc/thread-self/schedstat (tracing only);
 * written once, synchronously, when the gateway stops. `HUSHGATE_PAUSE_TRACE_MS` sets the tick threshold (default 4). Timings only: no call data, no addresses.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:perf_hooks';

const RING = 16384;

/** V8's GC kinds as perf_hooks reports them (entry.detail.kind). */
const GC_KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental-marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

class EventRing {
  readonly at = new Float64Array(RING);
  readonly a = new Float64Array(RING);
  readonly b = new Float64Array(RING);
  readonly c = new Float64Array(RING);
  n = 0;
  add(at: number, a: number, b: number, c = 0): void {
    const i = this.n % RING;
    this.at[i] = at;
    this.a[i] = a;
    this.b[i] = b;
    this.c[i] = c;
    this.n++;
  }
  rows(): Array<[number, number, number, number]> {
    const len = Math.min(this.n, RING);
    const first = this.n - len;
    const out: Array<[number, number, number, number]> = [];
    for (let k = first; k < this.n; k++) {
      const i = k % RING;
      out.push([round(this.at[i]!), round(this.a[i]!), round(this.b[i]!), round(this.c[i]!)]);
    }
    return out;
  }
}

/** This thread's run-queue wait so far (ms; /proc/thread-self/schedstat), or NaN where there is none. */
function runqueueWaitMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

export class PauseTrace {
  /** GC: start (epoch ms), duration ms, V8 kind code. */
  private readonly gcs = new EventRing();
  /** Scheduler ticks late or long: deadline (epoch ms), lateness ms, tick cost ms, run-queue wait since the previous tick ms. */
  private readonly ticks = new EventRing();
  /** /metrics scrapes: start (epoch ms), duration ms, unused. */
  private readonly scrapes = new EventRing();
  /** perf_hooks times are ms since timeOrigin; the trace is in epoch ms so other processes can line up. */
  private readonly origin = performance.timeOrigin;

  constructor(
    readonly file: string,
    readonly thresholdMs = 4,
  ) {}

  /** From the environment (`HUSHGATE_PAUSE_TRACE`; `HUSHGATE_PAUSE_TRACE_MS`, default 4: 0 keeps every tick), or null: tracing off. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): PauseTrace | null {
    const file = env.HUSHGATE_PAUSE_TRACE;
    const ms = Number(env.HUSHGATE_PAUSE_TRACE_MS ?? 4);
    return file ? new PauseTrace(file, Number.isFinite(ms) ? ms : 4) : null;
  }

  gc(startTime: number, duration: number, kind: number): void {
    this.gcs.add(this.origin + startTime, duration, kind);
  }

  private lastWait = runqueueWaitMs();

  /**
   * A scheduler tick (times in performance.now() ms): kept when late or long beyond the threshold,
   * with how long this thread waited for its CPU since the previous tick — a late tick with a
   * matching wait was another process's doing (the core was taken), one without it was ours.
   */
  tick(deadlineMs: number, latenessMs: number, costMs: number): void {
    const wait = runqueueWaitMs();
    const waited = wait - this.lastWait;
    this.lastWait = wait;
    if (latenessMs >= this.thresholdMs || costMs >= this.thresholdMs) this.ticks.add(this.origin + deadlineMs, latenessMs, costMs, waited);
  }

  scrape(startMs: number, durationMs: number): void {
    this.scrapes.add(this.origin + startMs, durationMs, 0);
  }

  toJSON(): Record<string, unknown> {
    return {
      thresholdMs: this.thresholdMs,
      gc: this.gcs.rows().map(([at, ms, kind]) => ({ at, ms, kind: GC_KIND[kind] ?? String(kind) })),
      lateTicks: this.ticks.rows().map(([at, latenessMs, costMs, runqueueWaitMs]) => ({ at, latenessMs, costMs, runqueueWaitMs })),
      scrapes: this.scrapes.rows().map(([at, ms]) => ({ at, ms })),
    };
  }

  /** Write the trace (at stop). A failure to write loses the trace, never the gateway. */
  write(): void {
    try {
      writeFileSync(this.file, JSON.stringify(this.toJSON()));
    } catch {
      /* diagnostics only */
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
