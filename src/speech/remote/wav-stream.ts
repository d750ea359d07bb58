/**
 * A WAV body read as it arrives (OpenAI-compatible `response_format: "wav"`, which streaming
 * servers send with unknown sizes): the header is held until the `data` chunk starts, checked by
 * the media layer's parser (`parseWav` on the header alone), and from then on PCM16 bytes become
 * 8 kHz samples chunk by chunk (first channel, resampled as they stream). A header the stream
 * cannot follow (not PCM16) is an error value; the caller reads the whole body instead.
 */
import { parseWav } from '../../media/index.js';
import { StreamingResampler } from '../audio/streaming-resample.js';
import { Pcm16Reader } from './pcm16-reader.js';

export type WavStreamStep = { ok: true; samples: Int16Array } | { ok: false; error: string; unsupported?: boolean };

export class WavStream {
  private header: Buffer | undefined = Buffer.alloc(0);
  private channels = 1;
  private sampleIndex = 0;
  /** Bytes of the data chunk still to come (Infinity when the server wrote no size). */
  private remaining = Infinity;
  private readonly pcm = new Pcm16Reader();
  private resampler: StreamingResampler | undefined;

  push(chunk: Buffer): WavStreamStep {
    let body = chunk;
    if (this.header) {
      this.header = Buffer.concat([this.header, chunk]);
      const start = dataStart(this.header);
      if (start === 'invalid') return { ok: false, error: 'speech response: not a RIFF/WAVE body' };
      if (start === undefined) return this.header.length > 64 * 1024 ? { ok: false, error: 'speech response: no data chunk in the first 64 KiB' } : { ok: true, samples: new Int16Array(0) };
      const head = parseWav(this.header.subarray(0, start.body));
      if (!head.ok) return { ok: false, error: `speech response: ${head.error}` };
      const { sampleRate, channels, encoding } = head.wav;
      if (encoding !== 'pcm16') return { ok: false, error: `speech response: ${encoding} cannot be streamed`, unsupported: true };
      this.channels = channels;
      this.resampler = new StreamingResampler(sampleRate);
      if (start.size !== 0 && start.size !== 0xffffffff) this.remaining = start.size;
      body = this.header.subarray(start.body);
      this.header = undefined;
    }
    if (this.remaining !== Infinity) {
      body = body.subarray(0, Math.max(0, Math.min(body.length, this.remaining)));
      this.remaining -= body.length;
    }
    return { ok: true, samples: this.resampler!.push(this.firstChannel(this.pcm.push(body))) };
  }

  /** The bytes held while looking for the data chunk (all of the body so far, until audio starts). */
  heldHeader(): Buffer {
    return this.header ?? Buffer.alloc(0);
  }

  /** The resampler's tail once the body has ended; an error if the body ended inside the header. */
  end(): WavStreamStep {
    if (this.header) return { ok: false, error: 'speech response: the body ended before any audio' };
    return { ok: true, samples: this.resampler!.flush() };
  }

  private firstChannel(interleaved: Int16Array): Int16Array {
    if (this.channels === 1) return interleaved;
    const out: number[] = [];
    for (let i = 0; i < interleaved.length; i++, this.sampleIndex++) if (this.sampleIndex % this.channels === 0) out.push(interleaved[i]!);
    return Int16Array.from(out);
  }
}

/** Where the data chunk's bytes start, once the header holding it has arrived. */
function dataStart(b: Buffer): { body: number; size: number } | undefined | 'invalid' {
  if (b.length < 12) return undefined;
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') return 'invalid';
  for (let pos = 12; pos + 8 <= b.length; ) {
    const size = b.readUInt32LE(pos + 4);
    if (b.toString('latin1', pos, pos + 4) === 'data') return { body: pos + 8, size };
    pos += 8 + size + (size & 1);
  }
  return undefined;
}
