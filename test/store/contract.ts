/**
 * The `Store` contract: one suite, run against every engine (`runStoreContract(name, makeStore)`).
 * One store per suite; each test works under its own account id so tests do not see each other.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { DataKeyRow, Store, TrainingRow } from '../../src/store/store.js';

export interface StoreFixture {
  store: Store;
  cleanup(): Promise<void>;
}

let seq = 0;
const uniq = (p: string) => `${p}-${process.pid}-${++seq}-${randomBytes(3).toString('hex')}`;

export function dataKey(accountId: string, fromPseudonym: string, toPseudonym = 'callee-ps', over: Partial<DataKeyRow> = {}): DataKeyRow {
  return {
    id: uniq('dk'), accountId, applicationId: 'app', region: 'eu', fromPseudonym, toPseudonym, kekId: 'kek-1',
    wrapped: randomBytes(60), createdAt: 1_000, ...over,
  };
}

export function record(key: DataKeyRow, over: Partial<TrainingRow> = {}): TrainingRow {
  return {
    id: uniq('rec'), accountId: key.accountId, applicationId: key.applicationId, region: key.region, dataKeyId: key.id,
    fromPseudonym: key.fromPseudonym, toPseudonym: key.toPseudonym, fromMasked: '+44207946XXXX', toMasked: '+1202555XXXX',
    language: 'en-GB', confidence: 0.9, startedAt: 100, endedAt: 200, capturedAt: 1_000, expiresAt: 10_000, hasAudio: false,
    sealed: randomBytes(40), ...over,
  };
}

export function runStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    before(async () => {
      fx = await makeStore();
      store = fx.store;
    });
    after(async () => fx?.cleanup());

    it('applies migrations once and runs generic SQL with ? placeholders and transactions', async () => {
      const ns = uniq('ns').replace(/-/g, '_');
      const table = `t_${ns}`;
      const migrations = [
        { version: 1, description: 'create', sqlite: `CREATE TABLE ${table} (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`, postgres: `CREATE TABLE ${table} (k TEXT PRIMARY KEY, v INTEGER NOT NULL)` },
        { version: 2, description: 'seed', sqlite: `INSERT INTO ${table} VALUES ('a', 1)`, postgres: `INSERT INTO ${table} VALUES ('a', 1)` },
      ];
      await store.migrate(ns, migrations);
      await store.migrate(ns, migrations); // second run applies nothing (else the seed insert would conflict)
      assert.equal(await store.execute(`INSERT INTO ${table} (k, v) VALUES (?, ?)`, ['b', 2]), 1);
      const rows = await store.query<{ k: string; v: number }>(`SELECT k, v FROM ${table} WHERE v >= ? ORDER BY k`, [1]);
      assert.deepEqual(rows.map((r) => [r.k, Number(r.v)]), [['a', 1], ['b', 2]]);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.execute(`INSERT INTO ${table} (k, v) VALUES (?, ?)`, ['c', 3]);
          throw new Error('abort');
        }),
        /abort/,
      );
      await store.transaction(async (tx) => tx.execute(`INSERT INTO ${table} (k, v) VALUES (?, ?)`, ['d', 4]));
      const keys = (await store.query<{ k: string }>(`SELECT k FROM ${table} ORDER BY k`)).map((r) => r.k);
      assert.deepEqual(keys, ['a', 'b', 'd']);
    });

    it('stores data keys once per scope and re-wraps only under the expected KEK', async () => {
      const acc = uniq('acc');
      const k1 = dataKey(acc, 'ps-a');
      const stored = await store.insertDataKey(k1);
      assert.equal(stored.id, k1.id);
      assert.deepEqual(stored.wrapped, k1.wrapped);
      const race = await store.insertDataKey({ ...dataKey(acc, 'ps-a'), wrapped: randomBytes(60) });
      assert.equal(race.id, k1.id, 'a second key for the same scope yields the first');
      assert.equal((await store.findDataKey(k1))?.id, k1.id);
      assert.equal(await store.findDataKey({ ...k1, region: 'us' }), undefined);
      const fresh = randomBytes(60);
      assert.equal(await store.rewrapDataKey(k1.id, 'kek-0', 'kek-2', fresh), false);
      assert.equal(await store.rewrapDataKey(k1.id, 'kek-1', 'kek-2', fresh), true);
      const after = await store.getDataKey(k1.id);
      assert.equal(after?.kekId, 'kek-2');
      assert.deepEqual(after?.wrapped, fresh);
      const page = await store.listDataKeys('', 100000);
      assert.ok(page.some((k) => k.id === k1.id));
      assert.deepEqual(page.map((k) => k.id), [...page.map((k) => k.id)].sort());
    });

    it('writes training rows in a batch, returns them intact, pages by keyset and never returns expired ones', async () => {
      const acc = uniq('acc');
      const key = await store.insertDataKey(dataKey(acc, 'ps-b'));
      const rows = Array.from({ length: 25 }, (_, i) => record(key, { capturedAt: 1_000 + (i % 5), expiresAt: i < 5 ? 1_500 : 10_000, hasAudio: i % 2 === 0, confidence: i === 3 ? null : 0.5 }));
      assert.deepEqual(await store.insertTrainingRecords(rows), { inserted: 25, orphaned: [] });
      const got = await store.getTrainingRecord(rows[7]!.id, 2_000);
      assert.deepEqual(got, rows[7]);
      assert.equal((await store.getTrainingRecord(rows[3]!.id, 1_200))?.confidence, null);
      assert.equal(await store.getTrainingRecord(rows[0]!.id, 2_000), undefined, 'expired at 1500');
      assert.equal(await store.getTrainingRecord(rows[0]!.id, 1_500), undefined, 'expiry is exclusive');
      assert.equal(await store.countTrainingRecords({ accountId: acc, applicationId: 'app', now: 2_000 }), 20);
      assert.equal(await store.countTrainingRecords({ accountId: acc, applicationId: 'app', now: 2_000, since: 1_003 }), 8);
      const seen: TrainingRow[] = [];
      let cursor: { capturedAt: number; id: string } | undefined;
      for (let guard = 0; guard < 20; guard++) {
        const page = await store.listTrainingRecords({ accountId: acc, applicationId: 'app', now: 2_000, after: cursor, limit: 6 });
        if (page.length === 0) break;
        seen.push(...page);
        const last = page[page.length - 1]!;
        cursor = { capturedAt: last.capturedAt, id: last.id };
      }
      assert.equal(seen.length, 20);
      assert.equal(new Set(seen.map((r) => r.id)).size, 20);
      const order = seen.map((r) => `${r.capturedAt}|${r.id}`);
      assert.deepEqual(order, [...order].sort());
      assert.ok(seen.every((r) => r.expiresAt > 2_000));
    });

    it('refuses to write a row whose data key is gone and reports it', async () => {
      const acc = uniq('acc');
      const key = await store.insertDataKey(dataKey(acc, 'ps-c'));
      const ghost = dataKey(acc, 'ps-ghost');
      const good = record(key);
      const bad = record(ghost);
      const res = await store.insertTrainingRecords([good, bad]);
      assert.deepEqual(res, { inserted: 1, orphaned: [bad.id] });
      assert.equal(await store.getTrainingRecord(bad.id, 0), undefined);
      assert.ok(await store.getTrainingRecord(good.id, 0));
    });

    it('stores new data keys with their first rows; a key that lost the scope race orphans its rows', async () => {
      const acc = uniq('acc');
      const fresh = dataKey(acc, 'ps-new');
      const rows = [record(fresh), record(fresh)];
      assert.deepEqual(await store.insertTrainingRecords(rows, [fresh]), { inserted: 2, orphaned: [] });
      assert.equal((await store.getDataKey(fresh.id))?.fromPseudonym, 'ps-new');
      const loser = dataKey(acc, 'ps-new'); // same scope, different id
      const late = record(loser);
      assert.deepEqual(await store.insertTrainingRecords([late, record(fresh)], [loser, fresh]), { inserted: 1, orphaned: [late.id] });
      assert.equal(await store.getDataKey(loser.id), undefined);
    });

    it('sweeps expired rows in batches and deletes rows captured before a shortened retention', async () => {
      const acc = uniq('acc');
      const key = await store.insertDataKey(dataKey(acc, 'ps-d'));
      await store.insertTrainingRecords(Array.from({ length: 30 }, (_, i) => record(key, { expiresAt: i < 12 ? 5 : 9_999_999_999_999, capturedAt: 1_000 + i })));
      let swept = 0;
      for (let n = -1, guard = 0; n !== 0 && guard < 50; guard++) swept += n = await store.deleteExpiredTrainingRecords(10, 5);
      assert.ok(swept >= 12, `swept ${swept}`);
      assert.equal(await store.countTrainingRecords({ accountId: acc, applicationId: 'app', now: 0 }), 18);
      assert.equal(await store.deleteTrainingRecordsCapturedBefore(acc, 'app', 1_020, 1000), 8);
      assert.equal(await store.countTrainingRecords({ accountId: acc, applicationId: 'app', now: 0 }), 10);
    });

    it('erases by caller or callee pseudonym with the data keys, leaving other callers alone', async () => {
      const acc = uniq('acc');
      const asCaller = await store.insertDataKey(dataKey(acc, 'ps-target', 'ps-did'));
      const asCallee = await store.insertDataKey(dataKey(acc, 'ps-did', 'ps-target'));
      const other = await store.insertDataKey(dataKey(acc, 'ps-other', 'ps-did'));
      const otherApp = await store.insertDataKey(dataKey(acc, 'ps-target', 'ps-did', { applicationId: 'app2' }));
      await store.insertTrainingRecords([
        ...Array.from({ length: 4 }, () => record(asCaller)),
        ...Array.from({ length: 2 }, () => record(asCallee)),
        ...Array.from({ length: 3 }, () => record(other)),
        record(otherApp),
      ]);
      assert.deepEqual(await store.eraseTrainingByPseudonym(acc, 'app', 'ps-target'), { records: 6, dataKeys: 2 });
      assert.equal(await store.getDataKey(asCaller.id), undefined);
      assert.equal(await store.getDataKey(asCallee.id), undefined);
      assert.ok(await store.getDataKey(other.id));
      assert.equal(await store.countTrainingRecords({ accountId: acc, applicationId: 'app', now: 0 }), 3);
      assert.equal(await store.countTrainingRecords({ accountId: acc, applicationId: 'app2', now: 0 }), 1, 'another application is not touched');
      const left = await store.query<{ n: number | string }>('SELECT count(*) AS n FROM training_records WHERE account_id = ? AND (from_pseudonym = ? OR to_pseudonym = ?) AND application_id = ?', [acc, 'ps-target', 'ps-target', 'app']);
      assert.equal(Number(left[0]!.n), 0);
      assert.deepEqual(await store.eraseTrainingByPseudonym(acc, 'app', 'ps-target'), { records: 0, dataKeys: 0 });
    });

    it('keeps erasure receipts and an append-only audit log', async () => {
      const acc = uniq('acc');
      await store.insertErasureReceipt({ requestId: uniq('req'), accountId: acc, applicationId: 'app', requestedAt: 5, completedAt: 6, counts: { trainingRecords: 3, outbox: 1 }, regions: ['eu'] });
      const receipts = await store.listErasureReceipts(acc);
      assert.equal(receipts.length, 1);
      assert.deepEqual(receipts[0]!.counts, { trainingRecords: 3, outbox: 1 });
      assert.deepEqual(receipts[0]!.regions, ['eu']);
      const before = await store.listAudit();
      const since = before.length ? before[before.length - 1]!.seq : 0;
      await store.audit({ actor: 'cli', action: 'test.one', target: acc, details: { n: 1 } }, 42);
      await store.audit({ actor: 'cli', action: 'test.two', target: acc });
      const entries = await store.listAudit({ sinceSeq: since });
      assert.deepEqual(entries.map((e) => e.action), ['test.one', 'test.two']);
      assert.equal(entries[0]!.at, 42);
      assert.deepEqual(entries[0]!.details, { n: 1 });
      assert.deepEqual(entries[1]!.details, {});
      assert.equal((await store.listAudit({ action: 'test.two', sinceSeq: since })).length, 1);
      await assert.rejects(store.execute('UPDATE audit_log SET actor = ? WHERE seq = ?', ['x', entries[0]!.seq]), /append-only/);
      await assert.rejects(store.execute('DELETE FROM audit_log WHERE seq = ?', [entries[0]!.seq]), /append-only/);
    });
  });
}
