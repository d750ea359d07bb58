/**
 * Per-trunk admission of new outbound calls: a token bucket for the call rate (on the Clock, so
 * tests drive it on FakeClock) and a count of calls up at once. A refusal says which limit it was.
 */
import type { Clock } from '../../time/index.js';

export class TrunkLimiter {
  #tokens: number;
  #last: number;
  #active = 0;
  readonly #burst: number;

  constructor(
    private readonly limits: { callsPerSecond: number; maxConcurrent: number },
    private readonly clock: Clock,
  ) {
    this.#burst = Math.max(1, limits.callsPerSecond);
    this.#tokens = this.#burst;
    this.#last = clock.now();
  }

  get active(): number {
    return this.#active;
  }

  /** Takes a call slot, or says which limit refuses it. The slot is given back with `release`. */
  acquire(): { ok: true } | { ok: false; limit: 'callsPerSecond' | 'maxConcurrent' } {
    const now = this.clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.limits.callsPerSecond);
    this.#last = now;
    if (this.#active >= this.limits.maxConcurrent) return { ok: false, limit: 'maxConcurrent' };
    if (this.#tokens < 1) return { ok: false, limit: 'callsPerSecond' };
    this.#tokens -= 1;
    this.#active++;
    return { ok: true };
  }

  release(): void {
    if (this.#active > 0) this.#active--;
  }
}
