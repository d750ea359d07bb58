/** Free loopback ports for tests: a port free on both UDP and TCP (SIP listens on both). */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpOk = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpOk) return port;
  }
  throw new Error('no free port found');
}

/** A block of `count` consecutive free UDP ports (for an RTP range), starting at an even port. */
export async function freeUdpRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 20000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) {
      ok = await new Promise<boolean>((resolve) => {
        const u = createSocket('udp4');
        u.once('error', () => resolve(false));
        u.bind(p, '127.0.0.1', () => u.close(() => resolve(true)));
      });
    }
    if (ok) return base;
  }
  throw new Error('no free UDP range found');
}
