/**
 * Binds an RTP/RTCP UDP socket pair on a port pair from the pool, skipping pairs that fail to
 * bind (another process holds the port) until one works or every pair has been tried.
 *
 * Owns: the only place media touches `dgram.bind`. Failure is a value (`exhausted` when the pool
 * is empty, `no bindable port` when every free pair failed to bind).
 *
 * Warm pairs (`PortPool.warmPairs` > 0): a few pairs are kept bound ahead of need, per pool and
 * address, so a new call takes one at once instead of waiting for two binds (two lookups, two bind
 * syscalls, two 'listening' events — event-loop turns other calls' work lands between, under load)
 * between its INVITE and its 200. The reserve is topped up on a later turn (setImmediate), after
 * the call that took a pair has answered. A reserved socket is unref'd (it must not keep a
 * stopping process alive) and has no reader but a no-op error listener: whatever reaches it before
 * a call owns it is dropped, as on a closed port. The CPU of a bind is the same; only when it is
 * paid moves.
 *
 * Recycled pairs (`PortPool.recycleQuietMs` > 0; docs/media-rtp.md "A pair's life"): a closed call's
 * pair is parked instead of closed — still bound, still read, every datagram dropped and its time
 * noted — and handed to a later call once nothing has reached it for `recycleQuietMs`, with its
 * native reader retargeted rather than restarted (no bind, no close, no reader start/stop per call).
 * A pair that keeps hearing traffic is never reused; after `recycleRetireMs` of it it is closed. With no
 * free port left, the longest-parked pair is taken early (the port a FIFO would have handed out).
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { PortPool } from '../port-pool.js';
import { type Result, ok, err } from '../../result/index.js';
import { systemClock } from '../../time/index.js';
import type { NativeRtpReceive } from './udp-recv.js';

export interface BoundPair {
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
  port: number;
  /** The RTP socket's native reader (udp-recv.ts), kept with the pair while it is parked; null: dgram reads it. */
  native: NativeRtpReceive | null;
}

type BindResult = Result<BoundPair, 'exhausted' | 'no bindable port'>;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

let lastLiteral = '';
let lastFamily = 4;
/**
 * dgram resolves the destination of every `send`, even an IP literal: through `dns.lookup`, which
 * answers a literal on the next tick — a bound function and a tick object per packet, and the
 * packet's bytes are read only after the caller returned (so a buffer could not be reused at once).
 * This lookup answers literals synchronously: the send happens inside `socket.send`, and a buffer
 * the kernel took synchronously is free again when it returns (session.ts relies on this). Names
 * still go to `dns.lookup`.
 */
export function literalLookup(address: string, family: unknown, callback: LookupCallback): void {
  if (address === lastLiteral) {
    callback(null, address, lastFamily);
    return;
  }
  const v = isIP(address);
  if (v !== 0) {
    lastLiteral = address;
    lastFamily = v;
    callback(null, address, v);
    return;
  }
  dns.lookup(address, family as number, callback);
}

