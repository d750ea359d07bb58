// Phone numbers in metadata: E.164 normalisation, obfuscation (last 4 digits removed), keyed pseudonyms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldNumberCount, holdNumbers, normalizeE164, obfuscatePhone, phonePseudonym, prepareCallNumbers } from '../../src/privacy/phone.js';

test('normalizeE164 reads what trunks send', () => {
  assert.equal(normalizeE164('+44 20 7946 0958'), '+442079460958');
  assert.equal(normalizeE164('020 7946 0958', 'GB'), '+442079460958');
  assert.equal(normalizeE164('tel:+1-646-958-4337'), '+16469584337');
  assert.equal(normalizeE164('sip:0016469584337@host'), '+16469584337');
  assert.equal(normalizeE164('anonymous'), undefined);
});

test('obfuscatePhone: the last four digits become XXXX', () => {
  assert.equal(obfuscatePhone('+442079460958'), '+44207946XXXX');
  assert.equal(obfuscatePhone('1234'), 'XXXX');
  assert.equal(obfuscatePhone('anonymous'), '[REDACTED]');
});

test('phonePseudonym: stable per account, different across accounts, over the E.164 form', () => {
  const a = Buffer.from('account-a');
  const b = Buffer.from('account-b');
  const e164 = normalizeE164('020 7946 0958', 'GB')!;
  assert.equal(phonePseudonym(a, e164), phonePseudonym(a, normalizeE164('+44 20 7946 0958')!));
  assert.notEqual(phonePseudonym(a, e164), phonePseudonym(b, e164));
  assert.match(phonePseudonym(a, e164), /^[0-9a-f]{64}$/);
});

test('holdNumbers: a held number is parsed once for every reader, the same answers as unheld, and forgotten with its last hold', () => {
  const country = 'GB';
  const unheld = [normalizeE164('sip:+447700900123@trunk', country), prepareCallNumbers(['+447700900123', '020 7946 0958'], country)];
  assert.equal(heldNumberCount(), 0);
  const a = holdNumbers(['+447700900123', '02079460958', 'sipp', undefined], country); // a name is no number: not held
  const b = holdNumbers(['00447700900123'], country); // the same number, another call: one entry, two holds
  assert.equal(heldNumberCount(), 2);
  assert.deepEqual([normalizeE164('sip:+447700900123@trunk', country), prepareCallNumbers(['+447700900123', '020 7946 0958'], country)], unheld);
  a();
  a(); // twice is harmless
  assert.equal(heldNumberCount(), 1, 'the second call still holds +447700900123');
  b();
  assert.equal(heldNumberCount(), 0, 'nothing outlives its calls');
});
