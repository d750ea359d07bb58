/**
 * `ReceiptLedger`: writes the privacy receipt of every call when it ends, and one per region for
 * every erasure, into the region's signed chain (receipt-store.ts).
 *
 * It listens to the call event bus: `call.started` (the call's own numbers, for detection),
 * `caller.input` (each caller turn with how it was gated — counted per destination, counts.ts),
 * and `call.ended` (times, end reason, sensitive intervals, recording summary). Destinations
 * counted: `dialog` when the application's dialog runs outside the process, `events` when it
 * forwards events, `training` when it captures (speech only). Nothing of what was said is kept:
 * per call only counters live in memory, and the receipt holds counts, ids and times.
 * A receipt that cannot be written is logged (no PII) and counted; the call is not affected.
 * Receipts are written with group commit: calls that end while a region's write is in flight, in
 * the same turn of the event loop, or within BATCH_WINDOW_MS of the region's previous write go into
 * the next transaction together, so a busy gateway commits (and signs: one signature per batch,
 * receipt-store.ts) about once per window, not once per call; an idle one still writes a receipt at once.
 */
import type { Logger } from 'pino';
import type { DestinationPolicy, PrivacyPolicy } from '../privacy/index.js';
import { prepareCallNumbers } from '../privacy/index.js';
import type { CallNumbers } from '../privacy/index.js';
import type { TurnPrivacy } from '../privacy/index.js';
import type { ErasureReceipt } from '../store/index.js';
import type { CallReceiptBody, DestinationCounts } from './receipt.js';
import type { ReceiptStore } from './receipt-store.js';
import { compact, countInput, emptyCounts } from './counts.js';

export interface ReceiptApp {
  policy: PrivacyPolicy;
  /** Destinations the application sends caller input to (besides the gateway itself). */
  remoteDialog: boolean;
  forwarding: boolean;
  training: boolean;
  /** Days the call's retained data (recording, training records) is kept; undefined: nothing retained. */
  retentionDays?: number;
}

/** A call event as the ledger reads it: the call layer's CallEvent, structurally (receipts sit below call/). */
export interface LedgerEvent {
  type: string;
  callId: string;
  accountId: string;
  applicationId: string;
  region: string;
}

interface EndedEvent {
  startedAt: number;
  endedAt: number;
  endReason?: string;
  sensitive?: { from: number; to?: number; reasons: string[]; words: number; digits: number }[];
  recording?: { consent: string; outcome: string; recorded: boolean; recordingId?: string; durationMs?: number; pauses: { fromMs: number; toMs?: number; reasons: string[] }[] };
}

/** The call event bus (InboundCalls). */
export interface CallEventSource {
  on(event: 'event', listener: (e: LedgerEvent) => void): unknown;
  off(event: 'event', listener: (e: LedgerEvent) => void): unknown;
}

export interface ReceiptLedgerOptions {
  calls: CallEventSource;
  /** The region's receipt chain; undefined for a region without a store (nothing written, logged). */
  chainOf: (region: string) => ReceiptStore | undefined;
  appOf: (accountId: string, applicationId: string) => ReceiptApp | undefined;
  defaultCountry: string;
  log: Logger;
  now: () => number;
}

interface CallState {
  app: ReceiptApp;
  callNumbers: CallNumbers;
  turns: number;
  destinations: Map<string, DestinationCounts>;
  streams: Map<string, NonNullable<CallReceiptBody['streams']>[number]>;
}

type AnyEvent = LedgerEvent & Record<string, unknown>;
/** A region's receipts waiting for its next transaction; `lastWrite`: when the previous one began (performance.now()). */
interface WriteQueue {
  items: { body: CallReceiptBody; callId: string }[];
  writing: boolean;
  lastWrite: number;
}
const iso = (ms: number) => new Date(ms).toISOString();
const DAY_MS = 86_400_000;
/**
 * A region writes at most about once per this window under load: at 2,000 calls/s one transaction
 * and one Ed25519 signature for ~200 receipts instead of one per turn of the event loop (a handful).
 * A receipt waits at most this long; the first after a quiet spell is written at once.
 */
export const BATCH_WINDOW_MS = 100;

export class ReceiptLedger {
  readonly #calls = new Map<string, CallState>();
  readonly #inflight = new Set<Promise<unknown>>();
  /** Call receipts waiting for their region's next transaction, and whether one is being written. */
  readonly #queues = new Map<string, WriteQueue>();
  readonly #onEvent = (e: LedgerEvent) => this.#handle(e as AnyEvent);
  failures = 0;

  constructor(private readonly opts: ReceiptLedgerOptions) {}

