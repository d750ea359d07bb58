/**
 * Erasure across the fleet. Each node keeps its own event outbox (a SQLite file on its disk), so an
 * erasure made on one node must reach the others' pending events:
 *
 *   1. The node that takes the request erases locally (training records in the shared store, its own
 *      outbox) and, as the erasure participant `fleetNodes`, records the request in `fleet_erasures`
 *      (keyed pseudonym only) with its own acknowledgement, and NOTIFYs `erasure`.
 *   2. Every node, on the notification — and at start and after a LISTEN reconnect, for the ones it
 *      missed while away — drops the caller's cached data keys, erases the caller from its outbox
 *      (pending events, and the sinks its ledger says received some), writes its acknowledgement and
 *      NOTIFYs `erasure-ack`.
 *   3. The requesting node waits (`fleet.erasureWaitSeconds`) for every node that was live when the
 *      request was made. A node that does not confirm in time, or reports a failure, is named in the
 *      receipt's `failed` (the request is a failure, fail closed; the node applies it when it is back,
 *      and a retry reports it done).
 *   4. A request's row is deleted once every known node has acknowledged it (nodes forgotten after
 *      `fleet.forgetNodeAfterHours` no longer count).
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { ErasureParticipant, ParticipantErasure } from '../training/index.js';
import { systemClock, type Clock } from '../time/index.js';
import type { FleetBus, FleetMessage } from './bus.js';
import { DB_NOW } from './schema.js';

/** What this node does for an erasure made elsewhere: its own outbox (and its sinks) and key caches. */
export interface LocalErasure {
  eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string, requestId: string): Promise<{ removed: number; failed: string[] }>;
}

interface ErasureRow {
  request_id: string;
  account_id: string;
  application_id: string;
  pseudonym: string;
}

export class FleetErasure implements ErasureParticipant {
  readonly name = 'fleetNodes';
  #applying: Promise<void> = Promise.resolve();
  #again = false;
  #running = false;
  #waiters = new Set<() => void>();

  constructor(
    private readonly db: Pick<Store, 'query' | 'execute' | 'transaction'>,
    private readonly bus: FleetBus,
    private readonly o: {
      nodeId: string;
      waitMs: number;
      liveNodes: () => Promise<string[]>;
      local: LocalErasure;
      log: Logger;
      clock?: Clock;
    },
  ) {
    bus.on('message', (m: FleetMessage) => {
      if (m.t === 'erasure' && m.origin !== o.nodeId) this.applyPending();
      else if (m.t === 'erasure-ack') for (const w of this.#waiters) w();
    });
    bus.on('resync', () => this.applyPending());
  }

  private get clock(): Clock {
    return this.o.clock ?? systemClock;
  }

  // ---- the requesting node -----------------------------------------------------------------

  async eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string, ctx?: { requestId: string }): Promise<ParticipantErasure> {
    const requestId = ctx?.requestId ?? `fleet-${this.clock.epochMs()}`;
    const expected = (await this.o.liveNodes()).filter((n) => n !== this.o.nodeId);
    await this.db.transaction(async (tx) => {
      await tx.execute(`INSERT INTO fleet_erasures (request_id, account_id, application_id, pseudonym, origin_node, created_at) VALUES (?, ?, ?, ?, ?, ${DB_NOW})
        ON CONFLICT (request_id) DO NOTHING`, [requestId, accountId, applicationId, pseudonym, this.o.nodeId]);
      // This node's own outbox is erased by the forwarding participant in the same request.
      await tx.execute(`INSERT INTO fleet_erasure_acks (request_id, node_id, removed, failed, at) VALUES (?, ?, 0, '[]', ${DB_NOW}) ON CONFLICT DO NOTHING`, [requestId, this.o.nodeId]);
    });
    await this.bus.publish({ t: 'erasure', id: requestId, origin: this.o.nodeId });
    const acks = await this.#awaitAcks(requestId, expected);
    const out: ParticipantErasure & { nodes: string[] } = { removed: 0, failed: [], nodes: [] };
    // Every node that has confirmed counts (also one that is not live now but applied it earlier, as
    // after an earlier attempt); a live node that has not, or that reports a failure, makes it incomplete.
    for (const [node, a] of acks) {
      if (node === this.o.nodeId) continue;
      out.removed += a.removed;
      if (a.failed.length) out.failed!.push(...a.failed.map((f) => `node ${node}: ${f}`));
      else out.nodes.push(node);
    }
    for (const node of expected) {
      if (!acks.has(node)) out.failed!.push(`node ${node}: did not confirm within ${this.o.waitMs / 1000} s (it applies the erasure when it is back; retry to confirm)`);
    }
    out.nodes.sort();
    return out;
  }

