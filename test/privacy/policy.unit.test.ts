// The privacy policy: schema, defaults (nothing raw leaves) and the pure gate every sink uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPolicy, DEFAULT_PRIVACY_POLICY, DESTINATIONS, parsePrivacyPolicy, parsePrivacyPolicyOnce, type PolicyRecord } from '../../src/privacy/policy.js';
import { TokenVault } from '../../src/privacy/vault.js';
import { phonePseudonym } from '../../src/privacy/phone.js';

const SECRET = Buffer.from('account-secret-for-tests');
const RECORD: PolicyRecord = {
  transcript: 'my card number is 4111 1111 1111 1111 and my name is tom rossi',
  audio: new Uint8Array([1, 2, 3]),
  dtmf: '4111111111111111',
  from: 'sip:+442079460958@203.0.113.5;user=phone',
  to: '+1 202-555-0143',
  context: { vgwSIPFromURI: 'sip:+442079460958@203.0.113.5', lastTurn: 'email me at bob@example.com', nested: [{ note: 'pin is 1 2 3 4' }] },
};
const RAW_VALUES = ['4111 1111 1111 1111', '4111111111111111', 'tom rossi', '442079460958', '2079460958', '2025550143', 'bob@example.com', '1 2 3 4'];

test('defaults: no raw value reaches any destination', () => {
  for (const d of DESTINATIONS) {
    const vault = new TokenVault();
    const out = JSON.stringify(applyPolicy(d, RECORD, DEFAULT_PRIVACY_POLICY, { vault, accountSecret: SECRET }), (_k, v) => (v instanceof Uint8Array ? '<audio>' : v));
    for (const raw of RAW_VALUES) assert.ok(!out.includes(raw), `${d} leaks ${raw}: ${out}`);
    assert.ok(!out.includes('<audio>'), `${d} must not carry caller audio by default`);
  }
});

test('defaults per destination', () => {
  const vault = new TokenVault();
  const events = applyPolicy('events', RECORD, DEFAULT_PRIVACY_POLICY, { accountSecret: SECRET });
  assert.equal(events.transcript, 'my card number is [CREDIT_DEBIT_NUMBER] and my name is [NAME]');
  assert.equal(events.from, '+44207946XXXX');
  assert.equal(events.to, '+1202555XXXX');
  assert.equal(events.fromPseudonym, phonePseudonym(SECRET, '+442079460958'));
  assert.equal(events.dtmf, '[DTMF]');
  assert.deepEqual(events.context, { vgwSIPFromURI: 'sip:+44207946XXXX@203.0.113.5', lastTurn: 'email me at [EMAIL]', nested: [{ note: 'pin is [PIN]' }] });
  assert.equal(events.audio, undefined);

  const dialog = applyPolicy('dialog', RECORD, DEFAULT_PRIVACY_POLICY, { vault });
  assert.equal(dialog.transcript, 'my card number is [CREDIT_DEBIT_NUMBER_1] and my name is [NAME_1]');
  assert.equal(vault.restore(dialog.transcript!), RECORD.transcript);
  assert.equal(dialog.dtmf, '[DTMF_1]');

  // A single menu key passes (an SOE menu must work); not when the agent just asked for a PIN.
  assert.equal(applyPolicy('dialog', { dtmf: '5' }, DEFAULT_PRIVACY_POLICY, { vault }).dtmf, '5');
  assert.equal(applyPolicy('events', { dtmf: '#' }, DEFAULT_PRIVACY_POLICY).dtmf, '#');
  assert.equal(applyPolicy('dialog', { dtmf: '5' }, DEFAULT_PRIVACY_POLICY, { vault, detection: { expect: 'PIN' } }).dtmf, '[DTMF_2]');
  assert.equal(applyPolicy('dialog', { dtmf: '55' }, DEFAULT_PRIVACY_POLICY, { vault }).dtmf, '[DTMF_3]');
  assert.equal(applyPolicy('training', { dtmf: '5' }, DEFAULT_PRIVACY_POLICY).dtmf, undefined, 'drop stays drop');

  assert.deepEqual(applyPolicy('recording', RECORD, DEFAULT_PRIVACY_POLICY), {});
  assert.deepEqual(applyPolicy('training', { transcript: 'hello' }, DEFAULT_PRIVACY_POLICY), { transcript: 'hello' });
});

test('ttsCache: a PII-bearing utterance is not cached at all; a clean one is', () => {
  const audio = new Uint8Array([9]);
  assert.deepEqual(applyPolicy('ttsCache', { transcript: 'your balance is 250 dollars', audio }, DEFAULT_PRIVACY_POLICY), { transcript: 'your balance is 250 dollars', audio });
  assert.deepEqual(applyPolicy('ttsCache', { transcript: 'thanks tom, your card ending in 1111 is saved', audio }, DEFAULT_PRIVACY_POLICY), {});
});

