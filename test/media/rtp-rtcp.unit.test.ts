import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtcp, buildRtcp, findCname, ntpFromUnixMs, ntpMiddle32, rttFromReportBlock, type RtcpPacket } from '../../src/media/rtp/rtcp.js';
import { RtpReceiverStats } from '../../src/media/rtp/receiver-stats.js';
import { estimateMos, rFactor } from '../../src/media/rtp/mos.js';

const block = { ssrc: 0x11223344, fractionLost: 25, cumulativeLost: -3, highestSeq: 0x1ffff, jitter: 77, lsr: 0xabcd1234, dlsr: 65536 };

test('compound SR + SDES + BYE round-trips', () => {
  const packets: RtcpPacket[] = [
    { type: 'sr', ssrc: 0xcafebabe, ntpSec: 0xe0000001, ntpFrac: 0x80000000, rtpTimestamp: 123456, packetCount: 50, octetCount: 8000, reports: [block] },
    { type: 'sdes', chunks: [{ ssrc: 0xcafebabe, items: [{ type: 1, text: 'abc@hushgate' }, { type: 2, text: 'x' }] }] },
    { type: 'bye', ssrcs: [0xcafebabe], reason: 'done' },
  ];
  const built = buildRtcp(packets);
  assert.ok(built.ok);
  assert.equal(built.value.length % 4, 0);
  const parsed = parseRtcp(built.value);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, packets);
  assert.equal(findCname(parsed.value, 0xcafebabe), 'abc@hushgate');
});

test('RR with two blocks and an unknown (APP) packet round-trip', () => {
  const packets: RtcpPacket[] = [
    { type: 'rr', ssrc: 5, reports: [block, { ...block, ssrc: 6, cumulativeLost: 1000 }] },
    { type: 'other', packetType: 204, count: 3, body: Uint8Array.from([1, 2, 3, 4, 0x41, 0x42, 0x43, 0x44]) },
  ];
  const built = buildRtcp(packets);
  assert.ok(built.ok);
  const parsed = parseRtcp(built.value);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value[0], packets[0]);
  const other = parsed.value[1]!;
  assert.equal(other.type, 'other');
  if (other.type === 'other') assert.deepEqual([...other.body], [1, 2, 3, 4, 0x41, 0x42, 0x43, 0x44]);
});

test('an SDES item ending on a word boundary still gets its null terminator', () => {
  // 4 (ssrc) + 2 + 2 ("ab") = 8 → needs another word holding the null item
  const built = buildRtcp([{ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'ab' }] }] }]);
  assert.ok(built.ok);
  assert.equal(built.value.length, 4 + 12);
  const parsed = parseRtcp(built.value);
  assert.ok(parsed.ok);
  assert.equal(findCname(parsed.value, 1), 'ab');
});

test('parses a real-world RR byte string (hand-assembled from RFC 3550 layout)', () => {
  // V=2 RC=1 PT=201 length=7, SSRC=1, block: SSRC=2, fraction=0x40, lost=0x000010, ehsn=0x00010064, jitter=0x20, lsr=0x12345678, dlsr=0x00008000
  const hex = '81c900070000000100000002400000100001006400000020123456780000800' + '0';
  const parsed = parseRtcp(Buffer.from(hex, 'hex'));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value[0], { type: 'rr', ssrc: 1, reports: [{ ssrc: 2, fractionLost: 0x40, cumulativeLost: 16, highestSeq: 0x10064, jitter: 32, lsr: 0x12345678, dlsr: 0x8000 }] });
});

test('malformed RTCP is an error value', () => {
  const good = buildRtcp([{ type: 'rr', ssrc: 5, reports: [block] }]);
  assert.ok(good.ok);
  const bad: [Uint8Array, string][] = [
    [new Uint8Array(2), 'too short for RTCP'],
    [Uint8Array.from([0x41, ...good.value.subarray(1)]), 'wrong version'],
    [good.value.subarray(0, good.value.length - 4), 'RTCP length exceeds datagram'],
    [Uint8Array.from([0x82, ...good.value.subarray(1)]), 'RR report blocks exceed packet'],
    [Uint8Array.from([0x80, 0x60, 0, 0]), 'not an RTCP packet type'],
    [Uint8Array.from([...good.value, 0x80]), 'truncated RTCP header'],
  ];
  for (const [bytes, reason] of bad) {
    const r = parseRtcp(bytes);
    assert.equal(r.ok, false, reason);
    if (!r.ok) assert.equal(r.error, reason);
  }
});

