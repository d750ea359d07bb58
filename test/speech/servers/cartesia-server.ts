/**
 * A local server speaking Cartesia's TTS WebSocket (`/tts/websocket`), strictly enough to catch
 * adapter mistakes:
 *   - the handshake needs `Authorization: Bearer KEY` (else HTTP 401) and a `Cartesia-Version`
 *     date (else HTTP 400);
 *   - a generation request needs `model_id`, `transcript`, `voice: {mode: "id", id}`,
 *     `output_format: {container: "raw", encoding: pcm_mulaw | pcm_s16le, sample_rate}` and a
 *     `context_id`; the voice `missing` gets `{type: "error", status_code: 404, done: true}`;
 *   - the audio (a 400 Hz tone, `samplesPerChar` 8 kHz samples per character) is dribbled out in
 *     `chunks` `{type: "chunk", data}` messages `chunkGapMs` apart, then `{type: "done"}`. The
 *     socket stays open (Cartesia multiplexes contexts): the client closes it.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { mulawEncode } from '../../../src/speech/audio/mulaw.js';
import { tone } from './elevenlabs-server.js';
import type { SelfSigned } from './tls.js';

export interface CartesiaSession {
  headers: IncomingMessage['headers'];
  url: string;
  requests: Record<string, unknown>[];
  synthesised: Int16Array[];
  audioSentAt: number[];
  closed: Promise<{ code: number; at: number }>;
}

export class CartesiaServer {
  readonly sessions: CartesiaSession[] = [];
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private readonly opts: { tls: SelfSigned; apiKey: string; samplesPerChar?: number; chunks?: number; chunkGapMs?: number }) {
    this.server = createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, (_req, res) => {
      res.writeHead(404);
      res.end();
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/tts/websocket') return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return void socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(req.headers['cartesia-version'] ?? ''))) return void socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSession(ws, req));
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

  private onSession(ws: WebSocket, req: IncomingMessage): void {
    let resolveClosed!: (v: { code: number; at: number }) => void;
    const session: CartesiaSession = { headers: req.headers, url: req.url ?? '', requests: [], synthesised: [], audioSentAt: [], closed: new Promise((r) => (resolveClosed = r)) };
    this.sessions.push(session);
    ws.on('close', (code) => resolveClosed({ code, at: performance.now() }));
    ws.on('message', async (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      session.requests.push(msg);
      const contextId = msg['context_id'];
      const voice = msg['voice'] as { mode?: string; id?: string } | undefined;
      const format = msg['output_format'] as { container?: string; encoding?: string; sample_rate?: number } | undefined;
      const fail = (status: number, error: string) => ws.send(JSON.stringify({ type: 'error', context_id: contextId, status_code: status, done: true, error }));
      if (typeof msg['model_id'] !== 'string' || typeof msg['transcript'] !== 'string' || typeof contextId !== 'string') return fail(400, 'missing fields');
      if (voice?.mode !== 'id' || !voice.id) return fail(400, 'voice must be {mode: id, id}');
      if (voice.id === 'missing') return fail(404, `Voice not found for "${msg['transcript']}"`);
      if (format?.container !== 'raw' || !['pcm_mulaw', 'pcm_s16le'].includes(format.encoding ?? '') || !format.sample_rate) return fail(400, 'bad output_format');
      const rate = format.sample_rate;
      const pcm = tone(Math.round((msg['transcript'].length * (this.opts.samplesPerChar ?? 80) * rate) / 8000), rate);
      session.synthesised.push(pcm);
      const bytes = format.encoding === 'pcm_mulaw' ? mulawEncode(pcm) : Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
      const step = Math.ceil(bytes.length / (this.opts.chunks ?? 4)) | 1;
      for (let off = 0; off < bytes.length && ws.readyState === ws.OPEN; off += step) {
        ws.send(JSON.stringify({ type: 'chunk', context_id: contextId, status_code: 206, done: false, step_time: 12, data: bytes.subarray(off, off + step).toString('base64') }));
        session.audioSentAt.push(performance.now());
        await new Promise((r) => setTimeout(r, this.opts.chunkGapMs ?? 60));
      }
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'done', context_id: contextId, status_code: 200, done: true }));
    });
  }
}
