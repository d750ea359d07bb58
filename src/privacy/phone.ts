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

/** What one parse of a number gives every reader: its E.164 form, and its national number and country code when it parsed. */
interface ParsedNumber {
  e164: string | undefined;
  nsn?: string;
  cc?: string;
}

/**
 * The numbers of live calls, parsed once (issue 19). libphonenumber-js compiles its metadata's
 * patterns on every parse — 35–45 µs a number for GB, DE or IN, 9 µs for NANP — and a call's From
 * and To were parsed about fifteen times around its set-up (routing, the console's call story, the
 * ledger, the CDR, the privacy gate's call numbers, the training pseudonym): with a trunk's E.164
 * numbers, the largest single cost of a call set-up. The gateway holds a call's numbers from its
 * INVITE to its end (`holdNumbers`); while held, every reader gets the one parse. An entry lives
 * only while a call holding it is live — released with the last such call, never written anywhere —
 * so nothing of a caller outlives their calls here. Keyed by the cleaned digits and the country.
 */
const held = new Map<string, { parsed: ParsedNumber; holds: number }>();

/** The digits a number is parsed from (`tel:`/`sip:`, parameters, spaces and punctuation gone; `00` → `+`), or undefined if it cannot be a number. */
function cleanNumber(raw: string): string | undefined {
  let s = raw.trim();
  s = s.replace(/^(tel:|sip:|sips:)/i, '').replace(/[;@].*$/, '');
  s = s.replace(/[\s().-]/g, '');
  if (!/^\+?\d{3,17}$/.test(s)) return undefined;
  return s.startsWith('00') ? '+' + s.slice(2) : s;
}

function parseCleaned(s: string, country: string): ParsedNumber {
  const entry = held.get(country + ' ' + s);
  if (entry) return entry.parsed;
  const parsed = parsePhoneNumberFromString(s, country.toUpperCase() as CountryCode);
  const shape = parsed ? { nsn: String(parsed.nationalNumber), cc: String(parsed.countryCallingCode) } : {};
  if (parsed && parsed.isPossible()) return { e164: parsed.number, ...shape };
  // Not a possible number in any plan (short codes, test numbers): keep digits, mark international if it was.
  return s.startsWith('+') ? { e164: s, ...shape } : { e164: undefined };
}

export function normalizeE164(raw: string, defaultCountry = 'US'): string | undefined {
  const s = cleanNumber(raw);
  return s === undefined ? undefined : parseCleaned(s, defaultCountry).e164;
}

/**
 * Hold a call's numbers (its From, To and Request-URI users) parsed until the returned release is
 * called, at the call's end: see `held`. Releasing twice is harmless.
 */
export function holdNumbers(raws: readonly (string | undefined)[], defaultCountry = 'US'): () => void {
  const keys: string[] = [];
  for (const raw of raws) {
    const s = raw ? cleanNumber(raw) : undefined;
    if (s === undefined) continue;
    const key = defaultCountry + ' ' + s;
    if (keys.includes(key)) continue;
    const entry = held.get(key);
    if (entry) entry.holds++;
    else held.set(key, { parsed: parseCleaned(s, defaultCountry), holds: 1 });
    keys.push(key);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const key of keys) {
      const entry = held.get(key)!;
      if (--entry.holds === 0) held.delete(key);
    }
  };
}

/** How many numbers are held now (tests: nothing outlives its calls). */
export function heldNumberCount(): number {
  return held.size;
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
    const s = cleanNumber(r.trim().replace(/^<|>$/g, ''));
    const p = s === undefined ? undefined : parseCleaned(s, defaultCountry);
    if (!p?.e164 || p.nsn === undefined || p.cc === undefined) continue;
    const { nsn, cc } = p;
    if (nsn.length < 6) continue;
    nsns.add(nsn);
    for (const f of [nsn, '0' + nsn, cc + nsn, '00' + cc + nsn, '011' + cc + nsn]) forms.add(f);
    if (cc === '1') forms.add('1' + nsn);
  }
  return { forms: [...forms], nsns: [...nsns] };
}
