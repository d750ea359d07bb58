import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, systemClock } from '../../src/time/clock.js';
import { PlayoutScheduler } from '../../src/media/scheduler.js';

function recorder() {
  const deadlines: number[] = [];
  return { deadlines, tick: (d: number) => void deadlines.push(d) };
}

test('fake clock: N ticks on exact deadlines, zero lateness, first frame at once', () => {
  const clock = new FakeClock({ startMs: 1000 });
  const s = new PlayoutScheduler(clock);
  const r = recorder();
  s.register(r);
  clock.advance(20 * 50);
  assert.equal(r.deadlines.length, 51);
  r.deadlines.forEach((d, i) => assert.equal(d, 1000 + i * 20));
  const st = s.stats();
  assert.equal(st.ticks, 51);
  assert.equal(st.latenessMs.max, 0);
});

test('all streams tick in one pass with the same deadline; joining mid-way starts at the next deadline', () => {
  const clock = new FakeClock({ startMs: 0 });
  const s = new PlayoutScheduler(clock);
  const order: string[] = [];
  s.register({ tick: (d) => void order.push(`a${d}`) });
  s.register({ tick: (d) => void order.push(`b${d}`) });
  clock.advance(45);
  s.register({ tick: (d) => void order.push(`c${d}`) });
  clock.advance(20);
  assert.deepEqual(order, ['a0', 'b0', 'a20', 'b20', 'a40', 'b40', 'a60', 'b60', 'c60']);
});

test('a stalled process gets at most 3 catch-up frames, the rest skipped, and the grid does not drift', () => {
  const clock = new FakeClock({ startMs: 0 });
  const s = new PlayoutScheduler(clock);
  const r = recorder();
  s.register(r);
  clock.advance(100); // ticks 0..100
  clock.stall(110); // now = 210 before the timer for 120 fires
  // due: 120,140,160,180,200 → 140 and 120 skipped, 160/180/200 sent back to back
  assert.deepEqual(r.deadlines.slice(-3), [160, 180, 200]);
  assert.equal(s.stats().skippedFrames, 2);
  assert.ok(s.stats().catchUpTicks >= 2);
  assert.ok(s.stats().latenessMs.max >= 49);
  clock.advance(100);
  assert.deepEqual(r.deadlines.slice(-5), [220, 240, 260, 280, 300], 'still on the original grid');
});

test('a late event loop shows in lateness percentiles but not in deadlines', () => {
  const clock = new FakeClock({ startMs: 0 });
  clock.lateness = 5; // every timer fires 5 ms after it was due
  const s = new PlayoutScheduler(clock);
  const r = recorder();
  s.register(r);
  clock.advance(2000);
  r.deadlines.forEach((d, i) => assert.equal(d, i * 20));
  const l = s.stats().latenessMs;
  assert.equal(l.p50, 3); // woke 2 ms early + 5 ms late
  assert.equal(s.stats().skippedFrames, 0);
});

test('a throwing stream is counted and does not starve the others', () => {
  const clock = new FakeClock({ startMs: 0 });
  const errors: unknown[] = [];
  const s = new PlayoutScheduler(clock, { onStreamError: (e) => errors.push(e) });
  s.register({ tick: () => { throw new Error('boom'); } });
  const r = recorder();
  s.register(r);
  clock.advance(40);
  assert.equal(r.deadlines.length, 3);
  assert.equal(s.stats().streamErrors, 3);
  assert.equal(errors.length, 3);
});

test('the last unregister stops the timer; a stream may unregister itself during a tick', () => {
  const clock = new FakeClock({ startMs: 0 });
  const s = new PlayoutScheduler(clock);
  let n = 0;
  const off = s.register({ tick: () => { if (++n === 3) off(); } });
  clock.advance(200);
  assert.equal(n, 3);
  assert.equal(s.size, 0);
  assert.equal(clock.pendingTimers, 0);
  assert.ok(Number.isNaN(s.nextDeadline));
});

