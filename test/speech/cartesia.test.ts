/**
 * Cartesia streaming TTS against a local server speaking its `/tts/websocket` protocol over TLS
 * (real sockets): Bearer auth and version on the handshake (never the key in the URL), the
 * generation request in its own context, audio yielded as it arrives, μ-law and 24 kHz PCM, errors;
 * then the socket contract shared with ElevenLabs (socket-tts-contract.ts): reuse per call, cancel
 * (`{context_id, cancel: true}`), reconnect, close.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSelfSignedCert, type SelfSigned } from './servers/tls.js';
import { CartesiaServer } from './servers/cartesia-server.js';
import { CartesiaTts } from '../../src/speech/remote/cartesia-tts.js';
import { mulawDecode, mulawEncode } from '../../src/speech/audio/mulaw.js';
import { resampleTo8k } from '../../src/speech/audio/resample-any.js';
import { socketTtsContract } from './socket-tts-contract.js';
import { collectAudio } from './collect-audio.js';

const KEY = 'sk_car_test_key';
const tls: SelfSigned = makeSelfSignedCert();
let server: CartesiaServer;
let url: string;

before(async () => {
  server = new CartesiaServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 80 });
  url = await server.listen();
});
after(() => server.close());

test('pcm_mulaw: handshake headers, one generation request, audio yielded as it arrives, socket closed with the adapter', async () => {
  const tts = new CartesiaTts({ url, apiKey: KEY, voice: 'a0e99841-438c-4a64-b679-ae501e7d6091', ca: tls.cert });
  const text = 'Your appointment is on Monday.';
  const { audio, firstAt } = await collectAudio(tts.synthesize({ text }));
  const s = server.sessions.at(-1)!;
  assert.equal(s.headers.authorization, `Bearer ${KEY}`);
  assert.equal(s.headers['cartesia-version'], '2025-04-16');
  assert.equal(s.url.pathname + s.url.search, '/tts/websocket'); // no key, no query
  assert.equal(s.messages.length, 1);
  const r = s.messages[0]!;
  assert.equal(r['transcript'], text);
  assert.equal(r['model_id'], 'sonic-2');
  assert.equal(r['language'], 'en');
  assert.equal(r['continue'], false);
  assert.deepEqual(r['voice'], { mode: 'id', id: 'a0e99841-438c-4a64-b679-ae501e7d6091' });
  assert.deepEqual(r['output_format'], { container: 'raw', encoding: 'pcm_mulaw', sample_rate: 8000 });
  const ctx = s.contexts.get(String(r['context_id']))!;
  assert.deepEqual(audio, mulawDecode(mulawEncode(ctx.synthesised[0]!)));
  assert.ok(ctx.audioSentAt.at(-1)! - firstAt > 60, 'the first chunk was yielded while the server was still sending');
  await tts.close();
  assert.equal((await s.closed).code, 1000);
});

test('pcm_s16le at 24 kHz is resampled as it streams; SSML reduced to words', async () => {
  const tts = new CartesiaTts({ url, apiKey: KEY, voice: 'v', encoding: 'pcm_s16le', sampleRate: 24000, ca: tls.cert });
  const { audio } = await collectAudio(tts.synthesize({ text: '<speak>Good <emphasis>morning</emphasis></speak>', ssml: true }));
  const s = server.sessions.at(-1)!;
  assert.equal(s.messages[0]!['transcript'], 'Good morning');
  assert.deepEqual(audio, resampleTo8k([...s.contexts.values()][0]!.synthesised[0]!, 24000));
  await tts.close();
});

test('errors are thrown with a code only: bad key (401, not retried), unknown voice (404, the text not echoed), plain ws', async () => {
  const before = server.handshakes;
  await assert.rejects(collectAudio(new CartesiaTts({ url, apiKey: 'nope', voice: 'v', ca: tls.cert }).synthesize({ text: 'hi' })), /^Error: cartesia handshake: HTTP 401$/);
  assert.equal(server.handshakes - before, 1, 'a refusal is not retried');
  const missing = new CartesiaTts({ url, apiKey: KEY, voice: 'missing', ca: tls.cert });
  await assert.rejects(collectAudio(missing.synthesize({ text: 'my private words' })), (e: Error) => e.message === 'cartesia reported an error (404)');
  await missing.close();
  await assert.rejects(collectAudio(new CartesiaTts({ url: url.replace('https:', 'ws:'), apiKey: KEY, voice: 'v' }).synthesize({ text: 'hi' })), /refusing plain ws/);
});

socketTtsContract({
  provider: 'cartesia',
  server: async (dropAfterChunks) => {
    const server = new CartesiaServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 80, ...(dropAfterChunks !== undefined ? { dropAfterChunks } : {}) });
    return { server, url: await server.listen() };
  },
  tts: (u) => new CartesiaTts({ url: u, apiKey: KEY, voice: 'v', ca: tls.cert, idleCloseMs: 300 }),
  maxContexts: 16,
  stopped: (session, i) => [...session.contexts.values()][i]?.stoppedAt !== undefined,
});
