import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resampler, resample, downmixToMono, toTelephone } from '../../src/media/resample.js';

function sine(freq: number, rate: number, seconds: number, amp = 10000): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** Amplitude of `freq` in `x` (Goertzel), ignoring `skip` samples at each edge. */
function amplitudeAt(x: Int16Array, freq: number, rate: number, skip = 200): number {
  const seg = x.subarray(skip, x.length - skip);
  const w = (2 * Math.PI * freq) / rate;
  let re = 0;
  let im = 0;
  for (let i = 0; i < seg.length; i++) {
    re += seg[i]! * Math.cos(w * i);
    im -= seg[i]! * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / seg.length;
}

const db = (x: number) => 20 * Math.log10(x);

test('16k→8k keeps an in-band tone and rejects one above 4 kHz that naive decimation would alias', () => {
  const pass = resample(sine(1000, 16000, 1), 16000, 8000);
  assert.equal(pass.length, 8000);
  assert.ok(Math.abs(db(amplitudeAt(pass, 1000, 8000) / 10000)) < 0.2, 'passband within 0.2 dB');
  const alias = resample(sine(5000, 16000, 1), 16000, 8000);
  // 5 kHz would fold to 3 kHz at full amplitude if we just dropped every other sample.
  assert.ok(db(amplitudeAt(alias, 3000, 8000) / 10000) < -60, 'alias below -60 dB');
  const naive = sine(5000, 16000, 1).filter((_, i) => i % 2 === 0);
  assert.ok(db(amplitudeAt(naive, 3000, 8000) / 10000) > -1, 'control: naive decimation aliases');
});

test('44.1 kHz → 8 kHz: tone at 1 kHz preserved, 6 kHz suppressed, length exact', () => {
  const x = sine(1000, 44100, 0.5);
  const y = resample(x, 44100, 8000);
  assert.equal(y.length, Math.ceil((x.length * 8000) / 44100));
  assert.ok(Math.abs(db(amplitudeAt(y, 1000, 8000) / 10000)) < 0.2);
  const z = resample(sine(6000, 44100, 0.5), 44100, 8000); // would fold to 2 kHz
  assert.ok(db(amplitudeAt(z, 2000, 8000) / 10000) < -60);
});

test('8k→16k interpolates without an image at fs-f', () => {
  const y = resample(sine(1000, 8000, 1), 8000, 16000);
  assert.equal(y.length, 16000);
  assert.ok(Math.abs(db(amplitudeAt(y, 1000, 16000) / 10000)) < 0.2);
  assert.ok(db(amplitudeAt(y, 7000, 16000) / 10000) < -60, 'image at 7 kHz suppressed');
});

test('streaming in odd-sized chunks equals one-shot output', () => {
  const x = sine(440, 22050, 0.3);
  const whole = resample(x, 22050, 8000);
  const r = new Resampler(22050, 8000);
  const parts: number[] = [];
  for (let i = 0; i < x.length; i += 37 + (i % 101)) parts.push(...r.process(x.subarray(i, Math.min(x.length, i + 37 + (i % 101)))));
  parts.push(...r.flush());
  assert.equal(parts.length, whole.length);
  assert.deepEqual(Int16Array.from(parts), whole);
});

test('downmix averages channels; toTelephone does both', () => {
  assert.deepEqual(downmixToMono(Int16Array.from([100, 300, -10, 10]), 2), Int16Array.from([200, 0]));
  const st = new Int16Array(32000);
  const s = sine(500, 16000, 1);
  for (let i = 0; i < 16000; i++) st[2 * i] = st[2 * i + 1] = s[i]!;
  const t = toTelephone(st, 16000, 2);
  assert.equal(t.length, 8000);
  assert.ok(Math.abs(db(amplitudeAt(t, 500, 8000) / 10000)) < 0.2);
});

test('rejects non-integer rates', () => {
  assert.throws(() => new Resampler(8000.5, 8000), RangeError);
});
