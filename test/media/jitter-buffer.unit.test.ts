import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitterBuffer, concealFrame, type JitterPull, type JitterBufferOptions } from '../../src/media/jitter-buffer.js';

interface Arrival { seq: number; at: number }

/** Payload = the 16-bit seq, so played order is visible. */
const payloadOf = (seq: number) => Uint8Array.from([seq >> 8, seq & 0xff]);
const seqOf = (p: JitterPull) => (p.kind === 'frame' ? (p.payload[0]! << 8) | p.payload[1]! : p.kind);

/** Feed arrivals (ms) and pull every 20 ms from `pullStart`, for `pulls` ticks. */
function simulate(arrivals: Arrival[], pulls: number, opts: JitterBufferOptions = {}, pullStart = 10, baseSeq = 0) {
  const jb = new JitterBuffer(opts);
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  const out: Array<number | string> = [];
  let i = 0;
  for (let k = 0; k < pulls; k++) {
    const t = pullStart + k * 20;
    while (i < sorted.length && sorted[i]!.at <= t) {
      const a = sorted[i++]!;
      const seq = (baseSeq + a.seq) & 0xffff;
      jb.push({ seq, timestamp: (a.seq * 160) >>> 0, payload: payloadOf(seq) }, a.at);
    }
    out.push(seqOf(jb.pull()));
  }
  return { jb, out };
}

const steady = (n: number, jitter: (i: number) => number = () => 0): Arrival[] =>
  Array.from({ length: n }, (_, i) => ({ seq: i, at: i * 20 + jitter(i) }));

function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('in-order stream plays every frame in order across the 16-bit wrap', () => {
  const { jb, out } = simulate(steady(100), 110, { initialDepthMs: 20 }, 10, 65500);
  const frames = out.filter((x) => typeof x === 'number') as number[];
  assert.equal(frames.length, 100);
  for (let i = 0; i < 100; i++) assert.equal(frames[i], (65500 + i) & 0xffff);
  const s = jb.stats;
  assert.equal(s.lost + s.late + s.duplicate + s.reordered + s.dropped, 0);
});

test('reordered packets within the depth are played in sequence order', () => {
  const arr = steady(20);
  arr[5]!.at = 6 * 20 + 1; // 5 arrives just after 6
  const { jb, out } = simulate(arr, 30, { initialDepthMs: 60 });
  const frames = out.filter((x) => typeof x === 'number');
  assert.deepEqual(frames, Array.from({ length: 20 }, (_, i) => i));
  assert.equal(jb.stats.reordered, 1);
  assert.equal(jb.stats.lost, 0);
});

