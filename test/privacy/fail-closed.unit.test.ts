// Fail closed on numbers (invariant I6): structure beats context, any unexplained run of 7+ digits
// is redacted in whatever form it is dictated, the call's own numbers are always PHONE, and spelled
// values are caught from their first character — while harmless quantities survive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detect } from '../../src/privacy/detect.js';
import { redact } from '../../src/privacy/redact.js';
import { prepareCallNumbers } from '../../src/privacy/phone.js';
import type { PiiType } from '../../src/privacy/types.js';

const LUHN = ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4539578763621486'];
const NON_PII_WORDS = ['order number', 'reference', 'press', 'option', 'flight', 'room', 'confirmation number', 'ticket', 'seat', 'extension', 'tracking number', 'model', 'page', 'item', 'serial number'];

test('a Luhn-valid 13-19 digit run is a card number whatever words surround it', () => {
  for (const word of NON_PII_WORDS) {
    for (const card of LUHN) {
      for (const form of [card, card.replace(/(\d{4})(?=\d)/g, '$1 '), card.replace(/(\d{4})(?=\d)/g, '$1-')]) {
        const text = `${word} ${form} please`;
        const es = detect(text);
        assert.deepEqual(es.map((e) => [e.type, e.value]), [['CREDIT_DEBIT_NUMBER', form]], text);
      }
    }
  }
});

/** Every digit of `value` is gone from the masked text, and the value's span is covered by `type`. */
function assertRedactedAs(text: string, value: string, type: PiiType | PiiType[]): void {
  const start = text.indexOf(value);
  assert.ok(start >= 0, `fixture: "${value}" in "${text}"`);
  const es = detect(text);
  const types = Array.isArray(type) ? type : [type];
  const covering = es.filter((e) => e.start < start + value.length && e.end > start);
  assert.ok(covering.length > 0, `"${value}" in "${text}" was not detected: ${JSON.stringify(es)}`);
  const from = Math.min(...covering.map((e) => e.start));
  const to = Math.max(...covering.map((e) => e.end));
  assert.ok(from <= start && to >= start + value.length, `"${value}" only partly covered in "${text}": ${JSON.stringify(covering)}`);
  for (const e of covering) assert.ok(types.includes(e.type), `"${value}" in "${text}" typed ${e.type}, expected ${types.join('|')}`);
}

test('phone numbers without "+" in national and international forms are PHONE, even after a non-PII word', () => {
  const cases: [string, string][] = [
    ['room 07700900123', '07700900123'],
    ['its 447700900123', '447700900123'],
    ['flight 07911 123456 tomorrow', '07911 123456'],
    ['dial 0044 7700 900123', '0044 7700 900123'],
    ['option 0033 6 12 34 56 78', '0033 6 12 34 56 78'],
    ['from abroad it is 011 44 20 7946 0958', '011 44 20 7946 0958'],
    ['it is 33612345678 in france', '33612345678'],
    ['order number 2125550143', '2125550143'],
    ['the number is 353 87 123 4567', '353 87 123 4567'],
  ];
  for (const [text, value] of cases) assertRedactedAs(text, value, 'PHONE');
});

test('the call\'s own From/To numbers are PHONE in any form, spoken or written, whole or by their tail', () => {
  const own = prepareCallNumbers(['sip:+447700900123@trunk.example.net', '<sip:+15550100@10.0.0.1>'], 'GB');
  const ctx = { callNumbers: own };
  const cases: [string, string][] = [
    ['my number is 07700 900123', '07700 900123'],
    ['it is seven seven oh oh nine oh oh one two three', 'seven seven oh oh nine oh oh one two three'],
    ['room 7700900123', '7700900123'],
    ['call me on double oh four four seven seven double oh nine double oh one two three', 'double oh four four seven seven double oh nine double oh one two three'],
    ['the one i am calling from ends in 0123', '0123'],
    ['order 44 7700 900123 thanks', '44 7700 900123'],
  ];
  for (const [text, value] of cases) {
    const es = detect(text, ctx);
    const start = text.indexOf(value);
    assert.ok(es.some((e) => e.type === 'PHONE' && e.start <= start && e.end >= start + value.length), `${text}: ${JSON.stringify(es)}`);
  }
  // a 7-digit run of somebody else is still redacted, but not as the caller's number
  assert.deepEqual(detect('my reference is 4455667', ctx).map((e) => e.type), ['NUMBER']);
});

