/**
 * The gateway's Prometheus metrics that other layers feed, registered on the admin `Registry`.
 * Labels are identifiers we define (application id, engine, redaction type, region), never caller
 * data (invariant I1). The call layer calls the `observe*` methods; nothing here reads a call.
 *
 * - `hushgate_turn_latency_seconds{application}`   end of caller speech → first audio of the answer
 * - `hushgate_stt_latency_seconds{engine}`          end of utterance → final transcript
 * - `hushgate_tts_latency_seconds{engine,cached}`   text → first audio frame
 * - `hushgate_dialog_latency_seconds{provider}`     turn request → dialog response
 * - `hushgate_tts_cache_requests_total{result}` and `hushgate_tts_cache_hit_ratio`
 * - `hushgate_rtp_loss_ratio` / `hushgate_rtp_jitter_seconds` / `hushgate_rtp_mos`   per ended call (histograms)
 * - `hushgate_redactions_total{type,destination}`   PII/PCI/PHI spans redacted, by type and destination
 * - `hushgate_outbox_depth{region}` / `hushgate_outbox_oldest_age_seconds{region}` (read at scrape)
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

export interface OutboxDepth {
  region: string;
  depth: number;
  oldestAgeSeconds: number;
}

export interface CallMediaSample {
  packetsReceived: number;
  lost: number;
  jitterMs: number;
  mos?: number;
}

export class GatewayMetrics {
  readonly turnLatency: Histogram<'application'>;
  readonly sttLatency: Histogram<'engine'>;
  readonly ttsLatency: Histogram<'engine' | 'cached'>;
  readonly dialogLatency: Histogram<'provider'>;
  readonly ttsCache: Counter<'result'>;
  readonly rtpLoss: Histogram;
  readonly rtpJitter: Histogram;
  readonly rtpMos: Histogram;
  readonly redactions: Counter<'type' | 'destination'>;
  private outboxSource?: () => Promise<OutboxDepth[]>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.turnLatency = new Histogram({ name: 'hushgate_turn_latency_seconds', help: 'End of caller speech to first audio of the answer', labelNames: ['application'], buckets: LATENCY_BUCKETS, registers });
    this.sttLatency = new Histogram({ name: 'hushgate_stt_latency_seconds', help: 'End of utterance to final transcript', labelNames: ['engine'], buckets: LATENCY_BUCKETS, registers });
    this.ttsLatency = new Histogram({ name: 'hushgate_tts_latency_seconds', help: 'Text to first synthesized audio', labelNames: ['engine', 'cached'], buckets: LATENCY_BUCKETS, registers });
    this.dialogLatency = new Histogram({ name: 'hushgate_dialog_latency_seconds', help: 'Turn request to dialog response', labelNames: ['provider'], buckets: LATENCY_BUCKETS, registers });
    this.ttsCache = new Counter({ name: 'hushgate_tts_cache_requests_total', help: 'TTS cache look-ups', labelNames: ['result'], registers });
    const cache = this.ttsCache;
    new Gauge({
      name: 'hushgate_tts_cache_hit_ratio',
      help: 'TTS cache hits / look-ups since start',
      registers,
      async collect() {
        const m = await cache.get();
        const hit = m.values.find((v) => v.labels.result === 'hit')?.value ?? 0;
        const all = m.values.reduce((s, v) => s + v.value, 0);
        this.set(all ? hit / all : 0);
      },
    });
    this.rtpLoss = new Histogram({ name: 'hushgate_rtp_loss_ratio', help: 'RTP packets lost / expected, per ended call', buckets: [0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2], registers });
    this.rtpJitter = new Histogram({ name: 'hushgate_rtp_jitter_seconds', help: 'Interarrival jitter (RFC 3550) at the end of each call', buckets: [0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2], registers });
    this.rtpMos = new Histogram({ name: 'hushgate_rtp_mos', help: 'Estimated MOS (1–5, E-model from loss and jitter) at the end of each call', buckets: [1, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4], registers });
    this.redactions = new Counter({ name: 'hushgate_redactions_total', help: 'Sensitive spans redacted, by entity type and destination', labelNames: ['type', 'destination'], registers });
    const self = this;
    let snap: Promise<OutboxDepth[]> | undefined;
    const read = () => (snap ??= (self.outboxSource?.() ?? Promise.resolve([])).finally(() => setImmediate(() => (snap = undefined))));
    new Gauge({
      name: 'hushgate_outbox_depth', help: 'Events waiting in the outbox', labelNames: ['region'], registers,
      async collect() {
        this.reset();
        for (const o of await read()) this.set({ region: o.region }, o.depth);
      },
    });
    new Gauge({
      name: 'hushgate_outbox_oldest_age_seconds', help: 'Age of the oldest event waiting in the outbox', labelNames: ['region'], registers,
      async collect() {
        this.reset();
        for (const o of await read()) this.set({ region: o.region }, o.oldestAgeSeconds);
      },
    });
  }

  observeTurn(t: { applicationId: string; latencyMs: number }): void {
    this.turnLatency.observe({ application: t.applicationId }, t.latencyMs / 1000);
  }

  observeStt(t: { engine: string; latencyMs: number }): void {
    this.sttLatency.observe({ engine: t.engine }, t.latencyMs / 1000);
  }

  observeTts(t: { engine: string; latencyMs: number; cached: boolean }): void {
    this.ttsLatency.observe({ engine: t.engine, cached: String(t.cached) }, t.latencyMs / 1000);
    this.ttsCache.inc({ result: t.cached ? 'hit' : 'miss' });
  }

  observeDialog(t: { provider: string; latencyMs: number }): void {
    this.dialogLatency.observe({ provider: t.provider }, t.latencyMs / 1000);
  }

  /** At the end of a call (the `call.ended` event's `media`). */
  observeCallMedia(m: CallMediaSample | undefined): void {
    if (!m) return;
    const expected = m.packetsReceived + Math.max(0, m.lost);
    if (expected > 0) this.rtpLoss.observe(Math.max(0, m.lost) / expected);
    this.rtpJitter.observe(m.jitterMs / 1000);
    if (m.mos !== undefined && m.mos >= 1 && m.mos <= 5) this.rtpMos.observe(m.mos);
  }

  countRedaction(type: string, destination: string, n = 1): void {
    this.redactions.inc({ type, destination }, n);
  }

  /** Where the outbox gauges read from at scrape time (the events module's outbox stores). */
  setOutboxSource(source: () => Promise<OutboxDepth[]>): void {
    this.outboxSource = source;
  }
}

