import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Eraser, type ErasureParticipant } from '../../src/training/erasure.js';
import { pseudonymOf } from '../../src/training/caller-identity.js';
import { TrainingReader } from '../../src/training/reader.js';
import { ShreddedError } from '../../src/training/envelope.js';
import type { Store, TrainingRow } from '../../src/store/store.js';
import { makeEnv, policy, utterance } from './helpers.js';

/** A real second participant: a table of pending rows keyed by pseudonym, in the same region store. */
class PendingRowsTable implements ErasureParticipant {
  readonly name = 'pendingEvents';
  constructor(private readonly store: Store) {}
  async init(): Promise<void> {
    await this.store.migrate('test_pending', [{ version: 1, description: 'pending', sqlite: 'CREATE TABLE test_pending (id INTEGER PRIMARY KEY, account_id TEXT, application_id TEXT, pseudonym TEXT, body TEXT)', postgres: '' }]);
  }
  async add(accountId: string, applicationId: string, pseudonym: string): Promise<void> {
    await this.store.execute('INSERT INTO test_pending (account_id, application_id, pseudonym, body) VALUES (?, ?, ?, ?)', [accountId, applicationId, pseudonym, 'event']);
  }
  eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<number> {
    return this.store.execute('DELETE FROM test_pending WHERE account_id = ? AND application_id = ? AND pseudonym = ?', [accountId, applicationId, pseudonym]);
  }
}

function storeBytes(dir: string, region: string): Buffer {
  const base = join(dir, 'regions', `${region}.sqlite`);
  return Buffer.concat([base, `${base}-wal`].filter(existsSync).map((f) => readFileSync(f)));
}

describe('erasure', () => {
  it('removes every record of the number as caller or callee, its data keys and pending events; writes a PII-free receipt', async () => {
    const env = await makeEnv([policy(), policy({ applicationId: 'other' })]);
    try {
      const eu = env.stores.get('eu');
      const target = '+44 20 7946 0958';
      const secret = await env.keyStore.pseudonymSecret('acme');
      const ps = pseudonymOf(secret, target, 'GB');
      const pending = new PendingRowsTable(eu);
      await pending.init();
      await pending.add('acme', 'support', ps);
      await pending.add('acme', 'support', ps);
      await pending.add('acme', 'support', 'someone-else');

      const targetIds: string[] = [];
      const keepIds: string[] = [];
      for (let i = 0; i < 12; i++) {
        const asCallee = i % 3 === 0;
        const r = await env.capture.capture(utterance(asCallee ? { from: '+1 202 555 0100', to: target } : { from: target }));
        if (r.captured) targetIds.push(r.id);
      }
      for (let i = 0; i < 8; i++) {
        const r = await env.capture.capture(utterance({ from: `+4420794612${10 + i}` }));
        if (r.captured) keepIds.push(r.id);
      }
      const otherApp = await env.capture.capture(utterance({ applicationId: 'other', from: target }));
      assert.ok(otherApp.captured);
      // A "backup" of the target's record rows, taken before erasure.
      const backup = await eu.query<Record<string, unknown>>(`SELECT * FROM training_records WHERE id IN (${targetIds.map(() => '?').join(',')})`, targetIds);

      const eraser = new Eraser({ stores: env.stores, keyStore: env.keyStore, regionOf: () => 'eu', participants: [pending], rings: [env.ring], clock: env.clock, defaultCountry: 'GB' });
      const out = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: '020 7946 0958', requestId: 'req-1', actor: 'test' });
      assert.ok(out.ok);
      if (!out.ok) return;
      assert.deepEqual(out.receipt.counts, { trainingRecords: 12, dataKeys: 2, pendingEvents: 2 });
      assert.deepEqual(out.receipt.regions, ['eu', 'us']);

      for (const id of targetIds) assert.equal(await eu.getTrainingRecord(id, 0), undefined);
      for (const id of keepIds) assert.ok(await env.reader.get(eu, id, 0));
      assert.ok(await env.reader.get(eu, otherApp.captured ? otherApp.id : '', 0), 'same number in another application is not erased');
      assert.equal((await eu.query<{ n: number }>('SELECT count(*) AS n FROM test_pending'))[0]!.n, 1);
      const indexed = await eu.query<{ n: number }>(
        "SELECT (SELECT count(*) FROM training_records WHERE application_id = 'support' AND (from_pseudonym = ? OR to_pseudonym = ?)) + (SELECT count(*) FROM data_keys WHERE application_id = 'support' AND (from_pseudonym = ? OR to_pseudonym = ?)) AS n",
        [ps, ps, ps, ps],
      );
      assert.equal(indexed[0]!.n, 0, 'nothing left indexed by the number');

      // Crypto-shredding: the backed-up rows cannot be opened any more, even by a fresh reader.
      const { toTrainingRow } = await import('../../src/store/rows.js');
      for (const raw of backup) {
        const row: TrainingRow = toTrainingRow(raw);
        await assert.rejects(new TrainingReader(env.keyStore).open(eu, row), ShreddedError);
      }

      // The receipt and audit hold no number, no masked number, no pseudonym.
      const receipts = await eu.listErasureReceipts('acme');
      assert.equal(receipts.length, 1);
      const audit = await eu.listAudit({ action: 'training.erase' });
      assert.equal(audit.length, 1);
      const text = JSON.stringify([receipts, audit]);
      for (const needle of [ps, '2079460958', '7946', 'XXXX']) assert.equal(text.includes(needle), false, needle);
      assert.equal((await env.stores.get('us').listErasureReceipts()).length, 0, 'receipt kept in the home region only');

      // Nothing of the erased caller left in the store file (secure_delete + WAL truncate), once the
      // other application that also saw the number has erased it too.
      assert.ok((await eraser.erase({ accountId: 'acme', applicationId: 'other', phoneNumber: target })).ok);
      const bytes = storeBytes(env.dir, 'eu');
      assert.equal(bytes.includes(Buffer.from(ps)), false, 'pseudonym bytes gone from the file');
      for (const id of targetIds) assert.equal(bytes.includes(Buffer.from(id)), false, 'record id gone from the file');
      assert.equal((await eu.listAudit({ action: 'training.tamper_detected' })).length, 0, 'a shredded record is not a tampered one');

      // New captures of the number after erasure work, under a new key.
      const again = await env.capture.capture(utterance({ from: target }));
      assert.ok(again.captured);
      assert.ok(await env.reader.get(eu, again.captured ? again.id : '', 0));
    } finally {
      await env.cleanup();
    }
  });

  it('rejects a request without a number; erasing an unknown number writes a zero receipt', async () => {
    const env = await makeEnv();
    try {
      const eraser = new Eraser({ stores: env.stores, keyStore: env.keyStore, regionOf: () => undefined, clock: env.clock });
      assert.deepEqual(await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: '' }), { ok: false, error: 'phoneNumber must be a phone number' });
      const out = await eraser.erase({ accountId: 'acme', applicationId: 'support', phoneNumber: '+15550001111' });
      assert.ok(out.ok && out.receipt.counts.trainingRecords === 0);
      assert.equal((await env.stores.get('us').listErasureReceipts()).length, 1, 'unknown home region: receipt in every region');
      assert.throws(() => eraser.register({ name: 'dataKeys', eraseByPseudonym: async () => 0 }), /reserved/);
    } finally {
      await env.cleanup();
    }
  });
});
