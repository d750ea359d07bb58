/**
 * Time as a dependency. Transactions, dialogs and session timers take a `TimerHost`, so tests
 * drive RFC 3261 timers with a fake clock in microseconds instead of waiting 32 seconds.
 */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface TimerHost {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle | undefined): void;
}

export const realTimers: TimerHost = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t as unknown as TimerHandle;
  },
  clearTimeout: (h) => {
    if (h) clearTimeout(h as unknown as NodeJS.Timeout);
  },
};

/** A manual clock: `advance(ms)` fires due timers in deadline order. */
export class FakeTimers implements TimerHost {
  private t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + Math.max(0, ms), fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(h: TimerHandle | undefined): void {
    if (h !== undefined) this.pending.delete(h as unknown as number);
  }

  /** Number of armed timers. */
  get armed(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let nextId = -1;
      let next: { at: number; fn: () => void } | undefined;
      for (const [id, p] of this.pending) if (p.at <= end && (!next || p.at < next.at || (p.at === next.at && id < nextId))) ((next = p), (nextId = id));
      if (!next) break;
      this.pending.delete(nextId);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}
