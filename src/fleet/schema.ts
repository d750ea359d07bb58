/**
 * The fleet tables, in the control region's PostgreSQL (`store.migrate('fleet', …)`; PostgreSQL only:
 * a fleet shares one database, SQLite is one process's file).
 *
 * - `fleet_nodes`: one row per node (`node.id`), its heartbeat (the database's clock, so nodes' clocks
 *   need not agree), state (`serving` / `draining`) and figures. A node is live while its heartbeat is
 *   younger than three of its intervals.
 * - `fleet_calls`: the calls in progress on every node (identifiers and times only: no numbers, so
 *   the table is not a new destination of caller data). A node's rows go when its calls end, when it
 *   starts again, or when another node finds it dead.
 * - `fleet_erasures` / `fleet_erasure_acks`: an erasure made on one node, until every known node has
 *   cleared its own outbox of the caller (the row holds the keyed pseudonym, never the number, and is
 *   deleted once every node has confirmed).
 * - `fleet_rate_buckets`: admin API token buckets shared by the fleet.
 * - `fleet_auth_failures`: digest failures of the last window, so a node (re)starting knows them.
 * - A trigger on `tenancy_revision` notifies the fleet channel in the committing transaction, so every
 *   change — through any node's admin API or a CLI `--local` on the database — reaches every node.
 */
import type { Migration } from '../store/index.js';

export const FLEET_NAMESPACE = 'fleet';
/** The one LISTEN/NOTIFY channel of a fleet's database. */
export const FLEET_CHANNEL = 'hushgate_fleet';

const v1 = `
CREATE TABLE fleet_nodes (
  node_id TEXT PRIMARY KEY,
  sip TEXT NOT NULL,
  admin TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  heartbeat_ms INTEGER NOT NULL,
  calls_active INTEGER NOT NULL DEFAULT 0,
  calls_total BIGINT NOT NULL DEFAULT 0,
  calls_refused BIGINT NOT NULL DEFAULT 0,
  outbox_depth INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE fleet_calls (
  node_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  application_id TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  PRIMARY KEY (node_id, call_id)
);
CREATE TABLE fleet_erasures (
  request_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  application_id TEXT NOT NULL,
  pseudonym TEXT NOT NULL,
  origin_node TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE fleet_erasure_acks (
  request_id TEXT NOT NULL REFERENCES fleet_erasures(request_id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  removed INTEGER NOT NULL,
  failed TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (request_id, node_id)
);
CREATE TABLE fleet_rate_buckets (
  key TEXT PRIMARY KEY,
  tokens DOUBLE PRECISION NOT NULL,
  at BIGINT NOT NULL,
  last_ok BOOLEAN NOT NULL
);
CREATE TABLE fleet_auth_failures (
  node_id TEXT NOT NULL,
  source TEXT NOT NULL,
  username TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX fleet_auth_failures_at ON fleet_auth_failures (at);
CREATE FUNCTION hushgate_tenancy_notify() RETURNS trigger AS $fn$
BEGIN
  PERFORM pg_notify('${FLEET_CHANNEL}', json_build_object('t', 'tenancy', 'revision', NEW.revision)::text);
  RETURN NEW;
END
$fn$ LANGUAGE plpgsql;
CREATE TRIGGER tenancy_revision_notify AFTER UPDATE ON tenancy_revision FOR EACH ROW EXECUTE FUNCTION hushgate_tenancy_notify();
`;

export const fleetMigrations: readonly Migration[] = [
  { version: 1, description: 'fleet nodes, live calls, erasures, shared counters, tenancy notifications', sqlite: '-- PostgreSQL only', postgres: v1 },
];

/** Milliseconds since the epoch on the database's clock (one clock for the whole fleet). */
export const DB_NOW = '(extract(epoch from clock_timestamp()) * 1000)::bigint';
