/**
 * Reads a run of number tokens as speech engines write them and resolves it to a digit string:
 * written groups ("4111 1111", "617-496-6867", "+44 20 7946 0958", "(206) 973-4508") or spoken words
 * ("four one one one", "oh" for zero, "double five", "forty one", "nineteen sixty nine",
 * "four hundred twelve", "two thousand and three"). Written and spoken tokens do not mix in one run.
 */
import type { Scan, Token } from './tokens.js';
import { K_DIGITS, K_NUMWORD } from './tokens.js';
import { REPEAT_WORDS, TEEN_WORDS, TENS_WORDS, UNIT_WORDS } from './lexicon.js';

export interface NumberRun {
  /** First and last token index (inclusive). */
  from: number;
  to: number;
  digits: string;
  spoken: boolean;
  /** Digits accumulated after each token of the run: cum[k - from]. */
  cum: number[];
  /** Written runs: lengths of the digit groups as written (split on spaces, dashes, dots, slashes). */
  groups: number[];
  plus: boolean;
  slash: boolean;
}

function isZeroWord(w: string): boolean {
  return w === 'oh' || w === 'o';
}

function isNumWord(t: Token | undefined): boolean {
  return t !== undefined && t.kind === K_NUMWORD;
}

/** "oh"/"o" is zero only next to another number word; elsewhere it is an interjection or a letter. */
function zeroWordCounts(tokens: Token[], k: number): boolean {
  const prev = tokens[k - 1];
  const next = tokens[k + 1];
  return (isNumWord(prev) && !isZeroWord(prev!.w)) || (isNumWord(next) && !isZeroWord(next!.w)) ||
    (isNumWord(next) && isNumWord(tokens[k + 2]));
}

/** A number below 100 at k: "forty one" | "forty" | "nineteen" | "seven". */
function readSmall(tokens: Token[], k: number, limit: number): { v: number; next: number } | undefined {
  const t = tokens[k];
  if (!t || k >= limit || t.kind !== K_NUMWORD) return undefined;
  const tens = TENS_WORDS.get(t.w);
  if (tens !== undefined) {
    const u = tokens[k + 1];
    const uv = u && k + 1 < limit ? UNIT_WORDS.get(u.w) : undefined;
    if (uv !== undefined && uv > 0) return { v: tens + uv, next: k + 2 };
    return { v: tens, next: k + 1 };
  }
  const teen = TEEN_WORDS.get(t.w);
  if (teen !== undefined) return { v: teen, next: k + 1 };
  const unit = UNIT_WORDS.get(t.w);
  if (unit !== undefined) return { v: unit, next: k + 1 };
  return undefined;
}

