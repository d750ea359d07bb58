import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { phonePseudonym } from '../../src/privacy/phone.js';
import { makeEnv, policy, utterance } from './helpers.js';

describe('training capture', () => {
  it('captures a final result: masked numbers, pseudonyms, sealed content that opens back intact', async () => {
    const env = await makeEnv();
    try {
      const res = await env.capture.capture(utterance({ transcript: 'hello [REDACTED]' }));
      assert.equal(res.captured, true);
      if (!res.captured) return;
      assert.equal(res.region, 'eu');
      assert.equal(res.expiresAt, env.clock.epochMs() + 30 * 86_400_000);
      const rec = await env.reader.get(env.stores.get('eu'), res.id, env.clock.epochMs());
      assert.ok(rec);
      assert.equal(rec.transcript, 'hello [REDACTED]');
      assert.equal(rec.from, '+44207946XXXX');
      assert.equal(rec.to, '+1202555XXXX');
      const secret = await env.keyStore.pseudonymSecret('acme');
      assert.equal(rec.fromPseudonym, phonePseudonym(secret, '+442079460958'));
      assert.equal(rec.toPseudonym, phonePseudonym(secret, '+12025550143'));
      assert.equal(rec.accountId, 'acme');
      assert.equal(rec.applicationId, 'support');
      assert.equal(rec.language, 'en-GB');
      assert.equal(rec.confidence, 0.87);
      assert.match(rec.callId, /^call-\d+@gw\.example$/);
      assert.equal(rec.context.node, 'order_status');
      assert.equal(rec.audio, undefined, 'audio is not kept unless includeAudio');
      assert.equal(rec.startedAt, '2026-01-01T09:00:00.000Z');
    } finally {
      await env.cleanup();
    }
  });

  it('keeps audio only for an application with includeAudio, and nothing when capture is off', async () => {
    const env = await makeEnv([policy(), policy({ applicationId: 'voice', includeAudio: true }), policy({ applicationId: 'off', enabled: false })]);
    try {
      const audio = { encoding: 'pcm16', sampleRate: 8000, data: Buffer.from(Array.from({ length: 320 }, (_, i) => i & 0xff)) };
      const withAudio = await env.capture.capture(utterance({ applicationId: 'voice', audio }));
      const dropped = await env.capture.capture(utterance({ audio }));
      assert.ok(withAudio.captured && dropped.captured);
      const a = await env.reader.get(env.stores.get('eu'), withAudio.captured ? withAudio.id : '', env.clock.epochMs());
      assert.deepEqual(Buffer.from(a!.audio!.base64, 'base64'), audio.data);
      assert.equal(a!.audio!.sampleRate, 8000);
      const b = await env.reader.get(env.stores.get('eu'), dropped.captured ? dropped.id : '', env.clock.epochMs());
      assert.equal(b!.audio, undefined);
      assert.deepEqual(await env.capture.capture(utterance({ applicationId: 'off' })), { captured: false, reason: 'disabled' });
      assert.deepEqual(await env.capture.capture(utterance({ applicationId: 'nope' })), { captured: false, reason: 'unknown-application' });
      const bad = await env.capture.capture(utterance({ confidence: 3 }));
      assert.equal(bad.captured, false);
      assert.equal(!bad.captured && bad.reason, 'invalid');
      const count = await env.stores.get('eu').query<{ n: number }>('SELECT count(*) AS n FROM training_records');
      assert.equal(count[0]!.n, 2);
    } finally {
      await env.cleanup();
    }
  });

  it('never writes a raw number or transcript in the clear, and key files are 0600', async () => {
    const env = await makeEnv();
    try {
      for (let i = 0; i < 20; i++) await env.capture.capture(utterance({ transcript: `SECRET-TRANSCRIPT-${i}` }));
      await env.stores.get('eu').checkpoint();
      const bytes = readFileSync(join(env.dir, 'regions', 'eu.sqlite'));
      for (const needle of ['SECRET-TRANSCRIPT', '2079460958', '7946 0958', '2025550143', 'order_status', 'gw.example']) {
        assert.equal(bytes.includes(Buffer.from(needle)), false, `${needle} found in the store file`);
      }
      assert.equal(bytes.includes(Buffer.from('+44207946XXXX')), true, 'the masked form is stored');
      assert.equal(statSync(join(env.dir, 'keys', 'master.key')).mode & 0o777, 0o600);
      assert.equal(statSync(join(env.dir, 'keys', 'kek', 'eu', '1.key')).mode & 0o777, 0o600);
    } finally {
      await env.cleanup();
    }
  });

  it('scopes data keys per caller: two callers, two keys; same caller, one key', async () => {
    const env = await makeEnv();
    try {
      await env.capture.capture(utterance({ from: '+442079460958' }));
      await env.capture.capture(utterance({ from: '020 7946 0958' })); // same number, national form (GB)
      await env.capture.capture(utterance({ from: '+442079460999' }));
      const keys = await env.stores.get('eu').query<{ n: number }>('SELECT count(*) AS n FROM data_keys');
      assert.equal(keys[0]!.n, 2);
    } finally {
      await env.cleanup();
    }
  });

  it('group-commits a burst and every acknowledged record opens', async () => {
    const env = await makeEnv();
    try {
      const results = await Promise.all(Array.from({ length: 600 }, (_, i) => env.capture.capture(utterance({ from: `+4420794${String(60000 + (i % 50)).padStart(5, '0')}` }))));
      assert.ok(results.every((r) => r.captured));
      let opened = 0;
      for await (const _ of env.reader.records(env.stores.get('eu'), { accountId: 'acme', applicationId: 'support', now: env.clock.epochMs(), pageSize: 128 })) opened++;
      assert.equal(opened, 600);
    } finally {
      await env.cleanup();
    }
  });

  it('rotates the region KEK: data keys re-wrapped, payloads untouched, records still open', async () => {
    const env = await makeEnv();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await env.capture.capture(utterance({ from: `+4420794609${50 + i}` }));
        if (r.captured) ids.push(r.id);
      }
      const store = env.stores.get('eu');
      const sealedBefore = await store.query<{ id: string; sealed: Buffer }>('SELECT id, sealed FROM training_records ORDER BY id');
      const keysBefore = await store.listDataKeys('', 100);
      const out = await env.ring.rotate(store);
      assert.equal(out.kekId, 'file:eu:2');
      assert.equal(out.rewrapped, 5);
      const keysAfter = await store.listDataKeys('', 100);
      assert.ok(keysAfter.every((k) => k.kekId === 'file:eu:2'));
      assert.ok(keysAfter.every((k, i) => !k.wrapped.equals(keysBefore[i]!.wrapped)));
      assert.deepEqual(await store.query('SELECT id, sealed FROM training_records ORDER BY id'), sealedBefore);
      for (const id of ids) assert.ok(await env.reader.get(store, id, env.clock.epochMs()));
      assert.equal((await env.ring.rotate(store)).rewrapped, 5, 'a second rotation re-wraps again under v3');
    } finally {
      await env.cleanup();
    }
  });
});

describe('record ids', () => {
  it('are UUIDv7: well-formed, unique and ordered by capture time', async () => {
    const { newRecordId } = await import('../../src/training/record-id.js');
    const ids = Array.from({ length: 200 }, (_, i) => newRecordId(Date.UTC(2026, 0, 1) + i * 7));
    assert.ok(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)), ids[0]);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 200);
  });
});
