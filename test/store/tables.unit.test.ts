/**
 * One table description, two engines (src/store/tables.ts): the rendered DDL per engine, checks
 * on the description itself, and the SQLite rendering run against a real (in-memory) database.
 * The PostgreSQL rendering runs in test/store/postgres.test.ts through the store migrations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { addColumnSql, createTableSql, table, tablesMigration } from '../../src/store/tables.js';
import { storeMigrations } from '../../src/store/schema.js';

const sample = table({
  name: 'sample_rows',
  columns: [
    { name: 'seq', type: 'serial', primaryKey: true },
    { name: 'owner', type: 'text', references: { table: 'owners', column: 'id', onDelete: 'cascade' } },
    { name: 'size', type: 'real', nullable: true },
    { name: 'flag', type: 'boolean', default: 0 },
    { name: 'at', type: 'bigint' },
    { name: 'blob', type: 'bytes', unique: true },
  ],
  indexes: [{ name: 'sample_rows_owner', columns: ['owner', 'at'], unique: true }],
});

test('one description renders each engine\'s types, keys and indexes', () => {
  assert.equal(
    createTableSql(sample, 'sqlite'),
    'CREATE TABLE sample_rows (\n  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n  owner TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,\n  size REAL,\n  flag INTEGER NOT NULL DEFAULT 0,\n  at INTEGER NOT NULL,\n  blob BLOB NOT NULL UNIQUE\n);\nCREATE UNIQUE INDEX sample_rows_owner ON sample_rows(owner, at);',
  );
  assert.equal(
    createTableSql(sample, 'postgres'),
    'CREATE TABLE sample_rows (\n  seq BIGSERIAL PRIMARY KEY,\n  owner TEXT NOT NULL REFERENCES owners(id) ON DELETE CASCADE,\n  size DOUBLE PRECISION,\n  flag BOOLEAN NOT NULL DEFAULT 0,\n  at BIGINT NOT NULL,\n  blob BYTEA NOT NULL UNIQUE\n);\nCREATE UNIQUE INDEX sample_rows_owner ON sample_rows(owner, at);',
  );
  const composite = table({ name: 'pairs', columns: [{ name: 'a', type: 'text' }, { name: 'b', type: 'integer' }], primaryKey: ['a', 'b'], withoutRowId: true });
  assert.match(createTableSql(composite, 'sqlite', { ifNotExists: true }), /^CREATE TABLE IF NOT EXISTS pairs \([\s\S]*PRIMARY KEY \(a, b\)\n\) WITHOUT ROWID;$/);
  assert.doesNotMatch(createTableSql(composite, 'postgres'), /ROWID/);
  assert.equal(addColumnSql('pairs', { name: 'c', type: 'bytes', nullable: true }, 'postgres'), 'ALTER TABLE pairs ADD COLUMN c BYTEA;');
});

test('a broken description fails where it is written, naming the table and the problem', () => {
  assert.throws(() => table({ name: 't', columns: [{ name: 'a', type: 'text' }, { name: 'a', type: 'text' }] }), /table t: column a declared twice/);
  assert.throws(() => table({ name: 't', columns: [{ name: 'a', type: 'text' }], indexes: [{ name: 't_b', columns: ['b'] }] }), /table t: .*unknown column b/);
  assert.throws(() => table({ name: 't', columns: [{ name: 'a; DROP', type: 'text' }] }), /not a lower-case SQL identifier/);
  assert.throws(() => table({ name: 't', columns: [{ name: 'a', type: 'serial' }] }), /serial column a must be the primary key/);
  assert.throws(() => table({ name: 't', columns: [{ name: 'a', type: 'text', primaryKey: true }], primaryKey: ['a'] }), /more than one primary key/);
});

test('the rendered SQLite DDL runs: the store migrations build every table, and NOT NULL/UNIQUE hold', () => {
  const db = new Database(':memory:');
  try {
    for (const m of storeMigrations) db.exec(m.sqlite);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(tables, ['audit_log', 'data_keys', 'erasure_receipts', 'training_records']);
    const receipts = db.prepare('PRAGMA table_info(erasure_receipts)').all() as { name: string; notnull: number }[];
    assert.deepEqual(receipts.map((c) => [c.name, c.notnull]).slice(-2), [['regions', 1], ['reach', 0]]);
    db.exec(tablesMigration({ version: 1, description: 'owners', tables: [table({ name: 'owners', columns: [{ name: 'id', type: 'text', primaryKey: true }] })] }).sqlite);
    db.exec(createTableSql(sample, 'sqlite'));
    db.prepare("INSERT INTO owners (id) VALUES ('o')").run();
    db.prepare("INSERT INTO sample_rows (owner, at, blob) VALUES ('o', 1, x'01')").run();
    assert.equal((db.prepare('SELECT flag FROM sample_rows').get() as { flag: number }).flag, 0, 'DEFAULT applied');
    assert.throws(() => db.prepare("INSERT INTO sample_rows (owner, at, blob) VALUES ('o', 2, x'01')").run(), /UNIQUE/);
    assert.throws(() => db.prepare("INSERT INTO sample_rows (owner, blob) VALUES ('o', x'02')").run(), /NOT NULL/);
    assert.throws(() => db.prepare('DELETE FROM audit_log').run() && db.prepare("INSERT INTO audit_log (at, actor, action, target, details) VALUES (1, 'a', 'b', 'c', 'd')").run() && db.prepare('DELETE FROM audit_log').run(), /append-only/);
  } finally {
    db.close();
  }
});
