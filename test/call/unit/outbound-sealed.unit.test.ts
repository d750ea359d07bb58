/** An account's own trunks set through the tenancy store (the admin API's path): the digest password is sealed at rest and opened for routing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../src/store/open.js';
import { TenancyStore } from '../../../src/tenancy/tenancy-store.js';
import { FileKeyStore } from '../../../src/training/keystore.js';

test('outbound.ownTrunks credentials: sealed in the store, clear only in memory for dialling', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-trunks-'));
  const store = await openStore('eu', { kind: 'sqlite' }, dir);
  try {
    const tenancy = await TenancyStore.open(store, { defaultCountry: 'GB', regions: ['eu'], keyStore: new FileKeyStore(join(dir, 'keys')) });
    const body = { name: 'Acme', outbound: { allowedPrefixes: ['+44'], ownTrunks: [{ name: 'own', uri: 'sip:sbc.example', credentials: { username: 'acme', password: 'trunk-password-42' } }] } };
    const r = await tenancy.putAccount('acme', body);
    assert.ok(r.ok, JSON.stringify(r));
    const rows = await store.query<{ doc: string }>('SELECT doc FROM tenancy_accounts WHERE id = ?', ['acme']);
    assert.ok(!rows[0]!.doc.includes('trunk-password-42'), 'no clear password at rest');
    assert.match(rows[0]!.doc, /hgsealed:v1\./);
    const accounts = await tenancy.snapshot();
    assert.equal(accounts.find((a) => a.id === 'acme')?.outbound?.ownTrunks[0]?.credentials?.password, 'trunk-password-42');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
