/**
 * Throttling of digest password guessing (the gateway as UAS). Failures are counted per key in a
 * window; three kinds of key:
 *
 *   pair    (source, username)  back-off after `backoffAfter` failures (the next attempt must wait
 *                                1, 2, 4 … up to 16 s after the last failure), block after `maxFailures`
 *   source  (source, any user)  block after `maxFailuresPerSource` (one address spraying usernames)
 *   user    (any source, user)  after `maxFailuresPerUser` (guessing spread over many addresses) only
 *                                sources that have not authenticated as that user are refused
 *
 * Why per pair and not per username: an attacker who knows a trunk's username must not be able to
 * lock the trunk out by failing on purpose from elsewhere. Blocks are short (`blockSec`, doubling
 * per repeat up to `maxBlockSec`) and a success from a source clears its pair and source counts.
 * Attempts refused by the back-off or a block are not verified at all (the right password is not
 * accepted during a block) and do not count as failures.
 *
 * Sources: IPv4 addresses as they are, IPv6 by their /64 (one host can hold a whole /64). Unknown
 * usernames are accounted under one name per source (the caller passes `?`), so guessing names
 * cannot create state per name. Memory: at most `maxEntries` keys and `maxTrusted` trusted pairs,
 * least recently touched forgotten first.
 */
import { isIP } from 'node:net';

