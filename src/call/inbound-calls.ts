/**
 * The gateway's inbound calls: takes each new INVITE session through admission (admission.ts:
 * routing, transport and capacity checks), offer/answer (offer-answer.ts), answers it, runs the
 * application's behaviour until one side hangs up, the application's time limit passes
 * (call-record.ts) or the gateway shuts down, and keeps the table of live calls the admin API,
 * metrics and reporting read.
 *
 * Graceful shutdown: `drain()` makes the UA answer new INVITEs with 503, waits for calls to
 * finish up to the grace period, then sends BYE to the rest.
 */
import type { Logger } from 'pino';
import { EventEmitter } from 'node:events';
import type { UserAgent } from '../sip/index.js';
import type { InviteServerSession } from '../sip/index.js';
import type { NumberRouter } from '../tenancy/index.js';
import { holdNumbers } from '../privacy/index.js';
import { parseSipInfoDtmf } from '../media/index.js';
import { systemClock, type Clock } from '../time/index.js';
import type { CallMediaFactory } from './media-port.js';
import type { CallAudioPort } from './call-audio-port.js';
import type { CallEvent } from './call-events.js';
import type { ActiveCall, CallBehaviour, CallInfo, CallKeys } from './active-call.js';
import { admit, reserveMedia, type Rejection } from './admission.js';
import { OfferAnswer } from './offer-answer.js';
import { CallRecord, srtpSummary } from './call-record.js';
import { holdBehaviour, loopbackBehaviour } from './behaviours.js';
import { pause } from './timing.js';
import { SensitiveState } from './sensitive-state.js';
import type { RecordingControl } from './recording-control.js';

export type { ActiveCall, CallBehaviour, CallInfo } from './active-call.js';

export interface InboundCallCounters {
  total: number;
  active: number;
  rejected: Record<number, number>;
}

const DRAIN_POLL_MS = 50;

export class InboundCalls extends EventEmitter<{ event: [CallEvent] }> {
  readonly calls = new Map<string, ActiveCall>();
  readonly counters: InboundCallCounters = { total: 0, active: 0, rejected: {} };
  private sdpVersion = 1;
  private readonly behaviours = new Map<string, CallBehaviour>();
  /** Directory relative paths in application settings resolve against (the config file's). */
  baseDir?: string;
  /** Builds the call's recording when its application records (the gateway's recordings module). */
  startRecording?: (call: ActiveCall) => RecordingControl | undefined;
  /** Listeners notified when a call ends (CDR hook). */
  onCallEnded?: (info: CallInfo) => void;

  constructor(
    private readonly ua: UserAgent,
    private readonly router: () => NumberRouter,
    private readonly media: CallMediaFactory<CallAudioPort>,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    super();
    ua.onInvite = (s) => void this.handle(s);
    this.behaviours.set('hold', holdBehaviour(clock));
    this.behaviours.set('loopback', loopbackBehaviour(clock));
  }

  setBehaviour(mode: string, b: CallBehaviour): void {
    this.behaviours.set(mode, b);
  }

  /** Put an event (already stamped with its call's ids) on the bus: outbound calls share it. */
  publish(event: Record<string, unknown> & { type: string }): void {
    this.emit('event', event as unknown as CallEvent);
  }

  /** A call not answered here (outbound) ended: the CDR hook. */
  callEnded(info: CallInfo): void {
    this.onCallEnded?.(info);
  }

  /** The behaviour of an application mode (outbound calls run the same ones); `hold` for an unknown mode. */
  behaviourFor(mode: string): CallBehaviour {
    return this.behaviours.get(mode) ?? this.behaviours.get('hold')!;
  }

  private reject(session: InviteServerSession, r: Rejection): void {
    this.counters.rejected[r.code] = (this.counters.rejected[r.code] ?? 0) + 1;
    session.reject(r.code, r.reason, r.headers ?? []);
  }

  private async handle(session: InviteServerSession): Promise<void> {
    // From, To and Request-URI parsed once for every reader (routing, the privacy gate, stories, CDR, ledger) while the call lives.
    const router = this.router();
    const dialled = session.dialledUsers;
    const releaseNumbers = holdNumbers([session.callerUser, dialled.requestUri, dialled.to], router.defaultCountry);
    if (!(await this.setUp(session, router, releaseNumbers))) releaseNumbers();
  }

