/**
 * Receipts and recordings on a PostgreSQL region store (the scale-out engine): the same chain,
 * signatures and verification; concurrent appends from two stores on one database (two gateways
 * of a region) keep one unbroken chain; a recording seals, lists and opens back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempDatabase } from '../store/pg-helper.js';
import { RegionStores } from '../../src/store/open.js';
import { ReceiptStore } from '../../src/receipts/receipt-store.js';
import { regionSigningKey } from '../../src/receipts/signing-keys.js';
import { verifyChain } from '../../src/receipts/verify.js';
import { RecordingService } from '../../src/recordings/service.js';
import { DataKeyRing } from '../../src/training/data-keys.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { writeWav } from '../../src/media/wav.js';
import type { ErasureReceiptBody } from '../../src/receipts/receipt.js';

test('PostgreSQL: two writers append to one region chain concurrently; it verifies; a recording round-trips', { timeout: 60_000 }, async () => {
  const db = await createTempDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-receipts-pg-'));
  const regions = { eu: { store: { kind: 'postgres' as const, url: db.url } } };
  const a = await RegionStores.open(regions, dir);
  const b = await RegionStores.open(regions, dir);
  try {
    const key = regionSigningKey(dir, 'eu');
    const ca = await ReceiptStore.open(a.get('eu'), key);
    const cb = await ReceiptStore.open(b.get('eu'), key);
    const body = (n: number): ErasureReceiptBody => ({ kind: 'erasure', requestId: `r${n}`, accountId: 'acme', applicationId: 'bank', at: '2026-12-06T09:00:00.000Z', counts: { trainingRecords: n } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? ca : cb).append(body(i), Date.now())));
    const all = await ca.list(0, 100);
    assert.deepEqual(all.map((r) => r.seq), Array.from({ length: 20 }, (_, i) => i + 1));
    const v = await verifyChain('eu', ca.all(), key.publicKey);
    assert.deepEqual(v.problems, []);

    const keyStore = new FileKeyStore(join(dir, 'keys'));
    const rec = await RecordingService.open(a, keyStore, new DataKeyRing(keyStore), 'GB', () => Date.now());
    const wav = writeWav(new Int16Array(800).fill(321), 8000, 1);
    await rec.store({ callId: 'c@gw', accountId: 'acme', applicationId: 'bank', region: 'eu', from: '+442079460958', to: '1000', retentionDays: 1 }, {
      id: 'rec-pg', wav, durationMs: 100, channels: 'mono', pauses: [], consent: 'none', outcome: 'not-required',
    });
    const listed = await rec.list({ accountId: 'acme' }, 'test');
    assert.deepEqual(listed.map((r) => [r.id, r.durationMs]), [['rec-pg', 100]]);
    const got = await rec.get('rec-pg', 'test');
    assert.ok(got.ok);
    assert.equal(Buffer.compare(got.wav, Buffer.from(wav)), 0);
  } finally {
    await a.close();
    await b.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