export function readSpokenRun(scan: Scan, i: number): NumberRun | undefined {
  const tokens = scan.tokens;
  const taken = scan.taken;
  let limit = i;
  while (limit < tokens.length && !taken[limit]) {
    const t = tokens[limit]!;
    if (t.kind === K_NUMWORD) { limit++; continue; }
    // "and" inside "four hundred and twelve", "dash" between spoken groups
    if ((t.w === 'and' || t.w === 'dash' || t.w === 'hyphen') && limit > i && isNumWord(tokens[limit + 1]) &&
      (t.w !== 'and' || tokens[limit - 1]!.w === 'hundred' || tokens[limit - 1]!.w === 'thousand')) { limit++; continue; }
    break;
  }
  let k = i;
  let digits = '';
  const cum: number[] = [];
  const push = (s: string, upto: number): void => {
    digits += s;
    while (cum.length < upto - i) cum.push(digits.length);
  };
  while (k < limit) {
    const t = tokens[k]!;
    const w = t.w;
    if (w === 'dash' || w === 'hyphen' || w === 'and') { push('', k + 1); k++; continue; }
    const rep = REPEAT_WORDS.get(w);
    if (rep !== undefined) {
      const u = tokens[k + 1];
      const uv = u && k + 1 < limit ? UNIT_WORDS.get(u.w) : undefined;
      if (uv === undefined) break;
      push(String(uv).repeat(rep), k + 2);
      k += 2;
      continue;
    }
    if (isZeroWord(w) && k === i && !zeroWordCounts(tokens, k)) break;
    if (w === 'hundred' || w === 'thousand') break; // "a hundred": not a digit string we read
    const small = readSmall(tokens, k, limit);
    if (!small) break;
    let v = small.v;
    let next = small.next;
    if (next < limit && tokens[next]!.w === 'hundred' && v > 0) {
      v *= 100; next++;
      // "four hundred twelve" / "one hundred and five" is 412 / 105, but in "eight hundred five five
      // five ..." the digits go on, so "eight hundred" is 800 followed by digits.
      let m = next;
      const and = m < limit && tokens[m]!.w === 'and';
      if (and) m++;
      if (m < limit && isZeroWord(tokens[m]!.w) && UNIT_WORDS.has(tokens[m + 1]?.w ?? '') && m + 1 < limit) m++;
      const rest = readSmall(tokens, m, limit);
      if (rest && (and || rest.next >= limit || !isNumWord(tokens[rest.next]))) { v += rest.v; next = rest.next; }
    }
    if (next < limit && tokens[next]!.w === 'thousand' && v > 0 && v < 1000) {
      v *= 1000; next++;
      if (next < limit && tokens[next]!.w === 'and') next++;
      const rest = readSmall(tokens, next, limit);
      if (rest) {
        let r = rest.v; next = rest.next;
        if (next < limit && tokens[next]!.w === 'hundred') {
          r *= 100; next++;
          if (next < limit && tokens[next]!.w === 'and') next++;
          const r2 = readSmall(tokens, next, limit);
          if (r2) { r += r2.v; next = r2.next; }
        }
        v += r;
      }
    }
    push(String(v), next);
    k = next;
  }
  if (digits.length === 0) return undefined;
  // drop trailing joiners that were not followed by a number
  let to = i + cum.length - 1;
  while (to > i && (tokens[to]!.w === 'and' || tokens[to]!.w === 'dash' || tokens[to]!.w === 'hyphen')) to--;
  return { from: i, to, digits, spoken: true, cum: cum.slice(0, to - i + 1), groups: [], plus: false, slash: false };
}

/** Appends the lengths of the digit groups of a written token ("617-496-6867" → 3, 3, 4). */
export function groupLengths(w: string, out: number[]): void {
  let n = 0;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
    else if (c === 45 || c === 46 || c === 47) { if (n > 0) out.push(n); n = 0; }
  }
  if (n > 0) out.push(n);
}

export function readWrittenRun(scan: Scan, i: number): NumberRun | undefined {
  const tokens = scan.tokens;
  let k = i;
  let digits = '';
  const cum: number[] = [];
  const groups: number[] = [];
  let slash = false;
  while (k < tokens.length && !scan.taken[k] && tokens[k]!.kind === K_DIGITS) {
    const t = tokens[k]!;
    if (k > i && t.w.charCodeAt(0) === 43) break; // a new "+..." number starts
    digits += t.digits;
    cum.push(digits.length);
    groupLengths(t.w, groups);
    if (t.w.indexOf('/') >= 0) slash = true;
    k++;
  }
  if (k === i) return undefined;
  return { from: i, to: k - 1, digits, spoken: false, cum, groups, plus: tokens[i]!.w.charCodeAt(0) === 43, slash };
}

export function readNumberRun(scan: Scan, i: number): NumberRun | undefined {
  const t = scan.tokens[i];
  if (!t || scan.taken[i]) return undefined;
  if (t.kind === K_DIGITS) return readWrittenRun(scan, i);
  if (t.kind === K_NUMWORD) return readSpokenRun(scan, i);
  return undefined;
}
