/**
 * Split a header value on top-level commas (RFC 3261 §7.3.1): commas inside a quoted-string or
 * inside `<...>` do not separate values. Only used for `MULTI_VALUE_HEADERS`.
 */
import { isWs } from './chars.js';

function pushTrimmed(out: string[], s: string, start: number, end: number): void {
  while (start < end && isWs(s.charCodeAt(start))) start++;
  while (end > start && isWs(s.charCodeAt(end - 1))) end--;
  out.push(s.slice(start, end));
}

export function splitTopLevel(value: string, out: string[] = []): string[] {
  if (value.indexOf(',') < 0) {
    out.push(value);
    return out;
  }
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (inAngle) {
      if (c === 0x3e) inAngle = false;
    } else if (c === 0x3c) inAngle = true;
    else if (c === 0x2c) {
      pushTrimmed(out, value, start, i);
      start = i + 1;
    }
  }
  pushTrimmed(out, value, start, n);
  return out;
}
