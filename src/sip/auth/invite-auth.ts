/**
 * Authentication of new calls (RFC 3261 §22.2) as one decision for the UA core: exempt sources
 * pass; throttled sources get `403` without their credentials being checked; otherwise the digest
 * is verified (with replay tracking) and a failure is answered `401` with fresh challenges.
 *
 * Logging is bounded by design (a guessing attack must not become a log flood): one `info` line
 * for the first failure of a (source, username) in a throttle window, one `warn` line per block
 * started, nothing per refused attempt. Neither the username nor anything from the credentials is
 * logged — only the source address, the reason and the scope.
 */
import type { Logger } from 'pino';
import type { CidrAllowlist } from '../allowlist.js';
import type { SipRequest } from '../message.js';
import { serverKey } from '../stack.js';
import { parseDigestParams, type DigestVerifier } from './digest.js';
import type { AuthThrottle } from './throttle.js';

export type AuthDecision =
  | { ok: true }
  | { ok: false; status: 401; headers: [string, string][] }
  | { ok: false; status: 403; reason: string; headers: [string, string][] };

export interface InviteAuthCounters {
  /** 401 challenges sent. */
  challenged: number;
  /** Responses that failed verification (wrong password, unknown user, replay, malformed). */
  failed: number;
  /** Of those, replays of a nonce/nc already used. */
  replays: number;
  /** Attempts refused by the back-off or a block (not verified). */
  throttled: number;
}

export class InviteAuthenticator {
  readonly counters: InviteAuthCounters = { challenged: 0, failed: 0, replays: 0, throttled: 0 };

  constructor(
    readonly verifier: DigestVerifier,
    private readonly opts: { exempt?: CidrAllowlist; throttle?: AuthThrottle; log: Logger },
  ) {}

  get throttle(): AuthThrottle | undefined {
    return this.opts.throttle;
  }

  check(req: SipRequest, sourceAddress: string): AuthDecision {
    const { exempt, throttle, log } = this.opts;
    if (exempt && !exempt.empty && exempt.allows(sourceAddress)) return { ok: true };
    const authorization = req.headers.get('Authorization');
    const claimed = authorization ? parseDigestParams(authorization)?.['username'] : undefined;
    // Unknown names share one account per source: invented names must not create state each.
    const account = claimed === undefined ? undefined : this.verifier.knows(claimed) ? claimed : '?';
    const verdict = throttle?.check(sourceAddress, account) ?? { ok: true };
    if (!verdict.ok) {
      this.counters.throttled++;
      return { ok: false, status: 403, reason: 'Forbidden - too many authentication failures', headers: [['Retry-After', String(verdict.retryAfterSec)]] };
    }
    // A retransmission repeats the transaction key (branch, sent-by, method) and the Call-ID; a replay cannot.
    const r = this.verifier.verify(authorization, req.method, { callId: req.headers.get('Call-ID') ?? '', branch: serverKey(req) });
    if (r.ok) {
      throttle?.success(sourceAddress, r.username);
      return { ok: true };
    }
    if (r.reason !== 'missing' && r.reason !== 'stale') {
      this.counters.failed++;
      if (r.reason === 'replay') this.counters.replays++;
      // Without throttling nothing is logged per failure (the counters still count): a guessing run must not become a log flood.
      const f = throttle?.failure(sourceAddress, account ?? '?') ?? { first: false, blocks: [] };
      if (f.first) log.info({ reason: r.reason, source: sourceAddress }, 'digest authentication failed');
      for (const b of f.blocks) {
        log.warn({ scope: b.scope, source: sourceAddress, failures: b.failures, blockSec: b.blockSec }, 'authentication attempts blocked');
      }
    }
    this.counters.challenged++;
    // A replay is answered like any failure: a fresh nonce, `stale=false` (the sender must prove the password again).
    return { ok: false, status: 401, headers: this.verifier.challenges(r.reason === 'stale').map((c) => ['WWW-Authenticate', c] as [string, string]) };
  }
}
