/**
 * One Via value (RFC 3261 §20.42, §25):
 *   sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = name SLASH version SLASH transport, SLASH = SWS "/" SWS
 * LWS is accepted everywhere the grammar allows it (RFC 4475 §3.1.1.1). `received` must be an IP
 * address, `rport` a port or a flag, `branch` and `ttl` well-formed when present.
 */
import type { Result, SipParseError, Via } from '../message.js';
import { TOKEN, isWs, skipWs, trimEnd } from './chars.js';
import { parseHost, parsePort } from './host.js';
import { formatHeaderParams, parseHeaderParams } from './params.js';
import { isIP } from 'node:net';
import { lastResults } from './last-results.js';

function fail(reason: string): { ok: false; error: SipParseError } {
  return { ok: false, error: { reason, code: 400 } };
}

function readToken(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c > 127 || TOKEN[c] === 0) break;
    i++;
  }
  return i;
}

/**
 * Parsed once per message (last-results.ts): a request's top Via is read by the stack's source
 * annotation, the checks, the transaction key and again for every response sent back (100 and 200
 * of an INVITE). The result is shared: read-only (stack.ts annotates a copy).
 */
export const parseVia: (text: string) => Result<Via> = lastResults(parseViaUncached);

function parseViaUncached(text: string): Result<Via> {
  const n = trimEnd(text, 0, text.length);
  let i = skipWs(text, 0, n);
  const nameEnd = readToken(text, i, n);
  if (nameEnd === i) return fail('malformed Via protocol');
  const name = text.slice(i, nameEnd);
  i = skipWs(text, nameEnd, n);
  if (text.charCodeAt(i) !== 0x2f) return fail('malformed Via protocol');
  i = skipWs(text, i + 1, n);
  const verEnd = readToken(text, i, n);
  if (verEnd === i) return fail('malformed Via protocol');
  const version = text.slice(i, verEnd);
  i = skipWs(text, verEnd, n);
  if (text.charCodeAt(i) !== 0x2f) return fail('malformed Via protocol');
  i = skipWs(text, i + 1, n);
  const trEnd = readToken(text, i, n);
  if (trEnd === i) return fail('malformed Via transport');
  const transport = text.slice(i, trEnd).toUpperCase();
  if (trEnd >= n || !isWs(text.charCodeAt(trEnd))) return fail('malformed Via sent-by');
  i = skipWs(text, trEnd, n);
  // sent-by: host [ COLON port ]; an IPv6 reference keeps its colons inside brackets.
  let hostEnd = i;
  if (text.charCodeAt(i) === 0x5b) {
    hostEnd = text.indexOf(']', i);
    if (hostEnd < 0 || hostEnd >= n) return fail('malformed Via host');
    hostEnd++;
  } else {
    while (hostEnd < n) {
      const c = text.charCodeAt(hostEnd);
      if (c === 0x3a || c === 0x3b || isWs(c)) break;
      hostEnd++;
    }
  }
  const host = parseHost(text.slice(i, hostEnd));
  if (host === undefined) return fail('malformed Via host');
  const via: Via = { protocol: name.toUpperCase() + '/' + version, transport, host, params: new Map() };
  i = skipWs(text, hostEnd, n);
  if (i < n && text.charCodeAt(i) === 0x3a) {
    i = skipWs(text, i + 1, n);
    let pEnd = i;
    while (pEnd < n && text.charCodeAt(pEnd) >= 0x30 && text.charCodeAt(pEnd) <= 0x39) pEnd++;
    const port = parsePort(text.slice(i, pEnd));
    if (port === undefined) return fail('malformed Via port');
    via.port = port;
    i = pEnd;
  }
  if (!parseHeaderParams(text, i, n, via.params)) return fail('malformed Via parameters');
  const received = via.params.get('received');
  if (received !== undefined && (received === null || isIP(received.replace(/^\[|\]$/g, '')) === 0)) {
    return fail('malformed Via received');
  }
  const rport = via.params.get('rport');
  if (rport !== undefined && rport !== null && parsePort(rport) === undefined) return fail('malformed Via rport');
  const branch = via.params.get('branch');
  if (branch !== undefined && (branch === null || branch.charCodeAt(0) === 0x22)) return fail('malformed Via branch');
  const ttl = via.params.get('ttl');
  if (ttl !== undefined && (ttl === null || !/^\d{1,3}$/.test(ttl) || Number(ttl) > 255)) return fail('malformed Via ttl');
  return { ok: true, value: via };
}

export function formatVia(via: Via): string {
  let out = via.protocol + '/' + via.transport + ' ' + via.host;
  if (via.port !== undefined) out += ':' + via.port;
  return out + formatHeaderParams(via.params);
}
