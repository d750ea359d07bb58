/** SIP over TCP (RFC 3261 §18.3): a `StreamTransport` over `node:net`. */
import { createServer, connect } from 'node:net';
import { StreamTransport } from './stream.js';

export async function listenTcp(host: string, port: number, maxMessageBytes: number): Promise<StreamTransport> {
  const t = new StreamTransport('TCP', createServer({ noDelay: true }), {
    maxMessageBytes,
    idleMs: 15 * 60_000,
    connect: (dest) => connect({ host: dest.address, port: dest.port, noDelay: true }),
  });
  await t.listen(host, port);
  return t;
}
