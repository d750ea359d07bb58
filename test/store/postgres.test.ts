import { it } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresStore, toPgPlaceholders } from '../../src/store/postgres.js';
import { runStoreContract } from './contract.js';
import { createTempDatabase } from './pg-helper.js';

it('rewrites ? placeholders outside quoted text', () => {
  assert.equal(toPgPlaceholders(`SELECT '?' AS q, "a?" FROM t WHERE a = ? AND b = ?`), `SELECT '?' AS q, "a?" FROM t WHERE a = $1 AND b = $2`);
});

runStoreContract('postgres', async () => {
  const db = await createTempDatabase();
  const store = await PostgresStore.open({ region: 'eu', url: db.url, max: 4 });
  return { store, cleanup: async () => { await store.close(); await db.drop(); } };
});
