/**
 * The embedded `Store`: one SQLite file per region (better-sqlite3).
 *
 * - WAL journal, `synchronous=NORMAL` by default (a committed batch survives a process kill;
 *   a power cut may lose the last commits: choose `FULL` to fsync every commit), `foreign_keys=ON` (erasure cascades from data keys to records), `secure_delete=ON`
 *   (deleted rows are overwritten, so an erased caller's metadata does not linger in free pages).
 * - Every statement is prepared once; multi-row writes run in one `BEGIN IMMEDIATE` transaction.
 * - better-sqlite3 is synchronous. The async interface is kept so the PostgreSQL store fits the same
 *   shape; while a generic `transaction()` is open across awaits, other calls wait for it, so nothing
 *   runs inside someone else's transaction by accident.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PRIVATE_DIR_MODE, ensurePrivateFile, tightenSqliteCompanions } from './private-files.js';
import type {
  AuditEntry, AuditRecord, DataKeyRow, DataKeyScope, ErasureReceipt, InsertResult, Migration, SqlExecutor, Store, TrainingQuery, TrainingRow,
} from './store.js';
import { DATA_KEY_COLUMNS, TRAINING_COLUMNS, dataKeyValues, receiptReach, toAuditRecord, toDataKeyRow, toReceipt, toTrainingRow, trainingRowValues } from './rows.js';
import { STORE_NAMESPACE, storeMigrations } from './schema.js';
import { createTableSql, schemaMigrationsTable } from './tables.js';

type Stmt = Database.Statement<unknown[], Record<string, unknown>>;

export interface SqliteStoreOptions {
  region: string;
  /** File path, or `:memory:`. */
  path: string;
  /** `NORMAL` (default; a power cut may lose the last commits, a process kill does not) or `FULL` (fsync per commit). */
  synchronous?: 'FULL' | 'NORMAL';
  /** Page cache size (default 64 MiB). */
  cacheMiB?: number;
}

