// Detection of every PII type in the formats speech engines produce, and non-PII numbers that must survive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detect } from '../../src/privacy/detect.js';
import { redact } from '../../src/privacy/redact.js';
import { expectationFromPrompt } from '../../src/privacy/expectation.js';
import type { PiiType } from '../../src/privacy/types.js';

/** [utterance, expected type, the exact PII text that must be covered] */
const POSITIVE: [string, PiiType, string][] = [
  // cards: written, grouped, dashed, spoken, "double", Amex layout, cue after, uncued Luhn
  ['the card number is 4111 1111 1111 1111', 'CREDIT_DEBIT_NUMBER', '4111 1111 1111 1111'],
  ['my credit card is 4532-0151-1283-0366 thanks', 'CREDIT_DEBIT_NUMBER', '4532-0151-1283-0366'],
  ['card number four double one one one one one one one one one one one one one one', 'CREDIT_DEBIT_NUMBER', 'four double one one one one one one one one one one one one one one'],
  ['please charge three seven one five three seven seven six oh two oh seven seven six three', 'CREDIT_DEBIT_NUMBER', 'three seven one five three seven seven six oh two oh seven seven six three'],
  ['use 3714 496353 98431 please', 'CREDIT_DEBIT_NUMBER', '3714 496353 98431'],
  ['5555555555554444 is my mastercard', 'CREDIT_DEBIT_NUMBER', '5555555555554444'],
  ['the card ending in 4242 was declined', 'CREDIT_DEBIT_NUMBER', '4242'],
  // cvv, expiry, pin
  ['the security code on the back is seven three two', 'CREDIT_DEBIT_CVV', 'seven three two'],
  ['cvv 0 4 2', 'CREDIT_DEBIT_CVV', '0 4 2'],
  ['it expires oh five two nine', 'CREDIT_DEBIT_EXPIRY', 'oh five two nine'],
  ['expiration 12/26 thanks', 'CREDIT_DEBIT_EXPIRY', '12/26'],
  ['expiry date is june twenty twenty nine', 'CREDIT_DEBIT_EXPIRY', 'june twenty twenty nine'],
  ['valid thru 09 27', 'CREDIT_DEBIT_EXPIRY', '09 27'],
  ['my pin is 1 2 3 4', 'PIN', '1 2 3 4'],
  ['my pin number is nine nine oh one', 'PIN', 'nine nine oh one'],
  // SSN
  ['my social security number is 123-45-6789', 'SSN', '123-45-6789'],
  ['my social is one two three four five six seven eight nine', 'SSN', 'one two three four five six seven eight nine'],
  ['ssn 219 09 9999', 'SSN', '219 09 9999'],
  ['the last four of my social are 6789', 'SSN', '6789'],
  // bank
  ['my account number is 1234567890', 'BANK_ACCOUNT_NUMBER', '1234567890'],
  ['checking account number eight eight two one three four five five', 'BANK_ACCOUNT_NUMBER', 'eight eight two one three four five five'],
  ['routing number 021000021', 'BANK_ROUTING', '021000021'],
  ['my sort code is 20-00-00', 'BANK_ROUTING', '20-00-00'],
  ['my iban is DE89 3704 0044 0532 0130 00', 'IBAN', 'DE89 3704 0044 0532 0130 00'],
  ['iban gb82west12345698765432', 'IBAN', 'gb82west12345698765432'],
  ['it is g b eight two w e s t one two three four five six nine eight seven six five four three two', 'IBAN', 'g b eight two w e s t one two three four five six nine eight seven six five four three two'],
  // phones: US/UK/EU, written and spoken
  ['call me at (206) 973-4508', 'PHONE', '206) 973-4508'],
  ['my number is 303.286.9594', 'PHONE', '303.286.9594'],
  ['reach me on +44 20 7946 0958', 'PHONE', '+44 20 7946 0958'],
  ['text me on 07911 123456', 'PHONE', '07911 123456'],
  ['my mobile is +49 30 12345678', 'PHONE', '+49 30 12345678'],
  ['mon numéro est +33 6 12 34 56 78', 'PHONE', '+33 6 12 34 56 78'],
  ['my phone number is five five five eight six seven five three oh nine', 'PHONE', 'five five five eight six seven five three oh nine'],
  ['you can call me back on oh seven seven double oh nine double oh nine seven oh', 'PHONE', 'oh seven seven double oh nine double oh nine seven oh'],
  ['my number is plus four four two oh seven nine four six oh nine five eight', 'PHONE', 'plus four four two oh seven nine four six oh nine five eight'],
  ['it is 2125550143 if you need it', 'PHONE', '2125550143'],
  ['my cell is six four six, five five five, one two one two', 'PHONE', 'six four six, five five five, one two one two'],
  // e-mail
  ['send it to maria.kowalski@example.org please', 'EMAIL', 'maria.kowalski@example.org'],
  ['my email is john underscore smith at gmail dot com', 'EMAIL', 'john underscore smith at gmail dot com'],
  ['it is j dot doe at outlook dot com', 'EMAIL', 'j dot doe at outlook dot com'],
  ['ingrid dot alvarez at acme-corp dot co dot uk', 'EMAIL', 'ingrid dot alvarez at acme-corp dot co dot uk'],
  ['write to bob at gmail', 'EMAIL', 'bob at gmail'],
  // dates of birth
  ['my date of birth is march 3 1969', 'DATE_OF_BIRTH', 'march 3 1969'],
  ['i was born on july twenty fourth nineteen ninety nine', 'DATE_OF_BIRTH', 'july twenty fourth nineteen ninety nine'],
  ['my date of birth is the third of april nineteen sixty six', 'DATE_OF_BIRTH', 'third of april nineteen sixty six'],
  ['dob 03/04/1966', 'DATE_OF_BIRTH', '03/04/1966'],
  ['birthday is 16 june 1952', 'DATE_OF_BIRTH', '16 june 1952'],
  ['born on the fifth of august two thousand and three', 'DATE_OF_BIRTH', 'fifth of august two thousand and three'],
  // addresses
  ['I live at 379 baker street in springfield', 'ADDRESS', '379 baker street'],
  ['i live at twenty two acacia avenue apartment 4b', 'ADDRESS', 'twenty two acacia avenue apartment 4b'],
  ['my address is 1600 pennsylvania avenue northwest washington dc 20500', 'ADDRESS', '1600 pennsylvania avenue northwest washington dc 20500'],
  ['ship it to 221b baker street london nw1 6xe', 'ADDRESS', '221b baker street london nw1 6xe'],
  ['my zip code is 90210', 'ADDRESS', '90210'],
  ['my address is 12 evergreen terrace', 'ADDRESS', '12 evergreen terrace'],
  // names
  ['hi my name is tom rossi send the receipt', 'NAME', 'tom rossi'],
  ['the account holder is margaret thatcher', 'NAME', 'margaret thatcher'],
  ['hi this is sarah johnson calling about my bill', 'NAME', 'sarah johnson'],
  ['the name on the card is ludwig van beethoven', 'NAME', 'ludwig van beethoven'],
  ['my name is will smith and i need help', 'NAME', 'will smith'],
  ['sure my name\'s ian mckellen', 'NAME', 'ian mckellen'],
  ['my last name is smith spelled s m i t h', 'NAME', 'smith spelled s m i t h'],
  ['hi i\'m anna from london', 'NAME', 'anna'],
  ['mr johnson will call back', 'NAME', 'mr johnson'],
  // PHI and documents
  ['my member id is xjh 123 456 789', 'HEALTH_PLAN_ID', 'xjh 123 456 789'],
  ['the policy number is ab 12 34 56 c', 'HEALTH_PLAN_ID', 'ab 12 34 56 c'],
  ['my medical record number is 00451234', 'MEDICAL_RECORD_NUMBER', '00451234'],
  ['mrn seven seven one two three four five', 'MEDICAL_RECORD_NUMBER', 'seven seven one two three four five'],
  ['my passport number is 123456789', 'PASSPORT_NUMBER', '123456789'],
  ['driver\'s license number d1234567', 'DRIVER_ID', 'd1234567'],
];