test('duplicates are dropped and counted, before and after playout', () => {
  const arr = steady(20);
  arr.push({ seq: 3, at: 3 * 20 + 1 }); // duplicate while buffered
  arr.push({ seq: 2, at: 15 * 20 }); // duplicate of a played packet
  const { jb, out } = simulate(arr, 30);
  assert.deepEqual(out.filter((x) => typeof x === 'number'), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(jb.stats.duplicate, 2);
  assert.equal(jb.stats.late, 0);
});

test('a missing packet yields one lost signal in its place; a too-late one is dropped', () => {
  const arr = steady(30).filter((a) => a.seq !== 7);
  arr.push({ seq: 7, at: 25 * 20 }); // arrives long after its slot
  const { jb, out } = simulate(arr, 40);
  const start = out.indexOf(0);
  assert.deepEqual(out.slice(start, start + 10), [0, 1, 2, 3, 4, 5, 6, 'lost', 8, 9]);
  assert.equal(jb.stats.lost, 1);
  assert.equal(jb.stats.late, 1);
});

test('target depth adapts to measured jitter, within bounds', () => {
  const rnd = prng(42);
  // 0–80 ms of random delay on each packet.
  const { jb, out } = simulate(steady(500, () => rnd() * 80), 520);
  const s = jb.stats;
  assert.ok(s.jitterMs > 10, `jitter measured: ${s.jitterMs}`);
  assert.ok(s.targetMs >= 60 && s.targetMs <= 200, `target grew: ${s.targetMs}`);
  const played = out.filter((x) => typeof x === 'number').length;
  assert.ok(played >= 470, `most frames played despite jitter: ${played}`);

  const calm = simulate(steady(500), 520);
  assert.equal(calm.jb.stats.dropped, 1, 'the initial 40 ms shrinks to 20 ms by dropping one frame');
  assert.ok(calm.jb.stats.targetMs <= 20, `calm target stays small: ${calm.jb.stats.targetMs}`);
  const rnd2 = prng(7);
  const wild = simulate(steady(500, () => rnd2() * 1000), 600);
  assert.ok(wild.jb.stats.targetMs <= 200, 'bounded by maxDepthMs');
  assert.ok(wild.jb.stats.depthMs <= 200);
});

test('excess depth shrinks after a burst; a burst beyond max is cut to max', () => {
  // 30 packets arrive at once (a network stall flushing), then steady.
  const arr = steady(200).map((a) => (a.seq < 30 ? { ...a, at: 600 } : a));
  const { jb } = simulate(arr, 60);
  assert.ok(jb.stats.depthMs <= 200, `depth bounded: ${jb.stats.depthMs}`);
  assert.ok(jb.stats.dropped > 0);
  const later = simulate(arr, 200);
  assert.ok(later.jb.stats.depthMs <= 80, `shrunk back toward target: ${later.jb.stats.depthMs}`);
});

test('underrun conceals briefly without advancing, then goes idle; resumes on new packets', () => {
  const arr = [...steady(10), ...steady(10).map((a) => ({ seq: a.seq + 10, at: a.at + 2000 }))];
  const { jb, out } = simulate(arr, 130);
  const firstLost = out.indexOf('lost');
  assert.deepEqual(out.slice(firstLost, firstLost + 6), ['lost', 'lost', 'lost', 'lost', 'lost', 'idle']);
  const frames = out.filter((x) => typeof x === 'number');
  assert.deepEqual(frames, Array.from({ length: 20 }, (_, i) => i), 'nothing lost: only a pause');
  assert.equal(jb.stats.lost, 0);
  assert.ok(jb.stats.underruns >= 5);
});

test('a sequence jump (sender restart) resets instead of stalling', () => {
  const jb = new JitterBuffer();
  for (let i = 0; i < 5; i++) jb.push({ seq: i, timestamp: i * 160, payload: payloadOf(i) }, i * 20);
  const first = Array.from({ length: 3 }, () => seqOf(jb.pull())); // a pull result is valid until the next pull
  assert.deepEqual(first.filter((x) => typeof x === 'number'), [0, 1, 2].slice(0, first.filter((x) => typeof x === 'number').length));
  for (let i = 0; i < 5; i++) jb.push({ seq: 30000 + i, timestamp: 999 + i * 160, payload: payloadOf(30000 + i) }, 200 + i * 20);
  const later = Array.from({ length: 8 }, () => seqOf(jb.pull())).filter((x) => typeof x === 'number');
  assert.deepEqual(later, [30000, 30001, 30002, 30003, 30004]);
  assert.equal(jb.stats.resets, 1);
});

test('concealFrame repeats with fading gain and is silent after 60 ms', () => {
  const prev = new Int16Array(160).fill(1000);
  const out = new Int16Array(160);
  concealFrame(prev, 1, out);
  assert.equal(out[0], 1000);
  assert.ok(out[159]! < 700 && out[159]! > 600);
  concealFrame(prev, 3, out);
  assert.ok(out[0]! <= 334 && out[159]! < 10);
  concealFrame(prev, 4, out);
  assert.ok(out.every((x) => x === 0));
});

test('push copies the payload (the datagram may be reused at once); pulls hand out the buffer\'s own bytes, any size', () => {
  const jb = new JitterBuffer({ initialDepthMs: 20, minDepthMs: 20 });
  const datagram = new Uint8Array(160).fill(7);
  const big = new Uint8Array(480).map((_, i) => i & 0xff); // 60 ms: above a slot, kept on its own
  jb.push({ seq: 1, timestamp: 160, payload: datagram }, 0);
  datagram.fill(9); // the socket layer reuses or drops its buffer after push
  jb.push({ seq: 2, timestamp: 320, payload: big }, 20);
  jb.push({ seq: 3, timestamp: 800, payload: new Uint8Array(80).fill(3) }, 40);
  const a = jb.pull();
  assert.equal(a.kind, 'frame');
  assert.ok(a.kind === 'frame' && a.payload.length === 160 && a.payload.every((x) => x === 7));
  const b = jb.pull();
  assert.ok(b.kind === 'frame' && b.payload.length === 480 && b.payload[479] === (479 & 0xff));
  const c = jb.pull();
  assert.ok(c.kind === 'frame' && c.payload.length === 80 && c.payload.every((x) => x === 3) && c.seq === 3);
});
