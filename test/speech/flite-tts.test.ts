/**
 * flite engine, SSML subset and resampling: 8 kHz output, first chunk before the whole
 * utterance, breaks as silence, say-as digits, and a low-pass (not duplicating) resampler.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FliteTts } from '../../src/speech/flite/tts.js';
import { FlitePool } from '../../src/speech/flite/flite-pool.js';
import { getEventListeners } from 'node:events';
import { acquireFlitePool, buildFliteHelper } from '../../src/speech/flite/shared-pool.js';
import { ssmlToPieces, splitSentences } from '../../src/speech/ssml.js';
import { downsample16kTo8k, upsample8kTo16k } from '../../src/speech/audio/resample.js';
import { parseWav, writeWav } from '../../src/speech/audio/wav.js';
import { mulawDecode, mulawEncode } from '../../src/speech/audio/mulaw.js';

test('SSML: breaks, say-as digits, entities, emphasis a little slower', () => {
  const pieces = ssmlToPieces('<speak>Your code is <say-as interpret-as="digits">4096</say-as>.<break time="750ms"/> Tom &amp; Jerry <emphasis>rock</emphasis>.<break strength="strong"/></speak>');
  assert.deepEqual(pieces, [
    { kind: 'text', text: 'Your code is 4 0 9 6 .' },
    { kind: 'break', ms: 750 },
    { kind: 'text', text: 'Tom & Jerry' },
    { kind: 'text', text: 'rock.', stretch: 1.08 },
    { kind: 'break', ms: 700 },
  ]);
  assert.deepEqual(ssmlToPieces('<break time="2s"/>'), [{ kind: 'break', ms: 2000 }]);
  assert.deepEqual(splitSentences('Hello there.  How are you? Fine!'), ['Hello there.', 'How are you?', 'Fine!']);
});

test('flite yields 8 kHz chunks; the first arrives before the whole text is synthesised', async () => {
  const tts = new FliteTts({ voice: 'slt', chunkMs: 100 });
  try {
    const text = 'Welcome to the gateway. ' + 'This is a much longer second sentence that takes noticeably more time to synthesise than the first. '.repeat(4);
    const t0 = performance.now();
    let first = -1;
    let total = 0;
    for await (const chunk of tts.synthesize({ text })) {
      if (first < 0) first = performance.now() - t0;
      assert.ok(chunk.length <= 800);
      total += chunk.length;
    }
    const all = performance.now() - t0;
    assert.ok(total > 8000 * 5, `audio ${total / 8000}s`);
    assert.ok(first < all / 2, `first chunk ${first.toFixed(0)} ms of ${all.toFixed(0)} ms`);
  } finally {
    await tts.close();
  }
});

test('warmUp starts the warm helpers, so the first sentence after it never runs the flite command; warm: false never starts them', async () => {
  const tts = new FliteTts({ voice: 'slt' });
  const cold = new FliteTts({ voice: 'slt', warm: false });
  try {
    await tts.warmUp();
    let commandRuns = 0;
    tts.renderSentence = () => {
      commandRuns++;
      return Promise.resolve(new Int16Array(0));
    };
    const audio = await whole(tts, 'Thanks for calling.', 'slt');
    assert.equal(commandRuns, 0, 'spoken by a warm helper');
    assert.ok(audio.length > 4000, `audio ${audio.length} samples`);
    assert.equal(await cold.start(), false);
  } finally {
    await Promise.all([tts.close(), cold.close()]);
  }
});

async function whole(tts: FliteTts, text: string, voice: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const c of tts.synthesize({ text, voice })) parts.push(c.slice());
  const out = new Int16Array(parts.reduce((n, c) => n + c.length, 0));
  parts.reduce((o, c) => (out.set(c, o), o + c.length), 0);
  return out;
}

test('the warm helpers speak exactly what the flite command does, every time (clustergen noise reseeded, 16→8 kHz streamed)', async () => {
  const tts = new FliteTts();
  try {
    assert.equal(await tts.start(), true, 'the helper builds against libflite1 and starts');
    const cases: [string, string][] = [['slt', 'Your balance is one hundred and twenty pounds, and your last payment went out on Monday.'], ['awb', 'Goodbye.'], ['kal', 'Press one for your balance.']];
    for (const [voice, text] of cases) {
      const reference = await tts.renderSentence(text, voice);
      for (let round = 0; round < 2; round++) assert.deepEqual(await whole(tts, text, voice), reference, `${voice}, round ${round}`);
    }
    // rate −17 % is a duration stretch of 1.205 (ssml.ts): the helper's audio is the command's with --setf
    const slower = await tts.renderSentence('Thank you.', 'slt', undefined, 1.205);
    const parts: Int16Array[] = [];
    for await (const c of tts.synthesize({ text: '<speak><prosody rate="-17%">Thank you.</prosody></speak>', ssml: true })) parts.push(c.slice());
    assert.deepEqual(Int16Array.from(parts.flatMap((p) => [...p])), slower, 'a prosody rate reaches the helper as a duration stretch');
    assert.ok(slower.length > (await tts.renderSentence('Thank you.', 'slt')).length, 'and it is slower');
  } finally {
    await tts.close();
  }
});

test('a warm helper hands out a sentence in pieces while it synthesises it, and a queued job can be abandoned', async () => {
  const handle = acquireFlitePool(1);
  try {
    const pool = await handle.pool;
    assert.ok(pool instanceof FlitePool);
    const sizes: number[] = [];
    const long = 'This is one long sentence that goes on for several seconds of audio without any full stop in it at all';
    const running = pool.synthesize({ text: long, voice: 'slt', stretch: 1, onAudio: (a) => sizes.push(a.length) });
    const ac = new AbortController();
    const queued = pool.synthesize({ text: 'Never spoken.', voice: 'slt', stretch: 1, onAudio: () => assert.fail('an abandoned job made audio'), signal: ac.signal });
    ac.abort();
    assert.deepEqual(await queued, { ok: false, error: 'synthesis aborted' });
    assert.deepEqual(await running, { ok: true });
    assert.ok(sizes.length >= 10 && sizes[0]! <= 440, `pieces of ${sizes.slice(0, 3).join(', ')}… (${sizes.length})`);
    assert.deepEqual(await pool.synthesize({ text: 'Hello.', voice: 'nobody', stretch: 1, onAudio: () => undefined }), { ok: false, error: 'flite: unknown voice' });
    // A call's signal serves every sentence of the call: none leaves a listener on it (12 did, one a sentence).
    const call = new AbortController();
    for (let i = 0; i < 12; i++) assert.deepEqual(await pool.synthesize({ text: 'Yes.', voice: 'slt', stretch: 1, onAudio: () => undefined, signal: call.signal }), { ok: true });
    assert.equal(getEventListeners(call.signal, 'abort').length, 0);
  } finally {
    await handle.release();
  }
});

test('a sentence that overruns its deadline fails with an error value, and its worker is replaced', async () => {
  const built = await buildFliteHelper();
  assert.ok(built.ok);
  const pool = new FlitePool({ helperPath: built.path, size: 1, timeoutMs: 5 });
  try {
    assert.equal(await pool.ready(), true);
    const long = 'This sentence is far too long to be synthesised in five milliseconds by any voice, even the fastest one there is, on any machine.';
    assert.deepEqual(await pool.synthesize({ text: long, voice: 'slt', stretch: 1, onAudio: () => undefined }), { ok: false, error: 'synthesis timed out' });
    assert.equal(pool.restarts, 1);
  } finally {
    await pool.close();
  }
});

test('SSML break becomes exact silence in the output', async () => {
  const tts = new FliteTts({ voice: 'kal' });
  try {
    const parts: Int16Array[] = [];
    for await (const c of tts.synthesize({ text: '<speak>Hello.<break time="500ms"/>Goodbye.</speak>', ssml: true })) parts.push(c.slice());
    const all = Int16Array.from(parts.flatMap((p) => [...p]));
    // find a run of ≥ 4000 exact zeros (500 ms at 8 kHz)
    let run = 0;
    let best = 0;
    for (const s of all) {
      run = s === 0 ? run + 1 : 0;
      best = Math.max(best, run);
    }
    assert.ok(best >= 4000, `longest silence ${best}`);
  } finally {
    await tts.close();
  }
});

test('unknown voice names are rejected before running flite', async () => {
  const tts = new FliteTts();
  await assert.rejects(async () => {
    for await (const _ of tts.synthesize({ text: 'hi', voice: 'x; rm -rf /' })) void _;
  }, /invalid flite voice/);
});

function rms(a: Int16Array, from = 100, to = a.length - 100): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s / (to - from));
}

function sine(freq: number, rate: number, n: number, amp = 10000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate)));
}

test('upsampling keeps a 1 kHz tone and puts no image at 7 kHz (low-pass, not duplication)', () => {
  const up = upsample8kTo16k(sine(1000, 8000, 8000));
  assert.equal(up.length, 16000);
  const ref = sine(1000, 16000, 16000);
  // correlate with in-phase 1 kHz reference: amplitude preserved within 5 %
  assert.ok(Math.abs(rms(up) - rms(ref)) / rms(ref) < 0.05, `rms ${rms(up)} vs ${rms(ref)}`);
  // energy at 7 kHz (the image of 1 kHz) is tiny: project onto 7 kHz sine and cosine
  let s = 0;
  let c = 0;
  for (let i = 0; i < up.length; i++) {
    s += up[i]! * Math.sin((2 * Math.PI * 7000 * i) / 16000);
    c += up[i]! * Math.cos((2 * Math.PI * 7000 * i) / 16000);
  }
  const image = (2 * Math.hypot(s, c)) / up.length;
  assert.ok(image < 10000 * 0.01, `image amplitude ${image}`);
});

test('downsampling removes a 6 kHz tone (no alias at 2 kHz) and keeps 1 kHz', () => {
  assert.ok(rms(downsample16kTo8k(sine(6000, 16000, 16000))) < 100);
  assert.ok(rms(downsample16kTo8k(sine(1000, 16000, 16000))) > 6500);
});

test('WAV and μ-law round trips', () => {
  const a = sine(440, 8000, 800);
  const w = parseWav(writeWav(a, 8000));
  assert.ok(w.ok);
  assert.equal(w.sampleRate, 8000);
  assert.deepEqual(w.samples, a);
  const bad = parseWav(Buffer.from('nope'));
  assert.ok(!bad.ok && /RIFF/.test(bad.error), 'not a WAV: an error naming the problem');
  const back = mulawDecode(mulawEncode(a));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(back[i]! - a[i]!) <= Math.max(16, Math.abs(a[i]!) * 0.07));
  assert.equal(mulawEncode(Int16Array.of(0))[0], 0xff);
});