/**
 * Metrics first published under names that break Prometheus conventions (a counter without
 * `_total`, milliseconds instead of seconds), and the conventional name each is now also published
 * under. The old names stay, unchanged, so dashboards, alerts and tests that use them keep working;
 * new consumers (deploy/grafana/) use the conventional ones. Values are read from the old metric at
 * scrape time, so both always agree.
 */
export const CONVENTIONAL_NAMES: ReadonlyArray<{ legacy: string; name: string; kind: 'counter' | 'gauge'; scale?: number }> = [
  { legacy: 'hushgate_sip_messages_received', name: 'hushgate_sip_messages_received_total', kind: 'counter' },
  { legacy: 'hushgate_sip_malformed', name: 'hushgate_sip_malformed_messages_total', kind: 'counter' },
  { legacy: 'hushgate_sip_forbidden', name: 'hushgate_sip_forbidden_total', kind: 'counter' },
  { legacy: 'hushgate_sip_auth_failures', name: 'hushgate_sip_auth_failures_total', kind: 'counter' },
  { legacy: 'hushgate_sip_auth_replays', name: 'hushgate_sip_auth_replays_total', kind: 'counter' },
  { legacy: 'hushgate_sip_connections_refused', name: 'hushgate_sip_connections_refused_total', kind: 'counter' },
  { legacy: 'hushgate_sip_connections_closed', name: 'hushgate_sip_connections_closed_total', kind: 'counter' },
  { legacy: 'hushgate_calls_shed', name: 'hushgate_calls_shed_total', kind: 'counter' },
  { legacy: 'hushgate_event_loop_lag_ms', name: 'hushgate_event_loop_lag_seconds', kind: 'gauge', scale: 0.001 },
  { legacy: 'hushgate_media_scheduler_lateness_ms', name: 'hushgate_media_scheduler_lateness_seconds', kind: 'gauge', scale: 0.001 },
];

/** Registers the conventional names of `CONVENTIONAL_NAMES` whose old metric is in the registry. */
export function registerConventionalNames(registry: Registry): void {
  for (const m of CONVENTIONAL_NAMES) {
    const legacy = registry.getSingleMetric(m.legacy);
    if (!legacy) continue;
    const read = async () => (await legacy.get()).values;
    const labelNames = [...new Set((legacy as unknown as { labelNames?: string[] }).labelNames ?? [])];
    const help = `${(legacy as unknown as { help: string }).help}${m.scale ? ' (seconds)' : ''}; conventional name of ${m.legacy}`;
    const scale = m.scale ?? 1;
    if (m.kind === 'counter') {
      new Counter({ name: m.name, help, labelNames, registers: [registry], async collect() {
        this.reset();
        for (const v of await read()) this.inc(v.labels as Record<string, string>, Math.max(0, v.value * scale));
      } });
    } else {
      new Gauge({ name: m.name, help, labelNames, registers: [registry], async collect() {
        this.reset();
        for (const v of await read()) this.set(v.labels as Record<string, string>, v.value * scale);
      } });
    }
  }
}
