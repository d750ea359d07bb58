/** A Gateway in this process (real sockets), with its CallEvents and log lines collected for assertions. */
import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Gateway } from '../../src/gateway/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import type { CallEvent } from '../../src/call/call-events.js';
import { freePort, freeUdpRange } from './ports.js';

export interface InProcessGateway {
  gw: Gateway;
  sipPort: number;
  events: (CallEvent & Record<string, unknown>)[];
  logs: string[];
  waitForEvent(pred: (e: CallEvent & Record<string, unknown>) => boolean, timeoutMs?: number): Promise<CallEvent & Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startInProcessGateway(config: Record<string, unknown>, configDir?: string): Promise<InProcessGateway> {
  const sipPort = await freePort();
  const rtp = await freeUdpRange(40);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const { createLogger } = await import('../../src/log/logger.js');
  const log = createLogger({ level: 'info' }, sink as unknown as pino.DestinationStream);
  const dataDir = mkdtempSync(join(tmpdir(), 'hushgate-inproc-'));
  const gw = new Gateway(
    parseConfig({
      dataDir,
      sip: { host: '127.0.0.1', port: sipPort, transports: ['udp'] },
      admin: { port: 0 },
      media: { host: '127.0.0.1', rtpPortMin: rtp, rtpPortMax: rtp + 39 },
      ...config,
    }),
    log,
    configDir,
  );
  await gw.start();
  const events: (CallEvent & Record<string, unknown>)[] = [];
  const waiters: { pred: (e: CallEvent & Record<string, unknown>) => boolean; resolve: (e: CallEvent & Record<string, unknown>) => void }[] = [];
  gw.calls.on('event', (e) => {
    const ev = e as CallEvent & Record<string, unknown>;
    events.push(ev);
    for (const w of [...waiters]) if (w.pred(ev)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(ev));
  });
  return {
    gw,
    sipPort,
    events,
    logs,
    waitForEvent(pred, timeoutMs = 15_000) {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`event not seen in ${timeoutMs} ms; saw: ${events.map((e) => e.type).join(', ')}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
    stop: () => gw.stop(0),
  };
}
