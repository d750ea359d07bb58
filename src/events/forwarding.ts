/**
 * `EventForwarding`: the events module assembled from configuration. One SQLite outbox per
 * region, one `EventSink` + `DeliveryWorker` per configured sink of each application with
 * forwarding enabled, the privacy gate per application, metrics on the given registry.
 * It is also an erasure participant (`name`, `eraseByPseudonym`) for the training module's
 * erasure flow (invariant I5: erasure removes every unsent event of that number, and follows the
 * delivered ones where the sink allows it — see `eraseByPseudonym`).
 *
 * Payloads are sealed at rest under the caller's data key (`cipher`, required): erasing the caller
 * shreds every copy of the outbox bytes, and the outbox file itself is checkpointed after erasure.
 *
 * Sink keys are `account/application/sinkName`; they are stored in the outbox rows, so pending
 * deliveries find their sink again after a restart. A sink removed from the config leaves its
 * rows in place (visible in the `queued` gauge) until erased or the sink returns.
 */
import { IbmFormatSink } from './sinks/ibm-format-sink.js';
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/index.js';
import { systemClock, type Clock } from '../time/index.js';
import type { EventsConfig, ForwardingConfig, SinkConfig } from './config.js';
import { DeliveryWorker } from './delivery-worker.js';
import { createDefaultEventGate, type EventGate } from './gate.js';
import { OutboxMetrics } from './metrics.js';
import { randomUUID } from 'node:crypto';
import { EventOutbox, type AppendMeta, type AppendResult, type ForwardingRoute } from './outbox.js';
import { SqliteOutboxStore, payloadBinding, type OutboxStore } from './outbox-store.js';
import type { PayloadCipher } from './payload-cipher.js';
import { ERASURE_NOTICE_VERSION, type ReportEventInput } from './schemas.js';
import { CouchDbSink } from './sinks/couchdb.js';
import { SplunkHecSink } from './sinks/splunk-hec.js';
import type { EventSink } from './sinks/types.js';
import { WebhookSink } from './sinks/webhook.js';

export interface ForwardingApplication {
  accountId: string;
  applicationId: string;
  region: string;
  forwarding: ForwardingConfig;
}

export interface EventForwardingOptions {
  dataDir: string;
  events: EventsConfig;
  applications: readonly ForwardingApplication[];
  /** Regions whose outbox files are opened even without forwarding applications (erasure reach). */
  regions?: readonly string[];
  /** Seals payloads at rest under the caller's data key (`DataKeyEventCipher` in the gateway). */
  cipher: PayloadCipher;
  /** Outbox stores already opened, by region (`erase --local` opens them itself to report which one fails); default: one SQLite file per region. */
  stores?: ReadonlyMap<string, OutboxStore>;
  /** The privacy policy's gate for an application; default: the conservative built-in gate. */
  gateFor?: (app: ForwardingApplication) => EventGate;
  registry?: Registry;
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
  /** Builds a sink (default: from its config); a seam for tests and new sink kinds. */
  createSink?: (config: SinkConfig, key: string, clock: Clock) => EventSink;
}

/** What erasure did at one sink that had received the caller's events (the store module's `SinkErasure`, structurally). */
export interface SinkErasureReport {
  sink: string;
  type: 'couchdb' | 'webhook' | 'splunk-hec' | 'unknown';
  delivered: number;
  outcome: 'deleted' | 'notified' | 'cannot-erase' | 'not-configured' | 'failed';
  removed?: number;
  error?: string;
}

export interface OutboxErasure {
  removed: number;
  failed: string[];
  notReached: string[];
  sinks: SinkErasureReport[];
}

/** The training module's erasure participant shape. */
export interface ErasureParticipant {
  name: string;
  eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string, ctx?: { requestId: string }): Promise<number | OutboxErasure>;
}

export function sinkKey(accountId: string, applicationId: string, sinkName: string): string {
  return `${accountId}/${applicationId}/${sinkName}`;
}

export function createSinkFromConfig(config: SinkConfig, key: string, clock: Clock): EventSink {
  const sink = createPlainSink(config, key, clock);
  if (config.format !== 'ibm') return sink;
  const ibm = config.ibm;
  return new IbmFormatSink(sink, {
    indexes: ibm?.indexes,
    sourceTypes: ibm?.sourceTypes,
    host: ibm?.host,
    source: ibm?.source,
    // IBM published CDRs to Cloudant (its sample views count every document as a call).
    ...(config.type === 'couchdb' ? { kinds: ['cdr'] as const, keepErasureKeys: true } : {}),
  });
}

