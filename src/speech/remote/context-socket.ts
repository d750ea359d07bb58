/**
 * One WebSocket that carries many utterances, each in its own provider context (Cartesia's
 * `context_id`, ElevenLabs' multi-context `context_id`/`contextId`): opened on first use (or
 * ahead of it with `open()`), kept for the next utterance, reopened when the provider closed it
 * while idle, closed by `close()` (the call ended) or after `idleCloseMs` with no context (an
 * adapter shared by the whole process).
 *
 *   attach(id, sink) ── messages whose context is `id` ──▶ sink.message(msg)
 *                    ── socket error or close while attached ──▶ sink.lost(error)
 *
 * At most `maxContexts` contexts at once (ElevenLabs allows 5 a connection): a further `attach`
 * waits for one to be released. The socket's own failures are reported to every attached context;
 * what to do about them (retry once, fail the utterance) is the utterance's business
 * (socket-synthesis.ts).
 */
import type WebSocket from 'ws';
import { closeCode, openSocket } from './websocket.js';
import type { EndpointSecurity } from './endpoint.js';

export interface ContextSocketSpec {
  provider: string;
  url: URL;
  headers: Record<string, string>;
  security: EndpointSecurity;
  /** Handshake deadline (ms). */
  timeoutMs: number;
  /** The context a provider message belongs to (undefined: the connection's own, e.g. an auth error). */
  contextOf(msg: Record<string, unknown>): string | undefined;
  /** Sent before a graceful close (ElevenLabs `{close_socket: true}`). */
  goodbye?: unknown;
  maxContexts: number;
  /** Close after this long without a context (ms); undefined: only `close()` closes. */
  idleCloseMs?: number | undefined;
}

export interface ContextSink {
  message(msg: Record<string, unknown>): void;
  /** The socket failed or closed under this context. `retryable`: a transport failure, not the provider's refusal. */
  lost(error: Error, retryable: boolean): void;
}

/** A handshake or transport failure, with whether trying once more on a fresh socket makes sense. */
export class SocketFailure extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export class ContextSocket {
  /** Sockets opened so far (tests and the bench count handshakes with it). */
  opened = 0;
  #ws?: WebSocket | undefined;
  #opening?: Promise<WebSocket> | undefined;
  readonly #sinks = new Map<string, ContextSink>();
  readonly #waiting: Array<() => void> = [];
  #idle?: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(private readonly spec: ContextSocketSpec) {}

  get contexts(): number {
    return this.#sinks.size;
  }

  /** The open socket, opening one when there is none. Throws a `SocketFailure`. */
  open(): Promise<WebSocket> {
    if (this.#closed) return Promise.reject(new SocketFailure(`${this.spec.provider} socket closed with the call`, false));
    if (this.#ws?.readyState === 1) return Promise.resolve(this.#ws);
    return (this.#opening ??= this.#connect().finally(() => (this.#opening = undefined)));
  }

  /** Waits for room (at most `maxContexts`), then routes context `id`'s messages to `sink`. */
  async attach(id: string, sink: ContextSink, signal?: AbortSignal): Promise<void> {
    while (this.#sinks.size >= this.spec.maxContexts) {
      if (signal?.aborted) throw new Error('synthesis aborted');
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiting.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    clearTimeout(this.#idle);
    this.#sinks.set(id, sink);
  }

  detach(id: string): void {
    if (!this.#sinks.delete(id)) return;
    // Every waiter looks again (one that gave up on abort must not swallow the wake-up).
    for (const wake of this.#waiting.splice(0)) wake();
    if (this.#sinks.size === 0 && this.spec.idleCloseMs !== undefined && this.#ws) {
      // A plain timer rather than the Clock: it bounds real socket I/O, as the HTTP client's does.
      this.#idle = setTimeout(() => this.#closeSocket(), this.spec.idleCloseMs);
      this.#idle.unref();
    }
  }

  /** Sends when the socket is open; false when it is not (the context is lost anyway). */
  send(message: unknown): boolean {
    if (this.#ws?.readyState !== 1) return false;
    this.#ws.send(JSON.stringify(message));
    return true;
  }

  /** Drops the socket at once (a hung provider); attached contexts are told. */
  terminate(error: Error): void {
    const ws = this.#ws;
    this.#ws = undefined;
    this.#lose(error, true);
    ws?.terminate();
  }

  /** Closes the socket for good (the call ended, the adapter closed); in-flight contexts fail. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idle);
    await this.#opening?.catch(() => undefined);
    this.#lose(new SocketFailure(`${this.spec.provider} socket closed with the call`, false), false);
    for (const w of this.#waiting.splice(0)) w();
    this.#closeSocket();
  }

  #connect(): Promise<WebSocket> {
    const s = this.spec;
    return new Promise<WebSocket>((resolve, reject) => {
      const ws = openSocket(s.url, s.headers, s.security, s.timeoutMs);
      this.opened++;
      let open = false;
      ws.on('open', () => {
        open = true;
        if (this.#closed) {
          ws.close(1000);
          return reject(new SocketFailure(`${s.provider} socket closed with the call`, false));
        }
        this.#ws = ws;
        resolve(ws);
      });
      ws.on('unexpected-response', (_req, res) => {
        // A refusal (bad key, bad parameters) will not change on a second try: not retryable.
        const status = res.statusCode ?? 0;
        reject(new SocketFailure(`${s.provider} handshake: HTTP ${status}`, status >= 500));
        res.resume();
        ws.terminate();
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary || this.#ws !== ws) return; // a socket being closed speaks for nobody now
        const msg = parse(data.toString());
        if (!msg) return;
        const id = s.contextOf(msg);
        if (id !== undefined) return this.#sinks.get(id)?.message(msg);
        // A connection-level message (ElevenLabs reports a bad key so) goes to every context.
        for (const sink of [...this.#sinks.values()]) sink.message(msg);
      });
      ws.on('error', (e) => {
        if (!open) reject(new SocketFailure(`${s.provider} socket: ${e.message}`, !/certificate|self.signed/i.test(e.message)));
      });
      ws.on('close', (code, reason) => {
        if (!open) return reject(new SocketFailure(`${s.provider} socket closed during the handshake (${closeCode(code, reason)})`, true));
        // Only the current socket's end concerns the attached contexts: one closed for idleness,
        // terminated or closed by `close()` was let go first (and its contexts told then), and the
        // contexts attached since belong to its successor.
        if (this.#ws !== ws) return;
        this.#ws = undefined;
        // 1008 (policy: bad key, too many contexts) is the provider's refusal; the rest is transport.
        this.#lose(new SocketFailure(`${s.provider} closed the stream before the end of the audio (${closeCode(code, reason)})`, code !== 1008), code !== 1008);
      });
    });
  }

  #lose(error: Error, retryable: boolean): void {
    for (const sink of [...this.#sinks.values()]) sink.lost(error, retryable);
  }

  #closeSocket(): void {
    const ws = this.#ws;
    this.#ws = undefined;
    if (!ws) return;
    if (ws.readyState === 1) {
      if (this.spec.goodbye !== undefined) ws.send(JSON.stringify(this.spec.goodbye));
      ws.close(1000);
    } else ws.terminate();
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
