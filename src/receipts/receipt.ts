/**
 * Privacy receipts: what a receipt says, and how it is hashed, chained and signed.
 *
 * A receipt is a PII-free JSON body (`CallReceiptBody`: per call; `ErasureReceiptBody`: per
 * erasure) placed in its region's chain:
 *
 *   hash(n)      = SHA-256( canonical({ v: 1, region, seq: n, prevHash: hash(n-1), body }) )   (hex)
 *   signature(n) = Ed25519( region key, hash(n) as bytes )                                    (base64)
 *                  on the last receipt of each write batch; '' (UNSIGNED) on the others
 *
 * with `hash(0)` = 64 zeros. Canonical JSON sorts object keys at every level, so the bytes signed
 * do not depend on how the body was built or stored. hash(m) commits to every hash(n < m), so the
 * signature of a batch's last receipt seals the unsigned ones before it: changing one byte of a
 * stored body, hash or signature breaks that receipt or the next signed one; removing or reordering
 * one breaks the `seq`/`prevHash` links of the next; a chain ending on an unsigned receipt was cut
 * (see verify.ts for what cannot be seen: a tail cut at a signed receipt).
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);
export const RECEIPT_VERSION = 1;
/** The signature of a receipt sealed by a later one's (not the last of its write batch). */
export const UNSIGNED = '';

/** What one destination got of the caller's input, by outcome and entity type (counts only). */
export type DestinationCounts = Record<'allowed' | 'redacted' | 'tokenised' | 'dropped' | 'withheld', Record<string, number>>;

export interface CallReceiptBody {
  kind: 'call';
  callId: string;
  accountId: string;
  applicationId: string;
  region: string;
  startedAt: string;
  endedAt: string;
  endReason: string;
  /** Caller turns (speech and keys) the gateway handled. */
  callerTurns: number;
  /** Per destination (events, training, dialog, logs, recording): what was allowed, redacted, tokenised, dropped or withheld, by entity type. */
  destinations: Record<string, DestinationCounts>;
  /** When the sensitive switch was on, why, and how much input was withheld. */
  sensitive: { from: string; to?: string; reasons: string[]; words: number; digits: number }[];
  recording: { consent: string; outcome: string; recorded: boolean; recordingId?: string; durationMs?: number; pauses: { fromMs: number; toMs?: number; reasons: string[] }[] } | null;
  /** When the call's retained data (recording, training records) expires. */
  retentionExpiresAt: string | null;
  /** Live audio streams to a bot (a third party that heard the caller): where (the URL without query), when, reconnects. */
  streams?: { url: string; format: string; startedAt: string; stoppedAt?: string; reconnects: number }[];
}

export interface ErasureReceiptBody {
  kind: 'erasure';
  requestId: string;
  accountId: string;
  applicationId: string;
  at: string;
  /** What this region removed, by kind (counts only). */
  counts: Record<string, number>;
}

export type ReceiptBody = CallReceiptBody | ErasureReceiptBody;

export interface StoredReceipt {
  region: string;
  seq: number;
  kind: ReceiptBody['kind'];
  /** The call id (call receipts) or erasure request id. */
  subject: string;
  /** The body as stored (canonical JSON). */
  body: string;
  prevHash: string;
  hash: string;
  signature: string;
  keyId: string;
  createdAt: number;
}

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

/** The chained hash of a receipt: over its version, region, position, predecessor and body. */
export function receiptHash(region: string, seq: number, prevHash: string, body: string): string {
  const framed = `{"body":${body},"prevHash":${JSON.stringify(prevHash)},"region":${JSON.stringify(region)},"seq":${seq},"v":${RECEIPT_VERSION}}`;
  return createHash('sha256').update(framed).digest('hex');
}

export function signHash(privateKey: KeyObject, hash: string): string {
  return sign(null, Buffer.from(hash, 'hex'), privateKey).toString('base64');
}

export function signatureValid(publicKey: KeyObject, hash: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(hash, 'hex'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