export interface AuthThrottleConfig {
  /** Failures of one (source, username) pair before it is blocked. */
  maxFailures: number;
  /** Failures of one pair after which each attempt waits 2^(n - backoffAfter) s after the last failure (max 16 s). */
  backoffAfter: number;
  /** Failures from one source, all usernames together, before the source is blocked. */
  maxFailuresPerSource: number;
  /** Failures for one username, all sources together, before sources not trusted for it are refused. */
  maxFailuresPerUser: number;
  /** Seconds failures are counted over; a key quiet for a window starts again from 0. */
  windowSec: number;
  /** First block, seconds; a key blocked again while remembered gets twice the previous block. */
  blockSec: number;
  maxBlockSec: number;
  /** Most keys remembered (each about 150 bytes). */
  maxEntries: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleConfig = {
  maxFailures: 10,
  backoffAfter: 3,
  maxFailuresPerSource: 30,
  maxFailuresPerUser: 100,
  windowSec: 60,
  blockSec: 30,
  maxBlockSec: 300,
  maxEntries: 20_000,
};

const MAX_BACKOFF_SEC = 16;
/** How long a successful (source, username) stays trusted against a per-username block. */
const TRUST_SEC = 24 * 3600;

export type ThrottleScope = 'pair' | 'source' | 'user';

interface Entry {
  failures: number;
  windowStart: number;
  lastFailure: number;
  blockedUntil: number;
  lastBlockSec: number;
}

export type ThrottleVerdict = { ok: true } | { ok: false; scope: ThrottleScope | 'backoff'; retryAfterSec: number };

export interface BlockStarted {
  scope: ThrottleScope;
  failures: number;
  blockSec: number;
}

/** The accounting key of a source address: IPv4 as is, IPv6 by its /64. */
export function sourceKey(address: string): string {
  const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(a) !== 6) return a;
  const [head = '', tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16)).join(':') + '::/64';
}

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly trusted = new Map<string, number>();
  /** Blocks started, by scope (for metrics). */
  readonly blocks: Record<ThrottleScope, number> = { pair: 0, source: 0, user: 0 };
  /**
   * Told of every failure and success seen by this process (not of those applied with `shared`), so
   * a fleet can share them: each node then counts every attempt made on any node (docs/deploy.md).
   */
  observer?: { failure(source: string, username: string): void; success(source: string, username: string): void };

  constructor(
    readonly config: AuthThrottleConfig = DEFAULT_AUTH_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size + this.trusted.size;
  }

  /** May an attempt from `source` as `username` be verified now? (`username` undefined: no credentials yet.) */
  check(source: string, username?: string): ThrottleVerdict {
    const now = this.now();
    const src = sourceKey(source);
    const s = this.live(`s|${src}`, now);
    if (s && s.blockedUntil > now) return this.refuse('source', s.blockedUntil, now);
    if (username === undefined) return { ok: true };
    const p = this.live(`p|${src}|${username}`, now);
    if (p && p.blockedUntil > now) return this.refuse('pair', p.blockedUntil, now);
    if (p && p.failures >= this.config.backoffAfter) {
      const wait = Math.min(2 ** (p.failures - this.config.backoffAfter), MAX_BACKOFF_SEC) * 1000;
      if (now < p.lastFailure + wait) return this.refuse('backoff', p.lastFailure + wait, now);
    }
    const u = this.live(`u|${username}`, now);
    if (u && u.blockedUntil > now && !this.isTrusted(src, username, now)) return this.refuse('user', u.blockedUntil, now);
    return { ok: true };
  }

  /**
   * A failed verification (`shared`: one another node of the fleet saw). `first`: the pair's first failure in its window (worth one log line);
   * `blocks`: the blocks it started (one log line each).
   */
  failure(source: string, username: string, shared = false): { first: boolean; blocks: BlockStarted[] } {
    if (!shared) this.observer?.failure(source, username);
    const now = this.now();
    const src = sourceKey(source);
    const c = this.config;
    const started: BlockStarted[] = [];
    const count = (key: string, scope: ThrottleScope, max: number): number => {
      const e = this.touch(key, now);
      if (now - e.windowStart > c.windowSec * 1000) {
        e.failures = 0;
        e.windowStart = now;
      }
      e.failures++;
      e.lastFailure = now;
      if (e.failures >= max && e.blockedUntil <= now) {
        const blockSec = e.lastBlockSec ? Math.min(e.lastBlockSec * 2, c.maxBlockSec) : c.blockSec;
        e.blockedUntil = now + blockSec * 1000;
        e.lastBlockSec = blockSec;
        const failures = e.failures;
        // The block is the sanction; counting starts again after it.
        e.failures = 0;
        e.windowStart = e.blockedUntil;
        this.blocks[scope]++;
        started.push({ scope, failures, blockSec });
      }
      return e.failures;
    };
    const first = count(`p|${src}|${username}`, 'pair', c.maxFailures) === 1;
    count(`s|${src}`, 'source', c.maxFailuresPerSource);
    // Unknown usernames have no per-user account: nothing to protect, and names are the attacker's to invent.
    if (username !== '?') count(`u|${username}`, 'user', c.maxFailuresPerUser);
    return { first, blocks: started };
  }

  /** A successful authentication (`shared`: on another node): the pair and the source start again from 0, the pair is trusted. */
  success(source: string, username: string, shared = false): void {
    if (!shared) this.observer?.success(source, username);
    const now = this.now();
    const src = sourceKey(source);
    this.entries.delete(`p|${src}|${username}`);
    const s = this.entries.get(`s|${src}`);
    if (s && s.blockedUntil <= now) this.entries.delete(`s|${src}`);
    const key = `${src}|${username}`;
    this.trusted.delete(key);
    this.trusted.set(key, now);
    if (this.trusted.size > this.config.maxEntries) this.trusted.delete(this.trusted.keys().next().value!);
  }

  private refuse(scope: ThrottleScope | 'backoff', until: number, now: number): ThrottleVerdict {
    return { ok: false, scope, retryAfterSec: Math.max(1, Math.ceil((until - now) / 1000)) };
  }

  private isTrusted(src: string, username: string, now: number): boolean {
    const t = this.trusted.get(`${src}|${username}`);
    return t !== undefined && now - t < TRUST_SEC * 1000;
  }

  /** The entry for `key` unless it has nothing left to say (window over, not blocked, no block to double). */
  private live(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const c = this.config;
    const forgetAt = Math.max(e.windowStart + c.windowSec * 1000, e.blockedUntil + (e.lastBlockSec ? c.maxBlockSec * 1000 : 0));
    if (now > forgetAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** The entry for `key`, created if needed, moved to the most recently used end; the oldest goes when full. */
  private touch(key: string, now: number): Entry {
    let e = this.live(key, now);
    if (e) this.entries.delete(key);
    else e = { failures: 0, windowStart: now, lastFailure: 0, blockedUntil: 0, lastBlockSec: 0 };
    this.entries.set(key, e);
    if (this.entries.size > this.config.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return e;
  }
}
