/**
 * The tenancy tables, created in the control region's store with `store.migrate('tenancy', …)`.
 * Documents (`doc`) hold the settings as the operator gave them (JSON, validated with the config
 * schema on the way in and parsed again on the way out, so new defaults apply to old rows).
 * `number_key` is the router's normalised form (E.164 / lower-cased user part / `prefix*`): its primary
 * key makes "one number, one application" a database rule that no race between gateways can break.
 * `tenancy_revision` is bumped by every change so other gateways sharing the store notice it.
 */
import type { Migration } from '../store/index.js';
import { table, tablesMigration } from '../store/index.js';

export const TENANCY_NAMESPACE = 'tenancy';

const accounts = table({
  name: 'tenancy_accounts',
  columns: [
    { name: 'id', type: 'text', primaryKey: true },
    { name: 'doc', type: 'text' },
    { name: 'source', type: 'text' },
    { name: 'created_at', type: 'bigint' },
    { name: 'updated_at', type: 'bigint' },
  ],
});

const applications = table({
  name: 'tenancy_applications',
  columns: [
    { name: 'id', type: 'text', primaryKey: true },
    { name: 'account_id', type: 'text', references: { table: 'tenancy_accounts', column: 'id' } },
    { name: 'doc', type: 'text' },
    { name: 'source', type: 'text' },
    { name: 'created_at', type: 'bigint' },
    { name: 'updated_at', type: 'bigint' },
  ],
  indexes: [{ name: 'tenancy_applications_account', columns: ['account_id'] }],
});

const numbers = table({
  name: 'tenancy_numbers',
  columns: [
    { name: 'number_key', type: 'text', primaryKey: true },
    { name: 'number', type: 'text' },
    { name: 'application_id', type: 'text', references: { table: 'tenancy_applications', column: 'id', onDelete: 'cascade' } },
    { name: 'created_at', type: 'bigint' },
  ],
  indexes: [{ name: 'tenancy_numbers_application', columns: ['application_id'] }],
});

const revision = table({
  name: 'tenancy_revision',
  columns: [
    { name: 'id', type: 'integer', primaryKey: true },
    { name: 'revision', type: 'bigint' },
  ],
});

const seedRevision = 'INSERT INTO tenancy_revision (id, revision) VALUES (1, 0);';

export const tenancyMigrations: readonly Migration[] = [
  tablesMigration({
    version: 1,
    description: 'accounts, applications, numbers, revision',
    tables: [accounts, applications, numbers, revision],
    after: { sqlite: seedRevision, postgres: seedRevision },
  }),
];
