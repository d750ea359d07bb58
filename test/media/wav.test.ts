import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav, writeWav, wavHeader, decodeG711 } from '../../src/media/wav.js';

test('PCM16 mono round trip', () => {
  const s = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
  const r = parseWav(writeWav(s, 8000));
  assert.ok(r.ok);
  assert.equal(r.wav.sampleRate, 8000);
  assert.equal(r.wav.channels, 1);
  assert.equal(r.wav.encoding, 'pcm16');
  assert.deepEqual(r.wav.samples, s);
});

test('stereo at 44.1 kHz keeps interleaving', () => {
  const s = Int16Array.from([1, -1, 2, -2, 3, -3]);
  const r = parseWav(writeWav(s, 44100, 2));
  assert.ok(r.ok);
  assert.equal(r.wav.channels, 2);
  assert.equal(r.wav.sampleRate, 44100);
  assert.deepEqual(r.wav.samples, s);
});

test('unknown chunks (odd sized, padded) are skipped', () => {
  const base = writeWav(Int16Array.from([5, 6, 7]), 16000);
  const list = new Uint8Array([...Buffer.from('LIST'), 3, 0, 0, 0, 1, 2, 3, 0]); // 3 bytes + pad
  const file = new Uint8Array(base.length + list.length);
  file.set(base.subarray(0, 36), 0); // RIFF + fmt
  file.set(list, 36);
  file.set(base.subarray(36), 36 + list.length);
  const r = parseWav(file);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.wav.samples, Int16Array.from([5, 6, 7]));
});

test('G.711 μ-law and A-law WAVs written by sox decode to the same PCM as sox does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hg-wav-'));
  try {
    const src = join(dir, 'src.wav');
    const pcm = new Int16Array(800);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(12000 * Math.sin(i / 5));
    writeFileSync(src, writeWav(pcm, 8000));
    for (const [law, enc] of [['mulaw', 'u-law'], ['alaw', 'a-law']] as const) {
      const g = join(dir, `${law}.wav`);
      const back = join(dir, `${law}-back.wav`);
      execFileSync('sox', [src, '-e', enc, '-b', '8', g]);
      execFileSync('sox', [g, '-e', 'signed-integer', '-b', '16', back]);
      const r = parseWav(readFileSync(g));
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.equal(r.wav.encoding, law);
      const ref = parseWav(readFileSync(back));
      assert.ok(ref.ok);
      assert.deepEqual(r.wav.samples, ref.wav.samples);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('decodeG711 known values', () => {
  assert.deepEqual(decodeG711(Uint8Array.from([0xff, 0x7f, 0x00, 0x80]), 'mulaw'), Int16Array.from([0, 0, -32124, 32124]));
  assert.deepEqual(decodeG711(Uint8Array.from([0xd5, 0x55]), 'alaw'), Int16Array.from([8, -8]));
});

test('a real 16 kHz file from pocketsphinx-testdata parses', () => {
  const r = parseWav(readFileSync('/usr/share/pocketsphinx/test/data/cards/001.wav'));
  assert.ok(r.ok);
  assert.equal(r.wav.sampleRate, 16000);
  assert.equal(r.wav.samples.length, 17526);
});

test('errors are values', () => {
  const cases: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(4), /too short/],
    [new Uint8Array(Buffer.from('RIFF\0\0\0\0AVI LIST')), /not a RIFF\/WAVE/],
    [wavHeader(0, 8000, 1).subarray(0, 12), /no fmt chunk/],
    [wavHeader(0, 8000, 1).subarray(0, 36), /no data chunk/],
  ];
  const eight = wavHeader(4, 8000, 1);
  new DataView(eight.buffer).setUint16(34, 8, true);
  cases.push([new Uint8Array([...eight, 1, 2, 3, 4]), /bit depth 8/]);
  const float = wavHeader(4, 8000, 1);
  new DataView(float.buffer).setUint16(20, 3, true);
  cases.push([new Uint8Array([...float, 1, 2, 3, 4]), /format tag 3/]);
  const dataFirst = new Uint8Array([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WAVEdata'), 0, 0, 0, 0]);
  cases.push([dataFirst, /before fmt/]);
  for (const [bytes, re] of cases) {
    const r = parseWav(bytes);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  }
});

test('truncated data chunk yields what is present', () => {
  const full = writeWav(Int16Array.from([1, 2, 3, 4]), 8000);
  const r = parseWav(full.subarray(0, full.length - 3)); // 1.5 samples missing
  assert.ok(r.ok);
  assert.deepEqual(r.wav.samples, Int16Array.from([1, 2]));
});
