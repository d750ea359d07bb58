/**
 * How a raw From/To number becomes what a training record keeps: the masked form (last 4 digits
 * removed) and the keyed pseudonym. Capture and erasure both go through `callerIdentity`, so a number
 * written as `020 7946 0958` at capture and `+44 20 7946 0958` at erasure finds the same records.
 * A value that is not a number (`anonymous`, a SIP user name) is keyed by its lower-cased text and
 * masked as `[REDACTED]`.
 *
 * Normalisation (libphonenumber) is the costly step of a capture, and every utterance of a call has the
 * same From/To: a small bounded cache (in memory only, cleared as it fills) keeps the last results.
 */
import { normalizeE164, obfuscatePhone, phonePseudonym } from '../privacy/index.js';

const CACHE_MAX = 4096;
const normalised = new Map<string, string | null>();

function normalise(raw: string, defaultCountry: string): string | undefined {
  const k = `${defaultCountry}|${raw}`;
  let v = normalised.get(k);
  if (v === undefined) {
    v = normalizeE164(raw, defaultCountry) ?? null;
    if (normalised.size >= CACHE_MAX) normalised.clear();
    normalised.set(k, v);
  }
  return v ?? undefined;
}

export function canonicalNumber(raw: string, defaultCountry: string): string {
  return normalise(raw, defaultCountry) ?? `raw:${raw.trim().toLowerCase()}`;
}

export function pseudonymOf(secret: Buffer, raw: string, defaultCountry: string): string {
  return phonePseudonym(secret, canonicalNumber(raw, defaultCountry));
}

export function callerIdentity(secret: Buffer, raw: string, defaultCountry: string): { pseudonym: string; masked: string } {
  const e164 = normalise(raw, defaultCountry);
  return {
    pseudonym: phonePseudonym(secret, e164 ?? `raw:${raw.trim().toLowerCase()}`),
    masked: e164 ? obfuscatePhone(e164) : '[REDACTED]',
  };
}
