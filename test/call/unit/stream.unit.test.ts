/** Media stream parts without sockets: the bot playout queue (pacing, marks, clear) and the wire format. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BotPlayout } from '../../../src/call/stream/playout.js';
import { parseBotMessage, wire } from '../../../src/call/stream/wire.js';

test('playout: one frame per tick, a mark acknowledged on the tick that plays the frame before it', () => {
  const acked: string[] = [];
  const p = new BotPlayout((n) => acked.push(n));
  p.push(new Int16Array(400).fill(1000)); // 2.5 frames: the half frame waits for more audio or a mark
  p.mark('a');
  assert.equal(p.queuedFrames, 3, 'the tail before a mark is padded to a frame');
  assert.ok(p.next());
  assert.ok(p.next());
  assert.deepEqual(acked, []);
  const last = p.next()!;
  assert.equal(last[80], 0, 'padding is silence');
  assert.deepEqual(acked, ['a']);
  assert.equal(p.next(), undefined);
});

test('playout: clear empties at once and acknowledges the marks it removed; a mark on an empty queue is acknowledged on the next tick', () => {
  const acked: string[] = [];
  const p = new BotPlayout((n) => acked.push(n));
  p.push(new Int16Array(160 * 250));
  p.mark('long');
  p.next();
  p.clear();
  assert.deepEqual(acked, ['long']);
  assert.equal(p.next(), undefined);
  p.mark('now');
  p.next();
  assert.deepEqual(acked, ['long', 'now']);
});

test('playout: a bot sending faster than real time is capped (oldest dropped)', () => {
  const p = new BotPlayout(() => undefined, 10);
  p.push(new Int16Array(160 * 30));
  assert.equal(p.queuedFrames, 10);
});

test('wire: Twilio media/mark/clear parsed; unknown, malformed and wrong-format messages ignored with a reason', () => {
  const m = parseBotMessage(Buffer.from(JSON.stringify({ event: 'media', media: { payload: Buffer.alloc(160, 0xff).toString('base64') } })), false, 'twilio');
  assert.equal(m.kind, 'media');
  assert.equal(m.kind === 'media' && m.samples.length, 160);
  assert.deepEqual(parseBotMessage(Buffer.from('{"event":"mark","mark":{"name":"x"}}'), false, 'twilio'), { kind: 'mark', name: 'x' });
  assert.deepEqual(parseBotMessage(Buffer.from('{"event":"clear"}'), false, 'twilio'), { kind: 'clear' });
  for (const [data, bin, fmt] of [['not json', false, 'twilio'], ['{"event":"start"}', false, 'twilio'], ['{"event":"media"}', false, 'twilio'], ['abc', true, 'l16-8k'], ['ab', true, 'twilio']] as const) {
    assert.equal(parseBotMessage(Buffer.from(data), bin, fmt).kind, 'ignored', `${data} (${fmt})`);
  }
  const l16 = Buffer.alloc(640);
  l16.writeInt16LE(-1234, 2);
  const b = parseBotMessage(l16, true, 'l16-16k');
  assert.ok(b.kind === 'media' && b.rate === 16000 && b.samples.length === 320 && b.samples[1] === -1234);
});

test('wire: gateway messages have the Twilio shapes', () => {
  assert.deepEqual(wire.connected(), { event: 'connected', protocol: 'Call', version: '1.0.0' });
  const s = wire.start(1, 'MZ1', 'call-1', 'twilio', { a: 'b' });
  assert.equal(s.start.mediaFormat.encoding, 'audio/x-mulaw');
  assert.equal(s.sequenceNumber, '1');
  const m = wire.media(2, 'MZ1', 1, 0, new Uint8Array(160));
  assert.equal(Buffer.from(m.media.payload, 'base64').length, 160);
  assert.deepEqual(wire.mark(3, 'MZ1', 'n').mark, { name: 'n' });
  assert.deepEqual(wire.dtmf(4, 'MZ1', '5').dtmf, { track: 'inbound_track', digit: '5' });
  assert.equal(wire.stop(5, 'MZ1', 'call-1').event, 'stop');
});
