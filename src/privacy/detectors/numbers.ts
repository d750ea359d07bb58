/**
 * Numeric PII: card numbers, CVV, expiry, PIN, SSN, bank account and routing numbers, phone
 * numbers, numeric dates of birth, ZIP codes and numeric health identifiers.
 *
 * Each run of number tokens (written or spoken) is typed by, in order: the nearest cue before it
 * ("my pin is"), a cue right after it ("... is my cell"), the call's expectation (the agent just
 * asked for a card number), and finally its shape alone (Luhn-valid 13-19 digits, a valid phone
 * number for the plans we serve, the 3-2-4 SSN layout, a full numeric date with a birth year).
 * A run followed by a quantity noun ("45 minutes", "250 dollars") or announced by a non-PII cue
 * ("flight 370", "order number ...") is left alone.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { DetectionContext, PiiType } from '../types.js';
import type { Scan } from '../tokens.js';
import { claimTokens } from '../tokens.js';
import { cueAfter, cueBefore, tailCueBefore, type CueType } from '../cues.js';
import { groupLengths, readNumberRun, type NumberRun } from '../number-runs.js';
import { abaValid, luhnValid, ssnPlausible } from '../checksums.js';
import { QUANTITY_NOUNS } from '../lexicon.js';

const NATIONAL_PLANS: CountryCode[] = ['GB', 'IE', 'FR', 'DE', 'ES', 'IT', 'NL', 'BE', 'CH', 'AT', 'SE', 'PT', 'PL', 'DK', 'NO', 'FI'];

function validPhone(digits: string, plus: boolean): boolean {
  if (plus) {
    const p = parsePhoneNumberFromString('+' + digits);
    return p !== undefined && p.isValid();
  }
  if (digits.length === 10 && digits[0] !== '0' && digits[0] !== '1') {
    const p = parsePhoneNumberFromString(digits, 'US');
    if (p && p.isValid()) return true;
  }
  if (digits.length === 11 && digits[0] === '1') {
    const p = parsePhoneNumberFromString(digits, 'US');
    if (p && p.isValid()) return true;
  }
  if (digits[0] === '0' && digits.length >= 9 && digits.length <= 11) {
    for (const cc of NATIONAL_PLANS) {
      const p = parsePhoneNumberFromString(digits, cc);
      if (p && p.isValid()) return true;
    }
  }
  if (digits.startsWith('00') && digits.length >= 10) {
    const p = parsePhoneNumberFromString('+' + digits.slice(2));
    return p !== undefined && p.isValid();
  }
  return false;
}

function sameGroups(groups: number[], pattern: number[]): boolean {
  if (groups.length !== pattern.length) return false;
  for (let i = 0; i < groups.length; i++) if (groups[i] !== pattern[i]) return false;
  return true;
}

function monthValid(mm: number): boolean {
  return mm >= 1 && mm <= 12;
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
    default: return false;
  }
}

/** Type from shape alone, for a run nothing announced. */
function shapeType(run: NumberRun, digits: string): PiiType | undefined {
  const n = digits.length;
  if (!run.spoken) {
    if (run.slash) {
      if (run.groups.length === 3 && run.groups[2] === 4) {
        const y = Number(digits.slice(-4));
        if (y >= 1900 && y <= 2012) return 'DATE_OF_BIRTH';
      }
      return undefined;
    }
    if (sameGroups(run.groups, [3, 2, 4]) && ssnPlausible(digits)) return 'SSN';
    if (sameGroups(run.groups, [4, 4, 4, 4]) || sameGroups(run.groups, [4, 6, 5]) || sameGroups(run.groups, [4, 6, 4])) return 'CREDIT_DEBIT_NUMBER';
  }
  if (n >= 13 && n <= 19 && luhnValid(digits)) return 'CREDIT_DEBIT_NUMBER';
  if (n >= 7 && n <= 15) {
    if (!run.spoken && (sameGroups(run.groups, [3, 3, 4]) || sameGroups(run.groups, [1, 3, 3, 4]) || sameGroups(run.groups, [3, 4]))) return 'PHONE';
    if (n >= 9 && validPhone(digits, run.plus)) return 'PHONE';
  }
  return undefined;
}

function groupsUpTo(scan: Scan, from: number, to: number): number[] {
  const groups: number[] = [];
  for (let k = from; k <= to; k++) groupLengths(scan.tokens[k]!.w, groups);
  return groups;
}

function isQuantityAfter(scan: Scan, to: number): boolean {
  const next = scan.tokens[to + 1];
  return next !== undefined && QUANTITY_NOUNS.has(next.w);
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
  return c === 36 || c === 0xa3 || c === 0x20ac; // $ £ €
}

/** Longest prefix of the run (on a token boundary) that is a Luhn-valid card number. */
function cardPrefix(run: NumberRun): number | undefined {
  for (let k = run.cum.length - 1; k >= 0; k--) {
    const len = run.cum[k]!;
    if (len >= 13 && len <= 19 && luhnValid(run.digits.slice(0, len))) return run.from + k;
  }
  return undefined;
}

