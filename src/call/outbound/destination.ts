/**
 * Where an outbound call may go. Every destination is a telephone number: `+E164`, `tel:` or a
 * national number (normalised with the gateway's `defaultCountry`), or a `sip:` URI whose user part
 * is a number and whose host is one of the account's trunks (the call then goes through that
 * trunk). The number must start with one of the account's `allowedPrefixes`; an account without
 * any may dial nothing (fail closed: toll fraud is how outbound gateways get abused).
 */
import { normalizeE164 } from '../../privacy/index.js';
import { parseUri } from '../../sip/index.js';
import { err, ok, type Result } from '../../result/index.js';

export interface Destination {
  /** The dialled number, E.164. */
  number: string;
  /** For a `sip:` target: its host and port, which must be a trunk's. */
  sipHost?: { host: string; port?: number };
}

export interface DestinationError {
  code: 'invalid_destination' | 'destination_not_allowed';
  message: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export function parseDestination(to: string, defaultCountry: string): Result<Destination, DestinationError> {
  const bad = (why: string) => err<DestinationError>({ code: 'invalid_destination', message: `"to" ${why}` });
  const raw = to.trim();
  if (/^sips?:/i.test(raw)) {
    const u = parseUri(raw);
    if (!u.ok) return bad('is not a SIP URI');
    const n = u.value.user === undefined ? undefined : normalizeE164(u.value.user, defaultCountry);
    if (!n || !E164.test(n)) return bad('must be a SIP URI whose user part is a telephone number');
    return ok({ number: n, sipHost: { host: u.value.host.toLowerCase(), ...(u.value.port ? { port: u.value.port } : {}) } });
  }
  if (/^tel:/i.test(raw) || /^[+\d(][\d\s().-]*$/.test(raw)) {
    const n = normalizeE164(raw, defaultCountry);
    if (!n || !E164.test(n)) return bad('is not a telephone number (E.164, tel: or a national number)');
    return ok({ number: n });
  }
  return bad('must be sip:number@trunk-host, tel:+number or +E164');
}

/** The account's toll-fraud guard: the number must start with an allowed prefix. */
export function checkAllowed(number: string, allowedPrefixes: readonly string[]): Result<void, DestinationError> {
  if (!allowedPrefixes.length) return err({ code: 'destination_not_allowed', message: 'this account has no allowed outbound destinations (outbound.allowedPrefixes is empty)' });
  if (!allowedPrefixes.some((p) => number.startsWith(p))) return err({ code: 'destination_not_allowed', message: "the destination is outside the account's allowed prefixes" });
  return ok(undefined);
}
