import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Player, type PlayerFrame } from '../../src/media/player/index.js';
import { PlayoutScheduler } from '../../src/media/scheduler.js';
import { FakeClock } from '../../src/time/clock.js';
import { writeWav } from '../../src/media/wav.js';

interface Out { frame: PlayerFrame; marker: boolean; deadline: number }

function harness(opts: ConstructorParameters<typeof Player>[1] = {}) {
  const out: Out[] = [];
  const events: string[] = [];
  const player = new Player((frame, marker, deadline) => out.push({ frame: frame.slice(), marker, deadline }), opts);
  player.on('started', () => events.push('started'));
  player.on('finished', (f: { reason: string }) => events.push(`finished:${f.reason}`));
  player.on('sourceError', (e: { error: string }) => events.push(`error:${e.error}`));
  let t = 0;
  const tick = (n = 1) => {
    for (let i = 0; i < n; i++) player.tick((t += 20));
  };
  return { out, events, player, tick };
}

const ramp = (n: number, from = 1) => Int16Array.from({ length: n }, (_, i) => from + i);

test('PCM plays one padded frame per tick; marker on the first; finished on the tick after the last', () => {
  const h = harness();
  h.player.enqueue({ kind: 'pcm', samples: ramp(500) });
  h.tick(1);
  assert.deepEqual(h.events, ['started']);
  assert.equal(h.player.playing, true);
  h.tick(3);
  assert.equal(h.out.length, 4);
  assert.deepEqual(h.out.map((o) => o.marker), [true, false, false, false]);
  assert.deepEqual(Array.from(h.out[3]!.frame.subarray(0, 22)), [...ramp(20, 481), 0, 0]);
  assert.equal(h.player.playing, true);
  h.tick(1);
  assert.deepEqual(h.events, ['started', 'finished:done']);
  assert.equal(h.player.playing, false);
});

test('queued sources play back to back without a gap; encoded frames pass through untouched', () => {
  const h = harness();
  const g711 = [Uint8Array.from([1, 2, 3]), Uint8Array.from([4, 5, 6])];
  h.player.enqueue({ kind: 'pcm', samples: ramp(320) });
  h.player.enqueue({ kind: 'encoded', frames: g711 });
  h.player.enqueue({ kind: 'pcm', samples: ramp(160, 7) });
  h.tick(6);
  assert.equal(h.out.length, 5);
  assert.deepEqual(h.out.map((o) => o.marker), [true, false, false, false, false]);
  assert.ok(h.out[2]!.frame instanceof Uint8Array);
  assert.deepEqual(h.out[3]!.frame, g711[1]);
  assert.equal((h.out[4]!.frame as Int16Array)[0], 7);
  assert.deepEqual(h.events, ['started', 'finished:done']);
});

test('stop() flushes the queue: the very next scheduler tick emits nothing', () => {
  const clock = new FakeClock({ startMs: 0 });
  const sched = new PlayoutScheduler(clock);
  const h = harness();
  sched.register(h.player);
  h.player.enqueue({ kind: 'pcm', samples: ramp(8000) });
  clock.advance(100);
  const before = h.out.length;
  assert.equal(before, 6);
  h.player.stop(); // barge-in between ticks
  assert.equal(h.player.playing, false);
  clock.advance(20);
  assert.equal(h.out.length, before);
  assert.deepEqual(h.events, ['started', 'finished:stopped']);
  h.player.enqueue({ kind: 'pcm', samples: ramp(160) });
  clock.advance(20);
  assert.equal(h.out.at(-1)!.marker, true, 'a new talkspurt after stop');
});

test('WAV bytes at 16 kHz stereo are converted to 8 kHz mono', () => {
  const h = harness();
  const st = new Int16Array(16000 * 2); // 1 s stereo
  for (let i = 0; i < 16000; i++) st[2 * i] = st[2 * i + 1] = Math.round(8000 * Math.sin(i / 10));
  h.player.enqueue({ kind: 'wav', bytes: writeWav(st, 16000, 2) });
  h.tick(60);
  assert.equal(h.out.length, 50);
  h.player.enqueue({ kind: 'wav', bytes: new Uint8Array(10) });
  h.tick(1);
  assert.match(h.events.at(-2)!, /^error:wav:/);
  assert.equal(h.events.at(-1), 'finished:done', 'the failed prompt ends playback for whoever waits on it');
});

