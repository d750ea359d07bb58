/**
 * A reply that streams (`Dialog.turnStream`) through the turn loop, in memory on a FakeClock: each
 * piece goes to TTS as soon as it arrives and playout starts with the first; actions run in order
 * after the pieces before them have played; tokens are restored per piece; barge-in aborts the
 * stream and pending synthesis; the response timeout bounds the first part only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/time/clock.js';
import { AgentSession } from '../../../src/call/agent-session.js';
import { DEFAULT_PRIVACY_POLICY } from '../../../src/privacy/policy.js';
import { DialogError, type TurnPart, type TurnRequest, type TurnResponse } from '../../../src/dialog/types.js';
import type { TtsRequest } from '../../../src/speech/types.js';
import { FakeCall, FakeDialog, FakeStt, FakeTts, silentLog, settle } from './fakes.js';

/** A step of a scripted stream: a part, a gate the stream waits on, or a failure. */
type Step = TurnPart | { gate: Promise<void> } | { fail: Error };

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** A dialog whose turns stream from a script; records each stream's signal. */
class StreamingDialog extends FakeDialog {
  readonly scripts: Step[][] = [];
  readonly signals: AbortSignal[] = [];
  returned = 0;
  turnStream = async function* (this: StreamingDialog, req: TurnRequest, signal?: AbortSignal): AsyncGenerator<TurnPart, TurnResponse, void> {
    this.requests.push(req);
    this.signals.push(signal!);
    const texts: string[] = [];
    const actions: TurnResponse['actions'] = [];
    try {
      for (const step of this.scripts.shift() ?? []) {
        if ('gate' in step) {
          await Promise.race([step.gate, new Promise<void>((_, reject) => signal!.addEventListener('abort', () => reject(new DialogError('aborted', 'aborted')), { once: true }))]);
          continue;
        }
        if ('fail' in step) throw step.fail;
        if (step.kind === 'text') texts.push(step.text);
        else actions.push(step.action);
        yield step;
      }
    } finally {
      this.returned++;
    }
    return { text: texts, actions, context: { ...req.context }, warnings: [] };
  };
}

/** A TTS whose synthesis can be held open; records each request's signal. */
class HeldTts extends FakeTts {
  hold = false;
  readonly aborted: string[] = [];
  override async *synthesize(r: TtsRequest): AsyncIterable<Int16Array> {
    this.requests.push(r);
    r.signal?.addEventListener('abort', () => this.aborted.push(r.text), { once: true });
    yield new Int16Array(160);
    while (this.hold && !r.signal?.aborted) await new Promise((res) => setImmediate(res));
  }
}

function agent(scripts: Step[][], o: { remote?: boolean; transcripts?: string[] } = {}) {
  const clock = new FakeClock();
  const call = new FakeCall();
  const dialog = new StreamingDialog();
  dialog.scripts.push(...scripts);
  const stt = new FakeStt();
  stt.transcripts = o.transcripts ?? [];
  const tts = new HeldTts();
  const session = new AgentSession(call, { dialog, remoteDialog: o.remote ?? false, stt, tts, policy: DEFAULT_PRIVACY_POLICY, defaultCountry: 'GB', log: silentLog, clock });
  session.start();
  return { clock, call, dialog, tts };
}

const text = (t: string): TurnPart => ({ kind: 'text', text: t });
const turns = (call: FakeCall) => call.eventsOf('turn.completed');

test('each piece goes to TTS as it arrives; playout starts with the first, before the rest of the reply exists', async () => {
  const second = gate();
  const a = agent([[text('Sure,'), text('let me check that for you.'), { gate: second.promise }, text('Your balance is ten pounds.')]]);
  a.call.media.autoFinish = false;
  await settle();
  assert.deepEqual(a.tts.spoken, ['Sure,', 'let me check that for you.'], 'two pieces synthesised before the third arrived');
  assert.equal(a.call.media.played.length, 1, 'one playout for the reply');
  assert.equal(a.call.media.played[0]!.kind, 'stream');
  assert.equal(turns(a.call).length, 0, 'the turn is still going');
  second.open();
  await settle();
  assert.deepEqual(a.tts.spoken, ['Sure,', 'let me check that for you.', 'Your balance is ten pounds.']);
  assert.equal(a.call.media.played.length, 1, 'the later piece joined the same playout');
  a.call.media.finish();
  await settle();
  const t = turns(a.call);
  assert.equal(t.length, 1);
  assert.equal(t[0]!['responses'], 3);
  assert.equal(typeof t[0]!['dialogMs'], 'number');
  assert.equal(a.call.media.listening, true);
});

