/**
 * Takes each new INVITE session and turns it into a call: route the dialled number to its
 * application (404 when unknown), negotiate SDP (488 when nothing is common), allocate media
 * (503 when the port pool is empty), answer, then run the application's behaviour until one
 * side hangs up, the application's time limit passes, or the gateway shuts down.
 *
 * Graceful shutdown: `drain()` makes the UA answer new INVITEs with 503, waits for calls to
 * finish up to the grace period, then sends BYE to the rest.
 */
import type { Logger } from 'pino';
import type { UserAgent } from '../sip/user-agent.js';
import type { InviteServerSession, EndReason } from '../sip/invite-session.js';
import { parseNameAddr } from '../sip/parse/index.js';
import { parseSdp, serializeSdp, negotiate, buildOffer, type NegotiatedAudio, type LocalMediaOffer } from '../sdp/index.js';
import { isDiallable, type NumberRouter, type Route } from '../tenancy/router.js';
import { EventEmitter } from 'node:events';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { CallMediaFactory } from './media-port.js';
import type { CallAudio } from './call-audio.js';
import type { CallEvent, MediaStatsSnapshot } from './call-events.js';
import { parseSipInfoDtmf } from '../media/dtmf/sip-info.js';
import { createSdesNegotiator, createSdesOffer, type SdesKeys } from '../sdp/crypto.js';
import { createSrtpContexts } from '../media/srtp/index.js';

export interface CallInfo {
  callId: string;
  accountId: string;
  applicationId: string;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  /**
   * `no-sdp-answer`: we offered in the 200 (late offer) and the ACK brought no answer;
   * `sdp-answer-refused`: the ACK's answer was unusable or dropped what the application requires (SRTP).
   */
  endReason?: EndReason | 'max-duration' | 'hold-complete' | 'no-sdp-answer' | 'sdp-answer-refused';
  audio?: NegotiatedAudio;
  media?: MediaStatsSnapshot;
  /** Custom CDR data added by the dialog (`vgwActAddCustomCDRData`). */
  customCdr?: Record<string, unknown>;
}

/** What an application does once the call is answered (hold now; loopback and agent later). */
export type CallBehaviour = (call: ActiveCall) => void;

export interface ActiveCall {
  readonly info: CallInfo;
  readonly route: Route;
  readonly session: InviteServerSession;
  readonly media: CallAudio;
  /** Directory relative paths in the application's settings (greeting) resolve against. */
  readonly baseDir?: string;
  /** Emit a CallEvent for this call (stamped with its ids). */
  emit(event: Record<string, unknown> & { type: CallEvent['type'] }): void;
  hangup(reason?: CallInfo['endReason']): Promise<void>;
}

export interface CallManagerCounters {
  total: number;
  active: number;
  rejected: Record<number, number>;
}

export class CallManager extends EventEmitter<{ event: [CallEvent] }> {
  readonly calls = new Map<string, ActiveCall>();
  readonly counters: CallManagerCounters = { total: 0, active: 0, rejected: {} };
  private sdpVersion = 1;
  private readonly behaviours = new Map<string, CallBehaviour>();
  /** Directory relative paths in application settings resolve against (the config file's). */
  baseDir?: string;
  /** Listeners notified when a call ends (CDR hook). */
  onCallEnded?: (info: CallInfo) => void;

  constructor(
    private readonly ua: UserAgent,
    private readonly router: () => NumberRouter,
    private readonly media: CallMediaFactory<CallAudio>,
    private readonly log: Logger,
  ) {
    super();
    ua.onInvite = (s) => void this.handle(s);
    this.behaviours.set('hold', holdBehaviour);
    this.behaviours.set('loopback', loopbackBehaviour);
  }

  setBehaviour(mode: string, b: CallBehaviour): void {
    this.behaviours.set(mode, b);
  }

  private reject(session: InviteServerSession, code: number, reason: string, headers: [string, string][] = []): void {
    this.counters.rejected[code] = (this.counters.rejected[code] ?? 0) + 1;
    session.reject(code, reason, headers);
  }

