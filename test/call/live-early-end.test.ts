/**
 * Adaptive endpointing with a streaming recogniser: the Deepgram adapter against a local server
 * speaking its live protocol over TLS (interim results, `is_final` + `speech_final` segments) feeds
 * EarlyTurnEnd its running hypothesis. A complete answer closed by Deepgram during the pause ends
 * the turn after the short hangover; a caller mid-number does not; a hypothesis closed before the
 * pause (words the caller went on from) does not; while muted (sensitive) nothing is judged.
 * The media is an event source standing for the endpointer (frames, onset, `endAtPause`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { makeSelfSignedCert } from '../speech/servers/tls.js';
import { DeepgramServer } from '../speech/servers/deepgram-server.js';
import { DeepgramStt } from '../../src/speech/remote/deepgram-stt.js';
import { EarlyTurnEnd } from '../../src/call/early-end.js';
import type { Stt, SttResult } from '../../src/speech/index.js';
import type { PauseSnapshot } from '../../src/media/index.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'dg-key';
const tls = makeSelfSignedCert();
let script: string[] = [];
let server: DeepgramServer;
let url: string;

before(async () => {
  server = new DeepgramServer({ tls, apiKey: KEY, segments: () => script, msPerWord: 100 });
  url = await server.listen();
});
after(() => server.close());

/** The adapter as is, with every running hypothesis it hands out also noted (the test's only window on them). */
function probed(stt: DeepgramStt, seen: SttResult[]): Stt {
  return {
    engine: stt.engine,
    live: true,
    startTurn: (s) => {
      const turn = stt.startTurn(s);
      turn.onInterim((r) => seen.push(r));
      return turn;
    },
    close: () => stt.close(),
  };
}

function setup(words: string[], opts: { muted?: boolean; phrases?: string[]; partials?: string[] } = {}) {
  script = words;
  const media = Object.assign(new EventEmitter(), { ended: [] as [number, number][], endAtPause: (id: number, ms: number) => (media.ended.push([id, ms]), true) });
  const seen: SttResult[] = [];
  const stt = probed(new DeepgramStt({ url, apiKey: KEY, ca: tls.cert }), seen);
  const early = new EarlyTurnEnd(media as never, { adaptive: true, shortHangoverMs: 240 }, async () => ({ stt, ...(opts.phrases ? { phrases: opts.phrases } : {}) }), pino({ level: 'silent' }), undefined, () => opts.muted ?? false, opts.partials ? { wanted: () => true, offer: (t: string) => void opts.partials!.push(t) } : undefined);
  const speak = (frames: number) => {
    for (let i = 0; i < frames; i++) media.emit('frame', Int16Array.from({ length: 160 }, (_, k) => Math.round(6000 * Math.sin((i * 160 + k) / 3))), i * 20);
  };
  const pause = (id: number): PauseSnapshot => ({ id, utterance: { startMs: 0, endMs: 0, audioStartMs: 0, audio: new Int16Array(0), truncated: false, endedEarly: true } }) as PauseSnapshot;
  return { media, early, seen, speak, pause };
}

test('a yes closed by Deepgram during the pause ends the turn after the short hangover', async () => {
  const { media, early, seen, speak, pause } = setup(['yes'], { phrases: ['yes', 'no'] });
  media.emit('speechStart', 0);
  await early.onPause(pause(1)); // the pause is offered before Deepgram has closed the word
  speak(10); // the audio reaches Deepgram (held while the socket opens): 'yes', is_final + speech_final
  await waitFor('the early end', () => media.ended.length > 0, 5000);
  assert.deepEqual(media.ended, [[1, 240]]);
  assert.ok(seen.some((r) => r.endOfSpeech && r.transcript === 'yes' && !r.final));
  assert.deepEqual(early.counts, { probed: 1, complete: 1 });
  media.emit('discard');
});

test('a caller mid-number is not cut off; free speech is judged too, and only complete answers end early', async () => {
  const { media, early, seen, speak, pause } = setup(['my card number is four']);
  media.emit('speechStart', 0);
  await early.onPause(pause(1));
  speak(30);
  await waitFor('the closed hypothesis', () => seen.find((r) => r.endOfSpeech), 5000);
  assert.deepEqual(media.ended, []);
  assert.equal(early.counts.complete, 0);
  media.emit('discard');
});

test('a hypothesis closed before this pause (the caller went on) does not end the turn', async () => {
  const { media, early, seen, speak, pause } = setup(['yes']);
  media.emit('speechStart', 0);
  speak(10);
  await waitFor('the closed yes', () => seen.find((r) => r.endOfSpeech), 5000);
  await early.onPause(pause(2)); // judged at once: the only hypothesis predates the pause
  assert.deepEqual(media.ended, []);
  media.emit('discard');
});

test('while muted (sensitive: the third party hears silence) no hypothesis is judged', async () => {
  const { media, early, seen, speak, pause } = setup(['yes'], { muted: true, phrases: ['yes', 'no'] });
  media.emit('speechStart', 0);
  await early.onPause(pause(1));
  speak(10);
  await waitFor('the scripted yes', () => seen.find((r) => r.endOfSpeech), 5000);
  await new Promise((r) => setImmediate(r)); // the listener after the probe's runs in the same tick
  assert.deepEqual(media.ended, []);
  media.emit('discard');
});

test('a dialog that asked for partials is offered each running hypothesis (the gate is PartialTranscripts\'); none while muted', async () => {
  const offered: string[] = [];
  const { media, seen, speak } = setup(['check my balance'], { partials: offered });
  media.emit('speechStart', 0);
  speak(30);
  await waitFor('the closed hypothesis', () => seen.find((r) => r.endOfSpeech), 5000);
  assert.ok(offered.length > 0 && offered.at(-1) === 'check my balance', JSON.stringify(offered));
  media.emit('discard');
  const muted: string[] = [];
  const m = setup(['check my balance'], { partials: muted, muted: true });
  m.media.emit('speechStart', 0);
  m.speak(30);
  await waitFor('the scripted hypothesis', () => m.seen.find((r) => r.endOfSpeech), 5000);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(muted, []);
  m.media.emit('discard');
});
