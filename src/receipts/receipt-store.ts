/**
 * Receipts in the region's store (SQLite or PostgreSQL, namespace `receipts`): one append-only
 * table per region, `privacy_receipts`, keyed by the chain position `seq`. Appending reads the
 * chain's head and inserts the next receipt in one transaction; gateways sharing a PostgreSQL region
 * queue on a transaction-scoped advisory lock (a primary-key conflict, should one still happen,
 * is retried on the new head).
 * The table refuses UPDATE and DELETE (triggers), like the audit log: a receipt is never rewritten,
 * an erasure appends its own.
 */
import type { Migration, SqlExecutor, Store } from '../store/index.js';
import { GENESIS_HASH, UNSIGNED, canonicalJson, receiptHash, signHash, type ReceiptBody, type StoredReceipt } from './receipt.js';
import type { RegionSigningKey } from './signing-keys.js';

export const RECEIPTS_NAMESPACE = 'receipts';

const table = (int: string) => `
  CREATE TABLE privacy_receipts (
    seq ${int} PRIMARY KEY,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL,
    created_at ${int} NOT NULL
  );
  CREATE INDEX privacy_receipts_subject ON privacy_receipts(subject, seq)`;

export const receiptMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'privacy receipts: a signed hash chain per region',
    sqlite: `${table('INTEGER')};
      CREATE TRIGGER privacy_receipts_no_update BEFORE UPDATE ON privacy_receipts BEGIN SELECT RAISE(ABORT, 'receipts are append-only'); END;
      CREATE TRIGGER privacy_receipts_no_delete BEFORE DELETE ON privacy_receipts BEGIN SELECT RAISE(ABORT, 'receipts are append-only'); END;`,
    postgres: `${table('BIGINT')};
      CREATE FUNCTION privacy_receipts_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'receipts are append-only'; END $$;
      CREATE TRIGGER privacy_receipts_no_change BEFORE UPDATE OR DELETE ON privacy_receipts
        FOR EACH ROW EXECUTE FUNCTION privacy_receipts_append_only();`,
  },
];

interface Row {
  seq: number | string;
  region: string;
  kind: string;
  subject: string;
  body: string;
  prev_hash: string;
  hash: string;
  signature: string;
  key_id: string;
  created_at: number | string;
}

const COLUMNS = 'seq, region, kind, subject, body, prev_hash, hash, signature, key_id, created_at';

function fromRow(r: Row): StoredReceipt {
  return {
    seq: Number(r.seq), region: r.region, kind: r.kind as StoredReceipt['kind'], subject: r.subject, body: r.body,
    prevHash: r.prev_hash, hash: r.hash, signature: r.signature, keyId: r.key_id, createdAt: Number(r.created_at),
  };
}

export class ReceiptStore {
  private constructor(
    private readonly store: Store,
    private readonly key?: RegionSigningKey,
  ) {}

  /** `key` is needed to append; reading and verifying need none. */
  static async open(store: Store, key?: RegionSigningKey): Promise<ReceiptStore> {
    await store.migrate(RECEIPTS_NAMESPACE, receiptMigrations);
    return new ReceiptStore(store, key);
  }

  get region(): string {
    return this.store.region;
  }

  /** Signs `body` and appends it at the head of the region's chain. */
  async append(body: ReceiptBody, now: number): Promise<StoredReceipt> {
    return (await this.appendMany([body], now))[0]!;
  }

  /**
   * Appends several receipts in one transaction, in order (the ledger's group commit: at high call
   * rates the commit was most of a receipt's cost — bench/sip-cps profile), and signs only the last
   * one: its hash commits to every hash before it (each names its `prevHash`), so one Ed25519
   * signature seals the whole batch. The others carry an empty signature and are covered by the next
   * signed receipt (verify.ts); the chain as committed always ends signed. Per call, the signature
   * was half of a receipt's CPU at 1,200 calls/s (bench/sip-cps profile, docs/privacy.md).
   */
  async appendMany(bodies: readonly ReceiptBody[], now: number): Promise<StoredReceipt[]> {
    const key = this.key;
    if (!key) throw new Error('receipts: no signing key for this store');
    const items = bodies.map((body) => ({ body, canonical: canonicalJson(body), subject: body.kind === 'call' ? body.callId : body.requestId }));
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.transaction(async (tx) => {
          // PostgreSQL: writers of one region queue on a transaction-scoped lock, so each reads the
          // head the previous one committed (SQLite's BEGIN IMMEDIATE already does this).
          if (this.store.dialect === 'postgres') await tx.query("SELECT pg_advisory_xact_lock(hashtext('hushgate/privacy_receipts'))");
          const head = await this.head(tx);
          let seq = head?.seq ?? 0;
          let prevHash = head?.hash ?? GENESIS_HASH;
          const written: StoredReceipt[] = [];
          for (let i = 0; i < items.length; i++) {
            const { body, canonical, subject } = items[i]!;
            seq++;
            const hash = receiptHash(this.store.region, seq, prevHash, canonical);
            const signature = i === items.length - 1 ? signHash(key.privateKey, hash) : UNSIGNED;
            const r: StoredReceipt = { region: this.store.region, seq, kind: body.kind, subject, body: canonical, prevHash, hash, signature, keyId: key.keyId, createdAt: now };
            await tx.execute(`INSERT INTO privacy_receipts (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [r.seq, r.region, r.kind, r.subject, r.body, r.prevHash, r.hash, r.signature, r.keyId, r.createdAt]);
            written.push(r);
            prevHash = hash;
          }
          return written;
        });
      } catch (e) {
        if (attempt >= 4 || !/unique|duplicate|constraint/i.test(String((e as Error).message))) throw e;
      }
    }
  }

  private async head(tx: SqlExecutor): Promise<StoredReceipt | undefined> {
    const rows = await tx.query<Row>(`SELECT ${COLUMNS} FROM privacy_receipts ORDER BY seq DESC LIMIT 1`);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** The chain in order, from `afterSeq` on. */
  async list(afterSeq = 0, limit = 1000): Promise<StoredReceipt[]> {
    const rows = await this.store.query<Row>(`SELECT ${COLUMNS} FROM privacy_receipts WHERE seq > ? ORDER BY seq LIMIT ?`, [afterSeq, limit]);
    return rows.map(fromRow);
  }

  /** Every receipt naming a call (its call receipt). */
  async forSubject(subject: string): Promise<StoredReceipt[]> {
    const rows = await this.store.query<Row>(`SELECT ${COLUMNS} FROM privacy_receipts WHERE subject = ? ORDER BY seq`, [subject]);
    return rows.map(fromRow);
  }

  /** The whole chain, page by page. */
  async *all(pageSize = 1000): AsyncIterable<StoredReceipt> {
    let after = 0;
    for (;;) {
      const page = await this.list(after, pageSize);
      for (const r of page) yield r;
      if (page.length < pageSize) return;
      after = page.at(-1)!.seq;
    }
  }
}
