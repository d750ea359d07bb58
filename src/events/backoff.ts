/**
 * Exponential backoff with full jitter ("Exponential Backoff and Jitter", AWS Architecture Blog):
 * the n-th retry waits a uniformly random time in [0, min(cap, base · 2^(n-1))). Full jitter
 * spreads the retries of many gateways hitting one recovering sink. `random` is injected.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.floor(random() * exp);
}
