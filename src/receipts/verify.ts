/**
 * Offline verification of a region's receipt chain: needs the receipts and the region's public key,
 * nothing else (no gateway, no private key). Checks, in order, for every receipt:
 *   - positions run 1, 2, 3, … with no gap (a removed receipt leaves one);
 *   - `prevHash` is the previous receipt's hash (a removed or reordered one breaks the link);
 *   - `hash` is the hash of what is stored (a changed byte of body, position or link breaks it);
 *   - `signature`, when there is one, is the region key's signature over `hash` (a recomputed hash
 *     cannot be re-signed). The store signs the last receipt of each write batch only (receipt-store.ts):
 *     an unsigned receipt is sealed by the next signed one, whose hash commits to it through the
 *     links, so re-hashing a changed receipt forward ends at a signature that fails;
 *   - the chain ends on a signed receipt (`unsigned-tail`: receipts after the last signature, a tail
 *     cut inside a batch or a signature removed).
 * What it cannot see on its own: receipts cut off the *end* of the chain at a signed receipt. Pass
 * the head you saw earlier (`expectHead`, printed by every verification) to make that visible too.
 */
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, UNSIGNED, receiptHash, signatureValid, type StoredReceipt } from './receipt.js';

export interface ChainProblem {
  seq: number;
  problem: 'gap' | 'broken-link' | 'hash-mismatch' | 'bad-signature' | 'wrong-region' | 'bad-body' | 'head-missing' | 'unsigned-tail';
  detail: string;
}

export interface ChainVerdict {
  ok: boolean;
  region: string;
  receipts: number;
  head: { seq: number; hash: string } | null;
  problems: ChainProblem[];
}

export async function verifyChain(region: string, receipts: AsyncIterable<StoredReceipt> | Iterable<StoredReceipt>, publicKey: KeyObject, expectHead?: { seq: number; hash: string }): Promise<ChainVerdict> {
  const problems: ChainProblem[] = [];
  let expectSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  let head: ChainVerdict['head'] = null;
  let sawExpected = false;
  /** Receipts since the last signature (checked or reported): a later signature must seal them. */
  let unsealed = 0;
  for await (const r of receipts) {
    count++;
    if (r.region !== region) problems.push({ seq: r.seq, problem: 'wrong-region', detail: `receipt names region "${r.region}"` });
    if (r.seq !== expectSeq) problems.push({ seq: r.seq, problem: 'gap', detail: `expected position ${expectSeq}, found ${r.seq}: ${r.seq - expectSeq} receipt(s) missing` });
    if (r.prevHash !== prevHash) problems.push({ seq: r.seq, problem: 'broken-link', detail: 'does not link to the receipt before it' });
    try {
      JSON.parse(r.body);
    } catch {
      problems.push({ seq: r.seq, problem: 'bad-body', detail: 'body is not JSON' });
    }
    const hash = receiptHash(region, r.seq, r.prevHash, r.body);
    if (hash !== r.hash) problems.push({ seq: r.seq, problem: 'hash-mismatch', detail: 'stored content does not match its hash' });
    if (r.signature === UNSIGNED) unsealed++;
    else {
      unsealed = 0;
      if (hash === r.hash && !signatureValid(publicKey, r.hash, r.signature)) problems.push({ seq: r.seq, problem: 'bad-signature', detail: 'signature does not verify under the region key' });
    }
    if (expectHead && r.seq === expectHead.seq && r.hash === expectHead.hash) sawExpected = true;
    expectSeq = r.seq + 1;
    prevHash = r.hash;
    head = { seq: r.seq, hash: r.hash };
  }
  if (unsealed && head) problems.push({ seq: head.seq, problem: 'unsigned-tail', detail: `the chain ends on ${unsealed} receipt(s) no signature seals: its end was cut inside a write batch, or a signature removed` });
  if (expectHead && !sawExpected) problems.push({ seq: expectHead.seq, problem: 'head-missing', detail: 'the head given is not in the chain (receipts cut off the end, or another chain)' });
  return { ok: problems.length === 0, region, receipts: count, head, problems };
}
