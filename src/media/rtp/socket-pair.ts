/**
 * Binds an RTP/RTCP UDP socket pair on a port pair from the pool, skipping pairs that fail to
 * bind (another process holds the port) until one works or every pair has been tried.
 *
 * Owns: the only place media touches `dgram.bind`. Failure is a value (`exhausted` when the pool
 * is empty, `no bindable port` when every free pair failed to bind).
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

export async function bindRtpPair(pool: PortPool, address: string): Promise<Result<BoundPair, 'exhausted' | 'no bindable port'>> {
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
