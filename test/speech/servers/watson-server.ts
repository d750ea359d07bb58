/**
 * A local server speaking IBM Watson's protocols, strictly enough to catch adapter mistakes:
 *   POST /identity/token            IAM: form grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=KEY
 *   GET  /v1/recognize (WebSocket)  STT: requires auth and ?model; first message must be
 *                                   {"action":"start","content-type":"audio/mulaw;rate=8000",...};
 *                                   sends {"state":"listening"}, interim results as audio
 *                                   arrives, final results and "listening" again after stop
 *   POST /v1/synthesize?voice=V     TTS: requires auth, JSON {text}, Accept audio/basic or
 *                                   audio/l16;rate=8000; streams the audio in several chunks
 * Every request is recorded (headers, start message, received audio) for the tests to inspect.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SelfSigned } from './tls.js';

export interface WatsonServerOptions {
  tls?: SelfSigned;
  apiKey: string;
  basic?: { username: string; password: string };
  /** What the "recogniser" hears; split into segments to send several final results. */
  transcriptSegments: string[];
  /** Samples of μ-law audio the TTS returns per character of text. */
  ttsSamplesPerChar?: number;
  /** Gap between the synthesised body's chunks (default 10 ms). */
  ttsChunkGapMs?: number;
}

export interface RecordedSession {
  headers: IncomingMessage['headers'];
  url: string;
  start?: Record<string, unknown>;
  audio: Buffer[];
  stopped: boolean;
}

export interface RecordedSynthesis {
  headers: IncomingMessage['headers'];
  url: string;
  body: Record<string, unknown>;
}

export class WatsonServer {
  readonly sessions: RecordedSession[] = [];
  readonly syntheses: RecordedSynthesis[] = [];
  /** performance.now() of each synthesis body's last write. */
  readonly synthesisLastWriteAt: number[] = [];
  tokenRequests = 0;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly tokens = new Set<string>();

  constructor(private readonly opts: WatsonServerOptions) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.onRequest(req, res);
    this.server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/v1/recognize' || !this.authorised(req.headers.authorization) || !url.searchParams.get('model')) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSession(ws, req));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private authorised(header: string | undefined): boolean {
    if (!header) return false;
    if (header.startsWith('Bearer ')) return this.tokens.has(header.slice(7));
    if (header.startsWith('Basic ') && this.opts.basic) {
      return Buffer.from(header.slice(6), 'base64').toString() === `${this.opts.basic.username}:${this.opts.basic.password}`;
    }
    return false;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, obj: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (req.method === 'POST' && url.pathname === '/identity/token') {
      this.tokenRequests++;
      const form = new URLSearchParams(body);
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return json(400, { errorCode: 'BXNIM0109E' });
      if (form.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey' || form.get('apikey') !== this.opts.apiKey) return json(400, { errorCode: 'BXNIM0415E' });
      const token = `tok-${this.tokenRequests}-${Math.random().toString(36).slice(2)}`;
      this.tokens.add(token);
      return json(200, { access_token: token, token_type: 'Bearer', expires_in: 3600, expiration: Math.floor(Date.now() / 1000) + 3600 });
    }
    if (req.method === 'POST' && url.pathname === '/v1/synthesize') {
      if (!this.authorised(req.headers.authorization)) return json(401, { code: 401, error: 'Unauthorized' });
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return json(400, { code: 400, error: 'bad json' });
      }
      this.syntheses.push({ headers: req.headers, url: req.url ?? '', body: parsed });
      const accept = req.headers.accept ?? '';
      const voice = url.searchParams.get('voice');
      if (!voice || typeof parsed['text'] !== 'string') return json(400, { code: 400, error: 'missing voice or text' });
      const n = (parsed['text'] as string).length * (this.opts.ttsSamplesPerChar ?? 80);
      let payload: Buffer;
      if (accept === 'audio/basic') {
        payload = Buffer.alloc(n);
        for (let i = 0; i < n; i++) payload[i] = i % 2 ? 0x80 : 0x00; // loud square wave in μ-law
      } else if (/^audio\/l16;\s*rate=8000(;\s*endianness=little-endian)?$/.test(accept)) {
        payload = Buffer.alloc(n * 2);
        for (let i = 0; i < n; i++) payload.writeInt16LE(i % 2 ? 1000 : -1000, i * 2);
      } else return json(400, { code: 400, error: `unsupported accept ${accept}` });
      res.writeHead(200, { 'content-type': accept });
      // Stream in uneven chunks (odd sizes split l16 samples across chunks).
      const step = Math.max(1, Math.floor(payload.length / 4) | 1);
      for (let off = 0; off < payload.length; off += step) {
        res.write(payload.subarray(off, off + step));
        await new Promise((r) => setTimeout(r, this.opts.ttsChunkGapMs ?? 10));
      }
      this.synthesisLastWriteAt.push(performance.now());
      res.end();
      return;
    }
    json(404, { code: 404, error: 'Not Found' });
  }

  private onSession(ws: WebSocket, req: IncomingMessage): void {
    const session: RecordedSession = { headers: req.headers, url: req.url ?? '', audio: [], stopped: false };
    this.sessions.push(session);
    const words = this.opts.transcriptSegments.join(' ').split(' ');
    let received = 0;
    let interimSent = 0;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        if (!session.start) {
          ws.send(JSON.stringify({ error: 'audio before start', code: 400 }));
          return void ws.close(1011);
        }
        const buf = Buffer.from(data as Buffer);
        session.audio.push(buf);
        received += buf.length;
        // one interim result per 0.2 s of audio, revealing the transcript word by word
        while (received >= (interimSent + 1) * 1600 && interimSent < words.length) {
          interimSent++;
          ws.send(JSON.stringify({ results: [{ alternatives: [{ transcript: words.slice(0, interimSent).join(' ') + ' ' }], final: false }], result_index: 0 }));
        }
        return;
      }
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        ws.send(JSON.stringify({ error: 'Could not parse message', code: 400 }));
        return void ws.close(1011);
      }
      if (msg['action'] === 'start') {
        if (msg['content-type'] !== 'audio/mulaw;rate=8000') {
          ws.send(JSON.stringify({ error: 'unsupported content-type', code: 400 }));
          return void ws.close(1011);
        }
        session.start = msg;
        ws.send(JSON.stringify({ state: 'listening' }));
      } else if (msg['action'] === 'stop') {
        session.stopped = true;
        this.opts.transcriptSegments.forEach((segment, i) => {
          ws.send(
            JSON.stringify({
              results: [{ alternatives: [{ transcript: segment + ' ', confidence: 0.9 - i * 0.1 }, { transcript: segment.toUpperCase() + ' ' }], final: true }],
              result_index: i,
            }),
          );
        });
        ws.send(JSON.stringify({ state: 'listening' }));
      }
    });
  }
}
