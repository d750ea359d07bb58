/**
 * Time for the media layer. Owns the `Clock` seam (monotonic milliseconds plus timer scheduling)
 * with a real implementation over `performance.now()` and a manual `FakeClock` for tests, and the
 * PCM frame constants every media piece agrees on (8 kHz, 20 ms, 160 samples). Everything in
 * media that waits or measures time takes a `Clock`, so tests run in microseconds and exactly.
 */
import { performance } from 'node:perf_hooks';

/** Telephone audio: 8 kHz mono PCM16, 20 ms frames of 160 samples. */
export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;

export interface TimerHandle {
  /** Opaque; pass back to `clearTimer`. */
  readonly id: number;
}

export interface Clock {
  /** Monotonic, high-resolution milliseconds (fractional). Origin is arbitrary. */
  now(): number;
  /** Run `fn` once after `ms` milliseconds (not earlier than `now() + ms` on a fake clock). */
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /** Run `fn` after pending I/O callbacks, without waiting for time to pass. */
  setImmediate(fn: () => void): void;
}

/**
 * The process clock: `performance.now()` and Node's timers. Timers are ref'd on purpose: while a
 * scheduler has streams the process must stay up (it stops its timer when the last one leaves),
 * and unref'd timers were seen not to fire on time beside a ref'd one on Node 20.
 */
export class RealClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  now(): number {
    return performance.now();
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, Math.max(0, ms));
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }

  setImmediate(fn: () => void): void {
    setImmediate(fn);
  }
}

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that moves only when told. `advance(ms)` runs every timer due within the span, in
 * deadline order, with `now()` set to each timer's deadline (plus `lateness` if set, to simulate
 * a busy event loop), and drains immediates after each callback.
 */
export class FakeClock implements Clock {
  private t: number;
  private timers: FakeTimer[] = [];
  private immediates: Array<() => void> = [];
  private nextId = 1;
  /** Extra delay added to every timer firing (ms) — simulates a late event loop. */
  lateness = 0;

  constructor(startMs = 1000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((x) => x.id !== handle.id);
  }

  setImmediate(fn: () => void): void {
    this.immediates.push(fn);
  }

  /** Number of timers waiting. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Move time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    this.runImmediates();
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: FakeTimer | undefined;
      for (const x of this.timers) if (x.at <= end && (!next || x.at < next.at)) next = x;
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.min(end, Math.max(this.t, next.at + this.lateness));
      next.fn();
      this.runImmediates();
    }
    this.t = Math.max(this.t, end);
  }

  /** Jump time without firing anything (a stalled process), then fire what became due. */
  stall(ms: number): void {
    this.t += ms;
    this.advance(0);
  }

  private runImmediates(): void {
    for (let guard = 0; this.immediates.length > 0 && guard < 100_000; guard++) {
      const fn = this.immediates.shift()!;
      fn();
    }
  }
}
