/**
 * A sink in `format: ibm`: each gated event is rewritten as IBM Voice Gateway's reporting event
 * (`ibm-format.ts`) before the inner sink sends it. The HEC sink sends the envelope as it is, the
 * webhook sink lists envelopes in its signed `{"events":[…]}` body, the CouchDB/Cloudant sink stores
 * the envelope as the document (plus the fields erasure finds a caller's documents by). An event the
 * format has no place for (DTMF, transfer; and for CouchDB anything but a CDR) counts as delivered:
 * this sink's consumer never receives it.
 */
import type { OutboxRow } from '../outbox-store.js';
import type { ReportEvent } from '../schemas.js';
import { ibmEnvelope, type IbmFormatOptions } from '../ibm-format.js';
import { DELIVERED, type DeliveryResult, type EventOutcome, type EventSink, type SinkErasureQuery, type SinkErasureResult } from './types.js';

export class IbmFormatSink implements EventSink {
  readonly name: string;

  constructor(
    private readonly inner: EventSink,
    private readonly opts: IbmFormatOptions & {
      /** Keep `accountId`, `applicationId`, `callerPseudonym`, `eventId` beside the envelope (a CouchDB sink erases by them). */
      keepErasureKeys?: boolean;
    },
  ) {
    this.name = inner.name;
  }

  async deliver(batch: readonly OutboxRow[]): Promise<DeliveryResult> {
    const outcomes = new Array<EventOutcome>(batch.length).fill(DELIVERED);
    const rows: OutboxRow[] = [];
    const at: number[] = [];
    batch.forEach((row, i) => {
      let event: ReportEvent;
      try {
        event = JSON.parse(row.payload) as ReportEvent;
      } catch {
        outcomes[i] = { kind: 'permanent', error: 'payload is not JSON' };
        return;
      }
      if ((event as { type?: string }).type === 'erasure') {
        // An erasure notice is ours, not an event: it reaches the receiver as it is, so erasure still works there.
        rows.push(row);
        at.push(i);
        return;
      }
      const env = ibmEnvelope(event, this.opts);
      if (!env) return; // no IBM counterpart: nothing to send
      const extra = this.opts.keepErasureKeys
        ? { eventId: event.eventId, accountId: event.accountId, applicationId: event.applicationId, ...(event.callerPseudonym ? { callerPseudonym: event.callerPseudonym } : {}) }
        : {};
      rows.push({ ...row, payload: JSON.stringify({ ...env, ...extra }) });
      at.push(i);
    });
    if (rows.length === 0) return { kind: 'results', outcomes };
    const r = await this.inner.deliver(rows);
    if (r.kind === 'unavailable') return r;
    r.outcomes.forEach((o, j) => (outcomes[at[j]!] = o));
    return { kind: 'results', outcomes };
  }

  erase(q: SinkErasureQuery): Promise<SinkErasureResult> {
    return this.inner.erase ? this.inner.erase(q) : Promise.resolve({ ok: false, error: 'this sink cannot erase' });
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
