/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2).
 *   Trying (Timer E resend T1→T2 on unreliable, Timer F = 64*T1 → timeout)
 *   --1xx--> Proceeding (Timer E at T2) --final--> Completed (Timer K = T4 unreliable, 0 reliable)
 */
import type { TimerHandle } from '../../time/index.js';
import type { SipRequest, SipResponse } from '../message.js';
import type { TransactionContext } from './types.js';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteClientTransaction {
  state: NonInviteClientState = 'trying';
  onResponse?: (res: SipResponse) => void;
  onTimeout?: () => void;
  private timerE?: TimerHandle;
  private timerF?: TimerHandle;
  private timerK?: TimerHandle;
  private eInterval: number;

  constructor(
    readonly id: string,
    readonly request: SipRequest,
    private readonly ctx: TransactionContext,
  ) {
    this.eInterval = ctx.config.t1;
  }

  start(): void {
    this.ctx.send(this.request);
    if (!this.ctx.reliable) this.armE();
    this.timerF = this.ctx.timers.setTimeout(() => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.onTimeout?.();
      this.terminate();
    }, 64 * this.ctx.config.t1);
  }

  private armE(): void {
    this.timerE = this.ctx.timers.setTimeout(() => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.ctx.send(this.request);
      this.eInterval = this.state === 'proceeding' ? this.ctx.config.t2 : Math.min(2 * this.eInterval, this.ctx.config.t2);
      this.armE();
    }, this.eInterval);
  }

  receiveResponse(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (res.status < 200) {
      this.state = 'proceeding';
      this.onResponse?.(res);
      return;
    }
    this.ctx.timers.clearTimeout(this.timerE);
    this.ctx.timers.clearTimeout(this.timerF);
    this.state = 'completed';
    this.onResponse?.(res);
    this.timerK = this.ctx.timers.setTimeout(() => this.terminate(), this.ctx.reliable ? 0 : this.ctx.config.t4);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const t of [this.timerE, this.timerF, this.timerK]) this.ctx.timers.clearTimeout(t);
    this.ctx.onTerminated();
  }
}
