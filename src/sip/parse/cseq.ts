/**
 * CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16). The number must fit 32 bits (larger values fail,
 * RFC 4475 §3.1.2.4); `checkRequest` further requires < 2**31 for requests (§8.1.1.5).
 * Leading zeros are accepted (RFC 4475 §3.1.1.1).
 */
import type { CSeq, Result, SipParseError } from '../message.js';
import { TOKEN, isWs, skipWs, trimEnd } from './chars.js';

function fail(reason: string): { ok: false; error: SipParseError } {
  return { ok: false, error: { reason, code: 400 } };
}

/** 1*DIGIT as a number ≤ max, leading zeros allowed; undefined if not digits or too large. */
export function parseDigits(text: string, max: number): number | undefined {
  if (text.length === 0) return undefined;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    v = v * 10 + (c - 0x30);
    if (v > max) return undefined;
  }
  return v;
}

export function parseCSeq(text: string): Result<CSeq> {
  const n = trimEnd(text, 0, text.length);
  let i = skipWs(text, 0, n);
  const numStart = i;
  while (i < n && !isWs(text.charCodeAt(i))) i++;
  const seq = parseDigits(text.slice(numStart, i), 0xffffffff);
  if (seq === undefined) return fail('malformed CSeq number');
  const mStart = skipWs(text, i, n);
  if (mStart === i) return fail('malformed CSeq');
  for (let j = mStart; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c > 127 || TOKEN[c] === 0) return fail('malformed CSeq method');
  }
  if (mStart >= n) return fail('malformed CSeq method');
  return { ok: true, value: { seq, method: text.slice(mStart, n) } };
}

export function formatCSeq(c: CSeq): string {
  return c.seq + ' ' + c.method;
}
