/**
 * Starts the real gateway process (`node dist/cli/main.js start`) with a generated config on
 * free loopback ports, collects its JSON log lines, and stops it with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { freePort, freeUdpRange } from './ports.js';

export const REPO = resolve(import.meta.dirname, '../..');

export interface RunningGateway {
  sipPort: number;
  adminPort: number;
  rtpBase: number;
  dir: string;
  proc: ChildProcess;
  logs: string[];
  stderr: string[];
  /** Parsed JSON log lines. */
  logEntries(): Record<string, unknown>[];
  waitForLog(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  metrics(): Promise<string>;
  /** Stops the process and removes `dir`, unless `keepDir` (the test reads what is left, then removes it). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number, keepDir?: boolean): Promise<number | null>;
}

export interface StartOptions {
  /**
   * Give the process its own temporary directory (`<dir>/tmp`, mode 0700, as `TMPDIR`), so a test can
   * read what the gateway wrote there too (flite's work files, anything a library spills).
   */
  privateTmp?: boolean;
}

/**
 * A port picked free here can be taken before the spawned gateway binds it (another test file's
 * socket, SIPp's client port: both draw from the same ephemeral range) — seen in `make test` as
 * `bind EADDRINUSE` at start. Such a start is retried on other ports; any other failure is not.
 */
export async function startGateway(config: Record<string, unknown> = {}, opts: StartOptions = {}): Promise<RunningGateway> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startGatewayOnce(config, opts);
    } catch (e) {
      if (attempt >= 3 || !/EADDRINUSE/.test((e as Error).message)) throw e;
    }
  }
}

async function startGatewayOnce(config: Record<string, unknown>, opts: StartOptions): Promise<RunningGateway> {
  const sipPort = await freePort();
  const adminPort = await freePort();
  const rtpBase = await freeUdpRange(40);
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-test-'));
  const env = { ...process.env };
  if (opts.privateTmp) {
    env.TMPDIR = join(dir, 'tmp');
    mkdirSync(env.TMPDIR, { mode: 0o700 });
  }
  const full = {
    dataDir: join(dir, 'data'),
    log: { level: 'info' },
    sip: { host: '127.0.0.1', port: sipPort, ...(config.sip as object) },
    admin: { host: '127.0.0.1', port: adminPort },
    media: { host: '127.0.0.1', rtpPortMin: rtpBase, rtpPortMax: rtpBase + 39, ...(config.media as object) },
    shutdown: { graceSeconds: 2 },
    ...Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'sip' && k !== 'media')),
  };
  const cfgPath = join(dir, 'config.yaml');
  writeFileSync(cfgPath, stringify(full));
  const proc = spawn(process.execPath, [join(REPO, 'dist/cli/main.js'), 'start', '-c', cfgPath], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const stderr: string[] = [];
  let buf = '';
  const waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      logs.push(line);
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const w of [...waiters]) if (w.pred(e)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(e));
    }
  });
  proc.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const gw: RunningGateway = {
    sipPort,
    adminPort,
    rtpBase,
    dir,
    proc,
    logs,
    stderr,
    logEntries: () => logs.flatMap((l) => { try { return [JSON.parse(l) as Record<string, unknown>]; } catch { return []; } }),
    waitForLog(pred, timeoutMs = 10_000) {
      const hit = gw.logEntries().find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`log line not seen within ${timeoutMs} ms; stderr: ${stderr.join('')}`)), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
    async metrics() {
      const r = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
      return r.text();
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000, keepDir = false) {
      let code = proc.exitCode;
      if (code === null) {
        proc.kill(signal);
        const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
        code = await exited;
        clearTimeout(t);
      }
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  try {
    await Promise.race([
      gw.waitForLog((e) => e.msg === 'hushgate started', 15_000),
      exited.then((code) => { throw new Error(`gateway exited with ${code}: ${stderr.join('')}`); }),
    ]);
  } catch (e) {
    await gw.stop('SIGKILL', 1000); // nothing is left behind by a start that failed (its directory included)
    throw e;
  }
  return gw;
}

/** Read a metric's value from Prometheus text. */
export function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}
