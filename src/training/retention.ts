/**
 * `RetentionSweeper`: deletes expired training records in batches, at start and then on an interval,
 * in every region store. Two passes per sweep:
 * - records whose stored `expiresAt` has passed (set at capture from the retention then in force);
 * - records older than an application's *current* retention (when an operator shortened it since).
 * Expiry does not depend on the sweeper having run: reads filter `expiresAt > now` themselves, so a
 * gateway that was down for a week returns nothing stale and deletes it all as soon as it starts.
 */
import type { RegionStores } from '../store/index.js';
import { type Clock, type TimerHandle, systemClock } from '../time/index.js';
import { DAY_MS, type TrainingPolicy } from './config.js';

export interface SweepResult {
  expired: number;
  overRetention: number;
  ms: number;
}

export interface RetentionSweeperOptions {
  stores: RegionStores;
  /** The applications' current policies; a function when they change at run time (tenancy API). */
  policies: readonly TrainingPolicy[] | (() => readonly TrainingPolicy[]);
  /** Wall time for expiry and the sweep timer (tests pass a `FakeClock`). */
  clock?: Clock;
  batchSize?: number;
  /** Default hourly. */
  intervalMs?: number;
  onSweep?: (r: SweepResult) => void;
  onError?: (e: unknown) => void;
}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

export class RetentionSweeper {
  private handle: TimerHandle | undefined;
  private running: Promise<SweepResult> | undefined;
  private readonly clock: Clock;

  constructor(private readonly opts: RetentionSweeperOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** One full sweep; concurrent calls share the sweep in progress. */
  sweepOnce(): Promise<SweepResult> {
    if (!this.running) this.running = this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweep(): Promise<SweepResult> {
    const t0 = this.clock.now();
    const now = this.clock.epochMs();
    const batch = this.opts.batchSize ?? 10_000;
    let expired = 0;
    let overRetention = 0;
    for (const store of this.opts.stores.all()) {
      for (;;) {
        const n = await store.deleteExpiredTrainingRecords(now, batch);
        expired += n;
        if (n < batch) break;
        await yieldToEventLoop(); // let captures commit between batches
      }
    }
    const policies = typeof this.opts.policies === 'function' ? this.opts.policies() : this.opts.policies;
    for (const p of policies) {
      if (!this.opts.stores.has(p.region)) continue;
      const store = this.opts.stores.get(p.region);
      const before = now - p.retentionDays * DAY_MS;
      for (;;) {
        const n = await store.deleteTrainingRecordsCapturedBefore(p.accountId, p.applicationId, before, batch);
        overRetention += n;
        if (n < batch) break;
        await yieldToEventLoop();
      }
    }
    const result = { expired, overRetention, ms: this.clock.now() - t0 };
    this.opts.onSweep?.(result);
    return result;
  }

  /** Sweeps now, then every `intervalMs`. Resolves after the first sweep. */
  async start(): Promise<SweepResult> {
    const first = await this.sweepOnce();
    this.arm();
    return first;
  }

  stop(): void {
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** One timer that re-arms itself before each sweep (a fixed cadence, like an interval); unref'd. */
  private arm(): void {
    this.handle = this.clock.setTimeout(() => {
      this.arm();
      this.sweepOnce().catch((e) => this.opts.onError?.(e));
    }, this.opts.intervalMs ?? 3_600_000);
  }
}
