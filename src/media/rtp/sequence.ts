/**
 * RTP sequence-number and timestamp arithmetic with wrap-around, extended sequence tracking
 * (RFC 3550 Appendix A.1) and interarrival jitter (RFC 3550 §6.4.1, Appendix A.8).
 *
 * Owns: the numbers a receiver derives from the header fields alone. No I/O, no clocks: the
 * caller passes arrival times in milliseconds. Used by `receiver-stats.ts` (RTCP report blocks)
 * and by anyone that orders packets (jitter buffer) through `seqDiff`/`tsDiff`.
 */

export const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

/** Signed distance a − b on the 16-bit sequence ring, in [−32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  return ((a - b) << 16) >> 16;
}

/** Signed distance a − b on the 32-bit timestamp ring. */
export function tsDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a + n on the 32-bit timestamp ring (unsigned result). */
export function tsAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** True when sequence number a comes after b (within half the ring). */
export function seqNewer(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/**
 * Per-source sequence state of RFC 3550 A.1: cycles, base, bad-sequence resync, probation.
 * `update` returns whether the packet is valid for delivery (false during probation and for a
 * large jump that has not been confirmed by its successor).
 */
export class SequenceTracker {
  /** Highest sequence number seen (16-bit). */
  maxSeq = 0;
  /** Count of wraps, times 65536. */
  cycles = 0;
  baseSeq = 0;
  badSeq = RTP_SEQ_MOD + 1;
  probation: number;
  received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private started = false;

  /**
   * @param minSequential packets in sequence needed before a new source is valid. RFC 3550
   *   suggests 2; the session uses 1 (accept the first packet) because it already latched and
   *   validated the source and the first packet of a greeting should not be thrown away.
   */
  constructor(private readonly minSequential = 1) {
    this.probation = 0;
  }

  /** Times the source restarted its sequence (a big jump confirmed by a second packet). */
  restarts = 0;

  private init(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  update(seq: number): boolean {
    if (!this.started) {
      this.started = true;
      this.init(seq);
      if (this.minSequential <= 1) {
        this.received++;
        return true;
      }
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = this.minSequential;
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.init(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = this.minSequential - 1;
        this.maxSeq = seq;
      }
      return false;
    } else if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        // Two sequential packets after a big jump: the source restarted. Resync.
        this.init(seq);
        this.restarts++;
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
    }
    // else: duplicate or reordered packet, counted but max not moved.
    this.received++;
    return true;
  }

  /** Extended highest sequence number received (cycles + max). */
  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.started ? this.extendedMax - this.baseSeq + 1 : 0;
  }

  /** Cumulative packets lost (may be negative with duplicates, as RFC 3550 allows). */
  get lost(): number {
    return this.expected - this.received;
  }

  /**
   * Fraction lost since the previous call, as the 8-bit fixed-point value of a report block
   * (lost/expected × 256). Advances the interval.
   */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
  }
}

/**
 * Interarrival jitter J(i) = J(i−1) + (|D(i−1,i)| − J(i−1))/16 (RFC 3550 §6.4.1), in timestamp
 * units. Arrival times are milliseconds; the difference is computed from deltas so neither the
 * 32-bit timestamp wrap nor the epoch size loses precision.
 */
export class JitterEstimator {
  /** Current estimate in timestamp units (float). */
  jitter = 0;
  private lastArrivalMs = 0;
  private lastTimestamp = 0;
  private primed = false;

  constructor(private readonly clockRate = 8000) {}

  update(arrivalMs: number, timestamp: number): void {
    if (!this.primed) {
      this.primed = true;
    } else {
      const d = ((arrivalMs - this.lastArrivalMs) * this.clockRate) / 1000 - tsDiff(timestamp, this.lastTimestamp);
      this.jitter += (Math.abs(d) - this.jitter) / 16;
    }
    this.lastArrivalMs = arrivalMs;
    this.lastTimestamp = timestamp;
  }

  /** Estimate in milliseconds. */
  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRate;
  }

  /** Value for a report block's 32-bit jitter field (timestamp units, truncated). */
  get reportValue(): number {
    return Math.min(0xffffffff, Math.floor(this.jitter)) >>> 0;
  }
}
