/**
 * Numeric PII: card numbers, CVV, expiry, PIN, SSN, bank account and routing numbers, phone
 * numbers, numeric dates of birth, ZIP codes, numeric health identifiers — and, failing closed,
 * any other long digit run.
 *
 * The unit is a dictated value: a composite run (`readCompositeRun`) of written and spoken pieces,
 * hesitations and corrections included. It is typed by, in order:
 *   1. the call's own From/To numbers, in any form (always PHONE);
 *   2. a cue that announces a type and fits the length ("my pin is", "... is my cell");
 *   3. structure that no context can explain away: a Luhn-valid 13–19 digit run is a card number
 *      whatever words surround it ("order number 4111 ...");
 *   4. digits continuing a run the caller gave over earlier turns (every one of them is sensitive);
 *   5. a harmless quantity: an amount with a currency, a measured quantity with its unit, a count
 *      ("1,250,000") — these are left alone;
 *   6. a non-PII cue ("flight", "order number", "option") for a value shorter than 7 digits;
 *   7. what the agent just asked for (the call's expectation);
 *   8. shape alone: valid phone numbers national or international with or without `+`/`00`,
 *      SSN layout, numeric dates of birth; a calendar date after 2012 is an appointment (harmless);
 *   9. two values said back to back, split on a token boundary;
 *  10. fail closed: 7 or more digits that nothing above explained are redacted as `NUMBER` (or as
 *      the announced type when a cue named one that does not fit the length); 3 or more after a cue
 *      that named a sensitive type (the start of a value dictated over several turns);
 *  11. a short piece glued to a value just claimed ("... 1111 123" after a card) is redacted too.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CallNumbers, DetectionContext, PiiType } from '../types.js';
import type { Scan } from '../tokens.js';
import { claimTokens, isMagnitude, K_ALNUM, K_DIGITS, K_LETTER, K_NUMWORD, K_OTHER } from '../tokens.js';
import { cueAfter, cueBefore, tailCueBefore, type CueType } from '../cues.js';
import { groupLengths, readCompositeRun, type NumberRun } from '../number-runs.js';
import { abaValid, luhnValid, ssnPlausible } from '../checksums.js';
import { MEASURE_NOUNS, QUANTITY_NOUNS, REPEAT_WORDS, UNIT_WORDS } from '../lexicon.js';
import { conceptEvidence } from '../concepts.js';
import { expiryYear, monthValid, THIS_YEAR } from '../card-dates.js';

/** Digits at or above which an unexplained run is redacted whatever it is. */
export const FAIL_CLOSED_DIGITS = 7;
/** The last year a numeric date is read as a birth date; later dates are appointments, deliveries, ... */
const LAST_BIRTH_YEAR = 2012;

/**
 * Laid out like a phone number, in any of the forms a caller or an engine gives it:
 * - international with `+`, `00` or `011`, or bare with a country code other than NANP's 1
 *   ("447700900123"): valid, or of a possible length for that country code (libphonenumber; Ofcom's
 *   drama ranges such as 07700 900xxx are not "valid" yet are what people say);
 * - national with the trunk 0 ("07700 900123", "0207 946 0958", "06 12 34 56 78", "0160 9869 7433"): 9 to 12 digits;
 * - NANP ("212 555 0143", "1 212 555 0143"): valid for libphonenumber.
 * Redaction does not depend on this (any 7+ digit run is redacted); the type does.
 */
