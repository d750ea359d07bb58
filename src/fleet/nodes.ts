/**
 * This node in `fleet_nodes` (heartbeat, state, figures) and its calls in `fleet_calls`; and the
 * fleet as a whole read back from them (the admin API's `/v1/fleet/*`).
 *
 * Calls are written when they start and removed when they end, one statement each, queued per call
 * so a short call's delete never overtakes its insert; a failed write is logged and the heartbeat
 * re-syncs the node's rows (so the table heals after a database blip). A node killed outright leaves
 * rows behind: the next heartbeat of any live node removes the calls of nodes silent for more than
 * three heartbeats (those calls are lost with the process anyway).
 */
import type { Logger } from 'pino';
import type { SqlExecutor } from '../store/index.js';
import { systemClock, type Clock, type TimerHandle } from '../time/index.js';
import { DB_NOW } from './schema.js';

export interface NodeFigures {
  state: 'serving' | 'draining';
  callsActive: number;
  callsTotal: number;
  callsRefused: number;
  outboxDepth: number;
}

export interface LiveCallRow {
  callId: string;
  accountId: string;
  applicationId: string;
  startedAt: number;
}

export interface FleetNodeView {
  nodeId: string;
  sip: string;
  admin: string;
  state: string;
  live: boolean;
  startedAt: string;
  heartbeatAgeMs: number;
  callsActive: number;
  callsTotal: number;
  callsRefused: number;
  outboxDepth: number;
}

export interface FleetCallView {
  nodeId: string;
  callId: string;
  accountId: string;
  applicationId: string;
  startedAt: string;
  durationSeconds: number;
}

/** A node is live while its last heartbeat is younger than this many of its intervals. */
export const LIVE_HEARTBEATS = 3;
const LIVE = `heartbeat_at > ${DB_NOW} - ${LIVE_HEARTBEATS} * heartbeat_ms`;

