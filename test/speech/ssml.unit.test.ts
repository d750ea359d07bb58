/**
 * The SSML subset plain-text engines interpret (docs/speech.md#ssml-ssmlts): detection, one document
 * per turn, what each element becomes, and the TTS cache keyed on what is synthesised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSsml, joinUtterances, rateFactor, ssmlToPieces, volumeGain } from '../../src/speech/ssml.js';
import { FliteTts } from '../../src/speech/flite/tts.js';

test('SSML is detected by its elements, not by any angle bracket', () => {
  for (const t of ['<speak>Hi</speak>', '<prosody rate="-9%">Welcome</prosody>', 'Wait <break time="1s"/> now', 'Say <say-as interpret-as="digits">12</say-as>', '<s>One</s>']) assert.ok(isSsml(t), t);
  for (const t of ['a < b and c > d', 'press <1> for sales', 'Tom & Jerry', '<foo>bar</foo>']) assert.ok(!isSsml(t), t);
});

test("a turn's utterances become one document: <speak> wrappers merged, plain text escaped into it", () => {
  assert.deepEqual(joinUtterances(['Hello.', 'Bye.']), { text: 'Hello. Bye.', ssml: false });
  assert.deepEqual(joinUtterances(['<speak>Hi &amp; welcome.</speak>', 'Q&A <here>', '<speak><break time="1s"/></speak>']), {
    text: '<speak>Hi &amp; welcome. Q&amp;A &lt;here&gt; <break time="1s"/></speak>',
    ssml: true,
  });
  // joining is idempotent: a document joined again is the same document
  const once = joinUtterances(['<prosody rate="-9%">A.</prosody>', 'B.']).text;
  assert.equal(joinUtterances([once]).text, once);
});

test('prosody, emphasis, sub, audio fallback, say-as, unknown tags: tags never spoken, text kept', () => {
  const pieces = ssmlToPieces(
    '<speak><prosody rate="-9%" volume="+6dB">Welcome <emphasis level="reduced">back</emphasis>.</prosody> ' +
      '<sub alias="World Wide Web">WWW</sub> <audio src="https://x/a.wav">a chime<desc>bell</desc></audio> ' +
      '<say-as interpret-as="telephone">555</say-as> <custom-tag attr="1">kept</custom-tag><!-- note --></speak>',
  );
  assert.deepEqual(pieces, [
    { kind: 'text', text: 'Welcome', stretch: 1.099, gain: 1.995 },
    { kind: 'text', text: 'back.', stretch: 1.044, gain: 1.995 },
    { kind: 'text', text: 'World Wide Web a chime 5 5 5 kept' },
  ]);
  const spoken = pieces.map((p) => (p.kind === 'text' ? p.text : '')).join(' ');
  for (const tag of ['prosody', 'rate', 'speak', 'sub', 'audio', 'desc', 'bell', 'custom', 'note']) assert.ok(!spoken.includes(tag), `"${tag}" spoken`);
  assert.deepEqual(ssmlToPieces('<prosody rate="slow"><prosody rate="50%">Slow</prosody></prosody>'), [{ kind: 'text', text: 'Slow', stretch: 2.5 }]);
  assert.deepEqual(ssmlToPieces('<prosody volume="silent">Shh</prosody>'), [{ kind: 'text', text: 'Shh', gain: 0 }]);
});

test('rates and volumes as IBM dialogs write them', () => {
  assert.equal(rateFactor('-9%'), 0.91);
  assert.equal(rateFactor('+10%'), 1.1);
  assert.equal(rateFactor('80%'), 0.8);
  assert.equal(rateFactor('x-fast'), 1.6);
  assert.equal(rateFactor('1.2'), 1.2);
  assert.equal(rateFactor('nonsense'), 1);
  assert.equal(rateFactor('-90%'), 0.5, 'clamped');
  assert.equal(volumeGain('-6dB').toFixed(3), '0.501');
  assert.equal(volumeGain('loud').toFixed(3), '1.585');
});

test('the TTS cache key of a plain-text engine is what it synthesises, not the markup', () => {
  const flite = new FliteTts();
  const key = (text: string, ssml: boolean) => flite.cacheText({ text, ssml });
  assert.equal(key('<speak>Hello there.</speak>', true), key('<prosody rate="+0%">Hello there.</prosody>', true));
  assert.equal(key('<speak>Hello <foo>there</foo>.</speak>', true), key('<speak>Hello there.</speak>', true));
  assert.notEqual(key('<prosody rate="-9%">Hello there.</prosody>', true), key('<speak>Hello there.</speak>', true), 'a slower rate is other audio');
  assert.equal(key('Hello there.', false), 'Hello there.');
});
