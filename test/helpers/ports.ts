/**
 * Free loopback ports for tests: a port free on both UDP and TCP (SIP listens on both).
 * HUSHGATE_TEST_PORTS=MIN-MAX keeps every port picked here inside that range (a bench run by hand
 * on a machine whose users each have their own range); unset, the system's ephemeral ports.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

function range(): [number, number] | undefined {
  const m = /^(\d+)-(\d+)$/.exec(process.env.HUSHGATE_TEST_PORTS ?? '');
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (!(lo > 0 && hi <= 65535 && hi - lo >= 64)) throw new Error(`HUSHGATE_TEST_PORTS ${process.env.HUSHGATE_TEST_PORTS}: want MIN-MAX, at least 64 ports`);
  return [lo, hi];
}

export async function freePort(): Promise<number> {
  const r = range();
  for (let attempt = 0; attempt < 50; attempt++) {
    const want = r ? r[0] + Math.floor(Math.random() * (r[1] - r[0] + 1)) : 0;
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', (e) => (r ? resolve(-1) : reject(e)));
      s.listen(want, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    if (port < 0) continue;
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
    const r = range();
    const base = r ? r[0] + 2 * Math.floor((Math.random() * (r[1] - r[0] + 1 - count)) / 2) : 20000 + 2 * Math.floor(Math.random() * 20000);
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
