/**
 * The remote dialog providers' use of the one outbound HTTP client (`src/http`): the target does
 * the URL policy (https unless `allowInsecure`), the per-application CA, keep-alive, the
 * per-attempt timeout, the caller's AbortSignal (the call ended) and the 1 MiB answer cap. What
 * is dialog policy stays here:
 *   - retries with exponential backoff (on the injected Clock) only on network errors and 5xx —
 *     never on timeouts or 4xx, which would only make a caller wait longer for the same answer;
 *   - headers are built per attempt, so a signature's timestamp is fresh on a retry;
 *   - failures become a typed `DialogError` naming the host and status, never the body (it may
 *     carry caller data).
 */
import { HttpTarget, type HttpError } from '../http/index.js';
import { systemClock, type Clock } from '../time/index.js';
import { DialogError } from './types.js';

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
  /** Backoff timers and signature/token times (default the system clock). */
  clock?: Clock;
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

export class HttpClient {
  /** The target every request (and the IAM exchange) goes through. */
  readonly target: HttpTarget;
  readonly clock: Clock;

  constructor(readonly opts: HttpClientOptions) {
    this.clock = opts.clock ?? systemClock;
    this.target = new HttpTarget({ allowInsecure: opts.allowInsecure === true, ca: opts.ca, timeoutMs: opts.timeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES });
  }

  /** `once`: a single attempt whatever `retries` says (a request that is stale by the time a retry would go). */
  async request(req: HttpRequest, signal?: AbortSignal, once = false): Promise<HttpResponse> {
    const host = hostOf(req.url);
    return this.#retrying(host, signal, once ? 0 : this.opts.retries, async () => {
      const body = req.body ?? '';
      const headers = typeof req.headers === 'function' ? req.headers(body) : { ...req.headers };
      const res = await this.target.request({ method: req.method, url: req.url, headers, ...(req.body !== undefined ? { body } : {}), signal });
      if (!res.ok) return networkRetry(res.error, host);
      const { status } = res.value;
      return statusFailure(status, host) ?? { status, text: res.value.text() };
    });
  }

  /** POST a JSON body and parse a JSON answer. */
  async postJson(url: string, body: unknown, headers: HttpRequest['headers'], signal?: AbortSignal): Promise<unknown> {
    const text = JSON.stringify(body);
    const build = (b: string) => ({ 'Content-Type': 'application/json', Accept: 'application/json', ...(typeof headers === 'function' ? headers(b) : headers) });
    const res = await this.request({ method: 'POST', url, body: text, headers: build }, signal);
    return parseJson(res.text, hostOf(url));
  }

  /**
   * POST a JSON body and hand over the answer's body as it arrives (a streamed chat completion).
   * Retried like `request` until the headers arrive (network errors, 5xx); once the body flows a
   * failure is the reader's (`streamError`). The target's timeout bounds the headers and each gap.
   */
  async postStream(url: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const host = hostOf(url);
    const text = JSON.stringify(body);
    return this.#retrying(host, signal, this.opts.retries, async () => {
      const res = await this.target.stream({ method: 'POST', url, body: text, headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...headers }, signal });
      if (!res.ok) return networkRetry(res.error, host);
      const { status, body: stream } = res.value;
      if (status < 400) return stream;
      stream.once('error', () => undefined).destroy(); // the error body is never read: it may echo caller data
      return statusFailure(status, host)!;
    });
  }

  /**
   * One request with the client's retry policy: `attempt` returns its result, or a DialogError worth
   * another try (a network error, a 5xx) after a doubling backoff; anything it throws ends at once.
   */
  async #retrying<T>(host: string, signal: AbortSignal | undefined, retries: number, attempt: () => Promise<T | DialogError>): Promise<T> {
    const attempts = 1 + Math.max(0, retries);
    let backoff = this.opts.backoffMs ?? 200;
    let last: DialogError | undefined;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) {
        await this.#sleep(backoff, signal, host);
        backoff *= 2;
      }
      const r = await attempt();
      if (!(r instanceof DialogError)) return r;
      last = r;
    }
    throw last ?? new DialogError('network', `${host}: no attempt made`);
  }

  close(): void {
    void this.target.close();
  }

  /** Backoff on the clock, cut short by the caller's signal. Ref'd: a turn in progress keeps the process up. */
  #sleep(ms: number, signal: AbortSignal | undefined, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const aborted = () => new DialogError('aborted', `request to ${host} aborted`);
      if (signal?.aborted) return reject(aborted());
      const onAbort = () => {
        this.clock.clearTimeout(timer);
        reject(aborted());
      };
      const timer = this.clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms, { ref: true });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** A transport failure as the dialog's error kinds; only `network` is worth a retry. */
export function dialogErrorOf(e: HttpError, host: string): DialogError {
  switch (e.kind) {
    case 'insecure':
      return new DialogError('insecure', e.message);
    case 'invalid-url':
      return new DialogError('config', `dialog URL: ${e.message}`);
    case 'timeout':
      return new DialogError('timeout', e.message);
    case 'aborted':
      return new DialogError('aborted', e.message);
    case 'too-large':
      return new DialogError('bad-response', e.message);
    case 'network':
      return new DialogError('network', `${host}: ${e.code ?? e.message}`);
  }
}

/** A failure while a streamed body was being read, as a `DialogError` (never its text). */
export function streamError(e: unknown, url: string, signal?: AbortSignal): DialogError {
  if (e instanceof DialogError) return e;
  const host = hostOf(url);
  if (signal?.aborted) return new DialogError('aborted', `request to ${host} aborted`);
  const code = (e as { code?: unknown })?.code;
  if (code === 'UND_ERR_BODY_TIMEOUT') return new DialogError('timeout', `${host} stopped sending`);
  return new DialogError('network', `${host}: the stream broke off${typeof code === 'string' ? ` (${code})` : ''}`);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'dialog';
  }
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

/** A transport error: a network error is returned (worth a retry); any other ends the request. */
function networkRetry(error: Parameters<typeof dialogErrorOf>[0], host: string): DialogError {
  const e = dialogErrorOf(error, host);
  if (e.kind !== 'network') throw e;
  return e;
}

/** An answer's status as a failure: a 5xx is returned (worth a retry), 401/403 and other 4xx throw; undefined below 400. */
function statusFailure(status: number, host: string): DialogError | undefined {
  if (status < 400) return undefined;
  if (status >= 500) return new DialogError('http', `${host} answered ${status}`, status);
  if (status === 401 || status === 403) throw new DialogError('auth', `${host} refused the credentials (${status})`, status);
  throw new DialogError('http', `${host} answered ${status}`, status);
}
