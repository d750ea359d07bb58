/** TenancyStore on a real SQLite store: seeding from the file, ownership, validation, routing that follows changes. */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { TenancyStore, TenancySeedError } from '../../src/tenancy/tenancy-store.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { TenancyRouting } from '../../src/tenancy/routing.js';
import { FakeClock } from '../../src/time/clock.js';
import { applicationSchema, accountSchema, type AccountConfig } from '../../src/tenancy/schema.js';
import { waitFor } from '../helpers/wait.js';

let dir: string;
let store: Store;
let tenancy: TenancyStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hushgate-tenancy-'));
  store = await openStore('eu', { kind: 'sqlite' }, dir);
  tenancy = await TenancyStore.open(store, { defaultCountry: 'GB', regions: ['eu', 'us'], keyStore: new FileKeyStore(join(dir, 'keys')) });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (apps: Record<string, unknown>[], id = 'acme'): AccountConfig[] => [accountSchema.parse({ id, applications: apps.map((a) => applicationSchema.parse({ region: 'eu', ...a })) })];

test('seeding writes the file; a second seed with a changed file replaces and removes file-managed entries only', async () => {
  await tenancy.seed(file([{ id: 'support', numbers: ['020 7946 0958'] }, { id: 'sales', numbers: ['sales'] }]));
  assert.ok((await tenancy.putApplication('acme', 'api-app', { region: 'eu', numbers: ['+442079460999'] }, 'create')).ok);
  const report = await tenancy.seed(file([{ id: 'support', numbers: ['+44 20 7946 0958', '+4420794600*'], holdSeconds: 5 }]));
  assert.deepEqual(report.removed.applications, ['sales']);
  const apps = await tenancy.listApplications();
  assert.deepEqual(apps.map((a) => [a.application.id, a.source]), [['api-app', 'api'], ['support', 'config']]);
  assert.equal(apps[1]!.application.holdSeconds, 5);
  // The account leaves the file but still holds an API application: handed over, not deleted.
  const r2 = await tenancy.seed([]);
  assert.deepEqual(r2.handedOver.accounts, ['acme']);
  assert.equal((await tenancy.getAccount('acme'))!.source, 'api');
});

test('seeding refuses to take a number or an id from the API, naming the config path', async () => {
  await tenancy.putAccount('acme', {});
  assert.ok((await tenancy.putApplication('acme', 'api-app', { region: 'eu', numbers: ['+442079460958'] }, 'create')).ok);
  await assert.rejects(tenancy.seed(file([{ id: 'support', numbers: ['02079460958'] }])), (e: Error) => e instanceof TenancySeedError && e.path === 'accounts.0.applications.0.numbers');
  await assert.rejects(tenancy.seed(file([{ id: 'api-app' }])), (e: Error) => e instanceof TenancySeedError && e.path === 'accounts.0.applications.0.id');
  assert.equal((await tenancy.listApplications()).length, 1, 'a refused seed changes nothing');
});

test('validation errors name the field; one number, one application', async () => {
  await tenancy.putAccount('acme', { training: { maxRetentionDays: 10 } });
  const bad = async (body: unknown) => {
    const r = await tenancy.putApplication('acme', 'x', body, 'create');
    assert.ok(!r.ok);
    return r.error;
  };
  assert.deepEqual(await bad({ region: 'mars' }), { code: 'invalid', field: 'region', message: 'region "mars" has no store configured under regions' });
  assert.equal((await bad({ region: 'eu', training: { retentionDays: 11 } })).code, 'invalid');
  assert.equal((await bad({ region: 'eu', maxCallSeconds: -1 }) as { field: string }).field, 'maxCallSeconds');
  assert.ok((await tenancy.putApplication('acme', 'one', { region: 'eu', numbers: ['+4420794600*'] }, 'create')).ok);
  assert.equal((await bad({ region: 'eu', numbers: ['+44 20 7946 00*'] })).code, 'conflict', 'the same range written differently');
  const lowered = await tenancy.putAccount('acme', { training: { maxRetentionDays: 5 } });
  assert.ok(lowered.ok, 'no application keeps records longer than 5 days');
});

test('routing follows changes: at once in this process, by polling the revision for other processes', async () => {
  const clock = new FakeClock();
  await tenancy.seed(file([{ id: 'support', numbers: ['+442079460958'] }]));
  const routing = new TenancyRouting(tenancy, { defaultCountry: 'GB', pollMs: 1000, clock });
  await routing.start();
  const before = routing.router();
  assert.equal(before.route('02079460958')?.application.id, 'support');
  assert.equal(before.route('+442079460111'), undefined);

  // A change through this store: the next route() sees it; the old router (a live call's) is unchanged.
  await tenancy.putApplication('acme', 'desk', { region: 'eu', numbers: ['+4420794601*'] }, 'create');
  await routing.refresh();
  assert.equal(routing.router().route('+442079460111')?.application.id, 'desk');
  assert.equal(before.route('+442079460111'), undefined);

  // Another process writes to the same database: noticed on the next poll.
  const other = await openStore('eu', { kind: 'sqlite' }, dir);
  try {
    const otherTenancy = await TenancyStore.open(other, { defaultCountry: 'GB', regions: ['eu'], keyStore: new FileKeyStore(join(dir, 'keys')) });
    await otherTenancy.addNumber('desk', 'reception');
  } finally {
    await other.close();
  }
  assert.equal(routing.router().route('reception'), undefined);
  clock.advance(1000); // the next poll
  await waitFor('the routing change seen from the other connection', () => routing.router().route('reception'), 500);
  assert.equal(routing.router().route('RECEPTION')?.application.id, 'desk');
  routing.stop();
  assert.equal(clock.pendingTimers, 0, 'stop() disarms the poll timer');
});
