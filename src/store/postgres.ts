/**
 * The scale-out `Store`: one PostgreSQL database per region (pg, pooled).
 *
 * - Multi-row writes are one statement over `unnest` of typed arrays: the parameter count is fixed
 *   whatever the batch size, so the statement is planned once and a 1,000-row batch is one round trip.
 * - Capture and erasure serialise on the data key row: a capture batch takes `FOR KEY SHARE` on the
 *   keys it writes under, erasure takes `FOR UPDATE` on the keys it deletes before deleting records.
 *   So a record is either erased with its key or written after erasure under a fresh key, never left
 *   behind under a deleted one.
 * - Migrations run under an advisory lock, so several gateways starting together apply each step once.
 * - `?` placeholders of the generic surface become `$1..$n` (not inside quoted literals).
 */
import pg from 'pg';
import type {
  AuditEntry, AuditRecord, DataKeyRow, DataKeyScope, ErasureReceipt, InsertResult, Migration, SqlExecutor, Store, TrainingQuery, TrainingRow,
} from './store.js';
import { DATA_KEY_COLUMNS, TRAINING_COLUMNS, dataKeyValues, receiptReach, toAuditRecord, toDataKeyRow, toReceipt, toTrainingRow } from './rows.js';
import { STORE_NAMESPACE, storeMigrations } from './schema.js';
import { createTableSql, schemaMigrationsTable } from './tables.js';

export interface PostgresStoreOptions {
  region: string;
  url: string;
  /** Pool size (default 10). */
  max?: number;
}

/** Rewrites `?` placeholders to `$n`, leaving quoted literals and identifiers alone. */
export function toPgPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  return out;
}

const TRAINING_TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'float8', 'int8', 'int8', 'int8', 'int8', 'bool', 'bytea'];

