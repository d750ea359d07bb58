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
 * - Erasure (`erase`): the caller's documents are found by the keyed pseudonym every event carries
 *   (`POST /{db}/_find` on `callerPseudonym`, `accountId`, `applicationId`) and deleted with
 *   `_bulk_docs` tombstones that hold only `_id`, `_rev`, `_deleted` (no body is kept). Old
 *   revisions' bodies stay on the server's disk until it compacts the database (`POST /{db}/_compact`,
 *   an admin action; Cloudant compacts on its own).
 */
import type { OutboxRow } from '../outbox-store.js';
import type { Clock } from '../../time/index.js';
import { IbmIamTokenSource, iamTokenUrl, joinUrl, type HttpResponse, type HttpTarget } from '../../http/index.js';
import { type Result, err } from '../../result/index.js';
import { sinkTarget } from './http.js';
import { DELIVERED, allOutcomes, classifyHttpStatus, type DeliveryResult, type EventOutcome, type EventSink, type SinkErasureQuery, type SinkErasureResult } from './types.js';

/** Documents found and deleted per round; erasure loops until `_find` returns none. */
const ERASE_PAGE = 500;
const ERASE_MAX_ROUNDS = 10_000;

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
  readonly #findUrl: URL;
  readonly #dbUrl: URL;
  readonly #auth: CouchAuth;
  readonly #iam: IbmIamTokenSource | undefined;
  readonly #createDb: boolean;
  /** Documents the server already had (`conflict` on our `_id`): redeliveries absorbed. */
  alreadyPresent = 0;

  constructor(opts: CouchDbSinkOptions) {
    if (!/^[a-z][a-z0-9_$()+/-]*$/.test(opts.database)) throw new Error('invalid CouchDB database name');
    this.name = opts.name;
    const db = '/' + encodeURIComponent(opts.database);
    ({ http: this.#http, url: this.#dbUrl } = sinkTarget(`couchdb sink ${opts.name}`, joinUrl(opts.url, db), opts));
    this.#bulkUrl = joinUrl(opts.url, db + '/_bulk_docs');
    this.#findUrl = joinUrl(opts.url, db + '/_find');
    this.#auth = opts.auth ?? { kind: 'none' };
    this.#createDb = opts.createDatabase ?? true;
    // Cloudant's token exchange goes through this sink's target: its URL policy and CA apply.
    this.#iam =
      this.#auth.kind === 'iam' ? new IbmIamTokenSource({ http: this.#http, apiKey: this.#auth.apiKey, tokenUrl: this.#auth.tokenUrl ?? iamTokenUrl(), ...(opts.clock ? { clock: opts.clock } : {}) }) : undefined;
  }

  /** The IAM token source, when IAM auth is configured. */
  get iam(): IbmIamTokenSource | undefined {
    return this.#iam;
  }

  async deliver(batch: readonly OutboxRow[]): Promise<DeliveryResult> {
    if (batch.length === 0) return { kind: 'results', outcomes: [] };
    const body = bulkBody(batch);
    let res = await this.#sendAuthed('POST', this.#bulkUrl, body);
    if (res.ok && res.value.status === 404 && this.#createDb) {
      const created = await this.#send('PUT', this.#dbUrl, undefined);
      if (!created.ok) return { kind: 'unavailable', error: `create database: ${created.error}` };
      const cs = created.value.status;
      if (cs !== 201 && cs !== 202 && cs !== 412) {
        return classifyHttpStatus(cs) === 'permanent'
          ? allOutcomes(batch.length, { kind: 'permanent', error: `create database: status ${cs}` })
          : { kind: 'unavailable', error: `create database: status ${cs}` };
      }
      res = await this.#send('POST', this.#bulkUrl, body);
    }
    if (!res.ok) return { kind: 'unavailable', error: res.error };
    const { status } = res.value;
    const cls = classifyHttpStatus(status);
    if (cls === 'unavailable') return { kind: 'unavailable', error: `status ${status}` };
    if (cls === 'retry') return allOutcomes(batch.length, { kind: 'retry', error: `status ${status}` });
    if (cls === 'permanent') return allOutcomes(batch.length, { kind: 'permanent', error: `status ${status}` });
    const result = parseBulkResults(batch, res.value.text());
    this.alreadyPresent += result.conflicts;
    return result.result;
  }

  async erase(q: SinkErasureQuery): Promise<SinkErasureResult> {
    const find = JSON.stringify({
      selector: { callerPseudonym: q.callerPseudonym, accountId: q.accountId, applicationId: q.applicationId },
      fields: ['_id', '_rev'],
      limit: ERASE_PAGE,
    });
    let removed = 0;
    for (let round = 0; round < ERASE_MAX_ROUNDS; round++) {
      const found = await this.#sendAuthed('POST', this.#findUrl, find);
      if (!found.ok) return { ok: false, error: `find: ${found.error}` };
      if (found.value.status === 404) return { ok: true, removed }; // no database: nothing held
      if (found.value.status !== 200) return { ok: false, error: `find: status ${found.value.status}` };
      let docs: { _id: string; _rev: string }[];
      try {
        docs = (JSON.parse(found.value.text()) as { docs: { _id: string; _rev: string }[] }).docs;
        if (!Array.isArray(docs)) throw new Error('no docs');
      } catch {
        return { ok: false, error: 'find: response is not a result list' };
      }
      if (docs.length === 0) return { ok: true, removed };
      const del = await this.#sendAuthed('POST', this.#bulkUrl, JSON.stringify({ docs: docs.map((d) => ({ _id: d._id, _rev: d._rev, _deleted: true })) }));
      if (!del.ok) return { ok: false, error: `delete: ${del.error}` };
      if (del.value.status !== 201 && del.value.status !== 200) return { ok: false, error: `delete: status ${del.value.status}` };
      let results: BulkDocResult[];
      try {
        results = JSON.parse(del.value.text()) as BulkDocResult[];
      } catch {
        return { ok: false, error: 'delete: response is not JSON' };
      }
      const ok = results.filter((r) => r && !r.error).length;
      // A conflict means the document changed meanwhile: the next round finds its new revision. No progress at all is an error.
      if (ok === 0) return { ok: false, error: `delete: ${results[0]?.error ?? 'no result'}` };
      removed += ok;
    }
    return { ok: false, error: 'delete: too many rounds' };
  }

  /** `#send` with the IAM token refreshed once on a 401. */
  async #sendAuthed(method: 'POST' | 'PUT', url: URL, body: string | undefined): Promise<Result<HttpResponse, string>> {
    const res = await this.#send(method, url, body);
    if (res.ok && res.value.status === 401 && this.#iam) {
      this.#iam.invalidate();
      return this.#send(method, url, body);
    }
    return res;
  }

  /** One request with the configured auth; failures (the token exchange's too) as a message. */
  async #send(method: 'POST' | 'PUT', url: URL, body: string | undefined): Promise<Result<HttpResponse, string>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#auth.kind === 'basic') {
      headers['authorization'] = 'Basic ' + Buffer.from(`${this.#auth.username}:${this.#auth.password}`).toString('base64');
    } else if (this.#iam) {
      const t = await this.#iam.token();
      if (!t.ok) return err(`iam: ${t.error.message}`);
      headers['authorization'] = 'Bearer ' + t.value;
    }
    const res = await this.#http.request({ method, url, headers, body });
    return res.ok ? res : err(res.error.message);
  }

  async close(): Promise<void> {
    await this.#http.close();
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