function createPlainSink(config: SinkConfig, key: string, clock: Clock): EventSink {
  const ca = config.caFile ? readFileSync(config.caFile) : undefined;
  const base = { name: key, url: config.url, allowInsecure: config.allowInsecure, ca, timeoutMs: config.timeoutMs };
  switch (config.type) {
    case 'couchdb':
      return new CouchDbSink({ ...base, database: config.database, auth: config.auth, clock });
    case 'splunk-hec':
      return new SplunkHecSink({ ...base, token: config.token, index: config.index, source: config.source, envelopes: config.format === 'ibm' });
    case 'webhook':
      return new WebhookSink({ ...base, secret: config.secret, clock });
  }
}

interface RunningSink {
  /** The sink's configuration as JSON: a change replaces the sink and its worker. */
  config: string;
  type: SinkConfig['type'];
  region: string;
  sink: EventSink;
  worker: DeliveryWorker;
}

function isActive(a: ForwardingApplication): boolean {
  return a.forwarding.enabled && a.forwarding.sinks.length > 0;
}

export class EventForwarding implements ErasureParticipant {
  readonly name = 'events-outbox';
  readonly #outboxes = new Map<string, EventOutbox>();
  readonly #running = new Map<string, RunningSink>();
  #routes = new Map<string, ForwardingRoute>();
  readonly #sinksByRegion = new Map<string, string[]>();
  readonly #opts: EventForwardingOptions;
  readonly #clock: Clock;
  readonly #metrics: OutboxMetrics | undefined;
  #started = false;
  /** Reconfigurations run one at a time, in order. */
  #reconfiguring: Promise<void> = Promise.resolve();

  constructor(opts: EventForwardingOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#metrics = opts.registry ? new OutboxMetrics(opts.registry, this.#clock) : undefined;
    const regions = new Set(opts.regions ?? []);
    for (const a of opts.applications) if (isActive(a)) regions.add(a.region);
    for (const region of regions) {
      const store = opts.stores?.get(region) ?? new SqliteOutboxStore({ dataDir: opts.dataDir, region, synchronous: opts.events.outbox.synchronous });
      this.#sinksByRegion.set(region, []);
      this.#outboxes.set(
        region,
        new EventOutbox({ region, store, cipher: opts.cipher, metrics: this.#metrics, clock: this.#clock, resolveRoute: (acc, app) => this.#routes.get(`${acc}/${app}`) }),
      );
      this.#metrics?.watch(store, () => this.#sinksByRegion.get(region) ?? []);
    }
    this.#apply(opts.applications, opts.gateFor);
  }

  /**
   * Follows a change of the applications (tenancy API) without a restart: new sinks get a worker,
   * removed or changed ones are stopped after their batch in flight (their pending rows stay in the
   * outbox until the sink returns or the caller is erased), unchanged ones keep running. Routes and
   * privacy gates are swapped at once, so the next event of any call uses the new settings.
   * Regions are fixed by the configuration file; an application in a region without an outbox is
   * reported and left without forwarding.
   */
  reconfigure(applications: readonly ForwardingApplication[], gateFor?: (app: ForwardingApplication) => EventGate): Promise<void> {
    const next = this.#reconfiguring.then(async () => {
      const { stopped, added } = this.#apply(applications, gateFor);
      await Promise.all(stopped.map(async (r) => {
        await r.worker.stop();
        await r.sink.close?.();
      }));
      // Only now: a replaced sink's old and new workers must never deliver the same rows at once.
      if (this.#started) for (const r of added) if (this.#running.get(r.key) === r.running) r.running.worker.start();
    });
    this.#reconfiguring = next.catch(() => undefined);
    return next;
  }

