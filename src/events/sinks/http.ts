/**
 * Minimal HTTP(S) client for the sinks: node:http/https with a keep-alive agent per target,
 * a custom CA (self-signed receivers, private PKI), a timeout, and errors as values. Plain
 * `http:` is refused unless the target's config says `allowInsecure` (architecture principle 3).
 * Error strings carry only the kind of failure and the status, never a body or a URL with
 * credentials.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpTargetOptions {
  allowInsecure?: boolean;
  /** PEM CA certificate(s) to trust for this target. */
  ca?: string | Buffer;
  timeoutMs?: number;
  maxSockets?: number;
}

export type HttpResponse = { ok: true; status: number; headers: http.IncomingHttpHeaders; body: string } | { ok: false; error: string };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'HEAD';
  url: URL;
  headers?: Record<string, string>;
  body?: string;
}

export class HttpTarget {
  readonly #agent: http.Agent;
  readonly #timeoutMs: number;
  readonly #insecureOk: boolean;

  constructor(opts: HttpTargetOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 15000;
    this.#insecureOk = opts.allowInsecure === true;
    const common = { keepAlive: true, maxSockets: opts.maxSockets ?? 4 };
    this.#agent = new https.Agent({ ...common, ...(opts.ca ? { ca: opts.ca } : {}) });
    this.#plainAgent = new http.Agent(common);
  }

  readonly #plainAgent: http.Agent;

  /** Whether a URL is allowed for this target. */
  check(url: URL): string | undefined {
    if (url.protocol === 'https:') return undefined;
    if (url.protocol === 'http:' && this.#insecureOk) return undefined;
    return url.protocol === 'http:' ? 'plain http refused: set allowInsecure for this target' : `unsupported protocol ${url.protocol}`;
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const refused = this.check(req.url);
    if (refused) return Promise.resolve({ ok: false, error: refused });
    const secure = req.url.protocol === 'https:';
    const mod = secure ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: HttpResponse) => {
        if (!settled) {
          settled = true;
          resolve(r);
        }
      };
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const r = mod.request(
        req.url,
        { method: req.method, headers, agent: secure ? this.#agent : this.#plainAgent, timeout: this.#timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => done({ ok: false, error: `response error (${errCode(e)})` }));
        },
      );
      r.on('timeout', () => {
        r.destroy(new Error('timeout'));
        done({ ok: false, error: 'timeout' });
      });
      r.on('error', (e) => done({ ok: false, error: `request failed (${errCode(e)})` }));
      if (req.body !== undefined) r.end(req.body);
      else r.end();
    });
  }

  close(): void {
    this.#agent.destroy();
    this.#plainAgent.destroy();
  }
}

function errCode(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message.slice(0, 60).replace(/[^A-Za-z _-]/g, '') : 'error';
}

/** Joins a base URL and a path without losing the base's own path (`https://h/couch` + `/db`). */
export function joinUrl(base: string, path: string): URL {
  const u = new URL(base);
  u.pathname = u.pathname.replace(/\/+$/, '') + path;
  return u;
}
