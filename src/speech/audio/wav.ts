/**
 * Minimal RIFF/WAVE PCM16 reader and writer for speech engines (flite output, OpenAI-compatible
 * uploads and `response_format: "wav"`). Private to `speech/`; to be deduplicated with
 * `src/media/wav.ts`. Parsing returns errors as values; streamed WAVs whose size fields are
 * 0 or 0xFFFFFFFF (written to a pipe) are read to the end of the buffer.
 */

export type WavParse =
  | { ok: true; sampleRate: number; channels: number; samples: Int16Array }
  | { ok: false; error: string };

export function parseWav(buf: Buffer): WavParse {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    return { ok: false, error: 'not a RIFF/WAVE file' };
  }
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) return { ok: false, error: 'short fmt chunk' };
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) return { ok: false, error: 'data before fmt' };
      if (fmt.format !== 1 && fmt.format !== 0xfffe) return { ok: false, error: `unsupported format ${fmt.format}` };
      if (fmt.bits !== 16) return { ok: false, error: `unsupported bits ${fmt.bits}` };
      if (fmt.channels < 1) return { ok: false, error: 'no channels' };
      if (size === 0 || size === 0xffffffff || body + size > buf.length) size = buf.length - body;
      const frames = Math.floor(size / (2 * fmt.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = buf.readInt16LE(body + i * 2 * fmt.channels);
      return { ok: true, sampleRate: fmt.rate, channels: fmt.channels, samples };
    }
    off = body + size + (size & 1);
  }
  return { ok: false, error: 'no data chunk' };
}

export function writeWav(samples: Int16Array, sampleRate: number): Buffer {
  const data = samples.length * 2;
  const buf = Buffer.alloc(44 + data);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + data, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(data, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i]!, 44 + i * 2);
  return buf;
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
