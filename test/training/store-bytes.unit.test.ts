/**
 * The region store's erasure path leaves no readable bytes (issue 13): every byte of
 * `regions/<region>.sqlite`, its `-wal` and `-shm` is searched after erasure for the caller's
 * pseudonym, their sealed records and their wrapped data keys. And when the WAL cannot be emptied
 * (another connection holds a read snapshot, so `wal_checkpoint(TRUNCATE)` is busy), the erasure
 * says so in the receipt's `failed` instead of reporting success; a retry once the reader is gone
 * completes and clears the bytes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Eraser } from '../../src/training/erasure.js';
import { pseudonymOf } from '../../src/training/caller-identity.js';
import { sqliteFileBytes } from '../events/helpers.js';
import { makeEnv, policy, utterance } from './helpers.js';

const TARGET = '+44 20 7946 0958';

describe('region store bytes after erasure', () => {
  it('no pseudonym, sealed record or wrapped key of the caller is left in .sqlite, -wal or -shm', async () => {
    const env = await makeEnv([policy()], ['eu']);
    try {
      const ps = pseudonymOf(await env.keyStore.pseudonymSecret('acme'), TARGET, 'GB');
      for (let i = 0; i < 20; i++) assert.ok((await env.capture.capture(utterance({ from: i % 4 ? TARGET : '+442079461111' }))).captured);
      await env.capture.drain();
      const eu = env.stores.get('eu');
      const sealed = (await eu.query<{ sealed: Buffer }>('SELECT sealed FROM training_records WHERE from_pseudonym = ?', [ps])).map((r) => r.sealed);
      const wrapped = (await eu.query<{ wrapped: Buffer }>('SELECT wrapped FROM data_keys WHERE from_pseudonym = ?', [ps])).map((r) => r.wrapped);
      assert.equal(sealed.length, 15);
      const path = join(env.dir, 'regions', 'eu.sqlite');
      assert.ok(sqliteFileBytes(path).includes(Buffer.from(ps)), 'the search finds the pseudonym before erasure');

      const eraser = new Eraser({ stores: env.stores, keyStore: env.keyStore, regionOf: () => 'eu', rings: [env.ring], defaultCountry: 'GB' });
      const out = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: TARGET });
      assert.ok(out.ok);
      assert.equal(out.receipt.counts['trainingRecords'], 15);
      assert.deepEqual(out.receipt.failed, []);
      const bytes = sqliteFileBytes(path);
      assert.equal(bytes.includes(Buffer.from(ps)), false, 'pseudonym');
      for (const b of [...sealed, ...wrapped]) assert.equal(bytes.includes(b.subarray(1, 29)), false, 'sealed record or wrapped key bytes');
    } finally {
      await env.cleanup();
    }
  });

  it('a reader holding the WAL: the receipt says the region store was not cleared; the retry clears it', async () => {
    const env = await makeEnv([policy()], ['eu']);
    const path = join(env.dir, 'regions', 'eu.sqlite');
    const reader = new Database(path, { readonly: true });
    try {
      const ps = pseudonymOf(await env.keyStore.pseudonymSecret('acme'), TARGET, 'GB');
      for (let i = 0; i < 5; i++) assert.ok((await env.capture.capture(utterance({ from: TARGET }))).captured);
      await env.capture.drain();
      // A backup tool or a second process reading: its snapshot pins the WAL.
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) AS n FROM training_records').get();

      const eraser = new Eraser({ stores: env.stores, keyStore: env.keyStore, regionOf: () => 'eu', rings: [env.ring], defaultCountry: 'GB' });
      const first = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: TARGET });
      assert.ok(first.ok);
      assert.equal(first.receipt.counts['trainingRecords'], 5, 'the rows are deleted');
      assert.equal(first.receipt.failed?.length, 1, 'but the erasure is not reported complete');
      assert.match(first.receipt.failed![0]!, /^region store eu: checkpoint .* did not complete/);

      reader.exec('COMMIT');
      const retry = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: TARGET });
      assert.ok(retry.ok);
      assert.deepEqual(retry.receipt.failed, []);
      assert.equal(sqliteFileBytes(path).includes(Buffer.from(ps)), false);
    } finally {
      reader.close();
      await env.cleanup();
    }
  });
});
