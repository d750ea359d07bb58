import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegionStores } from '../../src/store/open.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { TrainingReader } from '../../src/training/reader.js';

const fixture = fileURLToPath(new URL('./fixtures/capture-burst.ts', import.meta.url));

it('kill -9 during a capture burst: every acknowledged record survives and opens, no row is half-written', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-crash-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child acknowledged only ${acked.length} records in 30 s; stderr: ${stderr}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        acked.push(...lines.filter(Boolean));
        if (acked.length >= 1500) {
          clearTimeout(timer);
          child.kill('SIGKILL'); // mid-burst: 64 captures are in flight
          resolve();
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    assert.equal(await exited, 'SIGKILL', `the child must die mid-burst, not finish (stderr: ${stderr})`);

    const stores = await RegionStores.open({ eu: { store: { kind: 'sqlite' } } }, dir);
    try {
      const eu = stores.get('eu');
      assert.deepEqual(await eu.query('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
      const reader = new TrainingReader(new FileKeyStore(join(dir, 'keys')));
      const stored = new Set((await eu.query<{ id: string }>('SELECT id FROM training_records')).map((r) => r.id));
      const missing = acked.filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], 'every acknowledged id is present');
      let opened = 0;
      for await (const rec of reader.records(eu, { accountId: 'acme', applicationId: 'support', now: 0, pageSize: 1000 })) {
        assert.match(rec.transcript, /^burst utterance \d+$/);
        assert.equal(rec.audio?.base64.length, Math.ceil(1600 / 3) * 4);
        opened++;
      }
      assert.equal(opened, stored.size, 'every stored row opens: none is half-written');
      assert.ok(stored.size >= acked.length);
    } finally {
      await stores.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
