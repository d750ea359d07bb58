/**
 * `hushgate receipts verify` and `receipts show --local` as an auditor runs them: the built CLI, a
 * configuration file and the region store on disk, no gateway. Exit 0 for a valid chain, 1 naming the
 * problem after a receipt is removed, 2 for a region without a store; `show` prints one call's receipt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { REPO } from '../helpers/gateway-process.js';
import { RegionStores, sqlitePathFor } from '../../src/store/open.js';
import { ReceiptStore } from '../../src/receipts/receipt-store.js';
import { regionSigningKey } from '../../src/receipts/signing-keys.js';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, 'dist/cli/main.js'), ...args], (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

test('receipts verify: 0 for a valid chain, 1 after a receipt is removed, 2 for an unknown region; show prints a call receipt', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-receipts-cli-'));
  try {
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `dataDir: ${dir}\nregions:\n  eu: {}\n`);
    const stores = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, dir);
    const chain = await ReceiptStore.open(stores.get('eu'), regionSigningKey(dir, 'eu'));
    for (let i = 1; i <= 3; i++) {
      await chain.append({
        kind: 'call', callId: `c${i}@gw`, accountId: 'acme', applicationId: 'bank', region: 'eu', startedAt: '2026-12-06T09:00:00.000Z', endedAt: '2026-12-06T09:01:00.000Z',
        endReason: 'remote-bye', callerTurns: 2, destinations: {}, sensitive: [], recording: null, retentionExpiresAt: null,
      }, Date.now());
    }
    await stores.close();

    const ok = await cli(['receipts', 'verify', '--region', 'eu', '-c', config]);
    assert.equal(ok.code, 0, ok.stderr);
    const verdict = JSON.parse(ok.stdout) as { ok: boolean; receipts: number; head: { seq: number; hash: string } };
    assert.deepEqual([verdict.ok, verdict.receipts, verdict.head.seq], [true, 3, 3]);

    const show = await cli(['receipts', 'show', 'c2@gw', '--local', '-c', config]);
    assert.equal(show.code, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { body: { callId: string } }).body.callId, 'c2@gw');

    const db = new Database(sqlitePathFor(dir, 'eu'));
    db.exec('DROP TRIGGER privacy_receipts_no_delete');
    db.prepare('DELETE FROM privacy_receipts WHERE seq = 2').run();
    db.close();
    const bad = await cli(['receipts', 'verify', '--region', 'eu', '-c', config]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /"problem": "gap"/);
    assert.match(bad.stderr, /does NOT verify/);

    const unknown = await cli(['receipts', 'verify', '--region', 'mars', '-c', config]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /region "mars" has no store configured/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
