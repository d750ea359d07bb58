/**
 * CouchDB 2/3 and IBM Cloudant sink over the HTTP API (our own small client, so the CA,
 * keep-alive and the IAM token are under our control; `nano` adds nothing we need here).
 *
 * - Batches go to `POST /{db}/_bulk_docs` with `_id` = the event's `eventId`. A per-document
 *   `conflict` means the document already exists — an earlier attempt got through before the
 *   gateway could record it — so it counts as delivered: redelivery never duplicates.
 *   (Outbox payloads are immutable, so an existing doc with our `_id` is the same event.)
 * - The database is created (`PUT /{db}`) when the server says it does not exist.
 * - Auth: none, basic (`username`/`password`), or IAM (`apiKey` → bearer token from the IAM
 *   token endpoint, cached; on a 401 the token is refreshed once).
 */
import type { OutboxRow } from '../outbox-store.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { HttpTarget, joinUrl, type HttpResponse } from './http.js';
import { IamTokenProvider, DEFAULT_IAM_TOKEN_URL } from './iam-token.js';
import { DELIVERED, allOutcomes, classifyHttpStatus, type DeliveryResult, type EventOutcome, type EventSink } from './types.js';

export type CouchAuth = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'iam'; apiKey: string; tokenUrl?: string };

export interface CouchDbSinkOptions {
  name: string;
  url: string;
  database: string;
  auth?: CouchAuth;
  allowInsecure?: boolean;
  ca?: string | Buffer;
  timeoutMs?: number;
  createDatabase?: boolean;
  clock?: Clock;
}

interface BulkDocResult {
  id?: string;
  rev?: string;
  ok?: boolean;
  error?: string;
  reason?: string;
}

export class CouchDbSink implements EventSink {
  readonly name: string;
  readonly #http: HttpTarget;
  readonly #bulkUrl: URL;
  readonly #dbUrl: URL;
  readonly #auth: CouchAuth;
  readonly #iam: IamTokenProvider | undefined;
  readonly #createDb: boolean;
  /** Documents the server already had (`conflict` on our `_id`): redeliveries absorbed. */
  alreadyPresent = 0;

  constructor(opts: CouchDbSinkOptions) {
    if (!/^[a-z][a-z0-9_$()+/-]*$/.test(opts.database)) throw new Error('invalid CouchDB database name');
    this.name = opts.name;
    this.#http = new HttpTarget({ allowInsecure: opts.allowInsecure, ca: opts.ca, timeoutMs: opts.timeoutMs });
    const db = '/' + encodeURIComponent(opts.database);
    this.#dbUrl = joinUrl(opts.url, db);
    this.#bulkUrl = joinUrl(opts.url, db + '/_bulk_docs');
    const refused = this.#http.check(this.#dbUrl);
    if (refused) throw new Error(`couchdb sink ${opts.name}: ${refused}`);
    this.#auth = opts.auth ?? { kind: 'none' };
    this.#createDb = opts.createDatabase ?? true;
    this.#iam =
      this.#auth.kind === 'iam' ? new IamTokenProvider(this.#http, this.#auth.apiKey, this.#auth.tokenUrl ?? DEFAULT_IAM_TOKEN_URL, opts.clock ?? systemClock) : undefined;
  }

  /** The IAM token provider, when IAM auth is configured. */
  get iam(): IamTokenProvider | undefined {
    return this.#iam;
  }

  async deliver(batch: readonly OutboxRow[]): Promise<DeliveryResult> {
    if (batch.length === 0) return { kind: 'results', outcomes: [] };
    const body = bulkBody(batch);
    let res = await this.#send('POST', this.#bulkUrl, body);
    if (res.ok && res.status === 401 && this.#iam) {
      this.#iam.invalidate();
      res = await this.#send('POST', this.#bulkUrl, body);
    }
    if (res.ok && res.status === 404 && this.#createDb) {
      const created = await this.#send('PUT', this.#dbUrl, undefined);
      if (!created.ok) return { kind: 'unavailable', error: `create database: ${created.error}` };
      if (created.status !== 201 && created.status !== 202 && created.status !== 412) {
        return classifyHttpStatus(created.status) === 'permanent'
          ? allOutcomes(batch.length, { kind: 'permanent', error: `create database: status ${created.status}` })
          : { kind: 'unavailable', error: `create database: status ${created.status}` };
      }
      res = await this.#send('POST', this.#bulkUrl, body);
    }
    if (!res.ok) return { kind: 'unavailable', error: res.error };
    const cls = classifyHttpStatus(res.status);
    if (cls === 'unavailable') return { kind: 'unavailable', error: `status ${res.status}` };
    if (cls === 'retry') return allOutcomes(batch.length, { kind: 'retry', error: `status ${res.status}` });
    if (cls === 'permanent') return allOutcomes(batch.length, { kind: 'permanent', error: `status ${res.status}` });
    const result = parseBulkResults(batch, res.body);
    this.alreadyPresent += result.conflicts;
    return result.result;
  }

  async #send(method: 'POST' | 'PUT', url: URL, body: string | undefined): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#auth.kind === 'basic') {
      headers['authorization'] = 'Basic ' + Buffer.from(`${this.#auth.username}:${this.#auth.password}`).toString('base64');
    } else if (this.#iam) {
      const t = await this.#iam.token();
      if (!t.ok) return { ok: false, error: t.error };
      headers['authorization'] = 'Bearer ' + t.token;
    }
    return this.#http.request({ method, url, headers, body });
  }

  async close(): Promise<void> {
    this.#http.close();
  }
}

/** `{"docs":[{"_id":"<eventId>", ...payload}, ...]}` built by splicing the stored JSON. */
function bulkBody(batch: readonly OutboxRow[]): string {
  const parts = new Array<string>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i]!;
    parts[i] = r.payload.length > 2 ? `{"_id":${JSON.stringify(r.eventId)},${r.payload.slice(1)}` : `{"_id":${JSON.stringify(r.eventId)}}`;
  }
  return `{"docs":[${parts.join(',')}]}`;
}

function parseBulkResults(batch: readonly OutboxRow[], body: string): { result: DeliveryResult; conflicts: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { result: allOutcomes(batch.length, { kind: 'retry', error: 'bulk_docs response is not JSON' }), conflicts: 0 };
  }
  if (!Array.isArray(parsed)) return { result: allOutcomes(batch.length, { kind: 'retry', error: 'bulk_docs response is not an array' }), conflicts: 0 };
  let conflicts = 0;
  const byId = new Map<string, BulkDocResult>();
  for (const r of parsed as BulkDocResult[]) if (r && typeof r.id === 'string') byId.set(r.id, r);
  const outcomes: EventOutcome[] = batch.map((row) => {
    const r = byId.get(row.eventId);
    if (!r) return { kind: 'retry', error: 'no result for document' };
    if (!r.error) return DELIVERED;
    if (r.error === 'conflict') {
      conflicts++; // already there: an earlier attempt succeeded
      return DELIVERED;
    }
    if (r.error === 'forbidden' || r.error === 'bad_request') return { kind: 'permanent', error: `bulk_docs: ${r.error}` };
    return { kind: 'retry', error: `bulk_docs: ${r.error.slice(0, 40)}` };
  });
  return { result: { kind: 'results', outcomes }, conflicts };
}
