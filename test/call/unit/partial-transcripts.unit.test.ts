/**
 * Partial transcripts to a dialog that asked for them (src/call/partial-transcripts.ts, the gate's
 * outboundPartial): the turn loop with an in-memory call. Only a remote dialog with `partial` gets
 * them; free speech is decoded at a pause only then; every number being dictated is masked (never a
 * token), whatever its length; nothing goes while the sensitive switch is on or under a `drop` rule;
 * one request in flight, the newest waiting, the utterance's end drops what waits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/time/clock.js';
import { AgentSession } from '../../../src/call/agent-session.js';
import { DEFAULT_PRIVACY_POLICY, type PrivacyPolicy } from '../../../src/privacy/policy.js';
import { CallPrivacy } from '../../../src/privacy/index.js';
import { DialogGate } from '../../../src/call/dialog-gate.js';
import { PartialTranscripts } from '../../../src/call/partial-transcripts.js';
import type { PartialRequest } from '../../../src/dialog/types.js';
import { FakeCall, FakeDialog, FakeStt, FakeTts, silentLog, settle } from './fakes.js';

const NUMBER_WORDS = /\b(zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|double|triple|hundred|thousand)\b|\d/i;

function agent(transcripts: string[], o: { remote?: boolean; partials?: boolean; welcome?: string; policy?: PrivacyPolicy; phrases?: string[] } = {}) {
  const clock = new FakeClock();
  const call = new FakeCall();
  const dialog = new FakeDialog({ text: [o.welcome ?? 'Hello, how can I help?'] }, { text: ['Thanks.'] });
  const received: PartialRequest[] = [];
  if (o.partials ?? true) Object.assign(dialog, { partial: async (req: PartialRequest) => void received.push(req) });
  Object.assign(dialog, { expectations: () => ({ phrases: o.phrases ?? [] }) });
  const stt = new FakeStt();
  stt.cheapPartials = true;
  stt.transcripts = transcripts;
  const session = new AgentSession(call, {
    dialog, remoteDialog: o.remote ?? true, stt, tts: new FakeTts(), policy: o.policy ?? DEFAULT_PRIVACY_POLICY, defaultCountry: 'GB', log: silentLog, clock,
    endpointing: { adaptive: true, shortHangoverMs: 250 },
  });
  session.start();
  return { clock, call, dialog, stt, received };
}

test('free speech is decoded at a pause only for a dialog that takes partials, and the partial goes with its context', async () => {
  const a = agent(['i would like to check my balance']);
  await settle();
  a.call.media.pause(1, 5000);
  await settle();
  assert.equal(a.stt.turns.length, 1, 'one decode at the pause');
  assert.equal(a.stt.turns[0]!.grammar, undefined, 'the general model: the dialog expects no phrases');
  assert.equal(a.received.length, 1);
  assert.equal(a.received[0]!.input.text, 'i would like to check my balance');
  assert.equal(a.received[0]!.sequence, 1);
  assert.equal(typeof a.received[0]!.context['vgwSessionID'], 'string', 'the context the turns carry');

  const none = agent(['i would like to check my balance'], { partials: false });
  await settle();
  none.call.media.pause(1, 5000);
  await settle();
  assert.equal(none.stt.turns.length, 0, 'no partials asked: no general-model decode per pause');
});

test('a number being dictated is masked in a partial whatever its length, spoken or written; never a token', async () => {
  for (const [said, kept] of [
    ['my card number is four one one one', 'my card number is'],
    ['it is 4111 11', 'it is'],
    ['the code is seven two', 'the code is'],
    ['two one three and then', 'and then'],
  ] as const) {
    const a = agent([said]);
    await settle();
    a.call.media.pause(1, 5000);
    await settle();
    const text = a.received[0]?.input.text ?? '';
    assert.ok(text.startsWith(kept) || text.endsWith(kept), `${said} → ${text}`);
    assert.doesNotMatch(text, NUMBER_WORDS, `${said} → ${text}`);
    assert.doesNotMatch(text, /\[[A-Z_]+_\d+\]/, `no vault token for half a value: ${text}`);
  }
});

test('nothing goes while the sensitive switch is on, to a local dialog, or under a drop rule; dropIfPii drops a partial with a number', async () => {
  const sensitive = agent(['four one one one'], { welcome: 'Please say your card number.' });
  await settle();
  sensitive.call.media.pause(1, 5000);
  await settle();
  assert.deepEqual(sensitive.received, [], 'the agent asked for a card number: the switch is on');
  assert.equal(sensitive.stt.turns.length, 0, 'and no pause is decoded for a partial that could not go');

  const local = agent(['check my balance'], { remote: false });
  await settle();
  local.call.media.pause(1, 5000);
  await settle();
  assert.deepEqual(local.received, []);

  const drop = agent(['check my balance'], { policy: { ...DEFAULT_PRIVACY_POLICY, dialog: { ...DEFAULT_PRIVACY_POLICY.dialog, transcript: 'drop' } } });
  await settle();
  drop.call.media.pause(1, 5000);
  await settle();
  assert.deepEqual(drop.received, []);

  const ifPii = { ...DEFAULT_PRIVACY_POLICY, dialog: { ...DEFAULT_PRIVACY_POLICY.dialog, transcript: 'dropIfPii' as const } };
  const gate = new DialogGate(ifPii, 'GB', new CallPrivacy({ defaultCountry: 'GB' }));
  assert.equal(gate.outboundPartial('my account is nine two', {}), undefined);
  assert.equal(gate.outboundPartial('check my balance', {}), 'check my balance');
  assert.equal(gate.outboundPartial('check my balance', { sensitive: true }), undefined);
});

test("the call's own number is masked in a partial, and a turn's tokens are unaffected by partials", () => {
  const privacy = new CallPrivacy({ numbers: ['sip:+447700900123@example.com'], defaultCountry: 'GB' });
  const gate = new DialogGate(DEFAULT_PRIVACY_POLICY, 'GB', privacy);
  const p = gate.outboundPartial('call me back on 07700 900123', {})!;
  assert.doesNotMatch(p, /\d/);
  const turn = gate.outbound({ text: 'my card is 4111 1111 1111 1111' }, {}, {});
  assert.match('text' in turn.input ? turn.input.text : '', /\[CREDIT_DEBIT_NUMBER_1\]/, 'the first token the vault issues is the turn’s');
});

test('one request in flight; the newest partial waits in place of older ones; the end of the utterance drops it; a failure is counted', async () => {
  const sent: PartialRequest[] = [];
  const release: Array<(ok: boolean) => void> = [];
  let allowed = true;
  const p = new PartialTranscripts({
    wanted: () => true,
    request: (text) => (allowed ? { input: { text }, context: {} } : undefined),
    send: (req) => new Promise((resolve, reject) => (sent.push(req), release.push((ok) => (ok ? resolve() : reject(new Error('down')))))),
  }, new AbortController().signal, silentLog);
  p.offer('check');
  p.offer('check my');
  p.offer('check my bal');
  p.offer('check my bal'); // unchanged: not again
  assert.deepEqual(sent.map((r) => r.input.text), ['check']);
  release.shift()!(true);
  await settle();
  assert.deepEqual(sent.map((r) => [r.input.text, r.sequence]), [['check', 1], ['check my bal', 2]]);
  p.offer('check my balance');
  p.utteranceEnded();
  release.shift()!(false);
  await settle();
  assert.equal(sent.length, 2, 'the waiting partial was stale at the end of the utterance');
  allowed = false;
  p.offer('four one');
  assert.deepEqual(p.counts, { sent: 1, dropped: 3, failed: 1 });
});
