/**
 * Speakable pieces of a streamed reply (src/dialog/speakable-pieces.ts): sentences and long enough
 * clauses as soon as they are complete, never mid-number or inside a token placeholder, whatever
 * the token boundaries of the stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpeakablePieces } from '../../src/dialog/speakable-pieces.js';

/** Stream `text` in deltas of `size` characters (and one character at a time), collecting the pieces. */
function pieces(text: string, size = 3): string[][] {
  return [size, 1, text.length].map((n) => {
    const s = new SpeakablePieces();
    const out: string[] = [];
    for (let i = 0; i < text.length; i += n) out.push(...s.push(text.slice(i, i + n)));
    out.push(...s.end());
    return out;
  });
}

function same(text: string, expected: string[]) {
  for (const got of pieces(text)) assert.deepEqual(got, expected, text);
}

test('sentences are pieces; the first one is out before the rest arrives', () => {
  same('Your balance is ten dollars. Anything else? Goodbye!', ['Your balance is ten dollars.', 'Anything else?', 'Goodbye!']);
  const s = new SpeakablePieces();
  assert.deepEqual(s.push('Sure. I can h'), ['Sure.']);
  assert.deepEqual(s.push('elp with that'), []);
  assert.deepEqual(s.end(), ['I can help with that']);
});

test('long clauses are pieces, short ones stay with their sentence', () => {
  same('Thanks for waiting so patiently, I have found your account now.', ['Thanks for waiting so patiently,', 'I have found your account now.']);
  same('Yes, it is open.', ['Yes, it is open.']);
});

test('never mid-number: decimals, thousands, digit groups, spoken digits, amounts', () => {
  same('The total is 1,234.56 dollars. Thanks.', ['The total is 1,234.56 dollars.', 'Thanks.']);
  same('Your reference number, as requested, is 4111, 1111, 2222, and 3333. Anything else?', ['Your reference number, as requested,', 'is 4111, 1111, 2222, and 3333.', 'Anything else?']);
  same('I heard the digits four one one one, one one one one, nine nine. Right?', ['I heard the digits four one one one, one one one one, nine nine.', 'Right?']);
  same('Version 3. 5 is out.', ['Version 3. 5 is out.']);
});

test('never inside a token placeholder, even when the stream splits it', () => {
  same('I have noted your card [CREDIT_DEBIT_NUMBER_1]. Is that right?', ['I have noted your card [CREDIT_DEBIT_NUMBER_1].', 'Is that right?']);
  same('Card [CREDIT_DEBIT_NUMBER_1, then. Ok.', ['Card [CREDIT_DEBIT_NUMBER_1, then. Ok.']);
  const s = new SpeakablePieces({ minClauseChars: 1 });
  assert.deepEqual(s.push('Your number [PHONE_NUMBER'), []);
  assert.deepEqual(s.push('_1], and your name. Good'), ['Your number [PHONE_NUMBER_1],', 'and your name.']);
  assert.deepEqual(s.end(), ['Good']);
});

test('abbreviations and lower-case continuations do not end a sentence', () => {
  same('Dr. Smith will call at 3 p.m. today. Bye.', ['Dr. Smith will call at 3 p.m. today.', 'Bye.']);
  same('It takes approx. five days. Ok.', ['It takes approx. five days.', 'Ok.']);
});

test('a long clause is out with the token that ends it, a sentence with the first letter after it (issue 17: first audio)', () => {
  // The LLM bench's pace: a word per token with its leading space, punctuation apart.
  const s = new SpeakablePieces();
  const got: string[][] = ['Your', ' balance', ' is', ' one', ' hundred', ' and', ' twenty', ' pounds', ','].map((t) => s.push(t));
  assert.deepEqual(got.at(-1), ['Your balance is one hundred and twenty pounds,'], 'no wait for the next word');
  assert.deepEqual(got.slice(0, -1).flat(), []);
  assert.deepEqual([' and', ' it', ' went', ' out', ' on', ' Monday', '.'].flatMap((t) => s.push(t)), [], 'a full stop waits for what follows ("3." may be "3.50", "Dr." a title)');
  assert.deepEqual(s.push(' Is'), ['and it went out on Monday.'], 'an upper-case letter after it is enough');
  // After a number the whole next word still decides: "…4111," then "one" may be "one one one one".
  const n = new SpeakablePieces({ minClauseChars: 1 });
  assert.deepEqual(n.push('Your card ends 4111,'), []);
  assert.deepEqual(n.push(' o'), []);
  assert.deepEqual(n.push('ne two. Ok'), []);
  assert.deepEqual(n.end(), ['Your card ends 4111, one two.', 'Ok']);
  // A short clause still waits for its sentence.
  const short = new SpeakablePieces();
  assert.deepEqual(short.push('Yes,'), []);
});
