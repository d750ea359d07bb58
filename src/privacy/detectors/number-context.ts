/**
 * What the words around a number say of it: a year, a clock time, a quantity, a currency, a piece that stands
 * alone, a reading digit by digit, a correction, the sentence speaking of an expiry.
 */
import type { PiiType } from '../types.js';
import type { Scan } from '../tokens.js';
import { isMagnitude, K_ALNUM, K_DIGITS, K_LETTER, K_NUMWORD, K_OTHER } from '../tokens.js';
import type { CueType } from '../cues.js';
import { readCompositeRun, type NumberRun } from '../number-runs.js';
import { MEASURE_NOUNS, QUANTITY_NOUNS, REPEAT_WORDS, UNIT_WORDS } from '../lexicon.js';
import { conceptEvidence } from '../concepts.js';
import { carriesDigits } from './number-claims.js';
import { FAIL_CLOSED_DIGITS } from './number-lengths.js';
import { shapeType } from './number-shapes.js';

export const YEAR_PREPOSITIONS: ReadonlySet<string> = new Set(['in', 'since', 'from', 'by', 'of', 'until', 'till', 'before', 'after', 'during', 'year']);

/** "in 2019", "since nineteen ninety nine": a year, not part of a value. */
export function yearAfterPreposition(scan: Scan, run: NumberRun): boolean {
  const y = Number(run.digits);
  if (run.digits.length !== 4 || y < 1900 || y > 2099) return false;
  return YEAR_PREPOSITIONS.has(scan.tokens[run.from - 1]?.w ?? '');
}

/** A noun right after the run says what it counts: any quantity noun for short runs, money or a unit of measure for long ones. */
export function isQuantityAfter(scan: Scan, run: NumberRun): boolean {
  const next = scan.tokens[run.to + 1];
  if (next === undefined) return false;
  return run.digits.length >= FAIL_CLOSED_DIGITS ? MEASURE_NOUNS.has(next.w) : QUANTITY_NOUNS.has(next.w);
}

export const TIME_BEFORE: ReadonlySet<string> = new Set(['at', 'around', 'after', 'before', 'by', 'until', 'till', 'from', 'past', 'to', 'about', 'between', 'since']);

export const TIME_AFTER: ReadonlySet<string> = new Set(['am', 'pm', "o'clock", 'oclock', 'tonight', 'tomorrow', 'today', 'hours', 'hrs']);

/** A clock reading: "at 3 30", "after three forty five", "9 30 pm", "from 1400". */
export function timeLike(scan: Scan, run: NumberRun): boolean {
  const d = run.digits;
  if (d.length > 4 || run.slash) return false; // "till 08/30" is a date
  if (d.length >= 3 && dictatedDigitByDigit(scan, run)) return false; // "to seven one eight": digits, not "seven eighteen"
  const prev = scan.tokens[run.from - 1]?.w ?? '';
  const next = scan.tokens[run.to + 1];
  const nextW = next?.w ?? '';
  const inTheMorning = nextW === 'in' && /^(morning|afternoon|evening)$/.test(scan.tokens[run.to + 3]?.w ?? '');
  if (!TIME_BEFORE.has(prev) && !TIME_AFTER.has(nextW) && !inTheMorning) return false;
  if (d.length <= 2) return Number(d) <= 24;
  const h = Number(d.slice(0, d.length - 2));
  const m = Number(d.slice(-2));
  return h <= 24 && m < 60;
}

/**
 * A piece that is a value of its own and must not be glued to the digits after it: a year after a
 * preposition ("in 2024, 1576 ..."), a short number a non-PII cue announced ("press 1, two nine
 * ..."), a clock time ("at 3 30 uh 4111 ...").
 */
export function standsAlone(scan: Scan, cues: readonly (CueType | undefined)[], run: NumberRun): boolean {
  if (yearAfterPreposition(scan, run) || timeLike(scan, run)) return true;
  return run.digits.length < FAIL_CLOSED_DIGITS && cues[run.from - 1] === 'NEGATIVE';
}

/** Read one digit at a time ("four two oh", "7 3 7", "double five eight"): how identifiers are read, not quantities. */
export function dictatedDigitByDigit(scan: Scan, run: NumberRun): boolean {
  if (run.digits.length < 3) return false;
  let digitTokens = 0;
  for (let k = run.from; k <= run.to; k++) {
    if (!carriesDigits(run, k)) continue;
    const t = scan.tokens[k]!;
    if (t.kind === K_NUMWORD) {
      if (!UNIT_WORDS.has(t.w) && !REPEAT_WORDS.has(t.w)) return false;
    } else if (t.kind === K_DIGITS) {
      if (t.w.length !== 1) return false;
    } else if (t.kind !== K_LETTER) return false;
    digitTokens++;
  }
  return digitTokens >= 3;
}

/** Words that correct what was just said ("4648 no sorry it's 1478", "4229 or maybe 7198"). */
export const CORRECTION_MARKERS: ReadonlySet<string> = new Set(['no', 'sorry', 'wait', 'actually', 'mean', 'maybe', 'or', 'scratch', 'hang', 'hold', 'rather', 'correction', 'oops', 'instead']);

