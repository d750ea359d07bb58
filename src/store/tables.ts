/**
 * One description of a table, rendered as DDL for either engine, so the SQLite and PostgreSQL
 * schemas cannot drift apart. Modules describe their tables with `table()` and turn them into a
 * `Migration` with `tablesMigration()`; what has no portable form (triggers, functions) is passed
 * beside the tables per engine.
 *
 *   type       SQLite            PostgreSQL
 *   text       TEXT              TEXT
 *   integer    INTEGER           INTEGER            (counts, small numbers)
 *   bigint     INTEGER           BIGINT             (epoch milliseconds, revisions)
 *   real       REAL              DOUBLE PRECISION
 *   bytes      BLOB              BYTEA
 *   boolean    INTEGER (0/1)     BOOLEAN
 *   serial     INTEGER PRIMARY KEY AUTOINCREMENT   BIGSERIAL PRIMARY KEY
 */
import type { Migration } from './store.js';

export type Dialect = 'sqlite' | 'postgres';
export type ColumnType = 'text' | 'integer' | 'bigint' | 'real' | 'bytes' | 'boolean' | 'serial';

export interface Column {
  name: string;
  type: ColumnType;
  /** Columns are NOT NULL unless marked nullable: absent data is a decision, not a default. */
  nullable?: boolean;
  primaryKey?: boolean;
  unique?: boolean;
  default?: number | string;
  references?: { table: string; column: string; onDelete?: 'cascade' };
}

export interface Index {
  name: string;
  columns: readonly string[];
  unique?: boolean;
}

export interface Table {
  name: string;
  columns: readonly Column[];
  /** A composite primary key (a single-column one is marked on the column). */
  primaryKey?: readonly string[];
  indexes?: readonly Index[];
  /** SQLite only: a clustered table for composite keys (ignored by PostgreSQL, which has no rowid). */
  withoutRowId?: boolean;
}

const TYPES: Record<Dialect, Record<ColumnType, string>> = {
  sqlite: { text: 'TEXT', integer: 'INTEGER', bigint: 'INTEGER', real: 'REAL', bytes: 'BLOB', boolean: 'INTEGER', serial: 'INTEGER' },
  postgres: { text: 'TEXT', integer: 'INTEGER', bigint: 'BIGINT', real: 'DOUBLE PRECISION', bytes: 'BYTEA', boolean: 'BOOLEAN', serial: 'BIGSERIAL' },
};

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Checks a description once, where it is written (a typo fails at import, not in production DDL). */
export function table(def: Table): Table {
  const names = new Set<string>();
  for (const name of [def.name, ...def.columns.map((c) => c.name), ...(def.indexes ?? []).map((i) => i.name)]) {
    if (!IDENTIFIER.test(name)) throw new Error(`table ${def.name}: ${JSON.stringify(name)} is not a lower-case SQL identifier`);
  }
  for (const c of def.columns) {
    if (names.has(c.name)) throw new Error(`table ${def.name}: column ${c.name} declared twice`);
    names.add(c.name);
    if (c.type === 'serial' && !c.primaryKey) throw new Error(`table ${def.name}: serial column ${c.name} must be the primary key`);
  }
  for (const col of [...(def.primaryKey ?? []), ...(def.indexes ?? []).flatMap((i) => i.columns)]) {
    if (!names.has(col)) throw new Error(`table ${def.name}: key or index names unknown column ${col}`);
  }
  const inlineKeys = def.columns.filter((c) => c.primaryKey).length;
  if (inlineKeys > 1 || (inlineKeys === 1 && def.primaryKey)) throw new Error(`table ${def.name}: more than one primary key`);
  return def;
}

function columnSql(c: Column, dialect: Dialect): string {
  const parts = [c.name, TYPES[dialect][c.type]];
  if (c.primaryKey) parts.push(c.type === 'serial' && dialect === 'sqlite' ? 'PRIMARY KEY AUTOINCREMENT' : 'PRIMARY KEY');
  else if (!c.nullable) parts.push('NOT NULL');
  if (c.unique) parts.push('UNIQUE');
  if (c.default !== undefined) parts.push(`DEFAULT ${typeof c.default === 'number' ? c.default : `'${c.default.replace(/'/g, "''")}'`}`);
  if (c.references) parts.push(`REFERENCES ${c.references.table}(${c.references.column})${c.references.onDelete === 'cascade' ? ' ON DELETE CASCADE' : ''}`);
  return parts.join(' ');
}

/** `CREATE TABLE` and its indexes for one engine; `ifNotExists` for schemas applied at every open. */
export function createTableSql(t: Table, dialect: Dialect, opts: { ifNotExists?: boolean } = {}): string {
  const ine = opts.ifNotExists ? 'IF NOT EXISTS ' : '';
  const lines = t.columns.map((c) => `  ${columnSql(c, dialect)}`);
  if (t.primaryKey) lines.push(`  PRIMARY KEY (${t.primaryKey.join(', ')})`);
  const rowid = t.withoutRowId && dialect === 'sqlite' ? ' WITHOUT ROWID' : '';
  const statements = [`CREATE TABLE ${ine}${t.name} (\n${lines.join(',\n')}\n)${rowid};`];
  for (const i of t.indexes ?? []) {
    statements.push(`CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${ine}${i.name} ON ${t.name}(${i.columns.join(', ')});`);
  }
  return statements.join('\n');
}

/** `ALTER TABLE … ADD COLUMN` for one engine. */
export function addColumnSql(tableName: string, column: Column, dialect: Dialect): string {
  return `ALTER TABLE ${tableName} ADD COLUMN ${columnSql(column, dialect)};`;
}

export interface TablesMigration {
  version: number;
  description: string;
  tables?: readonly Table[];
  /** Columns added to existing tables. */
  addColumns?: readonly { table: string; column: Column }[];
  /** Engine-specific statements run after the tables (triggers, seed rows in engine syntax). */
  after?: Partial<Record<Dialect, string>>;
}

/** A `Migration` whose SQL for both engines is rendered from the same descriptions. */
export function tablesMigration(m: TablesMigration): Migration {
  const render = (dialect: Dialect): string =>
    [
      ...(m.tables ?? []).map((t) => createTableSql(t, dialect)),
      ...(m.addColumns ?? []).map((a) => addColumnSql(a.table, a.column, dialect)),
      m.after?.[dialect] ?? '',
    ]
      .filter(Boolean)
      .join('\n');
  return { version: m.version, description: m.description, sqlite: render('sqlite'), postgres: render('postgres') };
}

/** The migration ledger every store keeps (versions counted per namespace); created at open. */
export const schemaMigrationsTable = table({
  name: 'schema_migrations',
  columns: [
    { name: 'namespace', type: 'text' },
    { name: 'version', type: 'integer' },
    { name: 'description', type: 'text' },
    { name: 'applied_at', type: 'bigint' },
  ],
  primaryKey: ['namespace', 'version'],
});
