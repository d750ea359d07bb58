/**
 * OpenAI-compatible speech to text (`POST /v1/audio/transcriptions`), which OpenAI and
 * self-hosted Whisper servers (faster-whisper-server, LocalAI, whisper.cpp server, ...) speak.
 * The protocol is not streaming: a turn buffers its frames and uploads one WAV at `end()`,
 * multipart with `model`, `language` (ISO 639-1), `prompt` (hints and expected phrases, which
 * bias Whisper) and `response_format=verbose_json`. Confidence is derived from the segments'
 * `avg_logprob` (exp of the duration-weighted mean) and `no_speech_prob`.
 */
import { randomBytes } from 'node:crypto';
import { writeWav } from '../audio/wav.js';
import { checkEndpoint, describeFailure, joinUrl, speechTarget, type EndpointSecurity } from './endpoint.js';
import type { HttpTarget } from '../../http/index.js';
import { systemClock, type Clock } from '../../time/index.js';
import { BufferedTurn } from '../buffered-turn.js';
import type { Stt, SttOutcome, SttResult, SttStream, SttTurnSettings } from '../types.js';

export interface OpenAiSttOptions extends EndpointSecurity {
  /** Base URL, e.g. https://api.openai.com (the adapter appends /v1/audio/transcriptions). */
  url: string;
  apiKey?: string;
  /** Default `whisper-1`. */
  model?: string;
  timeoutMs?: number;
  maxUtteranceSec?: number;
  /** Latency measurement (default the system clock). */
  clock?: Clock;
}

interface VerboseSegment {
  avg_logprob?: number;
  no_speech_prob?: number;
  start?: number;
  end?: number;
}

export function multipart(fields: Record<string, string | undefined>, file: { name: string; filename: string; type: string; data: Buffer }): { body: Buffer; contentType: string } {
  const boundary = `----hushgate${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`));
  parts.push(file.data);
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function confidenceFromSegments(segments: VerboseSegment[] | undefined): number {
  if (!segments || segments.length === 0) return 0;
  let weight = 0;
  let sum = 0;
  let noSpeech = 0;
  for (const s of segments) {
    const w = Math.max(0.01, (s.end ?? 0) - (s.start ?? 0));
    if (typeof s.avg_logprob === 'number') {
      sum += s.avg_logprob * w;
      weight += w;
    }
    noSpeech = Math.max(noSpeech, s.no_speech_prob ?? 0);
  }
  if (weight === 0) return 0;
  const c = Math.exp(sum / weight) * (1 - noSpeech);
  return Math.min(1, Math.max(0, c));
}

export class OpenAiStt implements Stt {
  readonly engine = 'openai';

  private readonly http: HttpTarget;
  private readonly clock: Clock;

  constructor(private readonly opts: OpenAiSttOptions) {
    this.http = speechTarget(opts, opts.timeoutMs ?? 30_000);
    this.clock = opts.clock ?? systemClock;
  }

  startTurn(settings: SttTurnSettings = {}): SttStream {
    return new BufferedTurn(Math.round((this.opts.maxUtteranceSec ?? 60) * 8000), (audio) => this.transcribe(audio, settings));
  }

  async transcribe(audio8k: Int16Array, settings: SttTurnSettings = {}): Promise<SttOutcome> {
    const endpoint = checkEndpoint(this.opts.url, this.opts);
    if (!endpoint.ok) return endpoint;
    const o = settings.engineOptions ?? {};
    const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);
    const prompt = str(o['prompt']) ?? ([...(settings.hints ?? []), ...(settings.grammar?.phrases ?? [])].join(', ').slice(0, 800) || undefined);
    const { body, contentType } = multipart(
      {
        model: str(o['model']) ?? this.opts.model ?? 'whisper-1',
        language: str(o['language']) ?? settings.language?.split('-')[0]?.toLowerCase(),
        prompt,
        temperature: str(o['temperature']),
        response_format: 'verbose_json',
      },
      { name: 'file', filename: 'utterance.wav', type: 'audio/wav', data: writeWav(audio8k, 8000) },
    );
    const headers: Record<string, string> = { 'content-type': contentType, accept: 'application/json' };
    if (this.opts.apiKey) headers['authorization'] = `Bearer ${this.opts.apiKey}`;
    const t0 = this.clock.now();
    try {
      const res = await this.http.request({ url: joinUrl(endpoint.url, '/v1/audio/transcriptions'), method: 'POST', headers, body });
      if (!res.ok) return { ok: false, error: `transcription failed: ${res.error.message}` };
      if (res.value.status !== 200) return { ok: false, error: `transcription failed: ${describeFailure(res.value)}` };
      const json = JSON.parse(res.value.text()) as { text?: unknown; segments?: VerboseSegment[] };
      if (typeof json.text !== 'string') return { ok: false, error: 'transcription response has no text' };
      const transcript = json.text.trim();
      const confidence = transcript ? confidenceFromSegments(json.segments) : 0;
      const result: SttResult = { transcript, confidence, alternatives: [{ transcript, confidence }], final: true, latencyMs: this.clock.now() - t0 };
      return { ok: true, result };
    } catch (e) {
      return { ok: false, error: `transcription failed: ${(e as Error).message}` };
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
