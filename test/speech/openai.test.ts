/**
 * OpenAI-compatible adapters against a local server speaking `/v1/audio/transcriptions` and
 * `/v1/audio/speech` (plain http with `allowInsecure`, which must be explicit).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAiServer } from './servers/openai-server.js';
import { OpenAiStt, confidenceFromSegments } from '../../src/speech/remote/openai-stt.js';
import { OpenAiTts } from '../../src/speech/remote/openai-tts.js';
import { parseWav } from '../../src/speech/audio/wav.js';
import { resampleTo8k } from '../../src/speech/audio/resample-any.js';
import { makeSelfSignedCert } from './servers/tls.js';

let server: OpenAiServer;
let url: string;
const KEY = 'sk-local-test';

before(async () => {
  server = new OpenAiServer({ apiKey: KEY, transcript: 'I would like to check my balance.' });
  url = await server.listen();
});
after(() => server.close());

test('transcription: multipart upload with model, language, prompt and verbose_json', async () => {
  const stt = new OpenAiStt({ url, apiKey: KEY, model: 'Systran/faster-whisper-small', allowInsecure: true });
  const turn = stt.startTurn({ language: 'en-US', hints: ['balance'], grammar: { phrases: ['check my balance', 'agent'] } });
  const audio = Int16Array.from({ length: 4000 }, (_, i) => (i * 37) % 2000);
  for (let off = 0; off < audio.length; off += 160) turn.push(audio.subarray(off, off + 160));
  turn.end();
  const out = await turn.result;
  assert.ok(out.ok, out.ok ? '' : out.error);
  assert.equal(out.result.transcript, 'I would like to check my balance.');
  assert.ok(Math.abs(out.result.confidence - Math.exp(-0.2) * 0.99) < 1e-9);
  const rec = server.transcriptions.at(-1)!;
  assert.equal(rec.fields['model'], 'Systran/faster-whisper-small');
  assert.equal(rec.fields['language'], 'en');
  assert.equal(rec.fields['prompt'], 'balance, check my balance, agent');
  assert.equal(rec.fields['response_format'], 'verbose_json');
  const wav = parseWav(rec.file!.data);
  assert.ok(wav.ok);
  assert.equal(wav.sampleRate, 8000);
  assert.deepEqual(wav.samples, audio);
});

test('transcription: wrong key and plain http without allowInsecure are error values', async () => {
  const bad = await new OpenAiStt({ url, apiKey: 'wrong', allowInsecure: true }).transcribe(new Int16Array(800));
  assert.deepEqual(bad, { ok: false, error: 'transcription failed: HTTP 401 (invalid_api_key)' });
  const plain = await new OpenAiStt({ url, apiKey: KEY }).transcribe(new Int16Array(800));
  assert.equal(plain.ok, false);
  assert.match(!plain.ok ? plain.error : '', /refusing plain http/);
  assert.equal(confidenceFromSegments([]), 0);
});

test('speech: wav (24 kHz, unknown sizes) and pcm responses come back as 8 kHz PCM', async () => {
  for (const responseFormat of ['wav', 'pcm'] as const) {
    const tts = new OpenAiTts({ url, apiKey: KEY, allowInsecure: true, responseFormat, voice: 'nova', model: 'kokoro' });
    const parts: Int16Array[] = [];
    for await (const c of tts.synthesize({ text: 'Hello there' })) parts.push(c.slice());
    const audio = Int16Array.from(parts.flatMap((p) => [...p]));
    assert.equal(audio.length, 'Hello there'.length * 400); // 50 ms per char at 8 kHz
    let peak = 0;
    for (let i = 100; i < audio.length - 100; i++) peak = Math.max(peak, Math.abs(audio[i]!));
    assert.ok(peak > 9000 && peak < 10600, `peak ${peak}`);
    const rec = server.speeches.at(-1)!;
    assert.deepEqual(rec.body, { model: 'kokoro', input: 'Hello there', voice: 'nova', response_format: responseFormat });
  }
});

test('speech over https with a self-signed certificate trusted through `ca`; SSML reduced to text', async () => {
  const tls = makeSelfSignedCert();
  const secure = new OpenAiServer({ tls, apiKey: KEY, transcript: 'x' });
  const secureUrl = await secure.listen();
  try {
    const tts = new OpenAiTts({ url: secureUrl, apiKey: KEY, ca: tls.cert });
    let n = 0;
    for await (const c of tts.synthesize({ text: '<speak>Hi <break time="1s"/> there</speak>', ssml: true })) n += c.length;
    assert.ok(n > 0);
    assert.equal(secure.speeches[0]!.body['input'], 'Hi there');
    const untrusted = new OpenAiTts({ url: secureUrl, apiKey: KEY });
    await assert.rejects(async () => {
      for await (const _ of untrusted.synthesize({ text: 'hi' })) void _;
    }, /self.signed|certificate/i);
  } finally {
    await secure.close();
  }
});

test('speech streams: the first chunk plays while the server is still sending (wav and pcm), same audio as a whole-body read', async () => {
  const dribbling = new OpenAiServer({ apiKey: KEY, transcript: 'x', dribble: { pieces: 6, gapMs: 80 } });
  const dribbleUrl = await dribbling.listen();
  try {
    for (const responseFormat of ['wav', 'pcm'] as const) {
      const tts = new OpenAiTts({ url: dribbleUrl, apiKey: KEY, allowInsecure: true, responseFormat });
      const parts: Int16Array[] = [];
      let firstAt = 0;
      for await (const c of tts.synthesize({ text: 'A sentence of some length.' })) {
        if (!parts.length) firstAt = performance.now();
        parts.push(c.slice());
      }
      const lastWrite = dribbling.speechLastWriteAt.at(-1)!;
      assert.ok(lastWrite - firstAt > 100, `${responseFormat}: first chunk only ${(lastWrite - firstAt).toFixed(0)} ms before the last write`);
      const audio = Int16Array.from(parts.flatMap((p) => [...p]));
      const n = 'A sentence of some length.'.length * 1200;
      const source = Int16Array.from({ length: n }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 500 * i) / 24000)));
      assert.deepEqual(audio, resampleTo8k(source, 24000));
    }
  } finally {
    await dribbling.close();
  }
});

test('speech: an error status is read briefly and reported with its code only', async () => {
  const tts = new OpenAiTts({ url, apiKey: 'wrong', allowInsecure: true });
  await assert.rejects(async () => {
    for await (const _ of tts.synthesize({ text: 'my secret words' })) void _;
  }, (e: Error) => e.message === 'speech failed: HTTP 401 (invalid_api_key)');
});
