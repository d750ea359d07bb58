/**
 * Splits a transcript into word tokens with offsets, classifies each once (written digits, spoken
 * number word, ordinal, letter, alphanumeric code, word), and carries the per-text state the
 * detectors share: which tokens an entity already claimed, and the entities found so far.
 *
 * Offsets are into the original input. Lower-casing keeps string length (only ASCII is folded when
 * full Unicode folding would change it), so a token's `[s, e)` slices the input exactly.
 */
import type { Entity, PiiType } from './types.js';
import { F_SPELLED, K_DIGITS, K_LETTER, wordInfoAt } from './words.js';

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

/** ASCII character classes, looked up once per character: 1 separator, 2 trimmable. */
const ASCII_CLASS = new Uint8Array(128);
// whitespace , ; : = < > " ( ) [ ] { } ! ? @ | `
for (const c of [32, 9, 10, 13, 44, 59, 58, 61, 60, 62, 34, 40, 41, 91, 93, 123, 125, 33, 63, 64, 124, 96]) ASCII_CLASS[c] = 1;
// . ' - * # _ ~
for (const c of [46, 39, 45, 42, 35, 95, 126]) ASCII_CLASS[c] = 2;

function isSeparator(c: number): boolean {
  // nbsp, em/en dash, curly double quotes beyond ASCII
  return c < 128 ? ASCII_CLASS[c] === 1 : c === 160 || c === 0x2014 || c === 0x2013 || c === 0x201c || c === 0x201d;
}

function isTrimmable(c: number): boolean {
  // and the typographic apostrophe
  return c < 128 ? ASCII_CLASS[c] === 2 : c === 0x2019;
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
        const info = wordInfoAt(lower, s, e);
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
    if (i > 0 && tokens[i]!.kind === K_LETTER && tokens[i - 1]!.kind === K_LETTER) flags |= F_SPELLED;
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

/**
 * A sentence ends between token k-1 and token k: '.', '?', '!' or ';' in the characters between
 * them ("level 14. 077 813 482": two sentences, two values). Dots inside a written number are part
 * of its token, so they never count here.
 */
export function sentenceBreakBefore(scan: Scan, k: number): boolean {
  if (k <= 0 || k >= scan.tokens.length) return false;
  const text = scan.text;
  for (let i = scan.tokens[k - 1]!.e; i < scan.tokens[k]!.s; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 || c === 63 || c === 33 || c === 59) return true;
  }
  return false;
}

/** The sentence before token k ended with a question mark ("what's on the back? 737"). */
export function questionBefore(scan: Scan, k: number): boolean {
  if (k <= 0 || k >= scan.tokens.length) return false;
  for (let i = scan.tokens[k - 1]!.e; i < scan.tokens[k]!.s; i++) if (scan.text.charCodeAt(i) === 63) return true;
  return false;
}
