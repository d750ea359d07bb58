/**
 * Envelope encryption primitives (node:crypto only).
 *
 *   KEK (per region, from the KeyStore) ──wraps──▶ data key (per account, application, caller, callee)
 *   data key ──AES-256-GCM──▶ record payload (transcript, context, call id, audio)
 *
 * Sealed form: `0x01 || iv(12) || ciphertext || tag(16)`. The associated data is a length-prefixed
 * list of the fields a record or key must stay bound to; opening under any other value fails.
 * A failure to open is a `TamperedError`: never a partial or garbage result.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataKeyScope, TrainingRow } from '../store/index.js';

const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export class TamperedError extends Error {
  constructor(
    readonly what: 'record' | 'data-key',
    readonly id: string,
  ) {
    super(`${what} ${id} failed authentication: its stored bytes or bound fields were changed`);
    this.name = 'TamperedError';
  }
}

/** The record's data key no longer exists (its caller was erased): the record is unreadable by design. */
export class ShreddedError extends Error {
  constructor(readonly id: string) {
    super(`record ${id} cannot be opened: its data key was destroyed by erasure`);
    this.name = 'ShreddedError';
  }
}

/** Unambiguous encoding: each field as 4-byte big-endian length + UTF-8 bytes. */
export function encodeAad(fields: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    const b = Buffer.from(String(f), 'utf8');
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

/** A record is bound to its id, tenancy, region, key, pseudonyms and lifetime. */
export function recordAad(r: Pick<TrainingRow, 'id' | 'accountId' | 'applicationId' | 'region' | 'dataKeyId' | 'fromPseudonym' | 'toPseudonym' | 'capturedAt' | 'expiresAt'>): Buffer {
  return encodeAad(['hushgate/record/v1', r.id, r.accountId, r.applicationId, r.region, r.dataKeyId, r.fromPseudonym, r.toPseudonym, r.capturedAt, r.expiresAt]);
}

/** A wrapped data key is bound to its id and scope, so a key row swapped to another caller fails to unwrap. */
export function dataKeyAad(id: string, s: DataKeyScope): Buffer {
  return encodeAad(['hushgate/data-key/v1', id, s.accountId, s.applicationId, s.region, s.fromPseudonym, s.toPseudonym]);
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const head = Buffer.from([VERSION]);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([head, iv, body, c.getAuthTag()]);
}

/** Opens a sealed value; resolves to undefined when it fails authentication (the caller names what failed). */
export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | undefined {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + IV_BYTES));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([d.update(sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)), d.final()]);
  } catch {
    return undefined;
  }
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}
