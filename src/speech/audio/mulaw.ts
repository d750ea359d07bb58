/**
 * G.711 μ-law for the Watson adapters (`audio/mulaw;rate=8000` upstream, `audio/basic`
 * downstream) and the accuracy bench's telephone round trip: allocating wrappers over the media
 * layer's codec (`src/media/g711.ts`, byte-exact with sox), so the gateway has one G.711.
 */
import { ULAW_DECODE, ulawDecode, ulawEncode, ulawFromPcm } from '../../media/index.js';

export function mulawEncodeSample(sample: number): number {
  return ulawFromPcm(sample);
}

export function mulawEncode(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  ulawEncode(samples, out);
  return out;
}

export function mulawDecode(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  ulawDecode(bytes, out);
  return out;
}

/** The decoded value of one μ-law byte. */
export function mulawDecodeSample(byte: number): number {
  return ULAW_DECODE[byte & 0xff]!;
}
