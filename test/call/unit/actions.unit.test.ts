/**
 * Each action handler on its own, with an in-memory call and a FakeClock: what it does to the call,
 * what it asks of the turn loop, and whether the turn goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/time/clock.js';
import { ACTION_HANDLERS, runAction } from '../../../src/call/actions/index.js';
import type { ActionContext, AgentFlags } from '../../../src/call/actions/types.js';
import { ACTION_NAMES, parseAction, type ActionCommand } from '../../../src/dialog/actions.js';
import type { DialogSettings, GatewayTurnState } from '../../../src/dialog/context-vars.js';
import type { TurnInput } from '../../../src/dialog/types.js';
import type { PlaySource } from '../../../src/media/player/index.js';
import { CallServices } from '../../../src/call/call-services.js';
import type { CollectSpec } from '../../../src/call/dtmf-collector.js';
import { FakeCall, FakeDialog, FakeStt, silentLog, settle } from './fakes.js';

interface Harness {
  ctx: ActionContext;
  call: FakeCall;
  clock: FakeClock;
  abort: AbortController;
  spoken: string[];
  said: string[];
  played: PlaySource[];
  collections: CollectSpec[];
  nextState: Partial<GatewayTurnState>;
  scheduled: { input?: TurnInput; state?: Partial<GatewayTurnState>; noInput?: string }[];
  services: CallServices;
  stt: FakeStt;
}

function harness(settings: DialogSettings = {}, texts: string[] = ['Hello.', 'How can I help?']): Harness {
  const call = new FakeCall();
  const clock = new FakeClock();
  const abort = new AbortController();
  const stt = new FakeStt('embedded');
  const services = new CallServices({ stt, dialog: new FakeDialog(), remoteDialog: false }, silentLog);
  const h: Omit<Harness, 'ctx'> = { call, clock, abort, spoken: [], said: [], played: [], collections: [], nextState: {}, scheduled: [], services, stt };
  const flags: AgentFlags = { speechBargeIn: true, dtmfBargeIn: true, sttPaused: false, sttDuringPlayback: true, dtmfPaused: false, transcriptionReports: true };
  let used = false;
  const ctx: ActionContext = {
    call, flags, settings, services, turn: 1, signal: abort.signal, clock, log: silentLog,
    speak: async (t) => void h.spoken.push(t),
    say: async (t) => void h.said.push(t),
    play: async (s) => void h.played.push(s),
    takeResponseText: () => (used ? '' : ((used = true), texts.join(' '))),
    collectDigits: (s) => void h.collections.push(s),
    nextTurnState: (s) => void Object.assign(h.nextState, s),
    scheduleTurn: (input, state) => void h.scheduled.push({ input, state }),
    scheduleNoInputTurn: (text) => void h.scheduled.push({ noInput: text }),
  };
  return { ...h, ctx };
}

/** An action as a dialog would write it, through the one parse boundary. */
function action(command: string, parameters: Record<string, unknown> = {}): ActionCommand {
  const p = parseAction({ command, parameters });
  assert.ok(p.ok, p.ok ? '' : p.error.message);
  return p.action;
}

test('the table has exactly one handler for every command of the vocabulary', () => {
  assert.deepEqual(Object.keys(ACTION_HANDLERS).sort(), [...ACTION_NAMES].sort());
});

test('vgwActPlayText speaks its own text, else the response text once; vgwActPlayUrl plays the URL', async () => {
  const h = harness();
  assert.equal(await runAction(action('vgwActPlayText'), h.ctx), 'next');
  assert.equal(await runAction(action('vgwActPlayText'), h.ctx), 'next');
  assert.equal(await runAction(action('vgwActPlayText', { text: ['One.', 'Two.'] }), h.ctx), 'next');
  assert.deepEqual(h.spoken, ['Hello. How can I help?', 'One. Two.']);
  await runAction(action('vgwActPlayUrl', { url: 'https://example.com/a.wav' }), h.ctx);
  assert.deepEqual(h.played, [{ kind: 'url', url: 'https://example.com/a.wav' }]);
});

