import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTraining, RegionConfigError } from '../../src/training/service.js';
import { makeEnv, policy, utterance } from './helpers.js';

function fileBytes(dir: string, region: string): Buffer {
  const base = join(dir, 'regions', `${region}.sqlite`);
  return Buffer.concat([base, `${base}-wal`].filter(existsSync).map((f) => readFileSync(f)));
}

describe('region isolation', () => {
  it('an eu call leaves no bytes in the us store', async () => {
    const env = await makeEnv([policy({ applicationId: 'eu-app', region: 'eu' })]);
    try {
      const us = env.stores.get('us');
      await us.checkpoint();
      const usBefore = fileBytes(env.dir, 'us');
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await env.capture.capture(utterance({ applicationId: 'eu-app' }));
        assert.ok(r.captured && r.region === 'eu');
        if (r.captured) ids.push(r.id);
      }
      await env.stores.get('eu').checkpoint();
      await us.checkpoint();
      const usAfter = fileBytes(env.dir, 'us');
      assert.ok(usAfter.equals(usBefore), 'the us store file is byte-for-byte unchanged');
      for (const id of ids) assert.equal(usAfter.includes(Buffer.from(id)), false);
      assert.equal(usAfter.includes(Buffer.from('eu-app')), false);
      assert.equal(usAfter.includes(Buffer.from('XXXX')), false);
      for (const t of ['training_records', 'data_keys', 'audit_log', 'erasure_receipts']) {
        assert.equal((await us.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))[0]!.n, 0, t);
      }
      const eu = fileBytes(env.dir, 'eu');
      assert.ok(ids.every((id) => eu.includes(Buffer.from(id))), 'the records are in the eu store');
      assert.ok(existsSync(join(env.dir, 'keys', 'kek', 'eu', '1.key')));
      assert.equal(existsSync(join(env.dir, 'keys', 'kek', 'us')), false, 'no us key was even needed');
    } finally {
      await env.cleanup();
    }
  });

  it('an application whose region has no store fails at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hushgate-region-'));
    try {
      await assert.rejects(
        openTraining({ dataDir: dir, defaultCountry: 'GB', regions: { eu: { store: { kind: 'sqlite' } } }, accounts: [{ id: 'acme', applications: [{ id: 'p', region: 'mars' }] }] }),
        (e: unknown) => e instanceof RegionConfigError && e.path === 'accounts.0.applications.0.region' && /mars/.test(e.message),
      );
      assert.equal(existsSync(join(dir, 'regions')), false, 'nothing was opened');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
