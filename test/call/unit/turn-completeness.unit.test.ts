/**
 * Adaptive endpointing's judgement (src/call/turn-completeness.ts): which partial hypotheses end a
 * turn after the short hangover, and which keep the long one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeCompleteness } from '../../../src/call/turn-completeness.js';
import type { SttResult } from '../../../src/speech/types.js';

const hyp = (transcript: string, confidence = 0.95): SttResult => ({ transcript, confidence, alternatives: [], final: false });
const PHRASES = ['account balance', 'check my balance', 'speak to an agent', 'yes', 'yes please', 'option two', 'Press 3'];

test('a whole expected phrase is complete; a prefix of a longer one is not', () => {
  assert.equal(judgeCompleteness(hyp('check my balance'), { phrases: PHRASES }), 'complete');
  assert.equal(judgeCompleteness(hyp('Speak to an agent.'), { phrases: PHRASES }), 'complete');
  assert.equal(judgeCompleteness(hyp('yes please'), { phrases: PHRASES }), 'complete');
  assert.equal(judgeCompleteness(hyp('yes'), { phrases: PHRASES }), 'incomplete', '"yes please" may follow');
  assert.equal(judgeCompleteness(hyp('speak to'), { phrases: PHRASES }), 'incomplete');
});

test('an expected phrase ending in a number is the grammar final state; digits in phrases are spelled', () => {
  assert.equal(judgeCompleteness(hyp('option two'), { phrases: PHRASES }), 'complete');
  assert.equal(judgeCompleteness(hyp('press three'), { phrases: PHRASES }), 'complete');
});

test('mid-number: a hypothesis ending in a number word or digit waits for the long hangover', () => {
  for (const t of ['my card number is four one one one', 'four', 'double', 'it is 41', 'twenty', 'one hundred', 'seven oh', 'three point', 'nineteen'])
    assert.equal(judgeCompleteness(hyp(t)), 'incomplete', t);
  assert.equal(judgeCompleteness(hyp('my pin is four five'), { phrases: PHRASES }), 'incomplete');
});

test('mid-sentence: a hypothesis ending in a word a sentence cannot end on waits', () => {
  for (const t of ['i want to', 'check my', 'what is the', 'yes and', 'um', 'i would like to speak to an', 'it is'])
    assert.equal(judgeCompleteness(hyp(t), { phrases: PHRASES }), 'incomplete', t);
});

test('yes/no answers are complete without a grammar; free speech is not', () => {
  for (const t of ['yes', 'no', 'yeah', 'nope', 'no thanks', "that's right", 'yes that is correct', 'okay'])
    assert.equal(judgeCompleteness(hyp(t)), 'complete', t);
  for (const t of ['i lost my wallet yesterday', 'hello', 'no idea what you mean', 'yes but the other account was'])
    assert.equal(judgeCompleteness(hyp(t)), 'incomplete', t);
});

test('unsure or empty hypotheses never end a turn early', () => {
  assert.equal(judgeCompleteness(hyp('check my balance', 0.3), { phrases: PHRASES }), 'incomplete');
  assert.equal(judgeCompleteness(hyp('yes', Number.NaN)), 'incomplete');
  assert.equal(judgeCompleteness(hyp('')), 'incomplete');
  assert.equal(judgeCompleteness(hyp('   ')), 'incomplete');
});

test('a grammar match with a poor acoustic fit (out-of-grammar speech forced onto a phrase) is not trusted', () => {
  const forced: SttResult = { ...hyp('check my balance', 1), acousticFitPerFrame: -49 };
  assert.equal(judgeCompleteness(forced, { phrases: PHRASES }), 'incomplete');
  assert.equal(judgeCompleteness({ ...forced, acousticFitPerFrame: -17 }, { phrases: PHRASES }), 'complete');
  assert.equal(judgeCompleteness({ ...forced, acousticFitPerFrame: Number.NaN }, { phrases: PHRASES }), 'incomplete');
});

test("a phrase whose words cover little of the caller's speech (the rest absorbed as fillers) is not trusted", () => {
  const r: SttResult = { ...hyp('check my balance', 1), acousticFitPerFrame: -20, wordsMs: 1210 };
  assert.equal(judgeCompleteness(r, { phrases: PHRASES, speechMs: 2120 }), 'incomplete');
  assert.equal(judgeCompleteness({ ...r, wordsMs: 870 }, { phrases: PHRASES, speechMs: 800 }), 'complete');
  assert.equal(judgeCompleteness(r, { phrases: PHRASES }), 'complete', 'no speech duration known: the other checks decide');
});
