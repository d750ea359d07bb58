/**
 * `CallReporting`: where the call layer's CallEvents become reports that leave the call — event
 * forwarding (issue 7) and training capture (issue 6). It owns the glue only; the outbox, sinks,
 * capture, erasure and the privacy policy engine are their modules'.
 *
 * - Subscribes to `calls.on('event')`, keeps a little per-call state (the raw From/To of
 *   `call.started`, counters, a DTMF buffer) and maps CallEvents to report events: `cdr` on
 *   `call.ended` (with RTP stats), `turn`, `transcription`, `dtmf` (digits gathered until `#`, the
 *   next turn or the end of the call), `transfer`. Each gets a fresh `eventId`.
 * - Reports go through `EventForwarding`, whose per-application gate is the application's privacy
 *   policy for the `events` destination (`policyEventGate`), so the gate runs before the outbox
 *   write (I2). Each append carries the caller's keyed pseudonym (sent as `callerPseudonym`, so sinks
 *   and erasure find it: I5) and is sealed under the caller's training data key (`DataKeyEventCipher`).
 *   Only applications with `forwarding.enabled` store anything.
 * - On `transcription` of an application with `training.enabled`, the transcript gated by the
 *   `training` destination is captured with the raw From/To numbers; capture masks and
 *   pseudonymises them itself (I4).
 * - The outbox is an erasure participant of the training `Eraser`; the retention sweeper runs
 *   from `start()`; `stop()` waits for in-flight work and closes everything.
 * Per-call work is chained, so a call's reports keep their order; nothing here logs caller data.
 *
 * The gate is report-gate.ts, the mapping of CallEvents to report events report-mapping.ts, the
 * per-call DTMF buffer call-dtmf.ts; this file wires them to forwarding and training.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { AccountConfig } from '../tenancy/index.js';
import type { CallEvent } from '../call/index.js';
import { EventForwarding, type ForwardingApplication } from '../events/index.js';
import type { EventGate } from '../events/index.js';
import type { ReportEventInput } from '../events/index.js';
import { openTraining, type TrainingService } from '../training/index.js';
import { pseudonymOf } from '../training/index.js';
import { DataKeyEventCipher } from '../training/index.js';
import type { KeyStore } from '../training/index.js';
import type { CallNumbers, DetectionContext } from '../privacy/index.js';
import { prepareCallNumbers } from '../privacy/index.js';
import type { TurnPrivacy } from '../privacy/index.js';
import { headerUri } from '../dialog/index.js';
import { applyPolicy, parsePrivacyPolicy, DEFAULT_PRIVACY_POLICY, type PrivacyPolicy, type PolicyContext } from '../privacy/index.js';
import { policyEventGate } from './report-gate.js';
import { CallDtmfBuffer } from './call-dtmf.js';
import {
  cdrReport, headerUser, languageOf, newTally, reportBase, transcriptionReport, transferReport, turnReport,
  type AnyCallEvent, type CallFacts, type CallTally, type ReportBase,
} from './report-mapping.js';

export interface CallReportingOptions {
  config: Config;
  calls: EventEmitter<{ event: [CallEvent] }>;
  log: Logger;
  registry?: Registry;
  /** Default: the file key store under `<dataDir>/keys` (the training module's). */
  keyStore?: KeyStore;
  /** Whether a call's media was SRTP (looked up at `call.started`). */
  mediaSecurityOf?: (callId: string) => 'rtp' | 'srtp';
  /** This process's `node.id`: carried by every event and erasure receipt. */
  nodeId?: string;
}

interface AppInfo {
  accountId: string;
  applicationId: string;
  region: string;
  policy: PrivacyPolicy;
  forwarding: boolean;
  training: boolean;
  language: string;
}

interface CallState {
  app: AppInfo;
  facts: CallFacts;
  tally: CallTally;
  dtmf: CallDtmfBuffer;
  pseudonym: Promise<string | undefined>;
  /** The called number's pseudonym: with the caller's, the scope of the data key the call's events are sealed under. */
  calleePseudonym: Promise<string | undefined>;
  chain: Promise<void>;
  /** The call's own numbers (any form of them in a transcript is PHONE). */
  callNumbers: CallNumbers;
  /** How the latest caller turn was gated (CallPrivacy): keys flushed later are gated the same way. */
  turnPrivacy: TurnPrivacy;
}

/** What reporting derives from the accounts: per-application facts, forwarding routes, privacy gates. */
interface Derived {
  apps: Map<string, AppInfo>;
  forwardingApps: ForwardingApplication[];
  gates: Map<string, EventGate>;
}

