/**
 * `KeyStore`: where key-encryption keys (KEKs, one current per region) and the per-account pseudonym
 * secrets come from. Data keys never leave the store unwrapped.
 *
 * `FileKeyStore` is the embedded default, under `<dataDir>/keys/` (directory 0700, files 0600,
 * created with O_EXCL so two gateways starting together agree on one key):
 *   master.key                 32 random bytes; pseudonym secrets = HKDF-SHA256(master, salt, info = accountId)
 *   kek/<region>/<n>.key       32 random bytes; KEK id `file:<region>:<n>`; the highest n is current
 * A key file readable by group or others is refused at load.
 *
 * `KmsKeyStore` adapts an external KMS (Vault transit, AWS/GCP/Azure KMS…) that encrypts and decrypts
 * with associated data under a named key: the KEK never enters this process.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KEY_BYTES } from './envelope.js';

export interface WrappedKey {
  kekId: string;
  wrapped: Buffer;
}

export interface KeyStore {
  /** Wraps a data key under the region's current KEK. */
  wrapDataKey(region: string, dataKey: Buffer, aad: Buffer): Promise<WrappedKey>;
  /** Unwraps; rejects (never returns garbage) if the wrapped bytes or the AAD do not match. */
  unwrapDataKey(region: string, kekId: string, wrapped: Buffer, aad: Buffer): Promise<Buffer>;
  currentKekId(region: string): Promise<string>;
  /** Makes a new KEK current for the region; older ones stay usable for unwrapping. */
  rotateKek(region: string): Promise<string>;
  /** The secret keying `phonePseudonym` for an account: stable, and different per account. */
  pseudonymSecret(accountId: string): Promise<Buffer>;
}

export class KeyUnwrapError extends Error {
  constructor(readonly kekId: string) {
    super(`data key failed to unwrap under ${kekId}`);
    this.name = 'KeyUnwrapError';
  }
}

const PSEUDONYM_SALT = Buffer.from('hushgate/pseudonym/v1');

function gcmWrap(kek: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]);
}

function gcmUnwrap(kek: Buffer, wrapped: Buffer, aad: Buffer): Buffer | undefined {
  if (wrapped.length < 28) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, 12));
    d.setAAD(aad);
    d.setAuthTag(wrapped.subarray(wrapped.length - 16));
    return Buffer.concat([d.update(wrapped.subarray(12, wrapped.length - 16)), d.final()]);
  } catch {
    return undefined;
  }
}

/** Reads a key file, or creates it (O_EXCL, 0600) with fresh random bytes. Refuses loose permissions. */
export function readOrCreateKeyFile(path: string): Buffer {
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(KEY_BYTES));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) throw new Error(`key file ${path} has mode ${mode.toString(8)}; it must be readable by its owner only (chmod 600)`);
  const key = readFileSync(path);
  if (key.length !== KEY_BYTES) throw new Error(`key file ${path} must hold ${KEY_BYTES} bytes (has ${key.length})`);
  return key;
}

function checkRegion(region: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(region)) throw new Error(`invalid region name "${region}"`);
}

export class FileKeyStore implements KeyStore {
  private readonly keks = new Map<string, Buffer>();
  private readonly current = new Map<string, string>();
  private readonly secrets = new Map<string, Buffer>();
  private readonly master: Buffer;

