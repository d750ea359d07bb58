/**
 * Rows an older version wrote with credentials in clear are sealed when the tenancy store opens
 * (SQLite: gone from the file and WAL afterwards; PostgreSQL: from every current row), and a sealed
 * credential only opens where it was sealed: copied to another application, or read with another
 * installation's region key, the application is left out instead of run with a wrong credential.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, sqlitePathFor } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { TenancyStore } from '../../src/tenancy/tenancy-store.js';
import { TENANCY_NAMESPACE, tenancyMigrations } from '../../src/tenancy/migrations.js';
import { FileKeyStore } from '../../src/training/keystore.js';
import { createTempDatabase } from '../store/pg-helper.js';

const OLD_PASSWORD = 'old-clear-password-7a1e';
const OTHER_PASSWORD = 'another-password-90c4';

/** What an older version stored: the document as given, credentials included. */
async function writeClearRows(store: Store): Promise<void> {
  await store.migrate(TENANCY_NAMESPACE, tenancyMigrations);
  await store.execute("INSERT INTO tenancy_accounts (id, doc, source, created_at, updated_at) VALUES ('acme', '{}', 'api', 1, 1)");
  const doc = {
    region: 'eu', mode: 'agent',
    dialog: { provider: 'webhook', url: 'https://soe.example.com', workspaceId: 'ws', auth: { type: 'basic', username: 'u', password: OLD_PASSWORD } },
  };
  await store.execute("INSERT INTO tenancy_applications (id, account_id, doc, source, created_at, updated_at) VALUES ('desk', 'acme', ?, 'api', 1, 1)", [JSON.stringify(doc)]);
  await store.execute("INSERT INTO tenancy_numbers (number_key, number, application_id, created_at) VALUES ('desk', 'desk', 'desk', 1)");
  await store.checkpoint(); // the clear row is in the main file, as after any long run
}

async function scenario(store: Store, dir: string, rawBytes: () => Promise<string>): Promise<void> {
  assert.ok((await rawBytes()).includes(OLD_PASSWORD), 'the old row is there in clear to begin with');
  const keyStore = new FileKeyStore(join(dir, 'keys'));
  const tenancy = await TenancyStore.open(store, { defaultCountry: 'GB', regions: ['eu'], keyStore });
  assert.equal(tenancy.sealedAtOpen, 1);
  assert.ok(!(await rawBytes()).includes(OLD_PASSWORD), 'the clear credential is gone after the migration');
  const app = await tenancy.getApplication('desk');
  assert.equal(app?.application.dialog?.provider === 'webhook' && app.application.dialog.auth.type === 'basic' ? app.application.dialog.auth.password : undefined, OLD_PASSWORD);
  assert.equal((await TenancyStore.open(store, { defaultCountry: 'GB', regions: ['eu'], keyStore })).sealedAtOpen, 0, 'sealing is done once');

  // A second application; then the first one's sealed password is copied into its row.
  const made = await tenancy.putApplication('acme', 'desk2', {
    region: 'eu', numbers: ['desk2'], mode: 'agent',
    dialog: { provider: 'webhook', url: 'https://soe.example.com', workspaceId: 'ws', auth: { type: 'basic', username: 'u', password: OTHER_PASSWORD } },
  }, 'create');
  assert.ok(made.ok);
  assert.ok(!(await rawBytes()).includes(OTHER_PASSWORD));
  const [row] = await store.query<{ doc: string }>("SELECT doc FROM tenancy_applications WHERE id = 'desk'");
  const sealed = (JSON.parse(row!.doc) as { dialog: { auth: { password: string } } }).dialog.auth.password;
  assert.match(sealed, /^hgsealed:v1\./);
  const [row2] = await store.query<{ doc: string }>("SELECT doc FROM tenancy_applications WHERE id = 'desk2'");
  const doc2 = JSON.parse(row2!.doc) as { dialog: { auth: { password: string } } };
  doc2.dialog.auth.password = sealed;
  await store.execute("UPDATE tenancy_applications SET doc = ? WHERE id = 'desk2'", [JSON.stringify(doc2)]);
  assert.equal(await tenancy.getApplication('desk2'), undefined, 'a sealed value moved to another application does not open');
  assert.deepEqual((await tenancy.listApplications()).map((a) => a.application.id), ['desk'], 'the others still route');

  // Another installation's keys (or a lost key directory) open nothing.
  const stranger = await TenancyStore.open(store, { defaultCountry: 'GB', regions: ['eu'], keyStore: new FileKeyStore(join(dir, 'other-keys')) });
  assert.equal(await stranger.getApplication('desk'), undefined);
  // Writing it back masked cannot keep a credential nobody can open; sending it anew works.
  const body = (password: string) => ({
    region: 'eu', mode: 'agent', dialog: { provider: 'webhook', url: 'https://soe.example.com', workspaceId: 'ws', auth: { type: 'basic', username: 'u', password } },
  });
  const masked = await stranger.putApplication(undefined, 'desk', body('********'), 'replace');
  assert.equal(masked.ok ? 'ok' : masked.error.code, 'conflict');
  assert.ok((await stranger.putApplication(undefined, 'desk', body('a-new-password'), 'replace')).ok);
  const reopened = await stranger.getApplication('desk');
  assert.equal(reopened?.application.dialog?.provider === 'webhook' && reopened.application.dialog.auth.type === 'basic' ? reopened.application.dialog.auth.password : undefined, 'a-new-password');
}

test('SQLite: clear credentials of an older version are sealed at open and leave the file and WAL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-seal-migrate-'));
  const store = await openStore('eu', { kind: 'sqlite' }, dir);
  try {
    const path = sqlitePathFor(dir, 'eu');
    await writeClearRows(store);
    await scenario(store, dir, async () => [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join(''));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: clear credentials of an older version are sealed at open', async () => {
  const db = await createTempDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-seal-migrate-'));
  const store = await openStore('eu', { kind: 'postgres', url: db.url }, dir);
  try {
    await writeClearRows(store);
    await scenario(store, dir, async () => JSON.stringify(await store.query("SELECT doc FROM tenancy_applications UNION ALL SELECT doc FROM tenancy_accounts")));
  } finally {
    await store.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
