/**
 * Delivers one sink's pending outbox rows, asynchronously, in batches.
 *
 * - Batching: up to `batchSize` rows per request; when fewer are due, it lingers up to
 *   `lingerMs` after the oldest one was appended (or until a full batch has been appended).
 * - Ordering: one batch in flight per sink, rows in outbox order, and a batch holds at most
 *   one event per call (the call's earliest pending one): an event is never sent while an
 *   earlier one of its call is pending for that sink. Throughput comes from many calls sharing a
 *   batch; a backlog of one call drains one event per round trip.
 * - Failures: a per-event `retry` counts an attempt and schedules the next one with full-jitter
 *   exponential backoff; after `maxAttempts` attempts, or on a `permanent` failure, the delivery
 *   is dead-lettered (kept, with its last error, until an operator requeues it). A sink-wide
 *   `unavailable` counts no attempt: the whole sink backs off (full jitter, capped) and the same
 *   rows are tried again — an outage of any length loses nothing.
 * - Crash safety: a row leaves the outbox only after the sink acknowledged it, so a kill at any
 *   point resends at most the in-flight batch, under the same ids (idempotent at CouchDB).
 * - Sealed payloads: rows are opened (`PayloadCipher`) just before the batch is sent. A row whose
 *   data key is gone (its caller was erased) is dropped — counted, never sent; a row that fails
 *   authentication is dead-lettered, never sent.
 * - Erasure: `exclusive(fn)` runs `fn` between batches (the batch in flight recorded first), so an
 *   erasure sees a settled outbox and ledger, and no row it deleted is sent afterwards.
 * - When the sink's queue drains, the store checkpoints (delivered rows leave the WAL too).
 *
 * Time and randomness are injected (`Clock`, `random`).
 */
import type { Logger } from '../log/index.js';
import type { Clock, TimerHandle } from '../time/index.js';
import { fullJitterDelay, type BackoffPolicy } from './backoff.js';
import type { OutboxMetrics } from './metrics.js';
import { payloadBinding, type DeadUpdate, type OutboxRow, type OutboxStore, type RetryUpdate, type StoredOutboxRow } from './outbox-store.js';
import { PayloadTamperedError, type PayloadCipher } from './payload-cipher.js';
import type { DeliveryResult, EventSink } from './sinks/types.js';

export interface DeliveryPolicy {
  batchSize: number;
  lingerMs: number;
  maxAttempts: number;
  /** Per-event retry backoff. */
  retry: BackoffPolicy;
  /** Sink-wide backoff while the sink is unavailable. */
  unavailable: BackoffPolicy;
  /** Longest sleep when nothing is due (a safety net; appends wake the worker). */
  idlePollMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  batchSize: 500,
  lingerMs: 20,
  maxAttempts: 10,
  retry: { baseMs: 1000, capMs: 5 * 60_000 },
  unavailable: { baseMs: 500, capMs: 60_000 },
  idlePollMs: 5000,
};

export interface DeliveryWorkerOptions {
  store: OutboxStore;
  /** Opens the sealed payloads; `region` is the outbox's. */
  cipher: PayloadCipher;
  region: string;
  sinkKey: string;
  sink: EventSink;
  clock: Clock;
  policy?: Partial<DeliveryPolicy>;
  random?: () => number;
  metrics?: OutboxMetrics;
  logger?: Logger;
}

export class DeliveryWorker {
  readonly sinkKey: string;
  readonly #store: OutboxStore;
  readonly #cipher: PayloadCipher;
  readonly #region: string;
  /** Serialises batches with erasures (`exclusive`). */
  #lock: Promise<void> = Promise.resolve();
  /** Set by an erasure: rows fetched before it may be gone, fetch again before sending. */
  #stale = false;
  /** Deliveries dropped because their payload was shredded by erasure (never sent). */
  shredded = 0;
  readonly #sink: EventSink;
  readonly #clock: Clock;
  readonly #policy: DeliveryPolicy;
  readonly #random: () => number;
  readonly #metrics: OutboxMetrics | undefined;
  readonly #logger: Logger | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #sinkFailures = 0;
  /** Wakes a sleep early once this many appends have been notified (Infinity: do not wake). */
  #wakeAt = Infinity;
  #notified = 0;
  #wake: (() => void) | undefined;
  #timer: TimerHandle | undefined;

