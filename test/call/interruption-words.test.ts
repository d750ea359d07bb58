/**
 * What the caller said over a prompt, with the real embedded recogniser: against the dialog's
 * grammar plus the backchannels a word the grammar cannot hold comes back as its least bad phrase
 * ("no" and "hello there" as "okay", a hum as "account balance"); its poor acoustic fit sends it
 * to the open model, which hears it as said. (The fit moves a little with the decoder's running
 * cepstral mean, so the test asserts the rule on each decode and the words where it applies.) A phrase said as such keeps its grammar decode (no second decode).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { interruptionOutcome } from '../../src/call/barge-in.js';
import { BackchannelMatcher } from '../../src/call/barge-in-words.js';
import { MIN_ACOUSTIC_FIT } from '../../src/call/turn-completeness.js';
import { recognise } from '../../src/call/recognition.js';
import { createStt } from '../../src/speech/factory.js';
import { FliteTts } from '../../src/speech/flite/tts.js';
import type { SttOutcome } from '../../src/speech/index.js';
import type { Utterance } from '../../src/media/index.js';

const tts = new FliteTts();
after(() => tts.close());
const PHRASES = ['account balance', 'check my balance', 'speak to an agent', 'mm-hmm', 'uh-huh', 'yeah', 'okay', 'right', 'i see'];

async function utterance(text: string, voice: string): Promise<Utterance> {
  const parts: Int16Array[] = [];
  for await (const c of tts.synthesize({ text, voice })) parts.push(c.slice());
  const audio = Int16Array.from(parts.flatMap((p) => [...p]));
  return { audio, startMs: 0, endMs: audio.length / 8, speechMs: audio.length / 8 } as unknown as Utterance;
}

test('a word the grammar cannot hold is decoded again with the open model; a phrase said as such is not', { timeout: 90_000 }, async () => {
  const r = await createStt({ engine: 'embedded' } as Parameters<typeof createStt>[0]);
  assert.ok(r.ok);
  const stt = r.stt;
  await recognise(await utterance('check my balance', 'kal'), stt, { phrases: PHRASES }); // a warm decoder, as in a call
  let redecoded = 0;
  for (const [text, voice, said] of [['no', 'awb', 'no'], ['hello there', 'awb', 'hello there'], ['mm-hmm', 'rms', undefined]] as const) {
    const u = await utterance(text, voice);
    const grammar = await recognise(u, stt, { phrases: PHRASES });
    assert.ok(grammar.ok && grammar.result.transcript !== text, `the grammar cannot hold "${text}": ${JSON.stringify(grammar)}`);
    const forced = (grammar.result.acousticFitPerFrame ?? 0) < MIN_ACOUSTIC_FIT;
    let open: SttOutcome | undefined;
    const out = await interruptionOutcome(true, grammar, async () => (open = await recognise(u, stt, {})));
    assert.equal(open !== undefined, forced, `"${text}" (fit ${grammar.result.acousticFitPerFrame}) decoded again only when forced`);
    if (!forced) continue;
    redecoded++;
    assert.equal(out, open, 'the open decode is what is judged');
    if (said) assert.ok(out.ok && out.result.transcript === said, `"${text}" heard as ${JSON.stringify(out)}`);
    assert.equal(await interruptionOutcome(false, grammar, () => assert.fail('not over a prompt: no second decode')), grammar);
  }
  assert.ok(redecoded >= 2, `${redecoded} of 3 forced matches decoded again`);
  // A forced match that would resume the prompt anyway (a backchannel: "okay") is left as it is.
  const forcedOkay = await recognise(await utterance('no', 'awb'), stt, { phrases: PHRASES });
  assert.equal(await interruptionOutcome(true, forcedOkay, () => assert.fail('a backchannel is not decoded again'), { resumes: () => true, saysSomething: () => true, heardUnclearly: () => undefined }), forcedOkay);
  const u = await utterance('check my balance', 'slt');
  const grammar = await recognise(u, stt, { phrases: PHRASES });
  assert.ok(grammar.ok && grammar.result.transcript === 'check my balance');
  assert.equal(await interruptionOutcome(true, grammar, () => assert.fail('a good fit is not decoded again')), grammar);
  await stt.close?.();
});

test('a recogniser that reports no acoustic fit is taken at its word; a failed open decode keeps the grammar decode', async () => {
  const remote: SttOutcome = { ok: true, result: { transcript: 'okay', confidence: 0.9, alternatives: [], final: true } };
  assert.equal(await interruptionOutcome(true, remote, () => assert.fail('no fit: no second decode')), remote);
  const forced: SttOutcome = { ok: true, result: { transcript: 'okay', confidence: 1, acousticFitPerFrame: -50, alternatives: [], final: true } };
  assert.equal(await interruptionOutcome(true, forced, async () => ({ ok: false, error: 'decoder busy' })), forced);
  const failed: SttOutcome = { ok: false, error: 'x' };
  assert.equal(await interruptionOutcome(true, failed, () => assert.fail('nothing to re-decode')), failed);
});

test('short interruptions come back as said and stop the prompt; backchannels still resume it (the judging grammar holds both)', { timeout: 120_000 }, async (t) => {
  const r = await createStt({ engine: 'embedded' } as Parameters<typeof createStt>[0]);
  assert.ok(r.ok);
  const stt = r.stt;
  const words = BackchannelMatcher.forLanguage('en');
  const bank = ['account balance', 'check my balance', 'speak to an agent'];
  const grammar = [...new Set([...bank, ...words.list, ...words.interruptions])];
  const resumes = (x: string) => words.isBackchannel(x, bank) || words.isContentless(x, bank);
  /** What the call does with it: the grammar decode, a forced content match decoded again (interruptionOutcome), then the judge. */
  const verdict = async (text: string, voice: string): Promise<{ heard: string; resumed: boolean }> => {
    const u = await utterance(text, voice);
    let unclear = false;
    const judge = { resumes, saysSomething: (x: string) => words.saysSomething(x, bank), heardUnclearly: () => void (unclear = true) };
    const out = await interruptionOutcome(true, await recognise(u, stt, { phrases: grammar }), () => recognise(u, stt, {}), judge);
    const heard = out.ok ? out.result.transcript : '';
    return { heard, resumed: !heard.trim() || unclear || resumes(heard) };
  };
  await recognise(await utterance('check my balance', 'kal'), stt, { phrases: grammar }); // a warm decoder, as in a call
  const stops: string[] = [];
  for (const [text, voice] of [['stop', 'kal'], ['stop', 'awb'], ['wait', 'awb'], ['no', 'awb'], ['hold on', 'slt'], ['operator', 'rms'], ['agent', 'kal']] as const) {
    const v = await verdict(text, voice);
    t.diagnostic(`"${text}" (${voice}) heard as "${v.heard}": ${v.resumed ? 'resumed' : 'stopped'}`);
    if (!v.resumed) stops.push(text);
  }
  assert.ok(stops.length >= 5, `short interruptions that stopped the prompt: ${stops.length} of 7 (${stops.join(', ')})`);
  let resumed = 0;
  for (const [text, voice] of [['mm-hmm', 'rms'], ['uh-huh', 'kal'], ['okay', 'slt'], ['yeah', 'awb'], ['right', 'kal'], ['I see', 'slt']] as const) {
    const v = await verdict(text, voice);
    t.diagnostic(`"${text}" (${voice}) heard as "${v.heard}": ${v.resumed ? 'resumed' : 'stopped'}`);
    if (v.resumed) resumed++;
  }
  assert.ok(resumed >= 5, `backchannels that resumed the prompt: ${resumed} of 6`);
  await stt.close?.();
});
