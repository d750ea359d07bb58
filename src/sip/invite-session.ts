/**
 * The server side of an INVITE dialog usage: answering, 2xx retransmission until ACK
 * (RFC 3261 §13.3.1.4), CANCEL, BYE in both directions, re-INVITE and UPDATE offers
 * (hold/unhold, session refresh). In-dialog requests are served and sent by the code shared with
 * the client usage (`dialog-requests.ts`), session timers by `dialog-session-timer.ts`.
 *
 * It speaks SDP only as opaque text: the call layer answers offers through `onOffer`.
 */
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from './message.js';
import { parseCSeq, parseNameAddr } from './parse/index.js';
import { createResponse, newTag } from './response.js';
import { Dialog } from './dialog.js';
import type { RequestSource, ServerTransaction, SipStack } from './stack.js';
import { resolveUri } from './stack.js';
import type { InviteServerTransaction } from './transaction/server-invite.js';
import type { TimerHandle } from '../time/index.js';
import { INFO_CONTENT_TYPES, sendInDialogRequest, serveInDialogRequest, type InDialogHandlers, type InDialogSendOptions } from './dialog-requests.js';
import { DialogSessionTimer, type NegotiatedSessionTimer, type SessionTimerPolicy } from './dialog-session-timer.js';

export type { SessionTimerPolicy } from './dialog-session-timer.js';

export type EndReason = 'remote-bye' | 'local-bye' | 'cancelled' | 'rejected' | 'ack-timeout' | 'session-expired' | 'transport-error' | 'shutdown';

export interface OfferAnswer {
  ok: true;
  sdp: string;
}
export interface OfferRejection {
  ok: false;
  code: number;
  reason: string;
}

export interface InviteSessionOptions {
  contact: string;
  allow: string;
  supported: string;
  sessionTimer: SessionTimerPolicy;
}

interface SessionEvents {
  confirmed: [];
  ended: [reason: EndReason];
  info: [req: SipRequest];
  refresh: [];
}

export class InviteServerSession extends EventEmitter<SessionEvents> {
  readonly localTag = newTag();
  readonly startedAt: number;
  state: 'incoming' | 'answered' | 'confirmed' | 'ended' = 'incoming';
  endReason?: EndReason;
  dialog?: Dialog;
  /** Answers a re-INVITE/UPDATE offer; default refuses with 488. */
  onOffer?: (sdp: string, method: 'INVITE' | 'UPDATE') => OfferAnswer | OfferRejection;
  /** An answer arrived in an ACK (for an offer we sent in a 2xx to an offer-less re-INVITE). */
  onAnswer?: (sdp: string) => void;
  /** Our current local SDP, sent when a re-INVITE comes without an offer. */
  localSdp = '';
  private okResponse?: SipResponse;
  private retransmit?: TimerHandle;
  private retransmitGiveUp?: TimerHandle;
  private readonly timer: DialogSessionTimer;
  private readonly inDialogHandlers: InDialogHandlers;
  private pendingReinvite?: InviteServerTransaction;
  private outgoingReinvite = false;

  constructor(
    readonly request: SipRequest,
    readonly transaction: InviteServerTransaction,
    readonly source: RequestSource,
    private readonly stack: SipStack,
    private readonly opts: InviteSessionOptions,
    private readonly onDialog: (s: InviteServerSession) => void,
    private readonly onGone: (s: InviteServerSession) => void,
  ) {
    super();
    this.startedAt = Date.now();
    this.timer = new DialogSessionTimer(stack.timers, 'uas', opts.sessionTimer, {
      refresh: (st) => this.refreshSession(st),
      expire: () => void this.bye('session-expired', [['Reason', 'SIP;cause=408;text="Session timer expired"']]),
    });
    this.inDialogHandlers = {
      allow: opts.allow,
      optionsHeaders: () => this.baseHeaders().concat([['Accept', 'application/sdp']]),
      onBye: () => this.end('remote-bye'),
      onReinvite: (req, tx) => this.handleReinvite(req, tx),
      onUpdate: (req, tx) => this.handleUpdate(req, tx),
      requestMethods: new Set(['INFO', 'NOTIFY', 'REFER']),
      infoContentTypes: INFO_CONTENT_TYPES,
      // We take no transfer requests from the caller (603); NOTIFY carries REFER progress (refer.ts).
      statusFor: (req) => (req.method === 'REFER' ? 603 : 200),
      afterAnswer: (req) => this.emit('info', req),
    };
  }

  /** Negotiated session timer: interval in seconds and who refreshes. */
  get sessionTimer(): NegotiatedSessionTimer | undefined {
    return this.timer.negotiated;
  }

  get callId(): string {
    return this.request.headers.get('Call-ID') ?? '';
  }

