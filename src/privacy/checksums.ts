/**
 * Check digits that separate real identifiers from digit strings that merely look like them:
 * Luhn (payment cards), ISO 13616 mod-97 (IBAN), ABA routing numbers. Pure, allocation-free.
 */
import { IBAN_LENGTHS } from './lexicon.js';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** `iban` is upper-case alphanumerics without spaces. Checks country length and the mod-97 checksum. */
export function ibanValid(iban: string): boolean {
  const expected = IBAN_LENGTHS.get(iban.slice(0, 2));
  if (expected === undefined || iban.length !== expected) return false;
  let rem = 0;
  for (let k = 0; k < iban.length; k++) {
    const i = (k + 4) % iban.length; // rotate the first four characters to the end
    const c = iban.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** ABA routing number (9 digits, weights 3-7-1). */
export function abaValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const w = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (digits.charCodeAt(i) - 48) * w[i]!;
  return sum % 10 === 0 && digits !== '000000000';
}

/** US SSN structural rules: area not 000, 666 or 9xx; group not 00; serial not 0000. */
export function ssnPlausible(digits: string): boolean {
  if (digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  return area !== '000' && area !== '666' && digits[0] !== '9' && digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}
