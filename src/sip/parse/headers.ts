/**
 * Typed look-ups on a parsed header list: the few values the transaction and dialog layers read on
 * every message. Each returns undefined when the header is missing or malformed; `checkRequest`
 * is where malformed values turn into a 400.
 */
import type { CSeq, Headers, NameAddr, Via } from '../message.js';
import { parseCSeq } from './cseq.js';
import { parseDigits } from './cseq.js';
import { parseNameAddr } from './name-addr.js';
import { paramText } from './params.js';
import { parseVia } from './via.js';

/** The `tag` parameter of From or To. */
export function getTag(headers: Headers, name: 'From' | 'To'): string | undefined {
  const v = headers.get(name);
  if (v === undefined) return undefined;
  const na = parseNameAddr(v);
  if (!na.ok) return undefined;
  return paramText(na.value.params.get('tag'));
}

export function getNameAddr(headers: Headers, name: string): NameAddr | undefined {
  const v = headers.get(name);
  if (v === undefined) return undefined;
  const na = parseNameAddr(v);
  return na.ok ? na.value : undefined;
}

/** The first (topmost) Via value. */
export function topVia(headers: Headers): Via | undefined {
  const v = headers.get('Via');
  if (v === undefined) return undefined;
  const r = parseVia(v);
  return r.ok ? r.value : undefined;
}

export function getCSeq(headers: Headers): CSeq | undefined {
  const v = headers.get('CSeq');
  if (v === undefined) return undefined;
  const r = parseCSeq(v);
  return r.ok ? r.value : undefined;
}

export function contentLength(headers: Headers): number | undefined {
  const v = headers.get('Content-Length');
  return v === undefined ? undefined : parseDigits(v.trim(), Number.MAX_SAFE_INTEGER);
}

export function maxForwards(headers: Headers): number | undefined {
  const v = headers.get('Max-Forwards');
  return v === undefined ? undefined : parseDigits(v.trim(), 255);
}