function sqliteValue(v: unknown): unknown {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly region: string;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmts = new Map<string, Stmt>();
  private txTail: Promise<void> = Promise.resolve();
  private txOpen = false;

  static async open(opts: SqliteStoreOptions): Promise<SqliteStore> {
    const store = new SqliteStore(opts);
    await store.migrate(STORE_NAMESPACE, storeMigrations);
    return store;
  }

  private constructor(opts: SqliteStoreOptions) {
    this.region = opts.region;
    this.path = opts.path;
    if (opts.path !== ':memory:') {
      // The file is created 0600 before SQLite opens it: its -wal and -shm then get the same mode.
      mkdirSync(dirname(opts.path), { recursive: true, mode: PRIVATE_DIR_MODE });
      ensurePrivateFile(opts.path);
      tightenSqliteCompanions(opts.path);
    }
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`cache_size = -${(opts.cacheMiB ?? 64) * 1024}`); // indexes of a million records stay in memory
    this.db.exec(createTableSql(schemaMigrationsTable, 'sqlite', { ifNotExists: true }));
  }

  private stmt(sql: string): Stmt {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql) as Stmt;
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Waits while a generic transaction is open, so typed calls never land inside it. */
  private async idle(): Promise<void> {
    while (this.txOpen) await this.txTail;
  }

  // ---- generic surface -------------------------------------------------------------------

  async migrate(namespace: string, migrations: readonly Migration[]): Promise<void> {
    await this.idle();
    const applied = new Set(
      (this.stmt('SELECT version FROM schema_migrations WHERE namespace = ?').all(namespace) as { version: number }[]).map((r) => r.version),
    );
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        // Another process may have applied it while we waited for the write lock.
        if (this.db.prepare('SELECT 1 FROM schema_migrations WHERE namespace = ? AND version = ?').get(namespace, m.version)) return;
        this.db.exec(m.sqlite);
        this.db.prepare('INSERT INTO schema_migrations (namespace, version, description, applied_at) VALUES (?, ?, ?, ?)').run(namespace, m.version, m.description, Date.now());
      }).immediate();
    }
  }

  private readonly executor: SqlExecutor = {
    query: async <T>(sql: string, params: readonly unknown[] = []) => this.stmt(sql).all(...params.map(sqliteValue)) as T[],
    execute: async (sql: string, params: readonly unknown[] = []) => this.stmt(sql).run(...params.map(sqliteValue)).changes,
  };

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    await this.idle();
    return this.executor.query<T>(sql, params);
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    await this.idle();
    return this.executor.execute(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // Two callers can both see no transaction open and resume one after the other: check again once
    // resumed, synchronously before BEGIN, or the second would BEGIN inside the first.
    do await this.idle();
    while (this.txOpen);
    let release!: () => void;
    this.txOpen = true;
    this.txTail = new Promise<void>((r) => (release = r));
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(this.executor);
      this.db.exec('COMMIT');
      return result;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.txOpen = false;
      release();
    }
  }

  // ---- training records ------------------------------------------------------------------

  async insertTrainingRecords(rows: readonly TrainingRow[], newKeys: readonly DataKeyRow[] = []): Promise<InsertResult> {
    await this.idle();
    const insertKey = this.stmt(`INSERT INTO data_keys (${DATA_KEY_COLUMNS.join(', ')}) VALUES (${DATA_KEY_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`);
    const insert = this.stmt(`INSERT INTO training_records (${TRAINING_COLUMNS.join(', ')}) VALUES (${TRAINING_COLUMNS.map(() => '?').join(', ')})`);
    const keyExists = this.stmt('SELECT 1 AS ok FROM data_keys WHERE id = ?');
    return this.db
      .transaction((): InsertResult => {
        for (const k of newKeys) insertKey.run(...dataKeyValues(k));
        const orphaned: string[] = [];
        const known = new Map<string, boolean>();
        let inserted = 0;
        for (const row of rows) {
          let exists = known.get(row.dataKeyId);
          if (exists === undefined) {
            exists = keyExists.get(row.dataKeyId) !== undefined;
            known.set(row.dataKeyId, exists);
          }
          if (!exists) {
            orphaned.push(row.id);
            continue;
          }
          insert.run(...trainingRowValues(row).map(sqliteValue));
          inserted++;
        }
        return { inserted, orphaned };
      })
      .immediate();
  }

  async getTrainingRecord(id: string, now: number): Promise<TrainingRow | undefined> {
    await this.idle();
    const raw = this.stmt('SELECT * FROM training_records WHERE id = ? AND expires_at > ?').get(id, now);
    return raw ? toTrainingRow(raw) : undefined;
  }

  async listTrainingRecords(q: TrainingQuery): Promise<TrainingRow[]> {
    await this.idle();
    const since = q.since ?? -1;
    const rows = q.after
      ? this.stmt(
          `SELECT * FROM training_records WHERE account_id = ? AND application_id = ? AND expires_at > ? AND captured_at >= ?
             AND (captured_at > ? OR (captured_at = ? AND id > ?)) ORDER BY captured_at, id LIMIT ?`,
        ).all(q.accountId, q.applicationId, q.now, since, q.after.capturedAt, q.after.capturedAt, q.after.id, q.limit)
      : this.stmt(
          `SELECT * FROM training_records WHERE account_id = ? AND application_id = ? AND expires_at > ? AND captured_at >= ?
             ORDER BY captured_at, id LIMIT ?`,
        ).all(q.accountId, q.applicationId, q.now, since, q.limit);
    return rows.map(toTrainingRow);
  }

  async countTrainingRecords(q: Omit<TrainingQuery, 'after' | 'limit'>): Promise<number> {
    await this.idle();
    const r = this.stmt(
      'SELECT count(*) AS n FROM training_records WHERE account_id = ? AND application_id = ? AND expires_at > ? AND captured_at >= ?',
    ).get(q.accountId, q.applicationId, q.now, q.since ?? -1) as { n: number };
    return r.n;
  }

  async deleteExpiredTrainingRecords(now: number, limit: number): Promise<number> {
    await this.idle();
    return this.stmt('DELETE FROM training_records WHERE rowid IN (SELECT rowid FROM training_records WHERE expires_at <= ? LIMIT ?)').run(now, limit).changes;
  }

  async deleteTrainingRecordsCapturedBefore(accountId: string, applicationId: string, before: number, limit: number): Promise<number> {
    await this.idle();
    return this.stmt(
      `DELETE FROM training_records WHERE rowid IN (SELECT rowid FROM training_records
         WHERE account_id = ? AND application_id = ? AND captured_at < ? LIMIT ?)`,
    ).run(accountId, applicationId, before, limit).changes;
  }

  async eraseTrainingByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<{ records: number; dataKeys: number }> {
    await this.idle();
    const keys = this.stmt(
      `SELECT id FROM data_keys WHERE account_id = ? AND application_id = ? AND from_pseudonym = ?
       UNION SELECT id FROM data_keys WHERE account_id = ? AND application_id = ? AND to_pseudonym = ?`,
    );
    const delRecords = this.stmt('DELETE FROM training_records WHERE data_key_id = ?');
    const delKey = this.stmt('DELETE FROM data_keys WHERE id = ?');
    return this.db
      .transaction(() => {
        let records = 0;
        let dataKeys = 0;
        for (const { id } of keys.all(accountId, applicationId, pseudonym, accountId, applicationId, pseudonym) as { id: string }[]) {
          records += delRecords.run(id).changes;
          dataKeys += delKey.run(id).changes; // would cascade too; explicit so the count is exact
        }
        return { records, dataKeys };
      })
      .immediate();
  }

  // ---- data keys -------------------------------------------------------------------------

  async findDataKey(s: DataKeyScope): Promise<DataKeyRow | undefined> {
    await this.idle();
    const raw = this.stmt(
      'SELECT * FROM data_keys WHERE account_id = ? AND application_id = ? AND from_pseudonym = ? AND to_pseudonym = ? AND region = ?',
    ).get(s.accountId, s.applicationId, s.fromPseudonym, s.toPseudonym, s.region);
    return raw ? toDataKeyRow(raw) : undefined;
  }

  async getDataKey(id: string): Promise<DataKeyRow | undefined> {
    await this.idle();
    const raw = this.stmt('SELECT * FROM data_keys WHERE id = ?').get(id);
    return raw ? toDataKeyRow(raw) : undefined;
  }

  async insertDataKey(row: DataKeyRow): Promise<DataKeyRow> {
    await this.idle();
    this.stmt(`INSERT INTO data_keys (${DATA_KEY_COLUMNS.join(', ')}) VALUES (${DATA_KEY_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`).run(
      ...dataKeyValues(row),
    );
    return (await this.findDataKey(row))!;
  }

  async listDataKeys(afterId: string, limit: number): Promise<DataKeyRow[]> {
    await this.idle();
    return this.stmt('SELECT * FROM data_keys WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit).map(toDataKeyRow);
  }

  async rewrapDataKey(id: string, expectKekId: string, kekId: string, wrapped: Buffer): Promise<boolean> {
    await this.idle();
    return this.stmt('UPDATE data_keys SET kek_id = ?, wrapped = ? WHERE id = ? AND kek_id = ?').run(kekId, wrapped, id, expectKekId).changes === 1;
  }

  // ---- receipts and audit ----------------------------------------------------------------

  async insertErasureReceipt(r: ErasureReceipt): Promise<void> {
    await this.idle();
    this.stmt(
      // A retry with the same request id (after an incomplete erasure) replaces its receipt: the latest outcome is the one that holds.
      'INSERT INTO erasure_receipts (request_id, account_id, application_id, requested_at, completed_at, counts, regions, reach) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO UPDATE SET account_id = excluded.account_id, application_id = excluded.application_id, requested_at = excluded.requested_at, completed_at = excluded.completed_at, counts = excluded.counts, regions = excluded.regions, reach = excluded.reach',
    ).run(r.requestId, r.accountId, r.applicationId, r.requestedAt, r.completedAt, JSON.stringify(r.counts), JSON.stringify(r.regions), receiptReach(r));
  }

  async listErasureReceipts(accountId?: string): Promise<ErasureReceipt[]> {
    await this.idle();
    const rows = accountId
      ? this.stmt('SELECT * FROM erasure_receipts WHERE account_id = ? ORDER BY completed_at').all(accountId)
      : this.stmt('SELECT * FROM erasure_receipts ORDER BY completed_at').all();
    return rows.map(toReceipt);
  }

  async audit(entry: AuditEntry, at = Date.now()): Promise<void> {
    await this.idle();
    this.stmt('INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)').run(
      at, entry.actor, entry.action, entry.target, JSON.stringify(entry.details ?? {}),
    );
  }

  async listAudit(filter: { action?: string; sinceSeq?: number } = {}): Promise<AuditRecord[]> {
    await this.idle();
    const rows = filter.action
      ? this.stmt('SELECT * FROM audit_log WHERE action = ? AND seq > ? ORDER BY seq').all(filter.action, filter.sinceSeq ?? 0)
      : this.stmt('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq').all(filter.sinceSeq ?? 0);
    return rows.map(toAuditRecord);
  }

  async checkpoint(): Promise<void> {
    await this.idle();
    // A reader of another connection can hold the WAL: then TRUNCATE reports busy and the erased pages
    // stay in it. Retry briefly, and say so rather than claim the bytes are gone.
    // Each attempt must not wait out busy_timeout (5 s): SQLite's busy handler would block the event
    // loop that long per try. Try without it, 50 times 20 ms apart.
    this.db.pragma('busy_timeout = 0');
    try {
      for (let i = 0; i < 50; i++) {
        const r = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        if (r[0]?.busy === 0) return;
        await new Promise((res) => setTimeout(res, 20));
      }
    } finally {
      this.db.pragma('busy_timeout = 5000');
    }
    throw new Error(`checkpoint of region store ${this.region} did not complete: another connection holds its WAL`);
  }

  async close(): Promise<void> {
    await this.idle();
    if (this.db.open) this.db.close();
  }

  /** Fast path for benchmarks and bulk imports: rows (and their keys) in one transaction, no checks. */
  bulkLoad(keys: readonly DataKeyRow[], rows: readonly TrainingRow[]): void {
    const insKey = this.stmt(`INSERT INTO data_keys (${DATA_KEY_COLUMNS.join(', ')}) VALUES (${DATA_KEY_COLUMNS.map(() => '?').join(', ')})`);
    const insRow = this.stmt(`INSERT INTO training_records (${TRAINING_COLUMNS.join(', ')}) VALUES (${TRAINING_COLUMNS.map(() => '?').join(', ')})`);
    this.db.transaction(() => {
      for (const k of keys) insKey.run(...dataKeyValues(k));
      for (const r of rows) insRow.run(...trainingRowValues(r).map(sqliteValue));
    })();
  }
}
