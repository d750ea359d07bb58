import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRtp, buildRtp, writeRtp, parseRtpInto, emptyRtpPacket, looksLikeRtcp, PayloadView } from '../../src/media/rtp/packet.js';
import { seqDiff, tsDiff, SequenceTracker, JitterEstimator } from '../../src/media/rtp/sequence.js';

test('parses a hand-made RTP packet field by field', () => {
  // V=2 P=0 X=0 CC=1, M=1 PT=8, seq 0xBEEF, ts 0xDEADBEEF, SSRC 0x01020304, CSRC 0xAABBCCDD, payload 3 bytes
  const bytes = Uint8Array.from([0x81, 0x88, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 0xaa, 0xbb, 0xcc, 0xdd, 9, 8, 7]);
  const r = parseRtp(bytes);
  assert.ok(r.ok);
  const p = r.value;
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 8);
  assert.equal(p.sequenceNumber, 0xbeef);
  assert.equal(p.timestamp, 0xdeadbeef);
  assert.equal(p.ssrc, 0x01020304);
  assert.deepEqual(p.csrc, [0xaabbccdd]);
  assert.deepEqual([...p.payload], [9, 8, 7]);
  // a view, not a copy
  assert.equal(p.payload.buffer, bytes.buffer);
  assert.equal(p.payload.byteOffset, 16);
});

test('handles padding and the header extension', () => {
  const ext = { profile: 0xbede, data: Uint8Array.from([0x10, 0xff, 0, 0]) };
  const payload = Uint8Array.from([1, 2, 3, 4, 5]);
  const built = buildRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, extension: ext, paddingLength: 3 }, payload);
  assert.ok(built.ok);
  assert.equal(built.value.length, 12 + 4 + 4 + 5 + 3);
  assert.equal(built.value[0]! & 0x30, 0x30);
  const r = parseRtp(built.value);
  assert.ok(r.ok);
  assert.equal(r.value.padding, true);
  assert.equal(r.value.paddingLength, 3);
  assert.deepEqual([...r.value.payload], [1, 2, 3, 4, 5]);
  assert.equal(r.value.extension?.profile, 0xbede);
  assert.deepEqual([...r.value.extension!.data], [0x10, 0xff, 0, 0]);
});

test('rejects malformed datagrams with a reason', () => {
  const good = buildRtp({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3 }, new Uint8Array(4));
  assert.ok(good.ok);
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(5), 'too short for an RTP header'],
    [Uint8Array.from([0x40, ...good.value.subarray(1)]), 'wrong version'],
    [Uint8Array.from([0x8f, ...good.value.subarray(1)]), 'CSRC list exceeds packet'],
    [Uint8Array.from([0x90, ...good.value.subarray(1, 12)]), 'extension header exceeds packet'],
    [Uint8Array.from([0x90, ...good.value.subarray(1, 12), 0, 0, 0, 5]), 'extension body exceeds packet'],
    [Uint8Array.from([0xa0, ...good.value.subarray(1, 15), 0]), 'padding count is zero'],
    [Uint8Array.from([0xa0, ...good.value.subarray(1, 15), 200]), 'padding exceeds packet'],
  ];
  for (const [bytes, reason] of cases) {
    const r = parseRtp(bytes);
    assert.equal(r.ok, false, reason);
    if (!r.ok) assert.equal(r.error, reason);
  }
});

test('writeRtp refuses a too-small buffer and bad fields', () => {
  assert.equal(writeRtp({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 }, new Uint8Array(10), new Uint8Array(20)), -1);
  assert.equal(writeRtp({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrc: new Array(16).fill(1) }, new Uint8Array(0), new Uint8Array(200)), -1);
  assert.equal(writeRtp({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, extension: { profile: 1, data: new Uint8Array(3) } }, new Uint8Array(0), new Uint8Array(200)), -1);
});

test('build → parse round-trips any field values (property)', () => {
  const out = new Uint8Array(2000);
  const reuse = emptyRtpPacket();
  fc.assert(
    fc.property(
      fc.record({
        marker: fc.boolean(),
        payloadType: fc.integer({ min: 0, max: 127 }),
        sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
        timestamp: fc.integer({ min: 0, max: 0xffffffff }),
        ssrc: fc.integer({ min: 0, max: 0xffffffff }),
        csrc: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
        paddingLength: fc.integer({ min: 0, max: 255 }),
      }),
      fc.uint8Array({ maxLength: 400 }),
      (fields, payload) => {
        const n = writeRtp(fields, payload, out);
        assert.ok(n > 0);
        assert.equal(parseRtpInto(out.subarray(0, n), reuse), null);
        assert.equal(reuse.marker, fields.marker);
        assert.equal(reuse.payloadType, fields.payloadType);
        assert.equal(reuse.sequenceNumber, fields.sequenceNumber);
        assert.equal(reuse.timestamp, fields.timestamp);
        assert.equal(reuse.ssrc, fields.ssrc);
        assert.deepEqual(reuse.csrc, fields.csrc);
        assert.deepEqual([...reuse.payload], [...payload]);
        assert.equal(looksLikeRtcp(out.subarray(0, n)), fields.marker && fields.payloadType >= 64 && fields.payloadType <= 95);
      },
    ),
    { numRuns: 300 },
  );
});

