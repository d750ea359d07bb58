/**
 * ElevenLabs streaming TTS against a local server speaking its stream-input WebSocket protocol over
 * TLS (real sockets): the opening message with the key and voice settings, the text flushed, the
 * end message, `enable_logging=false` always, audio yielded as it arrives (the first chunk long
 * before the server has finished), μ-law and 16 kHz PCM (resampled as it streams), errors thrown,
 * abort closing the socket at once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSelfSignedCert, type SelfSigned } from './servers/tls.js';
import { ElevenLabsServer } from './servers/elevenlabs-server.js';
import { ElevenLabsTts } from '../../src/speech/remote/elevenlabs-tts.js';
import { mulawDecode, mulawEncode } from '../../src/speech/audio/mulaw.js';
import { resampleTo8k } from '../../src/speech/audio/resample-any.js';

const KEY = 'el-test-key-abcdef';
let tls: SelfSigned;
let server: ElevenLabsServer;
let url: string;

before(async () => {
  tls = makeSelfSignedCert();
  server = new ElevenLabsServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 80 });
  url = await server.listen();
});
after(() => server.close());

async function collect(it: AsyncIterable<Int16Array>): Promise<{ audio: Int16Array; firstAt: number; chunks: number }> {
  const parts: Int16Array[] = [];
  let firstAt = 0;
  for await (const c of it) {
    if (!parts.length) firstAt = performance.now();
    parts.push(c.slice());
  }
  const audio = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    audio.set(p, off);
    off += p.length;
  }
  return { audio, firstAt, chunks: parts.length };
}

test('ulaw_8000: protocol messages, zero retention, audio yielded as it arrives', async () => {
  const tts = new ElevenLabsTts({ url, apiKey: KEY, voice: 'voice-123', model: 'eleven_flash_v2_5', ca: tls.cert, voiceSettings: { stability: 0.5, similarityBoost: 0.8, speed: 1.1 } });
  const text = 'Your order ships tomorrow.';
  const { audio, firstAt, chunks } = await collect(tts.synthesize({ text }));
  const s = server.sessions.at(-1)!;
  assert.equal(s.voice, 'voice-123');
  assert.equal(s.query.get('model_id'), 'eleven_flash_v2_5');
  assert.equal(s.query.get('output_format'), 'ulaw_8000');
  assert.equal(s.query.get('enable_logging'), 'false');
  assert.equal(s.query.get('xi_api_key'), null); // the key is never in the URL
  assert.deepEqual(s.messages[0], { text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.8, speed: 1.1 }, xi_api_key: KEY });
  assert.deepEqual(s.messages[1], { text: `${text} `, try_trigger_generation: true, flush: true });
  assert.deepEqual(s.messages[2], { text: '' });
  assert.equal(s.messages.length, 3);
  // Exactly what the server synthesised, through μ-law.
  assert.deepEqual(audio, mulawDecode(mulawEncode(s.synthesised[0]!)));
  assert.equal(chunks, 4);
  // The first chunk was in our hands before the server sent its last one.
  const lastSent = s.audioSentAt.at(-1)!;
  assert.ok(firstAt < lastSent, `first chunk ${firstAt.toFixed(1)} vs last sent ${lastSent.toFixed(1)}`);
  assert.ok(lastSent - firstAt > 60, `first audio only ${(lastSent - firstAt).toFixed(0)} ms before the end`); // 240 ms when idle
});

test('pcm_16000: samples split across messages, resampled to 8 kHz as they stream (= whole-buffer resampling)', async () => {
  const tts = new ElevenLabsTts({ url, apiKey: KEY, voice: 'v', outputFormat: 'pcm_16000', ca: tls.cert });
  const { audio, chunks } = await collect(tts.synthesize({ text: '<speak>Hello <break time="1s"/> there</speak>', ssml: true }));
  const s = server.sessions.at(-1)!;
  assert.equal(s.messages[1]!['text'], 'Hello there ');
  assert.deepEqual(audio, resampleTo8k(s.synthesised[0]!, 16000));
  assert.ok(chunks >= 4, `chunks ${chunks}`);
});

test('errors are thrown: bad key (code only, never the key), plain ws, untrusted certificate, dropped stream', async () => {
  const bad = new ElevenLabsTts({ url, apiKey: 'wrong-secret-key', voice: 'v', ca: tls.cert });
  await assert.rejects(collect(bad.synthesize({ text: 'my account number' })), (e: Error) => e.message === 'elevenlabs reported an error (invalid_api_key)');
  const plain = new ElevenLabsTts({ url: url.replace('https:', 'ws:'), apiKey: KEY, voice: 'v' });
  await assert.rejects(collect(plain.synthesize({ text: 'hi' })), /refusing plain ws/);
  const untrusted = new ElevenLabsTts({ url, apiKey: KEY, voice: 'v' });
  await assert.rejects(collect(untrusted.synthesize({ text: 'hi' })), /certificate/i);

  const dropping = new ElevenLabsServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 10, failAfterChunks: 2 });
  const droppingUrl = await dropping.listen();
  try {
    const tts = new ElevenLabsTts({ url: droppingUrl, apiKey: KEY, voice: 'v', ca: tls.cert });
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of tts.synthesize({ text: 'a longer sentence' })) got.push(c.length);
      })(),
      (e: Error) => e.message === 'elevenlabs closed the stream before the end of the audio (1011 internal_error)',
    );
    assert.equal(got.length, 2); // what arrived before the drop was yielded
  } finally {
    await dropping.close();
  }
});

test('abort via the request signal closes the socket at once', async () => {
  const tts = new ElevenLabsTts({ url, apiKey: KEY, voice: 'v', ca: tls.cert });
  const ac = new AbortController();
  let abortedAt = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of tts.synthesize({ text: 'This will be interrupted by the caller.', signal: ac.signal })) {
        abortedAt = performance.now();
        ac.abort();
      }
    })(),
    /aborted/,
  );
  const s = server.sessions.at(-1)!;
  const closed = await s.closed;
  assert.ok(closed.at - abortedAt < 500, `socket closed ${(closed.at - abortedAt).toFixed(0)} ms after abort`);
  assert.ok(s.audioSentAt.length < 4, `server kept sending: ${s.audioSentAt.length}`);
});