async function derive(accounts: readonly AccountConfig[], defaultCountry: string, keyStore: KeyStore): Promise<Derived> {
  const apps = new Map<string, AppInfo>();
  const forwardingApps: ForwardingApplication[] = [];
  const gates = new Map<string, EventGate>();
  for (const acc of accounts) {
    for (const app of acc.applications) {
      const parsed = parsePrivacyPolicy(app.privacy);
      const policy = parsed.ok ? parsed.policy : DEFAULT_PRIVACY_POLICY; // the config schema / tenancy API already validated it
      apps.set(`${acc.id}/${app.id}`, {
        accountId: acc.id, applicationId: app.id, region: app.region, policy,
        forwarding: app.forwarding.enabled && app.forwarding.sinks.length > 0,
        training: app.training?.enabled ?? false,
        language: languageOf(app),
      });
      forwardingApps.push({ accountId: acc.id, applicationId: app.id, region: app.region, forwarding: app.forwarding });
      if (app.forwarding.enabled) {
        // The account secret only matters for the `pseudonym` phone rule; fetched once per change, here.
        const ctx: PolicyContext = { defaultCountry, accountSecret: await keyStore.pseudonymSecret(acc.id) };
        gates.set(`${acc.id}/${app.id}`, policyEventGate(policy, ctx, app.forwarding.customCdrFields));
      }
    }
  }
  return { apps, forwardingApps, gates };
}

export class CallReporting {
  readonly forwarding: EventForwarding;
  readonly training: TrainingService;
  #apps: Map<string, AppInfo>;
  readonly #calls = new Map<string, CallState>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #onEvent = (e: CallEvent) => this.#handle(e as AnyCallEvent);
  #stopped = false;
  /** Account changes are applied one at a time, in the order they arrive. */
  #applying: Promise<void> = Promise.resolve();

  private constructor(
    private readonly opts: CallReportingOptions,
    apps: Map<string, AppInfo>,
    forwarding: EventForwarding,
    training: TrainingService,
  ) {
    this.#apps = apps;
    this.forwarding = forwarding;
    this.training = training;
    training.eraser.register(forwarding);
  }

  static async open(opts: CallReportingOptions): Promise<CallReporting> {
    const c = opts.config;
    const training = await openTraining(c, { keyStore: opts.keyStore, nodeId: opts.nodeId });
    const d = await derive(c.accounts, c.defaultCountry, training.keyStore);
    const forwarding = new EventForwarding({
      dataDir: c.dataDir,
      events: c.events,
      applications: d.forwardingApps,
      regions: Object.keys(c.regions), // erasure reaches every region's outbox
      // Payloads sealed under the caller's training data key (the training ring, which erasure clears).
      cipher: new DataKeyEventCipher(training.stores, training.ring),
      gateFor: (a) => d.gates.get(`${a.accountId}/${a.applicationId}`)!,
      registry: opts.registry,
      logger: opts.log,
    });
    return new CallReporting(opts, d.apps, forwarding, training);
  }