  async #acks(requestId: string): Promise<Map<string, { removed: number; failed: string[] }>> {
    const rows = await this.db.query<{ node_id: string; removed: number; failed: string }>('SELECT node_id, removed, failed FROM fleet_erasure_acks WHERE request_id = ?', [requestId]);
    return new Map(rows.map((r) => [r.node_id, { removed: Number(r.removed), failed: JSON.parse(r.failed) as string[] }]));
  }

  /** Reads the acknowledgements after each `erasure-ack` notification until all expected are in or time is up. */
  async #awaitAcks(requestId: string, expected: string[]): Promise<Map<string, { removed: number; failed: string[] }>> {
    const deadline = this.clock.now() + this.o.waitMs;
    let acks = await this.#acks(requestId);
    while (expected.some((n) => !acks.has(n)) && this.clock.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#waiters.delete(done);
          this.clock.clearTimeout(t);
          resolve();
        };
        // Woken by an ack notification; the timer bounds the wait (and covers a LISTEN reconnect).
        const t = this.clock.setTimeout(done, Math.min(500, Math.max(0, deadline - this.clock.now())));
        this.#waiters.add(done);
      });
      acks = await this.#acks(requestId);
    }
    return acks;
  }

  // ---- every node ---------------------------------------------------------------------------

  /** Applies every erasure this node has not acknowledged yet; runs coalesce (at most one queued). */
  applyPending(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#applying;
    }
    this.#running = true;
    this.#applying = (async () => {
      try {
        do {
          this.#again = false;
          await this.#applyOnce();
        } while (this.#again);
      } catch (err) {
        this.o.log.error({ err: err instanceof Error ? err.message : String(err) }, 'fleet: applying erasures from other nodes failed; retried on the next notification or reconnect');
      } finally {
        this.#running = false;
      }
    })();
    return this.#applying;
  }

  async #applyOnce(): Promise<void> {
    const rows = await this.db.query<ErasureRow>(
      `SELECT request_id, account_id, application_id, pseudonym FROM fleet_erasures e
       WHERE NOT EXISTS (SELECT 1 FROM fleet_erasure_acks a WHERE a.request_id = e.request_id AND a.node_id = ? AND a.failed = '[]') ORDER BY created_at`,
      [this.o.nodeId],
    );
    for (const r of rows) {
      let result: { removed: number; failed: string[] };
      try {
        result = await this.o.local.eraseByPseudonym(r.account_id, r.application_id, r.pseudonym, r.request_id);
      } catch (e) {
        result = { removed: 0, failed: [e instanceof Error ? e.message.slice(0, 200) : 'failed'] };
      }
      await this.db.execute(`INSERT INTO fleet_erasure_acks (request_id, node_id, removed, failed, at) VALUES (?, ?, ?, ?, ${DB_NOW})
        ON CONFLICT (request_id, node_id) DO UPDATE SET removed = EXCLUDED.removed, failed = EXCLUDED.failed, at = EXCLUDED.at`,
        [r.request_id, this.o.nodeId, result.removed, JSON.stringify(result.failed)]);
      this.o.log.info({ requestId: r.request_id, accountId: r.account_id, applicationId: r.application_id, removed: result.removed, failed: result.failed.length }, 'fleet: erasure from another node applied to this node');
      await this.bus.publish({ t: 'erasure-ack', id: r.request_id, node: this.o.nodeId });
    }
  }

  /** Deletes requests every known node has acknowledged (called from the heartbeat). */
  async collect(): Promise<void> {
    await this.db.execute(`DELETE FROM fleet_erasures e WHERE NOT EXISTS (
      SELECT 1 FROM fleet_nodes n WHERE NOT EXISTS (SELECT 1 FROM fleet_erasure_acks a WHERE a.request_id = e.request_id AND a.node_id = n.node_id AND a.failed = '[]'))`);
  }
}