  private async handle(session: InviteServerSession): Promise<void> {
    const req = session.request;
    const callId = session.callId;
    if (req.uri.user !== undefined && !isDiallable(req.uri.user)) {
      // Escaped control characters, spaces, `%` …: refused, never normalised into another number.
      this.log.info({ callId }, 'dialled user part has characters a number cannot have');
      return this.reject(session, 400, 'Bad Request - invalid characters in the Request-URI user part');
    }
    const toUser = parseNameAddr(req.headers.get('To') ?? '');
    const route = this.router().route(req.uri.user) ?? (toUser.ok ? this.router().route(toUser.value.uri.user) : undefined);
    if (!route) {
      this.log.info({ callId }, 'no application for dialled number');
      return this.reject(session, 404, 'Not Found - number not configured');
    }
    const log = this.log.child({ callId, accountId: route.account.id, applicationId: route.application.id });
    const secureMedia = route.application.secureMedia;
    if (secureMedia === 'required' && !session.source.transport.secure) {
      log.info({ transport: session.source.transport.protocol }, 'secure application called over a plain transport');
      return this.reject(session, 403, 'Forbidden - secure transport (TLS) required');
    }
    let offer = undefined;
    if (req.body.length) {
      const parsed = parseSdp(req.body.toString('utf8'));
      if (!parsed.ok) return this.reject(session, 400, `Bad Request - SDP: ${parsed.error}`);
      offer = parsed.value;
    }
    const media = await this.media.allocate(callId);
    if (!media) return this.reject(session, 503, 'Service Unavailable - no media ports free', [['Retry-After', '5']]);
    if (session.state !== 'incoming') {
      // CANCELled while we were allocating.
      await media.close();
      return;
    }
    const local = (): LocalMediaOffer<SdesKeys> => ({
      address: media.localAddress,
      port: media.localPort,
      codecs: ['PCMU', 'PCMA'],
      telephoneEvent: true,
      sessionId: String(Date.now()),
      sessionVersion: this.sdpVersion++,
      secureMedia,
      srtp: createSdesNegotiator(),
    });
    const info: CallInfo = { callId, accountId: route.account.id, applicationId: route.application.id, startedAt: Date.now() };
    // Configure the media from a negotiation: SRTP keyed by SDES when the offer was RTP/SAVP. The
    // keys go into the SRTP contexts only; the call's info keeps no key material.
    const apply = (audio: NegotiatedAudio<SdesKeys>): void => {
      media.configure(audio);
      media.setSrtp(audio.srtp ? createSrtpContexts(audio.srtp) : null);
      info.audio = { ...audio, srtp: undefined };
    };
    let answerSdp: string;
    let lateOffer = false;
    // Until the ACK's answer has been applied, a late offer has no answer (RFC 3264 §4: the ACK must carry it).
    let answerProblem: { reason: 'no-sdp-answer' | 'sdp-answer-refused'; text: string } | undefined = { reason: 'no-sdp-answer', text: 'ACK carried no SDP answer to our offer' };
    if (offer) {
      const n = negotiate(offer, local());
      if (!n.ok) {
        await media.close();
        return this.reject(session, 488, `Not Acceptable Here - ${n.reason}`, [['Warning', `304 hushgate "${n.reason}"`]]);
      }
      apply(n.audio);
      answerSdp = serializeSdp(n.answer);
    } else {
      // Late offer: we offer in the 200, the caller answers in the ACK. A secure-only
      // application offers RTP/SAVP with our SDES keys and reads the caller's key from the answer.
      const sdes = secureMedia === 'required' ? createSdesOffer() : undefined;
      answerSdp = buildOffer(local(), sdes ? sdes.lines.map((l) => `a=crypto:${l}`) : []);
      const answerKeys = sdes?.answerNegotiator();
      lateOffer = true;
      // The answer is held to the same policy as an offer would be: under `required` an RTP/AVP
      // answer (or one without a usable a=crypto) is refused; the call then ends at the ACK.
      session.onAnswer = (sdp) => {
        const parsed = parseSdp(sdp);
        const n = parsed.ok ? negotiate(parsed.value, { ...local(), srtp: answerKeys }) : undefined;
        if (n?.ok) {
          apply(n.audio);
          answerProblem = undefined;
          return;
        }
        answerProblem = { reason: 'sdp-answer-refused', text: parsed.ok ? n!.reason : `SDP: ${parsed.error}` };
      };
    }
    session.onOffer = (sdp) => {
      const parsed = parseSdp(sdp);
      if (!parsed.ok) return { ok: false, code: 400, reason: `Bad Request - SDP: ${parsed.error}` };
      const n = negotiate(parsed.value, { ...local(), sessionId: String(info.startedAt) });
      if (!n.ok) return { ok: false, code: 488, reason: `Not Acceptable Here - ${n.reason}` };
      apply(n.audio);
      return { ok: true, sdp: serializeSdp(n.answer) };
    };

    let maxTimer: NodeJS.Timeout | undefined;
    const stamp = { callId, accountId: route.account.id, applicationId: route.application.id, region: route.application.region };
    const call: ActiveCall = {
      baseDir: this.baseDir,
      info,
      route,
      session,
      media,
      emit: (event) => this.emit('event', { ...stamp, time: Date.now(), ...event } as unknown as CallEvent),
      hangup: async (reason = 'local-bye') => {
        if (session.state === 'ended') return;
        info.endReason = reason;
        await session.bye(reason === 'shutdown' ? 'shutdown' : 'local-bye');
      },
    };
    this.calls.set(callId, call);
    this.counters.total++;
    call.emit({
      type: 'call.started',
      from: req.headers.get('From') ?? '',
      to: req.headers.get('To') ?? '',
      requestUri: `${req.uri.scheme}:${req.uri.user ?? ''}@${req.uri.host}`,
      transport: session.source.transport.protocol,
    });
    this.counters.active++;
    media.on('dtmf', (e) => call.emit({ type: 'dtmf', digit: e.digit, durationMs: e.durationMs, source: e.source }));
    session.on('info', (req) => {
      if (req.method !== 'INFO') return;
      const d = parseSipInfoDtmf(req.headers.get('Content-Type') ?? '', req.body.toString('utf8'));
      if (d.ok) call.emit({ type: 'dtmf', digit: d.value.digit, durationMs: d.value.durationMs, source: d.value.source });
    });
    session.once('ended', (reason) => {
      clearTimeout(maxTimer);
      info.endedAt = Date.now();
      info.endReason ??= reason;
      const st = media.stats();
      info.media = {
        codec: info.audio?.codec,
        packetsReceived: st.rtp.packetsReceived,
        packetsSent: st.rtp.packetsSent,
        lost: st.rtp.lost,
        jitterMs: Math.round(st.rtp.jitterMs * 100) / 100,
        mos: Math.round(st.rtp.mos * 100) / 100,
        malformed: st.rtp.malformed,
        framesDecoded: st.framesDecoded,
        framesConcealed: st.framesConcealed,
        framesSent: st.framesSent,
        jitterBuffer: { late: st.jitter.late, dropped: st.jitter.dropped, duplicate: st.jitter.duplicate, underruns: st.jitter.underruns, resets: st.jitter.resets, depthMs: st.jitter.depthMs },
      };
      this.calls.delete(callId);
      this.counters.active--;
      void media.close();
      const srtp = st.rtp.srtp ? { packetsReceived: st.rtp.packetsReceived, packetsSent: st.rtp.packetsSent, authFailures: st.rtp.srtpAuthFailures, replays: st.rtp.srtpReplays } : undefined;
      log.info({ reason: info.endReason, durationMs: info.answeredAt ? info.endedAt - info.answeredAt : 0, media: info.media, srtp }, 'call ended');
      call.emit({ type: 'call.ended', startedAt: info.startedAt, answeredAt: info.answeredAt, endedAt: info.endedAt, endReason: info.endReason, media: info.media, customCdr: info.customCdr });
      this.onCallEnded?.(info);
    });
    session.once('confirmed', () => {
      info.answeredAt = Date.now();
      if (lateOffer && answerProblem) {
        // RFC 3264 §4 / RFC 3261 §13.2.1: no usable answer in the ACK — the session cannot go on; BYE
        // with the reason, no behaviour started, and the media was never configured (nothing decoded).
        const problem = answerProblem;
        log.info({ reason: problem.reason, detail: problem.text }, 'late offer not answered acceptably; ending the call');
        info.endReason = problem.reason;
        void session.bye('local-bye', [['Reason', `SIP;cause=488;text="${problem.text.replace(/["\\\r\n]/g, '')}"`]]);
        return;
      }
      maxTimer = setTimeout(() => void call.hangup('max-duration'), route.application.maxCallSeconds * 1000);
      maxTimer.unref();
      log.info({ codec: info.audio?.codec, transport: session.source.transport.protocol }, 'call answered');
      const behaviour = this.behaviours.get(route.application.mode) ?? holdBehaviour;
      try {
        behaviour(call);
      } catch (err) {
        log.error({ err }, 'call behaviour failed');
        void call.hangup('local-bye');
      }
    });
    const delay = route.application.answerDelayMs;
    if (delay > 0) {
      session.progress(180, 'Ringing');
      await new Promise((r) => setTimeout(r, delay));
      // Cancelled while ringing: the 'ended' handler above has already released the call.
      if (session.state !== 'incoming') return;
    }
    session.accept(answerSdp);
  }

