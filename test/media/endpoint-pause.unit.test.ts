/**
 * Adaptive endpointing in the Endpointer: pauses are offered once each with the utterance so far,
 * an approved pause ends the utterance with that very snapshot after the short hangover, speech
 * cancels a pause (approved or not), and without approval the fixed hangover still applies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Endpointer, type PauseSnapshot, type Utterance } from '../../src/media/vad/endpointer.js';

const tone = (() => {
  const f = new Int16Array(160);
  for (let i = 0; i < 160; i++) f[i] = Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 8000));
  return f;
})();
const quiet = new Int16Array(160);

function rig(opts = {}) {
  const pauses: PauseSnapshot[] = [];
  const utterances: Utterance[] = [];
  const ep = new Endpointer({ silenceHangoverMs: 800, pauseProbeMs: 160, ...opts }, { onPause: (p) => pauses.push(p), onUtterance: (u) => utterances.push(u) });
  const feed = (frame: Int16Array, ms: number) => {
    for (let i = 0; i < ms / 20; i++) ep.push(frame);
  };
  feed(quiet, 1000);
  return { ep, pauses, utterances, feed };
}

test('a pause is offered once, after pauseProbeMs of silence, with the speech and the silence so far', () => {
  const r = rig();
  r.feed(tone, 600);
  r.feed(quiet, 140);
  assert.equal(r.pauses.length, 0);
  r.feed(quiet, 20);
  assert.equal(r.pauses.length, 1);
  const snap = r.pauses[0]!.utterance;
  assert.equal(snap.endMs, 1600);
  assert.equal(snap.endedEarly, true);
  assert.equal(snap.audio.length / 160, (snap.endMs - snap.audioStartMs) / 20 + 8, 'pre-roll, speech, 160 ms of silence');
  r.feed(quiet, 200);
  assert.equal(r.pauses.length, 1, 'once per pause');
});

test('an approved pause ends the utterance with its snapshot once the silence reaches the short hangover', () => {
  const r = rig();
  r.feed(tone, 600);
  r.feed(quiet, 160);
  assert.equal(r.ep.endAtPause(r.pauses[0]!.id, 240), true);
  r.feed(quiet, 60);
  assert.equal(r.utterances.length, 0);
  r.feed(quiet, 20);
  assert.equal(r.utterances.length, 1);
  assert.equal(r.utterances[0], r.pauses[0]!.utterance, 'the same audio the judge recognised');
  r.feed(quiet, 1000);
  assert.equal(r.utterances.length, 1);
});

test('approval that comes after the short hangover ends the utterance at once', () => {
  const r = rig();
  r.feed(tone, 600);
  r.feed(quiet, 300);
  assert.equal(r.ep.endAtPause(r.pauses[0]!.id, 240), true);
  assert.equal(r.utterances.length, 1);
});

test('speech after the pause cancels it: late approval is refused, the next pause gets a new id, the whole utterance is kept', () => {
  const r = rig();
  r.feed(tone, 400);
  r.feed(quiet, 180);
  const first = r.pauses[0]!.id;
  r.feed(tone, 400);
  assert.equal(r.ep.endAtPause(first, 240), false);
  r.feed(quiet, 160);
  assert.equal(r.pauses.length, 2);
  assert.notEqual(r.pauses[1]!.id, first);
  r.feed(quiet, 800);
  assert.equal(r.utterances.length, 1);
  assert.equal(r.utterances[0]!.endedEarly, undefined, 'fixed hangover');
  assert.equal(r.utterances[0]!.endMs - r.utterances[0]!.startMs, 980);
});

test('an approved pause is cancelled by speech before the short hangover', () => {
  const r = rig();
  r.feed(tone, 400);
  r.feed(quiet, 160);
  r.ep.endAtPause(r.pauses[0]!.id, 300);
  r.feed(tone, 300);
  r.feed(quiet, 300);
  assert.equal(r.utterances.length, 0, 'the approval went with the pause');
  r.feed(quiet, 500);
  assert.equal(r.utterances.length, 1);
  assert.equal(r.utterances[0]!.endedEarly, undefined);
});

test('no pauses offered while offerPauses is off, nor for speech shorter than minSpeechMs', () => {
  const r = rig();
  r.ep.offerPauses = false;
  r.feed(tone, 600);
  r.feed(quiet, 400);
  assert.equal(r.pauses.length, 0);
  r.ep.offerPauses = true;
  r.feed(quiet, 1000);
  const s = rig();
  s.feed(tone, 100);
  s.feed(quiet, 400);
  assert.equal(s.pauses.length, 0);
});
