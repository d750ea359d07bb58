/**
 * Parameter lists: URI parameters (`;transport=tcp;lr` inside a URI, escaped, no whitespace) and
 * header parameters (`generic-param`, RFC 3261 §25: `;tag=x`, whitespace allowed around `;` and
 * `=`). Names are lower-cased; a parameter without a value maps to `null`. A quoted header
 * parameter value is kept with its quotes (it is a `quoted-string` on the wire, and keeping the
 * quotes lets it be written back unchanged).
 */
import type { Params } from '../message.js';
import { PARAMCHAR, TOKEN, skipQuoted, skipWs } from './chars.js';
import { escapeComponent, unescapeComponent } from './escape.js';

function allIn(s: string, start: number, end: number, t: Uint8Array): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || t[c] === 0) return false;
  }
  return true;
}

/** Parse `;a=b;c` (the text after the host part, up to `?` or the end). Returns undefined on a syntax error. */
export function parseUriParams(s: string, params: Params): boolean {
  let i = 0;
  const n = s.length;
  while (i < n) {
    if (s.charCodeAt(i) !== 0x3b) return false;
    let end = s.indexOf(';', i + 1);
    if (end < 0) end = n;
    const eq = s.indexOf('=', i + 1);
    const hasValue = eq >= 0 && eq < end;
    const nameEnd = hasValue ? eq : end;
    if (!allIn(s, i + 1, nameEnd, PARAMCHAR)) return false;
    const name = unescapeComponent(s.slice(i + 1, nameEnd));
    if (name === undefined) return false;
    let value: string | null = null;
    if (hasValue) {
      if (!allIn(s, eq + 1, end, PARAMCHAR)) return false;
      const v = unescapeComponent(s.slice(eq + 1, end));
      if (v === undefined) return false;
      value = v;
    }
    params.set(name.toLowerCase(), value);
    i = end;
  }
  return true;
}

export function formatUriParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) {
    out += ';' + escapeComponent(k, PARAMCHAR);
    if (v !== null) out += '=' + escapeComponent(v, PARAMCHAR);
  }
  return out;
}

/** gen-value characters besides token: `:` `[` `]` for IPv6 hosts. */
const GENVALUE = (() => {
  const t = new Uint8Array(128);
  t.set(TOKEN);
  t[0x3a] = 1;
  t[0x5b] = 1;
  t[0x5d] = 1;
  return t;
})();

/**
 * Parse `*( SEMI generic-param )` from `s[i]` to `end`. Whitespace is allowed around `;` and `=`.
 * Returns false on an empty parameter (`;;`), a non-token name, or a malformed value.
 */
export function parseHeaderParams(s: string, i: number, end: number, params: Params): boolean {
  i = skipWs(s, i, end);
  while (i < end) {
    if (s.charCodeAt(i) !== 0x3b) return false;
    i = skipWs(s, i + 1, end);
    const nameStart = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c > 127 || TOKEN[c] === 0) break;
      i++;
    }
    if (i === nameStart) return false;
    const name = s.slice(nameStart, i).toLowerCase();
    i = skipWs(s, i, end);
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1, end);
      if (i < end && s.charCodeAt(i) === 0x22) {
        const q = skipQuoted(s, i, end);
        if (q < 0) return false;
        value = s.slice(i, q);
        i = q;
      } else {
        const vStart = i;
        while (i < end) {
          const c = s.charCodeAt(i);
          if (c > 127 || GENVALUE[c] === 0) break;
          i++;
        }
        if (i === vStart) return false;
        value = s.slice(vStart, i);
      }
      i = skipWs(s, i, end);
    }
    params.set(name, value);
  }
  return true;
}

export function formatHeaderParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? ';' + k : ';' + k + '=' + v;
  return out;
}

/** Unquote a header parameter value kept with its quotes (`"a\"b"` → `a"b`); others unchanged. */
export function paramText(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v.length < 2 || v.charCodeAt(0) !== 0x22) return v;
  let out = '';
  for (let i = 1; i < v.length - 1; i++) {
    if (v.charCodeAt(i) === 0x5c && i + 1 < v.length - 1) i++;
    out += v[i];
  }
  return out;
}

