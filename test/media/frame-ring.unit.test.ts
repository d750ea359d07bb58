/**
 * FrameRing: the shared-memory ring a call's frames cross threads through (src/media/worker/).
 * One thread plays both ends here; the cross-thread path is the integration test
 * (test/media/media-workers.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameRing, FrameKind, ringFrame, createCallRings, attachCallRings } from '../../src/media/worker/index.js';

function pcm(v: number): Int16Array {
  return new Int16Array(160).fill(v);
}

test('frames come out in order, with their kind and marker, and PCM and encoded payloads intact', () => {
  const ring = new FrameRing(new SharedArrayBuffer(FrameRing.bytesFor(4)), 0, 4);
  const out = ringFrame();
  assert.ok(ring.write(FrameKind.pcm, true, pcm(-1234)));
  assert.ok(ring.write(FrameKind.encoded, false, Uint8Array.from([1, 2, 3])));
  assert.ok(ring.write(FrameKind.silence, false));
  assert.equal(ring.size, 3);
  assert.equal(ring.read(out), FrameKind.pcm);
  assert.equal(out.marker, true);
  assert.equal(out.length, 320);
  assert.deepEqual(out.pcm, pcm(-1234));
  assert.equal(ring.read(out), FrameKind.encoded);
  assert.equal(out.marker, false);
  assert.deepEqual([...out.bytes.subarray(0, out.length)], [1, 2, 3]);
  assert.equal(ring.read(out), FrameKind.silence);
  assert.equal(ring.read(out), 0, 'empty');
});

test('a full ring refuses the newest frame; clear() drops what waits', () => {
  const ring = new FrameRing(new SharedArrayBuffer(FrameRing.bytesFor(2)), 0, 2);
  assert.ok(ring.write(FrameKind.pcm, false, pcm(1)));
  assert.ok(ring.write(FrameKind.pcm, false, pcm(2)));
  assert.equal(ring.write(FrameKind.pcm, false, pcm(3)), false);
  const out = ringFrame();
  assert.equal(ring.read(out), FrameKind.pcm);
  assert.equal(out.pcm[0], 1, 'the oldest frame survives');
  ring.clear();
  assert.equal(ring.size, 0);
  assert.equal(ring.read(out), 0);
});

test('indices keep working across many laps of the ring', () => {
  const ring = new FrameRing(new SharedArrayBuffer(FrameRing.bytesFor(8)), 0, 8);
  const out = ringFrame();
  for (let i = 0; i < 10_000; i++) {
    assert.ok(ring.write(FrameKind.pcm, false, pcm(i % 30000)));
    if (i % 3 === 0) assert.ok(ring.write(FrameKind.silence, false));
    while (ring.size > 0) ring.read(out);
  }
  assert.ok(ring.write(FrameKind.pcm, false, pcm(7)));
  assert.equal(ring.read(out), FrameKind.pcm);
  assert.equal(out.pcm[0], 7);
});

test('two views of one SharedArrayBuffer (as the main thread and the worker hold them) see each other', () => {
  const main = createCallRings();
  const worker = attachCallRings(main.buffer);
  const out = ringFrame();
  worker.up.write(FrameKind.pcm, false, pcm(42));
  assert.equal(main.up.read(out), FrameKind.pcm);
  assert.equal(out.pcm[159], 42);
  main.down.write(FrameKind.pcm, true, pcm(-5));
  assert.equal(worker.down.read(out), FrameKind.pcm);
  assert.equal(out.marker, true);
  assert.equal(main.up.size + main.down.size, 0, 'up and down are separate rings');
});

test('StatsBlock: the worker’s counters read back on the other side, nulls and booleans included', async () => {
  const { createCallRings: create, attachCallRings: attach } = await import('../../src/media/worker/index.js');
  const main = create();
  const worker = attach(main.buffer);
  assert.equal(main.stats.read(), undefined, 'nothing before the first write');
  const rtp = { localPort: 20000, ssrc: 5, remoteSsrc: null, packetsSent: 10, octetsSent: 1600, packetsReceived: 9, octetsReceived: 1440, lost: 1, lossFraction: 0.1, jitterMs: 2.5, malformed: 0, wrongVersion: 0, unknownPayloadType: 0, foreignSource: 0, audioNotSent: 0, rtcpSent: 1, rtcpReceived: 0, rtcpMalformed: 0, rttMs: null, remoteReport: null, lastSr: null, dtmfReceived: 2, srtp: true, srtpAuthFailures: 3, srtpReplays: 0, mos: 4.3 };
  const jitter = { received: 9, late: 0, duplicate: 0, lost: 1, reordered: 0, dropped: 0, underruns: 1, resets: 0, depthMs: 40, targetMs: 40, jitterMs: 2 };
  worker.stats.write({ rtp, jitter, framesDecoded: 9, framesConcealed: 1, framesSent: 10, upDropped: 0, downSkipped: 0 });
  assert.deepEqual(main.stats.read(), { rtp, jitter, framesDecoded: 9, framesConcealed: 1, framesSent: 10, upDropped: 0, downSkipped: 0 });
});
