/**
 * Transport layer (RFC 3261 §18). A transport moves whole SIP message buffers; parsing is the
 * stack's job. Stream transports (TCP, TLS) frame by Content-Length and remember the
 * connection a request arrived on, so responses and in-dialog requests reuse it (RFC 3261
 * §18.2.2, RFC 5923 spirit). TLS slots in as another `StreamTransport` over `node:tls`.
 */
import type { ClosureReason, ConnectionCounters, RefusalReason } from './limits.js';

export type TransportProtocol = 'UDP' | 'TCP' | 'TLS';

export interface Endpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

export interface InboundMessage {
  data: Buffer;
  source: Endpoint;
  /** Stream transports: the connection it came on (send responses back on it). */
  connectionId?: string;
  /** Framing failed on a stream: the message is unusable and the connection is being closed. */
  framingError?: string;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly secure: boolean;
  readonly localAddress: string;
  readonly localPort: number;
  /** Send a buffer. Stream transports use `connectionId` when it is still open, else connect. */
  send(data: Buffer, dest: Endpoint, connectionId?: string): Promise<void>;
  close(): Promise<void>;
  onMessage?: (msg: InboundMessage) => void;
  onError?: (err: Error) => void;
  /** Stream transports: may a connection from this address be accepted (checked before any byte is read)? */
  admit?: (address: string) => boolean;
  /** Stream transports: does a dialog or transaction still use this connection (kept past the idle limit)? */
  connectionInUse?: (connectionId: string) => boolean;
  /** Stream transports: a connection was refused at accept or closed by a deadline. */
  onConnectionDropped?: (reason: RefusalReason | ClosureReason, address: string) => void;
  /** Stream transports: accepted, refused and closed-by-deadline connection counts. */
  readonly connectionCounters?: ConnectionCounters;
  /** Stream transports: close a connection now, counting `reason`. */
  drop?(connectionId: string, reason: 'allowlist'): void;
}
