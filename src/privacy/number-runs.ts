/**
 * Reads a run of number tokens as speech engines write them and resolves it to a digit string:
 * written groups ("4111 1111", "617-496-6867", "+44 20 7946 0958", "(206) 973-4508") or spoken words
 * ("four one one one", "oh" for zero, "double five", "forty one", "nineteen sixty nine",
 * "four hundred twelve", "two thousand and three").
 *
 * `readNumberRun` reads one homogeneous run (written or spoken). `readCompositeRun` is what the
 * number detector uses: it joins homogeneous runs that follow each other into one value the way
 * callers actually dictate it — written and spoken mixed ("07700 nine double oh one two three"),
 * with hesitations and corrections in between ("four one one one uh one one one one", "0770 sorry
 * 07700"), and letters spelled among the digits ("x j one two three four five six seven"). A time
 * ("10:30") ends a run: its colon says the digits are a clock reading.
 */
import type { Scan, Token } from './tokens.js';
import { K_ALNUM, K_DIGITS, K_LETTER, K_NUMWORD, K_OTHER, sentenceBreakBefore } from './tokens.js';
import { QUANTITY_NOUNS } from './lexicon.js';
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
  /** Composite runs: spoken and written pieces both present. */
  mixed?: boolean;
  /** Composite runs: spelled letters or letters-and-digits tokens are part of it. */
  letters?: boolean;
  /** Composite runs: a filler or correction word sits between two pieces. */
  joined?: boolean;
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

