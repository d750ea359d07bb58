/**
 * Wires the training module from the configuration: opens one store per region, the file key store
 * under `<dataDir>/keys`, and the capture, reader, eraser and sweeper sharing one data-key ring.
 * An application whose region has no store fails here, at start, with the field's path.
 */
import { join } from 'node:path';
import { RegionStores, type RegionStoreConfig } from '../store/open.js';
import { TrainingCapture, policyLookup } from './capture.js';
import { type Clock, type Timers, systemClock } from './clock.js';
import { type TrainingConfigView, trainingPolicies } from './config.js';
import { DataKeyRing } from './data-keys.js';
import { Eraser, type ErasureParticipant } from './erasure.js';
import { FileKeyStore, type KeyStore } from './keystore.js';
import { TrainingReader } from './reader.js';
import { RetentionSweeper } from './retention.js';

export interface TrainingServiceConfig extends TrainingConfigView {
  dataDir: string;
  defaultCountry: string;
  regions: Record<string, { store: RegionStoreConfig }>;
}

export class RegionConfigError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'RegionConfigError';
  }
}

export interface TrainingService {
  stores: RegionStores;
  keyStore: KeyStore;
  ring: DataKeyRing;
  capture: TrainingCapture;
  reader: TrainingReader;
  eraser: Eraser;
  sweeper: RetentionSweeper;
  close(): Promise<void>;
}

export function checkRegions(cfg: TrainingServiceConfig): void {
  cfg.accounts.forEach((acc, ai) =>
    acc.applications.forEach((app, pi) => {
      if (!(app.region in cfg.regions)) throw new RegionConfigError(`accounts.${ai}.applications.${pi}.region`, `region "${app.region}" has no store configured under regions`);
    }),
  );
}

export async function openTraining(
  cfg: TrainingServiceConfig,
  opts: { keyStore?: KeyStore; clock?: Clock; timers?: Timers; participants?: ErasureParticipant[]; actor?: string } = {},
): Promise<TrainingService> {
  checkRegions(cfg);
  const clock = opts.clock ?? systemClock;
  const keyStore = opts.keyStore ?? new FileKeyStore(join(cfg.dataDir, 'keys'));
  const stores = await RegionStores.open(cfg.regions, cfg.dataDir);
  const policies = trainingPolicies(cfg);
  const policyOf = policyLookup(policies);
  const ring = new DataKeyRing(keyStore);
  const capture = new TrainingCapture({ stores, keyStore, policyOf, ring, clock, defaultCountry: cfg.defaultCountry });
  const reader = new TrainingReader(keyStore, ring, opts.actor);
  const eraser = new Eraser({
    stores, keyStore, clock, defaultCountry: cfg.defaultCountry, rings: [ring], participants: opts.participants,
    regionOf: (a, p) => policyOf(a, p)?.region,
  });
  const sweeper = new RetentionSweeper({ stores, policies, clock, timers: opts.timers });
  return {
    stores, keyStore, ring, capture, reader, eraser, sweeper,
    async close() {
      sweeper.stop();
      await capture.drain();
      await stores.close();
    },
  };
}
