/**
 * The `Store` interface: one per region, one connection (SQLite file or PostgreSQL pool) shared by
 * every module that keeps state in that region.
 *
 * Two layers:
 * - a small generic SQL surface (`migrate`, `query`, `execute`, `transaction`) so other modules
 *   (event outbox, tenancy) can own their own tables in the same database, with `?` placeholders
 *   that the PostgreSQL store rewrites to `$n`;
 * - typed operations for the tables this module owns: training records, data keys, erasure
 *   receipts and the append-only audit log. They are implemented per engine because the fast
 *   paths differ (prepared statements on SQLite, `unnest` bulk inserts on PostgreSQL).
 *
 * The store knows no business rules: it never decides what expires, what to erase or how to
 * encrypt; it stores opaque sealed bytes and the non-PII metadata the training module gives it.
 * Times are epoch milliseconds.
 */

export type Dialect = 'sqlite' | 'postgres';

/** One schema step. Applied in `version` order, once, inside a transaction. */
export interface Migration {
  version: number;
  description: string;
  /** SQL per engine; statements separated by `;` are fine. */
  sqlite: string;
  postgres: string;
}

/** What a generic query runs against (the store itself, or a transaction). */
export interface SqlExecutor {
  /** Rows of a SELECT (or RETURNING). Placeholders are `?`. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A training record as stored: metadata in the clear (no PII), content sealed. */
export interface TrainingRow {
  id: string;
  accountId: string;
  applicationId: string;
  region: string;
  dataKeyId: string;
  /** Keyed HMAC of the full E.164 caller / callee number (for erasure look-up). */
  fromPseudonym: string;
  toPseudonym: string;
  /** Numbers with their last 4 digits removed (`+44207946XXXX`). */
  fromMasked: string;
  toMasked: string;
  language: string;
  confidence: number | null;
  startedAt: number;
  endedAt: number;
  capturedAt: number;
  expiresAt: number;
  hasAudio: boolean;
  /** version || iv || AES-256-GCM ciphertext || tag. */
  sealed: Buffer;
}

/** A data key wrapped under a region key-encryption key. Scope: (account, application, region, caller, callee). */
export interface DataKeyRow {
  id: string;
  accountId: string;
  applicationId: string;
  region: string;
  fromPseudonym: string;
  toPseudonym: string;
  kekId: string;
  wrapped: Buffer;
  createdAt: number;
}

export type DataKeyScope = Pick<DataKeyRow, 'accountId' | 'applicationId' | 'region' | 'fromPseudonym' | 'toPseudonym'>;

/** What erasure did at one event sink that had already received events of the caller (no pseudonym). */
export interface SinkErasure {
  /** Sink key `account/application/sinkName`. */
  sink: string;
  type: 'couchdb' | 'webhook' | 'splunk-hec' | 'unknown';
  /** Events of the caller the sink had acknowledged. */
  delivered: number;
  /** deleted (CouchDB documents), notified (signed webhook notice queued), cannot-erase (Splunk HEC), not-configured (sink removed), failed. */
  outcome: 'deleted' | 'notified' | 'cannot-erase' | 'not-configured' | 'failed';
  removed?: number;
  /** Kind of failure and status only. */
  error?: string;
}

/** Proof that an erasure ran. Holds counts and identifiers we generate, never the number or its pseudonym. */
export interface ErasureReceipt {
  requestId: string;
  accountId: string;
  applicationId: string;
  requestedAt: number;
  completedAt: number;
  /** What was removed, by kind: `trainingRecords`, `dataKeys`, and one entry per erasure participant. */
  counts: Record<string, number>;
  regions: string[];
  /** Parts the erasure could not complete (a participant or a sink erasure that failed): retry the request. Empty: complete. */
  failed?: string[];
  /** Sinks that already received the caller's events and that erasure cannot reach (e.g. Splunk HEC, a removed sink). */
  notReached?: string[];
  /** Per sink that had received the caller's events: what erasure did there. */
  sinks?: SinkErasure[];
  /** The node (gateway process, `node.id`) that carried out the request; other nodes' parts are in `counts.fleetNodes`. */
  nodeId?: string;
  /** In a fleet: the other nodes that confirmed they erased the caller's pending events. */
  nodes?: string[];
}

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  /** Structured, PII-free details (counts, ids we generate, flags). */
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<AuditEntry> {
  seq: number;
  at: number;
}

export interface TrainingQuery {
  accountId: string;
  applicationId: string;
  /** Rows with `expiresAt <= now` are never returned, swept or not. */
  now: number;
  /** Only records captured at or after this time. */
  since?: number;
  /** Keyset cursor: records strictly after this (capturedAt, id). */
  after?: { capturedAt: number; id: string };
  limit: number;
}

export interface InsertResult {
  inserted: number;
  /** Ids of rows not written because their data key no longer exists (erased meanwhile): seal again with a fresh key. */
  orphaned: string[];
}

export interface Store extends SqlExecutor {
  readonly dialect: Dialect;
  readonly region: string;