const INSERT_TRAINING = `INSERT INTO training_records (${TRAINING_COLUMNS.join(', ')})
  SELECT * FROM unnest(${TRAINING_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;

const INSERT_KEYS = `INSERT INTO data_keys (${DATA_KEY_COLUMNS.join(', ')})
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[], $9::int8[])`;

function columnsOf(rows: readonly TrainingRow[]): unknown[][] {
  const cols: unknown[][] = TRAINING_COLUMNS.map(() => new Array(rows.length));
  rows.forEach((r, i) => {
    const v = [r.id, r.accountId, r.applicationId, r.region, r.dataKeyId, r.fromPseudonym, r.toPseudonym, r.fromMasked, r.toMasked,
      r.language, r.confidence, r.startedAt, r.endedAt, r.capturedAt, r.expiresAt, r.hasAudio, r.sealed];
    for (let c = 0; c < v.length; c++) cols[c]![i] = v[c];
  });
  return cols;
}

function keyColumnsOf(keys: readonly DataKeyRow[]): unknown[][] {
  const cols: unknown[][] = DATA_KEY_COLUMNS.map(() => new Array(keys.length));
  keys.forEach((k, i) => dataKeyValues(k).forEach((v, c) => (cols[c]![i] = v)));
  return cols;
}

type Queryable = pg.Pool | pg.PoolClient;

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly region: string;
  private readonly pool: pg.Pool;

  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(opts);
    try {
      await store.migrate(STORE_NAMESPACE, storeMigrations);
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  private constructor(opts: PostgresStoreOptions) {
    this.region = opts.region;
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.max ?? 10 });
    this.pool.on('error', () => {
      /* an idle client died (server restart); the pool replaces it on next use */
    });
  }

  private async inTx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  private static executor(q: Queryable): SqlExecutor {
    return {
      query: async <T>(sql: string, params: readonly unknown[] = []) => (await q.query(toPgPlaceholders(sql), params as unknown[])).rows as T[],
      execute: async (sql: string, params: readonly unknown[] = []) => (await q.query(toPgPlaceholders(sql), params as unknown[])).rowCount ?? 0,
    };
  }

  // ---- generic surface -------------------------------------------------------------------

  async migrate(namespace: string, migrations: readonly Migration[]): Promise<void> {
    await this.inTx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext('hushgate.schema_migrations'))");
      await c.query(createTableSql(schemaMigrationsTable, 'postgres', { ifNotExists: true }));
      const applied = new Set((await c.query('SELECT version FROM schema_migrations WHERE namespace = $1', [namespace])).rows.map((r) => Number(r.version)));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        await c.query(m.postgres);
        await c.query('INSERT INTO schema_migrations (namespace, version, description, applied_at) VALUES ($1, $2, $3, $4)', [namespace, m.version, m.description, Date.now()]);
      }
    });
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return PostgresStore.executor(this.pool).query<T>(sql, params);
  }

  execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return PostgresStore.executor(this.pool).execute(sql, params);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inTx((c) => fn(PostgresStore.executor(c)));
  }

  // ---- training records ------------------------------------------------------------------

  async insertTrainingRecords(rows: readonly TrainingRow[], newKeys: readonly DataKeyRow[] = []): Promise<InsertResult> {
    if (rows.length === 0) return { inserted: 0, orphaned: [] };
    return this.inTx(async (c) => {
      if (newKeys.length) await c.query(`${INSERT_KEYS} ON CONFLICT DO NOTHING`, keyColumnsOf(newKeys));
      const keyIds = [...new Set(rows.map((r) => r.dataKeyId))];
      const live = new Set((await c.query('SELECT id FROM data_keys WHERE id = ANY($1::text[]) FOR KEY SHARE', [keyIds])).rows.map((r) => r.id as string));
      const keep = live.size === keyIds.length ? rows : rows.filter((r) => live.has(r.dataKeyId));
      const orphaned = keep === rows ? [] : rows.filter((r) => !live.has(r.dataKeyId)).map((r) => r.id);
      if (keep.length) await c.query(INSERT_TRAINING, columnsOf(keep));
      return { inserted: keep.length, orphaned };
    });
  }

  async getTrainingRecord(id: string, now: number): Promise<TrainingRow | undefined> {
    const r = await this.pool.query('SELECT * FROM training_records WHERE id = $1 AND expires_at > $2', [id, now]);
    return r.rows[0] ? toTrainingRow(r.rows[0]) : undefined;
  }

  async listTrainingRecords(q: TrainingQuery): Promise<TrainingRow[]> {
    const since = q.since ?? -1;
    const r = q.after
      ? await this.pool.query(
          `SELECT * FROM training_records WHERE account_id = $1 AND application_id = $2 AND expires_at > $3 AND captured_at >= $4
             AND (captured_at, id) > ($5, $6) ORDER BY captured_at, id LIMIT $7`,
          [q.accountId, q.applicationId, q.now, since, q.after.capturedAt, q.after.id, q.limit],
        )
      : await this.pool.query(
          `SELECT * FROM training_records WHERE account_id = $1 AND application_id = $2 AND expires_at > $3 AND captured_at >= $4
             ORDER BY captured_at, id LIMIT $5`,
          [q.accountId, q.applicationId, q.now, since, q.limit],
        );
    return r.rows.map(toTrainingRow);
  }

  async countTrainingRecords(q: Omit<TrainingQuery, 'after' | 'limit'>): Promise<number> {
    const r = await this.pool.query(
      'SELECT count(*) AS n FROM training_records WHERE account_id = $1 AND application_id = $2 AND expires_at > $3 AND captured_at >= $4',
      [q.accountId, q.applicationId, q.now, q.since ?? -1],
    );
    return Number(r.rows[0].n);
  }

  async deleteExpiredTrainingRecords(now: number, limit: number): Promise<number> {
    const r = await this.pool.query(
      'DELETE FROM training_records WHERE ctid = ANY(ARRAY(SELECT ctid FROM training_records WHERE expires_at <= $1 LIMIT $2))',
      [now, limit],
    );
    return r.rowCount ?? 0;
  }

  async deleteTrainingRecordsCapturedBefore(accountId: string, applicationId: string, before: number, limit: number): Promise<number> {
    const r = await this.pool.query(
      `DELETE FROM training_records WHERE ctid = ANY(ARRAY(SELECT ctid FROM training_records
         WHERE account_id = $1 AND application_id = $2 AND captured_at < $3 LIMIT $4))`,
      [accountId, applicationId, before, limit],
    );
    return r.rowCount ?? 0;
  }

  async eraseTrainingByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<{ records: number; dataKeys: number }> {
    return this.inTx(async (c) => {
      const keys = (
        await c.query(
          `SELECT id FROM data_keys WHERE account_id = $1 AND application_id = $2 AND from_pseudonym = $3
           UNION SELECT id FROM data_keys WHERE account_id = $1 AND application_id = $2 AND to_pseudonym = $3`,
          [accountId, applicationId, pseudonym],
        )
      ).rows.map((r) => r.id as string);
      if (keys.length === 0) return { records: 0, dataKeys: 0 };
      // Lock first: a capture batch holding FOR KEY SHARE on one of these keys finishes before we look at records.
      await c.query('SELECT id FROM data_keys WHERE id = ANY($1::text[]) FOR UPDATE', [keys]);
      const records = (await c.query('DELETE FROM training_records WHERE data_key_id = ANY($1::text[])', [keys])).rowCount ?? 0;
      const dataKeys = (await c.query('DELETE FROM data_keys WHERE id = ANY($1::text[])', [keys])).rowCount ?? 0;
      return { records, dataKeys };
    });
  }

  // ---- data keys -------------------------------------------------------------------------

  async findDataKey(s: DataKeyScope): Promise<DataKeyRow | undefined> {
    const r = await this.pool.query(
      'SELECT * FROM data_keys WHERE account_id = $1 AND application_id = $2 AND from_pseudonym = $3 AND to_pseudonym = $4 AND region = $5',
      [s.accountId, s.applicationId, s.fromPseudonym, s.toPseudonym, s.region],
    );
    return r.rows[0] ? toDataKeyRow(r.rows[0]) : undefined;
  }

  async getDataKey(id: string): Promise<DataKeyRow | undefined> {
    const r = await this.pool.query('SELECT * FROM data_keys WHERE id = $1', [id]);
    return r.rows[0] ? toDataKeyRow(r.rows[0]) : undefined;
  }

  async insertDataKey(row: DataKeyRow): Promise<DataKeyRow> {
    await this.pool.query(
      `INSERT INTO data_keys (${DATA_KEY_COLUMNS.join(', ')}) VALUES (${DATA_KEY_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING`,
      dataKeyValues(row),
    );
    return (await this.findDataKey(row))!;
  }

  async listDataKeys(afterId: string, limit: number): Promise<DataKeyRow[]> {
    const r = await this.pool.query('SELECT * FROM data_keys WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
    return r.rows.map(toDataKeyRow);
  }

  async rewrapDataKey(id: string, expectKekId: string, kekId: string, wrapped: Buffer): Promise<boolean> {
    const r = await this.pool.query('UPDATE data_keys SET kek_id = $1, wrapped = $2 WHERE id = $3 AND kek_id = $4', [kekId, wrapped, id, expectKekId]);
    return r.rowCount === 1;
  }

  // ---- receipts and audit ----------------------------------------------------------------

  async insertErasureReceipt(r: ErasureReceipt): Promise<void> {
    await this.pool.query(
      // A retry with the same request id (after an incomplete erasure) replaces its receipt: the latest outcome is the one that holds.
      'INSERT INTO erasure_receipts (request_id, account_id, application_id, requested_at, completed_at, counts, regions, reach) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (request_id) DO UPDATE SET account_id = excluded.account_id, application_id = excluded.application_id, requested_at = excluded.requested_at, completed_at = excluded.completed_at, counts = excluded.counts, regions = excluded.regions, reach = excluded.reach',
      [r.requestId, r.accountId, r.applicationId, r.requestedAt, r.completedAt, JSON.stringify(r.counts), JSON.stringify(r.regions), receiptReach(r)],
    );
  }

  async listErasureReceipts(accountId?: string): Promise<ErasureReceipt[]> {
    const r = accountId
      ? await this.pool.query('SELECT * FROM erasure_receipts WHERE account_id = $1 ORDER BY completed_at', [accountId])
      : await this.pool.query('SELECT * FROM erasure_receipts ORDER BY completed_at');
    return r.rows.map(toReceipt);
  }

  async audit(entry: AuditEntry, at = Date.now()): Promise<void> {
    await this.pool.query('INSERT INTO audit_log (at, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)', [
      at, entry.actor, entry.action, entry.target, JSON.stringify(entry.details ?? {}),
    ]);
  }

  async listAudit(filter: { action?: string; sinceSeq?: number } = {}): Promise<AuditRecord[]> {
    const r = filter.action
      ? await this.pool.query('SELECT * FROM audit_log WHERE action = $1 AND seq > $2 ORDER BY seq', [filter.action, filter.sinceSeq ?? 0])
      : await this.pool.query('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq', [filter.sinceSeq ?? 0]);
    return r.rows.map(toAuditRecord);
  }

  async checkpoint(): Promise<void> {
    /* PostgreSQL reclaims dead tuples with (auto)vacuum; nothing to do per call. */
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Fast path for benchmarks and bulk imports: keys then rows in `unnest` batches, no checks. */
  async bulkLoad(keys: readonly DataKeyRow[], rows: readonly TrainingRow[], batch = 5000): Promise<void> {
    for (let i = 0; i < keys.length; i += batch) await this.pool.query(INSERT_KEYS, keyColumnsOf(keys.slice(i, i + batch)));
    for (let i = 0; i < rows.length; i += batch) await this.pool.query(INSERT_TRAINING, columnsOf(rows.slice(i, i + batch)));
  }
}
