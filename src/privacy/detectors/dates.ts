/**
 * Dates of birth and card expiry dates written with a month name, as speech engines give them:
 * "march 3 1969", "3 april 1966", "the third of april nineteen sixty six", "july twenty fourth
 * nineteen ninety nine", "june twenty twenty nine". A date is a date of birth when a birth cue
 * precedes it (or the agent asked for one), an expiry after an expiry cue, and — with no cue — a
 * date of birth only when it is complete with a year of 2012 or earlier. Purely numeric dates
 * ("11/09/1959", "oh five two nine") are typed by the numeric detector.
 */
import type { DetectionContext, PiiType } from '../types.js';
import type { Scan, Token } from '../tokens.js';
import { K_DIGITS, K_NUMWORD, K_ORDINAL, claimTokens } from '../tokens.js';
import { cueBefore, type CueType } from '../cues.js';
import { conceptEvidence } from '../concepts.js';
import { expiryYear } from '../card-dates.js';
import { MONTHS, ORDINAL_WORDS, TEEN_WORDS, TENS_WORDS, UNIT_WORDS } from '../lexicon.js';

interface Part {
  value: number;
  from: number;
  to: number;
}

/** A day of month starting at k: "3", "3rd", "third", "twenty third", "twenty three", "thirty first". */
function dayAt(tokens: Token[], k: number, taken: Uint8Array): Part | undefined {
  const t = tokens[k];
  if (!t || taken[k]) return undefined;
  if (t.kind === K_DIGITS) {
    if (t.w.length <= 2 && /^\d+$/.test(t.w)) {
      const v = Number(t.w);
      return v >= 1 && v <= 31 ? { value: v, from: k, to: k } : undefined;
    }
    return undefined;
  }
  if (t.kind === K_ORDINAL) {
    const v = ORDINAL_WORDS.get(t.w) ?? Number.parseInt(t.w, 10);
    return v >= 1 && v <= 31 ? { value: v, from: k, to: k } : undefined;
  }
  if (t.kind === K_NUMWORD) {
    const tens = TENS_WORDS.get(t.w);
    if (tens !== undefined) {
      if (tens > 30) return undefined;
      const n = tokens[k + 1];
      const unit = n ? (ORDINAL_WORDS.get(n.w) ?? UNIT_WORDS.get(n.w)) : undefined;
      if (n && unit !== undefined && unit >= 1 && unit <= 9 && n.w !== 'oh' && n.w !== 'o' && !taken[k + 1]) {
        const v = tens + unit;
        return v <= 31 ? { value: v, from: k, to: k + 1 } : undefined;
      }
      return { value: tens, from: k, to: k };
    }
    const v = TEEN_WORDS.get(t.w) ?? UNIT_WORDS.get(t.w);
    if (v !== undefined && v >= 1 && t.w !== 'oh' && t.w !== 'o') return { value: v, from: k, to: k };
  }
  return undefined;
}

/** A day of month ending at k (for "the third of april"). */
function dayEndingAt(tokens: Token[], k: number, taken: Uint8Array): Part | undefined {
  const t = tokens[k];
  if (!t || taken[k]) return undefined;
  const prev = tokens[k - 1];
  if (prev && !taken[k - 1] && TENS_WORDS.has(prev.w)) {
    const two = dayAt(tokens, k - 1, taken);
    if (two && two.to === k) return two;
  }
  const one = dayAt(tokens, k, taken);
  return one && one.to === k ? one : undefined;
}