test('any run of 7 or more digits nothing explains is redacted, in any form', () => {
  const cases: [string, string][] = [
    ['my order number is 1234567890', '1234567890'],
    ['the reference is 88 44 21 90', '88 44 21 90'],
    ['it is eight eight four four two one nine oh', 'eight eight four four two one nine oh'],
    ['it is eight eight four double four two one', 'eight eight four double four two one'],
    ['mixed 8844 two one nine oh', '8844 two one nine oh'],
    ['with pauses 88 uh 44 um 21 90', '88 uh 44 um 21 90'],
    ['dashed 88-44-21-90', '88-44-21-90'],
    ['dotted 8844.2190.77', '8844.2190.77'],
    ['letters too x j h 1 2 3 4 5 6 7 8', 'x j h 1 2 3 4 5 6 7 8'],
    ['code ab12345678', 'ab12345678'],
    ['pairs forty four twenty one ninety nine eighty', 'forty four twenty one ninety nine eighty'],
  ];
  for (const [text, value] of cases) assertRedactedAs(text, value, ['NUMBER', 'PHONE', 'BANK_ACCOUNT_NUMBER', 'BANK_ROUTING', 'DATE_OF_BIRTH', 'CREDIT_DEBIT_NUMBER', 'SSN']);
});

test('a card dictated with hesitations and corrections is one card; a correction leaves no fragment', () => {
  assertRedactedAs('four one one one uh one one one one um one one one one one one one one', 'four one one one uh one one one one um one one one one one one one one', 'CREDIT_DEBIT_NUMBER');
  const text = 'call 0207 946 0958 no sorry 020 7946 0959';
  const es = detect(text);
  assert.deepEqual(es.map((e) => [e.type, e.value]), [['PHONE', '0207 946 0958'], ['PHONE', '020 7946 0959']]);
  // a security code glued to the card goes with it
  const glued = redact('4111 1111 1111 1111 737', { mode: 'mask' }).text;
  assert.equal(glued, '[CREDIT_DEBIT_NUMBER] [CREDIT_DEBIT_CVV]');
});

test('harmless quantities stay: amounts with currency, units, times, years, appointment dates, magnitudes, short references', () => {
  const keep = [
    'it costs $1,250,000 and the fee is 1,250,000 dollars',
    'we drove 1500000 miles over the years',
    'the meeting is on 12/05/2027 at 10:30',
    'my appointment is on 2027-05-12',
    'the delivery is due 05 11 2028',
    'a crowd of 1,250,000 people',
    'order number 123456 never arrived',
    'flight 370 lands at 6 and i am in room 1204',
    'press 1 for sales or option 2 for billing',
    'i paid 99.99 on the 15th and 1,250.00 before',
    'between 10:30 and 11:45 or at 14:00',
    'i have been a customer since 2005',
    'it was 45 minutes for 2 items',
    'version 2.4.1 of the app',
    'the three digit code is not something i have',
  ];
  for (const text of keep) assert.deepEqual(detect(text).map((e) => [e.type, e.value]), [], text);
});

test('spelled-out e-mail addresses are caught from their first character', () => {
  const cases: [string, string][] = [
    ['j a n e dot d o e at example dot com', 'j a n e dot d o e at example dot com'],
    ['my email is a n n a dot s m i t h at g m a i l dot com thanks', 'a n n a dot s m i t h at g m a i l dot com'],
    ['it is t o m 7 9 at outlook dot com', 't o m 7 9 at outlook dot com'],
    ['send it to bob at e x a m p l e dot c o dot u k', 'bob at e x a m p l e dot c o dot u k'],
  ];
  for (const [text, value] of cases) assertRedactedAs(text, value, 'EMAIL');
  assert.deepEqual(detect('i was at home at 6'), []);
});

test('the audit\'s reproduction: nothing of the three values survives `redact`', () => {
  const out = ['order number 4111111111111111', 'room 07700900123', 'its 447700900123'].map((t) => redact(t, { mode: 'mask' }).text);
  assert.deepEqual(out, ['order number [CREDIT_DEBIT_NUMBER]', 'room [PHONE]', 'its [PHONE]']);
});
