/**
 * name-addr / addr-spec with header parameters: the value of From, To, Contact, Route,
 * Record-Route, Reply-To, Refer-To, P-Asserted-Identity (RFC 3261 §20.10, §25).
 *
 *   "Display \"q\"" <sip:a@b;uri-param>;tag=x     display name quoted, unescaped
 *   Display Tokens <sip:a@b>                      token display names joined by one space
 *   caller<sip:a@b>                               no LWS before `<` (accepted, RFC 4475 §3.1.1.6)
 *   sip:a@b;tag=x                                 addr-spec: parameters belong to the header
 *
 * An addr-spec may not contain `,` `?` or `;` in its URI (§20.10), so `sip:a@b?Route=x` is an
 * error there and fine inside `<>`.
 */
import type { NameAddr, Result, SipParseError } from '../message.js';
import { TOKEN, quote, readQuoted, skipWs, trimEnd } from './chars.js';
import { formatHeaderParams, parseHeaderParams } from './params.js';
import { formatUri, parseUri } from './uri.js';
import { lastResults } from './last-results.js';

function fail(reason: string): { ok: false; error: SipParseError } {
  return { ok: false, error: { reason, code: 400 } };
}

/** An unsupported but well-formed scheme keeps `code: 416`; callers may accept it in From/To/Contact. */
function uriFailure(e: SipParseError): { ok: false; error: SipParseError } {
  return e.code === 416 ? { ok: false, error: { reason: 'unsupported URI scheme', code: 416 } } : fail('malformed address URI');
}

/**
 * Parsed once per message (last-results.ts): one INVITE's From is read by the checks, the UA core,
 * the dialog, admission and the console's story (To and Contact two or three times); parseNameAddr
 * and its Maps were ~15 % of what a call set-up allocated. The result is shared: read-only.
 */
export const parseNameAddr: (text: string) => Result<NameAddr> = lastResults(parseNameAddrUncached);

function parseNameAddrUncached(text: string): Result<NameAddr> {
  const n = trimEnd(text, 0, text.length);
  let i = skipWs(text, 0, n);
  if (i >= n) return fail('empty address');
  let displayName: string | undefined;
  const first = text.charCodeAt(i);
  if (first === 0x22) {
    const q = readQuoted(text, i);
    if (q.next < 0) return fail('unterminated quoted display name');
    displayName = q.text;
    i = skipWs(text, q.next, n);
    if (i >= n || text.charCodeAt(i) !== 0x3c) return fail('display name without <address>');
  } else if (first !== 0x3c) {
    // Either token display names followed by `<`, or an addr-spec.
    const lt = text.indexOf('<', i);
    if (lt >= 0 && lt < n) {
      const words: string[] = [];
      let j = i;
      while (j < lt) {
        const ws = j;
        while (j < lt) {
          const c = text.charCodeAt(j);
          if (c === 0x20 || c === 0x09) break;
          if (c > 127 || TOKEN[c] === 0) return fail('malformed display name');
          j++;
        }
        if (j > ws) words.push(text.slice(ws, j));
        j = skipWs(text, j, lt);
      }
      displayName = words.join(' ');
      i = lt;
    } else {
      return parseAddrSpec(text, i, n);
    }
  }
  // text[i] === '<'
  const gt = text.indexOf('>', i + 1);
  if (gt < 0 || gt >= n) return fail('unterminated <address>');
  const uri = parseUri(text.slice(i + 1, gt));
  if (!uri.ok) return uriFailure(uri.error);
  const params = new Map<string, string | null>();
  if (!parseHeaderParams(text, gt + 1, n, params)) return fail('malformed address parameters');
  const value: NameAddr = { uri: uri.value, params };
  if (displayName !== undefined && displayName !== '') value.displayName = displayName;
  return { ok: true, value };
}

function parseAddrSpec(text: string, i: number, n: number): Result<NameAddr> {
  let end = i;
  while (end < n) {
    const c = text.charCodeAt(end);
    if (c === 0x3b || c === 0x20 || c === 0x09) break;
    if (c === 0x2c || c === 0x3f) return fail('address with , or ? must be enclosed in <>');
    end++;
  }
  const uri = parseUri(text.slice(i, end));
  if (!uri.ok) return uriFailure(uri.error);
  const params = new Map<string, string | null>();
  if (!parseHeaderParams(text, end, n, params)) return fail('malformed address parameters');
  return { ok: true, value: { uri: uri.value, params } };
}

function isTokenWords(s: string): boolean {
  if (s.length === 0) return false;
  let prevSpace = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) {
      if (prevSpace) return false;
      prevSpace = true;
      continue;
    }
    if (c > 127 || TOKEN[c] === 0) return false;
    prevSpace = false;
  }
  return !prevSpace;
}

/** Always writes the name-addr form (`<...>`), which is unambiguous for any URI. */
export function formatNameAddr(na: NameAddr): string {
  let out = '';
  if (na.displayName !== undefined && na.displayName !== '') {
    out = (isTokenWords(na.displayName) ? na.displayName : quote(na.displayName)) + ' ';
  }
  return out + '<' + formatUri(na.uri) + '>' + formatHeaderParams(na.params);
}
