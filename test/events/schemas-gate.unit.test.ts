import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseReportEvent, type ReportEvent } from '../../src/events/schemas.js';
import { defaultEventGate, createDefaultEventGate } from '../../src/events/gate.js';
import { CallReportControls } from '../../src/events/call-report.js';
import { eventJsonSchemaFiles } from '../../src/events/json-schema.js';
import { estimateMos } from '../../src/media/rtp/mos.js';
import { fullJitterDelay } from '../../src/events/backoff.js';
import { cdrEvent, dtmfEvent, repoRoot, transcriptionEvent, turnEvent } from './helpers.js';

function parsed(input: unknown): ReportEvent {
  const r = parseReportEvent(input);
  assert.equal(r.ok, true, r.ok ? '' : r.error);
  return (r as { ok: true; value: ReportEvent }).value;
}

test('every example event validates, defaults applied', () => {
  for (const e of [cdrEvent(), turnEvent(), transcriptionEvent(), dtmfEvent()]) parsed(e);
  const { warnings: _w, errors: _e, ...bare } = cdrEvent() as Record<string, unknown>;
  const cdr = parsed(bare);
  assert.equal(cdr.type, 'cdr');
  if (cdr.type === 'cdr') assert.deepEqual(cdr.errors, []);
});

test('invalid events are errors as values naming the field, without echoing the value', () => {
  const bad = { ...(dtmfEvent() as object), digits: 'secret-4111' };
  const r = parseReportEvent(bad);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.error, /^digits:/);
    assert.ok(!r.error.includes('4111'));
  }
  assert.equal(parseReportEvent({ ...(dtmfEvent() as object), eventId: 'nope' }).ok, false);
  assert.equal(parseReportEvent({ ...(dtmfEvent() as object), type: 'other' }).ok, false);
  assert.equal(parseReportEvent(null).ok, false);
});

test('default gate: transcripts and digits dropped, numbers obfuscated, paths listed', () => {
  const turn = defaultEventGate(parsed(turnEvent()))!;
  assert.equal(turn.type, 'turn');
  const json = JSON.stringify(turn);
  assert.ok(!json.includes('4111'), json);
  assert.ok(!json.includes('John'));
  assert.deepEqual(turn.redactions, ['stt.text', 'dialog.request.text', 'dialog.response.text']);
  if (turn.type === 'turn') assert.equal(turn.stt?.confidence, 0.91);

  const cdr = defaultEventGate(parsed(cdrEvent({ customData: { tier: 'gold', note: 'x' } })))!;
  if (cdr.type !== 'cdr') throw new Error('type');
  assert.equal(cdr.caller, '+44207946XXXX');
  assert.equal(cdr.callee, '+1202555XXXX');
  assert.equal(cdr.transfer?.target, '+1202555XXXX');
  assert.equal(cdr.customData, undefined);
  assert.ok(!JSON.stringify(cdr).includes('4111'));
  assert.ok(cdr.redactions?.includes('customData.tier'));

  const tr = defaultEventGate(parsed(transcriptionEvent()))!;
  assert.ok(!('text' in tr));
  assert.deepEqual(tr.redactions, ['text']);
  const d = defaultEventGate(parsed(dtmfEvent({ digits: '1234' })))!;
  if (d.type !== 'dtmf') throw new Error('type');
  assert.equal(d.digits, undefined);
  assert.equal(d.digitCount, 4);
  // The gate does not mutate its input.
  const input = parsed(dtmfEvent());
  defaultEventGate(input);
  assert.equal((input as { digits?: string }).digits, '4111');
});

test('custom CDR fields pass only when allow-listed, strings still masked', () => {
  const gate = createDefaultEventGate({ customCdrFields: ['tier', 'ref'] });
  const cdr = gate(parsed(cdrEvent({ customData: { tier: 'gold', ref: 'ticket 5551234567', freeText: 'hello' } })))!;
  if (cdr.type !== 'cdr') throw new Error('type');
  assert.deepEqual(cdr.customData, { tier: 'gold', ref: 'ticket [NUMBER]' });
  assert.ok(cdr.redactions?.includes('customData.freeText'));
});

test('dialog switches transcription reports and adds custom CDR data', () => {
  const c = new CallReportControls({ transcriptionReports: true });
  assert.equal(c.shouldEmit('transcription'), true);
  assert.equal(c.applyAction({ command: 'vgwActDisableTranscriptionReport' }), true);
  assert.equal(c.shouldEmit('transcription'), false);
  assert.equal(c.shouldEmit('turn'), true);
  c.applyAction({ command: 'vgwActEnableTranscriptionReport' });
  assert.equal(c.transcriptionEnabled, true);
  assert.equal(c.customData(), undefined);
  c.applyAction({ command: 'vgwActAddCustomCDRData', parameters: { tier: 'gold', score: 3, bad: { nested: 1 } } });
  c.applyAction({ command: 'vgwActAddCustomCDRData', parameters: { customData: { vip: true, tier: 'silver' } } });
  assert.deepEqual(c.customData(), { tier: 'silver', score: 3, vip: true });
  assert.equal(c.applyAction({ command: 'vgwActPlayText' }), false);
  for (let i = 0; i < 100; i++) c.applyAction({ command: 'vgwActAddCustomCDRData', parameters: { ['k' + i]: i } });
  assert.equal(Object.keys(c.customData()!).length, 64);
});

test('committed JSON Schema files match the zod schemas', () => {
  const dir = join(repoRoot, 'docs/events');
  const files = eventJsonSchemaFiles();
  const committed = readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort();
  assert.deepEqual(committed, [...files.keys()].sort(), 'regenerate: node --import tsx src/events/json-schema.ts --write docs/events');
  for (const [name, text] of files) assert.equal(readFileSync(join(dir, name), 'utf8'), text, `${name} is stale; regenerate`);
});

test('MOS estimate falls with loss and jitter; full jitter stays under the cap', () => {
  const clean = estimateMos({ lossFraction: 0, jitterMs: 2, rttMs: 40 });
  const lossy = estimateMos({ lossFraction: 0.05, jitterMs: 2, rttMs: 40 });
  const jittery = estimateMos({ lossFraction: 0, jitterMs: 150, rttMs: 300 });
  assert.ok(clean > 4.3 && clean <= 4.5, String(clean));
  assert.ok(lossy < clean && lossy > 2.5, String(lossy));
  assert.ok(jittery < clean, String(jittery));
  assert.equal(estimateMos({ lossFraction: 1, jitterMs: 500 }), 1);
  const p = { baseMs: 100, capMs: 1000 };
  assert.equal(fullJitterDelay(1, p, () => 0.999), 99);
  assert.equal(fullJitterDelay(3, p, () => 0.5), 200);
  assert.equal(fullJitterDelay(30, p, () => 0.999), 999);
  assert.equal(fullJitterDelay(5, p, () => 0), 0);
});
