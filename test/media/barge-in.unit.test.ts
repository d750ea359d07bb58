/**
 * The barge-in rule on real recorded speech (media/vad/barge-in-detector.ts): while a prompt plays,
 * its own echo (−10 to −25 dB, 40–300 ms late, μ-law both ways), noise bursts (white, pink, brown,
 * clicks; 0.1–1 s) and sounds shorter than the minimum never interrupt; a caller speaking over the
 * echo interrupts within 300 ms of the first word's onset. Frames are fed as CallAudio feeds them:
 * the caller frame of a tick first, then the frame sent on it into the EchoReference (its energy
 * for the double-talk test, its samples for the echo canceller).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Endpointer } from '../../src/media/vad/endpointer.js';
import { EchoReference } from '../../src/media/vad/echo-reference.js';
import { CALLER, CONFIGURED, PROMPT, duringPrompt, echoOf, hum, level, load8k, mix, noise, nucleusMs, type NoiseKind } from './barge-in-signals.js';

const prompt = PROMPT;


test('the prompt\'s own echo at −10 to −25 dB, 40–300 ms late, never interrupts it', () => {
  const head = prompt.subarray(0, 8000 * 12);
  for (const gain of [-10, -12, -15, -20, -25])
    for (const delay of [40, 120, 200, 300]) {
      const r = duringPrompt(head, mix(echoOf(head, gain, delay), undefined));
      assert.deepEqual(r.bargeIns, [], `echo ${gain} dB ${delay} ms interrupted at ${r.bargeIns} (erl ${r.erlDb?.toFixed(1)})`);
    }
});

test('without the echo test the same echo interrupts (why it is there)', () => {
  const head = prompt.subarray(0, 8000 * 6);
  const r = duringPrompt(head, mix(echoOf(head, -10, 120), undefined), { ...CONFIGURED, echo: false });
  assert.ok(r.bargeIns.length > 0);
});

test('a caller speaking over the echo (−12 dB, 120 ms) interrupts within 300 ms of the first syllable', () => {
  const lat: number[] = [];
  for (const [name, onset] of CALLER)
    for (const callerDb of [-18, -22, -26]) {
      const at = 4000;
      const caller = level(load8k(name), callerDb);
      const head = prompt.subarray(0, 8000 * 8); // the caller speaks 4 s in, for at most 3 s
      const r = duringPrompt(head, mix(echoOf(head, -12, 120), caller, at));
      assert.ok(r.bargeIns.length >= 1, `${name} at ${callerDb} dBFS: no barge-in`);
      // Counted from the first syllable's nucleus; the word's weak onset (sox, −40 dBFS) is below the echo.
      const l = r.bargeIns[0]! - (at + nucleusMs(caller));
      assert.ok(r.bargeIns[0]! > at + onset - 100 && l <= 300, `${name} at ${callerDb} dBFS: barge-in ${l} ms after the first syllable`);
      lat.push(l);
    }
  lat.sort((a, b) => a - b);
  assert.ok(lat[Math.floor(lat.length / 2)]! <= 240, `median ${lat[Math.floor(lat.length / 2)]} ms`);
});

test('noise bursts of 0.1–1 s (white, pink, brown, clicks) do not interrupt', () => {
  const head = prompt.subarray(0, 8000 * 8);
  const echo = echoOf(head, -20, 120);
  for (const kind of ['white', 'pink', 'brown', 'clicks'] as NoiseKind[])
    for (const ms of [100, 250, 500, 1000])
      for (const db of [-30, -20]) {
        const r = duringPrompt(head, mix(echo, noise(kind, ms, db, ms), 3000));
        assert.deepEqual(r.bargeIns, [], `${kind} ${ms} ms at ${db} dBFS interrupted`);
      }
});

test('minSpeechMs: a 120 ms voiced sound does not interrupt, 400 ms does; the minimum is configurable', () => {
  const quiet = new Int16Array(8000 * 3);
  const short = duringPrompt(quiet, mix(new Int16Array(8000 * 3), hum(120, -20), 1000));
  assert.deepEqual(short.bargeIns, []);
  const long = duringPrompt(quiet, mix(new Int16Array(8000 * 3), hum(400, -20), 1000));
  assert.equal(long.bargeIns.length, 1);
  const lax = duringPrompt(quiet, mix(new Int16Array(8000 * 3), hum(120, -20), 1000), { ...CONFIGURED, minSpeechMs: 80 });
  assert.equal(lax.bargeIns.length, 1);
});

test('once per utterance, and again after the prompt resumes', () => {
  const ref = new EchoReference();
  const got: number[] = [];
  const ep = new Endpointer({ bargeIn: CONFIGURED, echoReference: ref }, { onBargeIn: (t) => got.push(t) });
  const sig = mix(new Int16Array(8000 * 3), hum(1500, -20), 500);
  for (let i = 0; (i + 1) * 160 <= sig.length; i++) {
    ep.playing = !(i >= 40 && i < 45); // paused for 100 ms in the middle of the hum
    ep.push(sig.subarray(i * 160, (i + 1) * 160), i * 20);
    ref.push(-130);
  }
  assert.equal(got.length, 2);
  assert.ok(got[1]! >= 45 * 20 + 200, 'after the resume the minimum counts again');
});

test('an utterance that was our echo until the caller spoke restarts at the barge-in: the recogniser hears the caller', () => {
  const ref = new EchoReference();
  const utterances: Array<{ startMs: number; audioStartMs: number; samples: number }> = [];
  let barged = -1;
  const ep = new Endpointer({ bargeIn: CONFIGURED, echoReference: ref }, { onBargeIn: (t) => (barged = t), onUtterance: (u) => utterances.push({ startMs: u.startMs, audioStartMs: u.audioStartMs, samples: u.audio.length }) });
  const caller = level(load8k('cards/002.wav'), -18);
  const at = 4000;
  const rx = mix(echoOf(prompt, -12, 120), caller, at);
  const stopAt = at + caller.length / 8; // the agent stops once the caller has finished (no echo after)
  for (let i = 0; (i + 1) * 160 <= rx.length && i * 20 < stopAt + 2000; i++) {
    const t = i * 20;
    ep.playing = barged < 0;
    ep.push(t < stopAt || barged < 0 ? rx.subarray(i * 160, (i + 1) * 160) : new Int16Array(160), t);
    ref.pushFrame(barged < 0 ? prompt.subarray(i * 160, (i + 1) * 160) : null);
  }
  assert.ok(barged > at, 'barge-in');
  const u = utterances.at(-1)!;
  assert.ok(u.audioStartMs >= at - 400 && u.audioStartMs <= at + nucleusMs(caller), `utterance audio starts at ${u.audioStartMs} ms (caller from ${at})`);
});

test('a caller whose first syllables the echo test took for echo: the utterance still starts before them (the recogniser hears every word); its speech is counted from the first near-end frame', () => {
  // The energy test alone (a canceller not yet trusted): the caller's first 400 ms are 16 dB quieter
  // than the rest, at the echo's level, so the interruption is counted only from the loud part on.
  // Given the utterance from there, the recogniser heard "balance" of "check my balance" on a media
  // worker and forced it onto a backchannel (test/call/barge-in-worker.test.ts).
  for (const file of ['cards/002.wav', 'cards/003.wav', 'cards/005.wav']) {
    const ref = new EchoReference();
    const utterances: Array<{ audioStartMs: number; speechMs?: number; endMs: number }> = [];
    let barged = -1;
    let firstNearMs = -1;
    const ep: Endpointer = new Endpointer({ bargeIn: { minSpeechMs: 160, minVoicedMs: 80, echo: { cancel: false } }, echoReference: ref }, { onBargeIn: (t) => ((barged = t), (firstNearMs = t - ep.bargeInDetector.startedMsAgo)), onUtterance: (u) => utterances.push(u) });
    const caller = level(load8k(file), -16);
    const onsetMs = nucleusMs(caller);
    for (let i = 0; i < (onsetMs + 400) * 8; i++) caller[i] = Math.round(caller[i]! * 10 ** (-16 / 20));
    const at = 4000;
    const rx = mix(echoOf(prompt, -15, 120), caller, at);
    const stopAt = at + caller.length / 8;
    for (let i = 0; (i + 1) * 160 <= rx.length && i * 20 < stopAt + 2000; i++) {
      const t = i * 20;
      ep.playing = barged < 0;
      ep.push(t < stopAt || barged < 0 ? rx.subarray(i * 160, (i + 1) * 160) : new Int16Array(160), t);
      ref.pushFrame(barged < 0 ? prompt.subarray(i * 160, (i + 1) * 160) : null);
    }
    assert.ok(barged >= at + onsetMs + 160, `${file}: counted from the loud part (barge-in at ${barged})`);
    const u = utterances.at(-1)!;
    assert.ok(u.audioStartMs <= at + onsetMs - 100, `${file}: utterance audio starts at ${u.audioStartMs} ms, the caller's first syllable at ${at + onsetMs}`);
    // The speech counted (what backchannelMaxMs judges) still starts at the first near-end frame.
    assert.ok((u.speechMs ?? Infinity) <= u.endMs - firstNearMs, `${file}: ${u.speechMs} ms of speech counted, ${u.endMs - firstNearMs} ms from the first near-end frame`);
  }
});

test('no echo on the line: a caller no louder than the prompt interrupts (the echo test steps aside)', () => {
  const caller = level(load8k('cards/002.wav'), -22); // quieter than the prompt's loud frames (−20)
  const r = duringPrompt(prompt, mix(new Int16Array(prompt.length), caller, 4000));
  assert.equal(r.bargeIns.length, 1);
  assert.ok(r.bargeIns[0]! - (4000 + nucleusMs(caller)) <= 300);
});
