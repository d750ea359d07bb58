/**
 * Which trunk an outbound call takes and what it sends there: the Request-URI (the number written
 * the way the carrier wants it), the From user (caller ID by the trunk's rules) and the privacy
 * headers. Pure functions of the configuration; the call layer dials the result.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { normalizeE164 } from '../../privacy/index.js';
import { err, ok, type Result } from '../../result/index.js';
import type { AccountOutbound, TrunkConfig } from '../../tenancy/index.js';
import type { Destination } from './destination.js';

export interface TrunkChoiceError {
  code: 'trunk_not_allowed' | 'no_trunk' | 'caller_id_not_allowed';
  message: string;
}

export interface DialPlan {
  /** The Request-URI: `sip:<number>@<trunk host:port>;transport=…`. */
  target: string;
  fromUser: string;
  headers: [string, string][];
  credentials?: { username: string; password: string };
}

/** `host` and `port` of a trunk's `uri` (`sip:host:port`, `host:port`, `[v6]:port`). */
export function trunkHost(t: TrunkConfig): { host: string; port: number } {
  const bare = t.uri.replace(/^sips?:/i, '').replace(/;.*$/, '');
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(bare);
  const host = (m?.[1] ?? bare).toLowerCase();
  return { host, port: m?.[2] ? Number(m[2]) : t.transport === 'tls' ? 5061 : 5060 };
}

/** The trunks an account may use: its own first, then the file's it is given by name. */
export function trunksFor(outbound: AccountOutbound, shared: readonly TrunkConfig[]): TrunkConfig[] {
  return [...outbound.ownTrunks, ...shared.filter((t) => outbound.trunks.includes(t.name))];
}

/** The trunk for a call: the one asked for, the one a `sip:` target's host names, or the first. */
export function chooseTrunk(available: readonly TrunkConfig[], dest: Destination, asked?: string): Result<TrunkConfig, TrunkChoiceError> {
  if (!available.length) return err({ code: 'no_trunk', message: 'this account has no outbound trunk' });
  let candidates = available;
  if (asked !== undefined) {
    candidates = available.filter((t) => t.name === asked);
    if (!candidates.length) return err({ code: 'trunk_not_allowed', message: `trunk "${asked}" is not one this account may use` });
  }
  if (dest.sipHost) {
    const { host, port } = dest.sipHost;
    const hit = candidates.find((t) => {
      const h = trunkHost(t);
      return h.host === host && (port === undefined || port === h.port);
    });
    if (!hit) return err({ code: 'trunk_not_allowed', message: "a sip: destination's host must be one of the account's trunks" });
    return ok(hit);
  }
  return ok(candidates[0]!);
}

function formatNumber(t: TrunkConfig, e164: string): string {
  let n = e164;
  if (t.numbers.format === 'e164-no-plus') n = e164.slice(1);
  else if (t.numbers.format === 'national') {
    const p = parsePhoneNumberFromString(e164);
    n = p ? p.formatNational().replace(/[^\d]/g, '') : e164.slice(1);
  }
  return t.numbers.dialPrefix + n;
}

/** Request-URI, caller ID and headers for `number` through `t`; `from` is the request's caller ID. */
export function dialPlan(t: TrunkConfig, number: string, from: string | undefined, defaultCountry: string): Result<DialPlan, TrunkChoiceError> {
  let caller = t.callerId.default;
  if (from !== undefined) {
    const n = normalizeE164(from, defaultCountry);
    const allowed = n !== undefined && /^\+\d{7,15}$/.test(n) && (n === t.callerId.default || t.callerId.allowed.some((p) => n.startsWith(p)));
    if (!allowed) return err({ code: 'caller_id_not_allowed', message: `"from" is not a caller ID trunk "${t.name}" may present` });
    caller = n;
  }
  const { host, port } = trunkHost(t);
  const transport = t.transport === 'udp' ? '' : `;transport=${t.transport}`;
  const headers: [string, string][] = [];
  let fromUser = caller ?? 'anonymous';
  if (t.callerId.withhold && caller) {
    headers.push(['Privacy', 'id'], ['P-Asserted-Identity', `<sip:${caller}@${host}>`]);
    fromUser = 'anonymous';
  }
  return ok({
    target: `sip:${formatNumber(t, number)}@${host}:${port}${transport}`,
    fromUser,
    headers,
    ...(t.credentials ? { credentials: { username: t.credentials.username, password: t.credentials.password } } : {}),
  });
}
