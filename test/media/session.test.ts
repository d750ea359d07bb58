import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { PortPool } from '../../src/media/port-pool.js';
import { RtpSession, type RtpSessionOptions } from '../../src/media/rtp/session.js';
import { FakeClock } from '../../src/time/clock.js';
import { buildRtp, parseRtp } from '../../src/media/rtp/packet.js';
import type { RtcpPacket } from '../../src/media/rtp/rtcp.js';
import type { DtmfEvent } from '../../src/media/dtmf/event.js';
import { waitFor } from '../helpers/wait.js';

/** A pool somewhere in the high range; pairs that are taken are skipped by the session. */
function testPool(): PortPool {
  const base = 40000 + 2 * Math.floor(Math.random() * 8000);
  return new PortPool(base, base + 199);
}

/** Monotonic and wall time start at the same Unix ms, so session times read as the clock's. */
const T0 = 1_700_000_000_000;
const fakeClock = (): FakeClock => new FakeClock({ startMs: T0, epochStart: T0 });

async function openSession(opts: Partial<RtpSessionOptions> & { ports?: PortPool } = {}): Promise<RtpSession> {
  const r = await RtpSession.open({ ports: opts.ports ?? testPool(), address: '127.0.0.1', ...opts });
  assert.ok(r.ok, 'session bound');
  return r.value;
}

function udpSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

const pcmu = (fill: number) => new Uint8Array(160).fill(fill);