/** Words that may sit around a correction marker. */
export const CORRECTION_FILLERS: ReadonlySet<string> = new Set([
  'i', 'is', 'it', "it's", 'its', "that's", 'thats', 'that', 'the', 'old', 'one', 'on', 'hmm', 'uh', 'um', 'er', 'erm', 'let', 'me', 'again',
  'say', 'start', 'over', 'no', 'sorry', 'wait', 'actually', 'mean', 'maybe', 'or', 'scratch', 'hang', 'hold', 'rather', 'oops', 'instead', 'a', 'second', 'minute',
]);

export const MAX_CORRECTION_WORDS = 6;

/**
 * A short value the caller corrects or that corrects another ("4648 no sorry it's 1478"): a person
 * reading a number out and fixing it. Returns the other value's type (or NUMBER) when a correction
 * marker joins this run to another number of about the same length; an amount on the other side
 * ("250 or maybe 300 dollars") is not a correction of an identifier.
 */
export function correctionNeighbour(scan: Scan, run: NumberRun): PiiType | undefined {
  const tokens = scan.tokens;
  const n = run.digits.length;
  // to the right: markers, then a number
  let k = run.to + 1;
  let marker = false;
  while (k < tokens.length && k <= run.to + MAX_CORRECTION_WORDS && !scan.taken[k] && CORRECTION_FILLERS.has(tokens[k]!.w)) {
    if (CORRECTION_MARKERS.has(tokens[k]!.w)) marker = true;
    k++;
  }
  if (marker && k < tokens.length && !scan.taken[k]) {
    const other = readCompositeRun(scan, k);
    if (other && other.digits.length > 0 && Math.abs(other.digits.length - n) <= 1 && !QUANTITY_NOUNS.has(tokens[other.to + 1]?.w ?? '')) {
      return (other.digits.length >= FAIL_CLOSED_DIGITS ? shapeType(other, other.digits) : undefined) ?? 'NUMBER';
    }
  }
  // to the left: a number (or a value already claimed), then markers
  k = run.from - 1;
  marker = false;
  while (k >= 0 && k >= run.from - MAX_CORRECTION_WORDS && !scan.taken[k] && CORRECTION_FILLERS.has(tokens[k]!.w)) {
    if (CORRECTION_MARKERS.has(tokens[k]!.w)) marker = true;
    k--;
  }
  if (!marker || k < 0) return undefined;
  if (scan.taken[k]) {
    const e = scan.entities.find((x) => x.end === tokens[k]!.e);
    return e && Math.abs((e.normalized ?? '').length - n) <= 1 ? e.type : undefined;
  }
  const t = tokens[k]!;
  return t.kind === K_DIGITS && Math.abs(t.digits.length - n) <= 1 ? 'NUMBER' : undefined;
}

export function acceptExpiry(t: PiiType): boolean {
  return t === 'CREDIT_DEBIT_EXPIRY';
}

/** How strongly the sentence speaks of a card's expiry ("the date on the front is ten twenty nine"). */
export function expiryEvidence(scan: Scan, cues: readonly (CueType | undefined)[], run: NumberRun): number {
  return conceptEvidence(scan, cues, run.from, run.to, run.digits.length, acceptExpiry)?.score ?? 0;
}

/** "plus four four ...": the spoken plus sign belongs to the number. */
export function absorbSpokenPlus(scan: Scan, run: NumberRun): void {
  const k = run.from - 1;
  if (k >= 0 && !scan.taken[k] && scan.tokens[k]!.w === 'plus' && run.spoken) {
    run.from = k;
    run.cum.unshift(0);
    run.plus = true;
  }
}

export function isCurrencyBefore(scan: Scan, from: number): boolean {
  const t = scan.tokens[from]!;
  const c = scan.text.charCodeAt(t.s - 1);
  if (c === 36 || c === 0xa3 || c === 0x20ac || c === 0xa5) return true; // $ £ € ¥
  const prev = scan.tokens[from - 1]?.w;
  return prev === 'usd' || prev === 'eur' || prev === 'gbp' || prev === 'cad' || prev === 'aud';
}

/** "1,250,000" alone: a magnitude written with thousands separators — a count or an amount. */
export function isMagnitudeRun(scan: Scan, run: NumberRun): boolean {
  return run.from === run.to && scan.tokens[run.from]!.kind === K_DIGITS && isMagnitude(scan.tokens[run.from]!.w);
}

/** Number words that alone are a number below 100 ("two", "twelve", "forty"). */
export const UNIT_OR_TENS: ReadonlySet<string> = new Set(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']);

/** Token k could continue a number (another number, a code, a spelled letter, a filler between pieces). */
export function numericNeighbour(tokens: readonly { kind: number; w: string }[], k: number): boolean {
  const t = tokens[k];
  if (!t) return false;
  const kind = t.kind;
  return kind === K_DIGITS || kind === K_NUMWORD || kind === K_ALNUM || kind === K_OTHER || kind === K_LETTER || JOINER_LIKE.has(t.w);
}

export const JOINER_LIKE: ReadonlySet<string> = new Set(['um', 'umm', 'uh', 'uhh', 'uhm', 'er', 'erm', 'ah', 'eh', 'hmm', 'hm', 'mm', 'mhm', 'dash', 'hyphen', 'space', 'then',
  'sorry', 'no', 'wait', 'actually', 'oops', 'again', 'i', 'like', 'okay', 'ok', 'right', 'yeah', 'yes', 'and', 'hundred', 'thousand', 'plus']);
