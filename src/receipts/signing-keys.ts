/**
 * The per-region Ed25519 key receipts are signed with (node:crypto), kept beside the region's
 * other keys: `<dataDir>/keys/receipts/<region>.key` (PKCS#8 PEM, 0600, created with O_EXCL so two
 * gateways starting together agree on one) and its public half `<region>.pub` (SPKI PEM), which can
 * be handed to an auditor: `hushgate receipts verify --public-key FILE` needs nothing else.
 * The key id is the first 16 hex digits of SHA-256 over the public key's DER bytes.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrivateDir } from '../store/index.js';

export interface RegionSigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function receiptKeyDir(dataDir: string): string {
  return join(dataDir, 'keys', 'receipts');
}

function checkRegion(region: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(region)) throw new Error(`region name "${region}" must be letters, digits, dot, dash or underscore`);
}

/** The region's signing key, created on first use. Refuses a key file readable by others. */
export function regionSigningKey(dataDir: string, region: string): RegionSigningKey {
  checkRegion(region);
  const dir = receiptKeyDir(dataDir);
  requirePrivateDir(dir, 'receipt key directory');
  const path = join(dir, `${region}.key`);
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      const { privateKey } = generateKeyPairSync('ed25519');
      writeSync(fd, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) throw new Error(`receipt key ${path} has mode ${mode.toString(8)}; it must be readable by its owner only (chmod 600)`);
  const privateKey = createPrivateKey(readFileSync(path));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`receipt key ${path} is not an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  writeFileSync(join(dir, `${region}.pub`), publicKey.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o600 });
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** A public key for verification: a PEM file given by an auditor, or the region's own `.pub`. */
export function regionPublicKey(dataDir: string, region: string, file?: string): KeyObject {
  checkRegion(region);
  const path = file ?? join(receiptKeyDir(dataDir), `${region}.pub`);
  const key = createPublicKey(readFileSync(path));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 public key`);
  return key;
}
