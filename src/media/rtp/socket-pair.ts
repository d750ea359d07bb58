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
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { PortPool } from '../port-pool.js';
import { type Result, ok, err } from '../../result/index.js';

export interface BoundPair {
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
  port: number;
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
      if (rtcp) return ok({ rtp, rtcp, port });
      rtp.close();
    }
    pool.release(port);
  }
  return err('no bindable port');
}

const ignore = () => {};

/** The pairs bound ahead of need for one pool and address. */
class WarmReserve {
  private readonly pairs: BoundPair[] = [];
  private filling = false;
  private closed = false;

  constructor(
    private readonly pool: PortPool,
    private readonly address: string,
  ) {}

  take(): BoundPair | undefined {
    const pair = this.pairs.shift();
    if (pair) {
      pair.rtp.ref();
      pair.rtcp.ref();
    }
    this.topUp();
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
        if (this.closed) return release(this.pool, r.value);
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
    for (const pair of this.pairs.splice(0)) release(this.pool, pair);
  }
}

function release(pool: PortPool, pair: BoundPair): void {
  pair.rtp.close();
  pair.rtcp.close();
  pool.release(pair.port);
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
  if (pool.warmPairs === 0) return bindFromPool(pool, address);
  const reserve = reserveOf(pool, address);
  const warm = reserve.take();
  return warm ? ok(warm) : bindFromPool(pool, address);
}

/** Binds the warm pairs of `pool` now (at start, so the first calls find them). No-op when `warmPairs` is 0. */
export function warmRtpPairs(pool: PortPool, address: string): void {
  if (pool.warmPairs > 0) reserveOf(pool, address).topUp();
}

/** Closes the warm pairs of `pool` and gives their ports back (shutdown, tests). */
export function closeWarmRtpPairs(pool: PortPool): void {
  for (const r of reserves.get(pool)?.values() ?? []) r.close();
  reserves.delete(pool);
}
