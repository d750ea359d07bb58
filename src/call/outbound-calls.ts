/**
 * The gateway's outbound calls (POST /v1/calls): admits a request (outbound/admission.ts: account,
 * application, allowed destination, trunk, caller ID), takes a slot of the trunk's rate and
 * concurrency limits, offers our media to the trunk (INVITE through `InviteClientSession`, digest
 * challenges answered), follows the progress (trying, ringing, answered, busy, no answer, failed,
 * cancelled) onto the call's events, and once answered runs the application's behaviour exactly as
 * InboundCalls does for a caller, with the call marked `direction: 'outbound'`.
 *
 * Live calls join the gateway's one table of calls (InboundCalls.calls) and its event bus, so the
 * admin API, metrics, reporting and drain see them like any other call.
 */
import type { Logger } from 'pino';
import { EventEmitter } from 'node:events';
import type { UserAgent } from '../sip/index.js';
import { InviteClientSession, type DialResult } from '../sip/index.js';
import { newCallId } from '../sip/index.js';
import type { AccountConfig, TrunkConfig } from '../tenancy/index.js';
import { obfuscatePhone } from '../privacy/index.js';
import { parseSipInfoDtmf } from '../media/index.js';
import { err, ok, type Result } from '../result/index.js';
import type { Clock } from '../time/index.js';
import type { CallMediaFactory } from './media-port.js';
import type { CallAudioPort } from './call-audio-port.js';
import type { ActiveCall, CallBehaviour, CallEndReason, CallInfo, CallKeys } from './active-call.js';
import { reserveMedia } from './admission.js';
import { OfferAnswer, type OfferHooks } from './offer-answer.js';
import { CallRecord } from './call-record.js';
import { SensitiveState } from './sensitive-state.js';
import { admitOutbound, type AdmittedCall, type OutboundRefusal, type PlaceCallRequest } from './outbound/admission.js';
import { TrunkLimiter } from './outbound/limits.js';

export type { PlaceCallRequest, OutboundRefusal } from './outbound/admission.js';

export type OutboundState = 'trying' | 'ringing' | 'answered' | 'ended' | 'busy' | 'no-answer' | 'failed' | 'cancelled';

export interface OutboundCallStatus {
  callId: string;
  accountId: string;
  applicationId: string;
  trunk: string;
  state: OutboundState;
  /** The last SIP status seen (180, 200, 486 …). */
  sipStatus?: number;
  /** The dialled number with its last 4 digits removed. */
  to: string;
  createdAt: number;
  answeredAt?: number;
  endedAt?: number;
  endReason?: string;
}

/** The gateway's table of live calls and its event bus (InboundCalls provides both). */
export interface CallTable {
  readonly calls: Map<string, ActiveCall>;
  publish(event: Record<string, unknown> & { type: string }): void;
  behaviourFor(mode: string): CallBehaviour;
  callEnded(info: CallInfo): void;
}

export interface OutboundDeps {
  ua: UserAgent;
  media: CallMediaFactory<CallAudioPort>;
  table: CallTable;
  accounts: () => readonly AccountConfig[];
  trunks: readonly TrunkConfig[];
  defaultCountry: string;
  log: Logger;
  clock: Clock;
  baseDir?: string;
}

interface Tracked {
  status: OutboundCallStatus;
  client?: InviteClientSession;
  cancelRequested?: boolean;
  timedOut?: boolean;
  /** Ends the wait for a final answer (a CANCEL no one answers, e.g. before any provisional response). */
  abandon?: () => void;
}

/** Finished calls kept for GET /v1/calls/{id}. */
const KEEP_FINISHED = 1000;
const DEFAULT_TIMEOUT_S = 60;
/** How long a CANCELled INVITE may go without its final answer before the call is given up locally. */
const CANCEL_GRACE_MS = 4000;

export class OutboundCalls {
  readonly #tracked = new Map<string, Tracked>();
  readonly #limiters = new Map<string, TrunkLimiter>();
  #sdpVersion = 1;

  constructor(private readonly d: OutboundDeps) {}

