/**
 * A local server speaking Deepgram's live transcription WebSocket (`/v1/listen`), strictly
 * enough to catch adapter mistakes:
 *   - the handshake needs `Authorization: Token KEY` (else HTTP 401 with a `dg-error` header) and
 *     `encoding` (mulaw | linear16), `sample_rate=8000`, `channels=1` (else HTTP 400);
 *   - binary messages are audio; every `msPerWord` of it reveals the next word of the script as an
 *     interim `Results` (`is_final: false`); a segment whose words are all out is sent final
 *     (`is_final`, `speech_final`);
 *   - `{"type":"Finalize"}` sends what is left as one final result with `from_finalize: true`;
 *     `{"type":"CloseStream"}` sends `Metadata` and closes (1000); `{"type":"KeepAlive"}` is noted;
 *   - `failAfterMs`: the server drops the stream with 1011 `NET-0000` after that much audio.
 * Every message (audio and control, in arrival order) is recorded for the tests.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { WsProtocolServer, closedPromise } from '../../helpers/ws-protocol-server.js';
import type { SelfSigned } from './tls.js';

export interface DeepgramServerOptions {
  tls: SelfSigned;
  apiKey: string;
  /** What the "recogniser" hears, in segments (each becomes one final result); a function scripts each session. */
  segments: string[] | (() => string[]);
  msPerWord?: number;
  failAfterMs?: number;
}

/** `at`: when the message arrived (ms, performance.now()). */
export type ReceivedMessage = ({ kind: 'audio'; data: Buffer } | { kind: 'control'; type: string }) & { at?: number };

export interface DeepgramSession {
  headers: IncomingMessage['headers'];
  query: URLSearchParams;
  messages: ReceivedMessage[];
  /** Resolves when the client's socket is gone (closed or dropped). */
  closed: Promise<{ code: number; at: number }>;
}

export class DeepgramServer extends WsProtocolServer {
  readonly sessions: DeepgramSession[] = [];
  readonly refused: { status: number; headers: IncomingMessage['headers'] }[] = [];

  constructor(private readonly opts: DeepgramServerOptions) {
    super(opts.tls, (req, url) => {
      const q = url.searchParams;
      const refuse = (status: number, reason: string, err: string) => {
        this.refused.push({ status, headers: req.headers });
        return { refuse: status, reason, headers: { 'dg-error': err } };
      };
      if (url.pathname !== '/v1/listen') return refuse(404, 'Not Found', 'not found');
      if (req.headers.authorization !== `Token ${opts.apiKey}`) return refuse(401, 'Unauthorized', 'Invalid credentials.');
      if (!['mulaw', 'linear16'].includes(q.get('encoding') ?? '') || q.get('sample_rate') !== '8000' || q.get('channels') !== '1') return refuse(400, 'Bad Request', 'bad audio format');
      return { accept: (ws) => this.onSession(ws, req, q) };
    });
  }

  private onSession(ws: WebSocket, req: IncomingMessage, query: URLSearchParams): void {
    const session: DeepgramSession = { headers: req.headers, query, messages: [], closed: closedPromise(ws) };
    this.sessions.push(session);
    const bytesPerMs = query.get('encoding') === 'mulaw' ? 8 : 16;
    const script = typeof this.opts.segments === 'function' ? this.opts.segments() : this.opts.segments;
    const segments = script.filter((s) => s.trim()).map((s) => s.split(' '));
    let seg = 0; // segment being revealed
    let shown = 0; // its words already revealed
    let received = 0;
    let revealed = 0;
    const results = (transcript: string, extra: Record<string, unknown>): string =>
      JSON.stringify({ type: 'Results', channel_index: [0, 1], duration: 0.2, start: 0, is_final: false, speech_final: false, channel: { alternatives: [{ transcript, confidence: 0.9, words: [] }] }, ...extra });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const buf = Buffer.from(data as Buffer);
        session.messages.push({ kind: 'audio', data: buf, at: performance.now() });
        received += buf.length;
        if (this.opts.failAfterMs !== undefined && received >= this.opts.failAfterMs * bytesPerMs) return void ws.close(1011, 'NET-0000: internal server error');
        const msPerWord = this.opts.msPerWord ?? 200;
        while (received >= (revealed + 1) * msPerWord * bytesPerMs && seg < segments.length) {
          revealed++;
          shown++;
          const words = segments[seg]!;
          if (shown < words.length) ws.send(results(words.slice(0, shown).join(' '), {}));
          else {
            ws.send(results(words.join(' '), { is_final: true, speech_final: true }));
            seg++;
            shown = 0;
          }
        }
        return;
      }
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return void ws.close(1008, 'DATA-0000');
      }
      session.messages.push({ kind: 'control', type: String(msg['type']), at: performance.now() });
      if (msg['type'] === 'Finalize') {
        const rest = segments.slice(seg).flat();
        seg = segments.length;
        if (rest.length) ws.send(results(rest.join(' '), { is_final: true, speech_final: true, from_finalize: true }));
      } else if (msg['type'] === 'CloseStream') {
        ws.send(JSON.stringify({ type: 'Metadata', transaction_key: 'deprecated', request_id: '8c8ebea9-dbec-45fa-a035-e4632cb05b5f', created: new Date().toISOString(), duration: received / bytesPerMs / 1000, channels: 1 }));
        ws.close(1000);
      }
    });
  }
}
