/** DtmfCollector and NoInputTimer on a FakeClock: every deadline to the millisecond, and what does not fire. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { FakeClock } from '../../../src/time/clock.js';
import { DtmfCollector, type CollectResult, type CollectSpec } from '../../../src/call/dtmf-collector.js';
import { NoInputTimer } from '../../../src/call/no-input-timer.js';
import { deadline, pause } from '../../../src/call/timing.js';

function collector(): { clock: FakeClock; c: DtmfCollector; results: CollectResult[] } {
  const clock = new FakeClock();
  const results: CollectResult[] = [];
  return { clock, c: new DtmfCollector(clock, (r) => results.push(r)), results };
}
const spec = (s: Partial<CollectSpec>): CollectSpec => ({ min: 1, max: 64, interDigitMs: 3000, ignoreSpeech: false, ...s });

test('collection ends on the terminator key, successful with at least min digits', () => {
  const { c, results } = collector();
  c.start(spec({ termKey: '#', min: 4 }), 10_000);
  for (const d of '4111') c.press(d);
  c.press('#');
  assert.deepEqual(results, [{ digits: '4111', ok: true }]);
  assert.equal(c.active, false);
  c.start(spec({ termKey: '#', min: 4 }), 10_000);
  c.press('1');
  c.press('#');
  assert.deepEqual(results[1], { digits: '1', ok: false }, 'too few digits before the terminator');
});

test('collection ends successfully on reaching max digits', () => {
  const { c, results } = collector();
  c.start(spec({ min: 3, max: 3 }), 10_000);
  c.press('1');
  c.press('2');
  assert.equal(results.length, 0);
  c.press('3');
  assert.deepEqual(results, [{ digits: '123', ok: true }]);
});

test('the first digit may take the first-digit timeout, later gaps the inter-digit timeout', () => {
  const { clock, c, results } = collector();
  c.start(spec({ min: 2, max: 5, interDigitMs: 3000 }), 10_000);
  clock.advance(9_999);
  assert.equal(results.length, 0, 'not before the first-digit timeout');
  c.press('1');
  clock.advance(2_999);
  c.press('2');
  clock.advance(2_999);
  assert.equal(results.length, 0, 'each digit re-arms the inter-digit timeout');
  clock.advance(1);
  assert.deepEqual(results, [{ digits: '12', ok: true }]);
  assert.equal(clock.pendingTimers, 0);
});

test('a timeout is a failure with too few digits, with none at all, or when a terminator was expected', () => {
  const { clock, c, results } = collector();
  c.start(spec({ min: 3 }), 1000);
  c.press('1');
  clock.advance(3000);
  c.start(spec({}), 1000);
  clock.advance(1000);
  c.start(spec({ termKey: '#' }), 1000);
  c.press('9');
  clock.advance(3000);
  assert.deepEqual(results, [
    { digits: '1', ok: false },
    { digits: '', ok: false },
    { digits: '9', ok: false },
  ]);
});

test('end(false) reports what came; dispose stops without a report and leaves no timer', () => {
  const { clock, c, results } = collector();
  c.start(spec({ ignoreSpeech: true }), 1000);
  assert.equal(c.ignoresSpeech, true);
  c.press('7');
  c.end(false);
  assert.deepEqual(results, [{ digits: '7', ok: false }]);
  c.start(spec({}), 1000);
  c.dispose();
  clock.advance(60_000);
  assert.equal(results.length, 1);
  assert.equal(clock.pendingTimers, 0);
  c.press('1');
  assert.equal(results.length, 1, 'a press after the collection is not collected');
});

test('NoInputTimer fires once after the wait; clear and re-arm restart it; 0 means no timer', () => {
  const clock = new FakeClock();
  let fired = 0;
  const t = new NoInputTimer(clock, () => fired++);
  t.arm(2500);
  clock.advance(2499);
  assert.equal(fired, 0);
  t.arm(2500); // re-armed: the earlier deadline is gone
  clock.advance(2499);
  assert.equal(fired, 0);
  clock.advance(1);
  assert.equal(fired, 1);
  assert.equal(t.armed, false);
  t.arm(1000);
  t.clear();
  clock.advance(10_000);
  assert.equal(fired, 1, 'cleared');
  t.arm(0);
  assert.equal(t.armed, false);
  assert.equal(clock.pendingTimers, 0);
});

test('NoInputTimer counts no-input turns in a row against the limit; the caller being heard resets the run', () => {
  const t = new NoInputTimer(new FakeClock(), () => {});
  assert.equal(t.countTurn(2), false);
  assert.equal(t.countTurn(2), false);
  assert.equal(t.countTurn(2), true, 'the third in a row is over a limit of two');
  t.heard();
  assert.equal(t.countTurn(2), false);
  for (let i = 0; i < 10; i++) assert.equal(t.countTurn(0), false, '0 = no limit');
});

test('deadline aborts with a TimeoutError on the clock, follows an outer abort, and leaves no timer', async () => {
  const clock = new FakeClock();
  const d = deadline(clock, 1000);
  const s = d.signal;
  clock.advance(999);
  assert.equal(s.aborted, false);
  clock.advance(1);
  assert.equal(s.aborted, true);
  assert.equal((s.reason as DOMException).name, 'TimeoutError');
  const outer = new AbortController();
  const s2 = deadline(clock, 1000, outer.signal).signal;
  outer.abort(new Error('call ended'));
  assert.equal(s2.aborted, true);
  assert.equal((s2.reason as Error).message, 'call ended');
  assert.equal(clock.pendingTimers, 0);
  deadline(clock, 1000).clear();
  assert.equal(clock.pendingTimers, 0, 'cleared when the work finished in time');
  // A turn's deadline on the call's signal: cleared, it leaves no listener on the call's signal (one a turn piled up before).
  const call = new AbortController();
  for (let i = 0; i < 20; i++) deadline(clock, 1000, call.signal).dispose();
  assert.equal(getEventListeners(call.signal, 'abort').length, 0);
  // Cleared (answered in time) it still follows the call: a stream that answered can be stopped.
  const answered = deadline(clock, 1000, call.signal);
  answered.clear();
  call.abort();
  assert.equal(answered.signal.aborted, true);
  let done = false;
  const p = pause(clock, 500).then(() => (done = true));
  clock.advance(499);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  await p;
  const ac = new AbortController();
  const q = pause(clock, 10_000, ac.signal);
  ac.abort();
  await q;
  assert.equal(clock.pendingTimers, 0, 'an aborted pause drops its timer');
});
