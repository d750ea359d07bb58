/** SIP over TCP (RFC 3261 §18.3): a `StreamTransport` over `node:net`. */
import { connect } from 'node:net';
import { StreamTransport } from './stream.js';
import type { ConnectionLimits } from './limits.js';

export async function listenTcp(host: string, port: number, maxMessageBytes: number, limits?: Partial<ConnectionLimits>): Promise<StreamTransport> {
  const t = new StreamTransport('TCP', {
    maxMessageBytes,
    idleMs: 15 * 60_000,
    limits,
    connect: (dest) => connect({ host: dest.address, port: dest.port, noDelay: true }),
  });
  await t.listen(host, port);
  return t;
}