  /** Graceful shutdown: refuse new calls, wait up to `graceMs` for live ones, then hang up the rest. */
  async drain(graceMs: number): Promise<void> {
    this.ua.draining = true;
    const deadline = Date.now() + graceMs;
    while (this.calls.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await Promise.all([...this.calls.values()].map((c) => c.hangup('shutdown')));
    for (const s of this.ua.activeSessions()) await s.bye('shutdown');
  }
}

/** `hold`: play the greeting if there is one, keep the call up for `holdSeconds` (0 = until the caller hangs up). */
const holdBehaviour: CallBehaviour = (call) => {
  const g = call.route.application.greeting;
  if (g) call.media.play({ kind: 'wavFile', path: isAbsolute(g) ? g : resolvePath(call.baseDir ?? '.', g) });
  holdTimer(call);
};

function holdTimer(call: ActiveCall): void {
  const secs = call.route.application.holdSeconds;
  if (secs > 0) {
    const t = setTimeout(() => void call.hangup('hold-complete'), secs * 1000);
    t.unref();
    call.session.once('ended', () => clearTimeout(t));
  }
}

/** `loopback`: echo the caller's audio back (operators checking a trunk, tests). */
const loopbackBehaviour: CallBehaviour = (call) => {
  call.media.loopback = true;
  holdTimer(call);
};
