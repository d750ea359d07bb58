/**
 * `TrainingCapture`: the capture API. Takes one final speech-recognition result (transcript already
 * redacted by the application's policy, raw From/To numbers), and, if the application opted in:
 * masks and pseudonymises the numbers, seals transcript + context + call id (+ audio when the
 * application keeps it) under the caller's data key, and writes the record to its region's store.
 *
 * Writes are group-committed per region: captures arriving together share one transaction. The
 * promise resolves only after the commit, so an acknowledged record is durable.
 */
import type { RegionStores } from '../store/index.js';
import type { DataKeyRow, Store, TrainingRow } from '../store/index.js';
import { callerIdentity } from './caller-identity.js';
import { type Clock, systemClock } from '../time/index.js';
import { DAY_MS, type TrainingPolicy } from './config.js';
import { type DataKey, DataKeyRing } from './data-keys.js';
import { recordAad, seal } from './envelope.js';
import { newRecordId } from './record-id.js';
import type { KeyStore } from './keystore.js';
import { type RecordAudio, encodePayload } from './payload.js';

export interface CaptureInput {
  accountId: string;
  applicationId: string;
  callId: string;
  /** Raw caller / callee numbers as the trunk sent them (URI user part, national or E.164). */
  from: string;
  to: string;
  /** Final transcript, already redacted as the application's policy says. */
  transcript: string;
  language: string;
  confidence?: number;
  /** Utterance start / end, epoch ms. */
  startedAt: number;
  endedAt: number;
  /** The dialog context the utterance ran in. */
  context?: Record<string, unknown>;
  /** Kept only when the application's `includeAudio` is on. */
  audio?: RecordAudio;
}

export type CaptureResult =
  | { captured: true; id: string; region: string; expiresAt: number }
  | { captured: false; reason: 'disabled' | 'unknown-application' | 'invalid'; detail?: string };

export interface TrainingCaptureOptions {
  stores: RegionStores;
  keyStore: KeyStore;
  /** The policy of an application, or undefined if it is not configured. */
  policyOf: (accountId: string, applicationId: string) => TrainingPolicy | undefined;
  ring?: DataKeyRing;
  clock?: Clock;
  defaultCountry?: string;
  /** Most records per transaction (default 500). */
  maxBatch?: number;
}

/** Builds `policyOf` from a list of policies. */
export function policyLookup(policies: readonly TrainingPolicy[]): (accountId: string, applicationId: string) => TrainingPolicy | undefined {
  const m = new Map(policies.map((p) => [`${p.accountId}\u0000${p.applicationId}`, p]));
  return (a, p) => m.get(`${a}\u0000${p}`);
}

function invalid(input: CaptureInput): string | undefined {
  if (typeof input.transcript !== 'string') return 'transcript must be a string';
  if (typeof input.callId !== 'string' || !input.callId) return 'callId is required';
  if (typeof input.language !== 'string' || !input.language) return 'language is required';
  if (!Number.isFinite(input.startedAt) || !Number.isFinite(input.endedAt) || input.endedAt < input.startedAt) return 'startedAt/endedAt must be times with startedAt <= endedAt';
  if (input.confidence !== undefined && !(input.confidence >= 0 && input.confidence <= 1)) return 'confidence must be between 0 and 1';
  return undefined;
}

interface Pending {
  row: TrainingRow;
  dk: DataKey;
  done: (orphaned: boolean) => void;
  fail: (e: unknown) => void;
}

