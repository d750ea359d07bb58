/** An admin server in this process over real SQLite stores in a temp dir (control region `eu`, plus `us`). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { TenancyStore } from '../../src/tenancy/tenancy-store.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { ApiKeyStore } from '../../src/admin/api-keys.js';
import { buildAdminServer, type AdminServer } from '../../src/admin/server.js';
import { openTraining, type TrainingService } from '../../src/training/service.js';
import type { AdminServices, LiveCallSource } from '../../src/admin/services.js';
import type { RateLimit } from '../../src/admin/rate-limit.js';

export interface AdminEnv {
  dir: string;
  store: Store;
  tenancy: TenancyStore;
  keys: ApiKeyStore;
  training: TrainingService;
  server: AdminServer;
  liveCalls: LiveCallSource[];
  clock: { t: number };
  close(): Promise<void>;
}

export async function makeAdmin(opts: { rateLimit?: RateLimit; extra?: Partial<AdminServices> } = {}): Promise<AdminEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-admin-'));
  const regions = { eu: { store: { kind: 'sqlite' as const } }, us: { store: { kind: 'sqlite' as const } } };
  const store = await openStore('eu', regions.eu.store, dir);
  const tenancy = await TenancyStore.open(store, { defaultCountry: 'US', regions: Object.keys(regions), keyStore: new FileKeyStore(join(dir, 'keys')) });
  const keys = await ApiKeyStore.open(store);
  const training = await openTraining({ dataDir: dir, defaultCountry: 'US', regions, accounts: [] });
  const clock = { t: Date.UTC(2026, 0, 1) };
  const liveCalls: LiveCallSource[] = [];
  const server = await buildAdminServer({
    registry: new Registry(), ready: () => true, tenancy, keys, training, calls: () => liveCalls,
    outbox: async () => [{ region: 'eu', depth: 3, oldestAgeSeconds: 1.5 }],
    rateLimit: opts.rateLimit ?? { perMinute: 1_000_000, burst: 1_000_000 }, now: () => clock.t, ...opts.extra,
  });
  return {
    dir, store, tenancy, keys, training, server, liveCalls, clock,
    async close() {
      await server.app.close();
      await training.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function auth(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