test('real clock: 100 ticks drift less than one frame', async () => {
  const clock = systemClock;
  const s = new PlayoutScheduler(clock);
  const times: number[] = [];
  const deadlines: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`timeout after ${times.length} ticks: ${JSON.stringify(s.stats())}`)), 3000);
    const off = s.register({
      tick: (d) => {
        times.push(clock.now());
        deadlines.push(d);
        if (times.length === 101) {
          off();
          clearTimeout(guard);
          resolve();
        }
      },
    });
  });
  const start = deadlines[0]!;
  const drift = times[100]! - (start + 100 * 20);
  assert.ok(Math.abs(drift) < 20, `drift ${drift} ms`);
  assert.ok(Math.abs(deadlines[100]! - start - 2000) < 1e-6, 'deadlines on the grid');
  const st = s.stats();
  assert.ok(st.latenessMs.p50 < 10, `median lateness ${st.latenessMs.p50}`);
});

test('phases: streams spread over sub-slots, each still every 20 ms on its own offset grid; balanced as calls come and go', () => {
  const clock = new FakeClock({ startMs: 0 });
  const s = new PlayoutScheduler(clock, { phases: 4 });
  const ticks = new Map<string, number[]>();
  const perInstant = new Map<number, number>();
  const unregister: (() => void)[] = [];
  for (let i = 0; i < 8; i++) {
    const name = `s${i}`;
    ticks.set(name, []);
    unregister.push(
      s.register({
        tick: (d) => {
          ticks.get(name)!.push(d);
          perInstant.set(clock.now(), (perInstant.get(clock.now()) ?? 0) + 1);
        },
      }),
    );
  }
  clock.advance(200);
  const offsets = new Set<number>();
  for (const [, ds] of ticks) {
    assert.ok(ds.length >= 9, `${ds.length} ticks`);
    for (let k = 1; k < ds.length; k++) assert.equal(ds[k]! - ds[k - 1]!, 20);
    offsets.add(ds[0]! % 20);
  }
  assert.deepEqual([...offsets].sort((a, b) => a - b), [0, 5, 10, 15]);
  // Never more than a quarter of the streams in one pass.
  assert.ok(Math.max(...perInstant.values()) <= 2, JSON.stringify([...perInstant]));
  assert.equal(s.stats().latenessMs.max, 0);
  // Two leave phase 0 … the next two to join fill it again rather than crowding another phase.
  unregister[0]!();
  unregister[4]!();
  assert.equal(s.size, 6);
  const late: number[] = [];
  s.register({ tick: (d) => void late.push(d % 20) });
  s.register({ tick: (d) => void late.push(d % 20) });
  clock.advance(40);
  assert.ok(late.length > 0 && late.every((o) => o === 0), JSON.stringify(late));
});

test('phases: a stall is caught up per sub-slot within the frame budget, and the grid stays put', () => {
  const clock = new FakeClock({ startMs: 0 });
  const s = new PlayoutScheduler(clock, { phases: 4 });
  const got: number[][] = [[], [], [], []];
  for (let i = 0; i < 4; i++) s.register({ tick: (d) => void got[i]!.push(d) });
  clock.advance(40);
  clock.lateness = 200; // the next wake-up comes 200 ms late
  clock.advance(300);
  const st = s.stats();
  assert.ok(st.skippedFrames > 0);
  for (const ds of got) {
    for (const d of ds) assert.equal(d % 20, ds[0]! % 20); // each stream keeps its own offset grid
  }
});

test('phases: sub-slots that fell due during a stall run in the same wake-up, before I/O queued meanwhile; each stream once', () => {
  const clock = new FakeClock({ startMs: 0 });
  const s = new PlayoutScheduler(clock, { phases: 4 });
  const order: string[] = [];
  let stalled = false;
  for (let i = 0; i < 4; i++)
    s.register({
      tick: (d) => {
        if (!stalled) return;
        order.push(`phase${i}@${d % 20}`);
        // A socket that became readable during the stall: its callback waits for the next turn.
        if (order.length === 1) clock.setImmediate(() => order.push('io'));
      },
    });
  clock.advance(39); // on time up to here
  stalled = true;
  clock.lateness = 11; // the next wake-up (due at 40) comes at 51: the sub-slots at 40, 45 and 50 are due
  clock.advance(12);
  const io = order.indexOf('io');
  assert.deepEqual(order.slice(0, 3), ['phase0@0', 'phase1@5', 'phase2@10'], JSON.stringify(order));
  assert.ok(io >= 3, `the due sub-slots ran before the queued I/O: ${JSON.stringify(order)}`);
  assert.equal(new Set(order.slice(0, io)).size, io, 'no stream twice in one catch-up');
  s.stop();
});
