/**
 * Files the stores create are 0600 and their directories 0700 by their own explicit modes, whatever
 * the process umask (this test process runs with the usual 022): the region store and the event
 * outbox with their -wal/-shm, and files an older version left 0644 are tightened when opened.
 * `tightenTree` leaves key files alone (their store refuses loose ones itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite.js';
import { SqliteOutboxStore } from '../../src/events/outbox-store.js';
import { ensurePrivateFile, tightenTree } from '../../src/store/private-files.js';

const mode = (p: string) => statSync(p).mode & 0o777;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hushgate-modes-'));
}

test('a new region store, its -wal and -shm are 0600 in a 0700 directory (umask 022)', async () => {
  const dir = tmp();
  try {
    const path = join(dir, 'data', 'regions', 'eu.sqlite');
    const store = await SqliteStore.open({ region: 'eu', path });
    await store.audit({ actor: 't', action: 'x', target: 'y' });
    for (const p of [path, `${path}-wal`, `${path}-shm`]) {
      assert.ok(existsSync(p), p);
      assert.equal(mode(p), 0o600, p);
    }
    assert.equal(mode(join(dir, 'data', 'regions')), 0o700);
    assert.equal(mode(join(dir, 'data')), 0o700);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a region store an older version left 0644 (with its -wal) is tightened when opened', async () => {
  const dir = tmp();
  try {
    const path = join(dir, 'eu.sqlite');
    const first = await SqliteStore.open({ region: 'eu', path });
    await first.close();
    chmodSync(path, 0o644);
    closeSync(openSync(`${path}-wal`, 'a', 0o644)); // a leftover WAL, as after a crash
    chmodSync(`${path}-wal`, 0o644);
    const again = await SqliteStore.open({ region: 'eu', path });
    assert.equal(mode(path), 0o600);
    assert.equal(mode(`${path}-wal`), 0o600);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the event outbox file and its -wal/-shm are 0600', async () => {
  const dir = tmp();
  try {
    const data = join(dir, 'data');
    const ob = new SqliteOutboxStore({ dataDir: data, region: 'eu' });
    await ob.append({ eventId: 'e1', type: 'cdr', callId: 'c1', accountId: 'a', applicationId: 'p', createdAt: 1, keyId: 'k1', sealed: Buffer.from('{}'), sinks: ['s'] });
    for (const p of [ob.path, `${ob.path}-wal`, `${ob.path}-shm`]) assert.equal(mode(p), 0o600, p);
    assert.equal(mode(data), 0o700);
    await ob.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ensurePrivateFile creates 0600 and tightens an existing 0644 file without touching its bytes', () => {
  const dir = tmp();
  try {
    const fresh = join(dir, 'fresh.jsonl');
    ensurePrivateFile(fresh);
    assert.equal(mode(fresh), 0o600);
    const old = join(dir, 'old.jsonl');
    writeFileSync(old, 'kept', { mode: 0o644 });
    chmodSync(old, 0o644);
    ensurePrivateFile(old);
    assert.equal(mode(old), 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tightenTree: directories 0700 and files 0600 below the root, key files left to their store', () => {
  const dir = tmp();
  try {
    const root = join(dir, 'data');
    mkdirSync(join(root, 'regions'), { recursive: true, mode: 0o755 });
    mkdirSync(join(root, 'keys'), { mode: 0o755 });
    chmodSync(root, 0o755);
    chmodSync(join(root, 'regions'), 0o755);
    chmodSync(join(root, 'keys'), 0o755);
    writeFileSync(join(root, 'regions', 'eu.sqlite'), 'x');
    chmodSync(join(root, 'regions', 'eu.sqlite'), 0o644);
    writeFileSync(join(root, 'keys', 'master.key'), 'k');
    chmodSync(join(root, 'keys', 'master.key'), 0o644);
    writeFileSync(join(root, 'ok.sqlite'), 'y', { mode: 0o600 });
    const changed = tightenTree(root, (p) => p.startsWith(join(root, 'keys') + '/'));
    assert.deepEqual(changed.sort(), [root, join(root, 'keys'), join(root, 'regions'), join(root, 'regions', 'eu.sqlite')].sort());
    assert.equal(mode(root), 0o700);
    assert.equal(mode(join(root, 'regions', 'eu.sqlite')), 0o600);
    assert.equal(mode(join(root, 'keys', 'master.key')), 0o644, 'the key store refuses it at load instead');
    assert.deepEqual(tightenTree(join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