  /** Applies the namespace's not-yet-applied migrations in order. Safe to call from several processes. */
  migrate(namespace: string, migrations: readonly Migration[]): Promise<void>;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;

  // training records
  /**
   * Writes rows in one transaction, after inserting `newKeys` (data keys created for them; a key whose
   * scope already has one is not inserted). A row whose data key does not exist then (erased meanwhile,
   * or another gateway won the race to create the scope's key) is skipped and reported, never written.
   */
  insertTrainingRecords(rows: readonly TrainingRow[], newKeys?: readonly DataKeyRow[]): Promise<InsertResult>;
  getTrainingRecord(id: string, now: number): Promise<TrainingRow | undefined>;
  /** Unexpired records of one application, ordered by (capturedAt, id). */
  listTrainingRecords(q: TrainingQuery): Promise<TrainingRow[]>;
  countTrainingRecords(q: Omit<TrainingQuery, 'after' | 'limit'>): Promise<number>;
  /** Deletes up to `limit` records with `expiresAt <= now`; resolves to how many. */
  deleteExpiredTrainingRecords(now: number, limit: number): Promise<number>;
  /** Deletes up to `limit` records of one application captured before `before` (a shortened retention). */
  deleteTrainingRecordsCapturedBefore(accountId: string, applicationId: string, before: number, limit: number): Promise<number>;
  /** Deletes, in one transaction, the data keys and records whose caller or callee pseudonym matches. */
  eraseTrainingByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<{ records: number; dataKeys: number }>;

  // data keys
  findDataKey(scope: DataKeyScope): Promise<DataKeyRow | undefined>;
  getDataKey(id: string): Promise<DataKeyRow | undefined>;
  /** Inserts unless a key for the same scope exists; resolves to the key that is stored (ours or the earlier one). */
  insertDataKey(row: DataKeyRow): Promise<DataKeyRow>;
  /** Data keys ordered by id, after `afterId`. */
  listDataKeys(afterId: string, limit: number): Promise<DataKeyRow[]>;
  /** Replaces a key's wrapping if it is still wrapped under `expectKekId`; resolves to whether it did. */
  rewrapDataKey(id: string, expectKekId: string, kekId: string, wrapped: Buffer): Promise<boolean>;

  // erasure receipts and audit
  insertErasureReceipt(r: ErasureReceipt): Promise<void>;
  listErasureReceipts(accountId?: string): Promise<ErasureReceipt[]>;
  /** Append-only: the tables refuse UPDATE and DELETE. */
  audit(entry: AuditEntry, at?: number): Promise<void>;
  listAudit(filter?: { action?: string; sinceSeq?: number }): Promise<AuditRecord[]>;

  /** Makes deleted content leave the files (SQLite: WAL checkpoint + truncate); no-op where the engine manages it. */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}
