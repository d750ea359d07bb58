/**
 * What every local server speaking a provider's WebSocket protocol over TLS needs (the ElevenLabs,
 * Cartesia and Deepgram servers in test/speech/servers): an HTTPS server on loopback that answers
 * plain requests 404, routes upgrades through the protocol's `upgrade` (refuse with a status, or
 * accept and hand the socket over), counts TLS handshakes (a reused client socket makes none), and
 * closes everything. Plus the pieces the TTS servers share: a test tone, audio dribbled out in
 * paced messages, and a socket's close as a promise.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SelfSigned } from '../speech/servers/tls.js';

/** What a protocol does with an upgrade request: refuse it (status, reason, extra headers) or accept it. */
export type UpgradeDecision = { refuse: number; reason: string; headers?: Record<string, string> } | { accept: (ws: WebSocket) => void };

export class WsProtocolServer {
  /** TLS handshakes completed (one per client connection). */
  handshakes = 0;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(tls: SelfSigned, upgrade: (req: IncomingMessage, url: URL) => UpgradeDecision) {
    this.server = createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
      res.writeHead(404);
      res.end();
    });
    this.server.on('secureConnection', () => this.handshakes++);
    this.server.on('upgrade', (req, socket, head) => {
      const d = upgrade(req, new URL(req.url ?? '/', 'http://x'));
      if ('refuse' in d) {
        const extra = Object.entries(d.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        return void socket.end(`HTTP/1.1 ${d.refuse} ${d.reason}\r\n${extra}Content-Length: 0\r\n\r\n`);
      }
      this.wss.handleUpgrade(req, socket, head, d.accept);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Client sockets open now. */
  get clients(): number {
    return this.wss.clients.size;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Resolves with the close code and when (performance.now()) once the socket is gone. */
export function closedPromise(ws: WebSocket): Promise<{ code: number; at: number }> {
  return new Promise((resolve) => ws.on('close', (code) => resolve({ code, at: performance.now() })));
}

/** A 400 Hz test tone. */
export function tone(samples: number, rate: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * 400 * i) / rate)));
}

/**
 * `bytes` in `chunks` messages `gapMs` apart (an odd step: PCM samples split across messages);
 * `send` returns false to stop (cancelled, dropped). Resolves true when all was sent.
 */
export async function dribble(bytes: Buffer, chunks: number, gapMs: number, send: (part: Buffer) => boolean): Promise<boolean> {
  const step = Math.ceil(bytes.length / chunks) | 1;
  for (let off = 0; off < bytes.length; off += step) {
    if (!send(bytes.subarray(off, off + step))) return false;
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return true;
}

/** One utterance as a TTS protocol server saw it. */
export interface TtsContextRecord {
  id: string;
  /** The client's messages for this context, in order. */
  requests: Record<string, unknown>[];
  /** What was synthesised (8 or 16/24 kHz, as asked). */
  synthesised: Int16Array[];
  /** performance.now() of each audio message sent. */
  audioSentAt: number[];
  /** When the client stopped the context (Cartesia cancel, ElevenLabs close_context before the audio ended). */
  stoppedAt?: number;
}

/** One client socket as a TTS protocol server saw it. */
export interface TtsSession {
  headers: IncomingMessage['headers'];
  url: URL;
  messages: Record<string, unknown>[];
  contexts: Map<string, TtsContextRecord>;
  closed: Promise<{ code: number; at: number }>;
}

export function newTtsSession(ws: WebSocket, req: IncomingMessage, url: URL): TtsSession {
  return { headers: req.headers, url, messages: [], contexts: new Map(), closed: closedPromise(ws) };
}

export function contextRecord(session: TtsSession, id: string): TtsContextRecord {
  let c = session.contexts.get(id);
  if (!c) session.contexts.set(id, (c = { id, requests: [], synthesised: [], audioSentAt: [] }));
  return c;
}
