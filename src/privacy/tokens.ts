/**
 * Splits a transcript into word tokens with offsets, classifies each once (written digits, spoken
 * number word, ordinal, letter, alphanumeric code, word), and carries the per-text state the
 * detectors share: which tokens an entity already claimed, and the entities found so far.
 *
 * Offsets are into the original input. Lower-casing keeps string length (only ASCII is folded when
 * full Unicode folding would change it), so a token's `[s, e)` slices the input exactly.
 */
import type { Entity, PiiType } from './types.js';
import { K_DIGITS, wordInfo } from './words.js';

export { K_OTHER, K_DIGITS, K_NUMWORD, K_ORDINAL, K_LETTER, K_ALNUM, K_WORD } from './words.js';

export interface Token {
  s: number;
  e: number;
  /** Lower-cased token text. */
  w: string;
  kind: number;
  /** Bit set of F_* facts about the word (words.ts). */
  flags: number;
  /** K_DIGITS: the digits only. */
  digits: string;
}

export interface Scan {
  text: string;
  lower: string;
  tokens: Token[];
  /** taken[i] = 1 when token i belongs to an entity already. */
  taken: Uint8Array;
  entities: Entity[];
  /** OR of every token's flags, and of (1 << kind): lets detect() skip detectors with nothing to read. */
  flags: number;
  kinds: number;
}

function isSeparator(c: number): boolean {
  // whitespace , ; : = < > " ( ) [ ] { } ! ? @ | ` nbsp, em/en dash, curly double quotes
  return (
    c === 32 || c === 9 || c === 10 || c === 13 || c === 44 || c === 59 || c === 58 || c === 61 || c === 60 ||
    c === 62 || c === 34 || c === 40 || c === 41 || c === 91 || c === 93 || c === 123 || c === 125 || c === 33 ||
    c === 63 || c === 64 || c === 124 || c === 96 || c === 160 || c === 0x2014 || c === 0x2013 || c === 0x201c || c === 0x201d
  );
}

function isTrimmable(c: number): boolean {
  // . ' - * # _ ~ and typographic apostrophe
  return c === 46 || c === 39 || c === 45 || c === 42 || c === 35 || c === 95 || c === 126 || c === 0x2019;
}

/**
 * Written digit groups ("+44", "617-496-6867", "05/31", "303.286.9594", "4111.1111.1111.1111",
 * "1,250,000"): the digits, or undefined when the token is not one. A decimal amount ("3.5",
 * "1,250.00", "99.99") is not a digit group: it is a quantity, and identifiers are never written
 * with a decimal fraction. An IPv4 address is not one either (infrastructure in log lines); other
 * dotted groups ("4111.1111.1111.1111") are digits, so fail-closed length rules see them.
 */
function digitToken(w: string): string | undefined {
  let i = w.charCodeAt(0) === 43 ? 1 : 0;
  if (i >= w.length) return undefined;
  let seps = 0;
  let dots = 0;
  let lastDot = -1;
  let prevSep = true;
  for (; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 48 && c <= 57) { prevSep = false; continue; }
    if ((c === 45 || c === 46 || c === 47 || c === 44) && !prevSep) {
      seps++;
      if (c === 46) { dots++; lastDot = i; }
      prevSep = true;
      continue;
    }
    return undefined;
  }
  if (prevSep) return undefined;
  // a decimal amount: one dot, 1-2 digits after it, thousands commas at most before it
  if (dots === 1 && w.length - lastDot - 1 <= 2 && seps === 1 + countChar(w, 44)) return undefined;
  if (dots === 1 && seps === 1) return undefined;
  if (dots === 3 && seps === 3 && IPV4_RE.test(w)) return undefined;
  return seps === 0 ? (w.charCodeAt(0) === 43 ? w.slice(1) : w) : w.replace(/\D/g, '');
}

