/**
 * `EventOutbox`: the front door of one region's outbox. `append(event)`:
 *   1. validates the event against its schema (errors as values);
 *   2. checks it belongs to this region (a record is written only to its call's region store);
 *   3. resolves the application's route (forwarding disabled or no sinks → not stored at all);
 *   4. passes it through the application's privacy gate — *before* anything touches disk, so raw
 *      PII never reaches the outbox file; the gate may drop it;
 *   5. adds the caller's keyed pseudonym (`callerPseudonym`: sinks erase by it), serialises it once,
 *      seals it under the caller's data key (`PayloadCipher`) and commits it, with one pending
 *      delivery per sink, to the store;
 *   6. wakes the sinks' delivery workers. Delivery itself is asynchronous.
 * When `append` resolves with `queued: true`, the event is durable.
 */
import type { DetectionContext } from '../privacy/index.js';
import type { OutboxMetrics } from './metrics.js';
import { payloadBinding, type OutboxStore } from './outbox-store.js';
import type { PayloadCipher } from './payload-cipher.js';
import { ERASURE_NOTICE_SCOPE } from './payload-cipher.js';
import type { EventGate } from './gate.js';
import { parseReportEvent, type ErasureNotice, type ReportEventInput } from './schemas.js';
import type { Clock } from '../time/index.js';
import { systemClock } from '../time/index.js';

export interface ForwardingRoute {
  /** Sink keys (`account/application/sinkName`) the application forwards to. */
  sinks: readonly string[];
  gate: EventGate;
}

export type RouteResolver = (accountId: string, applicationId: string) => ForwardingRoute | undefined;

export interface AppendMeta {
  /** Keyed pseudonym of the caller's number (`phonePseudonym`), kept in the outbox row for erasure and sent as `callerPseudonym`. */
  callerPseudonym?: string;
  /** Keyed pseudonym of the called number: part of the data key's scope (erasing either party shreds the payload). */
  calleePseudonym?: string;
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
  /** Seals payloads at rest (required: nothing is written in the clear). */
  cipher: PayloadCipher;
  resolveRoute: RouteResolver;
  metrics?: OutboxMetrics;
  clock?: Clock;
}

export class EventOutbox {
  readonly region: string;
  readonly store: OutboxStore;
  readonly cipher: PayloadCipher;
  readonly #resolve: RouteResolver;
  readonly #metrics: OutboxMetrics | undefined;
  readonly #clock: Clock;
  readonly #workers = new Map<string, Notifiable>();

  constructor(opts: EventOutboxOptions) {
    this.region = opts.region;
    this.store = opts.store;
    this.cipher = opts.cipher;
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
    // Only the outbox sets the pseudonym (from the call, never from the event's producer).
    const { callerPseudonym: _ignored, ...body } = gated;
    const out = meta.callerPseudonym ? { ...body, callerPseudonym: meta.callerPseudonym } : body;
    const { keyId, sealed } = await this.cipher.seal(
      { accountId: gated.accountId, applicationId: gated.applicationId, region: this.region, callerPseudonym: meta.callerPseudonym, calleePseudonym: meta.calleePseudonym },
      payloadBinding(gated, this.region),
      Buffer.from(JSON.stringify(out), 'utf8'),
    );
    await this.store.append({
      eventId: gated.eventId,
      type: gated.type,
      callId: gated.callId,
      accountId: gated.accountId,
      applicationId: gated.applicationId,
      callerPseudonym: meta.callerPseudonym,
      createdAt: this.#clock.epochMs(),
      keyId,
      sealed,
      sinks: route.sinks,
    });
    this.#metrics?.appended.inc({ region: this.region });
    for (const s of route.sinks) this.#workers.get(s)?.notify();
    return { ok: true, queued: true, eventId: gated.eventId };
  }

  /**
   * Queues an erasure notice for one sink, durably (a sink that is down gets it later). Sealed under a
   * key of its own scope (not the erased caller's, which is gone) and stored without a caller
   * pseudonym, so the outbox file does not keep the erased pseudonym in the clear.
   */
  async appendNotice(notice: ErasureNotice, sink: string): Promise<void> {
    const callId = `erasure:${notice.requestId}`; // its own "call": never held back by, or holding back, call events
    const { keyId, sealed } = await this.cipher.seal(
      { accountId: notice.accountId, applicationId: notice.applicationId, region: this.region, callerPseudonym: ERASURE_NOTICE_SCOPE, calleePseudonym: ERASURE_NOTICE_SCOPE },
      payloadBinding({ ...notice, callId }, this.region),
      Buffer.from(JSON.stringify(notice), 'utf8'),
    );
    await this.store.append({
      eventId: notice.eventId, type: notice.type, callId, accountId: notice.accountId, applicationId: notice.applicationId,
      createdAt: this.#clock.epochMs(), keyId, sealed, sinks: [sink],
    });
    this.#workers.get(sink)?.notify();
  }
}
