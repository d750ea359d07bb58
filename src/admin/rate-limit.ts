/**
 * Per-key token buckets: `burst` requests at once, refilled at `perMinute / 60` per second. Kept in
 * this process's memory (one bucket per key id, created on first use): with several gateways behind a
 * load balancer each enforces the limit on its own share of the traffic. Time is injected.
 */
/** What the admin routes take tokens from: this process's buckets, or the fleet's (src/fleet/counters.ts). */
export interface KeyRateLimiter {
  /** 0 when allowed, else the milliseconds until a token is available. */
  take(keyId: string, perMinute?: number | null): number | Promise<number>;
}

export interface RateLimit {
  perMinute: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
  limit: RateLimit;
}

export class RateLimiter implements KeyRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly defaults: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; resolves to 0 when allowed, else the milliseconds until one is available. */
  take(keyId: string, perMinute?: number | null): number {
    const limit = perMinute ? { perMinute, burst: Math.min(this.defaults.burst, perMinute) } : this.defaults;
    const t = this.now();
    let b = this.buckets.get(keyId);
    if (!b || b.limit.perMinute !== limit.perMinute) {
      b = { tokens: limit.burst, at: t, limit };
      this.buckets.set(keyId, b);
    }
    const perMs = limit.perMinute / 60_000;
    b.tokens = Math.min(limit.burst, b.tokens + (t - b.at) * perMs);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / perMs);
  }

  forget(keyId: string): void {
    this.buckets.delete(keyId);
  }
}
