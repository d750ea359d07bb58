/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2).
 *   Trying --1xx--> Proceeding --final--> Completed (Timer J = 64*T1 unreliable, 0 reliable) --> Terminated
 * Retransmitted requests in Proceeding/Completed get the last response again — its bytes (`Sent`):
 * the transaction keeps neither the parsed request nor the parsed response (Completed lasts 32 s).
 */
import type { TimerHandle } from '../../time/index.js';
import type { SipRequest, SipResponse } from '../message.js';
import type { Sent, TransactionContext } from './types.js';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteServerTransaction {
  state: NonInviteServerState = 'trying';
  private lastSent?: Sent;
  private timerJ?: TimerHandle;

  /** `request` is not kept: the TU was handed it with this transaction. */
  constructor(
    readonly id: string,
    _request: SipRequest,
    private readonly ctx: TransactionContext,
  ) {}

  get hasFinalResponse(): boolean {
    return this.state === 'completed' || this.state === 'terminated';
  }

  respond(res: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.lastSent = this.ctx.send(res);
    if (res.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.timerJ = this.ctx.timers.setTimeout(() => this.terminate(), this.ctx.reliable ? 0 : 64 * this.ctx.config.t1);
  }

  receiveRequest(): void {
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastSent) this.ctx.resend(this.lastSent);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.lastSent = undefined;
    this.ctx.timers.clearTimeout(this.timerJ);
    this.ctx.onTerminated();
  }
}
