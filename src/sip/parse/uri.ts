/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, §25; RFC 3966 for tel). `parseUri` decodes `%HH`
 * escapes in the user, password, parameters and headers; `formatUri` escapes what the grammar
 * requires, so the pair round-trips to an equivalent URI. A syntactically valid URI of any other
 * scheme (`http:`, `urn:`, ...) fails with `code: 416` so a UAS can answer 416 Unsupported URI
 * Scheme; anything else that fails is a 400.
 */
import type { Result, SipUri, SipParseError } from '../message.js';
import { HNVCHAR, PASSWORD, USER } from './chars.js';
import { escapeComponent, unescapeComponent } from './escape.js';
import { parseHostPort } from './host.js';
import { formatUriParams, parseUriParams } from './params.js';

function fail(reason: string, code = 400): { ok: false; error: SipParseError } {
  return { ok: false, error: { reason, code } };
}

function allIn(s: string, t: Uint8Array): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || t[c] === 0) return false;
  }
  return true;
}

function isSchemeChar(c: number, first: boolean): boolean {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (first) return alpha;
  return alpha || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

const TEL_CHARS = (() => {
  const t = new Uint8Array(128);
  for (const ch of '0123456789abcdefABCDEF*#+-.()pPwW') t[ch.charCodeAt(0)] = 1;
  return t;
})();

export function parseUri(text: string): Result<SipUri> {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return fail('malformed URI');
  }
  const colon = text.indexOf(':');
  if (colon <= 0) return fail('malformed URI');
  for (let i = 0; i < colon; i++) if (!isSchemeChar(text.charCodeAt(i), i === 0)) return fail('malformed URI');
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme === 'tel') return parseTel(text.slice(colon + 1));
  if (scheme !== 'sip' && scheme !== 'sips') {
    return colon + 1 < n ? fail('unsupported URI scheme', 416) : fail('malformed URI');
  }
  const rest = text.slice(colon + 1);
  const uri: SipUri = { scheme, host: '', params: new Map(), headers: new Map() };
  const at = rest.indexOf('@');
  let hostStart = 0;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(':');
    const userRaw = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (userRaw.length === 0 || !allIn(userRaw, USER)) return fail('malformed URI user');
    const user = unescapeComponent(userRaw);
    if (user === undefined) return fail('malformed URI user');
    uri.user = user;
    if (pc >= 0) {
      const pwRaw = userinfo.slice(pc + 1);
      if (!allIn(pwRaw, PASSWORD)) return fail('malformed URI password');
      const pw = unescapeComponent(pwRaw);
      if (pw === undefined) return fail('malformed URI password');
      uri.password = pw;
    }
    hostStart = at + 1;
  }
  let hostEnd = hostStart;
  while (hostEnd < rest.length) {
    const c = rest.charCodeAt(hostEnd);
    if (c === 0x3b || c === 0x3f) break;
    hostEnd++;
  }
  const hp = parseHostPort(rest.slice(hostStart, hostEnd));
  if (!hp) return fail('malformed URI host or port');
  uri.host = hp.host;
  if (hp.port !== undefined) uri.port = hp.port;
  const q = rest.indexOf('?', hostEnd);
  const paramsText = rest.slice(hostEnd, q < 0 ? rest.length : q);
  if (paramsText.length > 0 && !parseUriParams(paramsText, uri.params)) return fail('malformed URI parameters');
  if (q >= 0 && !parseUriHeaders(rest.slice(q + 1), uri.headers)) return fail('malformed URI headers');
  return { ok: true, value: uri };
}

function parseUriHeaders(s: string, headers: Map<string, string>): boolean {
  if (s.length === 0) return false;
  for (const part of s.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return false;
    const nameRaw = part.slice(0, eq);
    const valueRaw = part.slice(eq + 1);
    if (!allIn(nameRaw, HNVCHAR) || !allIn(valueRaw, HNVCHAR)) return false;
    const name = unescapeComponent(nameRaw);
    const value = unescapeComponent(valueRaw);
    if (name === undefined || value === undefined) return false;
    headers.set(name, value);
  }
  return true;
}

function parseTel(rest: string): Result<SipUri> {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (number.length === 0 || !allIn(number, TEL_CHARS)) return fail('malformed tel URI');
  const uri: SipUri = { scheme: 'tel', host: number, params: new Map(), headers: new Map() };
  if (semi >= 0 && !parseUriParams(rest.slice(semi), uri.params)) return fail('malformed tel URI parameters');
  return { ok: true, value: uri };
}

export function formatUri(uri: SipUri): string {
  let out = uri.scheme + ':';
  if (uri.scheme === 'tel') return out + uri.host + formatUriParams(uri.params);
  if (uri.user !== undefined) {
    out += escapeComponent(uri.user, USER);
    if (uri.password !== undefined) out += ':' + escapeComponent(uri.password, PASSWORD);
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += ':' + uri.port;
  if (uri.params.size > 0) out += formatUriParams(uri.params);
  if (uri.headers.size > 0) {
    let sep = '?';
    for (const [k, v] of uri.headers) {
      out += sep + escapeComponent(k, HNVCHAR) + '=' + escapeComponent(v, HNVCHAR);
      sep = '&';
    }
  }
  return out;
}