/** Group commit for one store: everything queued while a batch is written goes into the next. */
class BatchWriter {
  private queue: Pending[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(
    private readonly store: Store,
    private readonly maxBatch: number,
  ) {}

  write(row: TrainingRow, dk: DataKey): Promise<boolean> {
    return new Promise<boolean>((done, fail) => {
      this.queue.push({ row, dk, done, fail });
      if (!this.running) {
        this.running = true;
        this.idle = new Promise((r) => (this.markIdle = r));
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      const newKeys = new Map<string, DataKeyRow>();
      for (const p of batch) if (p.dk.pending) newKeys.set(p.dk.id, p.dk.pending);
      try {
        const res = await this.store.insertTrainingRecords(batch.map((p) => p.row), [...newKeys.values()]);
        // Stored (or lost to another gateway's key, which the orphaned rows' retry picks up): never insert it again,
        // so a key erased later cannot be brought back by a straggler.
        for (const p of batch) p.dk.pending = undefined;
        const orphaned = res.orphaned.length ? new Set(res.orphaned) : undefined;
        for (const p of batch) p.done(orphaned?.has(p.row.id) ?? false);
      } catch (e) {
        for (const p of batch) p.fail(e);
      }
    }
    this.running = false;
    this.markIdle();
  }

  drained(): Promise<void> {
    return this.running ? this.idle : Promise.resolve();
  }
}

export class TrainingCapture {
  readonly ring: DataKeyRing;
  private readonly clock: Clock;
  private readonly country: string;
  private readonly maxBatch: number;
  private readonly writers = new Map<string, BatchWriter>();

  constructor(private readonly opts: TrainingCaptureOptions) {
    this.ring = opts.ring ?? new DataKeyRing(opts.keyStore);
    this.clock = opts.clock ?? systemClock;
    this.country = opts.defaultCountry ?? 'US';
    this.maxBatch = opts.maxBatch ?? 500;
  }

  private writer(region: string): BatchWriter {
    let w = this.writers.get(region);
    if (!w) {
      w = new BatchWriter(this.opts.stores.get(region), this.maxBatch);
      this.writers.set(region, w);
    }
    return w;
  }

  async capture(input: CaptureInput): Promise<CaptureResult> {
    const policy = this.opts.policyOf(input.accountId, input.applicationId);
    if (!policy) return { captured: false, reason: 'unknown-application' };
    if (!policy.enabled) return { captured: false, reason: 'disabled' };
    const bad = invalid(input);
    if (bad) return { captured: false, reason: 'invalid', detail: bad };

    const store = this.opts.stores.get(policy.region); // throws for a region with no store: a config bug, not input
    const secret = await this.opts.keyStore.pseudonymSecret(input.accountId);
    const from = callerIdentity(secret, input.from, this.country);
    const to = callerIdentity(secret, input.to, this.country);
    const scope = {
      accountId: input.accountId,
      applicationId: input.applicationId,
      region: policy.region,
      fromPseudonym: from.pseudonym,
      toPseudonym: to.pseudonym,
    };
    const plaintext = encodePayload({
      transcript: input.transcript,
      callId: input.callId,
      context: input.context ?? {},
      audio: policy.includeAudio ? input.audio : undefined,
    });
    const capturedAt = this.clock.epochMs();
    const base = {
      accountId: input.accountId,
      applicationId: input.applicationId,
      region: policy.region,
      fromPseudonym: scope.fromPseudonym,
      toPseudonym: scope.toPseudonym,
      fromMasked: from.masked,
      toMasked: to.masked,
      language: input.language,
      confidence: input.confidence ?? null,
      startedAt: input.startedAt,
      endedAt: input.endedAt,
      capturedAt,
      expiresAt: capturedAt + policy.retentionDays * DAY_MS,
      hasAudio: policy.includeAudio && input.audio !== undefined,
    };
    // A key erased between look-up and commit makes the store refuse the row: seal again under a fresh key.
    for (let attempt = 0; attempt < 3; attempt++) {
      const dk = await this.ring.forScope(store, scope);
      const id = newRecordId(capturedAt);
      const meta = { ...base, id, dataKeyId: dk.id };
      const row: TrainingRow = { ...meta, sealed: seal(dk.key, plaintext, recordAad(meta)) };
      const orphaned = await this.writer(policy.region).write(row, dk);
      if (!orphaned) return { captured: true, id, region: policy.region, expiresAt: base.expiresAt };
      this.ring.forget(scope);
    }
    throw new Error('training capture: data key kept disappearing while writing');
  }

  /** Resolves once every capture queued so far is committed. */
  async drain(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.drained()));
  }
}
