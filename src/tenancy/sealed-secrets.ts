/**
 * Credentials in stored account and application documents (every string under a key `isSecretKey`
 * names, at any depth: dialog passwords, speech API keys, sink tokens) are sealed before the document
 * is written and opened when it is read, so the store's files, its WAL, a backup or a `SELECT` never
 * show them.
 *
 * Envelope encryption with the training module's primitives (no crypto of our own): a fresh data key
 * per value seals it with AES-256-GCM (`envelope.seal`), and the data key is wrapped under the control
 * region's current KEK (`KeyStore.wrapDataKey`). Both are bound (associated data) to the region, the
 * entity kind and id and the JSON path of the value, so a sealed value copied to another application
 * or field does not open. Stored form, one JSON string:
 *
 *   hgsealed:v1.<base64url KEK id>.<base64url wrapped data key>.<base64url sealed value>
 */
import type { KeyStore } from '../training/index.js';
import { encodeAad, newDataKey, open, seal } from '../training/index.js';
import { isSecretKey } from './secrets.js';

const PREFIX = 'hgsealed:v1.';
const SEALED_RE = /^hgsealed:v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;
/** Opened values kept so a routing rebuild does not unwrap every credential again (a KMS round trip each). */
const OPENED_CACHE_MAX = 4096;

export type SealedEntity = 'account' | 'application';

export class SecretOpenError extends Error {
  constructor(readonly entity: SealedEntity, readonly id: string, readonly path: string) {
    super(`${entity} "${id}": the stored credential at ${path} cannot be opened (changed, moved, or its region key is missing)`);
    this.name = 'SecretOpenError';
  }
}

export function isSealed(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** Does the document hold a credential in clear (the migration's question)? */
export function hasClearSecrets(doc: unknown): boolean {
  let found = false;
  walk(doc, [], (v) => {
    if (!isSealed(v)) found = true;
    return v;
  });
  return found;
}

type Visit = (value: string, path: string) => string | Promise<string>;

/** Rebuilds `value` with every secret string replaced by `visit`'s result (`path`: dotted JSON path). */
function walk(value: unknown, path: string[], visit: Visit, pending: Promise<unknown>[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)], visit, pending));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isSecretKey(k) && typeof v === 'string') {
      const r = visit(v, [...path, k].join('.'));
      out[k] = typeof r === 'string' ? r : v; // keeps the key's place; the async result replaces it
      if (typeof r !== 'string') pending.push(r.then((s) => (out[k] = s)));
    } else out[k] = walk(v, [...path, k], visit, pending);
  }
  return out;
}

async function walkAsync(value: unknown, visit: Visit): Promise<unknown> {
  const pending: Promise<unknown>[] = [];
  const out = walk(value, [], visit, pending);
  await Promise.all(pending);
  return out;
}

const b64 = (b: Buffer) => b.toString('base64url');

export class TenancySecrets {
  private readonly opened = new Map<string, string>();

  /** `region`: the control region, whose KEK seals the tenancy store's credentials. */
  constructor(
    private readonly keyStore: KeyStore,
    private readonly region: string,
  ) {}

  private aad(entity: SealedEntity, id: string, path: string): Buffer {
    return encodeAad(['hushgate/tenancy-secret/v1', this.region, entity, id, path]);
  }

  /** Seals every credential string in `doc` (values already sealed are left as they are when `onlyClear`). */
  async seal<T>(doc: T, entity: SealedEntity, id: string, opts: { onlyClear?: boolean } = {}): Promise<T> {
    return (await walkAsync(doc, async (value, path) => {
      if (opts.onlyClear && isSealed(value)) return value;
      const aad = this.aad(entity, id, path);
      const dataKey = newDataKey();
      try {
        const { kekId, wrapped } = await this.keyStore.wrapDataKey(this.region, dataKey, aad);
        return `${PREFIX}${b64(Buffer.from(kekId, 'utf8'))}.${b64(wrapped)}.${b64(seal(dataKey, Buffer.from(value, 'utf8'), aad))}`;
      } finally {
        dataKey.fill(0);
      }
    })) as T;
  }

  /**
   * Opens every sealed credential in `doc`. A credential still in clear (a row written before sealing,
   * not yet migrated) is returned as it is. Throws `SecretOpenError` when one fails to open.
   */
  async open<T>(doc: T, entity: SealedEntity, id: string): Promise<T> {
    return (await walkAsync(doc, async (value, path) => {
      const m = SEALED_RE.exec(value);
      if (!m) return value;
      const cacheKey = `${entity}\0${id}\0${path}\0${value}`;
      const hit = this.opened.get(cacheKey);
      if (hit !== undefined) return hit;
      const aad = this.aad(entity, id, path);
      let dataKey: Buffer;
      try {
        dataKey = await this.keyStore.unwrapDataKey(this.region, Buffer.from(m[1]!, 'base64url').toString('utf8'), Buffer.from(m[2]!, 'base64url'), aad);
      } catch {
        throw new SecretOpenError(entity, id, path);
      }
      const plain = open(dataKey, Buffer.from(m[3]!, 'base64url'), aad);
      dataKey.fill(0);
      if (!plain) throw new SecretOpenError(entity, id, path);
      const text = plain.toString('utf8');
      if (this.opened.size >= OPENED_CACHE_MAX) this.opened.clear();
      this.opened.set(cacheKey, text);
      return text;
    })) as T;
  }
}
