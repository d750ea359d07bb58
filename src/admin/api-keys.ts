/**
 * API keys, kept in the control region's store (`admin_api_keys`, created with `store.migrate('admin', …)`).
 *
 * A key is `hg_<id>_<secret>`: `id` (12 hex characters) names the key in the audit log and the API;
 * `secret` is 32 random bytes (base64url). Only SHA-256 of the whole token is stored: the secret has
 * 256 bits of entropy, so a slow password hash would add latency to every request and no security.
 * The token is returned once, at creation. Verification looks the key up by id and compares hashes in
 * constant time; a revoked key (revoked_at set) never verifies again, in any process sharing the store.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Migration, Store } from '../store/index.js';
import { table, tablesMigration } from '../store/index.js';
import { isScope, type Scope } from './scopes.js';

export interface ApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  /** When set, the key sees and changes only this account's resources. */
  accountId: string | null;
  /** Requests per minute for this key; null = the server's default. */
  ratePerMinute: number | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface NewApiKey {
  name: string;
  scopes: Scope[];
  accountId?: string | null;
  ratePerMinute?: number | null;
}

const apiKeys = table({
  name: 'admin_api_keys',
  columns: [
    { name: 'id', type: 'text', primaryKey: true },
    { name: 'name', type: 'text' },
    { name: 'hash', type: 'text' },
    { name: 'scopes', type: 'text' },
    { name: 'account_id', type: 'text', nullable: true },
    { name: 'rate_per_minute', type: 'integer', nullable: true },
    { name: 'created_at', type: 'bigint' },
    { name: 'revoked_at', type: 'bigint', nullable: true },
  ],
});
const migrations: Migration[] = [tablesMigration({ version: 1, description: 'api keys', tables: [apiKeys] })];

const TOKEN = /^hg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function fromRow(r: Record<string, unknown>): ApiKey {
  return {
    id: String(r.id),
    name: String(r.name),
    scopes: (JSON.parse(String(r.scopes)) as string[]).filter(isScope),
    accountId: r.account_id == null ? null : String(r.account_id),
    ratePerMinute: r.rate_per_minute == null ? null : Number(r.rate_per_minute),
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at == null ? null : Number(r.revoked_at),
  };
}

export class ApiKeyStore {
  private constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  static async open(store: Store, now: () => number = Date.now): Promise<ApiKeyStore> {
    await store.migrate('admin', migrations);
    return new ApiKeyStore(store, now);
  }

  /** Creates a key; the token is in the result and nowhere else. */
  async create(k: NewApiKey): Promise<{ key: ApiKey; token: string }> {
    const id = randomBytes(6).toString('hex');
    const token = `hg_${id}_${randomBytes(32).toString('base64url')}`;
    const createdAt = this.now();
    await this.store.execute('INSERT INTO admin_api_keys (id, name, hash, scopes, account_id, rate_per_minute, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      id, k.name, hashToken(token).toString('hex'), JSON.stringify([...new Set(k.scopes)]), k.accountId ?? null, k.ratePerMinute ?? null, createdAt,
    ]);
    return { key: { id, name: k.name, scopes: [...new Set(k.scopes)], accountId: k.accountId ?? null, ratePerMinute: k.ratePerMinute ?? null, createdAt, revokedAt: null }, token };
  }

  /** The key a bearer token belongs to, if the token is genuine and the key not revoked. */
  async verify(token: string): Promise<ApiKey | undefined> {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const [row] = await this.store.query<Record<string, unknown>>('SELECT * FROM admin_api_keys WHERE id = ?', [m[1]]);
    if (!row || row.revoked_at != null) return undefined;
    const stored = Buffer.from(String(row.hash), 'hex');
    const given = hashToken(token);
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
    return fromRow(row);
  }

  async get(id: string): Promise<ApiKey | undefined> {
    const [row] = await this.store.query<Record<string, unknown>>('SELECT * FROM admin_api_keys WHERE id = ?', [id]);
    return row ? fromRow(row) : undefined;
  }

  async list(): Promise<ApiKey[]> {
    return (await this.store.query<Record<string, unknown>>('SELECT * FROM admin_api_keys ORDER BY created_at, id')).map(fromRow);
  }

  /** Resolves to false when there is no such key; revoking twice keeps the first time. */
  async revoke(id: string): Promise<boolean> {
    if (!(await this.get(id))) return false;
    await this.store.execute('UPDATE admin_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [this.now(), id]);
    return true;
  }
}
