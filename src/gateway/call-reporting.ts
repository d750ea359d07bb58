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
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Config, ApplicationConfig, AccountConfig } from '../config/schema.js';
import type { CallEvent } from '../call/call-events.js';
import { EventForwarding, type ForwardingApplication } from '../events/forwarding.js';
import { maskFreeText, type EventGate } from '../events/gate.js';
import type { ReportEvent, ReportEventInput } from '../events/schemas.js';
import { openTraining, type TrainingService } from '../training/service.js';
import { pseudonymOf } from '../training/caller-identity.js';
import { DataKeyEventCipher } from '../training/event-cipher.js';
import type { KeyStore } from '../training/keystore.js';
import type { CallNumbers, DetectionContext } from '../privacy/types.js';
import { prepareCallNumbers } from '../privacy/phone.js';
import type { TurnPrivacy } from '../privacy/call-privacy.js';
import { applyPolicy, parsePrivacyPolicy, DEFAULT_PRIVACY_POLICY, type PrivacyPolicy, type PolicyContext } from '../privacy/policy.js';
import { parseNameAddr } from '../sip/parse/name-addr.js';

type AnyCallEvent = CallEvent & Record<string, unknown>;

export interface CallReportingOptions {
  config: Config;
  calls: EventEmitter<{ event: [CallEvent] }>;
  log: Logger;
  registry?: Registry;
  /** Default: the file key store under `<dataDir>/keys` (the training module's). */
  keyStore?: KeyStore;
  /** Whether a call's media was SRTP (looked up at `call.started`). */
  mediaSecurityOf?: (callId: string) => 'rtp' | 'srtp';
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
  fromUser: string;
  toUser: string;
  transport: 'udp' | 'tcp' | 'tls';
  mediaSecurity: 'rtp' | 'srtp';
  startedAt: number;
  pseudonym: Promise<string | undefined>;
  /** The called number's pseudonym: with the caller's, the scope of the data key the call's events are sealed under. */
  calleePseudonym: Promise<string | undefined>;
  chain: Promise<void>;
  turns: number;
  utterances: number;
  maxResponseMs: Record<string, number>;
  dtmf: string;
  /** Keys pressed while the sensitive switch was on: counted, never reported. */
  sensitiveDigits: number;
  dtmfMethod: 'rfc4733' | 'sip-info';
  /** The call's own numbers (any form of them in a transcript is PHONE). */
  callNumbers: CallNumbers;
  /** How the latest caller turn was gated (CallPrivacy): keys flushed later are gated the same way. */
  turnPrivacy: TurnPrivacy;
  transfer?: { outcome: 'none' | 'succeeded' | 'failed' | 'timeout'; target?: string; sipStatus?: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The URI user part of a From/To header value (`"Bob" <sip:+44…@host>;tag=x` → `+44…`). */
export function headerUser(header: string): string {
  const na = parseNameAddr(header);
  if (na.ok) return na.value.uri.user ?? '';
  return header.trim().replace(/^.*?</, '').replace(/^(?:sips?|tel):/i, '').replace(/[@;>].*$/, '');
}

/**
 * The application's privacy policy for the `events` destination as an `EventGate`: utterance and
 * dialog text → `transcript` rule, DTMF digits → `dtmf` rule (kept only if the result is still
 * digits; a masked form is recorded as a redaction), caller/callee/transfer target → `from`/`to`
 * rules, custom CDR data → `context` rule for the keys in `customCdrFields` (others dropped).
 * Free text we generate (warnings, errors, action errors) is always masked. Touched paths are
 * listed in `redactions`.
 */
export function policyEventGate(policy: PrivacyPolicy, appCtx: PolicyContext, customCdrFields: readonly string[] = []): EventGate {
  const allowedCustom = new Set(customCdrFields);
  const text = (v: string | undefined, path: string, red: string[], ctx: PolicyContext): string | undefined => {
    if (v === undefined) return undefined;
    const out = applyPolicy('events', { transcript: v }, policy, ctx).transcript;
    if (out !== v) red.push(path);
    return out;
  };
  const phone = (v: string | undefined, field: 'from' | 'to', path: string, red: string[], ctx: PolicyContext): string | undefined => {
    if (v === undefined) return undefined;
    const out = applyPolicy('events', { [field]: v }, policy, ctx)[field];
    if (out !== v) red.push(path);
    return out;
  };
  const strip = <T extends object>(o: T): T => {
    for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
    return o;
  };
  return (input: ReportEvent, detection?: DetectionContext): ReportEvent | null => {
    // the call's own context for this event (its numbers, digits across turns) joins the application's
    const ctx = detection ? { ...appCtx, detection } : appCtx;
    const red: string[] = input.redactions ? [...input.redactions] : [];
    const done = <T extends ReportEvent>(e: T): T => (red.length ? { ...e, redactions: red } : e);
    switch (input.type) {
      case 'cdr': {
        const e = { ...input };
        e.caller = phone(e.caller, 'from', 'caller', red, ctx);
        e.callee = phone(e.callee, 'to', 'callee', red, ctx);
        if (e.transfer?.target !== undefined) e.transfer = strip({ ...e.transfer, target: phone(e.transfer.target, 'to', 'transfer.target', red, ctx) });
        e.warnings = e.warnings.map(maskFreeText);
        e.errors = e.errors.map(maskFreeText);
        if (e.customData) {
          const kept: Record<string, string | number | boolean> = {};
          for (const [k, v] of Object.entries(e.customData)) {
            if (!allowedCustom.has(k)) { red.push(`customData.${k}`); continue; }
            if (typeof v !== 'string') { kept[k] = v; continue; }
            const g = applyPolicy('events', { context: v }, policy, ctx).context;
            if (typeof g === 'string') kept[k] = g;
            if (g !== v) red.push(`customData.${k}`);
          }
          e.customData = Object.keys(kept).length ? kept : undefined;
        }
        return done(strip(e));
      }
      case 'turn': {
        const e = { ...input };
        if (e.stt) e.stt = strip({ ...e.stt, text: text(e.stt.text, 'stt.text', red, ctx) });
        e.dialog = {
          ...e.dialog,
          request: strip({ ...e.dialog.request, text: text(e.dialog.request.text, 'dialog.request.text', red, ctx) }),
          response: strip({ ...e.dialog.response, text: text(e.dialog.response.text, 'dialog.response.text', red, ctx) }),
        };
        e.actions = e.actions.map((a) => (a.error === undefined ? a : { ...a, error: maskFreeText(a.error) }));
        return done(e);
      }
      case 'transcription':
        return done(strip({ ...input, text: text(input.text, 'text', red, ctx) }));
      case 'dtmf': {
        if (input.digits === undefined) return input;
        const out = applyPolicy('events', { dtmf: input.digits }, policy, ctx).dtmf;
        if (out === input.digits) return input;
        red.push('digits');
        // The schema keeps digits only; a masked form ("[DTMF]") means "removed".
        return done(strip({ ...input, digits: out !== undefined && /^[0-9A-D*#]*$/.test(out) ? out : undefined }));
      }
      case 'transfer':
        return done(strip({ ...input, target: phone(input.target, 'to', 'target', red, ctx) }));
    }
  };
}

function endOf(reason: string): { reason: 'caller-hangup' | 'gateway-hangup' | 'dialog-hangup' | 'cancelled' | 'rejected' | 'max-duration' | 'error' | 'shutdown'; endedBy: 'caller' | 'gateway' | 'network' } {
  switch (reason) {
    case 'remote-bye': return { reason: 'caller-hangup', endedBy: 'caller' };
    case 'local-bye': case 'hold-complete': return { reason: 'gateway-hangup', endedBy: 'gateway' };
    case 'cancelled': return { reason: 'cancelled', endedBy: 'caller' };
    case 'rejected': return { reason: 'rejected', endedBy: 'gateway' };
    case 'max-duration': return { reason: 'max-duration', endedBy: 'gateway' };
    case 'shutdown': return { reason: 'shutdown', endedBy: 'gateway' };
    // Late offer: the ACK brought no answer, or one the application's policy refuses (e.g. RTP/AVP under secureMedia: required).
    case 'no-sdp-answer': case 'sdp-answer-refused': return { reason: 'error', endedBy: 'gateway' };
    default: return { reason: 'error', endedBy: 'network' }; // ack-timeout, session-expired, transport-error
  }
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
    const training = await openTraining(c, { keyStore: opts.keyStore });
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
      this.#calls.set(e.callId, {
        app, fromUser, toUser: headerUser(e.to),
        transport: transport === 'tcp' || transport === 'tls' ? transport : 'udp',
        mediaSecurity: this.opts.mediaSecurityOf?.(e.callId) ?? 'rtp',
        startedAt: e.time,
        pseudonym: app.forwarding && fromUser
          ? this.training.keyStore.pseudonymSecret(app.accountId).then((s) => pseudonymOf(s, fromUser, country), () => undefined)
          : Promise.resolve(undefined),
        calleePseudonym: app.forwarding && headerUser(e.to)
          ? this.training.keyStore.pseudonymSecret(app.accountId).then((s) => pseudonymOf(s, headerUser(e.to), country), () => undefined)
          : Promise.resolve(undefined),
        chain: Promise.resolve(),
        turns: 0, utterances: 0, maxResponseMs: {}, dtmf: '', sensitiveDigits: 0, dtmfMethod: 'rfc4733',
        callNumbers: prepareCallNumbers([fromUser, headerUser(e.to)], country), turnPrivacy: {},
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
    const base = { eventId: randomUUID(), callId: e.callId, accountId: e.accountId, applicationId: e.applicationId, region: e.region, time: iso(e.time) };
    switch (e.type as string) {
      case 'dtmf': {
        if (e['sensitive'] === true) st.sensitiveDigits++;
        else st.dtmf += String(e['digit']);
        st.dtmfMethod = e['source'] === 'sip-info' ? 'sip-info' : 'rfc4733';
        if (e['digit'] === '#') await this.#flushDtmf(st, base);
        return;
      }
      case 'transcription': {
        await this.#flushDtmf(st, base);
        st.turnPrivacy = (e['privacy'] as TurnPrivacy | undefined) ?? {};
        st.utterances++;
        const transcript = String(e['transcript'] ?? '');
        const offset = Math.max(0, e.time - st.startedAt);
        const confidence = typeof e['confidence'] === 'number' && e['confidence'] >= 0 && e['confidence'] <= 1 ? e['confidence'] : undefined;
        await this.#append(st, {
          ...base, schemaVersion: 1, type: 'transcription', utteranceNumber: st.utterances, text: transcript,
          confidence, language: st.app.language, startOffsetMs: offset, endOffsetMs: offset,
        });
        if (st.app.training) await this.#capture(st, e, transcript, confidence);
        return;
      }
      case 'turn.completed': {
        const hadDtmf = st.dtmf.length > 0;
        st.turnPrivacy = (e['privacy'] as TurnPrivacy | undefined) ?? st.turnPrivacy;
        await this.#flushDtmf(st, base);
        st.turns++;
        const num = (k: string) => (typeof e[k] === 'number' && (e[k] as number) >= 0 ? (e[k] as number) : undefined);
        const timings = { endpointMs: num('endpointingMs'), sttMs: num('sttMs'), dialogMs: num('dialogMs'), ttsMs: num('ttsFirstAudioMs'), firstAudioMs: num('totalToFirstAudioMs') };
        for (const [service, v] of [['stt', timings.sttMs], ['dialog', timings.dialogMs], ['tts', timings.ttsMs]] as const) {
          if (v !== undefined) st.maxResponseMs[service] = Math.max(st.maxResponseMs[service] ?? 0, v);
        }
        const error = e['error'];
        const turnNumber = typeof e['turn'] === 'number' && e['turn'] >= 1 ? e['turn'] : st.turns;
        await this.#append(st, {
          ...base, schemaVersion: 1, type: 'turn', turnNumber,
          timings: Object.fromEntries(Object.entries(timings).filter(([, v]) => v !== undefined)),
          input: turnNumber === 1 ? 'start' : timings.sttMs !== undefined ? 'speech' : hadDtmf ? 'dtmf' : 'event',
          dialog: { request: {}, response: { status: error === undefined ? 'ok' : error === 'timeout' ? 'timeout' : 'error' } },
          actions: [],
        });
        return;
      }
      case 'transfer.started':
      case 'transfer.completed':
      case 'transfer.failed': {
        const target = typeof e['target'] === 'string' ? e['target'] : undefined;
        const outcome = e.type === ('transfer.started' as string) ? 'requested' : e.type === ('transfer.completed' as string) ? 'succeeded' : /timed out/.test(String(e['reason'])) ? 'timeout' : 'failed';
        const status = /(\d{3})/.exec(String(e['result'] ?? e['reason'] ?? ''))?.[1];
        const sipStatus = status ? Number(status) : undefined;
        if (outcome !== 'requested') st.transfer = { outcome, target, sipStatus };
        else st.transfer ??= { outcome: 'none', target };
        await this.#append(st, {
          ...base, schemaVersion: 1, type: 'transfer', method: e['method'] === 'INVITE' ? 'invite' : 'refer', target, outcome, sipStatus,
        });
        return;
      }
      case 'call.ended': {
        await this.#flushDtmf(st, base);
        const ended = e as Extract<CallEvent, { type: 'call.ended' }> & Record<string, unknown>;
        const m = ended.media;
        const received = m?.packetsReceived ?? 0;
        const lost = m?.lost ?? 0;
        const end = endOf(ended.endReason);
        await this.#append(st, {
          ...base, time: iso(ended.endedAt), schemaVersion: 1, type: 'cdr',
          caller: st.fromUser || undefined, callee: st.toUser || undefined,
          startTime: iso(ended.startedAt), answerTime: ended.answeredAt !== undefined ? iso(ended.answeredAt) : undefined, endTime: iso(ended.endedAt),
          durationMs: ended.answeredAt !== undefined ? Math.max(0, ended.endedAt - ended.answeredAt) : 0,
          termination: st.transfer?.outcome === 'succeeded' ? { reason: 'transferred', endedBy: 'transfer-target' } : end,
          transfer: st.transfer ? { attempted: true, ...st.transfer } : undefined,
          turnCount: st.turns,
          media: { codec: m?.codec ?? 'none', transport: st.transport, mediaSecurity: st.mediaSecurity },
          maxResponseMs: st.maxResponseMs,
          customData: primitiveFields(ended.customCdr),
          sensitive: ended.sensitive?.length ? ended.sensitive.map((i) => ({ from: iso(i.from), to: i.to !== undefined ? iso(i.to) : undefined, reasons: i.reasons, withheldWords: i.words, withheldDigits: i.digits })) : undefined,
          recording: ended.recording ? { consent: ended.recording.consent, outcome: ended.recording.outcome, recorded: ended.recording.recorded, recordingId: ended.recording.recordingId, pauses: ended.recording.pauses } : undefined,
          errors: ended.endReason === 'no-sdp-answer' || ended.endReason === 'sdp-answer-refused' ? [ended.endReason] : undefined,
          // Inbound only: the call layer measures what it receives; no RTCP report of the far end is surfaced yet.
          rtp: m ? { inbound: { packets: received, packetsLost: lost, lossRate: received + lost > 0 ? Math.max(0, lost) / (received + Math.max(0, lost)) : 0, jitterMs: Math.max(0, m.jitterMs), mos: m.mos >= 1 && m.mos <= 5 ? m.mos : undefined } } : {},
        });
        return;
      }
    }
  }

  async #flushDtmf(st: CallState, base: { eventId: string; callId: string; accountId: string; applicationId: string; region: string; time: string }): Promise<void> {
    if (!st.dtmf && !st.sensitiveDigits) return;
    const digits = st.dtmf;
    const withheld = st.sensitiveDigits;
    st.dtmf = '';
    st.sensitiveDigits = 0;
    const count = digits.length + withheld;
    const collection = count > 1 ? 'collect' : 'single';
    // Keys pressed while the sensitive switch was on are a count: no digits of the run are reported.
    if (withheld) return this.#append(st, { ...base, eventId: randomUUID(), schemaVersion: 1, type: 'dtmf', digitCount: count, method: st.dtmfMethod, collection, redactions: ['digits'] });
    await this.#append(st, { ...base, eventId: randomUUID(), schemaVersion: 1, type: 'dtmf', digits, digitCount: count, method: st.dtmfMethod, collection });
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
      from: st.fromUser, to: st.toUser, transcript: gated.transcript, language: st.app.language, confidence,
      startedAt: e.time, endedAt: e.time,
    });
    if (!r.captured && r.reason === 'invalid') this.opts.log.warn({ callId: e.callId, detail: r.detail }, 'training capture refused');
  }
}

function languageOf(app: ApplicationConfig): string {
  const s = app.speech as unknown as { language?: unknown; stt?: { language?: unknown } };
  const l = s.stt?.language ?? s.language;
  return typeof l === 'string' && l ? l : 'en-US';
}

/** Custom CDR data as the CDR schema takes it: string, number and boolean fields (objects are JSON-encoded). */
function primitiveFields(data: Record<string, unknown> | undefined): Record<string, string | number | boolean> | undefined {
  if (!data) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v !== undefined && v !== null) out[k] = JSON.stringify(v);
  }
  return Object.keys(out).length ? out : undefined;
}
