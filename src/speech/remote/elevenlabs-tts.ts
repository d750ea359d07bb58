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
import type WebSocket from 'ws';
import { mulawDecode } from '../audio/mulaw.js';
import { StreamingResampler } from '../audio/streaming-resample.js';
import { Arrivals } from './arrivals.js';
import { plainText } from './plain-text.js';
import { closeCode, openSocket, socketUrl } from './websocket.js';
import type { EndpointSecurity } from './endpoint.js';
import { Pcm16Reader } from './pcm16-reader.js';
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
    const signal = request.signal;
    if (signal?.aborted) throw new Error('synthesis aborted');

    const timeoutMs = this.opts.timeoutMs ?? 15_000;
    const ws = openSocket(target.url, {}, this.opts, timeoutMs);
    const arrivals = new Arrivals<Buffer>();
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    // A plain timer rather than the Clock: it bounds real socket I/O, as the HTTP client's does.
    const watchdog = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        arrivals.fail(new Error(`elevenlabs sent nothing for ${timeoutMs} ms`));
        ws.terminate();
      }, timeoutMs);
      timer.unref();
    };
    const onAbort = (): void => {
      arrivals.fail(new Error('synthesis aborted'));
      ws.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    watchdog();

    ws.on('open', () => {
      ws.send(JSON.stringify({ text: ' ', voice_settings: voiceSettings(this.opts.voiceSettings), xi_api_key: this.opts.apiKey }));
      ws.send(JSON.stringify({ text: `${text} `, try_trigger_generation: true, flush: true }));
      ws.send(JSON.stringify({ text: '' }));
      ended = true;
    });
    ws.on('message', (data, isBinary) => {
      watchdog();
      if (isBinary) return;
      const msg = parse(data.toString());
      if (!msg) return;
      if (typeof msg['error'] === 'string' || (typeof msg['message'] === 'string' && msg['audio'] === undefined)) {
        arrivals.fail(new Error(`elevenlabs reported an error${errorCode(msg)}`));
        return;
      }
      if (typeof msg['audio'] === 'string' && msg['audio']) arrivals.put(Buffer.from(msg['audio'], 'base64'));
      if (msg['isFinal'] === true) arrivals.end();
    });
    ws.on('unexpected-response', (_req, res) => {
      arrivals.fail(new Error(`elevenlabs handshake: HTTP ${res.statusCode ?? 0}`));
      res.resume();
      ws.terminate();
    });
    ws.on('error', (e) => arrivals.fail(new Error(`elevenlabs socket: ${e.message}`)));
    ws.on('close', (code, reason) => {
      if (ended && code === 1000) arrivals.end();
      else arrivals.fail(new Error(`elevenlabs closed the stream before the end of the audio (${closeCode(code, reason)})`));
    });

    const decoder = new AudioDecoder(format);
    try {
      for (;;) {
        const bytes = await arrivals.next();
        if (signal?.aborted) throw new Error('synthesis aborted');
        if (bytes === undefined) break;
        const pcm = decoder.push(bytes);
        if (pcm.length) yield pcm;
      }
      const tail = decoder.flush();
      if (tail.length) yield tail;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      closeQuietly(ws);
    }
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

/** μ-law or PCM16 (any rate) bytes → 8 kHz PCM, across chunk boundaries. */
class AudioDecoder {
  private readonly pcm = new Pcm16Reader();
  private readonly resampler: StreamingResampler | undefined;

  constructor(private readonly format: 'ulaw_8000' | 'pcm_16000') {
    this.resampler = format === 'pcm_16000' ? new StreamingResampler(16_000) : undefined;
  }

  push(bytes: Buffer): Int16Array {
    if (this.format === 'ulaw_8000') return mulawDecode(bytes);
    return this.resampler!.push(this.pcm.push(bytes));
  }

  flush(): Int16Array {
    return this.resampler ? this.resampler.flush() : new Int16Array(0);
  }
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The provider's error code, if it is a code (its message may echo the request's text: never kept). */
function errorCode(msg: Record<string, unknown>): string {
  const c = msg['error'] ?? msg['code'];
  return (typeof c === 'string' && /^[a-z_]{1,40}$/.test(c)) || typeof c === 'number' ? ` (${String(c)})` : '';
}

function closeQuietly(ws: WebSocket): void {
  if (ws.readyState === ws.OPEN) ws.close(1000);
  else if (ws.readyState === ws.CONNECTING) ws.terminate();
}
