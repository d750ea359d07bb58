// The one Clock: fake time fires timers in deadline order, immediates between them, the wall clock moves along.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, systemClock } from '../../src/time/clock.js';

test('FakeClock fires due timers in deadline order (ties in order set), with immediates after each', () => {
  const c = new FakeClock({ startMs: 0, epochStart: 1_000_000 });
  const seen: string[] = [];
  c.setTimeout(() => seen.push('b@20'), 20);
  c.setTimeout(() => { seen.push('a@10'); c.setImmediate(() => seen.push('imm')); }, 10);
  c.setTimeout(() => seen.push('c@20'), 20);
  const never = c.setTimeout(() => seen.push('cancelled'), 15);
  c.clearTimeout(never);
  c.advance(19);
  assert.deepEqual(seen, ['a@10', 'imm']);
  assert.equal(c.now(), 19);
  assert.equal(c.epochMs(), 1_000_019);
  c.advance(1);
  assert.deepEqual(seen, ['a@10', 'imm', 'b@20', 'c@20']);
  assert.equal(c.pendingTimers, 0);
});

test('the system clock reads monotonic and wall time and its timers fire', async () => {
  const a = systemClock.now();
  assert.ok(Math.abs(systemClock.epochMs() - Date.now()) < 50);
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5, { ref: true }));
  assert.ok(systemClock.now() - a >= 4);
});

test('FakeClock.advanceAsync lets a timer\'s promise chain arm the next timer before that one is due', async () => {
  const c = new FakeClock({ startMs: 0 });
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  const seen: number[] = [];
  const step = () => c.setTimeout(() => void Promise.resolve().then(() => { seen.push(c.now()); if (seen.length < 3) step(); }), 10);
  step();
  await c.advanceAsync(25, settle);
  assert.deepEqual(seen, [10, 20], 'the second timer was armed by async work of the first, and fired');
  assert.equal(c.now(), 25);
  assert.equal(c.pendingTimers, 1);
  await c.advanceAsync(5, settle);
  assert.deepEqual(seen, [10, 20, 30]);
});
