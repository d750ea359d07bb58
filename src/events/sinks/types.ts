/**
 * The `EventSink` seam: something that takes a batch of outbox rows and says, per event,
 * whether it was delivered. Three outcomes per event, plus one for the whole batch:
 *
 * - `delivered`: the sink has it (including "already had it": a CouchDB `conflict` on our `_id`);
 * - `retry`: this event failed for a reason that may pass (counts an attempt, backs off);
 * - `permanent`: this event will never be accepted (dead-lettered at once);
 * - `unavailable` (batch): the sink could not be reached or refused us as a whole (network
 *   error, timeout, 401/403, 429, 502/503/504). No event is blamed and no attempt is counted;
 *   the worker backs off the whole sink. This is what lets a sink be down for an hour, or have
 *   bad credentials until an operator fixes them, without losing or dead-lettering anything.
 */
import type { OutboxRow } from '../outbox-store.js';

export type EventOutcome = { kind: 'delivered' } | { kind: 'retry'; error: string } | { kind: 'permanent'; error: string };

export type DeliveryResult =
  | { kind: 'results'; outcomes: EventOutcome[] } // same order and length as the batch
  | { kind: 'unavailable'; error: string };

/** A caller whose documents a sink should delete (erasure): found by the keyed pseudonym the events carry. */
export interface SinkErasureQuery {
  accountId: string;
  applicationId: string;
  callerPseudonym: string;
}

export type SinkErasureResult = { ok: true; removed: number } | { ok: false; error: string };

export interface EventSink {
  readonly name: string;
  deliver(batch: readonly OutboxRow[]): Promise<DeliveryResult>;
  /** Deletes what the sink holds of a caller, where the sink's API allows it (CouchDB). Absent: it cannot. */
  erase?(q: SinkErasureQuery): Promise<SinkErasureResult>;
  close?(): Promise<void>;
}

export const DELIVERED: EventOutcome = { kind: 'delivered' };

export function allOutcomes(n: number, outcome: EventOutcome): DeliveryResult {
  return { kind: 'results', outcomes: new Array<EventOutcome>(n).fill(outcome) };
}

/** HTTP status → batch classification shared by the HTTP sinks. */
export function classifyHttpStatus(status: number): 'ok' | 'unavailable' | 'retry' | 'permanent' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401 || status === 403 || status === 408 || status === 429 || status === 502 || status === 503 || status === 504) return 'unavailable';
  if (status >= 500) return 'retry';
  return 'permanent';
}