  /** Admit and start a call; the answer (callId) comes at once, the call proceeds in the background. */
  place(req: PlaceCallRequest): Result<{ callId: string }, OutboundRefusal> {
    const admitted = admitOutbound(req, this.d.accounts(), this.d.trunks, this.d.defaultCountry);
    if (!admitted.ok) return admitted;
    const a = admitted.value;
    const live = [...this.#tracked.values()].filter((t) => t.status.accountId === a.account.id && isLive(t.status.state)).length;
    if (live >= (a.account.outbound?.maxConcurrent ?? 1)) return err({ status: 429, code: 'rate_limited', message: `account "${a.account.id}" has its most outbound calls up at once (outbound.maxConcurrent)` });
    let limiter = this.#limiters.get(a.trunkKey);
    if (!limiter) this.#limiters.set(a.trunkKey, (limiter = new TrunkLimiter(a.trunk.limits, this.d.clock)));
    const slot = limiter.acquire();
    if (!slot.ok) return err({ status: 429, code: 'rate_limited', message: `trunk "${a.trunk.name}" is at its ${slot.limit} limit` });
    const callId = newCallId(this.d.ua.stack.advertisedHost);
    const status: OutboundCallStatus = { callId, accountId: a.account.id, applicationId: a.application.id, trunk: a.trunk.name, state: 'trying', to: obfuscatePhone(a.number), createdAt: this.d.clock.epochMs() };
    this.#tracked.set(callId, { status });
    this.#forgetOld();
    void this.#run(callId, a, req, limiter).catch((e: unknown) => {
      this.d.log.error({ callId, err: e instanceof Error ? e.message : String(e) }, 'outbound call failed');
      limiter.release();
    });
    return ok({ callId });
  }

  status(callId: string): OutboundCallStatus | undefined {
    return this.#tracked.get(callId)?.status;
  }

  /** Hang up (BYE) or cancel (CANCEL) a call; false when it is unknown or already over. */
  async hangup(callId: string): Promise<boolean> {
    const t = this.#tracked.get(callId);
    if (!t || !isLive(t.status.state)) return false;
    const live = this.d.table.calls.get(callId);
    if (live) {
      await live.hangup('local-bye');
      return true;
    }
    t.cancelRequested = true;
    await this.#cancel(t);
    return true;
  }

  async #cancel(t: Tracked): Promise<void> {
    await t.client?.cancel();
    this.d.clock.setTimeout(() => t.abandon?.(), CANCEL_GRACE_MS);
  }

  /** Cancel calls not yet answered (shutdown); answered ones are in the call table and drained there. */
  async close(): Promise<void> {
    for (const [id, t] of this.#tracked) if (t.status.state === 'trying' || t.status.state === 'ringing') await this.hangup(id);
  }

  async #run(callId: string, a: AdmittedCall, req: PlaceCallRequest, limiter: TrunkLimiter): Promise<void> {
    const t = this.#tracked.get(callId)!;
    const { clock, log: baseLog } = this.d;
    const log = baseLog.child({ callId, accountId: a.account.id, applicationId: a.application.id, trunk: a.trunk.name });
    const reserved = await reserveMedia(this.d.media, callId, { vad: a.application.speech.vad });
    if (!reserved.ok) {
      limiter.release();
      t.status = { ...t.status, state: 'failed', sipStatus: 503, endedAt: clock.epochMs(), endReason: 'failed' };
      log.warn('outbound call refused: no media ports free');
      return;
    }
    const media = reserved.media;
    const record = new CallRecord({ callId, accountId: a.account.id, applicationId: a.application.id }, clock);
    const info = record.info;
    const hooks: OfferHooks = {};
    const negotiation = new OfferAnswer(hooks, media, a.application.secureMedia, info, () => this.#sdpVersion++, clock);
    const offer = negotiation.initial(undefined);
    const stamp = { callId, accountId: a.account.id, applicationId: a.application.id, region: a.application.region, direction: 'outbound' };
    const emit = (e: Record<string, unknown> & { type: string }) => this.d.table.publish({ ...stamp, time: clock.epochMs(), ...e });
    const progress = (state: OutboundState, sipStatus?: number) => {
      if (t.status.state === state && t.status.sipStatus === sipStatus) return;
      t.status = { ...t.status, state, ...(sipStatus ? { sipStatus } : {}) };
      emit({ type: 'call.progress', state, ...(sipStatus ? { sipStatus } : {}) });
    };
    emit({ type: 'call.started', from: `<sip:${a.plan.fromUser}@${this.d.ua.stack.advertisedHost}>`, to: `<sip:${a.number}@${a.plan.target.replace(/^.*@/, '')}>`, requestUri: a.plan.target, transport: a.trunk.transport.toUpperCase() });
    const timer = clock.setTimeout(() => {
      t.timedOut = true;
      void this.#cancel(t);
    }, (req.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000);
    let gaveUp = false;
    const abandoned = new Promise<DialResult>((resolve) => (t.abandon = () => ((gaveUp = true), resolve({ ok: false, status: 487, reason: 'Request Terminated (no answer to CANCEL)' }))));
    const dialling = InviteClientSession.dial(this.d.ua, {
      target: a.plan.target, fromUser: a.plan.fromUser, sdp: offer.ok ? offer.sdp : '', headers: a.plan.headers, callId, 
      ...(a.plan.credentials ? { credentials: a.plan.credentials } : {}),
      onSession: (s) => {
        t.client = s;
        s.on('progress', (code) => progress(code === 100 ? 'trying' : 'ringing', code));
        if (t.cancelRequested || t.timedOut) void s.cancel();
      },
    });
    // Answered after we gave up waiting: hang up at once, the call is already reported over.
    void dialling.then((r) => {
      if (gaveUp && r.ok) void r.session.bye();
    });
    const result = await Promise.race([dialling, abandoned]);
    t.abandon = undefined;
    clock.clearTimeout(timer);
    if (!result.ok) {
      const state: OutboundState = result.status === 486 || result.status === 600 || result.status === 603 ? 'busy'
        : t.timedOut && (result.status === 487 || result.status === 408) ? 'no-answer'
        : t.cancelRequested && result.status === 487 ? 'cancelled' : 'failed';
      progress(state, result.status);
      this.#finish(t, record, media, limiter, state, emit, { sipStatus: result.status });
      log.info({ state, sipStatus: result.status }, 'outbound call not answered');
      return;
    }
    const session = result.session;
    hooks.onAnswer?.(result.answer);
    session.onOffer = (sdp) => {
      const r = hooks.onOffer?.(sdp, 'INVITE');
      return r?.ok ? r.sdp : session.localSdp;
    };
    const keys: CallKeys = new EventEmitter();
    const call: ActiveCall = {
      baseDir: this.d.baseDir, info, route: { account: a.account, application: a.application, dialled: a.number }, session, direction: 'outbound', media, keys,
      sensitive: new SensitiveState(() => this.d.clock.epochMs()),
      ...(req.variables ? { variables: req.variables } : {}),
      emit: (e) => emit(e),
      hangup: async (reason = 'local-bye', headers = []) => {
        if (session.state === 'ended') return;
        info.endReason = reason;
        await session.bye(reason === 'shutdown' ? 'shutdown' : 'local-bye', headers);
      },
    };
    this.d.table.calls.set(callId, call);
    media.on('dtmf', (e) => keys.emit('dtmf', e));
    // The media plane under the call died (a media worker exited): end the call, saying why, rather than keep a silent line.
    media.once('failed', () => void call.hangup('media-failed', [['Reason', 'SIP;cause=500;text="media failure"']]));
    session.on('info', (r) => {
      if (r.method !== 'INFO') return;
      const dt = parseSipInfoDtmf(r.headers.get('Content-Type') ?? '', r.body.toString('utf8'));
      if (dt.ok) keys.emit('dtmf', dt.value);
    });
    keys.on('dtmf', (e) => call.emit({ type: 'dtmf', digit: e.digit, durationMs: e.durationMs, source: e.source }));
    session.once('ended', (reason) => {
      this.d.table.calls.delete(callId);
      this.#finish(t, record, media, limiter, 'ended', emit, { reason });
      log.info({ reason: info.endReason, durationMs: record.durationMs }, 'outbound call ended');
    });
    progress('answered', 200);
    t.status = { ...t.status, answeredAt: clock.epochMs() };
    const problem = negotiation.unanswered;
    if (problem) {
      // Our offer's answer (in the 200) is missing or refused by the application's media policy.
      info.answeredAt = clock.epochMs();
      log.info({ reason: problem.reason, detail: problem.text }, 'outbound call answered without a usable SDP answer; hanging up');
      info.endReason = problem.reason;
      void session.bye('local-bye', [['Reason', `SIP;cause=488;text="${problem.text.replace(/["\\\r\n]/g, '')}"`]]);
      return;
    }
    record.answered(a.application.maxCallSeconds, () => void call.hangup('max-duration'));
    log.info({ codec: info.audio?.codec }, 'outbound call answered');
    try {
      this.d.table.behaviourFor(a.application.mode)(call);
    } catch (e) {
      log.error({ err: e }, 'call behaviour failed');
      void call.hangup('local-bye');
    }
  }

  #finish(t: Tracked, record: CallRecord, media: CallAudioPort, limiter: TrunkLimiter, state: OutboundState, emit: (e: Record<string, unknown> & { type: string }) => void, how: { sipStatus?: number; reason?: CallEndReason }): void {
    limiter.release();
    const endReason: CallEndReason = how.reason ?? (state === 'busy' || state === 'no-answer' || state === 'failed' || state === 'cancelled' ? state : 'failed');
    record.ended(endReason, media.stats());
    void media.close();
    const info = record.info;
    t.status = { ...t.status, state: t.status.state === 'answered' ? 'ended' : state, endedAt: info.endedAt, endReason: info.endReason };
    emit({ type: 'call.ended', startedAt: info.startedAt, answeredAt: info.answeredAt, endedAt: info.endedAt, endReason: info.endReason, media: info.media, customCdr: info.customCdr, ...(how.sipStatus ? { sipStatus: how.sipStatus } : {}) });
    this.d.table.callEnded(info);
  }

  #forgetOld(): void {
    if (this.#tracked.size <= KEEP_FINISHED) return;
    for (const [id, t] of this.#tracked) {
      if (this.#tracked.size <= KEEP_FINISHED) break;
      if (!isLive(t.status.state)) this.#tracked.delete(id);
    }
  }
}

const isLive = (s: OutboundState) => s === 'trying' || s === 'ringing' || s === 'answered';
