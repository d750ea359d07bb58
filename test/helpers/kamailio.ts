/** Starts Kamailio (Debian package `kamailio`) on loopback with a configuration from the tests, and stops it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { freeUdpRange } from './ports.js';
import { waitFor } from './wait.js';

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(true));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(false)));
  });
}

export interface RunningKamailio {
  port: number;
  proc: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

export interface KamailioOptions {
  /**
   * Preprocessor defines (`-A NAME=VALUE`) for a configuration written with `#!ifndef` defaults, as
   * `deploy/kamailio/kamailio.cfg` is; `SIP_PORT` (the port chosen here) is always added.
   */
  defines?: Record<string, string | number>;
  /** The port to listen on (default: a free one). */
  port?: number;
}

/** `cfgFile` may contain `KAMAILIO_PORT` and any of `vars`' keys; they are replaced before start. */
export async function startKamailio(cfgFile: string, vars: Record<string, string | number> = {}, opts: KamailioOptions = {}): Promise<RunningKamailio> {
  const port = opts.port ?? (await freeUdpRange(1));
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-test-'));
  let cfg = readFileSync(cfgFile, 'utf8').replaceAll('KAMAILIO_PORT', String(port));
  for (const [k, v] of Object.entries(vars)) cfg = cfg.replaceAll(k, String(v));
  writeFileSync(join(dir, 'k.cfg'), cfg);
  let log = '';
  const defines = opts.defines ? Object.entries({ SIP_PORT: port, ...opts.defines }).flatMap(([k, v]) => ['-A', `${k}=${v}`]) : [];
  const proc = spawn('kamailio', ['-f', join(dir, 'k.cfg'), '-DD', '-E', '-P', join(dir, 'k.pid'), '-Y', dir, '-m', '64', '-M', '8', ...defines], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-400_000)));
  // Ready once its socket holds the port (our bind then fails); bounded.
  const bound = async (): Promise<boolean> => {
    if (proc.exitCode !== null) throw new Error(`kamailio exited: ${log}`);
    return portTaken(port);
  };
  await waitFor(`kamailio to bind 127.0.0.1:${port}`, bound, 10_000).catch((err: Error) => {
    throw proc.exitCode !== null ? err : new Error(`${err.message}: ${log}`);
  });
  return {
    port,
    proc,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await new Promise((r) => proc.once('exit', r));
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
