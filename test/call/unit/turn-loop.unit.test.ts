/**
 * The voice agent's turn loop with an in-memory call, recogniser, synthesiser and dialog on a
 * FakeClock: welcome turn, speech and DTMF turns, no-input timing, digit collection, barge-in,
 * dialog failures and time-outs, the privacy gate for a remote dialog, and the caller hanging up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/time/clock.js';
import { AgentSession } from '../../../src/call/agent-session.js';
import { DEFAULT_PRIVACY_POLICY } from '../../../src/privacy/policy.js';
import { DialogError, type TurnResponse } from '../../../src/dialog/types.js';
import { parseActions } from '../../../src/dialog/actions.js';
import { FakeCall, FakeDialog, FakeStt, FakeTts, silentLog, settle, type Answer } from './fakes.js';

function agent(answers: Answer[], o: { remote?: boolean; transcripts?: string[] } = {}) {
  const clock = new FakeClock();
  const call = new FakeCall();
  const dialog = new FakeDialog(...answers);
  const stt = new FakeStt();
  stt.transcripts = o.transcripts ?? [];
  const tts = new FakeTts();
  const timings: unknown[] = [];
  const session = new AgentSession(call, {
    dialog, remoteDialog: o.remote ?? false, stt, tts, policy: DEFAULT_PRIVACY_POLICY, defaultCountry: 'GB', log: silentLog, clock,
    onTurnTimings: (t) => timings.push(t),
  });
  session.start();
  return { clock, call, dialog, stt, tts, timings };
}

const say = (text: string, context: Record<string, unknown> = {}, vgw?: unknown): Partial<TurnResponse> => ({
  text: [text], context, ...(vgw ? { actions: parseActions({ vgwActionSequence: vgw }).actions } : {}),
});
const turns = (call: FakeCall) => call.eventsOf('turn.completed');

test('the welcome turn: empty input, first-turn flag, the answer spoken, a turn.completed event', async () => {
  const a = agent([say('Hello, how can I help?')]);
  await settle();
  assert.deepEqual(a.dialog.requests[0]!.input, { text: '' });
  assert.equal(a.dialog.requests[0]!.isFirstTurn, true);
  assert.equal(a.dialog.requests[0]!.context['vgwSIPCallID'], 'call-1');
  assert.deepEqual(a.tts.spoken, ['Hello, how can I help?']);
  assert.equal(turns(a.call).length, 1);
  assert.equal(turns(a.call)[0]!['responses'], 1);
  assert.equal(a.timings.length, 1);
});

test('no input: a vgwPostResponseTimeout turn exactly when the dialog said, none before', async () => {
  const a = agent([say('Hello.', { vgwPostResponseTimeoutCount: 2500 }), say('Are you there?')]);
  await settle();
  a.clock.advance(2499);
  await settle();
  assert.equal(a.dialog.requests.length, 1, 'no turn before the timeout');
  a.clock.advance(1);
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'vgwPostResponseTimeout']);
});

test('caller speech clears the no-input timer; the recognised turn carries vgwSTTResponse and a transcription event', async () => {
  const a = agent([say('Hello.', { vgwPostResponseTimeoutCount: 2500 }), say('Your balance is ten.')], { transcripts: ['check my balance'] });
  await settle();
  a.clock.advance(2000);
  a.call.media.emit('speechStart', a.clock.now());
  a.clock.advance(600); // past the no-input deadline: cleared by the speech
  a.call.media.utter(a.clock.now() - 400);
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'check my balance']);
  const ctx = a.dialog.requests[1]!.context;
  assert.equal(ctx['vgwIsDTMF'], false);
  assert.equal((ctx['vgwSTTResponse'] as { results: { alternatives: { transcript: string }[] }[] }).results[0]!.alternatives[0]!.transcript, 'check my balance');
  assert.equal(a.call.eventsOf('transcription')[0]!['transcript'], 'check my balance');
  assert.equal(turns(a.call)[1]!['endpointingMs'], 400);
});

test('a key press is a DTMF turn; too many no-input turns in a row end the call', async () => {
  const a = agent([say('Hello.', { vgwPostResponseTimeoutCount: 1000, vgwDisconnectCallOnNoUserInputTurnCount: 1 }), say('One.'), say('Again?'), say('never')]);
  await settle();
  a.call.press('1');
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'dtmf:1']);
  assert.equal(a.dialog.requests[1]!.context['vgwIsDTMF'], true);
  a.clock.advance(1000);
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'dtmf:1', 'vgwPostResponseTimeout']);
  a.clock.advance(1000);
  await settle();
  assert.equal(a.dialog.requests.length, 3, 'the second no-input in a row is over the limit');
  assert.deepEqual(a.call.hangups, [{ reason: 'local-bye', headers: undefined }]);
});

test('vgwActCollectDTMF: digits collected into one turn; no listening (no no-input timer) while collecting', async () => {
  const a = agent([
    say('Card number then hash.', { vgwPostResponseTimeoutCount: 5000 }, [{ command: 'vgwActCollectDTMF', parameters: { dtmfTermKey: '#', dtmfMinCount: 4 } }]),
    say('Thanks.'),
  ]);
  await settle();
  a.clock.advance(4000);
  for (const d of '4111') a.call.press(d);
  a.clock.advance(4000);
  a.call.press('#');
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'dtmf:4111']);
  assert.equal(a.dialog.requests[1]!.context['vgwDTMFCollectionSucceeded'], true);
  assert.equal(a.call.eventsOf('turn.completed').length, 2);
});

test('DTMF collection timing out with nothing keyed gives a no-input turn', async () => {
  const a = agent([say('Key your PIN.', { vgwPostResponseTimeoutCount: 3000 }, [{ command: 'vgwActCollectDTMF', parameters: { dtmfCount: 4 } }]), say('Hello?')]);
  await settle();
  a.clock.advance(2999);
  await settle();
  assert.equal(a.dialog.requests.length, 1);
  a.clock.advance(1);
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'vgwPostResponseTimeout']);
});

test('speech barge-in pauses playout; words that are not a backchannel stop it and the next turn says so; with barge-in disabled the prompt plays on', async () => {
  const a = agent([say('A long welcome.'), say('Yes?')], { transcripts: ['agent'] });
  a.call.media.autoFinish = false;
  await settle();
  assert.equal(a.call.media.playing, true);
  a.call.media.emit('bargeIn', a.clock.now());
  assert.equal(a.call.media.paused, true, 'paused while the words are judged');
  a.call.media.utter(a.clock.now());
  await settle();
  assert.equal(a.call.media.stops, 1, 'stopped: "agent" is not a backchannel');
  assert.equal(a.dialog.requests[1]!.context['vgwBargeInOccurred'], true);

  const b = agent([say('Listen carefully.', {}, [{ command: 'vgwActDisableSpeechBargeIn' }, { command: 'vgwActPlayText', parameters: { text: ['Terms apply.'] } }])]);
  b.call.media.autoFinish = false;
  await settle();
  assert.equal(b.tts.spoken.at(-1), 'Terms apply.', 'a vgwActPlayText with text of its own replaces the response text');
  b.call.media.emit('bargeIn', b.clock.now());
  assert.equal(b.call.media.playing, true, 'barge-in disabled by the previous action');
});

test('a dialog that does not answer in time gets an error turn on the clock; three failures in a row end the call', async () => {
  const a = agent(['hang', new DialogError('bad-response', 'x'), new DialogError('network', 'y')]);
  await settle();
  a.clock.advance(9_999);
  await settle();
  assert.equal(turns(a.call).length, 0);
  a.clock.advance(1);
  await settle();
  assert.equal(turns(a.call)[0]!['error'], 'aborted', 'the turn deadline (10 s by default) aborted the request');
  assert.deepEqual(a.tts.spoken, ['Sorry, something went wrong on our side.']);
  a.call.press('1');
  await settle();
  a.call.press('2');
  await settle();
  assert.deepEqual(turns(a.call).map((t) => t['error']), ['aborted', 'bad-response', 'network']);
  assert.equal(a.call.hangups.length, 1);
});

test('vgwActForceNoInputTurn: the dialog gets a vgwNoInputTurn turn right after', async () => {
  const a = agent([say('Hmm.', {}, [{ command: 'vgwActForceNoInputTurn' }]), say('Anything else?')]);
  await settle();
  a.clock.advance(0);
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'vgwNoInputTurn']);
  assert.deepEqual(a.tts.spoken, ['Hmm.', 'Anything else?']);
});

test('a remote dialog gets tokens, not the card number; its answer is spoken restored and never cached', async () => {
  const a = agent([say('Your card number?'), { text: [], context: {} }], { remote: true, transcripts: ['4111 1111 1111 1111'] });
  await settle();
  a.call.media.utter(a.clock.now());
  await settle();
  const sent = JSON.stringify(a.dialog.requests[1]);
  assert.ok(!sent.includes('4111'), sent);
  const token = (a.dialog.requests[1]!.input as { text: string }).text;
  assert.match(token, /\[[A-Z_]+_\d+\]/);
  a.dialog.answers.push(say(`I heard ${token}.`));
  a.call.press('#');
  await settle();
  assert.equal(a.tts.spoken.at(-1), 'I heard 4111 1111 1111 1111.');
  assert.equal(a.tts.requests.at(-1)!.noCache, true);
});

test('the caller hanging up: the dialog hears vgwHangUp, timers stop, the dialog is closed', async () => {
  const a = agent([say('Hello.', { vgwPostResponseTimeoutCount: 1000 }), say('ignored')]);
  await settle();
  a.call.end('remote-bye');
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'vgwHangUp']);
  assert.equal(a.dialog.requests[1]!.context['vgwHangupReason'], 'caller');
  assert.equal(a.dialog.closed, true);
  assert.equal(a.clock.pendingTimers, 0);
  a.clock.advance(60_000);
  await settle();
  assert.equal(a.dialog.requests.length, 2, 'nothing after the end');
  assert.deepEqual(a.tts.spoken, ['Hello.']);
});
