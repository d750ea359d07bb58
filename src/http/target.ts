/**
 * `HttpTarget`: the one outbound HTTP client. One per configured destination (a dialog service,
 * an event sink, a cloud speech endpoint, the admin API the CLI talks to), built on undici:
 *
 *   - the URL policy (`url-policy.ts`) is checked on every request, before a socket opens;
 *   - a per-target CA (PEM) is trusted in addition to the public roots, without a process-wide
 *     setting, so a private SOE or a test's self-signed receiver verifies with hostname checks on;
 *   - keep-alive connections per target (optionally capped with `connections`);
 *   - a timeout: for `request`, the whole exchange; for `stream`, the headers and each body chunk;
 *   - a response size cap (`maxResponseBytes`, default 1 MiB) — larger answers are `too-large`;
 *   - the caller's AbortSignal (the call ended) cancels at once;
 *   - errors are values (`HttpError`), never thrown, and never carry a body.
 * No retries here: whether a failure is worth repeating is the caller's policy (the dialog client
 * retries network errors and 5xx; the outbox has its own back-off).
 */
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { Agent, request as undiciRequest } from 'undici';
import { type Result, ok, err } from '../result/index.js';
import { checkUrl, type UrlPolicy } from './url-policy.js';
import { classify, type HttpError } from './errors.js';

export interface HttpTargetOptions extends UrlPolicy {
  /** Extra CA certificate(s) to trust (PEM), in addition to the public roots. */
  ca?: string | Buffer | readonly (string | Buffer)[] | undefined;
  /** Default 15 s. */
  timeoutMs?: number;
  /** Default 1 MiB. */
  maxResponseBytes?: number;
  /** Open connections per origin (default unlimited). */
  connections?: number;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal | undefined;
  /** Overrides the target's timeout for this request. */
  timeoutMs?: number;
  /** Overrides the target's size cap for this request. */
  maxResponseBytes?: number;
}

export type HttpHeaders = Record<string, string | string[] | undefined>;

export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
  body: Buffer;
  /** The body as UTF-8 text. */
  text(): string;
}

export interface HttpStreamResponse {
  status: number;
  headers: HttpHeaders;
  /** The body as it arrives; consume it or call `destroy()`, or the connection stays busy. */
  body: Readable & AsyncIterable<Buffer>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BYTES = 1 << 20;

/** The CA list a target trusts: the public roots plus the target's own (for a WebSocket beside a target). */
export function trustedCas(ca: HttpTargetOptions['ca']): string[] | undefined {
  if (ca === undefined) return undefined;
  const extra = (Array.isArray(ca) ? ca : [ca]).map((c: string | Buffer) => c.toString());
  return extra.length ? [...rootCertificates, ...extra] : undefined;
}

export class HttpTarget {
  readonly #agent: Agent;
  readonly #opts: HttpTargetOptions;

  constructor(opts: HttpTargetOptions = {}) {
    this.#opts = opts;
    const ca = trustedCas(opts.ca);
    this.#agent = new Agent({
      ...(opts.connections ? { connections: opts.connections } : {}),
      connect: ca ? { ca } : {},
    });
  }

  /** The target's URL policy applied to `url`. */
  check(url: string | URL): Result<URL, HttpError> {
    return checkUrl(url, this.#opts);
  }

  /** One exchange, the body read in full (up to the size cap). */
  async request(req: HttpRequest): Promise<Result<HttpResponse, HttpError>> {
    const checked = this.check(req.url);
    if (!checked.ok) return checked;
    const url = checked.value;
    const timeoutMs = req.timeoutMs ?? this.#opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = req.maxResponseBytes ?? this.#opts.maxResponseBytes ?? DEFAULT_MAX_BYTES;
    const deadline = new AbortController();
    const state = { timedOut: false, aborted: false, timeoutMs };
    // A plain timer rather than the injected Clock: this bounds real socket I/O, which only real time moves.
    const timer = setTimeout(() => {
      state.timedOut = true;
      deadline.abort();
    }, timeoutMs);
    timer.unref();
    const onAbort = () => {
      state.aborted = true;
      deadline.abort();
    };
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (deadline.signal.aborted) return err(classify(undefined, url.host, state));
      const res = await undiciRequest(url, { dispatcher: this.#agent, method: req.method, headers: req.headers, body: req.body, signal: deadline.signal });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          res.body.destroy();
          return err({ kind: 'too-large', message: `${url.host} answered more than ${maxBytes} bytes` });
        }
        chunks.push(chunk);
      }
      const body = Buffer.concat(chunks);
      return ok({ status: res.statusCode, headers: res.headers, body, text: () => body.toString('utf8') });
    } catch (e) {
      return err(classify(e, url.host, state));
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * One exchange whose body is handed over as a stream once the headers arrive (speech audio that
   * plays while the rest is in flight, an export piped to a file). The timeout bounds the wait for
   * the headers and then the gap between chunks; the size cap does not apply (the caller reads).
   */
  async stream(req: HttpRequest): Promise<Result<HttpStreamResponse, HttpError>> {
    const checked = this.check(req.url);
    if (!checked.ok) return checked;
    const url = checked.value;
    const timeoutMs = req.timeoutMs ?? this.#opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const state = { timedOut: false, aborted: false, timeoutMs };
    if (req.signal?.aborted) return err(classify(undefined, url.host, { ...state, aborted: true }));
    try {
      const res = await undiciRequest(url, {
        dispatcher: this.#agent, method: req.method, headers: req.headers, body: req.body,
        headersTimeout: timeoutMs, bodyTimeout: timeoutMs, ...(req.signal ? { signal: req.signal } : {}),
      });
      return ok({ status: res.statusCode, headers: res.headers, body: res.body as unknown as HttpStreamResponse['body'] });
    } catch (e) {
      return err(classify(e, url.host, { ...state, aborted: req.signal?.aborted === true }));
    }
  }

  /** Closes the target's connections; requests in flight fail. */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}
