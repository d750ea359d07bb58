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
import { table, tablesMigration } from './tables.js';

export const STORE_NAMESPACE = 'store';

const dataKeys = table({
  name: 'data_keys',
  columns: [
    { name: 'id', type: 'text', primaryKey: true },
    { name: 'account_id', type: 'text' },
    { name: 'application_id', type: 'text' },
    { name: 'region', type: 'text' },
    { name: 'from_pseudonym', type: 'text' },
    { name: 'to_pseudonym', type: 'text' },
    { name: 'kek_id', type: 'text' },
    { name: 'wrapped', type: 'bytes' },
    { name: 'created_at', type: 'bigint' },
  ],
  indexes: [
    { name: 'data_keys_scope', columns: ['account_id', 'application_id', 'from_pseudonym', 'to_pseudonym', 'region'], unique: true },
    { name: 'data_keys_to', columns: ['account_id', 'application_id', 'to_pseudonym'] },
  ],
});

const trainingRecords = table({
  name: 'training_records',
  columns: [
    { name: 'id', type: 'text', primaryKey: true },
    { name: 'account_id', type: 'text' },
    { name: 'application_id', type: 'text' },
    { name: 'region', type: 'text' },
    { name: 'data_key_id', type: 'text', references: { table: 'data_keys', column: 'id', onDelete: 'cascade' } },
    { name: 'from_pseudonym', type: 'text' },
    { name: 'to_pseudonym', type: 'text' },
    { name: 'from_masked', type: 'text' },
    { name: 'to_masked', type: 'text' },
    { name: 'language', type: 'text' },
    { name: 'confidence', type: 'real', nullable: true },
    { name: 'started_at', type: 'bigint' },
    { name: 'ended_at', type: 'bigint' },
    { name: 'captured_at', type: 'bigint' },
    { name: 'expires_at', type: 'bigint' },
    { name: 'has_audio', type: 'boolean' },
    { name: 'sealed', type: 'bytes' },
  ],
  indexes: [
    { name: 'training_records_app_time', columns: ['account_id', 'application_id', 'captured_at', 'id'] },
    { name: 'training_records_expires', columns: ['expires_at'] },
    { name: 'training_records_key', columns: ['data_key_id'] },
  ],
});

const erasureReceipts = table({
  name: 'erasure_receipts',
  columns: [
    { name: 'request_id', type: 'text', primaryKey: true },
    { name: 'account_id', type: 'text' },
    { name: 'application_id', type: 'text' },
    { name: 'requested_at', type: 'bigint' },
    { name: 'completed_at', type: 'bigint' },
    { name: 'counts', type: 'text' },
    { name: 'regions', type: 'text' },
  ],
});

const auditLog = table({
  name: 'audit_log',
  columns: [
    { name: 'seq', type: 'serial', primaryKey: true },
    { name: 'at', type: 'bigint' },
    { name: 'actor', type: 'text' },
    { name: 'action', type: 'text' },
    { name: 'target', type: 'text' },
    { name: 'details', type: 'text' },
  ],
  indexes: [{ name: 'audit_log_action', columns: ['action', 'seq'] }],
});

export const storeMigrations: readonly Migration[] = [
  tablesMigration({
    version: 1,
    description: 'data keys, training records, erasure receipts, audit log',
    tables: [dataKeys, trainingRecords, erasureReceipts, auditLog],
    // The audit log is append-only in the database itself; triggers have no portable form.
    after: {
      sqlite: `
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`,
      postgres: `
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$;
        CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
          FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();`,
    },
  }),
  tablesMigration({
    version: 2,
    description: 'erasure receipts: what erasure could not reach (failed parts, sinks not reached, per-sink outcome)',
    addColumns: [{ table: 'erasure_receipts', column: { name: 'reach', type: 'text', nullable: true } }],
  }),
];
