/**
 * The server side of an INVITE dialog usage: answering, 2xx retransmission until ACK
 * (RFC 3261 §13.3.1.4), CANCEL, BYE in both directions, re-INVITE and UPDATE offers
 * (hold/unhold, session refresh), RFC 4028 session timers, INFO, and in-dialog requests we send.
 *
 * It speaks SDP only as opaque text: the call layer answers offers through `onOffer`.
 */
import { EventEmitter } from 'node:events';
import type { SipRequest, SipResponse } from './message.js';
import { parseCSeq } from './parse/index.js';
import { createResponse, newTag } from './response.js';
import { Dialog } from './dialog.js';
import type { RequestSource, ServerTransaction, SipStack } from './stack.js';
import { resolveUri } from './stack.js';
import type { InviteServerTransaction } from './transaction/server-invite.js';
import type { TimerHandle } from '../time/clock.js';

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

export interface SessionTimerPolicy {
  /** Interval we ask for when the caller gives none (seconds; 0 = no session timer). */
  sessionExpires: number;
  minSE: number;
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
  /** Negotiated session timer: interval in seconds and who refreshes. */
  sessionTimer?: { interval: number; refresher: 'uac' | 'uas' };

  private okResponse?: SipResponse;
  private retransmit?: TimerHandle;
  private retransmitGiveUp?: TimerHandle;
  private sessionTimerHandle?: TimerHandle;
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
  }

  get callId(): string {
    return this.request.headers.get('Call-ID') ?? '';
  }

  get offer(): string {
    return this.request.body.toString('utf8');
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
    const st = this.negotiateSessionTimer(this.request);
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

  /** RFC 4028 §9: choose interval and refresher for the 2xx; returns headers to add. */
  private negotiateSessionTimer(req: SipRequest): [string, string][] | undefined {
    const se = req.headers.get('Session-Expires');
    const supportsTimer = /\btimer\b/i.test(req.headers.getAll('Supported').join(','));
    const policy = this.opts.sessionTimer;
    let interval: number;
    let refresher: 'uac' | 'uas';
    if (se) {
      const m = /^\s*(\d+)\s*(?:;.*?refresher\s*=\s*(uac|uas))?/i.exec(se);
      interval = m ? Number(m[1]) : policy.sessionExpires;
      refresher = (m?.[2]?.toLowerCase() as 'uac' | 'uas' | undefined) ?? (supportsTimer ? 'uac' : 'uas');
    } else if (policy.sessionExpires > 0) {
      interval = policy.sessionExpires;
      refresher = supportsTimer ? 'uac' : 'uas';
    } else return undefined;
    if (!supportsTimer) refresher = 'uas';
    this.sessionTimer = { interval, refresher };
    const headers: [string, string][] = [['Session-Expires', `${interval};refresher=${refresher}`]];
    if (supportsTimer) headers.push(['Require', 'timer']);
    return headers;
  }

  private armSessionTimer(): void {
    const st = this.sessionTimer;
    this.stack.timers.clearTimeout(this.sessionTimerHandle);
    if (!st || this.state === 'ended') return;
    if (st.refresher === 'uas') {
      // We refresh at half the interval with an offer-less UPDATE-like re-INVITE carrying our SDP.
      this.sessionTimerHandle = this.stack.timers.setTimeout(() => void this.refreshSession(), (st.interval * 1000) / 2);
    } else {
      const grace = Math.min(32, st.interval / 3);
      this.sessionTimerHandle = this.stack.timers.setTimeout(() => {
        void this.bye('session-expired', [['Reason', 'SIP;cause=408;text="Session timer expired"']]);
      }, (st.interval - grace) * 1000);
    }
  }

  private async refreshSession(): Promise<void> {
    if (this.state !== 'confirmed' || !this.dialog) return;
    const useUpdate = /\bUPDATE\b/i.test(this.request.headers.getAll('Allow').join(','));
    const st = this.sessionTimer!;
    const headers: [string, string][] = [['Session-Expires', `${st.interval};refresher=uas`], ['Supported', 'timer']];
    if (useUpdate) {
      const res = await this.sendInDialog('UPDATE', { headers });
      if (res && res.status >= 200 && res.status < 300) this.armSessionTimer();
      else if (res?.status === 481 || res?.status === 408 || !res) void this.bye('session-expired');
      else this.armSessionTimer();
    } else {
      this.outgoingReinvite = true;
      const res = await this.sendInDialog('INVITE', { headers, body: Buffer.from(this.localSdp), contentType: 'application/sdp' });
      this.outgoingReinvite = false;
      if (res && res.status >= 200 && res.status < 300) this.armSessionTimer();
      else if (res?.status === 481 || res?.status === 408 || !res) void this.bye('session-expired');
      else this.armSessionTimer();
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
      this.armSessionTimer();
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
    const d = this.dialog!;
    if (!d.acceptRemoteSeq(req)) {
      tx.respond(createResponse(req, 500, 'Server Internal Error - CSeq out of order'));
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(createResponse(req, 200));
        this.end('remote-bye');
        return;
      case 'INVITE':
        return this.handleReinvite(req, tx as InviteServerTransaction);
      case 'UPDATE':
        return this.handleUpdate(req, tx);
      case 'INFO':
        this.handleInfo(req, tx);
        return;
      case 'OPTIONS':
        tx.respond(createResponse(req, 200, 'OK', { headers: this.baseHeaders().concat([['Accept', 'application/sdp']]) }));
        return;
      case 'NOTIFY':
      case 'REFER':
        this.emit('info', req);
        tx.respond(createResponse(req, req.method === 'NOTIFY' ? 200 : 603));
        return;
      default:
        tx.respond(createResponse(req, 405, undefined, { headers: [['Allow', this.opts.allow]] }));
    }
  }

  private handleReinvite(req: SipRequest, tx: InviteServerTransaction): void {
    if (this.outgoingReinvite || this.okResponse || this.pendingReinvite) {
      tx.respond(createResponse(req, 491, 'Request Pending', { toTag: this.localTag, headers: [['Retry-After', '1']] }));
      return;
    }
    const ct = (req.headers.get('Content-Type') ?? '').toLowerCase();
    let answerSdp = this.localSdp;
    if (req.body.length) {
      if (!ct.startsWith('application/sdp')) {
        tx.respond(createResponse(req, 415, undefined, { toTag: this.localTag, headers: [['Accept', 'application/sdp']] }));
        return;
      }
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
    const st = this.negotiateSessionTimer(req);
    if (st) headers.push(...st);
    const ok = createResponse(req, 200, 'OK', { toTag: this.localTag, headers, body: answerSdp, contentType: 'application/sdp' });
    this.sendOk(tx, ok);
    this.armSessionTimer();
    this.emit('refresh');
  }

  private handleUpdate(req: SipRequest, tx: ServerTransaction): void {
    const headers = this.baseHeaders();
    if (req.body.length) {
      const ct = (req.headers.get('Content-Type') ?? '').toLowerCase();
      if (!ct.startsWith('application/sdp')) {
        tx.respond(createResponse(req, 415, undefined, { headers: [['Accept', 'application/sdp']] }));
        return;
      }
      const r = this.onOffer ? this.onOffer(req.body.toString('utf8'), 'UPDATE') : ({ ok: false, code: 488, reason: 'Not Acceptable Here' } as OfferRejection);
      if (!r.ok) {
        tx.respond(createResponse(req, r.code, r.reason));
        return;
      }
      this.localSdp = r.sdp;
      const st = this.negotiateSessionTimer(req);
      if (st) headers.push(...st);
      this.dialog!.refreshTarget(req);
      tx.respond(createResponse(req, 200, 'OK', { headers, body: r.sdp, contentType: 'application/sdp' }));
    } else {
      const st = this.negotiateSessionTimer(req);
      if (st) headers.push(...st);
      this.dialog!.refreshTarget(req);
      tx.respond(createResponse(req, 200, 'OK', { headers }));
    }
    this.armSessionTimer();
    this.emit('refresh');
  }

  private handleInfo(req: SipRequest, tx: ServerTransaction): void {
    const ct = (req.headers.get('Content-Type') ?? '').toLowerCase().split(';')[0]!.trim();
    if (req.body.length && !['application/dtmf-relay', 'application/dtmf', 'application/media_control+xml', 'text/plain'].includes(ct)) {
      tx.respond(createResponse(req, 415, undefined, { headers: [['Accept', 'application/dtmf-relay, application/dtmf']] }));
      return;
    }
    tx.respond(createResponse(req, 200));
    this.emit('info', req);
  }

  /** Send an in-dialog request and wait for its final response (undefined on timeout/transport failure). */
  async sendInDialog(method: string, opts: { headers?: [string, string][]; body?: Buffer; contentType?: string } = {}): Promise<SipResponse | undefined> {
    const d = this.dialog;
    if (!d) return undefined;
    const req = d.createRequest(method, opts);
    let dest;
    try {
      dest = d.routeSet.length
        ? { endpoint: await this.stack.resolveTarget(req) }
        : this.source.transport.reliable
          ? { endpoint: this.source.remote, connectionId: this.source.connectionId }
          : { endpoint: await resolveUri(d.remoteTarget) };
    } catch {
      return undefined;
    }
    const seq = d.localSeq; // createRequest just used it; another request may follow before the answer
    const res = await this.stack.request(req, dest);
    if (res && method === 'INVITE' && res.status < 300) {
      // ACK for a 2xx to our re-INVITE: same CSeq number, end to end (no transaction).
      void this.stack.sendStatelessRequest(d.createRequest('ACK', { seq }), dest);
    }
    return res;
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
    for (const t of [this.retransmit, this.retransmitGiveUp, this.sessionTimerHandle]) this.stack.timers.clearTimeout(t);
    this.okResponse = undefined;
    this.onGone(this);
    this.emit('ended', reason);
  }
}
