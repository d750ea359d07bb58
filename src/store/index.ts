/** The public surface of `src/store/`: other modules import from here, never from its files. */
export { openStore, RegionStores, sqlitePathFor } from './open.js';
export type { RegionStoreConfig } from './open.js';
export { ensurePrivateFile, PRIVATE_DIR_MODE, PRIVATE_UMASK, requirePrivateDir, tighten, tightenSqliteCompanions, tightenTree } from './private-files.js';
export type { DataKeyRow, DataKeyScope, ErasureReceipt, Migration, SinkErasure, SqlExecutor, Store, TrainingRow } from './store.js';
export { addColumnSql, createTableSql, table, tablesMigration } from './tables.js';
