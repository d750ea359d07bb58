/**
 * What stalls the event loop that carries the media: event-loop delay (perf_hooks
 * `monitorEventLoopDelay`) and garbage-collection pauses (a `PerformanceObserver` on 'gc'),
 * both as percentiles over a window that restarts at each `take()` — the /metrics scrape, so
 * one scrape interval's worth (bench/media scrapes before and after each measured step).
 *
 * Why its own monitor beside prom-client's default metrics: those give the loop lag at 10 ms
 * resolution and GC durations in coarse buckets (1 ms, 10 ms, …), too coarse to see the
 * few-millisecond pauses that break 20 ms pacing. GC pause samples are kept in a fixed ring
 * (no allocation per pause beyond the observer's entry).
 */
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import type { PauseTrace } from './pause-trace.js';

export interface PauseWindow {
  /** Event-loop delay over the window, ms (resolution 2 ms: the monitor's own timer). */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** GC pauses in the window: how many, their p99 and max, and their total (ms). */
  gcPauseMs: { count: number; p99: number; max: number; total: number };
  /** Window length, ms. */
  windowMs: number;
}

const RING = 4096;

export class PauseMonitor {
  private readonly delay: IntervalHistogram;
  private readonly observer: PerformanceObserver;
  private readonly gc = new Float64Array(RING);
  private gcCount = 0;
  private gcTotal = 0;
  private windowStart = performance.now();

  /** `trace`: also keep each GC's time and kind on a timeline (pause-trace.ts). */
  constructor(private readonly trace: PauseTrace | null = null) {
    this.delay = monitorEventLoopDelay({ resolution: 2 });
    this.delay.enable();
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.gc[this.gcCount % RING] = e.duration;
        this.gcCount++;
        this.gcTotal += e.duration;
        if (this.trace !== null) this.trace.gc(e.startTime, e.duration, ((e as { detail?: { kind?: number } }).detail?.kind ?? -1));
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** The window since the previous call (or start), then a new window begins. */
  take(): PauseWindow {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const d = this.delay;
    const n = Math.min(this.gcCount, RING);
    const sorted = this.gc.slice(0, n).sort();
    const now = performance.now();
    const window: PauseWindow = {
      eventLoopDelayMs: d.count > 0 ? { p50: ms(d.percentile(50)), p99: ms(d.percentile(99)), max: ms(d.max) } : { p50: 0, p99: 0, max: 0 },
      gcPauseMs: {
        count: this.gcCount,
        p99: n > 0 ? round(sorted[Math.min(n - 1, Math.floor(0.99 * n))]!) : 0,
        max: n > 0 ? round(sorted[n - 1]!) : 0,
        total: round(this.gcTotal),
      },
      windowMs: Math.round(now - this.windowStart),
    };
    d.reset();
    this.gcCount = 0;
    this.gcTotal = 0;
    this.windowStart = now;
    return window;
  }

  stop(): void {
    this.delay.disable();
    this.observer.disconnect();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
