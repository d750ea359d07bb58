/**
 * The OpenAPI document is structurally valid (the OpenAPI 3.1 rules that matter: version, info,
 * paths and operations, unique operationIds, path parameters declared, responses with descriptions,
 * every $ref resolves) and lists exactly the routes fastify serves. The server speaks HTTPS over a
 * real socket with an openssl certificate, and refuses plain HTTP on a non-loopback address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { makeAdmin, auth } from './helpers.js';
import { openApiPath } from '../../src/admin/openapi.js';
import { startAdminServer, checkTransportPolicy } from '../../src/admin/server.js';
import { openStore } from '../../src/store/open.js';
import { ApiKeyStore } from '../../src/admin/api-keys.js';
import { TenancyStore } from '../../src/tenancy/tenancy-store.js';
import { FileKeyStore } from '../../src/training/keystore.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function resolvePointer(doc: Json, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `only local refs: ${ref}`);
  return ref.slice(2).split('/').reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Json)[k.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
}

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, out));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node as Json)) k === '$ref' && typeof v === 'string' ? out.push(v) : collectRefs(v, out);
  return out;
}

test('the OpenAPI document validates and lists exactly the served routes', async () => {
  const env = await makeAdmin();
  try {
    const res = await env.server.app.inject({ url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as Json;
    assert.match(String(doc.openapi), /^3\.1\.\d+$/);
    const info = doc.info as Json;
    assert.equal(typeof info.title, 'string');
    assert.equal(typeof info.version, 'string');
    const paths = doc.paths as Record<string, Json>;
    const documented = new Set<string>();
    const opIds = new Set<string>();
    for (const [p, item] of Object.entries(paths)) {
      assert.ok(p.startsWith('/'), p);
      const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const [method, op] of Object.entries(item) as [string, Json][]) {
        assert.ok(METHODS.includes(method), `${p}: ${method}`);
        documented.add(`${method.toUpperCase()} ${p}`);
        assert.equal(typeof op.operationId, 'string');
        assert.ok(!opIds.has(op.operationId as string), `duplicate operationId ${op.operationId}`);
        opIds.add(op.operationId as string);
        const params = (op.parameters ?? []) as Json[];
        for (const prm of params) {
          assert.ok(['path', 'query', 'header', 'cookie'].includes(prm.in as string));
          assert.equal(typeof prm.name, 'string');
          assert.ok(prm.schema && typeof prm.schema === 'object');
          if (prm.in === 'path') assert.equal(prm.required, true, `${p} ${prm.name}`);
        }
        assert.deepEqual(params.filter((x) => x.in === 'path').map((x) => x.name).sort(), [...templated].sort(), `path parameters of ${method} ${p}`);
        const responses = op.responses as Record<string, Json>;
        assert.ok(Object.keys(responses).length > 0);
        for (const [code, r] of Object.entries(responses)) {
          assert.match(code, /^[1-5]\d\d$|^default$/);
          assert.equal(typeof r.description, 'string', `${method} ${p} ${code}`);
        }
        if (op.requestBody) assert.ok(((op.requestBody as Json).content as Json)['application/json']);
        const security = op.security as Json[];
        assert.ok(Array.isArray(security));
        for (const s of security) for (const name of Object.keys(s)) assert.ok(((doc.components as Json).securitySchemes as Json)[name], `security scheme ${name}`);
        if (security.length) for (const code of ['401', '403', '429']) assert.ok(responses[code], `${method} ${p} documents ${code}`);
      }
    }
    const refs = collectRefs(doc);
    assert.ok(refs.length > 20, `${refs.length} refs`);
    for (const ref of refs) assert.ok(resolvePointer(doc, ref) !== undefined, `unresolved ${ref}`);
    for (const [name, schema] of Object.entries((doc.components as Json).schemas as Json)) {
      assert.match(name, /^[A-Za-z0-9._-]+$/);
      assert.ok(schema && typeof schema === 'object' && Object.keys(schema as Json).length > 0, `empty schema ${name}`);
    }
    // The application schema is the config's: its settings are all there.
    const app = ((doc.components as Json).schemas as Json).ApplicationSettingsInput as Json;
    for (const f of ['numbers', 'region', 'dialog', 'speech', 'privacy', 'training', 'forwarding', 'secureMedia']) assert.ok((app.properties as Json)[f], f);

    const served = new Set(env.server.served.map((r) => `${r.method} ${openApiPath(r.url)}`));
    assert.deepEqual([...documented].sort(), [...served].sort());
    // And each served route answers (not fastify's 404 for unknown routes).
    for (const r of env.server.served) {
      const url = r.url.replace(/:([A-Za-z]+)/g, 'x');
      const out = await env.server.app.inject({ method: r.method as 'GET', url });
      assert.ok(!out.body.includes('no such route'), `${r.method} ${url}`);
    }
  } finally {
    await env.close();
  }
});

test('HTTPS over a real socket with an openssl certificate; plain HTTP refused off loopback', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-admin-tls-'));
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
    const port = (app.server.address() as { port: number }).port;
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string; protocol: string }>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, path, headers, ca: readFileSync(cert), timeout: 5000, agent: false }, (res) => {
          let body = '';
          const protocol = (res.socket as unknown as { getProtocol(): string }).getProtocol();
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body, protocol }));
        });
        r.on('error', reject);
        r.end();
      });
    const h = await get('/healthz');
    assert.equal(h.status, 200);
    assert.match(h.protocol, /^TLSv1\.[23]$/);
    const accounts = await get('/v1/accounts', auth(token));
    assert.equal(accounts.status, 200);
    assert.equal(JSON.parse(accounts.body)[0].name, 'Acme');
    assert.equal((await get('/v1/accounts')).status, 401);
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(checkTransportPolicy({ host: '0.0.0.0' }).ok, false);
  assert.equal(checkTransportPolicy({ host: '192.0.2.10', allowPlainHttp: true }).ok, true);
  assert.equal(checkTransportPolicy({ host: '127.0.0.1' }).ok, true);
  await assert.rejects(startAdminServer({ host: '0.0.0.0', port: 0, registry: new Registry(), ready: () => true }), /admin\.tls/);
});
