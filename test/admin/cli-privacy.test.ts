/**
 * `hushgate erase` and `hushgate training export` against a real admin server on a loopback socket:
 * records captured as a call would capture them are exported through the API (to stdout and to a
 * 0600 file), erased through the API (receipt without the number), refused without the scope, and
 * an export that meets a tampered record ends with exit 1 and "ABORTED" — never a silent partial file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load.js';
import { runKeyCreate, openControlStore } from '../../src/cli/commands/keys.js';
import { runErase } from '../../src/cli/commands/erase.js';
import { runExport } from '../../src/cli/commands/training.js';
import { startAdminServer } from '../../src/admin/server.js';
import { ApiKeyStore } from '../../src/admin/api-keys.js';
import { TenancyStore } from '../../src/tenancy/tenancy-store.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { openTraining } from '../../src/training/service.js';

function sink() {
  let text = '';
  return { w: new Writable({ write(c, _e, cb) { text += String(c); cb(); } }), text: () => text };
}

test('erase and training export call the admin API', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-cli-privacy-'));
  const cfg = parseConfig({
    dataDir: dir, defaultCountry: 'GB', regions: { eu: { store: { kind: 'sqlite' } } },
    accounts: [{ id: 'acme', applications: [{ id: 'support', region: 'eu', numbers: ['+442071234567'], training: { enabled: true } }] }],
  });
  const out = sink();
  const err = sink();
  assert.equal(await runKeyCreate({ name: 'root', scopes: 'all', local: true }, { stdout: out.w, stderr: err.w }, () => cfg), 0, err.text());
  const root = out.text().trim();
  const store = await openControlStore(cfg);
  const tenancy = await TenancyStore.open(store, { defaultCountry: 'GB', regions: ['eu'], keyStore: new FileKeyStore(join(dir, 'keys')) });
  await tenancy.seed(cfg.accounts);
  const training = await openTraining(cfg);
  const capture = (from: string, transcript: string) =>
    training.capture.capture({ accountId: 'acme', applicationId: 'support', callId: 'c1', from, to: '+442071234567', transcript, language: 'en-GB', startedAt: Date.now(), endedAt: Date.now() });
  for (let i = 0; i < 3; i++) assert.ok((await capture('+442079460958', `my balance please ${i}`)).captured);
  for (let i = 0; i < 2; i++) assert.ok((await capture('+442079461111', `opening hours ${i}`)).captured);
  const app = await startAdminServer({ host: '127.0.0.1', port: 0, registry: new Registry(), ready: () => true, tenancy, keys: await ApiKeyStore.open(store), training });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  // The API path never reads a configuration file: a loader that throws proves it.
  const noConfig = (): never => {
    throw new Error('the API path must not load a configuration');
  };
  try {
    const o2 = sink();
    assert.equal(await runKeyCreate({ name: 'reader', scopes: 'config:read', url, key: root }, { stdout: o2.w, stderr: err.w }), 0, err.text());
    const weak = o2.text().trim();

    // Export to stdout, through the API.
    const e1 = sink();
    const s1 = sink();
    assert.equal(await runExport({ account: 'acme', application: 'support', region: 'eu', url, key: root }, noConfig, { stdout: s1.w, stderr: e1.w }), 0, e1.text());
    const lines = s1.text().trim().split('\n').map((l) => JSON.parse(l) as { transcript: string; from: string });
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.map((l) => l.transcript).sort(), ['my balance please 0', 'my balance please 1', 'my balance please 2', 'opening hours 0', 'opening hours 1']);
    assert.ok(lines.every((l) => l.from === '+44207946XXXX'), 'numbers leave obfuscated');
    assert.match(e1.text(), /exported 5 record\(s\)/);

    // The key comes from the environment when --key is absent; the scope is enforced.
    const e2 = sink();
    process.env.HUSHGATE_API_KEY = weak;
    try {
      assert.equal(await runExport({ account: 'acme', application: 'support', region: 'eu', url }, noConfig, { stdout: sink().w, stderr: e2.w }), 1);
      assert.match(e2.text(), /403 forbidden/);
      const e3 = sink();
      assert.equal(await runErase({ account: 'acme', application: 'support', number: '020 7946 0958', url }, noConfig, { stdout: sink().w, stderr: e3.w }), 1);
      assert.match(e3.text(), /403 forbidden/);
    } finally {
      delete process.env.HUSHGATE_API_KEY;
    }

    // A bad region or number is the caller's mistake: exit 2 naming the field.
    const e4 = sink();
    assert.equal(await runExport({ account: 'acme', application: 'support', region: 'mars', url, key: root }, noConfig, { stdout: sink().w, stderr: e4.w }), 2);
    assert.match(e4.text(), /400 invalid \(region\)/);
    const e5 = sink();
    assert.equal(await runErase({ account: 'acme', application: 'support', number: 'nobody', url, key: root }, noConfig, { stdout: sink().w, stderr: e5.w }), 2);
    assert.match(e5.text(), /phoneNumber/);

    // Erase one caller through the API: the receipt, never the number; the export no longer has them.
    const s6 = sink();
    const e6 = sink();
    assert.equal(await runErase({ account: 'acme', application: 'support', number: '020 7946 0958', requestId: 'dsr-77', url, key: root }, noConfig, { stdout: s6.w, stderr: e6.w }), 0, e6.text());
    const receipt = JSON.parse(s6.text()) as { requestId: string; counts: Record<string, number>; completedAt: string };
    assert.equal(receipt.requestId, 'dsr-77');
    assert.equal(receipt.counts.trainingRecords, 3);
    assert.ok(!Number.isNaN(Date.parse(receipt.completedAt)));
    assert.ok(!s6.text().includes('7946') && !e6.text().includes('7946'));
    const file = join(dir, 'export.jsonl');
    const e7 = sink();
    assert.equal(await runExport({ account: 'acme', application: 'support', region: 'eu', out: file, url, key: root }, noConfig, { stdout: sink().w, stderr: e7.w }), 0, e7.text());
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { transcript: string }).transcript).sort(), ['opening hours 0', 'opening hours 1']);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    // A tampered record: the gateway cuts the stream; the CLI says ABORTED and exits 1.
    const eu = training.stores.get('eu');
    const rows = await eu.query<{ id: string; sealed: Buffer }>('SELECT id, sealed FROM training_records ORDER BY id');
    const bad = Buffer.from(rows[1]!.sealed);
    bad[bad.length >> 1]! ^= 0x01;
    await eu.execute('UPDATE training_records SET sealed = ? WHERE id = ?', [bad, rows[1]!.id]);
    const e8 = sink();
    assert.equal(await runExport({ account: 'acme', application: 'support', region: 'eu', url, key: root }, noConfig, { stdout: sink().w, stderr: e8.w }), 1);
    assert.match(e8.text(), /ABORTED/);
    assert.equal((await eu.listAudit({ action: 'training.tamper_detected' })).length, 1);

    // Both requests are in the admin audit log under the key that made them, without the number.
    const audit = await eu.listAudit({});
    const all = JSON.stringify(await store.listAudit({}));
    assert.ok(all.includes('createErasure') && all.includes('exportTraining'));
    assert.ok(!all.includes('7946') && !JSON.stringify(audit).includes('0958'));
  } finally {
    await app.close();
    await training.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
