/**
 * Cartesia text to speech over its WebSocket (`/tts/websocket`).
 *
 * One socket per utterance, `Authorization: Bearer <key>` and `Cartesia-Version` on the handshake
 * (never the key in the URL). One generation request: `{model_id, transcript, voice: {mode: "id",
 * id}, output_format: {container: "raw", encoding, sample_rate}, language, context_id, continue:
 * false}`. Cartesia answers `{type: "chunk", data: base64}` messages, then `{type: "done"}` (or
 * `{type: "error"}`); each chunk is decoded (`pcm_mulaw` at 8 kHz: the line's own format;
 * `pcm_s16le` at any rate, resampled as it streams) and yielded the moment it arrives.
 *
 * Privacy: Cartesia's protocol has no per-request retention flag; zero data retention is an
 * organisation setting (enterprise plans). The docs say so; the gateway cannot check it.
 */
import { randomUUID } from 'node:crypto';
import { plainText } from './plain-text.js';
import { socketUrl } from './websocket.js';
import { providerErrorCode, synthesiseOverSocket } from './socket-synthesis.js';
import type { EndpointSecurity } from './endpoint.js';
import type { Tts, TtsRequest } from '../types.js';

export const CARTESIA_URL = 'wss://api.cartesia.ai';
export const CARTESIA_VERSION = '2025-04-16';

export interface CartesiaTtsOptions extends EndpointSecurity {
  /** Default `wss://api.cartesia.ai`. */
  url?: string;
  apiKey: string;
  /** Voice id. */
  voice: string;
  /** Default `sonic-2`. */
  model?: string;
  /** Default `en`. */
  language?: string;
  /** `pcm_mulaw` (8 kHz, default) or `pcm_s16le` at `sampleRate`. */
  encoding?: 'pcm_mulaw' | 'pcm_s16le';
  /** For `pcm_s16le`; default 16000. */
  sampleRate?: 8000 | 16000 | 22050 | 24000 | 44100;
  /** `Cartesia-Version` header. */
  version?: string;
  /** Longest wait for the handshake, then between two messages. Default 15 s. */
  timeoutMs?: number;
}

export class CartesiaTts implements Tts {
  readonly engine = 'cartesia';
  readonly voice: string;

  constructor(private readonly opts: CartesiaTtsOptions) {
    this.voice = opts.voice;
  }

  cacheText(request: TtsRequest): string {
    return request.ssml ? plainText(request.text) : request.text;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    const transcript = this.cacheText(request).trim();
    if (!transcript) return;
    const target = socketUrl(this.opts.url ?? CARTESIA_URL, '/tts/websocket', {}, this.opts);
    if (!target.ok) throw new Error(target.error);
    const mulaw = (this.opts.encoding ?? 'pcm_mulaw') === 'pcm_mulaw';
    const sampleRate = mulaw ? 8000 : (this.opts.sampleRate ?? 16000);
    const contextId = randomUUID();
    yield* synthesiseOverSocket({
      provider: 'cartesia',
      url: target.url,
      headers: { Authorization: `Bearer ${this.opts.apiKey}`, 'Cartesia-Version': this.opts.version ?? CARTESIA_VERSION },
      security: this.opts,
      requests: [
        {
          model_id: this.opts.model ?? 'sonic-2',
          transcript,
          voice: { mode: 'id', id: request.voice ?? this.voice },
          output_format: { container: 'raw', encoding: mulaw ? 'pcm_mulaw' : 'pcm_s16le', sample_rate: sampleRate },
          language: this.opts.language ?? 'en',
          context_id: contextId,
          continue: false,
        },
      ],
      read: (msg) => {
        if (msg['context_id'] !== undefined && msg['context_id'] !== contextId) return {};
        if (msg['type'] === 'error') return { error: providerErrorCode(msg['status_code'], msg['code']) };
        if (msg['type'] === 'chunk' && typeof msg['data'] === 'string') return { audio: Buffer.from(msg['data'], 'base64'), final: msg['done'] === true };
        return { final: msg['type'] === 'done' || msg['done'] === true };
      },
      format: mulaw ? { encoding: 'mulaw' } : { encoding: 'pcm16', sampleRate },
      timeoutMs: this.opts.timeoutMs ?? 15_000,
      signal: request.signal,
    });
  }

  async close(): Promise<void> {
    // One socket per utterance, closed with it.
  }
}
