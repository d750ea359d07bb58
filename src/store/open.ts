/**
 * Opens the store of each configured region. Embedded default: `<dataDir>/regions/<region>.sqlite`;
 * a region may instead name a SQLite path or a PostgreSQL URL. `RegionStores.get` refuses a region
 * that has no store, so nothing can be written "somewhere else" by mistake.
 */
import { join, resolve } from 'node:path';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite.js';
import { PostgresStore } from './postgres.js';

export type RegionStoreConfig = { kind: 'sqlite'; path?: string } | { kind: 'postgres'; url: string };

export function sqlitePathFor(dataDir: string, region: string, path?: string): string {
  return path ? resolve(dataDir, path) : resolve(join(dataDir, 'regions', `${region}.sqlite`));
}

export async function openStore(region: string, cfg: RegionStoreConfig, dataDir: string): Promise<Store> {
  if (!/^[A-Za-z0-9._-]+$/.test(region)) throw new Error(`region name "${region}" must be letters, digits, dot, dash or underscore`);
  return cfg.kind === 'sqlite'
    ? SqliteStore.open({ region, path: sqlitePathFor(dataDir, region, cfg.path) })
    : PostgresStore.open({ region, url: cfg.url });
}

export class UnknownRegionError extends Error {
  constructor(readonly region: string) {
    super(`region "${region}" has no store configured`);
    this.name = 'UnknownRegionError';
  }
}

/** The open stores, one per region. */
export class RegionStores {
  constructor(private readonly stores: ReadonlyMap<string, Store>) {}

  static async open(regions: Record<string, { store: RegionStoreConfig }>, dataDir: string): Promise<RegionStores> {
    const opened = new Map<string, Store>();
    try {
      for (const [region, r] of Object.entries(regions)) opened.set(region, await openStore(region, r.store, dataDir));
    } catch (e) {
      await Promise.all([...opened.values()].map((s) => s.close()));
      throw e;
    }
    return new RegionStores(opened);
  }

  get(region: string): Store {
    const s = this.stores.get(region);
    if (!s) throw new UnknownRegionError(region);
    return s;
  }

  has(region: string): boolean {
    return this.stores.has(region);
  }

  regions(): string[] {
    return [...this.stores.keys()];
  }

  all(): Store[] {
    return [...this.stores.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((s) => s.close()));
  }
}
