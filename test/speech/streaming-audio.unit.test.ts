/**
 * Audio decoded as it streams (remote TTS bodies and messages): the streaming resampler and WAV
 * reader give exactly what the whole-buffer versions give, however the bytes are split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamingResampler } from '../../src/speech/audio/streaming-resample.js';
import { resampleTo8k } from '../../src/speech/audio/resample-any.js';
import { WavStream } from '../../src/speech/remote/wav-stream.js';
import { Pcm16Reader } from '../../src/speech/remote/pcm16-reader.js';
import { writeWav } from '../../src/media/index.js';

function signal(n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin(i / 5) + ((i * 7919) % 2000) - 1000));
}

/** Irregular piece sizes: 1, 10, 74, … */
function* splits(total: number): Iterable<[number, number]> {
  for (let off = 0, step = 1; off < total; off += step, step = ((step * 7 + 3) % 997) + 1) yield [off, Math.min(total, off + step)];
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

test('StreamingResampler = resampleTo8k sample for sample, at 16, 22.05, 24, 44.1 and 8 kHz', () => {
  for (const rate of [16000, 22050, 24000, 44100, 8000]) {
    const input = signal(12345);
    const r = new StreamingResampler(rate);
    const parts: Int16Array[] = [];
    for (const [a, b] of splits(input.length)) parts.push(r.push(input.subarray(a, b)));
    parts.push(r.flush());
    assert.deepEqual(concat(parts), resampleTo8k(input, rate), String(rate));
  }
});

test('Pcm16Reader carries an odd byte to the next piece', () => {
  const samples = signal(1001);
  const bytes = Buffer.from(samples.buffer);
  const reader = new Pcm16Reader();
  const parts: Int16Array[] = [];
  for (const [a, b] of splits(bytes.length)) parts.push(reader.push(bytes.subarray(a, b)));
  assert.deepEqual(concat(parts), samples);
});

test('WavStream: stereo 16 kHz PCM split anywhere (even inside the header) → first channel at 8 kHz; the data size bounds the audio', () => {
  const frames = 8000;
  const stereo = new Int16Array(frames * 2);
  const left = signal(frames);
  for (let i = 0; i < frames; i++) {
    stereo[2 * i] = left[i]!;
    stereo[2 * i + 1] = -12345;
  }
  const wav = Buffer.from(writeWav(stereo, 16000, 2));
  const trailer = Buffer.concat([Buffer.from('LIST'), Buffer.from([4, 0, 0, 0]), Buffer.from('INFO')]);
  const body = Buffer.concat([wav, trailer]); // a chunk after data: not audio
  const stream = new WavStream();
  const parts: Int16Array[] = [];
  for (const [a, b] of splits(body.length)) {
    const step = stream.push(body.subarray(a, b));
    assert.ok(step.ok, step.ok ? '' : step.error);
    parts.push(step.samples);
  }
  const tail = stream.end();
  assert.ok(tail.ok);
  parts.push(tail.samples);
  assert.deepEqual(concat(parts), resampleTo8k(left, 16000));
});

test('WavStream: μ-law is left to the whole-file reader; not RIFF and a body without audio are errors', () => {
  const mulaw = Buffer.alloc(44 + 100);
  mulaw.write('RIFF', 0, 'latin1');
  mulaw.writeUInt32LE(36 + 100, 4);
  mulaw.write('WAVEfmt ', 8, 'latin1');
  mulaw.writeUInt32LE(16, 16);
  mulaw.writeUInt16LE(7, 20);
  mulaw.writeUInt16LE(1, 22);
  mulaw.writeUInt32LE(8000, 24);
  mulaw.writeUInt32LE(8000, 28);
  mulaw.writeUInt16LE(1, 32);
  mulaw.writeUInt16LE(8, 34);
  mulaw.write('data', 36, 'latin1');
  mulaw.writeUInt32LE(100, 40);
  const s1 = new WavStream();
  const step = s1.push(mulaw);
  assert.ok(!step.ok && step.unsupported);
  assert.equal(s1.heldHeader().length, mulaw.length);

  const s2 = new WavStream();
  const bad = s2.push(Buffer.from('{"error":"nope"}'));
  assert.ok(!bad.ok && !bad.unsupported);

  const s3 = new WavStream();
  assert.ok(s3.push(Buffer.from('RIFF')).ok);
  assert.deepEqual(s3.end(), { ok: false, error: 'speech response: the body ended before any audio' });
});
