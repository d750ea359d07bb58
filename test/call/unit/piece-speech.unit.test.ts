/**
 * PieceSpeech (src/call/piece-speech.ts) on a FakeClock: pieces play in order as one stream; the
 * first piece's first chunk is out before any later piece starts synthesising (issue 17: the
 * reply's first audio does not share the CPU with the rest of the reply); barge-in ends it all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/time/clock.js';
import { PieceSpeech } from '../../../src/call/piece-speech.js';
import type { FirstAudio } from '../../../src/call/speaker.js';
import type { TtsRequest } from '../../../src/speech/types.js';
import { FakeTts, settle } from './fakes.js';

/** A TTS that makes each piece's first chunk wait for `release(text)`, then yields two chunks. */
class GatedTts extends FakeTts {
  readonly started: string[] = [];
  private readonly gates = new Map<string, () => void>();
  private readonly waiting = new Map<string, Promise<void>>();
  gate(text: string): void {
    this.waiting.set(text, new Promise((r) => this.gates.set(text, r)));
  }
  release(text: string): void {
    this.gates.get(text)?.();
  }
  override async *synthesize(r: TtsRequest): AsyncIterable<Int16Array> {
    this.requests.push(r);
    this.started.push(r.text);
    await this.waiting.get(r.text);
    if (r.signal?.aborted) throw new Error('synthesis aborted');
    yield new Int16Array(160).fill(this.started.indexOf(r.text) + 1);
    yield new Int16Array(160).fill(this.started.indexOf(r.text) + 1);
  }
}

const opts = { noCache: true };

test('later pieces start synthesising once the first piece has its first chunk; the audio is in order', async () => {
  const clock = new FakeClock();
  const tts = new GatedTts();
  tts.gate('Your balance is one hundred and twenty pounds,');
  const first: FirstAudio = { trigger: clock.now(), timings: {} };
  const speech = new PieceSpeech(tts, clock, new AbortController().signal, first);
  const out: number[] = [];
  const reading = (async () => {
    for await (const c of speech.audio()) out.push(c[0]!);
  })();
  speech.add('Your balance is one hundred and twenty pounds,', opts);
  clock.advance(225);
  speech.add('and your last payment went out on Monday.', opts);
  await settle();
  assert.deepEqual(tts.started, ['Your balance is one hundred and twenty pounds,'], 'the second piece waits while the first has no audio yet');
  clock.advance(30);
  tts.release('Your balance is one hundred and twenty pounds,');
  await settle();
  assert.deepEqual(tts.started, ['Your balance is one hundred and twenty pounds,', 'and your last payment went out on Monday.']);
  assert.equal(first.timings.ttsFirstAudioMs, 255, 'the first piece: request to first chunk on the clock');
  speech.end();
  await reading;
  assert.deepEqual(out, [1, 1, 2, 2]);
});

test('a first piece that fails does not hold the others back; barge-in while they wait starts none of them', async () => {
  const clock = new FakeClock();
  const failing = new (class extends GatedTts {
    override async *synthesize(r: TtsRequest): AsyncIterable<Int16Array> {
      if (r.text === 'broken') {
        this.started.push(r.text);
        throw new Error('engine down');
      }
      yield* super.synthesize(r);
    }
  })();
  const speech = new PieceSpeech(failing, clock, new AbortController().signal);
  speech.add('broken', opts);
  speech.add('fine.', opts);
  await settle();
  assert.deepEqual(failing.started, ['broken', 'fine.']);

  const tts = new GatedTts();
  tts.gate('first,');
  const barge = new AbortController();
  const held = new PieceSpeech(tts, clock, barge.signal);
  held.add('first,', opts);
  held.add('second.', opts);
  await settle();
  barge.abort();
  tts.release('first,');
  await settle();
  assert.deepEqual(tts.started, ['first,'], 'the waiting piece is never synthesised after barge-in');
  const chunks: Int16Array[] = [];
  for await (const c of held.audio()) chunks.push(c);
  assert.equal(chunks.length, 0);
});
