/**
 * The media stream wire format, one place for both variants.
 *
 * `twilio` is Twilio Media Streams: every message is a JSON text frame with `event` one of
 * `connected`, `start`, `media`, `mark`, `clear`, `dtmf`, `stop`; audio is μ-law 8 kHz mono, base64,
 * one 20 ms chunk (160 bytes) per `media` message. `l16-8k`/`l16-16k` keep the JSON control
 * messages and carry audio as binary frames of 16-bit little-endian PCM (jambonz `listen` style).
 * Parsing what the bot sends never throws: a message that is not one we know is a value saying so.
 */
import { ulawDecode, ulawEncode } from '../../media/index.js';
import { FRAME_SAMPLES } from '../../media/index.js';
import type { StreamFormat } from '../../tenancy/index.js';

export type BotMessage =
  | { kind: 'media'; samples: Int16Array; rate: 8000 | 16000 }
  | { kind: 'mark'; name: string }
  | { kind: 'clear' }
  | { kind: 'ignored'; why: string };

export const rateOf = (f: StreamFormat): 8000 | 16000 => (f === 'l16-16k' ? 16000 : 8000);

export function mediaFormat(f: StreamFormat): { encoding: string; sampleRate: number; channels: 1 } {
  return f === 'twilio' ? { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } : { encoding: 'audio/l16', sampleRate: rateOf(f), channels: 1 };
}

/** Gateway → bot messages (JSON text frames). `seq` is the stream's running sequence number. */
export const wire = {
  connected: () => ({ event: 'connected', protocol: 'Call', version: '1.0.0' }),
  start: (seq: number, streamSid: string, callSid: string, format: StreamFormat, customParameters: Record<string, unknown>) => ({
    event: 'start', sequenceNumber: String(seq), streamSid,
    start: { streamSid, accountSid: '', callSid, tracks: ['inbound'], customParameters, mediaFormat: mediaFormat(format) },
  }),
  media: (seq: number, streamSid: string, chunk: number, timestampMs: number, ulaw: Uint8Array) => ({
    event: 'media', sequenceNumber: String(seq), streamSid,
    media: { track: 'inbound', chunk: String(chunk), timestamp: String(timestampMs), payload: Buffer.from(ulaw).toString('base64') },
  }),
  mark: (seq: number, streamSid: string, name: string) => ({ event: 'mark', sequenceNumber: String(seq), streamSid, mark: { name } }),
  dtmf: (seq: number, streamSid: string, digit: string) => ({ event: 'dtmf', sequenceNumber: String(seq), streamSid, dtmf: { track: 'inbound_track', digit } }),
  stop: (seq: number, streamSid: string, callSid: string) => ({ event: 'stop', sequenceNumber: String(seq), streamSid, stop: { accountSid: '', callSid } }),
};

/** One caller frame (160 samples at 8 kHz) as μ-law for a `media` message. */
export function ulawFrame(frame: Int16Array): Uint8Array {
  const out = new Uint8Array(frame.length);
  ulawEncode(frame, out);
  return out;
}

/** PCM as a binary L16 little-endian frame. */
export function l16Bytes(samples: Int16Array): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(samples[i]!, i * 2);
  return b;
}

const MAX_MESSAGE_SAMPLES = FRAME_SAMPLES * 50 * 10; // 10 s at 8 kHz in one message is already unusual

/** A message from the bot: text (JSON) or binary (L16 audio in the L16 formats). */
export function parseBotMessage(data: Buffer, isBinary: boolean, format: StreamFormat): BotMessage {
  if (isBinary) {
    if (format === 'twilio') return { kind: 'ignored', why: 'binary frame on a twilio-format stream' };
    if (data.length % 2 !== 0) return { kind: 'ignored', why: 'L16 frame with an odd byte count' };
    const n = Math.min(data.length / 2, MAX_MESSAGE_SAMPLES * 2);
    const s = new Int16Array(n);
    for (let i = 0; i < n; i++) s[i] = data.readInt16LE(i * 2);
    return { kind: 'media', samples: s, rate: rateOf(format) };
  }
  let m: unknown;
  try {
    m = JSON.parse(data.toString('utf8'));
  } catch {
    return { kind: 'ignored', why: 'not JSON' };
  }
  if (!m || typeof m !== 'object') return { kind: 'ignored', why: 'not an object' };
  const o = m as Record<string, unknown>;
  switch (o['event']) {
    case 'media': {
      const payload = (o['media'] as Record<string, unknown> | undefined)?.['payload'];
      if (typeof payload !== 'string') return { kind: 'ignored', why: 'media without payload' };
      const bytes = Buffer.from(payload, 'base64');
      if (format !== 'twilio') {
        // JSON media on an L16 stream: base64 L16 little-endian.
        return parseBotMessage(bytes, true, format);
      }
      const s = new Int16Array(Math.min(bytes.length, MAX_MESSAGE_SAMPLES));
      ulawDecode(bytes.subarray(0, s.length), s);
      return { kind: 'media', samples: s, rate: 8000 };
    }
    case 'mark': {
      const name = (o['mark'] as Record<string, unknown> | undefined)?.['name'];
      return typeof name === 'string' ? { kind: 'mark', name } : { kind: 'ignored', why: 'mark without name' };
    }
    case 'clear':
      return { kind: 'clear' };
    default:
      return { kind: 'ignored', why: `event ${String(o['event']).slice(0, 20)} is not one a bot sends` };
  }
}
