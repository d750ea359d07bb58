/**
 * Outbound endpoints of the remote speech adapters and the one HTTP client they share.
 * Architecture principle 3: a cloud speech endpoint must be https (or wss) unless the operator
 * wrote `allowInsecure: true` for it. `tls.ca` lets an operator trust a private CA (and tests
 * trust their self-signed certificate) without turning verification off.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface EndpointSecurity {
  allowInsecure?: boolean;
  /** Extra trusted CA certificates (PEM). */
  ca?: string | string[];
}

export type EndpointCheck = { ok: true; url: URL } | { ok: false; error: string };

/** Parses `raw` and refuses plain http/ws unless allowed. */
export function checkEndpoint(raw: string, security: EndpointSecurity = {}): EndpointCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, error: 'endpoint is not a valid URL' };
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const plain = url.protocol === 'http:' || url.protocol === 'ws:';
  if (!secure && !plain) return { ok: false, error: `unsupported scheme ${url.protocol}` };
  if (plain && !security.allowInsecure) return { ok: false, error: `refusing plain ${url.protocol.slice(0, -1)} to ${url.host}: use https or set allowInsecure` };
  if (url.username || url.password) return { ok: false, error: 'credentials in the URL are not allowed; use the auth settings' };
  return { ok: true, url };
}

/** `base` + path, keeping any path prefix of the base (e.g. `/instances/ID`). */
export function joinUrl(base: URL, path: string, query?: Record<string, string | undefined>): URL {
  const u = new URL(base.toString());
  u.pathname = u.pathname.replace(/\/+$/, '') + path;
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
  return u;
}

export interface HttpCall {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Buffer;
  ca?: string | string[] | undefined;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/** Sends a request; resolves with the response stream once headers arrive. */
export function send(call: HttpCall): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const isHttps = call.url.protocol === 'https:';
    const headers = { ...call.headers, ...(call.body ? { 'content-length': String(call.body.length) } : {}) };
    const opts = { method: call.method, headers, timeout: call.timeoutMs ?? 15_000, ...(call.signal ? { signal: call.signal } : {}) };
    const req = isHttps ? httpsRequest(call.url, { ...opts, ...(call.ca ? { ca: call.ca } : {}) }, resolve) : httpRequest(call.url, opts, resolve);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(call.body);
  });
}

export async function readBody(res: IncomingMessage, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) throw new Error('response too large');
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** A short, PII-free description of a failed response (status and the provider's error code only). */
export async function describeFailure(res: IncomingMessage): Promise<string> {
  let code = '';
  try {
    const body = JSON.parse((await readBody(res, 64 * 1024)).toString('utf8')) as Record<string, unknown>;
    const err = body['error'];
    const c = (err && typeof err === 'object' ? (err as Record<string, unknown>)['code'] ?? (err as Record<string, unknown>)['type'] : undefined) ?? body['code'];
    if (typeof c === 'string' || typeof c === 'number') code = ` (${String(c).slice(0, 40)})`;
  } catch {
    // body not JSON: status only
  }
  return `HTTP ${res.statusCode ?? 0}${code}`;
}
