import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { LiveRecognition } from '../../src/call/live-recognition.js';
import type { Stt, SttOutcome, SttStream, SttTurnSettings } from '../../src/speech/index.js';
import type { Utterance } from '../../src/media/index.js';

/** A streaming recogniser that records what it was given (the Deepgram adapter is tested against its protocol elsewhere). */
class RecordingStt implements Stt {
  readonly engine = 'recording';
  readonly live = true;
  local?: boolean;
  readonly turns: { settings: SttTurnSettings; frames: number[]; ended: boolean; cancelled: boolean }[] = [];
  startTurn(settings: SttTurnSettings = {}): SttStream {
    const turn = { settings, frames: [] as number[], ended: false, cancelled: false };
    this.turns.push(turn);
    let settle!: (o: SttOutcome) => void;
    const result = new Promise<SttOutcome>((r) => (settle = r));
    return {
      push: (f) => void turn.frames.push(f[0]!),
      end: () => {
        turn.ended = true;
        settle({ ok: true, result: { transcript: `frames ${turn.frames.join(',')}`, confidence: 0.9, alternatives: [], final: true } });
      },
      cancel: () => {
        turn.cancelled = true;
        settle({ ok: false, error: 'cancelled' });
      },
      onInterim: () => undefined,
      result,
    };
  }
  async close(): Promise<void> {}
}

const frame = (n: number) => new Int16Array(160).fill(n);
const utterance = (): Utterance => ({ startMs: 0, endMs: 0, audioStartMs: 0, audio: new Int16Array(0), truncated: false });
const tick = () => new Promise((r) => setImmediate(r));

function setup(opts: { muted?: boolean; live?: boolean } = {}) {
  const media = new EventEmitter();
  const stt = new RecordingStt();
  if (opts.live === false) (stt as { live: boolean }).live = false;
  const live = new LiveRecognition(media as never, async () => ({ stt, phrases: ['yes', 'no'], options: { model: 'x' } }), () => opts.muted ?? false, 3);
  return { media, stt, live };
}

test('the pre-roll, the frames heard while the stream opened and every later frame reach the recogniser in order, before the cut', async () => {
  const { media, stt, live } = setup();
  for (let i = 1; i <= 5; i++) media.emit('frame', frame(i), i * 20);
  media.emit('speechStart', 100);
  media.emit('frame', frame(6), 120); // the onset frame, heard before the stream is open
  await tick();
  assert.equal(stt.turns.length, 1);
  assert.deepEqual(stt.turns[0]!.frames, [3, 4, 5, 6]);
  assert.deepEqual(stt.turns[0]!.settings, { grammar: { phrases: ['yes', 'no'] }, engineOptions: { model: 'x' } });
  media.emit('frame', frame(7), 140);
  media.emit('frame', frame(8), 160);
  assert.deepEqual(stt.turns[0]!.frames, [3, 4, 5, 6, 7, 8], 'pushed as heard');
  assert.equal(stt.turns[0]!.ended, false);
  const u = utterance();
  media.emit('utterance', u);
  const r = await live.resultFor(u)?.outcome;
  assert.ok(r?.ok);
  assert.equal(r.result.transcript, 'frames 3,4,5,6,7,8');
});

test('while the sensitive switch is on a third-party recogniser hears silence, never the caller', async () => {
  const { media, stt } = setup({ muted: true });
  media.emit('frame', frame(9), 0);
  media.emit('speechStart', 20);
  await tick();
  media.emit('frame', frame(10), 40);
  assert.ok(stt.turns[0]!.frames.every((v) => v === 0));
});

test('a discarded onset cancels its stream; an utterance not streamed has no live result', async () => {
  const { media, stt, live } = setup();
  media.emit('speechStart', 0);
  await tick();
  media.emit('discard');
  assert.equal(stt.turns[0]!.cancelled, true);
  const u = utterance();
  media.emit('utterance', u);
  assert.equal(live.resultFor(u), undefined);
});

test('a recogniser that does not stream is never opened at the onset', async () => {
  const { media, stt } = setup({ live: false });
  media.emit('speechStart', 0);
  await tick();
  assert.equal(stt.turns.length, 0);
});
