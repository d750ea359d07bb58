/**
 * Erasure (GDPR Art. 17): `erase(accountId, applicationId, phoneNumber)`.
 *
 * 1. The number is normalised and keyed to the account's pseudonym (as at capture).
 * 2. In every region store: the data keys whose caller or callee pseudonym matches are deleted with
 *    their records, in one transaction (crypto-shredding: copies of those records in backups or
 *    replicas can no longer be opened, because their key is gone).
 * 3. Every registered `ErasureParticipant` (the event outbox, …) removes what it holds for the pseudonym
 *    and says what it could not reach (sinks that already hold the caller's events). A participant
 *    that throws does not stop the others: it is named in the receipt's `failed`.
 * 4. An `ErasureReceipt` (request id, times, counts per kind, regions, what failed or was not reached;
 *    no number, no pseudonym) and an audit entry are written to the application's home region store.
 *    A receipt with `failed` entries is an incomplete erasure: callers report it as a failure.
 * Look-ups go through indexes only, so one erasure costs the same among a thousand or a million records.
 */
import { randomUUID } from 'node:crypto';
import type { RegionStores } from '../store/index.js';
import type { ErasureReceipt, SinkErasure } from '../store/index.js';
import { pseudonymOf } from './caller-identity.js';
import { type Clock, systemClock } from '../time/index.js';
import type { DataKeyRing } from './data-keys.js';
import type { KeyStore } from './keystore.js';

/** What a participant reports beyond a count: where the caller's data went and whether it got there. */
export interface ParticipantErasure {
  removed: number;
  /** Parts it could not complete (no PII: names, kinds of failure, statuses). */
  failed?: string[];
  /** Places it knows hold the caller's data and cannot be erased from here. */
  notReached?: string[];
  sinks?: SinkErasure[];
  /** Other gateway nodes that confirmed their part (a fleet participant). */
  nodes?: string[];
}

/** Anything else that holds caller data keyed by pseudonym and must forget it on erasure. */
export interface ErasureParticipant {
  name: string;
  /** Removes everything held for the pseudonym; resolves to how many items it removed, or a fuller report. */
  eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string, ctx?: { requestId: string }): Promise<number | ParticipantErasure>;
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
  /** This process's `node.id`, written into receipts. */
  nodeId?: string;
}

export class Eraser {
  private readonly participants: ErasureParticipant[];
  private readonly clock: Clock;
  /** Told of every receipt once it is stored (the privacy receipt chain appends its own). */
  private readonly receiptListeners: ((r: ErasureReceipt) => Promise<void>)[] = [];

  constructor(private readonly opts: EraserOptions) {
    this.participants = [...(opts.participants ?? [])];
    this.clock = opts.clock ?? systemClock;
  }

  register(p: ErasureParticipant): void {
    if (this.participants.some((q) => q.name === p.name)) throw new Error(`erasure participant "${p.name}" is already registered`);
    if (p.name === 'trainingRecords' || p.name === 'dataKeys') throw new Error(`"${p.name}" is a reserved receipt key`);
    this.participants.push(p);
  }

  /** `fn` runs after each erasure's receipt is stored; a failure there makes the erasure's answer a failure. */
  onReceipt(fn: (r: ErasureReceipt) => Promise<void>): void {
    this.receiptListeners.push(fn);
  }

  async erase(req: ErasureRequest): Promise<ErasureOutcome> {
    if (!req.accountId || !req.applicationId) return { ok: false, error: 'accountId and applicationId are required' };
    if (!req.phoneNumber || !/\d/.test(req.phoneNumber)) return { ok: false, error: 'phoneNumber must be a phone number' };
    const requestedAt = this.clock.epochMs();
    const requestId = req.requestId ?? randomUUID();
    const secret = await this.opts.keyStore.pseudonymSecret(req.accountId);
    const pseudonym = pseudonymOf(secret, req.phoneNumber, this.opts.defaultCountry ?? 'US');

    for (const ring of this.opts.rings ?? []) ring.forgetPseudonym(req.accountId, req.applicationId, pseudonym);
    const counts: Record<string, number> = { trainingRecords: 0, dataKeys: 0 };
    const regions: string[] = [];
    const failed: string[] = [];
    for (const region of this.opts.stores.regions()) {
      const store = this.opts.stores.get(region);
      const r = await store.eraseTrainingByPseudonym(req.accountId, req.applicationId, pseudonym);
      counts.trainingRecords! += r.records;
      counts.dataKeys! += r.dataKeys;
      // Always, not only when rows were deleted now: a retry must also clear what an earlier attempt's
      // blocked checkpoint left in the WAL. Blocked again (another connection reading): say so.
      try {
        await store.checkpoint();
      } catch (e) {
        failed.push(`region store ${region}: ${e instanceof Error ? e.message.slice(0, 200) : 'checkpoint failed'}`);
      }
      regions.push(region);
    }
    const notReached: string[] = [];
    const sinks: SinkErasure[] = [];
    const nodes: string[] = [];
    for (const p of this.participants) {
      try {
        const r = await p.eraseByPseudonym(req.accountId, req.applicationId, pseudonym, { requestId });
        const full: ParticipantErasure = typeof r === 'number' ? { removed: r } : r;
        counts[p.name] = (counts[p.name] ?? 0) + full.removed;
        failed.push(...(full.failed ?? []));
        notReached.push(...(full.notReached ?? []));
        sinks.push(...(full.sinks ?? []));
        nodes.push(...(full.nodes ?? []));
      } catch (e) {
        // Keep going: the other parts are still erased; the receipt says which part was not.
        failed.push(`${p.name}: ${e instanceof Error ? e.message.slice(0, 200) : 'failed'}`);
      }
    }
    // Drop again: a capture that was mid-flight may have cached a key for this caller meanwhile.
    for (const ring of this.opts.rings ?? []) ring.forgetPseudonym(req.accountId, req.applicationId, pseudonym);

    const receipt: ErasureReceipt = { requestId, accountId: req.accountId, applicationId: req.applicationId, requestedAt, completedAt: this.clock.epochMs(), counts, regions, failed, notReached, sinks,
      ...(this.opts.nodeId ? { nodeId: this.opts.nodeId } : {}), ...(nodes.length ? { nodes } : {}) };
    const home = this.opts.regionOf(req.accountId, req.applicationId);
    const receiptStores = home && this.opts.stores.has(home) ? [this.opts.stores.get(home)] : this.opts.stores.all();
    for (const store of receiptStores) {
      await store.insertErasureReceipt(receipt);
      await store.audit({ actor: req.actor ?? 'erasure', action: 'training.erase', target: `${req.accountId}/${req.applicationId}`, details: { requestId, counts, complete: failed.length === 0, notReached: notReached.length } }, receipt.completedAt);
    }
    for (const fn of this.receiptListeners) {
      try {
        await fn(receipt);
      } catch (e) {
        return { ok: false, error: `erasure ${requestId} done, but its privacy receipt was not written: ${e instanceof Error ? e.message.slice(0, 200) : 'failed'}` };
      }
    }
    return { ok: true, receipt };
  }
}
