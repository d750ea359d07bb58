/**
 * TTS cache: LRU by bytes, TTL with an injected clock, disk tier files (0600 in a 0700 directory,
 * named by an HMAC under the installation secret, old unkeyed names removed), hit ratio, and
 * invariant I3: flagged or excluded utterances never reach memory or disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TtsCache, ttsCacheKey } from '../../src/speech/tts-cache.js';
import { CachedTts } from '../../src/speech/cached-tts.js';
import { FliteTts } from '../../src/speech/flite/tts.js';

function tone(n: number, seed: number): Int16Array {
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.round(8000 * Math.sin((i * (seed + 1)) / 7));
  return a;
}

async function collect(it: AsyncIterable<Int16Array>): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const c of it) parts.push(c.slice());
  const out = new Int16Array(parts.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const SECRET = randomBytes(32);

test('key is an HMAC of engine, voice, text and settings under the secret, independent of settings order', () => {
  const k = ttsCacheKey(SECRET, 'flite', 'slt', 'hello', { a: 1, b: 2 });
  assert.match(k, /^k1-[0-9a-f]{64}$/);
  assert.equal(k, ttsCacheKey(SECRET, 'flite', 'slt', 'hello', { b: 2, a: 1 }));
  assert.notEqual(k, ttsCacheKey(SECRET, 'flite', 'kal', 'hello', { a: 1, b: 2 }));
  assert.notEqual(k, ttsCacheKey(SECRET, 'flite', 'slt', 'hello!', { a: 1, b: 2 }));
  assert.notEqual(k, ttsCacheKey(randomBytes(32), 'flite', 'slt', 'hello', { a: 1, b: 2 }), 'another installation, another name');
});

test('a cached name cannot be recomputed from a guessed sentence without the secret', () => {
  // The attack the audit found: list the disk tier, hash candidate sentences, compare.
  const text = 'your balance is 1234 dollars';
  const name = ttsCacheKey(SECRET, 'flite', 'slt', text, { ssml: false }).slice(3);
  const guesses = [
    JSON.stringify(['flite', 'slt', text, { ssml: false }]), // the old scheme's exact input
    JSON.stringify(['flite', 'slt', text, {}]),
    ['flite', 'slt', text].join(''),
    ['flite', 'slt', text].join('\n'),
    ['flite', 'slt', text].join('|'),
    text,
  ];
  for (const g of guesses) assert.notEqual(createHash('sha256').update(g).digest('hex'), name);
  // With the secret it is the same name, as a keyed hash should be.
  const cache = new TtsCache({ keySecret: SECRET });
  assert.equal(cache.keyFor('flite', 'slt', text, { ssml: false }), `k1-${name}`);
});

test('a cache without a secret draws its own (memory only); the disk tier refuses to start without one', () => {
  assert.notEqual(new TtsCache().keyFor('e', 'v', 't'), new TtsCache().keyFor('e', 'v', 't'));
  assert.throws(() => new TtsCache({ diskDir: join(tmpdir(), 'never-created') }), /key secret/);
  assert.throws(() => new TtsCache({ keySecret: Buffer.alloc(8) }), /32 bytes/);
});

test('LRU evicts the least recently used entry when over the byte budget', async () => {
  const cache = new TtsCache({ maxBytes: 3 * 2000 });
  await cache.set('a', tone(1000, 1));
  await cache.set('b', tone(1000, 2));
  await cache.set('c', tone(1000, 3));
  assert.ok(await cache.get('a')); // a becomes most recent
  await cache.set('d', tone(1000, 4)); // evicts b
  assert.equal(await cache.get('b'), undefined);
  assert.ok(await cache.get('a'));
  assert.ok(await cache.get('d'));
  const s = cache.stats();
  assert.equal(s.entries, 3);
  assert.equal(s.bytes, 6000);
  assert.equal(s.hits, 3);
  assert.equal(s.misses, 1);
  assert.equal(s.hitRatio, 0.75);
});

test('entries expire after their time-to-live (per-utterance TTL overrides the default)', async () => {
  let now = 1_000_000;
  const cache = new TtsCache({ defaultTtlSec: 60, now: () => now });
  await cache.set('x', tone(100, 1));
  await cache.set('y', tone(100, 2), 5);
  now += 6_000;
  assert.ok(await cache.get('x'));
  assert.equal(await cache.get('y'), undefined);
  now += 60_000;
  assert.equal(await cache.get('x'), undefined);
  assert.equal(cache.stats().entries, 0);
});

test('disk tier: files named by the key, mode 0600 in a 0700 directory (a looser one refused), survive a restart, expire', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'ttscache-'));
  const dir = join(parent, 'tts');
  try {
    let now = 5_000_000;
    const key = ttsCacheKey(SECRET, 'flite', 'slt', 'welcome to the demo');
    const audio = tone(4000, 9);
    const c1 = new TtsCache({ diskDir: dir, keySecret: SECRET, now: () => now });
    await c1.set(key, audio, 100);
    const files = await readdir(dir);
    assert.deepEqual(files, [key]);
    assert.equal((await stat(join(dir, key))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    await chmod(dir, 0o755); // shared, or an operator's mistake: not a place for cache entries
    assert.throws(() => new TtsCache({ diskDir: dir, keySecret: SECRET, now: () => now }), /TTS cache directory .* mode 755/);
    assert.equal((await stat(dir)).mode & 0o777, 0o755, 'a directory that may be shared is not chmodded');
    await chmod(dir, 0o700);
    const c2 = new TtsCache({ diskDir: dir, keySecret: SECRET, now: () => now });
    assert.deepEqual(await c2.get(key), audio);
    assert.equal(c2.stats().diskEntries, 1);
    now += 101_000;
    const c3 = new TtsCache({ diskDir: dir, keySecret: SECRET, now: () => now });
    assert.equal(await c3.get(key), undefined);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

test('entries of the old unkeyed scheme (and interrupted writes) are removed when the disk tier opens', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ttscache-'));
  try {
    const old = createHash('sha256').update(JSON.stringify(['flite', 'slt', 'your pin is 1234', {}])).digest('hex');
    const header = Buffer.alloc(8);
    header.writeBigUInt64LE(BigInt(Date.now() + 3_600_000));
    await writeFile(join(dir, old), Buffer.concat([header, Buffer.alloc(64)]));
    await writeFile(join(dir, `${old}.tmp123`), Buffer.alloc(8));
    await writeFile(join(dir, 'README'), 'not ours: left alone');
    const cache = new TtsCache({ diskDir: dir, keySecret: SECRET });
    assert.equal(await cache.get(cache.keyFor('flite', 'slt', 'your pin is 1234')), undefined); // waits for the tier to open
    assert.equal(await cache.get(old), undefined);
    assert.deepEqual(await readdir(dir), ['README']);
    assert.equal(cache.stats().diskEntries, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('I3: flagged and excluded utterances never appear in memory or on disk; others are cached', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ttscache-'));
  const flite = new FliteTts({ voice: 'kal' });
  try {
    const cache = new TtsCache({ diskDir: dir, keySecret: SECRET, exclude: (text) => /\d{4}/.test(text) });
    const tts = new CachedTts(flite, cache);
    const flagged = 'Your secret word is marmalade';
    const pii = 'Your card ends in 4242';
    const normal = 'Thank you for calling';

    const flaggedAudio = await collect(tts.synthesize({ text: flagged, noCache: true }));
    const piiAudio = await collect(tts.synthesize({ text: pii }));
    const normalAudio = await collect(tts.synthesize({ text: normal }));
    assert.ok(flaggedAudio.length > 1000 && piiAudio.length > 1000 && normalAudio.length > 1000);

    // Only the normal prompt is stored: one file, one memory entry.
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    assert.equal(cache.stats().entries, 1);
    assert.equal(cache.stats().refused, 2);

    // Neither the text nor the audio of the refused utterances is in any file.
    const needles = [flagged, pii, 'marmalade', '4242'].map((t) => Buffer.from(t));
    for (const audio of [flaggedAudio, piiAudio]) {
      const mid = audio.length >> 1;
      needles.push(Buffer.from(audio.slice(mid, mid + 64).buffer));
    }
    const normalBytes = Buffer.from(normalAudio.slice(normalAudio.length >> 1, (normalAudio.length >> 1) + 64).buffer);
    let foundNormal = false;
    for (const f of files) {
      const content = await readFile(join(dir, f));
      for (const n of needles) assert.equal(content.indexOf(n), -1, 'refused utterance leaked to disk');
      if (content.indexOf(normalBytes) >= 0) foundNormal = true;
    }
    assert.ok(foundNormal, 'the admitted utterance is on disk (so the search can find audio)');

    // A second request for the flagged text is not served from cache (it was never stored).
    const before = cache.stats();
    await collect(tts.synthesize({ text: flagged, noCache: true }));
    assert.equal(cache.stats().hits, before.hits);
    // The normal prompt is now a hit, with identical audio.
    assert.deepEqual(await collect(tts.synthesize({ text: normal })), normalAudio);
    assert.equal(cache.stats().hits, before.hits + 1);
    assert.equal(cache.stats().hitRatio, 0.5);
  } finally {
    await flite.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a throwing privacy predicate fails closed (nothing cached)', async () => {
  const cache = new TtsCache();
  cache.setExclude(() => {
    throw new Error('detector down');
  });
  assert.equal(cache.admit('hello'), false);
});
