/**
 * `TenancyRouting`: keeps the gateway's `NumberRouter` in step with the tenancy store.
 *
 * The router is an immutable snapshot. A change made through this process's `TenancyStore` rebuilds it
 * at once; a change made by another gateway sharing the store is noticed by polling the store's
 * revision (one indexed single-row read per interval). A rebuild swaps the reference, so the next INVITE
 * sees the new table while live calls keep the `Route` object they were given. A rebuild that fails
 * (store unreachable) keeps the previous router and reports the error.
 */
import { NumberRouter } from './router.js';
import type { TenancyStore } from './tenancy-store.js';
import type { AccountConfig } from './schema.js';
import { systemClock, type Clock, type TimerHandle } from '../time/index.js';

export interface TenancyRoutingOptions {
  defaultCountry: string;
  /** How often to look for changes made by other gateways (ms); 0 disables polling. Default 2000. */
  pollMs?: number;
  /** The poll timer's clock (tests pass a `FakeClock`). */
  clock?: Clock;
  /** After every rebuild, with the accounts the router was built from (for the layers that follow them). */
  onRebuilt?: (router: NumberRouter, revision: number, accounts: AccountConfig[]) => void;
  onError?: (err: unknown) => void;
}

export class TenancyRouting {
  private current: NumberRouter;
  private revision = -1;
  private handle: TimerHandle | undefined;
  private unsubscribe?: () => void;
  private rebuilding: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly tenancy: TenancyStore,
    private readonly opts: TenancyRoutingOptions,
  ) {
    this.current = new NumberRouter([], opts.defaultCountry);
  }

  /** Builds the first router, then follows changes. */
  async start(): Promise<void> {
    await this.rebuild();
    this.unsubscribe = this.tenancy.onChange(() => void this.refresh());
    const pollMs = this.opts.pollMs ?? 2000;
    if (pollMs > 0) this.arm(pollMs);
  }

  /** The poll timer re-arms itself each time it fires (a fixed cadence); unref'd. */
  private arm(pollMs: number): void {
    this.handle = this.clock.setTimeout(() => {
      this.arm(pollMs);
      void this.poll();
    }, pollMs);
  }

  private get clock(): Clock {
    return this.opts.clock ?? systemClock;
  }

  stop(): void {
    this.unsubscribe?.();
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** The router for the next call. */
  router(): NumberRouter {
    return this.current;
  }

  /** Rebuild now; concurrent requests coalesce into at most one more rebuild. */
  refresh(): Promise<void> {
    if (this.rebuilding) {
      this.again = true;
      return this.rebuilding;
    }
    this.rebuilding = (async () => {
      try {
        do {
          this.again = false;
          await this.rebuild();
        } while (this.again);
      } catch (err) {
        this.opts.onError?.(err);
      } finally {
        this.rebuilding = undefined;
      }
    })();
    return this.rebuilding;
  }

  private async poll(): Promise<void> {
    try {
      if ((await this.tenancy.revision()) !== this.revision) await this.refresh();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private async rebuild(): Promise<void> {
    const revision = await this.tenancy.revision();
    const accounts = await this.tenancy.snapshot();
    const router = new NumberRouter(accounts, this.opts.defaultCountry);
    this.current = router;
    this.revision = revision;
    this.opts.onRebuilt?.(router, revision, accounts);
  }
}
