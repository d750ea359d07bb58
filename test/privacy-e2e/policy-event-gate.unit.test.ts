/**
 * `policyEventGate`: the application's privacy policy (`events` destination) as the outbox gate.
 * The default policy removes DTMF digits, masks PII in text and obfuscates numbers; a policy that
 * allows everything lets them through (so the end-to-end assertions in call-reporting.test.ts are
 * about the policy, not about the events simply lacking the data).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policyEventGate } from '../../src/gateway/report-gate.js';
import { headerUser } from '../../src/gateway/report-mapping.js';
import { DEFAULT_PRIVACY_POLICY, parsePrivacyPolicy } from '../../src/privacy/policy.js';
import type { ReportEvent } from '../../src/events/schemas.js';

const env = { eventId: '0b7d3f4e-2c1a-4a57-9b1e-6a0c4d2f8e11', callId: 'c1', accountId: 'a', applicationId: 'p', region: 'eu', time: '2026-01-01T00:00:00.000Z' };
const dtmf: ReportEvent = { ...env, schemaVersion: 1, type: 'dtmf', digits: '4111111111111111#', digitCount: 17, method: 'rfc4733', collection: 'collect' };
const transcription: ReportEvent = { ...env, schemaVersion: 1, type: 'transcription', utteranceNumber: 1, text: 'my card is 4111 1111 1111 1111', startOffsetMs: 0, endOffsetMs: 0 };
const cdr: ReportEvent = {
  ...env, schemaVersion: 1, type: 'cdr', caller: '+442079460958', callee: 'agent', startTime: env.time, endTime: env.time, durationMs: 0,
  termination: { reason: 'caller-hangup', endedBy: 'caller' }, turnCount: 0, media: { codec: 'PCMU', transport: 'udp', mediaSecurity: 'rtp' },
  maxResponseMs: {}, rtp: {}, warnings: ['caller typed 4111111111111111'], errors: [],
};

test('the default policy drops DTMF digits, masks PII in transcripts and obfuscates the caller', () => {
  const gate = policyEventGate(DEFAULT_PRIVACY_POLICY, { defaultCountry: 'US' });
  const d = gate(dtmf)!;
  assert.equal(d.type === 'dtmf' && d.digits, undefined);
  assert.deepEqual(d.redactions, ['digits']);
  const t = gate(transcription)!;
  assert.ok(t.type === 'transcription' && t.text !== undefined && !t.text.includes('4111'), JSON.stringify(t));
  assert.deepEqual(t.redactions, ['text']);
  const c = gate(cdr)!;
  assert.ok(c.type === 'cdr');
  assert.equal(c.caller, '+44207946XXXX');
  assert.ok(!JSON.stringify(c).includes('4111111111111111'));
  assert.ok(c.redactions!.includes('caller'));
});

test('a policy that allows everything lets the same data through (the gate is what removes it)', () => {
  const allow = { transcript: 'allow', dtmf: 'allow', from: 'allow', to: 'allow', context: 'allow' };
  const p = parsePrivacyPolicy({ events: allow });
  assert.ok(p.ok);
  const gate = policyEventGate(p.policy, {});
  assert.equal((gate(dtmf) as { digits?: string }).digits, '4111111111111111#');
  assert.equal((gate(transcription) as { text?: string }).text, 'my card is 4111 1111 1111 1111');
  assert.equal((gate(cdr) as { caller?: string }).caller, '+442079460958');
});

test('headerUser takes the URI user part of a From/To header', () => {
  assert.equal(headerUser('"Alice" <sip:+442079460958@127.0.0.1:5060>;tag=abc'), '+442079460958');
  assert.equal(headerUser('<sip:agent@127.0.0.1>'), 'agent');
  assert.equal(headerUser('sip:+15551234567@example.com;tag=1'), '+15551234567');
});
