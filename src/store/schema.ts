/**
 * The store's own tables, as a versioned migration list (namespace `store`). Other modules pass
 * their own namespace and list to `Store.migrate`; versions are counted per namespace.
 *
 * Index choices (they decide the benchmark figures):
 * - `training_records(account_id, application_id, captured_at, id)`: export pages by keyset.
 * - `training_records(expires_at)`: the retention sweep and the "never return expired" filter.
 * - `training_records(data_key_id)` with `ON DELETE CASCADE`: erasure deletes the matching data keys
 *   (found through their own pseudonym indexes) and the records go with them, so erasure cost is
 *   proportional to the caller's records, not the table.
 * - no index on the records' pseudonyms: nothing but the data key row is indexed by the number.
 */
import type { Migration } from './store.js';

export const STORE_NAMESPACE = 'store';

export const storeMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'data keys, training records, erasure receipts, audit log',
    sqlite: `
      CREATE TABLE data_keys (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        application_id TEXT NOT NULL,
        region TEXT NOT NULL,
        from_pseudonym TEXT NOT NULL,
        to_pseudonym TEXT NOT NULL,
        kek_id TEXT NOT NULL,
        wrapped BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX data_keys_scope ON data_keys(account_id, application_id, from_pseudonym, to_pseudonym, region);
      CREATE INDEX data_keys_to ON data_keys(account_id, application_id, to_pseudonym);
      CREATE TABLE training_records (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        application_id TEXT NOT NULL,
        region TEXT NOT NULL,
        data_key_id TEXT NOT NULL REFERENCES data_keys(id) ON DELETE CASCADE,
        from_pseudonym TEXT NOT NULL,
        to_pseudonym TEXT NOT NULL,
        from_masked TEXT NOT NULL,
        to_masked TEXT NOT NULL,
        language TEXT NOT NULL,
        confidence REAL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        captured_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        has_audio INTEGER NOT NULL,
        sealed BLOB NOT NULL
      );
      CREATE INDEX training_records_app_time ON training_records(account_id, application_id, captured_at, id);
      CREATE INDEX training_records_expires ON training_records(expires_at);
      CREATE INDEX training_records_key ON training_records(data_key_id);
      CREATE TABLE erasure_receipts (
        request_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        application_id TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        completed_at INTEGER NOT NULL,
        counts TEXT NOT NULL,
        regions TEXT NOT NULL
      );
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        details TEXT NOT NULL
      );
      CREATE INDEX audit_log_action ON audit_log(action, seq);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    `,
    postgres: `
      CREATE TABLE data_keys (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        application_id TEXT NOT NULL,
        region TEXT NOT NULL,
        from_pseudonym TEXT NOT NULL,
        to_pseudonym TEXT NOT NULL,
        kek_id TEXT NOT NULL,
        wrapped BYTEA NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX data_keys_scope ON data_keys(account_id, application_id, from_pseudonym, to_pseudonym, region);
      CREATE INDEX data_keys_to ON data_keys(account_id, application_id, to_pseudonym);
      CREATE TABLE training_records (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        application_id TEXT NOT NULL,
        region TEXT NOT NULL,
        data_key_id TEXT NOT NULL REFERENCES data_keys(id) ON DELETE CASCADE,
        from_pseudonym TEXT NOT NULL,
        to_pseudonym TEXT NOT NULL,
        from_masked TEXT NOT NULL,
        to_masked TEXT NOT NULL,
        language TEXT NOT NULL,
        confidence DOUBLE PRECISION,
        started_at BIGINT NOT NULL,
        ended_at BIGINT NOT NULL,
        captured_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        has_audio BOOLEAN NOT NULL,
        sealed BYTEA NOT NULL
      );
      CREATE INDEX training_records_app_time ON training_records(account_id, application_id, captured_at, id);
      CREATE INDEX training_records_expires ON training_records(expires_at);
      CREATE INDEX training_records_key ON training_records(data_key_id);
      CREATE TABLE erasure_receipts (
        request_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        application_id TEXT NOT NULL,
        requested_at BIGINT NOT NULL,
        completed_at BIGINT NOT NULL,
        counts TEXT NOT NULL,
        regions TEXT NOT NULL
      );
      CREATE TABLE audit_log (
        seq BIGSERIAL PRIMARY KEY,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        details TEXT NOT NULL
      );
      CREATE INDEX audit_log_action ON audit_log(action, seq);
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$;
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    `,
  },
  {
    version: 2,
    description: 'erasure receipts: what erasure could not reach (failed parts, sinks not reached, per-sink outcome)',
    sqlite: 'ALTER TABLE erasure_receipts ADD COLUMN reach TEXT',
    postgres: 'ALTER TABLE erasure_receipts ADD COLUMN reach TEXT',
  },
];
