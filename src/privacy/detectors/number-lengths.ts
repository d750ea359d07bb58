/**
 * How long each type's values are (`fits` exact, `fitsLoosely` as read out with a digit misheard) and the best
 * guess when only the length is known.
 */
import type { PiiType } from '../types.js';
import { abaValid, ssnPlausible } from '../checksums.js';
import { expiryYear, monthValid } from '../card-dates.js';

/** Digits at or above which an unexplained run is redacted whatever it is. */
export const FAIL_CLOSED_DIGITS = 7;

export function fits(type: PiiType, digits: string, tail: boolean): boolean {
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

/** Lengths a value of the type can plausibly have when read out (wider than `fits`: a misheard digit). */
export function fitsLoosely(type: PiiType, n: number): boolean {
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

/** Types a long unexplained value can be given: a named type of that length (NUMBER is the default anyway). */
export function acceptLong(t: PiiType, n: number): boolean {
  return t !== 'NUMBER' && fitsLoosely(t, n);
}

/** Types a short value can be: its length must fit (a dictated piece, NUMBER, fits any length). */
export function acceptShort(t: PiiType, n: number): boolean {
  return t === 'NUMBER' || fitsLoosely(t, n) || (t === 'CREDIT_DEBIT_EXPIRY' && n >= 3 && n <= 6);
}

/**
 * The best guess for a long value nothing else typed, from its digits alone: nine digits are a US
 * routing number when the ABA checksum holds, else an SSN when its structure allows one.
 */
export function lengthPrior(d: string): PiiType | undefined {
  if (d.length === 9) return abaValid(d) ? 'BANK_ROUTING' : ssnPlausible(d) ? 'SSN' : undefined;
  return undefined;
}

/** The likeliest type of a short value read digit by digit with nothing else to go on. */
export function shortPrior(d: string): PiiType {
  if (d.length === 3) return 'CREDIT_DEBIT_CVV';
  if (d.length === 4) return monthValid(Number(d.slice(0, 2))) && expiryYear(d.slice(2)) ? 'CREDIT_DEBIT_EXPIRY' : 'PIN';
  return 'NUMBER';
}

/** What a short piece said right after a value most likely is ("4111 ... 1111 123": the CVV). */
export function continuationType(prev: PiiType, digits: string): PiiType {
  const n = digits.length;
  if (prev === 'CREDIT_DEBIT_NUMBER') {
    if (n === 4 && monthValid(Number(digits.slice(0, 2))) && Number(digits.slice(2)) >= 20) return 'CREDIT_DEBIT_EXPIRY';
    if (n === 3 || n === 4) return 'CREDIT_DEBIT_CVV';
  }
  if (prev === 'CREDIT_DEBIT_EXPIRY' && (n === 3 || n === 4)) return 'CREDIT_DEBIT_CVV';
  return 'NUMBER';
}
