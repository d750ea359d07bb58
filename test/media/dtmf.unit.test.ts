import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TelephoneEventReceiver } from '../../src/media/dtmf/receiver.js';
import { TelephoneEventSender } from '../../src/media/dtmf/sender.js';
import { writeTelephoneEvent } from '../../src/media/dtmf/telephone-event.js';
import { parseSipInfoDtmf, buildSipInfoDtmf } from '../../src/media/dtmf/sip-info.js';
import type { DtmfEvent } from '../../src/media/dtmf/event.js';
import { parsePcap } from '../helpers/pcap.js';
import { parseRtp } from '../../src/media/rtp/packet.js';

function block(event: number, end: boolean, duration: number, volume = 10): Uint8Array {
  const b = new Uint8Array(4);
  writeTelephoneEvent({ event, end, volume, duration }, b);
  return b;
}

function collect(): { rx: TelephoneEventReceiver; events: DtmfEvent[]; starts: string[] } {
  const events: DtmfEvent[] = [];
  const starts: string[] = [];
  const rx = new TelephoneEventReceiver({ onDigit: (e) => events.push(e), onDigitStart: (d) => starts.push(d) });
  return { rx, events, starts };
}

test('one key press with 3 end packets is reported once, with duration and volume', () => {
  const { rx, events, starts } = collect();
  const ts = 1000;
  rx.receive(ts, block(5, false, 0), 0);
  rx.receive(ts, block(5, false, 400), 50);
  assert.deepEqual(starts, ['5']);
  assert.equal(events.length, 0);
  for (let i = 0; i < 3; i++) rx.receive(ts, block(5, true, 800, 12), 100 + i * 20);
  assert.deepEqual(events, [{ digit: '5', durationMs: 100, volume: 12, source: 'rfc4733' }]);
  // a late update of the same event is ignored
  rx.receive(ts, block(5, false, 400), 200);
  assert.equal(events.length, 1);
});

test('lost start packets: the event starts on the first packet that arrives', () => {
  const { rx, events, starts } = collect();
  rx.receive(5000, block(11, false, 800), 0);
  rx.receive(5000, block(11, true, 1280), 60);
  assert.deepEqual(starts, ['#']);
  assert.deepEqual(events, [{ digit: '#', durationMs: 160, volume: 10, source: 'rfc4733' }]);
});

test('the same digit twice is two events (new timestamp = new event)', () => {
  const { rx, events } = collect();
  rx.receive(100, block(1, true, 800), 0);
  rx.receive(100, block(1, true, 800), 20);
  rx.receive(2000, block(1, false, 0), 300);
  rx.receive(2000, block(1, true, 640), 380);
  rx.receive(2000, block(1, true, 640), 400);
  assert.deepEqual(events.map((e) => [e.digit, e.durationMs]), [['1', 100], ['1', 80]]);
});

test('all end packets lost: a newer event closes the open one; expire() closes the last', () => {
  const { rx, events } = collect();
  rx.receive(100, block(2, false, 400), 0);
  rx.receive(100, block(2, false, 800), 50);
  rx.receive(3000, block(3, false, 400), 500);
  assert.deepEqual(events.map((e) => [e.digit, e.durationMs]), [['2', 100]]);
  rx.expire(1000);
  assert.equal(events.length, 1, 'not idle long enough yet');
  rx.expire(1500);
  assert.deepEqual(events.map((e) => [e.digit, e.durationMs]), [['2', 100], ['3', 50]]);
  // a retransmitted end of the expired event does not report it again
  rx.receive(3000, block(3, true, 640), 1600);
  assert.equal(events.length, 2);
});

test('stale packets of an older event are ignored', () => {
  const { rx, events } = collect();
  rx.receive(8000, block(7, false, 160), 0);
  rx.receive(4000, block(6, true, 800), 10); // older timestamp
  rx.receive(8000, block(7, true, 800), 100);
  assert.deepEqual(events.map((e) => e.digit), ['7']);
});

test('multiple events packed in one payload (RFC 4733 §2.5.1.5) and redundant repeats', () => {
  const { rx, events } = collect();
  const packed = new Uint8Array(8);
  packed.set(block(4, true, 800), 0); // event 4 at ts 0, ended
  packed.set(block(9, false, 400), 4); // event 9 starts at ts 800
  rx.receive(0, packed, 0);
  rx.receive(0, packed, 20); // the same packet again
  assert.deepEqual(events.map((e) => e.digit), ['4']);
  rx.receive(800, block(9, true, 800), 60);
  assert.deepEqual(events.map((e) => e.digit), ['4', '9']);
});

test('a long event split into segments is one digit', () => {
  const { rx, events } = collect();
  rx.receive(0, block(0, false, 0xffff), 0);
  rx.receive(0xffff, block(0, false, 8000), 8200);
  rx.receive(0xffff, block(0, true, 16000), 10200);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.durationMs, Math.round(((0xffff + 16000) * 1000) / 8000));
});

