/**
 * The pieces call reporting was split into (src/gateway/): the CallEvent → report event mapping
 * and the per-call DTMF buffer, as plain functions and data — no outbox, no sockets. The privacy
 * gate they feed is tested in test/privacy-e2e/policy-event-gate.unit.test.ts, the whole wiring in
 * test/privacy-e2e/call-reporting.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallDtmfBuffer } from '../../src/gateway/call-dtmf.js';
import { cdrReport, newTally, reportBase, transferReport, turnReport, type AnyCallEvent, type CallFacts } from '../../src/gateway/report-mapping.js';

const ids = { callId: 'c1', accountId: 'acc', applicationId: 'app', region: 'eu' };
const event = (type: string, time: number, extra: Record<string, unknown> = {}) => ({ ...ids, type, time, ...extra }) as unknown as AnyCallEvent;
const facts: CallFacts = { fromUser: '+447700900123', toUser: '1000', transport: 'tls', mediaSecurity: 'srtp', startedAt: 1_000, language: 'en-GB' };

test('DTMF is gathered into one event per entry: # closes it, take() empties the buffer, the method is the latest digit\'s', () => {
  const dtmf = new CallDtmfBuffer();
  const base = reportBase(event('dtmf', 2_000), 'e0');
  assert.equal(dtmf.take(base, 'e1'), undefined, 'nothing gathered, no event');
  assert.equal(dtmf.add('1', 'rfc4733'), false);
  assert.equal(dtmf.add('2', 'sip-info'), false);
  assert.equal(dtmf.pending, true);
  assert.equal(dtmf.add('#', 'sip-info'), true);
  assert.deepEqual(dtmf.take(base, 'e1'), { ...base, eventId: 'e1', schemaVersion: 1, type: 'dtmf', digits: '12#', digitCount: 3, method: 'sip-info', collection: 'collect' });
  assert.equal(dtmf.pending, false);
  dtmf.add('5', 'rfc4733');
  assert.deepEqual(dtmf.take(base, 'e2'), { ...base, eventId: 'e2', schemaVersion: 1, type: 'dtmf', digits: '5', digitCount: 1, method: 'rfc4733', collection: 'single' });
});

test('turns and transfers add up into the CDR: response maxima, the transfer outcome, termination by transfer', () => {
  const tally = newTally();
  const t1 = turnReport(event('turn.completed', 2_000, { turn: 1, dialogMs: 40 }), reportBase(event('x', 2_000), 'a'), tally, false);
  const t2 = turnReport(event('turn.completed', 3_000, { turn: 2, sttMs: 90, dialogMs: 30, error: 'timeout' }), reportBase(event('x', 3_000), 'b'), tally, true);
  assert.equal((t1 as { input: string }).input, 'start');
  assert.equal((t2 as { input: string }).input, 'speech');
  assert.deepEqual((t2 as { dialog: unknown }).dialog, { request: {}, response: { status: 'timeout' } });
  const tr = transferReport(event('transfer.completed', 4_000, { target: 'sip:agent@pbx', result: 'SIP/2.0 200 OK', method: 'REFER' }), reportBase(event('x', 4_000), 'c'), tally);
  assert.deepEqual({ ...tr, eventId: undefined, time: undefined }, { ...ids, eventId: undefined, time: undefined, schemaVersion: 1, type: 'transfer', method: 'refer', target: 'sip:agent@pbx', outcome: 'succeeded', sipStatus: 200 });
  const cdr = cdrReport(event('call.ended', 5_000, { startedAt: 1_000, answeredAt: 1_500, endedAt: 5_000, endReason: 'remote-bye', customCdr: { n: 1, o: { a: 1 } } }), reportBase(event('x', 5_000), 'd'), facts, tally) as Record<string, unknown>;
  assert.equal(cdr['durationMs'], 3_500);
  assert.equal(cdr['turnCount'], 2);
  assert.deepEqual(cdr['maxResponseMs'], { dialog: 40, stt: 90 });
  assert.deepEqual(cdr['termination'], { reason: 'transferred', endedBy: 'transfer-target' });
  assert.deepEqual(cdr['media'], { codec: 'none', transport: 'tls', mediaSecurity: 'srtp' });
  assert.deepEqual(cdr['customData'], { n: 1, o: '{"a":1}' });
  assert.equal(cdr['caller'], '+447700900123', 'raw here: the gate, not the mapping, decides what leaves');
});
