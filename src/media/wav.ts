/**
 * WAV (RIFF/WAVE) reading and writing, as a pure transform over bytes — no files, no I/O.
 *
 * Reads PCM16 (format tag 1, or WAVE_FORMAT_EXTENSIBLE carrying PCM) at any rate with any channel
 * count, and G.711 μ-law (tag 7) / A-law (tag 6), which are decoded to PCM16 here with a small
 * self-contained decoder (decode only, 8 bits → 16 bits; the RTP colleague's g711.ts owns the
 * codec for the wire). Unknown chunks (LIST, fact, cue, ...) are skipped. A malformed file is a
 * value (`{ ok: false, error }`), never an exception.
 *
 * Writes PCM16 mono or stereo; `wavHeader()` is exported separately so the recorder can stream
 * the data and patch the sizes at close.
 */

export type WavEncoding = 'pcm16' | 'mulaw' | 'alaw';

export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** The encoding found in the file (samples are always returned as PCM16). */
  encoding: WavEncoding;
  /** Interleaved PCM16 samples (`frames * channels` long). */
  samples: Int16Array;
}

export type WavResult = { ok: true; wav: WavAudio } | { ok: false; error: string };

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

/** Parse a WAV file held in memory. */
export function parseWav(bytes: Uint8Array): WavResult {
  if (bytes.length < 12) return { ok: false, error: 'wav: too short for a RIFF header' };
  if (fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') return { ok: false, error: 'wav: not a RIFF/WAVE file' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { tag: number; channels: number; rate: number; bits: number; blockAlign: number } | undefined;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = fourcc(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) return { ok: false, error: 'wav: fmt chunk too short' };
      let tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const rate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (tag === FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 40 > bytes.length) return { ok: false, error: 'wav: extensible fmt chunk too short' };
        tag = view.getUint16(body + 24, true); // first two bytes of the sub-format GUID
      }
      fmt = { tag, channels, rate, bits, blockAlign };
    } else if (id === 'data') {
      if (!fmt) return { ok: false, error: 'wav: data chunk before fmt chunk' };
      // Streamed files sometimes carry 0 or 0xFFFFFFFF as the size: take what is there.
      const end = size === 0 || size === 0xffffffff || body + size > bytes.length ? bytes.length : body + size;
      return decodeData(bytes.subarray(body, end), fmt);
    }
    pos = body + size + (size & 1); // chunks are word-aligned
  }
  return { ok: false, error: fmt ? 'wav: no data chunk' : 'wav: no fmt chunk' };
}

function decodeData(
  data: Uint8Array,
  fmt: { tag: number; channels: number; rate: number; bits: number; blockAlign: number },
): WavResult {
  if (fmt.channels < 1 || fmt.channels > 8) return { ok: false, error: `wav: unsupported channel count ${fmt.channels}` };
  if (fmt.rate < 1000 || fmt.rate > 384000) return { ok: false, error: `wav: unsupported sample rate ${fmt.rate}` };
  if (fmt.tag === FORMAT_PCM) {
    if (fmt.bits !== 16) return { ok: false, error: `wav: unsupported PCM bit depth ${fmt.bits} (only 16)` };
    const n = (data.length >> 1) - ((data.length >> 1) % fmt.channels);
    const samples = new Int16Array(n);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < n; i++) samples[i] = dv.getInt16(i * 2, true);
    return { ok: true, wav: { sampleRate: fmt.rate, channels: fmt.channels, encoding: 'pcm16', samples } };
  }
  if (fmt.tag === FORMAT_MULAW || fmt.tag === FORMAT_ALAW) {
    if (fmt.bits !== 8) return { ok: false, error: `wav: G.711 must be 8 bits per sample, got ${fmt.bits}` };
    const n = data.length - (data.length % fmt.channels);
    const table = fmt.tag === FORMAT_MULAW ? MULAW_TABLE : ALAW_TABLE;
    const samples = new Int16Array(n);
    for (let i = 0; i < n; i++) samples[i] = table[data[i]!]!;
    return { ok: true, wav: { sampleRate: fmt.rate, channels: fmt.channels, encoding: fmt.tag === FORMAT_MULAW ? 'mulaw' : 'alaw', samples } };
  }
  return { ok: false, error: `wav: unsupported format tag ${fmt.tag}` };
}

/** 44-byte canonical PCM16 header for `dataBytes` bytes of sample data. */
export function wavHeader(dataBytes: number, sampleRate: number, channels: number): Uint8Array {
  const h = new Uint8Array(44);
  const v = new DataView(h.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) h[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  return h;
}

/** Serialize interleaved PCM16 samples as a WAV file. */
export function writeWav(samples: Int16Array, sampleRate: number, channels: 1 | 2 = 1): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  out.set(wavHeader(samples.length * 2, sampleRate, channels), 0);
  const v = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + i * 2, samples[i]!, true);
  return out;
}

/** Decode raw G.711 bytes (e.g. an `audio/basic` body) into PCM16. */
export function decodeG711(bytes: Uint8Array, law: 'mulaw' | 'alaw'): Int16Array {
  const table = law === 'mulaw' ? MULAW_TABLE : ALAW_TABLE;
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

// ITU-T G.711 expansion, written out from the standard's segment rule.
function mulawToLinear(u: number): number {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function alawToLinear(a: number): number {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

const MULAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => mulawToLinear(i));
const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));
