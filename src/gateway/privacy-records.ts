/**
 * `PrivacyRecords`: the gateway's privacy receipts and call recordings, composed from their modules
 * (src/receipts/, src/recordings/) on the training module's region stores, key store and data-key
 * ring — one store per region, one envelope scheme, one erasure.
 *
 * - Receipts: a signed chain per region (`ReceiptStore`, key from `regionSigningKey`); the
 *   `ReceiptLedger` writes one per call from the call event bus, and one per region for each
 *   erasure (`Eraser.onReceipt`).
 * - Recordings: `startRecording(call)` gives a call of a recording application its
 *   `CallRecording` (consent, pauses, the sensitive switch); at the end of the call the audio is
 *   sealed and stored by the `RecordingService`, also an erasure participant. Expired recordings are
 *   swept hourly on the Clock (reads never return them either way).
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { AccountConfig, ApplicationConfig } from '../tenancy/index.js';
import type { ActiveCall } from '../call/index.js';
import type { CallEvent } from '../call/index.js';
import { CallRecording } from '../call/index.js';
import type { RecordingControl } from '../call/index.js';
import { parsePrivacyPolicyOnce, DEFAULT_PRIVACY_POLICY } from '../privacy/index.js';
import { ReceiptLedger, type ReceiptApp } from '../receipts/index.js';
import { ReceiptStore } from '../receipts/index.js';
import { regionSigningKey } from '../receipts/index.js';
import { RecordingService } from '../recordings/index.js';
import { effectiveRetentionDays } from '../training/index.js';
import type { TrainingService } from '../training/index.js';
import { systemClock, type Clock, type TimerHandle } from '../time/index.js';
import { headerUser } from './report-mapping.js';

const SWEEP_MS = 3_600_000;

export interface PrivacyRecordsOptions {
  config: Config;
  calls: EventEmitter<{ event: [CallEvent] }>;
  training: TrainingService;
  log: Logger;
  clock?: Clock;
}

function retentionDays(account: AccountConfig, app: ApplicationConfig): number {
  return effectiveRetentionDays(app.training ?? {}, account.training ?? { maxRetentionDays: 30 });
}

export class PrivacyRecords {
  #apps = new Map<string, { account: AccountConfig; app: ApplicationConfig }>();
  #sweep: TimerHandle | undefined;

  private constructor(
    private readonly opts: PrivacyRecordsOptions,
    readonly chains: ReadonlyMap<string, ReceiptStore>,
    readonly recordings: RecordingService,
    readonly ledger: ReceiptLedger,
    private readonly clock: Clock,
  ) {}

  static async open(opts: PrivacyRecordsOptions): Promise<PrivacyRecords> {
    const clock = opts.clock ?? systemClock;
    const t = opts.training;
    const chains = new Map<string, ReceiptStore>();
    for (const region of t.stores.regions()) chains.set(region, await ReceiptStore.open(t.stores.get(region), regionSigningKey(opts.config.dataDir, region)));
    const recordings = await RecordingService.open(t.stores, t.keyStore, t.ring, opts.config.defaultCountry, () => clock.epochMs());
    let self: PrivacyRecords | undefined;
    const ledger = new ReceiptLedger({
      calls: opts.calls, chainOf: (r) => chains.get(r), appOf: (a, p) => self?.receiptApp(a, p), defaultCountry: opts.config.defaultCountry,
      log: opts.log, now: () => clock.epochMs(),
    });
    t.eraser.register(recordings);
    t.eraser.onReceipt((r) => ledger.erasure(r));
    self = new PrivacyRecords(opts, chains, recordings, ledger, clock);
    self.applyAccounts(opts.config.accounts);
    return self;
  }

  /** New calls follow the applications' current settings (tenancy changes); live calls keep theirs. */
  applyAccounts(accounts: readonly AccountConfig[]): void {
    const m = new Map<string, { account: AccountConfig; app: ApplicationConfig }>();
    for (const account of accounts) for (const app of account.applications) m.set(`${account.id}/${app.id}`, { account, app });
    this.#apps = m;
  }

  start(): void {
    this.ledger.start();
    const sweep = () => {
      void this.recordings.sweep().then(
        (n) => n && this.opts.log.info({ deleted: n }, 'expired recordings deleted'),
        (err: unknown) => this.opts.log.error({ err: err instanceof Error ? err.message : 'failed' }, 'recording sweep failed'),
      );
      this.#sweep = this.clock.setTimeout(sweep, SWEEP_MS);
    };
    sweep();
  }

  async stop(): Promise<void> {
    this.clock.clearTimeout(this.#sweep);
    await this.ledger.stop();
  }

  receiptApp(accountId: string, applicationId: string): ReceiptApp | undefined {
    const e = this.#apps.get(`${accountId}/${applicationId}`);
    if (!e) return undefined;
    const parsed = parsePrivacyPolicyOnce(e.app.privacy);
    return {
      policy: parsed.ok ? parsed.policy : DEFAULT_PRIVACY_POLICY,
      remoteDialog: e.app.mode === 'agent' && (e.app.dialog?.provider ?? 'local') !== 'local',
      forwarding: e.app.forwarding.enabled && e.app.forwarding.sinks.length > 0,
      training: e.app.training?.enabled ?? false,
      retentionDays: retentionDays(e.account, e.app),
    };
  }

  /** The recording of a call whose application records; undefined otherwise. */
  startRecording(call: ActiveCall): RecordingControl | undefined {
    const { account, application: app } = call.route;
    const r = app.recording;
    if (!r?.enabled) return undefined;
    const req = call.session.request;
    // Consent other than `none` needs the agent to play and listen; other modes never record then (fail closed).
    const consent = { mode: r.consent, announcement: r.announcement, key: r.consentKey, phrase: r.consentPhrase, timeoutMs: r.consentTimeoutSec * 1000 };
    const rec = new CallRecording(call.media, call.sensitive, {
      channels: r.channels, consent, maxSeconds: app.maxCallSeconds,
      store: (audio) => this.recordings.store({
        callId: call.info.callId, accountId: account.id, applicationId: app.id, region: app.region,
        from: headerUser(req.headers.get('From') ?? ''), to: headerUser(req.headers.get('To') ?? ''), retentionDays: retentionDays(account, app),
      }, audio),
      onStoreError: (err) => this.opts.log.error({ callId: call.info.callId, err: err instanceof Error ? err.message.slice(0, 200) : 'failed' }, 'recording not stored'),
    });
    if (app.mode !== 'agent') {
      if (r.consent === 'none') rec.start('not-required');
      else rec.refuse('refused');
    }
    return rec;
  }
}
