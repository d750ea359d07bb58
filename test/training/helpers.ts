/** Shared set-up for the training tests: temp data dir, file key store, SQLite region stores, the one FakeClock (wall time from 2026-01-01). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegionStores } from '../../src/store/open.js';
import { TrainingCapture, policyLookup, type CaptureInput } from '../../src/training/capture.js';
import type { TrainingPolicy } from '../../src/training/config.js';
import { DataKeyRing } from '../../src/training/data-keys.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { TrainingReader } from '../../src/training/reader.js';
import { FakeClock } from '../../src/time/clock.js';

/** Milliseconds in `n` days, for moving the FakeClock. */
export const days = (n: number): number => n * 86_400_000;

export function policy(over: Partial<TrainingPolicy> = {}): TrainingPolicy {
  return { accountId: 'acme', applicationId: 'support', region: 'eu', enabled: true, includeAudio: false, retentionDays: 30, ...over };
}

export interface Env {
  dir: string;
  clock: FakeClock;
  keyStore: FileKeyStore;
  stores: RegionStores;
  ring: DataKeyRing;
  capture: TrainingCapture;
  reader: TrainingReader;
  policies: TrainingPolicy[];
  cleanup(): Promise<void>;
}

export async function makeEnv(policies: TrainingPolicy[] = [policy()], regions = ['eu', 'us']): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-training-'));
  const clock = new FakeClock();
  const keyStore = new FileKeyStore(join(dir, 'keys'));
  const stores = await RegionStores.open(Object.fromEntries(regions.map((r) => [r, { store: { kind: 'sqlite' as const } }])), dir);
  const ring = new DataKeyRing(keyStore);
  const capture = new TrainingCapture({ stores, keyStore, policyOf: policyLookup(policies), ring, clock, defaultCountry: 'GB' });
  const reader = new TrainingReader(keyStore); // its own ring: reads go through the store, not the capture's cache
  return {
    dir, clock, keyStore, stores, ring, capture, reader, policies,
    async cleanup() {
      await capture.drain();
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let n = 0;
export function utterance(over: Partial<CaptureInput> = {}): CaptureInput {
  n++;
  return {
    accountId: 'acme', applicationId: 'support', callId: `call-${n}@gw.example`,
    from: '+44 20 7946 0958', to: '+1 202 555 0143',
    transcript: `I would like to check my order number [REDACTED] please (${n})`,
    language: 'en-GB', confidence: 0.87, startedAt: Date.UTC(2026, 0, 1, 9), endedAt: Date.UTC(2026, 0, 1, 9, 0, 3),
    context: { node: 'order_status', vgwSessionID: `s-${n}` },
    ...over,
  };
}
