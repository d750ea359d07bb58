/**
 * ElevenLabs text to speech over its input-streaming WebSocket
 * (`/v1/text-to-speech/{voice_id}/stream-input?model_id=…&output_format=…&enable_logging=false`).
 *
 * One socket per utterance: the first message opens the stream (`text: " "`, `voice_settings`,
 * `xi_api_key` — the key travels inside TLS, never in the URL), then the utterance's text with
 * `flush: true` (generate now: a turn's piece is complete when it is sent), then `{"text": ""}`
 * to end. The server answers `{audio: base64, isFinal}` messages; each audio chunk is decoded
 * (`ulaw_8000`: μ-law as the line carries it; `pcm_16000`: resampled to 8 kHz as it streams) and
 * yielded the moment it arrives. `request.signal` terminates the socket at once.
 *
 * Privacy: `enable_logging=false` (ElevenLabs' zero-retention mode: text and audio not stored)
 * is on every session; it cannot be turned off. SSML is reduced to its words.
 */
import { plainText } from './plain-text.js';
import { socketUrl } from './websocket.js';
import { providerErrorCode, synthesiseOverSocket } from './socket-synthesis.js';
import type { EndpointSecurity } from './endpoint.js';
import type { Tts, TtsRequest } from '../types.js';

export const ELEVENLABS_URL = 'wss://api.elevenlabs.io';

export interface ElevenLabsVoiceSettings {
  stability?: number;
  similarityBoost?: number;
  style?: number;
  useSpeakerBoost?: boolean;
  speed?: number;
}

export interface ElevenLabsTtsOptions extends EndpointSecurity {
  /** Default `wss://api.elevenlabs.io`. */
  url?: string;
  apiKey: string;
  /** Voice id. */
  voice: string;
  /** Default `eleven_flash_v2_5`. */
  model?: string;
  outputFormat?: 'ulaw_8000' | 'pcm_16000';
  voiceSettings?: ElevenLabsVoiceSettings;
  /** Longest wait for the handshake, then between two messages. Default 15 s. */
  timeoutMs?: number;
}

export class ElevenLabsTts implements Tts {
  readonly engine = 'elevenlabs';
  readonly voice: string;

  constructor(private readonly opts: ElevenLabsTtsOptions) {
    this.voice = opts.voice;
  }

  cacheText(request: TtsRequest): string {
    return request.ssml ? plainText(request.text) : request.text;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    const text = this.cacheText(request).trim();
    if (!text) return;
    const format = this.opts.outputFormat ?? 'ulaw_8000';
    const voice = request.voice ?? this.voice;
    const target = socketUrl(this.opts.url ?? ELEVENLABS_URL, `/v1/text-to-speech/${encodeURIComponent(voice)}/stream-input`, { model_id: this.opts.model ?? 'eleven_flash_v2_5', output_format: format, enable_logging: false }, this.opts);
    if (!target.ok) throw new Error(target.error);
    yield* synthesiseOverSocket({
      provider: 'elevenlabs',
      url: target.url,
      headers: {},
      security: this.opts,
      requests: [
        { text: ' ', voice_settings: voiceSettings(this.opts.voiceSettings), xi_api_key: this.opts.apiKey },
        { text: `${text} `, try_trigger_generation: true, flush: true },
        { text: '' },
      ],
      read: (msg) => {
        if (typeof msg['error'] === 'string' || (typeof msg['message'] === 'string' && msg['audio'] === undefined)) return { error: providerErrorCode(msg['error'], msg['code']) };
        return { ...(typeof msg['audio'] === 'string' && msg['audio'] ? { audio: Buffer.from(msg['audio'], 'base64') } : {}), final: msg['isFinal'] === true };
      },
      format: format === 'ulaw_8000' ? { encoding: 'mulaw' } : { encoding: 'pcm16', sampleRate: 16_000 },
      timeoutMs: this.opts.timeoutMs ?? 15_000,
      signal: request.signal,
    });
  }

  async close(): Promise<void> {
    // One socket per utterance, closed with it.
  }
}

/** ElevenLabs' snake_case voice settings, only the ones set. */
function voiceSettings(s: ElevenLabsVoiceSettings = {}): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  if (s.stability !== undefined) out['stability'] = s.stability;
  if (s.similarityBoost !== undefined) out['similarity_boost'] = s.similarityBoost;
  if (s.style !== undefined) out['style'] = s.style;
  if (s.useSpeakerBoost !== undefined) out['use_speaker_boost'] = s.useSpeakerBoost;
  if (s.speed !== undefined) out['speed'] = s.speed;
  return out;
}
