/**
 * The privacy gate counts what it redacts, per entity type and destination, for every destination
 * (hushgate_redactions_total{type,destination}): the counts equal what detection found in the text
 * the rule rewrote or dropped; rules that pass or drop a field whatever it holds count nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { applyPolicy, DEFAULT_PRIVACY_POLICY, DESTINATIONS, detect, onRedactions, parsePrivacyPolicy, refuseForTtsCache, TokenVault, type Destination } from '../../src/privacy/index.js';
import { GatewayMetrics } from '../../src/admin/index.js';

function typesOf(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of detect(text)) m.set(e.type, (m.get(e.type) ?? 0) + 1);
  return m;
}

/** Runs `fn` with a listener and returns every report it heard. */
function heard(fn: () => void): Array<{ destination: Destination; counts: Record<string, number> }> {
  const out: Array<{ destination: Destination; counts: Record<string, number> }> = [];
  const stop = onRedactions((destination, counts) => out.push({ destination, counts: Object.fromEntries(counts) }));
  try {
    fn();
  } finally {
    stop();
  }
  return out;
}

const TEXTS = [
  'my email is jane.doe@example.org and my card is 4111 1111 1111 1111',
  'call me back on 415 555 0123 please',
  'my social security number is 123-45-6789',
  'ship it to 221B Baker Street, London NW1 6XE',
];

test('every destination that rewrites text reports the detected entity types once per record', () => {
  for (const text of TEXTS) {
    const expected = Object.fromEntries(typesOf(text));
    assert.ok(Object.keys(expected).length > 0, `detection finds something in "${text}"`);
    for (const destination of ['logs', 'events', 'training', 'dialog'] as const) {
      const reports = heard(() => applyPolicy(destination, { transcript: text }, DEFAULT_PRIVACY_POLICY, { vault: new TokenVault() }));
      assert.deepEqual(reports, [{ destination, counts: expected }], `${destination}: ${text}`);
    }
    // the TTS cache drops the record (dropIfPii): the types that made it drop are counted
    assert.deepEqual(heard(() => applyPolicy('ttsCache', { transcript: text }, DEFAULT_PRIVACY_POLICY)), [{ destination: 'ttsCache', counts: expected }]);
    assert.deepEqual(heard(() => assert.equal(refuseForTtsCache(text, detect), true)), [{ destination: 'ttsCache', counts: expected }]);
  }
});

test('nothing found, an allow rule or a field dropped whatever it holds: nothing is counted', () => {
  assert.deepEqual(heard(() => applyPolicy('events', { transcript: 'what are your opening hours' }, DEFAULT_PRIVACY_POLICY)), []);
  assert.deepEqual(heard(() => assert.equal(refuseForTtsCache('your balance is ten dollars', detect), false)), []);
  const p = parsePrivacyPolicy({ events: { transcript: 'allow' } });
  assert.ok(p.ok);
  assert.deepEqual(heard(() => applyPolicy('events', { transcript: TEXTS[0]! }, p.policy)), []);
  // recording drops transcripts by rule, not by detection
  assert.deepEqual(heard(() => applyPolicy('recording', { transcript: TEXTS[0]! }, DEFAULT_PRIVACY_POLICY)), []);
  assert.deepEqual(DESTINATIONS.includes('ttsCache'), true);
});

test('keyed digits and context strings are counted; a menu key is not', () => {
  assert.deepEqual(heard(() => applyPolicy('events', { dtmf: '4111111111111111' }, DEFAULT_PRIVACY_POLICY)), [{ destination: 'events', counts: { DTMF: 1 } }]);
  assert.deepEqual(heard(() => applyPolicy('events', { dtmf: '5' }, DEFAULT_PRIVACY_POLICY)), []);
  const context = { note: TEXTS[0], nested: [TEXTS[2]] };
  const expected: Record<string, number> = {};
  for (const t of [TEXTS[0]!, TEXTS[2]!]) for (const [k, n] of typesOf(t)) expected[k] = (expected[k] ?? 0) + n;
  assert.deepEqual(heard(() => applyPolicy('dialog', { context }, DEFAULT_PRIVACY_POLICY, { vault: new TokenVault() })), [{ destination: 'dialog', counts: expected }]);
  const dropIfPii = parsePrivacyPolicy({ events: { context: 'dropIfPii' } });
  assert.ok(dropIfPii.ok);
  assert.deepEqual(heard(() => assert.deepEqual(applyPolicy('events', { context }, dropIfPii.policy), {})), [{ destination: 'events', counts: expected }]);
  assert.deepEqual(heard(() => applyPolicy('events', { context: { note: 'no personal data here' } }, dropIfPii.policy)), []);
});

test('the counts reach hushgate_redactions_total{type,destination}; a failing listener never breaks the gate', async () => {
  const registry = new Registry();
  const metrics = new GatewayMetrics(registry);
  const stop = onRedactions((destination, counts) => counts.forEach((n, type) => metrics.countRedaction(type, destination, n)));
  const broken = onRedactions(() => {
    throw new Error('listener failed');
  });
  try {
    const out = applyPolicy('training', { transcript: TEXTS[0]! }, DEFAULT_PRIVACY_POLICY);
    assert.ok(!out.transcript?.includes('jane.doe'), 'still redacted');
    applyPolicy('training', { transcript: TEXTS[0]! }, DEFAULT_PRIVACY_POLICY);
    refuseForTtsCache(TEXTS[2]!, detect);
  } finally {
    stop();
    broken();
  }
  const text = await registry.metrics();
  for (const [type, n] of typesOf(TEXTS[0]!)) assert.match(text, new RegExp(`hushgate_redactions_total\\{type="${type}",destination="training"\\} ${2 * n}\\b`));
  for (const [type, n] of typesOf(TEXTS[2]!)) assert.match(text, new RegExp(`hushgate_redactions_total\\{type="${type}",destination="ttsCache"\\} ${n}\\b`));
  applyPolicy('training', { transcript: TEXTS[0]! }, DEFAULT_PRIVACY_POLICY); // after stop(): not counted
  for (const [type, n] of typesOf(TEXTS[0]!)) assert.match(await registry.metrics(), new RegExp(`hushgate_redactions_total\\{type="${type}",destination="training"\\} ${2 * n}\\b`));
});