test('two sessions on loopback exchange audio; seq/ts continue; marker on talkspurt start', async () => {
  const a = await openSession();
  const b = await openSession();
  try {
    a.setRemote({ address: '127.0.0.1', port: b.localPort });
    b.setRemote({ address: '127.0.0.1', port: a.localPort });
    const got: { payload: number[]; pt: number; seq: number; ts: number }[] = [];
    b.setAudioHandler((payload, pt, seq, ts) => got.push({ payload: [payload[0]!, payload.length], pt, seq, ts }));
    for (let i = 0; i < 20; i++) {
      assert.equal(a.sendAudio(pcmu(i), i * 160), true);
      await new Promise((r) => setImmediate(r));
    }
    // a new talkspurt after a gap of 10 frames, with implicit timestamps, sent in one burst
    // larger than the session's ring of send buffers: every payload must arrive intact
    for (let i = 0; i < 40; i++) assert.equal(a.sendAudio(pcmu(100 + i), i === 0 ? 30 * 160 : undefined), true);
    await waitFor('got.length === 60', () => got.length === 60, 2000);
    assert.deepEqual(got.map((g) => g.payload), [...Array(20).keys()].map((i) => [i, 160]).concat([...Array(40).keys()].map((i) => [100 + i, 160])));
    assert.ok(got.every((g) => g.pt === 0));
    for (let i = 1; i < 60; i++) assert.equal((got[i]!.seq - got[i - 1]!.seq) & 0xffff, 1);
    for (let i = 1; i < 20; i++) assert.equal((got[i]!.ts - got[i - 1]!.ts) >>> 0, 160);
    assert.equal((got[20]!.ts - got[19]!.ts) >>> 0, 11 * 160);
    assert.equal((got[21]!.ts - got[20]!.ts) >>> 0, 160);
    const sa = a.stats();
    const sb = b.stats();
    assert.equal(sa.packetsSent, 60);
    assert.equal(sa.octetsSent, 60 * 160);
    assert.equal(sb.packetsReceived, 60);
    assert.equal(sb.lost, 0);
    assert.equal(sb.remoteSsrc, a.ssrc);
    assert.equal(sb.malformed, 0);
    assert.ok(sb.mos > 4);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('marker bits on the wire: first packet and talkspurt start only', async () => {
  const a = await openSession();
  const sniff = await udpSocket();
  try {
    a.setRemote({ address: '127.0.0.1', port: sniff.address().port });
    const markers: boolean[] = [];
    sniff.on('message', (m) => {
      const p = parseRtp(m);
      if (p.ok) markers.push(p.value.marker);
    });
    a.sendAudio(pcmu(1), 0);
    a.sendAudio(pcmu(1), 160);
    a.sendAudio(pcmu(1), 800);
    a.sendAudio(pcmu(1));
    a.sendAudio(pcmu(1), undefined, true);
    await waitFor('markers.length === 5', () => markers.length === 5, 2000);
    assert.deepEqual(markers, [true, false, true, false, true]);
  } finally {
    await a.close();
    sniff.close();
  }
});

test('symmetric RTP: latches to the first source, drops others, re-latches only after silence', async () => {
  const clock = fakeClock();
  const b = await openSession({ clock, relatchSilenceMs: 1000 });
  const nat = await udpSocket(); // the caller's real source port (behind NAT)
  const intruder = await udpSocket();
  try {
    // SDP says port 9 (nothing there); the media actually comes from `nat`.
    b.setRemote({ address: '127.0.0.1', port: 9 });
    const latched: number[] = [];
    b.on('latched', (l) => l.kind === 'rtp' && latched.push(l.port));
    let audio = 0;
    b.setAudioHandler(() => audio++);
    const send = (s: dgram.Socket, seq: number, ssrc: number) => {
      const pkt = buildRtp({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc }, pcmu(0));
      assert.ok(pkt.ok);
      s.send(pkt.value, b.localPort, '127.0.0.1');
    };
    const replies: number[] = [];
    nat.on('message', () => replies.push(1));
    send(nat, 1, 111);
    await waitFor('audio === 1', () => audio === 1, 2000);
    assert.deepEqual(latched, [nat.address().port]);
    assert.deepEqual(b.rtpDestination, { address: '127.0.0.1', port: nat.address().port, lastAt: clock.now() });
    // our audio now goes to the latched source, not to the SDP port
    b.sendAudio(pcmu(5), 0);
    await waitFor('replies.length === 1', () => replies.length === 1, 2000);
    // a second source while the first is live is dropped
    clock.advance(500);
    send(intruder, 50, 222);
    send(nat, 2, 111);
    await waitFor('audio === 2', () => audio === 2, 2000);
    await waitFor('b.stats().foreignSource === 1', () => b.stats().foreignSource === 1, 2000);
    assert.equal(b.stats().remoteSsrc, 111);
    // after 1 s of silence from the latched source, the new source takes over
    clock.advance(1000);
    send(intruder, 51, 222);
    await waitFor('audio === 3', () => audio === 3, 2000);
    assert.deepEqual(latched, [nat.address().port, intruder.address().port]);
    assert.equal(b.stats().remoteSsrc, 222);
    // a new SDP clears the latch
    b.setRemote({ address: '127.0.0.1', port: 9 });
    assert.deepEqual(b.rtpDestination, { address: '127.0.0.1', port: 9 });
  } finally {
    await b.close();
    nat.close();
    intruder.close();
  }
});

test('malformed, wrong-version and unknown-payload datagrams are counted and dropped', async () => {
  const b = await openSession({ payloadTypes: { audio: [8], telephoneEvent: 101 } });
  const s = await udpSocket();
  try {
    let audio = 0;
    b.setAudioHandler(() => audio++);
    const good = buildRtp({ payloadType: 8, sequenceNumber: 1, timestamp: 0, ssrc: 5 }, pcmu(0));
    const unknownPt = buildRtp({ payloadType: 0, sequenceNumber: 2, timestamp: 0, ssrc: 5 }, pcmu(0));
    assert.ok(good.ok && unknownPt.ok);
    const v1 = Uint8Array.from(good.value);
    v1[0] = 0x40;
    const datagrams = [Uint8Array.from([1, 2, 3]), v1, unknownPt.value, Uint8Array.from([0x8f, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), good.value];
    for (const d of datagrams) s.send(d, b.localPort, '127.0.0.1');
    await waitFor('audio === 1', () => audio === 1, 2000);
    const st = b.stats();
    assert.equal(st.malformed, 3);
    assert.equal(st.wrongVersion, 1);
    assert.equal(st.unknownPayloadType, 1);
    assert.equal(st.packetsReceived, 1);
    // garbage on the RTCP port is counted too
    s.send(Uint8Array.from([0x80, 200, 0, 50]), b.localPort + 1, '127.0.0.1');
    await waitFor('b.stats().rtcpMalformed === 1', () => b.stats().rtcpMalformed === 1, 2000);
  } finally {
    await b.close();
    s.close();
  }
});

test('RTCP: SR with CNAME is received and parsed, RR answers give the sender its RTT', async () => {
  const clock = fakeClock();
  const a = await openSession({ clock, cname: 'a-token@hushgate', rtcpIntervalMs: 5000, random: () => 0.5 });
  const b = await openSession({ clock, rtcpIntervalMs: 5000, random: () => 0.5 });
  try {
    a.setRemote({ address: '127.0.0.1', port: b.localPort });
    b.setRemote({ address: '127.0.0.1', port: a.localPort });
    for (let i = 0; i < 10; i++) a.sendAudio(pcmu(1), i * 160);
    await waitFor('b.stats().packetsReceived === 10', () => b.stats().packetsReceived === 10, 2000);
    const atB: RtcpPacket[][] = [];
    const atA: RtcpPacket[][] = [];
    b.on('rtcp', (p) => atB.push(p));
    a.on('rtcp', (p) => atA.push(p));
    // The first report is due at interval/2 × (0.5 + 0.5) = 2.5 s.
    clock.advance(2499);
    // Reports go out from the timer, synchronously inside advance(): none sent means none can arrive.
    assert.equal(a.stats().rtcpSent + b.stats().rtcpSent, 0);
    assert.equal(atB.length, 0);
    clock.advance(1); // both sessions report now
    await waitFor('atB.length >= 1 && atA.length >= 1', () => atB.length >= 1 && atA.length >= 1, 2000);
    const sr = atB[0]![0]!;
    assert.equal(sr.type, 'sr');
    if (sr.type === 'sr') {
      assert.equal(sr.ssrc, a.ssrc);
      assert.equal(sr.packetCount, 10);
      assert.equal(sr.octetCount, 1600);
    }
    const sdes = atB[0]![1]!;
    assert.ok(sdes.type === 'sdes' && sdes.chunks[0]!.items[0]!.text === 'a-token@hushgate');
    assert.ok(b.stats().lastSr !== null);
    // B answers 200 ms later with an RR that carries LSR/DLSR; the network "takes" 30 ms more.
    clock.advance(200);
    b.sendReport();
    clock.advance(30);
    await waitFor('a.stats().rttMs !== null', () => a.stats().rttMs !== null, 2000);
    const rtt = a.stats().rttMs!;
    assert.ok(Math.abs(rtt - 30) < 1, `rtt ${rtt}`);
    assert.equal(a.stats().remoteReport?.cumulativeLost, 0);
    assert.equal(a.stats().remoteReport?.highestSeq !== undefined, true);
    // A stays a sender: its next report (5 s later) is again an SR; B never sent RTP: RR.
    const rrFromB = atA.flat().find((p) => p.type === 'rr');
    assert.ok(rrFromB && rrFromB.type === 'rr' && rrFromB.reports[0]!.ssrc === a.ssrc);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('DTMF sent by one session is reported once by the other; audio is muted meanwhile', async () => {
  const a = await openSession({ payloadTypes: { audio: [0], telephoneEvent: 101 } });
  const b = await openSession({ payloadTypes: { audio: [0], telephoneEvent: 101 } });
  try {
    a.setRemote({ address: '127.0.0.1', port: b.localPort });
    b.setRemote({ address: '127.0.0.1', port: a.localPort });
    const digits: DtmfEvent[] = [];
    const starts: string[] = [];
    b.on('dtmf', (e) => digits.push(e));
    b.on('dtmfStart', (d) => starts.push(d));
    a.sendAudio(pcmu(1), 0);
    assert.ok(a.sendDtmf('7', 100).ok);
    assert.ok(a.sendDtmf('#', 80).ok);
    assert.equal(a.sendAudio(pcmu(1)), false, 'muted during the event');
    await waitFor('digits.length === 2', () => digits.length === 2, 3000);
    // 1 audio + 5 packets for '7' (updates at 0 and 50 ms, 3 ends) + 5 for '#', one continuing
    // sequence; the end retransmissions that arrive after the report must not report again
    await waitFor('b.stats().packetsReceived === 11', () => b.stats().packetsReceived === 11, 3000);
    assert.deepEqual(digits, [
      { digit: '7', durationMs: 100, volume: 10, source: 'rfc4733' },
      { digit: '#', durationMs: 80, volume: 10, source: 'rfc4733' },
    ]);
    assert.deepEqual(starts, ['7', '#']);
    assert.equal(b.stats().dtmfReceived, 2);
    assert.equal(b.stats().lost, 0);
    await waitFor('!a.sendingDtmf', () => !a.sendingDtmf, 2000);
    assert.equal(a.sendAudio(pcmu(1)), true, 'audio resumes');
    const noTe = await openSession();
    assert.equal(noTe.sendDtmf('1').ok, false);
    await noTe.close();
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('close sends RTCP BYE and returns the ports to the pool', async () => {
  const pool = testPool();
  const a = await openSession({ ports: pool });
  const b = await openSession();
  try {
    a.setRemote({ address: '127.0.0.1', port: b.localPort });
    b.setRemote({ address: '127.0.0.1', port: a.localPort });
    a.sendAudio(pcmu(1), 0);
    await waitFor('b.stats().packetsReceived === 1', () => b.stats().packetsReceived === 1, 2000);
    const bye = once(b, 'bye');
    const before = pool.available;
    await a.close('hangup');
    const [ev] = (await bye) as [{ ssrc: number; reason?: string }];
    assert.deepEqual(ev, { ssrc: a.ssrc, reason: 'hangup' });
    assert.equal(pool.available, before + 1);
    assert.equal(a.sendAudio(pcmu(1)), false);
  } finally {
    await b.close();
  }
});

test('close of a session that never sent RTP or RTCP sends no BYE (RFC 3550 §6.3.7) and still returns its ports', async () => {
  const pool = testPool();
  const a = await openSession({ ports: pool });
  const peer = await udpSocket();
  try {
    a.setRemote({ address: '127.0.0.1', port: peer.address().port });
    const before = pool.available;
    await a.close('hangup');
    assert.equal(a.stats().rtcpSent, 0, 'no RTCP at all: nothing was ever sent');
    assert.equal(a.stats().packetsSent, 0);
    assert.equal(pool.available, before + 1);
  } finally {
    peer.close();
  }
});

test('sessions draw distinct SSRCs from the shared random reserve', async () => {
  const pool = testPool();
  const sessions = [];
  for (let i = 0; i < 20; i++) sessions.push(await openSession({ ports: pool }));
  try {
    assert.equal(new Set(sessions.map((s) => s.ssrc)).size, 20);
  } finally {
    for (const s of sessions) await s.close();
  }
});
