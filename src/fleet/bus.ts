/**
 * The fleet's message bus: PostgreSQL LISTEN/NOTIFY on one channel of the shared database.
 *
 * One dedicated connection LISTENs (a pooled one cannot: LISTEN belongs to a session). Messages are
 * small JSON objects with a type `t`; NOTIFY is sent in the sender's transaction or on its own, and
 * PostgreSQL delivers it to every listening session after commit, in commit order. Nothing is
 * delivered to a session that is not connected: when the listening connection drops, the bus
 * reconnects (1 s, doubling to 10 s) and emits `resync`, and every follower re-reads the tables it
 * follows (the tables are the truth, notifications only say "look now").
 */
import pg from 'pg';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { systemClock, type Clock, type TimerHandle } from '../time/index.js';
import { FLEET_CHANNEL } from './schema.js';

export interface FleetMessage {
  t: string;
  [k: string]: unknown;
}

/** NOTIFY payloads are limited to 8000 bytes; ours are far smaller, anything larger is a bug. */
const MAX_PAYLOAD = 7900;

export class FleetBus extends EventEmitter<{ message: [FleetMessage]; resync: [] }> {
  #client: pg.Client | undefined;
  #closed = false;
  #retryMs = 1000;
  #timer: TimerHandle | undefined;
  #connected = false;

  constructor(
    private readonly url: string,
    private readonly send: (sql: string, params: unknown[]) => Promise<unknown>,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    super();
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Connects and LISTENs; rejects when the first connection fails (start-up names the problem). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    client.on('notification', (n) => {
      if (n.channel !== FLEET_CHANNEL || !n.payload) return;
      let m: unknown;
      try {
        m = JSON.parse(n.payload);
      } catch {
        return;
      }
      if (m && typeof m === 'object' && typeof (m as FleetMessage).t === 'string') this.emit('message', m as FleetMessage);
    });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    await client.connect();
    await client.query(`LISTEN ${FLEET_CHANNEL}`);
    this.#client = client;
    this.#connected = true;
    this.#retryMs = 1000;
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#connected = false;
    client.end().catch(() => undefined);
    if (this.#closed) return;
    this.log.warn({ retryMs: this.#retryMs }, 'fleet: the LISTEN connection to PostgreSQL dropped; reconnecting');
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = this.clock.setTimeout(() => {
      this.#connect().then(
        () => {
          this.log.info('fleet: LISTEN connection back; re-reading what may have been missed');
          this.emit('resync');
        },
        () => {
          this.#retryMs = Math.min(10_000, this.#retryMs * 2);
          this.#schedule();
        },
      );
    }, this.#retryMs);
  }

  /** Sends a message to every node (this one included). */
  async publish(m: FleetMessage): Promise<void> {
    const payload = JSON.stringify(m);
    if (payload.length > MAX_PAYLOAD) throw new Error(`fleet message "${m.t}" too large (${payload.length} bytes)`);
    await this.send('SELECT pg_notify(?, ?)', [FLEET_CHANNEL, payload]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.clock.clearTimeout(this.#timer);
    const c = this.#client;
    this.#client = undefined;
    this.#connected = false;
    await c?.end().catch(() => undefined);
  }
}
