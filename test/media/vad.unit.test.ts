import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnergyVad, frameEnergyDbfs } from '../../src/media/vad/energy-vad.js';

const tone = (amp: number) => Int16Array.from({ length: 160 }, (_, i) => Math.round(amp * Math.sin(i / 3)));
function noise(amp: number, seed: number): Int16Array {
  let s = seed;
  return Int16Array.from({ length: 160 }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 2 * amp);
}

test('frame energy in dBFS', () => {
  assert.ok(Math.abs(frameEnergyDbfs(new Int16Array(160).fill(32767)) - 0) < 0.01);
  assert.ok(Math.abs(frameEnergyDbfs(new Int16Array(160).fill(3277)) + 20) < 0.01);
  assert.ok(frameEnergyDbfs(new Int16Array(160)) < -120);
});

test('speech needs the start margin over the noise floor; staying needs only the continue margin', () => {
  const vad = new EnergyVad();
  for (let i = 0; i < 50; i++) assert.equal(vad.isSpeech(noise(300, i), false), false);
  const floor = vad.noiseDb;
  assert.ok(floor > -48 && floor < -44, `floor tracks the noise: ${floor}`);
  // 10 dB over the floor: not enough to start, enough to continue.
  const amp = 32768 * 10 ** ((floor + 10 + 3) / 20); // +3 dB: sine RMS is amp/√2
  assert.equal(vad.isSpeech(tone(amp), false), false);
  assert.equal(vad.isSpeech(tone(amp), true), true);
  assert.equal(vad.isSpeech(tone(amp * 2), false), true);
});

test('absolute floor: nothing under -55 dBFS is speech, even over digital silence', () => {
  const vad = new EnergyVad();
  for (let i = 0; i < 20; i++) vad.isSpeech(new Int16Array(160), false);
  assert.equal(vad.isSpeech(tone(32768 * 10 ** (-58 / 20) * 1.41), false), false);
  assert.equal(vad.isSpeech(tone(32768 * 10 ** (-40 / 20) * 1.41), false), true);
});

test('the noise floor rises to a louder steady noise within the 3 s window, even mid-speech', () => {
  const vad = new EnergyVad();
  for (let i = 0; i < 50; i++) vad.isSpeech(noise(100, i), false);
  const quiet = vad.noiseDb;
  let lastDecision = true;
  for (let i = 0; i < 200; i++) lastDecision = vad.isSpeech(noise(3000, 100 + i), true); // a fan turns on, 4 s
  assert.ok(vad.noiseDb > quiet + 25, `floor rose from ${quiet} to ${vad.noiseDb}`);
  assert.equal(lastDecision, false, 'steady noise is no longer speech');
});
