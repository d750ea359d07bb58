/**
 * PauseMonitor (src/gateway/pause-monitor.ts): a stalled event loop shows in the delay figures, a
 * garbage collection in the GC figures, and each take() starts a new window. Real time (the
 * perf_hooks monitors cannot run on a FakeClock), so not in the unit tier.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import { PauseMonitor } from '../../src/gateway/pause-monitor.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a 60 ms stall and a forced GC show in the window; the next window starts empty', async () => {
  const m = new PauseMonitor();
  try {
    m.take();
    await sleep(20);
    const until = performance.now() + 60;
    while (performance.now() < until); // hold the event loop
    gc();
    await sleep(20); // let the monitor's timer and the GC observer report
    const w = m.take();
    assert.ok(w.eventLoopDelayMs.max >= 40, JSON.stringify(w));
    assert.ok(w.eventLoopDelayMs.p99 <= w.eventLoopDelayMs.max);
    assert.ok(w.gcPauseMs.count >= 1 && w.gcPauseMs.total > 0 && w.gcPauseMs.max >= w.gcPauseMs.p99, JSON.stringify(w));
    assert.ok(w.windowMs >= 90, JSON.stringify(w));
    // Taken again at once: the stall and the GC belonged to the previous window.
    const next = m.take();
    assert.equal(next.gcPauseMs.count, 0, JSON.stringify(next));
    assert.ok(next.eventLoopDelayMs.max < 40, JSON.stringify(next));
    assert.ok(next.windowMs < w.windowMs, JSON.stringify(next));
  } finally {
    m.stop();
  }
});