test('a WAV file loads asynchronously and plays when ready', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hg-player-'));
  try {
    const path = join(dir, 'p.wav');
    writeFileSync(path, writeWav(ramp(800), 8000));
    const h = harness();
    h.player.enqueue({ kind: 'wavFile', path });
    h.tick(1);
    assert.equal(h.out.length, 0, 'still loading');
    await once(h.player, 'sourceReady');
    h.tick(6);
    assert.equal(h.out.length, 5);
    h.player.enqueue({ kind: 'wavFile', path: join(dir, 'missing.wav') });
    await once(h.player, 'sourceError');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streaming source starts as soon as the first 20 ms exists, marks resumption after an underrun', async () => {
  const h = harness();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  async function* tts() {
    yield ramp(200); // first chunk early
    await gate;
    yield ramp(300, 1000);
  }
  h.player.enqueue({ kind: 'stream', chunks: tts() });
  await new Promise((r) => setImmediate(r));
  h.tick(1);
  assert.equal(h.out.length, 1);
  assert.equal(h.out[0]!.marker, true);
  h.tick(2); // only 40 samples left and the stream is not done: nothing to send
  assert.equal(h.out.length, 1);
  assert.equal(h.player.playing, true, 'still playing while the stream is open');
  release();
  await new Promise((r) => setTimeout(r, 5));
  h.tick(4);
  assert.equal(h.out.length, 4); // 500 samples = 3 full frames + a padded one
  assert.equal(h.out[1]!.marker, true, 'resumed talkspurt');
  assert.deepEqual(Array.from(h.out[1]!.frame.subarray(0, 42)), [...ramp(40, 161), ...ramp(2, 1000)]);
  h.tick(1);
  assert.deepEqual(h.events, ['started', 'finished:done']);
});

test('streaming source at 16 kHz is resampled; stop() cancels the generator', async () => {
  const h = harness();
  let closed = false;
  async function* tts() {
    try {
      for (let i = 0; i < 1000; i++) {
        yield new Int16Array(1600);
        await new Promise((r) => setTimeout(r, 1));
      }
    } finally {
      closed = true;
    }
  }
  h.player.enqueue({ kind: 'stream', chunks: tts(), sampleRate: 16000 });
  await new Promise((r) => setTimeout(r, 20));
  h.tick(3);
  assert.equal(h.out.length, 3);
  h.player.stop();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, true);
});

async function withServer(handler: Parameters<typeof createServer>[1], fn: (base: string) => Promise<void>) {
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('http(s) sources: WAV and audio/basic play; bad type, size, timeout and plain http are refused', async () => {
  const wav = writeWav(ramp(480), 8000);
  await withServer(
    (req, res) => {
      if (req.url === '/p.wav') res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
      else if (req.url === '/p.ul') res.writeHead(200, { 'content-type': 'audio/basic' }).end(new Uint8Array(320).fill(0xff));
      else if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      else if (req.url === '/big') res.writeHead(200, { 'content-type': 'audio/wav' }).end(new Uint8Array(5000));
      else if (req.url === '/hang') res.writeHead(200, { 'content-type': 'audio/wav' }).write(new Uint8Array(10));
      else res.writeHead(404).end();
    },
    async (base) => {
      const h = harness({ fetch: { allowInsecure: true, maxBytes: 4000, timeoutMs: 300 } });
      for (const p of ['/p.wav', '/p.ul', '/html', '/big', '/hang', '/nope']) h.player.enqueue({ kind: 'url', url: base + p });
      for (let i = 0; i < 100 && h.player.queued > 0; i++) {
        h.tick(1);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(h.out.length, 3 + 2);
      assert.deepEqual((h.out[3]!.frame as Int16Array).subarray(0, 3), new Int16Array(3), 'μ-law 0xff is silence');
      const errors = h.events.filter((e) => e.startsWith('error:'));
      assert.equal(errors.length, 4);
      // Sources load concurrently, so errors arrive in completion order.
      for (const re of [/content-type/, /larger than 4000/, /within 300 ms/, /HTTP 404/]) {
        assert.ok(errors.some((e) => re.test(e)), `${re} in ${errors}`);
      }
      assert.ok(errors.every((e) => !e.includes('127.0.0.1')), 'errors never echo the URL');

      const strict = harness();
      strict.player.enqueue({ kind: 'url', url: base + '/p.wav' });
      await once(strict.player, 'sourceError');
      assert.match(strict.events.at(-1)!, /only https/);
    },
  );
});

test('a prompt that cannot be loaded while nothing plays still finishes, so whoever waits for playback moves on', async () => {
  const h = harness();
  h.player.enqueue({ kind: 'wav', bytes: new Uint8Array([1, 2, 3]) });
  h.tick(1);
  assert.deepEqual(h.events.map((e) => e.split(':')[0]), ['error', 'finished']);
  assert.equal(h.out.length, 0, 'nothing was sent');
  const dir = mkdtempSync(join(tmpdir(), 'hg-player-'));
  try {
    const later = harness();
    later.player.enqueue({ kind: 'wavFile', path: join(dir, 'missing.wav') });
    await once(later.player, 'sourceError');
    later.tick(1);
    assert.deepEqual(later.events.map((e) => e.split(':')[0]), ['error', 'finished']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
