/**
 * The one outbound HTTP client the remote dialog providers share, on `node:https`/`node:http`
 * rather than the global `fetch` because it must trust an operator-supplied CA (a private SOE's
 * certificate, or the self-signed one a test makes) without a process-wide setting, and Node 20's
 * bundled undici (which `fetch` would need for that, via `dispatcher`) is not importable.
 *
 * Policy, in one place:
 *   - `https` only; `http:` is refused with a `DialogError('insecure')` unless the target is `allowInsecure`;
 *   - each attempt has its own timeout; the caller's AbortSignal (the call ended) cancels everything;
 *   - retries with exponential backoff only on network errors and 5xx (never on timeouts or 4xx,
 *     which would only make a caller wait longer for the same answer);
 *   - headers are built per attempt, so a signature's timestamp is fresh on a retry;
 *   - responses over 1 MiB are cut off as bad responses.
 * Error messages name the host and status, never the body (it may carry caller data).
 */
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { DialogError } from './types.js';

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface HttpClientOptions {
  /** Per-attempt timeout (ms). */
  timeoutMs: number;
  /** Extra attempts after the first, on network errors and 5xx only. */
  retries: number;
  /** First backoff delay (ms); doubles each retry. */
  backoffMs?: number;
  allowInsecure?: boolean;
  /** Extra CA certificate(s) to trust (PEM), in addition to the public roots. */
  ca?: string | Buffer;
  clock?: Clock;
  sleep?: Sleep;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** Built per attempt from the body text (for signatures with a fresh timestamp). */
  headers?: Record<string, string> | ((body: string) => Record<string, string>);
  body?: string;
}

export interface HttpResponse {
  status: number;
  text: string;
}

const MAX_RESPONSE_BYTES = 1 << 20;

class RetryableError extends Error {}

export class HttpClient {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  readonly clock: Clock;
  private readonly sleep: Sleep;

  constructor(readonly opts: HttpClientOptions) {
    this.clock = opts.clock ?? systemClock;
    this.sleep = opts.sleep ?? realSleep;
    this.httpsAgent = new https.Agent({ keepAlive: true, ...(opts.ca ? { ca: [...rootCertificates, opts.ca.toString()] } : {}) });
  }

  /** Refuse a URL this client may not call; `undefined` when it is fine. */
  checkUrl(url: string): DialogError | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return new DialogError('config', 'dialog URL is not a valid URL');
    }
    if (u.protocol === 'https:') return undefined;
    if (u.protocol === 'http:') return this.opts.allowInsecure ? undefined : new DialogError('insecure', `refusing plain http to ${u.host}: use https or mark the target allowInsecure`);
    return new DialogError('config', `unsupported URL scheme ${u.protocol}`);
  }

  async request(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    const refused = this.checkUrl(req.url);
    if (refused) throw refused;
    const host = new URL(req.url).host;
    const attempts = 1 + Math.max(0, this.opts.retries);
    let backoff = this.opts.backoffMs ?? 200;
    let last: DialogError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        try {
          await this.sleep(backoff, signal);
        } catch {
          throw new DialogError('aborted', `request to ${host} aborted`);
        }
        backoff *= 2;
      }
      try {
        const res = await this.once(req, signal);
        if (res.status >= 500) {
          last = new DialogError('http', `${host} answered ${res.status}`, res.status);
          continue;
        }
        if (res.status === 401 || res.status === 403) throw new DialogError('auth', `${host} refused the credentials (${res.status})`, res.status);
        if (res.status >= 400) throw new DialogError('http', `${host} answered ${res.status}`, res.status);
        return res;
      } catch (err) {
        if (err instanceof RetryableError) {
          last = new DialogError('network', `${host}: ${err.message}`);
          continue;
        }
        throw err;
      }
    }
    throw last ?? new DialogError('network', `${host}: no attempt made`);
  }

  /** POST a JSON body and parse a JSON answer. */
  async postJson(url: string, body: unknown, headers: HttpRequest['headers'], signal?: AbortSignal): Promise<unknown> {
    const text = JSON.stringify(body);
    const build = (b: string) => ({ 'Content-Type': 'application/json', Accept: 'application/json', ...(typeof headers === 'function' ? headers(b) : headers) });
    const res = await this.request({ method: 'POST', url, body: text, headers: build }, signal);
    return parseJson(res.text, new URL(url).host);
  }

  private once(req: HttpRequest, outer?: AbortSignal): Promise<HttpResponse> {
    const url = new URL(req.url);
    const isHttps = url.protocol === 'https:';
    const body = req.body ?? '';
    const headers = typeof req.headers === 'function' ? req.headers(body) : { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    return new Promise<HttpResponse>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(outer, url.host, this.opts.timeoutMs));
      const r = (isHttps ? https : http).request(
        url,
        { method: req.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              res.destroy();
              reject(new DialogError('bad-response', `${url.host} answered more than ${MAX_RESPONSE_BYTES} bytes`));
            } else chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => reject(signal.aborted ? abortError(outer, url.host, this.opts.timeoutMs) : new RetryableError(e.message)));
        },
      );
      r.on('error', (e: NodeJS.ErrnoException) => {
        if (signal.aborted) reject(abortError(outer, url.host, this.opts.timeoutMs));
        else reject(new RetryableError(e.code ?? e.message));
      });
      r.end(req.body === undefined ? undefined : body);
    });
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

function abortError(outer: AbortSignal | undefined, host: string, timeoutMs: number): DialogError {
  return outer?.aborted ? new DialogError('aborted', `request to ${host} aborted`) : new DialogError('timeout', `${host} did not answer within ${timeoutMs} ms`);
}

export function parseJson(text: string, host: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DialogError('bad-response', `${host} answered with something that is not JSON`);
  }
}

/** `Authorization` header for the configured credentials. */
export function authorizationHeader(auth: { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string } | { type: 'none' }): Record<string, string> {
  if (auth.type === 'basic') return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  if (auth.type === 'bearer') return { Authorization: `Bearer ${auth.token}` };
  return {};
}
