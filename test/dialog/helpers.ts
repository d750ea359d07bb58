/**
 * Test helpers for the dialog providers: a throwaway self-signed certificate (openssl, made per
 * test run in a temp dir) for the shared recording server (`../helpers/recording-server.ts`) to
 * speak HTTPS with, and a clock that records back-off delays and skips them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, type TimerHandle } from '../../src/time/clock.js';

export interface TestCert {
  key: string;
  cert: string;
  certFile: string;
  cleanup(): void;
}

export function makeSelfSignedCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-dialog-cert-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1', '-keyout', keyFile, '-out', certFile],
    { stdio: 'ignore', timeout: 20_000 },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The one FakeClock (wall time starting now), recording the delays asked for and jumping to each at once (backoff without waiting). */
class InstantClock extends FakeClock {
  readonly delays: number[] = [];
  constructor() {
    super({ epochStart: Date.now() }); // wall time as now: the test receivers check signature timestamps
  }

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms);
    const h = super.setTimeout(fn, ms);
    queueMicrotask(() => this.advance(ms));
    return h;
  }
}

export function recordingClock(): { clock: FakeClock; delays: number[] } {
  const clock = new InstantClock();
  return { clock, delays: clock.delays };
}