/** Records `len` digits after every token up to the run's `count`-th (cum is "digits after each token"). */
function fillCum(cum: number[], len: number, count: number): void {
  while (cum.length < count) cum.push(len);
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
    if (limit > i && pauseBefore(scan, limit)) break; // a comma or a sentence end: the composite reader decides
    const t = tokens[limit]!;
    // "... seven oh and ...": an "oh" closing the digits before "and" is the interjection ("oh and")
    if ((t.w === 'oh' || t.w === 'o') && tokens[limit + 1]?.w === 'and') break;
    if (t.kind === K_NUMWORD) { limit++; continue; }
    // "and" inside "four hundred and twelve", "dash" between spoken groups
    if ((t.w === 'and' || t.w === 'dash' || t.w === 'hyphen') && limit > i && isNumWord(tokens[limit + 1]) &&
      (t.w !== 'and' || tokens[limit - 1]!.w === 'hundred' || tokens[limit - 1]!.w === 'thousand')) { limit++; continue; }
    break;
  }
  let k = i;
  let digits = '';
  const cum: number[] = [];
  while (k < limit) {
    const t = tokens[k]!;
    const w = t.w;
    if (w === 'dash' || w === 'hyphen' || w === 'and') { fillCum(cum, digits.length, k + 1 - i); k++; continue; }
    const rep = REPEAT_WORDS.get(w);
    if (rep !== undefined) {
      const u = tokens[k + 1];
      const uv = u && k + 1 < limit ? UNIT_WORDS.get(u.w) : undefined;
      if (uv === undefined) break;
      digits += String(uv).repeat(rep);
      fillCum(cum, digits.length, k + 2 - i);
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
    digits += v;
    fillCum(cum, digits.length, next - i);
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
    if (k > i && colonBetween(scan, k - 1, k)) break; // "10:30" is a clock time
    if (k > i && pauseBefore(scan, k)) break; // a comma or a sentence end: the composite reader decides
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

/**
 * Words that may sit between the pieces of one dictated number without ending it: hesitations,
 * spoken separators and self-corrections. At most MAX_JOINERS in a row, and only when another
 * number piece follows.
 */
const JOINERS: ReadonlySet<string> = new Set([
  'um', 'umm', 'uh', 'uhh', 'uhm', 'er', 'erm', 'ah', 'eh', 'hmm', 'hm', 'mm', 'mhm', 'dash', 'hyphen', 'space', 'then',
  'sorry', 'no', 'wait', 'actually', 'oops', 'again', 'mean', 'like', 'okay', 'ok', 'right', 'yeah', 'yes',
]);
const MAX_JOINERS = 3;

function isJoiner(tokens: Token[], k: number): boolean {
  const w = tokens[k]!.w;
  if (JOINERS.has(w)) return true;
  return w === 'i' && tokens[k + 1]?.w === 'mean';
}

/** A token that can start or continue a composite run on its own. */
function isPieceStart(t: Token): boolean {
  return t.kind === K_DIGITS || t.kind === K_NUMWORD || isCodeToken(t);
}

/** A single token mixing letters and digits: "ab1234567", or dashed "3ce6-at0-jg94". */
function isCodeToken(t: Token): boolean {
  return (t.kind === K_ALNUM || (t.kind === K_OTHER && DASHED_CODE_RE.test(t.w))) && /\d/.test(t.w);
}

function isSpelledLetter(tokens: Token[], k: number): boolean {
  const t = tokens[k];
  if (!t || t.kind !== K_LETTER) return false;
  if (t.w !== 'a' && t.w !== 'i' && t.w !== 'o') return true;
  // "a", "i" and "o" are words (or zero) unless a spelled letter or digit stands right next to them
  const prev = tokens[k - 1];
  const next = tokens[k + 1];
  return (prev !== undefined && (prev.kind === K_LETTER || prev.kind === K_ALNUM)) || (next !== undefined && next.kind === K_LETTER && next.w !== 'a' && next.w !== 'i');
}

/** A comma or a sentence end between token k-1 and token k. */
function pauseBefore(scan: Scan, k: number): boolean {
  const text = scan.text;
  for (let c = scan.tokens[k - 1]!.e; c < scan.tokens[k]!.s; c++) {
    const ch = text.charCodeAt(c);
    if (ch === 44 || ch === 46 || ch === 63 || ch === 33 || ch === 59) return true;
  }
  return false;
}

/** A colon right between two written tokens ("10:30"): a clock time, not digits of an identifier. */
function colonBetween(scan: Scan, a: number, b: number): boolean {
  const ta = scan.tokens[a]!;
  const tb = scan.tokens[b]!;
  if (tb.s - ta.e !== 1) return false;
  return scan.text.charCodeAt(ta.e) === 58;
}

/**
 * One token mixing letters and digits as a piece of a composite run ("d1234567", "881955rq3yr",
 * "gov-985-704-144"): all its digits count. A long hexadecimal string is a machine identifier (a
 * Call-ID, a hash) — its digits are scattered and say nothing of the caller.
 */
function alnumRun(scan: Scan, i: number): NumberRun {
  const t = scan.tokens[i]!;
  const digits = HEX_ID_RE.test(t.w) ? '' : t.w.replace(/\D/g, '');
  return { from: i, to: i, digits, spoken: false, cum: [digits.length], groups: [digits.length], plus: false, slash: false, letters: true };
}

const HEX_ID_RE = /^[0-9a-f]{16,}$/;
/** Letters and digits joined by dashes: "3ce6-at0-jg94", "gov-985-704-144". */
const DASHED_CODE_RE = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;

function letterRun(i: number): NumberRun {
  return { from: i, to: i, digits: '', spoken: false, cum: [0], groups: [], plus: false, slash: false, letters: true };
}

function pieceAt(scan: Scan, i: number): NumberRun | undefined {
  const t = scan.tokens[i];
  if (!t || scan.taken[i]) return undefined;
  if (t.kind === K_ALNUM || t.kind === K_OTHER) return isCodeToken(t) ? alnumRun(scan, i) : undefined;
  return readNumberRun(scan, i);
}

function append(run: NumberRun, gap: number, next: NumberRun): NumberRun {
  const cum = run.cum.slice();
  const base = run.digits.length;
  for (let g = 0; g < gap; g++) cum.push(base);
  for (const c of next.cum) cum.push(base + c);
  return {
    from: run.from,
    to: next.to,
    digits: run.digits + next.digits,
    spoken: run.spoken || next.spoken,
    cum,
    groups: run.groups.concat(next.groups),
    plus: run.plus,
    slash: run.slash || next.slash,
    mixed: run.mixed || (run.digits.length > 0 && next.digits.length > 0 && run.spoken !== next.spoken),
    letters: run.letters || next.letters,
    joined: run.joined || gap > 0,
  };
}

export interface CompositeOptions {
  /** True when the run read so far is a value of its own that no further piece may join. */
  standsAlone?: (run: NumberRun) => boolean;
}

/**
 * The longest dictated value starting at token i: homogeneous runs, letters-and-digits tokens and
 * spelled letters, joined directly or across at most MAX_JOINERS filler/correction words. A new
 * "+..." number, a clock time, the end of a sentence, a piece that counts something ("2 spoons"),
 * a piece that stands alone (`opts.standsAlone`) or any other word ends it. Undefined when nothing numeric starts at i.
 */
export function readCompositeRun(scan: Scan, i: number, opts?: CompositeOptions): NumberRun | undefined {
  const tokens = scan.tokens;
  const t = tokens[i];
  if (!t || scan.taken[i]) return undefined;
  let run: NumberRun | undefined;
  // spelled letters lead into a run only when digits follow them ("x j 1 2 3 ...")
  if (t.kind === K_LETTER) {
    if (!isSpelledLetter(tokens, i)) return undefined;
    let k = i;
    while (k < tokens.length && !scan.taken[k] && isSpelledLetter(tokens, k)) k++;
    if (k >= tokens.length || scan.taken[k] || !isPieceStart(tokens[k]!)) return undefined;
    run = letterRun(i);
    for (let m = i + 1; m < k; m++) run = append(run, 0, letterRun(m));
  } else {
    if (!isPieceStart(t)) return undefined;
    run = pieceAt(scan, i);
    if (!run) return undefined;
  }
  for (;;) {
    let k = run.to + 1;
    if (k >= tokens.length || scan.taken[k]) break;
    const t1 = tokens[k]!;
    // most runs end at the next word: decide that before anything costlier
    if (!isPieceStart(t1) && t1.kind !== K_LETTER && !isJoiner(tokens, k)) break;
    if (sentenceBreakBefore(scan, k)) break;
    // a piece that stands for itself ("in 2024", "press 1") is not the start of a dictated value
    if (opts?.standsAlone?.(run)) break;
    let gap = 0;
    while (k < tokens.length && gap < MAX_JOINERS && !scan.taken[k] && isJoiner(tokens, k) && !sentenceBreakBefore(scan, k)) { k++; gap++; }
    if (k >= tokens.length || scan.taken[k] || sentenceBreakBefore(scan, k)) break;
    const nt = tokens[k]!;
    let next: NumberRun | undefined;
    if (isPieceStart(nt)) {
      if (nt.kind === K_DIGITS && nt.w.charCodeAt(0) === 43) break; // "+..." starts another number
      if (gap === 0 && nt.kind === K_DIGITS && tokens[run.to]!.kind === K_DIGITS && colonBetween(scan, run.to, k)) break;
      next = pieceAt(scan, k);
    } else if (gap === 0 && isSpelledLetter(tokens, k)) {
      // a spelled letter inside or right after the digits ("1 2 3 x 4 5 6", "4 5 6 7 8 9 a b")
      next = letterRun(k);
    }
    if (!next) break;
    // "... 2 spoons": the next piece counts something, it is not more digits of this value
    if (next.to + 1 < tokens.length && QUANTITY_NOUNS.has(tokens[next.to + 1]!.w)) break;
    run = append(run, gap, next);
  }
  return run;
}
