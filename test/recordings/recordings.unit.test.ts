/**
 * Call recordings at rest, on real SQLite region stores and the file key store: sealed under the
 * caller's data key (the training envelope), stored in the call's region, opened back to the very
 * WAV, never readable from the store's bytes, expired by retention, audited on every access, and
 * unreadable once the caller is erased (the data key is gone: crypto-shredding).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTraining } from '../../src/training/service.js';
import { RecordingService } from '../../src/recordings/service.js';
import { RecordingStore } from '../../src/recordings/recording-store.js';
import { sqlitePathFor } from '../../src/store/open.js';
import { open } from '../../src/training/envelope.js';
import { writeWav } from '../../src/media/wav.js';
import type { RecordedAudio } from '../../src/call/call-recording.js';

const DAY = 86_400_000;

async function env() {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-recordings-'));
  const cfg = {
    dataDir: dir, defaultCountry: 'GB', regions: { eu: { store: { kind: 'sqlite' as const } }, us: { store: { kind: 'sqlite' as const } } },
    accounts: [{ id: 'acme', applications: [{ id: 'bank', region: 'eu', training: { enabled: false, retentionDays: 7, includeAudio: false } }] }],
  };
  const training = await openTraining(cfg as never);
  let now = Date.UTC(2026, 11, 6, 9);
  const recordings = await RecordingService.open(training.stores, training.keyStore, training.ring, 'GB', () => now);
  training.eraser.register(recordings);
  return {
    dir, training, recordings,
    advance: (ms: number) => (now += ms),
    async done() {
      await training.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A recognisable stereo WAV: a 1 s ramp pattern no store byte should reproduce. */
function audio(id: string): RecordedAudio {
  const pcm = new Int16Array(16000);
  for (let i = 0; i < pcm.length; i++) pcm[i] = ((i * 7919) % 20000) - 10000;
  return { id, wav: writeWav(pcm, 8000, 2), durationMs: 1000, channels: 'stereo', pauses: [{ fromMs: 200, toMs: 400, reasons: ['sensitive'] }], consent: 'announce', outcome: 'announced' };
}

const meta = { callId: 'call-1@gw', accountId: 'acme', applicationId: 'bank', region: 'eu', from: '+442079460958', to: '1000', retentionDays: 7 };

test('a recording is sealed in its region, opens back to the same WAV, and its bytes are not in the store file', async () => {
  const e = await env();
  try {
    const a = audio('rec-1');
    await e.recordings.store(meta, a);
    const list = await e.recordings.list({ accountId: 'acme' }, 'test');
    assert.deepEqual(list.map((r) => [r.id, r.region, r.consentOutcome, r.pauses.length]), [['rec-1', 'eu', 'announced', 1]]);
    assert.equal(JSON.stringify(list).includes('7946'), false, 'no number in the metadata');
    const got = await e.recordings.get('rec-1', 'test');
    assert.ok(got.ok);
    assert.deepEqual(Buffer.compare(got.wav, Buffer.from(a.wav)), 0);
    await e.training.stores.get('eu').checkpoint();
    const file = readFileSync(sqlitePathFor(e.dir, 'eu'));
    const probe = Buffer.from(a.wav.subarray(1000, 1064));
    assert.equal(file.indexOf(probe), -1, 'the audio is not in the store in the clear');
    assert.equal(file.indexOf(Buffer.from('RIFF')), -1, 'no WAV header either');
    assert.equal((await RecordingStore.open(e.training.stores.get('us')).then((s) => s.list({ now: Date.now(), limit: 10 }))).length, 0, 'nothing in another region');
    const audit = await e.training.stores.get('eu').listAudit();
    assert.deepEqual(audit.map((x) => x.action).filter((x) => x.startsWith('recording.')), ['recording.list', 'recording.get']);
    assert.equal(JSON.stringify(audit).includes('7946'), false);
  } finally {
    await e.done();
  }
});

test('without the data key the sealed bytes do not open; after the caller is erased the recording is gone and its key shredded', async () => {
  const e = await env();
  try {
    await e.recordings.store(meta, audio('rec-2'));
    const store = e.training.stores.get('eu');
    const [row] = await store.query<{ sealed: Uint8Array; data_key_id: string }>('SELECT sealed, data_key_id FROM call_recordings WHERE id = ?', ['rec-2']);
    const sealed = Buffer.from(row!.sealed);
    // any other key (here: a fresh random one) fails authentication: never garbage audio
    assert.equal(open(Buffer.alloc(32, 7), sealed, Buffer.from('x')), undefined);
    const erased = await e.training.eraser.erase({ accountId: 'acme', applicationId: 'bank', phoneNumber: '+44 20 7946 0958' });
    assert.ok(erased.ok);
    assert.equal(erased.receipt.counts['recordings'], 1);
    assert.ok(erased.receipt.counts['dataKeys']! >= 1, 'the data key the recording was sealed under is destroyed');
    assert.deepEqual(await e.recordings.get('rec-2', 'test'), { ok: false, reason: 'not-found' });
    // a copy of the sealed bytes kept elsewhere (a backup, an old page) no longer has a key to open with
    assert.equal(await e.training.ring.forId(store, row!.data_key_id), undefined);
  } finally {
    await e.done();
  }
});

test('a recording expires with the retention: not listed, not returned, swept', async () => {
  const e = await env();
  try {
    await e.recordings.store(meta, audio('rec-3'));
    e.advance(7 * DAY - 1);
    assert.equal((await e.recordings.list({}, 'test')).length, 1);
    e.advance(1);
    assert.equal((await e.recordings.list({}, 'test')).length, 0);
    assert.deepEqual(await e.recordings.get('rec-3', 'test'), { ok: false, reason: 'not-found' });
    assert.equal(await e.recordings.sweep(), 1);
  } finally {
    await e.done();
  }
});
