/**
 * Adaptive endpointing in the turn loop (src/call/early-end.ts) with an in-memory call: a pause
 * whose partial hypothesis is a whole expected phrase ends the turn after the short hangover and
 * its recognition is reused; mid-number pauses and expensive recognisers keep the fixed hangover;
 * the partial hypothesis is not reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/time/clock.js';
import { AgentSession } from '../../../src/call/agent-session.js';
import { DEFAULT_PRIVACY_POLICY } from '../../../src/privacy/policy.js';
import type { Expectations } from '../../../src/dialog/types.js';
import { FakeCall, FakeDialog, FakeStt, FakeTts, silentLog, settle } from './fakes.js';

function agent(transcripts: string[], o: { cheap?: boolean; adaptive?: boolean; phrases?: string[]; welcome?: 'hang'; remote?: boolean } = {}) {
  const clock = new FakeClock();
  const call = new FakeCall();
  const dialog = new FakeDialog(o.welcome ?? { text: ['Hello.'] }, { text: ['Your balance is ten.'] });
  const expectations: Expectations = { phrases: o.phrases ?? ['check my balance', 'speak to an agent'] };
  Object.assign(dialog, { expectations: () => expectations });
  const stt = new FakeStt();
  stt.cheapPartials = o.cheap ?? true;
  stt.transcripts = transcripts;
  const session = new AgentSession(call, {
    dialog, remoteDialog: o.remote ?? false, stt, tts: new FakeTts(), policy: DEFAULT_PRIVACY_POLICY, defaultCountry: 'GB', log: silentLog, clock,
    endpointing: { adaptive: o.adaptive ?? true, shortHangoverMs: 250 },
  });
  session.start();
  return { clock, call, dialog, stt };
}

test('a complete answer at a pause ends the turn after the short hangover, and its recognition is reused', async () => {
  const a = agent(['check my balance']);
  await settle();
  const snap = a.call.media.pause(1, 5000);
  await settle();
  assert.deepEqual(a.call.media.endedAtPause, [{ id: 1, hangoverMs: 250 }]);
  assert.deepEqual(a.stt.turns[0]!.grammar?.phrases, ['check my balance', 'speak to an agent'], 'the dialog grammar');
  a.call.media.emit('utterance', snap);
  await settle();
  assert.equal(a.stt.turns.length, 1, 'no second decode');
  assert.deepEqual(a.dialog.inputs(), ['', 'check my balance']);
});

test('mid-number or mid-sentence the turn is not ended early; the utterance is recognised whole', async () => {
  for (const partial of ['my card is four one one', 'i want to']) {
    const a = agent([partial, 'check my balance'], { phrases: ['check my balance', 'my card is four one one one'] });
    await settle();
    a.call.media.pause(1, 5000);
    await settle();
    assert.deepEqual(a.call.media.endedAtPause, [], partial);
    a.call.media.utter(6000); // the fixed hangover ended it, with more speech
    await settle();
    assert.equal(a.stt.turns.length, 2, partial);
    assert.deepEqual(a.dialog.inputs(), ['', 'check my balance']);
  }
});

test('a recogniser without cheap partials (remote engines) is never asked at a pause', async () => {
  const a = agent(['check my balance'], { cheap: false });
  await settle();
  a.call.media.pause(1, 5000);
  await settle();
  assert.equal(a.stt.turns.length, 0);
  assert.deepEqual(a.call.media.endedAtPause, []);
});

test('adaptive endpointing off: pauses are ignored', async () => {
  const a = agent(['check my balance'], { adaptive: false });
  await settle();
  a.call.media.pause(1, 5000);
  await settle();
  assert.equal(a.stt.turns.length, 0);
});

test('the caller speaks again before the approval: the pause is over, the later utterance is recognised afresh', async () => {
  const a = agent(['check my balance', 'speak to an agent']);
  await settle();
  a.call.media.openPause = 0; // speech resumed before the decision came back
  a.call.media.emit('pause', { id: 7, utterance: { startMs: 0, endMs: 500, audioStartMs: 0, audio: new Int16Array(1600), truncated: false, endedEarly: true } });
  await settle();
  assert.deepEqual(a.call.media.endedAtPause, []);
  a.call.media.utter(6000);
  await settle();
  assert.equal(a.stt.turns.length, 2);
  assert.deepEqual(a.dialog.inputs(), ['', 'speak to an agent']);
});

test('partial hypotheses are not reported: one transcription event per turn, from the final result', async () => {
  const a = agent(['check my balance']);
  await settle();
  const snap = a.call.media.pause(1, 5000);
  await settle();
  assert.equal(a.call.eventsOf('transcription').length, 0);
  a.call.media.emit('utterance', snap);
  await settle();
  assert.equal(a.call.eventsOf('transcription').length, 1);
});

test('no decode at a pause whose utterance would be ignored (a turn in flight over silence)', async () => {
  const a = agent(['check my balance'], { welcome: 'hang' });
  await settle();
  a.call.media.pause(1, 5000);
  await settle();
  assert.equal(a.stt.turns.length, 0);
  a.call.end('remote-bye');
});

test('no expected phrases (free speech, the general model): no decode at pauses', async () => {
  const a = agent(['yes'], { phrases: [] });
  await settle();
  a.call.media.pause(1, 5000);
  await settle();
  assert.equal(a.stt.turns.length, 0);
});

test('a turn ended at a pause passes the privacy gate like any other: a remote dialog gets tokens, never the number', async () => {
  const a = agent(['4111 1111 1111 1111'], { remote: true, phrases: ['4111 1111 1111 1111', 'speak to an agent'] });
  await settle();
  const snap = a.call.media.pause(1, 5000);
  await settle();
  assert.deepEqual(a.call.media.endedAtPause, [{ id: 1, hangoverMs: 250 }], 'a whole expected phrase: the turn ends early');
  assert.equal(a.dialog.requests.length, 1, 'nothing reaches the dialog at the pause (no speculative request)');
  a.call.media.emit('utterance', snap);
  await settle();
  const sent = JSON.stringify(a.dialog.requests[1]);
  assert.ok(!sent.includes('4111') && !/four one one one/i.test(sent), sent);
  assert.match((a.dialog.requests[1]!.input as { text: string }).text, /\[[A-Z_]+_\d+\]/);
});