  /**
   * Builds routes and sinks for `applications`; returns the sinks no longer wanted (detached, still
   * running: the caller stops them) and the new ones (not started yet).
   */
  #apply(applications: readonly ForwardingApplication[], gateForOpt?: (app: ForwardingApplication) => EventGate): { stopped: RunningSink[]; added: { key: string; running: RunningSink }[] } {
    const gateFor = gateForOpt ?? ((app: ForwardingApplication) => createDefaultEventGate({ customCdrFields: app.forwarding.customCdrFields }));
    const routes = new Map<string, ForwardingRoute>();
    const wanted = new Set<string>();
    const stopped: RunningSink[] = [];
    const added: { key: string; running: RunningSink }[] = [];
    for (const app of applications.filter(isActive)) {
      const outbox = this.#outboxes.get(app.region);
      if (!outbox) {
        this.#opts.logger?.error({ accountId: app.accountId, applicationId: app.applicationId, region: app.region }, 'forwarding: region has no outbox (regions come from the configuration file); events of this application are not forwarded');
        continue;
      }
      const keys: string[] = [];
      for (const cfg of app.forwarding.sinks) {
        const key = sinkKey(app.accountId, app.applicationId, cfg.name);
        const config = JSON.stringify(cfg);
        const have = this.#running.get(key);
        if (!have || have.config !== config || have.region !== app.region) {
          const sink = (this.#opts.createSink ?? createSinkFromConfig)(cfg, key, this.#clock);
          const worker = new DeliveryWorker({ store: outbox.store, cipher: this.#opts.cipher, region: app.region, sinkKey: key, sink, clock: this.#clock, policy: this.#opts.events.delivery, random: this.#opts.random, metrics: this.#metrics, logger: this.#opts.logger });
          if (have) stopped.push(this.#retire(key, have));
          outbox.attachWorker(key, worker);
          const running = { config, type: cfg.type, region: app.region, sink, worker };
          this.#running.set(key, running);
          added.push({ key, running });
        }
        wanted.add(key);
        keys.push(key);
      }
      routes.set(`${app.accountId}/${app.applicationId}`, { sinks: keys, gate: gateFor(app) });
    }
    for (const [key, r] of [...this.#running]) if (!wanted.has(key)) stopped.push(this.#retire(key, r));
    for (const [region, list] of this.#sinksByRegion) list.splice(0, list.length, ...[...this.#running].filter(([, r]) => r.region === region).map(([k]) => k));
    this.#routes = routes;
    return { stopped, added };
  }

  #retire(key: string, r: RunningSink): RunningSink {
    this.#outboxes.get(r.region)?.detachWorker(key);
    this.#running.delete(key);
    return r;
  }

  /**
   * Seals, in place, payloads written in the clear by a version before sealing, then starts the
   * workers (which never send an unsealed row). Resolves once they run.
   */
  async start(): Promise<void> {
    this.#started = true;
    await this.sealLegacyRows();
    if (this.#started) for (const r of this.#running.values()) r.worker.start();
  }

  /** Seals rows written before payloads were sealed; the old clear bytes leave the file (secure_delete + checkpoint). Returns how many. */
  async sealLegacyRows(): Promise<number> {
    let n = 0;
    for (const [region, o] of this.#outboxes) {
      for (;;) {
        const rows = await o.store.legacyRows(500);
        if (rows.length === 0) break;
        for (const r of rows) {
          const { keyId, sealed } = await this.#opts.cipher.seal(
            { accountId: r.accountId, applicationId: r.applicationId, region, callerPseudonym: r.callerPseudonym ?? undefined },
            payloadBinding(r, region),
            Buffer.from(r.payload, 'utf8'),
          );
          await o.store.sealLegacy(r.seq, keyId, sealed);
          n++;
        }
      }
      if (n) await o.store.checkpoint();
    }
    return n;
  }

  outbox(region: string): EventOutbox | undefined {
    return this.#outboxes.get(region);
  }

  /** Appends to the event's region outbox; an application without forwarding stores nothing. */
  append(event: ReportEventInput, meta?: AppendMeta): Promise<AppendResult> {
    const outbox = this.#outboxes.get(event.region);
    if (!outbox) return Promise.resolve({ ok: true, queued: false, reason: 'forwarding-disabled' });
    return outbox.append(event, meta);
  }

  /**
   * Erasure, per region outbox, with the application's delivery workers held between batches (the
   * batch in flight is recorded first, so the ledger is final and nothing removed is sent after):
   *   1. the caller's undelivered events are deleted (pending and dead-lettered);
   *   2. the ledger says which sinks already acknowledged events of the caller; for each —
   *      CouchDB/Cloudant: the caller's documents are found by `callerPseudonym` and deleted;
   *      webhook: a signed `erasure` notice is queued durably through the outbox;
   *      Splunk HEC (no delete API) or a sink no longer configured: named in `notReached`;
   *      a failure (CouchDB down) is named in `failed` and its ledger entry kept, so a retry finds it;
   *   3. the file is checkpointed (`wal_checkpoint(TRUNCATE)`), so the deleted rows leave it and its WAL.
   */
  async eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string, ctx?: { requestId: string }): Promise<OutboxErasure> {
    const out: OutboxErasure = { removed: 0, failed: [], notReached: [], sinks: [] };
    const requestId = ctx?.requestId ?? randomUUID();
    const prefix = `${accountId}/${applicationId}/`;
    for (const [region, o] of this.#outboxes) {
      try {
        const workers = [...this.#running].filter(([k, r]) => k.startsWith(prefix) && r.region === region).map(([, r]) => r.worker);
        const ledger = await holdAll(workers, async () => {
          out.removed += await o.store.eraseByPseudonym(accountId, applicationId, pseudonym);
          return o.store.ledger(accountId, applicationId, pseudonym);
        });
        const reached: string[] = [];
        for (const entry of ledger) {
          const r = await this.#eraseAtSink(entry.sink, entry.delivered, { accountId, applicationId, pseudonym, requestId });
          out.sinks.push(r);
          if (r.outcome === 'failed') out.failed.push(`sink ${r.sink}: ${r.error ?? 'failed'}`);
          else reached.push(entry.sink); // done, or permanently out of reach: the receipt says which
          if (r.outcome === 'cannot-erase' || r.outcome === 'not-configured') out.notReached.push(`sink ${r.sink} (${r.outcome === 'cannot-erase' ? `${r.type} cannot delete events` : 'no longer configured'})`);
        }
        if (reached.length) await o.store.forgetLedger(accountId, applicationId, pseudonym, reached);
        if (!(await checkpointed(o.store))) out.failed.push(`events-outbox ${region}: checkpoint did not complete (another connection holds the WAL)`);
      } catch (e) {
        // One region's outbox failing (disk, lock) does not stop the others; the receipt names it.
        out.failed.push(`events-outbox ${region}: ${e instanceof Error ? e.message.slice(0, 200) : 'failed'}`);
      }
    }
    return out;
  }

  async #eraseAtSink(sink: string, delivered: number, q: { accountId: string; applicationId: string; pseudonym: string; requestId: string }): Promise<SinkErasureReport> {
    const running = this.#running.get(sink);
    const outbox = running && this.#outboxes.get(running.region); // the sink's worker reads its application's region outbox
    if (!running || !outbox) return { sink, type: 'unknown', delivered, outcome: 'not-configured' };
    const base = { sink, type: running.type, delivered };
    switch (running.type) {
      case 'couchdb': {
        const r = await running.sink.erase?.({ accountId: q.accountId, applicationId: q.applicationId, callerPseudonym: q.pseudonym });
        if (!r) return { ...base, outcome: 'cannot-erase' };
        return r.ok ? { ...base, outcome: 'deleted', removed: r.removed } : { ...base, outcome: 'failed', error: r.error };
      }
      case 'webhook':
        await outbox.appendNotice(
          {
            schemaVersion: ERASURE_NOTICE_VERSION, type: 'erasure', eventId: randomUUID(), requestId: q.requestId,
            accountId: q.accountId, applicationId: q.applicationId, region: running.region, time: new Date(this.#clock.epochMs()).toISOString(), callerPseudonym: q.pseudonym,
          },
          sink,
        );
        return { ...base, outcome: 'notified' };
      case 'splunk-hec':
        return { ...base, outcome: 'cannot-erase' };
    }
  }

  /** Stops the workers (each finishes and records its batch in flight) and closes sinks and stores. */
  async stop(): Promise<void> {
    this.#started = false; // a reconfiguration still queued must not start workers any more
    await this.#reconfiguring;
    await Promise.all([...this.#running.values()].map((r) => r.worker.stop()));
    await Promise.all([...this.#running.values()].map((r) => r.sink.close?.()));
    for (const o of this.#outboxes.values()) await o.store.close();
  }
}

/** Runs `fn` while every worker is between batches. */
function holdAll<T>(workers: readonly DeliveryWorker[], fn: () => Promise<T>): Promise<T> {
  if (workers.length === 0) return fn();
  const [first, ...rest] = workers;
  return first!.exclusive(() => holdAll(rest, fn));
}

/** TRUNCATE checkpoint, retried briefly while another connection (a reader) holds the WAL. */
async function checkpointed(store: OutboxStore): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (await store.checkpoint()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