  /** False when no call was set up (refused, or CANCELled while its media was reserved); a call set up releases its numbers at its end. */
  private async setUp(session: InviteServerSession, router: NumberRouter, releaseNumbers: () => void): Promise<boolean> {
    const callId = session.callId;
    const admitted = admit(session, router, this.log);
    if (!admitted.ok) return (this.reject(session, admitted), false);
    const route = admitted.route;
    const reserved = await reserveMedia(this.media, callId, { vad: route.application.speech.vad });
    if (!reserved.ok) return (this.reject(session, reserved), false);
    const media = reserved.media;
    if (session.state !== 'incoming') {
      // CANCELled while we were allocating.
      await media.close();
      return false;
    }
    const log = this.log.child({ callId, accountId: route.account.id, applicationId: route.application.id });
    const record = new CallRecord({ callId, accountId: route.account.id, applicationId: route.application.id }, this.clock);
    const info = record.info;
    const negotiation = new OfferAnswer(session, media, route.application.secureMedia, info, () => this.sdpVersion++, this.clock, session.source.remote.address);
    const answer = negotiation.initial(admitted.offer);
    if (!answer.ok) {
      await media.close();
      return (this.reject(session, answer), false);
    }

    const stamp = { callId, accountId: route.account.id, applicationId: route.application.id, region: route.application.region };
    const keys: CallKeys = new EventEmitter();
    const sensitive = new SensitiveState(() => this.clock.epochMs());
    const call: ActiveCall = {
      sensitive,
      baseDir: this.baseDir,
      info,
      route,
      session,
      direction: 'inbound',
      media,
      keys,
      emit: (event) => this.emit('event', { ...stamp, time: this.clock.epochMs(), ...event } as unknown as CallEvent),
      hangup: async (reason = 'local-bye', headers = []) => {
        if (session.state === 'ended') return;
        info.endReason = reason;
        await session.bye(reason === 'shutdown' ? 'shutdown' : 'local-bye', headers);
      },
    };
    this.calls.set(callId, call);
    this.counters.total++;
    this.counters.active++;
    // Key presses from RTP and from SIP INFO bodies reach the behaviour and the event bus the same way.
    media.on('dtmf', (e) => keys.emit('dtmf', e));
    // The media plane under the call died (a media worker exited): end the call, saying why, rather than keep a silent line.
    media.once('failed', () => void call.hangup('media-failed', [['Reason', 'SIP;cause=500;text="media failure"']]));
    session.on('info', (r) => {
      if (r.method !== 'INFO') return;
      const d = parseSipInfoDtmf(r.headers.get('Content-Type') ?? '', r.body.toString('utf8'));
      if (d.ok) keys.emit('dtmf', d.value);
    });
    // While the sensitive switch is on, a key reaches the event bus as a count only.
    keys.on('dtmf', (e) => {
      if (!sensitive.active) return call.emit({ type: 'dtmf', digit: e.digit, durationMs: e.durationMs, source: e.source });
      sensitive.withheld(0, 1);
      call.emit({ type: 'dtmf', digit: '', sensitive: true, durationMs: e.durationMs, source: e.source });
    });
    sensitive.on('change', (c) => call.emit({ type: 'sensitive.changed', on: c.on, reasons: c.reasons }));
    // call.started goes on the bus once, before call.ended even if the call ends inside accept().
    let announced = false;
    const announce = () => {
      if (announced) return;
      announced = true;
      this.started(call, session);
    };
    session.once('ended', (reason) => {
      announce();
      sensitive.clearAll();
      call.recording?.finish();
      const st = media.stats();
      record.ended(reason, st);
      this.calls.delete(callId);
      this.counters.active--;
      void media.close();
      // At the usual `warn` the arguments would be built for nothing, once per call.
      if (log.isLevelEnabled('info')) log.info({ reason: info.endReason, durationMs: record.durationMs, media: info.media, srtp: srtpSummary(st) }, 'call ended');
      call.emit({ type: 'call.ended', startedAt: info.startedAt, answeredAt: info.answeredAt, endedAt: info.endedAt, endReason: info.endReason, media: info.media, customCdr: info.customCdr, sensitive: sensitive.intervals(), recording: call.recording?.summary() });
      this.onCallEnded?.(info);
      releaseNumbers(); // after the last synchronous reader of the call's numbers
    });
    session.once('confirmed', () => this.confirmed(call, session, negotiation, record, log));
    const delay = route.application.answerDelayMs;
    if (delay > 0) {
      session.progress(180, 'Ringing');
      announce();
      await pause(this.clock, delay);
      // Cancelled while ringing: the 'ended' handler above has already released the call.
      if (session.state === 'incoming') session.accept(answer.sdp);
      return true;
    }
    // The 200 leaves first: what listens to call.started (receipts, the console's story, the
    // fleet) runs in this same turn, but no longer between the caller's INVITE and our answer.
    session.accept(answer.sdp);
    announce();
    return true;
  }

  private started(call: ActiveCall, session: InviteServerSession): void {
    const req = session.request;
    call.emit({
      type: 'call.started',
      from: req.headers.get('From') ?? '',
      to: req.headers.get('To') ?? '',
      requestUri: `${req.uri.scheme}:${req.uri.user ?? ''}@${req.uri.host}`,
      transport: session.source.transport.protocol,
    });
  }

  /** The ACK came: end a late offer left without an acceptable answer, else start the behaviour. */
  private confirmed(call: ActiveCall, session: InviteServerSession, negotiation: OfferAnswer, record: CallRecord, log: Logger): void {
    const { info, route } = call;
    const problem = negotiation.unanswered;
    if (problem) {
      // RFC 3264 §4 / RFC 3261 §13.2.1: no usable answer in the ACK — the session cannot go on; BYE
      // with the reason, no behaviour started, and the media was never configured (nothing decoded).
      info.answeredAt = this.clock.epochMs();
      log.info({ reason: problem.reason, detail: problem.text }, 'late offer not answered acceptably; ending the call');
      info.endReason = problem.reason;
      void session.bye('local-bye', [['Reason', `SIP;cause=488;text="${problem.text.replace(/["\\\r\n]/g, '')}"`]]);
      return;
    }
    record.answered(route.application.maxCallSeconds, () => void call.hangup('max-duration'));
    call.recording = this.startRecording?.(call);
    if (log.isLevelEnabled('info')) log.info({ codec: info.audio?.codec, transport: session.source.transport.protocol }, 'call answered');
    const behaviour = this.behaviourFor(route.application.mode);
    try {
      behaviour(call);
    } catch (err) {
      log.error({ err }, 'call behaviour failed');
      void call.hangup('local-bye');
    }
  }

  /** Graceful shutdown: refuse new calls, wait up to `graceMs` for live ones, then hang up the rest. */
  async drain(graceMs: number): Promise<void> {
    this.ua.draining = true;
    const deadline = this.clock.now() + graceMs;
    while (this.calls.size > 0 && this.clock.now() < deadline) await pause(this.clock, DRAIN_POLL_MS);
    await Promise.all([...this.calls.values()].map((c) => c.hangup('shutdown')));
    for (const s of this.ua.activeSessions()) await s.bye('shutdown');
  }
}