test('NTP conversion and RTT from LSR/DLSR', () => {
  const t = ntpFromUnixMs(0);
  assert.equal(t.sec, 2208988800);
  assert.equal(t.frac, 0);
  const half = ntpFromUnixMs(1500);
  assert.equal(half.frac, 0x80000000);
  // We sent an SR at T; the peer held it 250 ms (DLSR) and its RR reached us at T + 400 ms → RTT 150 ms.
  const T = 1_700_000_000_000;
  const sr = ntpFromUnixMs(T);
  const rr = { ...block, lsr: ntpMiddle32(sr.sec, sr.frac), dlsr: Math.round(0.25 * 65536) };
  const rtt = rttFromReportBlock(rr, T + 400);
  assert.ok(rtt !== null && Math.abs(rtt - 150) < 0.1, String(rtt));
  assert.equal(rttFromReportBlock({ ...rr, lsr: 0 }, T + 400), null);
});

test('receiver stats produce a report block with loss, jitter, LSR and DLSR', () => {
  const s = new RtpReceiverStats(0x99, 8000);
  let now = 10_000;
  for (let seq = 0; seq < 100; seq++) {
    if (seq % 10 === 5) continue; // 10 % loss
    s.onPacket(seq, seq * 160, 160, now + seq * 20);
  }
  now += 2000;
  const ntp = ntpFromUnixMs(now);
  s.onSenderReport({ type: 'sr', ssrc: 0x99, ntpSec: ntp.sec, ntpFrac: ntp.frac, rtpTimestamp: 0, packetCount: 100, octetCount: 16000, reports: [] }, now);
  const rb = s.reportBlock(now + 500);
  assert.equal(rb.ssrc, 0x99);
  assert.equal(rb.cumulativeLost, 10);
  assert.equal(rb.fractionLost, Math.floor((10 * 256) / 100));
  assert.equal(rb.highestSeq, 99);
  assert.equal(rb.jitter, 0);
  assert.equal(rb.lsr, ntpMiddle32(ntp.sec, ntp.frac));
  assert.equal(rb.dlsr, 32768);
  // The next interval: no new loss.
  s.onPacket(100, 100 * 160, 160, now + 600);
  assert.equal(s.reportBlock(now + 600).fractionLost, 0);
  const snap = s.snapshot();
  assert.equal(snap.packets, 91);
  assert.equal(snap.octets, 91 * 160);
  assert.ok(Math.abs(snap.lossFraction - 10 / 101) < 1e-9);
});

test('MOS estimate follows the documented simplified E-model', () => {
  assert.ok(Math.abs(rFactor({ lossFraction: 0, jitterMs: 0, rttMs: 0 }) - 92.95) < 1e-9);
  const perfect = estimateMos({ lossFraction: 0, jitterMs: 0, rttMs: 0 });
  assert.ok(perfect > 4.35 && perfect < 4.45, String(perfect));
  const lossy = estimateMos({ lossFraction: 0.05, jitterMs: 0, rttMs: 0 });
  assert.ok(lossy > 3.95 && lossy < 4.1, String(lossy));
  const bad = estimateMos({ lossFraction: 0.2, jitterMs: 0, rttMs: 0 });
  assert.ok(bad > 2.1 && bad < 2.3, String(bad));
  // Long delay crosses the 160 ms knee and costs more per ms.
  const far = estimateMos({ lossFraction: 0, jitterMs: 20, rttMs: 400 });
  assert.ok(far < perfect - 0.3, String(far));
  assert.equal(estimateMos({ lossFraction: 1, jitterMs: 500, rttMs: 2000 }), 1);
});
