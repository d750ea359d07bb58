/** The admin API's behaviour: CRUD, 400 naming the field, 404, 409, secrets, 429, erasure, export, calls, audit. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeAdmin, auth, type AdminEnv } from './helpers.js';
import { SCOPES } from '../../src/admin/scopes.js';

let env: AdminEnv;
let admin: string;
let adminId: string;

before(async () => {
  env = await makeAdmin();
  const k = await env.keys.create({ name: 'admin', scopes: [...SCOPES] });
  admin = k.token;
  adminId = k.key.id;
});
after(() => env.close());

const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, token = admin) =>
  env.server.app.inject({ method, url, headers: auth(token), ...(payload !== undefined ? { payload: payload as object } : {}) });

test('accounts, applications and numbers: create, read, replace, delete', async () => {
  assert.equal((await req('POST', '/v1/accounts', { id: 'acme', name: 'Acme', training: { maxRetentionDays: 20 } })).statusCode, 201);
  assert.equal((await req('POST', '/v1/accounts', { id: 'acme' })).statusCode, 409);
  const created = await req('POST', '/v1/accounts/acme/applications', {
    id: 'support', region: 'eu', numbers: ['+1 202-555-0100', '+4420794600*'], mode: 'hold',
    dialog: { provider: 'webhook', url: 'https://soe.example/api', workspaceId: 'ws1', auth: { type: 'basic', username: 'u', password: 'hunter2-secret' } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const app = created.json();
  assert.equal(app.accountId, 'acme');
  assert.equal(app.source, 'api');
  assert.equal(app.dialog.auth.password, '********', 'secrets are masked');
  assert.ok(!created.body.includes('hunter2'));
  assert.deepEqual((await req('GET', '/v1/applications/support/numbers')).json(), ['+1 202-555-0100', '+4420794600*']);

  // Replace with the masked secret: the stored password stays; numbers omitted stay.
  const put = await req('PUT', '/v1/applications/support', { ...app, id: undefined, accountId: undefined, source: undefined, createdAt: undefined, updatedAt: undefined, numbers: undefined, holdSeconds: 30 });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal(put.json().holdSeconds, 30);
  const stored = await env.tenancy.getApplication('support');
  assert.equal((stored!.application.dialog as { auth: { password: string } }).auth.password, 'hunter2-secret');
  assert.deepEqual(stored!.application.numbers.sort(), ['+1 202-555-0100', '+4420794600*']);

  // Numbers: add, conflict (same number in another form), remove.
  const added = await req('POST', '/v1/applications/support/numbers', { number: 'sales' });
  assert.equal(added.statusCode, 201);
  assert.equal(added.json().key, 'sales');
  assert.equal((await req('POST', '/v1/accounts/acme/applications', { id: 'other', region: 'eu', numbers: ['12025550100'] })).statusCode, 409, 'the same number in national form is taken');
  assert.equal((await req('DELETE', '/v1/applications/support/numbers/sales')).statusCode, 204);
  assert.equal((await req('DELETE', '/v1/applications/support/numbers/sales')).statusCode, 404);

  // An account with applications cannot be deleted; an application can.
  assert.equal((await req('DELETE', '/v1/accounts/acme')).statusCode, 409);
  assert.equal((await req('DELETE', '/v1/applications/support')).statusCode, 204);
  assert.equal((await req('GET', '/v1/applications/support')).statusCode, 404);
  assert.equal((await req('DELETE', '/v1/accounts/acme')).statusCode, 204);
});

test('bad bodies get 400 naming the field', async () => {
  await req('POST', '/v1/accounts', { id: 'beta' });
  const cases: [string, string, unknown, string][] = [
    ['POST', '/v1/accounts', { id: 'bad id!' }, 'id'],
    ['POST', '/v1/accounts', { id: 'x', training: { maxRetentionDays: 'long' } }, 'training.maxRetentionDays'],
    ['POST', '/v1/accounts/beta/applications', { region: 'eu' }, 'id'],
    ['POST', '/v1/accounts/beta/applications', { id: 'a1', region: 'mars' }, 'region'],
    ['POST', '/v1/accounts/beta/applications', { id: 'a1', region: 'eu', mode: 'dance' }, 'mode'],
    ['POST', '/v1/accounts/beta/applications', { id: 'a1', region: 'eu', secureMedia: 'always' }, 'secureMedia'],
    ['POST', '/v1/accounts/beta/applications', { id: 'a1', region: 'eu', numbers: ['+12025550123', '2025550123'] }, 'numbers.1'],
    ['POST', '/v1/accounts/beta/applications', { id: 'a1', region: 'eu', dialog: { provider: 'webhook', url: 'http://soe.example', workspaceId: 'w', auth: { type: 'bearer', token: 't' } } }, 'dialog.url'],
    ['POST', '/v1/accounts/beta/applications', { id: 'a1', region: 'eu', training: { enabled: true, retentionDays: 90 } }, 'training.retentionDays'],
    ['POST', '/v1/keys', { name: 'k', scopes: ['root'] }, 'scopes.0'],
    ['POST', '/v1/erasures', { accountId: 'beta', applicationId: 'a1' }, 'phoneNumber'],
    ['GET', '/v1/training/export?accountId=beta&applicationId=a1', undefined, 'region'],
    ['GET', '/v1/training/export?accountId=beta&applicationId=a1&region=mars', undefined, 'region'],
    ['GET', '/v1/audit?limit=0', undefined, 'limit'],
  ];
  for (const [method, url, body, field] of cases) {
    const res = await req(method as 'POST', url, body);
    assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`);
    assert.equal(res.json().field, field, `${url}: ${res.body}`);
    assert.match(res.json().message, new RegExp(field.replace(/\./g, '\\.')));
  }
  const malformed = await env.server.app.inject({ method: 'POST', url: '/v1/accounts', headers: { ...auth(admin), 'content-type': 'application/json' }, payload: '{"id": ' });
  assert.equal(malformed.statusCode, 400);
});

test('unknown ids get 404', async () => {
  for (const [m, u] of [['GET', '/v1/accounts/nope'], ['PUT', '/v1/accounts/nope'], ['DELETE', '/v1/accounts/nope'], ['GET', '/v1/applications/nope'], ['PUT', '/v1/applications/nope'],
    ['DELETE', '/v1/applications/nope'], ['GET', '/v1/applications/nope/numbers'], ['POST', '/v1/applications/nope/numbers'], ['DELETE', '/v1/keys/0123456789ab'],
    ['GET', '/v1/erasures/nope'], ['POST', '/v1/accounts/nope/applications'], ['GET', '/v1/no-such-route']] as const) {
    const body = m === 'PUT' ? {} : m === 'POST' ? (u.endsWith('numbers') ? { number: '+12025550100' } : { id: 'z', region: 'eu' }) : undefined;
    const res = await req(m, u, body);
    assert.equal(res.statusCode, 404, `${m} ${u}: ${res.body}`);
  }
});

test('file-managed entities are read-only through the API (409 managed_by_config)', async () => {
  await env.tenancy.seed([{ id: 'filed', applications: [{ ...(await import('../../src/tenancy/schema.js')).applicationSchema.parse({ id: 'fileapp', region: 'eu', numbers: ['filed-number'] }) }] }]);
  const res = await req('PUT', '/v1/applications/fileapp', { region: 'eu' });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error, 'managed_by_config');
  assert.equal((await req('GET', '/v1/applications/fileapp')).json().source, 'config');
  assert.equal((await req('POST', '/v1/applications/fileapp/numbers', { number: 'more' })).statusCode, 409);
});

test('erasure returns a receipt; the audit log records who and what, never the number', async () => {
  const res = await req('POST', '/v1/erasures', { accountId: 'beta', applicationId: 'a1', phoneNumber: '+1 202 555 0177', requestId: 'ticket-42' });
  assert.equal(res.statusCode, 201, res.body);
  const receipt = res.json();
  assert.equal(receipt.requestId, 'ticket-42');
  assert.deepEqual(Object.keys(receipt.counts).sort(), ['dataKeys', 'trainingRecords']);
  assert.ok(!res.body.includes('0177'));
  const one = await req('GET', '/v1/erasures/ticket-42');
  assert.equal(one.json().requestId, 'ticket-42', one.body);
  assert.equal((await req('GET', '/v1/erasures?accountId=beta')).json().length, 1);

  const audit = (await req('GET', '/v1/audit?limit=1000')).json() as { actor: string; action: string; target: string; details: Record<string, unknown> }[];
  const erasure = audit.find((a) => a.action === 'createErasure' && a.details.status === 201)!;
  assert.equal(erasure.actor, adminId);
  assert.equal(erasure.details.requestId, 'ticket-42');
  assert.ok(audit.some((a) => a.action === 'createApplication' && a.details.status === 201));
  assert.ok(audit.some((a) => a.action === 'removeNumber' && a.target === '/v1/applications/support/numbers/[REDACTED]'));
  assert.ok(!JSON.stringify(audit).includes('0177') && !JSON.stringify(audit).includes('2025550177'), 'no number in the audit log');
  assert.ok(!audit.some((a) => a.action === 'listAudit'), 'reading the audit log is not itself audited');
});

test('training export streams JSON lines and is audited', async () => {
  const res = await req('GET', '/v1/training/export?accountId=beta&applicationId=a1&region=us');
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /ndjson/);
  assert.equal(res.body, '');
  const regionAudit = await env.training.stores.get('us').listAudit({ action: 'training.export' });
  assert.equal(regionAudit.at(-1)!.details.completed, true);
});

test('retention status, live calls (redacted), outbox', async () => {
  await req('POST', '/v1/accounts/beta/applications', { id: 'kept', region: 'us', training: { enabled: true, retentionDays: 7 } });
  const ret = (await req('GET', '/v1/retention')).json() as { region: string; applications: { applicationId: string; retentionDays: number; records: number }[] }[];
  assert.deepEqual(ret.map((r) => r.region), ['eu', 'us']);
  assert.deepEqual(ret[1]!.applications.find((a) => a.applicationId === 'kept'), { accountId: 'beta', applicationId: 'kept', captureEnabled: true, retentionDays: 7, records: 0 });

  env.liveCalls.push({
    info: { callId: 'c1@gw', accountId: 'beta', applicationId: 'kept', startedAt: env.clock.t - 5000, answeredAt: env.clock.t - 4000, audio: { codec: 'PCMU' } },
    route: { dialled: '+12025550100' },
    session: { state: 'confirmed', callerUser: '+447700900123' },
  });
  const calls = await req('GET', '/v1/calls');
  assert.deepEqual(calls.json(), [{
    callId: 'c1@gw', accountId: 'beta', applicationId: 'kept', state: 'confirmed', codec: 'PCMU',
    startedAt: new Date(env.clock.t - 5000).toISOString(), answeredAt: new Date(env.clock.t - 4000).toISOString(), durationSeconds: 4,
    from: '+44770090XXXX', to: '+1202555XXXX',
  }]);
  assert.ok(!calls.body.includes('900123') && !calls.body.includes('5550100'));
  assert.deepEqual((await req('GET', '/v1/events/outbox')).json(), [{ region: 'eu', depth: 3, oldestAgeSeconds: 1.5 }]);
});

test('a key over its rate limit gets 429 with Retry-After, and recovers as time passes', async () => {
  const limited = await makeAdmin({ rateLimit: { perMinute: 60, burst: 5 } });
  try {
    const { token } = await limited.keys.create({ name: 'slow', scopes: ['config:read'], ratePerMinute: 60 });
    const other = (await limited.keys.create({ name: 'other', scopes: ['config:read'] })).token;
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await limited.server.app.inject({ url: '/v1/accounts', headers: auth(token) })).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 429, 429]);
    const r = await limited.server.app.inject({ url: '/v1/accounts', headers: auth(token) });
    assert.equal(r.json().error, 'rate_limited');
    assert.equal(r.headers['retry-after'], '1');
    assert.equal((await limited.server.app.inject({ url: '/v1/accounts', headers: auth(other) })).statusCode, 200, 'limits are per key');
    limited.clock.t += 1000;
    assert.equal((await limited.server.app.inject({ url: '/v1/accounts', headers: auth(token) })).statusCode, 200);
  } finally {
    await limited.close();
  }
});
