/**
 * Splunk HTTP Event Collector sink — the envelope IBM Voice Gateway used for all its reporting
 * events. One `POST /services/collector/event` per batch with `Authorization: Splunk <token>`
 * and newline-separated envelopes `{time, host, source, sourcetype, index?, event}`; `time` is
 * epoch seconds of the event, `sourcetype` is `hushgate:<type>`. HEC accepts or rejects a
 * request as a whole. HEC has no idempotency key, so a redelivery after a crash may index an
 * event twice; every event carries its `eventId` for de-duplication at search time
 * (`| dedup eventId`).
 */
import { hostname } from 'node:os';
import type { OutboxRow } from '../outbox-store.js';
import { joinUrl, type HttpTarget } from '../../http/index.js';
import { sinkTarget } from './http.js';
import { allOutcomes, classifyHttpStatus, DELIVERED, type DeliveryResult, type EventSink } from './types.js';

export interface SplunkHecSinkOptions {
  name: string;
  url: string;
  token: string;
  index?: string;
  source?: string;
  host?: string;
  /** Payloads are complete HEC envelopes already (`format: ibm`): sent as they are. */
  envelopes?: boolean;
  allowInsecure?: boolean;
  ca?: string | Buffer;
  timeoutMs?: number;
}

export class SplunkHecSink implements EventSink {
  readonly name: string;
  readonly #http: HttpTarget;
  readonly #url: URL;
  readonly #auth: string;
  readonly #prefix: string;
  readonly #envelopes: boolean;

  constructor(opts: SplunkHecSinkOptions) {
    this.name = opts.name;
    ({ http: this.#http, url: this.#url } = sinkTarget(`splunk-hec sink ${opts.name}`, joinUrl(opts.url, '/services/collector/event'), opts));
    this.#auth = `Splunk ${opts.token}`;
    this.#envelopes = opts.envelopes ?? false;
    // Constant part of every envelope, serialised once.
    const fixed: Record<string, string> = { host: opts.host ?? hostname(), source: opts.source ?? 'hushgate' };
    if (opts.index) fixed['index'] = opts.index;
    this.#prefix = JSON.stringify(fixed).slice(1, -1);
  }

  async deliver(batch: readonly OutboxRow[]): Promise<DeliveryResult> {
    if (batch.length === 0) return { kind: 'results', outcomes: [] };
    const lines = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      lines[i] = this.#envelopes ? r.payload : `{"time":${(r.createdAt / 1000).toFixed(3)},${this.#prefix},"sourcetype":${JSON.stringify('hushgate:' + r.type)},"event":${r.payload}}`;
    }
    const res = await this.#http.request({
      method: 'POST',
      url: this.#url,
      headers: { authorization: this.#auth, 'content-type': 'application/json' },
      body: lines.join('\n'),
    });
    if (!res.ok) return { kind: 'unavailable', error: res.error.message };
    const { status } = res.value;
    const cls = classifyHttpStatus(status);
    if (cls === 'ok') return allOutcomes(batch.length, DELIVERED);
    if (cls === 'unavailable') return { kind: 'unavailable', error: `status ${status}${hecCode(res.value.text())}` };
    return allOutcomes(batch.length, { kind: cls, error: `status ${status}${hecCode(res.value.text())}` });
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}

function hecCode(body: string): string {
  try {
    const c = (JSON.parse(body) as { code?: unknown }).code;
    return typeof c === 'number' ? ` (hec code ${c})` : '';
  } catch {
    return '';
  }
}
