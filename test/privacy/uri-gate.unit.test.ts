/**
 * Addresses in a dialog context keep their form under every phone rule (an SOE parses them), and the
 * rule follows the call's roles: the caller's addresses take `from`, the operator's own line `to`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPhoneKeepingForm, applyPolicy, DEFAULT_PRIVACY_POLICY, parsePrivacyPolicy } from '../../src/privacy/policy.js';

const ctx = { defaultCountry: 'GB' };
const context = {
  vgwSIPFromURI: 'sip:+447700900123@carrier.example;user=phone',
  vgwSIPToURI: 'sip:+442079460000@gw.example',
  vgwSIPRequestURI: 'sip:+442079460000@10.0.0.5',
  vgwTranscriptionSource: 'sip:+447700900123@carrier.example;user=phone',
  metadata: { user_id: 'a'.repeat(39) + '1234567890123456789012345' },
  note: 'call me on 07700 900123',
};

test('default dialog policy: the caller obfuscated in URI form, the dialled line unchanged, user_id passes', () => {
  const out = applyPolicy('dialog', { context }, DEFAULT_PRIVACY_POLICY, ctx).context as typeof context;
  assert.equal(out.vgwSIPFromURI, 'sip:+44770090XXXX@carrier.example;user=phone');
  assert.equal(out.vgwTranscriptionSource, 'sip:+44770090XXXX@carrier.example;user=phone');
  assert.equal(out.vgwSIPToURI, context.vgwSIPToURI);
  assert.equal(out.vgwSIPRequestURI, context.vgwSIPRequestURI);
  assert.equal(out.metadata.user_id, context.metadata.user_id);
  assert.ok(!out.note.includes('900123'), 'free text still redacted');
  assert.equal(out.vgwSIPFromURI.split('@')[0]!.split(':')[1], '+44770090XXXX', 'public SOE parsing still works');
});

test('outbound calls swap the roles: the called person is the one hidden', () => {
  const out = applyPolicy('dialog', { context }, DEFAULT_PRIVACY_POLICY, { ...ctx, direction: 'outbound' }).context as typeof context;
  assert.equal(out.vgwSIPFromURI, context.vgwSIPFromURI, 'our own line calling out');
  assert.equal(out.vgwSIPToURI, 'sip:+44207946XXXX@gw.example');
});

test('every phone rule keeps the URI form; drop removes the key', () => {
  const uri = '<sip:+447700900123@carrier.example>';
  assert.equal(applyPhoneKeepingForm(uri, { redact: 'mask' }, ctx), '<sip:anonymous@carrier.example>');
  assert.match(applyPhoneKeepingForm(uri, { redact: 'pseudonym' }, { ...ctx, accountSecret: Buffer.alloc(32, 7) })!, /^<sip:[0-9a-f]{64}@carrier\.example>$/);
  assert.equal(applyPhoneKeepingForm('tel:+447700900123', { redact: 'obfuscate' }, ctx), 'tel:+44770090XXXX');
  assert.equal(applyPhoneKeepingForm('sip:alice@example.com', { redact: 'obfuscate' }, ctx), 'sip:anonymous@example.com', 'a user name is hidden too');
  assert.equal(applyPhoneKeepingForm('+447700900123', { redact: 'obfuscate' }, ctx), '+44770090XXXX', 'a bare number stays a number');
  const p = parsePrivacyPolicy({ dialog: { from: 'drop' } });
  assert.ok(p.ok);
  const out = applyPolicy('dialog', { context }, p.policy, ctx).context as Record<string, unknown>;
  assert.equal('vgwSIPFromURI' in out, false);
  assert.equal(out['vgwSIPToURI'], context.vgwSIPToURI);
});
