/**
 * PauseTrace (src/gateway/pause-trace.ts): the pause timeline keeps GCs and scrapes with their
 * wall-clock times, keeps only the ticks late or long past its threshold, and is off unless the
 * environment names a file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:perf_hooks';
import { PauseTrace } from '../../src/gateway/pause-trace.js';

test('off without HUSHGATE_PAUSE_TRACE; the threshold comes from HUSHGATE_PAUSE_TRACE_MS', () => {
  assert.equal(PauseTrace.fromEnv({}), null);
  assert.equal(PauseTrace.fromEnv({ HUSHGATE_PAUSE_TRACE: '/tmp/x.json' })!.thresholdMs, 4);
  assert.equal(PauseTrace.fromEnv({ HUSHGATE_PAUSE_TRACE: '/tmp/x.json', HUSHGATE_PAUSE_TRACE_MS: '0' })!.thresholdMs, 0);
});

test('GCs, late or long ticks and scrapes land on one epoch-ms timeline; on-time ticks are left out', () => {
  const t = new PauseTrace('/nonexistent/never-written.json', 4);
  t.gc(100, 2.5, constants.NODE_PERFORMANCE_GC_MINOR);
  t.gc(200, 9, constants.NODE_PERFORMANCE_GC_MAJOR);
  t.tick(300, 0.3, 2); // on time, short: not kept
  t.tick(320, 6, 2); // late
  t.tick(340, 0, 7.5); // long
  t.scrape(400, 3);
  const j = t.toJSON() as { gc: Array<{ at: number; ms: number; kind: string }>; lateTicks: Array<{ at: number; latenessMs: number; costMs: number }>; scrapes: Array<{ at: number; ms: number }> };
  const origin = performance.timeOrigin;
  assert.deepEqual(j.gc.map((g) => g.kind), ['scavenge', 'mark-compact']);
  assert.ok(Math.abs(j.gc[0]!.at - (origin + 100)) < 0.01);
  assert.deepEqual(j.lateTicks.map((x) => [x.latenessMs, x.costMs]), [[6, 2], [0, 7.5]]);
  assert.ok(Math.abs(j.scrapes[0]!.at - (origin + 400)) < 0.01 && j.scrapes[0]!.ms === 3);
  t.write(); // an unwritable path loses the trace, never throws
});
