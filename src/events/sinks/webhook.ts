/**
 * Webhook sink: one HTTPS POST per batch, body `{"events":[...]}` (events in outbox order),
 * signed per `webhook-signature.ts`. The request succeeds or fails as a whole. https only
 * unless the target sets `allowInsecure`. Delivery is at-least-once: receivers de-duplicate by
 * `eventId` (a crash between the receiver's 2xx and our commit resends the batch).
 */
import type { OutboxRow } from '../outbox-store.js';
import type { Clock } from '../../time/index.js';
import { systemClock } from '../../time/index.js';
import { signWebhook } from '../webhook-signature.js';
import type { HttpTarget } from '../../http/index.js';
import { sinkTarget } from './http.js';
import { allOutcomes, classifyHttpStatus, DELIVERED, type DeliveryResult, type EventSink } from './types.js';

export interface WebhookSinkOptions {
  name: string;
  url: string;
  secret: string;
  allowInsecure?: boolean;
  ca?: string | Buffer;
  timeoutMs?: number;
  clock?: Clock;
}

export class WebhookSink implements EventSink {
  readonly name: string;
  readonly #http: HttpTarget;
  readonly #url: URL;
  readonly #secret: string;
  readonly #clock: Clock;

  constructor(opts: WebhookSinkOptions) {
    this.name = opts.name;
    if (opts.secret.length < 16) throw new Error(`webhook sink ${opts.name}: secret must be at least 16 characters`);
    ({ http: this.#http, url: this.#url } = sinkTarget(`webhook sink ${opts.name}`, opts.url, opts));
    this.#secret = opts.secret;
    this.#clock = opts.clock ?? systemClock;
  }

  async deliver(batch: readonly OutboxRow[]): Promise<DeliveryResult> {
    if (batch.length === 0) return { kind: 'results', outcomes: [] };
    const body = `{"events":[${batch.map((r) => r.payload).join(',')}]}`;
    const headers = { 'content-type': 'application/json', ...signWebhook(this.#secret, body, this.#clock.epochMs() / 1000) };
    const res = await this.#http.request({ method: 'POST', url: this.#url, headers, body });
    if (!res.ok) return { kind: 'unavailable', error: res.error.message };
    const { status } = res.value;
    const cls = classifyHttpStatus(status);
    if (cls === 'ok') return allOutcomes(batch.length, DELIVERED);
    if (cls === 'unavailable') return { kind: 'unavailable', error: `status ${status}` };
    return allOutcomes(batch.length, { kind: cls, error: `status ${status}` });
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}
