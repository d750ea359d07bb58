/**
 * A gateway node's part in a fleet (docs/deploy.md): the shared PostgreSQL of the control region
 * carries the fleet tables (schema.ts) and its LISTEN/NOTIFY channel (bus.ts). `Fleet` builds:
 *
 * - the bus, and tenancy changes followed from it (`onTenancyChange`: a trigger on the store's
 *   revision notifies every node within the commit, whichever node or tool made the change);
 * - `FleetErasure`, the erasure participant that reaches the other nodes' outboxes;
 * - `FleetRateLimiter` (admin API) and `SharedAuthFailures` (digest guessing), counted fleet-wide;
 * - the node registry (heartbeat, state, figures, live calls) started once the node serves.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { AuthThrottle } from '../sip/index.js';
import { FleetBus } from './bus.js';
import { FleetErasure, type LocalErasure } from './erasure.js';
import { FleetRateLimiter, SharedAuthFailures, type RateLimit } from './counters.js';
import { NodeRegistry, type LiveCallRow, type NodeFigures } from './nodes.js';
import { FLEET_NAMESPACE, fleetMigrations } from './schema.js';

export interface FleetSettings {
  nodeId: string;
  heartbeatSeconds: number;
  erasureWaitSeconds: number;
  forgetNodeAfterHours: number;
}

/** Also what the admin API's `/v1/fleet` routes read (`FleetView` there, structurally). */
export class Fleet {
  readonly bus: FleetBus;
  readonly limiter: FleetRateLimiter;
  erasure?: FleetErasure;
  #registry?: NodeRegistry;
  #auth?: SharedAuthFailures;

  private constructor(
    private readonly store: Store,
    readonly settings: FleetSettings,
    private readonly log: Logger,
    url: string,
    rateLimit: RateLimit,
  ) {
    this.bus = new FleetBus(url, (sql, params) => store.execute(sql, params), log);
    this.limiter = new FleetRateLimiter(store, rateLimit);
  }

  /** Creates the fleet tables (once per database) and starts listening. */
  static async open(o: { store: Store; url: string; settings: FleetSettings; log: Logger; rateLimit: RateLimit }): Promise<Fleet> {
    if (o.store.dialect !== 'postgres') throw new Error('fleet: the control region store must be PostgreSQL (regions.<region>.store.kind: postgres)');
    await o.store.migrate(FLEET_NAMESPACE, fleetMigrations);
    const f = new Fleet(o.store, o.settings, o.log, o.url, o.rateLimit);
    await f.bus.start();
    return f;
  }

  get nodeId(): string {
    return this.settings.nodeId;
  }

  /** `fn` runs on every tenancy change made anywhere in the fleet, and after a LISTEN reconnect. */
  onTenancyChange(fn: () => void): void {
    this.bus.on('message', (m) => m.t === 'tenancy' && fn());
    this.bus.on('resync', fn);
  }

  /** Erasures: this node's part for requests made elsewhere; returns the participant for this node's eraser. */
  async followErasures(local: LocalErasure): Promise<FleetErasure> {
    this.erasure = new FleetErasure(this.store, this.bus, {
      nodeId: this.nodeId, waitMs: this.settings.erasureWaitSeconds * 1000, local, log: this.log,
      liveNodes: () => this.#registry?.liveNodeIds() ?? Promise.resolve([]),
    });
    await this.erasure.applyPending();
    return this.erasure;
  }

  /** Digest guessing counted over the fleet. */
  async shareAuthFailures(throttle: AuthThrottle): Promise<void> {
    this.#auth = new SharedAuthFailures(this.store, this.bus, throttle, { nodeId: this.nodeId, windowSec: throttle.config.windowSec, log: this.log });
    await this.#auth.start();
  }

  /** Registers the node and starts its heartbeat (once it serves SIP and the admin API). */
  async startNode(o: { sip: string; admin: string; figures: () => Promise<NodeFigures>; liveCalls: () => LiveCallRow[] }): Promise<void> {
    this.#registry = new NodeRegistry(this.store, {
      nodeId: this.nodeId, sip: o.sip, admin: o.admin, heartbeatMs: this.settings.heartbeatSeconds * 1000,
      forgetAfterMs: this.settings.forgetNodeAfterHours * 3600_000, figures: o.figures, liveCalls: o.liveCalls, log: this.log,
      maintenance: async () => {
        await this.erasure?.collect();
        await this.#auth?.prune();
      },
    });
    await this.#registry.start();
  }

  callStarted(c: LiveCallRow): void {
    this.#registry?.callStarted(c);
  }

  callEnded(callId: string): void {
    this.#registry?.callEnded(callId);
  }

  /** Writes the node's state at once (a drain must reach the fleet view without waiting for a beat). */
  async heartbeat(): Promise<void> {
    await this.#registry?.heartbeat();
  }

  async nodes() {
    return this.#registry ? this.#registry.nodes() : [];
  }

  async calls(now: number) {
    return this.#registry ? this.#registry.calls(now) : [];
  }

  async close(): Promise<void> {
    await this.#registry?.stop().catch((err: unknown) => this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'fleet: could not mark the node stopped'));
    await this.bus.close();
  }
}
