/**
 * The sensitive switch on the turn loop (in-memory call, FakeClock): turned on by a prompt that
 * asks for a secret and by `hgActSensitive`, what each destination gets while it is on (events,
 * dialog, TTS cache, a third-party recogniser), and that ordinary turns around it are untouched.
 * Also the recording's consent (announce, explicit) and its pauses as silence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { FakeClock } from '../../../src/time/clock.js';
import { AgentSession } from '../../../src/call/agent-session.js';
import { parsePrivacyPolicy, DEFAULT_PRIVACY_POLICY, type PrivacyPolicy } from '../../../src/privacy/policy.js';
import { parseActions } from '../../../src/dialog/actions.js';
import type { TurnResponse } from '../../../src/dialog/types.js';
import { SensitiveState } from '../../../src/call/sensitive-state.js';
import { CallRecording, type RecordedAudio } from '../../../src/call/call-recording.js';
import type { RecordingConsentSettings } from '../../../src/call/recording-control.js';
import { parseWav } from '../../../src/media/wav.js';
import { FakeCall, FakeDialog, FakeStt, FakeTts, silentLog, settle, type Answer } from './fakes.js';

const CARD = 'four one one one one one one one one one one one one one one one';

function agent(answers: Answer[], o: { remote?: boolean; transcripts?: string[]; policy?: PrivacyPolicy; stt?: FakeStt; call?: FakeCall } = {}) {
  const clock = new FakeClock();
  const call = o.call ?? new FakeCall();
  const dialog = new FakeDialog(...answers);
  const stt = o.stt ?? Object.assign(new FakeStt(), { local: true });
  stt.transcripts = o.transcripts ?? [];
  const tts = new FakeTts();
  new AgentSession(call, { dialog, remoteDialog: o.remote ?? true, stt, tts, policy: o.policy ?? DEFAULT_PRIVACY_POLICY, defaultCountry: 'GB', log: silentLog, clock }).start();
  return { clock, call, dialog, stt, tts };
}

const say = (text: string, vgw?: unknown): Partial<TurnResponse> => ({ text: [text], context: {}, ...(vgw ? { actions: parseActions({ vgwActionSequence: vgw }).actions } : {}) });

async function utter(a: ReturnType<typeof agent>): Promise<void> {
  a.call.media.utter(a.clock.now());
  await settle();
}

test('a prompt asking for the card number turns the switch on; the spoken number is [SENSITIVE] on the bus and one token to the dialog', async () => {
  const a = agent([say('Hello.'), say('Please tell me your card number.'), say('Thanks, [CREDIT_DEBIT_NUMBER_1] is noted. Anything else?'), say('Bye.')], { transcripts: ['pay my card', CARD, 'what are your opening hours'] });
  await settle();
  await utter(a); // ordinary turn
  assert.equal(a.call.sensitive.active, true, 'on after the prompt asked for the card number');
  assert.deepEqual(a.call.sensitive.reasons, ['expected:CREDIT_DEBIT_NUMBER']);
  await utter(a); // the card number
  await utter(a); // ordinary again
  const tr = a.call.eventsOf('transcription');
  assert.equal(tr[0]!['transcript'], 'pay my card');
  assert.equal(tr[1]!['transcript'], '[SENSITIVE]');
  assert.deepEqual(tr[1]!['sensitive'], { words: 16 });
  assert.deepEqual(tr[1]!['alternatives'], []);
  assert.equal(tr[2]!['transcript'], 'what are your opening hours', 'the turn after is reported as before');
  const inputs = a.dialog.inputs();
  assert.equal(inputs[1], 'pay my card');
  assert.equal(inputs[2], '[CREDIT_DEBIT_NUMBER_1]');
  assert.equal(inputs[3], 'what are your opening hours');
  assert.ok(!JSON.stringify(a.dialog.requests).includes('four one'), 'no raw words in any dialog request');
  assert.equal(a.call.sensitive.active, false, 'the next prompt asked for nothing secret');
  const iv = a.call.sensitive.intervals();
  assert.equal(iv.length, 1);
  assert.deepEqual({ words: iv[0]!.words, digits: iv[0]!.digits, reasons: iv[0]!.reasons }, { words: 16, digits: 0, reasons: ['expected:CREDIT_DEBIT_NUMBER'] });
  // the answer is spoken with the value restored, and never cached
  const reply = a.tts.requests.find((r) => r.text.startsWith('Thanks'))!;
  assert.equal(reply.text, `Thanks, ${CARD} is noted. Anything else?`);
  assert.equal(reply.noCache, true);
  assert.equal(a.tts.requests.find((r) => r.text === 'Bye.')!.noCache, false);
});

test('hgActSensitive turns the switch on and off; keys go to the dialog as a token even when the policy allows DTMF', async () => {
  const parsed = parsePrivacyPolicy({ dialog: { dtmf: 'allow' } });
  assert.ok(parsed.ok);
  const a = agent(
    [say('Hello.', [{ command: 'hgActSensitive', parameters: { on: true } }]), say('Got it.', [{ command: 'hgActSensitive', parameters: { on: 'false' } }]), say('Menu.')],
    { policy: parsed.policy },
  );
  await settle();
  assert.equal(a.call.sensitive.active, true);
  assert.deepEqual(a.call.sensitive.reasons, ['dialog']);
  a.call.press('7');
  await settle();
  assert.equal(a.call.sensitive.active, false);
  a.call.press('2');
  await settle();
  assert.deepEqual(a.dialog.inputs(), ['', 'dtmf:[SENSITIVE_1]', 'dtmf:2'], 'a key while on is a token; after off, as the policy says (allow)');
  const changes = a.call.events.filter((e) => e.type === 'sensitive.changed');
  assert.equal(changes.length, 0, 'the FakeCall has no event bus for the switch: the ActiveCall emits those');
});

test('a recogniser outside the process hears silence while the switch is on', async () => {
  const heard: number[] = [];
  const remote = new FakeStt('watson');
  const start = remote.startTurn.bind(remote);
  remote.startTurn = (s) => {
    const st = start(s);
    return { ...st, push: (f: Int16Array) => void heard.push(f.some((x) => x !== 0) ? 1 : 0) };
  };
  const a = agent([say('What is your PIN?'), say('Thanks.')], { stt: remote, transcripts: ['one two three four'] });
  await settle();
  assert.equal(a.call.sensitive.active, true);
  const u = { startMs: 0, endMs: 500, audioStartMs: 0, audio: new Int16Array(160 * 5).fill(1000), truncated: false };
  a.call.media.emit('utterance', u);
  await settle();
  assert.ok(heard.length > 0);
  assert.ok(heard.every((x) => x === 0), 'only silence left for the third party');
});

// ---- recording ------------------------------------------------------------------------------

class FakeAudio extends EventEmitter<{ frame: [Int16Array, number]; sent: [Int16Array, number] }> {}

function recording(consent: Partial<RecordingConsentSettings> = {}, channels: 'mono' | 'stereo' = 'stereo') {
  const audio = new FakeAudio();
  const sensitive = new SensitiveState(() => 0);
  const stored: RecordedAudio[] = [];
  const rec = new CallRecording(audio, sensitive, {
    channels, maxSeconds: 60, consent: { mode: 'none', key: '1', timeoutMs: 5000, ...consent },
    store: async (r) => void stored.push(r),
  });
  const frames = (n: number, from: number, value: number) => {
    for (let i = 0; i < n; i++) {
      audio.emit('frame', new Int16Array(160).fill(value), (from + i) * 20);
      audio.emit('sent', new Int16Array(160).fill(-value), (from + i) * 20);
    }
  };
  return { audio, sensitive, rec, stored, frames };
}

test('recording: a sensitive span is silence of the same length, listed as a pause', () => {
  const r = recording();
  r.rec.start('not-required');
  r.frames(10, 0, 500);
  r.sensitive.set('dialog');
  r.frames(5, 10, 700); // a card number being keyed: must not be in the file
  r.sensitive.clearAll();
  r.frames(10, 15, 500);
  r.rec.finish();
  const a = r.stored[0]!;
  assert.equal(a.durationMs, 500);
  assert.deepEqual(a.pauses, [{ fromMs: 200, toMs: 300, reasons: ['sensitive'] }]);
  const wav = parseWav(a.wav);
  assert.ok(wav.ok);
  const s = wav.wav.samples;
  assert.equal(wav.wav.channels, 2);
  const frame = (k: number) => s.subarray(k * 320, (k + 1) * 320);
  assert.ok(frame(3).every((x, i) => x === (i % 2 ? -500 : 500)));
  for (let k = 10; k < 15; k++) assert.ok(frame(k).every((x) => x === 0), `frame ${k} silent`);
  assert.ok(frame(20).some((x) => x !== 0));
  assert.equal(r.rec.summary().outcome, 'not-required');
});

test('recording: nothing is captured before consent, and a refusal is final', () => {
  const r = recording({ mode: 'announce' });
  r.frames(5, 0, 500);
  r.rec.refuse('announcement-cut');
  r.rec.start('announced');
  r.frames(5, 5, 500);
  r.rec.finish();
  assert.equal(r.stored.length, 0);
  assert.deepEqual(r.rec.summary(), { consent: 'announce', outcome: 'announcement-cut', recorded: false, pauses: [] });
  const h = recording({ mode: 'explicit' });
  h.rec.finish();
  assert.equal(h.rec.summary().outcome, 'caller-hung-up');
});

function consentCall(consent: Partial<RecordingConsentSettings>) {
  const call = new FakeCall();
  const r = recording(consent, 'mono');
  call.recording = r.rec;
  return { call, r };
}

test('consent announce: the welcome turn waits for the announcement; recording starts only if it played in full', async () => {
  const ok = consentCall({ mode: 'announce', announcement: 'This call is recorded.' });
  const a = agent([say('Hello.')], { call: ok.call });
  await settle();
  assert.equal(a.tts.spoken[0], 'This call is recorded.');
  assert.equal(ok.r.rec.summary().outcome, 'announced');
  assert.equal(a.dialog.requests.length, 1, 'the welcome turn came after');

  const cut = consentCall({ mode: 'announce' });
  cut.call.media.autoFinish = false;
  const b = agent([say('Hello.')], { call: cut.call });
  await settle();
  cut.call.media.finish('stopped'); // cut short
  await settle();
  assert.equal(cut.r.rec.summary().outcome, 'announcement-cut');

  const gone = consentCall({ mode: 'announce' });
  gone.call.media.autoFinish = false;
  agent([say('Hello.')], { call: gone.call });
  await settle();
  gone.call.end('remote-bye'); // the caller hangs up during the announcement
  await settle();
  gone.r.rec.finish();
  assert.equal(gone.r.rec.summary().recorded, false);
  assert.notEqual(gone.r.rec.summary().outcome, 'announced');
  assert.equal(b.dialog.requests.length, 1);
});

test('consent explicit: the key agrees, another key or silence refuses; keys during consent are not dialog turns', async () => {
  const yes = consentCall({ mode: 'explicit', key: '1', timeoutMs: 4000 });
  const a = agent([say('Hello.')], { call: yes.call });
  await settle();
  yes.call.press('1');
  await settle();
  assert.equal(yes.r.rec.summary().outcome, 'agreed');
  assert.deepEqual(a.dialog.inputs(), [''], 'the consent key was not a dialog turn');

  const no = consentCall({ mode: 'explicit', key: '1', timeoutMs: 4000 });
  agent([say('Hello.')], { call: no.call });
  await settle();
  no.call.press('2');
  await settle();
  assert.equal(no.r.rec.summary().outcome, 'refused');

  const silent = consentCall({ mode: 'explicit', key: '1', timeoutMs: 4000 });
  const c = agent([say('Hello.')], { call: silent.call });
  await settle();
  c.clock.advance(3999);
  await settle();
  assert.equal(silent.r.rec.summary().outcome, 'pending');
  c.clock.advance(1);
  await settle();
  assert.equal(silent.r.rec.summary().outcome, 'refused');
});

test('consent explicit by phrase: the words heard agree; the utterance is not a dialog turn', async () => {
  const yes = consentCall({ mode: 'explicit', key: '1', phrase: 'yes I agree', timeoutMs: 4000 });
  const a = agent([say('Hello.')], { call: yes.call, transcripts: ['well yes i agree'] });
  await settle();
  a.call.media.utter(a.clock.now());
  await settle();
  assert.equal(yes.r.rec.summary().outcome, 'agreed');
  assert.deepEqual(a.dialog.inputs(), ['']);
  assert.deepEqual(a.stt.turns[0]!.grammar?.phrases, ['yes I agree'], 'recognised with the phrase as the grammar');
});
