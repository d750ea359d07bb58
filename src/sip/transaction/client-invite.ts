/**
 * INVITE client transaction (RFC 3261 §17.1.1, with RFC 6026's Accepted state).
 *
 *   Calling (Timer A resend on unreliable, Timer B = 64*T1 → timeout)
 *   --1xx--> Proceeding --2xx--> Accepted (Timer M = 64*T1; further 2xx passed to the TU, which ACKs)
 *   --3xx-6xx--> Completed: ACK sent by the transaction, Timer D (32 s unreliable, 0 reliable)
 */
import type { TimerHandle } from '../../time/index.js';
import { Headers, type SipRequest, type SipResponse } from '../message.js';
import type { TransactionContext } from './types.js';

export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

export class InviteClientTransaction {
  state: InviteClientState = 'calling';
  onResponse?: (res: SipResponse) => void;
  onTimeout?: () => void;
  private timerA?: TimerHandle;
  private timerB?: TimerHandle;
  private timerD?: TimerHandle;
  private timerM?: TimerHandle;
  private aInterval: number;
  private ack?: SipRequest;

  constructor(
    readonly id: string,
    readonly request: SipRequest,
    private readonly ctx: TransactionContext,
  ) {
    this.aInterval = ctx.config.t1;
  }

  start(): void {
    this.ctx.send(this.request);
    if (!this.ctx.reliable) this.armA();
    this.timerB = this.ctx.timers.setTimeout(() => {
      if (this.state !== 'calling' && this.state !== 'proceeding') return;
      this.onTimeout?.();
      this.terminate();
    }, 64 * this.ctx.config.t1);
  }

  private armA(): void {
    this.timerA = this.ctx.timers.setTimeout(() => {
      if (this.state !== 'calling') return;
      this.ctx.send(this.request);
      this.aInterval *= 2;
      this.armA();
    }, this.aInterval);
  }

  receiveResponse(res: SipResponse): void {
    const { timers } = this.ctx;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        timers.clearTimeout(this.timerA);
        if (res.status < 200) {
          this.state = 'proceeding';
          this.onResponse?.(res);
        } else if (res.status < 300) {
          timers.clearTimeout(this.timerB);
          this.state = 'accepted';
          this.timerM = timers.setTimeout(() => this.terminate(), 64 * this.ctx.config.t1);
          this.onResponse?.(res);
        } else {
          timers.clearTimeout(this.timerB);
          this.state = 'completed';
          this.ack = buildAckForError(this.request, res);
          this.ctx.send(this.ack);
          this.onResponse?.(res);
          this.timerD = timers.setTimeout(() => this.terminate(), this.ctx.reliable ? 0 : 32_000);
        }
        break;
      case 'accepted':
        if (res.status >= 200 && res.status < 300) this.onResponse?.(res);
        break;
      case 'completed':
        if (res.status >= 300 && this.ack) this.ctx.send(this.ack);
        break;
      default:
        break;
    }
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const t of [this.timerA, this.timerB, this.timerD, this.timerM]) this.ctx.timers.clearTimeout(t);
    this.ctx.onTerminated();
  }
}

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx final response belongs to the INVITE's transaction. */
export function buildAckForError(invite: SipRequest, res: SipResponse): SipRequest {
  const h = new Headers();
  const via = invite.headers.get('Via');
  if (via) h.append('Via', via);
  for (const r of invite.headers.getAll('Route')) h.append('Route', r);
  h.append('Max-Forwards', '70');
  h.append('From', invite.headers.get('From') ?? '');
  h.append('To', res.headers.get('To') ?? invite.headers.get('To') ?? '');
  h.append('Call-ID', invite.headers.get('Call-ID') ?? '');
  const seq = (invite.headers.get('CSeq') ?? '1').trim().split(/\s+/)[0];
  h.append('CSeq', `${seq} ACK`);
  return { kind: 'request', method: 'ACK', uri: invite.uri, version: 'SIP/2.0', headers: h, body: Buffer.alloc(0) };
}
