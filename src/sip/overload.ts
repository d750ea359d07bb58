/**
 * Overload protection for new calls. A gateway pushed past its capacity must not collapse (every
 * call slow, retransmissions piling up, calls in progress losing their media pacing); it should
 * refuse the calls it cannot take, cheaply and early, with `503 Service Unavailable` and a
 * `Retry-After` (RFC 3261 §21.5.4), so the trunk or SBC can try another gateway.
 *
 * Two signals, either one sheds a new INVITE:
 *  - **capacity**: `maxCalls` calls already in progress (an operator's licence or sizing limit);
 *  - **event-loop lag**: a timer armed for every `windowMs` fired more than `maxLagMs` late (the
 *    last sample). Lag is what an overloaded single-threaded process shows first, before CPU figures
 *    or queue lengths do, and it is exactly what delays the 20 ms media ticks of the calls already up.
 *    (Node's `monitorEventLoopDelay` was tried first: its sampling timer and ours race after a long
 *    block, so a reset could drop the one late sample that mattered.)
 * In-dialog requests (BYE, re-INVITE, ACK) are never shed: they finish or keep existing calls.
 */

export interface OverloadOptions {
  /** Most concurrent calls; undefined: no limit. */
  maxCalls?: number;
  /** Event-loop lag (ms) above which new calls are refused; 0 disables. Default here 500; the configuration default is 0 (off), see docs/sip.md. */
  maxLagMs?: number;
  /** Sampling window (ms). Default 250. */
  windowMs?: number;
}

export type ShedReason = 'capacity' | 'lag';

export class OverloadGuard {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How late the last sampling timer fired, in ms. */
  lagMs = 0;
  readonly shed = { capacity: 0, lag: 0 };

  constructor(private readonly opts: OverloadOptions = {}) {
    if ((opts.maxLagMs ?? 500) > 0) this.arm(opts.windowMs ?? 250);
  }

  private arm(windowMs: number): void {
    const due = performance.now() + windowMs;
    this.timer = setTimeout(() => {
      this.lagMs = Math.max(0, performance.now() - due);
      if (!this.closed) this.arm(windowMs);
    }, windowMs);
    this.timer.unref();
  }

  /** Whether a new call may be taken with `activeCalls` in progress; counts a refusal. */
  admit(activeCalls: number): { ok: true } | { ok: false; reason: ShedReason; retryAfterSec: number } {
    if (this.opts.maxCalls !== undefined && activeCalls >= this.opts.maxCalls) {
      this.shed.capacity++;
      return { ok: false, reason: 'capacity', retryAfterSec: 5 };
    }
    const maxLag = this.opts.maxLagMs ?? 500;
    if (maxLag > 0 && this.lagMs > maxLag) {
      this.shed.lag++;
      return { ok: false, reason: 'lag', retryAfterSec: 1 };
    }
    return { ok: true };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
