/**
 * Deepgram live STT against a local server speaking its `/v1/listen` WebSocket protocol over TLS
 * with a self-signed certificate (real sockets): audio frames in order while the caller speaks,
 * interim then final results, Finalize and CloseStream at the end, `mip_opt_out=true` always,
 * `Token` auth, errors (401, a server dropping the stream) as SttOutcome values, cancel closing
 * the socket.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSelfSignedCert, type SelfSigned } from './servers/tls.js';
import { DeepgramServer } from './servers/deepgram-server.js';
import { DeepgramStt, listenQuery } from '../../src/speech/remote/deepgram-stt.js';
import { mulawEncode } from '../../src/speech/audio/mulaw.js';
import { pcm16ToBytes } from '../../src/speech/audio/wav.js';
import type { SttResult } from '../../src/speech/types.js';

const KEY = 'dg-test-key-0123456789';
let tls: SelfSigned;
let server: DeepgramServer;
let url: string;

before(async () => {
  tls = makeSelfSignedCert();
  server = new DeepgramServer({ tls, apiKey: KEY, segments: ['I would like', 'to pay my bill'] });
  url = await server.listen();
});
after(() => server.close());

function speechLike(samples: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(6000 * Math.sin(i / 3) + 2000 * Math.sin(i / 17)));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  for (const t0 = Date.now(); !cond(); await sleep(10)) if (Date.now() - t0 > ms) throw new Error('timed out waiting');
}

test('streams μ-law frames as the caller speaks: interim results before end(), Finalize then CloseStream, segments joined', async () => {
  const stt = new DeepgramStt({ url, apiKey: KEY, ca: tls.cert, smartFormat: true });
  const turn = stt.startTurn({ hints: ['bill'], language: 'en-GB' });
  const interims: { r: SttResult; beforeEnd: boolean }[] = [];
  let ended = false;
  turn.onInterim((r) => interims.push({ r, beforeEnd: !ended }));
  const audio = speechLike(8000); // 1 s, pushed in real time (20 ms frames)
  for (let off = 0; off < audio.length; off += 160) {
    turn.push(audio.subarray(off, off + 160));
    if (off % 1600 === 0) await sleep(40);
  }
  // One word per 0.2 s of audio: 5 words for 1 s, 4 of them interims (the 3rd closes the first segment).
  await waitFor(() => interims.length >= 4);
  ended = true;
  turn.end();
  const out = await turn.result;
  assert.ok(out.ok, out.ok ? '' : out.error);
  assert.equal(out.result.transcript, 'I would like to pay my bill');
  assert.equal(out.result.final, true);
  assert.ok(Math.abs(out.result.confidence - 0.9) < 1e-9);
  assert.ok(typeof out.result.latencyMs === 'number');

  // Interim hypotheses reached the listener while audio was still being pushed, growing word by word.
  assert.ok(interims.length >= 3, `interims ${interims.length}`);
  assert.ok(interims.every((i) => !i.r.final && i.beforeEnd));
  assert.equal(interims[0]!.r.transcript, 'I');
  assert.ok(interims.some((i) => i.r.transcript.startsWith('I would like to')), interims.map((i) => i.r.transcript).join(' | '));

  const s = server.sessions.at(-1)!;
  assert.equal(s.headers.authorization, `Token ${KEY}`);
  const q = s.query;
  assert.equal(q.get('encoding'), 'mulaw');
  assert.equal(q.get('sample_rate'), '8000');
  assert.equal(q.get('channels'), '1');
  assert.equal(q.get('model'), 'nova-3');
  assert.equal(q.get('language'), 'en-GB');
  assert.equal(q.get('interim_results'), 'true');
  assert.equal(q.get('endpointing'), '300');
  assert.equal(q.get('smart_format'), 'true');
  assert.equal(q.get('mip_opt_out'), 'true');
  assert.deepEqual(q.getAll('keyterm'), ['bill']);
  // Audio: one binary message per pushed frame, in order, then Finalize and CloseStream last.
  const frames = s.messages.filter((m) => m.kind === 'audio');
  assert.equal(frames.length, 50);
  assert.deepEqual(Buffer.concat(frames.map((m) => (m.kind === 'audio' ? m.data : Buffer.alloc(0)))), mulawEncode(audio));
  assert.deepEqual(s.messages.filter((m) => m.kind === 'control').map((m) => (m.kind === 'control' ? m.type : '')), ['Finalize', 'CloseStream']);
});

test('frames pushed before the socket opens are held in order; linear16; KeepAlive while idle', async () => {
  const stt = new DeepgramStt({ url, apiKey: KEY, ca: tls.cert, encoding: 'linear16', model: 'nova-2', keepAliveMs: 50 });
  const turn = stt.startTurn({ hints: ['pay'] });
  const audio = speechLike(4000);
  for (let off = 0; off < audio.length; off += 160) turn.push(audio.subarray(off, off + 160)); // all before "open"
  await sleep(250); // idle: KeepAlive goes out
  turn.end();
  const out = await turn.result;
  assert.ok(out.ok, out.ok ? '' : out.error);
  assert.equal(out.result.transcript, 'I would like to pay my bill');
  const s = server.sessions.at(-1)!;
  assert.equal(s.query.get('encoding'), 'linear16');
  assert.deepEqual(s.query.getAll('keywords'), ['pay']); // older models take keywords
  assert.equal(s.query.get('keyterm'), null);
  const audioIn = Buffer.concat(s.messages.flatMap((m) => (m.kind === 'audio' ? [m.data] : [])));
  assert.deepEqual(audioIn, pcm16ToBytes(audio));
  const controls = s.messages.flatMap((m) => (m.kind === 'control' ? [m.type] : []));
  assert.ok(controls.includes('KeepAlive'), controls.join(','));
  assert.deepEqual(controls.slice(-2), ['Finalize', 'CloseStream']);
});

test('the no-retention flag cannot be turned off; redaction can only be added; the format is the adapter\'s', () => {
  const q = listenQuery(
    { apiKey: KEY, redact: ['pci'], options: { mip_opt_out: false, numerals: true } },
    { engineOptions: { mip_opt_out: 'false', encoding: 'opus', sample_rate: 48000, redact: 'ssn', model: 'nova-3-medical', 'bad-name': 1 } },
  );
  assert.equal(q['mip_opt_out'], true);
  assert.equal(q['encoding'], 'mulaw');
  assert.equal(q['sample_rate'], 8000);
  assert.deepEqual(q['redact'], ['pci', 'ssn']);
  assert.equal(q['model'], 'nova-3-medical');
  assert.equal(q['numerals'], true);
  assert.equal(q['bad-name'], undefined);
});

test('errors are SttOutcome values: 401 (key never in the message), untrusted certificate, plain ws, server dropping the stream', async () => {
  const bad = new DeepgramStt({ url, apiKey: 'wrong-key-xyz', ca: tls.cert }).startTurn();
  bad.push(speechLike(160));
  bad.end();
  const o1 = await bad.result;
  assert.deepEqual(o1, { ok: false, error: 'deepgram handshake: HTTP 401' });

  const untrusted = new DeepgramStt({ url, apiKey: KEY }).startTurn();
  untrusted.end();
  const o2 = await untrusted.result;
  assert.equal(o2.ok, false);
  assert.match(!o2.ok ? o2.error : '', /certificate/i);

  const plain = new DeepgramStt({ url: url.replace('https:', 'ws:'), apiKey: KEY }).startTurn();
  const o3 = await plain.result;
  assert.equal(o3.ok, false);
  assert.match(!o3.ok ? o3.error : '', /refusing plain ws/);

  const failing = new DeepgramServer({ tls, apiKey: KEY, segments: ['hello'], failAfterMs: 100 });
  const failingUrl = await failing.listen();
  try {
    const turn = new DeepgramStt({ url: failingUrl, apiKey: KEY, ca: tls.cert }).startTurn();
    const audio = speechLike(4000);
    for (let off = 0; off < audio.length; off += 160) {
      turn.push(audio.subarray(off, off + 160));
      if (off % 800 === 0) await sleep(10);
    }
    const o4 = await turn.result;
    assert.deepEqual(o4, { ok: false, error: 'deepgram closed the stream mid-utterance (1011 NET-0000)' });
  } finally {
    await failing.close();
  }
});

test('cancel closes the socket at once and settles with an error', async () => {
  const stt = new DeepgramStt({ url, apiKey: KEY, ca: tls.cert });
  const before = server.sessions.length;
  const turn = stt.startTurn();
  turn.push(speechLike(1600));
  await waitFor(() => server.sessions.length > before && server.sessions.at(-1)!.messages.length > 0);
  const session = server.sessions.at(-1)!;
  const t0 = performance.now();
  turn.cancel();
  assert.deepEqual(await turn.result, { ok: false, error: 'cancelled' });
  const closed = await session.closed;
  assert.ok(closed.at - t0 < 500, `closed after ${closed.at - t0} ms`);
  assert.ok(!session.messages.some((m) => m.kind === 'control' && m.type === 'Finalize'));
  turn.push(speechLike(160)); // ignored after cancel
});
