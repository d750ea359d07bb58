/**
 * Time, as one dependency for the whole gateway: SIP timers, media pacing, call-layer timers
 * (no-input, DTMF collection, max duration), delivery back-off, retention sweeps, token caches
 * and the webhook signer all read time and set timers through a `Clock`, so tests drive them with
 * `FakeClock` in microseconds and can prove that something did *not* happen (a timer that never
 * fired) instead of sleeping.
 *
 * Two readings: `now()` is monotonic (milliseconds from an arbitrary origin, fractional: intervals,
 * deadlines, pacing) and `epochMs()` is the wall clock (timestamps that leave the process: event
 * times, retention, signatures). Timers are unref'd unless asked for (`{ ref: true }`): only work
 * that must keep the process alive — media pacing while calls are up — holds it.
 */
import { performance } from 'node:perf_hooks';

/** Opaque timer handle; pass it back to `clearTimeout`. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface TimerOptions {
  /** Keep the process alive while the timer is armed (default false). */
  ref?: boolean;
}

export interface Clock {
  /** Monotonic milliseconds (fractional), arbitrary origin. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch. */
  epochMs(): number;
  /** Runs `fn` once, `ms` milliseconds from now (never earlier on a fake clock). */
  setTimeout(fn: () => void, ms: number, opts?: TimerOptions): TimerHandle;
  /** Cancels a timer; unknown or undefined handles are ignored. */
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Runs `fn` after pending I/O callbacks, without waiting for time to pass. */
  setImmediate(fn: () => void): void;
}

/** The process clock: `performance.now()`, `Date.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  epochMs: () => Date.now(),
  setTimeout: (fn, ms, opts) => {
    const t = setTimeout(fn, Math.max(0, ms));
    if (!opts?.ref) t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimeout: (h) => {
    if (h !== undefined) clearTimeout(h as unknown as NodeJS.Timeout);
  },
  setImmediate: (fn) => {
    setImmediate(fn);
  },
};

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that moves only when told. `advance(ms)` fires every timer due within the span in
 * deadline order (ties in the order they were set), with `now()` at each timer's deadline (plus
 * `lateness`, to simulate a busy event loop), running immediates after each callback. The wall
 * clock moves with it from `epochStart`.
 */
export class FakeClock implements Clock {
  #t: number;
  readonly #epochStart: number;
  readonly #origin: number;
  #timers: FakeTimer[] = [];
  #immediates: Array<() => void> = [];
  #nextId = 1;
  /** Extra delay added to every timer firing (ms). */
  lateness = 0;

  constructor(opts: { startMs?: number; epochStart?: number } = {}) {
    this.#t = opts.startMs ?? 1000;
    this.#origin = this.#t;
    this.#epochStart = opts.epochStart ?? Date.UTC(2026, 0, 1);
  }

  now(): number {
    return this.#t;
  }

  epochMs(): number {
    return this.#epochStart + (this.#t - this.#origin);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#t + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return timer.id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const id = handle as unknown as number;
    this.#timers = this.#timers.filter((x) => x.id !== id);
  }

  setImmediate(fn: () => void): void {
    this.#immediates.push(fn);
  }

  /** Timers armed and not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing what becomes due. */
  advance(ms: number): void {
    const end = this.#t + ms;
    this.#runImmediates();
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: FakeTimer | undefined;
      for (const x of this.#timers) if (x.at <= end && (!next || x.at < next.at || (x.at === next.at && x.id < next.id))) next = x;
      if (!next) break;
      this.#timers = this.#timers.filter((x) => x !== next);
      this.#t = Math.min(end, Math.max(this.#t, next.at + this.lateness));
      next.fn();
      this.#runImmediates();
    }
    this.#t = Math.max(this.#t, end);
  }

  /**
   * `advance` for promise-driven code: fires one timer at a time and awaits `settle()` (the
   * caller's way to let promise chains run, e.g. a few `setImmediate` turns) before each timer and
   * at the end, so work a timer starts finishes, and may arm the next timer, before that one fires.
   */
  async advanceAsync(ms: number, settle: () => Promise<void>): Promise<void> {
    const end = this.#t + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      await settle();
      this.#runImmediates();
      let next: FakeTimer | undefined;
      for (const x of this.#timers) if (x.at <= end && (!next || x.at < next.at || (x.at === next.at && x.id < next.id))) next = x;
      if (!next) break;
      this.#timers = this.#timers.filter((x) => x !== next);
      this.#t = Math.min(end, Math.max(this.#t, next.at + this.lateness));
      next.fn();
    }
    this.#t = Math.max(this.#t, end);
    await settle();
    this.#runImmediates();
  }

  /** Jumps time without firing anything (a stalled process), then fires what became due. */
  stall(ms: number): void {
    this.#t += ms;
    this.advance(0);
  }

  #runImmediates(): void {
    for (let guard = 0; this.#immediates.length > 0 && guard < 100_000; guard++) this.#immediates.shift()!();
  }
}
