/**
 * HTTP Digest authentication as SIP uses it (RFC 3261 §22.4 with RFC 2617 and RFC 7616 / RFC 8760):
 * parsing `WWW-Authenticate` / `Authorization` header values, computing a response, and a stateless
 * server-side verifier. Hashes come from node:crypto (`createHash`); nothing cryptographic is
 * reimplemented here — this is the digest *protocol*, the string compositions RFC 2617 §3.2.2
 * prescribes.
 *
 *   HA1 = H(username ":" realm ":" password)        (-sess: H(HA1 ":" nonce ":" cnonce))
 *   HA2 = H(method ":" digest-uri)                   (qop=auth)
 *   response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)   (qop=auth)
 *            = H(HA1 ":" nonce ":" HA2)                              (RFC 2069, no qop)
 *
 * Server nonces are `<time>.<random>.<mac>`: an HMAC-SHA256 over time and random under a
 * per-process secret, so a forged nonce is refused without any lookup and a challenge costs no
 * memory (a flood of unauthenticated INVITEs cannot fill a table). A nonce older than `nonceTtlSec`
 * is answered `stale=true` (the client retries without asking the user).
 *
 * Replay (RFC 7616 §3.3, §5.12): a nonce is tracked from its first *successful* use in a
 * `NonceTracker` — the highest `nc` seen, and the Call-ID and branch of the request that used it.
 * A later request must bring a higher `nc` (a client without `qop` has no `nc`: its nonce is
 * one-time). The same `nc` again is accepted only as a retransmission of the same request (same
 * Call-ID and Via branch); anything else is a replay. State is bounded (see NonceTracker).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
const ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];

function hashName(a: DigestAlgorithm): 'md5' | 'sha256' {
  return a.startsWith('SHA-256') ? 'sha256' : 'md5';
}

export function digestHash(a: DigestAlgorithm, s: string): string {
  return createHash(hashName(a)).update(s, 'utf8').digest('hex');
}

/** `Digest k=v, k="v"` → parameters (names lower-cased); undefined when not a Digest value. */
export function parseDigestParams(value: string): Record<string, string> | undefined {
  const m = /^\s*Digest\s+/i.exec(value);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/gy;
  re.lastIndex = m[0].length;
  let p: RegExpExecArray | null;
  while (re.lastIndex < value.length && (p = re.exec(value))) {
    out[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return out;
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  qop?: string[];
  opaque?: string;
  stale?: boolean;
}

/** One challenge header value; undefined for a non-Digest scheme or an unknown algorithm. */
export function parseChallenge(value: string): DigestChallenge | undefined {
  const p = parseDigestParams(value);
  if (!p || p['realm'] === undefined || !p['nonce']) return undefined;
  const algorithm = ALGORITHMS.find((a) => a.toLowerCase() === (p['algorithm'] ?? 'MD5').toLowerCase());
  if (!algorithm) return undefined;
  return {
    realm: p['realm'],
    nonce: p['nonce'],
    algorithm,
    ...(p['qop'] ? { qop: p['qop'].split(',').map((q) => q.trim().toLowerCase()).filter(Boolean) } : {}),
    ...(p['opaque'] !== undefined ? { opaque: p['opaque'] } : {}),
    ...(p['stale'] ? { stale: p['stale'].toLowerCase() === 'true' } : {}),
  };
}

export interface DigestInputs {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  /** The password, or the precomputed H(username:realm:password). */
  password?: string;
  ha1?: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

export function digestResponse(i: DigestInputs): string {
  let ha1 = i.ha1 ?? digestHash(i.algorithm, `${i.username}:${i.realm}:${i.password ?? ''}`);
  if (i.algorithm.endsWith('-sess')) ha1 = digestHash(i.algorithm, `${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  const ha2 = digestHash(i.algorithm, `${i.method}:${i.uri}`);
  return i.qop ? digestHash(i.algorithm, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`) : digestHash(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
}

const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/** The `Authorization` value answering `challenge` for a request (RFC 3261 §22.4). */
export function authorizationFor(challenge: DigestChallenge, cred: { username: string; password: string }, method: string, uri: string, nc = 1): string {
  const qop = challenge.qop?.includes('auth') ? ('auth' as const) : undefined;
  const cnonce = randomBytes(12).toString('hex');
  const ncHex = nc.toString(16).padStart(8, '0');
  const response = digestResponse({ algorithm: challenge.algorithm, username: cred.username, realm: challenge.realm, password: cred.password, method, uri, nonce: challenge.nonce, ...(qop ? { qop, nc: ncHex, cnonce } : {}) });
  const parts = [
    `username=${quote(cred.username)}`, `realm=${quote(challenge.realm)}`, `nonce=${quote(challenge.nonce)}`, `uri=${quote(uri)}`,
    `response=${quote(response)}`, `algorithm=${challenge.algorithm}`,
    ...(qop ? [`qop=${qop}`, `nc=${ncHex}`, `cnonce=${quote(cnonce)}`] : []),
    ...(challenge.opaque !== undefined ? [`opaque=${quote(challenge.opaque)}`] : []),
  ];
  return `Digest ${parts.join(', ')}`;
}

export interface DigestUser {
  username: string;
  password?: string;
  /** H(username:realm:password) for MD5, so the password need not be stored. */
  ha1Md5?: string;
}

export type VerifyFailure = 'missing' | 'malformed' | 'unknown-user' | 'bad-response' | 'stale' | 'realm' | 'replay';
export type VerifyResult = { ok: true; username: string } | { ok: false; reason: VerifyFailure };

/** The request an `Authorization` came with: a retransmission repeats both, a replay does not. */
export interface RequestIdentity {
  callId: string;
  branch: string;
}

interface NonceUse {
  /** Issue time of the nonce (seconds), for expiry. */
  t: number;
  /** Highest nc accepted (0 for a client without qop). */
  nc: number;
  /** SHA-256 of the Call-ID and branch of the request that used `nc` ('' when unknown). */
  request: string;
}

/**
 * Nonces in use, bounded. Entries live until their nonce expires (then the nonce is stale anyway).
 * When `maxEntries` is reached the oldest entry is dropped and `floor` rises to its issue time:
 * a nonce issued at or before `floor` that is not in the table is answered as stale (the client
 * simply authenticates again with a fresh nonce), so eviction can never reopen a replay.
 */
export class NonceTracker {
  private readonly uses = new Map<string, NonceUse>();
  private floor = -1;

  constructor(
    private readonly ttlSec: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.uses.size;
  }

  /** Records the use of `nonce` (issued at `t`) with `nc`; the result says whether it is fresh, a retransmission, a replay or untrackable. */
  use(nonce: string, t: number, nc: number, request: string, now: number): 'ok' | 'replay' | 'stale' {
    this.expire(now);
    const seen = this.uses.get(nonce);
    if (seen) {
      if (nc > seen.nc) {
        seen.nc = nc;
        seen.request = request;
        return 'ok';
      }
      return nc === seen.nc && request !== '' && request === seen.request ? 'ok' : 'replay';
    }
    if (t <= this.floor) return 'stale';
    if (this.uses.size >= this.maxEntries) {
      const [oldest, entry] = this.uses.entries().next().value as [string, NonceUse];
      this.uses.delete(oldest);
      this.floor = Math.max(this.floor, entry.t);
      if (t <= this.floor) return 'stale';
    }
    this.uses.set(nonce, { t, nc, request });
    return 'ok';
  }

  /** Drops entries whose nonce has expired (insertion order is roughly issue order: stop at the first live one). */
  private expire(now: number): void {
    for (const [nonce, u] of this.uses) {
      if (now - u.t <= this.ttlSec) {
        // Not strictly ordered by issue time (first *use* orders the map): a few expired entries may
        // wait behind a live one until it expires; the size cap still holds.
        return;
      }
      this.uses.delete(nonce);
    }
  }
}

export interface DigestVerifierOptions {
  nonceTtlSec?: number;
  now?: () => number;
  algorithms?: readonly ('SHA-256' | 'MD5')[];
  /** Most nonces tracked at once against replay (default 10,000: about 2 MB). */
  maxTrackedNonces?: number;
}

/** Signed nonces, replay tracking and verification for one realm (the gateway as UAS). */
export class DigestVerifier {
  private readonly secret = randomBytes(32);
  private readonly users: Map<string, DigestUser>;
  private readonly tracker: NonceTracker;

  constructor(
    readonly realm: string,
    users: readonly DigestUser[],
    private readonly opts: DigestVerifierOptions = {},
  ) {
    this.users = new Map(users.map((u) => [u.username, u]));
    this.tracker = new NonceTracker(opts.nonceTtlSec ?? 300, opts.maxTrackedNonces ?? 10_000);
  }

  /** Nonces currently tracked against replay. */
  get trackedNonces(): number {
    return this.tracker.size;
  }

  /** Whether `username` is one of ours (throttling accounts unknown names together). */
  knows(username: string): boolean {
    return this.users.has(username);
  }

  private now(): number {
    return Math.floor((this.opts.now?.() ?? Date.now()) / 1000);
  }

  private mac(t: string, r: string): string {
    return createHmac('sha256', this.secret).update(`${t}.${r}`).digest('base64url').slice(0, 22);
  }

  nonce(): string {
    const t = String(this.now());
    const r = randomBytes(9).toString('base64url');
    return `${t}.${r}.${this.mac(t, r)}`;
  }

  /** `WWW-Authenticate` values, SHA-256 first (RFC 8760 §2.4: most preferred first). */
  challenges(stale = false): string[] {
    const nonce = this.nonce();
    return (this.opts.algorithms ?? (['SHA-256', 'MD5'] as const)).map((a) => `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, algorithm=${a}, qop="auth"${stale ? ', stale=true' : ''}`);
  }

  /**
   * Checks one `Authorization` value for `method`. `request` identifies the request it came with;
   * without it (unit use) every reuse of a nonce with the same nc is a replay.
   */
  verify(authorization: string | undefined, method: string, request?: RequestIdentity): VerifyResult {
    if (!authorization) return { ok: false, reason: 'missing' };
    const p = parseDigestParams(authorization);
    if (!p || !p['username'] || !p['nonce'] || !p['uri'] || !p['response']) return { ok: false, reason: 'malformed' };
    if (p['realm'] !== this.realm) return { ok: false, reason: 'realm' };
    const algorithm = ALGORITHMS.find((a) => a.toLowerCase() === (p['algorithm'] ?? 'MD5').toLowerCase());
    if (!algorithm) return { ok: false, reason: 'malformed' };
    const [t, r, mac] = p['nonce'].split('.');
    if (!t || !r || !mac || mac !== this.mac(t, r)) return { ok: false, reason: 'bad-response' };
    const user = this.users.get(p['username']);
    if (!user) return { ok: false, reason: 'unknown-user' };
    const qop = p['qop']?.toLowerCase() === 'auth' ? ('auth' as const) : undefined;
    if (qop && (!p['nc'] || !p['cnonce'] || !/^[0-9a-fA-F]{8}$/.test(p['nc']))) return { ok: false, reason: 'malformed' };
    const ha1 = user.password === undefined && algorithm === 'MD5' ? user.ha1Md5 : undefined;
    if (user.password === undefined && ha1 === undefined) return { ok: false, reason: 'bad-response' };
    const expected = digestResponse({ algorithm, username: user.username, realm: this.realm, ...(ha1 ? { ha1 } : { password: user.password }), method, uri: p['uri'], nonce: p['nonce'], ...(qop ? { qop, nc: p['nc'], cnonce: p['cnonce'] } : {}) });
    const a = Buffer.from(expected);
    const b = Buffer.from(p['response'].toLowerCase());
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'bad-response' };
    // A correct response to an expired nonce: the client knows the password, it only needs a fresh nonce.
    const now = this.now();
    if (now - Number(t) > (this.opts.nonceTtlSec ?? 300)) return { ok: false, reason: 'stale' };
    // Only now, with a correct response, does the nonce take a place in the table.
    const nc = qop ? Number.parseInt(p['nc']!, 16) : 0;
    // The request identity is stored hashed: Call-ID and branch are the peer's to make long.
    const id = request ? createHash('sha256').update(`${request.callId}\n${request.branch}`).digest('base64url') : '';
    const use = this.tracker.use(p['nonce'], Number(t), nc, id, now);
    if (use !== 'ok') return { ok: false, reason: use };
    return { ok: true, username: user.username };
  }
}