for (const [text, type, value] of POSITIVE) {
  test(`detects ${type}: "${text}"`, () => {
    const start = text.indexOf(value);
    assert.ok(start >= 0, 'fixture value must occur in text');
    const end = start + value.length;
    const hit = detect(text).find((e) => e.type === type && e.start <= start && e.end >= end);
    assert.ok(hit, `expected ${type} covering "${value}", got ${JSON.stringify(detect(text).map((e) => [e.type, e.value]))}`);
    assert.equal(hit.value, text.slice(hit.start, hit.end));
  });
}

/** Ordinary text: nothing may be detected. */
const NEGATIVE = [
  'i would like to ask about 250 dollars on my bill',
  'and flight 370 lands at 6',
  'press 1 for sales or option 2 for billing',
  'i ordered 3 items on march 3rd and it was 45 dollars',
  'my order number is 123456',
  'the confirmation number is 9 4 1 1',
  'call me at 10 tomorrow',
  'the meeting is at 3 30 pm on june 5',
  'i have been a customer since 2005',
  'i was charged 1,250.00 twice',
  'it costs twenty five dollars per month for 12 months',
  'hello i\'m calling about my order',
  'this is great thanks',
  'i need it in 2 weeks',
  'my account was charged 3 times in 2019',
  'i am 45 years old',
  'may i speak to someone about the blue plan',
  'about 45 minutes ago i called',
  'order of 12 pizzas and two items',
  'it\'s double five double five',
  'we drove 300 miles down route 66',
  'my name is not important',
  'can you send it to me at home',
  'at 3 pm on tuesday',
  'the 3 point plan is at 9 am',
  'i paid 99.99 on the 15th',
  'room 1204 at the hilton',
  'version 2.4.1 of the app',
];

