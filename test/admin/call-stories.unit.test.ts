/**
 * Call stories (what the console shows of a call): transcripts gated by the application's `logs`
 * rule before they are kept (mask, drop, allow — and the call's own number is a PHONE whatever the
 * words), DTMF as counts only, numbers never in clear, media quality, a bounded memory, erasure by
 * the caller's keyed pseudonym. And the console's pure chart and render modules on the same data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { CallStories } from '../../src/admin/call-stories.js';
import { DEFAULT_PRIVACY_POLICY, type PrivacyPolicy } from '../../src/privacy/policy.js';
import { pseudonymOf } from '../../src/training/caller-identity.js';
import type { CallEvent } from '../../src/call/call-events.js';
import { lineChart, barChart, type Node } from '../../src/admin/console/charts.js';
import { applicationWithSwitches, overviewCharts, sampleOf, storyTables } from '../../src/admin/console/render.js';

const SECRET = Buffer.alloc(32, 7);
const CALLER = '+442079460958';

function setup(policy: PrivacyPolicy = DEFAULT_PRIVACY_POLICY, keepEnded = 200) {
  const calls = new EventEmitter<{ event: [CallEvent] }>();
  const stories = new CallStories({ calls, policyOf: () => policy, pseudonymSecret: async () => SECRET, defaultCountry: 'GB', keepEnded });
  let t = 1_000_000;
  const emit = (callId: string, e: Record<string, unknown>) => calls.emit('event', { callId, accountId: 'acme', applicationId: 'line', region: 'eu', time: (t += 1000), ...e } as unknown as CallEvent);
  const start = (callId: string, from = CALLER) => emit(callId, { type: 'call.started', from: `"Bob" <sip:${from}@10.0.0.1>;tag=a`, to: '<sip:+12025550100@gw>', requestUri: 'sip:+12025550100@gw', transport: 'UDP' });
  const end = (callId: string) => emit(callId, { type: 'call.ended', startedAt: 0, endedAt: t + 1000, endReason: 'remote-bye', media: { codec: 'PCMU', packetsReceived: 990, packetsSent: 1000, lost: 10, jitterMs: 4.5, mos: 4.3, malformed: 0, framesDecoded: 0, framesConcealed: 0, framesSent: 0 } });
  return { stories, emit, start, end };
}

test('a story keeps transcripts as the logs rule leaves them, key counts, obfuscated numbers and media quality', () => {
  const { stories, emit, start, end } = setup();
  start('c1');
  emit('c1', { type: 'dtmf', digit: '4', durationMs: 100, source: 'rfc4733' });
  emit('c1', { type: 'dtmf', digit: '1', durationMs: 100, source: 'rfc4733' });
  emit('c1', { type: 'transcription', turn: 2, transcript: 'call me on oh two oh seven nine four six oh nine five eight or at bob at example dot com', confidence: 0.9, alternatives: [] });
  emit('c1', { type: 'turn.completed', turn: 2, sttMs: 120, dialogMs: 30, totalToFirstAudioMs: 400, responses: 1 });
  emit('c1', { type: 'transfer.started', target: 'sip:+442071234567@pbx', method: 'REFER' });
  assert.equal(stories.get('c1')!.state, 'live');
  end('c1');
  const s = stories.get('c1')!;
  assert.equal(s.from, '+44207946XXXX');
  assert.equal(s.to, '+1202555XXXX');
  assert.equal(s.dtmfKeys, 2);
  assert.deepEqual(s.timeline.filter((e) => e.kind === 'dtmf'), [{ kind: 'dtmf', at: s.timeline[1]!.at, offsetMs: 1000, keys: 2 }]);
  const said = s.timeline.find((e) => e.kind === 'caller');
  assert.ok(said && said.kind === 'caller');
  assert.doesNotMatch(said.text!, /nine four six|bob at example/);
  assert.deepEqual([...said.redacted].sort(), ['EMAIL', 'PHONE']);
  const transfer = s.timeline.find((e) => e.kind === 'transfer');
  assert.deepEqual(transfer && transfer.kind === 'transfer' && transfer.target, '+44207123XXXX');
  assert.deepEqual(s.media, { codec: 'PCMU', packetsReceived: 990, packetsLost: 10, lossRatio: 0.01, jitterMs: 4.5, mos: 4.3 });
  const all = JSON.stringify(stories.list());
  assert.ok(!all.includes('2079460958') && !all.includes('2071234567'), 'no number in clear');
  assert.doesNotMatch(JSON.stringify(s.timeline), /"digit"/);
});

test('the policy decides: drop keeps no words, allow keeps them (numbers stay obfuscated either way)', () => {
  const drop = setup({ ...DEFAULT_PRIVACY_POLICY, logs: { ...DEFAULT_PRIVACY_POLICY.logs, transcript: 'drop', from: 'allow' } });
  drop.start('d');
  drop.emit('d', { type: 'transcription', turn: 1, transcript: 'hello there', confidence: 1, alternatives: [] });
  const d = drop.stories.get('d')!;
  assert.equal(d.from, '+44207946XXXX', 'allow still shows the number obfuscated to the operator');
  assert.equal((d.timeline[1] as { text: string | null }).text, null);
  const allow = setup({ ...DEFAULT_PRIVACY_POLICY, logs: { ...DEFAULT_PRIVACY_POLICY.logs, transcript: 'allow', from: 'drop' } });
  allow.start('a');
  allow.emit('a', { type: 'transcription', turn: 1, transcript: 'my pin is one two three four', confidence: 1, alternatives: [] });
  const a = allow.stories.get('a')!;
  assert.equal(a.from, '');
  assert.equal((a.timeline[1] as { text: string }).text, 'my pin is one two three four');
});

test('memory is bounded to live calls plus the latest ended ones; erasure forgets a caller\'s stories by pseudonym', async () => {
  const { stories, start, end } = setup(DEFAULT_PRIVACY_POLICY, 2);
  for (const id of ['a', 'b', 'c']) (start(id), end(id));
  start('live', '+442079460000');
  assert.deepEqual(stories.list().map((s) => s.callId).sort(), ['b', 'c', 'live']);
  const p = pseudonymOf(SECRET, CALLER, 'GB');
  assert.equal(await stories.eraseByPseudonym('acme', 'line', p), 2);
  assert.equal(await stories.eraseByPseudonym('other', 'line', pseudonymOf(SECRET, '+442079460000', 'GB')), 0, 'another account\'s erasure does not reach it');
  assert.deepEqual(stories.list().map((s) => s.callId), ['live']);
});

function texts(n: Node): string[] {
  return [...(n.text !== undefined ? [n.text] : []), ...(n.children ?? []).flatMap(texts)];
}

test('charts: SVG trees with a title and a description of their values; empty data says so', () => {
  const line = lineChart({ title: 'Calls in progress', series: [{ name: 'calls', points: [[0, 1], [5000, 3], [10000, NaN], [15000, 2]] }] });
  assert.equal(line.tag, 'svg');
  assert.equal(line.attrs!.role, 'img');
  assert.deepEqual(line.children!.slice(0, 1), [{ tag: 'title', text: 'Calls in progress' }]);
  assert.match(texts(line).join(' '), /Latest — calls: 2/);
  const path = line.children!.find((c) => c.tag === 'path')!;
  assert.equal((path.attrs!.d!.match(/M/g) ?? []).length, 2, 'a gap (NaN) breaks the line');
  const bars = barChart({ title: 'MOS', bars: [{ label: '#1', value: 4.2 }, { label: '#2', value: 3.1 }] });
  assert.equal(bars.children!.filter((c) => c.tag === 'rect').length, 2);
  assert.match(texts(bars).join(' '), /#1: 4\.2; #2: 3\.1/);
  assert.match(texts(barChart({ title: 'x', bars: [], empty: 'No turns yet.' })).join(' '), /No turns yet\./);
});

test('render: metric samples → overview charts; stories → tables; switches → a PUT body', () => {
  const prom = (active: number, total: number) => [
    `hushgate_calls_active ${active}`, `hushgate_calls_total ${total}`,
    'hushgate_redactions_total{type="EMAIL",destination="logs"} 2',
    'hushgate_turn_latency_seconds_bucket{le="0.5",application="a"} 3', 'hushgate_turn_latency_seconds_bucket{le="+Inf",application="a"} 4',
  ].join('\n');
  const h = [sampleOf(prom(1, 10), 0), sampleOf(prom(2, 16), 60_000)];
  assert.deepEqual(h[1]!.redactions, { 'EMAIL/logs': 2 });
  const charts = overviewCharts(h, [{ state: 'ended', endedAt: '2026-12-06T06:00:00Z', media: { mos: 4.1, lossRatio: 0.01, jitterMs: 3 } }]);
  const setups = charts.find((c) => c.title === 'Call set-ups per minute')!;
  assert.deepEqual(setups.kind === 'line' && setups.series[0]!.points, [[60_000, 6]]);
  const latency = charts.find((c) => c.title.startsWith('Turn latency'))!;
  assert.deepEqual(latency.kind === 'bar' && latency.bars, [{ label: '≤500ms', value: 3 }, { label: '>500ms', value: 1 }]);
  const t = storyTables({ state: 'ended', timeline: [{ kind: 'caller', offsetMs: 1500, turn: 2, text: 'my email is [EMAIL]', redacted: ['EMAIL'] }, { kind: 'dtmf', offsetMs: 2000, keys: 3 }], media: null });
  assert.deepEqual(t.timeline.rows, [['+1.5 s', 'caller, turn 2', '“my email is [EMAIL]” — redacted: EMAIL'], ['+2.0 s', 'keys pressed', '3 key(s) (which keys is never shown)']]);
  const body = applicationWithSwitches({ id: 'line', accountId: 'acme', source: 'api', createdAt: 'x', updatedAt: 'y', mode: 'agent', training: { enabled: true, retentionDays: 30 }, forwarding: { enabled: false, sinks: [] } }, { trainingEnabled: false, retentionDays: 7, forwardingEnabled: true });
  assert.deepEqual(body, { mode: 'agent', training: { enabled: false, retentionDays: 7 }, forwarding: { enabled: true, sinks: [] } });
});
