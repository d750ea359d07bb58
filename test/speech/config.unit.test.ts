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

test('deepgram and elevenlabs: defaults, no-retention flags that cannot be turned off, keys required, factory wiring', () => {
  const c = speechConfigSchema.parse({ stt: { engine: 'deepgram', apiKey: 'k' }, tts: { engine: 'elevenlabs', apiKey: 'k' } });
  assert.ok(c.stt.engine === 'deepgram');
  assert.equal(c.stt.url, 'wss://api.deepgram.com');
  assert.equal(c.stt.model, 'nova-3');
  assert.equal(c.stt.encoding, 'mulaw');
  assert.equal(c.stt.mipOptOut, true);
  assert.equal(c.stt.allowInsecure, false);
  assert.ok(c.tts.engine === 'elevenlabs');
  assert.equal(c.tts.outputFormat, 'ulaw_8000');
  assert.equal(c.tts.enableLogging, false);
  assert.equal(c.tts.model, 'eleven_flash_v2_5');

  const optIn = speechConfigSchema.safeParse({ stt: { engine: 'deepgram', apiKey: 'k', mipOptOut: false }, tts: { engine: 'elevenlabs', apiKey: 'k', enableLogging: true } });
  assert.equal(optIn.success, false);
  const issues = optIn.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.ok(issues.some((i) => /^stt\.mipOptOut: mipOptOut cannot be turned off/.test(i)), issues.join('\n'));
  assert.ok(issues.some((i) => /^tts\.enableLogging: enableLogging cannot be turned on/.test(i)), issues.join('\n'));

  const noKey = speechConfigSchema.safeParse({ stt: { engine: 'deepgram' } });
  assert.equal(noKey.error!.issues[0]!.path.join('.'), 'stt.apiKey');

  const tts = createTts(c.tts);
  assert.equal(tts.engine, 'elevenlabs');
  assert.equal(tts.voice, '21m00Tcm4TlvDq8ikWAM');
});

test('cartesia: voice and key required, μ-law 8 kHz by default, version a date', () => {
  const c = speechConfigSchema.parse({ tts: { engine: 'cartesia', apiKey: 'k', voice: 'a0e99841-438c-4a64-b679-ae501e7d6091' } });
  assert.ok(c.tts.engine === 'cartesia' && c.tts.encoding === 'pcm_mulaw' && c.tts.url === 'wss://api.cartesia.ai' && c.tts.version === '2025-04-16');
  assert.equal(createTts(c.tts).engine, 'cartesia');
  const r = speechConfigSchema.safeParse({ tts: { engine: 'cartesia', apiKey: 'k', version: 'latest' } });
  assert.deepEqual(r.error!.issues.map((i) => i.path.join('.')).sort(), ['tts.version', 'tts.voice']);
});
