/**
 * How the streaming adapters (Deepgram STT, ElevenLabs and Cartesia TTS) open their WebSocket:
 * the same URL policy as the HTTP client (`wss` unless the operator wrote `allowInsecure`, no
 * credentials in the URL: checked by `checkEndpoint` before a socket opens) and the same trust
 * (`ca` added beside the public roots, verification never off). An operator may write the
 * provider's URL as `https://…` or `wss://…`; the socket always speaks ws(s).
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import WebSocket from 'ws';
import { trustedCas } from '../../http/index.js';
import { checkEndpoint, joinUrl, type EndpointSecurity } from './endpoint.js';

export type SocketQuery = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

/** `base` + `path` as a ws(s) URL with `query` (arrays become repeated parameters); policy applied. */
export function socketUrl(base: string, path: string, query: SocketQuery, security: EndpointSecurity): { ok: true; url: URL } | { ok: false; error: string } {
  const endpoint = checkEndpoint(base, security);
  if (!endpoint.ok) return endpoint;
  const url = joinUrl(endpoint.url, path);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
    else url.searchParams.set(k, String(v));
  }
  return { ok: true, url };
}

/** A client socket with the adapter's CA and a handshake deadline (a hung TLS/HTTP upgrade fails, not waits). */
export function openSocket(url: URL, headers: Record<string, string>, security: EndpointSecurity, handshakeTimeoutMs = 10_000): WebSocket {
  const secureContext = secureContextFor(security.ca);
  return new WebSocket(url, { headers, handshakeTimeout: handshakeTimeoutMs, ...(secureContext ? { secureContext } : {}) });
}

/**
 * One TLS context per extra-CA set, built once: a `ca` list (the public roots plus the operator's)
 * handed to every connect would be parsed again for each socket (~140 certificates, tens of ms of
 * CPU per handshake).
 */
const contexts = new Map<string, SecureContext>();
function secureContextFor(ca: EndpointSecurity['ca']): SecureContext | undefined {
  const list = trustedCas(ca);
  if (!list) return undefined;
  const key = list.slice(-(Array.isArray(ca) ? ca.length : 1)).join('\n');
  let ctx = contexts.get(key);
  if (!ctx) contexts.set(key, (ctx = createSecureContext({ ca: list })));
  return ctx;
}

/** A close reason as the provider sent it, reduced to a short code-like token (never free text: it could echo input). */
export function closeCode(code: number, reason: Buffer | string | undefined): string {
  const r = (reason ?? '').toString().match(/\b[A-Z]{2,}-\d{2,}\b|\b[a-z]+(?:_[a-z]+)+\b/)?.[0];
  return r ? `${code} ${r}` : String(code);
}
