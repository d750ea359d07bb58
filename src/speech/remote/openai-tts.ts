/**
 * OpenAI-compatible text to speech (`POST /v1/audio/speech`, JSON `{model, input, voice,
 * response_format}`), spoken by OpenAI and self-hosted servers (openedai-speech, Kokoro-FastAPI,
 * LocalAI, ...). Asks for `wav` by default (the header tells the sample rate) or raw `pcm`
 * (OpenAI: 24 kHz PCM16 LE; `pcmSampleRate` for others). The body is read whole and resampled
 * to 8 kHz, then yielded in chunks. SSML is reduced to text (tags removed) because the
 * protocol takes plain text.
 */
import { parseWav, pcm16FromBytes } from '../audio/wav.js';
import { resampleTo8k } from '../audio/resample-any.js';
import { checkEndpoint, describeFailure, joinUrl, speechTarget, type EndpointSecurity } from './endpoint.js';
import type { HttpTarget } from '../../http/index.js';
import { ssmlToPieces } from '../ssml.js';
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

export class OpenAiTts implements Tts {
  readonly engine = 'openai';
  readonly voice: string;

  private readonly http: HttpTarget;

  constructor(private readonly opts: OpenAiTtsOptions) {
    this.voice = opts.voice ?? 'alloy';
    // The whole clip is read before it is resampled: up to 64 MiB.
    this.http = speechTarget(opts, opts.timeoutMs ?? 30_000, 64 * 1024 * 1024);
  }

  /** SSML is reduced to its text here: the cache keys on that text. */
  cacheText(request: TtsRequest): string {
    return request.ssml ? plainOf(request.text) : request.text;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    const endpoint = checkEndpoint(this.opts.url, this.opts);
    if (!endpoint.ok) throw new Error(endpoint.error);
    const format = this.opts.responseFormat ?? 'wav';
    const input = request.ssml ? plainOf(request.text) : request.text;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: format === 'wav' ? 'audio/wav' : 'audio/pcm' };
    if (this.opts.apiKey) headers['authorization'] = `Bearer ${this.opts.apiKey}`;
    const res = await this.http.request({
      url: joinUrl(endpoint.url, '/v1/audio/speech'),
      method: 'POST',
      headers,
      body: JSON.stringify({ model: this.opts.model ?? 'tts-1', input, voice: request.voice ?? this.voice, response_format: format }),
      signal: request.signal,
    });
    if (!res.ok) throw new Error(`speech failed: ${res.error.message}`);
    if (res.value.status !== 200) throw new Error(`speech failed: ${describeFailure(res.value)}`);
    const body = res.value.body;
    let audio: Int16Array;
    if (format === 'wav') {
      const wav = parseWav(body);
      if (!wav.ok) throw new Error(`speech response: ${wav.error}`);
      audio = resampleTo8k(wav.samples, wav.sampleRate);
    } else {
      audio = resampleTo8k(pcm16FromBytes(body), this.opts.pcmSampleRate ?? 24000);
    }
    const chunk = Math.max(80, Math.round(((this.opts.chunkMs ?? 200) * 8000) / 1000));
    for (let off = 0; off < audio.length; off += chunk) yield audio.subarray(off, Math.min(audio.length, off + chunk));
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

function plainOf(ssml: string): string {
  return ssmlToPieces(ssml)
    .map((p) => (p.kind === 'text' ? p.text : ''))
    .filter(Boolean)
    .join(' ');
}
