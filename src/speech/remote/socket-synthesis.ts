/**
 * One utterance synthesised over a WebSocket, written once for the streaming TTS adapters
 * (ElevenLabs, Cartesia): open the socket (URL policy and CA of `websocket.ts`), send the
 * provider's request messages when it opens, hand each JSON message to the provider's reader
 * (audio bytes, the end, or an error code), decode the audio to 8 kHz PCM and yield it the moment
 * it arrives. A deadline bounds the handshake and every gap between messages; `signal`
 * terminates the socket at once and the iteration throws; a consumer that stops early closes it.
 */
import type WebSocket from 'ws';
import { mulawDecode } from '../audio/mulaw.js';
import { StreamingResampler } from '../audio/streaming-resample.js';
import { Arrivals } from './arrivals.js';
import { Pcm16Reader } from './pcm16-reader.js';
import { closeCode, openSocket } from './websocket.js';
import type { EndpointSecurity } from './endpoint.js';

/** What the provider sends: μ-law at 8 kHz, or PCM16 little-endian at some rate. */
export type SocketAudioFormat = { encoding: 'mulaw' } | { encoding: 'pcm16'; sampleRate: number };

/** A provider message as the adapter reads it. */
export type ProviderMessage = { audio?: Buffer; final?: boolean; error?: string };

export interface SocketSynthesis {
  /** Names the provider in errors. */
  provider: string;
  url: URL;
  headers: Record<string, string>;
  security: EndpointSecurity;
  /** Messages to send once the socket is open (the request and its end). */
  requests: readonly unknown[];
  read(message: Record<string, unknown>): ProviderMessage;
  format: SocketAudioFormat;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export async function* synthesiseOverSocket(s: SocketSynthesis): AsyncIterable<Int16Array> {
  if (s.signal?.aborted) throw new Error('synthesis aborted');
  const ws = openSocket(s.url, s.headers, s.security, s.timeoutMs);
  const arrivals = new Arrivals<Buffer>();
  let sent = false;
  let timer: NodeJS.Timeout | undefined;
  // A plain timer rather than the Clock: it bounds real socket I/O, as the HTTP client's does.
  const watchdog = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      arrivals.fail(new Error(`${s.provider} sent nothing for ${s.timeoutMs} ms`));
      ws.terminate();
    }, s.timeoutMs);
    timer.unref();
  };
  const onAbort = (): void => {
    arrivals.fail(new Error('synthesis aborted'));
    ws.terminate();
  };
  s.signal?.addEventListener('abort', onAbort, { once: true });
  watchdog();

  ws.on('open', () => {
    for (const m of s.requests) ws.send(JSON.stringify(m));
    sent = true;
  });
  ws.on('message', (data, isBinary) => {
    watchdog();
    if (isBinary) return;
    const msg = parse(data.toString());
    if (!msg) return;
    const r = s.read(msg);
    if (r.error !== undefined) return arrivals.fail(new Error(`${s.provider} reported an error${r.error ? ` (${r.error})` : ''}`));
    if (r.audio?.length) arrivals.put(r.audio);
    if (r.final) arrivals.end();
  });
  ws.on('unexpected-response', (_req, res) => {
    arrivals.fail(new Error(`${s.provider} handshake: HTTP ${res.statusCode ?? 0}`));
    res.resume();
    ws.terminate();
  });
  ws.on('error', (e) => arrivals.fail(new Error(`${s.provider} socket: ${e.message}`)));
  ws.on('close', (code, reason) => {
    if (sent && code === 1000) arrivals.end();
    else arrivals.fail(new Error(`${s.provider} closed the stream before the end of the audio (${closeCode(code, reason)})`));
  });

  const decoder = new SocketAudioDecoder(s.format);
  try {
    for (;;) {
      const bytes = await arrivals.next();
      if (s.signal?.aborted) throw new Error('synthesis aborted');
      if (bytes === undefined) break;
      const pcm = decoder.push(bytes);
      if (pcm.length) yield pcm;
    }
    const tail = decoder.flush();
    if (tail.length) yield tail;
  } finally {
    clearTimeout(timer);
    s.signal?.removeEventListener('abort', onAbort);
    closeQuietly(ws);
  }
}

/** A provider's error code, only if it looks like one (its message may echo the request's text: never kept). */
export function providerErrorCode(...candidates: unknown[]): string {
  for (const c of candidates) {
    if (typeof c === 'number' && Number.isInteger(c)) return String(c);
    if (typeof c === 'string' && /^[a-z][a-z0-9_]{0,39}$/.test(c)) return c;
  }
  return '';
}

/** μ-law or PCM16 (any rate) bytes → 8 kHz PCM, across message boundaries. */
class SocketAudioDecoder {
  private readonly pcm = new Pcm16Reader();
  private readonly resampler: StreamingResampler | undefined;

  constructor(private readonly format: SocketAudioFormat) {
    this.resampler = format.encoding === 'pcm16' ? new StreamingResampler(format.sampleRate) : undefined;
  }

  push(bytes: Buffer): Int16Array {
    return this.resampler ? this.resampler.push(this.pcm.push(bytes)) : mulawDecode(bytes);
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

function closeQuietly(ws: WebSocket): void {
  if (ws.readyState === ws.OPEN) ws.close(1000);
  else if (ws.readyState === ws.CONNECTING) ws.terminate();
}