test('parser never throws on random bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const r = parseRtp(bytes);
      if (r.ok) assert.ok(r.value.payload.length <= bytes.length);
    }),
    { numRuns: 2000 },
  );
});

test('a fixed receive slot parses through its PayloadView: the same view object while the payload sits at the same offsets, a new one when it moves', () => {
  // What the native receive ring does (udp-recv.ts): one slot, datagram after datagram.
  const slot = new Uint8Array(2048);
  const views = new PayloadView(slot);
  const out = emptyRtpPacket();
  const put = (seq: number, payload: number[], csrc: number[] = []) =>
    writeRtp({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 7, marker: false, csrc }, Uint8Array.from(payload), slot, 0);
  let n = put(1, [1, 2, 3]);
  assert.equal(parseRtpInto(slot, out, n, views), null);
  const first = out.payload;
  assert.deepEqual([...first], [1, 2, 3]);
  assert.equal(first.buffer, slot.buffer, 'a view of the slot, not a copy');
  n = put(2, [4, 5, 6]);
  assert.equal(parseRtpInto(slot, out, n, views), null);
  assert.equal(out.payload, first, 'same offsets: the same view object, no allocation');
  assert.deepEqual([...out.payload], [4, 5, 6], 'showing the new datagram');
  n = put(3, [7, 8], [0xaabbccdd]); // a CSRC moves the payload and it is shorter
  assert.equal(parseRtpInto(slot, out, n, views), null);
  assert.notEqual(out.payload, first);
  assert.deepEqual([...out.payload], [7, 8]);
  assert.equal(out.payload.byteOffset, 16);
  // Without views the parse still makes its own view (the dgram path).
  assert.equal(parseRtpInto(slot, out, n), null);
  assert.deepEqual([...out.payload], [7, 8]);
});

test('seqDiff and tsDiff wrap around', () => {
  assert.equal(seqDiff(1, 0xffff), 2);
  assert.equal(seqDiff(0xffff, 1), -2);
  assert.equal(seqDiff(100, 100), 0);
  assert.equal(seqDiff(0x8000 + 5, 5), -32768);
  assert.equal(tsDiff(10, 0xfffffff0), 26);
  assert.equal(tsDiff(0xfffffff0, 10), -26);
});

test('SequenceTracker counts cycles, loss and reordering (RFC 3550 A.1)', () => {
  const t = new SequenceTracker();
  const seqs = [65530, 65531, 65533, 65534, 65535, 0, 2, 1, 3, 3];
  for (const s of seqs) assert.equal(t.update(s), true);
  assert.equal(t.cycles, 65536);
  assert.equal(t.extendedMax, 65536 + 3);
  assert.equal(t.expected, 10); // 65530 … 65539
  assert.equal(t.received, 10); // including one duplicate
  assert.equal(t.lost, 0); // the duplicate cancels the missing 65532, as RFC 3550 counts
  assert.equal(t.takeFractionLost(), 0);
  t.update(10); // 4..9 lost (6 of 7 expected)
  assert.equal(t.lost, 6);
  assert.equal(t.takeFractionLost(), Math.floor((6 * 256) / 7));
});

test('SequenceTracker resyncs after a confirmed big jump and probation works', () => {
  const t = new SequenceTracker();
  t.update(100);
  assert.equal(t.update(20000), false); // unconfirmed jump
  assert.equal(t.update(20001), true); // confirmed: restart
  assert.equal(t.baseSeq, 20001);
  const p = new SequenceTracker(2);
  assert.equal(p.update(7), false);
  assert.equal(p.update(8), true);
  assert.equal(p.received, 1);
});

test('jitter is zero for perfectly paced packets and grows with variation (A.8)', () => {
  const j = new JitterEstimator(8000);
  for (let i = 0; i < 50; i++) j.update(1000 + i * 20, (i * 160) >>> 0);
  assert.equal(j.jitter, 0);
  const k = new JitterEstimator(8000);
  for (let i = 0; i < 500; i++) k.update(1000 + i * 20 + (i % 2 ? 5 : 0), 0xffffff00 + i * 160); // wraps the timestamp
  // |D| alternates 40 units (5 ms): the estimate converges to 40 units = 5 ms
  assert.ok(Math.abs(k.jitterMs - 5) < 0.01, String(k.jitterMs));
  assert.equal(k.reportValue, 39);
});