test('vgwActHangup ends the call and tells the next turn why; vgwActForceNoInputTurn asks for a no-input turn', async () => {
  const h = harness();
  assert.equal(await runAction(action('vgwActHangup'), h.ctx), 'stop');
  assert.deepEqual(h.call.hangups, [{ reason: 'local-bye', headers: undefined }]);
  assert.equal(h.nextState.hangupReason, 'dialog');
  const g = harness();
  assert.equal(await runAction(action('vgwActForceNoInputTurn'), g.ctx), 'stop');
  assert.deepEqual(g.scheduled, [{ noInput: 'vgwNoInputTurn' }]);
});

test('vgwActCollectDTMF turns its parameters into a collection (IBM defaults)', async () => {
  const h = harness();
  await runAction(action('vgwActCollectDTMF', { dtmfTermKey: '#', dtmfMinCount: '4' }), h.ctx);
  await runAction(action('vgwActCollectDTMF', { dtmfCount: 6, dtmfInterDigitTimeoutCount: 2000, dtmfIgnoreSpeech: 'true' }), h.ctx);
  await runAction(action('vgwActCollectDTMF'), h.ctx);
  assert.deepEqual(h.collections, [
    { termKey: '#', min: 4, max: 64, interDigitMs: 5000, ignoreSpeech: false },
    { termKey: undefined, min: 6, max: 6, interDigitMs: 2000, ignoreSpeech: true },
    { termKey: undefined, min: 1, max: 1, interDigitMs: 5000, ignoreSpeech: false },
  ]);
});

test('the switch commands flip their flag; pausing STT stops the endpointer feed', async () => {
  const h = harness();
  const pairs: [string, keyof AgentFlags, boolean][] = [
    ['vgwActPauseDTMF', 'dtmfPaused', true],
    ['vgwActUnPauseDTMF', 'dtmfPaused', false],
    ['vgwActDisableSTTDuringPlayback', 'sttDuringPlayback', false],
    ['vgwActEnableSTTDuringPlayback', 'sttDuringPlayback', true],
    ['vgwActDisableSpeechBargeIn', 'speechBargeIn', false],
    ['vgwActEnableSpeechBargeIn', 'speechBargeIn', true],
    ['vgwActDisableDTMFBargeIn', 'dtmfBargeIn', false],
    ['vgwActEnableDTMFBargeIn', 'dtmfBargeIn', true],
    ['vgwActDisableTranscriptionReport', 'transcriptionReports', false],
    ['vgwActEnableTranscriptionReport', 'transcriptionReports', true],
  ];
  for (const [command, flag, value] of pairs) {
    assert.equal(await runAction(action(command), h.ctx), 'next');
    assert.equal(h.ctx.flags[flag], value, command);
  }
  await runAction(action('vgwActPauseSTT'), h.ctx);
  assert.equal(h.ctx.flags.sttPaused, true);
  assert.equal(h.call.media.listening, false);
  await runAction(action('vgwActUnPauseSTT'), h.ctx);
  assert.equal(h.ctx.flags.sttPaused, false);
  assert.equal(h.call.media.listening, true);
  assert.equal(await runAction(action('vgwActExcludeFromTTSCache'), h.ctx), 'next');
});

