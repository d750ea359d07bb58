/**
 * The authorization matrix: every served route × every scope, plus no key, a malformed key and a
 * revoked key. A key with a scope the route lists is never refused with 401/403; any other key is
 * refused with 403; no key / revoked key get 401; public routes answer everyone.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeAdmin, auth, type AdminEnv } from './helpers.js';
import { SCOPES, type Scope } from '../../src/admin/scopes.js';
import type { ApiRoute } from '../../src/admin/api-route.js';

let env: AdminEnv;
const tokens = new Map<Scope, string>();
let revoked: string;

before(async () => {
  env = await makeAdmin();
  for (const s of SCOPES) tokens.set(s, (await env.keys.create({ name: `only ${s}`, scopes: [s] })).token);
  const r = await env.keys.create({ name: 'all, revoked', scopes: [...SCOPES] });
  await env.keys.revoke(r.key.id);
  revoked = r.token;
  await env.tenancy.putAccount('acme', {});
});
after(() => env.close());

// Ids that do not exist, so authorized DELETEs change nothing and later rows see the same state.
const PARAMS: Record<string, string> = { accountId: 'nobody', applicationId: 'nothing', number: '%2B12025550100', keyId: '000000000000', requestId: 'none' };

function urlOf(r: ApiRoute): string {
  return r.url.replace(/:([A-Za-z]+)/g, (_, p: string) => PARAMS[p]!);
}

async function call(r: ApiRoute, headers: Record<string, string>) {
  return env.server.app.inject({ method: r.method, url: urlOf(r), headers, ...(r.method === 'POST' || r.method === 'PUT' ? { payload: {} } : {}) });
}

test('every route × every scope: allowed scopes pass authorization, others get 403', async () => {
  let checked = 0;
  for (const r of env.server.routes) {
    for (const s of SCOPES) {
      const res = await call(r, auth(tokens.get(s)!));
      const allowed = r.scopes === 'public' || r.scopes.includes(s);
      if (allowed) assert.ok(res.statusCode !== 401 && res.statusCode !== 403, `${r.method} ${r.url} with ${s}: ${res.statusCode} ${res.body}`);
      else assert.equal(res.statusCode, 403, `${r.method} ${r.url} with ${s}: ${res.body}`);
      checked++;
    }
  }
  assert.equal(checked, env.server.routes.length * SCOPES.length);
  assert.ok(env.server.routes.length >= 25, `${env.server.routes.length} routes`);
});

test('no key, a malformed key and a revoked key get 401 on every protected route; public routes answer', async () => {
  for (const r of env.server.routes) {
    for (const headers of [{}, auth('hg_nonsense'), auth(revoked), { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }]) {
      const res = await call(r, headers);
      if (r.scopes === 'public') assert.ok(res.statusCode < 400 || res.statusCode === 503, `${r.url}: ${res.statusCode}`);
      else {
        assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
        assert.equal(res.json().error, 'unauthorized');
      }
    }
  }
});

test('an account-restricted key sees only its account', async () => {
  await env.tenancy.putAccount('other', {});
  assert.ok((await env.tenancy.putApplication('other', 'theirs', { region: 'eu', numbers: ['+12025550111'] }, 'create')).ok);
  assert.ok((await env.tenancy.putApplication('acme', 'ours', { region: 'eu', numbers: ['+12025550112'] }, 'create')).ok);
  const { token } = await env.keys.create({ name: 'acme only', scopes: ['config:read', 'config:write'], accountId: 'acme' });
  const apps = (await env.server.app.inject({ url: '/v1/applications', headers: auth(token) })).json() as { id: string }[];
  assert.deepEqual(apps.map((a) => a.id), ['ours']);
  assert.equal((await env.server.app.inject({ url: '/v1/applications/theirs', headers: auth(token) })).statusCode, 404);
  assert.equal((await env.server.app.inject({ url: '/v1/accounts/other', headers: auth(token) })).statusCode, 404);
  assert.equal((await env.server.app.inject({ method: 'POST', url: '/v1/accounts', headers: auth(token), payload: { id: 'new' } })).statusCode, 403);
  // It cannot mint a key for all accounts or with more scopes than it has.
  const wider = await env.server.app.inject({ method: 'POST', url: '/v1/keys', headers: auth(token), payload: { name: 'x', scopes: ['config:read'] } });
  assert.equal(wider.statusCode, 403);
  const more = await env.server.app.inject({ method: 'POST', url: '/v1/keys', headers: auth(token), payload: { name: 'x', scopes: ['audit:read'], accountId: 'acme' } });
  assert.equal(more.statusCode, 403);
  const same = await env.server.app.inject({ method: 'POST', url: '/v1/keys', headers: auth(token), payload: { name: 'x', scopes: ['config:read'], accountId: 'acme' } });
  assert.equal(same.statusCode, 201);
});