  constructor(opts: DeliveryWorkerOptions) {
    this.sinkKey = opts.sinkKey;
    this.#store = opts.store;
    this.#cipher = opts.cipher;
    this.#region = opts.region;
    this.#sink = opts.sink;
    this.#clock = opts.clock;
    this.#policy = { ...DEFAULT_DELIVERY_POLICY, ...opts.policy };
    this.#random = opts.random ?? Math.random;
    this.#metrics = opts.metrics;
    this.#logger = opts.logger;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Called after an append for this sink; wakes an idle or lingering worker. */
  notify(): void {
    this.#notified++;
    if (this.#notified >= this.#wakeAt) this.#interrupt();
  }

  /** Stops after the batch in flight (if any) has been recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#interrupt();
    await this.#loop;
    this.#loop = undefined;
  }

  /**
   * Runs `fn` while no batch of this sink is in flight or being recorded; the next batch is fetched
   * afresh afterwards. Erasure uses it so nothing it removed is sent and the ledger it reads is final.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#locked(async () => {
      try {
        return await fn();
      } finally {
        this.#stale = true;
      }
    });
  }

  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.#lock;
    let release!: () => void;
    this.#lock = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        await this.#step();
      } catch (err) {
        // A store error (disk full, locked): log without payloads and back off like an outage.
        this.#logger?.error({ module: 'events', sink: this.sinkKey, err }, 'outbox delivery step failed');
        await this.#sleep(fullJitterDelay(++this.#sinkFailures, this.#policy.unavailable, this.#random) + 1, Infinity);
      }
    }
  }

  async #step(): Promise<void> {
    const p = this.#policy;
    this.#notified = 0;
    const now = this.#clock.epochMs();
    let rows = await this.#store.due(this.sinkKey, now, p.batchSize);
    if (rows.length === 0) {
      await this.#store.checkpointIfDirty(); // the queue drained: delivered rows leave the WAL too
      const next = await this.#store.nextDueAt(this.sinkKey);
      const wait = next === undefined ? p.idlePollMs : Math.min(Math.max(next - now, 1), p.idlePollMs);
      await this.#sleep(wait, 1);
      return;
    }
    if (rows.length < p.batchSize && p.lingerMs > 0) {
      const lingerLeft = rows[0]!.createdAt + p.lingerMs - now;
      if (lingerLeft > 0) {
        await this.#sleep(lingerLeft, p.batchSize - rows.length);
        if (!this.#running) return;
        return this.#backOffIfUnavailable(await this.#locked(async () => this.#deliver(await this.#store.due(this.sinkKey, this.#clock.epochMs(), p.batchSize))));
      }
    }
    return this.#backOffIfUnavailable(await this.#locked(async () => {
      if (this.#stale) rows = await this.#store.due(this.sinkKey, this.#clock.epochMs(), p.batchSize);
      return this.#deliver(rows);
    }));
  }

  /**
   * The sink-wide back-off after an outage, slept outside the lock: an erasure (`exclusive`) must
   * not wait out a back-off of up to a minute while the sink is down.
   */
  async #backOffIfUnavailable(unavailable: boolean): Promise<void> {
    if (unavailable) await this.#sleep(fullJitterDelay(this.#sinkFailures, this.#policy.unavailable, this.#random) + 1, Infinity);
  }

  /** Opens the batch's payloads: shredded rows are dropped, tampered ones dead-lettered; neither is sent. */
  async #open(stored: StoredOutboxRow[]): Promise<OutboxRow[]> {
    const rows: OutboxRow[] = [];
    const shredded: number[] = [];
    const tampered: DeadUpdate[] = [];
    for (const r of stored) {
      if (r.keyId === null) {
        // Not sealed (a file from before sealing that start() has not sealed yet): never sent in the clear.
        tampered.push({ seq: r.seq, error: 'payload not sealed' });
        continue;
      }
      let plain: Buffer | undefined;
      try {
        plain = await this.#cipher.open(this.#region, r.keyId, payloadBinding(r, this.#region), r.sealed);
      } catch (e) {
        if (!(e instanceof PayloadTamperedError) && !(e instanceof Error && e.name === 'TamperedError')) throw e; // store errors: retry the batch later
        tampered.push({ seq: r.seq, error: 'payload failed authentication' });
        continue;
      }
      if (!plain) {
        shredded.push(r.seq);
        continue;
      }
      rows.push({ seq: r.seq, eventId: r.eventId, type: r.type, callId: r.callId, createdAt: r.createdAt, attempts: r.attempts, payload: plain.toString('utf8') });
    }
    if (shredded.length) {
      await this.#store.markDropped(this.sinkKey, shredded);
      this.shredded += shredded.length;
      this.#metrics?.shredded.inc({ sink: this.sinkKey }, shredded.length);
    }
    if (tampered.length) {
      await this.#store.markDead(this.sinkKey, tampered);
      this.#metrics?.deadLettered.inc({ sink: this.sinkKey }, tampered.length);
      this.#logger?.error({ module: 'events', sink: this.sinkKey, count: tampered.length }, 'outbox payloads failed authentication; dead-lettered, not sent');
    }
    return rows;
  }

