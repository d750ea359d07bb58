/**
 * Prometheus metrics of the outbox and its delivery workers, registered on a `Registry` passed
 * in (the admin module exposes it). Labels are region and sink key (`account/application/sink`)
 * only — identifiers we define, never caller data (invariant I1).
 *
 * - `hushgate_events_appended_total{region}`         events written to the outbox
 * - `hushgate_events_dropped_total{region,reason}`   events not written (gate dropped, no route, invalid)
 * - `hushgate_events_delivered_total{sink}`          deliveries acknowledged by the sink
 * - `hushgate_events_failed_total{sink,kind}`        failed deliveries: kind = retry | permanent | unavailable
 * - `hushgate_events_dead_lettered_total{sink}`      deliveries moved to the dead-letter state
 * - `hushgate_events_shredded_total{sink}`           deliveries dropped unsent: the caller was erased (payload key gone)
 * - `hushgate_events_queued{sink}`                   pending deliveries (gauge, read at scrape)
 * - `hushgate_events_dead_letter{sink}`              dead-lettered deliveries held (gauge)
 * - `hushgate_events_oldest_pending_age_seconds{sink}` age of the oldest pending delivery (gauge)
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { OutboxStore } from './outbox-store.js';
import type { Clock } from '../time/index.js';

export class OutboxMetrics {
  readonly appended: Counter<'region'>;
  readonly dropped: Counter<'region' | 'reason'>;
  readonly delivered: Counter<'sink'>;
  readonly failed: Counter<'sink' | 'kind'>;
  readonly deadLettered: Counter<'sink'>;
  readonly shredded: Counter<'sink'>;
  readonly #sources: Array<{ store: OutboxStore; sinks: () => string[] }> = [];
  #snap: Promise<Map<string, { pending: number; dead: number; ageSeconds: number }>> | undefined;

  constructor(registry: Registry, clock: Clock) {
    const registers = [registry];
    this.appended = new Counter({ name: 'hushgate_events_appended_total', help: 'Events written to the outbox', labelNames: ['region'], registers });
    this.dropped = new Counter({ name: 'hushgate_events_dropped_total', help: 'Events not written to the outbox', labelNames: ['region', 'reason'], registers });
    this.delivered = new Counter({ name: 'hushgate_events_delivered_total', help: 'Event deliveries acknowledged by a sink', labelNames: ['sink'], registers });
    this.failed = new Counter({ name: 'hushgate_events_failed_total', help: 'Failed event deliveries', labelNames: ['sink', 'kind'], registers });
    this.deadLettered = new Counter({ name: 'hushgate_events_dead_lettered_total', help: 'Event deliveries dead-lettered', labelNames: ['sink'], registers });
    this.shredded = new Counter({ name: 'hushgate_events_shredded_total', help: 'Event deliveries dropped unsent because their caller was erased', labelNames: ['sink'], registers });
    const snapshot = () => this.#snapshot(clock);
    new Gauge({
      name: 'hushgate_events_queued',
      help: 'Pending event deliveries',
      labelNames: ['sink'],
      registers,
      async collect() {
        this.reset();
        for (const [sink, s] of await snapshot()) this.set({ sink }, s.pending);
      },
    });
    new Gauge({
      name: 'hushgate_events_dead_letter',
      help: 'Dead-lettered event deliveries held',
      labelNames: ['sink'],
      registers,
      async collect() {
        this.reset();
        for (const [sink, s] of await snapshot()) this.set({ sink }, s.dead);
      },
    });
    new Gauge({
      name: 'hushgate_events_oldest_pending_age_seconds',
      help: 'Age of the oldest pending event delivery',
      labelNames: ['sink'],
      registers,
      async collect() {
        this.reset();
        for (const [sink, s] of await snapshot()) this.set({ sink }, s.ageSeconds);
      },
    });
  }

  /** One read of the stores per scrape, shared by the three gauges. */
  #snapshot(clock: Clock): Promise<Map<string, { pending: number; dead: number; ageSeconds: number }>> {
    this.#snap ??= (async () => {
      const out = new Map<string, { pending: number; dead: number; ageSeconds: number }>();
      const now = clock.epochMs();
      for (const src of this.#sources) {
        for (const sink of src.sinks()) {
          const s = await src.store.stats(sink);
          out.set(sink, { pending: s.pending, dead: s.dead, ageSeconds: s.oldestPendingAt === undefined ? 0 : Math.max(0, now - s.oldestPendingAt) / 1000 });
        }
      }
      return out;
    })().finally(() => {
      this.#snap = undefined;
    });
    return this.#snap;
  }

  /** Adds an outbox whose sinks the gauges report at scrape time. */
  watch(store: OutboxStore, sinks: () => string[]): void {
    this.#sources.push({ store, sinks });
  }
}