test('tool calls become actions in order, each after the pieces before it have played', async () => {
  const a = agent([[text('One moment.'), { kind: 'action', action: { command: 'vgwActSendDTMF', parameters: { digits: '12' } } }, text('Goodbye.'), { kind: 'action', action: { command: 'vgwActHangup', parameters: {} } }]]);
  a.call.media.autoFinish = false;
  await settle();
  assert.deepEqual(a.tts.spoken, ['One moment.']);
  assert.deepEqual(a.call.media.dtmfSent, [], 'the action waits for the piece before it to play');
  a.call.media.finish();
  await settle(40);
  for (let i = 0; i < 20; i++) {
    a.clock.advance(100); // DTMF pacing on the clock
    await settle();
  }
  assert.deepEqual(a.call.media.dtmfSent, ['1', '2']);
  assert.deepEqual(a.tts.spoken, ['One moment.', 'Goodbye.']);
  assert.equal(a.call.hangups.length, 0, 'the hang-up waits for "Goodbye." to play');
  a.call.media.finish();
  await settle(40);
  assert.equal(a.call.hangups.length, 1);
  assert.equal(a.dialog.returned, 1);
});

test('a remote dialog: tokens are restored per piece, and a piece with caller data is never cached', async () => {
  const a = agent([[text('Your card number?')]], { remote: true, transcripts: ['4111 1111 1111 1111'] });
  await settle();
  a.call.media.utter(a.clock.now());
  const token = await (async () => {
    await settle();
    return (a.dialog.requests[1]!.input as { text: string }).text;
  })();
  assert.match(token, /^\[[A-Z_]+_\d+\]$/);
  assert.ok(!JSON.stringify(a.dialog.requests[1]).includes('4111'));
  a.dialog.scripts.push([text('Thanks,'), text(`I have ${token} on file.`), text('Anything else?')]);
  a.call.press('#');
  await settle();
  const [p1, p2, p3] = a.tts.requests.slice(-3);
  assert.equal(p2!.text, 'I have 4111 1111 1111 1111 on file.');
  assert.equal(p2!.noCache, true, 'the restored piece is not cached');
  assert.equal(p1!.text, 'Thanks,');
  assert.equal(p3!.noCache, true, 'nor anything after it in the same answer');
});

test('barge-in aborts the stream and pending synthesis once its words are judged; the turn is not a failure', async () => {
  const rest = gate();
  const a = agent([[text('Let me tell you about our many products,'), text('starting with the savings account.'), { gate: rest.promise }, text('never heard')], [text('Yes?')]], { transcripts: ['agent'] });
  a.call.media.autoFinish = false;
  a.tts.hold = true;
  await settle();
  assert.equal(a.call.media.playing, true);
  a.call.media.emit('bargeIn', a.clock.now());
  assert.equal(a.call.media.paused, true);
  assert.equal(a.dialog.signals[0]!.aborted, false, 'nothing is aborted before the words are judged');
  a.call.media.utter(a.clock.now());
  await settle();
  assert.equal(a.dialog.signals[0]!.aborted, true, 'words that are not a backchannel abort the dialog request');
  assert.deepEqual(a.tts.aborted.sort(), ['Let me tell you about our many products,', 'starting with the savings account.'].sort());
  assert.ok(a.dialog.returned >= 1, 'the abandoned stream returned');
  assert.equal(turns(a.call)[0]!['error'], undefined);
  assert.ok(!a.tts.spoken.includes('never heard'));
  a.tts.hold = false;
  await settle();
  assert.equal(a.dialog.requests[1]!.context['vgwBargeInOccurred'], true);
});

test('the response timeout bounds the wait for the first part, not a long reply; a stream that breaks off is a failed turn', async () => {
  const slow = gate();
  const later = gate();
  const a = agent([[{ gate: slow.promise }, text('never')], [text('Hello,'), { gate: later.promise }, text('there.')], [text('Fine.'), { fail: new DialogError('network', 'reset') }]]);
  await settle();
  a.clock.advance(10_000);
  await settle();
  assert.equal(turns(a.call)[0]!['error'], 'aborted', 'no first part within 10 s');
  a.call.press('1');
  await settle();
  a.clock.advance(30_000);
  await settle();
  assert.equal(turns(a.call).length, 1, 'a gap after the first part is not bounded by the response timeout');
  later.open();
  await settle();
  assert.equal(turns(a.call).length, 2);
  assert.equal(turns(a.call)[1]!['error'], undefined);
  a.call.press('2');
  await settle(40);
  assert.equal(turns(a.call)[2]!['error'], 'network');
  assert.deepEqual(a.tts.spoken.slice(-2), ['Fine.', 'Sorry, something went wrong on our side.'], 'the failed message follows what was already said');
});
