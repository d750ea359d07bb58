/**
 * Number routing: the dialled number (Request-URI user, else To user) → account + application.
 * Numbers are compared in E.164 (normalised with the configured default country) so a trunk
 * that sends `+12025550100`, `12025550100` or `tel:+1-202-555-0100` reaches the same application.
 * Entries that are not phone numbers (`support`, `ivr-1`) match the user part literally, case-insensitively.
 * A number ending in `*` is a prefix range (`+4420794600*`); the longest match wins.
 *
 * The user part arrives unescaped by the SIP parser (`%HH` decoded once). A user part that then holds
 * a character outside RFC 3261's `user` set or RFC 3966's phone digits — a control character, NUL,
 * space, `%`, `<`, non-ASCII — is not a dialled number: `isDiallable` says no and `route` finds
 * nothing, so `sip:+1555%0A0100@…` cannot be normalised (whitespace stripped) into `+15550100`.
 */
import type { AccountConfig, ApplicationConfig } from './schema.js';
import { normalizeE164 } from '../privacy/index.js';

export interface Route {
  account: AccountConfig;
  application: ApplicationConfig;
  /** The normalised dialled number (E.164 or literal user part). */
  dialled: string;
}

/**
 * The key a configured number is stored and matched under: E.164 for phone numbers, the lower-cased
 * user part otherwise; a range (`…*`) keeps its `*` after the normalised prefix. Two entries with the
 * same key are the same number.
 */
export function numberKey(n: string, defaultCountry: string): string {
  if (n.endsWith('*')) return rangePrefix(n.slice(0, -1)) + '*';
  return normalizeE164(n, defaultCountry) ?? n.toLowerCase();
}

function rangePrefix(p: string): string {
  return /^\+?\d+$/.test(p.replace(/[\s().-]/g, '')) ? '+' + p.replace(/\D/g, '') : p.toLowerCase();
}

/**
 * Characters a dialled user part may hold once unescaped: RFC 3261 `unreserved` and `user-unreserved`
 * (`&=+$,;?/`), plus `#` (RFC 3966 phone digits, sent escaped as `%23`). Anything else is refused.
 */
const DIALLABLE = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/#]{1,128}$/;

/** True when `user` (already unescaped) can be a dialled number or user part. */
export function isDiallable(user: string): boolean {
  return DIALLABLE.test(user);
}

export class NumberRouter {
  private readonly exact = new Map<string, Route>();
  private readonly ranges: { prefix: string; route: Omit<Route, 'dialled'> }[] = [];

  constructor(
    accounts: AccountConfig[],
    /** The country national numbers are read in (the gateway's `defaultCountry`). */
    readonly defaultCountry: string,
  ) {
    for (const account of accounts) {
      for (const application of account.applications) {
        for (const n of application.numbers) {
          if (n.endsWith('*')) {
            const prefix = rangePrefix(n.slice(0, -1));
            this.ranges.push({ prefix, route: { account, application } });
            continue;
          }
          const key = this.key(n);
          if (this.exact.has(key)) throw new Error(`number ${n} is configured twice (applications ${this.exact.get(key)!.application.id} and ${application.id})`);
          this.exact.set(key, { account, application, dialled: key });
        }
      }
    }
    this.ranges.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  private key(user: string): string {
    return normalizeE164(user, this.defaultCountry) ?? user.toLowerCase();
  }

  route(user: string | undefined): Route | undefined {
    // Already unescaped by the parser: decoding again would turn `%2530` into `0` (and throw on `%`).
    if (!user || !isDiallable(user)) return undefined;
    const key = this.key(user);
    const hit = this.exact.get(key);
    if (hit) return hit;
    for (const r of this.ranges) if (key.startsWith(r.prefix)) return { ...r.route, dialled: key };
    return undefined;
  }
}
