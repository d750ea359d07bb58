/** What a transaction needs from its stack: the clock its timers run on, RFC 3261 T1/T2/T4, whether the transport is reliable, and a way to send. */
import type { Clock } from '../../time/index.js';
import type { SipMessage } from '../message.js';

export interface TransactionTimers {
  t1: number;
  t2: number;
  t4: number;
}

export interface TransactionContext {
  timers: Clock;
  config: TransactionTimers;
  reliable: boolean;
  send(msg: SipMessage): void;
  /** Called once when the transaction reaches Terminated (the stack forgets it). */
  onTerminated(): void;
}
