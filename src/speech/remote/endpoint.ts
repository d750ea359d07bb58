/**
 * How the remote speech adapters use the one outbound HTTP client (`src/http`). Architecture
 * principle 3: a cloud speech endpoint must be https (or wss) unless the operator wrote
 * `allowInsecure: true` for it; `ca` lets an operator trust a private CA (and tests trust their
 * self-signed certificate) without turning verification off. Each adapter holds one target
 * (kept-alive connections) and closes it with the adapter.
 */
import { HttpTarget, checkUrl, type HttpResponse } from '../../http/index.js';

export { joinUrl } from '../../http/index.js';

export interface EndpointSecurity {
  allowInsecure?: boolean;
  /** Extra trusted CA certificates (PEM). */
  ca?: string | string[];
}

export type EndpointCheck = { ok: true; url: URL } | { ok: false; error: string };

/** Parses `raw` and applies the URL policy (plain http/ws refused unless allowed; no credentials in the URL). */
export function checkEndpoint(raw: string, security: EndpointSecurity = {}): EndpointCheck {
  const r = checkUrl(raw, security);
  return r.ok ? { ok: true, url: r.value } : { ok: false, error: r.error.message };
}

/** The adapter's target: its URL policy and CA, `timeoutMs` per exchange (headers and each chunk when streamed). */
export function speechTarget(security: EndpointSecurity, timeoutMs: number, maxResponseBytes = 8 * 1024 * 1024): HttpTarget {
  return new HttpTarget({ allowInsecure: security.allowInsecure === true, ca: security.ca, timeoutMs, maxResponseBytes });
}

/** A short, PII-free description of a failed response (status and the provider's error code only). */
export function describeFailure(res: Pick<HttpResponse, 'status'> & { text(): string }): string {
  let code = '';
  try {
    const body = JSON.parse(res.text()) as Record<string, unknown>;
    const err = body['error'];
    const c = (err && typeof err === 'object' ? (err as Record<string, unknown>)['code'] ?? (err as Record<string, unknown>)['type'] : undefined) ?? body['code'];
    if (typeof c === 'string' || typeof c === 'number') code = ` (${String(c).slice(0, 40)})`;
  } catch {
    // body not JSON: status only
  }
  return `HTTP ${res.status}${code}`;
}

/** Reads at most `limit` bytes of a streamed body as text (for `describeFailure` on an error answer). */
export async function readSome(body: AsyncIterable<Buffer> & { destroy(): void }, limit = 64 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    n += chunk.length;
    if (n >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}
