/**
 * Protections that count, held across the fleet in PostgreSQL:
 *
 * - `FleetRateLimiter`: the admin API's per-key token bucket as one row per key in
 *   `fleet_rate_buckets`, taken with one atomic upsert (refill by elapsed time on the database's
 *   clock, take a token if there is one). So a key's `perMinute` holds for the whole fleet, whichever
 *   node a request reaches. One round trip per admin request (admin traffic, not the call path).
 * - `SharedAuthFailures`: digest failures and successes seen by any node are NOTIFYed and applied to
 *   every node's in-memory throttle, so the counts per (source, username), source and username are
 *   the fleet's (the INVITE path stays in memory: no database round trip per INVITE). Failures are
 *   also kept in `fleet_auth_failures` for one window, so a node that starts, or reconnects, counts
 *   the other nodes' failures it did not hear (applied as if they happened at that moment, so a
 *   count can last up to one window longer than on the node that saw it).
 */
import type { Logger } from 'pino';
import type { SqlExecutor } from '../store/index.js';
import type { AuthThrottle } from '../sip/index.js';
import type { FleetBus, FleetMessage } from './bus.js';
import { DB_NOW } from './schema.js';

/** A per-key limit: `burst` requests at once, refilled at `perMinute` (the admin API's `admin.rateLimit`). */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export class FleetRateLimiter {
  constructor(
    private readonly db: SqlExecutor,
    private readonly defaults: RateLimit,
  ) {}

  /** Takes one token for `keyId` fleet-wide; resolves to 0 when allowed, else the ms until one is available. */
  async take(keyId: string, perMinute?: number | null): Promise<number> {
    const limit = perMinute ? { perMinute, burst: Math.min(this.defaults.burst, perMinute) } : this.defaults;
    const perMs = limit.perMinute / 60_000;
    // $2 burst, $3 tokens per ms. Refill by the time since the last take, then take one if there is one.
    const refill = `LEAST($2::float8, b.tokens + (${DB_NOW} - b.at) * $3::float8)`;
    const rows = await this.db.query<{ tokens: number; last_ok: boolean }>(
      `INSERT INTO fleet_rate_buckets AS b (key, tokens, at, last_ok) VALUES ($1, $2::float8 - 1, ${DB_NOW}, true)
       ON CONFLICT (key) DO UPDATE SET
         tokens = ${refill} - CASE WHEN ${refill} >= 1 THEN 1 ELSE 0 END,
         last_ok = ${refill} >= 1,
         at = ${DB_NOW}
       RETURNING tokens, last_ok`,
      [`${keyId}|${limit.perMinute}`, limit.burst, perMs],
    );
    const r = rows[0]!;
    return r.last_ok ? 0 : Math.max(1, Math.ceil((1 - Number(r.tokens)) / perMs));
  }
}

export class SharedAuthFailures {
  /** The newest failure (database time) this node has counted from another node: a reconnect reads only later ones. */
  #seenUntil = 0;

  constructor(
    private readonly db: SqlExecutor,
    private readonly bus: FleetBus,
    private readonly throttle: AuthThrottle,
    private readonly o: { nodeId: string; windowSec: number; log: Logger },
  ) {}

  async start(): Promise<void> {
    this.throttle.observer = {
      failure: (source, username) => this.#share('auth-failure', source, username, true),
      success: (source, username) => this.#share('auth-ok', source, username, false),
    };
    this.bus.on('message', (m: FleetMessage) => {
      if (m.node === this.o.nodeId || typeof m.source !== 'string' || typeof m.user !== 'string') return;
      if (m.t === 'auth-failure') {
        this.throttle.failure(m.source, m.user, true);
        if (typeof m.at === 'number') this.#seenUntil = Math.max(this.#seenUntil, m.at);
      } else if (m.t === 'auth-ok') this.throttle.success(m.source, m.user, true);
    });
    this.bus.on('resync', () => void this.load().catch(() => undefined));
    await this.load();
  }

  /**
   * Counts other nodes' failures of the last window that this node has not heard of: all of them at
   * start, those after the newest one heard before a LISTEN reconnect. Its own are in its throttle.
   */
  async load(): Promise<void> {
    const rows = await this.db.query<{ source: string; username: string; at: number | string }>(
      `SELECT source, username, at FROM fleet_auth_failures WHERE node_id <> ? AND at > GREATEST(?, ${DB_NOW} - ?) ORDER BY at`,
      [this.o.nodeId, this.#seenUntil, this.o.windowSec * 1000],
    );
    for (const r of rows) {
      this.throttle.failure(r.source, r.username, true);
      this.#seenUntil = Math.max(this.#seenUntil, Number(r.at));
    }
  }

  #share(t: string, source: string, user: string, keep: boolean): void {
    const work = async () => {
      let at: number | undefined;
      if (keep) {
        const r = await this.db.query<{ at: number | string }>(`INSERT INTO fleet_auth_failures (node_id, source, username, at) VALUES (?, ?, ?, ${DB_NOW}) RETURNING at`, [this.o.nodeId, source, user]);
        at = Number(r[0]?.at);
      }
      await this.bus.publish({ t, node: this.o.nodeId, source, user, ...(at !== undefined ? { at } : {}) });
    };
    work().catch((err: unknown) => this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'fleet: an authentication outcome was not shared with the other nodes'));
  }

  /** Drops failures older than the window (called from the heartbeat). */
  async prune(): Promise<void> {
    await this.db.execute(`DELETE FROM fleet_auth_failures WHERE at < ${DB_NOW} - ?`, [this.o.windowSec * 1000]);
  }
}
