/**
 * CallAudio counts its listeners when one comes or goes (not on every tick): the recorder's `sent`
 * frames and a loopback call's endpointer must start and stop with listeners attached mid-call.
 * Fakes stand for the RTP session and the scheduler (no sockets in a unit test); the ticks are real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallAudio } from '../../src/call/call-audio.js';
import type { RtpSession, PlayoutScheduler } from '../../src/media/index.js';
import type { NegotiatedAudio } from '../../src/sdp/index.js';

type AudioHandler = (payload: Uint8Array, pt: number, seq: number, timestamp: number, arrival: number) => void;

function fakeCall(): { audio: CallAudio; deliver: AudioHandler } {
  let handler: AudioHandler = () => {};
  const rtp = {
    setAudioHandler: (h: AudioHandler) => (handler = h),
    on: () => rtp,
    setRemote: () => {},
    setPayloadTypes: () => {},
    sendAudio: () => true,
    stats: () => ({}),
    close: async () => {},
  } as unknown as RtpSession;
  const scheduler = { register: () => () => {} } as unknown as PlayoutScheduler;
  const audio = new CallAudio(rtp, '127.0.0.1', scheduler);
  audio.configure({ codec: 'PCMU', pt: 0, ptime: 20, remoteAddress: '127.0.0.1', remotePort: 40000, direction: 'sendrecv', onHold: false, secure: false } as NegotiatedAudio);
  return { audio, deliver: (...a) => handler(...a) };
}

test('the recorder hears what we send from when it listens until it stops', () => {
  const { audio } = fakeCall();
  const tone = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
  audio.feed = { next: () => tone };
  let heard = 0;
  const onSent = (): void => void heard++;
  for (let t = 0; t < 100; t += 20) audio.tick(t);
  assert.equal(heard, 0);
  audio.on('sent', onSent);
  for (let t = 100; t < 200; t += 20) audio.tick(t);
  assert.equal(heard, 5, 'a listener attached mid-call hears every frame sent after');
  audio.off('sent', onSent);
  for (let t = 200; t < 300; t += 20) audio.tick(t);
  assert.equal(heard, 5, 'nothing after it stops listening');
});

test('a loopback call feeds its endpointer only while someone listens to it', () => {
  const { audio, deliver } = fakeCall();
  audio.loopback = true;
  let pushed = 0;
  const push = audio.endpointer.push.bind(audio.endpointer);
  audio.endpointer.push = (...a: Parameters<typeof push>) => void (pushed++, push(...a));
  const payload = new Uint8Array(160).fill(0x80); // loud μ-law
  let seq = 0;
  const run = (ticks: number): void => {
    for (let i = 0; i < ticks; i++, seq++) {
      deliver(payload, 0, seq, seq * 160, seq * 20);
      audio.tick(seq * 20);
    }
  };
  run(20);
  assert.equal(pushed, 0, 'an echo nobody listens to needs no endpointer');
  const onUtterance = (): void => {};
  audio.on('utterance', onUtterance);
  run(20);
  assert.ok(pushed >= 19, `fed once someone listens (${pushed} of 20 frames)`);
  const before = pushed;
  audio.off('utterance', onUtterance);
  run(20);
  assert.equal(pushed, before, 'not fed once the listener is gone');
});