/** A year starting at k: "1969", "'69" (as "69"), "nineteen sixty nine", "twenty twenty nine", "two thousand and three". */
function yearAt(tokens: Token[], k: number, taken: Uint8Array): Part | undefined {
  const t = tokens[k];
  if (!t || taken[k]) return undefined;
  if (t.kind === K_DIGITS) {
    if (/^\d{4}$/.test(t.w)) {
      const v = Number(t.w);
      return v >= 1900 && v <= 2099 ? { value: v, from: k, to: k } : undefined;
    }
    if (/^\d{2}$/.test(t.w)) return { value: Number(t.w), from: k, to: k };
    return undefined;
  }
  if (t.kind !== K_NUMWORD) return undefined;
  const lead = t.w === 'nineteen' ? 19 : t.w === 'twenty' ? 20 : t.w === 'eighteen' ? 18 : undefined;
  if (lead !== undefined) {
    const n = tokens[k + 1];
    if (!n || taken[k + 1]) return undefined;
    if (n.w === 'hundred') return { value: lead * 100, from: k, to: k + 1 };
    if (n.w === 'oh' || n.w === 'o' || n.w === 'zero') {
      const u = UNIT_WORDS.get(tokens[k + 2]?.w ?? '');
      if (u !== undefined && !taken[k + 2]) return { value: lead * 100 + u, from: k, to: k + 2 };
      return undefined;
    }
    const teen = TEEN_WORDS.get(n.w);
    if (teen !== undefined) return { value: lead * 100 + teen, from: k, to: k + 1 };
    const tens = TENS_WORDS.get(n.w);
    if (tens !== undefined) {
      const u = UNIT_WORDS.get(tokens[k + 2]?.w ?? '');
      if (u !== undefined && u > 0 && !taken[k + 2] && tokens[k + 2]!.w !== 'oh' && tokens[k + 2]!.w !== 'o') return { value: lead * 100 + tens + u, from: k, to: k + 2 };
      return { value: lead * 100 + tens, from: k, to: k + 1 };
    }
    return undefined;
  }
  if (t.w === 'two' && tokens[k + 1]?.w === 'thousand' && !taken[k + 1]) {
    let to = k + 1;
    let v = 2000;
    let m = k + 2;
    if (tokens[m]?.w === 'and') m++;
    const teen = TEEN_WORDS.get(tokens[m]?.w ?? '');
    const tens = TENS_WORDS.get(tokens[m]?.w ?? '');
    const unit = UNIT_WORDS.get(tokens[m]?.w ?? '');
    if (teen !== undefined) { v += teen; to = m; }
    else if (tens !== undefined) {
      v += tens; to = m;
      const u = UNIT_WORDS.get(tokens[m + 1]?.w ?? '');
      if (u !== undefined && u > 0) { v += u; to = m + 1; }
    } else if (unit !== undefined && unit > 0) { v += unit; to = m; }
    return { value: v, from: k, to };
  }
  return undefined;
}

function typeFor(cue: CueType | undefined, ctx: DetectionContext | undefined, complete: boolean, year: number | undefined): PiiType | undefined {
  if (cue === 'DATE_OF_BIRTH' || cue === 'CREDIT_DEBIT_EXPIRY') return cue;
  if (cue === undefined && (ctx?.expect === 'DATE_OF_BIRTH' || ctx?.expect === 'CREDIT_DEBIT_EXPIRY')) return ctx.expect;
  if (complete && year !== undefined && year >= 1900 && year <= 2012) return 'DATE_OF_BIRTH';
  return undefined;
}

/** A 4-digit year (written or spoken) ending one or two tokens before `from` ("1964 on the 27th ..."). */
function yearBefore(tokens: Token[], from: number, taken: Uint8Array): Part | undefined {
  let end = from - 1;
  if (tokens[end]?.w === 'on' || tokens[end]?.w === 'of') end--;
  if (end < 0 || taken[end]) return undefined;
  for (let start = end; start >= 0 && start >= end - 3; start--) {
    const y = yearAt(tokens, start, taken);
    if (y && y.to === end && y.value >= 1900) return y;
  }
  return undefined;
}

/** Words before a month that make "june 2027" a moment in time ("since june 2025"), not a card's date. */
const TIME_PREPOSITIONS: ReadonlySet<string> = new Set(['in', 'since', 'from', 'during', 'last', 'next', 'this', 'by', 'early', 'late', 'mid', 'around', 'before', 'after']);

/**
 * A month with a year and no day is how a card's expiry is read ("june 2029", "july of 33",
 * "december thirty three", "sept 34"); so is a month with a number that could be a day when the
 * sentence speaks of an expiry ("the date on the card is july twenty six"). A birth cue or a
 * preposition of time ("since june 2025") keeps it out.
 */
