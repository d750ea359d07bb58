/** Speech settings: secure defaults and engine construction from config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { speechConfigSchema } from '../../src/speech/config.js';
import { createTts, createTtsCache } from '../../src/speech/factory.js';
import { CachedTts } from '../../src/speech/cached-tts.js';

test('defaults: embedded engines, TTS cache on, learning opt-out on, insecure off', () => {
  const c = speechConfigSchema.parse({});
  assert.equal(c.stt.engine, 'embedded');
  assert.equal(c.tts.engine, 'embedded');
  assert.equal(c.ttsCache.enabled, true);
  const w = speechConfigSchema.parse({ stt: { engine: 'watson', url: 'https://stt.example', auth: { kind: 'iam', apiKey: 'k' } } });
  assert.ok(w.stt.engine === 'watson' && w.stt.learningOptOut === true && w.stt.allowInsecure === false);
});

test('bad settings fail with the field path', () => {
  const r = speechConfigSchema.safeParse({ tts: { engine: 'watson', url: 'not a url', auth: { kind: 'iam' } } });
  assert.equal(r.success, false);
  const paths = r.error!.issues.map((i) => i.path.join('.'));
  assert.ok(paths.includes('tts.url') && paths.includes('tts.auth.apiKey'), paths.join(','));
});

test('factory wraps the engine in the cache when the cache is enabled', () => {
  const c = speechConfigSchema.parse({ tts: { engine: 'openai', url: 'https://tts.example', apiKey: 'k' } });
  const cache = createTtsCache(c.ttsCache);
  const tts = createTts(c.tts, cache);
  assert.ok(tts instanceof CachedTts);
  assert.equal(tts.engine, 'openai');
  assert.equal(createTtsCache({ ...c.ttsCache, enabled: false }), undefined);
});

test('endpointing: adaptive with a 240 ms short hangover by default; out-of-range hangovers name the field', () => {
  assert.deepEqual(speechConfigSchema.parse({}).endpointing, { adaptive: true, shortHangoverMs: 240 });
  assert.deepEqual(speechConfigSchema.parse({ endpointing: { adaptive: false } }).endpointing, { adaptive: false, shortHangoverMs: 240 });
  for (const shortHangoverMs of [100, 900, 250.5]) {
    const r = speechConfigSchema.safeParse({ endpointing: { shortHangoverMs } });
    assert.equal(r.success, false, String(shortHangoverMs));
    assert.equal(r.error!.issues[0]!.path.join('.'), 'endpointing.shortHangoverMs');
  }
});

test('vad: energy by default, silero on request; anything else names the field', () => {
  assert.equal(speechConfigSchema.parse({}).vad, 'energy');
  assert.equal(speechConfigSchema.parse({ vad: 'silero' }).vad, 'silero');
  const r = speechConfigSchema.safeParse({ vad: 'webrtc' });
  assert.equal(r.success, false);
  assert.equal(r.error!.issues[0]!.path.join('.'), 'vad');
});