  /** `dir` is usually `<dataDir>/keys`. */
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.master = readOrCreateKeyFile(join(dir, 'master.key'));
  }

  private regionDir(region: string): string {
    checkRegion(region);
    const d = join(this.dir, 'kek', region);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }

  private versions(region: string): number[] {
    return readdirSync(this.regionDir(region))
      .map((f) => /^(\d+)\.key$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private kek(kekId: string): Buffer {
    let k = this.keks.get(kekId);
    if (!k) {
      const m = /^file:([A-Za-z0-9._-]+):(\d+)$/.exec(kekId);
      if (!m) throw new KeyUnwrapError(kekId);
      k = readOrCreateKeyFileExisting(join(this.regionDir(m[1]!), `${m[2]}.key`), kekId);
      this.keks.set(kekId, k);
    }
    return k;
  }

  async currentKekId(region: string): Promise<string> {
    let id = this.current.get(region);
    if (!id) {
      const vs = this.versions(region);
      const v = vs.length ? vs[vs.length - 1]! : 1;
      readOrCreateKeyFile(join(this.regionDir(region), `${v}.key`));
      id = `file:${region}:${v}`;
      this.current.set(region, id);
    }
    return id;
  }

  async rotateKek(region: string): Promise<string> {
    const vs = this.versions(region);
    const next = (vs.length ? vs[vs.length - 1]! : 0) + 1;
    readOrCreateKeyFile(join(this.regionDir(region), `${next}.key`));
    const id = `file:${region}:${next}`;
    this.current.set(region, id);
    return id;
  }

  async wrapDataKey(region: string, dataKey: Buffer, aad: Buffer): Promise<WrappedKey> {
    const kekId = await this.currentKekId(region);
    return { kekId, wrapped: gcmWrap(this.kek(kekId), dataKey, aad) };
  }

  async unwrapDataKey(region: string, kekId: string, wrapped: Buffer, aad: Buffer): Promise<Buffer> {
    if (!kekId.startsWith(`file:${region}:`)) throw new KeyUnwrapError(kekId); // a key of another region never opens here
    const key = gcmUnwrap(this.kek(kekId), wrapped, aad);
    if (!key) throw new KeyUnwrapError(kekId);
    return key;
  }

  async pseudonymSecret(accountId: string): Promise<Buffer> {
    let s = this.secrets.get(accountId);
    if (!s) {
      s = Buffer.from(hkdfSync('sha256', this.master, PSEUDONYM_SALT, Buffer.from(accountId, 'utf8'), 32));
      this.secrets.set(accountId, s);
    }
    return s;
  }
}

function readOrCreateKeyFileExisting(path: string, kekId: string): Buffer {
  try {
    statSync(path);
  } catch {
    throw new KeyUnwrapError(kekId); // never invent a missing old KEK
  }
  return readOrCreateKeyFile(path);
}

/** The operations an external KMS offers (authenticated encryption under a named key it holds). */
export interface KmsClient {
  encrypt(keyName: string, plaintext: Buffer, aad: Buffer): Promise<{ keyVersion: string; ciphertext: Buffer }>;
  decrypt(keyName: string, keyVersion: string, ciphertext: Buffer, aad: Buffer): Promise<Buffer>;
  rotate(keyName: string): Promise<string>;
}

/**
 * Adapter for an external KMS. KEK id `kms:<keyName>:<version>`. Pseudonym secrets still come from a
 * master secret the operator supplies (for example one the KMS decrypted at start), via HKDF as above.
 */
export class KmsKeyStore implements KeyStore {
  private readonly secrets = new Map<string, Buffer>();
  private readonly currentVersion = new Map<string, string>();

  constructor(
    private readonly client: KmsClient,
    private readonly keyNameFor: (region: string) => string,
    private readonly pseudonymMaster: Buffer,
  ) {}

  async wrapDataKey(region: string, dataKey: Buffer, aad: Buffer): Promise<WrappedKey> {
    const name = this.keyNameFor(region);
    const { keyVersion, ciphertext } = await this.client.encrypt(name, dataKey, aad);
    this.currentVersion.set(region, keyVersion);
    return { kekId: `kms:${name}:${keyVersion}`, wrapped: ciphertext };
  }

  async unwrapDataKey(region: string, kekId: string, wrapped: Buffer, aad: Buffer): Promise<Buffer> {
    const name = this.keyNameFor(region);
    const prefix = `kms:${name}:`;
    if (!kekId.startsWith(prefix)) throw new KeyUnwrapError(kekId);
    try {
      return await this.client.decrypt(name, kekId.slice(prefix.length), wrapped, aad);
    } catch {
      throw new KeyUnwrapError(kekId);
    }
  }

  async currentKekId(region: string): Promise<string> {
    const v = this.currentVersion.get(region);
    if (v) return `kms:${this.keyNameFor(region)}:${v}`;
    // The KMS tells the current version on the next encrypt: wrap a throw-away value to learn it.
    return (await this.wrapDataKey(region, randomBytes(KEY_BYTES), Buffer.alloc(0))).kekId;
  }

  async rotateKek(region: string): Promise<string> {
    const v = await this.client.rotate(this.keyNameFor(region));
    this.currentVersion.set(region, v);
    return `kms:${this.keyNameFor(region)}:${v}`;
  }

  async pseudonymSecret(accountId: string): Promise<Buffer> {
    let s = this.secrets.get(accountId);
    if (!s) {
      s = Buffer.from(hkdfSync('sha256', this.pseudonymMaster, PSEUDONYM_SALT, Buffer.from(accountId, 'utf8'), 32));
      this.secrets.set(accountId, s);
    }
    return s;
  }
}
