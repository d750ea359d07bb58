/**
 * A local server speaking ElevenLabs' input-streaming TTS WebSocket
 * (`/v1/text-to-speech/{voice_id}/stream-input?model_id&output_format`), strictly enough to catch
 * adapter mistakes:
 *   - `output_format` must be `ulaw_8000` or `pcm_16000` and `model_id` present (else HTTP 400);
 *   - the first message must be `{text: " ", xi_api_key}` with the right key, else an error
 *     message (`invalid_api_key`) and close 1008;
 *   - text is buffered until `flush: true` or the end message `{text: ""}`, then synthesised as
 *     `samplesPerChar` samples per character (a 400 Hz tone) and dribbled out in `chunks` audio
 *     messages `chunkGapMs` apart (base64); after the end message and the audio, `{isFinal: true}`
 *     and close 1000;
 *   - `failAfterChunks`: the server drops the stream (1011) after that many audio messages.
 * Every session is recorded: query, messages, when each audio message left, when the socket closed.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { mulawEncode } from '../../../src/speech/audio/mulaw.js';
import type { SelfSigned } from './tls.js';

export interface ElevenLabsServerOptions {
  tls: SelfSigned;
  apiKey: string;
  samplesPerChar?: number;
  chunks?: number;
  chunkGapMs?: number;
  failAfterChunks?: number;
}

export interface ElevenLabsSession {
  voice: string;
  query: URLSearchParams;
  messages: Record<string, unknown>[];
  /** performance.now() of each audio message sent. */
  audioSentAt: number[];
  /** Every sample synthesised (8 or 16 kHz, as asked). */
  synthesised: Int16Array[];
  closed: Promise<{ code: number; at: number }>;
}

export function tone(samples: number, rate: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * 400 * i) / rate)));
}

export class ElevenLabsServer {
  readonly sessions: ElevenLabsSession[] = [];
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private readonly opts: ElevenLabsServerOptions) {
    this.server = createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, (_req, res) => {
      res.writeHead(404);
      res.end();
    });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const m = /^\/v1\/text-to-speech\/([^/]+)\/stream-input$/.exec(url.pathname);
      const q = url.searchParams;
      if (!m) return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      if (!['ulaw_8000', 'pcm_16000'].includes(q.get('output_format') ?? '') || !q.get('model_id')) return void socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSession(ws, decodeURIComponent(m[1]!), q));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSession(ws: WebSocket, voice: string, query: URLSearchParams): void {
    let resolveClosed!: (v: { code: number; at: number }) => void;
    const session: ElevenLabsSession = { voice, query, messages: [], audioSentAt: [], synthesised: [], closed: new Promise((r) => (resolveClosed = r)) };
    this.sessions.push(session);
    ws.on('close', (code) => resolveClosed({ code, at: performance.now() }));
    const ulaw = query.get('output_format') === 'ulaw_8000';
    const rate = ulaw ? 8000 : 16000;
    let buffered = '';
    let work = Promise.resolve();
    let sent = 0;
    const speak = async (text: string): Promise<void> => {
      const pcm = tone(text.length * (this.opts.samplesPerChar ?? 80) * (rate / 8000), rate);
      session.synthesised.push(pcm);
      const bytes = ulaw ? mulawEncode(pcm) : Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
      const n = this.opts.chunks ?? 4;
      const step = Math.ceil(bytes.length / n) | 1; // odd: PCM samples split across messages
      for (let off = 0; off < bytes.length && ws.readyState === ws.OPEN; off += step) {
        if (this.opts.failAfterChunks !== undefined && sent >= this.opts.failAfterChunks) return void ws.close(1011, 'internal_error');
        ws.send(JSON.stringify({ audio: bytes.subarray(off, off + step).toString('base64'), isFinal: null, normalizedAlignment: null, alignment: null }));
        session.audioSentAt.push(performance.now());
        sent++;
        await new Promise((r) => setTimeout(r, this.opts.chunkGapMs ?? 60));
      }
    };
    ws.on('message', (data) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return void ws.close(1003, 'invalid_message');
      }
      session.messages.push(msg);
      if (session.messages.length === 1) {
        if (msg['text'] !== ' ' || msg['xi_api_key'] !== this.opts.apiKey) {
          ws.send(JSON.stringify({ message: 'Invalid API key', error: 'invalid_api_key', code: 1008 }));
          return void ws.close(1008, 'invalid_api_key');
        }
        return;
      }
      if (typeof msg['text'] !== 'string') return;
      const last = msg['text'] === '';
      buffered += msg['text'];
      if (msg['flush'] === true || last) {
        const text = buffered.trim();
        buffered = '';
        if (text) work = work.then(() => speak(text));
      }
      if (last) {
        work = work.then(() => {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(JSON.stringify({ audio: null, isFinal: true }));
          ws.close(1000);
        });
      }
    });
  }
}
