/**
 * The CLI against a real admin server on a loopback socket: bootstrap a key with `keys create --local`
 * (straight into the store), then `keys create`, `apps add`, `apps list`, `audit tail`, erasure and
 * export through the API client, and `import ibm-tenants --apply`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load.js';
import { runKeyCreate, openControlStore } from '../../src/cli/commands/keys.js';
import { runAppsAdd, runAppsList } from '../../src/cli/commands/apps.js';
import { runAuditTail } from '../../src/cli/commands/audit.js';
import { runImportIbm } from '../../src/cli/commands/import.js';
import { ApiClient, apiErase, apiTrainingExport } from '../../src/cli/api-client.js';
import { startAdminServer } from '../../src/admin/server.js';
import { ApiKeyStore } from '../../src/admin/api-keys.js';
import { TenancyStore } from '../../src/tenancy/tenancy-store.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { openTraining } from '../../src/training/service.js';

function sink() {
  let text = '';
  return { w: new Writable({ write(c, _e, cb) { text += String(c); cb(); } }), text: () => text };
}

test('bootstrap a key locally, then manage applications, read the audit log, erase and export through the API', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-cli-'));
  const cfg = parseConfig({ dataDir: dir, regions: { eu: { store: { kind: 'sqlite' } } }, accounts: [{ id: 'acme', applications: [] }] });
  const out = sink();
  const err = sink();
  assert.equal(await runKeyCreate({ name: 'root', scopes: 'all', local: true }, { stdout: out.w, stderr: err.w }, () => cfg), 0, err.text());
  const rootToken = out.text().trim();
  assert.match(rootToken, /^hg_[0-9a-f]{12}_/);

  const store = await openControlStore(cfg);
  const tenancy = await TenancyStore.open(store, { defaultCountry: 'US', regions: ['eu'], keyStore: new FileKeyStore(join(dir, 'keys')) });
  await tenancy.seed(cfg.accounts);
  const training = await openTraining({ ...cfg, accounts: [] });
  const app = await startAdminServer({ host: '127.0.0.1', port: 0, registry: new Registry(), ready: () => true, tenancy, keys: await ApiKeyStore.open(store), training });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    const o2 = sink();
    assert.equal(await runKeyCreate({ name: 'ops', scopes: 'config:read,config:write,audit:read', url, key: rootToken }, { stdout: o2.w, stderr: err.w }), 0, err.text());
    const ops = o2.text().trim();
    assert.equal(await runKeyCreate({ name: 'bad', scopes: 'config:read,root', url, key: rootToken }, { stdout: o2.w, stderr: err.w }), 2);

    assert.equal(await runAppsAdd({ account: 'acme', id: 'desk', number: ['+12025550100'], region: 'eu', url, key: ops }, { stdout: sink().w, stderr: err.w }), 0, err.text());
    const appFile = join(dir, 'app.yaml');
    writeFileSync(appFile, 'id: ivr\nregion: eu\nnumbers: [ivr-1]\nmode: loopback\n');
    assert.equal(await runAppsAdd({ account: 'acme', file: appFile, url, key: ops }, { stdout: sink().w, stderr: err.w }), 0);
    const e3 = sink();
    assert.equal(await runAppsAdd({ account: 'acme', id: 'dup', number: ['2025550100'], region: 'eu', url, key: ops }, { stdout: sink().w, stderr: e3.w }), 1);
    assert.match(e3.text(), /409 conflict/);
    const list = sink();
    assert.equal(await runAppsList({ url, key: ops }, { stdout: list.w, stderr: err.w }), 0);
    assert.equal(list.text(), 'acme\tdesk\thold\teu\tapi\t+12025550100\nacme\tivr\tloopback\teu\tapi\tivr-1\n');
    const e4 = sink();
    assert.equal(await runAppsList({ url, key: 'hg_000000000000_' + 'x'.repeat(43) }, { stdout: sink().w, stderr: e4.w }), 1);
    assert.match(e4.text(), /401 unauthorized/);

    const client = new ApiClient({ url, key: rootToken });
    const receipt = await apiErase(client, { accountId: 'acme', applicationId: 'desk', phoneNumber: '+12025550177' });
    assert.ok(receipt.ok && receipt.status === 201);
    const exp = sink();
    assert.ok((await apiTrainingExport(client, { accountId: 'acme', applicationId: 'desk', region: 'eu' }, exp.w)).ok);
    const badExport = await apiTrainingExport(client, { accountId: 'acme', applicationId: 'desk', region: 'mars' }, exp.w);
    assert.ok(!badExport.ok && badExport.field === 'region');

    const fixture = join(import.meta.dirname, '../tenancy/fixtures/ibm-tenants.json');
    const e5 = sink();
    assert.equal(await runImportIbm(fixture, { account: 'imported', region: 'eu', apply: true, url, key: rootToken }, { stdout: sink().w, stderr: e5.w }), 0, e5.text());
    assert.match(e5.text(), /created application voice-gateway-demo-us/);
    assert.deepEqual((await tenancy.listApplications('imported')).map((a) => a.application.id), ['orchestrated-support-line', 'voice-gateway-demo-us']);

    const audit = sink();
    assert.equal(await runAuditTail({ url, key: ops }, { stdout: audit.w, stderr: err.w }), 0);
    const entries = audit.text().trim().split('\n').map((l) => JSON.parse(l) as { actor: string; action: string });
    assert.equal(entries[0]!.actor, 'cli-local', 'the bootstrap key creation is audited');
    for (const a of ['createKey', 'createApplication', 'createErasure', 'exportTraining', 'createAccount']) assert.ok(entries.some((e) => e.action === a), a);
    assert.ok(!audit.text().includes('0177'));
  } finally {
    await app.close();
    await training.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
