import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallRecorder } from '../../src/media/recorder.js';
import { parseWav } from '../../src/media/wav.js';
import { FakeClock } from '../../src/time/clock.js';
import { PlayoutScheduler } from '../../src/media/scheduler.js';

const frame = (v: number) => new Int16Array(160).fill(v);

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'hg-rec-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function channels(path: string) {
  const r = parseWav(readFileSync(path));
  assert.ok(r.ok);
  assert.equal(r.wav.channels, 2);
  assert.equal(r.wav.sampleRate, 8000);
  const n = r.wav.samples.length / 2;
  const L: number[] = [];
  const R: number[] = [];
  for (let f = 0; f < n / 160; f++) {
    L.push(r.wav.samples[f * 320]!);
    R.push(r.wav.samples[f * 320 + 1]!);
  }
  return { L, R };
}

test('stereo, left caller / right agent, aligned by scheduler deadlines, silence where a side had nothing', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'call.wav');
    const o = await CallRecorder.open(path);
    assert.ok(o.ok);
    const rec = o.recorder;
    const clock = new FakeClock({ startMs: 5000 });
    const sched = new PlayoutScheduler(clock);
    let n = 0;
    sched.register({
      tick: (d) => {
        n++;
        if (n % 2 === 1) rec.caller(frame(n), d); // caller only on odd frames
        if (n > 3) rec.agent(frame(-n), d); // agent starts at frame 4
      },
    });
    clock.advance(20 * 9); // 10 ticks
    const res = await rec.close();
    assert.ok(res.ok);
    assert.equal(res.durationMs, 200);
    const { L, R } = channels(path);
    assert.deepEqual(L, [1, 0, 3, 0, 5, 0, 7, 0, 9, 0]);
    assert.deepEqual(R, [0, 0, 0, -4, -5, -6, -7, -8, -9, -10]);
    const soxi = execFileSync('soxi', ['-c', path]).toString().trim();
    assert.equal(soxi, '2', 'sox reads the finalized header');
  });
});

test('sides arriving out of order within the window still line up; too-late frames are counted', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'c.wav');
    const o = await CallRecorder.open(path, { originMs: 0, windowFrames: 4 });
    assert.ok(o.ok);
    const rec = o.recorder;
    rec.agent(frame(10), 0);
    rec.agent(frame(11), 20);
    rec.agent(frame(12), 40);
    rec.caller(frame(1), 0); // 2 frames behind: fine
    rec.agent(frame(13), 60);
    rec.agent(frame(14), 80); // window of 4 flushes frame 0
    rec.caller(frame(99), 0); // too late now
    const res = await rec.close();
    assert.ok(res.ok);
    assert.equal(res.stats.lateFrames, 1);
    const { L, R } = channels(path);
    assert.deepEqual(L, [1, 0, 0, 0, 0]);
    assert.deepEqual(R, [10, 11, 12, 13, 14]);
  });
});

test('pause()/resume() omit the paused span entirely', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'p.wav');
    const o = await CallRecorder.open(path, { originMs: 0 });
    assert.ok(o.ok);
    const rec = o.recorder;
    for (let k = 0; k < 20; k++) {
      if (k === 5) rec.pause();
      if (k === 15) rec.resume();
      rec.caller(frame(k + 1), k * 20);
      rec.agent(frame(-(k + 1)), k * 20);
    }
    const res = await rec.close();
    assert.ok(res.ok);
    assert.equal(res.durationMs, 200);
    assert.equal(res.stats.pausedFrames, 10);
    const { L } = channels(path);
    assert.deepEqual(L, [1, 2, 3, 4, 5, 16, 17, 18, 19, 20]);
  });
});

test('a one-minute call is written in full, one chunk per second, nothing dropped', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'long.wav');
    const o = await CallRecorder.open(path, { originMs: 0 });
    assert.ok(o.ok);
    const rec = o.recorder;
    const f = frame(7);
    for (let k = 0; k < 3000; k++) {
      rec.caller(f, k * 20); // one minute
      rec.agent(f, k * 20);
      // A real call makes a second of audio per second; this one makes a minute at once, so it waits
      // for the disk every 5 s of audio (a fixed yield lost 4 s of it to the backlog bound on a loaded CI machine).
      if (k % 250 === 0) for (let waited = 0; rec.backlogBytes > 0 && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    }
    const res = await rec.close();
    assert.ok(res.ok);
    assert.equal(res.durationMs, 60000);
    assert.equal(res.stats.droppedFrames, 0);
    assert.equal(readFileSync(path).length, 44 + 3000 * 640);
  });
});

test('open refuses to overwrite an existing file', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'x.wav');
    const a = await CallRecorder.open(path);
    assert.ok(a.ok);
    await a.recorder.close();
    const b = await CallRecorder.open(path);
    assert.equal(b.ok, false);
    if (!b.ok) assert.match(b.error, /EEXIST/);
  });
});
