/**
 * G.711 checked byte for byte against sox (the reference encoder/decoder on this machine):
 * a full ramp of all 65536 PCM16 values, a sine sweep with noise made by sox itself, and all
 * 256 codes decoded. sox runs with -D (no dither), otherwise it adds random dither noise before
 * quantising and no two encoders could agree.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulawEncode, ulawDecode, alawEncode, alawDecode, ulawFromPcm, alawFromPcm, ULAW_DECODE, ALAW_DECODE, ulawEncodeSample14, alawEncodeSample13, ULAW_SILENCE, ALAW_SILENCE } from '../../src/media/g711.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hushgate-g711-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function sox(args: string[]): void {
  execFileSync('sox', ['-D', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function readInt16(path: string): Int16Array {
  const b = readFileSync(path);
  const copy = new Uint8Array(b); // aligned copy
  return new Int16Array(copy.buffer, 0, copy.length >> 1);
}

/** A mono 16-bit 8 kHz WAV's samples (sox writes a plain 44-byte header for this format). */
function wavSamples(path: string): Int16Array {
  const raw = join(dir, 'wav.raw');
  sox([path, '-t', 's16', raw]);
  return readInt16(raw);
}

function compareEncode(name: string, pcm: Int16Array, pcmPath: string, type: 'ul' | 'al'): void {
  const out = join(dir, `${name}.${type}`);
  sox([pcmPath, '-t', type, out]);
  const expected = readFileSync(out);
  const ours = new Uint8Array(pcm.length);
  (type === 'ul' ? ulawEncode : alawEncode)(pcm, ours);
  assert.equal(expected.length, pcm.length);
  let first = -1;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== expected[i]) { first = i; break; }
  assert.equal(first, -1, first < 0 ? '' : `${name}/${type}: sample ${pcm[first]} → ours ${ours[first]} sox ${expected[first]}`);
}

test('μ-law and A-law encoding of every PCM16 value match sox byte for byte', () => {
  const ramp = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) ramp[i] = i - 32768;
  const path = join(dir, 'ramp.wav');
  const raw = join(dir, 'ramp.raw');
  writeFileSync(raw, new Uint8Array(ramp.buffer));
  sox(['-t', 's16', '-r', '8000', '-c', '1', raw, path]);
  assert.deepEqual(wavSamples(path), ramp);
  compareEncode('ramp', ramp, path, 'ul');
  compareEncode('ramp', ramp, path, 'al');
});

test('a sox-made sine sweep with noise encodes exactly as sox encodes it', () => {
  const path = join(dir, 'sweep.wav');
  // The brief's sweep, then the same sweep with white noise mixed in.
  sox(['-n', '-r', '8000', '-c', '1', '-b', '16', path, 'synth', '2', 'sine', '100-3800']);
  const n1 = join(dir, 'noise.wav');
  sox(['-n', '-r', '8000', '-c', '1', '-b', '16', n1, 'synth', '2', 'sine', '100-3800', 'synth', '2', 'whitenoise', 'mix', 'vol', '0.8']);
  for (const p of [path, n1]) {
    const pcm = wavSamples(p);
    assert.equal(pcm.length, 16000);
    let peak = 0;
    for (const s of pcm) peak = Math.max(peak, Math.abs(s));
    assert.ok(peak > 10000, 'the test signal is loud enough to use the upper segments');
    compareEncode('sweep', pcm, p, 'ul');
    compareEncode('sweep', pcm, p, 'al');
  }
});

test('decoding all 256 codes matches sox', () => {
  const codes = new Uint8Array(256);
  for (let i = 0; i < 256; i++) codes[i] = i;
  for (const type of ['ul', 'al'] as const) {
    const inPath = join(dir, `codes.${type}`);
    const outPath = join(dir, `codes-${type}.raw`);
    writeFileSync(inPath, codes);
    sox(['-t', type, '-r', '8000', '-c', '1', inPath, '-t', 's16', outPath]);
    const expected = readInt16(outPath);
    const ours = new Int16Array(256);
    (type === 'ul' ? ulawDecode : alawDecode)(codes, ours);
    assert.deepEqual(ours, expected);
    assert.deepEqual(type === 'ul' ? ULAW_DECODE : ALAW_DECODE, expected);
  }
});

test('encode(decode(code)) is the identity for every code (except μ-law negative zero)', () => {
  for (let c = 0; c < 256; c++) {
    const u = ulawFromPcm(ULAW_DECODE[c]!);
    if (c === 0x7f) assert.equal(u, 0xff); // −0 decodes to 0, which encodes as +0
    else assert.equal(u, c);
    assert.equal(alawFromPcm(ALAW_DECODE[c]!), c);
  }
  assert.equal(ulawFromPcm(0), ULAW_SILENCE);
  assert.equal(alawFromPcm(0), ALAW_SILENCE);
});

test('table encoder equals the reference segment-search encoder with rounding', () => {
  for (let s = -32768; s <= 32767; s++) {
    assert.equal(ulawFromPcm(s), ulawEncodeSample14(Math.min((s + 2) >> 2, 8191)));
    assert.equal(alawFromPcm(s), alawEncodeSample13(Math.min((s + 4) >> 3, 4095)));
  }
});
