/**
 * What the WebSocket TTS adapters (ElevenLabs, Cartesia) share: their common options, SSML reduced
 * to words, and their sockets. A provider says only what its protocol is (`SocketTtsProtocol`:
 * where the socket goes, the messages of one utterance and of its cancel, how to read a reply).
 *
 * Sockets (context-socket.ts): one a socket target (ElevenLabs puts the voice in the URL, so one a
 * voice; Cartesia one for all), each utterance a context on it.
 *   - `forCall()`: the call's own adapter. Its default voice's socket opens at once (the handshake
 *     overlaps the call's first dialog turn), every utterance of the call reuses it, `close()` at the
 *     call's end closes it.
 *   - the adapter itself (the process's, shared by its calls' cache warm-ups, tools and the bench):
 *     the same reuse, and a socket with no utterance for `idleCloseMs` is closed.
 */
import { plainText } from './plain-text.js';
import { socketUrl, type SocketQuery } from './websocket.js';
import { ContextSocket } from './context-socket.js';
import { synthesiseInContext, type ProviderMessage, type SocketAudioFormat } from './socket-synthesis.js';
import type { EndpointSecurity } from './endpoint.js';
import type { Tts, TtsRequest } from '../types.js';

/** The options every WebSocket TTS adapter takes. */
export interface SocketTtsOptions extends EndpointSecurity {
  /** The provider's `wss://` (or `https://`) base URL; default its public one. */
  url?: string;
  apiKey: string;
  /** Voice id. */
  voice: string;
  model?: string;
  /** Longest wait for the handshake, then between two messages. Default 15 s. */
  timeoutMs?: number;
  /** The process-wide adapter closes a socket after this long without an utterance (ms). Default 10 s. */
  idleCloseMs?: number;
}

export interface SocketTtsProtocol {
  provider: string;
  defaultUrl: string;
  /** The socket for a voice: path, query and handshake headers (never the key in the URL). */
  endpoint(voice: string): { path: string; query: SocketQuery; headers: Record<string, string> };
  /** Contexts one socket may carry at once. */
  maxContexts: number;
  contextOf(msg: Record<string, unknown>): string | undefined;
  requests(id: string, text: string, voice: string): readonly unknown[];
  cancel(id: string): readonly unknown[];
  read(msg: Record<string, unknown>): ProviderMessage;
  format: SocketAudioFormat;
  newContextId(): string;
  /** Sent before a graceful close. */
  goodbye?: unknown;
}

export class SocketTts implements Tts {
  readonly engine: string;
  readonly voice: string;
  readonly #sockets = new Map<string, ContextSocket>();
  #closed = false;

  constructor(
    private readonly protocol: SocketTtsProtocol,
    private readonly opts: SocketTtsOptions,
    /** 'call': the call's own adapter, sockets closed by `close()` only. */
    private readonly scope: 'process' | 'call' = 'process',
  ) {
    this.engine = protocol.provider;
    this.voice = opts.voice;
  }

  /** The call's own adapter: sockets kept for the call, the default voice's opened now. */
  forCall(): Tts {
    const call = new SocketTts(this.protocol, this.opts, 'call');
    const socket = call.#socketFor(call.voice);
    if (socket.ok) socket.socket.open().catch(() => undefined); // a failure shows on first use, and is retried there
    return call;
  }

  /** Sockets opened so far and utterances in flight (tests, the bench). */
  get stats(): { opened: number; contexts: number } {
    let opened = 0;
    let contexts = 0;
    for (const s of this.#sockets.values()) [opened, contexts] = [opened + s.opened, contexts + s.contexts];
    return { opened, contexts };
  }

  cacheText(request: TtsRequest): string {
    return request.ssml ? plainText(request.text) : request.text;
  }

  async *synthesize(request: TtsRequest): AsyncIterable<Int16Array> {
    const text = this.cacheText(request).trim();
    if (!text) return;
    if (this.#closed) throw new Error(`${this.engine}: synthesis after close`);
    const voice = request.voice ?? this.voice;
    const target = this.#socketFor(voice);
    if (!target.ok) throw new Error(target.error);
    const p = this.protocol;
    yield* synthesiseInContext(target.socket, {
      provider: p.provider,
      contextId: () => p.newContextId(),
      requests: (id) => p.requests(id, text, voice),
      cancel: (id) => p.cancel(id),
      read: (msg) => p.read(msg),
      format: p.format,
      timeoutMs: this.opts.timeoutMs ?? 15_000,
      signal: request.signal,
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const sockets = [...this.#sockets.values()];
    this.#sockets.clear();
    await Promise.all(sockets.map((s) => s.close()));
  }

  #socketFor(voice: string): { ok: true; socket: ContextSocket } | { ok: false; error: string } {
    const p = this.protocol;
    const e = p.endpoint(voice);
    const target = socketUrl(this.opts.url ?? p.defaultUrl, e.path, e.query, this.opts);
    if (!target.ok) return target;
    const key = target.url.href;
    let socket = this.#sockets.get(key);
    if (!socket) {
      socket = new ContextSocket({
        provider: p.provider,
        url: target.url,
        headers: e.headers,
        security: this.opts,
        timeoutMs: this.opts.timeoutMs ?? 15_000,
        contextOf: (msg) => p.contextOf(msg),
        goodbye: p.goodbye,
        maxContexts: p.maxContexts,
        idleCloseMs: this.scope === 'call' ? undefined : (this.opts.idleCloseMs ?? 10_000),
      });
      this.#sockets.set(key, socket);
    }
    return { ok: true, socket };
  }
}