function bindOne(address: string, port: number): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', lookup: literalLookup as unknown as dgram.SocketOptions['lookup'] });
    const onError = () => {
      socket.close();
      resolve(null);
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

async function bindFromPool(pool: PortPool, address: string): Promise<BindResult> {
  const attempts = pool.available;
  if (attempts === 0) return err('exhausted');
  for (let i = 0; i < attempts; i++) {
    const got = pool.acquire();
    if (!got.ok) return err('exhausted');
    const port = got.value;
    const rtp = await bindOne(address, port);
    if (rtp) {
      const rtcp = await bindOne(address, port + 1);
      if (rtcp) return ok({ rtp, rtcp, port, native: null });
      rtp.close();
    }
    pool.release(port);
  }
  return err('no bindable port');
}

const ignore = () => {};

/** A closed call's pair waiting for its quiet time (docs/media-rtp.md "A pair's life"). */
interface ParkedPair {
  pair: BoundPair;
  parkedAt: number;
  /** Reusable from then on if nothing is heard before. */
  readyAt: number;
  /** Last datagram heard while parked (−Infinity: none). */
  heardAt: number;
  /** Notes a datagram (dgram listener, or the native reader's target). */
  heard: () => void;
}

/** Per pool: what became of closed calls' pairs (tests, docs). */
export interface RtpPairStats {
  parked: number;
  reused: number;
  /** Taken before their quiet time because no port was free. */
  reusedEarly: number;
  /** Closed after hearing traffic for `recycleRetireMs` while parked. */
  retired: number;
  /** Closed at release: recycling off, or the park full. */
  closed: number;
}

/** The pairs bound ahead of need, and the parked ones, for one pool and address. */
class WarmReserve {
  private readonly pairs: BoundPair[] = [];
  /** FIFO by parking time; `parkedHead` is the oldest (shift() on thousands would copy). */
  private parked: (ParkedPair | undefined)[] = [];
  private parkedHead = 0;
  private filling = false;
  private closed = false;
  readonly stats: RtpPairStats = { parked: 0, reused: 0, reusedEarly: 0, retired: 0, closed: 0 };

  constructor(
    private readonly pool: PortPool,
    private readonly address: string,
  ) {}

  /** A parked pair past its quiet time, else a fresh warm one; ref'd for its call. */
  take(): BoundPair | undefined {
    const pair = this.takeQuiet() ?? this.pairs.shift();
    if (pair) {
      pair.rtp.ref();
      pair.rtcp.ref();
      pair.native?.setRef(true);
    }
    this.topUp();
    return pair;
  }

  /** With no port free: the longest-parked pair, quiet or not (what the FIFO would have handed out). */
  takeEarly(): BoundPair | undefined {
    const p = this.shiftParked();
    if (!p) return undefined;
    this.stats.reusedEarly++;
    const pair = this.unpark(p);
    pair.rtp.ref();
    pair.rtcp.ref();
    pair.native?.setRef(true);
    return pair;
  }

  private takeQuiet(): BoundPair | undefined {
    const now = systemClock.now();
    // A pair that heard something goes to the back with a later readyAt; a few per call at most.
    for (let moves = 0; moves < 4; moves++) {
      const head = this.parked[this.parkedHead];
      if (head === undefined || head.readyAt > now) return undefined;
      this.shiftParked();
      if (now - head.heardAt >= this.pool.recycleQuietMs) {
        this.stats.reused++;
        return this.unpark(head);
      }
      if (now - head.parkedAt >= this.pool.recycleRetireMs) {
        this.stats.retired++;
        this.unpark(head);
        void closePair(this.pool, head.pair);
        continue;
      }
      head.readyAt = head.heardAt + this.pool.recycleQuietMs;
      this.parked.push(head);
    }
    return undefined;
  }

  private shiftParked(): ParkedPair | undefined {
    const p = this.parked[this.parkedHead];
    if (p === undefined) return undefined;
    this.parked[this.parkedHead++] = undefined;
    if (this.parkedHead === this.parked.length) {
      this.parked.length = 0;
      this.parkedHead = 0;
    } else if (this.parkedHead > 1024 && this.parkedHead * 2 > this.parked.length) {
      this.parked = this.parked.slice(this.parkedHead);
      this.parkedHead = 0;
    }
    return p;
  }

  /** Parks a closed call's pair; false when the park is full or closed (then the caller closes it). */
  park(pair: BoundPair): boolean {
    if (this.closed || this.parked.length - this.parkedHead >= this.pool.recycleMaxPairs) return false;
    const now = systemClock.now();
    const p: ParkedPair = { pair, parkedAt: now, readyAt: now + this.pool.recycleQuietMs, heardAt: -Infinity, heard: ignore };
    p.heard = () => {
      p.heardAt = systemClock.now();
    };
    const native = pair.native;
    if (native !== null) {
      // Nothing of the last call's keys opens a datagram again; a reader that cannot be unref'd is
      // stopped (dgram reads and drops instead) so a parked pair never holds a stopping process.
      native.openSrtp(undefined, 0);
      native.retarget(p.heard);
      if (!native.setRef(false)) {
        native.stop(true);
        pair.native = null;
      }
    }
    // Also with a native reader: it may be stopped while parked (udp-recv.ts, before a natural exit), then dgram reads.
    pair.rtp.on('message', p.heard);
    pair.rtcp.on('message', p.heard);
    for (const s of [pair.rtp, pair.rtcp]) {
      s.on('error', ignore);
      s.unref();
    }
    this.parked.push(p);
    this.stats.parked++;
    return true;
  }

  private unpark(p: ParkedPair): BoundPair {
    const { pair } = p;
    this.stats.parked--;
    pair.rtp.off('message', p.heard);
    pair.rtcp.off('message', p.heard);
    pair.rtp.off('error', ignore);
    pair.rtcp.off('error', ignore);
    if (pair.native !== null && !pair.native.active) pair.native = null;
    // Until the next session retargets it, the reader keeps dropping (its call starts in a later microtask).
    return pair;
  }

  /** Binds pairs on a later event-loop turn until `warmPairs` are held or the pool is empty. */
  topUp(): void {
    if (this.filling || this.closed || this.pairs.length >= this.pool.warmPairs) return;
    this.filling = true;
    setImmediate(() => void this.fill());
  }

  private async fill(): Promise<void> {
    try {
      while (!this.closed && this.pairs.length < this.pool.warmPairs && this.pool.available > 0) {
        const r = await bindFromPool(this.pool, this.address);
        if (!r.ok) return;
        if (this.closed) return void closePair(this.pool, r.value);
        for (const s of [r.value.rtp, r.value.rtcp]) {
          s.on('error', ignore);
          s.unref();
        }
        this.pairs.push(r.value);
      }
    } finally {
      this.filling = false;
    }
  }

  close(): void {
    this.closed = true;
    for (const pair of this.pairs.splice(0)) void closePair(this.pool, pair);
    for (let p = this.shiftParked(); p !== undefined; p = this.shiftParked()) void closePair(this.pool, this.unpark(p));
  }
}

/**
 * Stops the pair's native reader, closes both sockets and gives the port back at once (libuv closes
 * a UDP descriptor inside `close()`, so the port binds again right away); resolves on the close callbacks.
 */
function closePair(pool: PortPool, pair: BoundPair): Promise<void> {
  pair.native?.stop(false);
  pair.native = null;
  const closed = Promise.all([
    new Promise<void>((resolve) => pair.rtp.close(() => resolve())),
    new Promise<void>((resolve) => pair.rtcp.close(() => resolve())),
  ]);
  pool.release(pair.port);
  return closed.then(() => undefined);
}

const reserves = new WeakMap<PortPool, Map<string, WarmReserve>>();

function reserveOf(pool: PortPool, address: string): WarmReserve {
  let byAddress = reserves.get(pool);
  if (!byAddress) reserves.set(pool, (byAddress = new Map()));
  let r = byAddress.get(address);
  if (!r) byAddress.set(address, (r = new WarmReserve(pool, address)));
  return r;
}

export async function bindRtpPair(pool: PortPool, address: string): Promise<BindResult> {
  if (pool.warmPairs === 0 && pool.recycleQuietMs === 0) return bindFromPool(pool, address);
  const reserve = reserveOf(pool, address);
  const warm = reserve.take();
  if (warm) return ok(warm);
  const bound = await bindFromPool(pool, address);
  if (bound.ok || pool.recycleQuietMs === 0) return bound;
  const early = reserve.takeEarly();
  return early ? ok(early) : bound;
}

/**
 * A call is done with its pair: parked for a later call when the pool recycles (and the park has
 * room), else its sockets closed and its port given back. Resolves once that is done.
 */
export function releaseRtpPair(pool: PortPool, address: string, pair: BoundPair): Promise<void> {
  // No reserve: the pool was shut down (closeWarmRtpPairs) while this call closed; nothing parks after that.
  const reserve = pool.recycleQuietMs > 0 ? reserves.get(pool)?.get(address) : undefined;
  if (reserve !== undefined) {
    if (reserve.park(pair)) return Promise.resolve();
    reserve.stats.closed++;
  }
  return closePair(pool, pair);
}

/** What became of closed calls' pairs in `pool` (summed over its addresses). */
export function rtpPairStats(pool: PortPool): RtpPairStats {
  const sum: RtpPairStats = { parked: 0, reused: 0, reusedEarly: 0, retired: 0, closed: 0 };
  for (const r of reserves.get(pool)?.values() ?? []) for (const k of Object.keys(sum) as (keyof RtpPairStats)[]) sum[k] += r.stats[k];
  return sum;
}

/** Binds the warm pairs of `pool` now (at start, so the first calls find them). No-op when `warmPairs` is 0. */
export function warmRtpPairs(pool: PortPool, address: string): void {
  if (pool.warmPairs > 0) reserveOf(pool, address).topUp();
}

/** Closes the warm and parked pairs of `pool` and gives their ports back (shutdown, tests). */
export function closeWarmRtpPairs(pool: PortPool): void {
  for (const r of reserves.get(pool)?.values() ?? []) r.close();
  reserves.delete(pool);
}
