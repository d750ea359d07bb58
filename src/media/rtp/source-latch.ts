/**
 * `SourceLatch`: symmetric RTP's choice of where a stream's packets may come from and where ours
 * go (the latching rule in session.ts's header and docs/media-rtp.md), for one socket.
 */
export interface LatchedSource {
  address: string;
  port: number;
  lastAt: number;
}

export class SourceLatch {
  current: LatchedSource | null = null;

  constructor(private readonly relatchSilenceMs: number) {}

  /**
   * Whether a packet from `address:port` at `now` is accepted: from the latched source (refreshes
   * it), or latching a new one — the first source, or any source once the latched one has been
   * silent for `relatchSilenceMs`. `onLatch` hears of a new latch.
   */
  accept(address: string, port: number, now: number, onLatch: (address: string, port: number) => void): boolean {
    const latch = this.current;
    if (latch !== null && latch.address === address && latch.port === port) {
      latch.lastAt = now;
      return true;
    }
    if (latch !== null && now - latch.lastAt < this.relatchSilenceMs) return false;
    this.current = { address, port, lastAt: now };
    onLatch(address, port);
    return true;
  }

  clear(): void {
    this.current = null;
  }
}
