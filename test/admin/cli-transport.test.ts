// The CLI's admin API client on the one HTTP client: HTTPS with `--ca` verified on a real socket,
// an untrusted certificate refused, and plain http to anything but loopback refused before a
// connection is made (the API key would cross the network in clear).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { ApiClient } from '../../src/cli/api-client.js';
import { startAdminServer } from '../../src/admin/server.js';
import { openStore } from '../../src/store/open.js';
import { ApiKeyStore } from '../../src/admin/api-keys.js';
import { TenancyStore } from '../../src/tenancy/tenancy-store.js';
import { FileKeyStore } from '../../src/training/keystore.js';

test('CLI over HTTPS trusts --ca; without it the certificate is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-cli-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const store = await openStore('eu', { kind: 'sqlite' }, dir);
  const tenancy = await TenancyStore.open(store, { defaultCountry: 'US', regions: ['eu'], keyStore: new FileKeyStore(join(dir, 'keys')) });
  const keys = await ApiKeyStore.open(store);
  const { token } = await keys.create({ name: 'reader', scopes: ['config:read'] });
  await tenancy.putAccount('acme', { name: 'Acme' });
  const app = await startAdminServer({ host: '127.0.0.1', port: 0, tls: { certFile: cert, keyFile: key }, registry: new Registry(), ready: () => true, tenancy, keys });
  try {
    const url = `https://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const r = await new ApiClient({ url, key: token, ca: cert }).call<{ name: string }[]>('GET', '/v1/accounts');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.body[0]!.name, 'Acme');
    await assert.rejects(new ApiClient({ url, key: token }).call('GET', '/v1/accounts'), /SELF_SIGNED|CERT/);
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI refuses plain http off loopback before connecting; loopback plain http is allowed', async () => {
  let connections = 0;
  const listener = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as { port: number }).port;
  try {
    // 192.0.2.1 (TEST-NET-1) is never reachable: a connection attempt would hang until the timeout.
    const t0 = Date.now();
    await assert.rejects(new ApiClient({ url: 'http://192.0.2.1:8088', key: 'k' }).call('GET', '/v1/accounts'), /refusing plain http to 192\.0\.2\.1:8088.*in clear.*https/);
    assert.ok(Date.now() - t0 < 1000, 'refused without a connection attempt');
    await assert.rejects(new ApiClient({ url: `http://127.0.0.1:${port}`, key: 'k' }).call('GET', '/v1/accounts'), /127\.0\.0\.1/);
    assert.equal(connections, 1, 'loopback plain http was attempted');
  } finally {
    await new Promise((r) => listener.close(r));
  }
});
