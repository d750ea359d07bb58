/**
 * The one HTTP(S) server tests put where a customer's service would be — a dialog service (SOE,
 * Watson, an LLM), an event webhook, a Splunk collector, an audio URL: it keeps every request it
 * receives, body bytes as they arrived, and answers through a scripted handler, so a test reads
 * exactly what the gateway sent. A real server on loopback speaking HTTP, not a mock of a client.
 * `startWebhookReceiver` builds the signed-webhook receiver a customer would run on top of it.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { verifyWebhookSignature } from '../../src/events/webhook-signature.js';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `body` as UTF-8. */
  text: string;
  /** A streamed reply (`Reply.stream`): set when the client went away before its end (an aborted request). */
  clientClosedEarly?: boolean;
}

export interface Reply {
  /** Default 200. */
  status?: number;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is (with `json` unset); give a `content-type` in `headers` if it matters. */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Answer this much later (a slow service; the server's `close` cancels it). */
  delayMs?: number;
  /** A body written piece by piece as the iterable yields (server-sent events, paced); `body`/`json` unset. */
  stream?: AsyncIterable<string | Buffer>;
}

export interface RecordingServer {
  /** `http(s)://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (req: RecordedRequest, index: number) => Reply | Promise<Reply>;

/** Starts the server on a free loopback port; `tls` makes it HTTPS with that key and certificate. */
export async function startRecordingServer(handler: Handler = () => ({}), opts: { tls?: { key: string | Buffer; cert: string | Buffer } } = {}): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const r: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, text: body.toString('utf8') };
      const index = requests.push(r) - 1;
      void (async () => {
        let reply: Reply;
        try {
          reply = await handler(r, index);
        } catch (e) {
          reply = { status: 500, json: { error: (e as Error).message } };
        }
        const send = (): void => {
          if (res.destroyed) return;
          if (reply.stream) return void writeStream(reply.stream, r, res, reply);
          const headers: Record<string, string> = { ...(reply.json !== undefined ? { 'content-type': 'application/json' } : {}), ...reply.headers };
          res.writeHead(reply.status ?? 200, headers).end(reply.json !== undefined ? JSON.stringify(reply.json) : reply.body);
        };
        if (!reply.delayMs) return send();
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, reply.delayMs);
        timers.add(t);
      })();
    });
  };
  const server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, listener) : createHttpServer(listener);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

async function writeStream(body: AsyncIterable<string | Buffer>, r: RecordedRequest, res: import('node:http').ServerResponse, reply: Reply): Promise<void> {
  let ended = false;
  res.on('close', () => {
    if (!ended) r.clientClosedEarly = true;
  });
  res.writeHead(reply.status ?? 200, reply.headers ?? {});
  for await (const piece of body) {
    if (res.destroyed) return;
    res.write(piece);
  }
  ended = true;
  res.end();
}

export interface WebhookReceiver {
  /** The receiver's URL, `…/hooks/voice`. */
  url: string;
  /** Bodies accepted (signature verified), parsed. */
  accepted: { events: Record<string, unknown>[] }[];
  /** Why each refused request was refused (the verifier's error). */
  rejected: string[];
  /** While true the receiver answers 503 (a receiver that is down for maintenance). */
  down: boolean;
  server: RecordingServer;
  close(): Promise<void>;
}

/**
 * A customer's event webhook: verifies `X-Hushgate-Signature` (replays refused), answers 204 to
 * a good delivery and 401 to a bad one, 503 while `down`.
 */
export async function startWebhookReceiver(secret: string, opts: { tls?: { key: string | Buffer; cert: string | Buffer }; path?: string } = {}): Promise<WebhookReceiver> {
  const seen = new Set<string>();
  const r = { accepted: [], rejected: [], down: false } as unknown as WebhookReceiver;
  r.server = await startRecordingServer((req) => {
    if (r.down) return { status: 503 };
    const v = verifyWebhookSignature(secret, req.headers, req.body, { toleranceSec: 300, seenIds: seen });
    if (!v.ok) {
      r.rejected.push(v.error);
      return { status: 401, body: v.error };
    }
    r.accepted.push(JSON.parse(req.text) as { events: Record<string, unknown>[] });
    return { status: 204 };
  }, opts);
  r.url = `${r.server.url}${opts.path ?? '/hooks/voice'}`;
  r.close = () => r.server.close();
  return r;
}

/** The events of every batch (`{ "events": [...] }`) a webhook sink posted to `server`, in arrival order. */
export function postedEvents<T = Record<string, unknown>>(server: RecordingServer): T[] {
  return server.requests.flatMap((r) => (JSON.parse(r.text) as { events: T[] }).events);
}
