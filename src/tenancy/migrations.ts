/**
 * The tenancy tables, created in the control region's store with `store.migrate('tenancy', …)`.
 * Documents (`doc`) hold the settings as the operator gave them (JSON, validated with the config
 * schema on the way in and parsed again on the way out, so new defaults apply to old rows).
 * `number_key` is the router's normalised form (E.164 / lower-cased user part / `prefix*`): its primary
 * key makes "one number, one application" a database rule that no race between gateways can break.
 * `tenancy_revision` is bumped by every change so other gateways sharing the store notice it.
 */
import type { Migration } from '../store/store.js';

export const TENANCY_NAMESPACE = 'tenancy';

const v1 = `
CREATE TABLE tenancy_accounts (
  id TEXT PRIMARY KEY,
  doc TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE tenancy_applications (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES tenancy_accounts(id),
  doc TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX tenancy_applications_account ON tenancy_applications (account_id);
CREATE TABLE tenancy_numbers (
  number_key TEXT PRIMARY KEY,
  number TEXT NOT NULL,
  application_id TEXT NOT NULL REFERENCES tenancy_applications(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL
);
CREATE INDEX tenancy_numbers_application ON tenancy_numbers (application_id);
CREATE TABLE tenancy_revision (id INTEGER PRIMARY KEY, revision BIGINT NOT NULL);
INSERT INTO tenancy_revision (id, revision) VALUES (1, 0);
`;

export const tenancyMigrations: readonly Migration[] = [{ version: 1, description: 'accounts, applications, numbers, revision', sqlite: v1, postgres: v1 }];
