// Spoken and written number runs, and the check-digit algorithms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScan } from '../../src/privacy/tokens.js';
import { readNumberRun } from '../../src/privacy/number-runs.js';
import { abaValid, ibanValid, luhnValid, ssnPlausible } from '../../src/privacy/checksums.js';

function digitsOf(text: string): string | undefined {
  const scan = createScan(text);
  return readNumberRun(scan, 0)?.digits;
}

test('spoken digits, "oh", "double", tens, teens, hundreds and thousands', () => {
  assert.equal(digitsOf('four one one one'), '4111');
  assert.equal(digitsOf('three oh three'), '303');
  assert.equal(digitsOf('double five triple seven'), '55777');
  assert.equal(digitsOf('forty one'), '41');
  assert.equal(digitsOf('forty'), '40');
  assert.equal(digitsOf('nineteen sixty nine'), '1969');
  assert.equal(digitsOf('twenty twenty nine'), '2029');
  assert.equal(digitsOf('four hundred twelve'), '412');
  assert.equal(digitsOf('one hundred and five'), '105');
  assert.equal(digitsOf('two thousand and three'), '2003');
  assert.equal(digitsOf('eight hundred five five five one two one two'), '8005551212');
  assert.equal(digitsOf('five one two dash eight six two'), '512862');
  assert.equal(digitsOf('oh okay'), undefined, '"oh" alone is an interjection');
});

test('written runs keep their grouping, plus sign and slashes', () => {
  const scan = createScan('+44 20 7946 0958');
  const run = readNumberRun(scan, 0)!;
  assert.equal(run.digits, '442079460958');
  assert.equal(run.plus, true);
  assert.deepEqual(run.groups, [2, 2, 4, 4]);
  const dashed = readNumberRun(createScan('617-496-6867'), 0)!;
  assert.deepEqual(dashed.groups, [3, 3, 4]);
  assert.equal(readNumberRun(createScan('05/31'), 0)!.slash, true);
  assert.equal(readNumberRun(createScan('3.5'), 0), undefined, 'a decimal is an amount, not digits');
});

test('check digits', () => {
  assert.equal(luhnValid('4111111111111111'), true);
  assert.equal(luhnValid('4111111111111112'), false);
  assert.equal(luhnValid('378282246310005'), true);
  assert.equal(ibanValid('GB82WEST12345698765432'), true);
  assert.equal(ibanValid('GB82WEST12345698765433'), false);
  assert.equal(ibanValid('DE89370400440532013000'), true);
  assert.equal(ibanValid('DE8937040044053201300'), false, 'wrong length for DE');
  assert.equal(abaValid('021000021'), true);
  assert.equal(abaValid('021000022'), false);
  assert.equal(ssnPlausible('123456789'), true);
  assert.equal(ssnPlausible('666123456'), false);
  assert.equal(ssnPlausible('900123456'), false);
});