function phoneShapedUncached(digits: string, plus: boolean): boolean {
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
function phoneShaped(digits: string, plus: boolean): boolean {
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
function internationalPhone(digits: string, bare: boolean): boolean {
  const p = parsePhoneNumberFromString('+' + digits);
  if (p === undefined) return false;
  if (bare && p.countryCallingCode === '1') return false;
  return p.isValid() || (p.isPossible() && String(p.nationalNumber).length >= 7);
}

function sameGroups(groups: number[], pattern: number[]): boolean {
  if (groups.length !== pattern.length) return false;
  for (let i = 0; i < groups.length; i++) if (groups[i] !== pattern[i]) return false;
  return true;
}

function fits(type: PiiType, digits: string, tail: boolean): boolean {
  const n = digits.length;
  if (tail && n === 4 && (type === 'CREDIT_DEBIT_NUMBER' || type === 'BANK_ACCOUNT_NUMBER' || type === 'SSN' || type === 'PHONE')) return true;
  switch (type) {
    case 'CREDIT_DEBIT_NUMBER': return n >= 12 && n <= 19;
    case 'CREDIT_DEBIT_CVV': return n === 3 || n === 4;
    case 'CREDIT_DEBIT_EXPIRY':
      if (n === 3) return digits[0] !== '0';
      if (n === 4 || n === 6) return monthValid(Number(digits.slice(0, 2)));
      return n === 5;
    case 'PIN': return n >= 4 && n <= 12;
    case 'SSN': return n === 9;
    case 'BANK_ACCOUNT_NUMBER': return n >= 6 && n <= 20;
    case 'BANK_ROUTING': return n === 9 ? true : n >= 6 && n <= 8;
    case 'PHONE': return n >= 7 && n <= 15;
    case 'DATE_OF_BIRTH': return n >= 6 && n <= 8;
    case 'ADDRESS': return n === 5 || n === 9;
    case 'MEDICAL_RECORD_NUMBER': case 'HEALTH_PLAN_ID': case 'PASSPORT_NUMBER': case 'DRIVER_ID': return n >= 4 && n <= 20;
    case 'NUMBER': return n >= 1;
    default: return false;
  }
}

/**
 * A calendar date in 8 digits: day, month (either order) and a 4-digit year, or year first. Returns
 * the year, or undefined when the digits are no date. `groups` (written runs) must agree.
 */
function dateYear(digits: string, groups: number[]): number | undefined {
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
function shortDateYear(digits: string, groups: number[]): number | undefined {
  if (groups.length !== 3) return undefined;
  const a = Number(digits.slice(0, groups[0]));
  const b = Number(digits.slice(groups[0], groups[0]! + groups[1]!));
  const yy = Number(digits.slice(-2));
  if (!((monthValid(a) && b >= 1 && b <= 31) || (monthValid(b) && a >= 1 && a <= 31))) return undefined;
  const pivot = (THIS_YEAR + 1) % 100;
  return yy <= pivot ? 2000 + yy : 1900 + yy;
}

function futureShortDate(digits: string): boolean {
  const yy = Number(digits.slice(-2));
  return 2000 + yy >= THIS_YEAR && yy <= (THIS_YEAR + 1) % 100;
}

/** Written as a date: "11/09/1959", "11-09-1959", "11 09 1959", "1959-09-11" (groups that a date has). */
function writtenAsDate(run: NumberRun): boolean {
  const g = run.groups;
  return !run.spoken && g.length === 3 && ((g[2] === 4 && g[0]! <= 2 && g[1]! <= 2) || (g[0] === 4 && g[1]! <= 2 && g[2]! <= 2));
}

/** Type from shape alone, for a run nothing announced. */
function shapeType(run: NumberRun, digits: string): PiiType | undefined {
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
function harmlessDate(run: NumberRun, digits: string): boolean {
  if (digits.length !== 8) return false;
  if (!run.spoken && !run.mixed && !run.slash && !writtenAsDate(run) && run.groups.length !== 1) return false;
  const y = dateYear(digits, run.spoken || run.mixed || run.groups.length === 1 ? [] : run.groups);
  return y !== undefined && y > LAST_BIRTH_YEAR;
}

const YEAR_PREPOSITIONS: ReadonlySet<string> = new Set(['in', 'since', 'from', 'by', 'of', 'until', 'till', 'before', 'after', 'during', 'year']);

/** "in 2019", "since nineteen ninety nine": a year, not part of a value. */
function yearAfterPreposition(scan: Scan, run: NumberRun): boolean {
  const y = Number(run.digits);
  if (run.digits.length !== 4 || y < 1900 || y > 2099) return false;
  return YEAR_PREPOSITIONS.has(scan.tokens[run.from - 1]?.w ?? '');
}

/** A noun right after the run says what it counts: any quantity noun for short runs, money or a unit of measure for long ones. */
function isQuantityAfter(scan: Scan, run: NumberRun): boolean {
  const next = scan.tokens[run.to + 1];
  if (next === undefined) return false;
  return run.digits.length >= FAIL_CLOSED_DIGITS ? MEASURE_NOUNS.has(next.w) : QUANTITY_NOUNS.has(next.w);
}

const TIME_BEFORE: ReadonlySet<string> = new Set(['at', 'around', 'after', 'before', 'by', 'until', 'till', 'from', 'past', 'to', 'about', 'between', 'since']);
const TIME_AFTER: ReadonlySet<string> = new Set(['am', 'pm', "o'clock", 'oclock', 'tonight', 'tomorrow', 'today', 'hours', 'hrs']);

/** A clock reading: "at 3 30", "after three forty five", "9 30 pm", "from 1400". */
function timeLike(scan: Scan, run: NumberRun): boolean {
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
function standsAlone(scan: Scan, cues: readonly (CueType | undefined)[], run: NumberRun): boolean {
  if (yearAfterPreposition(scan, run) || timeLike(scan, run)) return true;
  return run.digits.length < FAIL_CLOSED_DIGITS && cues[run.from - 1] === 'NEGATIVE';
}

/** Read one digit at a time ("four two oh", "7 3 7", "double five eight"): how identifiers are read, not quantities. */
function dictatedDigitByDigit(scan: Scan, run: NumberRun): boolean {
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

/** Written like an expiry date: "08/29", "11-26", "8/2029" — a month and a card's year, nothing else. */
function expiryShaped(scan: Scan, run: NumberRun): boolean {
  if (run.from !== run.to) return false;
  const w = scan.tokens[run.from]!.w;
  const m = /^(\d{1,2})[/-](\d{2}|\d{4})$/.exec(w);
  return m !== null && monthValid(Number(m[1])) && expiryYear(m[2]!);
}

/**
 * A month with its leading zero and a card's year: "oh two twenty five", "zero four two eight",
 * "02 25", "0225". Clock times are not said with a leading zero, so this reads as an expiry.
 */
function monthYearSpoken(scan: Scan, run: NumberRun): boolean {
  const d = run.digits;
  if (d.length !== 4 || d[0] !== '0' || !monthValid(Number(d.slice(0, 2))) || !expiryYear(d.slice(2))) return false;
  const first = scan.tokens[run.from]!.w;
  return first === 'oh' || first === 'o' || first === 'zero' || first === 'nought' || first.startsWith('0');
}

/** Words that correct what was just said ("4648 no sorry it's 1478", "4229 or maybe 7198"). */
const CORRECTION_MARKERS: ReadonlySet<string> = new Set(['no', 'sorry', 'wait', 'actually', 'mean', 'maybe', 'or', 'scratch', 'hang', 'hold', 'rather', 'correction', 'oops', 'instead']);
/** Words that may sit around a correction marker. */
const CORRECTION_FILLERS: ReadonlySet<string> = new Set([
  'i', 'is', 'it', "it's", 'its', "that's", 'thats', 'that', 'the', 'old', 'one', 'on', 'hmm', 'uh', 'um', 'er', 'erm', 'let', 'me', 'again',
  'say', 'start', 'over', 'no', 'sorry', 'wait', 'actually', 'mean', 'maybe', 'or', 'scratch', 'hang', 'hold', 'rather', 'oops', 'instead', 'a', 'second', 'minute',
]);
const MAX_CORRECTION_WORDS = 6;

/**
 * A short value the caller corrects or that corrects another ("4648 no sorry it's 1478"): a person
 * reading a number out and fixing it. Returns the other value's type (or NUMBER) when a correction
 * marker joins this run to another number of about the same length; an amount on the other side
 * ("250 or maybe 300 dollars") is not a correction of an identifier.
 */
function correctionNeighbour(scan: Scan, run: NumberRun): PiiType | undefined {
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

/**
 * The best guess for a long value nothing else typed, from its digits alone: nine digits are a US
 * routing number when the ABA checksum holds, else an SSN when its structure allows one.
 */
function lengthPrior(d: string): PiiType | undefined {
  if (d.length === 9) return abaValid(d) ? 'BANK_ROUTING' : ssnPlausible(d) ? 'SSN' : undefined;
  return undefined;
}

/** Four digits that read as a month and a card's year ("1028"). */
function mmyy(d: string): boolean {
  return d.length === 4 && monthValid(Number(d.slice(0, 2))) && expiryYear(d.slice(2));
}

function acceptExpiry(t: PiiType): boolean {
  return t === 'CREDIT_DEBIT_EXPIRY';
}

/** How strongly the sentence speaks of a card's expiry ("the date on the front is ten twenty nine"). */
function expiryEvidence(scan: Scan, cues: readonly (CueType | undefined)[], run: NumberRun): number {
  return conceptEvidence(scan, cues, run.from, run.to, run.digits.length, acceptExpiry)?.score ?? 0;
}

/** The likeliest type of a short value read digit by digit with nothing else to go on. */
function shortPrior(d: string): PiiType {
  if (d.length === 3) return 'CREDIT_DEBIT_CVV';
  if (d.length === 4) return monthValid(Number(d.slice(0, 2))) && expiryYear(d.slice(2)) ? 'CREDIT_DEBIT_EXPIRY' : 'PIN';
  return 'NUMBER';
}

/** "plus four four ...": the spoken plus sign belongs to the number. */
function absorbSpokenPlus(scan: Scan, run: NumberRun): void {
  const k = run.from - 1;
  if (k >= 0 && !scan.taken[k] && scan.tokens[k]!.w === 'plus' && run.spoken) {
    run.from = k;
    run.cum.unshift(0);
    run.plus = true;
  }
}

function isCurrencyBefore(scan: Scan, from: number): boolean {
  const t = scan.tokens[from]!;
  const c = scan.text.charCodeAt(t.s - 1);
  if (c === 36 || c === 0xa3 || c === 0x20ac || c === 0xa5) return true; // $ £ € ¥
  const prev = scan.tokens[from - 1]?.w;
  return prev === 'usd' || prev === 'eur' || prev === 'gbp' || prev === 'cad' || prev === 'aud';
}

/** "1,250,000" alone: a magnitude written with thousands separators — a count or an amount. */
function isMagnitudeRun(scan: Scan, run: NumberRun): boolean {
  return run.from === run.to && scan.tokens[run.from]!.kind === K_DIGITS && isMagnitude(scan.tokens[run.from]!.w);
}

/** Digits before token k of the run (cum is "after each token"). */
function digitsBefore(run: NumberRun, k: number): number {
  return k === run.from ? 0 : run.cum[k - run.from - 1]!;
}

function carriesDigits(run: NumberRun, k: number): boolean {
  return run.cum[k - run.from]! > digitsBefore(run, k);
}

/** The run restricted to tokens [from, to]. */
function subRun(scan: Scan, run: NumberRun, from: number, to: number): NumberRun {
  const base = digitsBefore(run, from);
  const end = run.cum[to - run.from]!;
  const cum = run.cum.slice(from - run.from, to - run.from + 1);
  for (let i = 0; i < cum.length; i++) cum[i]! -= base;
  let spoken = false;
  let written = false;
  let slash = false;
  const groups: number[] = [];
  for (let k = from; k <= to; k++) {
    const t = scan.tokens[k]!;
    if (t.kind === K_NUMWORD) spoken = true;
    else if (t.kind === K_DIGITS) {
      written = true;
      groupLengths(t.w, groups);
      if (t.w.indexOf('/') >= 0) slash = true;
    }
  }
  return {
    from, to, digits: run.digits.slice(base, end), spoken, cum, groups, slash,
    plus: from === run.from && run.plus, mixed: spoken && written, letters: run.letters, joined: run.joined,
  };
}

/**
 * [first, last] number tokens of the run (letters and joiners at the edges left out). A number word
 * that ends a multi-word number ("twenty eight") adds no digits of its own but belongs to it.
 */
function digitEdges(scan: Scan, run: NumberRun): [number, number] | undefined {
  const numeric = (k: number): boolean => {
    const kind = scan.tokens[k]!.kind;
    return kind === K_DIGITS || kind === K_NUMWORD || carriesDigits(run, k);
  };
  let a = run.from;
  while (a <= run.to && !numeric(a)) a++;
  if (a > run.to) return undefined;
  let b = run.to;
  while (b > a && !numeric(b)) b--;
  return [a, b];
}

/** Identifiers that mix letters and digits: their letters are part of the value. */
const LETTER_TYPES: ReadonlySet<PiiType> = new Set<PiiType>(['NUMBER', 'PASSPORT_NUMBER', 'DRIVER_ID', 'HEALTH_PLAN_ID', 'MEDICAL_RECORD_NUMBER', 'IBAN']);

function claimRun(scan: Scan, run: NumberRun, type: PiiType, digits = run.digits): void {
  if (LETTER_TYPES.has(type)) {
    // a spelled value is redacted from its first character: letters at the edges go with it
    claimTokens(scan, type, run.from, run.to, digits);
    return;
  }
  const edges = digitEdges(scan, run);
  if (!edges) return;
  const from = run.plus && run.from < edges[0] ? run.from : edges[0];
  claimTokens(scan, type, from, edges[1], digits);
}

/** The token span of the run that spells one of the call's own numbers, longest first. */
function ownNumberSpan(run: NumberRun, own: CallNumbers): [number, number] | undefined {
  const d = run.digits;
  if (own.forms.includes(d) || own.nsns.some((nsn) => d.length >= 4 && nsn.endsWith(d))) return [run.from, run.to];
  if (d.length < FAIL_CLOSED_DIGITS) return undefined;
  let best: [number, number] | undefined;
  let bestLen = 0;
  for (let a = run.from; a <= run.to; a++) {
    if (!carriesDigits(run, a)) continue;
    const s = digitsBefore(run, a);
    for (let b = run.to; b >= a; b--) {
      const e = run.cum[b - run.from]!;
      const len = e - s;
      if (len < FAIL_CLOSED_DIGITS || len <= bestLen) break;
      if (!carriesDigits(run, b)) continue;
      const slice = d.slice(s, e);
      if (own.forms.includes(slice) || own.nsns.some((nsn) => nsn.endsWith(slice))) {
        best = [a, b];
        bestLen = len;
        break;
      }
    }
  }
  return best;
}

/** What a short piece said right after a value most likely is ("4111 ... 1111 123": the CVV). */
function continuationType(prev: PiiType, digits: string): PiiType {
  const n = digits.length;
  if (prev === 'CREDIT_DEBIT_NUMBER') {
    if (n === 4 && monthValid(Number(digits.slice(0, 2))) && Number(digits.slice(2)) >= 20) return 'CREDIT_DEBIT_EXPIRY';
    if (n === 3 || n === 4) return 'CREDIT_DEBIT_CVV';
  }
  if (prev === 'CREDIT_DEBIT_EXPIRY' && (n === 3 || n === 4)) return 'CREDIT_DEBIT_CVV';
  return 'NUMBER';
}

interface Env {
  ctx: DetectionContext | undefined;
  state: { expectUsed: boolean };
  cue: CueType | undefined;
  tail: boolean;
  /** An amount, a measured quantity or a magnitude: the run says what it counts. */
  quantity: boolean;
  /** The type claimed just before this piece within the same dictated value. */
  prev: PiiType | undefined;
  /** Tokens between the cue and the value (a cue far away only types long values). */
  cueDistance: number;
  cues: readonly (CueType | undefined)[];
}

/** Number words that alone are a number below 100 ("two", "twelve", "forty"). */
const UNIT_OR_TENS: ReadonlySet<string> = new Set(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']);

/** Token k could continue a number (another number, a code, a spelled letter, a filler between pieces). */
function numericNeighbour(tokens: readonly { kind: number; w: string }[], k: number): boolean {
  const t = tokens[k];
  if (!t) return false;
  const kind = t.kind;
  return kind === K_DIGITS || kind === K_NUMWORD || kind === K_ALNUM || kind === K_OTHER || kind === K_LETTER || JOINER_LIKE.has(t.w);
}
const JOINER_LIKE: ReadonlySet<string> = new Set(['um', 'umm', 'uh', 'uhh', 'uhm', 'er', 'erm', 'ah', 'eh', 'hmm', 'hm', 'mm', 'mhm', 'dash', 'hyphen', 'space', 'then',
  'sorry', 'no', 'wait', 'actually', 'oops', 'again', 'i', 'like', 'okay', 'ok', 'right', 'yeah', 'yes', 'and', 'hundred', 'thousand', 'plus']);

/** The text `detectNumbers` is reading, for the composite reader's callback (no closure per call). */
const current: { scan: Scan | undefined; cues: readonly (CueType | undefined)[] } = { scan: undefined, cues: [] };
const COMPOSITE = { standsAlone: (r: NumberRun): boolean => standsAlone(current.scan!, current.cues, r) };

export function detectNumbers(scan: Scan, cues: readonly (CueType | undefined)[], ctx: DetectionContext | undefined): void {
  const tokens = scan.tokens;
  const state = { expectUsed: false };
  current.scan = scan;
  current.cues = cues;
  const anyLength = ctx?.continuesDigitRun === true;
  for (let i = 0; i < tokens.length; i++) {
    if (scan.taken[i]) continue;
    const t = tokens[i]!;
    const kind = t.kind;
    if (kind !== K_DIGITS && kind !== K_NUMWORD && kind !== K_ALNUM && kind !== K_OTHER && kind !== K_LETTER) continue;
    // a lone small number between words ("option 2", "two items", "at 3 pm") is never a value
    if (!anyLength && (kind === K_DIGITS ? t.digits.length <= 2 : kind === K_NUMWORD && UNIT_OR_TENS.has(t.w)) && !numericNeighbour(tokens, i + 1)) continue;
    const run = readCompositeRun(scan, i, COMPOSITE);
    if (!run) continue;
    absorbSpokenPlus(scan, run);
    // Fast path for the numbers of ordinary talk: fewer than 3 digits never make a value (no type
    // is that short), nor does a short amount or count ("250 dollars") — cues need not be looked up.
    const n = run.digits.length;
    if (!anyLength && (n < 3 || (n < FAIL_CLOSED_DIGITS && !ctx?.callNumbers && (isQuantityAfter(scan, run) || isCurrencyBefore(scan, run.from))))) {
      i = run.to;
      continue;
    }
    const before = cueBefore(scan, cues, run.from);
    const after = before ? undefined : cueAfter(scan, cues, run.to);
    const cue = before?.type ?? after?.type;
    classify(scan, run, {
      ctx,
      state,
      cue,
      tail: tailCueBefore(scan, run.from),
      quantity: isQuantityAfter(scan, run) || isCurrencyBefore(scan, run.from) || isMagnitudeRun(scan, run),
      prev: undefined,
      cueDistance: before ? run.from - before.at : after ? after.at - run.to : Infinity,
      cues,
    });
    i = run.to;
  }
}

/** Claims tokens [a, b] of the run as `type`, then classifies what is left on either side. */
function claimPart(scan: Scan, run: NumberRun, a: number, b: number, type: PiiType, env: Env): void {
  const part = subRun(scan, run, a, b);
  claimRun(scan, part, type);
  if (a > run.from) leftover(scan, subRun(scan, run, run.from, a - 1), env, undefined);
  if (b < run.to) classify(scan, subRun(scan, run, b + 1, run.to), { ...env, cue: undefined, tail: false, prev: type });
}

/**
 * What comes before a value claimed out of the middle of a run. A piece announced by a non-PII cue
 * ("flight 370 ...") keeps its own meaning; anything else glued to a sensitive value goes with it.
 */
function leftover(scan: Scan, run: NumberRun, env: Env, prev: PiiType | undefined): void {
  if (run.digits.length === 0) return;
  if (run.digits.length < FAIL_CLOSED_DIGITS && (env.cue === 'NEGATIVE' || env.quantity)) return;
  classify(scan, run, { ...env, prev: prev ?? 'NUMBER' });
}

function classify(scan: Scan, run: NumberRun, env: Env): void {
  const d = run.digits;
  const n = d.length;
  if (n === 0) return;
  const { ctx, cue, tail } = env;
  // 1. the call's own numbers, in any form
  if (ctx?.callNumbers && n >= 4) {
    const own = ownNumberSpan(run, ctx.callNumbers);
    if (own) return claimPart(scan, run, own[0], own[1], 'PHONE', env);
  }
  const positive = cue !== undefined && cue !== 'NEGATIVE' ? cue : undefined;
  // a short value that counts something or that a non-PII word names right after ("the 4 45
  // train", "a 2005 model") is that, whatever cue came before
  if (n < FAIL_CLOSED_DIGITS && !(n >= 13 && luhnValid(d)) && (env.quantity || env.cues[run.to + 1] === 'NEGATIVE')) return;
  // 2. a cue that names a type the value fits
  if (positive && fits(positive, d, tail)) return claimRun(scan, run, positive);
  if (positive === 'CREDIT_DEBIT_NUMBER' && n > 19) {
    const end = cardPrefix(run);
    if (end !== undefined) return claimPart(scan, run, run.from, end, 'CREDIT_DEBIT_NUMBER', env);
  }
  // 3. a card number is a card number whatever surrounds it
  if (n >= 13 && n <= 19 && luhnValid(d) && !run.plus && !d.startsWith('00')) return claimRun(scan, run, 'CREDIT_DEBIT_NUMBER');
  // 4. digits continuing what the caller gave over the previous turns
  if (ctx?.continuesDigitRun) return claimRun(scan, run, ctx.expect && fits(ctx.expect, d, tail) ? ctx.expect : 'NUMBER');
  // 5. an amount, a measured quantity, a magnitude
  if (env.quantity) return;
  // 6. a non-PII cue announces only short values
  if (cue === 'NEGATIVE' && n < FAIL_CLOSED_DIGITS && !tail) {
    if (env.prev) claimRun(scan, run, continuationType(env.prev, d));
    return;
  }
  // 7. what the agent just asked for
  if (!positive && cue !== 'NEGATIVE' && ctx?.expect && !env.state.expectUsed && fits(ctx.expect, d, tail)) {
    env.state.expectUsed = true;
    return claimRun(scan, run, ctx.expect);
  }
  // 8. shape alone
  const shape = shapeType(run, d);
  if (shape !== undefined) return claimRun(scan, run, shape);
  if (!positive && harmlessDate(run, d)) return;
  // 9. two values said back to back
  // (a run shorter than a card that no pause or correction divides is one value: no search)
  if (n >= FAIL_CLOSED_DIGITS && run.to > run.from && (n >= 13 || run.joined) && split(scan, run, positive, env)) return;
  // 10. fail closed: what nothing explained, typed by the broad evidence of its sentence if any
  if (n >= FAIL_CLOSED_DIGITS) {
    if (positive) return claimRun(scan, run, positive);
    const concept = conceptEvidence(scan, env.cues, run.from, run.to, n, acceptLong);
    if (concept && concept.score >= 3) return claimRun(scan, run, concept.type);
    // corrected or correcting a value of known type ("{ssn} hold on i read it wrong {ssn}")
    const corrected = correctionNeighbour(scan, run);
    if (corrected && corrected !== 'NUMBER' && fitsLoosely(corrected, n)) return claimRun(scan, run, corrected);
    return claimRun(scan, run, lengthPrior(d) ?? 'NUMBER');
  }
  // 11. short values: sensitive when their sentence says so or when read like an identifier;
  // a clock time or a year after a preposition is still a time or a year
  // "valid to zero four two eight", "out of date after oh one three two": a month with its leading
  // zero and a card's year in a sentence about an expiry is that, even after "to" or "after"
  if (n === 4 && monthYearSpoken(scan, run) && expiryEvidence(scan, env.cues, run) >= 1) return claimRun(scan, run, 'CREDIT_DEBIT_EXPIRY');
  if (n >= 3 && !timeLike(scan, run) && !yearAfterPreposition(scan, run)) {
    // a named type the caller gave only part of ("my card number is four one one" — the rest may
    // come in the next turn)
    const concept = conceptEvidence(scan, env.cues, run.from, run.to, n, acceptShort);
    // what the sentence says of it beats a name that does not fit ("the pin for my card is 2297",
    // "the back of the card says 118")
    if (concept && concept.score >= 3 && concept.type !== 'NUMBER') return claimRun(scan, run, concept.type);
    if (positive && positive !== 'PHONE' && positive !== 'ADDRESS' && env.cueDistance <= 3 && !run.letters) return claimRun(scan, run, positive);
    if (concept && concept.score >= 3) return claimRun(scan, run, concept.type);
    if (expiryShaped(scan, run) || monthYearSpoken(scan, run) || (mmyy(d) && expiryEvidence(scan, env.cues, run) >= 2)) return claimRun(scan, run, 'CREDIT_DEBIT_EXPIRY');
    const corrected = cue !== 'NEGATIVE' ? correctionNeighbour(scan, run) : undefined;
    if (corrected) return claimRun(scan, run, corrected === 'NUMBER' || !acceptShort(corrected, n) ? shortPrior(d) : corrected);
    if (cue !== 'NEGATIVE' && (dictatedDigitByDigit(scan, run) || (run.letters && n >= 5))) {
      return claimRun(scan, run, concept && concept.type !== 'NUMBER' ? concept.type : run.letters ? 'NUMBER' : shortPrior(d));
    }
  }
  // 12. a short piece glued to the value before it
  if (env.prev) claimRun(scan, run, continuationType(env.prev, d));
}

/** Types a long unexplained value can be given: a named type of that length (NUMBER is the default anyway). */
function acceptLong(t: PiiType, n: number): boolean {
  return t !== 'NUMBER' && fitsLoosely(t, n);
}

/** Types a short value can be: its length must fit (a dictated piece, NUMBER, fits any length). */
function acceptShort(t: PiiType, n: number): boolean {
  return t === 'NUMBER' || fitsLoosely(t, n) || (t === 'CREDIT_DEBIT_EXPIRY' && n >= 3 && n <= 6);
}

/** Lengths a value of the type can plausibly have when read out (wider than `fits`: a misheard digit). */
function fitsLoosely(type: PiiType, n: number): boolean {
  switch (type) {
    case 'CREDIT_DEBIT_NUMBER': return n >= 11 && n <= 20;
    case 'CREDIT_DEBIT_CVV': return n === 3 || n === 4;
    case 'CREDIT_DEBIT_EXPIRY': return n >= 3 && n <= 6;
    case 'PIN': return n >= 4 && n <= 8;
    case 'SSN': return n >= 8 && n <= 10;
    case 'BANK_ROUTING': return n >= 6 && n <= 11;
    case 'PHONE': return n >= 7 && n <= 16;
    case 'DATE_OF_BIRTH': return n >= 6 && n <= 8;
    case 'BANK_ACCOUNT_NUMBER': case 'MEDICAL_RECORD_NUMBER': case 'HEALTH_PLAN_ID': case 'PASSPORT_NUMBER': case 'DRIVER_ID': return n >= 4 && n <= 22;
    case 'IBAN': return n >= 10;
    default: return false;
  }
}

/**
 * The shape of one side of a split. A 13–19 digit slice is Luhn-valid one time in ten by chance, so
 * a card found by the checksum alone must have a card's usual length (15 or 16) and leave at least
 * three digits on the other side — otherwise any long run would split into "a card" and a scrap.
 */
function splitShape(side: NumberRun, other: NumberRun): PiiType | undefined {
  const shape = shapeType(side, side.digits);
  if (shape !== 'CREDIT_DEBIT_NUMBER') return shape;
  const grouped = !side.spoken && !side.mixed && (sameGroups(side.groups, [4, 4, 4, 4]) || sameGroups(side.groups, [4, 6, 5]) || sameGroups(side.groups, [4, 6, 4]));
  if (grouped) return shape;
  const n = side.digits.length;
  return (n === 15 || n === 16) && other.digits.length >= 3 ? shape : undefined;
}

/** Longest prefix of the run (on a token boundary) that is a Luhn-valid card number. */
function cardPrefix(run: NumberRun): number | undefined {
  for (let k = run.cum.length - 1; k >= 0; k--) {
    const len = run.cum[k]!;
    if (len >= 13 && len <= 19 && luhnValid(run.digits.slice(0, len))) return run.from + k;
  }
  return undefined;
}

/**
 * Two values said back to back ("+1 415 844 4805 5152 6179 3108 3113 is the card", "0207 946 0958
 * no sorry 020 7946 0959", "it expires one double two eight three seven ..."): split the run on the
 * token boundary that explains it best. A side with a shape of its own scores most (the first side
 * more, and more still when it is the type the cue announced), a first side that fits the cue scores less, and a boundary at a
 * correction or hesitation breaks ties. Claims the first side and classifies the rest; false when
 * no boundary explains anything (the caller then fails closed on the whole run).
 */
function split(scan: Scan, run: NumberRun, cue: PiiType | undefined, env: Env): boolean {
  let best = 0;
  let bestEnd = -1;
  let bestType: PiiType | undefined;
  for (let end = run.from; end < run.to; end++) {
    if (!carriesDigits(run, end)) continue;
    let start = end + 1;
    let joiner = false;
    while (start <= run.to && !carriesDigits(run, start)) { start++; joiner = true; }
    if (start > run.to) break;
    // a run shorter than a card divides only where the caller paused or corrected
    if (!joiner && run.digits.length < 13) continue;
    const left = subRun(scan, run, run.from, end);
    const right = subRun(scan, run, start, run.to);
    const ls = splitShape(left, right);
    const rs = splitShape(right, left);
    let score = 0;
    let type: PiiType | undefined;
    if (ls !== undefined) { score += ls === cue ? 5 : 4; type = ls; }
    else if (cue !== undefined && fits(cue, left.digits, env.tail)) { score += 2; type = cue; }
    if (rs !== undefined) score += 3;
    if (score === 0) continue;
    if (joiner) score += 1;
    if (score > best) { best = score; bestEnd = end; bestType = type; }
  }
  if (bestEnd < 0) return false;
  if (bestType !== undefined) {
    claimPart(scan, run, run.from, bestEnd, bestType, env);
    return true;
  }
  // only the right side has a shape: the left side is a fragment before it
  let start = bestEnd + 1;
  while (!carriesDigits(run, start)) start++;
  const rest = subRun(scan, run, start, run.to);
  claimPart(scan, run, start, run.to, shapeType(rest, rest.digits)!, env);
  return true;
}
