/**
 * Barge-in through real calls (SIP and RTP on loopback, embedded engines): the test softphone is a
 * speakerphone that returns the agent's own audio (EchoingLine) while the agent speaks a long prompt.
 *  - the prompt's echo at −12 dB, 120 ms late never stops it;
 *  - a spoken backchannel pauses it, then it resumes and goes on;
 *  - real speech over the echo pauses it soon after the first syllable (the 200 ms minimum plus
 *    transport; see the test), stops it and is the turn.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startInProcessGateway, type InProcessGateway } from '../helpers/in-process-gateway.js';
import { freeUdpRange } from '../helpers/ports.js';
import { REPO } from '../helpers/gateway-process.js';
import { EchoingLine } from '../helpers/echoing-line.js';
import { Softphone, type PhoneCall } from '../../src/softphone/softphone.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import type { CallAudioPort as CallAudio } from '../../src/call/call-audio-port.js';

const FLOW = join(REPO, 'test/call/fixtures/long-prompt-flow.yaml');
let gw: InProcessGateway;
let phone: Softphone;
const tts = new FliteTts({ voice: 'kal' }); // the caller's voice differs from the agent's (slt)
after(() => tts.close());

async function speech(text: string): Promise<Int16Array> {
  const chunks: Int16Array[] = [];
  for await (const c of tts.synthesize({ text })) chunks.push(c);
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) (out.set(c, o), (o += c.length));
  return out;
}

/** The first 20 ms frame within 20 dB of the clip's loudest (where a listener hears speech start). */
function nucleus(x: Int16Array): number {
  const e: number[] = [];
  for (let i = 0; i + 160 <= x.length; i += 160) {
    let a = 0;
    for (let j = i; j < i + 160; j++) a += x[j]! * x[j]!;
    e.push(10 * Math.log10(a / 160 + 1e-9));
  }
  const peak = Math.max(...e);
  return e.findIndex((v) => v >= peak - 20) * 160;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Dial, wait until the prompt has played for `ms`; the gateway's media for the call. */
async function dialAndListen(echoDb: number, delayMs: number, ms = 2500, number = 'long'): Promise<{ call: PhoneCall; line: EchoingLine; media: CallAudio; events: string[] }> {
  const call = await phone.dial(`sip:${number}@127.0.0.1:${gw.sipPort}`);
  const line = new EchoingLine(call, { echoDb, delayMs });
  const active = [...gw.gw.calls.calls.values()].find((c) => c.info.callId === call.session.callId)!;
  const media = active.media;
  const events: string[] = [];
  media.on('bargeIn', () => events.push('pause'));
  media.on('playbackFinished', (r) => events.push(r));
  const t0 = Date.now();
  while (!media.playing && Date.now() - t0 < 15_000) await sleep(20);
  assert.ok(media.playing, 'the prompt plays');
  await sleep(ms);
  return { call, line, media, events };
}

before(async () => {
  // The same flow, whose welcome also asks that backchannels count (a prompt that wants acknowledging).
  const ackFlow = join(mkdtempSync(join(tmpdir(), 'hushgate-ack-')), 'flow.yaml');
  writeFileSync(ackFlow, readFileSync(FLOW, 'utf8').replace('    vgwPostResponseTimeoutCount: 20000', '    vgwPostResponseTimeoutCount: 20000\n    vgwBargeInOnBackchannels: true'));
  gw = await startInProcessGateway({
    accounts: [{ id: 'bank', applications: [
      { id: 'long', numbers: ['long'], mode: 'agent', dialog: { provider: 'local', flow: FLOW } },
      { id: 'ack', numbers: ['ack'], mode: 'agent', dialog: { provider: 'local', flow: ackFlow } },
    ] }],
  });
  const base = await freeUdpRange(20);
  phone = await Softphone.create({ rtpPortMin: base, rtpPortMax: base + 19 });
});

after(async () => {
  await phone?.close();
  await gw?.stop();
});

test('the prompt\'s own echo at −12 dB, 120 ms late does not stop it', { timeout: 60_000 }, async () => {
  const { call, media, events } = await dialAndListen(-12, 120);
  const sent = media.stats().framesSent;
  await sleep(6000);
  assert.deepEqual(events, [], 'no pause, no stop');
  assert.ok(media.playing && !media.paused);
  assert.ok(media.stats().framesSent - sent >= 250, 'the prompt went on');
  assert.equal(gw.events.filter((e) => e.type === 'transcription' && e.callId === call.session.callId).length, 0);
  await call.hangup();
});

test('a backchannel pauses the prompt, then it resumes where it stopped', { timeout: 60_000 }, async () => {
  const { call, line, media, events } = await dialAndListen(-12, 120);
  await line.say(await speech('okay'));
  const t0 = Date.now();
  while (!events.includes('pause') && Date.now() - t0 < 2000) await sleep(20);
  assert.deepEqual(events, ['pause'], 'paused by the interruption');
  const pausedAt = media.stats().framesSent;
  while (media.paused && Date.now() - t0 < 5000) await sleep(20);
  assert.ok(!media.paused && media.playing, 'resumed');
  await sleep(1000);
  assert.ok(media.stats().framesSent - pausedAt >= 40, 'the prompt goes on');
  assert.deepEqual(events, ['pause'], 'never stopped');
  assert.equal(gw.events.filter((e) => e.type === 'turn.completed' && e.callId === call.session.callId && e.turn === 2).length, 0, 'no turn');
  await call.hangup();
});

test('real speech over the echo pauses the prompt soon after its first syllable, stops it and is the turn', { timeout: 60_000 }, async () => {
  const { call, line, media, events } = await dialAndListen(-12, 120);
  const words = await speech('check my balance');
  let pausedAt = NaN;
  media.once('bargeIn', () => (pausedAt = performance.now()));
  const [spokeAt] = await line.say(words, [nucleus(words)]);
  const turn = await gw.waitForEvent((e) => e.type === 'transcription' && e.callId === call.session.callId, 10_000);
  assert.equal(turn['transcript'], 'check my balance');
  // End to end: the phone's send of the first syllable → the gateway pausing the prompt. It holds the
  // 200 ms minimum of speech, plus transport (a scheduler tick each side, the jitter buffer: ~80 ms on
  // loopback) and the first word's weak frames that the echo covers; bench/barge-in reports the spread.
  const latency = pausedAt - spokeAt!;
  assert.ok(latency > 0 && latency <= 400, `paused ${latency.toFixed(0)} ms after the first syllable was sent`);
  assert.deepEqual(events.slice(0, 2), ['pause', 'stopped']);
  await gw.waitForEvent((e) => e.type === 'turn.completed' && e.callId === call.session.callId && e.turn === 2, 10_000);
  line.stop();
  await call.hangup();
});

test('vgwBargeInOnBackchannels set by the flow: the same backchannel stops the prompt and is the turn', { timeout: 60_000 }, async () => {
  const { call, line, events } = await dialAndListen(-12, 120, 2500, 'ack');
  await line.say(await speech('okay'));
  const turn = await gw.waitForEvent((e) => e.type === 'turn.completed' && e.callId === call.session.callId && e.turn === 2, 10_000);
  assert.deepEqual(events.slice(0, 2), ['pause', 'stopped']);
  const heard = gw.events.find((e) => e.type === 'transcription' && e.callId === call.session.callId);
  assert.match(String(heard?.['transcript']), /^ok(ay)?$/);
  assert.ok(turn);
  line.stop();
  await call.hangup();
});