test('short payloads are counted as malformed; non-DTMF events are not reported', () => {
  const { rx, events } = collect();
  rx.receive(0, new Uint8Array(3), 0);
  assert.equal(rx.malformed, 1);
  rx.receive(100, block(16, true, 800), 0); // flash
  assert.equal(events.length, 0);
});

test('sender plan: marker first, updates every 50 ms, 3 end packets, one timestamp', () => {
  const sender = new TelephoneEventSender();
  const plan = sender.plan('*', 180, 0xfffffff0);
  assert.ok(plan.ok);
  const p = plan.value;
  assert.deepEqual(p.map((x) => x.offsetMs), [0, 50, 100, 150, 180, 200, 220]);
  assert.deepEqual(p.map((x) => x.marker), [true, false, false, false, false, false, false]);
  assert.deepEqual(p.map((x) => x.end), [false, false, false, false, true, true, true]);
  assert.ok(p.every((x) => x.timestamp === 0xfffffff0));
  assert.deepEqual([...p[0]!.payload], [10, 10, 0, 0]);
  assert.deepEqual([...p[6]!.payload], [10, 0x80 | 10, (1440 >> 8) & 0xff, 1440 & 0xff]);
  assert.equal(sender.plan('x', 100, 0).ok, false);
});

test('sender → receiver round trip for every digit', () => {
  const { rx, events } = collect();
  const sender = new TelephoneEventSender();
  const digits = '0123456789*#ABCD';
  let ts = 0;
  for (const d of digits) {
    const plan = sender.plan(d, 120, ts);
    assert.ok(plan.ok);
    for (const pk of plan.value) rx.receive(pk.timestamp, pk.payload, pk.offsetMs);
    ts += 4000;
  }
  assert.equal(events.map((e) => e.digit).join(''), digits);
  assert.ok(events.every((e) => e.durationMs === 120));
});

test('SIP INFO dtmf-relay and dtmf bodies parse into the same event shape', () => {
  assert.deepEqual(parseSipInfoDtmf('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), {
    ok: true,
    value: { digit: '5', durationMs: 160, volume: null, source: 'sip-info' },
  });
  const star = parseSipInfoDtmf('Application/DTMF-Relay; charset=utf-8', 'signal= *\nduration= 250');
  assert.ok(star.ok && star.value.digit === '*' && star.value.durationMs === 250);
  const code = parseSipInfoDtmf('application/dtmf-relay', 'Signal=11\r\nDuration=100');
  assert.ok(code.ok && code.value.digit === '#');
  const plain = parseSipInfoDtmf('application/dtmf', '7\r\n');
  assert.ok(plain.ok && plain.value.digit === '7' && plain.value.source === 'sip-info');
  assert.equal(parseSipInfoDtmf('application/dtmf-relay', 'Signal=Z\r\n').ok, false);
  assert.equal(parseSipInfoDtmf('application/dtmf-relay', 'Duration=100\r\n').ok, false);
  assert.equal(parseSipInfoDtmf('application/dtmf-relay', 'Signal=1\r\nDuration=abc').ok, false);
  assert.equal(parseSipInfoDtmf('text/plain', '5').ok, false);
});

test('SIP INFO bodies are built and parse back', () => {
  const relay = buildSipInfoDtmf('#', 200);
  assert.deepEqual(relay, { ok: true, value: { contentType: 'application/dtmf-relay', body: 'Signal=#\r\nDuration=200\r\n' } });
  for (const d of '0123456789*#ABCD') {
    for (const kind of ['dtmf-relay', 'dtmf'] as const) {
      const b = buildSipInfoDtmf(d, 150, kind);
      assert.ok(b.ok);
      const back = parseSipInfoDtmf(b.value.contentType, b.value.body);
      assert.ok(back.ok && back.value.digit === d);
    }
  }
  assert.equal(buildSipInfoDtmf('e').ok, false);
});

const PCAP_DIR = '/usr/share/sip-tester';
const NAMES: [string, string][] = [...'0123456789'].map((d) => [d, d] as [string, string]).concat([['star', '*'], ['pound', '#']]);

test('SIPp RFC 2833 captures: each file yields exactly its digit, once', () => {
  for (const [name, digit] of NAMES) {
    const cap = parsePcap(readFileSync(`${PCAP_DIR}/dtmf_2833_${name}.pcap`));
    assert.ok(cap.ok, name);
    assert.equal(cap.value.datagrams.length, 10);
    const { rx, events, starts } = collect();
    for (const d of cap.value.datagrams) {
      const pkt = parseRtp(d.payload);
      assert.ok(pkt.ok);
      assert.equal(pkt.value.payloadType, 101);
      rx.receive(pkt.value.timestamp, pkt.value.payload, d.timeMs);
    }
    assert.deepEqual(starts, [digit], name);
    assert.equal(events.length, 1, name);
    assert.equal(events[0]!.digit, digit);
    assert.equal(events[0]!.durationMs, 280); // duration 2240 at 8 kHz in every file
    assert.equal(events[0]!.volume, 10);
  }
});
