/**
 * Cartesia text to speech over its WebSocket (`/tts/websocket`), one socket for many utterances
 * (socket-tts.ts): Cartesia multiplexes contexts on a connection and recommends a context per
 * generation on one long-lived socket.
 *
 * `Authorization: Bearer <key>` and `Cartesia-Version` on the handshake (never the key in the URL).
 * An utterance is one generation request in a fresh context: `{model_id, transcript, voice: {mode:
 * "id", id}, output_format: {container: "raw", encoding, sample_rate}, language, context_id,
 * continue: false}`. Cartesia answers `{type: "chunk", data: base64, context_id}` messages, then
 * `{type: "done"}` (or `{type: "error"}`); each chunk is decoded (`pcm_mulaw` at 8 kHz: the line's
 * own format; `pcm_s16le` at any rate, resampled as it streams) and yielded the moment it arrives.
 * Barge-in sends `{context_id, cancel: true}`: that context stops, the socket stays.
 *
 * Privacy: Cartesia's protocol has no per-request retention flag; zero data retention is an
 * organisation setting (enterprise plans). The docs say so; the gateway cannot check it.
 */
import { randomUUID } from 'node:crypto';
import { providerErrorCode } from './socket-synthesis.js';
import { SocketTts, type SocketTtsOptions } from './socket-tts.js';

export const CARTESIA_URL = 'wss://api.cartesia.ai';
export const CARTESIA_VERSION = '2025-04-16';

export interface CartesiaTtsOptions extends SocketTtsOptions {
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
}

export class CartesiaTts extends SocketTts {
  constructor(opts: CartesiaTtsOptions) {
    const mulaw = (opts.encoding ?? 'pcm_mulaw') === 'pcm_mulaw';
    const sampleRate = mulaw ? 8000 : (opts.sampleRate ?? 16000);
    super({
      provider: 'cartesia',
      defaultUrl: CARTESIA_URL,
      endpoint: () => ({ path: '/tts/websocket', query: {}, headers: { Authorization: `Bearer ${opts.apiKey}`, 'Cartesia-Version': opts.version ?? CARTESIA_VERSION } }),
      // "Dozens of concurrent generations" a socket; a call has a few pieces in flight at most.
      maxContexts: 16,
      contextOf: (msg) => (typeof msg['context_id'] === 'string' ? msg['context_id'] : undefined),
      requests: (id, transcript, voice) => [
        {
          model_id: opts.model ?? 'sonic-2',
          transcript,
          voice: { mode: 'id', id: voice },
          output_format: { container: 'raw', encoding: mulaw ? 'pcm_mulaw' : 'pcm_s16le', sample_rate: sampleRate },
          language: opts.language ?? 'en',
          context_id: id,
          continue: false,
        },
      ],
      cancel: (id) => [{ context_id: id, cancel: true }],
      read: (msg) => {
        if (msg['type'] === 'error') return { error: providerErrorCode(msg['status_code'], msg['code'], msg['error_code']) };
        if (msg['type'] === 'chunk' && typeof msg['data'] === 'string') return { audio: Buffer.from(msg['data'], 'base64'), final: msg['done'] === true };
        return { final: msg['type'] === 'done' || msg['done'] === true };
      },
      format: mulaw ? { encoding: 'mulaw' } : { encoding: 'pcm16', sampleRate },
      newContextId: randomUUID,
    }, opts);
  }
}
