/**
 * Erasure (GDPR Art. 17): `erase(accountId, applicationId, phoneNumber)`.
 *
 * 1. The number is normalised and keyed to the account's pseudonym (as at capture).
 * 2. In every region store: the data keys whose caller or callee pseudonym matches are deleted with
 *    their records, in one transaction (crypto-shredding: copies of those records in backups or
 *    replicas can no longer be opened, because their key is gone).
 * 3. Every registered `ErasureParticipant` (the event outbox, …) removes what it holds for the pseudonym.
 * 4. An `ErasureReceipt` (request id, times, counts per kind, regions; no number, no pseudonym) and an
 *    audit entry are written to the application's home region store.
 * Look-ups go through indexes only, so one erasure costs the same among a thousand or a million records.
 */
import { randomUUID } from 'node:crypto';
import type { RegionStores } from '../store/open.js';
import type { ErasureReceipt } from '../store/store.js';
import { pseudonymOf } from './caller-identity.js';
import { type Clock, systemClock } from './clock.js';
import type { DataKeyRing } from './data-keys.js';
import type { KeyStore } from './keystore.js';

/** Anything else that holds caller data keyed by pseudonym and must forget it on erasure. */
export interface ErasureParticipant {
  name: string;
  /** Removes everything held for the pseudonym; resolves to how many items it removed. */
  eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<number>;
}

export interface ErasureRequest {
  accountId: string;
  applicationId: string;
  phoneNumber: string;
  /** Supplied by the caller for idempotent retries; generated otherwise. */
  requestId?: string;
  actor?: string;
}

export type ErasureOutcome = { ok: true; receipt: ErasureReceipt } | { ok: false; error: string };

export interface EraserOptions {
  stores: RegionStores;
  keyStore: KeyStore;
  /** The application's home region (where the receipt is kept); undefined for an application no longer configured. */
  regionOf: (accountId: string, applicationId: string) => string | undefined;
  participants?: ErasureParticipant[];
  /** Rings whose cached keys must be dropped (the capture's and readers' in this process). */
  rings?: DataKeyRing[];
  clock?: Clock;
  defaultCountry?: string;
}

export class Eraser {
  private readonly participants: ErasureParticipant[];
  private readonly clock: Clock;

  constructor(private readonly opts: EraserOptions) {
    this.participants = [...(opts.participants ?? [])];
    this.clock = opts.clock ?? systemClock;
  }

  register(p: ErasureParticipant): void {
    if (this.participants.some((q) => q.name === p.name)) throw new Error(`erasure participant "${p.name}" is already registered`);
    if (p.name === 'trainingRecords' || p.name === 'dataKeys') throw new Error(`"${p.name}" is a reserved receipt key`);
    this.participants.push(p);
  }

  async erase(req: ErasureRequest): Promise<ErasureOutcome> {
    if (!req.accountId || !req.applicationId) return { ok: false, error: 'accountId and applicationId are required' };
    if (!req.phoneNumber || !/\d/.test(req.phoneNumber)) return { ok: false, error: 'phoneNumber must be a phone number' };
    const requestedAt = this.clock.now();
    const requestId = req.requestId ?? randomUUID();
    const secret = await this.opts.keyStore.pseudonymSecret(req.accountId);
    const pseudonym = pseudonymOf(secret, req.phoneNumber, this.opts.defaultCountry ?? 'US');

    for (const ring of this.opts.rings ?? []) ring.forgetPseudonym(req.accountId, req.applicationId, pseudonym);
    const counts: Record<string, number> = { trainingRecords: 0, dataKeys: 0 };
    const regions: string[] = [];
    for (const region of this.opts.stores.regions()) {
      const store = this.opts.stores.get(region);
      const r = await store.eraseTrainingByPseudonym(req.accountId, req.applicationId, pseudonym);
      counts.trainingRecords! += r.records;
      counts.dataKeys! += r.dataKeys;
      if (r.records || r.dataKeys) await store.checkpoint(); // deleted pages leave the WAL too
      regions.push(region);
    }
    for (const p of this.participants) counts[p.name] = (counts[p.name] ?? 0) + (await p.eraseByPseudonym(req.accountId, req.applicationId, pseudonym));
    // Drop again: a capture that was mid-flight may have cached a key for this caller meanwhile.
    for (const ring of this.opts.rings ?? []) ring.forgetPseudonym(req.accountId, req.applicationId, pseudonym);

    const receipt: ErasureReceipt = { requestId, accountId: req.accountId, applicationId: req.applicationId, requestedAt, completedAt: this.clock.now(), counts, regions };
    const home = this.opts.regionOf(req.accountId, req.applicationId);
    const receiptStores = home && this.opts.stores.has(home) ? [this.opts.stores.get(home)] : this.opts.stores.all();
    for (const store of receiptStores) {
      await store.insertErasureReceipt(receipt);
      await store.audit({ actor: req.actor ?? 'erasure', action: 'training.erase', target: `${req.accountId}/${req.applicationId}`, details: { requestId, counts } }, receipt.completedAt);
    }
    return { ok: true, receipt };
  }
}
