/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2).
 *   Trying --1xx--> Proceeding --final--> Completed (Timer J = 64*T1 unreliable, 0 reliable) --> Terminated
 * Retransmitted requests in Proceeding/Completed get the last response again.
 */
import type { TimerHandle } from '../../time/index.js';
import type { SipRequest, SipResponse } from '../message.js';
import type { TransactionContext } from './types.js';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteServerTransaction {
  state: NonInviteServerState = 'trying';
  lastResponse?: SipResponse;
  private timerJ?: TimerHandle;

  constructor(
    readonly id: string,
    readonly request: SipRequest,
    private readonly ctx: TransactionContext,
  ) {}

  get hasFinalResponse(): boolean {
    return this.state === 'completed' || this.state === 'terminated';
  }

  respond(res: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.lastResponse = res;
    this.ctx.send(res);
    if (res.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.timerJ = this.ctx.timers.setTimeout(() => this.terminate(), this.ctx.reliable ? 0 : 64 * this.ctx.config.t1);
  }

  receiveRequest(): void {
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) this.ctx.send(this.lastResponse);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.ctx.timers.clearTimeout(this.timerJ);
    this.ctx.onTerminated();
  }
}
