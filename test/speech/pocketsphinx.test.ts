/**
 * The embedded recogniser end to end: flite speech → 8 kHz μ-law round trip → PocketSphinx
 * in warm helper processes, with a grammar and with the general language model.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { PocketSphinxStt } from '../../src/speech/pocketsphinx/stt.js';
import { mulawDecode, mulawEncode } from '../../src/speech/audio/mulaw.js';
import type { Tts } from '../../src/speech/types.js';

let stt: PocketSphinxStt;
const tts = new FliteTts({ voice: 'slt' });

async function speak(engine: Tts, text: string): Promise<Int16Array> {
  const chunks: Int16Array[] = [];
  for await (const c of engine.synthesize({ text })) chunks.push(c);
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return mulawDecode(mulawEncode(out)); // telephone round trip
}

before(async () => {
  const created = await PocketSphinxStt.create({ poolSize: 2 });
  assert.ok(created.ok, created.ok ? '' : created.error);
  stt = created.stt;
});

after(async () => {
  await stt.close();
  await tts.close();
});

const PHRASES = ['Transfer me to billing', 'I want to cancel my order', 'Talk to an agent', 'Check my balance', 'Press 1 for sales'];

test('grammar turn recognises the spoken phrase exactly, streamed in 20 ms frames', async () => {
  const audio = await speak(tts, 'I want to cancel my order');
  const turn = stt.startTurn({ grammar: { phrases: PHRASES } });
  for (let off = 0; off < audio.length; off += 160) turn.push(audio.subarray(off, off + 160));
  turn.end();
  const out = await turn.result;
  assert.ok(out.ok, out.ok ? '' : out.error);
  assert.equal(out.result.transcript, 'i want to cancel my order');
  assert.equal(out.result.matchedPhrase, 'I want to cancel my order');
  assert.equal(out.result.final, true);
  assert.ok(out.result.confidence > 0.5, `confidence ${out.result.confidence}`);
  assert.equal(out.result.alternatives[0]!.transcript, out.result.transcript);
});

test('digits in phrases are spelled out and matched back to the original phrase', async () => {
  const out = await stt.recognise(await speak(tts, 'Press one for sales'), { grammar: { phrases: PHRASES } });
  assert.ok(out.ok);
  assert.equal(out.result.matchedPhrase, 'Press 1 for sales');
});

test('general language model gives a transcript with alternatives and a confidence', async () => {
  const out = await stt.recognise(await speak(tts, 'Check my balance'), { maxAlternatives: 3 });
  assert.ok(out.ok, out.ok ? '' : out.error);
  assert.ok(out.result.transcript.length > 0);
  assert.equal(out.result.matchedPhrase, undefined);
  assert.ok(out.result.alternatives.length >= 2, JSON.stringify(out.result.alternatives));
  assert.ok(out.result.confidence >= 0 && out.result.confidence <= 1);
});

test('concurrent turns on a pool of two are all answered, and a repeated grammar is cached', async () => {
  const audio = await speak(tts, 'Talk to an agent');
  const before = stt.stats().grammarCacheHits;
  const outs = await Promise.all(Array.from({ length: 5 }, () => stt.recognise(audio, { grammar: { phrases: PHRASES } })));
  for (const o of outs) {
    assert.ok(o.ok);
    assert.equal(o.result.matchedPhrase, 'Talk to an agent');
  }
  assert.ok(stt.stats().grammarCacheHits >= before + 4);
  assert.ok(stt.stats().loadMs.length >= 2);
});

test('unsupported language and cancelled turns settle with errors, never throw', async () => {
  const out = await stt.recognise(new Int16Array(1600), { language: 'fr-FR' });
  assert.equal(out.ok, false);
  const turn = stt.startTurn();
  turn.push(new Int16Array(160));
  turn.cancel();
  const r = await turn.result;
  assert.deepEqual(r, { ok: false, error: 'cancelled' });
});

test('silence gives an empty transcript with zero confidence', async () => {
  const out = await stt.recognise(new Int16Array(8000), {});
  assert.ok(out.ok);
  assert.equal(out.result.transcript, '');
  assert.equal(out.result.confidence, 0);
});
