/**
 * bench/barge-in --capture and bench/barge-in-replay (bench/lib/barge-in-capture.ts): a call's
 * barge-in inputs recorded as the gateway fed them and replayed through a fresh detector raise the
 * same pauses at the same frames — what makes the replay a fair A/B of two detectors on one call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Endpointer } from '../../src/media/vad/endpointer.js';
import { EchoReference } from '../../src/media/vad/echo-reference.js';
import { captureCall, flushCapture, installCapture, markTrial, readCapture, replayCapture } from '../../bench/lib/barge-in-capture.js';
import { CALLER, CONFIGURED, PROMPT, echoOf, level, load8k, mix } from './barge-in-signals.js';

/** 8 s of prompt, and the line: its echo at −12 dB, 120 ms, with a caller from 4 s on. */
const sent = PROMPT.subarray(0, 8000 * 8);
const received = mix(echoOf(sent, -12, 120), level(load8k(CALLER[1]![0]), -20), 4000);

/**
 * The 8-s call through an Endpointer whose inputs are captured into `file`: per frame, `tick(i, paused)`
 * says whether the prompt plays and what was sent (`paused`: the live rule has raised a barge-in).
 * Returns the frames at which the live rule raised one. The caller writes its trial marks and flushes.
 */
function liveCall(file: string, tick: (i: number, paused: boolean) => { playing: boolean; sent: Int16Array | null }): number[] {
  installCapture();
  const ref = new EchoReference();
  const live: number[] = [];
  let frameNo = 0;
  const ep = new Endpointer({ echoReference: ref }, { onBargeIn: () => live.push(frameNo) });
  ep.setBargeIn({ ...CONFIGURED, minSpeechMs: 120 }, ref);
  captureCall(ep, ref, file);
  for (let i = 0; (i + 1) * 160 <= received.length; i++) {
    frameNo = i;
    const { playing, sent: out } = tick(i, live.length > 0);
    ep.playing = playing;
    ep.push(received.subarray(i * 160, (i + 1) * 160), i * 20);
    ref.pushFrame(out);
  }
  return live;
}

/** `body` with a file in a temporary directory, removed after. */
function withCaptureFile(body: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hushgate-capture-'));
  try {
    body(join(dir, 'call-1.bin'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a captured call replays to the same pauses, and the records round-trip', () => {
  withCaptureFile((file) => {
    const live = liveCall(file, (i) => {
      if (i === 191) markTrial(performance.now(), { kind: 'speech', name: 'first', startedAt: 0 }); // once frame 190 is in
      // The prompt stops after 6 s; a tick now and then sent nothing.
      return { playing: i < 300, sent: i % 50 === 49 ? null : sent.subarray(i * 160, (i + 1) * 160) };
    });
    markTrial(performance.now(), { kind: 'echo', name: 'second', startedAt: 0 });
    flushCapture(true);
    assert.ok(live.length >= 1, 'the caller interrupted the live run');

    const buf = readFileSync(file);
    const { options, records } = readCapture(buf);
    assert.equal(options?.minSpeechMs, 120);
    assert.equal(records.filter((r) => r.type === 'R').length, Math.floor(received.length / 160));
    const silentTicks = records.filter((r) => r.type === 'S' && r.frame === null).length;
    assert.equal(silentTicks, Math.floor(Math.floor(received.length / 160) / 50));
    const firstFrame = records.find((r) => r.type === 'R');
    assert.deepEqual(firstFrame?.type === 'R' ? [...firstFrame.frame] : [], [...received.subarray(0, 160)]);

    const replayed: Array<[string, number[]]> = [];
    const frames = replayCapture(buf, (_t, info, pauses) => replayed.push([String(info['name']), pauses]));
    assert.equal(frames, Math.floor(received.length / 160));
    // The replay reports a pause at the captured time of the frame that raised it.
    const frameTimes = records.flatMap((r) => (r.type === 'R' ? [r.time] : []));
    assert.deepEqual(replayed.flatMap(([, p]) => p.map((t) => frameTimes.indexOf(t))), live, 'the same pauses at the same frames');
    assert.deepEqual(replayed.map(([n]) => n), ['first', 'second']);
  });
});

test('a replayed rule that pauses later than the live run is measured, not lost: the trial plays on for it', () => {
  withCaptureFile((file) => {
    const startedAt = performance.now();
    // As the gateway does: the prompt pauses at the barge-in and sends nothing.
    const [live] = liveCall(file, (i, paused) => ({ playing: !paused, sent: paused ? null : sent.subarray(i * 160, (i + 1) * 160) }));
    markTrial(startedAt, { kind: 'speech', name: 'caller', startedAt, endedAt: performance.now() });
    flushCapture(true);
    assert.ok(live !== undefined && live > 0, 'the live rule paused the prompt');

    const { records } = readCapture(readFileSync(file));
    const frameTimes = records.flatMap((r) => (r.type === 'R' ? [r.time] : []));
    const at = (min: number): number[] => {
      const got: number[] = [];
      replayCapture(readFileSync(file), (_t, _info, pauses) => got.push(...pauses.map((t) => frameTimes.indexOf(t))), undefined, { minSpeechMs: min });
      return got;
    };
    assert.deepEqual(at(120), [live], 'the captured rule: the live pause');
    const later = at(400);
    assert.equal(later.length, 1, 'a stricter minimum still pauses, after the live run had');
    assert.ok(later[0]! >= live + 10, `paused at frame ${later[0]}, live at ${live}`);
  });
});
