/**
 * `EventOutbox`: the front door of one region's outbox. `append(event)`:
 *   1. validates the event against its schema (errors as values);
 *   2. checks it belongs to this region (a record is written only to its call's region store);
 *   3. resolves the application's route (forwarding disabled or no sinks → not stored at all);
 *   4. passes it through the application's privacy gate — *before* anything touches disk, so raw
 *      PII never reaches the outbox file; the gate may drop it;
 *   5. serialises it once and commits it, with one pending delivery per sink, to the store;
 *   6. wakes the sinks' delivery workers. Delivery itself is asynchronous.
 * When `append` resolves with `queued: true`, the event is durable.
 */
import type { DetectionContext } from '../privacy/types.js';
import type { OutboxMetrics } from './metrics.js';
import type { OutboxStore } from './outbox-store.js';
import type { EventGate } from './gate.js';
import { parseReportEvent, type ReportEventInput } from './schemas.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

export interface ForwardingRoute {
  /** Sink keys (`account/application/sinkName`) the application forwards to. */
  sinks: readonly string[];
  gate: EventGate;
}

export type RouteResolver = (accountId: string, applicationId: string) => ForwardingRoute | undefined;

export interface AppendMeta {
  /** Keyed pseudonym of the caller's number (`phonePseudonym`), kept in the outbox row for erasure. */
  callerPseudonym?: string;
  /** The call's privacy context for this event, handed to the gate (never stored). */
  detection?: DetectionContext;
}

export type AppendResult =
  | { ok: true; queued: true; eventId: string }
  | { ok: true; queued: false; reason: 'forwarding-disabled' | 'gate-dropped' }
  | { ok: false; error: string };

export interface Notifiable {
  notify(): void;
}

export interface EventOutboxOptions {
  region: string;
  store: OutboxStore;
  resolveRoute: RouteResolver;
  metrics?: OutboxMetrics;
  clock?: Clock;
}

export class EventOutbox {
  readonly region: string;
  readonly store: OutboxStore;
  readonly #resolve: RouteResolver;
  readonly #metrics: OutboxMetrics | undefined;
  readonly #clock: Clock;
  readonly #workers = new Map<string, Notifiable>();

  constructor(opts: EventOutboxOptions) {
    this.region = opts.region;
    this.store = opts.store;
    this.#resolve = opts.resolveRoute;
    this.#metrics = opts.metrics;
    this.#clock = opts.clock ?? systemClock;
  }

  /** Registers the delivery worker of a sink key so appends wake it. */
  attachWorker(sinkKey: string, worker: Notifiable): void {
    this.#workers.set(sinkKey, worker);
  }

  /** Forgets a sink's worker (the sink was removed or replaced); its pending rows stay in the store. */
  detachWorker(sinkKey: string): void {
    this.#workers.delete(sinkKey);
  }

  async append(input: ReportEventInput, meta: AppendMeta = {}): Promise<AppendResult> {
    const parsed = parseReportEvent(input);
    if (!parsed.ok) {
      this.#metrics?.dropped.inc({ region: this.region, reason: 'invalid' });
      return { ok: false, error: parsed.error };
    }
    const event = parsed.value;
    if (event.region !== this.region) return { ok: false, error: `event region "${event.region}" does not match outbox region "${this.region}"` };
    const route = this.#resolve(event.accountId, event.applicationId);
    if (!route || route.sinks.length === 0) {
      this.#metrics?.dropped.inc({ region: this.region, reason: 'forwarding-disabled' });
      return { ok: true, queued: false, reason: 'forwarding-disabled' };
    }
    const gated = route.gate(event, meta.detection);
    if (gated === null) {
      this.#metrics?.dropped.inc({ region: this.region, reason: 'gate-dropped' });
      return { ok: true, queued: false, reason: 'gate-dropped' };
    }
    if (gated.eventId !== event.eventId || gated.callId !== event.callId || gated.accountId !== event.accountId || gated.applicationId !== event.applicationId || gated.region !== event.region) {
      return { ok: false, error: 'privacy gate changed an event identifier' };
    }
    await this.store.append({
      eventId: gated.eventId,
      type: gated.type,
      callId: gated.callId,
      accountId: gated.accountId,
      applicationId: gated.applicationId,
      callerPseudonym: meta.callerPseudonym,
      createdAt: this.#clock.now(),
      payload: JSON.stringify(gated),
      sinks: route.sinks,
    });
    this.#metrics?.appended.inc({ region: this.region });
    for (const s of route.sinks) this.#workers.get(s)?.notify();
    return { ok: true, queued: true, eventId: gated.eventId };
  }
}
