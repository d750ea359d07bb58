/** What a transaction needs from its stack: the clock its timers run on, RFC 3261 T1/T2/T4, whether the transport is reliable, and a way to send. */
import type { Clock } from '../../time/index.js';
import type { SipMessage } from '../message.js';

export interface TransactionTimers {
  t1: number;
  t2: number;
  t4: number;
}

/**
 * A message as it left (its bytes and where they went), opaque to transactions. A server
 * transaction keeps this for retransmissions instead of the parsed response and request: it lives
 * 32 s after its final response on UDP (Timer J, RFC 6026's Timer L), and the parsed messages of
 * every call of that span held in the heap were most of the gateway's old-generation garbage
 * collection (docs/sip.md "Call set-up rate").
 */
export type Sent = { readonly __sent: unique symbol };

export interface TransactionContext {
  timers: Clock;
  config: TransactionTimers;
  reliable: boolean;
  /** Serialises and sends `msg`; the result sends the same bytes to the same place again (`resend`). */
  send(msg: SipMessage): Sent;
  resend(sent: Sent): void;
  /** Called once when the transaction reaches Terminated (the stack forgets it). */
  onTerminated(): void;
}