test('vgwActSet*Config change the call services as their updateMethod says', async () => {
  const h = harness();
  await runAction(action('vgwActSetTTSConfig', { config: { voice: 'en-US_MichaelV3Voice', cacheTimeToLive: 60 }, updateMethod: 'replaceOnce' }), h.ctx);
  assert.deepEqual(h.services.ttsOptions(), { voice: 'en-US_MichaelV3Voice', cacheTimeToLiveSec: 60 });
  h.services.turnEnded(1);
  assert.equal(h.services.ttsOptions().voice, 'en-US_MichaelV3Voice', 'a once-change made in turn 1 lasts through turn 2');
  h.services.turnEnded(2);
  assert.equal(h.services.ttsOptions().voice, undefined);
  await runAction(action('vgwActSetSTTConfig', { config: { language: 'en-GB', model: 'x' } }), h.ctx);
  const s = await h.services.sttForTurn();
  assert.equal(s.stt, h.stt, 'no credentials: the application recogniser');
  assert.deepEqual(s.options, { language: 'en-GB', model: 'x' });
  await runAction(action('vgwActSetConversationConfig', { config: { workspace_id: 'ws-two' } }), h.ctx);
  const d = await h.services.dialogForTurn();
  assert.equal(d.remote, false, 'no service builder: the application dialog stays');
});

test('vgwActSendSIPInfo sends an INFO with its body, content type and headers', async () => {
  const h = harness();
  await runAction(action('vgwActSendSIPInfo', { body: { a: 1 }, headers: [{ name: 'X-Case', value: '42' }] }), h.ctx);
  await runAction(action('vgwActSendSIPInfo', { body: 'hi', contentType: 'text/x-note' }), h.ctx);
  assert.deepEqual(h.call.infos, [
    { headers: [['X-Case', '42']], body: '{"a":1}', contentType: 'application/json' },
    { headers: [], body: 'hi', contentType: 'text/x-note' },
  ]);
});

test('vgwActSendDTMF paces the digits on the clock, falls back to SIP INFO, and stops when the call ends', async () => {
  const h = harness();
  const done = runAction(action('vgwActSendDTMF', { digits: '12', durationMs: 100, gapMs: 100 }), h.ctx);
  await settle(2);
  assert.deepEqual(h.call.media.dtmfSent, ['1']);
  h.clock.advance(259);
  await settle(2);
  assert.deepEqual(h.call.media.dtmfSent, ['1'], 'tone + gap + slack not yet over');
  h.clock.advance(1);
  await settle(2);
  assert.deepEqual(h.call.media.dtmfSent, ['1', '2']);
  h.clock.advance(260);
  assert.equal(await done, 'next');

  const g = harness();
  g.call.media.telephoneEvent = false;
  const sending = runAction(action('vgwActSendDTMF', { digits: '5#9' }), g.ctx);
  await settle(2);
  assert.deepEqual(g.call.infos, [{ body: 'Signal=5\r\nDuration=100\r\n', contentType: 'application/dtmf-relay' }]);
  g.abort.abort();
  assert.equal(await sending, 'next');
  assert.equal(g.call.infos.length, 1, 'nothing more after the call ended');
  assert.equal(g.clock.pendingTimers, 0);
});

test('vgwActAddCustomCDRData merges its fields into the call record', async () => {
  const h = harness();
  await runAction(action('vgwActAddCustomCDRData', { tier: 'gold' }), h.ctx);
  await runAction(action('vgwActAddCustomCDRData', { score: 3, tier: 'silver' }), h.ctx);
  assert.deepEqual(h.call.customCdr, { tier: 'silver', score: 3 });
});

test('vgwActTransfer by REFER: success hangs up; the REFER carries the headers and UUI', async () => {
  const h = harness({ vgwTransferTarget: 'sip:fallback@pbx' });
  const r = await runAction(action('vgwActTransfer', { transferTarget: 'sip:agent@pbx', transferHeaders: [{ name: 'X-Queue', value: 'gold' }], uuiData: '01ab', acceptTransferRejectCodes: [486] }), h.ctx);
  assert.equal(r, 'stop');
  const t = h.call.transfers[0]!;
  assert.equal(t.target, 'sip:agent@pbx');
  assert.deepEqual(t.headers, [['X-Queue', 'gold'], ['User-to-User', '01ab;encoding=hex']]);
  assert.deepEqual(t.acceptCodes, [486]);
  assert.deepEqual(h.call.eventsOf('transfer.started'), [{ type: 'transfer.started', target: 'sip:agent@pbx', method: 'REFER' }]);
  assert.deepEqual(h.call.eventsOf('transfer.completed'), [{ type: 'transfer.completed', target: 'sip:agent@pbx', method: 'REFER', result: '200' }]);
  assert.deepEqual(h.call.hangups, [{ reason: 'local-bye', headers: undefined }]);
});

