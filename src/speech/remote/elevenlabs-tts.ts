/**
 * ElevenLabs text to speech over its multi-context WebSocket
 * (`/v1/text-to-speech/{voice_id}/multi-stream-input?model_id=…&output_format=…&enable_logging=false`),
 * one socket a voice for many utterances (socket-tts.ts): ElevenLabs recommends one connection per
 * end-user session with a context per utterance, at most 5 contexts at once.
 *
 * The key travels in the `xi-api-key` handshake header (inside TLS, never in the URL). An utterance
 * is a fresh context: `{text: " ", voice_settings, context_id}` opens it, `{text, context_id,
 * flush: true}` asks for the audio now (a turn's piece is complete when it is sent), `{context_id,
 * close_context: true}` ends it once flushed. The server answers `{audio: base64, contextId}`
 * messages, then `{isFinal: true, contextId}`; each chunk is decoded (`ulaw_8000`: μ-law as the line
 * carries it; `pcm_16000`: resampled to 8 kHz as it streams) and yielded the moment it arrives.
 * Barge-in closes that context (`close_context`) and drops what still comes for it; the socket
 * stays. Before a socket is closed, `{close_socket: true}`.
 *
 * Privacy: `enable_logging=false` (ElevenLabs' zero-retention mode: text and audio not stored)
 * is on every socket; it cannot be turned off. SSML is reduced to its words.
 */
import { randomUUID } from 'node:crypto';
import { providerErrorCode } from './socket-synthesis.js';
import { SocketTts, type SocketTtsOptions } from './socket-tts.js';

export const ELEVENLABS_URL = 'wss://api.elevenlabs.io';

export interface ElevenLabsVoiceSettings {
  stability?: number;
  similarityBoost?: number;
  style?: number;
  useSpeakerBoost?: boolean;
  speed?: number;
}

export interface ElevenLabsTtsOptions extends SocketTtsOptions {
  /** Default `eleven_flash_v2_5`. */
  model?: string;
  outputFormat?: 'ulaw_8000' | 'pcm_16000';
  voiceSettings?: ElevenLabsVoiceSettings;
}

export class ElevenLabsTts extends SocketTts {
  constructor(opts: ElevenLabsTtsOptions) {
    const format = opts.outputFormat ?? 'ulaw_8000';
    super({
      provider: 'elevenlabs',
      defaultUrl: ELEVENLABS_URL,
      endpoint: (voice) => ({
        path: `/v1/text-to-speech/${encodeURIComponent(voice)}/multi-stream-input`,
        query: { model_id: opts.model ?? 'eleven_flash_v2_5', output_format: format, enable_logging: false },
        headers: { 'xi-api-key': opts.apiKey },
      }),
      maxContexts: 5,
      contextOf: (msg) => (typeof msg['contextId'] === 'string' ? msg['contextId'] : typeof msg['context_id'] === 'string' ? msg['context_id'] : undefined),
      requests: (id, text) => [
        { text: ' ', voice_settings: voiceSettings(opts.voiceSettings), context_id: id },
        { text: `${text} `, context_id: id, flush: true },
        { context_id: id, close_context: true },
      ],
      cancel: (id) => [{ context_id: id, close_context: true }],
      read: (msg) => {
        if (typeof msg['error'] === 'string' || (typeof msg['message'] === 'string' && msg['audio'] === undefined)) return { error: providerErrorCode(msg['error'], msg['code']) };
        return { ...(typeof msg['audio'] === 'string' && msg['audio'] ? { audio: Buffer.from(msg['audio'], 'base64') } : {}), final: msg['isFinal'] === true || msg['is_final'] === true };
      },
      format: format === 'ulaw_8000' ? { encoding: 'mulaw' } : { encoding: 'pcm16', sampleRate: 16_000 },
      newContextId: randomUUID,
      goodbye: { close_socket: true },
    }, opts);
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
