/**
 * The admin API client the CLI commands use: `--url` (default `$HUSHGATE_URL` or
 * `http://127.0.0.1:8088`), `--key` (default `$HUSHGATE_API_KEY`), `--ca FILE` to trust a private CA
 * for HTTPS (beside the public roots). Requests go through the one outbound HTTP client
 * (`src/http`): https, or plain http to a loopback address only — the admin server serves plain
 * HTTP only there (or behind a TLS proxy, which the CLI reaches over https). Requests and responses
 * are JSON; `stream` pipes a response body (training export). API errors come back as values with
 * the API's `error`, `field` and `message`; an unreachable or refused URL rejects with a message.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpTarget, type HttpMethod, type HttpStreamResponse } from '../http/index.js';

export interface ApiOptions {
  url?: string;
  key?: string;
  ca?: string;
}

export type ApiResult<T = unknown> = { ok: true; status: number; body: T } | { ok: false; status: number; error: string; message: string; field?: string };

/** The admin server serves plain HTTP only on loopback; anywhere else the API key must not cross the network in clear. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export class ApiClient {
  readonly base: URL;
  private readonly key: string | undefined;
  private readonly http: HttpTarget;

  constructor(opts: ApiOptions, env: NodeJS.ProcessEnv = process.env) {
    this.base = new URL(opts.url ?? env.HUSHGATE_URL ?? 'http://127.0.0.1:8088');
    this.key = opts.key ?? env.HUSHGATE_API_KEY;
    // One short-lived target per command: --ca trusted beside the public roots, 30 s without an answer is a failure.
    this.http = new HttpTarget({ allowInsecure: isLoopback(this.base.hostname), ca: opts.ca ? readFileSync(opts.ca) : undefined, timeoutMs: 30_000, maxResponseBytes: 64 << 20 });
  }

  /** Sends a request; the response body streams. Network failures and a refused URL reject with a message. */
  private async open(method: HttpMethod, path: string, body?: unknown): Promise<HttpStreamResponse> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.http.stream({ method, url, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.ok) return res.value;
    const e = res.error;
    if (e.kind === 'insecure') throw new Error(`refusing plain http to ${url.host}: the API key would cross the network in clear; use https (--ca FILE for a private CA)`);
    if (e.kind === 'timeout') throw new Error(`no answer from ${this.base.origin} in 30 s`);
    throw new Error(`${this.base.origin}: ${e.message}`);
  }

  async call<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiResult<T>> {
    const res = await this.open(method, path, body);
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(c);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.status;
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (status >= 200 && status < 300) return { ok: true, status, body: json as T };
    const e = (json ?? {}) as { error?: string; message?: string; field?: string };
    return { ok: false, status, error: e.error ?? `http_${status}`, message: e.message ?? text.slice(0, 200), ...(e.field ? { field: e.field } : {}) };
  }

  /** GET a streamed body into `out`; resolves to the error when the status is not 2xx. */
  async stream(path: string, out: Writable): Promise<ApiResult<null>> {
    const res = await this.open('GET', path);
    const status = res.status;
    if (status < 200 || status >= 300) {
      let text = '';
      for await (const c of res.body) text += String(c);
      const e = (() => { try { return JSON.parse(text) as { error?: string; message?: string; field?: string }; } catch { return {}; } })();
      return { ok: false, status, error: e.error ?? `http_${status}`, message: e.message ?? text.slice(0, 200), ...(e.field ? { field: e.field } : {}) };
    }
    await pipeline(res.body, out, { end: false });
    return { ok: true, status, body: null };
  }
}

/** Commander options every API command takes. */
export function apiOptionHelp(cmd: { option(flags: string, desc: string): unknown }): void {
  cmd.option('--url <url>', 'admin API base URL (default: $HUSHGATE_URL or http://127.0.0.1:8088)');
  cmd.option('--key <token>', 'API key (default: $HUSHGATE_API_KEY)');
  cmd.option('--ca <file>', 'PEM file of the CA that signed the admin certificate');
}

export function describeError(r: Extract<ApiResult, { ok: false }>): string {
  return `${r.status} ${r.error}${r.field ? ` (${r.field})` : ''}: ${r.message}`;
}

/** `hushgate erase` through the API: the receipt, or the error. */
export function apiErase(client: ApiClient, req: { accountId: string; applicationId: string; phoneNumber: string; requestId?: string }): Promise<ApiResult> {
  return client.call('POST', '/v1/erasures', req);
}

/** `hushgate training export` through the API: JSON lines into `out`. */
export function apiTrainingExport(client: ApiClient, q: { accountId: string; applicationId: string; region: string; since?: number }, out: Writable): Promise<ApiResult<null>> {
  const p = new URLSearchParams({ accountId: q.accountId, applicationId: q.applicationId, region: q.region, ...(q.since !== undefined ? { since: String(q.since) } : {}) });
  return client.stream(`/v1/training/export?${p}`, out);
}
