/**
 * Shapes of numeric values, read from their digits and grouping alone: phone layouts (international, national
 * trunk, NANP), card groupings and Luhn, SSN and sort-code layouts, numeric dates (birth or appointment), expiry
 * shapes. No context: `numbers.ts` decides when a shape is enough.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { PiiType } from '../types.js';
import type { Scan } from '../tokens.js';
import type { NumberRun } from '../number-runs.js';
import { luhnValid, ssnPlausible } from '../checksums.js';
import { expiryYear, monthValid, THIS_YEAR } from '../card-dates.js';

/** The last year a numeric date is read as a birth date; later dates are appointments, deliveries, ... */
export const LAST_BIRTH_YEAR = 2012;

/**
 * Laid out like a phone number, in any of the forms a caller or an engine gives it:
 * - international with `+`, `00` or `011`, or bare with a country code other than NANP's 1
 *   ("447700900123"): valid, or of a possible length for that country code (libphonenumber; Ofcom's
 *   drama ranges such as 07700 900xxx are not "valid" yet are what people say);
 * - national with the trunk 0 ("07700 900123", "0207 946 0958", "06 12 34 56 78", "0160 9869 7433"): 9 to 12 digits;
 * - NANP ("212 555 0143", "1 212 555 0143"): valid for libphonenumber.
 * Redaction does not depend on this (any 7+ digit run is redacted); the type does.
 */
export function phoneShapedUncached(digits: string, plus: boolean): boolean {
  const n = digits.length;
  const intl = plus ? digits : digits.startsWith('00') ? digits.slice(2) : digits.startsWith('011') && n >= 11 ? digits.slice(3) : undefined;
  if (intl !== undefined) return internationalPhone(intl, false);
  if (digits[0] === '0') return n >= 9 && n <= 12;
  const nanp = n === 10 ? digits : n === 11 && digits[0] === '1' ? digits : undefined;
  if (nanp !== undefined) {
    const p = parsePhoneNumberFromString(nanp, 'US');
    if (p !== undefined && p.isValid()) return true;
  }
  return n >= 11 && n <= 15 && digits[0] !== '1' && internationalPhone(digits, true);
}

/** `phoneShapedUncached`, remembered: libphonenumber's parse is the costliest step of detection. */
const phoneMemo = new Map<string, boolean>();

export function phoneShaped(digits: string, plus: boolean): boolean {
  const key = plus ? '+' + digits : digits;
  let v = phoneMemo.get(key);
  if (v === undefined) {
    v = phoneShapedUncached(digits, plus);
    if (phoneMemo.size >= 20_000) phoneMemo.clear();
    phoneMemo.set(key, v);
  }
  return v;
}

/** `+` + digits is a valid number, or a possible one with a national number of 7+ digits. */
export function internationalPhone(digits: string, bare: boolean): boolean {
  const p = parsePhoneNumberFromString('+' + digits);
  if (p === undefined) return false;
  if (bare && p.countryCallingCode === '1') return false;
  return p.isValid() || (p.isPossible() && String(p.nationalNumber).length >= 7);
}

export function sameGroups(groups: number[], pattern: number[]): boolean {
  if (groups.length !== pattern.length) return false;
  for (let i = 0; i < groups.length; i++) if (groups[i] !== pattern[i]) return false;
  return true;
}

/**
 * A calendar date in 8 digits: day, month (either order) and a 4-digit year, or year first. Returns
 * the year, or undefined when the digits are no date. `groups` (written runs) must agree.
 */
export function dateYear(digits: string, groups: number[]): number | undefined {
  if (digits.length !== 8) return undefined;
  const g = groups.length === 3 ? groups : undefined;
  const yearLast = !g || (g[2] === 4 && g[0]! <= 2 && g[1]! <= 2);
  const yearFirst = !g || (g[0] === 4 && g[1]! <= 2 && g[2]! <= 2);
  const dayMonth = (a: number, b: number): boolean => (monthValid(a) && b >= 1 && b <= 31) || (monthValid(b) && a >= 1 && a <= 31);
  if (yearLast) {
    const y = Number(digits.slice(4));
    if (y >= 1900 && y <= 2099 && dayMonth(Number(digits.slice(0, 2)), Number(digits.slice(2, 4)))) return y;
  }
  if (yearFirst) {
    const y = Number(digits.slice(0, 4));
    if (y >= 1900 && y <= 2099 && monthValid(Number(digits.slice(4, 6))) && Number(digits.slice(6)) >= 1 && Number(digits.slice(6)) <= 31) return y;
  }
  return undefined;
}

/**
 * The year of a day-month-year (either order) date with a two-digit year, read the way people mean
 * it: a year up to next year's two digits is this century ("27" → 2027), later ones the last
 * ("38" → 1938). Undefined when the digits are no date.
 */
export function shortDateYear(digits: string, groups: number[]): number | undefined {
  if (groups.length !== 3) return undefined;
  const a = Number(digits.slice(0, groups[0]));
  const b = Number(digits.slice(groups[0], groups[0]! + groups[1]!));
  const yy = Number(digits.slice(-2));
  if (!((monthValid(a) && b >= 1 && b <= 31) || (monthValid(b) && a >= 1 && a <= 31))) return undefined;
  const pivot = (THIS_YEAR + 1) % 100;
  return yy <= pivot ? 2000 + yy : 1900 + yy;
}

export function futureShortDate(digits: string): boolean {
  const yy = Number(digits.slice(-2));
  return 2000 + yy >= THIS_YEAR && yy <= (THIS_YEAR + 1) % 100;
}

