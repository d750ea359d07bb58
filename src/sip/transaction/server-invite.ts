/**
 * INVITE server transaction (RFC 3261 §17.2.1, with RFC 6026's Accepted state).
 *
 *   Proceeding --1xx--> Proceeding          (INVITE retransmission → resend last provisional)
 *   Proceeding --2xx--> Accepted  (Timer L = 64*T1; retransmitted INVITEs absorbed; TU resends 2xx)
 *   Proceeding --3xx-6xx--> Completed (Timer G resend on unreliable, Timer H = 64*T1 waiting for ACK)
 *   Completed --ACK--> Confirmed (Timer I = T4 unreliable, 0 reliable) --> Terminated
 *   Completed --Timer H--> Terminated (onAckTimeout)
 *
 * The 100 Trying may wait (`tryingUnlessAnsweredWithin`): §17.2.1 lets a transaction skip it when the
 * TU answers (1xx or final) within 200 ms, so a call answered at once costs one response fewer; an
 * INVITE retransmission before the deadline gets the 100 at once, as it would have got the 100 sent.
 *
 * Only while Proceeding does it hold the parsed INVITE (a CANCEL finds it, the TU answers it). Once a
 * final response has left it keeps that response's bytes (`Sent`) and forgets both parsed messages:
 * Accepted lasts 32 s and needs nothing to absorb retransmitted INVITEs; Completed resends bytes.
 */
import type { TimerHandle } from '../../time/index.js';
import type { SipRequest, SipResponse } from '../message.js';
import type { Sent, TransactionContext } from './types.js';

export type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export class InviteServerTransaction {
  state: InviteServerState = 'proceeding';
  /** The last response sent, as bytes (resent for a retransmitted INVITE, and by Timer G). */
  private lastSent?: Sent;
  #request: SipRequest | undefined;
  /** Timer H fired: no ACK for our error response. */
  onAckTimeout?: () => void;
  private timerG?: TimerHandle;
  private timerH?: TimerHandle;
  private timerI?: TimerHandle;
  private timerL?: TimerHandle;
  private gInterval: number;
  /** The deferred 100 Trying and its deadline (tryingUnlessAnsweredWithin). */
  private trying?: () => SipResponse;
  private timerTrying?: TimerHandle;

  constructor(
    readonly id: string,
    request: SipRequest,
    private readonly ctx: TransactionContext,
  ) {
    this.#request = request;
    this.gInterval = ctx.config.t1;
  }

  /** The INVITE, until a final response has been sent (then undefined: the TU keeps its own). */
  get request(): SipRequest | undefined {
    return this.#request;
  }

  get hasFinalResponse(): boolean {
    return this.state !== 'proceeding';
  }

  /**
   * Send `trying()` (a 100) after `ms` unless a response has left by then, or at once when the INVITE
   * is retransmitted first. `ms` ≤ 200 (RFC 3261 §17.2.1).
   */
  tryingUnlessAnsweredWithin(ms: number, trying: () => SipResponse): void {
    if (this.state !== 'proceeding' || this.lastSent) return;
    this.trying = trying;
    this.timerTrying = this.ctx.timers.setTimeout(() => this.sendTrying(), ms);
  }

  private sendTrying(): void {
    const trying = this.trying;
    this.cancelTrying();
    if (trying && this.state === 'proceeding' && !this.lastSent) this.respond(trying());
  }

  private cancelTrying(): void {
    if (this.trying === undefined) return;
    this.trying = undefined;
    this.ctx.timers.clearTimeout(this.timerTrying);
    this.timerTrying = undefined;
  }

  respond(res: SipResponse): void {
    const { timers, config, reliable } = this.ctx;
    this.cancelTrying();
    if (this.state === 'proceeding') {
      this.lastSent = this.ctx.send(res);
      if (res.status < 200) return;
      this.#request = undefined;
      if (res.status < 300) {
        // RFC 6026: the TU resends its own 2xx; nothing here is sent again.
        this.lastSent = undefined;
        this.state = 'accepted';
        this.timerL = timers.setTimeout(() => this.terminate(), 64 * config.t1);
        return;
      }
      this.state = 'completed';
      if (!reliable) this.armG();
      this.timerH = timers.setTimeout(() => {
        this.onAckTimeout?.();
        this.terminate();
      }, 64 * config.t1);
    } else if (this.state === 'accepted' && res.status >= 200 && res.status < 300) {
      // TU retransmitting its 2xx (RFC 6026 §7.1).
      this.ctx.send(res);
    }
  }

  /** A retransmission of the INVITE arrived. */
  receiveRequest(): void {
    if (this.trying !== undefined) return this.sendTrying();
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastSent) this.ctx.resend(this.lastSent);
    // accepted/confirmed: absorbed.
  }

  /** An ACK matching this transaction (i.e. for a non-2xx final response). */
  receiveAck(): void {
    if (this.state !== 'completed') return;
    this.state = 'confirmed';
    this.ctx.timers.clearTimeout(this.timerG);
    this.ctx.timers.clearTimeout(this.timerH);
    this.timerI = this.ctx.timers.setTimeout(() => this.terminate(), this.ctx.reliable ? 0 : this.ctx.config.t4);
  }

  private armG(): void {
    this.timerG = this.ctx.timers.setTimeout(() => {
      if (this.state !== 'completed' || !this.lastSent) return;
      this.ctx.resend(this.lastSent);
      this.gInterval = Math.min(2 * this.gInterval, this.ctx.config.t2);
      this.armG();
    }, this.gInterval);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.#request = undefined;
    this.lastSent = undefined;
    this.cancelTrying();
    for (const t of [this.timerG, this.timerH, this.timerI, this.timerL]) this.ctx.timers.clearTimeout(t);
    this.ctx.onTerminated();
  }
}
