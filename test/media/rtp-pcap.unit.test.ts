import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePcap } from '../helpers/pcap.js';
import { parseRtp } from '../../src/media/rtp/packet.js';
import { seqDiff, tsDiff, SequenceTracker } from '../../src/media/rtp/sequence.js';
import { alawDecode } from '../../src/media/g711.js';

test('every frame of the SIPp G.711 A-law capture parses as PCMA RTP, in sequence', () => {
  const cap = parsePcap(readFileSync('/usr/share/sip-tester/g711a.pcap'));
  assert.ok(cap.ok);
  assert.equal(cap.value.linkType, 1);
  assert.equal(cap.value.skipped, 0);
  const frames = cap.value.datagrams;
  assert.equal(frames.length, 236); // tshark counts 236 frames
  const tracker = new SequenceTracker();
  let prev: { seq: number; ts: number; time: number } | null = null;
  let energy = 0;
  const pcm = new Int16Array(240);
  for (const f of frames) {
    assert.equal(f.srcAddr, '10.1.3.143');
    assert.equal(f.dstAddr, '10.1.6.18');
    const r = parseRtp(f.payload);
    assert.ok(r.ok);
    const p = r.value;
    assert.equal(p.payloadType, 8);
    assert.equal(p.ssrc, 0xdee0ee8f);
    assert.equal(p.payload.length, 240);
    assert.equal(p.marker, prev === null);
    if (prev) {
      assert.equal(seqDiff(p.sequenceNumber, prev.seq), 1);
      assert.equal(tsDiff(p.timestamp, prev.ts), 240); // 30 ms frames
      assert.ok(f.timeMs > prev.time);
    }
    assert.ok(tracker.update(p.sequenceNumber));
    alawDecode(p.payload, pcm);
    for (const s of pcm) energy += s * s;
    prev = { seq: p.sequenceNumber, ts: p.timestamp, time: f.timeMs };
  }
  assert.equal(tracker.lost, 0);
  assert.equal(tracker.received, 236);
  assert.equal(frames[0]!.payload.length, 252);
  assert.ok(energy / (236 * 240) > 1000, 'the capture carries audible audio');
  // First and last capture times (tshark: 0.000 … 7.050 s)
  assert.ok(Math.abs(frames[235]!.timeMs - frames[0]!.timeMs - 7050) < 5);
});

test('pcap reader handles big-endian, nanosecond, Linux-cooked and raw-IP captures', () => {
  const udp = Uint8Array.from([0x13, 0x88, 0x27, 0x10, 0, 12, 0, 0, 0xde, 0xad, 0xbe, 0xef]);
  const ipv4 = (payload: Uint8Array) => {
    const h = Uint8Array.from([0x45, 0, 0, 20 + payload.length, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2]);
    return Uint8Array.from([...h, ...payload]);
  };
  const make = (magicBE: number, littleEndian: boolean, linkType: number, frame: Uint8Array, sub: number) => {
    const b = new Uint8Array(24 + 16 + frame.length);
    const v = new DataView(b.buffer);
    v.setUint32(0, magicBE, littleEndian);
    v.setUint16(4, 2, littleEndian);
    v.setUint16(6, 4, littleEndian);
    v.setUint32(16, 65535, littleEndian);
    v.setUint32(20, linkType, littleEndian);
    v.setUint32(24, 10, littleEndian);
    v.setUint32(28, sub, littleEndian);
    v.setUint32(32, frame.length, littleEndian);
    v.setUint32(36, frame.length, littleEndian);
    b.set(frame, 40);
    return b;
  };
  const sll = Uint8Array.from([0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, ...ipv4(udp)]);
  const cases: [Uint8Array, number][] = [
    [make(0xa1b2c3d4, false, 101, ipv4(udp), 500_000), 10_500],
    [make(0xa1b23c4d, true, 113, sll, 250_000_000), 10_250],
  ];
  for (const [bytes, timeMs] of cases) {
    const cap = parsePcap(bytes);
    assert.ok(cap.ok);
    assert.equal(cap.value.datagrams.length, 1);
    const d = cap.value.datagrams[0]!;
    assert.equal(d.timeMs, timeMs);
    assert.equal(d.srcPort, 5000);
    assert.equal(d.dstPort, 10000);
    assert.equal(d.srcAddr, '127.0.0.1');
    assert.equal(d.dstAddr, '127.0.0.2');
    assert.deepEqual([...d.payload], [0xde, 0xad, 0xbe, 0xef]);
  }
  assert.equal(parsePcap(new Uint8Array(10)).ok, false);
  assert.equal(parsePcap(new Uint8Array(24)).ok, false); // no magic
});
