import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RetentionSweeper } from '../../src/training/retention.js';
import { effectiveRetentionDays, trainingConfigIssues, trainingPolicies } from '../../src/training/config.js';
import { days, makeEnv, policy, utterance } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

describe('retention', () => {
  it('effective retention: 30 days by default, shorter per application, never above the account maximum', () => {
    assert.equal(effectiveRetentionDays({}, { maxRetentionDays: 30 }), 30);
    assert.equal(effectiveRetentionDays({ retentionDays: 7 }, { maxRetentionDays: 30 }), 7);
    assert.equal(effectiveRetentionDays({ retentionDays: 60 }, { maxRetentionDays: 45 }), 45);
    assert.equal(effectiveRetentionDays({}, { maxRetentionDays: 10 }), 10);
    const cfg = { accounts: [{ id: 'a', training: { maxRetentionDays: 10 }, applications: [{ id: 'p', region: 'eu', training: { enabled: true, includeAudio: false, retentionDays: 20 } }, { id: 'q', region: 'eu' }] }] };
    assert.deepEqual(trainingConfigIssues(cfg).map((i) => i.path.join('.')), ['accounts.0.applications.0.training.retentionDays']);
    assert.deepEqual(trainingPolicies(cfg).map((p) => [p.applicationId, p.enabled, p.retentionDays]), [['p', true, 10], ['q', false, 10]]);
  });

  it('expired records are never returned, even before the sweep; the sweep then deletes them', async () => {
    const env = await makeEnv([policy(), policy({ applicationId: 'short', retentionDays: 7 })]);
    try {
      const store = env.stores.get('eu');
      const long = await env.capture.capture(utterance());
      const short = await env.capture.capture(utterance({ applicationId: 'short' }));
      assert.ok(long.captured && short.captured);
      env.clock.advance(days(7));
      const now = env.clock.epochMs();
      assert.equal(await env.reader.get(store, short.captured ? short.id : '', now), undefined, 'exactly 7 days: expired');
      assert.ok(await env.reader.get(store, long.captured ? long.id : '', now));
      const listed = [];
      for await (const r of env.reader.records(store, { accountId: 'acme', applicationId: 'short', now })) listed.push(r);
      assert.equal(listed.length, 0);
      assert.equal(await store.countTrainingRecords({ accountId: 'acme', applicationId: 'short', now }), 0);
      assert.equal((await store.query<{ n: number }>('SELECT count(*) AS n FROM training_records'))[0]!.n, 2, 'still on disk: no sweep yet');

      const sweeper = new RetentionSweeper({ stores: env.stores, policies: env.policies, clock: env.clock, batchSize: 1 });
      assert.deepEqual({ ...(await sweeper.start()), ms: 0 }, { expired: 1, overRetention: 0, ms: 0 });
      assert.equal((await store.query<{ n: number }>('SELECT count(*) AS n FROM training_records'))[0]!.n, 1);
      env.clock.stall(days(23)); // asleep 23 days: the hourly timer fires once, at day 30
      const count = async () => (await store.query<{ n: number }>('SELECT count(*) AS n FROM training_records'))[0]!.n;
      await waitFor('the interval sweep', async () => (await count()) === 0, 2000);
      assert.equal(await count(), 0, 'interval sweep at 30 days');
      sweeper.stop();
      assert.equal(env.clock.pendingTimers, 0, 'stop() disarms the sweep timer');
    } finally {
      await env.cleanup();
    }
  });

  it('a retention shortened after capture applies to records already stored', async () => {
    const env = await makeEnv();
    try {
      for (let i = 0; i < 25; i++) await env.capture.capture(utterance());
      env.clock.advance(days(10));
      await env.capture.capture(utterance());
      const sweeper = new RetentionSweeper({ stores: env.stores, policies: [policy({ retentionDays: 5 })], clock: env.clock, batchSize: 10 });
      const r = await sweeper.sweepOnce();
      assert.equal(r.expired, 0);
      assert.equal(r.overRetention, 25);
      assert.equal((await env.stores.get('eu').query<{ n: number }>('SELECT count(*) AS n FROM training_records'))[0]!.n, 1);
    } finally {
      await env.cleanup();
    }
  });
});
