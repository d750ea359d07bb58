/**
 * The admin API client the CLI commands use: `--url` (default `$HUSHGATE_URL` or
 * `http://127.0.0.1:8088`), `--key` (default `$HUSHGATE_API_KEY`), `--ca FILE` to trust a private CA
 * for HTTPS. Requests and responses are JSON; `stream` pipes a response body (training export).
 * Errors come back as values with the API's `error`, `field` and `message`.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ApiOptions {
  url?: string;
  key?: string;
  ca?: string;
}

export type ApiResult<T = unknown> = { ok: true; status: number; body: T } | { ok: false; status: number; error: string; message: string; field?: string };

export class ApiClient {
  readonly base: URL;
  private readonly key: string | undefined;
  private readonly ca: Buffer | undefined;

  constructor(opts: ApiOptions, env: NodeJS.ProcessEnv = process.env) {
    this.base = new URL(opts.url ?? env.HUSHGATE_URL ?? 'http://127.0.0.1:8088');
    this.key = opts.key ?? env.HUSHGATE_API_KEY;
    this.ca = opts.ca ? readFileSync(opts.ca) : undefined;
  }

  private open(method: string, path: string, body?: unknown): Promise<IncomingMessage> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (payload) (headers['content-type'] = 'application/json', headers['content-length'] = String(payload.length));
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = make(url, { method, headers, agent: false, timeout: 30_000, ...(this.ca ? { ca: this.ca } : {}) }, resolve);
      req.on('timeout', () => req.destroy(new Error(`no answer from ${this.base.origin} in 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async call<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiResult<T>> {
    const res = await this.open(method, path, body);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
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
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      let text = '';
      for await (const c of res) text += String(c);
      const e = (() => { try { return JSON.parse(text) as { error?: string; message?: string; field?: string }; } catch { return {}; } })();
      return { ok: false, status, error: e.error ?? `http_${status}`, message: e.message ?? text.slice(0, 200), ...(e.field ? { field: e.field } : {}) };
    }
    await pipeline(res, out, { end: false });
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
