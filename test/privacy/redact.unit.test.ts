// Redaction modes and the call-scoped token vault (restore is exact).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { redact } from '../../src/privacy/redact.js';
import { TokenVault } from '../../src/privacy/vault.js';

const TEXT = 'my card number is 4111 1111 1111 1111 and my pin is 1 2 3 4 email bob at gmail dot com';

test('mask', () => {
  assert.equal(redact(TEXT, { mode: 'mask' }).text, 'my card number is [CREDIT_DEBIT_NUMBER] and my pin is [PIN] email [EMAIL]');
});

test('partial keeps the last 4 of long identifier numbers only', () => {
  assert.equal(redact(TEXT, { mode: 'partial' }).text, 'my card number is [CREDIT_DEBIT_NUMBER ****1111] and my pin is [PIN] email [EMAIL]');
  assert.equal(redact('call me on five five five eight six seven five three oh nine', { mode: 'partial' }).text, 'call me on [PHONE ****5309]');
  assert.equal(redact('the security code is 123', { mode: 'partial' }).text, 'the security code is [CREDIT_DEBIT_CVV]');
});

test('drop removes entities without leaving double spaces', () => {
  assert.equal(redact(TEXT, { mode: 'drop' }).text, 'my card number is and my pin is email');
});

test('token mode is reversible with the vault, and repeats get the same token', () => {
  const vault = new TokenVault();
  const a = redact(TEXT, { mode: 'token', vault });
  assert.equal(a.text, 'my card number is [CREDIT_DEBIT_NUMBER_1] and my pin is [PIN_1] email [EMAIL_1]');
  assert.equal(vault.restore(a.text), TEXT);
  const b = redact('again 4111 1111 1111 1111 and 5555 5555 5555 4444', { mode: 'token', vault });
  assert.equal(b.text, 'again [CREDIT_DEBIT_NUMBER_1] and [CREDIT_DEBIT_NUMBER_2]');
  // a dialog answer built from tokens is restored before it is spoken
  assert.equal(vault.restore('I will charge [CREDIT_DEBIT_NUMBER_2], not [CREDIT_DEBIT_NUMBER_1].'), 'I will charge 5555 5555 5555 4444, not 4111 1111 1111 1111.');
  // tokens the vault did not issue stay as they are
  assert.equal(vault.restore('[CREDIT_DEBIT_NUMBER_9] [NAME_1]'), '[CREDIT_DEBIT_NUMBER_9] [NAME_1]');
  vault.clear();
  assert.equal(vault.size, 0);
  assert.equal(vault.restore(a.text), a.text, 'a cleared vault restores nothing');
});

test('without a vault, token mode masks', () => {
  assert.equal(redact('my pin is 1 2 3 4', { mode: 'token' }).text, 'my pin is [PIN]');
});

test('property: restore(redact(text, token)) === text for any text', () => {
  const words = fc.constantFrom('my', 'card', 'number', 'is', 'pin', 'four', 'one', 'oh', 'double', '4111', '1111', '+44', '20', '7946', '0958',
    'at', 'gmail', 'dot', 'com', 'name', 'john', 'smith', 'street', '379', 'baker', 'expires', '06/29', 'é', '  ', 'ssn', '123-45-6789', 'IE29', 'AIBK');
  fc.assert(
    fc.property(fc.array(fc.oneof(words, fc.string({ maxLength: 6 })), { maxLength: 30 }), (parts) => {
      const text = parts.join(' ').replace(/\[/g, '(');
      const vault = new TokenVault();
      const r = redact(text, { mode: 'token', vault });
      assert.equal(vault.restore(r.text), text);
      for (const e of r.entities) assert.equal(text.slice(e.start, e.end), e.value);
    }),
    { numRuns: 400 },
  );
});