test('vgwActTransfer failing: the message is said and the dialog gets a vgwCallTransferFailed turn, or the call ends', async () => {
  const h = harness({ vgwTransferTarget: 'sip:agent@pbx', vgwTransferFailedMessage: 'No luck.' });
  h.call.referOutcome = { ok: false, failure: 'failed', status: 486, reason: '486 Busy Here' };
  assert.equal(await runAction(action('vgwActTransfer'), h.ctx), 'stop');
  assert.deepEqual(h.call.eventsOf('transfer.failed'), [{ type: 'transfer.failed', target: 'sip:agent@pbx', reason: '486 Busy Here' }]);
  assert.deepEqual(h.said, ['No luck.']);
  assert.deepEqual(h.scheduled, [{ input: { text: 'vgwCallTransferFailed' }, state: { callTransferFailed: true, transferReason: '486 Busy Here' } }]);
  assert.equal(h.call.hangups.length, 0);

  const g = harness({ vgwDisconnectCallOnTransferFailure: true });
  assert.equal(await runAction(action('vgwActTransfer'), g.ctx), 'stop');
  assert.equal(g.call.eventsOf('transfer.failed')[0]!['reason'], 'no transfer target');
  assert.deepEqual(g.said, ['Sorry, the transfer did not go through.']);
  assert.equal(g.scheduled.length, 0);
  assert.equal(g.call.hangups.length, 1);
});

test('vgwActTransfer by HANGUP ends the call with the target in a header; a call that ended meanwhile stops quietly', async () => {
  const h = harness();
  await runAction(action('vgwActTransfer', { transferTarget: 'tel:+15551230000', transferMethod: 'hangup', transferTargetHeader: 'X-Target' }), h.ctx);
  assert.deepEqual(h.call.hangups, [{ reason: 'local-bye', headers: [['X-Target', '<tel:+15551230000>']] }]);
  assert.deepEqual(h.call.eventsOf('transfer.completed'), [{ type: 'transfer.completed', target: 'tel:+15551230000', method: 'HANGUP' }]);

  const g = harness();
  g.call.referOutcome = { ok: false, failure: 'aborted', reason: 'transfer abandoned' };
  g.abort.abort();
  assert.equal(await runAction(action('vgwActTransfer', { transferTarget: 'sip:a@b' }), g.ctx), 'stop');
  assert.equal(g.call.eventsOf('transfer.failed').length, 0);
  assert.equal(g.said.length, 0);
});

test('vgwActStartStream starts the application stream with the extra parameters (no URL from the dialog); vgwActStopStream stops it; a refusal does not stop the turn', async () => {
  const h = harness();
  assert.equal(await runAction(action('vgwActStartStream', { parameters: { topic: 'billing' } }), h.ctx), 'next');
  assert.equal(await runAction(action('vgwActStopStream'), h.ctx), 'next');
  assert.deepEqual(h.call.streams, [{ topic: 'billing' }, 'stop']);
  assert.equal(parseAction({ command: 'vgwActStartStream', parameters: { url: 'wss://elsewhere.example/' } }).ok, true, 'unknown fields are ignored by the parser…');
  await runAction(action('vgwActStartStream', { url: 'wss://elsewhere.example/' }), h.ctx);
  assert.deepEqual(h.call.streams[2], {}, '…and never reach the call: the stream goes where the application says');
  h.call.streamError = 'the application has no stream configured';
  assert.equal(await runAction(action('vgwActStartStream'), h.ctx), 'next');
});
