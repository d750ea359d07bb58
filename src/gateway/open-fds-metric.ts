/**
 * `process_open_fds` without stalling the media thread. prom-client's default collector counts
 * /proc/self/fd with `readdirSync` on the event loop at every scrape: with two sockets per call
 * that is 2,000+ entries at 1,000 calls, ≈ 2 ms during which no packet is read or sent (issue 19;
 * docs/media-rtp.md "Pauses on the media path"). Same name, help and value, read asynchronously
 * (libuv's thread pool does the directory read; the loop only gets the count).
 */
import { readdir } from 'node:fs/promises';
import { Gauge, type Registry } from 'prom-client';

const NAME = 'process_open_fds';

/** Replace the default collector's `process_open_fds` in `registry` (Linux only; elsewhere it was never registered). */
export function registerAsyncOpenFds(registry: Registry): void {
  if (process.platform !== 'linux' || registry.getSingleMetric(NAME) === undefined) return;
  registry.removeSingleMetric(NAME);
  new Gauge({
    name: NAME,
    help: 'Number of open file descriptors.',
    registers: [registry],
    async collect() {
      try {
        // Minus 1: the descriptor the read itself had open, as the default collector counts.
        this.set((await readdir('/proc/self/fd')).length - 1);
      } catch {
        /* as the default collector: leave the last value */
      }
    },
  });
}