  /** Sends one batch and records the outcomes; true when the sink was unavailable (the caller backs off). */
  async #deliver(stored: StoredOutboxRow[]): Promise<boolean> {
    this.#stale = false;
    if (stored.length === 0) return false;
    const rows = await this.#open(stored);
    if (rows.length === 0) return false;
    let result: DeliveryResult;
    try {
      result = await this.#sink.deliver(rows);
    } catch {
      result = { kind: 'unavailable', error: 'sink threw' };
    }
    const m = this.#metrics;
    if (result.kind === 'unavailable') {
      this.#sinkFailures++;
      m?.failed.inc({ sink: this.sinkKey, kind: 'unavailable' }, rows.length);
      if (this.#sinkFailures === 1) this.#logger?.warn({ module: 'events', sink: this.sinkKey, error: result.error }, 'event sink unavailable; backing off');
      return true;
    }
    if (this.#sinkFailures > 0) this.#logger?.info({ module: 'events', sink: this.sinkKey }, 'event sink available again');
    this.#sinkFailures = 0;
    const now = this.#clock.epochMs();
    const delivered: number[] = [];
    const retry: RetryUpdate[] = [];
    const dead: DeadUpdate[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const o = result.outcomes[i] ?? { kind: 'retry' as const, error: 'no outcome' };
      if (o.kind === 'delivered') delivered.push(row.seq);
      else if (o.kind === 'permanent' || row.attempts + 1 >= this.#policy.maxAttempts) dead.push({ seq: row.seq, error: o.error });
      else retry.push({ seq: row.seq, nextAttemptAt: now + fullJitterDelay(row.attempts + 1, this.#policy.retry, this.#random), error: o.error });
      if (o.kind !== 'delivered') m?.failed.inc({ sink: this.sinkKey, kind: o.kind });
    }
    await this.#store.markDelivered(this.sinkKey, delivered);
    await this.#store.markRetry(this.sinkKey, retry);
    await this.#store.markDead(this.sinkKey, dead);
    if (delivered.length) m?.delivered.inc({ sink: this.sinkKey }, delivered.length);
    if (dead.length) {
      m?.deadLettered.inc({ sink: this.sinkKey }, dead.length);
      this.#logger?.warn({ module: 'events', sink: this.sinkKey, count: dead.length, error: dead[0]!.error }, 'event deliveries dead-lettered');
    }
    return false;
  }

  #sleep(ms: number, wakeAfterNotifies: number): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wakeAt = wakeAfterNotifies;
      if (this.#notified >= wakeAfterNotifies) {
        this.#wakeAt = Infinity;
        resolve();
        return;
      }
      this.#wake = resolve;
      this.#timer = this.#clock.setTimeout(() => this.#interrupt(), ms);
    });
  }

  #interrupt(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    this.#wakeAt = Infinity;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    wake?.();
  }
}
