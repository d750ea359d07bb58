/**
 * WAV for the speech engines (flite output, OpenAI-compatible uploads and `response_format: "wav"`):
 * the speech-shaped view (first channel, Buffer out) of the media layer's reader and writer
 * (`src/media/wav.ts`), plus PCM16 byte helpers. Errors come back as values.
 */
import { parseWav as parseMediaWav, writeWav as writeMediaWav } from '../../media/index.js';

export type WavParse =
  | { ok: true; sampleRate: number; channels: number; samples: Int16Array }
  | { ok: false; error: string };

/** First channel of a WAV as PCM16 (μ-law/A-law files are decoded), via the media layer's parser. */
export function parseWav(buf: Uint8Array): WavParse {
  const r = parseMediaWav(buf);
  if (!r.ok) return r;
  const { sampleRate, channels, samples } = r.wav;
  if (channels === 1) return { ok: true, sampleRate, channels, samples };
  const frames = Math.floor(samples.length / channels);
  const first = new Int16Array(frames);
  for (let i = 0; i < frames; i++) first[i] = samples[i * channels]!;
  return { ok: true, sampleRate, channels, samples: first };
}

export function writeWav(samples: Int16Array, sampleRate: number): Buffer {
  const bytes = writeMediaWav(samples, sampleRate, 1);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** PCM16 little-endian bytes → samples (copying; tolerates odd offsets). */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const v = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    out[i] = v > 32767 ? v - 65536 : v;
  }
  return out;
}

export function pcm16ToBytes(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}
