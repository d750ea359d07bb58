import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TamperedError } from '../../src/training/envelope.js';
import { TrainingReader } from '../../src/training/reader.js';
import { makeEnv, policy, utterance } from './helpers.js';

async function captured(env: Awaited<ReturnType<typeof makeEnv>>, over = {}): Promise<string> {
  const r = await env.capture.capture(utterance(over));
  assert.ok(r.captured);
  return r.captured ? r.id : '';
}

describe('tamper detection', () => {
  it('a flipped byte anywhere in the sealed payload fails loudly and is audited', async () => {
    const env = await makeEnv();
    try {
      const store = env.stores.get('eu');
      const id = await captured(env);
      const [{ sealed }] = await store.query<{ sealed: Buffer }>('SELECT sealed FROM training_records WHERE id = ?', [id]);
      for (const pos of [0, 5, Math.floor(sealed.length / 2), sealed.length - 1]) {
        const bad = Buffer.from(sealed);
        bad[pos]! ^= 0x01;
        await store.execute('UPDATE training_records SET sealed = ? WHERE id = ?', [bad, id]);
        const reader = new TrainingReader(env.keyStore);
        await assert.rejects(reader.get(store, id, env.clock.epochMs()), (e: unknown) => e instanceof TamperedError && e.id === id && e.what === 'record');
      }
      const reports = await store.listAudit({ action: 'training.tamper_detected' });
      assert.equal(reports.length, 4);
      assert.equal(reports[0]!.details.id, id);
      await store.execute('UPDATE training_records SET sealed = ? WHERE id = ?', [sealed, id]);
      assert.equal((await env.reader.get(store, id, env.clock.epochMs()))!.id, id, 'the original bytes open again');
    } finally {
      await env.cleanup();
    }
  });

  it('a record moved to another account, application, id or lifetime fails to open', async () => {
    const env = await makeEnv([policy(), policy({ applicationId: 'sales' })]);
    try {
      const store = env.stores.get('eu');
      const edits: [string, unknown][] = [['account_id', 'evil'], ['application_id', 'sales'], ['expires_at', Date.UTC(2030, 0, 1)], ['region', 'us'], ['from_pseudonym', 'f'.repeat(64)]];
      for (const [col, value] of edits) {
        const id = await captured(env);
        await store.execute(`UPDATE training_records SET ${col} = ? WHERE id = ?`, [value, id]);
        const row = (await store.query<Record<string, unknown>>('SELECT * FROM training_records WHERE id = ?', [id]))[0]!;
        assert.ok(row);
        await assert.rejects(new TrainingReader(env.keyStore).get(store, id, 0), TamperedError, `editing ${col} must break the seal`);
      }
      // Two records' payloads swapped between ids.
      const a = await captured(env);
      const b = await captured(env);
      await store.execute(`UPDATE training_records SET sealed = (SELECT sealed FROM training_records WHERE id = ?) WHERE id = ?`, [a, b]);
      await assert.rejects(new TrainingReader(env.keyStore).get(store, b, 0), TamperedError);
    } finally {
      await env.cleanup();
    }
  });

  it('a flipped byte in a wrapped data key fails to unwrap, loudly', async () => {
    const env = await makeEnv();
    try {
      const store = env.stores.get('eu');
      const id = await captured(env);
      const [{ wrapped }] = await store.query<{ wrapped: Buffer }>('SELECT wrapped FROM data_keys');
      const bad = Buffer.from(wrapped);
      bad[bad.length - 3]! ^= 0x80;
      await store.execute('UPDATE data_keys SET wrapped = ?', [bad]);
      await assert.rejects(new TrainingReader(env.keyStore).get(store, id, 0), (e: unknown) => e instanceof TamperedError && e.what === 'data-key');
      assert.equal((await store.listAudit({ action: 'training.tamper_detected' }))[0]!.details.kind, 'data-key');
    } finally {
      await env.cleanup();
    }
  });
});