  start(): void {
    this.opts.calls.on('event', this.#onEvent);
  }

  async stop(): Promise<void> {
    this.opts.calls.off('event', this.#onEvent);
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
  }

  #handle(e: AnyEvent): void {
    if (e.type === 'call.started') {
      const app = this.opts.appOf(e.accountId, e.applicationId);
      if (!app) return;
      this.#calls.set(e.callId, { app, callNumbers: prepareCallNumbers([String(e['from']), String(e['to'])], this.opts.defaultCountry), turns: 0, destinations: new Map(), streams: new Map() });
      return;
    }
    const st = this.#calls.get(e.callId);
    if (!st) return;
    if (e.type === 'caller.input') return this.#input(st, e);
    if (typeof e.type === 'string' && e.type.startsWith('stream.')) return this.#stream(st, e);
    if (e.type !== 'call.ended') return;
    this.#calls.delete(e.callId);
    const body = this.#body(st, e as AnyEvent & EndedEvent);
    this.#write(e.region, body, e.callId);
  }

  #input(st: CallState, e: AnyEvent): void {
    st.turns++;
    const privacy = (e['privacy'] as TurnPrivacy | undefined) ?? {};
    const input = typeof e['dtmf'] === 'string' ? { dtmf: e['dtmf'] } : { text: String(e['text'] ?? '') };
    const ctx = { ...privacy, callNumbers: st.callNumbers };
    const dest = (name: string, policy: DestinationPolicy) => {
      let c = st.destinations.get(name);
      if (!c) st.destinations.set(name, (c = emptyCounts()));
      countInput(c, name, policy, input, ctx);
    };
    const { app } = st;
    if (app.remoteDialog) dest('dialog', app.policy.dialog);
    if (app.forwarding) dest('events', app.policy.events);
    if (app.training && input.text !== undefined) dest('training', app.policy.training);
  }

  /** A bot stream is a destination of the caller's audio: the receipt says where and when, never what. */
  #stream(st: CallState, e: AnyEvent): void {
    const sid = String(e['streamSid'] ?? '');
    const at = iso(typeof e['time'] === 'number' ? (e['time'] as number) : this.opts.now());
    let s = st.streams.get(sid);
    if (!s) st.streams.set(sid, (s = { url: String(e['url'] ?? ''), format: String(e['format'] ?? ''), startedAt: at, reconnects: 0 }));
    if (e.type === 'stream.reconnecting') s.reconnects++;
    if (e.type === 'stream.stopped') s.stoppedAt = at;
  }

  #body(st: CallState, e: AnyEvent & EndedEvent): CallReceiptBody {
    const rec = e.recording;
    const retained = st.app.retentionDays !== undefined && (st.app.training || rec?.recorded);
    return {
      kind: 'call', callId: e.callId, accountId: e.accountId, applicationId: e.applicationId, region: e.region,
      startedAt: iso(e.startedAt), endedAt: iso(e.endedAt), endReason: e.endReason ?? 'unknown', callerTurns: st.turns,
      destinations: Object.fromEntries([...st.destinations].map(([k, v]) => [k, compact(v) as DestinationCounts])),
      sensitive: (e.sensitive ?? []).map((i) => ({ from: iso(i.from), ...(i.to !== undefined ? { to: iso(i.to) } : {}), reasons: i.reasons, words: i.words, digits: i.digits })),
      recording: rec ? { consent: rec.consent, outcome: rec.outcome, recorded: rec.recorded, recordingId: rec.recordingId, durationMs: rec.durationMs, pauses: rec.pauses } : null,
      retentionExpiresAt: retained ? iso(e.endedAt + st.app.retentionDays! * DAY_MS) : null,
      ...(st.streams.size ? { streams: [...st.streams.values()] } : {}),
    };
  }

  /** One erasure receipt per region the erasure ran in, appended to that region's chain. */
  async erasure(r: ErasureReceipt): Promise<void> {
    for (const region of r.regions) {
      const chain = this.opts.chainOf(region);
      if (!chain) continue;
      await chain.append({ kind: 'erasure', requestId: r.requestId, accountId: r.accountId, applicationId: r.applicationId, at: iso(r.completedAt), counts: r.counts }, this.opts.now());
    }
  }

  #write(region: string, body: CallReceiptBody, callId: string): void {
    const chain = this.opts.chainOf(region);
    if (!chain) {
      this.failures++;
      this.opts.log.error({ callId, region }, 'privacy receipt not written: the region has no receipt chain');
      return;
    }
    let q = this.#queues.get(region);
    if (!q) this.#queues.set(region, (q = { items: [], writing: false, lastWrite: -Infinity }));
    q.items.push({ body, callId });
    if (q.writing) return;
    q.writing = true;
    const p = this.#drain(chain, q);
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  async #drain(chain: ReceiptStore, q: WriteQueue): Promise<void> {
    // Calls ending in this turn, or until the window since the last write closes, share the transaction.
    const wait = q.lastWrite + BATCH_WINDOW_MS - performance.now();
    await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
    while (q.items.length) {
      q.lastWrite = performance.now();
      const batch = q.items.splice(0, 1024);
      await chain.appendMany(batch.map((b) => b.body), this.opts.now()).catch((err: unknown) => {
        this.failures += batch.length;
        for (const { callId } of batch) this.opts.log.error({ callId, region: chain.region, err: err instanceof Error ? err.message.slice(0, 200) : 'failed' }, 'privacy receipt not written');
      });
    }
    q.writing = false;
  }
}
