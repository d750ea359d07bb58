/**
 * `EventForwarding`: the events module assembled from configuration. One SQLite outbox per
 * region, one `EventSink` + `DeliveryWorker` per configured sink of each application with
 * forwarding enabled, the privacy gate per application, metrics on the given registry.
 * It is also an erasure participant (`name`, `eraseByPseudonym`) for the training module's
 * erasure flow (invariant I5: erasure removes every unsent event of that number).
 *
 * Sink keys are `account/application/sinkName`; they are stored in the outbox rows, so pending
 * deliveries find their sink again after a restart. A sink removed from the config leaves its
 * rows in place (visible in the `queued` gauge) until erased or the sink returns.
 */
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';
import { systemClock, type Clock } from './clock.js';
import type { EventsConfig, ForwardingConfig, SinkConfig } from './config.js';
import { DeliveryWorker } from './delivery-worker.js';
import { createDefaultEventGate, type EventGate } from './gate.js';
import { OutboxMetrics } from './metrics.js';
import { EventOutbox, type AppendMeta, type AppendResult, type ForwardingRoute } from './outbox.js';
import { SqliteOutboxStore, type OutboxStore } from './outbox-store.js';
import type { ReportEventInput } from './schemas.js';
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
  /** The privacy policy's gate for an application; default: the conservative built-in gate. */
  gateFor?: (app: ForwardingApplication) => EventGate;
  registry?: Registry;
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
  /** Builds a sink (default: from its config); a seam for tests and new sink kinds. */
  createSink?: (config: SinkConfig, key: string, clock: Clock) => EventSink;
}

/** The training module's erasure participant shape. */
export interface ErasureParticipant {
  name: string;
  eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<number>;
}

export function sinkKey(accountId: string, applicationId: string, sinkName: string): string {
  return `${accountId}/${applicationId}/${sinkName}`;
}

export function createSinkFromConfig(config: SinkConfig, key: string, clock: Clock): EventSink {
  const ca = config.caFile ? readFileSync(config.caFile) : undefined;
  const base = { name: key, url: config.url, allowInsecure: config.allowInsecure, ca, timeoutMs: config.timeoutMs };
  switch (config.type) {
    case 'couchdb':
      return new CouchDbSink({ ...base, database: config.database, auth: config.auth, clock });
    case 'splunk-hec':
      return new SplunkHecSink({ ...base, token: config.token, index: config.index, source: config.source });
    case 'webhook':
      return new WebhookSink({ ...base, secret: config.secret, clock });
  }
}

export class EventForwarding implements ErasureParticipant {
  readonly name = 'events-outbox';
  readonly #outboxes = new Map<string, EventOutbox>();
  readonly #workers: DeliveryWorker[] = [];
  readonly #sinks: EventSink[] = [];

  constructor(opts: EventForwardingOptions) {
    const clock = opts.clock ?? systemClock;
    const metrics = opts.registry ? new OutboxMetrics(opts.registry, clock) : undefined;
    const gateFor = opts.gateFor ?? ((app) => createDefaultEventGate({ customCdrFields: app.forwarding.customCdrFields }));
    const routes = new Map<string, ForwardingRoute>();
    const sinksByRegion = new Map<string, string[]>();
    const regions = new Set(opts.regions ?? []);
    const active = opts.applications.filter((a) => a.forwarding.enabled && a.forwarding.sinks.length > 0);
    for (const a of active) regions.add(a.region);

    const stores = new Map<string, OutboxStore>();
    for (const region of regions) {
      const store = new SqliteOutboxStore({ dataDir: opts.dataDir, region, synchronous: opts.events.outbox.synchronous });
      stores.set(region, store);
      sinksByRegion.set(region, []);
      this.#outboxes.set(
        region,
        new EventOutbox({ region, store, metrics, clock, resolveRoute: (acc, app) => routes.get(`${acc}/${app}`) }),
      );
      metrics?.watch(store, () => sinksByRegion.get(region) ?? []);
    }

    for (const app of active) {
      const keys: string[] = [];
      const outbox = this.#outboxes.get(app.region)!;
      for (const cfg of app.forwarding.sinks) {
        const key = sinkKey(app.accountId, app.applicationId, cfg.name);
        const sink = (opts.createSink ?? createSinkFromConfig)(cfg, key, clock);
        const worker = new DeliveryWorker({ store: outbox.store, sinkKey: key, sink, clock, policy: opts.events.delivery, random: opts.random, metrics, logger: opts.logger });
        outbox.attachWorker(key, worker);
        this.#workers.push(worker);
        this.#sinks.push(sink);
        keys.push(key);
        sinksByRegion.get(app.region)!.push(key);
      }
      routes.set(`${app.accountId}/${app.applicationId}`, { sinks: keys, gate: gateFor(app) });
    }
  }

  start(): void {
    for (const w of this.#workers) w.start();
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

  async eraseByPseudonym(accountId: string, applicationId: string, pseudonym: string): Promise<number> {
    let n = 0;
    for (const o of this.#outboxes.values()) n += await o.store.eraseByPseudonym(accountId, applicationId, pseudonym);
    return n;
  }

  /** Stops the workers (each finishes and records its batch in flight) and closes sinks and stores. */
  async stop(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.stop()));
    await Promise.all(this.#sinks.map((s) => s.close?.()));
    for (const o of this.#outboxes.values()) await o.store.close();
  }
}
