/**
 * Cartesia streaming TTS against a local server speaking its `/tts/websocket` protocol over TLS
 * (real sockets): Bearer auth and version on the handshake (never the key in the URL), the
 * generation request, audio yielded as it arrives, μ-law and 24 kHz PCM, errors, abort.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSelfSignedCert, type SelfSigned } from './servers/tls.js';
import { CartesiaServer } from './servers/cartesia-server.js';
import { CartesiaTts } from '../../src/speech/remote/cartesia-tts.js';
import { mulawDecode, mulawEncode } from '../../src/speech/audio/mulaw.js';
import { resampleTo8k } from '../../src/speech/audio/resample-any.js';

const KEY = 'sk_car_test_key';
let tls: SelfSigned;
let server: CartesiaServer;
let url: string;

before(async () => {
  tls = makeSelfSignedCert();
  server = new CartesiaServer({ tls, apiKey: KEY, chunks: 4, chunkGapMs: 80 });
  url = await server.listen();
});
after(() => server.close());

async function collect(it: AsyncIterable<Int16Array>): Promise<{ audio: Int16Array; firstAt: number }> {
  const parts: Int16Array[] = [];
  let firstAt = 0;
  for await (const c of it) {
    if (!parts.length) firstAt = performance.now();
    parts.push(c.slice());
  }
  const audio = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (audio.set(p, o), o + p.length), 0);
  return { audio, firstAt };
}

test('pcm_mulaw: handshake headers, one generation request, audio yielded as it arrives, socket closed after done', async () => {
  const tts = new CartesiaTts({ url, apiKey: KEY, voice: 'a0e99841-438c-4a64-b679-ae501e7d6091', ca: tls.cert });
  const text = 'Your appointment is on Monday.';
  const { audio, firstAt } = await collect(tts.synthesize({ text }));
  const s = server.sessions.at(-1)!;
  assert.equal(s.headers.authorization, `Bearer ${KEY}`);
  assert.equal(s.headers['cartesia-version'], '2025-04-16');
  assert.equal(s.url, '/tts/websocket'); // no key, no query
  assert.equal(s.requests.length, 1);
  const r = s.requests[0]!;
  assert.equal(r['transcript'], text);
  assert.equal(r['model_id'], 'sonic-2');
  assert.equal(r['language'], 'en');
  assert.equal(r['continue'], false);
  assert.deepEqual(r['voice'], { mode: 'id', id: 'a0e99841-438c-4a64-b679-ae501e7d6091' });
  assert.deepEqual(r['output_format'], { container: 'raw', encoding: 'pcm_mulaw', sample_rate: 8000 });
  assert.deepEqual(audio, mulawDecode(mulawEncode(s.synthesised[0]!)));
  assert.ok(s.audioSentAt.at(-1)! - firstAt > 60, 'the first chunk was yielded while the server was still sending');
  assert.equal((await s.closed).code, 1000);
});

test('pcm_s16le at 24 kHz is resampled as it streams; SSML reduced to words', async () => {
  const tts = new CartesiaTts({ url, apiKey: KEY, voice: 'v', encoding: 'pcm_s16le', sampleRate: 24000, ca: tls.cert });
  const { audio } = await collect(tts.synthesize({ text: '<speak>Good <emphasis>morning</emphasis></speak>', ssml: true }));
  const s = server.sessions.at(-1)!;
  assert.equal(s.requests[0]!['transcript'], 'Good morning');
  assert.deepEqual(audio, resampleTo8k(s.synthesised[0]!, 24000));
});

test('errors are thrown with a code only: bad key (401), unknown voice (404, the text not echoed), plain ws; abort closes the socket', async () => {
  await assert.rejects(collect(new CartesiaTts({ url, apiKey: 'nope', voice: 'v', ca: tls.cert }).synthesize({ text: 'hi' })), /^Error: cartesia handshake: HTTP 401$/);
  await assert.rejects(collect(new CartesiaTts({ url, apiKey: KEY, voice: 'missing', ca: tls.cert }).synthesize({ text: 'my private words' })), (e: Error) => e.message === 'cartesia reported an error (404)');
  await assert.rejects(collect(new CartesiaTts({ url: url.replace('https:', 'ws:'), apiKey: KEY, voice: 'v' }).synthesize({ text: 'hi' })), /refusing plain ws/);

  const ac = new AbortController();
  let abortedAt = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of new CartesiaTts({ url, apiKey: KEY, voice: 'v', ca: tls.cert }).synthesize({ text: 'A long answer the caller interrupts.', signal: ac.signal })) {
        abortedAt = performance.now();
        ac.abort();
      }
    })(),
    /aborted/,
  );
  const closed = await server.sessions.at(-1)!.closed;
  assert.ok(closed.at - abortedAt < 500, `closed ${(closed.at - abortedAt).toFixed(0)} ms after abort`);
});
