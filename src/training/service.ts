/**
 * Wires the training module from the configuration: opens one store per region, the file key store
 * under `<dataDir>/keys`, and the capture, reader, eraser and sweeper sharing one data-key ring.
 * An application whose region has no store fails here, at start, with the field's path.
 */
import { join } from 'node:path';
import { RegionStores, type RegionStoreConfig } from '../store/index.js';
import { TrainingCapture, policyLookup } from './capture.js';
import type { TrainingPolicy } from './config.js';
import { type Clock, systemClock } from '../time/index.js';
import { type TrainingConfigView, trainingPolicies } from './config.js';
import { DataKeyRing } from './data-keys.js';
import { Eraser, type ErasureParticipant } from './erasure.js';
import { FileKeyStore, type KeyStore } from './keystore.js';
import { TrainingReader } from './reader.js';
import { RetentionSweeper } from './retention.js';

export interface TrainingServiceConfig extends TrainingConfigView {
  dataDir: string;
  /** Key directory (default `<dataDir>/keys`). */
  keysDir?: string;
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
  /** The applications' policies in force; `update` follows tenancy changes without a restart. */
  policies: LiveTrainingPolicies;
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

/**
 * The policies of the applications as configured now. The gateway calls `update` when the tenancy
 * store changes (an application added or changed through the admin API), so capture, the sweeper's
 * retention pass and erasure receipts follow without a restart. An application whose region has no
 * store is refused here too (the tenancy store validates regions first; this is the last guard).
 */
export class LiveTrainingPolicies {
  #all: readonly TrainingPolicy[] = [];
  #byApp: (accountId: string, applicationId: string) => TrainingPolicy | undefined = () => undefined;

  constructor(cfg: TrainingConfigView) {
    this.update(cfg);
  }

  update(cfg: TrainingConfigView): void {
    this.#all = trainingPolicies(cfg);
    this.#byApp = policyLookup(this.#all);
  }

  all(): readonly TrainingPolicy[] {
    return this.#all;
  }

  readonly lookup = (accountId: string, applicationId: string): TrainingPolicy | undefined => this.#byApp(accountId, applicationId);
}

export async function openTraining(
  cfg: TrainingServiceConfig,
  opts: { keyStore?: KeyStore; clock?: Clock; participants?: ErasureParticipant[]; actor?: string; nodeId?: string } = {},
): Promise<TrainingService> {
  checkRegions(cfg);
  const clock = opts.clock ?? systemClock;
  const keyStore = opts.keyStore ?? new FileKeyStore(cfg.keysDir ?? join(cfg.dataDir, 'keys'));
  const stores = await RegionStores.open(cfg.regions, cfg.dataDir);
  const policies = new LiveTrainingPolicies(cfg);
  const policyOf = policies.lookup;
  const ring = new DataKeyRing(keyStore);
  const capture = new TrainingCapture({ stores, keyStore, policyOf, ring, clock, defaultCountry: cfg.defaultCountry });
  const reader = new TrainingReader(keyStore, ring, opts.actor);
  const eraser = new Eraser({
    stores, keyStore, clock, defaultCountry: cfg.defaultCountry, rings: [ring], participants: opts.participants, nodeId: opts.nodeId,
    regionOf: (a, p) => policyOf(a, p)?.region,
  });
  const sweeper = new RetentionSweeper({ stores, policies: () => policies.all(), clock });
  return {
    stores, policies, keyStore, ring, capture, reader, eraser, sweeper,
    async close() {
      sweeper.stop();
      await capture.drain();
      await stores.close();
    },
  };
}