for (const text of NEGATIVE) {
  test(`keeps non-PII text: "${text}"`, () => {
    assert.deepEqual(detect(text).map((e) => [e.type, e.value]), []);
  });
}

test('offsets are into the original input, including mixed case and unicode before the entity', () => {
  const text = 'Ünïcode — My Card Number Is 4111 1111 1111 1111.';
  const [e] = detect(text);
  assert.ok(e);
  assert.equal(text.slice(e.start, e.end), '4111 1111 1111 1111');
  assert.equal(e.normalized, '4111111111111111');
});

test('expectation from the agent prompt types a bare answer', () => {
  assert.equal(expectationFromPrompt('Could you read me the long number on the front of your card?'), 'CREDIT_DEBIT_NUMBER');
  assert.equal(expectationFromPrompt('Thanks. And the expiry date?'), 'CREDIT_DEBIT_EXPIRY');
  assert.equal(expectationFromPrompt('What is the three digit security code on the back of the card?'), 'CREDIT_DEBIT_CVV');
  assert.equal(expectationFromPrompt('Can I take your full name please?'), 'NAME');
  assert.equal(expectationFromPrompt('And a phone number we can reach you on?'), 'PHONE');
  assert.equal(expectationFromPrompt('How can I help you today?'), undefined);

  const bare = 'sure it\'s four five three two one two three four five six seven eight nine oh one two';
  assert.deepEqual(detect(bare).map((e) => e.type), ['NUMBER'], 'without context a non-Luhn spoken digit string is redacted untyped (fail closed)');
  const ctx = { expect: expectationFromPrompt('What is your card number?') };
  assert.deepEqual(detect(bare, ctx).map((e) => e.type), ['CREDIT_DEBIT_NUMBER']);
  assert.equal(redact('one two three four', { mode: 'mask', ctx: { expect: 'PIN' } }).text, '[PIN]');
  assert.equal(redact('john smith', { mode: 'mask', ctx: { expect: 'NAME' } }).text, '[NAME]');
  assert.equal(redact('yes it is 0 6 2 9', { mode: 'mask', ctx: { expect: 'CREDIT_DEBIT_EXPIRY' } }).text, 'yes it is [CREDIT_DEBIT_EXPIRY]');
  // a quantity is still a quantity
  assert.deepEqual(detect('give me 2 minutes', { expect: 'PIN' }), []);
});

test('several entities in one utterance come back sorted and non-overlapping', () => {
  const text = 'my pin is 2 6 0 2 the card number is 4298-1197-2997-5285 and my date of birth is july 24 1999';
  const es = detect(text);
  assert.deepEqual(es.map((e) => e.type), ['PIN', 'CREDIT_DEBIT_NUMBER', 'DATE_OF_BIRTH']);
  for (let i = 1; i < es.length; i++) assert.ok(es[i]!.start >= es[i - 1]!.end);
});
