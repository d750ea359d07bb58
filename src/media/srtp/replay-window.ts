/**
 * The SRTP/SRTCP replay list (RFC 3711 §3.3.2): a sliding window of the 64 packet indices at and
 * below the highest authenticated index.
 *
 * Owns: "has this index been seen / is it too old?" and recording an index after it authenticated.
 * Indices are up to 48 bits (SRTP) or 31 bits (SRTCP), exact in a double. The 64-bit bitmap is
 * two uint32 words (bit k ⇔ index `highest - k` was received), so the hot path never touches
 * BigInt. Check before authenticating (cheap rejection), record only after (§3.3: a forged packet
 * must not move the window).
 */

export const REPLAY_WINDOW_SIZE = 64;

export class ReplayWindow {
  private highest = -1;
  /** Bits 0–31: indices highest-0 … highest-31. */
  private lo = 0;
  /** Bits 32–63: indices highest-32 … highest-63. */
  private hi = 0;

  /** The highest index recorded, or -1 before the first. */
  get highestIndex(): number {
    return this.highest;
  }

  /** True when `index` may be accepted: newer than the window, or inside it and not yet seen. */
  check(index: number): boolean {
    if (this.highest < 0) return true;
    const delta = this.highest - index;
    if (delta < 0) return true;
    if (delta >= REPLAY_WINDOW_SIZE) return false;
    return delta < 32 ? (this.lo & (1 << delta)) === 0 : (this.hi & (1 << (delta - 32))) === 0;
  }

  /** Record an authenticated index (call after `check` returned true). */
  record(index: number): void {
    if (this.highest < 0) {
      this.highest = index;
      this.lo = 1;
      this.hi = 0;
      return;
    }
    const delta = this.highest - index;
    if (delta < 0) {
      this.shift(-delta);
      this.highest = index;
      this.lo |= 1;
    } else if (delta < 32) {
      this.lo |= 1 << delta;
    } else if (delta < REPLAY_WINDOW_SIZE) {
      this.hi |= 1 << (delta - 32);
    }
  }

  private shift(n: number): void {
    if (n >= 64) {
      this.lo = 0;
      this.hi = 0;
    } else if (n >= 32) {
      this.hi = n === 32 ? this.lo : this.lo << (n - 32);
      this.lo = 0;
    } else {
      this.hi = (this.hi << n) | (this.lo >>> (32 - n));
      this.lo = this.lo << n;
    }
  }
}