export function detectNumbers(scan: Scan, cues: readonly (CueType | undefined)[], ctx: DetectionContext | undefined): void {
  const tokens = scan.tokens;
  let expectUsed = false;
  for (let i = 0; i < tokens.length; i++) {
    if (scan.taken[i]) continue;
    const run = readNumberRun(scan, i);
    if (!run) continue;
    i = classifyRun(scan, cues, ctx, run, expectUsed, (used) => { expectUsed = used; });
  }
}

function subRun(scan: Scan, run: NumberRun, from: number, to: number): NumberRun {
  const base = from === run.from ? 0 : run.cum[from - run.from - 1]!;
  const end = run.cum[to - run.from]!;
  const cum = run.cum.slice(from - run.from, to - run.from + 1).map((c) => c - base);
  return {
    from, to, digits: run.digits.slice(base, end), spoken: run.spoken, cum,
    groups: run.spoken ? [] : groupsUpTo(scan, from, to), plus: from === run.from && run.plus, slash: run.slash,
  };
}

/**
 * Two values said back to back ("+1 415 844 4805 5152 6179 3108 3113 is the card", "it expires one
 * double two eight three seven ..."): split the run on a token boundary. Preference: a prefix whose
 * shape agrees with the cue (or any shape when there is none); then a prefix that fits the cue with
 * a remainder that has a shape of its own; then the longest prefix that fits the cue. Claims the
 * prefix and returns its last token; the remainder is read again as a run of its own.
 */
function splitRun(scan: Scan, run: NumberRun, cue: PiiType | undefined, tail: boolean): number | undefined {
  for (let end = run.to - 1; end >= run.from; end--) {
    const pre = subRun(scan, run, run.from, end);
    if (pre.digits.length < 7) break;
    const shape = shapeType(pre, pre.digits);
    if (shape !== undefined && (cue === undefined || shape === cue)) {
      claimTokens(scan, shape, run.from, end, pre.digits);
      return end;
    }
  }
  if (cue === undefined) return undefined;
  for (let end = run.from; end < run.to; end++) {
    const pre = subRun(scan, run, run.from, end);
    if (!fits(cue, pre.digits, tail)) continue;
    const rest = subRun(scan, run, end + 1, run.to);
    if (shapeType(rest, rest.digits) !== undefined) {
      claimTokens(scan, cue, run.from, end, pre.digits);
      return end;
    }
  }
  for (let end = run.to - 1; end >= run.from; end--) {
    const pre = subRun(scan, run, run.from, end);
    if (fits(cue, pre.digits, tail)) {
      claimTokens(scan, cue, run.from, end, pre.digits);
      return end;
    }
  }
  return undefined;
}

/** Classifies one run, claims what it finds, and returns the last token index it consumed. */
function classifyRun(
  scan: Scan,
  cues: readonly (CueType | undefined)[],
  ctx: DetectionContext | undefined,
  run: NumberRun,
  expectUsed: boolean,
  setExpectUsed: (used: boolean) => void,
): number {
  const digits = run.digits;
  absorbSpokenPlus(scan, run);
  if (isQuantityAfter(scan, run.to) || isCurrencyBefore(scan, run.from)) return run.to;
  const tail = tailCueBefore(scan, run.from);
  const before = cueBefore(scan, cues, run.from);
  const cue: CueType | undefined = before?.type ?? cueAfter(scan, cues, run.to)?.type;
  if (cue === 'NEGATIVE' && !tail) return run.to;
  let type: PiiType | undefined;
  if (cue !== undefined && cue !== 'NEGATIVE') {
    if (fits(cue, digits, tail)) type = cue;
    else if (cue === 'CREDIT_DEBIT_NUMBER' && digits.length > 19) {
      const end = cardPrefix(run);
      if (end !== undefined) {
        claimTokens(scan, 'CREDIT_DEBIT_NUMBER', run.from, end, digits.slice(0, run.cum[end - run.from]));
        return end;
      }
    } else if (cue === 'BANK_ROUTING' && digits.length === 9 && !abaValid(digits)) type = cue;
  }
  if (type === undefined && cue === undefined && ctx?.expect && !expectUsed && fits(ctx.expect, digits, tail)) {
    type = ctx.expect;
    setExpectUsed(true);
  }
  if (type === undefined) type = shapeType(run, digits);
  if (type === undefined && digits.length > 19) {
    const end = cardPrefix(run);
    if (end !== undefined) {
      claimTokens(scan, 'CREDIT_DEBIT_NUMBER', run.from, end, digits.slice(0, run.cum[end - run.from]));
      return end;
    }
  }
  if (type === undefined && run.to > run.from && (cue !== undefined || !run.spoken)) {
    const split = splitRun(scan, run, cue === 'NEGATIVE' ? undefined : cue, tail);
    if (split !== undefined) return split;
  }
  if (type !== undefined) claimTokens(scan, type, run.from, run.to, digits);
  return run.to;
}
