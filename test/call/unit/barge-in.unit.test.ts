/**
 * A possible interruption judged by its words (call/barge-in.ts) in the turn loop, on a FakeClock
 * with an in-memory call: the prompt pauses; words that are not a backchannel stop it and become
 * the turn; nothing, a backchannel, a too-short sound or no words within the timeout resume it
 * where it stopped; what is heard over a prompt without interrupting it (echo) is no turn; the
 * dialog expecting "yeah" makes it an answer; DTMF barge-in still stops at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/time/clock.js';
import { AgentSession } from '../../../src/call/agent-session.js';
import { BackchannelMatcher, estimateSyllables } from '../../../src/call/barge-in-words.js';
import { DEFAULT_INTERRUPTION, InterruptionJudge, bargeInDetectorOptionsOf, interruptionOutcome } from '../../../src/call/barge-in.js';
import type { SttOutcome } from '../../../src/speech/index.js';
import { DEFAULT_PRIVACY_POLICY } from '../../../src/privacy/policy.js';
import { bargeInConfigSchema, type BargeInConfig } from '../../../src/speech/config.js';
import type { Dialog } from '../../../src/dialog/types.js';
import { parseActions } from '../../../src/dialog/actions.js';
import { FakeCall, FakeDialog, FakeStt, FakeTts, silentLog, settle, type Answer } from './fakes.js';

function agent(answers: Answer[], o: { transcripts?: string[]; bargeIn?: Partial<BargeInConfig>; phrases?: string[] } = {}) {
  const clock = new FakeClock();
  const call = new FakeCall();
  const dialog = new FakeDialog(...answers);
  if (o.phrases) (dialog as Dialog).expectations = () => ({ phrases: o.phrases! });
  const stt = new FakeStt();
  stt.transcripts = o.transcripts ?? [];
  const session = new AgentSession(call, {
    dialog, remoteDialog: false, stt, tts: new FakeTts(), policy: DEFAULT_PRIVACY_POLICY, defaultCountry: 'GB', log: silentLog, clock,
    bargeIn: bargeInConfigSchema.parse(o.bargeIn ?? {}),
  });
  session.start();
  call.media.autoFinish = false;
  return { clock, call, dialog, stt };
}
const hello = { text: ['A long welcome prompt.'], context: {} };
const yes = { text: ['Yes?'], context: {} };

test('a backchannel pauses the prompt, then it resumes where it stopped: no turn, nothing reported', async () => {
  for (const heard of ['mm-hmm', 'Uh-huh.', 'yeah okay', 'I see']) {
    const a = agent([hello, yes], { transcripts: [heard, 'balance'] });
    await settle();
    a.call.media.emit('bargeIn', a.clock.now());
    assert.equal(a.call.media.paused, true);
    a.call.media.utter(a.clock.now());
    await settle();
    assert.equal(a.call.media.paused, false, `${heard}: resumed`);
    assert.equal(a.call.media.resumes, 1);
    assert.equal(a.call.media.stops, 0);
    assert.equal(a.dialog.requests.length, 1, `${heard}: no turn`);
    assert.equal(a.call.eventsOf('transcription').length, 0);
    // The prompt then ends as usual and the next utterance is a normal turn, without vgwBargeInOccurred.
    a.call.media.finish();
    await settle();
    a.call.media.utter(a.clock.now());
    await settle();
    assert.equal(a.dialog.requests[1]!.context['vgwBargeInOccurred'], false);
  }
});

test('a long utterance interrupts whatever was recognised: a grammar decode may find nothing in words it cannot hold', async () => {
  const a = agent([hello, yes], { transcripts: ['', 'okay'] });
  await settle();
  a.call.media.emit('bargeIn', a.clock.now());
  a.call.media.emit('utterance', { startMs: 0, endMs: 2000, audioStartMs: 0, audio: new Int16Array(160 * 100), truncated: false, speechMs: 1900 });
  await settle();
  assert.equal(a.call.media.stops, 1, 'nothing recognised in 1.9 s of speech (past backchannelMaxMs, 1.5 s): still an interruption');
  assert.equal(a.call.media.resumes, 0);
});

test('nothing recognised, or a sound the endpointer drops as too short, resumes the prompt', async () => {
  const a = agent([hello, yes], { transcripts: [''] });
  await settle();
  a.call.media.emit('bargeIn', a.clock.now());
  a.call.media.utter(a.clock.now());
  await settle();
  assert.equal(a.call.media.resumes, 1);
  a.call.media.emit('bargeIn', a.clock.now());
  assert.equal(a.call.media.paused, true);
  a.call.media.emit('discard', 0, 0);
  assert.equal(a.call.media.paused, false);
  assert.equal(a.call.media.resumes, 2);
  assert.equal(a.dialog.requests.length, 1);
});

test('a pause that gets no words within resumeAfterMs resumes, but not while the caller is still speaking', async () => {
  const a = agent([hello], { bargeIn: { resumeAfterMs: 1500 } });
  await settle();
  a.call.media.emit('bargeIn', a.clock.now());
  a.call.media.callerSpeaking = true;
  a.clock.advance(1500);
  assert.equal(a.call.media.paused, true, 'the utterance is still going');
  a.call.media.callerSpeaking = false;
  a.clock.advance(1499);
  assert.equal(a.call.media.paused, true);
  a.clock.advance(1);
  assert.equal(a.call.media.paused, false);
  assert.equal(a.call.media.stops, 0);
});

test('the timer stops once the interrupting utterance is being recognised', async () => {
  const a = agent([hello, yes], { transcripts: ['check my balance'], bargeIn: { resumeAfterMs: 500 } });
  await settle();
  a.call.media.emit('bargeIn', a.clock.now());
  a.clock.advance(300);
  a.call.media.utter(a.clock.now());
  a.clock.advance(1000); // a slow recogniser: the timer must not resume the prompt meanwhile
  await settle();
  assert.equal(a.call.media.resumes, 0);
  assert.equal(a.call.media.stops, 1);
  assert.deepEqual(a.dialog.inputs(), ['', 'check my balance']);
  assert.equal(a.dialog.requests[1]!.context['vgwBargeInOccurred'], true);
});

test('"yeah" is an answer when the dialog expects it, a backchannel otherwise', async () => {
  const a = agent([hello, yes], { transcripts: ['yeah'], phrases: ['yeah', 'no'] });
  await settle();
  a.call.media.emit('bargeIn', a.clock.now());
  a.call.media.utter(a.clock.now());
  await settle();
  assert.equal(a.call.media.stops, 1);
  assert.deepEqual(a.dialog.inputs(), ['', 'yeah']);
  // While the interruption is judged, the grammar also holds the backchannels, so "mm-hmm" can be heard as such.
  const phrases = a.stt.turns.at(-1)!.grammar!.phrases;
  assert.ok(phrases.includes('yeah') && phrases.includes('mm-hmm') && phrases.includes('no'));
});

test('what is heard over a prompt without interrupting it (its echo) is no turn; with speech barge-in off, speech over it is', async () => {
  const a = agent([hello, yes], { transcripts: ['a long welcome prompt'] });
  await settle();
  a.call.media.utter(a.clock.now());
  await settle();
  assert.equal(a.dialog.requests.length, 1);
  assert.equal(a.stt.turns.length, 0, 'not even recognised');

  const b = agent([{ text: ['Listen.'], context: {}, actions: parseActions({ vgwActionSequence: [{ command: 'vgwActDisableSpeechBargeIn' }, { command: 'vgwActPlayText', parameters: { text: ['Terms apply.'] } }] }).actions }, yes], { transcripts: ['balance'] });
  await settle();
  b.call.media.emit('bargeIn', b.clock.now());
  assert.equal(b.call.media.paused, false, 'barge-in disabled: no pause');
  b.call.media.utter(b.clock.now());
  await settle();
  assert.equal(b.stt.turns.length, 1, 'speech over the prompt is recognised as before');
});

test('resumeFalseInterruptions off: the interruption stops the prompt at once (the old rule)', async () => {
  const a = agent([hello, yes], { transcripts: ['mm-hmm'], bargeIn: { resumeFalseInterruptions: false } });
  await settle();
  a.call.media.emit('bargeIn', a.clock.now());
  assert.equal(a.call.media.stops, 1);
  assert.equal(a.call.media.paused, false);
});

test('a key pressed while paused stops the prompt at once (DTMF barge-in)', async () => {
  const a = agent([hello, yes]);
  await settle();
  a.call.media.emit('bargeIn', a.clock.now());
  a.call.press('1');
  await settle();
  assert.equal(a.call.media.stops, 1);
  assert.equal(a.call.media.paused, false);
  a.clock.advance(10_000);
  assert.equal(a.call.media.resumes, 0, 'the pause timer was cancelled');
});

test('backchannel words: normalised spelling, phrases of several words, only whole transcripts', () => {
  const m = BackchannelMatcher.forLanguage('en');
  for (const t of ['mm-hmm', 'MM HMM', 'uh-huh', 'uh huh.', 'Yeah, okay.', 'i see', 'right right', 'got it']) assert.ok(m.isBackchannel(t), t);
  for (const t of ['', 'yeah I want my balance', 'stop', 'no', 'i', 'agent']) assert.ok(!m.isBackchannel(t), t);
  assert.ok(!m.isBackchannel('okay', ['Okay']), 'an expected answer');
  assert.ok(BackchannelMatcher.forLanguage('de-DE').isBackchannel('ja genau'));
  assert.ok(!BackchannelMatcher.forLanguage('xx').isBackchannel('mm-hmm'), 'an unknown language has no default list: every word interrupts');
  assert.ok(new BackchannelMatcher(['si claro']).isBackchannel('Si, claro'));
});

test('content-free words: how a recogniser hears a hum under echo ("m m h m m", "and an h m m", "the") is no interruption; content is', () => {
  const m = BackchannelMatcher.forLanguage('en-US');
  // Transcripts pocketsphinx gave for flite and espeak-ng renders of "mm-hmm", "uh-huh", "I see" (a study of 8 voices, no grammar).
  for (const t of ['m m h m m', 'mhm', 'huh', 'and an h m m', 'the', 'you', 'i have', 'but', 'oh', 'yeah you know']) assert.ok(m.isContentless(t) || m.isBackchannel(t), t);
  for (const t of ['m m h m m', 'mhm h']) assert.ok(m.isBackchannel(t), `${t}: vocalisations count as backchannel`);
  // Real interruptions, however short, and what a recogniser made of them when it got them wrong with content.
  for (const t of ['', 'stop', 'no', 'wait', 'agent', 'my balance', 'cancel that', 'hold on', 'how old are you', 'who are you', 'i think', 'and so on then', 'yes']) assert.ok(!m.isContentless(t), t);
  assert.ok(!m.isContentless('the', ['the']), 'an expected answer');
  assert.ok(!BackchannelMatcher.forLanguage('de').isContentless('the'), 'function words are per language');
});

test('a content-free transcript resumes the prompt like a backchannel; a short command stops it', async () => {
  for (const [heard, resumed] of [['and an h m m', true], ['the', true], ['stop', false], ['no', false]] as const) {
    const a = agent([hello, yes, yes], { transcripts: [heard, 'balance'] });
    await settle();
    a.call.media.emit('bargeIn', a.clock.now());
    a.call.media.utter(a.clock.now());
    await settle();
    assert.equal(a.call.media.resumes, resumed ? 1 : 0, `${heard}: resumed`);
    assert.equal(a.call.media.stops, resumed ? 0 : 1, `${heard}: stopped`);
  }
});

test('an open decode of a forced match says something only with an interruption word, two content words or an expected phrase', () => {
  const m = BackchannelMatcher.forLanguage('en');
  for (const stray of ['while', 'totally', 'm l h m m', 'an image of him', 'and independent', 'i see', "we're one of them h m m"])
    assert.ok(!m.saysSomething(stray), `"${stray}": what the open model writes over a hum`);
  for (const said of ['stop', 'please hold on', 'no', 'I want to pay my bill', 'what is my balance', 'get me an operator'])
    assert.ok(m.saysSomething(said), `"${said}" says something`);
  assert.ok(m.saysSomething('yes', ['yes', 'no']), 'an expected answer');
  assert.ok(!m.saysSomething('yes'));
});

test('an open decode with more syllables than its speech had time for is the language model\'s, not the caller\'s; interruption words are exempt', () => {
  const m = BackchannelMatcher.forLanguage('en');
  // What the open model wrote over flite and espeak-ng backchannels in bench/barge-in (7–8 syllables a second).
  for (const [stray, ms] of [['way back', 260], ['one night', 300], ['long time and h. and m.', 860], ["we're one of them h m m", 880]] as const)
    assert.ok(!m.saysSomething(stray, undefined, ms), `"${stray}" in ${ms} ms`);
  // Real speech it decoded ran at 3–5 a second; a short command is said fast and still interrupts.
  for (const [said, ms] of [['way back', 600], ['what he might even have been made in the rubble itself', 2840], ['the thirty three four or six ninety two', 2860], ['I want to pay my bill', 1300], ['no wait stop', 300], ['stop', 120]] as const)
    assert.ok(m.saysSomething(said, undefined, ms), `"${said}" in ${ms} ms`);
  assert.deepEqual(['time', 'seven', 'rubble', "we're", 'h', 'queen', 'itself', 'balance'].map((w) => estimateSyllables(w)), [1, 2, 2, 1, 1, 1, 2, 2]);
});

test('a forced grammar match whose open decode says nothing resumes the prompt like a hum; one that says something stops it', async () => {
  const forced: SttOutcome = { ok: true, result: { transcript: 'account balance', confidence: 1, acousticFitPerFrame: -44, alternatives: [], final: true } };
  const open = (transcript: string): Promise<SttOutcome> => Promise.resolve({ ok: true, result: { transcript, confidence: 0.5, alternatives: [], final: true } });
  for (const [heard, verdict] of [['totally', 'resumed'], ['I want to pay my bill', 'barge-in']] as const) {
    const call = new FakeCall();
    call.media.playing = true;
    const judge = new InterruptionJudge(call.media, new FakeClock(), DEFAULT_INTERRUPTION, () => true, () => undefined);
    judge.candidate();
    judge.recognising();
    const out = await interruptionOutcome(true, forced, () => open(heard), judge);
    assert.equal(judge.judge(out.ok ? out.result.transcript : undefined, 600), verdict, `"${heard}"`);
  }
  // The utterance's speech reaches the judge with `recognising`: two words in 260 ms were not heard.
  for (const [speechMs, verdict] of [[260, 'resumed'], [700, 'barge-in']] as const) {
    const call = new FakeCall();
    call.media.playing = true;
    const judge = new InterruptionJudge(call.media, new FakeClock(), DEFAULT_INTERRUPTION, () => true, () => undefined);
    judge.candidate();
    judge.recognising(speechMs);
    const out = await interruptionOutcome(true, forced, () => open('way back'), judge);
    assert.equal(judge.judge(out.ok ? out.result.transcript : undefined, speechMs), verdict, `"way back" in ${speechMs} ms`);
  }
});

test('in a call, the interrupting utterance\'s speech reaches the judge: an open decode of two words in 260 ms resumes the prompt, in 700 ms stops it', async () => {
  // The grammar forced "account balance" (fit −44, below MIN_ACOUSTIC_FIT); the open model wrote "way back".
  for (const [speechMs, resumed] of [[260, true], [700, false]] as const) {
    const a = agent([hello, yes], { transcripts: ['account balance', 'way back', 'balance'] });
    a.stt.fits = [-44];
    await settle();
    a.call.media.emit('bargeIn', a.clock.now());
    a.call.media.emit('utterance', { startMs: 0, endMs: speechMs + 100, audioStartMs: 0, audio: new Int16Array(8 * (speechMs + 100)), truncated: false, speechMs });
    await settle();
    assert.deepEqual([a.call.media.resumes, a.call.media.stops], resumed ? [1, 0] : [0, 1], `${speechMs} ms: ${resumed ? 'resumed' : 'stopped'}`);
  }
});

test('minSpeechMs: unset it follows the VAD (energy 120, Silero 100: its decision lags a window); set it is taken as is', () => {
  const unset = bargeInConfigSchema.parse({});
  assert.equal(unset.minSpeechMs, undefined);
  assert.equal(bargeInDetectorOptionsOf(unset).minSpeechMs, 120);
  assert.equal(bargeInDetectorOptionsOf(unset, 'energy').minSpeechMs, 120);
  assert.equal(bargeInDetectorOptionsOf(unset, 'silero').minSpeechMs, 100);
  assert.equal(bargeInDetectorOptionsOf(bargeInConfigSchema.parse({ minSpeechMs: 200 }), 'silero').minSpeechMs, 200);
  assert.throws(() => bargeInConfigSchema.parse({ minSpeechMs: 20 }), /minSpeechMs must be at least 40/);
});

test('vgwBargeInOnBackchannels: while the dialog has set it a backchannel stops the prompt and is the turn; nothing, a hum and the timer still resume; unset, backchannels resume again', async () => {
  const acknowledge = { text: ['Shall I go on with the details?'], context: { vgwBargeInOnBackchannels: true } };
  for (const [heard, stopped] of [['yeah', true], ['mm-hmm', true], ['okay', true], ['and an h m m', false], ['', false]] as const) {
    const a = agent([acknowledge, yes], { transcripts: [heard] });
    await settle();
    a.call.media.emit('bargeIn', a.clock.now());
    a.call.media.utter(a.clock.now());
    await settle();
    assert.equal(a.call.media.stops, stopped ? 1 : 0, `"${heard}" stopped`);
    assert.equal(a.call.media.resumes, stopped ? 0 : 1, `"${heard}" resumed`);
    assert.deepEqual(a.dialog.inputs(), stopped ? ['', heard] : [''], `"${heard}": the turn`);
  }
  // The dialog turns it off again ("true" as a string, as SOEs write it, then false).
  const a = agent([{ text: ['First.'], context: { vgwBargeInOnBackchannels: 'true' } }, { text: ['Second.'], context: { vgwBargeInOnBackchannels: false } }, yes], { transcripts: ['yeah', 'yeah'] });
  await settle();
  a.call.media.emit('bargeIn', a.clock.now());
  a.call.media.utter(a.clock.now());
  await settle();
  assert.equal(a.call.media.stops, 1, 'on: stopped');
  a.call.media.emit('bargeIn', a.clock.now());
  a.call.media.utter(a.clock.now());
  await settle();
  assert.equal(a.call.media.resumes, 1, 'off again: resumed');
  assert.equal(a.dialog.requests.length, 2);
});

test('vgwBargeInOnBackchannels: a forced grammar match onto a backchannel is decoded again, and stops the prompt only if the open decode hears one', async () => {
  const forced: SttOutcome = { ok: true, result: { transcript: 'mm-hmm', confidence: 1, acousticFitPerFrame: -44, alternatives: [], final: true } };
  const open = (transcript: string): Promise<SttOutcome> => Promise.resolve({ ok: true, result: { transcript, confidence: 0.5, alternatives: [], final: true } });
  for (const [heard, verdict] of [['yeah', 'barge-in'], ['m l h m m', 'resumed'], ['totally', 'resumed']] as const) {
    const call = new FakeCall();
    call.media.playing = true;
    let decodedAgain = false;
    const judge = new InterruptionJudge(call.media, new FakeClock(), DEFAULT_INTERRUPTION, () => true, () => undefined, () => true);
    judge.candidate();
    judge.recognising(400);
    const out = await interruptionOutcome(true, forced, () => ((decodedAgain = true), open(heard)), judge);
    assert.ok(decodedAgain, heard);
    assert.equal(judge.judge(out.ok ? out.result.transcript : undefined, 400), verdict, `"${heard}"`);
  }
});