/** Written as a date: "11/09/1959", "11-09-1959", "11 09 1959", "1959-09-11" (groups that a date has). */
export function writtenAsDate(run: NumberRun): boolean {
  const g = run.groups;
  return !run.spoken && g.length === 3 && ((g[2] === 4 && g[0]! <= 2 && g[1]! <= 2) || (g[0] === 4 && g[1]! <= 2 && g[2]! <= 2));
}

/** Type from shape alone, for a run nothing announced. */
export function shapeType(run: NumberRun, digits: string): PiiType | undefined {
  const n = digits.length;
  if (!run.spoken && !run.mixed) {
    if (run.slash || writtenAsDate(run)) {
      const y = dateYear(digits, run.groups);
      if (y !== undefined && y <= LAST_BIRTH_YEAR) return 'DATE_OF_BIRTH';
      if (run.slash) return undefined;
    }
    if (sameGroups(run.groups, [3, 2, 4]) && ssnPlausible(digits)) return 'SSN';
    // a UK sort code ("20-00-00", "01 61 09"); read as a date it would be a past one, so it is
    // sensitive either way
    if (sameGroups(run.groups, [2, 2, 2])) return shortDateYear(digits, run.groups) !== undefined && !futureShortDate(digits) ? 'DATE_OF_BIRTH' : 'BANK_ROUTING';
    // a full date with a two-digit year ("10/3/38", "4-8-97"): a birth date unless it is to come
    if ((run.slash || run.groups.length === 3) && run.groups.length === 3 && run.groups[2] === 2 && run.groups[0]! <= 2 && run.groups[1]! <= 2) {
      const y = shortDateYear(digits, run.groups);
      if (y !== undefined && y <= LAST_BIRTH_YEAR) return 'DATE_OF_BIRTH';
    }
    if (sameGroups(run.groups, [4, 4, 4, 4]) || sameGroups(run.groups, [4, 6, 5]) || sameGroups(run.groups, [4, 6, 4])) return 'CREDIT_DEBIT_NUMBER';
  }
  if (n >= 13 && n <= 19 && luhnValid(digits) && !run.plus && !digits.startsWith('00')) return 'CREDIT_DEBIT_NUMBER';
  if (n >= 7 && n <= 15) {
    if (!run.spoken && !run.mixed && (sameGroups(run.groups, [3, 3, 4]) || sameGroups(run.groups, [1, 3, 3, 4]) || sameGroups(run.groups, [3, 4]))) return 'PHONE';
    if (n >= 9 && phoneShaped(digits, run.plus)) return 'PHONE';
  }
  if (n === 8 && (run.spoken || run.mixed || writtenAsDate(run))) {
    const y = dateYear(digits, run.spoken || run.mixed ? [] : run.groups);
    if (y !== undefined && y <= LAST_BIRTH_YEAR && y >= 1900) return 'DATE_OF_BIRTH';
  }
  return undefined;
}

/** A calendar date after the last birth year: an appointment or a delivery, not personal data. */
export function harmlessDate(run: NumberRun, digits: string): boolean {
  if (digits.length !== 8) return false;
  if (!run.spoken && !run.mixed && !run.slash && !writtenAsDate(run) && run.groups.length !== 1) return false;
  const y = dateYear(digits, run.spoken || run.mixed || run.groups.length === 1 ? [] : run.groups);
  return y !== undefined && y > LAST_BIRTH_YEAR;
}

/** Written like an expiry date: "08/29", "11-26", "8/2029" — a month and a card's year, nothing else. */
export function expiryShaped(scan: Scan, run: NumberRun): boolean {
  if (run.from !== run.to) return false;
  const w = scan.tokens[run.from]!.w;
  const m = /^(\d{1,2})[/-](\d{2}|\d{4})$/.exec(w);
  return m !== null && monthValid(Number(m[1])) && expiryYear(m[2]!);
}

/**
 * A month with its leading zero and a card's year: "oh two twenty five", "zero four two eight",
 * "02 25", "0225". Clock times are not said with a leading zero, so this reads as an expiry.
 */
export function monthYearSpoken(scan: Scan, run: NumberRun): boolean {
  const d = run.digits;
  if (d.length !== 4 || d[0] !== '0' || !monthValid(Number(d.slice(0, 2))) || !expiryYear(d.slice(2))) return false;
  const first = scan.tokens[run.from]!.w;
  return first === 'oh' || first === 'o' || first === 'zero' || first === 'nought' || first.startsWith('0');
}

/** Four digits that read as a month and a card's year ("1028"). */
export function mmyy(d: string): boolean {
  return d.length === 4 && monthValid(Number(d.slice(0, 2))) && expiryYear(d.slice(2));
}

/**
 * The shape of one side of a split. A 13–19 digit slice is Luhn-valid one time in ten by chance, so
 * a card found by the checksum alone must have a card's usual length (15 or 16) and leave at least
 * three digits on the other side — otherwise any long run would split into "a card" and a scrap.
 */
export function splitShape(side: NumberRun, other: NumberRun): PiiType | undefined {
  const shape = shapeType(side, side.digits);
  if (shape !== 'CREDIT_DEBIT_NUMBER') return shape;
  const grouped = !side.spoken && !side.mixed && (sameGroups(side.groups, [4, 4, 4, 4]) || sameGroups(side.groups, [4, 6, 5]) || sameGroups(side.groups, [4, 6, 4]));
  if (grouped) return shape;
  const n = side.digits.length;
  return (n === 15 || n === 16) && other.digits.length >= 3 ? shape : undefined;
}

/** Longest prefix of the run (on a token boundary) that is a Luhn-valid card number. */
export function cardPrefix(run: NumberRun): number | undefined {
  for (let k = run.cum.length - 1; k >= 0; k--) {
    const len = run.cum[k]!;
    if (len >= 13 && len <= 19 && luhnValid(run.digits.slice(0, len))) return run.from + k;
  }
  return undefined;
}
