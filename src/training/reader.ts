/**
 * `TrainingReader`: opens stored records. A record that fails authentication (a flipped byte, a row
 * moved to another id/account/region, a swapped key) raises `TamperedError` and is reported once to
 * the store's audit log (`training.tamper_detected`, record id only): it never yields partial data.
 * A record whose data key was erased cannot be opened at all (crypto-shredding): `ShreddedError`.
 */
import type { Store, TrainingRow } from '../store/index.js';
import { DataKeyRing } from './data-keys.js';
import { ShreddedError, TamperedError, open, recordAad } from './envelope.js';
import type { KeyStore } from './keystore.js';
import { decodePayload } from './payload.js';

export interface OpenedRecord {
  id: string;
  accountId: string;
  applicationId: string;
  region: string;
  callId: string;
  language: string;
  confidence: number | null;
  startedAt: string;
  endedAt: string;
  capturedAt: string;
  expiresAt: string;
  from: string;
  to: string;
  fromPseudonym: string;
  toPseudonym: string;
  transcript: string;
  context: Record<string, unknown>;
  audio?: { encoding: string; sampleRate: number; base64: string };
}

export class TrainingReader {
  readonly ring: DataKeyRing;

  constructor(keyStore: KeyStore, ring?: DataKeyRing, private readonly actor = 'training') {
    this.ring = ring ?? new DataKeyRing(keyStore);
  }

  async open(store: Store, row: TrainingRow): Promise<OpenedRecord> {
    try {
      const dk = await this.ring.forId(store, row.dataKeyId);
      if (!dk) throw new ShreddedError(row.id);
      const plain = open(dk.key, row.sealed, recordAad(row));
      if (!plain) throw new TamperedError('record', row.id);
      const p = decodePayload(plain);
      const out: OpenedRecord = {
        id: row.id,
        accountId: row.accountId,
        applicationId: row.applicationId,
        region: row.region,
        callId: p.callId,
        language: row.language,
        confidence: row.confidence,
        startedAt: new Date(row.startedAt).toISOString(),
        endedAt: new Date(row.endedAt).toISOString(),
        capturedAt: new Date(row.capturedAt).toISOString(),
        expiresAt: new Date(row.expiresAt).toISOString(),
        from: row.fromMasked,
        to: row.toMasked,
        fromPseudonym: row.fromPseudonym,
        toPseudonym: row.toPseudonym,
        transcript: p.transcript,
        context: p.context,
      };
      if (p.audio) out.audio = { encoding: p.audio.encoding, sampleRate: p.audio.sampleRate, base64: p.audio.data.toString('base64') };
      return out;
    } catch (e) {
      if (e instanceof TamperedError) {
        await store
          .audit({ actor: this.actor, action: 'training.tamper_detected', target: `${row.accountId}/${row.applicationId}`, details: { kind: e.what, id: e.id, region: store.region } })
          .catch(() => undefined);
      }
      throw e;
    }
  }

  /** One record by id; undefined when absent or expired (expired records are never returned, swept or not). */
  async get(store: Store, id: string, now: number): Promise<OpenedRecord | undefined> {
    const row = await store.getTrainingRecord(id, now);
    return row ? this.open(store, row) : undefined;
  }

  /** Unexpired records of an application in capture order, opened, page by page. */
  async *records(store: Store, q: { accountId: string; applicationId: string; now: number; since?: number; pageSize?: number }): AsyncGenerator<OpenedRecord> {
    let after: { capturedAt: number; id: string } | undefined;
    for (;;) {
      const page = await store.listTrainingRecords({ accountId: q.accountId, applicationId: q.applicationId, now: q.now, since: q.since, after, limit: q.pageSize ?? 500 });
      if (page.length === 0) return;
      for (const row of page) yield await this.open(store, row);
      const last = page[page.length - 1]!;
      after = { capturedAt: last.capturedAt, id: last.id };
    }
  }
}
