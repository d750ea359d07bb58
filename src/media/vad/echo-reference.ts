/**
 * What this call sent, frame by frame, for telling the caller from our own echo: the energy (dBFS)
 * of the frame sent on each scheduler tick, in a small preallocated ring (a tick that sent nothing
 * records silence, so a paused or stopped prompt stops counting as a possible echo source once its
 * frames leave the echo-delay window). Cost: one energy sum per sent frame, no allocation.
 */
export const SILENT_DB = -130;

export class EchoReference {
  private readonly ring: Float32Array;
  private head = 0; // slot of the most recent tick

  constructor(frames = 32) {
    this.ring = new Float32Array(frames).fill(SILENT_DB);
  }

  get capacity(): number {
    return this.ring.length;
  }

  /** One scheduler tick: the energy of the frame sent on it, or SILENT_DB when nothing was sent. */
  push(energyDb: number): void {
    this.head = (this.head + 1) % this.ring.length;
    this.ring[this.head] = energyDb;
  }

  /** Energy sent `lag` ticks ago (0: the most recent tick). */
  at(lag: number): number {
    const n = this.ring.length;
    return lag >= n ? SILENT_DB : this.ring[(this.head - lag + n) % n]!;
  }

  /** The loudest frame sent between `minLag` and `maxLag` ticks ago (inclusive). */
  maxDb(minLag: number, maxLag: number): number {
    let m = SILENT_DB;
    const n = this.ring.length;
    for (let lag = minLag; lag <= maxLag && lag < n; lag++) {
      const v = this.ring[(this.head - lag + n) % n]!;
      if (v > m) m = v;
    }
    return m;
  }
}