test('an application policy overrides single fields and keeps the other defaults', () => {
  const parsed = parsePrivacyPolicy({ dialog: { transcript: 'allow' }, training: { audio: 'allow', transcript: { redact: 'partial' } } });
  assert.ok(parsed.ok);
  const { policy } = parsed;
  assert.equal(applyPolicy('dialog', RECORD, policy).transcript, RECORD.transcript);
  assert.equal(applyPolicy('dialog', RECORD, policy).from, '+44207946XXXX');
  const training = applyPolicy('training', RECORD, policy);
  assert.equal(training.transcript, 'my card number is [CREDIT_DEBIT_NUMBER ****1111] and my name is [NAME]');
  assert.deepEqual(training.audio, RECORD.audio);
  assert.deepEqual(policy.logs, DEFAULT_PRIVACY_POLICY.logs);
});

test('phone rules: allow, mask, pseudonym, drop', () => {
  const parsed = parsePrivacyPolicy({ events: { from: 'allow', to: { redact: 'pseudonym' } }, logs: { from: { redact: 'mask' }, to: 'drop' } });
  assert.ok(parsed.ok);
  const ev = applyPolicy('events', RECORD, parsed.policy, { accountSecret: SECRET });
  assert.equal(ev.from, RECORD.from);
  assert.equal(ev.to, phonePseudonym(SECRET, '+12025550143'));
  const logs = applyPolicy('logs', RECORD, parsed.policy);
  assert.equal(logs.from, '[PHONE]');
  assert.equal(logs.to, undefined);
  assert.equal(applyPolicy('events', { from: 'anonymous' }, DEFAULT_PRIVACY_POLICY).from, '[REDACTED]');
});

test('the gate is pure: the input record is not changed and the same input gives the same output', () => {
  const copy = structuredClone(RECORD);
  const a = applyPolicy('events', RECORD, DEFAULT_PRIVACY_POLICY);
  const b = applyPolicy('events', RECORD, DEFAULT_PRIVACY_POLICY);
  assert.deepEqual(a, b);
  assert.deepEqual(RECORD, copy);
});

test('invalid policies are errors with the field path', () => {
  const bad = parsePrivacyPolicy({ events: { transcript: { redact: 'shred' } } });
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.error, /^events\.transcript/);
  assert.equal(parsePrivacyPolicy({ audit: {} }).ok, false);
  assert.equal(parsePrivacyPolicy({ events: { audio: { redact: 'mask' } } }).ok, false, 'audio cannot be redacted, only allowed or dropped');
  assert.equal(parsePrivacyPolicy(undefined).ok, true);
});

test('unexplained numbers are redacted for every destination by default; a destination may allow them, typed PII stays redacted', () => {
  const text = 'order number 88442190 and my card 4111 1111 1111 1111';
  const closed = applyPolicy('dialog', { transcript: text }, DEFAULT_PRIVACY_POLICY, { vault: new TokenVault() });
  assert.equal(closed.transcript, 'order number [NUMBER_1] and my card [CREDIT_DEBIT_NUMBER_1]');
  for (const d of ['logs', 'events', 'training'] as const) {
    assert.equal(applyPolicy(d, { transcript: text }, DEFAULT_PRIVACY_POLICY).transcript, 'order number [NUMBER] and my card [CREDIT_DEBIT_NUMBER]');
  }
  const parsed = parsePrivacyPolicy({ dialog: { unexplainedNumbers: 'allow' } });
  assert.ok(parsed.ok);
  const open = applyPolicy('dialog', { transcript: text }, parsed.policy, { vault: new TokenVault() });
  assert.equal(open.transcript, 'order number 88442190 and my card [CREDIT_DEBIT_NUMBER_1]');
  assert.equal(applyPolicy('events', { transcript: text }, parsed.policy).transcript, 'order number [NUMBER] and my card [CREDIT_DEBIT_NUMBER]', 'other destinations keep the default');
  const bad = parsePrivacyPolicy({ dialog: { unexplainedNumbers: 'sometimes' } });
  assert.ok(!bad.ok && bad.error.startsWith('dialog.unexplainedNumbers'));
});

test('parsePrivacyPolicyOnce: one validation per policy object, the same frozen policy after, a new object parsed anew', () => {
  const input = { logs: { transcript: 'drop' } };
  const a = parsePrivacyPolicyOnce(input);
  assert.ok(a.ok);
  assert.equal(parsePrivacyPolicyOnce(input), a, 'the same object: the cached result');
  assert.deepEqual(a, parsePrivacyPolicy(input), 'what a fresh parse gives');
  assert.ok(Object.isFrozen(a.policy) && Object.isFrozen(a.policy.logs), 'shared, so frozen');
  const b = parsePrivacyPolicyOnce({ logs: { transcript: 'allow' } });
  assert.ok(b.ok && b.policy.logs.transcript === 'allow', 'another object is parsed');
  assert.equal(parsePrivacyPolicyOnce({ logs: { transcript: 'shout' } }).ok, false, 'a bad policy still fails');
  assert.equal(parsePrivacyPolicyOnce(undefined).ok, true, 'no policy: the defaults');
  assert.equal(parsePrivacyPolicyOnce(undefined), parsePrivacyPolicyOnce(null), 'parsed once for the process');
});