export class NodeRegistry {
  #timer: TimerHandle | undefined;
  #chains = new Map<string, Promise<void>>();
  #stopped = false;
  #beating: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: SqlExecutor,
    private readonly o: {
      nodeId: string;
      sip: string;
      admin: string;
      heartbeatMs: number;
      forgetAfterMs: number;
      figures: () => Promise<NodeFigures>;
      liveCalls: () => LiveCallRow[];
      log: Logger;
      /** Housekeeping of the other fleet tables, run after each heartbeat. */
      maintenance?: () => Promise<void>;
      clock?: Clock;
    },
  ) {}

  private get clock(): Clock {
    return this.o.clock ?? systemClock;
  }

  /** Registers the node (clearing calls a previous run of it left) and starts the heartbeat. */
  async start(): Promise<void> {
    await this.db.execute('DELETE FROM fleet_calls WHERE node_id = ?', [this.o.nodeId]);
    await this.heartbeat();
    this.#arm();
  }

  #arm(): void {
    this.#timer = this.clock.setTimeout(() => {
      if (this.#stopped) return;
      this.#beating = this.heartbeat().catch((err: unknown) => this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'fleet: heartbeat failed'));
      void this.#beating.finally(() => this.#stopped || this.#arm());
    }, this.o.heartbeatMs);
  }

  /** Writes figures and state now (also called when the state changes, so the fleet sees a drain at once). */
  async heartbeat(): Promise<void> {
    const f = await this.o.figures();
    await this.db.execute(
      `INSERT INTO fleet_nodes (node_id, sip, admin, state, started_at, heartbeat_at, heartbeat_ms, calls_active, calls_total, calls_refused, outbox_depth)
       VALUES (?, ?, ?, ?, ${DB_NOW}, ${DB_NOW}, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id) DO UPDATE SET sip = EXCLUDED.sip, admin = EXCLUDED.admin, state = EXCLUDED.state, heartbeat_at = EXCLUDED.heartbeat_at,
         heartbeat_ms = EXCLUDED.heartbeat_ms, calls_active = EXCLUDED.calls_active, calls_total = EXCLUDED.calls_total,
         calls_refused = EXCLUDED.calls_refused, outbox_depth = EXCLUDED.outbox_depth`,
      [this.o.nodeId, this.o.sip, this.o.admin, f.state, this.o.heartbeatMs, f.callsActive, f.callsTotal, f.callsRefused, f.outboxDepth],
    );
    // The node's own rows against what it holds (heals a failed insert or delete).
    const held = await this.db.query<{ call_id: string }>('SELECT call_id FROM fleet_calls WHERE node_id = ?', [this.o.nodeId]);
    const live = new Map(this.o.liveCalls().map((c) => [c.callId, c]));
    for (const r of held) if (!live.has(r.call_id) && !this.#chains.has(r.call_id)) await this.db.execute('DELETE FROM fleet_calls WHERE node_id = ? AND call_id = ?', [this.o.nodeId, r.call_id]);
    const heldIds = new Set(held.map((r) => r.call_id));
    for (const c of live.values()) if (!heldIds.has(c.callId) && !this.#chains.has(c.callId)) await this.#insert(c);
    // Calls of nodes that died without a word, and nodes gone for good.
    await this.db.execute(`DELETE FROM fleet_calls c USING fleet_nodes n WHERE c.node_id = n.node_id AND NOT (n.${LIVE})`);
    await this.db.execute(`DELETE FROM fleet_nodes WHERE heartbeat_at < ${DB_NOW} - ?`, [this.o.forgetAfterMs]);
    await this.o.maintenance?.();
  }

  #insert(c: LiveCallRow): Promise<number> {
    return this.db.execute('INSERT INTO fleet_calls (node_id, call_id, account_id, application_id, started_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
      this.o.nodeId, c.callId, c.accountId, c.applicationId, c.startedAt,
    ]);
  }

  callStarted(c: LiveCallRow): void {
    this.#queue(c.callId, () => this.#insert(c));
  }

  callEnded(callId: string): void {
    this.#queue(callId, () => this.db.execute('DELETE FROM fleet_calls WHERE node_id = ? AND call_id = ?', [this.o.nodeId, callId]), true);
  }

  #queue(callId: string, write: () => Promise<unknown>, last = false): void {
    if (this.#stopped) return;
    const prev = this.#chains.get(callId) ?? Promise.resolve();
    const next = prev.then(write).then(
      () => undefined,
      (err: unknown) => this.o.log.warn({ callId, err: err instanceof Error ? err.message : String(err) }, 'fleet: live call row not written; the heartbeat re-syncs it'),
    );
    this.#chains.set(callId, next);
    if (last) void next.finally(() => this.#chains.get(callId) === next && this.#chains.delete(callId));
  }

  /** Every node the database knows, live or not, with its figures. */
  async nodes(): Promise<FleetNodeView[]> {
    const rows = await this.db.query<Record<string, string | number | boolean>>(
      `SELECT node_id, sip, admin, state, started_at, calls_active, calls_total, calls_refused, outbox_depth, ${LIVE} AS live, ${DB_NOW} - heartbeat_at AS age
       FROM fleet_nodes ORDER BY node_id`,
    );
    return rows.map((r) => ({
      nodeId: String(r.node_id), sip: String(r.sip), admin: String(r.admin), state: String(r.state), live: r.live === true,
      startedAt: new Date(Number(r.started_at)).toISOString(), heartbeatAgeMs: Number(r.age),
      callsActive: Number(r.calls_active), callsTotal: Number(r.calls_total), callsRefused: Number(r.calls_refused), outboxDepth: Number(r.outbox_depth),
    }));
  }

  /** The live nodes' ids (the ones an erasure waits for). */
  async liveNodeIds(): Promise<string[]> {
    const rows = await this.db.query<{ node_id: string }>(`SELECT node_id FROM fleet_nodes WHERE ${LIVE}`);
    return rows.map((r) => r.node_id);
  }

  /** The calls in progress on every live node. */
  async calls(now: number): Promise<FleetCallView[]> {
    const rows = await this.db.query<Record<string, string | number>>(
      `SELECT c.node_id, c.call_id, c.account_id, c.application_id, c.started_at FROM fleet_calls c JOIN fleet_nodes n ON n.node_id = c.node_id
       WHERE n.${LIVE} ORDER BY c.started_at`,
    );
    return rows.map((r) => ({
      nodeId: String(r.node_id), callId: String(r.call_id), accountId: String(r.account_id), applicationId: String(r.application_id),
      startedAt: new Date(Number(r.started_at)).toISOString(), durationSeconds: Math.max(0, Math.round((now - Number(r.started_at)) / 1000)),
    }));
  }

  /** Stops the heartbeat; a clean exit removes the node's calls and marks it `stopped` (it stays known until forgotten, so erasures made while it is down still wait for it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.clock.clearTimeout(this.#timer);
    await this.#beating;
    await Promise.all(this.#chains.values());
    await this.db.execute('DELETE FROM fleet_calls WHERE node_id = ?', [this.o.nodeId]);
    await this.db.execute("UPDATE fleet_nodes SET state = 'stopped', calls_active = 0 WHERE node_id = ?", [this.o.nodeId]);
  }
}
