/**
 * Watson adapters against a local server that speaks Watson's protocols over TLS with a
 * self-signed certificate: IAM token exchange, WebSocket recognize with interim and final
 * results, chunked synthesize, the learning opt-out header, and refusal of plain http.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSelfSignedCert, type SelfSigned } from './servers/tls.js';
import { WatsonServer } from './servers/watson-server.js';
import { WatsonStt } from '../../src/speech/remote/watson-stt.js';
import { WatsonTts, escapeXml } from '../../src/speech/remote/watson-tts.js';
import { mulawEncode } from '../../src/speech/audio/mulaw.js';
import type { SttResult } from '../../src/speech/types.js';

let tls: SelfSigned;
let server: WatsonServer;
let url: string;
const API_KEY = 'test-api-key-123';

before(async () => {
  tls = makeSelfSignedCert();
  server = new WatsonServer({ tls, apiKey: API_KEY, basic: { username: 'apikey', password: 'pw' }, transcriptSegments: ['transfer me to billing', 'please'] });
  url = await server.listen();
});
after(() => server.close());

function speechLike(samples: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(6000 * Math.sin(i / 3) + 2000 * Math.sin(i / 17)));
}

test('STT over wss: IAM token, start message, μ-law audio, interim then joined final results', async () => {
  const stt = new WatsonStt({ url, auth: { kind: 'iam', apiKey: API_KEY, iamUrl: url }, ca: tls.cert, model: 'en-US_NarrowbandModel' });
  const turn = stt.startTurn({ hints: ['billing'], maxAlternatives: 2 });
  const interims: SttResult[] = [];
  turn.onInterim((r) => interims.push(r));
  const audio = speechLike(8000); // 1 s
  for (let off = 0; off < audio.length; off += 160) turn.push(audio.subarray(off, off + 160));
  await new Promise((r) => setTimeout(r, 100)); // let interim results flow while "speaking"
  turn.end();
  const out = await turn.result;
  assert.ok(out.ok, out.ok ? '' : out.error);
  assert.equal(out.result.transcript, 'transfer me to billing please');
  assert.equal(out.result.final, true);
  assert.ok(Math.abs(out.result.confidence - 0.85) < 1e-9);
  assert.ok(interims.length >= 3 && interims.every((r) => !r.final), `interims ${interims.length}`);
  assert.equal(interims.at(-1)!.transcript, 'transfer me to billing please');

  const s = server.sessions.at(-1)!;
  assert.equal(s.headers['x-watson-learning-opt-out'], 'true');
  assert.match(s.headers.authorization ?? '', /^Bearer tok-/);
  assert.match(s.url, /^\/v1\/recognize\?model=en-US_NarrowbandModel$/);
  assert.equal(s.start!['content-type'], 'audio/mulaw;rate=8000');
  assert.equal(s.start!['interim_results'], true);
  assert.deepEqual(s.start!['keywords'], ['billing']);
  assert.ok(s.stopped);
  assert.deepEqual(Buffer.concat(s.audio), mulawEncode(audio));
  assert.equal(server.tokenRequests, 1);

  // A second turn reuses the cached IAM token; one segment keeps Watson's alternatives.
  const single = new WatsonServer({ tls, apiKey: API_KEY, transcriptSegments: ['yes'] });
  const singleUrl = await single.listen();
  try {
    const stt2 = new WatsonStt({ url: singleUrl, auth: { kind: 'iam', apiKey: API_KEY, iamUrl: singleUrl }, ca: tls.cert });
    const t2 = stt2.startTurn();
    t2.push(speechLike(1600));
    t2.end();
    const o2 = await t2.result;
    assert.ok(o2.ok);
    assert.deepEqual(o2.result.alternatives.map((a) => a.transcript), ['yes', 'YES']);
    assert.equal(single.sessions[0]!.headers['x-watson-learning-opt-out'], 'true');
  } finally {
    await single.close();
  }
});

test('STT: learning opt-out can be turned off per application; basic auth works', async () => {
  const stt = new WatsonStt({ url, auth: { kind: 'basic', username: 'apikey', password: 'pw' }, ca: tls.cert, learningOptOut: false });
  const turn = stt.startTurn();
  turn.push(speechLike(800));
  turn.end();
  const out = await turn.result;
  assert.ok(out.ok, out.ok ? '' : out.error);
  assert.equal(server.sessions.at(-1)!.headers['x-watson-learning-opt-out'], undefined);
});

test('STT: bad credentials, untrusted certificate and plain http are errors, not exceptions', async () => {
  const bad = new WatsonStt({ url, auth: { kind: 'basic', username: 'apikey', password: 'wrong' }, ca: tls.cert }).startTurn();
  bad.end();
  const o1 = await bad.result;
  assert.equal(o1.ok, false);
  assert.match(!o1.ok ? o1.error : '', /401/);

  const untrusted = new WatsonStt({ url, auth: { kind: 'basic', username: 'apikey', password: 'pw' } }).startTurn();
  untrusted.end();
  const o2 = await untrusted.result;
  assert.equal(o2.ok, false);
  assert.match(!o2.ok ? o2.error : '', /certificate/i);

  const plain = new WatsonStt({ url: url.replace('https:', 'http:'), auth: { kind: 'bearer', token: 't' } }).startTurn();
  const o3 = await plain.result;
  assert.equal(o3.ok, false);
  assert.match(!o3.ok ? o3.error : '', /refusing plain http/);

  const iamBad = new WatsonStt({ url, auth: { kind: 'iam', apiKey: 'nope', iamUrl: url }, ca: tls.cert }).startTurn();
  const o4 = await iamBad.result;
  assert.equal(o4.ok, false);
  assert.match(!o4.ok ? o4.error : '', /IAM token request failed: HTTP 400/);
  assert.doesNotMatch(!o4.ok ? o4.error : '', /nope/); // the key never appears in errors
});

async function collect(it: AsyncIterable<Int16Array>): Promise<{ audio: Int16Array; chunks: number }> {
  const parts: Int16Array[] = [];
  for await (const c of it) parts.push(c.slice());
  return { audio: Int16Array.from(parts.flatMap((p) => [...p])), chunks: parts.length };
}

test('TTS: audio/basic streamed in chunks and decoded; plain text escaped; opt-out header sent', async () => {
  const tts = new WatsonTts({ url, auth: { kind: 'iam', apiKey: API_KEY, iamUrl: url }, ca: tls.cert, voice: 'en-US_MichaelV3Voice' });
  const { audio, chunks } = await collect(tts.synthesize({ text: 'Tom & Jerry <3' }));
  const rec = server.syntheses.at(-1)!;
  assert.equal(rec.headers.accept, 'audio/basic');
  assert.equal(rec.headers['x-watson-learning-opt-out'], 'true');
  assert.match(rec.url, /voice=en-US_MichaelV3Voice/);
  assert.equal(rec.body['text'], 'Tom &amp; Jerry &lt;3');
  assert.equal(audio.length, 'Tom &amp; Jerry &lt;3'.length * 80);
  assert.ok(chunks >= 3, `chunks ${chunks}`);
  assert.equal(Math.abs(audio[0]!), 32124); // μ-law 0x00 decodes to full scale
  assert.equal(escapeXml(`a"b'c`), 'a&quot;b&apos;c');
});

test('TTS: audio/l16;rate=8000 with samples split across chunks; SSML passes through', async () => {
  const tts = new WatsonTts({ url, auth: { kind: 'basic', username: 'apikey', password: 'pw' }, ca: tls.cert, format: 'l16' });
  const ssml = '<speak>Hi<break time="1s"/></speak>';
  const { audio } = await collect(tts.synthesize({ text: ssml, ssml: true }));
  assert.equal(server.syntheses.at(-1)!.body['text'], ssml);
  assert.equal(audio.length, ssml.length * 80);
  for (let i = 0; i < audio.length; i++) assert.equal(audio[i], i % 2 ? 1000 : -1000);
});

test('TTS: plain http refused without allowInsecure; server errors carry status only', async () => {
  const tts = new WatsonTts({ url: url.replace('https:', 'http:'), auth: { kind: 'bearer', token: 'x' } });
  await assert.rejects(collect(tts.synthesize({ text: 'hi' })), /refusing plain http/);
  const wrong = new WatsonTts({ url, auth: { kind: 'bearer', token: 'not-issued' }, ca: tls.cert });
  await assert.rejects(collect(wrong.synthesize({ text: 'my secret' })), (e: Error) => /HTTP 401/.test(e.message) && !/secret/.test(e.message));
});

test('TTS: the first chunk is yielded while the server is still sending the body', async () => {
  const slow = new WatsonServer({ tls, apiKey: API_KEY, transcriptSegments: ['x'], ttsChunkGapMs: 80 });
  const slowUrl = await slow.listen();
  try {
    const basic = new WatsonTts({ url: slowUrl, auth: { kind: 'iam', apiKey: API_KEY, iamUrl: slowUrl }, ca: tls.cert });
    let firstAt = 0;
    for await (const _ of basic.synthesize({ text: 'Streaming from the first chunk.' })) if (!firstAt) firstAt = performance.now();
    const lastWrite = slow.synthesisLastWriteAt.at(-1)!;
    assert.ok(lastWrite - firstAt > 60, `first chunk only ${(lastWrite - firstAt).toFixed(0)} ms before the last write`); // 320 ms when idle
  } finally {
    await slow.close();
  }
});
