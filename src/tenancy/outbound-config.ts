/**
 * Configuration of outbound calling: carrier trunks (`trunks[]` at the top of the file, shared by
 * every account, or `accounts[].outbound.trunks[]`, set through the admin API and sealed at rest by
 * the tenancy store like every credential) and each account's outbound policy: which destination
 * prefixes it may dial (the toll-fraud guard; none configured = no outbound calls at all), which
 * trunks it may use, which caller IDs it may present.
 */
import { z } from 'zod';

/** `+` and digits: an E.164 prefix such as `+44`, `+1212`, or `+` alone (everywhere, on purpose). */
const e164Prefix = z.string().regex(/^\+\d{0,15}$/, 'an E.164 prefix: + followed by digits, e.g. +4420');
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +442071234567');

export const trunkSchema = z.object({
  name: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  /** `sip:host:port`, `sips:host:port` or `host:port` of the carrier's SBC. */
  uri: z.string().min(1).refine((s) => /^(sips?:)?[A-Za-z0-9.\-[\]:]+(;[^\s]*)?$/.test(s), 'sip:host[:port] or host[:port]'),
  transport: z.enum(['udp', 'tcp', 'tls']).default('udp'),
  /** Digest credentials answered to 401/407 on the INVITE and on in-dialog requests (BYE, REFER). */
  credentials: z.object({ username: z.string().min(1), password: z.string().min(1), realm: z.string().optional() }).optional(),
  callerId: z
    .object({
      /** Presented when the request names no `from` (E.164); without it calls go out as `anonymous`. */
      default: e164.optional(),
      /** Numbers or prefixes a request's `from` may use; empty = only the default (fail closed). */
      allowed: z.array(e164Prefix).default([]),
      /** Add `Privacy: id` and present `anonymous` in From (the number goes in P-Asserted-Identity). */
      withhold: z.boolean().default(false),
    })
    .prefault({}),
  /** How a dialled E.164 number is written in the Request-URI for this carrier. */
  numbers: z
    .object({
      format: z.enum(['e164', 'e164-no-plus', 'national']).default('e164'),
      /** Digits put in front of the formatted number (a carrier's routing prefix, e.g. `9` or `0011`). */
      dialPrefix: z.string().regex(/^[0-9*#]*$/, 'digits, * and # only').default(''),
    })
    .prefault({}),
  limits: z
    .object({
      /** New calls per second (token bucket; a burst of `max(1, callsPerSecond)`). */
      callsPerSecond: z.number().positive().max(1000).default(1),
      /** Calls up at once through this trunk. */
      maxConcurrent: z.number().int().min(1).default(10),
    })
    .prefault({}),
});

export const accountOutboundSchema = z
  .object({
    /**
     * E.164 prefixes the account may dial. Empty (the default) refuses every outbound call: an
     * account is given destinations on purpose, never all of them by omission. `+` allows any number.
     */
    allowedPrefixes: z.array(e164Prefix).default([]),
    /** Names of the file's `trunks[]` this account may use; empty = none (its own trunks only). */
    trunks: z.array(z.string().min(1)).default([]),
    /** Trunks of this account only (credentials sealed at rest when set through the admin API). */
    ownTrunks: z.array(trunkSchema).default([]),
    /** Most outbound calls of this account at once over all trunks. */
    maxConcurrent: z.number().int().min(1).default(10),
  });

export type TrunkConfig = z.infer<typeof trunkSchema>;
export type AccountOutbound = z.infer<typeof accountOutboundSchema>;
