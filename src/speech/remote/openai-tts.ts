/**
 * OpenAI-compatible text to speech (`POST /v1/audio/speech`, JSON `{model, input, voice,
 * response_format}`), spoken by OpenAI and self-hosted servers (openedai-speech, Kokoro-FastAPI,
 * LocalAI, ...). Asks for `wav` by default (the header tells the sample rate) or raw `pcm`
 * (OpenAI: 24 kHz PCM16 LE; `pcmSampleRate` for others). The body is decoded and resampled to
 * 8 kHz as it streams (`WavStream`, `StreamingResampler`), so the first chunk plays while the
 * server is still sending; a WAV that is not PCM16 is read whole. SSML is reduced to text (tags
 * removed) because the protocol takes plain text.
 */
import { parseWav } from '../audio/wav.js';
import { resampleTo8k } from '../audio/resample-any.js';
import { StreamingResampler } from '../audio/streaming-resample.js';
import { checkEndpoint, describeFailure, joinUrl, readSome, speechTarget, type EndpointSecurity } from './endpoint.js';
import type { HttpTarget } from '../../http/index.js';
import { plainText } from './plain-text.js';
import { Pcm16Reader } from './pcm16-reader.js';
import { WavStream, type WavStreamStep } from './wav-stream.js';
import type { Tts, TtsRequest } from '../types.js';

export interface OpenAiTtsOptions extends EndpointSecurity {
  url: string;
  apiKey?: string;
  /** Default `tts-1`. */
  model?: string;
  /** Default `alloy`. */
  voice?: string;
  responseFormat?: 'wav' | 'pcm';
  pcmSampleRate?: number;
  timeoutMs?: number;
  chunkMs?: number;
}

/** The longest body read (a runaway server): about 20 minutes of 24 kHz PCM. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class OpenAiTts implements Tts {
  readonly engine = 'openai';
  readonly voice: string;

  private readonly http: HttpTarget;

  constructor(private readonly opts: OpenAiTtsOptions) {
    this.voice = opts.voice ?? 'alloy';
    // Streamed: the timeout bounds the wait for the headers, then each gap in the body.
    this.http = speechTarget(opts, opts.timeoutMs ?? 30_000);
  }

  /** SSML is reduced to its text here: the cache keys on that text. */
  cacheText(request: TtsRequest): string {
    return request.ssml ? plainText(request.text) : request.text;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    const endpoint = checkEndpoint(this.opts.url, this.opts);
    if (!endpoint.ok) throw new Error(endpoint.error);
    const format = this.opts.responseFormat ?? 'wav';
    const input = request.ssml ? plainText(request.text) : request.text;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: format === 'wav' ? 'audio/wav' : 'audio/pcm' };
    if (this.opts.apiKey) headers['authorization'] = `Bearer ${this.opts.apiKey}`;
    const sent = await this.http.stream({
      url: joinUrl(endpoint.url, '/v1/audio/speech'),
      method: 'POST',
      headers,
      body: JSON.stringify({ model: this.opts.model ?? 'tts-1', input, voice: request.voice ?? this.voice, response_format: format }),
      signal: request.signal,
    });
    if (!sent.ok) throw new Error(`speech failed: ${sent.error.message}`);
    const res = sent.value;
    if (res.status !== 200) {
      const text = await readSome(res.body);
      throw new Error(`speech failed: ${describeFailure({ status: res.status, text: () => text })}`);
    }
    const chunk = Math.max(80, Math.round(((this.opts.chunkMs ?? 200) * 8000) / 1000));
    const decoder = format === 'wav' ? new WavStream() : new RawPcmStream(this.opts.pcmSampleRate ?? 24000);
    let whole: Buffer[] | undefined; // a WAV the stream cannot follow (μ-law, A-law) is read whole
    let received = 0;
    try {
      for await (const bytes of res.body) {
        received += bytes.length;
        if (received > MAX_BODY_BYTES) throw new Error(`speech response: more than ${MAX_BODY_BYTES} bytes`);
        if (whole) {
          whole.push(bytes);
          continue;
        }
        const step = decoder.push(bytes);
        if (!step.ok && step.unsupported && decoder instanceof WavStream) whole = [decoder.heldHeader()];
        else if (!step.ok) throw new Error(step.error);
        else yield* pieces(step.samples, chunk);
      }
    } finally {
      res.body.destroy();
    }
    if (whole) {
      const wav = parseWav(Buffer.concat(whole));
      if (!wav.ok) throw new Error(`speech response: ${wav.error}`);
      yield* pieces(resampleTo8k(wav.samples, wav.sampleRate), chunk);
      return;
    }
    const tail = decoder.end();
    if (!tail.ok) throw new Error(tail.error);
    yield* pieces(tail.samples, chunk);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** Raw PCM16 LE at a known rate, resampled to 8 kHz as it streams. */
class RawPcmStream {
  private readonly pcm = new Pcm16Reader();
  private readonly resampler: StreamingResampler;

  constructor(rate: number) {
    this.resampler = new StreamingResampler(rate);
  }

  push(bytes: Buffer): WavStreamStep {
    return { ok: true, samples: this.resampler.push(this.pcm.push(bytes)) };
  }

  end(): WavStreamStep {
    return { ok: true, samples: this.resampler.flush() };
  }
}

/** Splits decoded audio into playout-sized chunks (a large body chunk is not one long yield). */
function* pieces(samples: Int16Array, size: number): Iterable<Int16Array> {
  for (let off = 0; off < samples.length; off += size) yield samples.subarray(off, Math.min(samples.length, off + size));
}
