/**
 * g711IsQuiet (the jitter buffer's "safe to drop" test) is exactly "mean square of the decoded
 * payload below 185²": its early exit and table of squares change its cost, never its answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { g711IsQuiet, ULAW_DECODE, ALAW_DECODE, ulawEncode, alawEncode } from '../../src/media/g711.js';

function meanSquareQuiet(payload: Uint8Array, table: Int16Array): boolean {
  let sum = 0;
  for (const b of payload) sum += table[b]! * table[b]!;
  return payload.length > 0 && sum / payload.length < 185 * 185;
}

test('g711IsQuiet agrees with the mean-square definition for both laws, every length, around the threshold', () => {
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  let quiet = 0;
  let loud = 0;
  for (const len of [0, 1, 15, 16, 17, 33, 80, 160, 240, 480]) {
    for (let k = 0; k < 200; k++) {
      // Levels from well below to well above rms 185, and a loud burst at the end after quiet samples.
      const rms = 185 * 2 ** (rand() * 3);
      const pcm = Int16Array.from({ length: len }, () => Math.round(rand() * rms * Math.SQRT2 * Math.SQRT2));
      if (k % 10 === 0 && len > 0) pcm[len - 1] = 20000;
      for (const [codec, encode, table] of [['PCMU', ulawEncode, ULAW_DECODE], ['PCMA', alawEncode, ALAW_DECODE]] as const) {
        const payload = new Uint8Array(len);
        encode(pcm, payload);
        const expected = meanSquareQuiet(payload, table);
        assert.equal(g711IsQuiet(payload, codec), expected, `${codec} length ${len} rms ${rms.toFixed(0)}`);
        if (expected) quiet++;
        else loud++;
      }
    }
  }
  assert.ok(quiet > 500 && loud > 500, `both answers exercised (${quiet} quiet, ${loud} loud)`);
});
