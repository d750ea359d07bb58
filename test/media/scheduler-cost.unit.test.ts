/**
 * Per-tick cost of the shared scheduler with 500 registered Players, each playing PCM into a
 * sink that touches the frame (as an encoder would read it). Prints the figures as a diagnostic.
 * The bound asserted is loose (the machine is shared): one tick for 500 calls must take well
 * under a quarter of the 20 ms frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { FakeClock } from '../../src/time/clock.js';
import { PlayoutScheduler } from '../../src/media/scheduler.js';
import { Player } from '../../src/media/player/index.js';

test('scheduler tick cost with 500 players', (t) => {
  const clock = new FakeClock({ startMs: 0 });
  const sched = new PlayoutScheduler(clock);
  const prompt = new Int16Array(8000 * 60).map((_, i) => (i * 37) % 2000);
  let checksum = 0;
  const players: Player[] = [];
  for (let i = 0; i < 500; i++) {
    const p = new Player((frame, marker) => {
      checksum += (frame[0] as number) + (marker ? 1 : 0);
    });
    p.enqueue({ kind: 'pcm', samples: prompt });
    sched.register(p);
    players.push(p);
  }
  clock.advance(20 * 100); // warm-up
  const batches: number[] = [];
  for (let b = 0; b < 20; b++) {
    const t0 = performance.now();
    clock.advance(20 * 50);
    batches.push((performance.now() - t0) / 50);
  }
  batches.sort((a, b) => a - b);
  const median = batches[10]!;
  const figures = {
    players: 500,
    tickMsMedian: Number(median.toFixed(4)),
    tickMsWorstBatch: Number(batches.at(-1)!.toFixed(4)),
    perStreamUs: Number(((median * 1000) / 500).toFixed(3)),
    frameBudgetShare: Number((median / 20).toFixed(4)),
    ticks: sched.stats().ticks,
  };
  t.diagnostic(JSON.stringify({ bench: 'media-scheduler-tick', date: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, figures }));
  assert.ok(checksum > 0);
  assert.equal(sched.stats().ticks, 1101);
  assert.ok(median < 5, `one tick for 500 players took ${median} ms`);
  for (const p of players) sched.unregister(p);
});
