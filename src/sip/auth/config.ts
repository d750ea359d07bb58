/**
 * The `sip.auth` configuration section, owned by the SIP module (the configuration composes it):
 * Digest authentication of incoming calls (RFC 3261 §22). INVITEs without valid credentials for
 * one of `users` get 401 with SHA-256 and MD5 challenges. Sources in `exemptFrom` (IPs/CIDRs,
 * e.g. the trunk's SBC) are not challenged. Unset: no authentication (use `allowFrom`).
 */
import { z } from 'zod';
import { DEFAULT_AUTH_THROTTLE } from './throttle.js';

export const sipAuthSchema = z
  .object({
    realm: z.string().min(1),
    users: z
      .array(z.object({ username: z.string().min(1), password: z.string().min(8, 'use at least 8 characters').optional(), ha1Md5: z.string().regex(/^[0-9a-f]{32}$/).optional() }).refine((u) => u.password !== undefined || u.ha1Md5 !== undefined, { message: 'give password or ha1Md5' }))
      .min(1),
    exemptFrom: z.array(z.string()).default([]),
    nonceTtlSec: z.number().int().min(10).max(3600).default(300),
    /** Challenges offered, most preferred first (RFC 8760). Some peers (SIPp) only answer MD5. */
    algorithms: z.array(z.enum(['SHA-256', 'MD5'])).min(1).default(['SHA-256', 'MD5']),
    /**
     * Replay protection: nonces are tracked from their first successful use (the `nc` must rise;
     * the same request retransmitted is not a replay). At most this many at once (about 200 bytes
     * each); past it the oldest is dropped and older nonces are answered `stale` (re-authenticate).
     */
    maxTrackedNonces: z.number().int().min(100).max(1_000_000).default(10_000),
    /**
     * Throttling of password guessing (docs/sip.md "Authentication"). Counted per (source, username)
     * so that failing on purpose from elsewhere cannot lock a trunk out; per source over all
     * usernames; per username over all sources (then only sources that never authenticated as it
     * are refused). Refused attempts get 403 + Retry-After and are not verified. One log line per
     * block; `hushgate_sip_auth_blocks_total` and `hushgate_sip_auth_throttled_total` count them.
     * Defaults: back-off from 3 failures, block at 10 per (source, username), 30 per source, 100 per
     * username, in a 60 s window; blocks of 30 s doubling to at most 300 s; 20,000 keys (about 3 MB).
     */
    throttle: z
      .object({
        /** Set false to turn throttling off (not recommended on a public address). */
        enabled: z.boolean().default(true),
        /** Failures of one (source, username) before it is blocked. */
        maxFailures: z.number().int().min(1).default(DEFAULT_AUTH_THROTTLE.maxFailures),
        /** From this many failures of a (source, username), each next attempt waits 1, 2, 4 … 16 s after the last failure. */
        backoffAfter: z.number().int().min(1).default(DEFAULT_AUTH_THROTTLE.backoffAfter),
        /** Failures from one source (IPv6: its /64), all usernames together, before the source is blocked. */
        maxFailuresPerSource: z.number().int().min(1).default(DEFAULT_AUTH_THROTTLE.maxFailuresPerSource),
        /** Failures for one username from all sources before sources that never authenticated as it are refused. */
        maxFailuresPerUser: z.number().int().min(1).default(DEFAULT_AUTH_THROTTLE.maxFailuresPerUser),
        /** Seconds failures are counted over. */
        windowSec: z.number().int().min(1).max(3600).default(DEFAULT_AUTH_THROTTLE.windowSec),
        /** First block in seconds; a key blocked again while remembered gets double, up to `maxBlockSec`. */
        blockSec: z.number().int().min(1).max(3600).default(DEFAULT_AUTH_THROTTLE.blockSec),
        maxBlockSec: z.number().int().min(1).max(86_400).default(DEFAULT_AUTH_THROTTLE.maxBlockSec),
        /** Most keys remembered (about 150 bytes each); least recently used forgotten first. */
        maxEntries: z.number().int().min(100).max(1_000_000).default(DEFAULT_AUTH_THROTTLE.maxEntries),
      })
      .prefault({})
      .refine((t) => t.maxBlockSec >= t.blockSec, { message: 'maxBlockSec must be at least blockSec', path: ['maxBlockSec'] }),
  });

export type SipAuthConfig = z.infer<typeof sipAuthSchema>;