  /**
   * The accounts changed (the tenancy store: admin API, another gateway, a config reload). New calls
   * get the new forwarding, training and privacy settings; a call in progress keeps the application
   * facts it started with, while its later events take the application's current route and gate
   * (a tightened policy applies at once). Training capture, retention and erasure follow too.
   */
  applyAccounts(accounts: readonly AccountConfig[]): Promise<void> {
    const next = this.#applying.then(async () => {
      if (this.#stopped) return;
      const d = await derive(accounts, this.opts.config.defaultCountry, this.training.keyStore);
      this.training.policies.update({ accounts: accounts as AccountConfig[] });
      this.#apps = d.apps;
      await this.forwarding.reconfigure(d.forwardingApps, (a) => d.gates.get(`${a.accountId}/${a.applicationId}`)!);
    });
    this.#applying = next.catch(() => undefined);
    return next;
  }

  /** Starts delivery, the retention sweeper (first sweep awaited) and the CallEvent subscription. */
  async start(): Promise<void> {
    await this.forwarding.start();
    await this.training.sweeper.start();
    this.opts.calls.on('event', this.#onEvent);
  }

  /** Unsubscribes, flushes open calls' state, waits for in-flight appends/captures, closes all. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.opts.calls.off('event', this.#onEvent);
    await this.#applying;
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
    this.#calls.clear();
    await this.forwarding.stop();
    await this.training.close();
  }

  #handle(e: AnyCallEvent): void {
    if (e.type === 'call.started') {
      const app = this.#apps.get(`${e.accountId}/${e.applicationId}`);
      if (!app || (!app.forwarding && !app.training)) return;
      const fromUser = headerUser(e.from);
      const country = this.opts.config.defaultCountry;
      const transport = e.transport.toLowerCase();
      const toUser = headerUser(e.to);
      this.#calls.set(e.callId, {
        app,
        facts: {
          direction: (e as { direction?: string }).direction === 'outbound' ? 'outbound' : 'inbound',
          fromUser, toUser, fromUri: headerUri(e.from), toUri: headerUri(e.to), language: app.language, startedAt: e.time,
          transport: transport === 'tcp' || transport === 'tls' ? transport : 'udp',
          mediaSecurity: this.opts.mediaSecurityOf?.(e.callId) ?? 'rtp',
        },
        tally: newTally(),
        dtmf: new CallDtmfBuffer(),
        pseudonym: app.forwarding && fromUser
          ? this.training.keyStore.pseudonymSecret(app.accountId).then((s) => pseudonymOf(s, fromUser, country), () => undefined)
          : Promise.resolve(undefined),
        calleePseudonym: app.forwarding && toUser
          ? this.training.keyStore.pseudonymSecret(app.accountId).then((s) => pseudonymOf(s, toUser, country), () => undefined)
          : Promise.resolve(undefined),
        chain: Promise.resolve(),
        callNumbers: prepareCallNumbers([fromUser, toUser], country), turnPrivacy: {},
      });
      return;
    }
    const st = this.#calls.get(e.callId);
    if (!st) return;
    if (e.type === 'call.ended') this.#calls.delete(e.callId);
    const work = st.chain.then(() => this.#report(st, e)).catch((err: unknown) => {
      this.opts.log.error({ callId: e.callId, eventType: e.type, err: err instanceof Error ? err.message : String(err) }, 'call reporting failed');
    });
    st.chain = work;
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  async #report(st: CallState, e: AnyCallEvent): Promise<void> {
    const base: ReportBase = { ...reportBase(e, randomUUID()), ...(this.opts.nodeId ? { nodeId: this.opts.nodeId } : {}) };
    switch (e.type as string) {
      case 'dtmf':
        if (st.dtmf.add(String(e['digit']), e['source'], e['sensitive'] === true)) await this.#flushDtmf(st, base);
        return;
      case 'transcription': {
        await this.#flushDtmf(st, base);
        st.turnPrivacy = (e['privacy'] as TurnPrivacy | undefined) ?? {};
        const { event, transcript, confidence } = transcriptionReport(e, base, st.facts, st.tally);
        await this.#append(st, event);
        if (st.app.training) await this.#capture(st, e, transcript, confidence);
        return;
      }
      case 'turn.completed': {
        const hadDtmf = st.dtmf.pending;
        st.turnPrivacy = (e['privacy'] as TurnPrivacy | undefined) ?? st.turnPrivacy;
        await this.#flushDtmf(st, base);
        await this.#append(st, turnReport(e, base, st.tally, hadDtmf));
        return;
      }
      case 'transfer.started':
      case 'transfer.completed':
      case 'transfer.failed':
        await this.#append(st, transferReport(e, base, st.tally));
        return;
      case 'call.ended':
        await this.#flushDtmf(st, base);
        await this.#append(st, cdrReport(e, base, st.facts, st.tally));
        return;
    }
  }

  async #flushDtmf(st: CallState, base: ReportBase): Promise<void> {
    const event = st.dtmf.take(base, randomUUID());
    if (event) await this.#append(st, event);
  }

  async #append(st: CallState, event: ReportEventInput): Promise<void> {
    if (!st.app.forwarding) return;
    const detection: DetectionContext = { ...st.turnPrivacy, callNumbers: st.callNumbers };
    const r = await this.forwarding.append(event, { callerPseudonym: await st.pseudonym, calleePseudonym: await st.calleePseudonym, detection });
    if (!r.ok) this.opts.log.warn({ callId: event.callId, eventType: event.type, error: r.error }, 'report event refused');
  }

  async #capture(st: CallState, e: AnyCallEvent, transcript: string, confidence: number | undefined): Promise<void> {
    const detection: DetectionContext = { ...st.turnPrivacy, callNumbers: st.callNumbers };
    const gated = applyPolicy('training', { transcript }, st.app.policy, { defaultCountry: this.opts.config.defaultCountry, detection });
    if (gated.transcript === undefined) return; // the policy keeps no transcript for training
    const r = await this.training.capture.capture({
      accountId: st.app.accountId, applicationId: st.app.applicationId, callId: e.callId,
      from: st.facts.fromUser, to: st.facts.toUser, transcript: gated.transcript, language: st.app.language, confidence,
      startedAt: e.time, endedAt: e.time,
    });
    if (!r.captured && r.reason === 'invalid') this.opts.log.warn({ callId: e.callId, detail: r.detail }, 'training capture refused');
  }
}
