/**
 * ElevenLabs streaming TTS against a local server speaking its multi-context WebSocket protocol
 * over TLS (real sockets): the key in the handshake header (never in the URL), `enable_logging=false`
 * always, a context per utterance (opened with the voice settings, text flushed, closed), audio
 * yielded as it arrives, μ-law and 16 kHz PCM, errors thrown; then the socket contract shared with
 * Cartesia (socket-tts-contract.ts): reuse per call, cancel, reconnect, close.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSelfSignedCert, type SelfSigned } from './servers/tls.js';
import { ElevenLabsServer } from './servers/elevenlabs-server.js';
import { ElevenLabsTts } from '../../src/speech/remote/elevenlabs-tts.js';
import { mulawDecode, mulawEncode } from '../../src/speech/audio/mulaw.js';
import { resampleTo8k } from '../../src/speech/audio/resample-any.js';
import { socketTtsContract } from './socket-tts-contract.js';
import { collectAudio } from './collect-audio.js';

const KEY = 'el-test-key-abcdef';
const tls: SelfSigned = makeSelfSignedCert();
let server: ElevenLabsServer;
let url: string;

before(async () => {
  server = new ElevenLabsServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 80 });
  url = await server.listen();
});
after(() => server.close());

test('ulaw_8000: handshake, a context per utterance, zero retention, audio yielded as it arrives', async () => {
  const tts = new ElevenLabsTts({ url, apiKey: KEY, voice: 'voice-123', model: 'eleven_flash_v2_5', ca: tls.cert, voiceSettings: { stability: 0.5, similarityBoost: 0.8, speed: 1.1 } });
  const text = 'Your order ships tomorrow.';
  const { audio, firstAt, chunks } = await collectAudio(tts.synthesize({ text }));
  const s = server.sessions.at(-1)!;
  assert.equal(s.url.pathname, '/v1/text-to-speech/voice-123/multi-stream-input');
  const q = s.url.searchParams;
  assert.equal(q.get('model_id'), 'eleven_flash_v2_5');
  assert.equal(q.get('output_format'), 'ulaw_8000');
  assert.equal(q.get('enable_logging'), 'false');
  assert.equal(q.get('xi_api_key'), null); // the key is never in the URL
  assert.equal(s.headers['xi-api-key'], KEY);
  const [ctx] = [...s.contexts.values()];
  assert.deepEqual(ctx!.requests, [
    { text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.8, speed: 1.1 }, context_id: ctx!.id },
    { text: `${text} `, context_id: ctx!.id, flush: true },
    { context_id: ctx!.id, close_context: true },
  ]);
  assert.ok(!JSON.stringify(s.messages).includes(KEY), 'the key is not repeated in the messages');
  assert.deepEqual(audio, mulawDecode(mulawEncode(ctx!.synthesised[0]!)));
  assert.equal(chunks, 4);
  const lastSent = ctx!.audioSentAt.at(-1)!;
  assert.ok(lastSent - firstAt > 60, `first audio only ${(lastSent - firstAt).toFixed(0)} ms before the end`); // 240 ms when idle
  await tts.close();
  assert.equal((await s.closed).code, 1000);
  assert.deepEqual(s.messages.at(-1), { close_socket: true });
});

test('pcm_16000: samples split across messages, resampled to 8 kHz as they stream (= whole-buffer resampling)', async () => {
  const tts = new ElevenLabsTts({ url, apiKey: KEY, voice: 'v', outputFormat: 'pcm_16000', ca: tls.cert });
  const { audio, chunks } = await collectAudio(tts.synthesize({ text: '<speak>Hello <break time="1s"/> there</speak>', ssml: true }));
  const [ctx] = [...server.sessions.at(-1)!.contexts.values()];
  assert.equal(ctx!.requests[1]!['text'], 'Hello there ');
  assert.deepEqual(audio, resampleTo8k(ctx!.synthesised[0]!, 16000));
  assert.ok(chunks >= 4, `chunks ${chunks}`);
  await tts.close();
});

test('errors are thrown: bad key (code only, never the key), plain ws, untrusted certificate (not retried)', async () => {
  const bad = new ElevenLabsTts({ url, apiKey: 'wrong-secret-key', voice: 'v', ca: tls.cert });
  await assert.rejects(collectAudio(bad.synthesize({ text: 'my account number' })), (e: Error) => e.message === 'elevenlabs reported an error (invalid_api_key)');
  const plain = new ElevenLabsTts({ url: url.replace('https:', 'ws:'), apiKey: KEY, voice: 'v' });
  await assert.rejects(collectAudio(plain.synthesize({ text: 'hi' })), /refusing plain ws/);
  const before = server.handshakes;
  const untrusted = new ElevenLabsTts({ url, apiKey: KEY, voice: 'v' });
  await assert.rejects(collectAudio(untrusted.synthesize({ text: 'hi' })), /certificate/i);
  assert.ok(server.handshakes === before, 'no TLS session was completed with an untrusted server');
  await Promise.all([bad.close(), plain.close(), untrusted.close()]);
});

socketTtsContract({
  provider: 'elevenlabs',
  server: async (dropAfterChunks) => {
    const server = new ElevenLabsServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 80, ...(dropAfterChunks !== undefined ? { dropAfterChunks } : {}) });
    return { server, url: await server.listen() };
  },
  tts: (u) => new ElevenLabsTts({ url: u, apiKey: KEY, voice: 'v', ca: tls.cert, idleCloseMs: 300 }),
  maxContexts: 5,
  stopped: (session, i) => [...session.contexts.values()][i]?.stoppedAt !== undefined,
});