function expiryByShape(scan: Scan, cues: readonly (CueType | undefined)[], from: number, to: number, day: Part | undefined, year: Part | undefined): boolean {
  const prev = scan.tokens[from - 1]?.w ?? '';
  const evidence = (): boolean => (conceptEvidence(scan, cues, from, to, 4, (t) => t === 'CREDIT_DEBIT_EXPIRY')?.score ?? 0) >= 2;
  if (year && !day) {
    if (!expiryYear(year.value)) return false;
    return !TIME_PREPOSITIONS.has(prev) || evidence();
  }
  if (day && !year && day.value >= 20 && expiryYear(day.value)) return evidence();
  return false;
}

/** "of twenty nine", "of thirty three": a two-digit year said as words after "of". */
function spokenTwoDigitYear(tokens: Token[], k: number, taken: Uint8Array): Part | undefined {
  const t = tokens[k];
  if (!t || taken[k] || t.kind !== K_NUMWORD) return undefined;
  const tens = TENS_WORDS.get(t.w);
  if (tens !== undefined && tens >= 20) {
    const u = UNIT_WORDS.get(tokens[k + 1]?.w ?? '');
    if (u !== undefined && u > 0 && !taken[k + 1] && tokens[k + 1]!.w !== 'oh' && tokens[k + 1]!.w !== 'o') return { value: tens + u, from: k, to: k + 1 };
    return { value: tens, from: k, to: k };
  }
  return undefined;
}

export function detectDates(scan: Scan, cues: readonly (CueType | undefined)[], ctx: DetectionContext | undefined): void {
  const tokens = scan.tokens;
  const taken = scan.taken;
  for (let m = 0; m < tokens.length; m++) {
    if (taken[m]) continue;
    const month = MONTHS.get(tokens[m]!.w);
    if (month === undefined) continue;
    let from = m;
    let to = m;
    let day: Part | undefined;
    let year: Part | undefined;
    // day before the month: "3 april", "the third of april"
    let k = m - 1;
    if (tokens[k]?.w === 'of') k--;
    const before = dayEndingAt(tokens, k, taken);
    if (before) {
      day = before;
      from = before.from;
      if (tokens[from - 1]?.w === 'the' && !taken[from - 1]) from--;
    }
    let n = m + 1;
    if (!day) {
      if (tokens[n]?.w === 'the') n++;
      const after = dayAt(tokens, n, taken);
      // "june twenty twenty nine" is a month and a year, not the 20th
      const asYear = yearAt(tokens, n, taken);
      if (after && !(asYear && asYear.to > after.to)) {
        day = after;
        to = after.to;
        n = after.to + 1;
      }
    }
    const ofYear = tokens[n]?.w === 'of';
    if (ofYear || tokens[n]?.w === 'in') n++;
    const y = yearAt(tokens, n, taken) ?? (!day ? spokenTwoDigitYear(tokens, n, taken) : undefined);
    if (y && (y.value >= 1900 || day === undefined || tokens[n]!.kind === K_DIGITS)) {
      year = y;
      to = y.to;
    }
    // "born in 1964 on the 27th of november", "in nineteen fifty eight on the third of march":
    // the year said first belongs to the date
    if (day && !year) {
      const early = yearBefore(tokens, from, taken);
      if (early) { year = early; from = early.from; if (tokens[from - 1]?.w === 'in' && !taken[from - 1]) from--; }
    }
    if (!day && !year) continue;
    const cue = cueBefore(scan, cues, from)?.type;
    const yearValue = year ? (year.value < 100 ? 1900 + year.value : year.value) : undefined;
    let type = typeFor(cue, ctx, day !== undefined && year !== undefined, yearValue);
    if (type === undefined && cue !== 'DATE_OF_BIRTH' && expiryByShape(scan, cues, from, to, day, year)) type = 'CREDIT_DEBIT_EXPIRY';
    if (type === undefined) continue;
    const norm = `${yearValue ?? ''}-${String(month).padStart(2, '0')}-${day ? String(day.value).padStart(2, '0') : ''}`;
    claimTokens(scan, type, from, to, norm);
    m = to;
  }
}