const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function countChar(w: string, c: number): number {
  let n = 0;
  for (let i = 0; i < w.length; i++) if (w.charCodeAt(i) === c) n++;
  return n;
}

/** "1,250,000": a magnitude written with thousands separators (1-3 digits, then groups of 3). */
export function isMagnitude(w: string): boolean {
  return /^\d{1,3}(?:,\d{3})+$/.test(w);
}

/**
 * A comma inside a number is a thousands separator ("1,250,000") when a digit comes before it and
 * exactly three digits after it; elsewhere ("4111, 1111", "646,555,1212"'s last group) it separates.
 */
function thousandsCommaAt(lower: string, j: number): boolean {
  const d = (k: number): boolean => {
    const c = lower.charCodeAt(k);
    return c >= 48 && c <= 57;
  };
  return j > 0 && d(j - 1) && d(j + 1) && d(j + 2) && d(j + 3) && !d(j + 4);
}

function lowerSameLength(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export function tokenize(text: string): Token[] {
  const lower = lowerSameLength(text);
  return tokenizeLower(lower);
}

function tokenizeLower(lower: string): Token[] {
  const tokens: Token[] = [];
  const n = lower.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSeparator(lower.charCodeAt(i))) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && (!isSeparator(lower.charCodeAt(j)) || (lower.charCodeAt(j) === 44 && thousandsCommaAt(lower, j)))) j++;
    let s = i;
    let e = j;
    // keep a leading '+' (international numbers) and a lone '#'
    while (s < e && isTrimmable(lower.charCodeAt(s)) && !(e - s === 1 && lower.charCodeAt(s) === 35)) s++;
    while (e > s && isTrimmable(lower.charCodeAt(e - 1)) && !(e - s === 1 && lower.charCodeAt(s) === 35)) e--;
    if (e > s) {
      const w = lower.slice(s, e);
      const c0 = w.charCodeAt(0);
      const digits = (c0 >= 48 && c0 <= 57) || c0 === 43 ? digitToken(w) : undefined;
      if (digits !== undefined) tokens.push({ s, e, w, kind: K_DIGITS, flags: 0, digits });
      else {
        const info = wordInfo(w);
        tokens.push({ s, e, w, kind: info.kind, flags: info.flags, digits: '' });
      }
    }
    i = j;
  }
  return tokens;
}

export function createScan(text: string): Scan {
  const lower = lowerSameLength(text);
  const tokens = tokenizeLower(lower);
  let flags = 0;
  let kinds = 0;
  for (let i = 0; i < tokens.length; i++) {
    flags |= tokens[i]!.flags;
    kinds |= 1 << tokens[i]!.kind;
  }
  return { text, lower, tokens, taken: new Uint8Array(tokens.length), entities: [], flags, kinds };
}

/** Record an entity covering tokens [from, to] (inclusive) and claim them. */
export function claimTokens(scan: Scan, type: PiiType, from: number, to: number, normalized?: string): void {
  const start = scan.tokens[from]!.s;
  const end = scan.tokens[to]!.e;
  for (let k = from; k <= to; k++) scan.taken[k] = 1;
  const entity: Entity = { type, start, end, value: scan.text.slice(start, end) };
  if (normalized !== undefined) entity.normalized = normalized;
  scan.entities.push(entity);
}

/** Record an entity by character span (written e-mail addresses) and claim every token it touches. */
export function claimSpan(scan: Scan, type: PiiType, start: number, end: number, normalized?: string): void {
  const toks = scan.tokens;
  for (let k = 0; k < toks.length; k++) if (toks[k]!.e > start && toks[k]!.s < end) scan.taken[k] = 1;
  const entity: Entity = { type, start, end, value: scan.text.slice(start, end) };
  if (normalized !== undefined) entity.normalized = normalized;
  scan.entities.push(entity);
}

export function anyTaken(scan: Scan, from: number, to: number): boolean {
  for (let k = from; k <= to; k++) if (scan.taken[k]) return true;
  return false;
}
