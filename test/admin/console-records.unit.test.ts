/** The console's Records views render receipts, chain verdicts and recordings as plain text cells: ids, times and counts only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callReceiptTable, chainVerdictTable, receiptsTable, recordingsTable } from '../../src/admin/console/render.js';

const callReceipt = {
  region: 'eu', seq: 7, kind: 'call', subject: 'abc@host', hash: 'f'.repeat(64),
  body: {
    kind: 'call', callId: 'abc@host', accountId: 'acme', applicationId: 'bank', region: 'eu', startedAt: '2026-12-06T09:00:00.000Z', endedAt: '2026-12-06T09:01:00.000Z', endReason: 'remote-bye', callerTurns: 3,
    destinations: { events: { allowed: {}, redacted: { EMAIL: 1, PHONE: 2 }, tokenised: {}, dropped: {}, withheld: {} }, dialog: { allowed: {}, redacted: {}, tokenised: {}, dropped: {}, withheld: { SENSITIVE: 4 } }, logs: { allowed: {}, redacted: {}, tokenised: {}, dropped: {}, withheld: {} } },
    sensitive: [{ from: '2026-12-06T09:00:10.000Z', to: '2026-12-06T09:00:20.000Z', reasons: ['dialog'], words: 2, digits: 16 }],
    recording: { consent: 'announce', outcome: 'announced', recorded: true, recordingId: 'rec-1', durationMs: 50_000, pauses: [{ fromMs: 10_000, toMs: 20_000, reasons: ['sensitive'] }] },
    retentionExpiresAt: '2027-01-05T09:01:00.000Z',
    streams: [{ url: 'wss://bot.example/audio', format: 'L16', startedAt: '2026-12-06T09:00:01.000Z', reconnects: 1 }],
  },
};

test('receipts table: newest first; destinations, sensitive spans, recording and streams as counts', () => {
  const erasure = { region: 'eu', seq: 8, kind: 'erasure', subject: 'req-1', body: { kind: 'erasure', requestId: 'req-1', accountId: 'acme', applicationId: 'bank', at: '2026-12-06T10:00:00.000Z', counts: { trainingRecords: 2, recordings: 1 } } };
  const t = receiptsTable('eu', [callReceipt, erasure]);
  assert.equal(t.title, 'Recent receipts in eu');
  assert.deepEqual(t.rows[0], ['8', 'erasure', 'req-1', 'bank', '2026-12-06T10:00:00.000Z', '', 'trainingRecords 2, recordings 1', '', '', '']);
  assert.deepEqual(t.rows[1], [
    '7', 'call', 'abc@…', 'bank', '2026-12-06T09:00:00.000Z', '2026-12-06T09:01:00.000Z',
    'events: 3 redacted; dialog: 4 withheld; logs: nothing', '1 span(s), 2 word(s) and 16 digit(s) withheld', 'recorded (consent announce: announced), 1 pause(s)', '1 (L16, 1 reconnect(s))',
  ]);
  assert.ok(!JSON.stringify(t).includes('bot.example'), 'stream URLs are not shown, only counts');
  assert.equal(receiptsTable('us', []).empty, 'No receipts in this region yet.');
});

test('call receipt (the story): pauses with their span and reasons; no recording said as such', () => {
  const rows = Object.fromEntries(callReceiptTable(callReceipt).rows.map(([k, v]) => [k, v]));
  assert.equal(rows['region, position'], 'eu #7');
  assert.equal(rows['recording pauses'], '10.0–20.0 s (sensitive)');
  assert.equal(rows['retained until'], '2027-01-05T09:01:00.000Z');
  const none = Object.fromEntries(callReceiptTable({ ...callReceipt, body: { ...callReceipt.body, recording: null, streams: undefined, retentionExpiresAt: null } }).rows.map(([k, v]) => [k, v]));
  assert.deepEqual([none['recording'], none['recording pauses'], none['streams'], none['retained until']], ['not recorded', 'none', 'none', 'nothing retained']);
});

test('chain verdict: verified or DOES NOT VERIFY with every problem named', () => {
  assert.equal(chainVerdictTable({ ok: true, region: 'eu', receipts: 0, head: null, problems: [] }).title, 'Receipt chain of eu: verified');
  const bad = chainVerdictTable({ ok: false, region: 'eu', receipts: 2, head: { seq: 3, hash: 'a'.repeat(64) }, problems: [{ seq: 2, problem: 'gap', detail: 'expected seq 2, found 3' }] });
  assert.equal(bad.title, 'Receipt chain of eu: DOES NOT VERIFY');
  assert.deepEqual(bad.rows, [['receipts', '2'], ['head', `#3 ${'a'.repeat(16)}…`], ['problems', '#2 gap: expected seq 2, found 3']]);
});

test('recordings table: metadata only, values stay text', () => {
  const t = recordingsTable([{ id: '<i>r1</i>', callId: 'c1', accountId: 'acme', applicationId: 'bank', region: 'eu', channels: 'stereo', durationMs: 2345, pauses: [], consent: 'none', consentOutcome: 'not-required', createdAt: '2026-12-06T09:01:00.000Z', expiresAt: '2027-01-05T09:01:00.000Z' }]);
  assert.deepEqual(t.rows, [['<i>r1</i>', 'c1', 'bank', 'eu', '2.3', '0', '2026-12-06T09:01:00.000Z', '2027-01-05T09:01:00.000Z']]);
  assert.equal(recordingsTable([]).empty, 'No recordings.');
});