  get offer(): string {
    return this.request.body.toString('utf8');
  }

  /** The dialled user: the Request-URI's user part, else the To URI's (RFC 3261 §8.2.2.1 routing). */
  get dialledUsers(): { requestUri?: string; to?: string } {
    // Read once: the gateway holds the call's numbers and then routes on the same users.
    if (this.#dialled) return this.#dialled;
    const to = parseNameAddr(this.request.headers.get('To') ?? '');
    return (this.#dialled = { requestUri: this.request.uri.user, to: to.ok ? to.value.uri.user : undefined });
  }
  #dialled?: { requestUri?: string; to?: string };

  /** The caller's user part from From (a number, usually; callers treat it as PII). */
  get callerUser(): string | undefined {
    const from = parseNameAddr(this.request.headers.get('From') ?? '');
    return from.ok ? from.value.uri.user : undefined;
  }

  progress(status = 180, reason?: string): void {
    if (this.state !== 'incoming' || this.transaction.hasFinalResponse) return;
    this.transaction.respond(createResponse(this.request, status, reason, { toTag: this.localTag, headers: [['Contact', this.opts.contact]] }));
  }

  reject(status: number, reason?: string, headers: [string, string][] = []): void {
    if (this.state !== 'incoming' || this.transaction.hasFinalResponse) return;
    this.transaction.respond(createResponse(this.request, status, reason, { toTag: this.localTag, headers }));
    this.end('rejected');
  }

  accept(sdpAnswer: string): void {
    if (this.state !== 'incoming' || this.transaction.hasFinalResponse) return;
    const dialog = Dialog.asUas(this.request, this.localTag, this.source, this.opts.contact);
    if (!dialog) {
      this.reject(400, 'Bad Request - unusable From/Contact');
      return;
    }
    this.dialog = dialog;
    this.localSdp = sdpAnswer;
    this.state = 'answered';
    this.onDialog(this);
    const headers = this.baseHeaders();
    const st = this.timer.negotiate(this.request);
    if (st) headers.push(...st);
    const ok = createResponse(this.request, 200, 'OK', { toTag: this.localTag, headers, body: sdpAnswer, contentType: 'application/sdp' });
    for (const rr of this.request.headers.getAll('Record-Route')) ok.headers.append('Record-Route', rr);
    this.sendOk(this.transaction, ok);
  }

  private baseHeaders(): [string, string][] {
    return [
      ['Contact', this.opts.contact],
      ['Allow', this.opts.allow],
      ['Supported', this.opts.supported],
    ];
  }

  /**
   * We are the refresher: an UPDATE when the caller allows it, else a re-INVITE with our SDP
   * (RFC 4028 §7.4). The timer re-arms on a 2xx and ends the call on 481/408/silence.
   */
  private async refreshSession(st: NegotiatedSessionTimer): Promise<SipResponse | undefined> {
    if (this.state !== 'confirmed' || !this.dialog) return undefined;
    const useUpdate = /\bUPDATE\b/i.test(this.request.headers.getAll('Allow').join(','));
    const headers: [string, string][] = [['Session-Expires', `${st.interval};refresher=uas`], ['Supported', 'timer']];
    if (useUpdate) return this.sendInDialog('UPDATE', { headers });
    this.outgoingReinvite = true;
    try {
      return await this.sendInDialog('INVITE', { headers, body: Buffer.from(this.localSdp), contentType: 'application/sdp' });
    } finally {
      this.outgoingReinvite = false;
    }
  }

  /** Send a 2xx for an INVITE and retransmit it until the ACK (T1 doubling to T2, give up at 64*T1). */
  private sendOk(tx: InviteServerTransaction, ok: SipResponse): void {
    this.okResponse = ok;
    tx.respond(ok);
    const { t1, t2 } = this.stack.timerConfig;
    const timers = this.stack.timers;
    this.stack.timers.clearTimeout(this.retransmit);
    this.stack.timers.clearTimeout(this.retransmitGiveUp);
    if (!this.source.transport.reliable) {
      let interval = t1;
      const again = (): void => {
        this.retransmit = timers.setTimeout(() => {
          if (this.okResponse !== ok) return;
          tx.respond(ok);
          interval = Math.min(interval * 2, t2);
          again();
        }, interval);
      };
      again();
    }
    this.retransmitGiveUp = timers.setTimeout(() => {
      if (this.okResponse !== ok) return;
      this.okResponse = undefined;
      timers.clearTimeout(this.retransmit);
      void this.bye('ack-timeout');
    }, 64 * t1);
  }

  /** ACK for our 2xx (from the UA core's dialog lookup). */
  handleAck(ack: SipRequest): void {
    if (!this.okResponse) return;
    const cseq = parseCSeq(ack.headers.get('CSeq') ?? '');
    const okSeq = parseCSeq(this.okResponse.headers.get('CSeq') ?? '');
    if (!cseq.ok || !okSeq.ok || cseq.value.seq !== okSeq.value.seq) return;
    this.okResponse = undefined;
    this.stack.timers.clearTimeout(this.retransmit);
    this.stack.timers.clearTimeout(this.retransmitGiveUp);
    if (ack.body.length && this.onAnswer) this.onAnswer(ack.body.toString('utf8'));
    if (this.state === 'answered') {
      this.state = 'confirmed';
      this.dialog!.state = 'confirmed';
      this.timer.arm();
      this.emit('confirmed');
    }
  }

  /** CANCEL for our INVITE: 487 unless already answered (RFC 3261 §9.2). */
  handleCancel(): boolean {
    if (this.state !== 'incoming' || this.transaction.hasFinalResponse) return false;
    this.transaction.respond(createResponse(this.request, 487, 'Request Terminated', { toTag: this.localTag }));
    this.end('cancelled');
    return true;
  }

  /** An in-dialog request (the UA core has matched the dialog). */
  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    serveInDialogRequest(this.dialog!, req, tx, this.inDialogHandlers);
  }


  private handleReinvite(req: SipRequest, tx: InviteServerTransaction): void {
    if (this.outgoingReinvite || this.okResponse || this.pendingReinvite) {
      tx.respond(createResponse(req, 491, 'Request Pending', { toTag: this.localTag, headers: [['Retry-After', '1']] }));
      return;
    }
    let answerSdp = this.localSdp;
    if (req.body.length) {
      const r = this.onOffer ? this.onOffer(req.body.toString('utf8'), 'INVITE') : ({ ok: false, code: 488, reason: 'Not Acceptable Here' } as OfferRejection);
      if (!r.ok) {
        tx.respond(createResponse(req, r.code, r.reason, { toTag: this.localTag }));
        return;
      }
      answerSdp = r.sdp;
      this.localSdp = r.sdp;
    }
    this.dialog!.refreshTarget(req);
    const headers = this.baseHeaders();
    const st = this.timer.negotiate(req);
    if (st) headers.push(...st);
    const ok = createResponse(req, 200, 'OK', { toTag: this.localTag, headers, body: answerSdp, contentType: 'application/sdp' });
    this.sendOk(tx, ok);
    this.timer.arm();
    this.emit('refresh');
  }

  private handleUpdate(req: SipRequest, tx: ServerTransaction): void {
    const headers = this.baseHeaders();
    if (req.body.length) {
      const r = this.onOffer ? this.onOffer(req.body.toString('utf8'), 'UPDATE') : ({ ok: false, code: 488, reason: 'Not Acceptable Here' } as OfferRejection);
      if (!r.ok) {
        tx.respond(createResponse(req, r.code, r.reason));
        return;
      }
      this.localSdp = r.sdp;
      const st = this.timer.negotiate(req);
      if (st) headers.push(...st);
      this.dialog!.refreshTarget(req);
      tx.respond(createResponse(req, 200, 'OK', { headers, body: r.sdp, contentType: 'application/sdp' }));
    } else {
      const st = this.timer.negotiate(req);
      if (st) headers.push(...st);
      this.dialog!.refreshTarget(req);
      tx.respond(createResponse(req, 200, 'OK', { headers }));
    }
    this.timer.arm();
    this.emit('refresh');
  }

  /** Send an in-dialog request and wait for its final response (undefined on timeout/transport failure). */
  async sendInDialog(method: string, opts: InDialogSendOptions = {}): Promise<SipResponse | undefined> {
    const d = this.dialog;
    if (!d) return undefined;
    return sendInDialogRequest(this.stack, d, method, opts, async (req) =>
      d.routeSet.length
        ? { endpoint: await this.stack.resolveTarget(req) }
        : this.source.transport.reliable
          ? { endpoint: this.source.remote, connectionId: this.source.connectionId }
          : { endpoint: await resolveUri(d.remoteTarget) },
    );
  }

  /** Hang up from our side. Before the call is answered this rejects with 480 instead. */
  async bye(reason: EndReason = 'local-bye', headers: [string, string][] = []): Promise<void> {
    if (this.state === 'ended') return;
    if (this.state === 'incoming') {
      this.reject(reason === 'shutdown' ? 503 : 480);
      return;
    }
    this.end(reason);
    await this.sendInDialog('BYE', { headers });
  }

  end(reason: EndReason): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.endReason = reason;
    if (this.dialog) this.dialog.state = 'terminated';
    for (const t of [this.retransmit, this.retransmitGiveUp]) this.stack.timers.clearTimeout(t);
    this.timer.stop();
    this.okResponse = undefined;
    this.onGone(this);
    this.emit('ended', reason);
  }
}
