/**
 * Phone numbers in metadata (From/To, ANI/DNIS).
 *
 * - `normalizeE164` turns what a trunk sends (`+44 20 7946 0958`, `020 7946 0958`, `tel:+1-202-555-0143`,
 *   a SIP user part `0012025550143`) into E.164 (`+442079460958`) with libphonenumber-js.
 * - `obfuscatePhone` removes the last 4 digits. Exact output form: the E.164 number with its final
 *   four digits replaced by the four characters `XXXX`, e.g. `+442079460958` → `+44207946XXXX`.
 *   Numbers of 4 digits or fewer become `XXXX`. A value that is not a number at all (`anonymous`)
 *   becomes `[REDACTED]` — never the raw text.
 * - `phonePseudonym` is HMAC-SHA256 under a per-account secret over the E.164 number, hex-encoded:
 *   stable within an account (so erasure requests find every record), unlinkable across accounts,
 *   and not reversible without the secret.
 */
import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { CallNumbers } from './types.js';

export function normalizeE164(raw: string, defaultCountry = 'US'): string | undefined {
  let s = raw.trim();
  s = s.replace(/^(tel:|sip:|sips:)/i, '').replace(/[;@].*$/, '');
  s = s.replace(/[\s().-]/g, '');
  if (!/^\+?\d{3,17}$/.test(s)) return undefined;
  if (s.startsWith('00')) s = '+' + s.slice(2);
  const parsed = parsePhoneNumberFromString(s, defaultCountry.toUpperCase() as CountryCode);
  if (parsed && parsed.isPossible()) return parsed.number;
  // Not a possible number in any plan (short codes, test numbers): keep digits, mark international if it was.
  return s.startsWith('+') ? s : undefined;
}

export function obfuscatePhone(e164OrRaw: string): string {
  const digits = e164OrRaw.replace(/\D/g, '');
  if (digits.length === 0) return '[REDACTED]';
  if (digits.length <= 4) return 'XXXX';
  const prefix = e164OrRaw.trim().startsWith('+') ? '+' : '';
  return prefix + digits.slice(0, -4) + 'XXXX';
}

export function phonePseudonym(accountSecret: Buffer, e164: string): string {
  return createHmac('sha256', accountSecret).update(e164, 'utf8').digest('hex');
}

/**
 * The digit forms a caller may say or an engine may write for the call's own numbers (From and To):
 * the national significant number, with the trunk `0`, with the country code, with `00`/`011` before
 * it, and NANP's `1` prefix. Numbers that do not parse, or are shorter than 6 digits (extensions,
 * service codes), are left out: they say nothing about a person.
 */
export function prepareCallNumbers(raw: readonly (string | undefined)[], defaultCountry = 'US'): CallNumbers {
  const forms = new Set<string>();
  const nsns = new Set<string>();
  for (const r of raw) {
    if (!r) continue;
    const user = r.trim().replace(/^<|>$/g, '').replace(/^(?:sips?|tel):/i, '').replace(/[@;].*$/, '');
    const e164 = normalizeE164(user, defaultCountry);
    const p = e164 ? parsePhoneNumberFromString(e164) : undefined;
    if (!p) continue;
    const nsn = String(p.nationalNumber);
    const cc = String(p.countryCallingCode);
    if (nsn.length < 6) continue;
    nsns.add(nsn);
    for (const f of [nsn, '0' + nsn, cc + nsn, '00' + cc + nsn, '011' + cc + nsn]) forms.add(f);
    if (cc === '1') forms.add('1' + nsn);
  }
  return { forms: [...forms], nsns: [...nsns] };
}
