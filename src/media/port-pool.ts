/**
 * RTP port pool: hands out even ports (RTP on the even port, RTCP on the next odd one, RFC 3550
 * §11) from the configured range (`media.rtpPortMin`…`media.rtpPortMax`).
 *
 * Owns: which port pairs are free. O(1) acquire and release through a FIFO ring, so a released
 * pair goes to the back of the queue and is not handed out again at once (late packets of the
 * previous call land on a closed port instead of a new call). It does not bind sockets: the
 * socket layer (`rtp/socket-pair.ts`) binds, and gives back a pair that failed to bind with
 * `release`, which also sends it to the back. Exhaustion is a value, not an exception.
 *
 * `warmPairs` (default 0) asks the socket layer to keep that many pairs bound ahead of need, so a
 * call's INVITE does not wait for two binds (rtp/socket-pair.ts); those pairs count as allocated.
 * `recycleQuietMs` (default 0: off) asks it to park a closed call's pair, still bound and read, and
 * hand it to a later call once nothing has reached it for that long (docs/media-rtp.md "A pair's
 * life"); at most `recycleMaxPairs` are parked, and they count as allocated too.
 */
import { type Result, ok, err } from '../result/index.js';

export class PortPool {
  /** Lowest RTP port (even). */
  readonly first: number;
  /** Number of RTP/RTCP pairs in the range. */
  readonly size: number;
  private readonly queue: Int32Array;
  private head = 0;
  private count: number;
  private readonly inUse: Uint8Array;
  /** Pairs the socket layer keeps bound ahead of need (0: bind when asked). */
  readonly warmPairs: number;
  /** Quiet time before a parked pair serves another call (0: closed pairs are closed, not parked). */
  readonly recycleQuietMs: number;
  /** Most pairs parked at once (each holds two descriptors). */
  readonly recycleMaxPairs: number;
  /** A parked pair that keeps hearing traffic this long is closed, never reused. */
  readonly recycleRetireMs: number;

  /** `min`/`max` bound both ports of every pair: an RTP port p is used only if p + 1 ≤ max. */
  constructor(min: number, max: number, opts: { warmPairs?: number; recycleQuietMs?: number; recycleMaxPairs?: number; recycleRetireMs?: number } = {}) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max > 65535) throw new RangeError('port range must be integers within 0–65535');
    this.first = min % 2 === 0 ? min : min + 1;
    this.size = max - 1 >= this.first ? Math.floor((max - 1 - this.first) / 2) + 1 : 0;
    if (this.size === 0) throw new RangeError('port range holds no even/odd pair');
    this.queue = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) this.queue[i] = this.first + 2 * i;
    this.count = this.size;
    this.inUse = new Uint8Array(this.size);
    this.warmPairs = Math.max(0, Math.min(opts.warmPairs ?? 0, this.size - 1));
    this.recycleQuietMs = Math.max(0, opts.recycleQuietMs ?? 0);
    this.recycleMaxPairs = Math.max(0, Math.floor(opts.recycleMaxPairs ?? 2048));
    this.recycleRetireMs = Math.max(0, opts.recycleRetireMs ?? 30_000);
  }

  /** Next free RTP port (RTCP = port + 1), or `exhausted`. */
  acquire(): Result<number, 'exhausted'> {
    if (this.count === 0) return err('exhausted');
    const port = this.queue[this.head]!;
    this.head = (this.head + 1) % this.size;
    this.count--;
    this.inUse[(port - this.first) >> 1] = 1;
    return ok(port);
  }

  /** Give a pair back (to the back of the queue). Returns false for a port not handed out. */
  release(port: number): boolean {
    const i = (port - this.first) / 2;
    if (!Number.isInteger(i) || i < 0 || i >= this.size || this.inUse[i] === 0) return false;
    this.inUse[i] = 0;
    this.queue[(this.head + this.count) % this.size] = port;
    this.count++;
    return true;
  }

  /** Pairs free now. */
  get available(): number {
    return this.count;
  }

  /** Pairs handed out now. */
  get allocated(): number {
    return this.size - this.count;
  }
}
