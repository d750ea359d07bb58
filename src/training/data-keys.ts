/**
 * `DataKeyRing`: finds or creates the data key of a scope (account, application, region, caller
 * pseudonym, callee pseudonym), unwraps it through the KeyStore, and caches unwrapped keys in memory
 * (bounded, oldest evicted). Also re-wraps every data key of a region under a new KEK (rotation):
 * payloads are not touched.
 *
 * Scope note: the brief asks for keys per (account, application, caller). We scope by the caller *and*
 * callee pseudonym, so erasing either party's number destroys every key their records were sealed
 * under; for inbound calls to one DID this is still one key per caller.
 */
import { randomUUID } from 'node:crypto';
import type { DataKeyRow, DataKeyScope, Store } from '../store/index.js';
import { TamperedError, dataKeyAad, newDataKey } from './envelope.js';
import type { KeyStore } from './keystore.js';

export interface DataKey {
  id: string;
  key: Buffer;
  /** Set while the key exists only here: the next record batch that uses it stores it in the same transaction. */
  pending?: DataKeyRow;
}

function scopeKey(s: DataKeyScope): string {
  return `${s.region}\u0000${s.accountId}\u0000${s.applicationId}\u0000${s.fromPseudonym}\u0000${s.toPseudonym}`;
}

export class DataKeyRing {
  private readonly byScope = new Map<string, DataKey>();
  private readonly byId = new Map<string, DataKey>();
  private readonly pending = new Map<string, Promise<DataKey>>();

  constructor(
    private readonly keyStore: KeyStore,
    private readonly maxCached = 50_000,
  ) {}

  private remember(scope: string, dk: DataKey): void {
    if (this.byScope.size >= this.maxCached) {
      const oldest = this.byScope.keys().next().value as string;
      const old = this.byScope.get(oldest)!;
      this.byScope.delete(oldest);
      this.byId.delete(old.id);
    }
    this.byScope.set(scope, dk);
    this.byId.set(dk.id, dk);
  }

  private async unwrap(row: DataKeyRow): Promise<Buffer> {
    try {
      return await this.keyStore.unwrapDataKey(row.region, row.kekId, row.wrapped, dataKeyAad(row.id, row));
    } catch {
      throw new TamperedError('data-key', row.id);
    }
  }

  /** The scope's key, created on first use. Concurrent callers for one scope share one look-up. */
  forScope(store: Store, scope: DataKeyScope): Promise<DataKey> {
    const k = scopeKey(scope);
    const hit = this.byScope.get(k);
    if (hit) return Promise.resolve(hit);
    let p = this.pending.get(k);
    if (!p) {
      p = this.load(store, scope, k).finally(() => this.pending.delete(k));
      this.pending.set(k, p);
    }
    return p;
  }

  private async load(store: Store, scope: DataKeyScope, k: string): Promise<DataKey> {
    const row = await store.findDataKey(scope);
    if (!row) {
      // Created here, stored with the first records sealed under it (one transaction, no extra commit).
      // If another gateway stores a key for the scope first, our rows come back orphaned and the capture
      // retries with the stored key.
      const id = randomUUID();
      const key = newDataKey();
      const { kekId, wrapped } = await this.keyStore.wrapDataKey(scope.region, key, dataKeyAad(id, scope));
      const dk: DataKey = { id, key, pending: { id, ...pickScope(scope), kekId, wrapped, createdAt: Date.now() } };
      this.remember(k, dk);
      return dk;
    }
    const dk = { id: row.id, key: await this.unwrap(row) };
    this.remember(k, dk);
    return dk;
  }

  /**
   * The scope's key, durably stored before it is returned. For writers outside the store's own
   * transaction (the event outbox commits to another file): a payload sealed under a key that never
   * reached the store would be unreadable after a restart. If another writer stored a key for the
   * scope first, that one is used.
   */
  async storedForScope(store: Store, scope: DataKeyScope): Promise<DataKey> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const dk = await this.forScope(store, scope);
      const pending = dk.pending;
      if (!pending) return dk;
      const stored = (await store.insertDataKey(pending)) as DataKeyRow | undefined; // undefined: erased meanwhile
      if (stored?.id === dk.id) {
        dk.pending = undefined;
        return dk;
      }
      this.forget(scope); // lost the race: load the stored key next time round
    }
    throw new Error('data key: could not store a key for the scope');
  }

  /** The key a stored record names; undefined when it no longer exists (erased: the record is unreadable by design). */
  async forId(store: Store, id: string): Promise<DataKey | undefined> {
    const hit = this.byId.get(id);
    if (hit && !hit.pending) return hit;
    const row = await store.getDataKey(id);
    if (!row) return undefined;
    const dk = { id, key: await this.unwrap(row) };
    this.remember(scopeKey(row), dk);
    return dk;
  }

  /** Drops a scope's cached key (after erasure, or when the store reports it gone). */
  forget(scope: DataKeyScope): void {
    const k = scopeKey(scope);
    const dk = this.byScope.get(k);
    if (dk) this.byId.delete(dk.id);
    this.byScope.delete(k);
  }

  /** Drops every cached key of a pseudonym (caller or callee) in an application. */
  forgetPseudonym(accountId: string, applicationId: string, pseudonym: string): void {
    for (const [k, dk] of this.byScope) {
      const [, acc, app, from, to] = k.split('\u0000');
      if (acc === accountId && app === applicationId && (from === pseudonym || to === pseudonym)) {
        this.byScope.delete(k);
        this.byId.delete(dk.id);
      }
    }
  }

  /**
   * Rotation: makes a new KEK current for the store's region and re-wraps every data key still under an
   * older one. Resumable: run it again after a crash and it continues where it stopped.
   */
  async rotate(store: Store, batch = 1000): Promise<{ kekId: string; rewrapped: number }> {
    const kekId = await this.keyStore.rotateKek(store.region);
    let rewrapped = 0;
    let after = '';
    for (;;) {
      const rows = await store.listDataKeys(after, batch);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.kekId === kekId || row.region !== store.region) continue;
        const key = await this.unwrap(row);
        const w = await this.keyStore.wrapDataKey(store.region, key, dataKeyAad(row.id, row));
        if (await store.rewrapDataKey(row.id, row.kekId, w.kekId, w.wrapped)) rewrapped++;
      }
      after = rows[rows.length - 1]!.id;
    }
    return { kekId, rewrapped };
  }
}

function pickScope(s: DataKeyScope): DataKeyScope {
  return { accountId: s.accountId, applicationId: s.applicationId, region: s.region, fromPseudonym: s.fromPseudonym, toPseudonym: s.toPseudonym };
}
